"""The demo county's daily inspection: two weeks of rosters, plans, routes and rounds
(a few days for a small test county).

Written after the cases, through the inspections' services only (profiles, roster,
areas, scope, `plan_make` (the plan and its routes), `round_start`, `round_points_add`,
`round_finding_add`, `round_end`), day by day, so each day's plan sees the walks of
the days before it. Deterministic for a seed and a day.

- **Scope:** the core grids nearest the town centre, as many as the inspectors on duty
  can walk as often as their roads require (about 70 % of their capacity on average),
  so the plans cover their scope once the first days' backlog is walked.
- **Areas:** the scope cut into one sector per inspector around the centre.
- **Rounds:** each inspector on duty walks their route from 08:00, a position every
  80 m with a few metres of noise; one or two rounds a day stop early (the day's
  misses, some segments partly walked); now and then a problem found is filed.
- **Today:** the plan and routes; from 09:00 the rounds of all inspectors but the
  first demo login are under way (open), so the office's live page shows them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jingxi.catalog.choices import CategoryKind, CategoryLevel
from jingxi.catalog.models import Category
from jingxi.inspections.choices import TravelMode
from jingxi.inspections.frequencies import layout_for, settings_for
from jingxi.inspections.models import (
    DEFAULT_EVERY_DAYS,
    Plan,
    Round,
    Route,
)
from jingxi.inspections.profiles import inspector_profile_set, route_start_set
from jingxi.inspections.roster import area_assign, duty_mark_absent, roster_fill, scope_grid_add
from jingxi.inspections.routes import plan_make
from jingxi.inspections.services import round_end, round_finding_add, round_points_add, round_start
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Membership, User
from jingxi.places.choices import AreaClass
from jingxi.places.models import Grid

#: Days of history before today (a small county, as the tests load, gets a few).
HISTORY_DAYS = 14
SMALL_HISTORY_DAYS = 3
SMALL_SCALE = 0.25
#: Metres between two positions of a synthesized track, and their noise.
STEP_M = 80.0
NOISE_M = 4.0
#: Share of rounds that file a problem found.
FINDING_SHARE = 0.12
#: Share of the inspectors' capacity the scope asks on an average day.
SCOPE_LOAD = 0.7
#: The first demo login walks nothing today (its phone page starts clean).
FIRST_LOGIN = "inspector"
SPEED_KMH: dict[str, float] = {TravelMode.FOOT: 4.0, TravelMode.EBIKE: 14.0}
NAMESPACE = uuid.UUID("6f1c2d7e-1a8b-4c55-9a0e-3d2b7c9e0f11")
FINDING_NOTES = (
    "巡查发现路边暴露垃圾",
    "人行道有机动车乱停放",
    "井盖缺失，存在安全隐患",
    "店外经营占用人行道",
    "绿化带内堆放杂物",
)


@dataclass(frozen=True)
class _Cast:
    inspectors: list[User]
    dispatcher: User | None
    category_ids: list[int]


def _cast(j: Jurisdiction) -> _Cast:
    def members(role: str) -> list[User]:
        ids = (
            Membership.objects.filter(role=role, unit__jurisdiction=j, user__is_active=True)
            .values_list("user_id", flat=True)
            .distinct()
        )
        return list(User.objects.filter(pk__in=ids).order_by("username"))

    categories = list(
        Category.objects.filter(
            jurisdiction=j,
            level=CategoryLevel.MINOR,
            kind=CategoryKind.EVENT,
            is_active=True,
            time_limits__isnull=False,
        )
        .distinct()
        .order_by("code")
        .values_list("pk", flat=True)[:8]
    )
    dispatchers = members(Role.DISPATCHER)
    return _Cast(members(Role.INSPECTOR), dispatchers[0] if dispatchers else None, categories)


def _mode(index: int, count: int) -> str:
    """The last inspector rides an e-bike; the others walk."""
    return TravelMode.EBIKE if count > 2 and index == count - 1 else TravelMode.FOOT


def _scope(j: Jurisdiction, capacity_m: float) -> list[tuple[int, float, float, float]]:
    """Core grids nearest the centre while their daily load fits: (grid, x, y, load)."""
    layout = layout_for(jurisdiction=j)
    core = set(
        Grid.objects.filter(
            community__township__jurisdiction=j, area_class=AreaClass.CORE
        ).values_list("pk", flat=True)
    )
    per_grid: dict[int, list[tuple[float, float, float]]] = {}
    for info in layout.segments.values():
        if info.grid_id in core:
            every = DEFAULT_EVERY_DAYS.get(info.grade, 7)
            per_grid.setdefault(info.grid_id, []).append((info.x, info.y, info.length_m / every))
    if not per_grid:
        return []
    points = [(x, y) for rows in per_grid.values() for x, y, _load in rows]
    cx = sorted(p[0] for p in points)[len(points) // 2]
    cy = sorted(p[1] for p in points)[len(points) // 2]
    grids = []
    for grid_id, rows in per_grid.items():
        gx = sum(r[0] for r in rows) / len(rows)
        gy = sum(r[1] for r in rows) / len(rows)
        grids.append(
            (math.hypot(gx - cx, gy - cy), grid_id, gx - cx, gy - cy, sum(r[2] for r in rows))
        )
    chosen: list[tuple[int, float, float, float]] = []
    total = 0.0
    for _d, grid_id, x, y, load in sorted(grids):
        if total + load > capacity_m * SCOPE_LOAD and chosen:
            break
        chosen.append((grid_id, x, y, load))
        total += load
    return chosen


def _areas(
    scope: Sequence[tuple[int, float, float, float]], capacities: Sequence[float]
) -> list[list[int]]:
    """The scope cut into sectors around the centre, one per inspector, by capacity."""
    ordered = sorted(scope, key=lambda g: math.atan2(g[2], g[1]))
    total = sum(g[3] for g in ordered) or 1.0
    whole = sum(capacities) or 1.0
    out: list[list[int]] = [[] for _c in capacities]
    share, k, acc = capacities[0] / whole * total, 0, 0.0
    for grid_id, _x, _y, load in ordered:
        if acc >= share and k < len(capacities) - 1:
            k += 1
            share += capacities[k] / whole * total
        out[k].append(grid_id)
        acc += load
    return out


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "LineString":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def _metres(lng: float, lat: float, lng0: float, lat0: float) -> tuple[float, float]:
    k = 111_320.0
    return (lng - lng0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def _track(geometry: dict[str, Any], rng: random.Random, share: float) -> list[tuple[float, float]]:
    """Positions every STEP_M along the route's lines with noise, up to `share` of it."""
    out: list[tuple[float, float]] = []
    lines = _lines(geometry)
    total = 0.0
    pieces: list[tuple[float, float, float, float, float]] = []
    for line in lines:
        for (a_lng, a_lat), (b_lng, b_lat) in itertools.pairwise(line):
            dx, dy = _metres(b_lng, b_lat, a_lng, a_lat)
            length = math.hypot(dx, dy)
            pieces.append((a_lng, a_lat, b_lng, b_lat, length))
            total += length
    stop = total * share
    walked, carry = 0.0, 0.0
    k = 1 / (111_320.0)
    for a_lng, a_lat, b_lng, b_lat, length in pieces:
        if walked >= stop:
            break
        t = carry
        while t <= length and walked + (t - carry) <= stop:
            f = t / length if length else 0.0
            lng = a_lng + (b_lng - a_lng) * f
            lat = a_lat + (b_lat - a_lat) * f
            noise_x, noise_y = rng.gauss(0, NOISE_M / 2), rng.gauss(0, NOISE_M / 2)
            out.append(
                (
                    round(lng + noise_x * k / math.cos(math.radians(lat)), 6),
                    round(lat + noise_y * k, 6),
                )
            )
            t += STEP_M
        walked += length
        carry = t - length
    return out


@dataclass
class InspectionsLoaded:
    plans: int = 0
    routes: int = 0
    rounds: int = 0
    points: int = 0
    findings: int = 0


def _walk(
    *,
    route: Route,
    inspector: User,
    mode: str,
    started_at: dt.datetime,
    share: float,
    rng: random.Random,
    cast: _Cast,
    end: bool,
    now: dt.datetime,
    loaded: InspectionsLoaded,
) -> None:
    positions = _track(route.geometry, rng, share)
    if len(positions) < 2:
        return
    seconds = STEP_M / (SPEED_KMH[mode] * 1000 / 3600)
    times = [started_at + dt.timedelta(seconds=i * seconds) for i in range(len(positions))]
    if not end:  # today's open round: only what was walked by now
        keep = [i for i, t in enumerate(times) if t <= now]
        positions, times = positions[: len(keep)], times[: len(keep)]
        if len(positions) < 2:
            return
    client_id = uuid.uuid5(NAMESPACE, f"{inspector.pk}:{started_at.isoformat()}")
    rnd, _created = round_start(
        actor=inspector, client_id=client_id, started_at=started_at, travel_mode=mode
    )
    ended_at = times[-1] + dt.timedelta(minutes=3)
    points = [
        (seq, t.timestamp(), lng, lat, 5.0)
        for seq, (t, (lng, lat)) in enumerate(zip(times, positions, strict=True), start=1)
    ]
    for i in range(0, len(points), 2000):
        round_points_add(round_=rnd, points=points[i : i + 2000], now=ended_at if end else now)
    loaded.points += len(points)
    if cast.category_ids and rng.random() < FINDING_SHARE:
        lng, lat = positions[len(positions) // 2]
        round_finding_add(
            round_=rnd,
            actor=inspector,
            client_id=uuid.uuid5(NAMESPACE, f"finding:{client_id}"),
            category=rng.choice(cast.category_ids),
            lng=lng,
            lat=lat,
            description=rng.choice(FINDING_NOTES),
            at=times[len(times) // 2],
            now=ended_at if end else now,
        )
        loaded.findings += 1
    if end:
        round_end(round_=rnd, ended_at=ended_at)
    loaded.rounds += 1


def _setup(j: Jurisdiction, cast: _Cast, first: dt.date, last: dt.date) -> dict[int, str]:
    settings = settings_for(jurisdiction=j)
    office = route_start_set(
        jurisdiction=j, name="县精细办", lng=float(j.center_lng or 0), lat=float(j.center_lat or 0)
    )
    modes: dict[int, str] = {}
    for i, user in enumerate(cast.inspectors):
        modes[user.pk] = _mode(i, len(cast.inspectors))
        inspector_profile_set(user=user, travel_mode=modes[user.pk], start=office)
    capacities = [
        float(
            settings.capacity_ebike_km
            if modes[u.pk] == TravelMode.EBIKE
            else settings.capacity_foot_km
        )
        * 1000
        for u in cast.inspectors
    ]
    scope = _scope(j, sum(capacities))
    for grid_id, *_rest in scope:
        scope_grid_add(jurisdiction=j, grid=_grid(grid_id))
    for user, grids in zip(cast.inspectors, _areas(scope, capacities), strict=True):
        for grid_id in grids:
            area_assign(jurisdiction=j, inspector=user, grid=_grid(grid_id), start_date=first)
    roster_fill(
        jurisdiction=j,
        inspectors=cast.inspectors,
        start=first,
        end=last + dt.timedelta(days=7),
        by=cast.dispatcher,
        reason="演示排班",
    )
    if len(cast.inspectors) > 2:  # one absence in the middle of the history
        duty_mark_absent(
            jurisdiction=j,
            inspector=cast.inspectors[1],
            day=first + dt.timedelta(days=max(1, (last - first).days // 2)),
            by=cast.dispatcher,
            reason="病假",
        )
    return modes


def _grid(grid_id: int) -> Grid:
    return Grid.objects.get(pk=grid_id)


def demo_inspections_days(*, scale: float) -> int:
    """The days of history the loader plays: two weeks, a few for a small test county."""
    return HISTORY_DAYS if scale >= SMALL_SCALE else SMALL_HISTORY_DAYS


def demo_inspections_load(
    *,
    jurisdiction: Jurisdiction,
    seed: int = 2026,
    now: dt.datetime | None = None,
    days: int = HISTORY_DAYS,
) -> InspectionsLoaded:
    """`days` of daily inspection and today's, up to `now` (see the module docstring)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=days)
    cast = _cast(jurisdiction)
    loaded = InspectionsLoaded()
    if not cast.inspectors or Plan.objects.filter(jurisdiction=jurisdiction).exists():
        return loaded
    rng = random.Random(seed)  # noqa: S311  # demo data, not secrets
    modes = _setup(jurisdiction, cast, first, today)
    for offset in range(days + 1):
        day = first + dt.timedelta(days=offset)
        # The evening job's path: the plan and its routes (routes.plan_make).
        plan = plan_make(jurisdiction=jurisdiction, day=day, by=cast.dispatcher, reason="每日计划")
        loaded.plans += 1
        routes = list(
            Route.objects.filter(plan=plan)
            .select_related("inspector")
            .order_by("inspector__username")
        )
        loaded.routes += len(routes)
        is_today = day == today
        # One or two rounds a day stop early: the morning's gap list has rows.
        early = set(rng.sample(range(len(routes)), k=min(len(routes), rng.randint(1, 2))))
        for i, route in enumerate(routes):
            if is_today and route.inspector.username == FIRST_LOGIN:
                continue
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0))) + dt.timedelta(
                minutes=5 * i + rng.randint(0, 10)
            )
            if is_today and start > now:
                continue
            share = rng.uniform(0.55, 0.9) if i in early else 1.0
            _walk(
                route=route,
                inspector=route.inspector,
                mode=modes.get(route.inspector_id, TravelMode.FOOT),
                started_at=start,
                share=share,
                rng=rng,
                cast=cast,
                end=not is_today,
                now=now,
                loaded=loaded,
            )
    return loaded


def demo_inspections_counts(*, jurisdiction: Jurisdiction) -> dict[str, int]:
    rounds = Round.objects.filter(jurisdiction=jurisdiction)
    return {
        "plans": Plan.objects.filter(jurisdiction=jurisdiction).count(),
        "rounds": rounds.count(),
        "open_rounds": rounds.filter(Q(status="open")).count(),
    }
