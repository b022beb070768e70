"""Fixtures for the Open311 tests: a client application with a key, and helpers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import Cast, World
from jingxi.open311.models import ApiClient
from jingxi.open311.services import api_client_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

    O311Response = _MonkeyPatchedWSGIResponse
else:
    O311Response = Any

BASE = "/open311/v2"


@dataclass
class App:
    client: ApiClient
    key: str


@pytest.fixture(autouse=True)
def _clear_rate_counts(rate_windows_pinned: None) -> Iterator[None]:
    """Fresh counters, all hits within one fixed window."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app(world: World) -> App:
    client, key = api_client_create(
        jurisdiction=world.jurisdiction,
        name="随手拍 App",
        rate_limit_per_minute=1000,
        ip_rate_limit_per_minute=1000,
    )
    return App(client, key)


@pytest.fixture
def single(cast: Cast) -> Cast:
    """The cast, with the outsider's district under an Open311 id of its own."""
    jurisdiction = cast.outsider.jurisdiction
    assert jurisdiction is not None
    jurisdiction.open311_id = ""
    jurisdiction.save()
    return cast


def get(path: str, **params: Any) -> O311Response:
    return Client().get(f"{BASE}/{path}", params)


def post(path: str, data: dict[str, Any], **extra: Any) -> O311Response:
    return Client().post(f"{BASE}/{path}", data, **extra)


def body(response: O311Response) -> Any:
    """JSON as Python; XML as the root element."""
    if response["Content-Type"].startswith("application/json"):
        return response.json()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def errors(response: O311Response) -> list[tuple[int, str]]:
    """(code, description) pairs of an error body, in either format."""
    parsed = body(response)
    if isinstance(parsed, list):
        return [(e["code"], e["description"]) for e in parsed]
    assert parsed.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in parsed]


def report(world: World, app: App, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "api_key": app.key,
        "service_code": "event-0102",
        "lat": "34.7102",
        "long": "113.955",
        "description": "青年路口有一堆垃圾",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13812341234",
        "email": "wang@example.com",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
