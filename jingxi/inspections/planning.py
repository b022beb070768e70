"""Reads of the planning side for the office pages: the day's plan board, the roster's
week and a route, the last checked for access (`route_get_for` raises Http404).

Who reads: `Perm.INSPECTION_READ`. The office (or whoever plans) sees every route of
their jurisdiction; an inspector sees only their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from jingxi.cases.models import Case
from jingxi.inspections.frequencies import settings_for
from jingxi.inspections.models import (
    Duty,
    DutyChange,
    Inspector,
    Plan,
    PlanChange,
    PlanItem,
    Route,
)
from jingxi.inspections.plans import capacity_m_for
from jingxi.org.models import User
from jingxi.org.roles import Perm, RoleSet
from jingxi.places.models import Segment


def may_read(roles: RoleSet) -> bool:
    return roles.may(Perm.INSPECTION_READ)


def sees_every_route(roles: RoleSet) -> bool:
    """Office readers and planners see every route; an inspector only their own."""
    return roles.may(Perm.INSPECTION_PLAN) or (
        roles.may(Perm.INSPECTION_READ) and not roles.may(Perm.ROUND)
    )


def route_get_for(*, user: User, roles: RoleSet, route_id: int) -> Route:
    """The route, if `user` may see it; else Http404."""
    if not may_read(roles) or user.jurisdiction_id is None:
        raise Http404(_("没有找到该路线"))
    qs = Route.objects.select_related("plan", "inspector", "start").filter(
        pk=route_id, plan__jurisdiction_id=user.jurisdiction_id
    )
    if not sees_every_route(roles):
        qs = qs.filter(inspector=user)
    route = qs.first()
    if route is None:
        raise Http404(_("没有找到该路线"))
    return route


@dataclass
class InspectorRow:
    user: User
    items: list[PlanItem] = field(default_factory=list)
    route: Route | None = None

    @property
    def km(self) -> float:
        return sum(i.length_m for i in self.items) / 1000


@dataclass
class PlanBoard:
    day: dt.date
    plan: Plan | None
    rows: list[InspectorRow]
    unassigned: list[PlanItem]
    changes: list[PlanChange]
    capacity_km: dict[int, float]


def plan_board_get(*, jurisdiction_id: int, day: dt.date) -> PlanBoard:
    plan = Plan.objects.filter(jurisdiction_id=jurisdiction_id, day=day).first()
    if plan is None:
        return PlanBoard(day, None, [], [], [], {})
    items = list(
        PlanItem.objects.filter(plan=plan)
        .select_related("segment__road", "inspector")
        .order_by("inspector_id", "-days_overdue", "segment__road__name", "segment__seq")
    )
    rows: dict[int, InspectorRow] = {}
    unassigned: list[PlanItem] = []
    for item in items:
        if item.inspector is None:
            unassigned.append(item)
        else:
            rows.setdefault(item.inspector.pk, InspectorRow(item.inspector)).items.append(item)
    for route in Route.objects.filter(plan=plan):
        if route.inspector_id in rows:
            rows[route.inspector_id].route = route
    settings = settings_for(jurisdiction=plan.jurisdiction)
    profiles = {p.user_id: p for p in Inspector.objects.filter(user__in=list(rows))}
    capacity = {
        uid: capacity_m_for(profile=profiles.get(uid), settings=settings) / 1000 for uid in rows
    }
    changes = list(plan.changes.select_related("by").order_by("-version", "-id"))
    return PlanBoard(day, plan, list(rows.values()), unassigned, changes, capacity)


@dataclass
class RosterWeek:
    days: list[dt.date]
    # (inspector, [duty or None per day])
    rows: list[tuple[User, list[Duty | None]]]
    changes: list[DutyChange]


def roster_week_get(*, jurisdiction_id: int, monday: dt.date) -> RosterWeek:
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    duties = (
        Duty.objects.filter(jurisdiction_id=jurisdiction_id, day__gte=days[0], day__lte=days[-1])
        .select_related("inspector", "shift")
        .prefetch_related(Prefetch("changes", queryset=DutyChange.objects.order_by("at")))
    )
    grid: dict[int, tuple[User, dict[dt.date, Duty]]] = {}
    for duty in duties:
        grid.setdefault(duty.inspector_id, (duty.inspector, {}))[1][duty.day] = duty
    rows = [
        (user, [cells.get(d) for d in days])
        for user, cells in sorted(grid.values(), key=lambda r: (r[0].full_name, r[0].pk))
    ]
    changes = list(
        DutyChange.objects.filter(
            duty__jurisdiction_id=jurisdiction_id, duty__day__gte=days[0], duty__day__lte=days[-1]
        )
        .select_related("duty__inspector", "by", "other")
        .order_by("-at")[:50]
    )
    return RosterWeek(days, rows, changes)


def route_stops_described(route: Route) -> list[dict[str, Any]]:
    """The route's stops with their labels, in order."""
    ids = [s["id"] for s in route.stops if s.get("kind") == "segment"]
    labels = {
        s.pk: f"{s.road.name} {s.from_street}—{s.to_street}".strip()
        for s in Segment.objects.filter(pk__in=ids).select_related("road")
    }
    out: list[dict[str, Any]] = []
    for stop in route.stops:
        if stop.get("kind") == "segment":
            out.append({**stop, "label": labels.get(stop["id"], str(stop["id"]))})
        elif stop.get("kind") == "case":
            out.append({**stop, "label": stop.get("number", "")})
        else:
            out.append({**stop, "label": ""})
    return out


def route_waypoints(route: Route) -> list[tuple[str, float, float]]:
    """The route's pending checks as (label, lng, lat), in the walk's order."""
    ids = [s["id"] for s in route.stops if s.get("kind") == "case"]
    where = {
        pk: (number, lng, lat)
        for pk, number, lng, lat in Case.objects.filter(pk__in=ids).values_list(
            "pk", "number", "lng", "lat"
        )
    }
    return [
        (_("待核实/核查案件") + f" {where[i][0]}", where[i][1], where[i][2])
        for i in ids
        if i in where
    ]
