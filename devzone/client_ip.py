"""The address a request came from, as login throttling counts it."""

import ipaddress

from django.conf import settings


def valid_address(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request):
    """Return the client's IP address, trusting only the configured proxies.

    Behind ``DEVZONE_TRUSTED_PROXY_COUNT`` reverse proxies the client is the address
    the outermost of them appended to X-Forwarded-For; anything further left was sent
    by the client itself and could name any address. Without proxies the address is
    the connection's own, whatever headers the request carries.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.DEVZONE_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return valid_address(forwarded[-proxies]) or remote
