from __future__ import annotations

from decimal import Decimal

import pytest

from jingxi.catalog.choices import TimeUnit, Urgency
from jingxi.catalog.limits import LimitSpec, LimitSyntaxError, limits_format, limits_parse


def test_parse_reads_urgencies_conditions_and_both() -> None:
    specs = limits_parse("一般:4工作时; 紧急：2工作时；拆除:20工作日; 特急/拆除:10工作日")
    assert specs == [
        LimitSpec(Urgency.NORMAL, "", Decimal("4"), TimeUnit.WORKING_HOURS),
        LimitSpec(Urgency.URGENT, "", Decimal("2"), TimeUnit.WORKING_HOURS),
        LimitSpec(Urgency.NORMAL, "拆除", Decimal("20"), TimeUnit.WORKING_DAYS),
        LimitSpec(Urgency.CRITICAL, "拆除", Decimal("10"), TimeUnit.WORKING_DAYS),
    ]


def test_parse_accepts_values_and_halves() -> None:
    (spec,) = limits_parse("critical:0.5working_hours")
    assert spec == LimitSpec(Urgency.CRITICAL, "", Decimal("0.5"), TimeUnit.WORKING_HOURS)


def test_format_then_parse_is_identity() -> None:
    text = "一般:4工作时; 紧急:2工作时; 拆除:20工作日; 特急/拆除:10工作日"
    assert limits_format(limits_parse(text)) == text
    assert limits_format([]) == ""
    assert limits_parse("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("一般4工作时", "格式不正确"),
        ("一般:4小时", "工作时"),
        ("一般:0.2工作时", "0.5"),
        ("一般:1.25工作时", "一位小数"),
        ("一般:4工作时; 一般:2工作时", "重复"),
        ("紧急/:4工作时", "缺少情形"),
    ],
)
def test_parse_names_the_bad_entry(text: str, message: str) -> None:
    with pytest.raises(LimitSyntaxError, match=message):
        limits_parse(text)
