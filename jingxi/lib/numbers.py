"""Whole numbers from outside, checked against the ranges the database can hold.

A number past a column's range crashes the statement that compares with it: SQLite's
driver raises OverflowError past 64 bits, PostgreSQL answers "bigint out of range" or
compares as numeric. Django guards its `exact` lookups, not `__in`, raw SQL or
offsets. So every door checks the numbers it is sent (ids and filters in query
strings, JSON and form bodies, path segments) here, before they reach a query:

- `ID_MAX`: the largest id of any table (`BigAutoField`); ids start at 1.
- `column_range(field)`: an integer column's range on every supported database:
  Django's range for the field's type, which PostgreSQL enforces (SQLite holds any
  64-bit value, so the stricter range counts). A relation's range is its target's.
- `int_parse(value, name=..., low=..., high=...)`: a whole number within the range, or
  `NumberError` whose message names the parameter and the range (doors answer 400).
- `int_or_none(text, low=..., high=...)`: the lenient reading that page filters use: a
  blank, broken or out-of-range value is no filter (`YEAR_MIN`..`YEAR_MAX` for years).
- `ids_parse(values)`: the ids among a repeated form field's values.
- `id_form_field()`, `column_form_field(column)`: Django form fields with those ranges
  (DRF serializers use `lib.drf.id_field`).
- `IdConverter`, registered as `<id:...>` by `LibConfig.ready`: path ids of 1 to
  `ID_MAX`; anything else does not match the URL, so it answers 404. No URL uses
  Django's unbounded `<int:...>` (a test walks the URL configuration).
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

BIGINT_MIN: Final = -(2**63)
BIGINT_MAX: Final = 2**63 - 1
ID_MIN: Final = 1
ID_MAX: Final = BIGINT_MAX
# A calendar year in a filter: the year after it, and its first moment in any time zone,
# are still datetimes (Python's years are 1..9999).
YEAR_MIN: Final = 1900
YEAR_MAX: Final = 9998
# Decimal digits of the longest text of a number in range: longer texts are refused
# before int() has to read them (int() of a long digit string is quadratic).
_MAX_DIGITS: Final = len(str(BIGINT_MIN))


class NumberError(ValueError):
    """A value that is not a whole number within its range; the message says which."""


def column_range(field: models.Field[Any, Any]) -> tuple[int, int]:
    """The values an integer column (or a relation to an integer key) can hold."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    internal = target.get_internal_type()
    if internal in ("AutoField", "BigAutoField", "SmallAutoField"):
        low, high = BaseDatabaseOperations.integer_field_ranges[internal.replace("Auto", "Integer")]
        return ID_MIN, high
    low, high = BaseDatabaseOperations.integer_field_ranges[internal]
    return low, high


def _whole(value: object) -> int | None:
    """`value` as an int when it is one (not a bool) or the text of one; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits or len(text) > _MAX_DIGITS + 1 or not digits.isascii():
            return None
        if not digits.isdigit():
            return None
        return int(text)
    return None


def int_parse(value: object, *, name: str, low: int = ID_MIN, high: int = ID_MAX) -> int:
    """`value` (an int or its text) if it is a whole number in low..high, else NumberError."""
    number = _whole(value)
    if number is None or not low <= number <= high:
        raise NumberError(
            _("%(name)s 必须是 %(low)d 到 %(high)d 之间的整数")
            % {"name": name, "low": low, "high": high}
        )
    return number


def int_or_none(text: str | None, *, low: int = ID_MIN, high: int = ID_MAX) -> int | None:
    """A page filter's value: None when blank, not a whole number, or out of range."""
    number = _whole(text)
    return number if number is not None and low <= number <= high else None


def id_form_field(**kwargs: Any) -> forms.IntegerField:
    """A form field for a record's id: 1..ID_MAX, else the form's own error."""
    return forms.IntegerField(min_value=ID_MIN, max_value=ID_MAX, **kwargs)


def column_form_field(column: models.Field[Any, Any], **kwargs: Any) -> forms.IntegerField:
    """A form field for a value stored in the integer `column`: within its range."""
    low, high = column_range(column)
    return forms.IntegerField(min_value=low, max_value=high, **kwargs)


def ids_parse(values: list[str], *, low: int = ID_MIN, high: int = ID_MAX) -> list[int]:
    """The values of a repeated form field that are ids in range; the others dropped."""
    return [n for v in values if (n := int_or_none(v, low=low, high=high)) is not None]


class IdConverter:
    """`<id:name>`: a row id, 1..ID_MAX; anything else leaves the URL unmatched (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not ID_MIN <= number <= ID_MAX:
            raise ValueError(value)  # Django: the pattern does not match
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
