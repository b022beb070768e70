"""The morning gap list, told to the office: inspections' notification source for `notify`.

At 08:00 (`tasks.gap_notice_daily`) `gap_notice_record` writes one `GapNotice` per
jurisdiction for yesterday: how many planned segments were not walked, and their length.
The notice is the source's log (append-only, read by id after the cursor): each one
with misses tells the jurisdiction's dispatchers, linking to the day's gap list. A day
with nothing missed is recorded and tells no one. Registered from
`InspectionsConfig.ready()` (notify never imports inspections).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Final, cast

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.inspections.models import GapNotice, Plan
from jingxi.inspections.reports import gap_count
from jingxi.notify.sources import Event, Kind, Message
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Membership

SOURCE_NAME: Final = "inspections"
GAPS: Final = "gaps"
#: The hour (local time) from which yesterday's gap list is recorded.
MORNING_HOUR: Final = 8
KINDS: Final = (Kind(GAPS, gettext_lazy("昨日漏巡清单")),)


def gap_notice_record(*, jurisdiction: Jurisdiction, day: dt.date, now: dt.datetime) -> GapNotice:
    """Record the day's gap figures once (a second call answers the first record)."""
    known = GapNotice.objects.filter(jurisdiction=jurisdiction, day=day).first()
    if known is not None:
        return known
    segments, length_m = gap_count(jurisdiction=jurisdiction, day=day)
    try:
        with transaction.atomic():
            return GapNotice.objects.create(
                jurisdiction=jurisdiction, day=day, at=now, segments=segments, length_m=length_m
            )
    except IntegrityError:  # another worker recorded it first
        return GapNotice.objects.get(jurisdiction=jurisdiction, day=day)


def gap_notices_record(*, now: dt.datetime | None = None) -> int:
    """Yesterday's gap notice for every jurisdiction with a plan that day, from 08:00
    local time (before: none); how many jurisdictions it looked at."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < MORNING_HOUR:
        return 0
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    ids = Plan.objects.filter(day=yesterday).values_list("jurisdiction_id", flat=True)
    jurisdictions = Jurisdiction.objects.filter(pk__in=ids).order_by("pk")
    for jurisdiction in jurisdictions:
        gap_notice_record(jurisdiction=jurisdiction, day=yesterday, now=now)
    return len(jurisdictions)


def _dispatchers(jurisdiction_ids: Collection[int]) -> dict[int, list[int]]:
    rows = (
        Membership.objects.filter(
            unit__jurisdiction_id__in=jurisdiction_ids,
            role=Role.DISPATCHER,
            user__is_active=True,
        )
        .values_list("unit__jurisdiction_id", "user_id")
        .order_by("user_id")
        .distinct()
    )
    by_jurisdiction: dict[int, list[int]] = {}
    for jurisdiction_id, user_id in rows:
        by_jurisdiction.setdefault(jurisdiction_id, []).append(user_id)
    return by_jurisdiction


class GapNoticeSource:
    """Gap notices (`GapNotice` by id) as the notify job reads them."""

    name = SOURCE_NAME
    kinds = KINDS

    def events_after(self, *, cursor: int, limit: int) -> Sequence[Event]:
        return list(GapNotice.objects.filter(pk__gt=cursor).order_by("pk")[:limit])

    def messages_for(self, events: Sequence[Event]) -> list[Message]:
        notices = cast("Sequence[GapNotice]", events)  # the events this source gave
        dispatchers = _dispatchers({n.jurisdiction_id for n in notices})
        messages: list[Message] = []
        for notice in notices:
            if not notice.segments:
                continue
            subject = _("%(day)s漏巡路段%(n)d段，共%(km).1f公里，请查看漏巡清单") % {
                "day": notice.day.strftime("%m-%d"),
                "n": notice.segments,
                "km": notice.length_m / 1000,
            }
            messages.append(
                Message(
                    recipient_ids=dispatchers.get(notice.jurisdiction_id, []),
                    kind=GAPS,
                    subject=subject,
                    text=subject,
                    object_id=f"gaps:{notice.jurisdiction_id}:{notice.day.isoformat()}",
                    url=reverse("inspections:gaps") + f"?day={notice.day.isoformat()}",
                    at=notice.at,
                )
            )
        return messages

    def states_of(self, events: Sequence[Event]) -> Mapping[str, Collection[str]]:
        return {}  # a gap list asks no action the platform could see done
