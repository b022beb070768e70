"""GeoReport v2 under /open311/v2/: each resource as .xml (required) and .json."""

from django.urls import URLPattern, URLResolver, path, re_path, register_converter

from jingxi.open311 import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "o311fmt")

app_name = "open311"
urlpatterns: list[URLPattern | URLResolver] = [
    path("discovery.<o311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<o311fmt:fmt>", views.service_list, name="services"),
    path(
        "services/<str:service_code>.<o311fmt:fmt>",
        views.service_definition,
        name="service-definition",
    ),
    path("requests.<o311fmt:fmt>", views.requests, name="requests"),
    path(
        "requests/<str:service_request_id>.<o311fmt:fmt>",
        views.request_detail,
        name="request-detail",
    ),
    path("tokens/<str:token>.<o311fmt:fmt>", views.token_detail, name="token-detail"),
    path("servicerequestupdates.<o311fmt:fmt>", views.request_updates, name="updates"),
    re_path(r"^(?P<rest>.*)$", views.invalid_url, name="invalid"),
]
