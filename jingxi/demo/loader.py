"""Write the demo county's plan into the database, once.

`demo_county_load` is what `manage.py demo_load` (and so `make run`) calls on every
start: when the county is there it only says so; a fresh database gets the whole
county in one transaction, written with bulk_create.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.cases.choices import Status
from jingxi.catalog.choices import CategoryKind, CategoryLevel
from jingxi.catalog.models import Category
from jingxi.catalog.services import catalog_seed
from jingxi.demo.cases import demo_cases_count, demo_cases_counts, demo_cases_load
from jingxi.demo.generator import county_plan
from jingxi.demo.inspections import demo_inspections_days, demo_inspections_load
from jingxi.demo.plan import (
    CENTER_LAT,
    CENTER_LNG,
    COMPONENT_KINDS,
    COUNTY_NAME,
    DEMO_PASSWORD,
    OPEN311_ID,
    REGION_CODE,
    ComponentKind,
    CountyPlan,
)
from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.org.services import calendar_seed
from jingxi.places.models import (
    Community,
    Component,
    Grid,
    Landmark,
    Road,
    RoadChief,
    Segment,
    Township,
)
from jingxi.places.services import geo_version_bump

CALENDAR_YEARS = (2025, 2026, 2027)
COUNT_LABELS = {
    "townships": gettext_lazy("乡镇/街道"),
    "communities": gettext_lazy("社区/村"),
    "grids": gettext_lazy("网格"),
    "roads": gettext_lazy("道路"),
    "segments": gettext_lazy("路段"),
    "components": gettext_lazy("部件"),
    "landmarks": gettext_lazy("地标"),
    "units": gettext_lazy("单位"),
    "users": gettext_lazy("人员"),
    "road_chiefs": gettext_lazy("路长"),
    "categories": gettext_lazy("类别"),
}
BATCH = 2000


@dataclass(frozen=True)
class LoadSummary:
    """What `demo_county_load` did. `loaded` is False when the county was already there."""

    jurisdiction_id: int
    loaded: bool
    seconds: float
    counts: dict[str, int]
    unmapped_kinds: tuple[str, ...] = field(default=())
    cases: dict[str, int] = field(default_factory=dict)
    case_seconds: float = 0.0

    @property
    def message(self) -> str:
        figures = "，".join(f"{COUNT_LABELS.get(k, k)} {v:,}" for k, v in self.counts.items())
        if self.loaded:
            text = _("已载入演示县%(name)s（用时 %(s).1f 秒）：%(figures)s。") % {
                "name": COUNTY_NAME,
                "s": self.seconds,
                "figures": figures,
            }
            if self.cases:
                statuses = "，".join(
                    f"{Status(k).label} {v:,}" for k, v in self.cases.items() if k in Status.values
                )
                text += _("演示案卷 %(n)s 件（用时 %(s).1f 秒）：%(statuses)s。") % {
                    "n": f"{sum(self.cases.values()):,}",
                    "s": self.case_seconds,
                    "statuses": statuses,
                }
            return text
        return _("演示县%(name)s已载入（%(figures)s），无需操作；如需重新载入请加 --reset。") % {
            "name": COUNTY_NAME,
            "figures": figures,
        }


def demo_county_load(
    *,
    scale: float = 1,
    seed: int = 2026,
    reset: bool = False,
    cases: bool = True,
    inspections: bool = True,
    now: dt.datetime | None = None,
) -> LoadSummary:
    """Load the demo county unless it is there; with reset, wipe it first and reload.

    The county counts as loaded when its jurisdiction has any township or unit: the
    loader never writes over data it did not make. A county just loaded then gets its
    history of cases (`demo.cases`), unless `cases` is False, played up to `now`, and with
    it two weeks of daily inspection (`demo.inspections`), unless `inspections` is False.
    """
    started = time.monotonic()
    existing = Jurisdiction.objects.filter(code=REGION_CODE).first()
    if existing is not None and not reset and _is_loaded(existing):
        return LoadSummary(existing.pk, False, time.monotonic() - started, _db_counts(existing))

    # Build the plan before taking the write lock: it is the slow, pure part.
    plan = county_plan(scale=scale, seed=seed)
    with transaction.atomic():
        jurisdiction, _ = Jurisdiction.objects.get_or_create(
            code=REGION_CODE,
            defaults={
                "name": COUNTY_NAME,
                "open311_id": OPEN311_ID,
                "center_lng": CENTER_LNG,
                "center_lat": CENTER_LAT,
            },
        )
        if reset:
            jurisdiction_wipe(jurisdiction=jurisdiction)
        elif _is_loaded(jurisdiction):  # another process got there first
            counts = _db_counts(jurisdiction)
            return LoadSummary(jurisdiction.pk, False, time.monotonic() - started, counts)
        unmapped = _write(plan, jurisdiction)
        geo_version_bump(jurisdiction=jurisdiction)
        counts = _db_counts(jurisdiction)
    seconds = time.monotonic() - started
    by_status: dict[str, int] = {}
    case_started = time.monotonic()
    if cases:
        # Case by case in their own transactions, through the services, after the
        # county is committed (a failure here leaves a usable county without cases).
        demo_cases_load(
            jurisdiction=jurisdiction, count=demo_cases_count(scale=scale), seed=seed, now=now
        )
        by_status = demo_cases_counts(jurisdiction=jurisdiction)
    if cases and inspections:
        # Two weeks of daily inspection after the cases' history, through the
        # inspections' services (demo.inspections); its few findings are cases of
        # their own, not counted in the history's figures above.
        demo_inspections_load(
            jurisdiction=jurisdiction,
            seed=seed,
            now=now,
            days=demo_inspections_days(scale=scale),
        )
    case_seconds = time.monotonic() - case_started
    return LoadSummary(
        jurisdiction.pk, True, seconds + case_seconds, counts, unmapped, by_status, case_seconds
    )


def _is_loaded(jurisdiction: Jurisdiction) -> bool:
    return (
        Township.objects.filter(jurisdiction=jurisdiction).exists()
        or Unit.objects.filter(jurisdiction=jurisdiction).exists()
    )


def _db_counts(j: Jurisdiction) -> dict[str, int]:
    return {
        "townships": Township.objects.filter(jurisdiction=j).count(),
        "communities": Community.objects.filter(township__jurisdiction=j).count(),
        "grids": Grid.objects.filter(community__township__jurisdiction=j).count(),
        "roads": Road.objects.filter(jurisdiction=j).count(),
        "segments": Segment.objects.filter(road__jurisdiction=j).count(),
        "components": Component.objects.filter(jurisdiction=j).count(),
        "landmarks": Landmark.objects.filter(jurisdiction=j).count(),
        "units": Unit.objects.filter(jurisdiction=j).count(),
        "users": User.objects.filter(jurisdiction=j).count(),
        "road_chiefs": RoadChief.objects.filter(road__jurisdiction=j).count(),
        "categories": Category.objects.filter(jurisdiction=j).count(),
    }


# --- Writing -----------------------------------------------------------------------


def _polygon(ring: tuple[tuple[float, float], ...]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def _write(plan: CountyPlan, j: Jurisdiction) -> tuple[str, ...]:
    """Write every row of the plan. Returns the component kinds with no category."""
    # Units first (the catalog links default units by code), then their staff.
    units = Unit.objects.bulk_create(
        [
            Unit(
                jurisdiction=j,
                code=u.code,
                name=u.name,
                short_name=u.short_name,
                kind=u.kind,
                ranking_group=u.ranking_group,
                contact_name=u.contact_name,
                contact_phone=u.contact_phone,
                address=u.address,
            )
            for u in plan.units
        ],
        batch_size=BATCH,
    )
    unit_id = {u.code: u.pk for u in units}

    # One hash for every demo login; usernames taken already (say a superuser
    # made by hand) are reused as they are, password and all.
    password = make_password(DEMO_PASSWORD)
    taken = dict(
        User.objects.filter(username__in=[u.username for u in plan.users]).values_list(
            "username", "pk"
        )
    )
    new_users = User.objects.bulk_create(
        [
            User(
                username=u.username,
                full_name=u.full_name,
                phone=u.phone,
                jurisdiction=j,
                password=password,
                is_superuser=u.is_superuser,
                is_staff=u.is_superuser,
            )
            for u in plan.users
            if u.username not in taken
        ],
        batch_size=BATCH,
    )
    user_id = taken | {u.username: u.pk for u in new_users}
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=user_id[u.username],
                unit_id=unit_id[m.unit_code],
                role=m.role,
                title=m.title,
            )
            for u in plan.users
            for m in u.memberships
        ],
        batch_size=BATCH,
    )
    for unit, spec in zip(units, plan.units, strict=True):
        unit.parent_id = unit_id[spec.parent_code] if spec.parent_code else None
        unit.head_id = user_id[spec.head_username] if spec.head_username else None
    Unit.objects.bulk_update(units, ["parent", "head"], batch_size=BATCH)

    catalog_seed(jurisdiction=j)
    for year in CALENDAR_YEARS:
        calendar_seed(jurisdiction=j, year=year)

    townships = Township.objects.bulk_create(
        [
            Township(
                jurisdiction=j,
                code=t.code,
                name=t.name,
                kind=t.kind,
                unit_id=unit_id[t.unit_code],
                geometry=_polygon(t.ring),
            )
            for t in plan.townships
        ],
        batch_size=BATCH,
    )
    township_id = {t.code: t.pk for t in townships}
    communities = Community.objects.bulk_create(
        [
            Community(
                township_id=township_id[c.township_code],
                code=c.code,
                name=c.name,
                kind=c.kind,
                unit_id=unit_id[c.unit_code],
                geometry=_polygon(c.ring),
            )
            for c in plan.communities
        ],
        batch_size=BATCH,
    )
    community_id = {c.code: c.pk for c in communities}
    grids = Grid.objects.bulk_create(
        [
            Grid(
                community_id=community_id[g.community_code],
                code=g.code,
                area_class=g.area_class,
                area_m2=g.area_m2,
                geometry=_polygon(g.ring),
            )
            for g in plan.grids
        ],
        batch_size=BATCH,
    )
    grid_id = {g.code: g.pk for g in grids}

    roads = Road.objects.bulk_create(
        [Road(jurisdiction=j, code=r.code, name=r.name, grade=r.grade) for r in plan.roads],
        batch_size=BATCH,
    )
    road_id = {r.code: r.pk for r in roads}
    Segment.objects.bulk_create(
        [
            Segment(
                road_id=road_id[s.road_code],
                seq=s.seq,
                from_street=s.from_street,
                to_street=s.to_street,
                township_id=township_id[s.township_code] if s.township_code else None,
                maintainer_id=unit_id[s.maintainer_code],
                number_from=s.number_from,
                number_to=s.number_to,
                length_m=s.length_m,
                geometry={"type": "LineString", "coordinates": [list(p) for p in s.line]},
            )
            for s in plan.segments
        ],
        batch_size=BATCH,
    )
    Landmark.objects.bulk_create(
        [
            Landmark(
                jurisdiction=j, name=m.name, aliases=m.aliases, kind=m.kind, lng=m.lng, lat=m.lat
            )
            for m in plan.landmarks
        ],
        batch_size=BATCH,
    )

    categories, unmapped = component_categories(jurisdiction=j)
    serial: Counter[str] = Counter()
    components = []
    for c in plan.components:
        category = categories.get(c.kind)
        if category is None:
            continue
        serial[category.code] += 1
        components.append(
            Component(
                jurisdiction=j,
                object_id=f"{REGION_CODE}{category.code}{serial[category.code]:06d}",
                category_id=category.pk,
                name=c.name,
                grid_id=grid_id[c.grid_code] if c.grid_code else None,
                owner_id=unit_id[c.owner_code],
                maintainer_id=unit_id[c.maintainer_code],
                state=c.state,
                accuracy_class=c.accuracy_class,
                lng=c.lng,
                lat=c.lat,
                material=c.material,
                location_note=c.location_note,
                data_source=c.data_source,
                recorded_on=c.recorded_on,
                changed_on=c.changed_on,
            )
        )
    Component.objects.bulk_create(components, batch_size=BATCH)

    RoadChief.objects.bulk_create(
        [
            RoadChief(
                road_id=road_id[rc.road_code],
                user_id=user_id[rc.username],
                level=rc.level,
                duty=rc.duty,
                supervision_phone=rc.supervision_phone,
                start_date=rc.start_date,
            )
            for rc in plan.road_chiefs
        ],
        batch_size=BATCH,
    )
    return unmapped


def component_categories(
    *, jurisdiction: Jurisdiction
) -> tuple[dict[str, Category], tuple[str, ...]]:
    """Each component kind's 部件 minor category in this jurisdiction's catalog.

    By name first (exact, then contained), then by the usual code, then the category
    of a fallback kind, then the first minor of the same major. Never creates one.
    Returns the mapping and the kinds left without a category.
    """
    minors = list(
        Category.objects.filter(
            jurisdiction=jurisdiction,
            kind=CategoryKind.COMPONENT,
            level=CategoryLevel.MINOR,
            is_active=True,
        ).order_by("code")
    )
    by_name = {c.name: c for c in minors}
    by_code = {c.code: c for c in minors}

    def direct(kind: ComponentKind) -> Category | None:
        for name in kind.names:
            if name in by_name:
                return by_name[name]
        for name in kind.names:
            for c in minors:
                if name in c.name:
                    return c
        return by_code.get(kind.code)

    found: dict[str, Category] = {}
    for kind in COMPONENT_KINDS:
        category = direct(kind)
        if category is not None:
            found[kind.key] = category
    kinds = {k.key: k for k in COMPONENT_KINDS}
    for kind in COMPONENT_KINDS:
        fallback = kind.fallback
        while kind.key not in found and fallback is not None:
            if fallback in found:
                found[kind.key] = found[fallback]
            fallback = kinds[fallback].fallback
        if kind.key not in found:
            same_major = [c for c in minors if c.code[:2] == kind.code[:2]]
            if same_major:
                found[kind.key] = same_major[0]
    unmapped = tuple(k.key for k in COMPONENT_KINDS if k.key not in found)
    return found, unmapped


# --- Wiping ------------------------------------------------------------------------


def _path_to_jurisdiction(model: type[models.Model]) -> str | None:
    """The shortest forward-FK lookup from a model to its Jurisdiction, e.g.
    "community__township__jurisdiction"; None if it has none."""
    queue: deque[tuple[type[models.Model], str, int]] = deque([(model, "", 0)])
    seen = {model}
    while queue:
        current, prefix, depth = queue.popleft()
        for f in current._meta.get_fields():
            if not (f.is_relation and f.many_to_one and f.concrete):
                continue
            target = f.related_model
            if not isinstance(target, type) or not issubclass(target, models.Model):
                continue
            lookup = f"{prefix}{f.name}"
            if target is Jurisdiction:
                return lookup
            if target not in seen and depth < 4:
                seen.add(target)
                queue.append((target, f"{lookup}__", depth + 1))
    return None


def jurisdiction_wipe(*, jurisdiction: Jurisdiction) -> int:
    """Delete every row that belongs to the jurisdiction, in every app, keeping the
    jurisdiction row itself (its geo and calendar versions keep counting up).

    Rows are found by their foreign-key path to the jurisdiction and deleted so
    that rows pointing at others go first. Returns the number of rows deleted.
    """
    lookups: dict[type[models.Model], str] = {}
    tables = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        if model is Jurisdiction or model._meta.db_table not in tables:
            continue
        path = _path_to_jurisdiction(model)
        if path is not None:
            lookups[model] = path

    # A model is deleted once no model still waiting points at it.
    pointing_at: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in lookups}
    for model in lookups:
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if target in lookups and target is not model:
                pointing_at[target].add(model)
    order: list[type[models.Model]] = []
    waiting = set(lookups)
    while waiting:
        ready = sorted(
            (m for m in waiting if not (pointing_at[m] & waiting)), key=lambda m: m._meta.label
        )
        if not ready:  # a cycle: break it where it is, the collector cascades the rest
            ready = [min(waiting, key=lambda m: m._meta.label)]
        order.extend(ready)
        waiting.difference_update(ready)

    if connection.vendor == "postgresql":
        # Case events are append-only; wiping a whole demo jurisdiction is the one
        # exception the trigger allows, for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jingxi.allow_event_delete = 'on'")
    deleted = 0
    for model in order:
        rows = model._default_manager.filter(**{lookups[model]: jurisdiction})
        # Self-references (a unit's parent, a major category) would protect the
        # rows from their own deletion: cut them first.
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is model and f.null:
                rows.exclude(**{f"{f.name}__isnull": True}).update(**{f.name: None})
        deleted += rows.delete()[0]
    return deleted
