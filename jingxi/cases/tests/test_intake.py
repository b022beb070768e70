"""The report endpoint's direct path (`jingxi.cases.intake`) answers as the DRF view does.

Each request is sent twice: through the URL (where the direct path serves it, or steps
aside) and straight to DRF's view; the two answers must match in status, headers and
body, but for what differs between two cases (id, number, times). A request the direct
path does not serve must leave the database as it was.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.cases import api, intake
from jingxi.cases.api import CaseListCreate
from jingxi.cases.choices import Source, Status
from jingxi.cases.models import Case, CaseEvent, LoopSettings
from jingxi.cases.services import loop_settings_get
from jingxi.cases.tests.test_api import create_body
from jingxi.org.models import User

# Values that differ between two reports of the same body.
VARYING = {"id", "number", "reported_at", "stage_deadline", "filed_at"}


def body_for(world: World, **change: Any) -> dict[str, Any]:
    """test_api's create body with `change`; a value DROP removes the key."""
    body = create_body(world, **change)
    return {k: v for k, v in body.items() if v is not DROP}


DROP = object()


def headers_for(user: User, **extra: str) -> dict[str, Any]:
    token, _created = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}", **extra}


def drf_answer(body: bytes, content_type: str, headers: dict[str, Any]) -> HttpResponse:
    """The DRF view's own answer, past the direct path."""
    request = RequestFactory().post(
        reverse("api-case-list"), body, content_type=content_type, **headers
    )
    with translation.override("zh-hans"):
        response: HttpResponse = CaseListCreate.as_view()(request)
        response.render()  # type: ignore[attr-defined]
    return response


def url_answer(body: bytes, content_type: str, headers: dict[str, Any]) -> Any:
    return Client().post(reverse("api-case-list"), body, content_type=content_type, **headers)


def comparable(response: Any) -> tuple[int, dict[str, str], Any]:
    data = json.loads(response.content)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in VARYING}
    headers = {k: response.headers.get(k, "") for k in ("Content-Type", "Allow")}
    # The session middleware adds Cookie where DRF's session authentication looked.
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",")]
    headers["Vary"] = ", ".join(v for v in vary if v != "Cookie")
    return response.status_code, headers, data


def direct(body: bytes, content_type: str, headers: dict[str, Any]) -> HttpResponse | None:
    request = RequestFactory().post(
        reverse("api-case-list"), body, content_type=content_type, **headers
    )
    with translation.override("zh-hans"):
        return intake.report_direct(request, allow="GET, POST, HEAD, OPTIONS")


@pytest.fixture
def settings_row(world: World) -> LoopSettings:
    return loop_settings_get(jurisdiction=world.jurisdiction)


@pytest.mark.parametrize(
    ("role", "change"),
    [
        ("inspector", {}),
        ("inspector", {"file_directly": True, "urgency": "urgent", "crs": "wgs84"}),
        ("inspector", {"reporter_name": " 王小明 ", "reporter_phone": "13812341234"}),
        (
            "dispatcher",
            {"source": Source.HOTLINE, "reporter_name": "王小明", "reporter_phone": "13812341234"},
        ),
        ("road_chief", {"source": Source.ROAD_CHIEF, "address": "青年路 12 号", "lat": 34.71}),
        ("inspector", {"description": "  前后有空格  ", "unknown_key": [1, 2]}),
    ],
)
def test_a_report_in_the_common_shape_is_served_directly_and_answers_as_drf(
    world: World, cast: Cast, settings_row: LoopSettings, role: str, change: dict[str, Any]
) -> None:
    user = getattr(cast, role)
    body = json.dumps(body_for(world, **change)).encode()
    served = direct(body, "application/json", headers_for(user))
    assert served is not None, "the direct path stepped aside"
    assert served.status_code == 201
    reference = drf_answer(body, "application/json", headers_for(user))
    assert reference.status_code == 201
    assert comparable(served) == comparable(reference)
    # Same case rows and events, whichever path wrote them.
    first, second = Case.objects.order_by("pk")
    for name in ("status", "stage", "township_id", "road_id", "segment_id", "proposed_unit_id"):
        assert getattr(first, name) == getattr(second, name), name
    assert first.reporter_phone == second.reporter_phone
    assert [e.action for e in first.events.all()] == [e.action for e in second.events.all()]


def test_the_url_serves_the_direct_path_in_two_statements_on_postgresql(
    world: World, cast: Cast, settings_row: LoopSettings
) -> None:
    body = json.dumps(body_for(world)).encode()
    headers = headers_for(cast.inspector)
    url_answer(body, "application/json", headers)  # loads the map index into this process
    with CaptureQueriesContext(connection) as queries:
        response = url_answer(body, "application/json", headers)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["status"] == Status.REPORTED
    assert answer["township_name"] == "青年路街道"
    assert answer["proposed_unit"]["code"] == "HW"
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    if connection.vendor == "postgresql":
        assert len(queries) == 2, [q["sql"][:80] for q in queries]
    else:  # context; then counter, case, event and places in a transaction
        assert len(queries) <= 7, [q["sql"][:80] for q in queries]


def test_the_allow_header_is_the_one_drf_computes(
    world: World, cast: Cast, settings_row: LoopSettings
) -> None:
    body = json.dumps(body_for(world)).encode()
    response = url_answer(body, "application/json", headers_for(cast.inspector))
    reference = drf_answer(body, "application/json", headers_for(cast.inspector))
    assert response.headers["Allow"] == reference.headers["Allow"]


# Requests the direct path leaves to DRF: (change to the body, or a raw body) and why.
STEPPED_ASIDE = [
    ({"category": DROP}, "a missing category"),
    ({"category": True}, "a boolean category"),
    ({"category": 999_999}, "an unknown category"),
    ({"category": 2**63}, "a category past BIGINT (DRF's range check refuses it)"),
    ({"category": 10**30}, "a category far past BIGINT"),
    ({"category": 0}, "a category id below 1"),
    ({"lng": 181}, "a longitude out of range"),
    ({"lng": "east"}, "a longitude as words"),
    ({"lat": None}, "a null latitude"),
    ({"description": "   "}, "a blank description"),
    ({"description": "长" * 2001}, "an over-long description"),
    ({"description": "a\x00b"}, "a NUL character"),
    ({"description": "a\ud800b"}, "a lone surrogate"),
    ({"source": "fax"}, "an unknown source"),
    ({"source": DROP}, "a missing source"),
    ({"urgency": "whenever"}, "an unknown urgency"),
    ({"crs": "bd09"}, "an unknown coordinate system"),
    ({"condition": ""}, "a blank optional field (DRF refuses it)"),
    ({"reporter_phone": "1" * 33}, "an over-long phone"),
    ({"lng": 120.0, "lat": 30.0}, "a position outside the jurisdiction"),
    ({"source": Source.CITIZEN_WEB, "file_directly": True}, "a public report filed directly"),
]


@pytest.mark.parametrize(("change", "why"), STEPPED_ASIDE, ids=[w for _c, w in STEPPED_ASIDE])
def test_other_bodies_are_left_to_drf_which_answers_as_before(
    world: World, cast: Cast, settings_row: LoopSettings, change: dict[str, Any], why: str
) -> None:
    body = json.dumps(body_for(world, **change)).encode()
    headers = headers_for(cast.inspector)
    assert direct(body, "application/json", headers) is None, why
    assert not Case.objects.exists()
    response = url_answer(body, "application/json", headers)
    reference = drf_answer(body, "application/json", headers)
    assert comparable(response) == comparable(reference)
    if response.status_code != 201:
        assert not Case.objects.exists()


# Values DRF's fields convert: the direct path runs the same fields, so it serves them.
CONVERTED = [
    ({"category": "CATEGORY"}, "a category as text"),
    ({"file_directly": "true"}, "file_directly as text"),
    ({"address": 12}, "an address as a number"),
    ({"lng": "113.955", "lat": "34.7102"}, "a position as text"),
]


@pytest.mark.parametrize(("change", "why"), CONVERTED, ids=[w for _c, w in CONVERTED])
def test_values_drf_converts_are_converted_alike_on_the_direct_path(
    world: World, cast: Cast, settings_row: LoopSettings, change: dict[str, Any], why: str
) -> None:
    if change.get("category") == "CATEGORY":
        change = {"category": str(world.exposed_garbage.pk)}
    body = json.dumps(body_for(world, **change)).encode()
    served = direct(body, "application/json", headers_for(cast.inspector))
    assert served is not None and served.status_code == 201, why
    reference = drf_answer(body, "application/json", headers_for(cast.inspector))
    assert comparable(served) == comparable(reference), why


class _NarrowDescription(api.CaseCreateSerializer):
    description = serializers.CharField(max_length=5)


class _NarrowSources(api.CaseCreateSerializer):
    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["source"] = serializers.ChoiceField(choices=[Source.HOTLINE])
        return fields


@pytest.mark.parametrize(
    ("narrowed", "change"),
    [
        (_NarrowDescription, {"description": "青年路暴露垃圾一堆"}),
        (_NarrowSources, {"source": Source.INSPECTOR}),
    ],
    ids=["a shorter description", "fewer sources"],
)
def test_a_field_narrowed_in_the_serializer_is_refused_by_the_direct_path_too(
    world: World,
    cast: Cast,
    settings_row: LoopSettings,
    monkeypatch: pytest.MonkeyPatch,
    narrowed: type[api.CaseCreateSerializer],
    change: dict[str, Any],
) -> None:
    body = json.dumps(body_for(world, **change)).encode()
    headers = headers_for(cast.inspector)
    accepted = direct(body, "application/json", headers)
    assert accepted is not None and accepted.status_code == 201  # before the narrowing
    monkeypatch.setattr(api, "CaseCreateSerializer", narrowed)
    cases = Case.objects.count()
    assert direct(body, "application/json", headers) is None
    response = url_answer(body, "application/json", headers)
    assert response.status_code == 400
    assert comparable(response) == comparable(drf_answer(body, "application/json", headers))
    assert Case.objects.count() == cases


def test_the_direct_path_checks_with_the_create_serializers_own_fields() -> None:
    checker = intake._validator(api.CaseCreateSerializer)
    assert type(checker) is api.CaseCreateSerializer
    assert set(checker.fields) == set(api.CaseCreateSerializer().fields)


# --- generated requests: the same answer both ways ------------------------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
_ODD: st.SearchStrategy[Any] = st.sampled_from(
    [None, True, False, 0, -1, "", " ", [], {}, "wgs84", "urgent"]
)


def _field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: usually a valid one, sometimes absent or odd."""
    return st.one_of(valid, valid, valid, st.just(DROP), _ODD)


def _bodies(category_id: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "category": _field(st.sampled_from([category_id, str(category_id), 999_999, 2**63])),
            "lng": _field(
                st.one_of(st.floats(113.954, 113.956), st.floats(-200, 200), st.just("113.955"))
            ),
            "lat": _field(st.floats(34.7101, 34.7103)),
            "crs": _field(st.sampled_from(["wgs84", "gcj02", "bd09"])),
            "description": _field(st.one_of(_TEXT, st.just("长" * 2001), st.just("a\x00b"))),
            "urgency": _field(st.sampled_from(["normal", "urgent", "whenever"])),
            "condition": _field(st.sampled_from(["", "rain", "x" * 65])),
            "address": _field(st.one_of(_TEXT, st.integers(0, 99))),
            "reporter_name": _field(_TEXT),
            "reporter_phone": _field(st.sampled_from(["13812341234", "1" * 33])),
            "source": _field(st.sampled_from([*Source.values, "fax"])),
            "file_directly": _field(st.sampled_from([True, False, "true", "no", 1])),
        }
    ).map(lambda body: {k: v for k, v in body.items() if v is not DROP})


@pytest.mark.django_db
def test_generated_requests_get_the_same_answer_directly_and_through_drf(
    world: World, cast: Cast, settings_row: LoopSettings
) -> None:
    """The URL's answer (direct path, or DRF when it steps aside) equals DRF's own."""
    headers = headers_for(cast.inspector)

    @hypothesis.settings(
        max_examples=40,
        derandomize=True,
        suppress_health_check=[hypothesis.HealthCheck.too_slow],
    )
    @hypothesis.given(body=_bodies(world.exposed_garbage.pk))
    def same_answer(body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        response = url_answer(raw, "application/json", headers)
        reference = drf_answer(raw, "application/json", headers)
        assert comparable(response) == comparable(reference), body

    same_answer()


@pytest.mark.parametrize(
    ("body", "content_type", "extra", "why"),
    [
        (b"{not json", "application/json", {}, "malformed JSON"),
        (b'{"lng": NaN}', "application/json", {}, "NaN, which DRF's strict parser refuses"),
        (b"[1, 2]", "application/json", {}, "a list, not an object"),
        (b"category=1", "application/x-www-form-urlencoded", {}, "a form body"),
        (None, "application/json", {"HTTP_ACCEPT": "text/html"}, "an HTML answer asked for"),
        (None, "application/json", {"HTTP_ACCEPT": "application/xml"}, "an unknown format"),
        (None, "application/json; charset=latin-1", {}, "another charset"),
    ],
)
def test_other_requests_are_left_to_drf(
    world: World,
    cast: Cast,
    settings_row: LoopSettings,
    body: bytes | None,
    content_type: str,
    extra: dict[str, str],
    why: str,
) -> None:
    raw = body if body is not None else json.dumps(body_for(world)).encode()
    headers = headers_for(cast.inspector, **extra)
    assert direct(raw, content_type, headers) is None, why
    assert not Case.objects.exists()
    response = url_answer(raw, content_type, headers)
    reference = drf_answer(raw, content_type, headers)
    assert response.status_code == reference.status_code, why
    if response["Content-Type"] == "application/json":
        assert comparable(response) == comparable(reference), why


@pytest.mark.parametrize("who", ["bad token", "no token", "inactive", "citizen", "outsider"])
def test_who_may_not_report_is_left_to_drf(
    world: World, cast: Cast, settings_row: LoopSettings, who: str
) -> None:
    body = json.dumps(body_for(world)).encode()
    if who == "bad token":
        headers = {"HTTP_AUTHORIZATION": "Token nonsense"}
    elif who == "no token":
        headers = {}
    elif who == "inactive":
        headers = headers_for(cast.inspector)
        User.objects.filter(pk=cast.inspector.pk).update(is_active=False)
    else:
        headers = headers_for(getattr(cast, who))
    assert direct(body, "application/json", headers) is None
    response = url_answer(body, "application/json", headers)
    reference = drf_answer(body, "application/json", headers)
    assert response.status_code in (401, 403)
    assert comparable(response) == comparable(reference)
    assert response.headers.get("WWW-Authenticate") == reference.headers.get("WWW-Authenticate")
    assert not Case.objects.exists()


def test_a_repeated_idempotency_key_gets_drfs_409_and_writes_nothing_more(
    world: World, cast: Cast, settings_row: LoopSettings
) -> None:
    body = json.dumps(body_for(world)).encode()
    headers = headers_for(cast.inspector, HTTP_IDEMPOTENCY_KEY="phone-7-report-1")
    first = url_answer(body, "application/json", headers)
    assert first.status_code == 201
    events = CaseEvent.objects.count()
    assert direct(body, "application/json", headers) is None
    again = url_answer(body, "application/json", headers)
    assert again.status_code == 409
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == events


def test_a_jurisdictions_first_report_is_left_to_drf_which_makes_its_settings(
    world: World, cast: Cast
) -> None:
    assert not LoopSettings.objects.exists()
    body = json.dumps(body_for(world)).encode()
    assert direct(body, "application/json", headers_for(cast.inspector)) is None
    response = url_answer(body, "application/json", headers_for(cast.inspector))
    assert response.status_code == 201
    assert LoopSettings.objects.filter(jurisdiction=world.jurisdiction).exists()
    again = direct(body, "application/json", headers_for(cast.inspector))
    assert again is not None and again.status_code == 201


def test_the_schema_still_documents_the_create(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.dispatcher)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cases/"]["post"]
    assert "CaseCreate" in json.dumps(operation["requestBody"])
    assert "201" in operation["responses"]
