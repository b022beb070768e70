"""The indicators computed from the event history agree with the `Case` columns kept
by the services, on random histories walked through the services; and the definitions
at the edges of a period, by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.indicators import INDICATORS
from jingxi.cases.models import CaseEvent
from jingxi.cases.services import case_report, case_transition
from jingxi.cases.tests.histories import POINTS, history_generate
from jingxi.cases.tests.indicator_columns import COLUMN_CODES, column_counts, column_handling
from jingxi.indicators.registry import (
    Window,
    indicator_get,
    indicator_list,
    indicators_compute,
    measure_subjects,
)
from jingxi.org.services import calendar_get

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 9, 1, tzinfo=TZ)
MONTHS = [
    (dt.datetime(2026, m, 1, tzinfo=TZ), dt.datetime(2026 + (m == 12), m % 12 + 1, 1, tzinfo=TZ))
    for m in (8, 9, 10, 11, 12)
]
PERIODS = [*MONTHS, (MONTHS[0][0], MONTHS[-1][1])]
BY = {"township": "township_id", "grid": "grid_id"}


def _measure_counts(world: World, window: Window, by: str) -> dict[str, dict[Any, int]]:
    """code -> key -> count of each column-checked measure, through the registry."""
    found: dict[str, dict[Any, int]] = {}
    for code in COLUMN_CODES:
        rows = measure_subjects(code=code, jurisdiction_id=world.jurisdiction.pk, window=window)
        cases = [r["case_id"] for r in rows]
        assert len(cases) == len(set(cases)), f"{code} counts a case twice"
    (values,) = indicators_compute(
        codes=[i.code for i in INDICATORS],
        jurisdiction_id=world.jurisdiction.pk,
        windows=[window],
        by=by,
    )
    found["cases.reported"] = _nonzero(values["reported"])
    found["cases.problems"] = _nonzero(values["problems"])
    found["cases.filed"] = _nonzero(values["filed"])
    found["cases.closed"] = _nonzero(values["closed"])
    found["cases.closed_on_time"] = _nonzero(values["closed_on_time"])
    found["cases.late_open"] = _nonzero(values["late_open"])
    # 超期数 is two measures; the late closings are its part no other indicator shows.
    overdue = _nonzero(values["overdue"])
    late_open = found["cases.late_open"]
    found["cases.closed_late"] = {
        k: n - late_open.get(k, 0) for k, n in overdue.items() if n - late_open.get(k, 0)
    }
    return found


def _handling(world: World, window: Window, by: str) -> dict[Any, tuple[int, int]]:
    """key -> (cases, working seconds) of 平均处置时长, through the registry."""
    (values,) = indicators_compute(
        codes=["mean_handling_hours"],
        jurisdiction_id=world.jurisdiction.pk,
        windows=[window],
        by=by,
    )
    return {
        k: (v.denominator, v.numerator)
        for k, v in values["mean_handling_hours"].items()
        if v.denominator
    }


def _nonzero(per_key: dict[Any, Any]) -> dict[Any, int]:
    return {k: v.numerator for k, v in per_key.items() if v.numerator}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_event_indicators_equal_the_case_columns_on_random_histories(
    world: World, cast: Cast, seed: int
) -> None:
    history = history_generate(world, cast, seed=seed, n_cases=80, start=START)
    calendar = calendar_get(jurisdiction=world.jurisdiction)
    # Read as of the present, as the columns are (the columns cannot replay the past).
    for as_of in (history.last_event_at + dt.timedelta(days=1), dt.datetime(2030, 1, 1, tzinfo=TZ)):
        for start, end in PERIODS:
            window = Window(start=start, end=end, as_of=as_of)
            for by, column in BY.items():
                expected = column_counts(
                    jurisdiction_id=world.jurisdiction.pk,
                    start=start,
                    end=end,
                    now=as_of,
                    by=column,
                )
                assert _measure_counts(world, window, by) == expected, (seed, start, by)
                handling = column_handling(
                    jurisdiction_id=world.jurisdiction.pk,
                    start=start,
                    end=end,
                    by=column,
                    calendar=calendar,
                )
                assert _handling(world, window, by) == handling, (seed, start, by)
                handled_cases = [
                    r["case_id"]
                    for r in measure_subjects(
                        code="cases.handled_last",
                        jurisdiction_id=world.jurisdiction.pk,
                        window=window,
                    )
                ]
                assert len(handled_cases) == len(set(handled_cases))


def test_the_walk_reaches_every_kind_of_history(world: World, cast: Cast) -> None:
    """The generator is not vacuous: its histories hold the cases the definitions
    single out."""
    history_generate(world, cast, seed=1, n_cases=80, start=START)
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    for action in ("verify_pass", "verify_fail", "return", "approve_suspension", "reopen"):
        assert action in actions
    statuses = set(world.jurisdiction.cases.values_list("status", flat=True))
    assert {"closed", "handling"} <= statuses


def test_every_case_indicator_is_registered_once() -> None:
    codes = [i.code for i in indicator_list()]
    assert len(codes) == len(set(codes))
    for indicator in INDICATORS:
        assert indicator_get(indicator.code) is indicator
        assert indicator.owner == "cases"


# --- by hand: edges, replay, rework, returns, extensions -----------------------------

NOV = (dt.datetime(2026, 11, 1, tzinfo=TZ), dt.datetime(2026, 12, 1, tzinfo=TZ))
DEC = (dt.datetime(2026, 12, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ))


def _values(world: World, period: tuple[dt.datetime, dt.datetime], as_of: dt.datetime) -> Any:
    (found,) = indicators_compute(
        codes=[i.code for i in INDICATORS],
        jurisdiction_id=world.jurisdiction.pk,
        windows=[Window(start=period[0], end=period[1], as_of=as_of)],
    )
    return {code: per_key.get(None) for code, per_key in found.items()}


def _step(case_id: int, action: str, actor: Any, at: dt.datetime, **kw: Any) -> None:
    case_transition(case_id=case_id, action=action, actor=actor, note="理由", now=at, **kw)


def _filed(world: World, cast: Cast, at: dt.datetime) -> int:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=POINTS[0][0],
        lat=POINTS[0][1],
        description="手工场景",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=at,
    )
    return case.pk


def test_a_closing_at_midnight_belongs_to_the_month_it_opens(world: World, cast: Cast) -> None:
    day = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
    pk = _filed(world, cast, day)
    _step(
        pk, Action.DISPATCH, cast.dispatcher, day + dt.timedelta(minutes=5), unit=world.sanitation
    )
    _step(pk, Action.ACCEPT, cast.handler_a, day + dt.timedelta(minutes=10))
    _step(pk, Action.REPORT_BACK, cast.handler_a, day + dt.timedelta(hours=2))
    _step(pk, Action.VERIFY_PASS, cast.inspector, DEC[0])
    later = dt.datetime(2027, 2, 1, tzinfo=TZ)
    assert _values(world, NOV, later)["closed"].numerator == 0
    assert _values(world, DEC, later)["closed"].numerator == 1
    assert _values(world, NOV, later)["reported"].numerator == 1


def test_figures_replay_as_they_stood(world: World, cast: Cast) -> None:
    """Closed on the 5th, reopened on the 10th: as of the 8th November counts it closed
    and on time; as of the 20th it is neither, and its cleared deadline makes it not due."""
    day = dt.datetime(2026, 11, 5, 9, 0, tzinfo=TZ)
    pk = _filed(world, cast, day)
    _step(
        pk, Action.DISPATCH, cast.dispatcher, day + dt.timedelta(minutes=5), unit=world.sanitation
    )
    _step(pk, Action.ACCEPT, cast.handler_a, day + dt.timedelta(minutes=10))
    _step(pk, Action.REPORT_BACK, cast.handler_a, day + dt.timedelta(hours=1))
    _step(pk, Action.VERIFY_PASS, cast.inspector, day + dt.timedelta(hours=2))
    _step(pk, Action.REOPEN, cast.dispatcher, day + dt.timedelta(days=5))
    then = _values(world, NOV, dt.datetime(2026, 11, 8, tzinfo=TZ))
    assert (then["closed"].numerator, then["closed_on_time"].numerator) == (1, 1)
    assert then["on_time_closure_rate"].percent() == 100.0
    now = _values(world, NOV, dt.datetime(2026, 11, 20, tzinfo=TZ))
    assert (now["closed"].numerator, now["due"].numerator) == (0, 0)
    assert now["on_time_closure_rate"].value is None  # nothing due: no rate, not 0%


def test_rework_return_and_extension_rates(world: World, cast: Cast) -> None:
    """Two dispatches of one case (a return between them), one extension, two handling
    reports of which one failed verification: 返工率 1/2, 退单率 1/2, 延期率 1/2; the
    case closes after its extended deadline, late."""
    day = dt.datetime(2026, 11, 9, 9, 0, tzinfo=TZ)  # a Monday
    minute = dt.timedelta(minutes=1)
    pk = _filed(world, cast, day)
    _step(pk, Action.DISPATCH, cast.dispatcher, day + 5 * minute, unit=world.sanitation)
    _step(pk, Action.RETURN, cast.handler_a, day + 10 * minute)
    _step(pk, Action.DISPATCH, cast.dispatcher, day + 15 * minute, unit=world.sanitation)
    _step(pk, Action.ACCEPT, cast.handler_a, day + 20 * minute)
    _step(pk, Action.REQUEST_EXTENSION, cast.handler_a, day + 25 * minute, extension_hours=1)
    _step(pk, Action.APPROVE_EXTENSION, cast.dispatcher, day + 30 * minute)
    _step(pk, Action.REPORT_BACK, cast.handler_a, day + 60 * minute)
    _step(pk, Action.VERIFY_FAIL, cast.inspector, day + 70 * minute)
    _step(pk, Action.REPORT_BACK, cast.handler_a, day + dt.timedelta(days=3))
    _step(pk, Action.VERIFY_PASS, cast.inspector, day + dt.timedelta(days=3, hours=1))
    v = _values(world, NOV, dt.datetime(2026, 12, 1, tzinfo=TZ))
    assert (v["rework_rate"].numerator, v["rework_rate"].denominator) == (1, 2)
    assert (v["return_rate"].numerator, v["return_rate"].denominator) == (1, 2)
    assert (v["extension_rate"].numerator, v["extension_rate"].denominator) == (1, 2)
    assert (v["closed"].numerator, v["closed_on_time"].numerator, v["due"].numerator) == (1, 0, 1)
    assert v["filed"].numerator == 1
    assert v["overdue"].numerator == 1  # closed late
    # Handled twice (rework): one case, timed from the second dispatch to its last report.
    calendar = calendar_get(jurisdiction=world.jurisdiction)
    hours = calendar.working_seconds_between(day + 15 * minute, day + dt.timedelta(days=3)) / 3600
    assert v["mean_handling_hours"].denominator == 1
    assert v["mean_handling_hours"].value == pytest.approx(hours, abs=1 / 3600)
    assert hours > 8  # three working days, not the hour of the first report


def test_a_suspended_case_is_not_due(world: World, cast: Cast) -> None:
    day = dt.datetime(2026, 11, 9, 9, 0, tzinfo=TZ)
    minute = dt.timedelta(minutes=1)
    pk = _filed(world, cast, day)
    _step(pk, Action.DISPATCH, cast.dispatcher, day + 5 * minute, unit=world.sanitation)
    _step(pk, Action.ACCEPT, cast.handler_a, day + 10 * minute)
    as_of = dt.datetime(2026, 11, 20, tzinfo=TZ)
    assert _values(world, NOV, as_of)["late_open"].numerator == 1
    _step(pk, Action.REQUEST_SUSPENSION, cast.handler_a, day + 15 * minute)
    _step(pk, Action.APPROVE_SUSPENSION, cast.dispatcher, day + 20 * minute)
    assert _values(world, NOV, as_of)["late_open"].numerator == 0
