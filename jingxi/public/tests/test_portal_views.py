"""The portal's pages: no personal data on any public page, few queries, photos public only
when published, staff pages for the office only, and the forms' errors and limits."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.public.portal import services
from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    ConsultationStatus,
    MediaExposure,
    ModerationStatus,
    Suggestion,
    TypicalCase,
)
from jingxi.public.tests.test_portal_world import (
    CITIZEN_NAME,
    CITIZEN_PHONE,
    MONDAY,
    Story,
    photos_of,
    tell,
    walk,
)

CHIEF_MOBILE = "13700001234"
SUGGESTER_NAME = "李建国"
SUGGESTER_PHONE = "13900001111"
COMMENTER = "张三丰"
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _site(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"


@dataclass
class Portal:
    story: Story
    typical: TypicalCase
    hidden_typical: TypicalCase
    consultation: Consultation
    suggestion: Suggestion


@pytest.fixture
def portal(world: World, cast: Cast) -> Portal:
    """A county with cases (one from a citizen with name and phone), a published typical
    case made from that citizen's case, a concluded consultation with an approved and a
    pending comment and a hearing, and a published suggestion with private contact."""
    story = tell(world, cast)
    cast.road_chief.phone = CHIEF_MOBILE
    cast.road_chief.save()
    shown = walk(
        world,
        cast,
        at=MONDAY,
        point=(113.985, 34.7152),
        close_at=MONDAY + dt.timedelta(hours=2),
        citizen=True,
        photos=True,
    )
    before, after = photos_of(shown)
    typical = services.typical_case_publish(
        case_id=shown.pk,
        actor=cast.dispatcher,
        kind="positive",
        title="东风路垃圾及时清运",
        text="市民反映后两小时清运完毕。",
        before_photo_id=before.pk,
        after_photo_id=after.pk,
    )
    other = walk(
        world,
        cast,
        at=MONDAY,
        point=(113.955, 34.7152),
        close_at=MONDAY + dt.timedelta(hours=3),
        photos=True,
    )
    o_before, o_after = photos_of(other)
    hidden = services.typical_case_publish(
        case_id=other.pk,
        actor=cast.dispatcher,
        kind="negative",
        title="未公开的案例",
        text="x",
        before_photo_id=o_before.pk,
        after_photo_id=o_after.pk,
        publish=False,
    )
    c = services.consultation_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        kind="opinion",
        title="青年路改造方案",
        body="方案内容",
        opens_at=MONDAY - 10 * DAY,
        closes_at=MONDAY - 3 * DAY,
        now=MONDAY - 11 * DAY,
    )
    services.consultation_publish(
        consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY - 10 * DAY
    )
    approved = services.consultation_comment_submit(
        consultation_id=c.pk, text="支持拓宽人行道", name=COMMENTER, now=MONDAY - 9 * DAY
    )
    services.consultation_comment_moderate(
        comment_id=approved.pk, actor=cast.dispatcher, decision="approved"
    )
    rejected = services.consultation_comment_submit(
        consultation_id=c.pk, text="不予公开的意见", now=MONDAY - 9 * DAY
    )
    services.consultation_comment_moderate(
        comment_id=rejected.pk, actor=cast.dispatcher, decision="rejected"
    )
    services.hearing_record(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        title="改造方案座谈会",
        held_on=(MONDAY - 5 * DAY).date(),
        participants="居民代表10人",
        minutes="与会代表支持改造",
        consultation=c,
        now=MONDAY,
    )
    services.consultation_conclude(
        consultation_id=c.pk,
        actor=cast.dispatcher,
        summary="收到意见2条",
        response="采纳拓宽人行道",
        now=MONDAY - 2 * DAY,
    )
    s = services.suggestion_receive(
        jurisdiction=world.jurisdiction,
        channel="web",
        title="建议增加垃圾桶",
        text="青年路垃圾桶太少",
        contact_name=SUGGESTER_NAME,
        contact_phone=SUGGESTER_PHONE,
        now=MONDAY,
    )
    services.suggestion_answer(
        suggestion_id=s.pk, actor=cast.dispatcher, answer="已增设20个", publish=True
    )
    return Portal(story, typical, hidden, Consultation.objects.get(pk=c.pk), s)


def public_urls(p: Portal) -> list[str]:
    return [
        reverse("public:portal"),
        reverse("public:figures") + "?year=2026&month=11",
        reverse("public:figures") + f"?year=2026&township={p.story.b_citizen.township_id}",
        reverse("public:grid-map"),
        reverse("public:grid-map-data") + "?year=2026&month=11",
        reverse("public:typical-list"),
        reverse("public:typical-detail", args=[p.typical.pk]),
        reverse("public:road-boards"),
        reverse("public:consultation-list"),
        reverse("public:consultation-detail", args=[p.consultation.pk]),
        reverse("public:suggestion-list"),
        reverse("public:suggestion-new"),
    ]


# --- privacy ------------------------------------------------------------------------


def test_no_personal_data_on_any_public_page(client: Client, portal: Portal) -> None:
    secrets = [
        CITIZEN_NAME,
        CITIZEN_PHONE,
        CITIZEN_PHONE[-4:] + "</",  # not even the masked phone's tail as a value
        SUGGESTER_NAME,
        SUGGESTER_PHONE,
        COMMENTER,
        CHIEF_MOBILE,
        portal.story.b_citizen.number,
        portal.story.b_citizen.tracking_token,
        "34.7152",  # the cases' latitude: no exact position
        "不予公开的意见",
    ]
    for url in public_urls(portal):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)


def test_comments_are_shown_without_names_and_the_chiefs_public_phone_is_shown(
    client: Client, portal: Portal
) -> None:
    body = client.get(reverse("public:consultation-detail", args=[portal.consultation.pk]))
    text = body.content.decode()
    assert "张*" not in text and "网友" in text
    assert "支持拓宽人行道" in text
    assert "采纳拓宽人行道" in text
    assert "与会代表支持改造" in text
    boards = client.get(reverse("public:road-boards")).content.decode()
    assert "0371-62100000" in boards
    assert "路长老王" in boards


def test_grid_map_data_has_polygons_and_counts_only(client: Client, portal: Portal) -> None:
    data = json.loads(client.get(reverse("public:grid-map-data") + "?year=2026&month=11").content)
    assert {f["geometry"]["type"] for f in data["features"]} == {"Polygon"}
    counts = {f["properties"]["code"]: f["properties"]["count"] for f in data["features"]}
    assert sum(counts.values()) == data["total"] == 6
    assert set(data["features"][0]["properties"]) == {
        "id",
        "code",
        "community",
        "township",
        "count",
    }


def test_grid_map_data_refuses_a_bad_period(client: Client, portal: Portal) -> None:
    response = client.get(reverse("public:grid-map-data") + "?year=2026&month=13")
    assert response.status_code == 400
    assert "月份" in response.json()["error"]


# --- photos -------------------------------------------------------------------------


def test_typical_photos_are_public_only_when_published(client: Client, portal: Portal) -> None:
    url = reverse("public:typical-photo", args=[portal.typical.pk, "before"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert not image.getexif()
    assert (
        client.get(reverse("public:typical-photo", args=[portal.typical.pk, "other"])).status_code
        == 404
    )
    hidden = reverse("public:typical-photo", args=[portal.hidden_typical.pk, "before"])
    assert client.get(hidden).status_code == 404
    assert (
        client.get(reverse("public:typical-detail", args=[portal.hidden_typical.pk])).status_code
        == 404
    )
    TypicalCase.objects.filter(pk=portal.typical.pk).update(is_published=False)
    assert client.get(url).status_code == 404


def test_case_photos_stay_private(client: Client, portal: Portal) -> None:
    attachment = portal.typical.before_photo
    assert client.get(reverse("cases:attachment-file", args=[attachment.pk])).status_code == 302


# --- query counts -------------------------------------------------------------------


@pytest.mark.parametrize("index", range(12))
def test_public_pages_take_few_queries(client: Client, portal: Portal, index: int) -> None:
    """At most 8 statements a page, not counting the `SET LOCAL jit = off` the indicator
    registry sends before each aggregate on PostgreSQL (see indicators.registry._jit_off)."""
    url = public_urls(portal)[index]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    statements = [q["sql"] for q in captured.captured_queries if "SET LOCAL jit" not in q["sql"]]
    assert len(statements) <= 8, statements


# --- consultations and suggestions on the web ---------------------------------------


def _open_consultation(world: World, cast: Cast) -> Consultation:
    c = services.consultation_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        kind="notice",
        title="公厕选址公示",
        body="拟在……",
        opens_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    return services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher)


def test_citizen_comments_wait_for_moderation(client: Client, world: World, cast: Cast) -> None:
    c = _open_consultation(world, cast)
    url = reverse("public:consultation-detail", args=[c.pk])
    response = client.post(url, {"text": "建议选在公园东门", "name": "赵六"}, follow=True)
    assert "审核通过后" in response.content.decode()
    assert "建议选在公园东门" not in response.content.decode()
    comment = ConsultationComment.objects.get()
    assert comment.status == ModerationStatus.PENDING
    assert comment.ip_hash and comment.ip_hash != "127.0.0.1"


def test_empty_comment_is_a_clear_error(client: Client, world: World, cast: Cast) -> None:
    c = _open_consultation(world, cast)
    response = client.post(reverse("public:consultation-detail", args=[c.pk]), {"text": ""})
    assert response.status_code == 400
    assert "您的意见" in response.content.decode()
    assert not ConsultationComment.objects.exists()


def test_comment_flooding_gets_429(client: Client, world: World, cast: Cast) -> None:
    c = _open_consultation(world, cast)
    url = reverse("public:consultation-detail", args=[c.pk])
    for i in range(services.COMMENT_LIMIT):
        assert client.post(url, {"text": f"意见{i}"}).status_code == 302
    response = client.post(url, {"text": "又一条"})
    assert response.status_code == 429
    assert "频繁" in response.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, {"text": "另一位市民"}).status_code == 302


def test_draft_consultation_is_not_public(client: Client, world: World, cast: Cast) -> None:
    c = services.consultation_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        kind="notice",
        title="草稿",
        body="b",
        opens_at=MONDAY,
        closes_at=MONDAY + DAY,
    )
    assert client.get(reverse("public:consultation-detail", args=[c.pk])).status_code == 404


def test_suggestion_form_and_its_errors(client: Client, world: World) -> None:
    url = reverse("public:suggestion-new")
    response = client.post(url, {"title": "", "text": "x"})
    assert response.status_code == 400
    assert (
        "这个字段是必填项" in response.content.decode() or "required" in response.content.decode()
    )
    response = client.post(
        url, {"title": "增设座椅", "text": "公园座椅太少", "contact_phone": "12"}
    )
    assert response.status_code == 400
    assert "联系电话格式不正确" in response.content.decode()
    response = client.post(
        url, {"title": "增设座椅", "text": "公园座椅太少", "contact_phone": "13800000000"}
    )
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert (s.channel, s.contact_phone, s.is_published) == ("web", "13800000000", False)
    for _ in range(services.SUGGESTION_LIMIT - 1):
        client.post(url, {"title": "再提", "text": "内容"})
    assert client.post(url, {"title": "又提", "text": "内容"}).status_code == 429


# --- staff --------------------------------------------------------------------------


def staff_urls(p: Portal) -> list[str]:
    return [
        reverse("public:staff-home"),
        reverse("public:staff-suggestion-list"),
        reverse("public:staff-suggestion-new"),
        reverse("public:staff-suggestion-detail", args=[p.suggestion.pk]),
        reverse("public:staff-media-list"),
        reverse("public:staff-media-new"),
        reverse("public:staff-consultation-list"),
        reverse("public:staff-consultation-new"),
        reverse("public:staff-consultation-detail", args=[p.consultation.pk]),
        reverse("public:staff-hearing-new"),
        reverse("public:staff-typical-list"),
        reverse("public:staff-typical-new", args=[p.typical.case_id]),
        reverse("public:staff-trace") + "?measure=received&year=2026&month=11",
    ]


WRITE_FORMS = ("/new/",)  # pages that exist only to write: the leader reads, 403 there


def test_office_staff_open_every_staff_page(client: Client, cast: Cast, portal: Portal) -> None:
    client.force_login(cast.dispatcher)
    for url in staff_urls(portal):
        assert client.get(url).status_code == 200, url
    client.force_login(cast.leader)
    for url in staff_urls(portal):
        expected = 403 if any(part in url for part in WRITE_FORMS) else 200
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("who", ["handler_a", "unit_head_a", "inspector", "road_chief", "outsider"])
def test_others_get_404_on_staff_pages(
    client: Client, cast: Cast, portal: Portal, who: str
) -> None:
    client.force_login(getattr(cast, who))
    for url in staff_urls(portal):
        assert client.get(url).status_code == 404, url
    publish = reverse("public:staff-suggestion-publish", args=[portal.suggestion.pk])
    assert client.post(publish, {"publish": "0"}).status_code == 404
    assert Suggestion.objects.get(pk=portal.suggestion.pk).is_published


def test_anonymous_is_sent_to_login(client: Client, portal: Portal) -> None:
    response = client.get(reverse("public:staff-home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_leader_reads_but_cannot_write(client: Client, cast: Cast, portal: Portal) -> None:
    client.force_login(cast.leader)
    publish = reverse("public:staff-suggestion-publish", args=[portal.suggestion.pk])
    assert client.post(publish, {"publish": "0"}).status_code == 403


def test_trace_link_only_for_staff(client: Client, cast: Cast, portal: Portal) -> None:
    url = reverse("public:figures") + "?year=2026&month=11"
    trace = reverse("public:staff-trace")
    assert trace not in client.get(url).content.decode()
    client.force_login(cast.dispatcher)
    body = client.get(url).content.decode()
    assert f"{trace}?measure=received&amp;year=2026&amp;month=11" in body
    listed = client.get(trace + "?measure=closed&year=2026&month=11")
    assert listed.status_code == 200
    assert portal.story.a_on_time.number in listed.content.decode()
    assert portal.story.b_open.number not in listed.content.decode()
    assert client.get(trace + "?measure=nope&year=2026").status_code == 404


def test_public_figures_are_kept_a_while_and_the_office_sees_them_live(
    client: Client, world: World, cast: Cast, portal: Portal, settings: Any
) -> None:
    settings.JINGXI_PUBLIC_FIGURES_SECONDS = 300
    figures_url = reverse("public:figures") + "?year=2026&month=11"
    home_url = reverse("public:portal")

    def received(response: Any) -> int:
        if "figures" in response.context:
            return int(response.context["figures"].total.received)
        return int(response.context["month_total"].received)

    first = received(client.get(figures_url))
    home_first = received(client.get(home_url))
    walk(world, cast, at=MONDAY, point=(113.985, 34.7152), close_at=None)
    assert received(client.get(figures_url)) == first  # the public's copy
    assert received(client.get(home_url)) == home_first
    office = Client()
    office.force_login(cast.dispatcher)
    assert received(office.get(figures_url)) == first + 1  # live, as the traces are
    settings.JINGXI_PUBLIC_FIGURES_SECONDS = 0
    assert received(client.get(figures_url)) == first + 1


def test_trace_page_takes_few_queries(
    client: Client, cast: Cast, portal: Portal, django_assert_max_num_queries: Any
) -> None:
    client.force_login(cast.dispatcher)
    with django_assert_max_num_queries(12):
        client.get(reverse("public:staff-trace") + "?measure=received&year=2026")


def test_staff_answer_and_publish_by_form(client: Client, cast: Cast, world: World) -> None:
    s = services.suggestion_receive(
        jurisdiction=world.jurisdiction, channel="web", title="建议", text="内容"
    )
    client.force_login(cast.dispatcher)
    url = reverse("public:staff-suggestion-detail", args=[s.pk])
    assert client.post(url, {"answer": ""}).status_code == 200
    assert client.post(url, {"answer": "已采纳", "publish": "on"}).status_code == 302
    s.refresh_from_db()
    assert (s.answer, s.is_published, s.answered_by) == ("已采纳", True, cast.dispatcher)


def test_staff_enter_a_hotline_suggestion(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    response = client.post(
        reverse("public:staff-suggestion-new"),
        {"channel": "hotline", "title": "夜市噪音", "text": "太吵", "contact_phone": "13811112222"},
    )
    assert response.status_code == 302
    assert Suggestion.objects.get().channel == "hotline"


def test_media_exposure_form_creates_a_media_case(client: Client, cast: Cast, world: World) -> None:
    client.force_login(cast.dispatcher)
    response = client.post(
        reverse("public:staff-media-new"),
        {
            "outlet": "郑州日报",
            "title": "青年路垃圾成堆",
            "url": "https://news.example/1",
            "published_on": "2026-11-20",
            "category": world.exposed_garbage.pk,
            "description": "报道称青年路垃圾成堆",
            "lng": "113.955",
            "lat": "34.7152",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    assert case.source == Source.MEDIA
    assert MediaExposure.objects.get(case=case).outlet == "郑州日报"


def test_media_exposure_form_says_what_is_missing(client: Client, cast: Cast, world: World) -> None:
    client.force_login(cast.dispatcher)
    response = client.post(
        reverse("public:staff-media-new"),
        {"outlet": "日报", "title": "t", "published_on": "2026-11-20", "description": "x"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "问题类别" in body
    assert "地图上点选" in body
    assert not Case.objects.exists()


def test_staff_run_a_consultation(client: Client, cast: Cast, world: World) -> None:
    client.force_login(cast.dispatcher)
    response = client.post(
        reverse("public:staff-consultation-new"),
        {
            "kind": "opinion",
            "title": "游园改造",
            "body": "方案",
            "opens_at": "2020-01-01T08:00",
            "closes_at": "2099-01-01T08:00",
        },
    )
    c = Consultation.objects.get()
    assert response.status_code == 302
    act = reverse("public:staff-consultation-act", args=[c.pk])
    client.post(act, {"action": "publish"})
    comment = services.consultation_comment_submit(consultation_id=c.pk, text="好")
    client.post(
        reverse("public:staff-comment-moderate", args=[comment.pk]), {"decision": "approved"}
    )
    comment.refresh_from_db()
    assert comment.status == ModerationStatus.APPROVED
    client.post(act, {"action": "close"})
    client.post(act, {"action": "conclude", "summary": "1条", "response": "采纳"})
    c.refresh_from_db()
    assert c.status == ConsultationStatus.CONCLUDED
    response = client.post(
        reverse("public:staff-hearing-new"),
        {
            "title": "座谈会",
            "held_on": "2026-11-20",
            "participants": "居民",
            "minutes": "纪要",
            "consultation": c.pk,
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    assert c.hearings.count() == 1


def test_staff_choose_a_typical_case(client: Client, cast: Cast, world: World) -> None:
    case = walk(
        world,
        cast,
        at=MONDAY,
        point=(113.955, 34.7152),
        close_at=MONDAY + dt.timedelta(hours=2),
        photos=True,
    )
    before, after = photos_of(case)
    client.force_login(cast.dispatcher)
    listing = client.get(reverse("public:staff-typical-list")).content.decode()
    assert case.number in listing
    response = client.post(
        reverse("public:staff-typical-new", args=[case.pk]),
        {
            "kind": "positive",
            "title": "及时清运",
            "text": "两小时",
            "before_photo": before.pk,
            "after_photo": after.pk,
            "publish": "on",
        },
    )
    assert response.status_code == 302
    typical = TypicalCase.objects.get()
    assert typical.is_published
    client.post(reverse("public:staff-typical-toggle", args=[typical.pk]), {"publish": "0"})
    typical.refresh_from_db()
    assert not typical.is_published
