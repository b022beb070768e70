"""Citizens' reports and tracking; included in the public app's namespace (`public:`)."""

from django.urls import URLPattern, URLResolver, path

from jingxi.public.citizen import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("report/", views.report, name="report"),
    path("report/<str:number>/done/", views.report_done, name="report-done"),
    path("geocode/", views.geocode, name="geocode"),
    path("place/", views.place_describe, name="place-describe"),
    path("map-context/", views.map_context, name="map-context"),
    path("category-suggest/", views.category_suggest_view, name="category-suggest"),
    path("track/", views.track_search, name="track-search"),
    path("track/<str:number>/", views.track, name="track"),
    path(
        "track/<str:number>/photos/<id:attachment_id>.jpg",
        views.track_photo,
        name="track-photo",
    ),
    path("track/<str:number>/feedback/", views.feedback_give, name="feedback"),
    path("track/<str:number>/not-fixed/", views.not_fixed, name="not-fixed"),
    path("reopen-requests/", views.reopen_list, name="reopen-list"),
    path("reopen-requests/<id:request_id>/decide/", views.reopen_decide, name="reopen-decide"),
]
