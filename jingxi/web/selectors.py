"""Reads for the shell: "my roads", "my units", the offered demo logins.

Each selector runs a fixed number of queries, whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef
from django.db.models.functions import Coalesce

from jingxi.org.models import Membership, User
from jingxi.org.roles import UNIT_ROLES
from jingxi.places.models import RoadChief, Segment
from jingxi.places.selectors import count_subquery, road_chief_list_current
from jingxi.web.offers import LoginOffer, login_offer_list


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
    own_segments = count_subquery(
        RoadChief.segments.through.objects.filter(roadchief_id=OuterRef("pk"))
    )
    road_segments = count_subquery(Segment.objects.filter(road_id=OuterRef("road_id")))
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
