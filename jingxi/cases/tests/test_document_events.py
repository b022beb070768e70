"""Notices and supervision orders leave a record on each listed case's timeline.

Issuing and signing write one `CaseEvent` per case (a `Record`, never a workflow
`Action`, status unchanged); the staff case page shows them with a link to the document;
the citizen's tracking page never does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from conftest import Cast, World
from jingxi.cases import workflow
from jingxi.cases.choices import Action, Record, Source, Status
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.documents import (
    DocumentError,
    notice_issue,
    notice_sign,
    supervision_order_issue,
    supervision_order_sign,
)
from jingxi.cases.models import Case, CaseEvent, LoopSettings, Notice, SupervisionOrder
from jingxi.cases.services import CaseInputError, case_report, case_transition
from jingxi.cases.tests.test_deadlines import HANDLING_DEADLINE, handling_case
from jingxi.org.models import User
from jingxi.public.citizen.selectors import case_public_timeline

LNG, LAT = 113.955, 34.7102


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dispatched(world: World, cast: Cast, *, source: str = Source.INSPECTOR) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="青年路路边有一堆暴露垃圾",
        source=source,
        actor=cast.inspector if source == Source.INSPECTOR else None,
        file_directly=source == Source.INSPECTOR,
    )
    if source != Source.INSPECTOR:
        case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    return case_transition(
        case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, unit=world.sanitation
    )


def issue_notice(world: World, cast: Cast, cases: list[Case]) -> Notice:
    return notice_issue(
        jurisdiction=world.jurisdiction,
        unit=world.sanitation,
        cases=cases,
        content="请立即清运青年路沿线暴露垃圾。",
        deadline=timezone.now() + dt.timedelta(days=3),
        actor=cast.dispatcher,
    )


def issue_order(case: Case, cast: Cast) -> SupervisionOrder:
    return supervision_order_issue(
        case=case,
        reason="leader",
        content="县领导批示：限期清理。",
        deadline=timezone.now() + dt.timedelta(days=2),
        actor=cast.leader,
    )


def records(case: Case, record: Record) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, action=record).order_by("id"))


# --- the events -------------------------------------------------------------------------


def test_issuing_a_notice_records_it_on_every_listed_case(world: World, cast: Cast) -> None:
    first = dispatched(world, cast)
    second = dispatched(world, cast)
    case_transition(case_id=second.pk, action=Action.ACCEPT, actor=cast.handler_a)
    notice = issue_notice(world, cast, [first, second])

    for case, status in ((first, Status.DISPATCHED), (second, Status.HANDLING)):
        [event] = records(case, Record.NOTICE_ISSUED)
        assert (event.from_status, event.to_status) == (status, status)
        assert event.actor == cast.dispatcher
        assert event.at == notice.issued_at
        assert event.unit == world.sanitation
        assert event.data == {
            "document": "notice",
            "document_id": notice.pk,
            "number": notice.number,
        }
        assert "整改时限" in event.note
        assert Case.objects.get(pk=case.pk).status == status  # a record, not a step


def test_signing_a_notice_records_it_on_every_listed_case(world: World, cast: Cast) -> None:
    cases = [dispatched(world, cast), dispatched(world, cast)]
    notice = issue_notice(world, cast, cases)
    signed = notice_sign(notice_id=notice.pk, actor=cast.handler_a)

    for case in cases:
        [event] = records(case, Record.NOTICE_SIGNED)
        assert (event.from_status, event.to_status) == (Status.DISPATCHED, Status.DISPATCHED)
        assert event.actor == cast.handler_a
        assert event.at == signed.signed_at
        assert event.data == {
            "document": "notice",
            "document_id": notice.pk,
            "number": notice.number,
            "issued_by": cast.dispatcher.pk,
        }
    with pytest.raises(DocumentError):  # signed once: no second record either
        notice_sign(notice_id=notice.pk, actor=cast.unit_head_a)
    assert CaseEvent.objects.filter(action=Record.NOTICE_SIGNED).count() == 2


def test_supervision_order_issue_and_sign_are_recorded(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    order = issue_order(case, cast)
    supervision_order_sign(order_id=order.pk, actor=cast.unit_head_a)

    [issued] = records(case, Record.SUPERVISION_ISSUED)
    [signed] = records(case, Record.SUPERVISION_SIGNED)
    assert (issued.actor, signed.actor) == (cast.leader, cast.unit_head_a)
    expected = {"document": "supervision_order", "document_id": order.pk, "number": order.number}
    assert issued.data == expected
    assert signed.data == {**expected, "issued_by": cast.leader.pk}
    assert "办结时限" in issued.note
    for event in (issued, signed):
        assert event.from_status == event.to_status == Status.DISPATCHED


def test_refused_documents_record_nothing(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    with pytest.raises(DocumentError):  # the case is not at the traffic police
        notice_issue(
            jurisdiction=world.jurisdiction,
            unit=world.traffic,
            cases=[case],
            content="请整改",
            deadline=timezone.now() + dt.timedelta(days=1),
            actor=cast.dispatcher,
        )
    with pytest.raises(DocumentError):  # not overdue
        supervision_order_issue(
            case=case,
            reason="overdue",
            content="",
            deadline=timezone.now() + dt.timedelta(days=1),
            actor=cast.dispatcher,
        )
    assert not CaseEvent.objects.filter(action__in=Record.values).exists()


def test_records_are_not_workflow_actions(world: World, cast: Cast) -> None:
    assert not set(Record.values) & set(Action.values)
    assert not any(action in Record.values for _status, action in workflow.TRANSITIONS)
    case = dispatched(world, cast)
    for record in Record:
        with pytest.raises(CaseInputError):
            case_transition(case_id=case.pk, action=record.value, actor=cast.dispatcher)


def test_a_ladder_order_is_recorded_by_its_escalation_and_signed_like_any(
    world: World, cast: Cast
) -> None:
    loop = LoopSettings.objects.get_or_create(jurisdiction=world.jurisdiction)[0]
    loop.escalation_ladder = [{"after_hours": 0, "step": "supervision_order"}]
    loop.save()
    case = handling_case(world, cast)
    deadline_scan(now=HANDLING_DEADLINE)
    order = SupervisionOrder.objects.get()
    # The scan's "escalate" event is the order's issue record (data names it): no second one.
    escalation = case.events.get(action="escalate")
    assert (escalation.data["order_id"], escalation.data["order"]) == (order.pk, order.number)
    assert records(case, Record.SUPERVISION_ISSUED) == []

    supervision_order_sign(order_id=order.pk, actor=cast.handler_a)
    [signed] = records(case, Record.SUPERVISION_SIGNED)
    assert signed.data["issued_by"] is None  # the system issued it
    html = client_for(cast.dispatcher).get(reverse("cases:case-detail", args=[case.pk]))
    link = f'href="{reverse("cases:supervision-detail", args=[order.pk])}"'
    timeline = html.content.decode().split('id="case-timeline"')[1]
    assert timeline.count(link) == 2  # the escalation and the signature


# --- the staff case page ------------------------------------------------------------------


def test_case_page_timeline_shows_documents_with_links(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    notice = issue_notice(world, cast, [case])
    notice_sign(notice_id=notice.pk, actor=cast.handler_a)
    order = issue_order(case, cast)
    supervision_order_sign(order_id=order.pk, actor=cast.handler_a)

    response = client_for(cast.dispatcher).get(reverse("cases:case-detail", args=[case.pk]))
    html = response.content.decode()
    timeline = html[html.index('id="case-timeline"') :]
    for label in ("发放整改通知单", "签收整改通知单", "发出督办单", "签收督办单"):
        assert label in timeline
    for record in Record:
        assert f'data-event="{record.value}"' in timeline
    notice_link = f'href="{reverse("cases:notice-detail", args=[notice.pk])}"'
    order_link = f'href="{reverse("cases:supervision-detail", args=[order.pk])}"'
    assert timeline.count(notice_link) == 2 and timeline.count(order_link) == 2
    assert timeline.count(notice.number) == 2 and timeline.count(order.number) >= 2
    # The receiving unit sees the same trail, in English too.
    unit = client_for(cast.handler_a)
    assert (
        "签收整改通知单" in unit.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    )
    unit.post(reverse("set_language"), {"language": "en"})
    english = unit.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    translation.activate(settings.LANGUAGE_CODE)  # the test client leaves English active
    for label in ("Rectification notice issued", "Supervision order signed for"):
        assert label in english


# --- the public tracking page ---------------------------------------------------------------


@pytest.fixture
def public_site(settings: Any) -> Any:
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    cache.clear()  # the lookup flood counter outlives a test
    yield
    cache.clear()


def test_public_tracking_page_never_shows_documents(
    world: World, cast: Cast, public_site: None
) -> None:
    case = dispatched(world, cast, source=Source.CITIZEN_WEB)
    before = case_public_timeline(case=case)
    notice = issue_notice(world, cast, [case])
    notice_sign(notice_id=notice.pk, actor=cast.handler_a)
    order = issue_order(case, cast)
    supervision_order_sign(order_id=order.pk, actor=cast.handler_a)
    assert CaseEvent.objects.filter(case=case, action__in=Record.values).count() == 4

    assert [e.text for e in case_public_timeline(case=case)] == [e.text for e in before]
    url = reverse("public:track", kwargs={"number": case.number})
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已派遣至县环卫中心" in html
    for staff_only in ("整改通知单", "督办", notice.number, order.number, "派遣员小李", "县领导"):
        assert staff_only not in html
    # With the reporter's token (rating, "not fixed", photos) it is the same.
    tracked = Client()
    tracked.get(f"{url}?t={case.tracking_token}")
    html = tracked.get(url).content.decode()
    assert notice.number not in html and "整改通知单" not in html and "督办单" not in html
