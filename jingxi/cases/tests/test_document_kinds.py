"""The cases' documents through `jingxi.documents`: who sees one is the subjects' rule,
whatever that rule is; the ladder and the desk issue from one counter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Q

from conftest import Cast, World
from jingxi.cases.access import case_list_for
from jingxi.cases.choices import Action, Source
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.documents import notice_issue, supervision_order_issue
from jingxi.cases.models import Case, LoopSettings, Notice, SupervisionOrder
from jingxi.cases.selectors import notice_list_for
from jingxi.cases.services import case_report, case_transition
from jingxi.documents import registry
from jingxi.documents.access import document_visibility_filter
from jingxi.documents.models import DocumentCounter
from jingxi.org.models import User
from jingxi.org.roles import RoleSet

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def dispatched(world: World, cast: Cast) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=NOW,
    )
    return case_transition(
        case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, unit=world.sanitation
    )


def notice_of(world: World, cast: Cast, cases: list[Case]) -> Notice:
    return notice_issue(
        jurisdiction=world.jurisdiction,
        unit=world.sanitation,
        cases=cases,
        content="请立即清运",
        deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
        actor=cast.dispatcher,
    )


def test_cases_register_their_kinds_and_subject_rule() -> None:
    assert registry.document_kind_get("notice").model is Notice
    assert registry.document_kind_get("supervision").model is SupervisionOrder
    assert registry.document_kind_get("notice").subject_model is Case
    assert registry.subject_visibility(Case) is not None


def test_a_document_is_seen_by_whoever_the_subjects_rule_lets_see_every_subject(
    world: World, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = dispatched(world, cast), dispatched(world, cast)
    both = notice_of(world, cast, [first, second])
    only_first = notice_of(world, cast, [first])
    # The traffic police's handler sees neither case, so neither notice…
    assert list(notice_list_for(user=cast.handler_b)) == []
    # …until the cases' rule says they see the first case: then the notice listing only it.
    seen: set[int] = {first.pk}

    def rule(user: User, roles: RoleSet) -> Q | None:
        return Q(pk__in=seen) if user == cast.handler_b else None

    subjects: dict[Any, Any] = registry._subjects
    monkeypatch.setitem(subjects, Case, rule)
    assert list(notice_list_for(user=cast.handler_b)) == [only_first]
    seen.add(second.pk)
    assert set(notice_list_for(user=cast.handler_b)) == {both, only_first}
    # A rule that lets them see nothing leaves the issuer and the unit their documents.
    assert set(notice_list_for(user=cast.dispatcher)) == {both, only_first}
    assert set(notice_list_for(user=cast.handler_a)) == {both, only_first}


def test_the_documents_rule_agrees_with_the_case_rule_for_every_member_of_the_cast(
    world: World, cast: Cast
) -> None:
    first, second = dispatched(world, cast), dispatched(world, cast)
    notice = notice_of(world, cast, [first, second])
    for name in ("dispatcher", "inspector", "road_chief", "handler_a", "handler_b", "leader"):
        user: Any = getattr(cast, name)
        scope = document_visibility_filter(kind="notice", user=user)
        seen = scope is not None and Notice.objects.filter(scope, pk=notice.pk).exists()
        sees_cases = case_list_for(user=user).filter(pk__in=[first.pk, second.pk]).count() == 2
        mine = user == cast.dispatcher or user in (cast.handler_a,)
        assert seen == (sees_cases or mine), name


def test_the_desk_and_the_ladder_number_supervision_orders_from_one_counter(
    world: World, cast: Cast
) -> None:
    loop = LoopSettings.objects.get_or_create(jurisdiction=world.jurisdiction)[0]
    loop.escalation_ladder = [{"after_hours": 0, "step": "supervision_order"}]
    loop.save()
    by_hand = dispatched(world, cast)
    order = supervision_order_issue(
        case=by_hand,
        reason="leader",
        content="",
        deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
        actor=cast.leader,
    )
    late = dispatched(world, cast)
    Case.objects.filter(pk=late.pk).update(
        stage_deadline=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    )
    deadline_scan(jurisdiction=world.jurisdiction)
    serials = list(SupervisionOrder.objects.order_by("serial").values_list("serial", "case_id"))
    assert serials == [(order.serial, by_hand.pk), (order.serial + 1, late.pk)]
    year = order.year
    assert DocumentCounter.objects.get(kind="supervision", year=year).last == order.serial + 1
