from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from devzone.accounts.views import two_factor_setup
from devzone.health import healthz
from devzone.import_cancel import import_cancel
from devzone.import_mapping import import_mapping_save


def favicon(request):
    """Answer browsers asking for /favicon.ico with the admin's icon."""
    return HttpResponsePermanentRedirect(static("devzone/favicon.svg"))


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    # Outside /admin/: a user who must enrol reaches this page and nothing else.
    path("account/two-factor/", two_factor_setup, name="two_factor_setup"),
    path("admin/import/cancel/", import_cancel, name="import_cancel"),
    path("admin/import/mapping/", import_mapping_save, name="import_mapping"),
    path("admin/", admin.site.urls),
    path("reports/", include("devzone.reports.urls")),
    # Photos only through the checked view: there is no public MEDIA_URL.
    path("photos/", include("devzone.photos.urls")),
    path("desk/", include("devzone.desk.urls")),
]

handler403 = "devzone.errors.permission_denied"
handler404 = "devzone.errors.page_not_found"
