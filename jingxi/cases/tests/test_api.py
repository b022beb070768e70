from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.audit.services import RECORD_QUERIES
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.org.models import User


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create_body(world: World, **kwargs: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": world.exposed_garbage.pk,
        "lng": 113.955,
        "lat": 34.7102,
        "description": "青年路暴露垃圾",
        "source": Source.INSPECTOR,
    }
    body.update(kwargs)
    return body


def dispatched_case(world: World, cast: Cast) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source=Source.CITIZEN_WEB,
        reporter_name="王小明",
        reporter_phone="13812341234",
    )
    case = case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    return case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)


def test_inspector_reports_through_the_api(world: World, cast: Cast) -> None:
    response = client_for(cast.inspector).post(
        reverse("api-case-list"), create_body(world), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.REPORTED
    assert body["township_name"] == "青年路街道"
    assert body["proposed_unit"]["code"] == "HW"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"lng": 120.0, "lat": 30.0}, "辖区"),
        ({"category": 999999}, "类别"),
        ({"description": ""}, "description"),
        ({"source": "fax"}, "source"),
        ({"lng": "east"}, "lng"),
    ],
)
def test_bad_create_is_a_clear_400_and_writes_nothing(
    world: World, cast: Cast, change: dict[str, Any], fragment: str
) -> None:
    response = client_for(cast.inspector).post(
        reverse("api-case-list"), create_body(world, **change), content_type="application/json"
    )
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert not Case.objects.exists()


def test_idempotency_key_answers_409_with_the_first_case(world: World, cast: Cast) -> None:
    client = client_for(cast.inspector)
    url = reverse("api-case-list")
    first = client.post(url, create_body(world), content_type="application/json",
                        headers={"Idempotency-Key": "k1"})  # fmt: skip
    second = client.post(url, create_body(world), content_type="application/json",
                         headers={"Idempotency-Key": "k1"})  # fmt: skip
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1


def test_citizen_and_outsider_cannot_report_through_staff_api(world: World, cast: Cast) -> None:
    for user in (cast.citizen, cast.outsider):
        response = client_for(user).post(
            reverse("api-case-list"), create_body(world), content_type="application/json"
        )
        assert response.status_code == 403


def test_handler_sees_only_own_units_cases(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    mine = client_for(cast.handler_a).get(reverse("api-case-list")).json()
    theirs = client_for(cast.handler_b).get(reverse("api-case-list")).json()
    assert [c["id"] for c in mine["results"]] == [case.pk]
    assert theirs["results"] == []
    detail = reverse("api-case-detail", args=[case.pk])
    assert client_for(cast.handler_b).get(detail).status_code == 404
    assert client_for(cast.outsider).get(detail).status_code == 404
    assert client_for(cast.citizen).get(detail).status_code == 404


def test_road_chief_sees_cases_on_their_road(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    response = client_for(cast.road_chief).get(reverse("api-case-detail", args=[case.pk]))
    assert response.status_code == 200


def test_reporter_contact_is_masked_except_for_dispatchers(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    url = reverse("api-case-detail", args=[case.pk])
    as_dispatcher = client_for(cast.dispatcher).get(url).json()
    as_handler = client_for(cast.handler_a).get(url).json()
    assert as_dispatcher["reporter_phone"] == "13812341234"
    assert as_handler["reporter_phone"] == "138****1234"
    assert as_handler["reporter_name"] == "王*明"


def test_actions_walk_the_case_and_refusals_are_409(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)

    def url(action: str) -> str:
        return reverse("api-case-action", args=[case.pk, action])

    handler = client_for(cast.handler_a)
    detail = handler.get(reverse("api-case-detail", args=[case.pk])).json()
    assert "accept" in detail["actions"]
    assert handler.post(url("accept")).status_code == 200
    refused = handler.post(url("accept"))
    assert refused.status_code == 409
    assert "不能执行" in refused.json()["error"]
    no_reason = handler.post(url("request_extension"), {"extension_hours": "2"})
    assert no_reason.status_code == 400
    assert handler.post(url("teleport")).status_code == 404
    other = client_for(cast.handler_b).post(url("report_back"))
    assert other.status_code == 404
    done = handler.post(url("report_back"), {"note": "已清理"})
    assert done.json()["status"] == Status.HANDLED
    assert [e["action"] for e in done.json()["events"]][-1] == "report_back"


def test_token_authentication(world: World, cast: Cast) -> None:
    token = Token.objects.create(user=cast.dispatcher)
    response = Client().get(
        reverse("api-case-list"), headers={"Authorization": f"Token {token.key}"}
    )
    assert response.status_code == 200
    assert Client().get(reverse("api-case-list")).status_code in (401, 403)


def test_token_of_an_inactive_user_or_an_unknown_token_is_refused(world: World, cast: Cast) -> None:
    token = Token.objects.create(user=cast.dispatcher)
    unknown = Client().get(reverse("api-case-list"), headers={"Authorization": "Token nope"})
    assert unknown.status_code == 401
    assert unknown.json()["error"]
    cast.dispatcher.is_active = False
    cast.dispatcher.save(update_fields=["is_active"])
    inactive = Client().get(
        reverse("api-case-list"), headers={"Authorization": f"Token {token.key}"}
    )
    assert inactive.status_code == 401


def test_token_create_reads_little_and_answers_the_full_case(
    world: World, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    """Token, roles, category, settings with the jurisdiction, time limits, the number,
    case and event rows, one read of the new case's places; nothing per field."""
    token = Token.objects.create(user=cast.inspector)
    client = Client(headers={"Authorization": f"Token {token.key}"})
    warm = client.post(
        reverse("api-case-list"), create_body(world), content_type="application/json"
    )
    assert (
        warm.status_code == 201
    )  # this process now holds the responsibility index and the calendar
    with django_assert_max_num_queries(12):
        response = client.post(
            reverse("api-case-list"),
            create_body(world),
            content_type="application/json",
            headers={"Idempotency-Key": "k-1"},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"]["id"] == world.exposed_garbage.pk
    assert body["township_name"] == "青年路街道"
    assert body["proposed_unit"]["code"] == "HW"
    assert body["reporter_name"] == str(cast.inspector)
    again = client.post(
        reverse("api-case-list"),
        create_body(world),
        content_type="application/json",
        headers={"Idempotency-Key": "k-1"},
    )
    assert again.status_code == 409
    assert again.json()["case_id"] == body["id"]


def test_case_list_query_count_is_flat(
    world: World, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        dispatched_case(world, cast)
    client = client_for(cast.dispatcher)
    # The dispatcher sees the reporters' contacts: the audit trail records it.
    with django_assert_max_num_queries(8 + RECORD_QUERIES):
        response = client.get(reverse("api-case-list"))
    assert response.json()["count"] == 15


def test_duplicates_are_proposed(world: World, cast: Cast) -> None:
    first = dispatched_case(world, cast)
    second = dispatched_case(world, cast)
    response = client_for(cast.dispatcher).get(reverse("api-case-duplicates", args=[second.pk]))
    assert [c["id"] for c in response.json()] == [first.pk]


def test_openapi_schema_is_served(world: World, cast: Cast) -> None:
    response = client_for(cast.dispatcher).get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/v1/cases/" in response.content


def test_the_written_out_case_representation_equals_drfs_generic_one(
    world: World, cast: Cast
) -> None:
    """`CaseSerializer.to_representation` is hand-written for speed; DRF's own walk over
    the declared fields is the reference, values, types and key order alike."""
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer

    from jingxi.cases.access import case_list_for
    from jingxi.cases.api import CaseSerializer

    first = dispatched_case(world, cast)
    second = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="同一处暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
    )
    case_transition(case_id=second.pk, action=Action.MERGE, actor=cast.dispatcher, merge_into=first)
    case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="热线来电",
        source=Source.HOTLINE,
        reporter_phone="13912345678",
    )
    cases = list(case_list_for(user=cast.dispatcher))
    assert len(cases) == 3
    assert any(c.unit_id for c in cases) and any(c.merged_into_id for c in cases)
    for roles in ({"dispatcher"}, {"inspector"}, set()):
        for case in cases:
            serializer = CaseSerializer(case, context={"roles": roles})
            fast = serializer.to_representation(case)
            generic = serializers.ModelSerializer.to_representation(serializer, case)
            assert list(fast) == list(generic)
            assert fast == dict(generic)
            assert JSONRenderer().render(fast) == JSONRenderer().render(generic)


def test_the_list_filters_by_several_statuses_without_distinct(world: World, cast: Cast) -> None:
    reported = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source=Source.INSPECTOR,
    )
    filed = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
    )
    dispatched = dispatched_case(world, cast)
    client = client_for(cast.dispatcher)
    url = reverse("api-case-list")
    with CaptureQueriesContext(connection) as queries:
        both = client.get(url, {"status": [Status.REPORTED, Status.FILED]}).json()
    assert {c["id"] for c in both["results"]} == {reported.pk, filed.pk}
    assert both["count"] == 2
    assert not [q for q in queries.captured_queries if "DISTINCT" in (q["sql"] or "")]
    one = client.get(url, {"status": Status.DISPATCHED}).json()
    assert [c["id"] for c in one["results"]] == [dispatched.pk]
