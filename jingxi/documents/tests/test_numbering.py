"""Document numbers: one counter per jurisdiction, kind and year, whatever app numbers."""

from __future__ import annotations

import pytest

from conftest import World
from jingxi.documents.models import DocumentCounter
from jingxi.documents.numbering import number_next, office_short_name
from jingxi.documents.registry import number_kind_get, number_kind_register

# Kinds of this test's own, registered as any app registers its kinds.
ISSUE = number_kind_register(key="test_issue", number_format="〔{year}〕第{serial}期")
ORDER = number_kind_register(key="test_order", number_format="{office}测〔{year}〕{serial:03d}号")


def test_each_kind_counts_on_its_own_per_year(world: World) -> None:
    j = world.jurisdiction
    assert number_next(jurisdiction=j, kind=ISSUE.key, year=2026) == [(1, "〔2026〕第1期")]
    assert number_next(jurisdiction=j, kind=ISSUE.key, year=2026) == [(2, "〔2026〕第2期")]
    office = office_short_name(jurisdiction=j)
    assert number_next(jurisdiction=j, kind=ORDER.key, year=2026) == [
        (1, f"{office}测〔2026〕001号")
    ]
    assert number_next(jurisdiction=j, kind=ISSUE.key, year=2027) == [(1, "〔2027〕第1期")]
    assert number_next(jurisdiction=j, kind=ISSUE.key, year=2026) == [(3, "〔2026〕第3期")]
    counters = DocumentCounter.objects.filter(jurisdiction=j).order_by("kind", "year")
    assert list(counters.values_list("kind", "year", "last")) == [
        ("test_issue", 2026, 3),
        ("test_issue", 2027, 1),
        ("test_order", 2026, 1),
    ]


def test_a_bulk_takes_consecutive_numbers_from_one_bump(world: World) -> None:
    j = world.jurisdiction
    number_next(jurisdiction=j, kind=ISSUE.key, year=2026)
    numbers = number_next(jurisdiction=j, kind=ISSUE.key, year=2026, count=3)
    assert [serial for serial, _ in numbers] == [2, 3, 4]
    assert number_next(jurisdiction=j, kind=ISSUE.key, year=2026) == [(5, "〔2026〕第5期")]


def test_the_office_short_name_prefixes_numbers(world: World) -> None:
    world.office.short_name = "中牟精细办"
    world.office.save()
    ((_, number),) = number_next(jurisdiction=world.jurisdiction, kind=ORDER.key, year=2026)
    assert number == "中牟精细办测〔2026〕001号"


def test_unknown_kinds_and_second_registrations_are_refused(world: World) -> None:
    with pytest.raises(ValueError, match="unknown document kind"):
        number_next(jurisdiction=world.jurisdiction, kind="nope", year=2026)
    assert number_kind_get(ISSUE.key) == ISSUE
    number_kind_register(key=ISSUE.key, number_format=ISSUE.number_format)  # the same: fine
    with pytest.raises(Exception, match="registered twice"):
        number_kind_register(key=ISSUE.key, number_format="{serial}")
