"""Writes to notifications: drain the registered sources' outboxes, mark a message read.

`outbox_drain` reads, for each registered source (`notify.sources`), the events after
that source's cursor in id order, and creates one `Notification` per person each event
concerns, then moves the cursor, all in one transaction that holds the cursor row
locked: two workers never deliver an event twice, and a crash delivers it again rather
than never. Each source has its own cursor, so one source's backlog or failure does not
hold back another's.

Ids are handed out before commit, so an event with a smaller id may become visible
after a larger one. The drain stops in front of such a gap while it is young (the
writer may still commit) and steps over it once it is older than `GAP_GRACE` (the
writer rolled back; the id will never be used).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.notify.channels import channels_deliver
from jingxi.notify.models import Notification, OutboxCursor
from jingxi.notify.sources import Event, Source, sources_registered
from jingxi.org.models import User

GAP_GRACE: Final = dt.timedelta(seconds=30)


def _cursor_ensure(name: str) -> None:
    if OutboxCursor.objects.filter(source=name).exists():
        return
    try:
        with transaction.atomic():
            OutboxCursor.objects.get_or_create(source=name)
    except IntegrityError:  # another worker created it at the same moment
        pass


def _contiguous(events: Sequence[Event], last_id: int, now: dt.datetime) -> list[Event]:
    """The events up to the first young gap in ids (see the module docstring)."""
    kept: list[Event] = []
    expected = last_id + 1
    for event in events:
        # A cursor that has never moved has no position to see a gap from: ids below the
        # first visible event were consumed before the drain began (PostgreSQL sequences
        # never roll back), so it starts there.
        if last_id and event.pk != expected and now - event.at < GAP_GRACE:
            break
        kept.append(event)
        expected = event.pk + 1
    return kept


def outbox_drain(*, batch: int = 1000, now: dt.datetime | None = None) -> int:
    """Up to `batch` new events of every source into notifications; events consumed."""
    return sum(source_drain(source=source, batch=batch, now=now) for source in sources_registered())


def source_drain(*, source: Source, batch: int = 1000, now: dt.datetime | None = None) -> int:
    """Turn up to `batch` new events of one source into notifications; events consumed."""
    now = now or timezone.now()
    _cursor_ensure(source.name)
    with transaction.atomic():
        cursor = OutboxCursor.objects.select_for_update().get(source=source.name)
        events = _contiguous(
            source.events_after(cursor=cursor.last_id, limit=batch), cursor.last_id, now
        )
        if not events:
            return 0
        notifications = [
            Notification(
                recipient_id=user_id,
                source=source.name,
                object_id=message.object_id,
                kind=message.kind,
                title=message.subject[:255],
                body=message.text,
                url=message.url,
                created_at=message.at,
            )
            for message in source.messages_for(events)
            for user_id in message.recipient_ids
        ]
        Notification.objects.bulk_create(notifications)
        cursor.last_id = events[-1].pk
        cursor.save(update_fields=["last_id"])
        if notifications:
            ids = [n.pk for n in notifications]
            transaction.on_commit(lambda: _deliver(ids))
    return len(events)


def _deliver(ids: list[int]) -> None:
    rows = list(Notification.objects.filter(pk__in=ids).select_related("recipient"))
    channels_deliver(rows)


def notification_mark_read(
    *, user: User, notification_id: int, now: dt.datetime | None = None
) -> bool:
    """Mark one of the user's notifications read; False if it already was.

    Raises Notification.DoesNotExist for a notification that is not the user's.
    """
    now = now or timezone.now()
    if not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        raise Notification.DoesNotExist(_("没有这条通知"))
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=now)
    return updated == 1


def notification_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark every unread notification of the user read; return how many."""
    now = now or timezone.now()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
