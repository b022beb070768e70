"""The hotline pages: the operator's console and the callback queue.

Thin: parse, call one service or selector, render. Only operators and dispatchers get
in (`access.hotline_jurisdiction_for`: everyone else 404). The
caller's phone is shown in full here because these users call back.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingxi.audit.requests import personal_data_shown
from jingxi.cases.access import case_get_for
from jingxi.cases.models import Case
from jingxi.cases.workflow import OPEN
from jingxi.catalog.choices import CategoryLevel, Urgency
from jingxi.catalog.models import Category
from jingxi.catalog.selectors import category_suggest, category_tree
from jingxi.hotline.access import hotline_jurisdiction_for
from jingxi.hotline.choices import Satisfaction
from jingxi.hotline.forms import CallbackForm, CallForm, CallLogForm
from jingxi.hotline.models import Call
from jingxi.hotline.selectors import (
    call_history_for,
    call_limit_notice,
    call_recent_for,
    callback_queue_for,
    case_nearby_for,
)
from jingxi.hotline.services import (
    HotlineInputError,
    call_attach_to_case,
    call_log,
    call_take,
    callback_record,
)
from jingxi.lib.numbers import int_or_none
from jingxi.org.models import Jurisdiction, User
from jingxi.org.privacy import Masking, Surface, masking_for
from jingxi.org.roles import roles_of


def _hotline_user(request: HttpRequest) -> tuple[User, Jurisdiction]:
    """The user and their jurisdiction; 404 without one or without `Perm.HOTLINE` (a
    page one may not open does not exist for one)."""
    user = cast(User, request.user)
    try:
        return user, hotline_jurisdiction_for(user=user)
    except PermissionDenied:
        raise Http404(_("没有找到该页面")) from None


def _case_or_404(user: User, case_id: int) -> Case:
    try:
        return case_get_for(user=user, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404(_("没有找到该案卷")) from None


def _masking(request: HttpRequest) -> Masking:
    return masking_for(roles=roles_of(request), viewer=request.user, surface=Surface.HOTLINE)


def _done(call: Call) -> HttpResponse:
    return redirect(f"{reverse('hotline:console')}?call={call.pk}")


def _console(
    request: HttpRequest,
    *,
    user: User,
    jurisdiction: Jurisdiction,
    form: CallForm,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    result: Call | None = None
    call_id = int_or_none(request.GET.get("call"))
    if call_id is not None:
        result = (
            Call.objects.filter(pk=call_id, operator=user)
            .select_related("case", "case__category")
            .first()
        )
    context: dict[str, Any] = {
        "form": form,
        "error": error,
        "result": result,
        "result_notice": call_limit_notice(call=result) if result is not None else "",
        "jurisdiction": jurisdiction,
        "tree": category_tree(jurisdiction=jurisdiction),
        "urgencies": Urgency.choices,
        "recent": (recent := call_recent_for(user=user)),
        "masking": _masking(request),
        "geocode_kinds": {
            "house_number": _("门牌"),
            "intersection": _("路口"),
            "landmark": _("地标"),
            "component": _("部件"),
            "road": _("道路"),
        },
    }
    personal_data_shown(  # the recent calls' numbers and names, in full
        request,
        surface="hotline:console",
        subject_type="hotline.call",
        subject_ids=[call.pk for call in recent],
        fields=("caller_name", "caller_phone"),
    )
    return render(request, "hotline/call_console.html", context, status=status)


@require_GET
@login_required
def console(request: HttpRequest) -> HttpResponse:
    """The console: caller, what they say, where, nearby cases; then create or attach."""
    user, jurisdiction = _hotline_user(request)
    return _console(
        request, user=user, jurisdiction=jurisdiction, form=CallForm(jurisdiction=jurisdiction)
    )


def _parsed(request: HttpRequest, jurisdiction: Jurisdiction) -> tuple[CallForm, str]:
    form = CallForm(request.POST, jurisdiction=jurisdiction)
    if form.is_valid():
        return form, ""
    return form, _("请检查输入：%(e)s") % {"e": form.error_text()}


@require_POST
@login_required
def call_take_view(request: HttpRequest) -> HttpResponse:
    """A new problem: create the case and the call, then show the number to read out."""
    user, jurisdiction = _hotline_user(request)
    form, error = _parsed(request, jurisdiction)
    if not error:
        data = form.cleaned_data
        try:
            call = call_take(
                operator=user,
                caller_phone=data["caller_phone"],
                caller_name=data["caller_name"],
                text=data["text"],
                category=data["category"],
                lng=data["lng"],
                lat=data["lat"],
                address=data["address"],
                urgency=data["urgency"] or Urgency.NORMAL,
                duration_seconds=data["duration_seconds"],
            )
        except HotlineInputError as exc:
            error = str(exc)
        else:
            return _done(call)
    return _console(
        request, user=user, jurisdiction=jurisdiction, form=form, error=error, status=400
    )


@require_POST
@login_required
def call_attach_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """A repeated call: record it against the open case the operator chose."""
    user, jurisdiction = _hotline_user(request)
    case = _case_or_404(user, case_id)
    form, error = _parsed(request, jurisdiction)
    if not error:
        data = form.cleaned_data
        try:
            call = call_attach_to_case(
                operator=user,
                case=case,
                caller_phone=data["caller_phone"],
                caller_name=data["caller_name"],
                text=data["text"],
                duration_seconds=data["duration_seconds"],
            )
        except HotlineInputError as exc:
            error = str(exc)
        else:
            return _done(call)
    return _console(
        request, user=user, jurisdiction=jurisdiction, form=form, error=error, status=400
    )


@require_POST
@login_required
def call_log_view(request: HttpRequest) -> HttpResponse:
    """A call that makes no case: a suggestion or information only."""
    user, jurisdiction = _hotline_user(request)
    form, error = _parsed(request, jurisdiction)
    outcome = CallLogForm(request.POST)
    if not error and not outcome.is_valid():
        error = _("请选择记录类型")
    if not error:
        data = form.cleaned_data
        try:
            call = call_log(
                operator=user,
                caller_phone=data["caller_phone"],
                caller_name=data["caller_name"],
                text=data["text"],
                outcome=outcome.cleaned_data["outcome"],
                duration_seconds=data["duration_seconds"],
            )
        except HotlineInputError as exc:
            error = str(exc)
        else:
            return _done(call)
    return _console(
        request, user=user, jurisdiction=jurisdiction, form=form, error=error, status=400
    )


@require_GET
@login_required
def category_suggest_view(request: HttpRequest) -> HttpResponse:
    """Categories the caller's words point at (an htmx fragment)."""
    _user, jurisdiction = _hotline_user(request)
    text = request.GET.get("text", "")[:2000]
    suggestions = category_suggest(jurisdiction=jurisdiction, text=text, limit=5)
    return render(request, "hotline/_category_suggestions.html", {"suggestions": suggestions})


@require_GET
@login_required
def call_history_view(request: HttpRequest) -> HttpResponse:
    """Earlier calls from the number being typed (an htmx fragment)."""
    user, _jurisdiction = _hotline_user(request)
    calls = call_history_for(user=user, phone=request.GET.get("caller_phone", "")[:32])
    context = {"calls": calls, "open": OPEN, "masking": _masking(request)}
    return render(request, "hotline/_caller_history.html", context)


def _float(raw: str) -> float | None:
    try:
        return float(raw) if raw.strip() else None
    except ValueError:
        return None


@require_GET
@login_required
def case_nearby_view(request: HttpRequest) -> HttpResponse:
    """Open cases of the chosen category near the confirmed point (an htmx fragment)."""
    user, jurisdiction = _hotline_user(request)
    category_id = int_or_none(request.GET.get("category"))
    category = None
    if category_id is not None:
        category = Category.objects.filter(
            pk=category_id,
            jurisdiction=jurisdiction,
            level=CategoryLevel.MINOR,
            is_active=True,
        ).first()
    lng, lat = _float(request.GET.get("lng", "")), _float(request.GET.get("lat", ""))
    context: dict[str, Any] = {
        "category": category,
        "searched": False,
        "nearby": [],
        "masking": _masking(request),
    }
    if category is None:
        context["hint"] = _("请先选择问题类别")
    elif lng is None or lat is None or abs(lng) > 180 or abs(lat) > 90:
        context["hint"] = _("请先从候选地址或地图上确定位置")
    else:
        context["searched"] = True
        context["nearby"] = case_nearby_for(user=user, category=category, lng=lng, lat=lat)
    return render(request, "hotline/_nearby.html", context)


def _callbacks(
    request: HttpRequest, *, user: User, error: str = "", status: int = 200
) -> HttpResponse:
    items = callback_queue_for(user=user)
    personal_data_shown(  # callers' numbers and names, in full, by case
        request,
        surface="hotline:callback-list",
        subject_type="cases.case",
        subject_ids=sorted({item.case.pk for item in items}),
        fields=("caller_name", "caller_phone"),
    )
    context = {
        "items": items,
        "error": error,
        "satisfactions": [c for c in Satisfaction.choices if c[0] != Satisfaction.UNREACHED],
        "masking": _masking(request),
    }
    return render(request, "hotline/callback_list.html", context, status=status)


@require_GET
@login_required
def callback_list(request: HttpRequest) -> HttpResponse:
    """Closed cases whose callers are still to be called back, oldest first."""
    user, _jurisdiction = _hotline_user(request)
    return _callbacks(request, user=user)


@require_POST
@login_required
def callback_record_view(request: HttpRequest) -> HttpResponse:
    user, _jurisdiction = _hotline_user(request)
    form = CallbackForm(request.POST)
    if not form.is_valid():
        return _callbacks(request, user=user, error=_("请选择是否接通"), status=400)
    data = form.cleaned_data
    case = _case_or_404(user, data["case"])
    call = None
    if data["call"] is not None:
        call = Call.objects.filter(pk=data["call"], case=case).first()
        if call is None:
            raise Http404(_("没有找到该来电"))
    try:
        callback_record(
            operator=user,
            case=case,
            call=call,
            reached=data["reached"],
            satisfaction=data["satisfaction"],
            note=data["note"],
        )
    except HotlineInputError as exc:
        return _callbacks(request, user=user, error=str(exc), status=400)
    messages.success(request, _("已记录案卷 %(n)s 的回访") % {"n": case.number})
    return redirect("hotline:callback-list")
