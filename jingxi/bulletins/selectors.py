"""Reads of bulletins: the public list (published only) and the office's archive.

The public reads never select who drafted, published or withdrew a bulletin; a draft, a
withdrawn bulletin or another county's answers DoesNotExist, so the views answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from jingxi.bulletins.choices import BulletinKind, BulletinStatus
from jingxi.bulletins.models import Bulletin
from jingxi.org.models import Jurisdiction

# What a public page may read of a bulletin.
PUBLIC_FIELDS: Final = (
    "id",
    "jurisdiction_id",
    "kind",
    "number",
    "title",
    "period_start",
    "period_end",
    "body",
    "pdf",
    "pdf_size",
    "status",
    "published_at",
)


def bulletin_list_public(
    *, jurisdiction: Jurisdiction, year: int | None = None, kind: str = ""
) -> QuerySet[Bulletin]:
    """Published bulletins, newest first; `year` of publication in the county's time zone."""
    rows = Bulletin.objects.filter(jurisdiction=jurisdiction, status=BulletinStatus.PUBLISHED)
    if year is not None:
        tz = ZoneInfo(jurisdiction.time_zone)
        rows = rows.filter(
            published_at__gte=dt.datetime(year, 1, 1, tzinfo=tz),
            published_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=tz),
        )
    if kind in BulletinKind.values:
        rows = rows.filter(kind=kind)
    return rows.only(*PUBLIC_FIELDS).order_by("-published_at", "-id")


def bulletin_get_public(*, jurisdiction: Jurisdiction, bulletin_id: int) -> Bulletin:
    """A published bulletin; Bulletin.DoesNotExist for a draft, a withdrawn one or another
    county's."""
    return bulletin_list_public(jurisdiction=jurisdiction).get(pk=bulletin_id)


def bulletin_years_public(*, jurisdiction: Jurisdiction) -> list[int]:
    """The years in which bulletins were published, newest first (the year filter)."""
    published = bulletin_list_public(jurisdiction=jurisdiction).order_by()
    years = published.datetimes("published_at", "year", tzinfo=ZoneInfo(jurisdiction.time_zone))
    return sorted({d.year for d in years}, reverse=True)


def bulletin_list_staff(*, jurisdiction: Jurisdiction, status: str = "") -> QuerySet[Bulletin]:
    """The office's archive: every bulletin of the county, the latest changed first."""
    rows = Bulletin.objects.filter(jurisdiction=jurisdiction)
    if status in BulletinStatus.values:
        rows = rows.filter(status=status)
    return rows.select_related("created_by", "published_by", "withdrawn_by").order_by(
        "-updated_at", "-id"
    )
