"""The case pages: work queues by role, the report form, the case page and its actions.

Thin: parse, call one service or selector, render. Reads go through `access`
(`case_list_for`, `case_get_for`: a case the user may not see is 404) and `queues`;
writes through `services.case_report`, `evidence.case_transition_with_photos` (an action
and its photos, on the event it wrote) and `evidence.attachment_add`.
"""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingxi.audit.requests import personal_data_shown
from jingxi.cases import evidence, exports, queues, workflow
from jingxi.cases.access import case_duplicates_for, case_get_for, report_sources_for
from jingxi.cases.choices import Action, Status
from jingxi.cases.forms import CaseActionForm, CaseReportForm
from jingxi.cases.models import AttachmentKind, Case
from jingxi.cases.services import (
    CaseInputError,
    case_report,
    loop_settings_get,
)
from jingxi.catalog.choices import CategoryLevel
from jingxi.catalog.models import Category
from jingxi.catalog.selectors import category_pick_items
from jingxi.lib.numbers import int_or_none
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.org.privacy import Surface, contacts_visible, masking_for
from jingxi.org.roles import Perm, roles_of
from jingxi.org.services import calendar_get
from jingxi.places.models import Township

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    """The logged-in user (views calling this are behind login_required)."""
    return cast(User, request.user)


def _jurisdiction(user: User) -> Jurisdiction:
    if user.jurisdiction is None:
        raise Http404(_("您的账号尚未关联辖区"))
    return user.jurisdiction


def _case_or_404(request: HttpRequest, case_id: int) -> Case:
    try:
        return case_get_for(user=_user(request), case_id=case_id, roles=roles_of(request))
    except Case.DoesNotExist:
        raise Http404(_("没有找到该案卷")) from None


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and abs(number) <= 180 else None


def _url_or_empty(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- work queues --------------------------------------------------------------------


def _queue_asked(request: HttpRequest, tabs: list[queues.Tab]) -> tuple[str, queues.QueueFilters]:
    """The tab (the first one unless another of `tabs` is asked for) and the filters of
    the query string: read alike by the queue page and its export."""
    tab_keys = [t.key for t in tabs]
    tab = request.GET.get("tab", "")
    if tab not in tab_keys:
        tab = tab_keys[0]
    lng, lat = _float(request.GET.get("lng")), _float(request.GET.get("lat"))
    status = request.GET.get("status", "")
    filters = queues.QueueFilters(
        status=status if status in Status.values else "",
        category_id=int_or_none(request.GET.get("category")),
        township_id=int_or_none(request.GET.get("township")),
        road_id=int_or_none(request.GET.get("road")),
        overdue=request.GET.get("overdue") == "1",
        open=request.GET.get("open") == "1",
        q=request.GET.get("q", "").strip()[:32],
        state=request.GET.get("state", ""),
        near=(lng, lat) if lng is not None and lat is not None else None,
    )
    return tab, filters


@require_GET
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Work queues by role (tabs), filters refreshed with htmx, one page at a time."""
    user = _user(request)
    jurisdiction = _jurisdiction(user)
    roles = roles_of(request)
    tabs = queues.tab_list_for(roles=roles)
    if not tabs:
        raise Http404(_("您的角色没有案卷工作台"))
    tab, filters = _queue_asked(request, tabs)
    counts: dict[str, int] = {}
    if not request.htmx:  # type: ignore[attr-defined]  # django-htmx sets it
        counts = {w.key: w.value for w in queues.work_counts_for(user=user, roles=roles)}
        if "tab" not in request.GET:
            # Opened without a tab: the first queue that holds work (an inspector with
            # nothing to check lands on what waits to be verified).
            tab = next((t.key for t in tabs if counts.get(t.key)), tab)
    cases = queues.case_queue_for(user=user, tab=tab, roles=roles, filters=filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    calendar = calendar_get(jurisdiction=jurisdiction)
    now = timezone.now()
    duplicates: dict[int, list[Case]] = {}
    if tab == "inbox":
        settings = loop_settings_get(jurisdiction=jurisdiction)
        duplicates = queues.duplicates_for_page(
            cases=list(page.object_list),
            radius_m=settings.duplicate_radius_m,
            window_hours=settings.duplicate_window_hours,
        )
    masking = masking_for(roles=roles, viewer=user, surface=Surface.CASE_PAGE)
    photos = queues.first_photos_for(case_ids=[c.pk for c in page.object_list])
    rows = [
        {
            "case": case,
            "photo_id": photos.get(case.pk),
            "clock": queues.deadline_clock(case=case, calendar=calendar, now=now),
            "duplicates": duplicates.get(case.pk, []),
            "masking": masking.about(name=case.reporter_name, phone=case.reporter_phone),
        }
        for case in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "tabs": tabs,
        "tab": tab,
        "filters": filters,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "unit_states": queues.UNIT_STATES,
        "statuses": Status.choices,
        "near": filters.near,
    }
    shown = [c.pk for c in page.object_list if c.reporter_name or c.reporter_phone]
    if shown and contacts_visible(roles=roles, viewer=user, surface=Surface.CASE_PAGE):
        personal_data_shown(
            request,
            surface="cases:case-list",
            subject_type="cases.case",
            subject_ids=shown,
            fields=("reporter_name", "reporter_phone"),
        )
    if request.htmx:  # type: ignore[attr-defined]  # django-htmx sets it
        return render(request, "cases/_case_rows.html", context)
    context["categories"] = Category.objects.filter(
        jurisdiction=jurisdiction, level=CategoryLevel.MAJOR
    ).order_by("kind", "code")
    context["townships"] = Township.objects.filter(jurisdiction=jurisdiction).order_by("code")
    context["tab_counts"] = counts
    context["can_report"] = bool(report_sources_for(roles=roles))
    context["notices_url"] = _url_or_empty("cases:notice-list") if roles.may(Perm.DOCUMENTS) else ""
    context["can_issue_notice"] = roles.may(Perm.DOCUMENT_ISSUE)
    return render(request, "cases/case_list.html", context)


@require_GET
@login_required
def case_export(request: HttpRequest) -> HttpResponse:
    """The queue of the same query string as an XLSX (at most `exports.EXPORT_LIMIT`
    cases), personal data masked as on the case pages."""
    user = _user(request)
    jurisdiction = _jurisdiction(user)
    roles = roles_of(request)
    tabs = queues.tab_list_for(roles=roles)
    if not tabs:
        raise Http404(_("您的角色没有案卷工作台"))
    tab, filters = _queue_asked(request, tabs)
    cases = queues.case_queue_for(user=user, tab=tab, roles=roles, filters=filters)
    masking = masking_for(roles=roles, viewer=user, surface=Surface.CASE_EXPORT)
    data = exports.case_export_xlsx(cases=cases, jurisdiction=jurisdiction, masking=masking)
    if contacts_visible(roles=roles, viewer=user, surface=Surface.CASE_EXPORT):
        personal_data_shown(
            request,
            surface="case-export",
            subject_type="cases.case",
            subject_ids=[
                pk
                for pk, name, phone in cases.values_list("pk", "reporter_name", "reporter_phone")[
                    : exports.EXPORT_LIMIT
                ]
                if name or phone
            ],
            fields=("reporter_name", "reporter_phone"),
            exported=True,
        )
    response = HttpResponse(data, content_type=exports.XLSX_CONTENT_TYPE)
    stamp = timezone.localtime(timezone.now(), ZoneInfo(jurisdiction.time_zone))
    filename = f"cases-{tab}-{stamp:%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


# --- report -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def case_report_view(request: HttpRequest) -> HttpResponse:
    """Report a problem: the place on the map or by address, category, photos."""
    user = _user(request)
    jurisdiction = _jurisdiction(user)
    roles = roles_of(request)
    sources = report_sources_for(roles=roles)
    if not sources:
        raise Http404(_("您的角色不能上报问题"))
    form = CaseReportForm(
        request.POST or None,
        request.FILES or None,
        jurisdiction=jurisdiction,
        sources=sources,
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                case = case_report(
                    jurisdiction=jurisdiction,
                    category=data["category"],
                    lng=data["lng"],
                    lat=data["lat"],
                    description=data["description"],
                    source=form.source_value,
                    actor=user,
                    urgency=data["urgency"],
                    address=data["address"],
                    reporter_name=data.get("reporter_name", ""),
                    reporter_phone=data.get("reporter_phone", ""),
                    file_directly=bool(data.get("file_directly")),
                    roles=roles,
                )
                if data["photos"]:
                    evidence.attachments_add(
                        case=case,
                        files=data["photos"],
                        kind=AttachmentKind.BEFORE,
                        actor=user,
                        event=case.events.order_by("id").first(),
                    )
        except (CaseInputError, evidence.EvidenceError, PermissionDenied) as exc:
            error = str(exc)
        else:
            messages.success(request, _("已上报，案卷编号 %(number)s") % {"number": case.number})
            return redirect("cases:case-detail", case_id=case.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "error": error,
        "jurisdiction": jurisdiction,
        "patrol": bool(form.patrol_source),
        "categories": category_pick_items(jurisdiction=jurisdiction),
    }
    return render(request, "cases/case_report.html", context, status=status)


# --- the case page ------------------------------------------------------------------


@require_GET
@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    roles = roles_of(request)
    events = list(
        case.events.select_related("actor", "unit").prefetch_related("attachments").order_by("id")
    )
    attachments = list(case.attachments.order_by("id"))
    merge_targets: list[Case] = []
    if workflow.action_permitted(
        action=Action.MERGE, roles=roles, unit_id=case.unit_id
    ) and case.status in (Status.REPORTED, Status.CHECKING, Status.FILED):
        settings = loop_settings_get(jurisdiction=case.jurisdiction)
        merge_targets = case_duplicates_for(
            case=case,
            radius_m=settings.duplicate_radius_m,
            window_hours=settings.duplicate_window_hours,
        )
    requested_hours = ""
    for event in reversed(events):
        if event.action == Action.REQUEST_EXTENSION:
            requested_hours = str(event.data.get("hours", ""))
            break
    choices = queues.action_choices_for(
        case=case, roles=roles, merge_targets=merge_targets, requested_hours=requested_hours
    )
    units: list[Unit] = []
    if any(c.unit for c in choices):
        units = sorted(
            Unit.objects.filter(jurisdiction=case.jurisdiction, is_active=True).order_by("code"),
            key=lambda u: u.pk != case.proposed_unit_id,
        )
    calendar = calendar_get(jurisdiction=case.jurisdiction)
    masking = masking_for(roles=roles, viewer=request.user, surface=Surface.CASE_PAGE)
    context = {
        "case": case,
        "masking": masking.about(name=case.reporter_name, phone=case.reporter_phone),
        "events": events,
        "before": [a for a in attachments if a.kind == AttachmentKind.BEFORE],
        "after": [a for a in attachments if a.kind == AttachmentKind.AFTER],
        "other": [a for a in attachments if a.kind == AttachmentKind.OTHER],
        "first_photo": next(iter(attachments), None),
        "clock": queues.deadline_clock(case=case, calendar=calendar),
        "choices": choices,
        "units": units,
        "merge_targets": merge_targets,
        "orders": list(case.supervision_orders.order_by("issued_at")) if case.is_supervised else [],
        "is_open": case.status in workflow.OPEN,
    }
    if (case.reporter_name or case.reporter_phone) and contacts_visible(
        roles=roles, viewer=request.user, surface=Surface.CASE_PAGE
    ):
        personal_data_shown(
            request,
            surface="cases:case-detail",
            subject_type="cases.case",
            subject_ids=[case.pk],
            fields=("reporter_name", "reporter_phone"),
        )
    return render(request, "cases/case_detail.html", context)


@require_POST
@login_required
def case_act(request: HttpRequest, case_id: int) -> HttpResponse:
    """One action on the case; errors are shown as messages and nothing changes."""
    user = _user(request)
    case = _case_or_404(request, case_id)
    form = CaseActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("cases:case-detail", case_id=case.pk)
    data = form.cleaned_data
    action = Action(data["action"])
    unit = None
    if data["unit"] is not None:
        unit = Unit.objects.filter(pk=data["unit"], jurisdiction=case.jurisdiction).first()
    merge_into = None
    if data["merge_into"] is not None:
        try:
            merge_into = case_get_for(user=user, case_id=data["merge_into"])
        except Case.DoesNotExist:
            merge_into = None
    try:
        if data["unit"] is not None and unit is None:
            raise CaseInputError(_("未知的责任单位"))
        if data["merge_into"] is not None and merge_into is None:
            raise CaseInputError(_("未知的案卷"))
        case = evidence.case_transition_with_photos(
            case_id=case.pk,
            action=action,
            actor=user,
            photos=data["photos"],
            note=data["note"],
            unit=unit,
            merge_into=merge_into,
            extension_hours=data["extension_hours"],
        )
    except (CaseInputError, workflow.TransitionRefused, evidence.EvidenceError) as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("没有权限"))
    else:
        messages.success(
            request,
            _("已执行「%(action)s」，案卷现为「%(status)s」")
            % {"action": action.label, "status": case.get_status_display()},
        )
    return redirect("cases:case-detail", case_id=case.pk)
