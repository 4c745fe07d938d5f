"""The admin from the zone's own networks only (DEVZONE_ADMIN_ALLOWED_NETWORKS).

nginx refuses other addresses first (deploy/nginx.conf); this is the same rule in
the application, where it is tested and holds even when a proxy is misconfigured.
The client's address is the one django-axes sees (``devzone.client_ip``).
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from devzone.client_ip import client_ip

# What a load balancer and the browser's icon need from any address.
OPEN_PATHS = ("/healthz", "/static/", "/favicon.ico")


@cache
def allowed_networks(
    spec: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def address_allowed(address: str, spec: tuple[str, ...]) -> bool:
    """Return True if ``address`` lies in one of the networks (or none is set)."""
    if not spec:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in allowed_networks(spec))


class AdminNetworkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        spec = tuple(settings.DEVZONE_ADMIN_ALLOWED_NETWORKS)
        if not request.path.startswith(OPEN_PATHS) and not address_allowed(
            client_ip(request) or "", spec
        ):
            # Before the session is read: the page knows no user.
            return render(request, "devzone/errors/network.html", status=403)
        return self.get_response(request)
