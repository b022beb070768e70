"""The registry's own rules: one definition per code, rates without a denominator have
no value, values add up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F, Q

from jingxi.indicators import registry
from jingxi.indicators.registry import (
    Indicator,
    Measure,
    Source,
    Unit,
    UnknownIndicator,
    Value,
    Window,
    indicator_get,
    indicator_register,
)

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _source(code: str = "test") -> Source:
    return Source(
        code=code,
        rows=lambda jurisdiction_id: None,  # type: ignore[arg-type,return-value]
        dimensions={},
        narrow=lambda w: Q(),
        subject="id",
    )


def _measure(code: str, source: Source) -> Measure:
    return Measure(code=code, name=code, description=code, source=source, q=lambda w: Q())


def test_a_rate_without_a_denominator_has_no_value() -> None:
    assert Value(3, 0).value is None
    assert Value(3, 0).percent() is None
    assert Value(1, 3).percent() == 33.3
    assert Value(5).value == 5.0


def test_values_add_numerators_and_denominators() -> None:
    assert Value(1, 2) + Value(3, 4) == Value(4, 6)
    assert Value(1) + Value(2) == Value(3)
    with pytest.raises(TypeError):
        Value(1) + Value(1, 2)


def test_a_second_definition_under_a_code_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", registry._Registry())  # leave the real one be
    source = _source()
    first = Indicator(
        code="test.count",
        name="x",
        description="x",
        owner="tests",
        unit=Unit.COUNT,
        numerator=(_measure("test.m", source),),
    )
    indicator_register(first)
    indicator_register(first)  # the same definition again: a no-op
    assert indicator_get("test.count") is first
    other = Indicator(
        code="test.count",
        name="y",
        description="y",
        owner="elsewhere",
        unit=Unit.COUNT,
        numerator=(_measure("test.m", source),),
    )
    with pytest.raises(ValueError, match="already defined"):
        indicator_register(other)


def test_a_percentage_needs_a_denominator_and_one_source() -> None:
    source = _source()
    with pytest.raises(ValueError, match="denominator"):
        Indicator(
            code="test.rate",
            name="r",
            description="r",
            owner="tests",
            unit=Unit.PERCENT,
            numerator=(_measure("test.a", source),),
        )
    with pytest.raises(ValueError, match="mixes sources"):
        Indicator(
            code="test.mixed",
            name="r",
            description="r",
            owner="tests",
            unit=Unit.PERCENT,
            numerator=(_measure("test.a", source),),
            denominator=(_measure("test.b", _source("other")),),
        )


def test_a_mean_sums_amounts_over_counted_records_unscaled() -> None:
    hours = 1 / 3600
    assert Value(27000, 3, per=hours).value == pytest.approx(2.5)
    assert Value(27000, 0, per=hours).value is None
    assert Value(3600, 1, per=hours) + Value(7200, 3, per=hours) == Value(10800, 4, per=hours)
    with pytest.raises(TypeError):
        Value(1, 2) + Value(1, 2, per=hours)


def test_only_a_means_numerator_sums_amounts() -> None:
    source = _source()
    hours = Measure(
        code="test.hours",
        name="h",
        description="h",
        source=source,
        q=lambda w: Q(),
        amount=lambda: F("x"),
    )
    count = _measure("test.n", source)
    mean = Indicator(
        code="test.mean",
        name="m",
        description="m",
        owner="tests",
        unit=Unit.HOURS,
        numerator=(hours,),
        denominator=(count,),
    )
    assert mean.measures == (hours, count)
    for unit, numerator, denominator in (
        (Unit.HOURS, (count,), (count,)),  # a mean that counts
        (Unit.PERCENT, (hours,), (count,)),  # a rate that sums
        (Unit.HOURS, (hours,), (hours,)),  # a denominator that sums
        (Unit.HOURS, (hours,), ()),  # a mean without a denominator
    ):
        with pytest.raises(ValueError):
            Indicator(
                code="test.bad",
                name="b",
                description="b",
                owner="tests",
                unit=unit,
                numerator=numerator,
                denominator=denominator,
            )


def test_unknown_codes_raise() -> None:
    with pytest.raises(UnknownIndicator):
        indicator_get("no-such-indicator")


def test_a_window_is_half_open_and_ends_after_it_starts() -> None:
    w = Window(start=START, end=END, as_of=START + dt.timedelta(days=3))
    assert w.until == START + dt.timedelta(days=3)
    assert Window(start=START, end=END, as_of=END + dt.timedelta(days=1)).until == END
    with pytest.raises(ValueError):
        Window(start=END, end=START, as_of=END)
