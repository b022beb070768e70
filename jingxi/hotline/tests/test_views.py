"""The console and the callback queue: who gets in, what they do, what they see."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Cast, World
from jingxi.audit.services import RECORD_QUERIES
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.catalog.models import TimeLimit
from jingxi.hotline.choices import CallOutcome, Satisfaction
from jingxi.hotline.models import Call, Callback
from jingxi.hotline.tests.helpers import FAR_LNG, LAT, LNG, PHONE, close, dispatch, reported, taken
from jingxi.org.models import User

MASKED = "138****1234"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "caller_phone": "138 1234 1234",
        "caller_name": "王女士",
        "text": "青年路有一堆垃圾好几天没人清理",
        "category": world.exposed_garbage.pk,
        "address": "青年路100号",
        "lng": LNG,
        "lat": LAT,
        "urgency": "normal",
    }
    data.update(overrides)
    return data


# --- who gets in --------------------------------------------------------------------

PAGES = ["hotline:console", "hotline:callback-list"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["operator", "dispatcher"])
def test_operators_and_dispatchers_open_the_hotline_pages(cast: Cast, page: str, who: str) -> None:
    assert client_for(getattr(cast, who)).get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("handler_a", 404), ("inspector", 404), ("leader", 404), ("citizen", 404)],
)
def test_others_are_kept_out_of_the_hotline_pages(
    cast: Cast, page: str, who: str, status: int
) -> None:
    assert client_for(getattr(cast, who)).get(reverse(page)).status_code == status


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_log_in(cast: Cast, page: str) -> None:
    response = Client().get(reverse(page))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_handler_cannot_post_a_call(world: World, cast: Cast) -> None:
    response = client_for(cast.handler_a).post(reverse("hotline:call-take"), call_data(world))
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_the_menu_shows_the_hotline_to_operators_only(cast: Cast) -> None:
    html = client_for(cast.operator).get(reverse("web:home")).content.decode()
    assert 'data-nav="hotline"' in html and 'data-nav="callbacks"' in html
    html = client_for(cast.handler_a).get(reverse("web:home")).content.decode()
    assert 'data-nav="hotline"' not in html


# --- taking calls -------------------------------------------------------------------


def test_a_new_call_creates_a_case_and_shows_its_number(world: World, cast: Cast) -> None:
    client = client_for(cast.operator)
    response = client.post(reverse("hotline:call-take"), call_data(world))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == Source.HOTLINE
    assert case.reporter_phone == PHONE
    assert Call.objects.get().case == case
    page = client.get(response["Location"])
    assert page.context["result"].case == case
    assert f"data-case-number>{case.number}<" in page.content.decode()


def test_the_operator_is_told_the_limit_an_urgent_case_will_get(world: World, cast: Cast) -> None:
    TimeLimit.objects.create(
        category=world.exposed_garbage, urgency="urgent", amount=1, unit="working_hours"
    )
    client = client_for(cast.operator)
    response = client.post(reverse("hotline:call-take"), call_data(world, urgency="urgent"))
    page = client.get(response["Location"]).content.decode()
    assert "data-limit-notice>处置时限：1 工作时<" in page


def test_a_handler_sees_the_callers_phone_masked_in_the_cases_api(world: World, cast: Cast) -> None:
    client_for(cast.operator).post(reverse("hotline:call-take"), call_data(world))
    case = dispatch(Case.objects.get(), cast)
    body = client_for(cast.handler_a).get(reverse("api-case-list")).json()
    [row] = body["results"]
    assert row["id"] == case.pk
    assert row["source"] == Source.HOTLINE
    assert row["reporter_phone"] == MASKED
    assert row["reporter_name"] == "王*士"
    body = client_for(cast.operator).get(reverse("api-case-list")).json()
    assert body["results"][0]["reporter_phone"] == PHONE


def test_a_repeated_call_attaches_to_the_open_case(world: World, cast: Cast) -> None:
    first = taken(world, cast)
    assert first.case is not None
    client = client_for(cast.operator)
    response = client.post(
        reverse("hotline:call-attach", args=[first.case.pk]),
        call_data(world, caller_phone="13900001111", text="又来反映垃圾的事"),
    )
    assert response.status_code == 302
    assert Case.objects.count() == 1
    again = Call.objects.latest("pk")
    assert (again.case, again.outcome) == (first.case, CallOutcome.MERGED_INTO_EXISTING)
    page = client.get(response["Location"]).content.decode()
    assert "已并入已有案卷" in page and first.case.number in page


def test_attaching_to_an_unknown_case_is_404(world: World, cast: Cast) -> None:
    response = client_for(cast.operator).post(
        reverse("hotline:call-attach", args=[999_999]), call_data(world)
    )
    assert response.status_code == 404


def test_a_suggestion_is_logged_without_a_case(world: World, cast: Cast) -> None:
    response = client_for(cast.operator).post(
        reverse("hotline:call-log"),
        call_data(world, text="建议增设公厕", outcome="suggestion"),
    )
    assert response.status_code == 302
    assert Call.objects.get().outcome == CallOutcome.SUGGESTION
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"caller_phone": "12345"}, "来电号码格式不正确"),
        ({"text": ""}, "请记录来电人反映的问题"),
        ({"lng": "114.2", "lat": "34.9"}, "不在本辖区范围内"),
        ({"lng": "", "lat": "", "address": ""}, "请填写问题地址"),
        ({"category": ""}, "请选择问题类别"),
        ({"lng": "east"}, "请检查输入"),
    ],
)
def test_validation_errors_are_shown_in_chinese_and_the_input_is_kept(
    world: World, cast: Cast, overrides: dict[str, Any], message: str
) -> None:
    data = call_data(world, **overrides)
    response = client_for(cast.operator).post(reverse("hotline:call-take"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "青年路有一堆垃圾" in html or not data["text"]
    assert not Case.objects.exists()


# --- the console's fragments --------------------------------------------------------


def test_the_console_suggests_categories_from_the_callers_words(world: World, cast: Cast) -> None:
    response = client_for(cast.operator).get(
        reverse("hotline:category-suggest"), {"text": "门口有暴露垃圾"}
    )
    assert response.status_code == 200
    assert f'data-category="{world.exposed_garbage.pk}"' in response.content.decode()


def test_nearby_shows_same_kind_open_cases_only(world: World, cast: Cast) -> None:
    same = reported(world, lng=LNG + 0.0002)
    other_kind = reported(world, category=world.illegal_parking)
    far = reported(world, lng=FAR_LNG)
    response = client_for(cast.operator).get(
        reverse("hotline:case-nearby"),
        {"category": str(world.exposed_garbage.pk), "lng": str(LNG), "lat": str(LAT)},
    )
    html = response.content.decode()
    assert same.number in html
    assert reverse("hotline:call-attach", args=[same.pk]) in html
    assert other_kind.number not in html
    assert far.number not in html


def test_nearby_asks_for_a_category_and_a_point_first(world: World, cast: Cast) -> None:
    client = client_for(cast.operator)
    html = client.get(
        reverse("hotline:case-nearby"), {"lng": str(LNG), "lat": str(LAT)}
    ).content.decode()
    assert "请先选择问题类别" in html
    html = client.get(
        reverse("hotline:case-nearby"), {"category": world.exposed_garbage.pk}
    ).content.decode()
    assert "请先从候选地址或地图上确定位置" in html


def test_nearby_says_when_there_is_nothing_to_merge(world: World, cast: Cast) -> None:
    reported(world, category=world.illegal_parking)
    html = (
        client_for(cast.operator)
        .get(
            reverse("hotline:case-nearby"),
            {"category": str(world.exposed_garbage.pk), "lng": str(LNG), "lat": str(LAT)},
        )
        .content.decode()
    )
    assert 'id="nearby-none"' in html


def test_the_console_shows_earlier_calls_from_the_same_number(world: World, cast: Cast) -> None:
    earlier = taken(world, cast)
    assert earlier.case is not None
    taken(world, cast, caller_phone="13900001111", lng=LNG + 0.002)
    client = client_for(cast.operator)
    html = client.get(
        reverse("hotline:call-history"), {"caller_phone": "138-1234-1234"}
    ).content.decode()
    assert earlier.case.number in html
    assert reverse("hotline:call-attach", args=[earlier.case.pk]) in html
    assert html.count("data-call=") == 1
    close(earlier.case, cast)
    html = client.get(reverse("hotline:call-history"), {"caller_phone": PHONE}).content.decode()
    assert earlier.case.number in html
    assert reverse("hotline:call-attach", args=[earlier.case.pk]) not in html  # closed now
    assert (
        client.get(reverse("hotline:call-history"), {"caller_phone": "12"}).content.strip() == b""
    )
    handler = client_for(cast.handler_a)
    assert handler.get(reverse("hotline:call-history"), {"caller_phone": PHONE}).status_code == 404


# --- callbacks ----------------------------------------------------------------------


def test_the_callback_queue_shows_the_callers_phone_in_full(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    close(call.case, cast)
    html = client_for(cast.operator).get(reverse("hotline:callback-list")).content.decode()
    assert call.case.number in html
    assert PHONE in html


def test_an_operator_records_a_callback_from_the_queue(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    close(call.case, cast)
    client = client_for(cast.operator)
    response = client.post(
        reverse("hotline:callback-record"),
        {
            "case": call.case.pk,
            "call": call.pk,
            "reached": "1",
            "satisfaction": "satisfied",
            "note": "已清理干净",
        },
    )
    assert response.status_code == 302
    callback = Callback.objects.get()
    assert (callback.call, callback.satisfaction) == (call, Satisfaction.SATISFIED)
    html = client.get(reverse("hotline:callback-list")).content.decode()
    assert 'id="callback-empty"' in html


def test_a_callback_before_closure_is_refused_on_the_page(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    response = client_for(cast.operator).post(
        reverse("hotline:callback-record"),
        {"case": call.case.pk, "call": call.pk, "reached": "1", "satisfaction": "satisfied"},
    )
    assert response.status_code == 400
    assert "结案后才能回访" in response.content.decode()
    assert not Callback.objects.exists()


def test_the_callers_phone_is_full_on_the_console_only_for_the_operator(
    world: World, cast: Cast
) -> None:
    taken(world, cast)
    html = client_for(cast.operator).get(reverse("hotline:console")).content.decode()
    assert PHONE in html  # the operator's own recent calls


# --- query counts -------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_console_query_count_does_not_grow_with_calls(world: World, cast: Cast) -> None:
    client = client_for(cast.operator)
    taken(world, cast)
    one = _queries(client, reverse("hotline:console"))
    for i in range(6):
        taken(world, cast, lng=LNG + 0.001 * (i + 1))
    many = _queries(client, reverse("hotline:console"))
    assert many == one
    assert many <= 8 + RECORD_QUERIES  # the audit trail records the numbers shown


def test_the_queue_query_count_does_not_grow_with_callers(world: World, cast: Cast) -> None:
    client = client_for(cast.operator)
    first = taken(world, cast)
    assert first.case is not None
    close(first.case, cast)
    one = _queries(client, reverse("hotline:callback-list"))
    for i in range(5):
        call = taken(world, cast, lng=LNG + 0.001 * (i + 1))
        assert call.case is not None
        close(call.case, cast)
    assert len(client.get(reverse("hotline:callback-list")).context["items"]) == 6
    many = _queries(client, reverse("hotline:callback-list"))
    assert many == one
    assert many <= 10 + RECORD_QUERIES  # the audit trail records the callers shown


def test_the_nearby_query_count_does_not_grow_with_cases(world: World, cast: Cast) -> None:
    client = client_for(cast.operator)
    url = reverse("hotline:case-nearby")
    params = f"?category={world.exposed_garbage.pk}&lng={LNG}&lat={LAT}"
    reported(world)
    one = _queries(client, url + params)
    for i in range(5):
        reported(world, lng=LNG + 0.00005 * (i + 1))
    many = _queries(client, url + params)
    assert many == one
    # 12: the hotline's access check and the masking (`org.privacy`) each read the roles
    # (one read once the check asks `org.roles.roles_of`, which keeps them per request).
    assert many <= 12
