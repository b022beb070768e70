"""The outbox drain: case events become notifications for the people they concern."""

import datetime as dt
import logging
import threading
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.notifications import SOURCE_NAME
from jingxi.cases.services import case_report, case_transition
from jingxi.notify import channels
from jingxi.notify.models import Notification, OutboxCursor
from jingxi.notify.selectors import notification_list_for, notification_unread_count
from jingxi.notify.services import (
    _contiguous,
    notification_mark_read,
    outbox_drain,
)
from jingxi.notify.sources import sources_registered
from jingxi.org.models import User

TZ = ZoneInfo("Asia/Shanghai")
T = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
LATER = T + dt.timedelta(hours=1)


def new_case(world: World, cast: Cast, actor: User | None = None, source: str = "") -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="青年路路边有一堆暴露垃圾",
        source=source or Source.INSPECTOR,
        actor=actor or cast.inspector,
        file_directly=True,
        now=T,
    )


def step(case: Case, action: Action, actor: User, **kwargs: Any) -> Case:
    return case_transition(case_id=case.pk, action=action, actor=actor, now=T, **kwargs)


def drained(**kwargs: Any) -> set[tuple[str, str]]:
    """Drain everything; return (kind, recipient username) of the new notifications."""
    before = set(Notification.objects.values_list("pk", flat=True))
    outbox_drain(now=LATER, **kwargs)
    rows = Notification.objects.exclude(pk__in=before).values_list("kind", "recipient__username")
    return set(rows)


def test_dispatch_notifies_the_units_handlers(world: World, cast: Cast) -> None:
    case = new_case(world, cast)
    assert drained() == set()  # report and file concern nobody yet
    step(case, Action.DISPATCH, cast.dispatcher)
    assert drained() == {("dispatch", "handler_a")}
    note = Notification.objects.get(kind="dispatch")
    assert (note.source, note.object_id) == ("cases", str(case.pk))
    assert note.url == f"/cases/{case.pk}/"
    assert case.number in note.title
    assert note.created_at == T


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (Action.REQUEST_EXTENSION, {"note": "需要清运车", "extension_hours": 2}),
        (Action.REQUEST_SUSPENSION, {"note": "等待管网改造"}),
        (Action.REQUEST_VOID, {"note": "现场无此问题"}),
    ],
)
def test_requests_notify_the_dispatchers(
    world: World, cast: Cast, action: Action, kwargs: dict[str, Any]
) -> None:
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    drained()
    step(case, action, cast.handler_a, **kwargs)
    assert drained() == {(action.value, "dispatcher")}


def test_return_notifies_dispatchers_and_decisions_notify_the_unit(
    world: World, cast: Cast
) -> None:
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    drained()
    step(case, Action.RETURN, cast.handler_a, note="不属于本单位")
    assert drained() == {("return", "dispatcher")}
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    step(case, Action.REQUEST_EXTENSION, cast.handler_a, note="需要车", extension_hours=2)
    drained()
    step(case, Action.REFUSE_EXTENSION, cast.dispatcher, note="可以完成")
    assert drained() == {("refuse_extension", "handler_a")}


def test_report_back_verify_fail_and_close(world: World, cast: Cast) -> None:
    case = new_case(world, cast, actor=cast.road_chief, source=Source.ROAD_CHIEF)
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    drained()
    step(case, Action.REPORT_BACK, cast.handler_a)
    # The reporter is no inspector, so every inspector may verify.
    assert drained() == {("report_back", "inspector")}
    step(case, Action.VERIFY_FAIL, cast.inspector, note="未清理干净")
    assert drained() == {("verify_fail", "handler_a")}
    step(case, Action.REPORT_BACK, cast.handler_a)
    step(case, Action.VERIFY_PASS, cast.inspector)
    assert ("close", "roadchief") in drained()


def test_the_actor_is_not_notified_of_their_own_step(world: World, cast: Cast) -> None:
    case = new_case(world, cast)  # reported by the inspector, who also closes it
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    step(case, Action.REPORT_BACK, cast.handler_a)
    step(case, Action.VERIFY_PASS, cast.inspector)
    kinds = drained()
    assert ("report_back", "inspector") in kinds
    assert not any(kind == "close" for kind, _ in kinds)


def test_scan_events_notify_their_listed_recipients(world: World, cast: Cast) -> None:
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    drained()
    deadline_scan(now=dt.datetime(2026, 11, 23, 12, 0, tzinfo=TZ))
    assert drained() == {("warn", "handler_a")}
    deadline_scan(now=dt.datetime(2026, 11, 24, 10, 30, tzinfo=TZ))
    assert drained() == {
        ("overdue", "handler_a"),
        ("escalate", "head_a"),
        ("escalate", "roadchief"),
    }


def test_drain_moves_the_cursor_and_never_delivers_twice(world: World, cast: Cast) -> None:
    for _ in range(3):
        case = new_case(world, cast)
        step(case, Action.DISPATCH, cast.dispatcher)
    events = CaseEvent.objects.count()
    assert outbox_drain(batch=4, now=LATER) == 4
    assert outbox_drain(batch=4, now=LATER) == 4
    assert outbox_drain(batch=4, now=LATER) == events - 8
    assert outbox_drain(batch=4, now=LATER) == 0
    cursor = OutboxCursor.objects.get(source=SOURCE_NAME)
    assert cursor.last_id == CaseEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    assert Notification.objects.filter(kind="dispatch").count() == 3


def test_drain_waits_at_a_young_gap_and_steps_over_an_old_one() -> None:
    def event(pk: int, at: dt.datetime) -> CaseEvent:
        return CaseEvent(pk=pk, at=at)

    events = [event(11, T), event(12, T), event(14, T)]
    # Id 13 is missing: a writer may still commit it, so stop before 14 while young.
    assert [e.pk for e in _contiguous(events, 10, now=T + dt.timedelta(seconds=5))] == [11, 12]
    # Long after, 13 was rolled back: step over it.
    assert [e.pk for e in _contiguous(events, 10, now=T + dt.timedelta(minutes=5))] == [11, 12, 14]


def test_drain_queries_are_bounded(
    world: World, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    outbox_drain(now=LATER)  # the cursor row exists from the first run on
    for _ in range(10):
        case = new_case(world, cast)
        step(case, Action.DISPATCH, cast.dispatcher)
    # The cursor (3), the events, clearing, the audience (2), choices, groups, the
    # insert, the repeats' update, the cursor's move: the same for any batch size; each
    # other registered source with nothing new costs its cursor, events and clearing (4).
    others = len(sources_registered()) - 1
    with django_assert_max_num_queries(13 + 4 * others):
        outbox_drain(now=LATER)
    assert Notification.objects.count() == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_concurrent_drains_do_not_duplicate(world: World, cast: Cast) -> None:
    for _ in range(20):
        case = new_case(world, cast)
        step(case, Action.DISPATCH, cast.dispatcher)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            while outbox_drain(batch=3, now=LATER):
                pass
        except BaseException as exc:  # report in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    per_case = Counter(Notification.objects.values_list("object_id", "recipient_id", "kind"))
    assert len(per_case) == 20
    assert set(per_case.values()) == {1}


def test_read_state_and_selectors(world: World, cast: Cast) -> None:
    for _ in range(2):
        step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    outbox_drain(now=LATER)
    assert notification_unread_count(user=cast.handler_a) == 2
    first = notification_list_for(user=cast.handler_a)[0]
    assert notification_mark_read(user=cast.handler_a, notification_id=first.pk) is True
    assert notification_mark_read(user=cast.handler_a, notification_id=first.pk) is False
    assert notification_unread_count(user=cast.handler_a) == 1
    assert [n.pk for n in notification_list_for(user=cast.handler_a, pending_only=True)] != [
        first.pk
    ]
    assert notification_list_for(user=cast.handler_b).count() == 0
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=cast.handler_b, notification_id=first.pk)


def test_email_channel_is_off_by_default_and_sends_when_on(
    world: World,
    cast: Cast,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.NOTIFY_EMAIL = False
    cast.handler_a.email = "handler@example.org"
    cast.handler_a.save()
    step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_drain(now=LATER)
    assert mail.outbox == []
    settings.NOTIFY_EMAIL = True
    step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_drain(now=LATER)
    assert [m.to for m in mail.outbox] == [["handler@example.org"]]
    assert "请及时签收" in mail.outbox[0].subject


def test_logging_sms_channel_only_logs(
    world: World, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    cast.handler_a.phone = "13800000000"
    cast.handler_a.save()
    step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    outbox_drain(now=LATER)
    rows = list(Notification.objects.select_related("recipient"))
    with caplog.at_level(logging.INFO, logger="jingxi.notify.channels"):
        result = channels.channels_deliver(
            rows, [channels.InAppChannel(), channels.LoggingSmsChannel()]
        )
    assert result == {"in_app": 1, "sms_log": 1}
    assert "13800000000" in caplog.text
    assert "log only" in caplog.text


def test_periodic_job_drains_in_batches(
    world: World, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jingxi.notify import tasks

    for _ in range(3):
        step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    events = CaseEvent.objects.count()
    monkeypatch.setattr(tasks, "BATCH", 2)
    assert tasks.outbox_drain_periodic.call_local() == events
    assert Notification.objects.filter(kind="dispatch").count() == 3
