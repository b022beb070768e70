from django.urls import URLPattern, URLResolver

app_name = "hotline"
urlpatterns: list[URLPattern | URLResolver] = []
