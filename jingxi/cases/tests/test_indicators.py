"""The indicators computed from the event history agree with the `Case` columns kept
by the services, on random histories walked through the services; and the definitions
at the edges of a period, by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import Cast, World
from jingxi.cases.indicators import INDICATORS
from jingxi.cases.models import CaseEvent
from jingxi.cases.tests.histories import history_generate
from jingxi.cases.tests.indicator_columns import COLUMN_CODES, column_counts
from jingxi.indicators.registry import (
    Window,
    indicator_get,
    indicator_list,
    indicators_compute,
    measure_subjects,
)

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
    found["cases.closed"] = _nonzero(values["closed"])
    found["cases.closed_on_time"] = _nonzero(values["closed_on_time"])
    found["cases.late_open"] = _nonzero(values["late_open"])
    return found


def _nonzero(per_key: dict[Any, Any]) -> dict[Any, int]:
    return {k: v.numerator for k, v in per_key.items() if v.numerator}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_event_indicators_equal_the_case_columns_on_random_histories(
    world: World, cast: Cast, seed: int
) -> None:
    history = history_generate(world, cast, seed=seed, n_cases=80, start=START)
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
