from django.urls import URLPattern, URLResolver, path

from jingxi.wechat import views

app_name = "wechat"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.endpoint, name="endpoint"),
]
