from django.urls import URLPattern, path

from jingxi.inspections import views, views_office, views_round

app_name = "inspections"

urlpatterns: list[URLPattern] = [
    path("plans/<str:day>/", views.plan_day, name="plan-day"),
    path("roster/", views.roster_week, name="roster-week"),
    path("routes/<id:route_id>/", views.route_detail, name="route-detail"),
    path("routes/<id:route_id>/gpx/", views.route_gpx_download, name="route-gpx"),
    # --- the office: overview, coverage, gaps, maps, positions (views_office.py) ---
    path("", views_office.overview, name="overview"),
    path("coverage/", views_office.coverage, name="coverage"),
    path("coverage/export/", views_office.coverage_export, name="coverage-export"),
    path("coverage/map/", views_office.coverage_map, name="coverage-map"),
    path("coverage/map.geojson", views_office.coverage_geojson, name="coverage-geojson"),
    path("gaps/", views_office.gaps, name="gaps"),
    path("positions/", views_office.positions, name="positions"),
    path("positions.geojson", views_office.positions_data, name="positions-data"),
    # --- the inspector's phone (views_round.py) ---
    path("round/", views_round.round_page, name="round"),
    path("sw.js", views_round.service_worker, name="service-worker"),
]
