"""The case pages: queues by role, the report form, the case page and its action forms."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, PendingRequest, Source, Status
from jingxi.cases.evidence import attachments_add
from jingxi.cases.models import Attachment, Case, CaseEvent
from jingxi.cases.services import case_report, case_transition
from jingxi.org.models import User

LNG, LAT = 113.955, 34.7102  # 青年路, 青年路街道


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def photo(name: str = "p.jpg", colour: tuple[int, int, int] = (120, 160, 90)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def reported(world: World, *, lng: float = LNG, lat: float = LAT, **kwargs: Any) -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=kwargs.pop("category", world.exposed_garbage),
        lng=lng,
        lat=lat,
        description=kwargs.pop("description", "青年路暴露垃圾"),
        source=kwargs.pop("source", Source.CITIZEN_WEB),
        **kwargs,
    )


def dispatched(world: World, cast: Cast) -> Case:
    case = reported(world)
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    return case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)


def act(user: User, case: Case, action: str, **data: Any) -> Any:
    return client_for(user).post(
        reverse("cases:case-act", args=[case.pk]), {"action": action, **data}, follow=True
    )


# --- queues -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "tabs"),
    [
        ("dispatcher", ["inbox", "dispatch", "approvals", "overdue", "all"]),
        ("handler_a", ["unit", "overdue", "all"]),
        ("unit_head_a", ["unit", "overdue", "all"]),
        ("inspector", ["check", "verify", "all"]),
        ("road_chief", ["roads", "all"]),
        ("leader", ["overdue", "all"]),
    ],
)
def test_each_role_sees_its_own_queues(cast: Cast, who: str, tabs: list[str]) -> None:
    response = client_for(getattr(cast, who)).get(reverse("cases:case-list"))
    assert response.status_code == 200
    assert [t.key for t in response.context["tabs"]] == tabs
    assert response.context["tab"] == tabs[0]


def test_citizen_without_jurisdiction_gets_404(cast: Cast) -> None:
    assert client_for(cast.citizen).get(reverse("cases:case-list")).status_code == 404


def test_inbox_lists_new_reports_with_duplicate_suggestions(world: World, cast: Cast) -> None:
    first = reported(world)
    second = reported(world, lng=LNG + 0.0002)
    far = reported(world, lng=113.985)
    response = client_for(cast.dispatcher).get(reverse("cases:case-list"), {"tab": "inbox"})
    html = response.content.decode()
    numbers = [row["case"].number for row in response.context["rows"]]
    assert numbers == [first.number, second.number, far.number]
    dupes = {row["case"].number: row["duplicates"] for row in response.context["rows"]}
    assert [c.number for c in dupes[first.number]] == [second.number]
    assert dupes[far.number] == []
    assert f'data-duplicates="{second.number}"' in html


def test_dispatch_queue_shows_the_proposed_unit(world: World, cast: Cast) -> None:
    case = reported(world)
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    html = (
        client_for(cast.dispatcher)
        .get(reverse("cases:case-list"), {"tab": "dispatch"})
        .content.decode()
    )
    assert case.number in html
    assert "县环卫中心" in html


def test_unit_queue_holds_only_my_units_cases_by_state(world: World, cast: Cast) -> None:
    mine = dispatched(world, cast)
    other = reported(world, category=world.illegal_parking)
    case_transition(case_id=other.pk, action=Action.FILE, actor=cast.dispatcher)
    case_transition(case_id=other.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    client = client_for(cast.handler_a)
    rows = client.get(reverse("cases:case-list"), {"tab": "unit"}).context["rows"]
    assert [r["case"].pk for r in rows] == [mine.pk]
    rows = client.get(reverse("cases:case-list"), {"tab": "unit", "state": "handling"}).context[
        "rows"
    ]
    assert rows == []
    rows = client.get(reverse("cases:case-list"), {"tab": "unit", "state": "dispatched"}).context[
        "rows"
    ]
    assert [r["case"].pk for r in rows] == [mine.pk]


def test_verify_queue_is_nearest_first_when_the_browser_gives_a_position(
    world: World, cast: Cast
) -> None:
    west = dispatched(world, cast)
    east = reported(world, lng=113.985)
    case_transition(case_id=east.pk, action=Action.FILE, actor=cast.dispatcher)
    case_transition(case_id=east.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    for case, handler in ((west, cast.handler_a), (east, cast.handler_a)):
        case = Case.objects.get(pk=case.pk)
        if case.unit_id != world.sanitation.pk:
            continue
        case_transition(case_id=case.pk, action=Action.ACCEPT, actor=handler)
        case_transition(case_id=case.pk, action=Action.REPORT_BACK, actor=handler)
    handled = list(Case.objects.filter(status=Status.HANDLED).order_by("pk"))
    assert len(handled) == 2
    client = client_for(cast.inspector)
    near_east = client.get(
        reverse("cases:case-list"), {"tab": "verify", "lng": "113.986", "lat": "34.7102"}
    ).context["rows"]
    assert [r["case"].pk for r in near_east] == [east.pk, west.pk]
    near_west = client.get(
        reverse("cases:case-list"), {"tab": "verify", "lng": "113.951", "lat": "34.7102"}
    ).context["rows"]
    assert [r["case"].pk for r in near_west] == [west.pk, east.pk]


def test_road_chief_sees_open_cases_on_my_roads_grouped(world: World, cast: Cast) -> None:
    on_road = reported(world)
    off_road = reported(world, lng=113.955, lat=34.718)
    html_response = client_for(cast.road_chief).get(reverse("cases:case-list"), {"tab": "roads"})
    numbers = [r["case"].number for r in html_response.context["rows"]]
    assert on_road.number in numbers
    assert off_road.number not in numbers
    assert "青年路" in html_response.content.decode()


def test_filters_narrow_the_list_and_htmx_gets_only_the_rows(world: World, cast: Cast) -> None:
    garbage = reported(world)
    parking = reported(world, category=world.illegal_parking)
    client = client_for(cast.dispatcher)
    url = reverse("cases:case-list")
    rows = client.get(url, {"tab": "all", "category": str(world.illegal_parking.pk)}).context[
        "rows"
    ]
    assert [r["case"].pk for r in rows] == [parking.pk]
    rows = client.get(url, {"tab": "all", "q": garbage.number}).context["rows"]
    assert [r["case"].pk for r in rows] == [garbage.pk]
    rows = client.get(url, {"tab": "all", "overdue": "1"}).context["rows"]
    assert rows == []
    partial = client.get(url, {"tab": "all"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert b'id="case-table"' in partial.content


@pytest.mark.parametrize("tab", ["inbox", "dispatch", "approvals", "overdue", "all"])
def test_queue_pages_run_a_fixed_number_of_queries(
    world: World, cast: Cast, django_assert_max_num_queries: Any, tab: str
) -> None:
    for i in range(25):
        case = reported(world, lng=LNG + i * 0.00001)
        if i % 2:
            case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
        if i % 3 == 0:
            attachments_add(
                case=case, files=[photo(colour=(i, 90, 90))], kind="before", actor=cast.dispatcher
            )
    client = client_for(cast.dispatcher)
    # session, user, shell roles, actor roles, visibility, calendar, count, page, its
    # roads and reporters (merged-into cases only when there are some), its photos,
    # loop settings and duplicates (inbox), tab counts, categories, townships, savepoints
    with django_assert_max_num_queries(17):
        response = client.get(reverse("cases:case-list"), {"tab": tab})
    assert response.status_code == 200


def test_queue_cards_show_each_cases_first_photo(world: World, cast: Cast) -> None:
    with_photos = reported(world)
    first, _second = attachments_add(
        case=with_photos,
        files=[photo(), photo(colour=(1, 2, 3))],
        kind="before",
        actor=cast.inspector,
    )
    without = reported(world, lng=LNG + 0.001)
    response = client_for(cast.dispatcher).get(reverse("cases:case-list"), {"tab": "inbox"})
    photos = {row["case"].pk: row["photo_id"] for row in response.context["rows"]}
    assert photos == {with_photos.pk: first.pk, without.pk: None}
    thumbnail = reverse("cases:attachment-thumbnail", args=[first.pk])
    assert f'<img src="{thumbnail}"' in response.content.decode()


def test_pagination_pages_through_the_queue(world: World, cast: Cast) -> None:
    for i in range(23):
        reported(world, lng=LNG + i * 0.001)
    client = client_for(cast.dispatcher)
    first = client.get(reverse("cases:case-list"), {"tab": "all"})
    second = client.get(reverse("cases:case-list"), {"tab": "all", "page": "2"})
    assert len(first.context["rows"]) == 20
    assert len(second.context["rows"]) == 3
    assert "page=2" in first.content.decode()


# --- report form --------------------------------------------------------------------


def test_inspector_reports_with_a_photo_and_files_directly(world: World, cast: Cast) -> None:
    response = client_for(cast.inspector).post(
        reverse("cases:case-report"),
        {
            "category": world.exposed_garbage.pk,
            "urgency": "normal",
            "description": "青年路边有一堆垃圾",
            "lng": LNG,
            "lat": LAT,
            "address": "",
            "photos": [photo()],
            "file_directly": "on",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    assert case.status == Status.FILED
    assert case.source == Source.INSPECTOR
    assert case.reporter == cast.inspector
    (attachment,) = Attachment.objects.all()
    assert attachment.kind == "before"


def test_report_form_shows_errors_and_writes_nothing(world: World, cast: Cast) -> None:
    client = client_for(cast.inspector)
    response = client.post(
        reverse("cases:case-report"),
        {"category": world.exposed_garbage.pk, "urgency": "normal", "description": "x"},
    )
    assert response.status_code == 400
    assert "请在地图上点选问题位置" in response.content.decode()
    # Outside the jurisdiction: the service refuses, the form says why.
    response = client.post(
        reverse("cases:case-report"),
        {
            "category": world.exposed_garbage.pk,
            "urgency": "normal",
            "description": "远处",
            "lng": 120.0,
            "lat": 30.0,
        },
    )
    assert response.status_code == 400
    assert "辖区" in response.content.decode()
    # A bad photo undoes the whole report.
    bad = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(
        reverse("cases:case-report"),
        {
            "category": world.exposed_garbage.pk,
            "urgency": "normal",
            "description": "有照片",
            "lng": LNG,
            "lat": LAT,
            "photos": [bad],
        },
    )
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()


def test_operator_enters_a_hotline_call_with_the_callers_contact(world: World, cast: Cast) -> None:
    client = client_for(cast.operator)
    assert "reporter_phone" in client.get(reverse("cases:case-report")).content.decode()
    client.post(
        reverse("cases:case-report"),
        {
            "category": world.illegal_parking.pk,
            "urgency": "urgent",
            "description": "车辆堵住消防通道",
            "lng": LNG,
            "lat": LAT,
            "source": Source.HOTLINE,
            "reporter_name": "王先生",
            "reporter_phone": "13800000000",
        },
    )
    case = Case.objects.get()
    assert (case.source, case.status, case.reporter_name) == (
        Source.HOTLINE,
        Status.REPORTED,
        "王先生",
    )


def test_unit_handler_may_not_report_here(cast: Cast) -> None:
    assert client_for(cast.handler_a).get(reverse("cases:case-report")).status_code == 404


# --- case page ----------------------------------------------------------------------


def test_case_page_status_codes_per_role(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    url = reverse("cases:case-detail", args=[case.pk])
    for user in (cast.dispatcher, cast.inspector, cast.handler_a, cast.unit_head_a, cast.leader):
        assert client_for(user).get(url).status_code == 200, user
    assert client_for(cast.road_chief).get(url).status_code == 200  # on 青年路
    for user in (cast.handler_b, cast.outsider, cast.citizen):
        assert client_for(user).get(url).status_code == 404, user


@pytest.mark.parametrize("action", [a.value for a in Action])
def test_other_units_handler_gets_404_on_every_action(
    world: World, cast: Cast, action: str
) -> None:
    case = dispatched(world, cast)
    response = client_for(cast.handler_b).post(
        reverse("cases:case-act", args=[case.pk]), {"action": action, "note": "x"}
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_case_page_offers_exactly_the_users_actions(world: World, cast: Cast) -> None:
    case = reported(world)
    dispatcher = client_for(cast.dispatcher).get(reverse("cases:case-detail", args=[case.pk]))
    # The likely one first (and open), then the table's order.
    assert [c.action for c in dispatcher.context["choices"]] == [
        Action.FILE,
        Action.REQUEST_CHECK,
        Action.REJECT,
    ]
    assert [c.likely for c in dispatcher.context["choices"]] == [True, False, False]
    inspector = client_for(cast.inspector).get(reverse("cases:case-detail", args=[case.pk]))
    assert [c.action for c in inspector.context["choices"]] == [Action.SELF_HANDLE]
    case = dispatched(world, cast)
    handler = client_for(cast.handler_a).get(reverse("cases:case-detail", args=[case.pk]))
    assert [c.action for c in handler.context["choices"]] == [
        Action.ACCEPT,
        Action.RETURN,
        Action.REQUEST_VOID,
    ]
    assert re.search(
        rb'<details class="action" open>\s*<summary data-action="accept">', handler.content
    )
    assert (
        client_for(cast.leader).get(reverse("cases:case-detail", args=[case.pk])).context["choices"]
        == []
    )


def test_dispatch_form_puts_the_proposed_unit_first_and_merge_offers_duplicates(
    world: World, cast: Cast
) -> None:
    first = reported(world)
    second = reported(world, lng=LNG + 0.0001)
    case_transition(case_id=second.pk, action=Action.FILE, actor=cast.dispatcher)
    response = client_for(cast.dispatcher).get(reverse("cases:case-detail", args=[second.pk]))
    assert response.context["units"][0] == world.sanitation
    assert [c.pk for c in response.context["merge_targets"]] == [first.pk]
    html = response.content.decode()
    assert 'data-action-form="dispatch"' in html
    assert 'data-action-form="merge"' in html


def test_action_posts_move_the_case_through_the_loop(world: World, cast: Cast) -> None:
    case = reported(world)
    act(cast.dispatcher, case, "file")
    act(cast.dispatcher, case, "dispatch", unit=world.sanitation.pk)
    act(cast.handler_a, case, "accept")
    response = act(cast.handler_a, case, "request_extension", note="设备故障", extension_hours="4")
    assert Case.objects.get(pk=case.pk).pending_request == PendingRequest.EXTENSION
    response = client_for(cast.dispatcher).get(reverse("cases:case-detail", args=[case.pk]))
    approve = next(c for c in response.context["choices"] if c.action == "approve_extension")
    assert approve.requested_hours == "4"
    act(cast.dispatcher, case, "approve_extension")
    act(cast.handler_a, case, "report_back", photos=[photo("after.jpg", (10, 200, 10))])
    act(cast.inspector, case, "verify_fail", note="仍有垃圾")
    act(cast.handler_a, case, "report_back")
    response = act(cast.inspector, case, "verify_pass", photos=[photo("check.jpg", (1, 2, 3))])
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.rework_count == 1
    html = response.content.decode()
    assert "已结案" in html
    assert [e.action for e in case.events.order_by("id")] == [
        "report",
        "file",
        "dispatch",
        "accept",
        "request_extension",
        "approve_extension",
        "report_back",
        "verify_fail",
        "report_back",
        "verify_pass",
    ]
    kinds = sorted(case.attachments.values_list("kind", flat=True))
    assert kinds == ["after", "other"]


def test_refused_action_shows_a_message_and_changes_nothing(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    response = act(cast.handler_a, case, "return")  # a reason is required
    assert "须填写理由" in response.content.decode()
    response = act(cast.handler_a, case, "verify_pass")
    assert "不能执行" in response.content.decode() or "需要以下角色" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
    assert case.events.count() == 3


def test_bad_photo_on_report_back_undoes_the_transition(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    case_transition(case_id=case.pk, action=Action.ACCEPT, actor=cast.handler_a)
    bad = SimpleUploadedFile("x.jpg", b"%PDF-1.4", content_type="image/jpeg")
    response = act(cast.handler_a, case, "report_back", photos=[bad])
    assert "PDF" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.HANDLING


def test_case_page_runs_a_fixed_number_of_queries(
    world: World, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    case = dispatched(world, cast)
    case_transition(case_id=case.pk, action=Action.ACCEPT, actor=cast.handler_a)
    for _ in range(5):
        case_transition(
            case_id=case.pk,
            action=Action.REQUEST_EXTENSION,
            actor=cast.handler_a,
            note="再等等",
            extension_hours=1,
        )
        case_transition(case_id=case.pk, action=Action.APPROVE_EXTENSION, actor=cast.dispatcher)
    client = client_for(cast.dispatcher)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert response.status_code == 200


# --- notifications and home -----------------------------------------------------------


def test_notifications_list_bell_and_mark_read(world: World, cast: Cast) -> None:
    from jingxi.notify.services import outbox_drain

    case = dispatched(world, cast)
    outbox_drain()
    client = client_for(cast.handler_a)
    badge = client.get(reverse("web:notification-badge")).content.decode()
    assert 'data-unread="1"' in badge
    page = client.get(reverse("web:notification-list"))
    (note,) = page.context["page"].object_list
    assert case.number in note.title
    response = client.post(
        reverse("web:notification-read", args=[note.pk]),
        {"next": reverse("cases:case-detail", args=[case.pk])},
    )
    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    assert "data-unread" not in client.get(reverse("web:notification-badge")).content.decode()
    other = client_for(cast.handler_b).post(reverse("web:notification-read", args=[note.pk]))
    assert other.status_code == 404


def test_queue_counts_are_the_tabs_sizes(world: World, cast: Cast) -> None:
    reported(world)
    dispatched(world, cast)
    dispatcher = client_for(cast.dispatcher).get(reverse("cases:case-list"))
    assert dispatcher.context["tab_counts"] == {
        "inbox": 1,
        "dispatch": 0,
        "approvals": 0,
        "overdue": 0,
    }
    handler = client_for(cast.handler_a).get(reverse("cases:case-list"))
    assert handler.context["tab_counts"] == {"unit": 1, "overdue": 0}


def test_case_pages_speak_english_too(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    client = client_for(cast.handler_a)
    client.post(reverse("set_language"), {"language": "en"})
    listing = client.get(reverse("cases:case-list")).content.decode()
    assert "Case desk" in listing
    assert "My unit" in listing
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert "Timeline" in page
    assert "working hours left" in page
    translation.activate(settings.LANGUAGE_CODE)  # the test client leaves English active
