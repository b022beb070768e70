"""The day's plan: the due segments in scope shared among the inspectors on duty.

`plan_generate` decides in three steps (pure Python over `frequencies.Layout`):

1. **What fits.** The due segments in priority order (most days overdue, then road
   grade) are taken while their length fits the total capacity on duty; the rest
   stays unassigned (shortfall), unless step 3 finds a gap it fits in.
2. **Own grids, then contiguous neighbours.** Each taken segment goes to an inspector
   whose area (an `AreaAssignment` current on the day) holds its grid; then, in
   passes until nothing moves, to an inspector whose area touches its grid or who
   already walks a segment meeting it in the network, while that inspector's load is
   below the day's mean (taken length / capacity on duty). Among several candidates
   the least loaded (load / capacity) wins, so the work is balanced by length, and
   nobody gets more than their capacity.
3. **The rest** goes to the inspector with room nearest to it (the centre of what they
   already walk, else their start), in priority order; what still fits nowhere is
   unassigned, and its length is the plan's shortfall.

Regenerating (an absence, a swap) replaces the items, increments the version and
writes a `PlanChange` with who, why and the segments that moved. It keeps each segment
with its previous inspector while they are on duty, have room and (for their own grid)
still hold the grid, so only the absent inspector's segments move.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from jingxi.inspections.choices import PlanReason, TravelMode
from jingxi.inspections.frequencies import (
    DueSegment,
    Layout,
    layout_for,
    segments_due,
    settings_for,
)
from jingxi.inspections.models import InspectionSettings, Inspector, Plan, PlanChange, PlanItem
from jingxi.inspections.roster import area_current_q, on_duty
from jingxi.org.models import Jurisdiction, User
from jingxi.places.network import road_network_get


@dataclass
class Load:
    """One inspector's share while planning."""

    user_id: int
    capacity_m: float
    grids: frozenset[int] = frozenset()
    start_xy: tuple[float, float] | None = None
    load_m: float = 0.0
    # Length-weighted sums of the assigned midpoints, for their centre.
    sx: float = 0.0
    sy: float = 0.0

    def fits(self, length_m: float) -> bool:
        return self.load_m + length_m <= self.capacity_m + 1e-6

    def ratio(self) -> float:
        return self.load_m / self.capacity_m if self.capacity_m > 0 else math.inf

    def take(self, due: DueSegment) -> None:
        s = due.segment
        self.load_m += s.length_m
        self.sx += s.x * s.length_m
        self.sy += s.y * s.length_m

    def centre(self) -> tuple[float, float] | None:
        if self.load_m > 0:
            return (self.sx / self.load_m, self.sy / self.load_m)
        return self.start_xy


@dataclass
class Assignment:
    """The outcome: segment id → (user id or None, reason)."""

    items: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    due: dict[int, DueSegment] = field(default_factory=dict)


def capacity_m_for(*, profile: Inspector | None, settings: InspectionSettings) -> float:
    """An inspector's daily length: their profile's, else the travel mode's default."""
    if profile is not None and profile.capacity_km is not None:
        return float(profile.capacity_km) * 1000
    mode = profile.travel_mode if profile is not None else TravelMode.FOOT
    km = settings.capacity_ebike_km if mode == TravelMode.EBIKE else settings.capacity_foot_km
    return float(km) * 1000


def _best(candidates: Sequence[Load]) -> Load | None:
    return min(candidates, key=lambda c: (c.ratio(), c.user_id), default=None)


def _distance(load: Load, x: float, y: float) -> float:
    centre = load.centre()
    return 0.0 if centre is None else math.hypot(centre[0] - x, centre[1] - y)


def assign(
    due: Sequence[DueSegment],
    loads: Sequence[Load],
    layout: Layout,
    keep: Mapping[int, tuple[int | None, str]] | None = None,
) -> Assignment:
    """Share `due` (in priority order) among `loads` (see the module docstring); `keep`:
    the previous version's segment → (user id, reason), kept where still valid."""
    out = Assignment(due={d.segment.id: d for d in due})
    owners: dict[int, list[Load]] = {}
    for load in loads:
        for g in load.grids:
            owners.setdefault(g, []).append(load)
    total = sum(load.capacity_m for load in loads)
    taken: list[DueSegment] = []
    rest: list[DueSegment] = []
    running = 0.0
    for d in due:
        if running + d.segment.length_m <= total + 1e-6:
            taken.append(d)
            running += d.segment.length_m
        else:
            rest.append(d)
    by_user: dict[int, Load] = {load.user_id: load for load in loads}
    # Neighbours are taken only while below the day's mean load: the rest is balanced.
    target = running / total if total > 0 else 0.0

    def give(d: DueSegment, load: Load, reason: str) -> None:
        load.take(d)
        out.items[d.segment.id] = (load.user_id, reason)

    for d in taken:
        uid, why = (keep or {}).get(d.segment.id, (None, ""))
        before = by_user.get(uid) if uid is not None else None
        if before is None or not before.fits(d.segment.length_m):
            continue
        if why != PlanReason.OWN or d.segment.grid_id in before.grids:
            give(d, before, why)
    for d in taken:
        if d.segment.id in out.items:
            continue
        grid = d.segment.grid_id
        own = [o for o in owners.get(grid, []) if o.fits(d.segment.length_m)] if grid else []
        best = _best(own)
        if best is not None:
            give(d, best, PlanReason.OWN)
    moved = True
    while moved:
        moved = False
        for d in taken:
            if d.segment.id in out.items:
                continue
            cands: dict[int, Load] = {}
            for g in layout.grid_neighbours.get(d.segment.grid_id or -1, ()):
                cands.update((o.user_id, o) for o in owners.get(g, []))
            for n in layout.segment_neighbours.get(d.segment.id, ()):
                walker = out.items.get(n)
                if walker is not None and walker[0] is not None:
                    cands[walker[0]] = by_user[walker[0]]
            best = _best(
                [c for c in cands.values() if c.fits(d.segment.length_m) and c.ratio() < target]
            )
            if best is not None:
                give(d, best, PlanReason.NEIGHBOUR)
                moved = True
    for d in [*taken, *rest]:
        if d.segment.id in out.items:
            continue
        s = d.segment
        room = [load for load in loads if load.fits(s.length_m)]
        if room:
            give(d, min(room, key=lambda c: (_distance(c, s.x, s.y), c.user_id)), PlanReason.OTHER)
        else:
            out.items[s.id] = (None, "")
    return out


def _loads(jurisdiction: Jurisdiction, day: dt.date) -> list[Load]:
    settings = settings_for(jurisdiction=jurisdiction)
    user_ids = [d.inspector_id for d in on_duty(jurisdiction=jurisdiction, day=day)]
    profiles = {
        p.user_id: p for p in Inspector.objects.filter(user__in=user_ids).select_related("start")
    }
    grids: dict[int, set[int]] = {}
    rows = area_current_q(on=day).filter(jurisdiction=jurisdiction, inspector__in=user_ids)
    for grid_id, user_id in rows.values_list("grid_id", "inspector_id"):
        grids.setdefault(user_id, set()).add(grid_id)
    projection = road_network_get(jurisdiction=jurisdiction).projection
    loads: list[Load] = []
    for uid in user_ids:
        profile = profiles.get(uid)
        start = None
        if profile is not None and profile.start is not None:
            start = projection.forward_point(profile.start.lng, profile.start.lat)
        loads.append(
            Load(
                uid,
                capacity_m_for(profile=profile, settings=settings),
                frozenset(grids.get(uid, ())),
                start,
            )
        )
    return loads


def _moved(
    old: Mapping[int, int | None], new: Mapping[int, tuple[int | None, str]]
) -> list[dict[str, Any]]:
    moved: list[dict[str, Any]] = []
    for sid in sorted(set(old) | set(new)):
        before = old.get(sid)
        after = new[sid][0] if sid in new else None
        if before != after:
            moved.append({"segment": sid, "from": before, "to": after})
    return moved


@transaction.atomic
def plan_generate(
    *, jurisdiction: Jurisdiction, day: dt.date, by: User | None, reason: str
) -> Plan:
    """(Re)generate the jurisdiction's plan for `day` (see the module docstring)."""
    plan = Plan.objects.select_for_update().filter(jurisdiction=jurisdiction, day=day).first()
    previous: dict[int, tuple[int | None, str]] = {}
    if plan is not None:
        rows = plan.items.values_list("segment_id", "inspector_id", "reason")
        previous = {sid: (uid, why) for sid, uid, why in rows}
    due = segments_due(jurisdiction=jurisdiction, day=day)
    loads = _loads(jurisdiction, day)
    result = assign(due, loads, layout_for(jurisdiction=jurisdiction), previous)
    now = timezone.now()
    old = {sid: uid for sid, (uid, _why) in previous.items()}
    if plan is None:
        plan = Plan.objects.create(
            jurisdiction=jurisdiction, day=day, version=1, generated_at=now, generated_by=by
        )
    else:
        plan.items.all().delete()
        plan.routes.all().delete()
        plan.version += 1
        plan.generated_at = now
        plan.generated_by = by
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=plan,
                segment_id=sid,
                inspector_id=uid,
                reason=why,
                days_overdue=result.due[sid].days_overdue,
                length_m=round(result.due[sid].segment.length_m, 1),
            )
            for sid, (uid, why) in result.items.items()
        ],
        batch_size=1000,
    )
    lengths = {sid: d.segment.length_m for sid, d in result.due.items()}
    plan.due_m = round(sum(lengths.values()), 1)
    plan.capacity_m = round(sum(load.capacity_m for load in loads), 1)
    plan.assigned_m = round(
        sum(lengths[sid] for sid, (uid, _w) in result.items.items() if uid is not None), 1
    )
    plan.unassigned_m = round(plan.due_m - plan.assigned_m, 1)
    plan.save()
    PlanChange.objects.create(
        plan=plan,
        version=plan.version,
        at=now,
        by=by,
        reason=reason,
        moved=_moved(old, result.items) if old else [],
    )
    return plan
