"""Working-time arithmetic: 2026's Spring Festival and National Day, then properties.

The 2026 schedule below is the State Council's notice (国办发明电〔2025〕7号) as
the `holidays` package carries it: 元旦 Jan 1–3 (work Sun Jan 4); 春节 Feb 15–23
(work Sat Feb 14 and Sat Feb 28); 清明 Apr 4–6; 劳动节 May 1–5 (work Sat May 9);
端午 Jun 19–21; 中秋 Sep 25–27; 国庆 Oct 1–7 (work Sun Sep 20 and Sat Oct 10).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingxi.lib.workcalendar import (
    DEFAULT_PERIODS,
    WorkCalendar,
    WorkingPeriodsError,
    parse_working_periods,
)

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

# Holidays that fall on weekdays (weekend days off need no entry).
HOLIDAYS_2026 = frozenset(
    dt.date(2026, m, d)
    for m, d in [
        (1, 1), (1, 2),
        (2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (2, 23),
        (4, 6),
        (5, 1), (5, 4), (5, 5),
        (6, 19),
        (9, 25),
        (10, 1), (10, 2), (10, 5), (10, 6), (10, 7),
    ]
)  # fmt: skip
WORKDAYS_2026 = frozenset(
    dt.date(2026, m, d) for m, d in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]
)

CAL = WorkCalendar(holidays=HOLIDAYS_2026, workdays=WORKDAYS_2026)


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def test_fixture_schedule_matches_the_holidays_package() -> None:
    china = holidays.country_holidays("CN", years=2026)
    assert frozenset(d for d in china if d.weekday() < 5) == HOLIDAYS_2026
    assert frozenset(d for d in china.weekend_workdays if d.year == 2026) == WORKDAYS_2026


# --- Days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 2, 13), True),  # Friday before the festival
        (dt.date(2026, 2, 14), True),  # Saturday, make-up workday
        (dt.date(2026, 2, 15), False),  # Sunday, first day off
        (dt.date(2026, 2, 16), False),  # 除夕
        (dt.date(2026, 2, 20), False),  # Friday off (moved from Feb 14)
        (dt.date(2026, 2, 21), False),  # Saturday
        (dt.date(2026, 2, 23), False),  # Monday off (moved from Feb 28)
        (dt.date(2026, 2, 24), True),  # back to work
        (dt.date(2026, 2, 28), True),  # Saturday, make-up workday
        (dt.date(2026, 3, 1), False),  # ordinary Sunday
        (dt.date(2026, 9, 19), False),  # ordinary Saturday
        (dt.date(2026, 9, 20), True),  # Sunday, make-up workday
        (dt.date(2026, 9, 25), False),  # 中秋
        (dt.date(2026, 10, 1), False),
        (dt.date(2026, 10, 4), False),  # Sunday inside the golden week
        (dt.date(2026, 10, 7), False),
        (dt.date(2026, 10, 8), True),
        (dt.date(2026, 10, 10), True),  # Saturday, make-up workday
        (dt.date(2026, 10, 11), False),
    ],
)
def test_is_working_day_across_2026_festivals(day: dt.date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_2026_has_248_working_days() -> None:
    assert CAL.working_days_between(dt.date(2026, 1, 1), dt.date(2027, 1, 1)) == 248
    whole_year = CAL.working_time_between(at(1, 1), at(1, 1, year=2027))
    assert whole_year == 248 * dt.timedelta(hours=6.5)


def test_is_working_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        CAL.is_working_day(at(2, 14, 9))


# --- Adding working hours: table ---------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Spring Festival
        (at(2, 13, 16), 4, at(2, 14, 11)),  # Fri 16:00 + 4 h lands on make-up Saturday
        (at(2, 13, 16), 1.5, at(2, 13, 17, 30)),  # used up exactly at closing time
        (at(2, 14, 16), 4, at(2, 24, 11)),  # over the whole festival, Feb 15–23
        (at(2, 14, 20), 1, at(2, 24, 9, 30)),  # after hours on the last day before
        (at(2, 18, 10), 1, at(2, 24, 9, 30)),  # filed during the festival
        (at(2, 13, 9), 13, at(2, 24, 9)),  # two working days: Feb 13 and Feb 14
        (at(2, 27, 17), 1, at(2, 28, 9)),  # Fri → make-up Saturday Feb 28
        (at(2, 28, 17), 1, at(3, 2, 9)),  # make-up Saturday → Monday (Sun Mar 1 off)
        # National Day and Mid-Autumn
        (at(9, 18, 17), 1, at(9, 20, 9)),  # Fri → make-up Sunday Sep 20 (Sat off)
        (at(9, 24, 17), 1, at(9, 28, 9)),  # Thu → Mon: 中秋 Fri Sep 25 and the weekend
        (at(9, 30, 17), 1, at(10, 8, 9)),  # across the golden week Oct 1–7
        (at(9, 30, 16), Decimal("8.5"), at(10, 9, 9)),  # 1.5 + 6.5 (Oct 8) + 0.5
        (at(10, 9, 17), 1, at(10, 10, 9)),  # Fri → make-up Saturday Oct 10
        # Lunch break and hours
        (at(3, 2, 11), 1, at(3, 2, 12)),  # ends at noon, not 14:30
        (at(3, 2, 11), 2, at(3, 2, 15, 30)),  # lunch is skipped
        (at(3, 2, 12), Decimal("0.5"), at(3, 2, 15)),  # start at noon
        (at(3, 2, 13), 1, at(3, 2, 15, 30)),  # start during lunch
        (at(3, 2, 7), 1, at(3, 2, 9, 30)),  # start before hours
        (at(3, 2, 18), 1, at(3, 3, 9, 30)),  # start after hours
        (at(3, 2, 17, 30), Decimal("0.25"), at(3, 3, 8, 45)),  # start at closing time
        (at(3, 2, 8, 30), Decimal("6.5"), at(3, 2, 17, 30)),  # a whole day
        (at(3, 2, 8, 30), 0.1, at(3, 2, 8, 36)),  # float read by its decimal form
    ],
)
def test_add_working_hours_table(start: dt.datetime, hours: float, expected: dt.datetime) -> None:
    result = CAL.add_working_hours(start, hours)
    assert result == expected
    assert result.tzinfo == SH
    assert CAL.working_seconds_between(start, result) == float(hours) * 3600


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2, 13, 10), 1, at(2, 14, 10)),  # keeps its place in the day
        (at(2, 13, 10), 2, at(2, 24, 10)),  # deadline crossing the whole Spring Festival
        (at(2, 13, 10), 3, at(2, 25, 10)),
        (at(2, 13, 20), 1, at(2, 14, 17, 30)),  # after hours: the whole next working day
        (at(2, 13, 12), 1, at(2, 14, 12)),  # from noon to noon
        (at(2, 13, 13), 1, at(2, 14, 12)),  # from lunch: as from noon
        (at(9, 30, 15), 2, at(10, 9, 15)),
        (at(9, 30, 15), Decimal("0.5"), at(10, 8, 9, 15)),  # 3.25 h: 2.5 + 0.75
        (at(9, 30, 15), 20, at(11, 3, 15)),  # 20 working days, across National Day
    ],
)
def test_add_working_days_table(start: dt.datetime, days: int, expected: dt.datetime) -> None:
    assert CAL.add_working_days(start, days) == expected


def test_start_in_another_zone_gives_a_result_in_the_calendars_zone() -> None:
    start = dt.datetime(2026, 2, 13, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    result = CAL.add_working_hours(start, 4)
    assert result == at(2, 14, 11)
    assert result.tzinfo == SH
    assert result.isoformat() == "2026-02-14T11:00:00+08:00"


def test_adding_zero_returns_the_start_itself() -> None:
    assert CAL.add_working_hours(at(2, 15, 3), 0) == at(2, 15, 3)
    assert CAL.add_working_days(at(3, 2, 10), 0) == at(3, 2, 10)


# --- Measuring and next working moment: table ------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (at(2, 13, 8, 30), at(2, 24, 8, 30), 13),  # Feb 13 and make-up Feb 14
        (at(2, 15, 0), at(2, 24, 0), 0),  # the festival itself has no working time
        (at(2, 13, 11), at(2, 13, 15), Decimal("1.5")),  # 11–12 and 14:30–15
        (at(2, 13, 12), at(2, 13, 14, 30), 0),  # lunch
        (at(2, 13, 6), at(2, 13, 23), Decimal("6.5")),
        (at(9, 30, 8, 30), at(10, 8, 8, 30), Decimal("6.5")),
        (at(9, 19, 0), at(9, 21, 0), Decimal("6.5")),  # only make-up Sunday Sep 20
        (at(2, 24, 9), at(2, 13, 9), 0),  # reversed
        (at(2, 13, 9), at(2, 13, 9), 0),  # empty
    ],
)
def test_working_seconds_between_table(a: dt.datetime, b: dt.datetime, hours: Decimal) -> None:
    assert CAL.working_seconds_between(a, b) == float(hours) * 3600


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (at(2, 13, 9), at(2, 13, 9)),  # inside: itself
        (at(2, 13, 8, 30), at(2, 13, 8, 30)),  # a period start is working time
        (at(2, 13, 12), at(2, 13, 14, 30)),  # a period end is not
        (at(2, 13, 13), at(2, 13, 14, 30)),
        (at(2, 13, 17, 30), at(2, 14, 8, 30)),  # Friday close → make-up Saturday
        (at(2, 14, 18), at(2, 24, 8, 30)),  # after the make-up day → after the festival
        (at(9, 19, 10), at(9, 20, 8, 30)),  # Saturday → make-up Sunday
        (at(10, 1, 10), at(10, 8, 8, 30)),
    ],
)
def test_next_working_moment_table(t: dt.datetime, expected: dt.datetime) -> None:
    assert CAL.next_working_moment(t) == expected


# --- Validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "problem", "index"),
    [
        ([], "empty", 0),
        ("08:30-12:00", "format", 0),
        ([["08:30"]], "format", 0),
        ([["08:30", "25:00"]], "format", 0),
        ([["8.30", "12:00"]], "format", 0),
        ([["08:30", 1200]], "format", 0),
        ([["12:00", "08:30"]], "order", 0),
        ([["08:30", "08:30"]], "order", 0),
        ([["08:30", "12:00"], ["11:00", "17:30"]], "overlap", 1),
        ([["14:30", "17:30"], ["08:30", "12:00"]], "overlap", 1),  # out of order
    ],
)
def test_bad_periods_raise_with_a_reason(raw: object, problem: str, index: int) -> None:
    with pytest.raises(WorkingPeriodsError) as caught:
        parse_working_periods(raw)
    assert caught.value.problem == problem
    assert caught.value.index == index
    assert isinstance(caught.value, ValueError)
    with pytest.raises(ValueError):
        WorkCalendar.build(periods=raw)


def test_periods_parse_and_may_touch() -> None:
    assert parse_working_periods([["08:30", "12:00"], ["14:30", "17:30"]]) == DEFAULT_PERIODS
    touching = parse_working_periods([["08:00", "12:00"], ["12:00", "13:00"]])
    cal = WorkCalendar(periods=touching)
    assert cal.working_day_length == dt.timedelta(hours=5)
    assert cal.add_working_hours(at(3, 2, 11), 2) == at(3, 2, 13)


def test_configurable_periods_change_the_day_length() -> None:
    cal = WorkCalendar.build(periods=[["09:00", "12:00"], ["13:00", "18:00"]])
    assert cal.working_day_length == dt.timedelta(hours=8)
    assert cal.add_working_days(at(3, 6, 9), 1) == at(3, 6, 18)  # from opening: its close
    assert cal.add_working_days(at(3, 6, 10), 1) == at(3, 9, 10)  # Fri → Mon
    assert cal.add_working_hours(at(3, 6, 11), 2) == at(3, 6, 14)


def test_a_date_cannot_be_both_holiday_and_workday() -> None:
    with pytest.raises(ValueError, match="2026-02-14"):
        WorkCalendar(holidays=frozenset({dt.date(2026, 2, 14)}), workdays=WORKDAYS_2026)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        WorkCalendar(time_zone="Asia/Nowhere")


def test_naive_datetimes_are_refused() -> None:
    naive = dt.datetime(2026, 3, 2, 9)  # noqa: DTZ001 naive on purpose: refused
    with pytest.raises(ValueError, match="aware"):
        CAL.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="aware"):
        CAL.working_seconds_between(naive, at(3, 3))
    with pytest.raises(ValueError, match="aware"):
        CAL.next_working_moment(naive)


@pytest.mark.parametrize("hours", [-1, Decimal("-0.5"), float("nan"), float("inf"), Decimal("NaN")])
def test_bad_amounts_are_refused(hours: float) -> None:
    with pytest.raises(ValueError):
        CAL.add_working_hours(at(3, 2, 9), hours)


def test_bool_and_other_types_are_refused() -> None:
    with pytest.raises(TypeError):
        CAL.add_working_hours(at(3, 2, 9), True)
    with pytest.raises(TypeError):
        CAL.add_working_days(at(3, 2, 9), "1")  # type: ignore[arg-type]  # the point of the test


def test_calendar_is_immutable_and_hashable() -> None:
    with pytest.raises(AttributeError):
        CAL.time_zone = "UTC"  # type: ignore[misc]  # the point of the test
    same = WorkCalendar.build(
        periods=[["08:30", "12:00"], ["14:30", "17:30"]],
        holidays=sorted(HOLIDAYS_2026),
        workdays=list(WORKDAYS_2026),
    )
    assert same == CAL
    assert hash(same) == hash(CAL)


# --- Speed: no minute-by-minute (or even day-by-day) walking over long spans ------------


def test_long_spans_step_by_week_not_by_day(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    original = WorkCalendar.is_working_day

    def counting(self: WorkCalendar, d: dt.date) -> bool:
        nonlocal calls
        calls += 1
        return original(self, d)

    monkeypatch.setattr(WorkCalendar, "is_working_day", counting)
    CAL.working_seconds_between(at(1, 1, 9), at(12, 31, 9))
    assert calls <= 4
    calls = 0
    assert CAL.add_working_days(at(1, 5, 9), 20) == at(2, 2, 9)
    assert calls <= 12
    calls = 0
    far = CAL.add_working_days(at(1, 5, 9), 5000)  # about 20 years
    assert far.year >= 2045
    assert calls <= 12


# --- Properties --------------------------------------------------------------------------

DAYS = st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2027, 1, 31))


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """The 2026 calendar, or a random one: random periods, holidays and 调休 days."""
    if draw(st.booleans()):
        return CAL
    count = draw(st.integers(min_value=1, max_value=4))
    minutes = draw(
        st.lists(
            st.integers(min_value=0, max_value=24 * 60 - 1),
            min_size=2 * count,
            max_size=2 * count,
            unique=True,
        ).map(sorted)
    )
    periods = tuple(
        (dt.time(*divmod(minutes[i], 60)), dt.time(*divmod(minutes[i + 1], 60)))
        for i in range(0, len(minutes), 2)
    )
    special = draw(st.lists(DAYS, unique=True, max_size=60))
    holidays_ = frozenset(d for d in special if d.weekday() < 5)
    workdays = frozenset(d for d in special if d.weekday() >= 5)
    return WorkCalendar(periods=periods, holidays=holidays_, workdays=workdays)


instants = st.builds(
    lambda day, second, zone: (
        dt.datetime.combine(day, dt.time.min, tzinfo=SH).astimezone(zone)
        + dt.timedelta(seconds=second)
    ),
    DAYS,
    st.integers(min_value=0, max_value=24 * 3600 - 1),
    st.sampled_from([SH, UTC]),
)
# Hundredths of an hour (36 s) are exact in seconds; up to about 100 working days.
hours_st = st.integers(min_value=0, max_value=65_000).map(lambda k: Decimal(k) / 100)
positive_hours = hours_st.filter(lambda h: h > 0)


def at_period_end(cal: WorkCalendar, t: dt.datetime) -> bool:
    local = t.astimezone(SH)
    return cal.is_working_day(local.date()) and any(end == local.time() for _, end in cal.periods)


@settings(max_examples=300)
@given(calendars(), instants, hours_st)
def test_add_then_measure_round_trips(cal: WorkCalendar, t: dt.datetime, hours: Decimal) -> None:
    end = cal.add_working_hours(t, hours)
    assert cal.working_seconds_between(t, end) == float(hours * 3600)


@settings(max_examples=200)
@given(calendars(), instants, positive_hours)
def test_add_gives_the_earliest_such_instant(
    cal: WorkCalendar, t: dt.datetime, hours: Decimal
) -> None:
    end = cal.add_working_hours(t, hours)
    assert end > t
    just_before = end - dt.timedelta(microseconds=1)
    assert cal.working_seconds_between(t, just_before) < float(hours * 3600)


@settings(max_examples=200)
@given(calendars(), instants, positive_hours)
def test_result_is_inside_working_time_or_at_a_period_end(
    cal: WorkCalendar, t: dt.datetime, hours: Decimal
) -> None:
    end = cal.add_working_hours(t, hours)
    assert cal.is_working_time(end) or at_period_end(cal, end)
    assert end.tzinfo == cal.zone


@settings(max_examples=200)
@given(calendars(), instants, hours_st, hours_st)
def test_adding_is_additive(cal: WorkCalendar, t: dt.datetime, a: Decimal, b: Decimal) -> None:
    assert cal.add_working_hours(cal.add_working_hours(t, a), b) == cal.add_working_hours(t, a + b)


@settings(max_examples=200)
@given(calendars(), instants, instants, hours_st, hours_st)
def test_adding_is_monotonic(
    cal: WorkCalendar, t1: dt.datetime, t2: dt.datetime, a: Decimal, b: Decimal
) -> None:
    t1, t2 = min(t1, t2), max(t1, t2)
    a, b = min(a, b), max(a, b)
    assert cal.add_working_hours(t1, a) <= cal.add_working_hours(t1, b)
    assert cal.add_working_hours(t1, a) <= cal.add_working_hours(t2, a)


@settings(max_examples=200)
@given(calendars(), instants, instants, instants)
def test_measuring_is_additive_and_antisymmetric_with_zero(
    cal: WorkCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime
) -> None:
    forward = cal.working_seconds_between(a, b)
    backward = cal.working_seconds_between(b, a)
    assert forward >= 0
    assert backward >= 0
    assert forward == 0 or backward == 0
    if b <= a:
        assert forward == 0
    a, b, c = sorted((a, b, c))
    assert cal.working_time_between(a, b) + cal.working_time_between(
        b, c
    ) == cal.working_time_between(a, c)


@settings(max_examples=200)
@given(calendars(), instants)
def test_next_working_moment_is_the_first_working_instant(
    cal: WorkCalendar, t: dt.datetime
) -> None:
    nxt = cal.next_working_moment(t)
    assert nxt >= t
    assert cal.is_working_time(nxt)
    assert cal.working_seconds_between(t, nxt) == 0
    # Any positive amount starts counting there (and may spill past the period's end).
    assert cal.add_working_hours(t, Decimal("0.01")) == cal.add_working_hours(nxt, Decimal("0.01"))
    assert cal.working_seconds_between(nxt, cal.add_working_hours(t, Decimal("0.01"))) == 36


@settings(max_examples=100)
@given(calendars(), instants, st.integers(min_value=0, max_value=60))
def test_working_days_are_whole_day_lengths_of_hours(
    cal: WorkCalendar, t: dt.datetime, days: int
) -> None:
    by_days = cal.add_working_days(t, days)
    assert cal.working_time_between(t, by_days) == days * cal.working_day_length


@settings(max_examples=100)
@given(calendars(), DAYS, DAYS)
def test_working_day_count_matches_a_day_by_day_count(
    cal: WorkCalendar, first: dt.date, stop: dt.date
) -> None:
    expected = 0
    day = first
    while day < stop:
        expected += cal.is_working_day(day)
        day += dt.timedelta(days=1)
    assert cal.working_days_between(first, stop) == expected
