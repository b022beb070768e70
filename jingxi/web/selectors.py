"""Reads for the shell: the user's roles, the dashboard counts, "my roads", "my units".

Each selector runs a fixed number of queries, whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.org.roles import UNIT_ROLES
from jingxi.places.models import Community, Component, Grid, Road, RoadChief, Segment, Township
from jingxi.places.selectors import road_chief_list_current
from jingxi.web.offers import LoginOffer, login_offer_list


def _count(qs: QuerySet[Any], *, distinct: str | None = None) -> Subquery:
    """A scalar subquery counting the rows (or distinct values of a column) of `qs`."""
    if distinct:
        expr = Func(
            F(distinct), function="COUNT", template="%(function)s(DISTINCT %(expressions)s)"
        )
    else:
        expr = Func(F("pk"), function="COUNT")
    return Subquery(qs.order_by().annotate(n=expr).values("n")[:1], output_field=IntegerField())


@dataclass(frozen=True, kw_only=True)
class CountTile:
    key: str
    label: str | Promise
    value: int


COUNT_LABELS: tuple[tuple[str, str | Promise], ...] = (
    ("townships", pgettext_lazy("plural", "乡镇/街道")),
    ("communities", pgettext_lazy("plural", "社区/村")),
    ("grids", pgettext_lazy("plural", "单元网格")),
    ("roads", pgettext_lazy("plural", "道路")),
    ("segments", pgettext_lazy("plural", "路段")),
    ("components", pgettext_lazy("plural", "部件")),
    ("units", pgettext_lazy("plural", "单位")),
    ("staff", pgettext_lazy("plural", "工作人员")),
    ("road_chiefs", pgettext_lazy("plural", "在任路长")),
)


def jurisdiction_counts(*, jurisdiction: Jurisdiction) -> list[CountTile]:
    """The jurisdiction's master-data counts, in one query."""
    j = jurisdiction.pk
    subqueries = {
        "townships": _count(Township.objects.filter(jurisdiction_id=j)),
        "communities": _count(Community.objects.filter(township__jurisdiction_id=j)),
        "grids": _count(Grid.objects.filter(community__township__jurisdiction_id=j)),
        "roads": _count(Road.objects.filter(jurisdiction_id=j)),
        "segments": _count(Segment.objects.filter(road__jurisdiction_id=j)),
        "components": _count(Component.objects.filter(jurisdiction_id=j)),
        "units": _count(Unit.objects.filter(jurisdiction_id=j, is_active=True)),
        "staff": _count(
            Membership.objects.filter(unit__jurisdiction_id=j, user__is_active=True),
            distinct="user_id",
        ),
        "road_chiefs": _count(
            road_chief_list_current().filter(road__jurisdiction_id=j),
            distinct="user_id",
        ),
    }
    row = (
        Jurisdiction.objects.filter(pk=j)
        .annotate(**{f"n_{k}": Coalesce(v, Value(0)) for k, v in subqueries.items()})
        .values(*[f"n_{k}" for k in subqueries])
        .get()
    )
    return [CountTile(key=k, label=label, value=row[f"n_{k}"]) for k, label in COUNT_LABELS]


@dataclass(frozen=True, kw_only=True)
class MyRoad:
    road_id: int
    road_name: str
    road_code: str
    grade_label: str
    level_label: str
    segment_count: int
    whole_road: bool
    supervision_phone: str


def road_list_for_chief(*, user: User) -> list[MyRoad]:
    """Roads where `user` is a current road chief, with level and segment count. One query.

    A chief of some segments only counts those; a chief of the whole road counts all.
    """
    own_segments = _count(RoadChief.segments.through.objects.filter(roadchief_id=OuterRef("pk")))
    road_segments = _count(Segment.objects.filter(road_id=OuterRef("road_id")))
    posts = (
        road_chief_list_current()
        .filter(user=user)
        .select_related("road")
        .annotate(own_segments=Coalesce(own_segments, 0), road_segments=Coalesce(road_segments, 0))
        .order_by("road__name", "level")
    )
    return [
        MyRoad(
            road_id=p.road_id,
            road_name=p.road.name,
            road_code=p.road.code,
            grade_label=str(p.road.get_grade_display()),
            level_label=str(p.get_level_display()),
            segment_count=p.own_segments or p.road_segments,
            whole_road=not p.own_segments,
            supervision_phone=p.supervision_phone,
        )
        for p in posts
    ]


@dataclass(frozen=True, kw_only=True)
class MyUnit:
    unit_id: int
    unit_name: str
    kind_label: str
    role_label: str
    head_name: str
    contact_phone: str


def unit_list_for_staff(*, user: User) -> list[MyUnit]:
    """Units where `user` is a handler or the head. One query."""
    rows = (
        Membership.objects.filter(user=user, role__in=UNIT_ROLES)
        .select_related("unit", "unit__head")
        .order_by("unit__code", "role")
    )
    return [
        MyUnit(
            unit_id=m.unit_id,
            unit_name=m.unit.name,
            kind_label=str(m.unit.get_kind_display()),
            role_label=str(m.get_role_display()),
            head_name=str(m.unit.head) if m.unit.head else "",
            contact_phone=m.unit.contact_phone,
        )
        for m in rows
    ]


def demo_login_list() -> list[LoginOffer]:
    """The offered logins (`jingxi.web.offers`: the demo county's) whose users exist in
    this database. One query.

    Empty when the demo county is not loaded (the accounts are not there).
    """
    logins = login_offer_list()
    present = set(
        User.objects.filter(username__in=[x.username for x in logins]).values_list(
            "username", flat=True
        )
    )
    return [x for x in logins if x.username in present]
