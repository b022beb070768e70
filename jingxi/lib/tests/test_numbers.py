"""Numbers from outside are read within the database's ranges (`jingxi.lib.numbers`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, converters, get_resolver

from jingxi.cases.models import Case
from jingxi.lib.numbers import (
    BIGINT_MAX,
    ID_MAX,
    IdConverter,
    NumberError,
    column_range,
    ids_parse,
    int_or_none,
    int_parse,
)
from jingxi.open311.models import ServiceAttribute

OUT_OF_RANGE = [2**63, -(2**63) - 1, 10**30, 0, -1]


@pytest.mark.parametrize("value", [1, "1", " 42 ", "+7", ID_MAX, str(ID_MAX)])
def test_an_id_in_range_is_read(value: object) -> None:
    assert int_parse(value, name="case") == int(str(value).strip())


@pytest.mark.parametrize(
    "value", [*OUT_OF_RANGE, *map(str, OUT_OF_RANGE), "", "1.5", "1e3", "٣", True, None, 1.0]
)
def test_an_id_out_of_range_or_not_whole_is_refused_with_its_name_and_range(
    value: object,
) -> None:
    with pytest.raises(NumberError) as refused:
        int_parse(value, name="category")
    assert "category" in str(refused.value)
    assert str(ID_MAX) in str(refused.value)


def test_a_very_long_digit_string_is_refused_without_being_read() -> None:
    with pytest.raises(NumberError):
        int_parse("9" * 100_000, name="page")


def test_page_filters_read_a_bad_value_as_no_filter() -> None:
    assert int_or_none("12") == 12
    assert int_or_none(str(2**63)) is None
    assert int_or_none("-3") is None
    assert int_or_none("abc") is None
    assert int_or_none("") is None
    assert int_or_none(None) is None
    assert int_or_none("1999", low=1900, high=2100) == 1999
    assert ids_parse(["3", str(10**30), "x", "4"]) == [3, 4]


def test_column_ranges_are_the_strictest_of_the_databases() -> None:
    assert column_range(Case._meta.get_field("id")) == (1, BIGINT_MAX)
    assert column_range(Case._meta.get_field("category")) == (1, BIGINT_MAX)
    assert column_range(Case._meta.get_field("return_count")) == (0, 2**31 - 1)
    assert column_range(Case._meta.get_field("escalation_step")) == (0, 32767)
    assert column_range(ServiceAttribute._meta.get_field("order")) == (0, 32767)


def test_the_id_converter_leaves_impossible_ids_unmatched() -> None:
    converter = IdConverter()
    assert converter.to_python("12") == 12
    assert converter.to_python(str(ID_MAX)) == ID_MAX
    for text in ("0", str(ID_MAX + 1), "9" * 19):
        with pytest.raises(ValueError):
            converter.to_python(text)


def _patterns(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern | URLResolver]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        yield route, entry
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)


# django-otp's admin pages of a device's key: they refuse (PermissionDenied) before
# reading the id while settings.OTP_ADMIN_HIDE_SENSITIVE_DATA is on, as jingxi sets it.
THIRD_PARTY_REFUSING = {
    "admin/otp_totp/totpdevice/<int:pk>/config/",
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/",
}


def test_no_url_takes_an_unbounded_integer(settings: Any) -> None:
    """Django's `<int:...>` matches any number of digits; path ids are `<id:...>`."""
    assert settings.OTP_ADMIN_HIDE_SENSITIVE_DATA
    unbounded = [
        route
        for route, entry in _patterns(get_resolver().url_patterns)
        if any(type(c) is converters.IntConverter for c in entry.pattern.converters.values())
        and route not in THIRD_PARTY_REFUSING
    ]
    assert unbounded == []
    assert any("<id:case_id>" in route for route, _entry in _patterns(get_resolver().url_patterns))
