"""A real client: the `georeport` package from PyPI reads our live server, in both formats."""

from __future__ import annotations

from typing import Any

import pytest
from georeport import GeoReport

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.services import case_report, case_transition
from jingxi.open311.tests.conftest import App, post, report


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_services_and_requests(
    live_server: Any, transactional_db: None, world: World, single: Cast, app: App, fmt: str
) -> None:
    assert post("requests.json", report(world, app)).status_code == 200
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.illegal_parking,
        lng=113.975,
        lat=34.715,
        description="车辆占用人行道",
        source=Source.INSPECTOR,
        actor=single.inspector,
    )
    case_transition(case_id=case.pk, action=Action.FILE, actor=single.dispatcher)
    client = GeoReport(
        f"{live_server.url}/open311/v2", jurisdiction="zhongmou.example", output_format=fmt
    )

    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {"component-0101", "event-0102", "event-0503"}
    definition = client.get_service_definition("event-0102")
    assert definition["service_code"] == "event-0102"

    requests = client.get_service_requests()
    assert case.number in {r["service_request_id"] for r in requests}
    one = client.get_service_request(case.number)
    assert one["service_request_id"] == case.number
    assert one["status"] == "open"
    assert one["service_code"] == "event-0503"
    if fmt == "json":  # the client cannot read an empty XML list (None['request'])
        assert client.get_service_requests(status="closed") == []
    by_code = client.get_service_requests(service_code="event-0503")
    if isinstance(by_code, dict):  # xmltodict gives one request as a dict
        by_code = [by_code]
    assert [r["service_request_id"] for r in by_code] == [case.number]
