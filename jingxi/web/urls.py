from django.urls import path

from jingxi.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.map_show, name="map"),
    path("map/layers/<slug:layer>.geojson", views.map_layer, name="map-layer"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/badge/", views.notification_badge, name="notification-badge"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification-preferences",
    ),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path(
        "notifications/<id:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
