from django.urls import URLPattern, URLResolver, path

from jingxi.hotline import views

app_name = "hotline"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.console, name="console"),
    path("calls/", views.call_take_view, name="call-take"),
    path("calls/attach/<id:case_id>/", views.call_attach_view, name="call-attach"),
    path("calls/log/", views.call_log_view, name="call-log"),
    path("history/", views.call_history_view, name="call-history"),
    path("suggest/", views.category_suggest_view, name="category-suggest"),
    path("nearby/", views.case_nearby_view, name="case-nearby"),
    path("callbacks/", views.callback_list, name="callback-list"),
    path("callbacks/record/", views.callback_record_view, name="callback-record"),
]
