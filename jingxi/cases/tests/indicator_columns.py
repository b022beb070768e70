"""The portal's former figures, counted from `Case` columns (status, reported_at,
closed_at, deadline): the reference the event-based indicators are held equal to
(test_indicators.py) and timed against (bench/indicators.py). Not a definition: the
definitions are in jingxi/cases/indicators.py; this is what the columns, kept by the
services as indexes, must agree with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q

from jingxi.cases import workflow
from jingxi.cases.choices import Status
from jingxi.cases.models import Case
from jingxi.lib.workcalendar import WorkCalendar


# Registry measure code -> the column condition that must select the same cases.
def column_q(code: str, *, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Q:
    reported = Q(reported_at__gte=start, reported_at__lt=end)
    closed = Q(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    if code == "cases.reported":
        return reported
    if code == "cases.problems":
        return reported & ~Q(status__in=workflow.ENDED_WITHOUT_CASE)
    if code == "cases.closed":
        return closed
    if code == "cases.filed":
        return Q(filed_at__gte=start, filed_at__lt=end)
    if code == "cases.closed_on_time":
        return closed & (Q(deadline__isnull=True) | Q(closed_at__lte=F("deadline")))
    if code == "cases.closed_late":
        return closed & Q(closed_at__gt=F("deadline"))
    if code == "cases.late_open":
        return Q(
            status__in=workflow.OPEN - {Status.SUSPENDED},
            deadline__gte=start,
            deadline__lt=min(end, now),
        )
    raise KeyError(code)


COLUMN_CODES = (
    "cases.reported",
    "cases.problems",
    "cases.filed",
    "cases.closed",
    "cases.closed_on_time",
    "cases.closed_late",
    "cases.late_open",
)


def column_counts(
    *,
    jurisdiction_id: int,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    by: str,
    extra: dict[str, Q] | None = None,
) -> dict[str, dict[Any, int]]:
    """code -> key of `by` (a Case field: township_id, grid_id) -> count; zero counts
    left out. One query."""
    conditions = {c: column_q(c, start=start, end=end, now=now) for c in COLUMN_CODES}
    conditions.update(extra or {})
    rows = (
        Case.objects.filter(jurisdiction_id=jurisdiction_id)
        .filter(
            Q(reported_at__gte=start, reported_at__lt=end)
            | Q(filed_at__gte=start, filed_at__lt=end)
            | Q(closed_at__gte=start, closed_at__lt=end)
            | Q(deadline__gte=start, deadline__lt=end)
        )
        .order_by()
        .values(by)
        .annotate(**{c.replace(".", "__"): Count("pk", filter=q) for c, q in conditions.items()})
    )
    found: dict[str, dict[Any, int]] = {c: {} for c in conditions}
    for row in rows:
        for c in conditions:
            n = row[c.replace(".", "__")]
            if n:
                found[c][row[by]] = n
    return found


def column_handling(
    *,
    jurisdiction_id: int,
    start: dt.datetime,
    end: dt.datetime,
    by: str,
    calendar: WorkCalendar,
) -> dict[Any, tuple[int, int]]:
    """key of `by` -> (cases, working seconds) of 平均处置时长 from the columns: cases last
    reported back (handled_at) in the period and not dispatched since, each the whole
    working seconds from dispatched_at to handled_at."""
    rows = Case.objects.filter(
        jurisdiction_id=jurisdiction_id,
        handled_at__gte=start,
        handled_at__lt=end,
        dispatched_at__isnull=False,
        dispatched_at__lte=F("handled_at"),
    ).values_list(by, "dispatched_at", "handled_at")
    found: dict[Any, tuple[int, int]] = {}
    for key, dispatched_at, handled_at in rows:
        n, seconds = found.get(key, (0, 0))
        worked = calendar.working_seconds_between(dispatched_at, handled_at)
        found[key] = (n + 1, seconds + round(worked))
    return found
