"""Who covers what, and when: the duty roster, areas, scope and frequencies (services).

The roster is its own calendar (全天候): every day of the week by default, holidays
included, separate from the working-time calendar of case deadlines. Every change of a
duty (absence, return, swap, shift) is recorded as a `DutyChange` with who and why.

Areas follow the road chiefs' date rule (`places.chiefs`): `start_date` is the first
day covered, `end_date` the first day no longer covered; one inspector per grid at a
time, so assigning a grid ends its current assignment on the new start date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.inspections.choices import DutyChangeKind, DutyStatus
from jingxi.inspections.models import (
    AreaAssignment,
    Duty,
    DutyChange,
    DutyShift,
    FrequencyRule,
    ScopeGrid,
)
from jingxi.org.models import Jurisdiction, User
from jingxi.places.chiefs import road_chief_current_q, road_chief_in_office
from jingxi.places.models import Grid, Road, Segment

EVERY_DAY: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


class RosterError(ValueError):
    """A roster change that cannot be made (the message says why)."""


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    """Days from `start` to `end`, both included."""
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _change(
    duty: Duty, kind: str, by: User | None, reason: str, other: User | None = None
) -> DutyChange:
    return DutyChange.objects.create(
        duty=duty, kind=kind, other=other, by=by, at=timezone.now(), reason=reason
    )


@transaction.atomic
def roster_fill(
    *,
    jurisdiction: Jurisdiction,
    inspectors: Sequence[User],
    start: dt.date,
    end: dt.date,
    weekdays: Sequence[int] = EVERY_DAY,
    shift: DutyShift | None = None,
    by: User | None = None,
    reason: str = "",
) -> int:
    """Put each inspector on duty every chosen weekday from `start` to `end` (included).

    Days that already have a duty keep it (an absence stays an absence); a different
    shift is changed and recorded. Returns the number of duties created.
    """
    if end < start:
        raise RosterError(_("结束日期须晚于开始日期"))
    days = [d for d in _days(start, end) if d.weekday() in weekdays]
    existing = {
        (d.inspector_id, d.day): d
        for d in Duty.objects.filter(
            inspector__in=[u.pk for u in inspectors], day__gte=start, day__lte=end
        )
    }
    new: list[Duty] = []
    for user in inspectors:
        for day in days:
            duty = existing.get((user.pk, day))
            if duty is None:
                new.append(Duty(jurisdiction=jurisdiction, inspector=user, day=day, shift=shift))
            elif shift is not None and duty.shift_id != shift.pk:
                duty.shift = shift
                duty.save(update_fields=["shift"])
                _change(duty, DutyChangeKind.SHIFT, by, reason or str(_("排班调整")))
    Duty.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _duty_locked(*, jurisdiction: Jurisdiction, inspector: User, day: dt.date) -> Duty:
    duty, _created = Duty.objects.select_for_update().get_or_create(
        inspector=inspector,
        day=day,
        defaults={"jurisdiction": jurisdiction, "status": DutyStatus.ABSENT},
    )
    return duty


@transaction.atomic
def duty_mark_absent(
    *, jurisdiction: Jurisdiction, inspector: User, day: dt.date, by: User | None, reason: str
) -> Duty:
    """Record an absence (请假/缺勤) on one day."""
    if not reason.strip():
        raise RosterError(_("请填写原因"))
    duty = _duty_locked(jurisdiction=jurisdiction, inspector=inspector, day=day)
    duty.status = DutyStatus.ABSENT
    duty.note = reason[:128]
    duty.save(update_fields=["status", "note"])
    _change(duty, DutyChangeKind.ABSENCE, by, reason)
    return duty


@transaction.atomic
def duty_mark_returned(
    *, jurisdiction: Jurisdiction, inspector: User, day: dt.date, by: User | None, reason: str
) -> Duty:
    """Put an inspector back on duty on one day (销假)."""
    if not reason.strip():
        raise RosterError(_("请填写原因"))
    duty = _duty_locked(jurisdiction=jurisdiction, inspector=inspector, day=day)
    duty.status = DutyStatus.ON_DUTY
    duty.note = ""
    duty.save(update_fields=["status", "note"])
    _change(duty, DutyChangeKind.RETURN, by, reason)
    return duty


def _swap_one(
    jurisdiction: Jurisdiction, day: dt.date, off: User, on: User, by: User | None, reason: str
) -> None:
    """On `day`, `off` gives their duty (and shift) to `on`."""
    given = _duty_locked(jurisdiction=jurisdiction, inspector=off, day=day)
    if given.status != DutyStatus.ON_DUTY:
        raise RosterError(_("该日没有可调换的班"))
    taken = _duty_locked(jurisdiction=jurisdiction, inspector=on, day=day)
    taken.status = DutyStatus.ON_DUTY
    taken.shift_id = given.shift_id
    taken.save(update_fields=["status", "shift"])
    given.status = DutyStatus.ABSENT
    given.note = reason[:128]
    given.save(update_fields=["status", "note"])
    _change(given, DutyChangeKind.SWAP, by, reason, other=on)
    _change(taken, DutyChangeKind.SWAP, by, reason, other=off)


@transaction.atomic
def duty_swap(
    *,
    jurisdiction: Jurisdiction,
    inspector: User,
    day: dt.date,
    other: User,
    other_day: dt.date | None = None,
    by: User | None,
    reason: str,
) -> None:
    """Swap days: `other` works `inspector`'s duty on `day`, and `inspector` works
    `other`'s duty on `other_day` (on the same day: their shifts are exchanged)."""
    if not reason.strip():
        raise RosterError(_("请填写原因"))
    if inspector.pk == other.pk:
        raise RosterError(_("不能与本人换班"))
    if other_day is None or other_day == day:
        a = _duty_locked(jurisdiction=jurisdiction, inspector=inspector, day=day)
        b = _duty_locked(jurisdiction=jurisdiction, inspector=other, day=day)
        a.shift_id, b.shift_id = b.shift_id, a.shift_id
        a.status, b.status = b.status, a.status
        a.save(update_fields=["shift", "status"])
        b.save(update_fields=["shift", "status"])
        _change(a, DutyChangeKind.SWAP, by, reason, other=other)
        _change(b, DutyChangeKind.SWAP, by, reason, other=inspector)
        return
    _swap_one(jurisdiction, day, inspector, other, by, reason)
    _swap_one(jurisdiction, other_day, other, inspector, by, reason)


def on_duty(*, jurisdiction: Jurisdiction, day: dt.date) -> QuerySet[Duty]:
    """The duties of inspectors on duty on `day`, with their users."""
    return (
        Duty.objects.filter(jurisdiction=jurisdiction, day=day, status=DutyStatus.ON_DUTY)
        .select_related("inspector", "shift")
        .order_by("inspector_id")
    )


# --- areas, scope and frequencies ---------------------------------------------------


def area_current_q(*, on: dt.date) -> QuerySet[AreaAssignment]:
    """Assignments current on `on` (the road chiefs' date rule)."""
    return AreaAssignment.objects.filter(road_chief_current_q(on=on))


def area_is_current(assignment: AreaAssignment, on: dt.date) -> bool:
    return road_chief_in_office(
        start_date=assignment.start_date, end_date=assignment.end_date, on=on
    )


@transaction.atomic
def area_assign(
    *, jurisdiction: Jurisdiction, inspector: User, grid: Grid, start_date: dt.date
) -> AreaAssignment:
    """Give `grid` to `inspector` from `start_date`; a current or later assignment of
    the grid to someone else ends (or, when it had not started, goes)."""
    others = AreaAssignment.objects.select_for_update().filter(jurisdiction=jurisdiction, grid=grid)
    for row in others:
        if row.end_date is not None and row.end_date <= start_date:
            continue
        if row.start_date >= start_date:
            row.delete()
        else:
            row.end_date = start_date
            row.save(update_fields=["end_date"])
    return AreaAssignment.objects.create(
        jurisdiction=jurisdiction, inspector=inspector, grid=grid, start_date=start_date
    )


def area_end(*, assignment: AreaAssignment, end_date: dt.date) -> AreaAssignment:
    """End an assignment: `end_date` is the first day no longer covered."""
    if end_date <= assignment.start_date:
        raise RosterError(_("结束日期须晚于开始日期"))
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    return assignment


def scope_grid_add(*, jurisdiction: Jurisdiction, grid: Grid) -> ScopeGrid:
    row, _created = ScopeGrid.objects.get_or_create(jurisdiction=jurisdiction, grid=grid)
    return row


def scope_grid_remove(*, jurisdiction: Jurisdiction, grid: Grid) -> None:
    ScopeGrid.objects.filter(jurisdiction=jurisdiction, grid=grid).delete()


def frequency_rule_set(
    *,
    jurisdiction: Jurisdiction,
    every_days: int | None,
    road: Road | None = None,
    segment: Segment | None = None,
    note: str = "",
) -> FrequencyRule | None:
    """Set (or with `every_days` None, remove) the frequency of one road or one segment."""
    if (road is None) == (segment is None):
        raise RosterError(_("频次规则须且只能指定一条道路或一个路段"))
    key = {"road": road} if road is not None else {"segment": segment}
    if every_days is None:
        FrequencyRule.objects.filter(jurisdiction=jurisdiction, **key).delete()
        return None
    if every_days < 1:
        raise RosterError(_("巡查频次至少为 1 天"))
    row, _created = FrequencyRule.objects.update_or_create(
        jurisdiction=jurisdiction, **key, defaults={"every_days": every_days, "note": note}
    )
    return row
