from django.urls import URLPattern, path

from jingxi.inspections import views

app_name = "inspections"

urlpatterns: list[URLPattern] = [
    path("plans/<str:day>/", views.plan_day, name="plan-day"),
    path("roster/", views.roster_week, name="roster-week"),
    path("routes/<id:route_id>/", views.route_detail, name="route-detail"),
    path("routes/<id:route_id>/gpx/", views.route_gpx_download, name="route-gpx"),
]
