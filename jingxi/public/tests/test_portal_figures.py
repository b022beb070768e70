"""The published figures, reached through the services, and the trace behind each."""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import Cast, World
from jingxi.public.portal.selectors import (
    MEASURES,
    PeriodError,
    disclosure_figures,
    disclosure_series,
    disclosure_trace,
    grid_counts,
    grid_map_collection,
)
from jingxi.public.tests.test_portal_world import NOW, Story, tell


@pytest.fixture
def story(world: World, cast: Cast) -> Story:
    return tell(world, cast)


def _row(figures: object, name: str) -> object:
    return next(r for r in figures.townships if r.name == name)  # type: ignore[attr-defined]


def test_monthly_figures_per_township_and_county(world: World, story: Story) -> None:
    f = disclosure_figures(jurisdiction=world.jurisdiction, year=2026, month=11, now=NOW)
    a = _row(f, "青年路街道")
    b = _row(f, "东风路街道")
    assert (a.received, a.closed, a.on_time, a.due, a.rated, a.satisfied) == (3, 2, 1, 2, 2, 1)  # type: ignore[attr-defined]
    assert (b.received, b.closed, b.on_time, b.due, b.rated, b.satisfied) == (2, 1, 1, 2, 1, 1)  # type: ignore[attr-defined]
    total = f.total
    assert (total.received, total.closed, total.on_time, total.due) == (5, 3, 2, 4)
    assert total.on_time_rate == 50.0
    assert (total.rated, total.satisfied) == (3, 2)
    assert total.satisfaction_rate == 66.7


def test_yearly_figures_include_october(world: World, story: Story) -> None:
    f = disclosure_figures(jurisdiction=world.jurisdiction, year=2026, now=NOW)
    b = _row(f, "东风路街道")
    assert (b.received, b.closed, b.on_time, b.due, b.rated, b.satisfied) == (3, 2, 2, 3, 2, 2)  # type: ignore[attr-defined]
    assert f.total.received == 6
    assert f.period.label == "2026年"


def test_one_township_only(world: World, story: Story) -> None:
    f = disclosure_figures(
        jurisdiction=world.jurisdiction, year=2026, month=11, township=world.township_b, now=NOW
    )
    assert [r.name for r in f.townships] == ["东风路街道"]
    assert (f.total.received, f.total.closed, f.total.due) == (2, 1, 2)


def test_a_deadline_not_yet_passed_is_not_due(world: World, story: Story) -> None:
    before_deadline = story.b_open.deadline
    assert before_deadline is not None
    f = disclosure_figures(
        jurisdiction=world.jurisdiction,
        year=2026,
        month=11,
        township=world.township_b,
        now=before_deadline,
    )
    assert f.total.due == 1


def test_monthly_series_matches_the_monthly_figures(world: World, story: Story) -> None:
    series = disclosure_series(jurisdiction=world.jurisdiction, year=2026, now=NOW)
    assert len(series) == 12
    assert (series[9].received, series[9].closed) == (1, 1)
    november = disclosure_figures(jurisdiction=world.jurisdiction, year=2026, month=11, now=NOW)
    assert series[10].received == november.total.received
    assert series[10].on_time_rate == november.total.on_time_rate
    assert series[10].satisfaction_rate == november.total.satisfaction_rate
    assert series[0].on_time_rate is None


def test_figures_take_few_queries(
    world: World, story: Story, django_assert_num_queries: object
) -> None:
    # PostgreSQL: one more statement turns JIT off for the aggregate (indicators.registry).
    jit_off = int(connection.vendor == "postgresql")
    with django_assert_num_queries(2 + jit_off):  # type: ignore[operator]
        disclosure_figures(jurisdiction=world.jurisdiction, year=2026, month=11, now=NOW)
    with django_assert_num_queries(1 + jit_off):  # type: ignore[operator]
        disclosure_series(jurisdiction=world.jurisdiction, year=2026, now=NOW)


@pytest.mark.parametrize(
    ("measure", "township", "expected"),
    [
        ("received", "a", {"a_on_time", "a_late", "a_reject"}),
        ("closed", "a", {"a_on_time", "a_late"}),
        ("on_time", "a", {"a_on_time"}),
        ("due", "b", {"b_open", "b_citizen"}),
        ("rated", None, {"a_on_time", "a_late", "b_citizen"}),
        ("satisfied", None, {"a_on_time", "b_citizen"}),
        ("problems", "a", {"a_on_time", "a_late"}),
    ],
)
def test_trace_returns_exactly_the_cases_behind_a_number(
    world: World, story: Story, measure: str, township: str | None, expected: set[str]
) -> None:
    t = {"a": world.township_a, "b": world.township_b, None: None}[township]
    cases = disclosure_trace(
        jurisdiction=world.jurisdiction, measure=measure, year=2026, month=11, township=t, now=NOW
    )
    names = {name for name in vars(story) if getattr(story, name).pk in {c.pk for c in cases}}
    assert names == expected
    figures = disclosure_figures(
        jurisdiction=world.jurisdiction, year=2026, month=11, township=t, now=NOW
    )
    if measure in ("received", "closed", "on_time", "due", "rated", "satisfied"):
        assert getattr(figures.total, measure) == len(expected)


def test_every_measure_can_be_traced(world: World, story: Story) -> None:
    for measure in MEASURES:
        disclosure_trace(jurisdiction=world.jurisdiction, measure=measure, year=2026, now=NOW)
    with pytest.raises(KeyError):
        disclosure_trace(jurisdiction=world.jurisdiction, measure="secret", year=2026)


def test_bad_periods_are_refused(world: World) -> None:
    with pytest.raises(PeriodError, match="月份"):
        disclosure_figures(jurisdiction=world.jurisdiction, year=2026, month=13)
    with pytest.raises(PeriodError, match="年份"):
        disclosure_figures(jurisdiction=world.jurisdiction, year=1899)


def test_grid_counts_and_map_have_counts_only(world: World, story: Story) -> None:
    counts = grid_counts(jurisdiction=world.jurisdiction, year=2026, month=11)
    assert counts == {world.grids["A-north-1"].pk: 2, world.grids["B-north-2"].pk: 2}
    collection = grid_map_collection(jurisdiction=world.jurisdiction, year=2026, month=11)
    assert collection["total"] == 4
    assert len(collection["features"]) == len(world.grids)
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "Polygon"
        assert set(feature["properties"]) == {"id", "code", "community", "township", "count"}
    trace = disclosure_trace(
        jurisdiction=world.jurisdiction,
        measure="problems",
        year=2026,
        month=11,
        grid_id=world.grids["A-north-1"].pk,
    )
    assert {c.pk for c in trace} == {story.a_on_time.pk, story.a_late.pk}
