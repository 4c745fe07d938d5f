"""三员分立: accounts, roles and logs in three hands, and a trail of the superuser.

The three roles are declared with the others in ``devzone.roles``. What keeps them
apart beyond their permissions:
- the user form takes groups, permissions and the superuser flag from superusers
  only: whoever edits accounts cannot grant a role, to others or to himself;
- roles are given from the role's own page (its members), by whoever may change
  groups; a user never changes his own membership there;
- nobody but a superuser sees or edits a superuser's account;
- every request a superuser makes is a security event (``AuditEvent``, 超级管理员操作).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse

from devzone.audit_events import audit_event_record, masked_path
from devzone.models import AuditEvent

# Fields of the user form that give roles and powers: the superuser's alone.
POWER_FIELDS = ("is_superuser", "groups", "user_permissions")


def record_superuser_request(request: HttpRequest, response: HttpResponse) -> None:
    """Write one row for a superuser's request."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_superuser:
        return
    audit_event_record(
        action=AuditEvent.Action.SUPERUSER,
        request=request,
        user=user,
        target=f"{request.method} {masked_path(request)}",
        result=str(response.status_code),
    )


class SuperuserAuditMiddleware:
    """Record every request of a superuser (after the response, with its status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        record_superuser_request(request, response)
        return response
