from django.urls import path

from jingxi.inspections import views_round

app_name = "inspections"
urlpatterns = [
    path("round/", views_round.round_page, name="round"),
    path("sw.js", views_round.service_worker, name="service-worker"),
]
