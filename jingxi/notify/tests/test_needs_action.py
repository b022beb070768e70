"""Notifications that help: cleared when their case moves on, repeats grouped, each user's
choice of media honoured, and a badge that counts what still needs action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.cases.choices import Action, EventKind
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.models import Case
from jingxi.cases.notifications import SOURCE_NAME as CASES
from jingxi.cases.services import case_transition
from jingxi.notify.choices import Medium
from jingxi.notify.models import Notification, NotificationPreference
from jingxi.notify.selectors import notification_list_for, notification_unread_count
from jingxi.notify.services import (
    notification_mark_all_read,
    notification_preferences_set,
    outbox_drain,
)
from jingxi.notify.tests.test_outbox import LATER, TZ, new_case, step
from jingxi.org.models import User


def drain() -> None:
    outbox_drain(now=LATER)


def notice(user: User, kind: str, case: Case | None = None) -> Notification:
    rows = Notification.objects.filter(recipient=user, kind=kind)
    if case is not None:
        rows = rows.filter(object_id=str(case.pk))
    return rows.get()


def test_a_notice_stops_needing_action_when_its_case_leaves_the_status(
    world: World, cast: Cast
) -> None:
    case = step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    drain()
    assert notification_unread_count(user=cast.handler_a) == 1
    step(case, Action.ACCEPT, cast.handler_a)
    drain()
    dispatched = notice(cast.handler_a, Action.DISPATCH)
    assert dispatched.read_at is None and dispatched.cleared_at is not None
    assert notification_unread_count(user=cast.handler_a) == 0
    # Sent back for rework: a notice about the handling, cleared when it is done.
    step(case, Action.REPORT_BACK, cast.handler_a)
    step(case, Action.VERIFY_FAIL, cast.inspector, note="未清理干净")
    drain()
    assert notice(cast.handler_a, Action.VERIFY_FAIL).pending
    step(case, Action.REPORT_BACK, cast.handler_a)
    step(case, Action.VERIFY_PASS, cast.inspector)
    drain()
    assert not notice(cast.handler_a, Action.VERIFY_FAIL).pending
    assert notification_unread_count(user=cast.handler_a) == 0


def test_a_request_notice_is_cleared_once_decided(world: World, cast: Cast) -> None:
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    step(case, Action.REQUEST_EXTENSION, cast.handler_a, note="需要清运车", extension_hours=2)
    drain()
    assert notice(cast.dispatcher, Action.REQUEST_EXTENSION).about == "pending:extension"
    assert notification_unread_count(user=cast.dispatcher) == 1
    step(case, Action.APPROVE_EXTENSION, cast.dispatcher)
    drain()
    assert notification_unread_count(user=cast.dispatcher) == 0
    # The decision tells the handler, about the handling they are doing.
    assert notice(cast.handler_a, Action.APPROVE_EXTENSION).pending


def test_a_warning_is_cleared_when_its_stage_clock_changes(world: World, cast: Cast) -> None:
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    deadline_scan(now=noon)  # the handling deadline (15:30) is an hour away
    drain()
    assert notice(cast.handler_a, EventKind.WARN).pending
    # Still handling, but with a new deadline: that warning no longer holds.
    for action, actor, kwargs in (
        (Action.REQUEST_EXTENSION, cast.handler_a, {"note": "需要清运车", "extension_hours": 8}),
        (Action.APPROVE_EXTENSION, cast.dispatcher, {}),
    ):
        case_transition(case_id=case.pk, action=action, actor=actor, now=noon, **kwargs)  # type: ignore[arg-type]
    drain()
    assert Case.objects.get(pk=case.pk).status == "handling"
    assert not notice(cast.handler_a, EventKind.WARN).pending


def test_a_late_drain_writes_notices_of_past_states_already_cleared(
    world: World, cast: Cast
) -> None:
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    step(case, Action.REPORT_BACK, cast.handler_a)
    drain()  # the dispatch, the acceptance and the report back in one batch
    assert notice(cast.handler_a, Action.DISPATCH).cleared_at is not None
    assert notice(cast.inspector, Action.REPORT_BACK).pending


def test_repeats_are_one_entry_with_a_count_and_the_latest_time(world: World, cast: Cast) -> None:
    case = new_case(world, cast)
    for round_ in range(3):
        step(case, Action.DISPATCH, cast.dispatcher)
        step(case, Action.RETURN, cast.handler_a, note=f"不属于本单位{round_}")
        if round_ == 1:
            drain()
            notification_mark_all_read(user=cast.dispatcher)
    later = LATER + dt.timedelta(minutes=5)
    outbox_drain(now=later)
    returned = notice(cast.dispatcher, Action.RETURN)
    assert returned.count == 3
    assert returned.body == "不属于本单位2"
    assert returned.pending  # unread again: the latest return is news
    assert [n.pk for n in notification_list_for(user=cast.dispatcher)] == [returned.pk]
    assert notification_unread_count(user=cast.dispatcher) == 1


def test_the_badge_is_one_query(world: World, cast: Cast, django_assert_num_queries: Any) -> None:
    step(new_case(world, cast), Action.DISPATCH, cast.dispatcher)
    drain()
    with django_assert_num_queries(1):
        assert notification_unread_count(user=cast.handler_a) == 1


def test_urgent_kinds_go_by_every_medium_unless_the_user_says_otherwise(
    world: World, cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_EMAIL = True
    cast.handler_a.email = "handler@example.org"
    cast.handler_a.save()
    cast.dispatcher.email = "dispatcher@example.org"
    cast.dispatcher.save()
    case = new_case(world, cast)
    step(case, Action.DISPATCH, cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    # 新派遣 is urgent: by e-mail too. A return is not: in-app only.
    assert [m.to for m in mail.outbox] == [["handler@example.org"]]
    step(case, Action.RETURN, cast.handler_a, note="不属于本单位")
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    assert len(mail.outbox) == 1

    notification_preferences_set(
        user=cast.handler_a,
        choices={(CASES, Action.DISPATCH, Medium.EMAIL): False},
    )
    notification_preferences_set(
        user=cast.dispatcher,
        choices={
            (CASES, Action.RETURN, Medium.EMAIL): True,
            (CASES, Action.RETURN, Medium.IN_APP): False,
        },
    )
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.RETURN, cast.handler_a, note="仍不属于本单位")
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    assert [m.to for m in mail.outbox[1:]] == [["dispatcher@example.org"]]
    # Without in-app, the row is kept for the record but never counts on the badge.
    assert notification_unread_count(user=cast.dispatcher) == 0
    assert notice(cast.dispatcher, Action.RETURN).read_at is not None

    # Nothing at all: no row is written.
    notification_preferences_set(
        user=cast.inspector,
        choices={(CASES, Action.REPORT_BACK, m): False for m in Medium},
    )
    step(case, Action.DISPATCH, cast.dispatcher)
    step(case, Action.ACCEPT, cast.handler_a)
    step(case, Action.REPORT_BACK, cast.handler_a)
    drain()
    assert not Notification.objects.filter(recipient=cast.inspector).exists()


def test_only_choices_off_the_default_are_stored(cast: Cast) -> None:
    notification_preferences_set(
        user=cast.dispatcher,
        choices={
            (CASES, Action.RETURN, Medium.IN_APP): True,  # the default
            (CASES, EventKind.OVERDUE, Medium.SMS): True,  # the default: urgent
            (CASES, EventKind.OVERDUE, Medium.EMAIL): False,
        },
    )
    stored = NotificationPreference.objects.filter(user=cast.dispatcher)
    assert list(stored.values_list("kind", "medium", "enabled")) == [
        (EventKind.OVERDUE.value, Medium.EMAIL.value, False)
    ]
    with pytest.raises(ValueError):
        notification_preferences_set(
            user=cast.dispatcher, choices={(CASES, "no_such_kind", Medium.EMAIL): True}
        )


def test_the_pages_list_what_needs_action_first_and_save_choices(
    world: World, cast: Cast, client: Client, settings: Any
) -> None:
    settings.NOTIFY_EMAIL = True
    cast.dispatcher.email = "dispatcher@example.org"
    cast.dispatcher.save()
    old = new_case(world, cast)
    step(old, Action.DISPATCH, cast.dispatcher)
    step(old, Action.RETURN, cast.handler_a, note="不属于本单位")
    step(old, Action.DISPATCH, cast.dispatcher)  # leaves 'filed': its return is cleared
    fresh = new_case(world, cast)
    step(fresh, Action.DISPATCH, cast.dispatcher)
    step(fresh, Action.RETURN, cast.handler_a, note="不属于本单位")
    drain()
    client.force_login(cast.dispatcher)

    page = client.get(reverse("web:notification-list")).content.decode()
    assert 'data-pending="1"' in page
    assert page.index(fresh.number) < page.index(old.number)
    assert page.count("data-cleared") == 1
    assert reverse("web:notification-preferences") in page
    badge = client.get(reverse("web:notification-badge")).content.decode()
    assert 'data-unread="1"' in badge
    assert (
        reverse("web:notification-preferences")
        in client.get(reverse("accounts:security")).content.decode()
    )

    url = reverse("web:notification-preferences")
    page = client.get(url).content.decode()
    assert "新派遣案卷（待签收）" in page
    assert 'value="cases:return:email"' in page
    # SMS is not switched on here: shown, not offered.
    assert 'value="cases:dispatch:sms" checked disabled' in page
    response = client.post(url, {"on": ["cases:return:email", "cases:dispatch:in_app"]})
    assert response.status_code == 302
    assert NotificationPreference.objects.filter(
        user=cast.dispatcher, kind="return", medium="email", enabled=True
    ).exists()
    assert NotificationPreference.objects.filter(
        user=cast.dispatcher, kind="return", medium="in_app", enabled=False
    ).exists()
    assert not NotificationPreference.objects.filter(medium="sms").exists()
