"""Citizens' reports (随手拍): the report form, its refusals, floods, tracking, rating,
"not fixed" requests and the dispatcher's decision on them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.models import Attachment, Case, CaseEvent
from jingxi.cases.services import case_report, case_transition
from jingxi.org.models import User
from jingxi.public.citizen.choices import ReopenStatus
from jingxi.public.citizen.models import Feedback, ReopenRequest
from jingxi.public.citizen.services import CitizenError, reopen_request_create

LNG, LAT = 113.955, 34.7102  # on 青年路, in 青年路街道
TOKEN = "form-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _public_site(settings: Any, tmp_path: Path) -> Any:
    """The public site serves the world's county; media in a temporary folder; fresh
    flood counters (the local-memory cache outlives a test)."""
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def jpeg(colour: tuple[int, int, int] = (90, 120, 80), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "lng": str(LNG),
        "lat": str(LAT),
        "address": "",
        "category": str(world.exposed_garbage.pk),
        "description": "青年路南侧人行道上有一堆生活垃圾",
        "reporter_name": "王小明",
        "reporter_phone": "13812341234",
        "consent": "on",
        "form_token": TOKEN,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_report(client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("public:report"), data)


def closed_case(world: World, cast: Cast, **kwargs: Any) -> Case:
    """A citizen's web case walked through the whole loop to closure."""
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="路边垃圾",
        source=Source.CITIZEN_WEB,
        reporter_name="王小明",
        reporter_phone="13812341234",
        **kwargs,
    )
    steps: list[tuple[Action, User]] = [
        (Action.FILE, cast.dispatcher),
        (Action.DISPATCH, cast.dispatcher),
        (Action.ACCEPT, cast.handler_a),
        (Action.REPORT_BACK, cast.handler_a),
        (Action.VERIFY_PASS, cast.inspector),
    ]
    for action, actor in steps:
        case_transition(case_id=case.pk, action=action, actor=actor)
    case.refresh_from_db()
    return case


def tracked_client(case: Case) -> Client:
    """A browser that opened the reporter's tracking link (the token is in its session)."""
    client = Client()
    url = reverse("public:track", kwargs={"number": case.number})
    response = client.get(f"{url}?t={case.tracking_token}")
    assert response.status_code == 302 and response["Location"] == url
    return client


# --- the report form --------------------------------------------------------------------


def test_report_page_opens_without_login(world: World, client: Client) -> None:
    response = client.get(reverse("public:report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="pick-map"' in html and '"code": "0102"' in html and 'name="form_token"' in html
    assert "中牟县" in html


def test_citizen_reports_with_photos_and_gets_number_and_link(world: World, client: Client) -> None:
    data = form_data(world, photos=[upload(jpeg()), upload(jpeg((200, 10, 10)), "b.jpg")])
    response = post_report(client, data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("public:report-done", kwargs={"number": case.number})
    assert case.source == Source.CITIZEN_WEB and case.status == Status.REPORTED
    assert case.reporter is None and case.reporter_phone == "13812341234"
    assert case.attachments.filter(kind="before", uploaded_by=None).count() == 2
    assert all(a.event_id is not None for a in case.attachments.all())
    done = client.get(response["Location"]).content.decode()
    assert case.number in done and f"?t={case.tracking_token}" in done


def test_landline_is_accepted_and_normalised(world: World, client: Client) -> None:
    post_report(client, form_data(world, reporter_phone="0371 6212 3456"))
    assert Case.objects.get().reporter_phone == "0371-62123456"


def test_contact_is_optional(world: World, client: Client) -> None:
    data = form_data(world, reporter_name=None, reporter_phone=None, consent=None)
    assert post_report(client, data).status_code == 302
    case = Case.objects.get()
    assert case.reporter_name == "" and case.reporter_phone == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lng": "114.5", "lat": "34.9"}, "不在"),
        ({"lng": None, "lat": None}, "请在地图上点选问题位置"),
        ({"category": None}, "请选择问题类别"),
        ({"category": "999999"}, "请选择问题类别"),
        ({"description": "   "}, "请填写问题描述"),
        ({"description": "垃" * 2001}, "问题描述不能超过2000字"),
        ({"reporter_phone": "12345"}, "请填写正确的手机号"),
        ({"reporter_phone": "13812341234", "consent": None}, "请勾选同意"),
        ({"form_token": None}, "表单已失效"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_stored(
    world: World, client: Client, overrides: dict[str, Any], message: str
) -> None:
    response = post_report(client, form_data(world, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_empty_report_names_the_missing_place_once(world: World, client: Client) -> None:
    response = post_report(client, {"form_token": TOKEN})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["lng", "category", "description"]
    html = response.content.decode()
    summary = html[html.index('id="report-errors"') : html.index('id="step-place"')]
    assert summary.count("请在地图上点选问题位置") == 1
    # ...and beside the map, where it is to be fixed.
    assert 'class="place-status is-error" id="place-status"' in html


def test_other_jurisdictions_category_is_refused(world: World, cast: Cast, client: Client) -> None:
    from jingxi.catalog.models import Category

    assert cast.outsider.jurisdiction is not None
    other = Category.objects.create(
        jurisdiction=cast.outsider.jurisdiction,
        kind=world.exposed_garbage.kind,
        level=world.exposed_garbage.level,
        code="0102",
        name="暴露垃圾",
    )
    response = post_report(client, form_data(world, category=str(other.pk)))
    assert response.status_code == 400 and not Case.objects.exists()


def test_non_image_photo_is_refused_and_nothing_stored(world: World, client: Client) -> None:
    data = form_data(world, photos=[upload(jpeg()), upload(b"%PDF-1.4 hello", "x.jpg")])
    response = post_report(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "「x.jpg」" in html and "PDF" in html
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_oversized_photo_is_refused(world: World, client: Client, settings: Any) -> None:
    settings.JINGXI_MAX_PHOTO_BYTES = 1000
    data = form_data(world, photos=[upload(jpeg(size=(400, 300)))])
    response = post_report(client, data)
    assert response.status_code == 400
    assert "照片过大" in response.content.decode()
    assert not Case.objects.exists()


def test_refused_form_keeps_what_was_typed(world: World, client: Client) -> None:
    response = post_report(client, form_data(world, category=None, description="井盖丢了"))
    html = response.content.decode()
    assert "井盖丢了" in html and TOKEN in html


def test_double_submit_creates_one_case(world: World, client: Client) -> None:
    first = post_report(client, form_data(world))
    second = post_report(client, form_data(world))
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_flooding_from_one_address_gets_429(world: World, client: Client, settings: Any) -> None:
    settings.JINGXI_PUBLIC_REPORTS_PER_HOUR = 2
    for i in range(2):
        assert post_report(client, form_data(world, form_token=f"{TOKEN}{i}")).status_code == 302
    response = post_report(client, form_data(world, form_token=f"{TOKEN}x"))
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode() and response["Retry-After"] == "3600"
    assert Case.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post_report(other, form_data(world, form_token=f"{TOKEN}y")).status_code == 302


def test_proxy_count_reads_the_forwarded_address(world: World, settings: Any) -> None:
    settings.JINGXI_PUBLIC_REPORTS_PER_HOUR = 1
    settings.JINGXI_PROXY_COUNT = 1
    a = Client(HTTP_X_FORWARDED_FOR="1.1.1.1")
    b = Client(HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert post_report(a, form_data(world, form_token=f"{TOKEN}a")).status_code == 302
    assert post_report(b, form_data(world, form_token=f"{TOKEN}b")).status_code == 302
    assert post_report(a, form_data(world, form_token=f"{TOKEN}c")).status_code == 429


# --- public JSON helpers -------------------------------------------------------------------


def test_public_geocode_finds_places_without_login(world: World, client: Client) -> None:
    response = client.get(reverse("public:geocode"), {"q": "县第一实验小学"})
    assert response.status_code == 200
    candidates = response.json()["candidates"]
    assert candidates and candidates[0]["label"].startswith("县第一实验小学")
    assert set(candidates[0]) == {"label", "lng", "lat"}
    assert client.get(reverse("public:geocode"), {"q": ""}).status_code == 400


def test_place_describe_says_when_a_point_is_outside(world: World, client: Client) -> None:
    inside = client.get(reverse("public:place-describe"), {"lng": str(LNG), "lat": str(LAT)})
    assert inside.status_code == 200 and "青年路" in inside.json()["text"]
    outside = client.get(reverse("public:place-describe"), {"lng": "114.5", "lat": "34.9"})
    assert outside.status_code == 400 and "不在中牟县范围内" in outside.json()["error"]


def test_category_suggest_reads_the_description(world: World, client: Client) -> None:
    response = client.get(
        reverse("public:category-suggest"), {"q": "路口有车辆乱停放，机动车乱停放"}
    )
    assert response.json()["suggestions"][0]["id"] == world.illegal_parking.pk


def test_lookups_are_rate_limited(world: World, client: Client, settings: Any) -> None:
    settings.JINGXI_PUBLIC_LOOKUPS_PER_MINUTE = 3
    for _ in range(3):
        assert client.get(reverse("public:geocode"), {"q": "青年路"}).status_code == 200
    response = client.get(reverse("public:category-suggest"), {"q": "垃圾"})
    assert response.status_code == 429 and "error" in response.json()


# --- tracking -------------------------------------------------------------------------------


def test_track_by_number_shows_public_safe_timeline(
    world: World, cast: Cast, client: Client
) -> None:
    case = closed_case(world, cast)
    response = client.get(reverse("public:track", kwargs={"number": case.number}))
    assert response.status_code == 200
    html = response.content.decode()
    for words in ("已受理", "已立案", "已派遣至县环卫中心", "处置中", "已处置待核查", "已办结"):
        assert words in html
    for secret in ("派遣员小李", "环卫经办人", "督导员小张", "王小明", "13812341234"):
        assert secret not in html
    assert 'id="feedback-form"' not in html  # the number alone cannot rate


def test_track_search_leads_to_the_number(world: World, cast: Cast, client: Client) -> None:
    case = closed_case(world, cast)
    response = client.get(reverse("public:track-search"), {"number": f" {case.number} "})
    assert response["Location"] == reverse("public:track", kwargs={"number": case.number})
    missing = client.get(reverse("public:track-search"), {"number": "202001010001"})
    assert missing.status_code == 404 and "没有找到" in missing.content.decode()
    assert client.get(reverse("public:track-search"), {"number": "abc"}).status_code == 400


def test_staff_patrol_cases_are_not_public(world: World, cast: Cast, client: Client) -> None:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="巡查发现",
        source=Source.INSPECTOR,
        actor=cast.inspector,
    )
    assert client.get(reverse("public:track", kwargs={"number": case.number})).status_code == 404


def test_wrong_token_shows_the_timeline_but_no_rating(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    client = Client()
    url = reverse("public:track", kwargs={"number": case.number})
    html = client.get(f"{url}?t=wrong-token").content.decode()
    assert "查询链接无效" in html and 'id="feedback-form"' not in html
    response = client.post(
        reverse("public:feedback", kwargs={"number": case.number}), {"rating": "satisfied"}
    )
    assert response.status_code == 400 and not Feedback.objects.exists()


def test_reporter_rates_once_after_closure(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    client = tracked_client(case)
    url = reverse("public:track", kwargs={"number": case.number})
    assert 'id="feedback-form"' in client.get(url).content.decode()
    feedback_url = reverse("public:feedback", kwargs={"number": case.number})
    response = client.post(feedback_url, {"rating": "satisfied", "comment": "很快"})
    assert response.status_code == 302
    feedback = Feedback.objects.get(case=case)
    assert feedback.rating == "satisfied" and feedback.comment == "很快"
    html = client.get(url).content.decode()
    assert 'id="feedback-given"' in html and 'id="feedback-form"' not in html
    again = client.post(feedback_url, {"rating": "unsatisfied"})
    assert again.status_code == 400 and "已评价" in again.content.decode()
    assert Feedback.objects.get(case=case).rating == "satisfied"


def test_open_case_cannot_be_rated(world: World, cast: Cast) -> None:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="路边垃圾",
        source=Source.CITIZEN_WEB,
    )
    client = tracked_client(case)
    response = client.post(
        reverse("public:feedback", kwargs={"number": case.number}), {"rating": "satisfied"}
    )
    assert response.status_code == 400 and "办结后才能评价" in response.content.decode()


def test_rating_needs_a_choice(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    client = tracked_client(case)
    response = client.post(
        reverse("public:feedback", kwargs={"number": case.number}), {"rating": "great"}
    )
    assert response.status_code == 400 and not Feedback.objects.exists()


# --- not fixed and reopening ---------------------------------------------------------------


def test_not_fixed_within_window_creates_a_request(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    client = tracked_client(case)
    url = reverse("public:not-fixed", kwargs={"number": case.number})
    assert client.post(url, {"reason": "又堆上了"}).status_code == 302
    request = ReopenRequest.objects.get(case=case)
    assert request.status == ReopenStatus.PENDING and request.reason == "又堆上了"
    again = client.post(url, {"reason": "还是没清"})
    assert again.status_code == 400 and "已反映过" in again.content.decode()
    assert ReopenRequest.objects.count() == 1


def test_not_fixed_after_the_window_is_refused(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    later = timezone.now() + dt.timedelta(days=31)  # LoopSettings.reopen_window_days = 30
    with pytest.raises(CitizenError, match="已超过"):
        reopen_request_create(case=case, token=case.tracking_token, reason="没修好", now=later)
    assert not ReopenRequest.objects.exists()


def test_not_fixed_needs_the_token(world: World, cast: Cast, client: Client) -> None:
    case = closed_case(world, cast)
    url = reverse("public:not-fixed", kwargs={"number": case.number})
    assert client.post(url, {"reason": "没修好"}).status_code == 400
    assert not ReopenRequest.objects.exists()


def _pending_request(world: World, cast: Cast) -> ReopenRequest:
    case = closed_case(world, cast)
    return reopen_request_create(case=case, token=case.tracking_token, reason="又堆上了")


def test_dispatcher_accepts_and_the_case_is_reopened(world: World, cast: Cast) -> None:
    request = _pending_request(world, cast)
    client = Client()
    client.force_login(cast.dispatcher)
    page = client.get(reverse("public:reopen-list")).content.decode()
    assert "又堆上了" in page and "13812341234" in page  # the dispatcher calls back
    decide = reverse("public:reopen-decide", kwargs={"request_id": request.pk})
    assert client.post(decide, {"decision": "accept"}).status_code == 302
    request.refresh_from_db()
    assert request.status == ReopenStatus.ACCEPTED and request.decided_by == cast.dispatcher
    case = Case.objects.get(pk=request.case_id)
    assert case.status == Status.FILED
    event = CaseEvent.objects.filter(case=case, action=Action.REOPEN).get()
    assert "又堆上了" in event.note
    assert client.post(decide, {"decision": "decline"}).status_code == 302  # already decided
    request.refresh_from_db()
    assert request.status == ReopenStatus.ACCEPTED


def test_dispatcher_declines_and_the_case_stays_closed(world: World, cast: Cast) -> None:
    request = _pending_request(world, cast)
    client = Client()
    client.force_login(cast.dispatcher)
    decide = reverse("public:reopen-decide", kwargs={"request_id": request.pk})
    client.post(decide, {"decision": "decline", "note": "现场已清理干净"})
    request.refresh_from_db()
    assert request.status == ReopenStatus.DECLINED and request.decision_note == "现场已清理干净"
    assert Case.objects.get(pk=request.case_id).status == Status.CLOSED


@pytest.mark.parametrize("who", ["handler_a", "inspector", "leader", "citizen", "outsider"])
def test_only_dispatchers_decide_reopen_requests(world: World, cast: Cast, who: str) -> None:
    request = _pending_request(world, cast)
    client = Client()
    client.force_login(getattr(cast, who))
    assert client.get(reverse("public:reopen-list")).status_code == 404
    decide = reverse("public:reopen-decide", kwargs={"request_id": request.pk})
    assert client.post(decide, {"decision": "accept"}).status_code == 404
    request.refresh_from_db()
    assert request.status == ReopenStatus.PENDING


def test_anonymous_is_sent_to_login_for_reopen_requests(world: World, client: Client) -> None:
    response = client.get(reverse("public:reopen-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dispatcher_sees_ratings(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    client = tracked_client(case)
    client.post(
        reverse("public:feedback", kwargs={"number": case.number}),
        {"rating": "basically_satisfied"},
    )
    staff = Client()
    staff.force_login(cast.dispatcher)
    page = staff.get(reverse("public:reopen-list")).content.decode()
    assert f'data-feedback="{case.number}"' in page and "基本满意" in page and "100%" in page


def test_dispatcher_menu_has_the_feedback_page(world: World, cast: Cast) -> None:
    client = Client()
    client.force_login(cast.dispatcher)
    html = client.get(reverse("public:reopen-list")).content.decode()
    assert 'data-nav="feedback"' in html


def test_map_context_draws_streets_and_roads_without_tiles(world: World, client: Client) -> None:
    data = client.get(reverse("public:map-context")).json()
    kinds = {(f["properties"]["kind"], f["properties"]["name"]) for f in data["features"]}
    assert ("road", "青年路") in kinds and ("area", world.township_a.name) in kinds
