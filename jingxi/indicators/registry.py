"""The registry of indicators: the one place each indicator is defined.

An indicator is a ratio (or a count) of *measures*. A measure counts the records of one
*source* (for cases, their append-only `CaseEvent` history) that a `Q` selects for a
period; the registry sums measures into numerators and denominators, grouped by a
dimension (township, grid, unit, category, ...), in one aggregate query per source.

A mean (平均处置时长) is the same ratio with a numerator that sums a whole amount per
record (`Measure.amount`: the seconds a handling took) instead of counting records, and
a denominator that counts them; its unit is `Unit.HOURS`, its value the seconds per
record in hours.

Periods are half-open, [start, end), aware datetimes (the caller builds them in the
jurisdiction's local time); `as_of` replays the history as it stood then: a record
written after `as_of` does not count, so a past period's figures can be recomputed as
they were published. A rate whose denominator is 0 has no value (None), never 0 or 100.

Apps own their indicators and register them from their AppConfig.ready() with
`indicator_register`; this module knows no app (it sits just above `lib`), so the apps
above (the portal, the assessment) read every indicator from here and lower apps never
learn who reads them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise

Key = int | None


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    HOURS = "hours"  # a mean: the numerator's summed seconds per record, in hours


@dataclass(frozen=True, kw_only=True)
class Window:
    """One period [start, end), with the history read as it stood at `as_of`."""

    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @property
    def until(self) -> dt.datetime:
        """The end of what can have happened by `as_of`: min(end, as_of)."""
        return min(self.end, self.as_of)


@dataclass(frozen=True, kw_only=True)
class Source:
    """Records that measures count, e.g. the case events of a jurisdiction.

    `rows(jurisdiction_id)` gives them; `dimensions` maps a dimension name to the field
    path of its key; `narrow(window)` selects the rows any measure of the source may
    count in the window (for speed only: a measure's own `q` decides); `subject` is the
    field path of the thing a trace returns (the case's id).
    """

    code: str
    rows: Callable[[int], QuerySet[Any]]
    dimensions: Mapping[str, str]
    narrow: Callable[[Window], Q]
    subject: str


@dataclass(frozen=True, kw_only=True)
class Measure:
    """A count: the records of `source` that `q(window)` selects; or, with `amount`, the
    sum of `amount()` (an integer expression over a record, e.g. its seconds) over them."""

    code: str
    name: str | Promise
    description: str | Promise
    source: Source
    q: Callable[[Window], Q]
    amount: Callable[[], Any] | None = None


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """numerator / denominator, each the sum of its measures; a count has no denominator."""

    code: str
    name: str | Promise
    description: str | Promise
    owner: str  # the app label that registered it
    unit: Unit
    numerator: tuple[Measure, ...]
    denominator: tuple[Measure, ...] = ()

    def __post_init__(self) -> None:
        if not self.numerator:
            raise ValueError(f"indicator {self.code} has no numerator")
        if (self.unit in (Unit.PERCENT, Unit.HOURS)) != bool(self.denominator):
            raise ValueError(f"indicator {self.code}: a percentage or mean needs a denominator")
        sums = [m.amount is not None for m in self.numerator]
        wrong = not all(sums) if self.unit == Unit.HOURS else any(sums)
        if wrong or any(m.amount is not None for m in self.denominator):
            raise ValueError(f"indicator {self.code}: only a mean's numerator sums amounts")
        sources = {m.source.code for m in (*self.numerator, *self.denominator)}
        if len(sources) != 1:
            raise ValueError(f"indicator {self.code} mixes sources {sorted(sources)}")

    @property
    def source(self) -> Source:
        return self.numerator[0].source

    @property
    def measures(self) -> tuple[Measure, ...]:
        return (*self.numerator, *self.denominator)


@dataclass(frozen=True)
class Value:
    """An indicator's figures for one period and one key of the dimension. `per` scales
    a ratio: 100 for a rate in percent, 1/3600 for a mean in hours of summed seconds."""

    numerator: int
    denominator: int | None = None
    per: float = 100

    @property
    def value(self) -> float | None:
        """The count, the rate in percent or the mean (None when the denominator is 0)."""
        if self.denominator is None:
            return float(self.numerator)
        if self.denominator == 0:
            return None
        return self.per * self.numerator / self.denominator

    def __add__(self, other: Value) -> Value:
        """The figures of two disjoint keys together (a county from its townships)."""
        if (self.denominator is None) != (other.denominator is None) or self.per != other.per:
            raise TypeError("cannot add a count, a rate and a mean to each other")
        if self.denominator is None or other.denominator is None:
            return Value(self.numerator + other.numerator)
        return Value(
            self.numerator + other.numerator, self.denominator + other.denominator, self.per
        )

    def percent(self, ndigits: int = 1) -> float | None:
        value = self.value
        return None if value is None else round(value, ndigits)


@dataclass
class _Registry:
    indicators: dict[str, Indicator] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)


_REGISTRY = _Registry()


class UnknownIndicator(KeyError):
    """No indicator (or measure) of that code is registered."""


def indicator_register(indicator: Indicator) -> None:
    """Register `indicator` and its measures. A second definition under a code already
    taken is refused (registering the same definition again is a no-op)."""
    known = _REGISTRY.indicators.get(indicator.code)
    if known is not None and known != indicator:
        raise ValueError(f"indicator {indicator.code} is already defined by {known.owner}")
    for measure in indicator.measures:
        other = _REGISTRY.measures.get(measure.code)
        if other is not None and other != measure:
            raise ValueError(f"measure {measure.code} is already defined differently")
    for measure in indicator.measures:
        _REGISTRY.measures[measure.code] = measure
    _REGISTRY.indicators[indicator.code] = indicator


def indicator_get(code: str) -> Indicator:
    try:
        return _REGISTRY.indicators[code]
    except KeyError:
        raise UnknownIndicator(code) from None


def indicator_list() -> list[Indicator]:
    """Every registered indicator, in registration order."""
    return list(_REGISTRY.indicators.values())


def measure_get(code: str) -> Measure:
    try:
        return _REGISTRY.measures[code]
    except KeyError:
        raise UnknownIndicator(code) from None


def _rows(
    source: Source, *, jurisdiction_id: int, where: Mapping[str, int] | None
) -> QuerySet[Any]:
    rows = source.rows(jurisdiction_id)
    for dimension, key in (where or {}).items():
        if dimension not in source.dimensions:
            raise ValueError(f"{source.code} has no dimension {dimension}")
        rows = rows.filter(**{source.dimensions[dimension]: key})
    return rows


@contextlib.contextmanager
def _jit_off() -> Iterator[None]:
    """PostgreSQL without JIT for one aggregate (one more statement, `SET LOCAL`).

    The measures' correlated subqueries make the planner's estimate large (about a
    million for the demo county's year series) though they run only on the few rows
    their cheap conditions let through; above `jit_above_cost` PostgreSQL then compiles
    the whole expression of every aggregate first, which took 3.2 s of a 17 ms query
    (bench/indicators.py). `savepoint=False`: inside a caller's transaction the setting
    lasts until that ends, which only spares it the same compilation.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


_PER: dict[Unit, float] = {Unit.COUNT: 100, Unit.PERCENT: 100, Unit.HOURS: 1 / 3600}


def _aggregate(measure: Measure, window: Window) -> Count | Sum:
    if measure.amount is None:
        return Count("pk", filter=measure.q(window))
    return Sum(measure.amount(), filter=measure.q(window))


def indicators_compute(
    *,
    codes: Iterable[str],
    jurisdiction_id: int,
    windows: Sequence[Window],
    by: str | None = None,
    where: Mapping[str, int] | None = None,
) -> list[dict[str, dict[Key, Value]]]:
    """For each window (in order): indicator code -> key of `by` -> Value.

    One aggregate query per source, whatever the number of windows and indicators.
    Keys with no counted record are absent (a caller lists its own keys); with
    `by=None` the only key is None. `where` restricts to keys of dimensions
    ({"township": 3}).
    """
    indicators = [indicator_get(code) for code in codes]
    results: list[dict[str, dict[Key, Value]]] = [{} for _ in windows]
    by_source: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        by_source.setdefault(indicator.source.code, []).append(indicator)
    for group in by_source.values():
        source = group[0].source
        if by is not None and by not in source.dimensions:
            raise ValueError(f"{source.code} has no dimension {by}")
        measures = {m.code: m for i in group for m in i.measures}
        rows = _rows(source, jurisdiction_id=jurisdiction_id, where=where)
        narrow = Q()
        for window in windows:
            narrow |= source.narrow(window)
        rows = rows.filter(narrow).order_by()
        aggregates = {
            f"m{w}__{code}": _aggregate(measure, window)
            for w, window in enumerate(windows)
            for code, measure in measures.items()
        }
        with _jit_off():
            if by is None:
                found: list[dict[str, Any]] = [{"key": None, **rows.aggregate(**aggregates)}]
            else:
                found = list(rows.values(source.dimensions[by]).annotate(**aggregates))
        if by is not None:
            for row in found:
                row["key"] = row.pop(source.dimensions[by])
        for w in range(len(windows)):
            for indicator in group:
                per_key = results[w].setdefault(indicator.code, {})
                for row in found:
                    numerator = sum(row[f"m{w}__{m.code}"] or 0 for m in indicator.numerator)
                    denominator = (
                        sum(row[f"m{w}__{m.code}"] or 0 for m in indicator.denominator)
                        if indicator.denominator
                        else None
                    )
                    per_key[row["key"]] = Value(numerator, denominator, _PER[indicator.unit])
    return results


def measure_subjects(
    *,
    code: str,
    jurisdiction_id: int,
    window: Window,
    where: Mapping[str, int] | None = None,
) -> QuerySet[Any]:
    """The subjects (e.g. case ids) behind one measure's count: a values_list queryset,
    to use as `pk__in=` by the app that shows them."""
    measure = measure_get(code)
    source = measure.source
    rows = _rows(source, jurisdiction_id=jurisdiction_id, where=where)
    return rows.filter(source.narrow(window)).filter(measure.q(window)).values(source.subject)
