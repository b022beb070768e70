"""The planning pages: the day's plan, the roster's week, a route and its GPX.

Thin: parse, call one service or read (`planning.py`), render. Reading takes
`Perm.INSPECTION_READ`; changing takes `Perm.INSPECTION_PLAN` (a reader's POST is 403).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingxi.inspections import planning
from jingxi.inspections.forms import DutyChangeForm, RegenerateForm
from jingxi.inspections.gpx import route_gpx
from jingxi.inspections.roster import (
    RosterError,
    duty_mark_absent,
    duty_mark_returned,
    duty_swap,
)
from jingxi.inspections.routes import plan_make
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, RoleSet, roles_of


def _reader(request: HttpRequest) -> tuple[User, Jurisdiction, RoleSet]:
    user = cast(User, request.user)
    roles = roles_of(request)
    if user.jurisdiction is None or not planning.may_read(roles):
        raise Http404(_("没有找到该页面"))
    return user, user.jurisdiction, roles


def _writer(request: HttpRequest, roles: RoleSet) -> None:
    if request.method == "POST" and not roles.may(Perm.INSPECTION_PLAN):
        raise PermissionDenied(_("只有派遣员或管理员可以修改巡查计划"))


def _day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404(_("日期无效")) from None


@login_required
@require_http_methods(["GET", "POST"])
def plan_day(request: HttpRequest, day: str) -> HttpResponse:
    user, jurisdiction, roles = _reader(request)
    _writer(request, roles)
    when = _day(day)
    form = RegenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan_make(jurisdiction=jurisdiction, day=when, by=user, reason=form.cleaned_data["reason"])
        messages.success(request, _("已重新生成巡查计划"))
        return redirect("inspections:plan-day", day=when.isoformat())
    board = planning.plan_board_get(jurisdiction_id=jurisdiction.pk, day=when)
    context = {
        "board": board,
        "form": form,
        "can_plan": roles.may(Perm.INSPECTION_PLAN),
        "sees_every_route": planning.sees_every_route(roles),
        "previous": (when - dt.timedelta(days=1)).isoformat(),
        "next": (when + dt.timedelta(days=1)).isoformat(),
    }
    return render(request, "inspections/plan_day.html", context, status=400 if form.errors else 200)


def _inspectors(jurisdiction: Jurisdiction) -> QuerySet[User]:
    return (
        User.objects.filter(
            Q(inspector__jurisdiction=jurisdiction) | Q(duties__jurisdiction=jurisdiction)
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def _apply(form: DutyChangeForm, jurisdiction: Jurisdiction, by: User) -> None:
    data = form.cleaned_data
    common = {"jurisdiction": jurisdiction, "inspector": data["inspector"], "day": data["day"]}
    if data["action"] == "absent":
        duty_mark_absent(**common, by=by, reason=data["reason"])
    elif data["action"] == "return":
        duty_mark_returned(**common, by=by, reason=data["reason"])
    else:
        duty_swap(
            **common,
            other=data["other"],
            other_day=data.get("other_day"),
            by=by,
            reason=data["reason"],
        )


@login_required
@require_http_methods(["GET", "POST"])
def roster_week(request: HttpRequest) -> HttpResponse:
    user, jurisdiction, roles = _reader(request)
    _writer(request, roles)
    raw = request.GET.get("week", "")
    start = _day(raw) if raw else timezone.localdate()
    monday = start - dt.timedelta(days=start.weekday())
    form = DutyChangeForm(request.POST or None, inspectors=_inspectors(jurisdiction))
    if request.method == "POST" and form.is_valid():
        try:
            _apply(form, jurisdiction, user)
        except RosterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("排班已调整；如当日计划已生成，请重新生成"))
            return redirect(f"{request.path}?week={monday.isoformat()}")
    context = {
        "week": planning.roster_week_get(jurisdiction_id=jurisdiction.pk, monday=monday),
        "form": form,
        "can_plan": roles.may(Perm.INSPECTION_PLAN),
        "previous": (monday - dt.timedelta(days=7)).isoformat(),
        "next": (monday + dt.timedelta(days=7)).isoformat(),
    }
    return render(
        request, "inspections/roster_week.html", context, status=400 if form.errors else 200
    )


@login_required
@require_GET
def route_detail(request: HttpRequest, route_id: int) -> HttpResponse:
    user = cast(User, request.user)
    route = planning.route_get_for(user=user, roles=roles_of(request), route_id=route_id)
    context = {
        "route": route,
        "stops": planning.route_stops_described(route),
        "hours": route.minutes // 60,
        "rest_minutes": route.minutes % 60,
    }
    return render(request, "inspections/route_detail.html", context)


@login_required
@require_GET
def route_gpx_download(request: HttpRequest, route_id: int) -> HttpResponse:
    user = cast(User, request.user)
    route = planning.route_get_for(user=user, roles=roles_of(request), route_id=route_id)
    name = f"{route.plan.day.isoformat()} {route.inspector}"
    body = route_gpx(route=route, name=name, waypoints=planning.route_waypoints(route))
    response = HttpResponse(body, content_type="application/gpx+xml")
    filename = f"route-{route.plan.day.isoformat()}-{route.pk}.gpx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
