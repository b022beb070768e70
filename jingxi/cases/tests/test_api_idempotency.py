"""Idempotency keys belong to their caller (issue 9, defect 7).

A key used to be unique per jurisdiction, so another user's key answered 409 with that
user's case number. Now the stored key is a digest of the caller and the key: the same
caller repeating a key gets 409 and their first case, anyone else a case of their own,
on the DRF view and on the direct path alike; and a 409 never names a case the caller
cannot see.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.cases.services import (
    CaseInputError,
    case_report,
    idempotency_key_for,
    loop_settings_get,
)
from jingxi.cases.tests.test_api import client_for, create_body
from jingxi.cases.tests.test_api_edges import token_client
from jingxi.org.models import User


def post(client: Client, world: World, key: str, **change: Any) -> Any:
    return client.post(
        reverse("api-case-list"),
        json.dumps(create_body(world, **change)),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


@pytest.fixture(params=["session", "token"])
def client_of(request: pytest.FixtureRequest, world: World) -> Any:
    """A client for a user: logged in (the DRF view) or with a token (the direct path)."""
    loop_settings_get(jurisdiction=world.jurisdiction)  # the direct path needs them

    def make(user: User) -> Client:
        return client_for(user) if request.param == "session" else token_client(user)

    return make


def test_another_users_key_is_another_key(world: World, cast: Cast, client_of: Any) -> None:
    mine = post(client_of(cast.inspector), world, "report-1")
    theirs = post(client_of(cast.road_chief), world, "report-1", source=Source.ROAD_CHIEF)
    assert mine.status_code == 201 and theirs.status_code == 201, theirs.content
    assert mine.json()["number"] != theirs.json()["number"]
    assert Case.objects.count() == 2


def test_the_same_caller_repeating_a_key_gets_its_first_case(
    world: World, cast: Cast, client_of: Any
) -> None:
    client = client_of(cast.inspector)
    first = post(client, world, "report-1")
    again = post(client, world, "report-1")
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "duplicate"
    assert (body["case_id"], body["number"]) == (first.json()["id"], first.json()["number"])
    assert Case.objects.count() == 1


def test_a_key_the_server_made_for_another_door_is_not_reachable(
    world: World, cast: Cast, client_of: Any
) -> None:
    web = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="网页上报",
        source=Source.CITIZEN_WEB,
        idempotency_key="web-abc",
    )
    response = post(client_of(cast.inspector), world, "web-abc")
    assert response.status_code == 201
    assert response.json()["number"] != web.number


def test_a_409_never_names_a_case_the_caller_cannot_see(
    world: World, cast: Cast, client_of: Any
) -> None:
    hidden = case_report(  # stored under the road chief's key, yet on a road not theirs
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.9701,
        lat=34.705,
        description="别人的案卷",
        source=Source.CITIZEN_WEB,
        idempotency_key=idempotency_key_for(scope=f"user:{cast.road_chief.pk}", key="k"),
    )
    assert hidden.road_id != world.qingnian.pk
    response = post(client_of(cast.road_chief), world, "k", source=Source.ROAD_CHIEF)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate"
    assert "case_id" not in body and "number" not in body
    assert hidden.number not in json.dumps(body, ensure_ascii=False)


def test_stored_keys_fit_the_column_and_keep_their_limits() -> None:
    key = idempotency_key_for(scope="user:1", key="x" * 64)
    assert len(key) == 64 and key.startswith("k")
    assert key != idempotency_key_for(scope="user:2", key="x" * 64)
    assert idempotency_key_for(scope="user:1", key="  ") == ""
    with pytest.raises(CaseInputError):
        idempotency_key_for(scope="user:1", key="x" * 65)


def test_an_over_long_key_is_a_400(world: World, cast: Cast, client_of: Any) -> None:
    response = post(client_of(cast.inspector), world, "x" * 65)
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Case.objects.exists()
