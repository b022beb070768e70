"""Writes to notifications: drain the registered sources' outboxes, mark a message read,
set a user's choice of media.

`outbox_drain` reads, for each registered source (`notify.sources`), the events after
that source's cursor in id order, and writes one `Notification` per person each event
concerns, then moves the cursor, all in one transaction that holds the cursor row
locked: two workers never deliver an event twice, and a crash delivers it again rather
than never. Each source has its own cursor, so one source's backlog or failure does not
hold back another's.

Writing a batch, in a constant number of queries:
1. clear — the source says which states the batch's objects are in now (`states_of`);
   one UPDATE sets `cleared_at` on their notices about any other state: a notice asks
   action in a state (`about`), and once its object has moved on it no longer needs it.
2. group — a message to someone who already has a notice of that kind about that
   object updates that row (count + 1, the latest title, text and time, unread again),
   so repeats (warnings, the escalation ladder, a second return) are one entry.
3. media — each recipient's choices (`NotificationPreference`, else
   `preference_default`) decide the media: without in-app the row is written read (the
   other media still deliver it); with no medium at all, nothing is written.

Ids are handed out before commit, so an event with a smaller id may become visible
after a larger one. The drain stops in front of such a gap while it is young (the
writer may still commit) and steps over it once it is older than `GAP_GRACE` (the
writer rolled back; the id will never be used).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.notify.channels import channels_deliver
from jingxi.notify.choices import Medium
from jingxi.notify.models import Notification, NotificationPreference, OutboxCursor
from jingxi.notify.sources import Event, Kind, Message, Source, kind_of, sources_registered
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
        states = {key: frozenset(value) for key, value in source.states_of(events).items()}
        _clear(source.name, states, now)
        media = _write(source, source.messages_for(events), states, now)
        cursor.last_id = events[-1].pk
        cursor.save(update_fields=["last_id"])
        if any(set(wanted) - {Medium.IN_APP} for wanted in media.values()):
            transaction.on_commit(lambda: _deliver(media))
    return len(events)


def _clear(source: str, states: Mapping[str, frozenset[str]], now: dt.datetime) -> int:
    """Clear the source's notices about a state their object has left; one UPDATE."""
    by_states: dict[frozenset[str], list[str]] = defaultdict(list)
    for object_id, current in states.items():
        by_states[current].append(object_id)
    if not by_states:
        return 0
    left = Q()
    for current, object_ids in by_states.items():
        left |= Q(object_id__in=object_ids) & ~Q(about__in=sorted(current))
    return (
        Notification.objects.filter(left, source=source, cleared_at__isnull=True)
        .exclude(about="")
        .update(cleared_at=now)
    )


def preference_default(*, kind: Kind, medium: str) -> bool:
    """Without a choice of the user's: every kind in-app, urgent kinds by every medium
    (each channel still reaches only those with an address on it)."""
    return medium == Medium.IN_APP or kind.urgent


def _choices(source: str, user_ids: Collection[int]) -> dict[tuple[int, str, str], bool]:
    rows = NotificationPreference.objects.filter(source=source, user_id__in=user_ids)
    return {
        (user_id, kind, medium): enabled
        for user_id, kind, medium, enabled in rows.values_list(
            "user_id", "kind", "medium", "enabled"
        )
    }


_GROUP_FIELDS: Final = (
    "about",
    "title",
    "body",
    "url",
    "count",
    "created_at",
    "read_at",
    "cleared_at",
)


def _write(
    source: Source,
    messages: Sequence[Message],
    states: Mapping[str, frozenset[str]],
    now: dt.datetime,
) -> dict[int, frozenset[str]]:
    """Write the messages' rows (new, or a repeat into its group); the media of each."""
    messages = [m for m in messages if m.recipient_ids]
    if not messages:
        return {}
    user_ids = {u for m in messages for u in m.recipient_ids}
    choices = _choices(source.name, user_ids)
    groups: dict[tuple[int, str, str], Notification] = {}
    object_ids = {m.object_id for m in messages if m.object_id}
    if object_ids:
        known = (
            Notification.objects.filter(
                source=source.name, object_id__in=object_ids, recipient_id__in=user_ids
            )
            .only("id", "recipient_id", "object_id", "kind", "count")
            .order_by("id")
        )
        groups = {(n.recipient_id, n.object_id, n.kind): n for n in known}  # the latest
    new: list[Notification] = []
    written: dict[int, tuple[Notification, set[str]]] = {}  # by id(row)
    for message in messages:
        kind = kind_of(source, message.kind)
        current = states.get(message.object_id)
        cleared = bool(message.about) and current is not None and message.about not in current
        for user_id in message.recipient_ids:
            wanted = {
                medium
                for medium in Medium
                if choices.get(
                    (user_id, kind.name, medium), preference_default(kind=kind, medium=medium)
                )
            }
            if not wanted:
                continue
            key = (user_id, message.object_id, message.kind)
            row = groups.get(key) if message.object_id else None
            if row is None:
                row = Notification(
                    recipient_id=user_id,
                    source=source.name,
                    object_id=message.object_id,
                    kind=message.kind,
                    count=0,
                )
                new.append(row)
                groups[key] = row
            row.count += 1
            row.about = message.about
            row.title = message.subject[:255]
            row.body = message.text
            row.url = message.url
            row.created_at = message.at
            row.read_at = None if Medium.IN_APP in wanted else now
            row.cleared_at = now if cleared else None
            _row, media = written.setdefault(id(row), (row, set()))
            media |= wanted
    Notification.objects.bulk_create(new)
    fresh = {id(row) for row in new}
    repeated = [row for row, _media in written.values() if id(row) not in fresh]
    if repeated:
        Notification.objects.bulk_update(repeated, _GROUP_FIELDS)
    return {row.pk: frozenset(media) for row, media in written.values()}


def _deliver(media: Mapping[int, frozenset[str]]) -> None:
    rows = list(Notification.objects.filter(pk__in=list(media)).select_related("recipient"))
    channels_deliver(rows, media=media)


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


def notification_preferences_set(
    *, user: User, choices: Mapping[tuple[str, str, str], bool]
) -> None:
    """Record the user's choices, (source, kind, medium) → on or off, of registered kinds.

    A choice equal to the default is stored as no row, so a later change of the default
    reaches everyone who did not choose. Raises ValueError for an unknown source, kind
    or medium.
    """
    sources = {source.name: source for source in sources_registered()}
    stored: list[NotificationPreference] = []
    keys = Q()
    for (source_name, kind_name, medium), enabled in choices.items():
        source = sources.get(source_name)
        kinds = {kind.name: kind for kind in source.kinds} if source else {}
        if kind_name not in kinds or medium not in Medium.values:
            raise ValueError(f"unknown notification kind {source_name}/{kind_name}/{medium}")
        keys |= Q(source=source_name, kind=kind_name, medium=medium)
        if enabled != preference_default(kind=kinds[kind_name], medium=medium):
            stored.append(
                NotificationPreference(
                    user=user, source=source_name, kind=kind_name, medium=medium, enabled=enabled
                )
            )
    if not choices:
        return
    with transaction.atomic():
        NotificationPreference.objects.filter(keys, user=user).delete()
        NotificationPreference.objects.bulk_create(stored)
