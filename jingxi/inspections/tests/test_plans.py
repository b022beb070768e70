"""Frequencies, due segments and the day's plan, on the conftest world.

The world's four segments: 青年路 west and east (arterial, daily), 建设路 south and
north (secondary, every 2 days); its eight grids are of class 城区 (in the default scope).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import Cast, World
from jingxi.inspections.choices import DutyChangeKind, PlanReason
from jingxi.inspections.frequencies import (
    every_days_for,
    frequency_of,
    layout_for,
    segments_due,
    settings_for,
)
from jingxi.inspections.models import DutyChange, Plan, PlanChange, PlanItem
from jingxi.inspections.plans import plan_generate
from jingxi.inspections.roster import (
    area_assign,
    area_current_q,
    duty_mark_absent,
    duty_swap,
    frequency_rule_set,
    on_duty,
    roster_fill,
    scope_grid_add,
)
from jingxi.inspections.tests.factories import (
    InspectorFactory,
    RoundFactory,
    RoundSegmentFactory,
)
from jingxi.org.models import User
from jingxi.org.tests.factories import UserFactory
from jingxi.places.choices import AreaClass

DAY = dt.date(2026, 6, 10)
pytestmark = pytest.mark.django_db


def _walked(world: World, user: User, key: str, day: dt.date) -> None:
    r = RoundFactory(jurisdiction=world.jurisdiction, inspector=user, day=day)
    RoundSegmentFactory(round=r, segment=world.segments[key])


def _inspectors(world: World, n: int, **profile: Any) -> list[User]:
    users: list[User] = [UserFactory(jurisdiction=world.jurisdiction) for _ in range(n)]
    for u in users:
        InspectorFactory(jurisdiction=world.jurisdiction, user=u, **profile)
    roster_fill(jurisdiction=world.jurisdiction, inspectors=users, start=DAY, end=DAY)
    return users


def _by_inspector(plan: Plan) -> dict[int | None, set[int]]:
    out: dict[int | None, set[int]] = {}
    for sid, uid in plan.items.values_list("segment_id", "inspector_id"):
        out.setdefault(uid, set()).add(sid)
    return out


# --- frequencies ---------------------------------------------------------------------


def test_segment_rule_beats_road_rule_beats_grade_setting_beats_default(world: World) -> None:
    rules: dict[str, Any] = {"segment_rules": {}, "road_rules": {}, "by_grade": {}}
    assert every_days_for(segment_id=1, road_id=2, grade="branch", **rules) == 7
    rules["by_grade"] = {"branch": 5}
    assert every_days_for(segment_id=1, road_id=2, grade="branch", **rules) == 5
    rules["road_rules"] = {2: 3}
    assert every_days_for(segment_id=1, road_id=2, grade="branch", **rules) == 3
    rules["segment_rules"] = {1: 4}
    assert every_days_for(segment_id=1, road_id=2, grade="branch", **rules) == 4


def test_frequency_of_reads_the_rules_and_settings(world: World) -> None:
    j, west = world.jurisdiction, world.segments["qingnian-west"]
    assert frequency_of(jurisdiction=j, segment_id=west.pk) == 1
    s = settings_for(jurisdiction=j)
    s.every_days_by_grade = {**s.every_days_by_grade, "arterial": 2}
    s.save()
    assert frequency_of(jurisdiction=j, segment_id=west.pk) == 2
    frequency_rule_set(jurisdiction=j, road=world.qingnian, every_days=3)
    assert frequency_of(jurisdiction=j, segment_id=west.pk) == 3
    frequency_rule_set(jurisdiction=j, segment=west, every_days=5)
    assert frequency_of(jurisdiction=j, segment_id=west.pk) == 5
    frequency_rule_set(jurisdiction=j, segment=west, every_days=None)
    assert frequency_of(jurisdiction=j, segment_id=west.pk) == 3


def test_due_counts_days_since_the_last_walk(world: World, cast: Cast) -> None:
    j, seg = world.jurisdiction, world.segments
    _walked(world, cast.inspector, "jianshe-south", DAY - dt.timedelta(days=1))  # every 2: not due
    _walked(world, cast.inspector, "jianshe-north", DAY - dt.timedelta(days=5))  # 3 days overdue
    _walked(world, cast.inspector, "qingnian-west", DAY - dt.timedelta(days=1))  # daily: due
    _walked(world, cast.inspector, "qingnian-east", DAY)  # walked today: not counted
    due = {d.segment.id: d for d in segments_due(jurisdiction=j, day=DAY)}
    assert set(due) == {seg["jianshe-north"].pk, seg["qingnian-west"].pk, seg["qingnian-east"].pk}
    assert due[seg["jianshe-north"].pk].days_overdue == 3
    assert due[seg["qingnian-west"].pk].days_overdue == 0
    assert due[seg["qingnian-west"].pk].last_walked == DAY - dt.timedelta(days=1)
    first = segments_due(jurisdiction=j, day=DAY)[0]
    assert first.segment.id == seg["jianshe-north"].pk  # most overdue first


def test_scope_is_the_scope_grids_else_the_town_centre(world: World) -> None:
    j = world.jurisdiction
    assert len(segments_due(jurisdiction=j, day=DAY)) == 4
    for grid in world.grids.values():
        grid.area_class = AreaClass.RURAL
        grid.save()
    assert segments_due(jurisdiction=j, day=DAY) == []
    layout = layout_for(jurisdiction=j)
    west = world.segments["qingnian-west"].pk
    scope_grid_add(jurisdiction=j, grid=world.grids["A-north-1"])
    assert layout.segments[west].grid_id == world.grids["A-north-1"].pk  # lowest code on a border
    assert [d.segment.id for d in segments_due(jurisdiction=j, day=DAY)] == [west]


# --- plans -----------------------------------------------------------------------------


def test_plan_gives_own_grids_first_and_balances(world: World) -> None:
    j = world.jurisdiction
    a, b = _inspectors(world, 2)
    for key in ("A-north-1", "A-north-2", "A-south-1", "A-south-2"):
        area_assign(jurisdiction=j, inspector=a, grid=world.grids[key], start_date=DAY)
    plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="test")
    items = {i.segment_id: i for i in plan.items.all()}
    west = world.segments["qingnian-west"].pk
    assert items[west].inspector_id == a.pk and items[west].reason == PlanReason.OWN
    assert {i.inspector_id for i in items.values()} == {a.pk, b.pk}  # b is not idle
    assert plan.unassigned_m == 0
    assert plan.assigned_m == pytest.approx(plan.due_m)
    assert plan.version == 1


def test_plan_keeps_each_inspector_within_capacity(world: World) -> None:
    j = world.jurisdiction
    users = _inspectors(world, 2, capacity_km=Decimal("2.5"))
    plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="test")
    for uid in users:
        load = sum(i.length_m for i in plan.items.filter(inspector=uid))
        assert load <= 2500
    assert plan.capacity_m == 5000
    assert plan.unassigned_m > 0
    assert plan.unassigned_m == pytest.approx(
        sum(i.length_m for i in plan.items.filter(inspector__isnull=True)), abs=0.5
    )


def test_shortfall_leaves_the_least_overdue_unassigned(world: World, cast: Cast) -> None:
    j, seg = world.jurisdiction, world.segments
    _inspectors(world, 1, capacity_km=Decimal("2.0"))
    _walked(world, cast.inspector, "jianshe-south", DAY - dt.timedelta(days=10))  # 8 days overdue
    plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="test")
    assigned = set(plan.items.filter(inspector__isnull=False).values_list("segment", flat=True))
    assert assigned == {seg["jianshe-south"].pk}
    # Without the overdue walk, the arterial (higher grade) would have gone first.
    assert plan.unassigned_m == pytest.approx(plan.due_m - plan.assigned_m)


def test_grade_decides_between_equally_overdue_segments(world: World) -> None:
    j, seg = world.jurisdiction, world.segments
    _inspectors(world, 1, capacity_km=Decimal("2.0"))
    plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="test")
    assigned = set(plan.items.filter(inspector__isnull=False).values_list("segment", flat=True))
    assert assigned <= {seg["qingnian-west"].pk, seg["qingnian-east"].pk}
    assert len(assigned) == 1


def test_regenerating_after_an_absence_moves_the_segments_and_logs_it(
    world: World, cast: Cast
) -> None:
    j = world.jurisdiction
    a, b = _inspectors(world, 2)
    first = plan_generate(jurisdiction=j, day=DAY, by=cast.dispatcher, reason="daily")
    a_items = set(first.items.filter(inspector=a).values_list("segment", flat=True))
    assert a_items
    duty_mark_absent(jurisdiction=j, inspector=a, day=DAY, by=cast.dispatcher, reason="病假")
    assert [d.inspector_id for d in on_duty(jurisdiction=j, day=DAY)] == [b.pk]
    plan = plan_generate(jurisdiction=j, day=DAY, by=cast.dispatcher, reason="张三病假")
    assert plan.pk == first.pk and plan.version == 2
    assert not plan.items.filter(inspector=a).exists()
    change = PlanChange.objects.get(plan=plan, version=2)
    assert change.by == cast.dispatcher and change.reason == "张三病假"
    moved = {m["segment"]: m for m in change.moved}
    assert set(moved) == a_items
    assert all(m["from"] == a.pk and m["to"] == b.pk for m in moved.values())
    assert PlanItem.objects.filter(plan=plan).count() == 4
    assert DutyChange.objects.get(duty__inspector=a).kind == DutyChangeKind.ABSENCE


def test_a_swap_changes_who_is_on_duty_and_is_recorded(world: World, cast: Cast) -> None:
    j = world.jurisdiction
    a, b = (UserFactory(jurisdiction=j) for _ in range(2))
    day2 = DAY + dt.timedelta(days=1)
    roster_fill(jurisdiction=j, inspectors=[a], start=DAY, end=DAY)
    roster_fill(jurisdiction=j, inspectors=[b], start=day2, end=day2)
    duty_swap(
        jurisdiction=j,
        inspector=a,
        day=DAY,
        other=b,
        other_day=day2,
        by=cast.dispatcher,
        reason="换休",
    )
    assert [d.inspector_id for d in on_duty(jurisdiction=j, day=DAY)] == [b.pk]
    assert [d.inspector_id for d in on_duty(jurisdiction=j, day=day2)] == [a.pk]
    kinds = set(DutyChange.objects.values_list("kind", "by", "reason"))
    assert kinds == {(DutyChangeKind.SWAP, cast.dispatcher.pk, "换休")}
    assert DutyChange.objects.count() == 4


def test_assigning_a_grid_ends_its_current_assignment(world: World) -> None:
    j, grid = world.jurisdiction, world.grids["A-north-1"]
    a, b = (UserFactory(jurisdiction=j) for _ in range(2))
    first = area_assign(jurisdiction=j, inspector=a, grid=grid, start_date=DAY)
    area_assign(jurisdiction=j, inspector=b, grid=grid, start_date=DAY + dt.timedelta(days=5))
    first.refresh_from_db()
    assert first.end_date == DAY + dt.timedelta(days=5)
    owners = {
        d: set(area_current_q(on=d).filter(grid=grid).values_list("inspector", flat=True))
        for d in (DAY + dt.timedelta(days=4), DAY + dt.timedelta(days=5))
    }
    assert owners == {DAY + dt.timedelta(days=4): {a.pk}, DAY + dt.timedelta(days=5): {b.pk}}


def test_regenerating_without_a_change_moves_nothing(world: World) -> None:
    j = world.jurisdiction
    a, _b = _inspectors(world, 2)
    area_assign(jurisdiction=j, inspector=a, grid=world.grids["B-north-1"], start_date=DAY)
    first = plan_generate(jurisdiction=j, day=DAY, by=None, reason="daily")
    before = set(first.items.values_list("segment", "inspector", "reason"))
    plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="again")
    assert set(plan.items.values_list("segment", "inspector", "reason")) == before
    assert PlanChange.objects.get(plan=plan, version=2).moved == []
