from django.urls import path

from jingxi.places import views

app_name = "places"
urlpatterns = [
    path("responsibility/", views.point_responsibility_view, name="point-responsibility"),
    path("geocode/", views.address_geocode_view, name="address-geocode"),
    path("describe/", views.point_describe_view, name="point-describe"),
    path("quality/", views.grid_quality_view, name="grid-quality"),
]
