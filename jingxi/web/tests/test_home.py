"""The home page: each role's work first, every number a link that lists exactly those
cases, in a fixed number of queries; master-data counts are on the data-quality page."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.models import Case
from jingxi.cases.queues import deadline_clock
from jingxi.cases.services import case_report, case_transition
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.org.choices import Role
from jingxi.org.models import Membership, User
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import RoadChief
from jingxi.places.selectors import jurisdiction_counts
from jingxi.web import selectors

QINGNIAN = (113.955, 34.7102)
JIANSHE = (113.9702, 34.705)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _report(world: World, where: tuple[float, float] = QINGNIAN) -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=where[0],
        lat=where[1],
        description="暴露垃圾",
        source=Source.CITIZEN_WEB,
    )


def _walk(
    world: World, cast: Cast, *actions: Action, where: tuple[float, float] = QINGNIAN
) -> Case:
    case = _report(world, where)
    actors = {
        Action.REQUEST_CHECK: cast.dispatcher,
        Action.FILE: cast.dispatcher,
        Action.DISPATCH: cast.dispatcher,
        Action.ACCEPT: cast.handler_a,
        Action.REQUEST_EXTENSION: cast.handler_a,
        Action.REPORT_BACK: cast.handler_a,
        Action.VERIFY_FAIL: cast.inspector,
    }
    for action in actions:
        extra: dict[str, Any] = {}
        if action in (Action.REQUEST_EXTENSION, Action.VERIFY_FAIL):
            extra = {
                "note": "原因",
                **({"extension_hours": 4} if action == Action.REQUEST_EXTENSION else {}),
            }
        case = case_transition(case_id=case.pk, action=action, actor=actors[action], **extra)
    return case


DISPATCH = (Action.FILE, Action.DISPATCH)


@pytest.fixture
def busy(world: World, cast: Cast) -> World:
    """Cases in every queue: late ones (marked by the deadline scan), then fresh ones."""
    RoadChief.objects.create(
        road=world.jianshe,
        user=cast.road_chief,
        level=RoadChiefLevel.COMMUNITY,
        start_date=dt.date(2026, 1, 1),
    )
    _walk(world, cast, *DISPATCH)
    _walk(world, cast, *DISPATCH, Action.ACCEPT, where=JIANSHE)
    deadline_scan(
        now=dt.datetime.now(dt.UTC) + dt.timedelta(days=60), jurisdiction=world.jurisdiction
    )
    _report(world)
    _walk(world, cast, Action.REQUEST_CHECK)
    _walk(world, cast, Action.FILE, where=JIANSHE)
    _walk(world, cast, *DISPATCH)
    _walk(world, cast, *DISPATCH, Action.ACCEPT)
    _walk(world, cast, *DISPATCH, Action.ACCEPT, Action.REQUEST_EXTENSION)
    _walk(world, cast, *DISPATCH, Action.ACCEPT, Action.REPORT_BACK)
    _walk(world, cast, *DISPATCH, Action.ACCEPT, Action.REPORT_BACK, Action.VERIFY_FAIL)
    return world


def _listed(client: Client, url: str) -> int:
    """How many rows the page at `url` lists (a work queue or the cases behind a figure)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return int(response.context["page"].paginator.count)


def _numbers(client: Client) -> dict[str, tuple[int, str]]:
    """Each queue or trace number on the home page: (value, url)."""
    response = client.get("/")
    assert response.status_code == 200
    found: dict[str, tuple[int, str]] = {}
    for section in response.context["sections"]:
        figures = list(section.figures)
        for road in section.roads:
            figures += [road.open, road.overdue]
        for f in figures:
            path = urlsplit(f.url).path
            if path in (reverse("cases:case-list"), reverse("public:staff-trace")):
                found[f"{section.key}:{f.key}:{f.url}"] = (int(f.value), f.url)
    return found


@pytest.mark.parametrize(
    ("who", "sections", "some"),
    [
        (
            "dispatcher",
            ["dispatcher"],
            {"d_inbox": 2, "d_dispatch": 1, "d_approvals": 1, "d_overdue": 2},
        ),
        ("handler_a", ["handler"], {"h_accept": 2, "h_handle": 3, "h_rework": 1, "h_overdue": 2}),
        ("unit_head_a", ["unit_head"], {"u_backlog": 6, "u_overdue": 2}),
        ("inspector", ["inspector"], {"i_check": 1, "i_verify": 1}),
        ("road_chief", ["road_chief"], {"r_open": 10, "r_overdue": 2}),
        ("leader", ["leader"], {"l_open": 10, "l_overdue": 2, "l_reported": 10}),
    ],
)
def test_every_number_on_a_roles_home_lists_exactly_its_cases(
    busy: World, cast: Cast, who: str, sections: list[str], some: dict[str, int]
) -> None:
    client = client_for(getattr(cast, who))
    response = client.get("/")
    assert [s.key for s in response.context["sections"]] == sections
    shown = {f.key: f.value for s in response.context["sections"] for f in s.figures}
    assert {k: int(shown[k]) for k in some} == some
    numbers = _numbers(client)
    assert numbers
    for key, (value, url) in numbers.items():
        assert _listed(client, url) == value, key
    html = response.content.decode()
    assert 'data-count="grids"' not in html


def test_road_chief_sees_one_row_per_road_with_its_counts(busy: World, cast: Cast) -> None:
    client = client_for(cast.road_chief)
    (section,) = client.get("/").context["sections"]
    rows = {r.name: (int(r.open.value), int(r.overdue.value)) for r in section.roads}
    assert rows == {"建设路": (2, 1), "青年路": (8, 1)}
    assert [r.name for r in section.roads] == ["青年路", "建设路"]  # the most work first
    for road in section.roads:
        assert _listed(client, road.open.url) == int(road.open.value)
        assert _listed(client, road.overdue.url) == int(road.overdue.value)


def test_lists_show_the_nearest_deadlines_with_time_left(busy: World, cast: Cast) -> None:
    handler = client_for(cast.handler_a).get("/")
    (section,) = handler.context["sections"]
    assert len(section.rows) == 5
    # Nearest deadline first: the one the scan found late (in 60 days' time) leads.
    deadlines = [r.case.stage_deadline for r in section.rows]
    assert deadlines == sorted(deadlines)
    assert section.rows[0].case.is_overdue
    assert all(r.clock.short.startswith("剩") for r in section.rows)
    html = handler.content.decode()
    assert f'title="{section.rows[0].clock.text}">{section.rows[0].clock.short}<' in html
    dispatcher = client_for(cast.dispatcher).get("/").context["sections"][0]
    assert len(dispatcher.rows) == 2


def test_a_user_with_several_roles_sees_each_section(busy: World, cast: Cast) -> None:
    Membership.objects.create(user=cast.inspector, unit=busy.office, role=Role.LEADER)
    Membership.objects.create(user=cast.inspector, unit=busy.sanitation, role=Role.UNIT_HANDLER)
    sections = client_for(cast.inspector).get("/").context["sections"]
    assert [s.key for s in sections] == ["leader", "handler", "inspector"]


def test_roles_without_queues_have_no_work_section(busy: World, cast: Cast) -> None:
    assert client_for(cast.operator).get("/").context["sections"] == []  # only "all"
    assert client_for(cast.citizen).get("/").context["sections"] == []


@pytest.mark.parametrize(
    ("who", "limit"),
    [
        # session, user, roles, jurisdiction, my units; one aggregate of every queue
        # number (the calendar is cached), and the section's own reads:
        ("dispatcher", 7),  # + the overdue list
        ("handler_a", 7),  # + the nearest deadlines
        ("unit_head_a", 8),  # + the overdue list, the registry's rate
        ("inspector", 7),  # + the nearest verifications
        ("road_chief", 8),  # + the roads, their counts
        ("leader", 7),  # + the registry's figures
    ],
)
def test_each_roles_home_runs_a_fixed_number_of_queries(
    world: World, cast: Cast, who: str, limit: int
) -> None:
    """The same statements with more cases, `limit` of them; not counting the `SET LOCAL
    jit = off` the indicator registry sends before each aggregate on PostgreSQL."""
    client = client_for(getattr(cast, who))
    client.get("/")  # the calendar's cache
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        sql = [q["sql"] for q in captured.captured_queries if "SET LOCAL jit" not in q["sql"]]
        counts.append(len(sql))
        _walk(world, cast, *DISPATCH, Action.ACCEPT)
        _walk(world, cast, *DISPATCH, where=JIANSHE)
    assert counts[0] == counts[1] == limit, sql


def test_clock_reads_days_or_hours_of_working_time() -> None:
    calendar = WorkCalendar.build()
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=calendar.zone)  # a Monday morning
    case = Case(status="handling", stage_deadline=now + dt.timedelta(hours=3))
    assert deadline_clock(case=case, calendar=calendar, now=now).short == "剩 3 小时"
    case.stage_deadline = now - dt.timedelta(days=4)
    clock = deadline_clock(case=case, calendar=calendar, now=now)
    assert clock.state == "late"
    assert clock.short == "超期 2 天"


# --- master data, now on the data-quality page --------------------------------------


def test_counts_are_the_jurisdictions_master_data(world: World, cast: Cast) -> None:
    counts = {t.key: t.value for t in jurisdiction_counts(jurisdiction=world.jurisdiction)}
    assert counts == {
        "townships": 2,
        "communities": 4,
        "grids": 8,
        "roads": 2,
        "segments": 4,
        "components": 0,
        "units": 6,
        "staff": 9,
        "road_chiefs": 1,
    }


def test_counts_leave_out_other_jurisdictions(cast: Cast) -> None:
    other = cast.outsider.jurisdiction
    assert other is not None
    assert {t.value for t in jurisdiction_counts(jurisdiction=other)} == {0}


def test_quality_page_shows_the_master_data_and_home_does_not(cast: Cast) -> None:
    client = client_for(cast.dispatcher)
    assert 'data-count="grids"' in client.get(reverse("places:grid-quality")).content.decode()
    assert 'data-count="grids"' not in client.get("/").content.decode()


# --- roads and units ----------------------------------------------------------------


def test_chief_of_some_segments_counts_only_those(world: World, cast: Cast) -> None:
    post = RoadChief.objects.create(
        road=world.jianshe,
        user=cast.road_chief,
        level=RoadChiefLevel.COMMUNITY,
        start_date=dt.date(2026, 1, 1),
    )
    post.segments.add(world.segments["jianshe-north"])
    roads = {r.road_name: r for r in selectors.road_list_for_chief(user=cast.road_chief)}
    assert roads["建设路"].segment_count == 1
    assert not roads["建设路"].whole_road


def test_former_road_chief_has_no_roads(cast: Cast) -> None:
    RoadChief.objects.filter(user=cast.road_chief).update(end_date=dt.date(2026, 6, 30))
    assert selectors.road_list_for_chief(user=cast.road_chief) == []
    (section,) = client_for(cast.road_chief).get("/").context["sections"]
    assert section.roads == []


def test_unit_staff_see_my_units(cast: Cast) -> None:
    response = client_for(cast.unit_head_a).get("/")
    (unit,) = response.context["my_units"]
    assert unit.unit_name == "县环卫中心"
    assert unit.role_label == "第一责任人"
    assert unit.head_name == "环卫主任"


def test_user_without_jurisdiction_gets_a_notice(cast: Cast) -> None:
    html = client_for(cast.citizen).get("/").content.decode()
    assert "尚未关联辖区" in html
