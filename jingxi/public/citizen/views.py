"""Citizens' pages (no login): report a problem (随手拍), follow it by number, rate the
result or say it is not fixed; and the dispatcher's page of "not fixed" requests.

Views are thin: they parse, call one service or selector, render.
The reporter (the tracking token in the session) also sees the case's before and after
photos, served by `track_photo` only for that case.
Every refusal says why on the page and is logged (without personal data); floods from
one client get a 429 page (`lib/ratelimit.py`).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingxi.audit.requests import personal_data_shown
from jingxi.cases.models import Attachment, AttachmentKind, Case
from jingxi.cases.services import CaseInputError, DuplicateSubmission
from jingxi.cases.workflow import TransitionRefused
from jingxi.catalog.selectors import category_pick_items, category_suggest
from jingxi.indicators.registry import Value
from jingxi.lib.ratelimit import client_ip, request_limited
from jingxi.org.models import Jurisdiction, User
from jingxi.org.privacy import Surface, masking_for
from jingxi.org.roles import roles_of
from jingxi.photos.checks import Photo, PhotoError, max_photo_bytes, photo_check, photo_read
from jingxi.places.geocode import address_geocode, point_describe
from jingxi.places.models import Segment, Township
from jingxi.public.citizen import selectors, services
from jingxi.public.citizen.choices import Rating, ReopenStatus
from jingxi.public.citizen.forms import (
    CitizenReportForm,
    FeedbackForm,
    NotFixedForm,
    ReopenDecisionForm,
    TrackSearchForm,
)
from jingxi.public.citizen.models import Feedback, ReopenRequest
from jingxi.public.indicators import SATISFIED_RATINGS
from jingxi.public.photos import public_photo_response
from jingxi.public.site import public_jurisdiction

logger = logging.getLogger("jingxi.public")

SESSION_TOKENS: Final = "jingxi_public_tracking"
MAX_SESSION_TOKENS: Final = 20
MAX_QUERY: Final = 100
LOOKUP_WINDOW: Final = 60
REPORT_WINDOW: Final = 3600


# --- helpers ------------------------------------------------------------------------


def _ratelimited(request: HttpRequest, *, window_seconds: int, json: bool = False) -> HttpResponse:
    message = _("操作过于频繁，请稍后再试")
    response: HttpResponse
    if json:
        response = JsonResponse(
            {"error": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(
            request,
            "public/ratelimited.html",
            {"minutes": max(window_seconds // 60, 1)},
            status=429,
        )
    response.headers["Retry-After"] = str(window_seconds)
    return response


def _lookups_limited(request: HttpRequest) -> bool:
    return request_limited(
        request,
        scope="public:lookup",
        limit=settings.JINGXI_PUBLIC_LOOKUPS_PER_MINUTE,
        window_seconds=LOOKUP_WINDOW,
    )


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _tokens(request: HttpRequest) -> dict[str, str]:
    tokens = request.session.get(SESSION_TOKENS, {})
    return tokens if isinstance(tokens, dict) else {}


def _remember_token(request: HttpRequest, case: Case) -> None:
    tokens = _tokens(request)
    tokens.pop(case.number, None)
    tokens[case.number] = case.tracking_token
    while len(tokens) > MAX_SESSION_TOKENS:
        tokens.pop(next(iter(tokens)))
    request.session[SESSION_TOKENS] = tokens


def _session_token(request: HttpRequest, case: Case) -> str:
    token = _tokens(request).get(case.number, "")
    return token if selectors.token_matches(case=case, token=token) else ""


def _tracking_link(request: HttpRequest, case: Case) -> str:
    path = reverse("public:track", kwargs={"number": case.number})
    return request.build_absolute_uri(f"{path}?t={case.tracking_token}")


# --- photos -------------------------------------------------------------------------


def _photos_check(files: list[UploadedFile], *, jurisdiction: Jurisdiction) -> list[Photo]:
    """Every photo checked by `jingxi.photos` before anything is written."""
    tz = ZoneInfo(jurisdiction.time_zone)
    photos: list[Photo] = []
    for upload in files:
        label = upload.name or _("照片")
        try:
            photos.append(photo_check(data=photo_read(upload), tz=tz))
        except PhotoError as exc:
            raise PhotoError(f"「{label}」{exc}") from None
    return photos


# --- report -------------------------------------------------------------------------


def _report_ui_text() -> dict[str, str]:
    """The report page script's words, in the page's language."""
    return {
        "picked": _("已选位置"),
        "none": _("没有找到这个地址，请换个说法或在地图上点选"),
        "locating": _("正在定位…"),
        "locateFailed": _("无法获取您的位置，请在地图上点选或搜索地址"),
        "chars": _("字"),
        "searching": _("正在查找…"),
        "notSet": _("尚未选择位置"),
    }


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a problem: place, category, description, photos, optional contact."""
    jurisdiction = public_jurisdiction(request)
    error = ""
    if request.method == "POST":
        if request_limited(
            request,
            scope="public:report",
            limit=settings.JINGXI_PUBLIC_REPORTS_PER_HOUR,
            window_seconds=REPORT_WINDOW,
        ):
            return _ratelimited(request, window_seconds=REPORT_WINDOW)
        form = CitizenReportForm(request.POST, request.FILES, jurisdiction=jurisdiction)
        if form.is_valid():
            data = form.cleaned_data
            try:
                photos = _photos_check(data["photos"], jurisdiction=jurisdiction)
                case = services.citizen_report(
                    jurisdiction=jurisdiction,
                    category=data["category"],
                    lng=data["lng"],
                    lat=data["lat"],
                    description=data["description"],
                    photos=photos,
                    address=data["address"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    idempotency_key=f"web-{data['form_token']}",
                )
            except DuplicateSubmission as exc:
                case = exc.case
                logger.info("public report resubmitted: case=%s", case.number)
            except PhotoError as exc:
                form.add_error("photos", str(exc))
            except CaseInputError as exc:
                error = str(exc)
            if not form.errors and not error:
                _remember_token(request, case)
                logger.info("public report: case=%s ip=%s", case.number, client_ip(request))
                return redirect("public:report-done", number=case.number)
        logger.info(
            "public report refused: ip=%s fields=%s error=%s",
            client_ip(request),
            ",".join(sorted(form.errors)),
            error,
        )
        status = 400
    else:
        form = CitizenReportForm(
            initial={"form_token": secrets.token_urlsafe(24)}, jurisdiction=jurisdiction
        )
        status = 200
    context = {
        "form": form,
        "error": error,
        "jurisdiction": jurisdiction,
        "categories": category_pick_items(jurisdiction=jurisdiction),
        "max_photo_mb": max_photo_bytes() // (1024 * 1024),
        "ui_text": _report_ui_text(),
    }
    return render(request, "public/report_form.html", context, status=status)


@require_GET
def report_done(request: HttpRequest, number: str) -> HttpResponse:
    """The thank-you page: the number and the tracking link (only to the reporter)."""
    jurisdiction = public_jurisdiction(request)
    try:
        case = selectors.case_public_get(jurisdiction=jurisdiction, number=number)
    except Case.DoesNotExist:
        raise Http404 from None
    if not _session_token(request, case):
        return redirect("public:track", number=case.number)
    context = {"case": case, "tracking_link": _tracking_link(request, case)}
    return render(request, "public/report_done.html", context)


# --- public JSON helpers ------------------------------------------------------------


@require_GET
def geocode(request: HttpRequest) -> HttpResponse:
    """Address text → candidate places of the public jurisdiction (our own data)."""
    if _lookups_limited(request):
        return _ratelimited(request, window_seconds=LOOKUP_WINDOW, json=True)
    jurisdiction = public_jurisdiction(request)
    text = request.GET.get("q", "").strip()
    if not text:
        return _json({"error": _("请输入要查找的地址")}, status=400)
    if len(text) > MAX_QUERY:
        return _json({"error": _("地址过长（最多 %(n)d 个字）") % {"n": MAX_QUERY}}, status=400)
    candidates = address_geocode(jurisdiction=jurisdiction, text=text)
    return _json(
        {
            "query": text,
            "candidates": [
                {k: v for k, v in asdict(c).items() if k in ("label", "lng", "lat")}
                for c in candidates
            ],
        }
    )


@require_GET
def place_describe(request: HttpRequest) -> HttpResponse:
    """A picked point (WGS84) → a road-level description, or why it cannot be used."""
    if _lookups_limited(request):
        return _ratelimited(request, window_seconds=LOOKUP_WINDOW, json=True)
    jurisdiction = public_jurisdiction(request)
    try:
        lng, lat = float(request.GET.get("lng", "")), float(request.GET.get("lat", ""))
    except ValueError:
        return _json({"error": _("位置无效，请重新点选")}, status=400)
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        return _json({"error": _("位置无效，请重新点选")}, status=400)
    try:
        text = point_describe(jurisdiction=jurisdiction, lng=lng, lat=lat)
    except ValueError:  # OutsideJurisdiction
        return _json(
            {"error": _("该位置不在%(name)s范围内，请重新选择") % {"name": jurisdiction.name}},
            status=400,
        )
    return _json({"text": text, "lng": lng, "lat": lat})


@require_GET
def category_suggest_view(request: HttpRequest) -> HttpResponse:
    """Description text → the categories its words point at, best first."""
    if _lookups_limited(request):
        return _ratelimited(request, window_seconds=LOOKUP_WINDOW, json=True)
    jurisdiction = public_jurisdiction(request)
    text = request.GET.get("q", "")[:2000]
    suggestions = category_suggest(jurisdiction=jurisdiction, text=text, limit=4)
    return _json(
        {
            "suggestions": [
                {"id": s.category.pk, "name": s.category.name, "code": s.category.code}
                for s in suggestions
            ]
        }
    )


@require_GET
def map_context(request: HttpRequest) -> HttpResponse:
    """Township outlines and road segments of the public jurisdiction, for orientation on
    the report map when no tile server is configured. Cached per geo version."""
    if _lookups_limited(request):
        return _ratelimited(request, window_seconds=LOOKUP_WINDOW, json=True)
    jurisdiction = public_jurisdiction(request)
    key = f"jingxi:public:map-context:{jurisdiction.pk}:{jurisdiction.geo_version}"
    data = cache.get(key)
    if data is None:
        features: list[dict[str, Any]] = [
            {"type": "Feature", "geometry": geometry, "properties": {"kind": "area", "name": name}}
            for geometry, name in Township.objects.filter(jurisdiction=jurisdiction).values_list(
                "geometry", "name"
            )
        ]
        features += [
            {"type": "Feature", "geometry": geometry, "properties": {"kind": "road", "name": name}}
            for geometry, name in Segment.objects.filter(
                road__jurisdiction=jurisdiction
            ).values_list("geometry", "road__name")
        ]
        data = {"type": "FeatureCollection", "features": features}
        cache.set(key, data, timeout=3600)
    response = _json(data)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- track --------------------------------------------------------------------------


@require_GET
def track_search(request: HttpRequest) -> HttpResponse:
    """The "follow my report" form: a number leads to its page."""
    form = TrackSearchForm(request.GET or None)
    status = 200
    if request.GET:
        if _lookups_limited(request):
            return _ratelimited(request, window_seconds=LOOKUP_WINDOW)
        if form.is_valid():
            jurisdiction = public_jurisdiction(request)
            number = form.cleaned_data["number"]
            if _number_exists(jurisdiction=jurisdiction, number=number):
                return redirect("public:track", number=number)
            form.add_error("number", _("没有找到这个编号的反映，请核对后再查"))
            status = 404
        else:
            status = 400
    return render(request, "public/track_search.html", {"form": form}, status=status)


def _number_exists(*, jurisdiction: Jurisdiction, number: str) -> bool:
    try:
        selectors.case_public_get(jurisdiction=jurisdiction, number=number)
    except Case.DoesNotExist:
        return False
    return True


def _photo_groups(photos: list[Attachment]) -> list[tuple[str, str, list[Attachment]]]:
    """(kind, label, photos) for each public photo kind the case has, before first."""
    groups = [
        (kind, str(label), [p for p in photos if p.kind == kind])
        for kind, label in (
            (AttachmentKind.BEFORE, _("处置前")),
            (AttachmentKind.AFTER, _("处置后")),
        )
    ]
    return [group for group in groups if group[2]]


def _track_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    token = _session_token(request, case)
    feedback = Feedback.objects.filter(case=case).first() if token else None
    window_end = selectors.reopen_window_end(case=case) if token else None
    reopen = selectors.reopen_request_open_since_closure(case=case) if window_end else None
    now = timezone.now()
    photos = selectors.case_public_photos(case=case) if token else []
    return {
        "case": case,
        "photo_groups": _photo_groups(photos),
        "status": selectors.case_public_status(case=case),
        "timeline": selectors.case_public_timeline(case=case),
        "has_token": bool(token),
        "feedback": feedback,
        "can_rate": bool(token) and case.status == "closed" and feedback is None,
        "window_end": window_end,
        "reopen": reopen,
        "can_reopen": window_end is not None and now <= window_end and reopen is None,
        "show_deadline": case.deadline is not None and case.status in ("dispatched", "handling"),
        "feedback_form": FeedbackForm(),
        "not_fixed_form": NotFixedForm(),
    }


def _case_or_404(request: HttpRequest, number: str) -> Case:
    try:
        return selectors.case_public_get(jurisdiction=public_jurisdiction(request), number=number)
    except Case.DoesNotExist:
        raise Http404(_("没有找到这个编号的反映")) from None


@require_GET
def track(request: HttpRequest, number: str) -> HttpResponse:
    """The public-safe page of one report; with the reporter's token, rating and "not fixed"."""
    if _lookups_limited(request):
        return _ratelimited(request, window_seconds=LOOKUP_WINDOW)
    case = _case_or_404(request, number)
    token = request.GET.get("t", "")
    if token:
        if selectors.token_matches(case=case, token=token):
            _remember_token(request, case)
            # The token leaves the address bar (and the Referer of later requests).
            return redirect("public:track", number=case.number)
        logger.info("public track: wrong token for case=%s ip=%s", case.number, client_ip(request))
        messages.error(request, _("查询链接无效：只能查看办理进度，不能评价"))
    return render(request, "public/track_detail.html", _track_context(request, case))


@require_GET
def track_photo(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    """A before or after photo of the case, for the browser holding its tracking token.

    Without the token in the session, or for a photo of another case or of a staff-only
    kind, 404. The photo is re-encoded without its EXIF (`photos.public_jpeg`).
    """
    case = _case_or_404(request, number)
    if not _session_token(request, case):
        raise Http404(_("没有找到该照片"))
    try:
        attachment = selectors.case_public_photo_get(case=case, attachment_id=attachment_id)
    except Attachment.DoesNotExist:
        raise Http404(_("没有找到该照片")) from None
    return public_photo_response(request, attachment, cache_control="private, max-age=600")


@require_POST
def feedback_give(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    form = FeedbackForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.feedback_give(
                case=case,
                token=_session_token(request, case),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except services.CitizenError as exc:
            error = str(exc)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("public:track", number=case.number)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    logger.info("public feedback refused: case=%s error=%s", case.number, error)
    context = _track_context(request, case) | {"feedback_form": form, "action_error": error}
    return render(request, "public/track_detail.html", context, status=400)


@require_POST
def not_fixed(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    form = NotFixedForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.reopen_request_create(
                case=case, token=_session_token(request, case), reason=form.cleaned_data["reason"]
            )
        except services.CitizenError as exc:
            error = str(exc)
        else:
            messages.success(request, _("已收到，工作人员会尽快核实处理"))
            return redirect("public:track", number=case.number)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    logger.info("public not-fixed refused: case=%s error=%s", case.number, error)
    context = _track_context(request, case) | {"not_fixed_form": form, "action_error": error}
    return render(request, "public/track_detail.html", context, status=400)


# --- the dispatcher's page ----------------------------------------------------------


def _dispatcher(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    if not selectors.is_dispatcher(user=user):
        raise Http404(_("没有找到该页面"))
    return user


@login_required
@require_GET
def reopen_list(request: HttpRequest) -> HttpResponse:
    """Reporters' "not fixed" requests (pending first) and their ratings."""
    user = _dispatcher(request)
    requests = list(selectors.reopen_request_list_for(user=user)[:100])
    feedback_qs = selectors.feedback_list_for(user=user)
    counts = dict(feedback_qs.order_by().values_list("rating").annotate(n=Count("id")))
    total = sum(counts.values())
    satisfied = sum(counts.get(rating, 0) for rating in SATISFIED_RATINGS)
    satisfaction = Value(satisfied, total).value  # the registry's rate (None for 0 rated)
    summary = [
        {"label": label, "count": counts.get(value, 0), "rating": value}
        for value, label in Rating.choices
    ]
    pending = [r for r in requests if r.status == ReopenStatus.PENDING]
    context = {
        "pending": pending,
        "decided": [r for r in requests if r.status != ReopenStatus.PENDING][:30],
        "feedback": list(feedback_qs[:50]),
        "summary": summary,
        "total": total,
        "satisfied_rate": None if satisfaction is None else round(satisfaction),
        "masking": masking_for(roles=roles_of(request), viewer=user, surface=Surface.OFFICE),
    }
    personal_data_shown(  # the pending requests' reporters, in full
        request,
        surface="public:reopen-list",
        subject_type="cases.case",
        subject_ids=sorted(
            {r.case_id for r in pending if r.case.reporter_name or r.case.reporter_phone}
        ),
        fields=("reporter_name", "reporter_phone"),
    )
    return render(request, "public/reopen_list.html", context)


@login_required
@require_POST
def reopen_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _dispatcher(request)
    if not selectors.reopen_request_list_for(user=user).filter(pk=request_id).exists():
        raise Http404(_("没有找到该反馈"))  # another county's, or none
    form = ReopenDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择重新立案或不予采纳"))
        return redirect("public:reopen-list")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        decided = services.reopen_request_decide(
            request_id=request_id, actor=user, accept=accept, note=form.cleaned_data["note"]
        )
    except ReopenRequest.DoesNotExist:
        raise Http404 from None
    except (services.CitizenError, TransitionRefused, CaseInputError) as exc:
        messages.error(request, str(exc))
    else:
        if accept:
            messages.success(request, _("案卷 %(n)s 已重新立案") % {"n": decided.case.number})
        else:
            messages.success(request, _("已不予采纳"))
    return redirect("public:reopen-list")
