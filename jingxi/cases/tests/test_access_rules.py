"""The one rule of who may report as which source, and who sees which document.

Defects these would have caught: any staff member could create an already-filed case
through the API (the API checked the claimed source, not the caller's roles), and a
township road chief read every notice of the county (documents had a visibility rule of
their own that disagreed with `cases.access`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.cases.access import SOURCES_BY_ROLE, report_claim_check, report_sources_for
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.documents import notice_issue, supervision_order_issue
from jingxi.cases.models import Case
from jingxi.cases.selectors import notice_list_for, supervision_order_list_for
from jingxi.cases.services import case_report, case_transition
from jingxi.org.choices import Role
from jingxi.org.roles import PERMISSIONS, Perm, RoleSet, roles_for

QINGNIAN = (113.955, 34.7102)  # on 青年路, whose township chief is cast.road_chief
JIANSHE = (113.9701, 34.705)  # on 建设路, which has no chief


def body(world: World, **change: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": world.exposed_garbage.pk,
        "lng": QINGNIAN[0],
        "lat": QINGNIAN[1],
        "description": "青年路暴露垃圾",
        "source": Source.INSPECTOR,
        "file_directly": True,
    }
    data.update(change)
    return data


def token_client(user: Any) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def session_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- sources --------------------------------------------------------------------------


def test_the_report_permission_is_the_roles_that_may_claim_a_source() -> None:
    assert frozenset(SOURCES_BY_ROLE) == PERMISSIONS[Perm.REPORT]


@pytest.mark.parametrize("who", ["handler_a", "unit_head_a", "leader", "operator", "assessor"])
@pytest.mark.parametrize("door", [token_client, session_client])
def test_only_an_inspector_claims_an_inspector_patrol_through_the_api(
    world: World, cast: Cast, who: str, door: Any
) -> None:
    client = door(getattr(cast, who))
    response = client.post(
        reverse("api-case-list"), json.dumps(body(world)), content_type="application/json"
    )
    assert response.status_code == 403, response.content
    assert not Case.objects.exists()


@pytest.mark.parametrize("door", [token_client, session_client])
def test_an_inspector_files_their_own_patrol_directly(world: World, cast: Cast, door: Any) -> None:
    response = door(cast.inspector).post(
        reverse("api-case-list"), json.dumps(body(world)), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.FILED


def test_a_desk_report_cannot_be_filed_directly(world: World, cast: Cast) -> None:
    response = token_client(cast.dispatcher).post(
        reverse("api-case-list"),
        json.dumps(body(world, source=Source.HOTLINE)),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_web_form_offers_and_accepts_only_the_roles_sources(world: World, cast: Cast) -> None:
    client = session_client(cast.operator)
    html = client.get(reverse("cases:case-report")).content.decode()
    assert 'value="hotline"' in html
    assert 'value="inspector"' not in html
    assert "file_directly" not in html
    form = {
        "category": world.exposed_garbage.pk,
        "urgency": "normal",
        "description": "冒充督导员上报",
        "lng": QINGNIAN[0],
        "lat": QINGNIAN[1],
        "source": Source.INSPECTOR,
        "file_directly": "on",
    }
    assert client.post(reverse("cases:case-report"), form).status_code == 400
    assert not Case.objects.exists()


def test_the_service_checks_the_claim_for_every_door(world: World, cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        case_report(
            jurisdiction=world.jurisdiction,
            category=world.exposed_garbage,
            lng=QINGNIAN[0],
            lat=QINGNIAN[1],
            description="经办人冒充路长",
            source=Source.ROAD_CHIEF,
            actor=cast.handler_a,
            file_directly=True,
        )
    assert not Case.objects.exists()


def test_claims_follow_the_roles_held() -> None:
    both = RoleSet(
        jurisdiction_id=1, units={Role.INSPECTOR: frozenset(), "dispatcher": frozenset()}
    )
    sources = report_sources_for(roles=both)
    assert sources[0] == Source.INSPECTOR  # the patrol first
    assert Source.HOTLINE in sources
    report_claim_check(roles=both, source=Source.INSPECTOR, file_directly=True)
    with pytest.raises(PermissionDenied):
        report_claim_check(roles=both, source=Source.HOTLINE, file_directly=True)
    with pytest.raises(PermissionDenied):
        report_claim_check(
            roles=RoleSet(jurisdiction_id=1), source=Source.HOTLINE, file_directly=False
        )


# --- documents ------------------------------------------------------------------------


def dispatched(world: World, cast: Cast, where: tuple[float, float]) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=where[0],
        lat=where[1],
        description="暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
    )
    return case_transition(
        case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, unit=world.sanitation
    )


def notice_of(world: World, cast: Cast, cases: list[Case]) -> Any:
    return notice_issue(
        jurisdiction=world.jurisdiction,
        unit=world.sanitation,
        cases=cases,
        content="请立即清运",
        deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
        actor=cast.dispatcher,
    )


def test_a_road_chief_reads_only_documents_whose_every_case_is_on_their_roads(
    world: World, cast: Cast
) -> None:
    on_road = dispatched(world, cast, QINGNIAN)
    elsewhere = dispatched(world, cast, JIANSHE)
    assert on_road.road_id == world.qingnian.pk and elsewhere.road_id != world.qingnian.pk
    mine = notice_of(world, cast, [on_road])
    mixed = notice_of(world, cast, [on_road, elsewhere])
    other = notice_of(world, cast, [elsewhere])
    client = session_client(cast.road_chief)
    for notice, status in ((mine, 200), (mixed, 404), (other, 404)):
        for name in ("notice-detail", "notice-pdf"):
            url = reverse(f"cases:{name}", args=[notice.pk])
            assert client.get(url).status_code == status, (notice.number, name)
    assert list(notice_list_for(user=cast.road_chief)) == [mine]
    order = supervision_order_issue(
        case=elsewhere,
        reason="leader",
        content="",
        actor=cast.leader,
        deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
    )
    assert client.get(reverse("cases:supervision-detail", args=[order.pk])).status_code == 404
    assert list(supervision_order_list_for(user=cast.road_chief)) == []


def test_documents_are_seen_by_their_unit_and_the_county_wide_roles(
    world: World, cast: Cast
) -> None:
    notice = notice_of(world, cast, [dispatched(world, cast, JIANSHE)])
    for who, seen in (
        ("handler_a", True),  # the recipient unit
        ("unit_head_a", True),
        ("dispatcher", True),  # the issuer
        ("leader", True),  # sees every case
        ("handler_b", False),
        ("road_chief", False),
        ("citizen", False),
        ("outsider", False),
    ):
        user = getattr(cast, who)
        assert (notice in notice_list_for(user=user)) is seen, who
        status = session_client(user).get(reverse("cases:notice-detail", args=[notice.pk]))
        assert status.status_code == (200 if seen else 404), who


def test_staff_of_another_jurisdiction_hold_no_role_here(world: World, cast: Cast) -> None:
    assert not roles_for(user=cast.dispatcher, jurisdiction_id=world.jurisdiction.pk + 999).held
    assert roles_for(user=cast.dispatcher).has(Role.DISPATCHER)
