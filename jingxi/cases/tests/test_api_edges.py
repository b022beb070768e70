"""The REST API's edges: numbers past the database's ranges, errors in one JSON shape,
bounded pages. Each test would have caught a defect of issue 9 (4, 5 and 6); they run
on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.cases import api
from jingxi.cases.api_errors import CODES
from jingxi.cases.models import Case, CaseEvent, Notice, SupervisionOrder
from jingxi.cases.tests.test_api import client_for, create_body, dispatched_case
from jingxi.cases.tests.test_api_documents import dispatched
from jingxi.org.models import User

# Past BIGINT both ways, far past it, and just past INTEGER (fine for a BIGINT id).
HUGE = [2**63, -(2**63) - 1, 10**30]


def token_client(user: User) -> Client:
    token, _created = Token.objects.get_or_create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}"})


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is `status` in the API's one error shape (and `code`, if given)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert body["code"] in CODES
    if code is not None:
        assert body["code"] == code
    return body


# --- numbers in range -----------------------------------------------------------------


@pytest.mark.parametrize("value", HUGE)
def test_a_create_with_a_category_past_the_databases_range_is_a_400(
    world: World, cast: Cast, value: int
) -> None:
    for client in (client_for(cast.inspector), token_client(cast.inspector)):
        response = client.post(
            reverse("api-case-list"),
            create_body(world, category=value),
            content_type="application/json",
        )
        body = assert_error(response, 400, "invalid")
        assert "category" in body["fields"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["unit", "merge_into"])
def test_an_action_with_an_id_past_the_range_is_a_400_and_moves_nothing(
    world: World, cast: Cast, field: str, value: int
) -> None:
    case = dispatched_case(world, cast)
    url = reverse("api-case-action", args=[case.pk, "dispatch" if field == "unit" else "merge"])
    response = client_for(cast.dispatcher).post(
        url, {field: value}, content_type="application/json"
    )
    body = assert_error(response, 400, "invalid")
    assert field in body["fields"]
    assert Case.objects.get(pk=case.pk).status == case.status


@pytest.mark.parametrize("value", HUGE)
def test_documents_with_ids_past_the_range_are_400s_and_issue_nothing(
    world: World, cast: Cast, value: int
) -> None:
    case = dispatched(world, cast)
    deadline = (timezone.now() + dt.timedelta(days=1)).isoformat()
    dispatcher = client_for(cast.dispatcher)
    notice = {"unit": world.sanitation.pk, "cases": [case.pk, value], "content": "整改"}
    for body, field in (
        ({**notice, "deadline": deadline}, "cases"),
        ({**notice, "unit": value, "deadline": deadline}, "unit"),
    ):
        response = dispatcher.post(
            reverse("api-notice-list"), body, content_type="application/json"
        )
        assert field in assert_error(response, 400, "invalid")["fields"]
    response = client_for(cast.leader).post(
        reverse("api-supervision-list"),
        {"case": value, "deadline": deadline},
        content_type="application/json",
    )
    assert "case" in assert_error(response, 400, "invalid")["fields"]
    upload = client_for(cast.inspector).post(
        reverse("api-case-attachments", args=[case.pk]), {"event": str(value)}
    )
    assert "event" in assert_error(upload, 400, "invalid")["fields"]
    assert not Notice.objects.exists() and not SupervisionOrder.objects.exists()


def test_a_notice_lists_at_most_a_page_of_cases(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    body = {
        "unit": world.sanitation.pk,
        "cases": [case.pk] * 201,
        "content": "整改",
        "deadline": (timezone.now() + dt.timedelta(days=1)).isoformat(),
    }
    response = client_for(cast.dispatcher).post(
        reverse("api-notice-list"), body, content_type="application/json"
    )
    assert "cases" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("name", ["category", "unit", "township", "road"])
def test_list_filters_past_the_range_are_400s(
    world: World, cast: Cast, name: str, value: int
) -> None:
    dispatched_case(world, cast)
    response = client_for(cast.dispatcher).get(reverse("api-case-list"), {name: value})
    assert name in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("value", ["-1", "0", str(2**63), str(10**30), "9" * 19])
def test_path_ids_that_cannot_exist_are_404s_in_json(world: World, cast: Cast, value: str) -> None:
    dispatcher = client_for(cast.dispatcher)
    for path in (
        f"/api/v1/cases/{value}/",
        f"/api/v1/cases/{value}/actions/file/",
        f"/api/v1/notices/{value}/",
        f"/api/v1/supervision-orders/{value}/sign/",
    ):
        method = dispatcher.post if path.endswith(("file/", "sign/")) else dispatcher.get
        assert_error(method(path), 404, "not_found")


# --- bounded pages ----------------------------------------------------------------------


def test_pages_hold_fifty_by_default_and_two_hundred_at_most(world: World, cast: Cast) -> None:
    dispatched_case(world, cast)
    dispatcher = client_for(cast.dispatcher)
    url = reverse("api-case-list")
    first = dispatcher.get(url).json()
    assert first["count"] == 1 and len(first["results"]) == 1
    assert dispatcher.get(url, {"limit": 200}).status_code == 200
    for limit in ("100000", "201", "0", "-1", str(2**63), "ten"):
        body = assert_error(dispatcher.get(url, {"limit": limit}), 400, "invalid")
        assert "200" in body["fields"]["limit"][0]
    for offset in ("-1", str(2**63), "x"):
        assert "offset" in assert_error(dispatcher.get(url, {"offset": offset}), 400)["fields"]
    assert dispatcher.get(url, {"offset": str(2**63 - 1)}).json()["results"] == []


def test_a_page_is_cut_at_its_limit_and_links_the_next(world: World, cast: Cast) -> None:
    for _ in range(3):
        dispatched_case(world, cast)
    page = client_for(cast.dispatcher).get(reverse("api-case-list"), {"limit": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert "offset=2" in page["next"]


@pytest.mark.parametrize("name", ["api-notice-list", "api-supervision-list"])
def test_document_lists_are_pages_too(world: World, cast: Cast, name: str) -> None:
    response = client_for(cast.dispatcher).get(reverse(name), {"limit": 100000})
    assert_error(response, 400, "invalid")
    page = client_for(cast.dispatcher).get(reverse(name)).json()
    assert page == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_notice_search_is_at_most_64_characters(world: World, cast: Cast) -> None:
    url = reverse("api-notice-list")
    dispatcher = client_for(cast.dispatcher)
    assert dispatcher.get(url, {"q": "x" * 64}).status_code == 200
    assert "q" in assert_error(dispatcher.get(url, {"q": "x" * 65}), 400)["fields"]
    assert_error(dispatcher.get(url, {"q": "a\x00b"}), 400)  # a NUL in a URL: lib.limits


def test_a_filter_value_that_is_not_a_boolean_is_a_400(world: World, cast: Cast) -> None:
    url = reverse("api-case-list")
    dispatcher = client_for(cast.dispatcher)
    assert dispatcher.get(url, {"is_overdue": "true"}).status_code == 200
    assert dispatcher.get(url, {"is_overdue": ""}).status_code == 200
    assert "is_overdue" in assert_error(dispatcher.get(url, {"is_overdue": "-5"}), 400)["fields"]


# --- errors in the door's format ----------------------------------------------------------


def test_unknown_routes_under_the_api_are_json_404s(world: World, cast: Cast) -> None:
    for path in ("/api/v1/nothing/", "/api/v2/cases/", "/api/v1/cases/1/teleport/"):
        assert_error(client_for(cast.dispatcher).get(path), 404, "not_found")
        assert_error(Client().get(path), 404, "not_found")


def test_a_method_a_route_does_not_have_is_a_json_405_with_allow(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    response = client_for(cast.dispatcher).delete(reverse("api-case-detail", args=[case.pk]))
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.parametrize("client_kind", ["session", "token"])
def test_malformed_json_and_other_media_types_are_json_errors(
    world: World, cast: Cast, client_kind: str
) -> None:
    client = (
        client_for(cast.inspector) if client_kind == "session" else token_client(cast.inspector)
    )
    url = reverse("api-case-list")
    assert_error(
        client.post(url, b"{not json", content_type="application/json"), 400, "parse_error"
    )
    assert_error(client.post(url, b"<a/>", content_type="application/xml"), 415)
    assert_error(client.get(url, headers={"Accept": "text/csv"}), 406, "not_acceptable")
    assert not Case.objects.exists()


def test_missing_or_bad_credentials_are_json_401s(world: World) -> None:
    url = reverse("api-case-list")
    assert_error(Client().get(url), 401, "not_authenticated")
    bad = Client(headers={"Authorization": "Token nonsense"}).get(url)
    assert_error(bad, 401, "authentication_failed")
    assert bad["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("client_kind", ["session", "token"])
def test_a_body_over_the_limit_is_a_json_413_and_stores_nothing(
    world: World, cast: Cast, settings: Any, client_kind: str
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    client = (
        client_for(cast.inspector) if client_kind == "session" else token_client(cast.inspector)
    )
    body = create_body(world, description="长" * 1_000)
    response = client.post(reverse("api-case-list"), body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    case = dispatched_case(world, cast)
    events = CaseEvent.objects.count()
    note = client_for(cast.handler_a).post(
        reverse("api-case-action", args=[case.pk, "accept"]), {"note": "长" * 2_000}
    )  # multipart: Django's own limit on its fields
    assert_error(note, 413, "payload_too_large")
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == events


def test_an_unhandled_exception_is_a_json_500_without_details(
    world: World, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "case_get_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(cast.dispatcher)
    response = client.get(reverse("api-case-detail", args=[1]))
    body = assert_error(response, 500, "server_error")
    assert "secret" not in json.dumps(body)


def test_the_rest_of_the_site_keeps_its_html_errors(world: World, cast: Cast) -> None:
    response = client_for(cast.dispatcher).get("/cases/999999999/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
