"""Open311's edges: errors outside the views in its own format, numbers and dates at
the ends of their ranges (issue 9, defects 4 and 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import World
from jingxi.cases.models import Case
from jingxi.open311 import views
from jingxi.open311.models import Open311Request
from jingxi.open311.tests.conftest import BASE, App, errors, get, post, report

pytestmark = pytest.mark.usefixtures("single")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_body_over_the_limit_is_a_413_in_the_urls_format_and_stores_nothing(
    world: World, app: App, settings: Any, fmt: str
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    response = post(f"requests.{fmt}", report(world, app, description="长" * 2_000))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")
    assert errors(response)[0][0] == 413
    assert not Case.objects.exists() and not Open311Request.objects.exists()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unhandled_exception_is_a_500_error_document_without_details(
    world: World, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "services_list", broken)
    response = Client(raise_request_exception=False).get(f"{BASE}/services.{fmt}")
    assert response.status_code == 500
    [(code, description)] = errors(response)
    assert code == 500 and "secret" not in description


def test_an_unknown_url_answers_in_the_format_its_extension_asks_for(world: World) -> None:
    assert errors(get("nothing.json"))[0][0] == 400
    assert get("nothing.json")["Content-Type"].startswith("application/json")
    assert get("nothing")["Content-Type"].startswith("text/xml")


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "9999-12-01"},  # the 90-day window would end past year 9999
        {"end_date": "0001-02-01T00:00:00Z"},  # ... or begin before year 1
        {"start_date": "9999-12-01", "end_date": "9999-12-31"},
    ],
)
def test_windows_at_the_ends_of_the_calendar_are_empty_answers(
    world: World, params: dict[str, str]
) -> None:
    for fmt in ("xml", "json"):
        response = get(f"requests.{fmt}", **params)
        assert response.status_code == 200, response.content
        response = get(f"servicerequestupdates.{fmt}", **params)
        assert response.status_code == 200, response.content


def test_the_last_page_a_bigint_offset_can_reach_is_an_empty_answer(world: World) -> None:
    last = (2**63 - 1) // 1000
    assert get("requests.json", page=str(last)).json() == []
    assert get("requests.json", page=str(last + 1)).status_code == 400
    assert get("servicerequestupdates.json", page=str(last + 1)).status_code == 400
