from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from devzone.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("reports/", include("devzone.reports.urls")),
]
