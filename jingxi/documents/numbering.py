"""Serial numbers (文号) of every numbered kind: one counter per jurisdiction, kind, year.

The counter row is locked while it is bumped, so numbers are gapless within a year and
never reused. Call inside the transaction that stores the documents, so a rolled-back
issue does not consume a number. `number_next` is the only writer of `DocumentCounter`
(a test scans the sources for another).
"""

from __future__ import annotations

from django.db import transaction

from jingxi.documents.models import DocumentCounter
from jingxi.documents.registry import number_kind_get
from jingxi.org.choices import UnitKind
from jingxi.org.models import Jurisdiction, Unit


def office_short_name(*, jurisdiction: Jurisdiction) -> str:
    """The issuing office's short name (e.g. 中牟精细办), or "<辖区名>精细办"."""
    office = (
        Unit.objects.filter(jurisdiction=jurisdiction, kind=UnitKind.OFFICE, is_active=True)
        .exclude(short_name="")
        .order_by("code")
        .values_list("short_name", flat=True)
        .first()
    )
    return office or f"{jurisdiction.name}精细办"


def number_next(
    *, jurisdiction: Jurisdiction, kind: str, year: int, count: int = 1
) -> list[tuple[int, str]]:
    """Allocate the next `count` serials of `kind` for the year, in one bump of its
    counter; return [(serial, formatted number)], in order."""
    number_kind = number_kind_get(kind)
    if count < 1:
        raise ValueError("count must be at least 1")
    counters = DocumentCounter.objects.select_for_update().filter(
        jurisdiction=jurisdiction, kind=kind, year=year
    )
    with transaction.atomic(savepoint=False):
        counter = counters.first()
        if counter is None:  # the year's first: create it, unless a concurrent issue did
            DocumentCounter.objects.bulk_create(
                [DocumentCounter(jurisdiction=jurisdiction, kind=kind, year=year)],
                ignore_conflicts=True,
            )
            counter = counters.get()
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    office = office_short_name(jurisdiction=jurisdiction)
    return [
        (serial, number_kind.number(office=office, year=year, serial=serial))
        for serial in range(first, first + count)
    ]
