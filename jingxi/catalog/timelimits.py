"""Which handling time limit applies: the one rule, asked by every channel.

A case's deadline (`cases.services`, set at dispatch), the report paths' check that a
limit exists (the SQL fragment below, inside their one SELECT), the Open311 service
notice, the hotline's answer to the caller and the catalog's pages all ask this module.

Precedence, given a category's limits by (urgency, condition):

1. the condition first, at the report's urgency, then at each lower urgency down to
   normal: (特急, 拆除) → (紧急, 拆除) → (一般, 拆除);
2. then without condition, the same way: (特急, "") → (紧急, "") → (一般, "").

Why the condition comes first: in the filing and closing standard a condition names a
different piece of work with its own duration (私搭乱建: stop work 4 working hours,
demolition 20 working days); urgency shortens a limit only where the standard gives that
condition an urgent limit. An urgent demolition is still a demolition: falling back to
the plain urgent limit (2 working hours) would promise what cannot be done. A more
urgent report never gets a limit meant for a less specific case while a more specific
one exists, and critical falls back to urgent before normal.

An unknown condition has no limits of its own, so step 2 answers it. None when the
category has no limit on either path (the seed gives every minor a normal limit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from django.db import connection
from django.utils.translation import gettext as _

from jingxi.catalog.choices import TimeUnit, Urgency
from jingxi.catalog.models import TimeLimit
from jingxi.lib.workcalendar import WorkCalendar

_ORDER: tuple[str, ...] = tuple(str(u) for u in Urgency.values)  # normal, urgent, critical


class LimitLike(Protocol):
    """A time limit row or anything shaped like one (TimeLimit, LimitSpec)."""

    @property
    def urgency(self) -> str: ...
    @property
    def condition(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def unit(self) -> str: ...


L = TypeVar("L", bound=LimitLike)


def urgencies_down(urgency: str) -> tuple[str, ...]:
    """The urgency and each lower one down to normal: critical → (critical, urgent, normal).
    An unknown urgency is treated as normal."""
    index = _ORDER.index(urgency) if urgency in _ORDER else 0
    return tuple(reversed(_ORDER[: index + 1]))


def limit_keys(*, urgency: str, condition: str) -> tuple[tuple[str, str], ...]:
    """The (urgency, condition) keys to try, most specific first (see the module's text)."""
    condition = condition.strip()
    down = urgencies_down(urgency)
    keys = [(u, condition) for u in down] if condition else []
    keys += [(u, "") for u in down]
    return tuple(keys)


def limit_pick(
    limits: Iterable[L] | Mapping[tuple[str, str], L], *, urgency: str, condition: str
) -> L | None:
    """The limit that applies among a category's limits (rows, or rows by key)."""
    by_key = (
        limits if isinstance(limits, Mapping) else {(t.urgency, t.condition): t for t in limits}
    )
    for key in limit_keys(urgency=urgency, condition=condition):
        found = by_key.get(key)
        if found is not None:
            return found
    return None


def limit_applies_sql(category_alias: str = "c") -> str:
    """SQL: whether category `category_alias` has a limit that `limit_pick` would find.

    Parameters, from `limit_applies_params`: three urgencies, then the condition; a fixed
    count so the statement can be prepared once."""
    table = connection.ops.quote_name(TimeLimit._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {table} tl WHERE tl.category_id = {category_alias}.id "  # noqa: S608 quoted table names, values as %s params
        "AND tl.urgency IN (%s, %s, %s) AND tl.condition IN (%s, ''))"
    )


def limit_applies_params(*, urgency: str, condition: str) -> list[str]:
    down = urgencies_down(urgency)
    padded = (*down, *(down[-1],) * (len(_ORDER) - len(down)))
    return [*padded, condition.strip()]


def limit_notice(limit: LimitLike | None) -> str:
    """'处置时限：4 工作时': the promise every channel makes for the limit that applies."""
    if limit is None:
        return ""
    amount = Decimal(limit.amount).normalize()
    return _("处置时限：%(amount)s %(unit)s") % {
        "amount": f"{amount:f}",
        "unit": TimeUnit(limit.unit).label,
    }


def limit_deadline(*, calendar: WorkCalendar, start: dt.datetime, limit: LimitLike) -> dt.datetime:
    """When a limit that starts at `start` runs out, in the jurisdiction's working time."""
    if limit.unit == TimeUnit.WORKING_DAYS:
        return calendar.add_working_days(start, Decimal(limit.amount))
    return calendar.add_working_hours(start, Decimal(limit.amount))


@dataclass(frozen=True)
class LimitApplied:
    """One line of a category's table of what applies: for a report at `urgency` with
    `condition` ("" for none), the limit `limit_pick` gives (None: no limit), and whether
    it is a fallback to another (urgency, condition) row."""

    urgency: str
    condition: str
    limit: LimitLike | None
    fallback: bool


def limit_table(limits: Iterable[L]) -> list[LimitApplied]:
    """What applies to each urgency × (each condition the category has, then none): the
    rule shown where limits are edited, so an editor sees the effect of a missing row."""
    rows = list(limits)
    by_key = {(t.urgency, t.condition): t for t in rows}
    conditions = [*sorted({t.condition for t in rows if t.condition}), ""]
    out: list[LimitApplied] = []
    for condition in conditions:
        for urgency in _ORDER:
            picked = limit_pick(by_key, urgency=urgency, condition=condition)
            exact = by_key.get((urgency, condition))
            out.append(
                LimitApplied(
                    urgency=urgency,
                    condition=condition,
                    limit=picked,
                    fallback=picked is not None and picked is not exact,
                )
            )
    return out
