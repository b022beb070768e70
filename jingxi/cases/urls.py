from django.urls import path

from jingxi.cases import views
from jingxi.cases import views_documents as documents

app_name = "cases"
urlpatterns = [
    path("notices/", documents.notice_list, name="notice-list"),
    path("notices/new/", documents.notice_issue, name="notice-issue"),
    path("notices/<id:notice_id>/", documents.notice_detail, name="notice-detail"),
    path("notices/<id:notice_id>/pdf/", documents.notice_pdf, name="notice-pdf"),
    path("notices/<id:notice_id>/sign/", documents.notice_sign, name="notice-sign"),
    path("supervision/", documents.supervision_list, name="supervision-list"),
    path("supervision/<id:order_id>/", documents.supervision_detail, name="supervision-detail"),
    path("supervision/<id:order_id>/pdf/", documents.supervision_pdf, name="supervision-pdf"),
    path("supervision/<id:order_id>/sign/", documents.supervision_sign, name="supervision-sign"),
    path("<id:case_id>/attachments/", documents.attachment_upload, name="attachment-upload"),
    path(
        "attachments/<id:attachment_id>/file/",
        documents.attachment_file,
        name="attachment-file",
    ),
    path(
        "attachments/<id:attachment_id>/thumbnail/",
        documents.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
]

# The case pages (jingxi/cases/views.py).
urlpatterns += [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_report_view, name="case-report"),
    path("export/", views.case_export, name="case-export"),
    path("<id:case_id>/", views.case_detail, name="case-detail"),
    path("<id:case_id>/act/", views.case_act, name="case-act"),
]
