"""Who is a road's current chief on a day: the one definition of a road chief's term.

A `RoadChief` row is a term of office. It is current on `day` when

    start_date <= day  and  (end_date is empty  or  day < end_date)

`end_date` (卸任日期) is the first day no longer in office, so a successor's start date
is its predecessor's end date and no day has two chiefs of one level (the XLSX import
ends a replaced term that way). A term that starts in the future is not current yet; a
term whose end is announced stays current until that day.

Every reader asks here: case access (a chief sees the cases on their roads), the
deadline ladder (whom to escalate to), the map, the public boards and "my roads".
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q


def road_chief_in_office(*, start_date: dt.date, end_date: dt.date | None, on: dt.date) -> bool:
    """Whether a term from `start_date` to `end_date` (exclusive) covers `on`."""
    return start_date <= on and (end_date is None or on < end_date)


def road_chief_current_q(*, on: dt.date, prefix: str = "") -> Q:
    """The filter of terms current on `on`; `prefix` reaches RoadChief through a relation
    (e.g. "chiefs__")."""
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": on})
    )


# The same rule serves every dated term of office with an exclusive end date: an
# inspector's grid (`inspections.AreaAssignment`) keeps its dates the chiefs' way.
term_in_force = road_chief_in_office
term_current_q = road_chief_current_q


def term_ended_by(*, end_date: dt.date | None, on: dt.date) -> bool:
    """Whether a term ending on `end_date` (exclusive) no longer covers `on`."""
    return end_date is not None and end_date <= on


def term_dates_valid(*, start_date: dt.date, end_date: dt.date | None) -> bool:
    """A term ends after it starts (the first day no longer covered follows the first
    day covered), or has no end."""
    return end_date is None or end_date > start_date
