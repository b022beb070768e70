from django.urls import path

from jingxi.catalog import views

app_name = "catalog"
urlpatterns = [
    path("suggest/", views.category_suggest_view, name="category-suggest"),
]
