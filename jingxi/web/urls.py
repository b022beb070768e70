from django.urls import path

from jingxi.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.map_show, name="map"),
    path("map/layers/<slug:layer>.geojson", views.map_layer, name="map-layer"),
]
