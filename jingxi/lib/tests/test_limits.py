"""Limits checked before any view: no NUL in a URL (a 500 on PostgreSQL before)."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast, World


@pytest.mark.parametrize(
    "url",
    ["/cases/?q=a%00b", "/cases/notices/?q=a%00b", "/public/track/a%00b/", "/cases/?q=%00"],
)
def test_a_nul_in_a_pages_url_is_a_400(world: World, cast: Cast, url: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(cast.dispatcher)
    assert client.get(url).status_code == 400


def test_a_nul_in_a_doors_url_is_a_400_in_its_format(world: World, cast: Cast) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(cast.dispatcher)
    api = client.get("/api/v1/cases/?number=a%00b")
    assert api.status_code == 400 and api.json()["code"] == "bad_request"
    open311 = client.get("/open311/v2/requests.json?status=%00")
    assert open311.status_code == 400 and open311.json()[0]["code"] == 400


def test_an_encoded_percent_sign_is_no_nul(world: World, cast: Cast) -> None:
    client = Client()
    client.force_login(cast.dispatcher)
    assert client.get("/cases/?q=%2500").status_code == 200
