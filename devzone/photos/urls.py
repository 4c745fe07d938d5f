from django.urls import path

from devzone.photos import views

app_name = "photos"

urlpatterns = [
    path(
        "<str:model>/<uuid:key>/<str:variant>.jpg",
        views.photo,
        name="photo",
    ),
]
