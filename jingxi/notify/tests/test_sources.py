"""Any app's events notify through the same drain and channels, each with its own cursor.

The second source here is a test's own log of patrol reminders, kept in memory: what a
future app (patrols, spot checks, incidents) registers from its AppConfig.ready().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.cases.choices import Action
from jingxi.cases.models import CaseEvent
from jingxi.cases.notifications import SOURCE_NAME as CASES
from jingxi.notify.models import Notification, OutboxCursor
from jingxi.notify.services import outbox_drain, source_drain
from jingxi.notify.sources import (
    Event,
    Kind,
    Message,
    source_register,
    source_unregister,
    sources_registered,
)
from jingxi.notify.tests.test_outbox import LATER, T, new_case, step


@dataclass(frozen=True)
class Reminder:
    pk: int
    at: dt.datetime
    user_id: int
    road: str


@dataclass
class PatrolSource:
    name: str = "patrols"
    log: list[Reminder] = field(default_factory=list)
    kinds: Sequence[Kind] = (Kind("patrol_due", "今日巡查", urgent=True),)

    def events_after(self, *, cursor: int, limit: int) -> Sequence[Event]:
        return [r for r in self.log if r.pk > cursor][:limit]

    def messages_for(self, events: Sequence[Event]) -> list[Message]:
        reminders = [r for r in self.log if r in events]
        return [
            Message(
                recipient_ids=[r.user_id],
                kind="patrol_due",
                subject=f"今日巡查：{r.road}",
                text="请在18时前完成巡查",
                object_id=str(r.pk),
                url=f"/patrols/{r.pk}/",
                at=r.at,
            )
            for r in reminders
        ]

    def states_of(self, events: Sequence[Event]) -> Mapping[str, Collection[str]]:
        return {}


@pytest.fixture
def patrols() -> Iterator[PatrolSource]:
    source = PatrolSource()
    source_register(source)
    yield source
    source_unregister(source.name)


def dispatched_case(world: World, cast: Cast) -> None:
    step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)


def test_cases_register_their_source_at_start() -> None:
    assert CASES in [s.name for s in sources_registered()]


def test_a_second_source_notifies_with_its_own_cursor(
    world: World, cast: Cast, patrols: PatrolSource
) -> None:
    dispatched_case(world, cast)
    patrols.log += [
        Reminder(1, T, cast.road_chief.pk, "青年路"),
        Reminder(2, T, cast.inspector.pk, "人民路"),
    ]
    case_events = CaseEvent.objects.count()

    assert outbox_drain(now=LATER) == case_events + 2

    rows = set(Notification.objects.values_list("source", "kind", "recipient_id", "url"))
    assert ("patrols", "patrol_due", cast.road_chief.pk, "/patrols/1/") in rows
    assert ("patrols", "patrol_due", cast.inspector.pk, "/patrols/2/") in rows
    assert {r[0] for r in rows} == {"patrols", CASES}
    # (Other apps' sources, with nothing to say here, keep their own cursors.)
    cursors = dict(
        OutboxCursor.objects.filter(source__in=[CASES, "patrols"]).values_list("source", "last_id")
    )
    assert cursors == {CASES: CaseEvent.objects.order_by("-pk")[0].pk, "patrols": 2}

    # A new reminder moves only its own cursor; nothing is delivered twice.
    patrols.log.append(Reminder(3, LATER, cast.road_chief.pk, "建设路"))
    assert source_drain(source=patrols, now=LATER) == 1
    assert outbox_drain(now=LATER) == 0
    assert OutboxCursor.objects.get(source="patrols").last_id == 3
    assert OutboxCursor.objects.get(source=CASES).last_id == cursors[CASES]
    assert Notification.objects.filter(source="patrols").count() == 3


def test_a_second_source_goes_out_through_the_same_channels(
    world: World,
    cast: Cast,
    patrols: PatrolSource,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.NOTIFY_EMAIL = True
    cast.road_chief.email = "chief@example.org"
    cast.road_chief.save()
    patrols.log.append(Reminder(7, T, cast.road_chief.pk, "青年路"))
    with django_capture_on_commit_callbacks(execute=True):
        source_drain(source=patrols, now=LATER)
    assert [(m.to, m.subject) for m in mail.outbox] == [(["chief@example.org"], "今日巡查：青年路")]


def test_the_inbox_links_each_notification_to_its_record(
    world: World, cast: Cast, patrols: PatrolSource, client: Client
) -> None:
    patrols.log.append(Reminder(4, T, cast.road_chief.pk, "青年路"))
    source_drain(source=patrols, now=LATER)
    client.force_login(cast.road_chief)
    page = client.get(reverse("web:notification-list")).content.decode()
    assert "今日巡查：青年路" in page
    assert 'name="next" value="/patrols/4/"' in page


def test_a_name_is_registered_by_one_kind_of_source(patrols: PatrolSource) -> None:
    source_register(PatrolSource())  # the same kind again (ready() twice) is harmless

    @dataclass
    class Other(PatrolSource):
        pass

    with pytest.raises(ImproperlyConfigured):
        source_register(Other())
