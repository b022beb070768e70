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
    if code == "cases.closed_on_time":
        return closed & (Q(deadline__isnull=True) | Q(closed_at__lte=F("deadline")))
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
    "cases.closed",
    "cases.closed_on_time",
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
