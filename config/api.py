"""The REST API's URLs under /api/v1/ and its OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from jingxi.cases import api as cases_api
from jingxi.cases import api_documents as documents_api
from jingxi.cases.intake import with_direct_reports
from jingxi.inspections import api as inspections_api

urlpatterns = [
    path(
        "v1/cases/",
        with_direct_reports(cases_api.CaseListCreate.as_view()),  # reports: jingxi.cases.intake
        name="api-case-list",
    ),
    path("v1/cases/<id:case_id>/", cases_api.CaseDetail.as_view(), name="api-case-detail"),
    path(
        "v1/cases/<id:case_id>/actions/<str:action>/",
        cases_api.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path(
        "v1/cases/<id:case_id>/duplicates/",
        cases_api.CaseDuplicates.as_view(),
        name="api-case-duplicates",
    ),
    path(
        "v1/cases/<id:case_id>/attachments/",
        documents_api.CaseAttachments.as_view(),
        name="api-case-attachments",
    ),
    path("v1/notices/", documents_api.NoticeListIssue.as_view(), name="api-notice-list"),
    path(
        "v1/notices/<id:notice_id>/",
        documents_api.NoticeDetail.as_view(),
        name="api-notice-detail",
    ),
    path(
        "v1/notices/<id:notice_id>/sign/",
        documents_api.NoticeSign.as_view(),
        name="api-notice-sign",
    ),
    path(
        "v1/supervision-orders/",
        documents_api.SupervisionListIssue.as_view(),
        name="api-supervision-list",
    ),
    path(
        "v1/supervision-orders/<id:order_id>/",
        documents_api.SupervisionDetail.as_view(),
        name="api-supervision-detail",
    ),
    path(
        "v1/supervision-orders/<id:order_id>/sign/",
        documents_api.SupervisionSign.as_view(),
        name="api-supervision-sign",
    ),
    path("v1/inspections/today/", inspections_api.Today.as_view(), name="api-inspection-today"),
    path(
        "v1/inspections/rounds/",
        inspections_api.RoundListStart.as_view(),
        name="api-round-list",
    ),
    path(
        "v1/inspections/rounds/<uuid:client_id>/",
        inspections_api.RoundDetail.as_view(),
        name="api-round-detail",
    ),
    path(
        "v1/inspections/rounds/<uuid:client_id>/points/",
        inspections_api.RoundPoints.as_view(),
        name="api-round-points",
    ),
    path(
        "v1/inspections/rounds/<uuid:client_id>/findings/",
        inspections_api.RoundFindings.as_view(),
        name="api-round-findings",
    ),
    path(
        "v1/inspections/rounds/<uuid:client_id>/ticks/",
        inspections_api.RoundTicks.as_view(),
        name="api-round-ticks",
    ),
    path(
        "v1/inspections/rounds/<uuid:client_id>/end/",
        inspections_api.RoundEnd.as_view(),
        name="api-round-end",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script), so the page needs no
    # inline script; our template links the page's styles instead of inlining them.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="web/api_docs.html"
        ),
        name="api-docs",
    ),
]
