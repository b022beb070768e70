from django.urls import URLPattern, URLResolver, path

from jingxi.public import citizen

app_name = "public"
# Citizens' reports and tracking (jingxi/public/citizen.py).
urlpatterns: list[URLPattern | URLResolver] = [
    path("report/", citizen.report, name="report"),
    path("report/<str:number>/done/", citizen.report_done, name="report-done"),
    path("geocode/", citizen.geocode, name="geocode"),
    path("place/", citizen.place_describe, name="place-describe"),
    path("map-context/", citizen.map_context, name="map-context"),
    path("category-suggest/", citizen.category_suggest_view, name="category-suggest"),
    path("track/", citizen.track_search, name="track-search"),
    path("track/<str:number>/", citizen.track, name="track"),
    path("track/<str:number>/feedback/", citizen.feedback_give, name="feedback"),
    path("track/<str:number>/not-fixed/", citizen.not_fixed, name="not-fixed"),
    path("reopen-requests/", citizen.reopen_list, name="reopen-list"),
    path("reopen-requests/<int:request_id>/decide/", citizen.reopen_decide, name="reopen-decide"),
]
