"""The registry of event sources the notify job drains: one per app, each with a cursor.

An app whose events should reach people (cases today; patrols, spot checks, key tasks,
training and incidents next) registers one `Source` from its `AppConfig.ready()`, so
`notify` never imports the apps above it. A source reads its own append-only log:
`events_after` gives the events with an id above the cursor, in id order, and
`messages_for` turns a batch of them into `Message`s (recipients, subject, text, link,
and the state of the object they ask action in). `states_of` says which states the
objects of a batch are in now, so the drain clears the notices whose state has passed.
`kinds` lists the kinds of message the source sends, for each user's choice of media
(the preferences page lists every registered source's kinds; urgent ones go by every
medium unless the user says otherwise). `notify.services.outbox_drain` keeps one
`OutboxCursor` per source name and writes the `Notification` rows, which every channel
delivers alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise


class Event(Protocol):
    """One entry of a source's log: its id (the cursor's unit) and when it happened."""

    @property
    def pk(self) -> int: ...

    @property
    def at(self) -> dt.datetime: ...


@dataclass(frozen=True)
class Kind:
    """A kind of message a source sends: its `Message.kind`, its name on the preferences
    page, and whether it is urgent (then it goes by every medium by default)."""

    name: str
    label: str | Promise
    urgent: bool = False


@dataclass(frozen=True)
class Message:
    """What one event tells some people: a notification row per recipient.

    `kind` says which kind of event (one of the source's `kinds`), `object_id` and `url`
    the record it is about and where to read it. `about` is the state of that record the
    message asks action in ("" when it asks none): once `states_of` no longer lists it,
    the notice no longer needs action. `text` is a copy that leaves the platform (e-mail,
    SMS, WeChat): the source masks whatever personal data it holds.
    """

    recipient_ids: Sequence[int]
    kind: str
    subject: str
    text: str
    object_id: str
    url: str
    at: dt.datetime
    about: str = ""


class Source(Protocol):
    """An app's events, as the notify job reads them."""

    #: The source's name: its cursor's and its notifications' `source`; at most 32 chars.
    name: str

    @property
    def kinds(self) -> Sequence[Kind]:
        """Every kind of message it sends."""
        ...

    def events_after(self, *, cursor: int, limit: int) -> Sequence[Event]:
        """Up to `limit` events with ids above `cursor`, in id order."""
        ...

    def messages_for(self, events: Sequence[Event]) -> list[Message]:
        """The messages these events send (none for events that concern nobody)."""
        ...

    def states_of(self, events: Sequence[Event]) -> Mapping[str, Collection[str]]:
        """For each object these events are about (by `Message.object_id`), the states it
        is in now; an object left out keeps its notices as they are."""
        ...


_SOURCES: dict[str, Source] = {}


def source_register(source: Source) -> None:
    """Add an app's source (from its AppConfig.ready()); a name is registered once."""
    known = _SOURCES.get(source.name)
    if known is not None and type(known) is not type(source):
        raise ImproperlyConfigured(f"notify source {source.name!r} is registered twice")
    if len(source.name) > 32:
        raise ImproperlyConfigured(f"notify source name {source.name!r} is over 32 characters")
    _SOURCES[source.name] = source


def source_unregister(name: str) -> None:
    """Remove a source (a test's own source, once the test is over)."""
    _SOURCES.pop(name, None)


def sources_registered() -> list[Source]:
    """Every registered source, by name."""
    return [_SOURCES[name] for name in sorted(_SOURCES)]


def kind_of(source: Source, name: str) -> Kind:
    """The source's kind of this name (an undeclared name: a kind that is not urgent)."""
    for kind in source.kinds:
        if kind.name == name:
            return kind
    return Kind(name=name, label=name)
