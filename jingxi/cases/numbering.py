"""Serial numbers (文号) of official documents: rectification notices and supervision orders.

One counter row per jurisdiction, kind and year, locked while it is bumped, so numbers
are gapless within a year and never reused. Call inside the transaction that creates the
document, so a rolled-back issue does not consume a number.
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.db.models import F

from jingxi.cases.models import DocumentCounter
from jingxi.org.choices import UnitKind
from jingxi.org.models import Jurisdiction, Unit

DocumentKind = Literal["notice", "supervision"]


def document_prefix(*, jurisdiction: Jurisdiction) -> str:
    """The issuing office's short name (e.g. 中牟精细办), or "<辖区名>精细办"."""
    office = (
        Unit.objects.filter(jurisdiction=jurisdiction, kind=UnitKind.OFFICE, is_active=True)
        .exclude(short_name="")
        .order_by("code")
        .values_list("short_name", flat=True)
        .first()
    )
    return office or f"{jurisdiction.name}精细办"


def document_number_format(*, prefix: str, kind: DocumentKind, year: int, serial: int) -> str:
    if kind == "notice":
        return f"{prefix}〔{year}〕第{serial:04d}号"
    return f"{prefix}督〔{year}〕第{serial:04d}号"


def document_number_next(
    *, jurisdiction: Jurisdiction, kind: DocumentKind, year: int
) -> tuple[int, str]:
    """Allocate the next serial of `kind` for the year; return (serial, formatted number)."""
    if kind not in ("notice", "supervision"):
        raise ValueError(f"unknown document kind: {kind!r}")
    with transaction.atomic():
        counter, _created = DocumentCounter.objects.select_for_update().get_or_create(
            jurisdiction=jurisdiction, kind=kind, year=year
        )
        DocumentCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
        counter.refresh_from_db(fields=["last"])
        serial = counter.last
    prefix = document_prefix(jurisdiction=jurisdiction)
    return serial, document_number_format(prefix=prefix, kind=kind, year=year, serial=serial)
