from django.urls import path

from devzone.desk import views

app_name = "desk"

urlpatterns = [
    path("people/", views.person_find, name="person_find"),
    path(
        "people/record/<str:label>/<int:pk>/",
        views.person_from_record,
        name="person_from_record",
    ),
    path("people/<str:key>/", views.person, name="person"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
