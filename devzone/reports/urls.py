from django.urls import path

from devzone.reports import guide, views

app_name = "reports"

urlpatterns = [
    path("annual/", views.annual_report, name="annual"),
    path("guide/", guide.guide, name="guide"),
    path(
        "guide/screenshots/<str:name>",
        guide.guide_screenshot,
        name="guide_screenshot",
    ),
    path("exports/", views.export_index, name="export_index"),
    path("exports/history/", views.export_history, name="export_history"),
    path("exports/<str:key>/", views.export_dataset, name="export_dataset"),
]
