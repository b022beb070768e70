"""The morning gap list reaches the office's dispatchers through notify."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from conftest import Cast, World
from jingxi.inspections.models import GapNotice
from jingxi.inspections.notifications import SOURCE_NAME, gap_notice_record, gap_notices_record
from jingxi.inspections.tasks import gap_notice_daily
from jingxi.inspections.tests.factories_office import plan_make, round_make
from jingxi.notify.models import Notification
from jingxi.notify.services import outbox_drain

DAY = dt.date(2026, 11, 18)


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _day_with_a_miss(world: World, cast: Cast) -> None:
    s = world.segments
    plan_make(
        jurisdiction=world.jurisdiction,
        day=DAY,
        items=[(s["qingnian-west"], cast.inspector), (s["qingnian-east"], cast.inspector)],
    )
    round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=DAY,
        ratios={s["qingnian-west"]: 1.0},
    )


def test_the_morning_job_tells_the_dispatchers(world: World, cast: Cast) -> None:
    _day_with_a_miss(world, cast)
    morning = _local(DAY + dt.timedelta(days=1), 8)
    assert gap_notices_record(now=morning - dt.timedelta(hours=1)) == 0  # before 08:00
    assert gap_notices_record(now=morning) == 1
    assert gap_notices_record(now=morning + dt.timedelta(hours=1)) == 1  # once a day
    notice = GapNotice.objects.get()
    assert (notice.day, notice.segments, notice.length_m) == (DAY, 1, 1830.0)
    outbox_drain(now=morning)
    rows = Notification.objects.filter(source=SOURCE_NAME)
    assert [n.recipient_id for n in rows] == [cast.dispatcher.pk]
    note = rows.get()
    assert "1段" in note.title and "1.8公里" in note.title
    assert note.url.endswith("?day=2026-11-18")
    # The inspector and the leader are not told.
    assert not Notification.objects.filter(source=SOURCE_NAME, recipient=cast.inspector).exists()


def test_a_day_without_misses_tells_no_one(world: World, cast: Cast) -> None:
    s = world.segments
    plan_make(
        jurisdiction=world.jurisdiction, day=DAY, items=[(s["qingnian-west"], cast.inspector)]
    )
    round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=DAY,
        ratios={s["qingnian-west"]: 0.9},
    )
    notice = gap_notice_record(jurisdiction=world.jurisdiction, day=DAY, now=_local(DAY, 23))
    assert notice.segments == 0
    outbox_drain(now=_local(DAY, 23))
    assert not Notification.objects.filter(source=SOURCE_NAME).exists()


def test_the_periodic_job_runs(world: World, cast: Cast) -> None:
    # Today's job looks at yesterday; with no plan yesterday it records nothing.
    assert gap_notice_daily.call_local() == 0
    assert not GapNotice.objects.exists()
