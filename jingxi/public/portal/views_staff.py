"""The office's pages of the portal (/public/staff/…): the suggestion queue, media
exposures, consultations (moderation, conclusion, hearings), typical cases, and the trace
from a published figure to its cases. The bulletins' office pages are in `bulletin_views.py`,
behind the same `office_required`.

Office roles only (dispatcher, leader, admin); anyone else gets 403. Leaders read, the
dispatcher and admin write (the services check again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingxi.audit.requests import personal_data_shown
from jingxi.bulletins.choices import BulletinStatus
from jingxi.bulletins.models import Bulletin
from jingxi.cases.models import Case
from jingxi.lib.numbers import BIGINT_MAX, BIGINT_MIN, int_or_none
from jingxi.org.models import Jurisdiction, User
from jingxi.org.privacy import MASKED, Masking, Surface, masking_for
from jingxi.org.roles import Perm, RoleSet, roles_of
from jingxi.places.geocode import address_geocode
from jingxi.places.models import Township
from jingxi.public.portal import selectors, services
from jingxi.public.portal.forms import (
    AnswerForm,
    ConcludeForm,
    ConsultationForm,
    HearingForm,
    MediaExposureForm,
    ModerateForm,
    StaffSuggestionForm,
    TypicalCaseForm,
)
from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    ConsultationStatus,
    MediaExposure,
    ModerationStatus,
    Suggestion,
    TypicalCase,
)

PAGE_SIZE = 30

View = Callable[..., HttpResponseBase]


class Office:
    """The request's user, jurisdiction and office roles (set by `office_required`)."""

    def __init__(
        self, user: User, jurisdiction: Jurisdiction, roles: RoleSet, masking: Masking = MASKED
    ) -> None:
        self.user = user
        self.jurisdiction = jurisdiction
        self.roles = roles
        self.masking = masking  # citizens' personal data as the user may see it

    @property
    def can_write(self) -> bool:
        return self.roles.may(Perm.DISCLOSURE_WRITE)


def _office_view(view: View, *, always_writes: bool) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = cast(User, request.user)
        jurisdiction = user.jurisdiction
        roles = roles_of(request)
        if jurisdiction is None or not roles.may(Perm.DISCLOSURE_READ):
            raise Http404(_("没有找到该页面"))
        writes = always_writes or request.method == "POST"
        if writes and not roles.may(Perm.DISCLOSURE_WRITE):
            raise PermissionDenied(_("只有精细办的受理/派遣员或系统管理员可以执行该操作"))
        masking = masking_for(roles=roles, viewer=user, surface=Surface.OFFICE)
        return view(request, Office(user, jurisdiction, roles, masking), *args, **kwargs)

    return wrapped


def office_required(view: View) -> View:
    """Login, then `Perm.DISCLOSURE_READ` in the user's jurisdiction (404 otherwise);
    every POST is a write: `Perm.DISCLOSURE_WRITE` (403 otherwise)."""
    return _office_view(view, always_writes=False)


def office_writer_required(view: View) -> View:
    """As `office_required`, for a page that exists only to write (a form to fill):
    `Perm.DISCLOSURE_WRITE` for every method."""
    return _office_view(view, always_writes=True)


def get_or_404(rows: Any, pk: int, message: str) -> Any:
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404(message)
    return found


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# --- home ---------------------------------------------------------------------------


@require_GET
@office_required
def staff_home(request: HttpRequest, office: Office) -> HttpResponse:
    j = office.jurisdiction
    context = {
        "office": office,
        "open_suggestions": Suggestion.objects.filter(jurisdiction=j, answer="").count(),
        "pending_comments": ConsultationComment.objects.filter(
            consultation__jurisdiction=j, status=ModerationStatus.PENDING
        ).count(),
        "open_consultations": Consultation.objects.filter(
            jurisdiction=j, status=ConsultationStatus.OPEN
        ).count(),
        "typicals": TypicalCase.objects.filter(jurisdiction=j, is_published=True).count(),
        "media": MediaExposure.objects.filter(case__jurisdiction=j).count(),
        "bulletin_drafts": Bulletin.objects.filter(
            jurisdiction=j, status=BulletinStatus.DRAFT
        ).count(),
    }
    return render(request, "public/staff/home.html", context)


# --- suggestions --------------------------------------------------------------------


@require_GET
@office_required
def suggestion_queue(request: HttpRequest, office: Office) -> HttpResponse:
    state = request.GET.get("state", "open")
    rows = selectors.suggestion_queue(jurisdiction=office.jurisdiction, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    states = [
        ("open", _("待答复")),
        ("answered", _("已答复")),
        ("published", _("已公开")),
        ("all", _("全部")),
    ]
    return render(
        request,
        "public/staff/suggestion_queue.html",
        {"office": office, "page": page, "state": state, "states": states},
    )


@require_http_methods(["GET", "POST"])
@office_writer_required
def suggestion_new(request: HttpRequest, office: Office) -> HttpResponse:
    """Enter a suggestion received by hotline, WeChat, the media or otherwise."""
    form = StaffSuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suggestion = services.suggestion_receive(
                jurisdiction=office.jurisdiction, actor=office.user, **form.cleaned_data
            )
        except services.PortalInputError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已登记意见建议"))
            return redirect("public:staff-suggestion-detail", suggestion_id=suggestion.pk)
    return render(request, "public/staff/suggestion_new.html", {"office": office, "form": form})


@require_http_methods(["GET", "POST"])
@office_required
def suggestion_detail(request: HttpRequest, office: Office, suggestion_id: int) -> HttpResponse:
    """A suggestion with its contact (staff only), the answer form and publishing."""
    suggestion: Suggestion = get_or_404(
        Suggestion.objects.filter(jurisdiction=office.jurisdiction).select_related(
            "answered_by", "received_by"
        ),
        suggestion_id,
        _("没有找到该意见建议"),
    )
    initial = {"answer": suggestion.answer, "publish": suggestion.is_published}
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.suggestion_answer(
                    suggestion_id=suggestion.pk,
                    actor=office.user,
                    answer=form.cleaned_data["answer"],
                    publish=form.cleaned_data["publish"],
                )
            except services.PortalInputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已保存答复"))
                return redirect("public:staff-suggestion-detail", suggestion_id=suggestion.pk)
        else:
            messages.error(request, form.error_text())
    if suggestion.contact_name or suggestion.contact_phone:
        personal_data_shown(
            request,
            surface="public:staff-suggestion-detail",
            subject_type="public.suggestion",
            subject_ids=[suggestion.pk],
            fields=("contact_name", "contact_phone"),
        )
    return render(
        request,
        "public/staff/suggestion_detail.html",
        {"office": office, "suggestion": suggestion, "form": form},
    )


@require_POST
@office_required
def suggestion_publish(request: HttpRequest, office: Office, suggestion_id: int) -> HttpResponse:
    get_or_404(
        Suggestion.objects.filter(jurisdiction=office.jurisdiction),
        suggestion_id,
        _("没有找到该意见建议"),
    )
    publish = request.POST.get("publish") == "1"
    try:
        services.suggestion_publish(suggestion_id=suggestion_id, actor=office.user, publish=publish)
    except services.PortalInputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已公开") if publish else _("已撤回公开"))
    return redirect("public:staff-suggestion-detail", suggestion_id=suggestion_id)


# --- media --------------------------------------------------------------------------


@require_GET
@office_required
def media_list(request: HttpRequest, office: Office) -> HttpResponse:
    rows = (
        MediaExposure.objects.filter(case__jurisdiction=office.jurisdiction)
        .select_related("case", "case__category", "recorded_by")
        .order_by("-published_on", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/staff/media_list.html", {"office": office, "page": page})


@require_http_methods(["GET", "POST"])
@office_writer_required
def media_new(request: HttpRequest, office: Office) -> HttpResponse:
    """Record a media exposure: opens a case with source media, filed by the dispatcher next."""
    j = office.jurisdiction
    form = MediaExposureForm(request.POST or None, jurisdiction=j)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            lng, lat = data.get("lng"), data.get("lat")
            if lng is None or lat is None:
                candidates = address_geocode(jurisdiction=j, text=data["address"])
                if candidates:
                    lng, lat = candidates[0].lng, candidates[0].lat
            if lng is None or lat is None:
                messages.error(request, _("没有找到该地址，请在地图上点选问题位置"))
                status = 400
            else:
                try:
                    exposure = services.media_exposure_record(
                        jurisdiction=j,
                        actor=office.user,
                        category=data["category"],
                        lng=lng,
                        lat=lat,
                        description=data["description"],
                        outlet=data["outlet"],
                        title=data["title"],
                        url=data["url"],
                        published_on=data["published_on"],
                        note=data["note"],
                        address=data["address"],
                    )
                except services.PortalInputError as exc:
                    messages.error(request, str(exc))
                    status = 400
                else:
                    messages.success(
                        request,
                        _("已登记媒体曝光并生成案卷 %(n)s，请尽快立案派遣")
                        % {"n": exposure.case.number},
                    )
                    return redirect("cases:case-detail", case_id=exposure.case_id)
        else:
            messages.error(request, form.error_text())
            status = 400
    return render(
        request,
        "public/staff/media_new.html",
        {"office": office, "form": form, "jurisdiction": j},
        status=status,
    )


# --- consultations ------------------------------------------------------------------


@require_GET
@office_required
def consultation_list(request: HttpRequest, office: Office) -> HttpResponse:
    rows = selectors.consultation_list_staff(jurisdiction=office.jurisdiction)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/staff/consultation_list.html", {"office": office, "page": page})


@require_http_methods(["GET", "POST"])
@office_writer_required
def consultation_new(request: HttpRequest, office: Office) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = services.consultation_create(
                    jurisdiction=office.jurisdiction,
                    actor=office.user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    opens_at=_aware(data["opens_at"]),
                    closes_at=_aware(data["closes_at"]),
                )
            except services.PortalInputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已保存草稿，确认无误后发布"))
                return redirect("public:staff-consultation-detail", consultation_id=consultation.pk)
        else:
            messages.error(request, form.error_text())
    return render(request, "public/staff/consultation_new.html", {"office": office, "form": form})


def _consultation(office: Office, consultation_id: int) -> Consultation:
    found: Consultation = get_or_404(
        Consultation.objects.filter(jurisdiction=office.jurisdiction),
        consultation_id,
        _("没有找到该公示或征求意见事项"),
    )
    return found


@require_GET
@office_required
def consultation_detail(request: HttpRequest, office: Office, consultation_id: int) -> HttpResponse:
    consultation = _consultation(office, consultation_id)
    comments = consultation.comments.select_related("moderated_by").order_by(
        "status", "submitted_at"
    )
    context = {
        "office": office,
        "consultation": consultation,
        "comments": comments,
        "hearings": consultation.hearings.order_by("held_on"),
        "conclude_form": ConcludeForm(
            initial={"summary": consultation.summary, "response": consultation.response}
        ),
        "moderate_form": ModerateForm(),
        "now": timezone.now(),
    }
    return render(request, "public/staff/consultation_detail.html", context)


@require_POST
@office_required
def consultation_act(request: HttpRequest, office: Office, consultation_id: int) -> HttpResponse:
    """publish, close, or conclude (with the summary of opinions and the response)."""
    consultation = _consultation(office, consultation_id)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            services.consultation_publish(consultation_id=consultation.pk, actor=office.user)
            messages.success(request, _("已发布"))
        elif action == "close":
            services.consultation_close(consultation_id=consultation.pk, actor=office.user)
            messages.success(request, _("已截止意见征集"))
        elif action == "conclude":
            form = ConcludeForm(request.POST)
            if not form.is_valid():
                raise services.PortalInputError(form.error_text())
            services.consultation_conclude(
                consultation_id=consultation.pk,
                actor=office.user,
                summary=form.cleaned_data["summary"],
                response=form.cleaned_data["response"],
            )
            messages.success(request, _("已发布意见汇总和答复"))
        else:
            raise services.PortalInputError(_("未知的操作"))
    except services.PortalInputError as exc:
        messages.error(request, str(exc))
    return redirect("public:staff-consultation-detail", consultation_id=consultation.pk)


@require_POST
@office_required
def comment_moderate(request: HttpRequest, office: Office, comment_id: int) -> HttpResponse:
    comment: ConsultationComment = get_or_404(
        ConsultationComment.objects.filter(consultation__jurisdiction=office.jurisdiction),
        comment_id,
        _("没有找到该意见"),
    )
    form = ModerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
    else:
        try:
            services.consultation_comment_moderate(
                comment_id=comment.pk,
                actor=office.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except services.PortalInputError as exc:
            messages.error(request, str(exc))
    return redirect(
        reverse("public:staff-consultation-detail", args=[comment.consultation_id]) + "#comments"
    )


@require_http_methods(["GET", "POST"])
@office_writer_required
def hearing_new(request: HttpRequest, office: Office) -> HttpResponse:
    j = office.jurisdiction
    initial = {"consultation": int_or_none(request.GET.get("consultation"))}
    form = HearingForm(request.POST or None, jurisdiction=j, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                hearing = services.hearing_record(
                    jurisdiction=j,
                    actor=office.user,
                    title=data["title"],
                    held_on=data["held_on"],
                    place=data["place"],
                    participants=data["participants"],
                    minutes=data["minutes"],
                    consultation=data["consultation"],
                    is_published=data["is_published"],
                )
            except services.PortalInputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已记录座谈会"))
                if hearing.consultation_id:
                    return redirect(
                        "public:staff-consultation-detail",
                        consultation_id=hearing.consultation_id,
                    )
                return redirect("public:staff-consultation-list")
        else:
            messages.error(request, form.error_text())
    return render(request, "public/staff/hearing_new.html", {"office": office, "form": form})


# --- typical cases ------------------------------------------------------------------


@require_GET
@office_required
def typical_list(request: HttpRequest, office: Office) -> HttpResponse:
    j = office.jurisdiction
    q = request.GET.get("q", "").strip()[:32]
    chosen = (
        TypicalCase.objects.filter(jurisdiction=j)
        .select_related("case", "chosen_by")
        .order_by("-chosen_at")
    )
    candidates = Paginator(selectors.typical_candidates(jurisdiction=j, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "public/staff/typical_list.html",
        {"office": office, "chosen": chosen, "candidates": candidates, "q": q},
    )


@require_http_methods(["GET", "POST"])
@office_writer_required
def typical_new(request: HttpRequest, office: Office, case_id: int) -> HttpResponse:
    """Choose a closed case as a typical case and pick its before and after photos."""
    case: Case = get_or_404(
        Case.objects.filter(jurisdiction=office.jurisdiction).select_related("category"),
        case_id,
        _("没有找到该案卷"),
    )
    photos = list(case.attachments.order_by("id"))
    initial: dict[str, Any] = {}
    befores = [a.pk for a in photos if a.kind == "before"]
    afters = [a.pk for a in photos if a.kind == "after"]
    if befores:
        initial["before_photo"] = befores[0]
    if afters:
        initial["after_photo"] = afters[-1]
    form = TypicalCaseForm(request.POST or None, photos=photos, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.typical_case_publish(
                    case_id=case.pk,
                    actor=office.user,
                    kind=data["kind"],
                    title=data["title"],
                    text=data["text"],
                    before_photo_id=data["before_photo"],
                    after_photo_id=data["after_photo"],
                    publish=data["publish"],
                )
            except services.PortalInputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已选为典型案例"))
                return redirect("public:staff-typical-list")
        else:
            messages.error(request, form.error_text())
    return render(
        request,
        "public/staff/typical_new.html",
        {"office": office, "case": case, "photos": photos, "form": form},
    )


@require_POST
@office_required
def typical_toggle(request: HttpRequest, office: Office, typical_id: int) -> HttpResponse:
    get_or_404(
        TypicalCase.objects.filter(jurisdiction=office.jurisdiction),
        typical_id,
        _("没有找到该典型案例"),
    )
    publish = request.POST.get("publish") == "1"
    services.typical_case_set_published(typical_id=typical_id, actor=office.user, publish=publish)
    messages.success(request, _("已公开") if publish else _("已撤回公开"))
    return redirect("public:staff-typical-list")


# --- trace --------------------------------------------------------------------------


@require_GET
@office_required
def trace(request: HttpRequest, office: Office) -> HttpResponse:
    """The cases behind one figure of the portal: `?measure=&year=&month=&township=&grid=`."""
    j = office.jurisdiction
    measure = request.GET.get("measure", "")
    # Any whole number: `period_get` says what is wrong with a year or month.
    year = int_or_none(request.GET.get("year"), low=BIGINT_MIN, high=BIGINT_MAX)
    year = year or timezone.localdate().year
    month = int_or_none(request.GET.get("month"), low=BIGINT_MIN, high=BIGINT_MAX)
    township = None
    township_id = int_or_none(request.GET.get("township"))
    if township_id is not None:
        township = get_or_404(
            Township.objects.filter(jurisdiction=j).defer("geometry"),
            township_id,
            _("没有找到该乡镇/街道"),
        )
    grid_id = int_or_none(request.GET.get("grid"))
    try:
        cases = selectors.disclosure_trace(
            jurisdiction=j,
            measure=measure,
            year=year,
            month=month,
            township=township,
            grid_id=grid_id,
        )
    except KeyError:
        raise Http404(_("没有这个指标")) from None
    except selectors.PeriodError as exc:
        raise Http404(str(exc)) from None
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    period = selectors.period_get(jurisdiction=j, year=year, month=month)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "office": office,
        "page": page,
        "measure": measure,
        "measure_label": selectors.MEASURES[measure],
        "period": period,
        "township": township,
        "grid_id": grid_id,
        "query": query.urlencode(),
    }
    return render(request, "public/staff/trace.html", context)
