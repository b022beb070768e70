from django.urls import path

from jingxi.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry-list"),
    path("export/", views.entry_export, name="entry-export"),
    path("<id:entry_id>/", views.entry_detail, name="entry-detail"),
]
