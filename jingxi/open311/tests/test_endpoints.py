"""GeoReport v2 conformance: every endpoint in XML and JSON, and every error case."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import Cast, World
from jingxi.cases.choices import Action, Record, Source, Status
from jingxi.cases.documents import notice_issue
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.catalog.choices import TimeUnit, Urgency
from jingxi.catalog.models import TimeLimit
from jingxi.open311.choices import Datatype
from jingxi.open311.models import ApiClient, Open311Request, ServiceAttribute
from jingxi.open311.services import api_client_create, api_client_revoke
from jingxi.open311.tests.conftest import App, O311Response, body, errors, get, post, report

FORMATS = ["xml", "json"]
pytestmark = pytest.mark.usefixtures("single")


def records(response: O311Response) -> list[dict[str, Any]]:
    """The items of a list document as dicts of strings (XML) or values (JSON)."""
    parsed = body(response)
    if isinstance(parsed, list):
        return parsed
    out = []
    for item in parsed:
        record: dict[str, Any] = {}
        for child in item:
            record[child.tag] = list(child) if len(child) else (child.text or "")
        out.append(record)
    return out


def citizen_case(world: World, **kwargs: Any) -> Case:
    fields: dict[str, Any] = {
        "jurisdiction": world.jurisdiction,
        "category": world.exposed_garbage,
        "lng": 113.95512,
        "lat": 34.71023,
        "description": "垃圾堆在路边",
        "source": Source.CITIZEN_WEB,
        "reporter_name": "王小明",
        "reporter_phone": "13812341234",
    }
    fields.update(kwargs)
    return case_report(**fields)


def options(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "name": name} for key, name in pairs]


def six_attributes(world: World) -> None:
    """Urgency and condition from time limits, and one extra attribute of each datatype."""
    garbage = world.exposed_garbage
    TimeLimit.objects.create(
        category=garbage, urgency=Urgency.URGENT, amount=2, unit=TimeUnit.WORKING_HOURS
    )
    TimeLimit.objects.create(
        category=garbage, condition="清运", amount=Decimal("1.5"), unit=TimeUnit.WORKING_HOURS
    )
    rows = [
        ("pile", Datatype.STRING, False, []),
        ("volume", Datatype.NUMBER, True, []),
        ("seen_at", Datatype.DATETIME, False, []),
        ("details", Datatype.TEXT, False, []),
        ("kind", Datatype.SINGLEVALUELIST, False, options(("bag", "袋装"), ("loose", "散装"))),
        ("smell", Datatype.MULTIVALUELIST, False, options(("sour", "酸"), ("rot", "腐"))),
    ]  # fmt: skip
    for order, (code, datatype, required, values) in enumerate(rows, start=1):
        attribute = ServiceAttribute(
            category=garbage,
            code=code,
            datatype=datatype,
            required=required,
            description=f"{code} 说明",
            order=order,
            values=values,
        )
        attribute.full_clean()
        attribute.save()


# --- discovery and services -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_v2_endpoint_and_both_formats(world: World, fmt: str) -> None:
    response = get(f"discovery.{fmt}")
    assert response.status_code == 200
    parsed = body(response)
    if fmt == "json":
        endpoint = parsed["endpoints"][0]
        assert set(parsed) == {"changeset", "contact", "key_service", "endpoints"}
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["changeset"].endswith("+08:00")
    else:
        assert parsed.tag == "discovery"
        assert [f.text for f in parsed.iter("format")] == ["text/xml", "application/json"]
        assert parsed.findtext("endpoints/endpoint/type") == "production"


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_minor_categories(world: World, fmt: str) -> None:
    world.manhole_cover.is_active = False
    world.manhole_cover.save()
    six_attributes(world)
    services = {s["service_code"]: s for s in records(get(f"services.{fmt}"))}
    assert set(services) == {"event-0102", "event-0503"}
    garbage = services["event-0102"]
    assert garbage["service_name"] == "暴露垃圾"
    assert garbage["group"] == "市容环境"
    assert garbage["type"] == "realtime"
    assert garbage["metadata"] in (True, "true")
    assert services["event-0503"]["metadata"] in (False, "false")


def test_service_definition_offers_all_six_datatypes_in_json(world: World) -> None:
    six_attributes(world)
    response = get("services/event-0102.json")
    assert response.status_code == 200
    definition = response.json()
    assert definition["service_code"] == "event-0102"
    attributes = definition["attributes"]
    assert [a["code"] for a in attributes] == [
        "urgency", "condition", "pile", "volume", "seen_at", "details", "kind", "smell",
    ]  # fmt: skip
    assert [a["order"] for a in attributes] == list(range(1, 9))
    assert {a["datatype"] for a in attributes} == set(Datatype.values)
    urgency = attributes[0]
    assert [v["key"] for v in urgency["values"]] == ["normal", "urgent"]
    assert attributes[1]["values"] == [{"key": "清运", "name": "清运"}]
    assert attributes[3]["required"] is True and attributes[3]["variable"] is True
    assert "values" not in attributes[2]


def test_service_definition_in_xml(world: World) -> None:
    six_attributes(world)
    root = body(get("services/event-0102.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "event-0102"
    kinds = root.findall("attributes/attribute")
    assert len(kinds) == 8
    smell = kinds[-1]
    assert smell.findtext("datatype") == "multivaluelist"
    assert [v.findtext("key") for v in smell.findall("values/value")] == ["sour", "rot"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["event-9999", "event-01", "fax-0102", "component-0102"])
def test_unknown_service_definition_is_404(world: World, fmt: str, code: str) -> None:
    response = get(f"services/{code}.{fmt}")
    assert response.status_code == 404
    assert errors(response)[0][0] == 404
    assert code in errors(response)[0][1]


# --- POST requests --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_an_open311_case_with_private_contact(
    world: World, app: App, fmt: str
) -> None:
    response = post(f"requests.{fmt}", report(world, app, account_id="acc-9", device_id="dev-1"))
    assert response.status_code == 200, response.content
    created = records(response)
    assert len(created) == 1
    case = Case.objects.get()
    assert created[0]["service_request_id"] == case.number
    assert created[0]["service_notice"] == "处置时限：4 工作时"
    assert created[0]["account_id"] == "acc-9"
    assert "token" not in created[0]  # realtime: the id, not a token
    assert case.source == Source.OPEN311
    assert case.status == Status.REPORTED
    assert (case.reporter_name, case.reporter_phone) == ("王小明", "13812341234")
    extra = Open311Request.objects.get(case=case)
    assert (extra.client, extra.email, extra.device_id) == (app.client, "wang@example.com", "dev-1")
    assert extra.remote_addr == "127.0.0.1"


def test_post_without_description_uses_the_service_name(world: World, app: App) -> None:
    response = post("requests.json", report(world, app, description=None))
    assert response.status_code == 200
    assert Case.objects.get().description == "暴露垃圾"


def test_post_with_address_string_geocodes_the_location(world: World, app: App) -> None:
    data = report(world, app, lat=None, long=None, address_string="青年路150号")
    response = post("requests.json", data)
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.road == world.qingnian
    assert case.address == "青年路150号"


def test_post_with_attributes_of_every_datatype_stores_them(world: World, app: App) -> None:
    six_attributes(world)
    data = report(world, app)
    data.update(
        {
            "attribute[urgency]": "urgent",
            "attribute[condition]": "清运",
            "attribute[pile]": "路口东侧",
            "attribute[volume]": "2.5",
            "attribute[seen_at]": "2026-11-24T18:00:00+08:00",
            "attribute[details]": "第一行\n第二行",
            "attribute[kind]": "loose",
            "attribute[smell][]": ["sour", "rot"],
        }
    )
    response = post("requests.xml", data)
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert (case.urgency, case.condition) == ("urgent", "清运")
    assert Open311Request.objects.get().attributes == {
        "pile": "路口东侧",
        "volume": 2.5,
        "seen_at": "2026-11-24T18:00:00+08:00",
        "details": "第一行\n第二行",
        "kind": "loose",
        "smell": ["sour", "rot"],
    }
    assert records(response)[0]["service_notice"] == "处置时限：1.5 工作时"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        ({"api_key": None}, 403, "api_key was not provided"),
        ({"api_key": "jx_not-a-real-key-at-all"}, 403, "Invalid api_key"),
        ({"service_code": None}, 400, "service_code was not provided"),
        ({"service_code": "event-9999"}, 404, "service_code"),
        ({"lat": None, "long": None}, 400, "location is required"),
        ({"long": None}, 400, "lat and long must both"),
        ({"lat": "north"}, 400, "decimal numbers"),
        ({"lat": "95", "long": "113.95"}, 400, "within -90..90"),
        ({"lat": "30.0", "long": "120.0"}, 400, "outside the jurisdiction"),
        ({"lat": None, "long": None, "address_string": "火星路1号"}, 400, "was not found"),
        ({"lat": None, "long": None, "address_id": "545483"}, 400, "address_id"),
        ({"description": "很" * 2001}, 400, "description may have at most 2000"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"phone": "call me maybe"}, 400, "phone"),
        ({"phone": "1" * 33}, 400, "phone may have at most 32"),
        ({"media_url": "ftp://x/y.jpg"}, 400, "media_url"),
        ({"device_id": "d" * 129}, 400, "device_id"),
        ({"attribute[colour]": "red"}, 400, "Unknown attribute"),
        ({"jurisdiction_id": "nowhere.example"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_post_is_refused_clearly_and_stores_nothing(
    world: World,
    app: App,
    fmt: str,
    change: dict[str, Any],
    status: int,
    fragment: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="jingxi.open311"):
        response = post(f"requests.{fmt}", report(world, app, **change))
    assert response.status_code == status, response.content
    [(code, description)] = errors(response)
    assert code == status
    assert fragment in description
    assert not Case.objects.exists()
    assert not Open311Request.objects.exists()
    assert any("open311 rejected POST" in r.getMessage() for r in caplog.records)


def test_revoked_and_foreign_keys_are_403(world: World, cast: Cast, app: App) -> None:
    outsider = cast.outsider.jurisdiction
    assert outsider is not None
    _other, foreign_key = api_client_create(jurisdiction=outsider, name="外区 App")
    response = post("requests.json", report(world, app, api_key=foreign_key))
    assert response.status_code == 403
    api_client_revoke(client=app.client)
    response = post("requests.json", report(world, app))
    assert response.status_code == 403
    assert errors(response) == [
        (403, "Invalid api_key received -- can't proceed with create_request")
    ]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("attributes", "fragment"),
    [
        ({"attribute[volume]": "lots"}, "attribute[volume] must be a number"),
        ({"attribute[volume]": "nan"}, "must be a number"),
        ({"attribute[volume]": ["1", "2"]}, "takes one value"),
        ({"attribute[seen_at]": "last night"}, "ISO 8601"),
        ({"attribute[seen_at]": "2026-11-24T18:00:00"}, "ISO 8601"),
        ({"attribute[pile]": "line\nbreak"}, "line breaks"),
        ({"attribute[pile]": "长" * 1001}, "at most 1000"),
        ({"attribute[details]": "长" * 4001}, "at most 4000"),
        ({"attribute[kind]": "crate"}, "is not one of"),
        ({"attribute[smell][]": ["sour", "sweet"]}, "sweet is not one of"),
        ({"attribute[urgency]": "critical"}, "is not one of"),
        ({"attribute[condition]": "拆除"}, "is not one of"),
    ],
)
def test_bad_attribute_values_are_400_for_each_datatype(
    world: World, app: App, attributes: dict[str, Any], fragment: str
) -> None:
    six_attributes(world)
    data = report(world, app)
    data["attribute[volume]"] = "1"
    data.update(attributes)
    response = post("requests.json", data)
    assert response.status_code == 400, response.content
    assert fragment in errors(response)[0][1]
    assert not Case.objects.exists()


def test_a_required_attribute_must_be_sent(world: World, app: App) -> None:
    six_attributes(world)
    response = post("requests.xml", report(world, app))
    assert response.status_code == 400
    assert errors(response) == [(400, "attribute[volume] is required for this service_code")]


# --- GET requests ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request_in_both_formats(world: World, cast: Cast, fmt: str) -> None:
    case = citizen_case(world)
    case = case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    case = case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    response = get(f"requests/{case.number}.{fmt}")
    assert response.status_code == 200
    [request] = records(response)
    assert request["service_request_id"] == case.number
    assert request["status"] == "open"
    assert request["status_notes"] == "已派遣待签收"
    assert request["service_code"] == "event-0102"
    assert request["agency_responsible"] == "县环卫中心"
    assert case.deadline is not None
    expected = timezone.localtime(case.deadline).isoformat(timespec="seconds")
    assert request["expected_datetime"] == expected
    assert request["requested_datetime"].endswith("+08:00")
    assert str(request["lat"]) == "34.71" and str(request["long"]) == "113.955"  # rounded
    assert request["zipcode"] in (None, "")
    assert "media_url" not in request


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_is_404(world: World, fmt: str) -> None:
    response = get(f"requests/202601010001.{fmt}")
    assert response.status_code == 404
    assert errors(response)[0][0] == 404


def test_ended_cases_are_closed_with_the_closing_time(world: World, cast: Cast) -> None:
    case = citizen_case(world)
    case_transition(case_id=case.pk, action=Action.REJECT, actor=cast.dispatcher, note="重复")
    [request] = get("requests.json", status="closed").json()
    assert request["status"] == "closed"
    assert request["status_notes"] == "不予立案"
    assert get("requests.json", status="open").json() == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters_select_by_code_status_and_dates(world: World, fmt: str) -> None:
    now = timezone.now()
    garbage = citizen_case(world, now=now - dt.timedelta(days=10))
    parking = citizen_case(world, category=world.illegal_parking, now=now - dt.timedelta(days=2))
    citizen_case(world, now=now - dt.timedelta(days=120))  # outside the default 90 days

    def numbers(**params: Any) -> list[str]:
        response = get(f"requests.{fmt}", **params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in records(response)]

    assert numbers() == [parking.number, garbage.number]
    assert numbers(service_code="event-0102") == [garbage.number]
    assert numbers(service_code="event-0102,event-0503") == [parking.number, garbage.number]
    assert numbers(status="open") == [parking.number, garbage.number]
    assert numbers(status="closed") == []
    start = (now - dt.timedelta(days=5)).isoformat()
    assert numbers(start_date=start) == [parking.number]
    assert numbers(end_date=start) == [garbage.number]
    assert numbers(service_code="", status="") == [parking.number, garbage.number]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start_date": "yesterday"}, "start_date must be a W3C datetime"),
        ({"end_date": "2026-01-01T00:00:00"}, "end_date must be a W3C datetime"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
            "may not span more than 90 days",
        ),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before"),
        ({"status": "pending"}, "status must be open or closed"),
        ({"service_code": "event-9999"}, "Unknown service_code"),
        ({"page": "0"}, "page must be"),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000"),
        ({"page_size": "ten"}, "whole number"),
        ({"page": str(2**63)}, "page must be a whole number from 1 to"),
        ({"page": str(10**30), "page_size": "1"}, "page must be"),
        ({"page": str(-(2**63) - 1)}, "page must be"),
        ({"page_size": str(2**63)}, "page_size must be"),
        ({"start_date": "9999-12-31T23:00:00-10:00"}, "start_date must be"),
        ({"end_date": "0001-01-01"}, "end_date must be"),
    ],
)
def test_bad_filters_are_400(world: World, fmt: str, params: dict[str, str], fragment: str) -> None:
    response = get(f"requests.{fmt}", **params)
    assert response.status_code == 400
    assert fragment in errors(response)[0][1]


def test_a_90_day_window_is_accepted(world: World) -> None:
    response = get(
        "requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z"
    )
    assert response.status_code == 200


def test_service_request_ids_override_every_other_argument(world: World) -> None:
    now = timezone.now()
    old = citizen_case(world, now=now - dt.timedelta(days=400))
    recent = citizen_case(world)
    citizen_case(world)
    response = get(
        "requests.xml",
        service_request_id=f"{old.number},{recent.number},202001019999",
        status="closed",
        service_code="event-0503",
        start_date="2020-01-01T00:00:00Z",
        end_date="2020-02-01T00:00:00Z",
        page_size="bogus",
    )
    assert response.status_code == 200, response.content
    assert {r["service_request_id"] for r in records(response)} == {old.number, recent.number}


def _many_cases(world: World, n: int) -> None:
    """n cases written straight to the table: this test is about the table's size."""
    template = citizen_case(world)
    now = timezone.now()
    rows = []
    for i in range(n):
        row = Case.objects.get(pk=template.pk)
        row.pk = None
        row.number = f"2026{i:08d}"
        row.reported_at = now - dt.timedelta(seconds=i + 1)
        rows.append(row)
    Case.objects.bulk_create(rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_at_most_1000_requests_by_default_and_pages_beyond(world: World, fmt: str) -> None:
    _many_cases(world, 1004)
    with CaptureQueriesContext(connection) as queries:
        response = get(f"requests.{fmt}")
    assert len(records(response)) == 1000
    assert len(queries) <= 4  # jurisdictions, rows, time limits (and nothing per row)
    last = records(get(f"requests.{fmt}", page="2"))
    assert len(last) == 5
    page = records(get(f"requests.{fmt}", page="3", page_size="2"))
    assert [r["service_request_id"] for r in page] == ["202600000003", "202600000004"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_true_adds_the_status_history_as_notes(
    world: World, cast: Cast, fmt: str
) -> None:
    case = citizen_case(world)
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    case_transition(
        case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, note="王小明催办"
    )
    assert "notes" not in records(get(f"requests.{fmt}"))[0]
    [request] = records(get(f"requests.{fmt}", extensions="true"))
    notes = request["notes"]
    if fmt == "xml":
        notes = [{n.tag: n.text for n in note} for note in notes]
    assert [n["type"] for n in notes] == ["report", "file", "dispatch"]
    assert [n["description"] for n in notes] == ["上报", "立案", "派遣"]
    assert all(n["datetime"].endswith("+08:00") for n in notes)


# --- tokens and updates ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_gives_the_service_request_id(world: World, app: App, fmt: str) -> None:
    post("requests.json", report(world, app))
    extra = Open311Request.objects.select_related("case").get()
    [found] = records(get(f"tokens/{extra.token}.{fmt}"))
    assert found == {"service_request_id": extra.case.number, "token": extra.token}
    response = get(f"tokens/nonesuch.{fmt}")
    assert response.status_code == 404
    assert "token" in errors(response)[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_updates_list_status_changes_in_order(
    world: World, cast: Cast, fmt: str
) -> None:
    case = citizen_case(world)
    case_transition(case_id=case.pk, action=Action.SELF_HANDLE, actor=cast.inspector)
    updates = records(get(f"servicerequestupdates.{fmt}"))
    assert [(u["service_request_id"], u["status"], u["description"]) for u in updates] == [
        (case.number, "open", "上报"),
        (case.number, "closed", "自处理结案"),
    ]
    assert all(u["updated_datetime"].endswith("+08:00") for u in updates)
    since = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert records(get(f"servicerequestupdates.{fmt}", start_date=since)) == []
    assert get(f"servicerequestupdates.{fmt}", end_date="never").status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_notices_on_a_case_stay_out_of_updates_and_notes(
    world: World, cast: Cast, fmt: str
) -> None:
    case = citizen_case(world)
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    case = case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    assert case.unit is not None
    notice_issue(
        jurisdiction=world.jurisdiction,
        unit=case.unit,
        cases=[case],
        content="限期清理",
        deadline=timezone.now() + dt.timedelta(days=2),
        actor=cast.dispatcher,
    )
    assert case.events.filter(action=Record.NOTICE_ISSUED).exists()
    updates = records(get(f"servicerequestupdates.{fmt}"))
    assert [u["description"] for u in updates] == ["上报", "立案", "派遣"]
    [request] = records(get(f"requests.{fmt}", extensions="true"))
    notes = request["notes"]
    if fmt == "xml":
        notes = [{n.tag: n.text for n in note} for note in notes]
    assert [n["type"] for n in notes] == ["report", "file", "dispatch"]


# --- privacy --------------------------------------------------------------------------


def test_no_personal_data_in_any_get(world: World, cast: Cast, app: App) -> None:
    data = report(world, app, description="王小明说：垃圾很多，电话13812341234，另 13900001111")
    post("requests.json", data)
    citizen_case(world, description="我是王小明，回电 13812341234")
    case = Case.objects.first()
    assert case is not None
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    extra = Open311Request.objects.get()
    bodies = []
    for fmt in FORMATS:
        for path, params in [
            (f"requests.{fmt}", {}),
            (f"requests.{fmt}", {"extensions": "true"}),
            (f"requests/{case.number}.{fmt}", {"extensions": "true"}),
            (f"servicerequestupdates.{fmt}", {}),
            (f"tokens/{extra.token}.{fmt}", {}),
        ]:
            response = get(path, **params)
            assert response.status_code == 200
            bodies.append(response.content.decode())
    for text in bodies:
        for secret in ("王小明", "13812341234", "13900001111", "wang@example.com", "派遣员小李"):
            assert secret not in text
    assert "王*明" in bodies[0] and "138****1234" in bodies[0]


# --- rate limits, jurisdictions, methods ----------------------------------------------


def test_a_client_over_its_rate_gets_429_and_nothing_stored(world: World) -> None:
    client, key = api_client_create(
        jurisdiction=world.jurisdiction, name="小 App", rate_limit_per_minute=2
    )
    app = App(client, key)
    assert post("requests.json", report(world, app)).status_code == 200
    assert post("requests.json", report(world, app)).status_code == 200
    response = post("requests.xml", report(world, app))
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60
    [(code, description)] = errors(response)
    assert code == 429 and "rate limit" in description
    assert Case.objects.count() == 2


def test_one_address_flooding_through_a_shared_key_gets_429(world: World) -> None:
    client, key = api_client_create(
        jurisdiction=world.jurisdiction, name="App", ip_rate_limit_per_minute=1
    )
    app = App(client, key)
    assert post("requests.json", report(world, app)).status_code == 200
    flooded = post("requests.json", report(world, app))
    assert flooded.status_code == 429
    other = post("requests.json", report(world, app), REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 200


def test_behind_a_proxy_each_forwarded_address_has_its_own_limit(
    world: World, settings: Any
) -> None:
    settings.JINGXI_PROXY_COUNT = 1
    client, key = api_client_create(
        jurisdiction=world.jurisdiction, name="App", ip_rate_limit_per_minute=1
    )
    app = App(client, key)
    first = post("requests.json", report(world, app), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert first.status_code == 200
    again = post("requests.json", report(world, app), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert again.status_code == 429
    other = post("requests.json", report(world, app), HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 200
    assert set(Open311Request.objects.values_list("remote_addr", flat=True)) == {
        "203.0.113.7",
        "203.0.113.8",
    }


def test_guessing_keys_from_one_address_gets_429(world: World, app: App) -> None:
    statuses = [
        post("requests.json", report(world, app, api_key=f"jx_guess{i:020d}")).status_code
        for i in range(21)
    ]
    assert statuses == [403] * 20 + [429]


def test_reads_are_rate_limited_per_address(world: World, settings: Any) -> None:
    settings.OPEN311_READS_PER_MINUTE_PER_IP = 3
    statuses = [get("services.json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_jurisdiction_id_is_required_when_several_are_served(world: World, cast: Cast) -> None:
    outsider = cast.outsider.jurisdiction
    assert outsider is not None
    outsider.open311_id = "zhongyuan.example"
    outsider.save()
    response = get("services.xml")
    assert response.status_code == 400
    assert "jurisdiction_id was not provided" in errors(response)[0][1]
    assert get("services.json", jurisdiction_id="nowhere.example").status_code == 404
    assert get("services.json", jurisdiction_id="zhongmou.example").status_code == 200
    assert get("services.json", jurisdiction_id="zhongyuan.example").json() == []


def test_jurisdiction_id_may_be_omitted_or_given_with_one_jurisdiction(world: World) -> None:
    assert get("services.json").status_code == 200
    assert get("services.json", jurisdiction_id="zhongmou.example").status_code == 200
    assert get("services.json", jurisdiction_id="elsewhere.example").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "services.json"), ("delete", "requests.json"), ("put", "requests/1.xml")],
)
def test_other_methods_and_urls_are_400(world: World, method: str, path: str) -> None:
    response = getattr(Client(), method)(f"/open311/v2/{path}")
    assert response.status_code == 400
    assert errors(response)[0][0] == 400


def test_unknown_format_is_an_xml_400(world: World) -> None:
    response = get("services.csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/xml; charset=utf-8"


# --- admin ----------------------------------------------------------------------------


def test_admin_shows_a_new_key_once_and_revokes_it(world: World, django_user_model: Any) -> None:
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post(
        "/admin/open311/apiclient/add/",
        {
            "jurisdiction": world.jurisdiction.pk,
            "name": "市民通 App",
            "contact": "dev@example.com",
            "is_active": "on",
            "rate_limit_per_minute": "60",
            "ip_rate_limit_per_minute": "5",
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = next(m for m in shown if "jx_" in m).rsplit("：", 1)[1]
    client = ApiClient.objects.get(name="市民通 App")
    assert key.startswith(client.key_prefix) and key not in client.key_hash
    app = App(client, key)
    assert post("requests.json", report(world, app)).status_code == 200
    page = browser.get(f"/admin/open311/apiclient/{client.pk}/change/").content.decode()
    assert key not in page
    browser.post(
        "/admin/open311/apiclient/",
        {"action": "revoke", "_selected_action": [client.pk]},
    )
    client.refresh_from_db()
    assert not client.is_active and client.revoked_at is not None
    assert post("requests.json", report(world, app)).status_code == 403


def test_admin_refuses_list_attributes_without_options(world: World) -> None:
    attribute = ServiceAttribute(
        category=world.exposed_garbage, code="kind", datatype=Datatype.SINGLEVALUELIST,
        description="种类", values=[],
    )  # fmt: skip
    with pytest.raises(Exception, match="values"):
        attribute.full_clean()
    attribute.code, attribute.datatype = "urgency", Datatype.STRING
    with pytest.raises(Exception, match="code"):
        attribute.full_clean()
