from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from devzone import registry
from devzone.login_form import LoginForm


class DevzoneAdminSite(admin.AdminSite):
    site_header = _("开发区综合管理系统")
    site_title = _("开发区综合管理系统")
    index_title = _("工作台")
    site_url = None  # the admin is the site: no "查看站点" link looping back
    login_form = LoginForm
    login_template = "devzone/accounts/login.html"

    def i18n_javascript(self, request, extra_context=None):
        # The admin's scripts in Chinese: Django's own catalogue, with devzone's
        # for the messages it lacks (the two-list picker of groups and rights).
        return JavaScriptCatalog.as_view(packages=["django.contrib.admin", "devzone"])(
            request
        )

    def each_context(self, request):
        # Every admin page, and the report and export centre built on it, says why
        # an unassigned community worker sees no records.
        from devzone.scope import Scope

        context = super().each_context(request)
        context["scope_notice"] = Scope.of(request.user).notice()
        return context

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        # The zone's record families in the order their apps registered
        # (``menu_order``); the site's own machinery (users, login throttling) last.
        rank = registry.admin_order
        return sorted(apps, key=lambda app: rank.get(app["app_label"], 10_000))
