"""Reads of geographic data that span relations."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Func, IntegerField, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.places.chiefs import road_chief_current_q
from jingxi.places.models import (
    Community,
    Component,
    Grid,
    Landmark,
    ResponsibilityRule,
    Road,
    RoadChief,
    Segment,
    Township,
)
from jingxi.places.snapshot import (
    CategoryRow,
    CommunityRow,
    ComponentTable,
    GeoSnapshot,
    GridRow,
    LandmarkRow,
    ResponsibilityRuleRow,
    RoadChiefRow,
    RoadRow,
    SegmentRow,
    TownshipRow,
    UnitRow,
)


def geo_version_get(*, jurisdiction_id: int) -> int:
    """The current geo_version in the database (not the one on a possibly stale object)."""
    return Jurisdiction.objects.values_list("geo_version", flat=True).get(pk=jurisdiction_id)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC while a bulk load allocates hundreds of thousands of tuples
    (each collection would walk the growing heap again)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _geometry_text() -> Cast:
    """The geometry column as GeoJSON text, not decoded into Python dicts."""
    return Cast("geometry", output_field=TextField())


def geo_snapshot_load(*, jurisdiction: Jurisdiction, components: bool = True) -> GeoSnapshot:
    """Everything the responsibility, geocoding and quality indexes need, in one query per table.

    Uses `values_list` throughout (no model instances) and reads geometries as
    GeoJSON text, so 20,000 grids and 200,000 components load in about a second.
    The version is read first: if a write lands while we read, the snapshot
    carries the older version and the next check rebuilds it. `components=False`
    leaves the components out (the grid quality check has no use for them).
    """
    with _gc_paused():
        return _geo_snapshot_load(jurisdiction=jurisdiction, with_components=components)


def _geo_snapshot_load(*, jurisdiction: Jurisdiction, with_components: bool) -> GeoSnapshot:
    j = Jurisdiction.objects.values_list(
        "id", "code", "name", "geo_version", "center_lng", "center_lat"
    ).get(pk=jurisdiction.pk)
    jid = j[0]
    units = tuple(
        UnitRow(id=r[0], code=r[1], name=r[2], kind=r[3])
        for r in Unit.objects.filter(jurisdiction_id=jid)
        .order_by("id")
        .values_list("id", "code", "name", "kind")
    )
    townships = tuple(
        TownshipRow(id=r[0], code=r[1], name=r[2], unit_id=r[3], geometry=r[4])
        for r in Township.objects.filter(jurisdiction_id=jid)
        .annotate(geometry_text=_geometry_text())
        .order_by("code")
        .values_list("id", "code", "name", "unit_id", "geometry_text")
    )
    communities = tuple(
        CommunityRow(id=r[0], township_id=r[1], code=r[2], name=r[3], unit_id=r[4], geometry=r[5])
        for r in Community.objects.filter(township__jurisdiction_id=jid)
        .annotate(geometry_text=_geometry_text())
        .order_by("code")
        .values_list("id", "township_id", "code", "name", "unit_id", "geometry_text")
    )
    grids = tuple(
        GridRow(id=r[0], community_id=r[1], code=r[2], geometry=r[3])
        for r in Grid.objects.filter(community__township__jurisdiction_id=jid)
        .annotate(geometry_text=_geometry_text())
        .order_by("code")
        .values_list("id", "community_id", "code", "geometry_text")
    )
    roads = tuple(
        RoadRow(id=r[0], code=r[1], name=r[2])
        for r in Road.objects.filter(jurisdiction_id=jid)
        .order_by("code")
        .values_list("id", "code", "name")
    )
    segments = tuple(
        SegmentRow(
            id=r[0],
            road_id=r[1],
            seq=r[2],
            from_street=r[3],
            to_street=r[4],
            township_id=r[5],
            maintainer_id=r[6],
            number_from=r[7],
            number_to=r[8],
            geometry=r[9],
        )
        for r in Segment.objects.filter(road__jurisdiction_id=jid)
        .annotate(geometry_text=_geometry_text())
        .order_by("road__code", "seq")
        .values_list(
            "id",
            "road_id",
            "seq",
            "from_street",
            "to_street",
            "township_id",
            "maintainer_id",
            "number_from",
            "number_to",
            "geometry_text",
        )
    )
    chief_segments: dict[int, list[int]] = {}
    for chief_id, segment_id in RoadChief.segments.through.objects.filter(
        roadchief__road__jurisdiction_id=jid
    ).values_list("roadchief_id", "segment_id"):
        chief_segments.setdefault(chief_id, []).append(segment_id)
    chiefs = tuple(
        RoadChiefRow(
            id=r[0],
            road_id=r[1],
            user_id=r[2],
            name=r[3] or r[4],
            level=r[5],
            phone=r[6] or r[7],
            start_date=r[8],
            end_date=r[9],
            segment_ids=tuple(sorted(chief_segments.get(r[0], ()))),
        )
        for r in RoadChief.objects.filter(road__jurisdiction_id=jid)
        .order_by("road_id", "level", "id")
        .values_list(
            "id",
            "road_id",
            "user_id",
            "user__full_name",
            "user__username",
            "level",
            "user__phone",
            "supervision_phone",
            "start_date",
            "end_date",
        )
    )
    categories = tuple(
        CategoryRow(
            id=r[0],
            kind=r[1],
            level=r[2],
            code=r[3],
            name=r[4],
            parent_id=r[5],
            responsibility=r[6],
            default_unit_id=r[7],
        )
        for r in Category.objects.filter(jurisdiction_id=jid)
        .order_by("id")
        .values_list(
            "id", "kind", "level", "code", "name", "parent_id", "responsibility", "default_unit_id"
        )
    )
    rules = tuple(
        ResponsibilityRuleRow(category_id=r[0], township_id=r[1], unit_id=r[2])
        for r in ResponsibilityRule.objects.filter(jurisdiction_id=jid)
        .order_by("id")
        .values_list("category_id", "township_id", "unit_id")
    )
    landmarks = tuple(
        LandmarkRow(
            id=r[0],
            name=r[1],
            aliases=tuple(a.strip() for a in r[2].replace("，", ",").split(",") if a.strip()),
            kind=r[3],
            lng=r[4],
            lat=r[5],
        )
        for r in Landmark.objects.filter(jurisdiction_id=jid)
        .order_by("id")
        .values_list("id", "name", "aliases", "kind", "lng", "lat")
    )
    rows = (
        list(
            Component.objects.filter(jurisdiction_id=jid)
            .order_by("id")
            .values_list("id", "object_id", "category_id", "name", "maintainer_id", "lng", "lat")
        )
        if with_components
        else []
    )
    components = (
        ComponentTable(*(tuple(column) for column in zip(*rows, strict=True)))
        if rows
        else ComponentTable()
    )
    return GeoSnapshot(
        jurisdiction_id=jid,
        jurisdiction_code=j[1],
        jurisdiction_name=j[2],
        geo_version=j[3],
        center_lng=j[4],
        center_lat=j[5],
        units=units,
        townships=townships,
        communities=communities,
        grids=grids,
        roads=roads,
        segments=segments,
        chiefs=chiefs,
        categories=categories,
        rules=rules,
        landmarks=landmarks,
        components=components,
    )


# --- road chiefs ----------------------------------------------------------------------
# Whether a term is current is decided in `chiefs.py`; these read with that rule.


def road_chief_list_current(*, on: dt.date | None = None) -> QuerySet[RoadChief]:
    """The road-chief terms current on `on` (today, in the server's zone, by default)."""
    day = on or timezone.localdate()
    return RoadChief.objects.filter(road_chief_current_q(on=day))


def road_ids_chiefed_by(*, user: User, on: dt.date | None = None) -> QuerySet[RoadChief, int]:
    """The ids of the roads where `user` is a current chief (a subquery; lazy)."""
    return road_chief_list_current(on=on).filter(user=user).values_list("road_id", flat=True)


# --- master-data counts (the data-quality page) --------------------------------------


def count_subquery(qs: QuerySet[Any], *, distinct: str | None = None) -> Subquery:
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
        "townships": count_subquery(Township.objects.filter(jurisdiction_id=j)),
        "communities": count_subquery(Community.objects.filter(township__jurisdiction_id=j)),
        "grids": count_subquery(Grid.objects.filter(community__township__jurisdiction_id=j)),
        "roads": count_subquery(Road.objects.filter(jurisdiction_id=j)),
        "segments": count_subquery(Segment.objects.filter(road__jurisdiction_id=j)),
        "components": count_subquery(Component.objects.filter(jurisdiction_id=j)),
        "units": count_subquery(Unit.objects.filter(jurisdiction_id=j, is_active=True)),
        "staff": count_subquery(
            Membership.objects.filter(unit__jurisdiction_id=j, user__is_active=True),
            distinct="user_id",
        ),
        "road_chiefs": count_subquery(
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
