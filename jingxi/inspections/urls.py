from django.urls import path

from jingxi.inspections import views_office

app_name = "inspections"

urlpatterns = [
    # --- the office: overview, coverage, gaps, maps, positions (views_office.py) ---
    path("", views_office.overview, name="overview"),
    path("coverage/", views_office.coverage, name="coverage"),
    path("coverage/export/", views_office.coverage_export, name="coverage-export"),
    path("coverage/map/", views_office.coverage_map, name="coverage-map"),
    path("coverage/map.geojson", views_office.coverage_geojson, name="coverage-geojson"),
    path("gaps/", views_office.gaps, name="gaps"),
    path("positions/", views_office.positions, name="positions"),
    path("positions.geojson", views_office.positions_data, name="positions-data"),
    # --- end of the office's block ---
]
