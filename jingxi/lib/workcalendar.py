"""Working-time arithmetic over a jurisdiction's work calendar (工作日历).

Pure Python: no Django, no ORM. `jingxi.org.services.calendar_get` builds a
`WorkCalendar` from the database; everything here works on plain values.

The weekly rule: Monday to Friday are working days, Saturday and Sunday are
not. Two sets of dates break the rule: `holidays` (statutory holidays and the
days off the State Council moves, on weekdays) and `workdays` (the adjusted
working days, 调休上班, on weekends).

Each working day has the same working periods, e.g. 08:30–12:00 and
14:30–17:30. A period is half-open, [start, end): 12:00 itself is not working
time, and the next working moment after it is 14:30.

Times are counted on the wall clock of the calendar's time zone. China has had
no daylight saving time since 1991; a zone with DST transitions inside working
periods would see the transition hour counted as a wall-clock hour.

Speed: adding time and measuring time step through whole weeks with a count of
working days taken from sorted exception dates (binary search), then through
single days; nothing loops minute by minute.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_PERIODS",
    "Amount",
    "Period",
    "WorkCalendar",
    "WorkingPeriodsError",
    "parse_working_periods",
]

Period = tuple[dt.time, dt.time]
Amount = int | float | Decimal

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
_ONE_DAY = dt.timedelta(days=1)
_ONE_WEEK = dt.timedelta(days=7)

DEFAULT_PERIODS: tuple[Period, ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(14, 30), dt.time(17, 30)),
)

PeriodsProblem = Literal["format", "empty", "order", "overlap"]


class WorkingPeriodsError(ValueError):
    """Working periods that cannot be used.

    `problem` says what is wrong ("format": not a list of ["HH:MM", "HH:MM"]
    pairs; "empty": no period; "order": a period whose start is not before its
    end; "overlap": a period that starts before the previous one ends) and
    `index` which period (0-based), so callers can word their own message.
    """

    def __init__(self, problem: PeriodsProblem, index: int, detail: str) -> None:
        super().__init__(detail)
        self.problem: PeriodsProblem = problem
        self.index = index


def _parse_clock(value: object, index: int) -> dt.time:
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise WorkingPeriodsError("format", index, f"period {index}: time has a time zone")
        return value
    if not isinstance(value, str):
        raise WorkingPeriodsError("format", index, f"period {index}: {value!r} is not HH:MM")
    try:
        parsed = dt.time.fromisoformat(value.strip())
    except ValueError:
        raise WorkingPeriodsError(
            "format", index, f"period {index}: {value!r} is not HH:MM"
        ) from None
    if parsed.tzinfo is not None:
        raise WorkingPeriodsError("format", index, f"period {index}: time has a time zone")
    return parsed


def parse_working_periods(raw: object) -> tuple[Period, ...]:
    """Read working periods such as [["08:30", "12:00"], ["14:30", "17:30"]].

    Accepts strings "HH:MM" (or "HH:MM:SS") or `datetime.time` values. Periods
    must be given in order, each start before its end, none overlapping (one
    may start exactly when the previous ends). Raises `WorkingPeriodsError`.
    """
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise WorkingPeriodsError("format", 0, "working periods must be a list of pairs")
    periods: list[Period] = []
    for index, pair in enumerate(raw):
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise WorkingPeriodsError(
                "format", index, f"period {index}: {pair!r} is not a [start, end] pair"
            )
        start = _parse_clock(pair[0], index)
        end = _parse_clock(pair[1], index)
        if start >= end:
            raise WorkingPeriodsError(
                "order", index, f"period {index}: start {start} is not before end {end}"
            )
        if periods and start < periods[-1][1]:
            raise WorkingPeriodsError(
                "overlap",
                index,
                f"period {index}: starts at {start}, before period {index - 1} ends "
                f"at {periods[-1][1]}",
            )
        periods.append((start, end))
    if not periods:
        raise WorkingPeriodsError("empty", 0, "at least one working period is needed")
    return tuple(periods)


def _time_us(t: dt.time) -> int:
    """Microseconds since midnight."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


def _amount_us(amount: Amount, unit_us: int, what: str) -> int:
    """A non-negative amount of `unit_us` units in whole microseconds (half up)."""
    if isinstance(amount, bool):
        raise TypeError(f"{what} must be a number, not a bool")
    if isinstance(amount, float):
        if not math.isfinite(amount):
            raise ValueError(f"{what} must be finite, got {amount!r}")
        # str() gives the shortest repr, so 0.1 hours is exactly 360 seconds.
        value = Decimal(str(amount))
    elif isinstance(amount, int | Decimal):
        value = Decimal(amount)
    else:
        raise TypeError(f"{what} must be int, float or Decimal, not {type(amount).__name__}")
    if not value.is_finite():
        raise ValueError(f"{what} must be finite, got {amount!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {amount!r}")
    try:
        return int((value * unit_us).to_integral_value(rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:  # pragma: no cover - absurdly large Decimal
        raise ValueError(f"{what} is out of range: {amount!r}") from exc


def _weekdays_between(first: dt.date, stop: dt.date) -> int:
    """How many Monday–Friday dates lie in [first, stop)."""
    days = (stop - first).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


@dataclass(frozen=True)
class WorkCalendar:
    """A jurisdiction's working time: time zone, daily periods, holidays, 调休 workdays.

    Immutable and hashable; build it once and share it. `holidays` and
    `workdays` must not share a date. A holiday on a weekend or a workday on a
    weekday changes nothing (the weekly rule already says so) but is allowed.
    """

    time_zone: str = "Asia/Shanghai"
    periods: tuple[Period, ...] = DEFAULT_PERIODS
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    # Derived in __post_init__.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _bounds: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _day_us: int = field(init=False, repr=False, compare=False)
    _weekday_holidays: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _weekend_workdays: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        periods = parse_working_periods(self.periods)
        clash = self.holidays & self.workdays
        if clash:
            raise ValueError(
                "dates cannot be both holiday and workday: "
                + ", ".join(d.isoformat() for d in sorted(clash))
            )
        bounds = tuple((_time_us(s), _time_us(e)) for s, e in periods)
        set_ = object.__setattr__
        set_(self, "periods", periods)
        set_(self, "holidays", frozenset(self.holidays))
        set_(self, "workdays", frozenset(self.workdays))
        set_(self, "_zone", zone)
        set_(self, "_bounds", bounds)
        set_(self, "_day_us", sum(e - s for s, e in bounds))
        set_(self, "_weekday_holidays", tuple(sorted(d for d in self.holidays if d.weekday() < 5)))
        set_(self, "_weekend_workdays", tuple(sorted(d for d in self.workdays if d.weekday() >= 5)))

    @classmethod
    def build(
        cls,
        *,
        time_zone: str = "Asia/Shanghai",
        periods: object = DEFAULT_PERIODS,
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
    ) -> WorkCalendar:
        """Build from loose values, e.g. periods as [["08:30", "12:00"], ...]."""
        return cls(
            time_zone=time_zone,
            periods=parse_working_periods(periods),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
        )

    # --- Days -----------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def working_day_length(self) -> dt.timedelta:
        """The working time in one working day (6.5 hours with the default periods)."""
        return dt.timedelta(microseconds=self._day_us)

    def is_working_day(self, d: dt.date) -> bool:
        """Is `d` a working day? A 调休 workday is; a holiday is not; else Monday–Friday."""
        if isinstance(d, dt.datetime):
            raise TypeError("is_working_day takes a date; use is_working_time for an instant")
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def working_days_between(self, first: dt.date, stop: dt.date) -> int:
        """How many working days lie in [first, stop). O(log n) in the exception dates."""
        if stop <= first:
            return 0
        removed = bisect.bisect_left(self._weekday_holidays, stop) - bisect.bisect_left(
            self._weekday_holidays, first
        )
        added = bisect.bisect_left(self._weekend_workdays, stop) - bisect.bisect_left(
            self._weekend_workdays, first
        )
        return _weekdays_between(first, stop) - removed + added

    # --- Instants -------------------------------------------------------------

    def _wall(self, t: dt.datetime) -> dt.datetime:
        """`t` as a naive wall-clock time in the calendar's zone."""
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(f"an aware datetime is needed, got naive {t!r}")
        return t.astimezone(self._zone).replace(tzinfo=None)

    def _aware(self, day: dt.date, us_of_day: int) -> dt.datetime:
        midnight = dt.datetime.combine(day, dt.time.min, tzinfo=self._zone)
        return midnight + dt.timedelta(microseconds=us_of_day)

    def _offset(self, us_of_day: int) -> int:
        """Working microseconds of a working day that lie before `us_of_day`."""
        done = 0
        for start, end in self._bounds:
            if us_of_day >= end:
                done += end - start
            else:
                if us_of_day > start:
                    done += us_of_day - start
                break
        return done

    def _at(self, day: dt.date, offset: int) -> dt.datetime:
        """The earliest instant of `day` by which `offset` (0 < offset <= day length)
        working microseconds have passed; a period end rather than the next start."""
        done = 0
        for start, end in self._bounds:
            length = end - start
            if offset <= done + length:
                return self._aware(day, start + offset - done)
            done += length
        raise AssertionError("offset beyond the working day")  # pragma: no cover

    def _nth_working_day(self, first: dt.date, n: int) -> dt.date:
        """The n-th (1-based) working day on or after `first`."""
        day = first
        while True:
            in_week = self.working_days_between(day, day + _ONE_WEEK)
            if in_week >= n:
                break
            n -= in_week
            day += _ONE_WEEK
        while True:
            if self.is_working_day(day):
                n -= 1
                if n == 0:
                    return day
            day += _ONE_DAY

    def is_working_time(self, t: dt.datetime) -> bool:
        """Is the aware instant `t` inside a working period of a working day?"""
        wall = self._wall(t)
        if not self.is_working_day(wall.date()):
            return False
        us = _time_us(wall.time())
        return any(start <= us < end for start, end in self._bounds)

    def next_working_moment(self, t: dt.datetime) -> dt.datetime:
        """`t` itself if it is working time, else the start of the next working period.

        The result is aware, in the calendar's time zone.
        """
        wall = self._wall(t)
        day = wall.date()
        if self.is_working_day(day):
            us = _time_us(wall.time())
            for start, end in self._bounds:
                if us < end:
                    return self._aware(day, max(us, start))
        day = self._nth_working_day(day + _ONE_DAY, 1)
        return self._aware(day, self._bounds[0][0])

    def _add_us(self, start: dt.datetime, amount_us: int) -> dt.datetime:
        wall = self._wall(start)
        if amount_us == 0:
            return start.astimezone(self._zone)
        day = wall.date()
        remaining = amount_us
        if self.is_working_day(day):
            used = self._offset(_time_us(wall.time()))
            if remaining <= self._day_us - used:
                return self._at(day, used + remaining)
            remaining -= self._day_us - used
        # Whole working days first, then the part of the last one.
        full_days, last = divmod(remaining - 1, self._day_us)
        target = self._nth_working_day(day + _ONE_DAY, full_days + 1)
        return self._at(target, last + 1)

    def add_working_hours(self, start: dt.datetime, hours: Amount) -> dt.datetime:
        """The instant at which `hours` of working time have passed since `start`.

        `hours` may be fractional (int, float or Decimal; floats are read by
        their shortest decimal form) and is counted to the microsecond. A
        `start` outside working time counts from the next working moment. The
        result is the earliest such instant, so it is inside working time or
        exactly at a period end (08:30 + 3.5 h gives 12:00, not 14:30). Adding
        zero returns `start` itself, in the calendar's zone. The result is
        aware, in the calendar's time zone. Negative hours raise ValueError.

        The operation is additive: add(add(t, a), b) == add(t, a + b).
        """
        return self._add_us(start, _amount_us(hours, _US_PER_HOUR, "hours"))

    def add_working_days(self, start: dt.datetime, days: Amount) -> dt.datetime:
        """Add `days` working days: `days` × (the length of one working day) of working time.

        So a deadline keeps its place in the day: with 08:30–12:00 and
        14:30–17:30 (6.5 h a day), one working day from Friday 10:00 is the next
        working day at 10:00, and one working day from Friday 20:00 (after
        hours) is the next working day at 17:30, its end. Fractions are allowed
        (0.5 day = 3.25 h). Same rules as `add_working_hours` otherwise.
        """
        return self._add_us(start, _amount_us(days, self._day_us, "days"))

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """The working time in [a, b); zero if b <= a."""
        wall_a = self._wall(a)
        wall_b = self._wall(b)
        if wall_b <= wall_a:
            return dt.timedelta(0)
        day_a, day_b = wall_a.date(), wall_b.date()
        off_a = self._offset(_time_us(wall_a.time())) if self.is_working_day(day_a) else 0
        off_b = self._offset(_time_us(wall_b.time())) if self.is_working_day(day_b) else 0
        if day_a == day_b:
            total = off_b - off_a
        else:
            first_part = self._day_us - off_a if self.is_working_day(day_a) else 0
            middle = self.working_days_between(day_a + _ONE_DAY, day_b) * self._day_us
            total = first_part + middle + off_b
        return dt.timedelta(microseconds=total)

    def working_seconds_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """The working seconds in [a, b) (microsecond precision); 0 if b <= a."""
        return self.working_time_between(a, b).total_seconds()
