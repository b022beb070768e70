"""Pages for notices, supervision orders and evidence photos: parse, call, render.

Every fetch goes through a `*_get_for` selector (404 for what the user may not see);
every write through a service in `documents.py` or `evidence.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingxi.cases import documents, evidence, selectors
from jingxi.cases.access import case_get_for
from jingxi.cases.models import Attachment, AttachmentKind, Case, Notice
from jingxi.documents.pdf import local_text
from jingxi.lib.numbers import YEAR_MAX, YEAR_MIN, ids_parse, int_or_none
from jingxi.org.models import Unit, User
from jingxi.org.privacy import Masking, Surface, masking_for
from jingxi.org.roles import Perm, RoleSet, roles_of

PAGE_SIZE = 30


def _user(request: HttpRequest) -> User:
    """The logged-in user (views calling this are behind login_required)."""
    return cast(User, request.user)


def _archive_roles(request: HttpRequest) -> tuple[RoleSet, int]:
    """The user's roles and jurisdiction, if they may open the document archive;
    Http404 otherwise."""
    roles = roles_of(request)
    if not roles.may(Perm.DOCUMENTS) or roles.jurisdiction_id is None:
        raise Http404(_("没有找到该页面"))
    return roles, roles.jurisdiction_id


def _masking(request: HttpRequest) -> Masking:
    """How this reader sees personal data in documents (`org.privacy`)."""
    return masking_for(roles=roles_of(request), viewer=request.user, surface=Surface.DOCUMENT)


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename) or ""
    return response


# --- notices ------------------------------------------------------------------------


@require_GET
@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """The archive of notices, searchable by number, unit or case number (htmx filter)."""
    roles, jurisdiction_id = _archive_roles(request)
    q = request.GET.get("q", "").strip()[:64]
    unit_id = int_or_none(request.GET.get("unit"))
    unit = (
        Unit.objects.filter(pk=unit_id, jurisdiction_id=jurisdiction_id).first()
        if unit_id is not None
        else None
    )
    signed = {"yes": True, "no": False}.get(request.GET.get("signed", ""))
    year = int_or_none(request.GET.get("year"), low=YEAR_MIN, high=YEAR_MAX)
    notices = selectors.notice_list_for(
        user=_user(request), q=q, unit=unit, signed=signed, year=year
    )
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "q": q,
        "unit": unit,
        "signed": request.GET.get("signed", ""),
        "year": year,
        "units": (
            Unit.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True)
            if roles.may(Perm.CASES_ALL)
            else Unit.objects.filter(pk__in=roles.unit_ids())
        ),
        "years": sorted(
            set(
                Notice.objects.filter(jurisdiction_id=jurisdiction_id).values_list(
                    "year", flat=True
                )
            ),
            reverse=True,
        ),
        "can_issue": roles.may(Perm.DOCUMENT_ISSUE),
    }
    if getattr(request, "htmx", False):
        return render(request, "cases/_notice_rows.html", context)
    return render(request, "cases/notice_list.html", context)


def _deadline_parse(value: str, tz: ZoneInfo) -> dt.datetime | None:
    try:
        naive = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return naive.replace(tzinfo=tz) if naive.tzinfo is None else naive


@require_http_methods(["GET", "POST"])
@login_required
def notice_issue(request: HttpRequest) -> HttpResponse:
    """Issue a notice: pick a unit, the cases it holds, the requirement and a deadline."""
    roles = roles_of(request)
    jurisdiction = _user(request).jurisdiction
    if not roles.may(Perm.DOCUMENT_ISSUE) or jurisdiction is None:
        raise Http404(_("没有找到该页面"))
    data = request.POST if request.method == "POST" else request.GET
    units = Unit.objects.filter(jurisdiction=jurisdiction, is_active=True)
    unit_id = int_or_none(data.get("unit"))
    unit = units.filter(pk=unit_id).first() if unit_id is not None else None
    cases = list(selectors.case_list_at_unit(unit=unit)) if unit else []
    chosen = set(ids_parse(data.getlist("cases")))
    context: dict[str, Any] = {
        "units": units,
        "unit": unit,
        "cases": cases,
        "chosen": chosen,
        "content": data.get("content", ""),
        "deadline": data.get("deadline", ""),
        "error": "",
        "masking": _masking(request),
    }
    if request.method == "GET":
        if getattr(request, "htmx", False) and request.GET.get("partial") == "cases":
            return render(request, "cases/_notice_case_choices.html", context)
        return render(request, "cases/notice_issue.html", context)

    tz = ZoneInfo(jurisdiction.time_zone)
    deadline = _deadline_parse(context["deadline"], tz)
    try:
        if unit is None:
            raise documents.DocumentError(_("请选择责任单位"))
        if deadline is None:
            raise documents.DocumentError(_("请填写整改时限"))
        notice = documents.notice_issue(
            jurisdiction=jurisdiction,
            unit=unit,
            cases=[case for case in cases if case.pk in chosen],
            content=context["content"],
            deadline=deadline,
            actor=_user(request),
        )
    except documents.DocumentError as exc:
        context["error"] = str(exc)
        return render(request, "cases/notice_issue.html", context, status=400)
    messages.success(request, _("已签发整改通知单 %(n)s") % {"n": notice.number})
    return redirect("cases:notice-detail", notice_id=notice.pk)


@require_GET
@login_required
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The notice's page: the target of its QR code."""
    user = _user(request)
    notice = selectors.notice_get_for(user=user, notice_id=notice_id)
    cases = list(notice.cases.select_related("category").order_by("number"))
    masking = _masking(request).about_each((c.reporter_name, c.reporter_phone) for c in cases)
    context = {
        "notice": notice,
        "cases": cases,
        "can_sign": notice.signed_at is None
        and documents.notice_can_sign(notice=notice, user=user),
        "deadline_text": local_text(notice.deadline, notice.jurisdiction),
        "masking": masking,
    }
    return render(request, "cases/notice_detail.html", context)


@require_GET
@login_required
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notice_get_for(user=_user(request), notice_id=notice_id)
    url = request.build_absolute_uri(reverse("cases:notice-detail", args=[notice.pk]))
    data = documents.notice_pdf(notice=notice, url=url, masking=_masking(request))
    return _pdf_response(data, f"{notice.number}.pdf")


@require_POST
@login_required
def notice_sign(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notice_get_for(user=_user(request), notice_id=notice_id)
    try:
        documents.notice_sign(notice_id=notice.pk, actor=_user(request))
    except documents.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已签收整改通知单 %(n)s") % {"n": notice.number})
    return redirect("cases:notice-detail", notice_id=notice.pk)


# --- supervision orders -------------------------------------------------------------


@require_GET
@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    _archive_roles(request)
    orders = selectors.supervision_order_list_for(user=_user(request))
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/supervisionorder_list.html", {"page": page})


@require_GET
@login_required
def supervision_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    user = _user(request)
    order = selectors.supervision_order_get_for(user=user, order_id=order_id)
    context = {
        "order": order,
        "can_sign": order.signed_at is None
        and documents.supervision_order_can_sign(order=order, user=user),
        "deadline_text": local_text(order.deadline, order.jurisdiction),
        "masking": _masking(request).about(
            name=order.case.reporter_name, phone=order.case.reporter_phone
        ),
    }
    return render(request, "cases/supervisionorder_detail.html", context)


@require_GET
@login_required
def supervision_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.supervision_order_get_for(user=_user(request), order_id=order_id)
    url = request.build_absolute_uri(reverse("cases:supervision-detail", args=[order.pk]))
    data = documents.supervision_order_pdf(order=order, url=url, masking=_masking(request))
    return _pdf_response(data, f"{order.number}.pdf")


@require_POST
@login_required
def supervision_sign(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.supervision_order_get_for(user=_user(request), order_id=order_id)
    try:
        documents.supervision_order_sign(order_id=order.pk, actor=_user(request))
    except documents.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已签收督办单 %(n)s") % {"n": order.number})
    return redirect("cases:supervision-detail", order_id=order.pk)


# --- evidence photos ----------------------------------------------------------------


class PhotoSizeLimitHandler(FileUploadHandler):
    """Stops receiving a file as soon as it passes the limit, before it reaches disk."""

    def __init__(self, request: HttpRequest, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _upload_answer(
    request: HttpRequest, *, status: int, error: str = "", attachment: Attachment | None = None
) -> HttpResponse:
    payload: dict[str, Any] = {}
    if attachment is not None:
        payload = {
            "id": attachment.pk,
            "kind": attachment.kind,
            "sha256": attachment.sha256,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "width": attachment.width,
            "height": attachment.height,
            "taken_at": attachment.taken_at.isoformat() if attachment.taken_at else None,
            "lng": attachment.exif_lng,
            "lat": attachment.exif_lat,
            "warnings": [selectors.attachment_warning_text(w) for w in attachment.warnings],
            "file_url": reverse("cases:attachment-file", args=[attachment.pk]),
            "thumbnail_url": reverse("cases:attachment-thumbnail", args=[attachment.pk]),
        }
    else:
        payload = {"error": error}
    if _wants_json(request):
        return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "cases/_attachment_result.html", payload, status=status)


@csrf_exempt
@require_POST
def attachment_upload(request: HttpRequest, case_id: int) -> HttpResponseBase:
    """POST multipart `file` (+ `kind`, optional `event`): add an evidence photo.

    The size limit is enforced while the body is parsed (an upload handler placed before
    the CSRF check reads it), so an oversized file never lands in memory or on disk.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    handler = PhotoSizeLimitHandler(request, limit=evidence.max_photo_bytes())
    request.upload_handlers = [handler, *request.upload_handlers]
    return _attachment_upload(request, case_id, handler)


@csrf_protect
def _attachment_upload(
    request: HttpRequest, case_id: int, handler: PhotoSizeLimitHandler
) -> HttpResponse:
    user = _user(request)
    try:
        case = case_get_for(user=user, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404(_("没有找到该案卷")) from None
    upload = request.FILES.get("file")  # parses the body: the handler sees the size now
    if handler.too_large:
        return _upload_answer(
            request, status=400, error=evidence.too_large_message(limit=handler.limit)
        )
    if upload is None:
        return _upload_answer(request, status=400, error=_("请选择要上传的照片（字段 file）"))
    kind = request.POST.get("kind", AttachmentKind.OTHER)
    event = None
    event_id = int_or_none(request.POST.get("event"))
    if event_id is not None:
        event = case.events.filter(pk=event_id).first()
        if event is None:
            return _upload_answer(request, status=400, error=_("该环节不属于这个案卷"))
    try:
        attachment = evidence.attachment_add(
            case=case, file=upload, kind=kind, actor=user, name=upload.name or "", event=event
        )
    except evidence.EvidenceError as exc:
        return _upload_answer(request, status=400, error=str(exc))
    except PermissionDenied as exc:
        return _upload_answer(request, status=403, error=str(exc))
    return _upload_answer(request, status=201, attachment=attachment)


def _serve(attachment: Attachment, *, thumbnail: bool) -> FileResponse:
    name = attachment.thumbnail.name if thumbnail else attachment.file.name
    if not name or not default_storage.exists(name):
        raise Http404(_("照片文件不存在"))
    content_type = "image/jpeg" if thumbnail else attachment.content_type
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    suffix = ".jpg" if thumbnail else name[name.rfind(".") :]
    response["Content-Disposition"] = (
        content_disposition_header(False, f"{attachment.sha256[:16]}{suffix}") or ""
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The original photo, to staff who may see its case (never via MEDIA_URL)."""
    attachment = selectors.attachment_get_for(user=_user(request), attachment_id=attachment_id)
    return _serve(attachment, thumbnail=False)


@require_GET
@login_required
def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get_for(user=_user(request), attachment_id=attachment_id)
    return _serve(attachment, thumbnail=True)
