"""The 403 and 404 pages: in the admin's frame for signed-in staff, plain otherwise.

The plain pages (``400.html`` … ``500.html``) need no context, no static file and no
URL lookup, so that they render whatever failed; Django's own handlers use them for
400 and 500.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OUT_OF_SCOPE = gettext_lazy("找不到该记录，或该记录不在您负责的村/社区内。")
NOT_FOUND = gettext_lazy("找不到该记录：它可能已被删除，或地址有误。")


class RecordNotFound(Http404):
    """A record the user cannot open: deleted, mistyped, or outside their scope.

    One answer for all three, so that a URL tells a community worker nothing about
    another community's records.
    """

    def __init__(self, user):
        from devzone.scope import Scope

        scope = Scope.of(user)
        super().__init__(NOT_FOUND if scope.is_whole_zone else OUT_OF_SCOPE)


class ExplainedRefusal(PermissionDenied):
    """A refusal whose message (in Chinese) says why, and who may do it instead."""


def permission_denied(request, exception=None):
    """Answer a refused request with the Chinese 403 page."""
    if isinstance(exception, ExplainedRefusal):
        return error_page(request, 403, _("没有权限"), str(exception))
    text = _("您没有打开此页面的权限。如工作需要，请联系管理员开通。")
    return error_page(request, 403, _("没有权限"), text)


def page_not_found(request, exception=None):
    """Answer a request for a missing page or record with the Chinese 404 page."""
    if isinstance(exception, RecordNotFound):
        return error_page(request, 404, _("找不到该记录"), str(exception))
    text = _("您要打开的页面或记录不存在，可能已被删除，或地址有误。")
    return error_page(request, 404, _("页面不存在"), text)


def error_page(request, status, title, text):
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        context = {**admin.site.each_context(request), "title": title, "text": text}
        return render(request, "devzone/errors/admin.html", context, status=status)
    return render(request, f"{status}.html", status=status)
