"""The REST API's URLs under /api/v1/ and its OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jingxi.cases import api as cases_api

urlpatterns = [
    path("v1/cases/", cases_api.CaseListCreate.as_view(), name="api-case-list"),
    path("v1/cases/<int:case_id>/", cases_api.CaseDetail.as_view(), name="api-case-detail"),
    path(
        "v1/cases/<int:case_id>/actions/<str:action>/",
        cases_api.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path(
        "v1/cases/<int:case_id>/duplicates/",
        cases_api.CaseDuplicates.as_view(),
        name="api-case-duplicates",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
