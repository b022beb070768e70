"""Suggestions, media exposures, consultations, hearings and typical cases, by service."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import Cast, World
from jingxi.cases.choices import Source, Status
from jingxi.cases.models import Case
from jingxi.public.portal import selectors, services
from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    ConsultationStatus,
    ModerationStatus,
    Suggestion,
    TypicalCase,
)
from jingxi.public.tests.test_portal_world import MONDAY, NOW, photos_of, walk

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


# --- suggestions --------------------------------------------------------------------


def test_suggestion_queue_answer_and_publish(world: World, cast: Cast) -> None:
    web = services.suggestion_receive(
        jurisdiction=world.jurisdiction,
        channel="web",
        title="建议增设公厕",
        text="青年路公园附近缺少公厕",
        contact_name="李四",
        contact_phone="138 1234 5678",
        ip_hash="x",
        now=MONDAY,
    )
    assert web.contact_phone == "13812345678"
    hotline = services.suggestion_receive(
        jurisdiction=world.jurisdiction,
        channel="hotline",
        title="夜市噪音",
        text="夜市太吵",
        actor=cast.dispatcher,
        now=MONDAY,
    )
    queue = selectors.suggestion_queue(jurisdiction=world.jurisdiction, state="open")
    assert {s.pk for s in queue} == {web.pk, hotline.pk}
    assert not selectors.suggestion_list_public(jurisdiction=world.jurisdiction).exists()

    services.suggestion_answer(suggestion_id=web.pk, actor=cast.dispatcher, answer="已列入计划")
    # Unanswered first (on every database: NULL answer times sort first explicitly).
    assert [s.pk for s in selectors.suggestion_queue(jurisdiction=world.jurisdiction)] == [
        hotline.pk,
        web.pk,
    ]
    assert not selectors.suggestion_list_public(jurisdiction=world.jurisdiction).exists()
    services.suggestion_publish(suggestion_id=web.pk, actor=cast.dispatcher, publish=True)
    assert list(selectors.suggestion_list_public(jurisdiction=world.jurisdiction)) == [web]
    with pytest.raises(services.PortalInputError, match="先答复"):
        services.suggestion_publish(suggestion_id=hotline.pk, actor=cast.dispatcher, publish=True)
    services.suggestion_publish(suggestion_id=web.pk, actor=cast.dispatcher, publish=False)
    assert not selectors.suggestion_list_public(jurisdiction=world.jurisdiction).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": " "}, "标题"),
        ({"text": "长" * 2001}, "2000"),
        ({"contact_phone": "abc"}, "电话"),
        ({"channel": "fax"}, "渠道"),
        ({"channel": "hotline"}, "门户网站"),
    ],
)
def test_bad_suggestions_are_refused(world: World, kwargs: dict[str, str], message: str) -> None:
    args = {"channel": "web", "title": "标题", "text": "内容", **kwargs}
    with pytest.raises(services.PortalInputError, match=message):
        services.suggestion_receive(
            jurisdiction=world.jurisdiction,
            channel=args["channel"],
            title=args["title"],
            text=args["text"],
            contact_phone=args.get("contact_phone", ""),
        )
    assert not Suggestion.objects.exists()


def test_web_suggestions_are_rate_limited(world: World) -> None:
    for i in range(services.SUGGESTION_LIMIT):
        services.suggestion_receive(
            jurisdiction=world.jurisdiction,
            channel="web",
            title=f"建议{i}",
            text="内容",
            ip_hash="same",
            now=MONDAY,
        )
    with pytest.raises(services.RateLimited, match="频繁"):
        services.suggestion_receive(
            jurisdiction=world.jurisdiction,
            channel="web",
            title="再来",
            text="内容",
            ip_hash="same",
            now=MONDAY,
        )
    services.suggestion_receive(
        jurisdiction=world.jurisdiction,
        channel="web",
        title="换个地址",
        text="内容",
        ip_hash="other",
        now=MONDAY,
    )
    services.suggestion_receive(
        jurisdiction=world.jurisdiction,
        channel="web",
        title="一小时后",
        text="内容",
        ip_hash="same",
        now=MONDAY + services.SUGGESTION_WINDOW,
    )


def test_unit_handler_cannot_answer(world: World, cast: Cast) -> None:
    s = services.suggestion_receive(
        jurisdiction=world.jurisdiction, channel="web", title="t", text="x"
    )
    for user in (cast.handler_a, cast.leader, cast.outsider):
        with pytest.raises(PermissionDenied):
            services.suggestion_answer(suggestion_id=s.pk, actor=user, answer="好")


# --- media --------------------------------------------------------------------------


def test_media_exposure_creates_a_case_with_source_media(world: World, cast: Cast) -> None:
    exposure = services.media_exposure_record(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7152,
        description="电视台报道青年路垃圾堆积",
        outlet="中牟电视台",
        title="青年路垃圾无人清",
        url="https://tv.example/news/1",
        published_on=dt.date(2026, 11, 22),
        now=MONDAY,
    )
    case = exposure.case
    assert case.source == Source.MEDIA
    assert case.status == Status.REPORTED
    assert case.township == world.township_a
    assert case.reporter == cast.dispatcher
    assert case.events.get().data["source"] == "media"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outlet": ""}, "媒体名称"),
        ({"url": "ftp://x"}, "http"),
        ({"published_on": dt.date(2026, 12, 1)}, "晚于今天"),
        ({"lng": 120.0, "lat": 30.0}, "辖区"),
        ({"description": ""}, "描述"),
    ],
)
def test_bad_media_exposure_writes_nothing(
    world: World, cast: Cast, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "jurisdiction": world.jurisdiction,
        "actor": cast.dispatcher,
        "category": world.exposed_garbage,
        "lng": 113.955,
        "lat": 34.7152,
        "description": "报道",
        "outlet": "日报",
        "title": "标题",
        "published_on": dt.date(2026, 11, 22),
        "now": MONDAY,
        **kwargs,
    }
    with pytest.raises(services.PortalInputError, match=message):
        services.media_exposure_record(**args)  # type: ignore[arg-type]
    assert not Case.objects.exists()


def test_only_the_office_records_media_exposures(world: World, cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.media_exposure_record(
            jurisdiction=world.jurisdiction,
            actor=cast.handler_a,
            category=world.exposed_garbage,
            lng=113.955,
            lat=34.7152,
            description="报道",
            outlet="日报",
            title="标题",
            published_on=dt.date(2026, 11, 22),
        )


# --- consultations ------------------------------------------------------------------


def _consultation(world: World, cast: Cast) -> Consultation:
    return services.consultation_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        kind="opinion",
        title="青年路改造方案征求意见",
        body="拟对青年路人行道进行改造……",
        opens_at=MONDAY,
        closes_at=MONDAY + 7 * DAY,
        now=MONDAY - DAY,
    )


def test_consultation_lifecycle_with_moderation(world: World, cast: Cast) -> None:
    c = _consultation(world, cast)
    assert c.status == ConsultationStatus.DRAFT
    assert not selectors.consultation_list_public(jurisdiction=world.jurisdiction).exists()
    with pytest.raises(services.PortalInputError, match="没有找到"):
        services.consultation_comment_submit(consultation_id=c.pk, text="好", now=MONDAY)

    services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY - DAY)
    with pytest.raises(services.PortalInputError, match="尚未开始"):
        services.consultation_comment_submit(consultation_id=c.pk, text="早", now=MONDAY - DAY)
    good = services.consultation_comment_submit(
        consultation_id=c.pk, text="支持改造", name="张三", ip_hash="a", now=MONDAY
    )
    bad = services.consultation_comment_submit(
        consultation_id=c.pk, text="广告：办证", ip_hash="b", now=MONDAY
    )
    assert good.status == ModerationStatus.PENDING
    assert not selectors.comment_list_approved(consultation=c).exists()

    with pytest.raises(services.PortalInputError, match="尚未截止"):
        services.consultation_conclude(
            consultation_id=c.pk, actor=cast.dispatcher, summary="s", response="r", now=MONDAY
        )
    services.consultation_comment_moderate(
        comment_id=good.pk, actor=cast.dispatcher, decision="approved"
    )
    assert list(selectors.comment_list_approved(consultation=c)) == [good]
    with pytest.raises(services.PortalInputError, match="未审核"):
        services.consultation_conclude(
            consultation_id=c.pk,
            actor=cast.dispatcher,
            summary="s",
            response="r",
            now=MONDAY + 8 * DAY,
        )
    services.consultation_comment_moderate(
        comment_id=bad.pk, actor=cast.dispatcher, decision="rejected", note="广告"
    )
    assert list(selectors.comment_list_approved(consultation=c)) == [good]
    with pytest.raises(services.PortalInputError, match="截止"):
        services.consultation_comment_submit(
            consultation_id=c.pk, text="晚了", now=MONDAY + 7 * DAY
        )
    services.hearing_record(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        title="青年路改造座谈会",
        held_on=dt.date(2026, 11, 25),
        participants="居民代表12人、县住建局",
        minutes="居民代表普遍支持……",
        consultation=c,
        now=NOW,
    )
    c = services.consultation_conclude(
        consultation_id=c.pk,
        actor=cast.dispatcher,
        summary="共收到意见2条，公开1条",
        response="采纳拓宽人行道的意见",
        now=MONDAY + 8 * DAY,
    )
    assert c.status == ConsultationStatus.CONCLUDED
    assert [h.title for h in selectors.hearing_list_public(consultation=c)] == ["青年路改造座谈会"]


def test_consultation_can_be_closed_early_then_concluded(world: World, cast: Cast) -> None:
    c = _consultation(world, cast)
    services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY)
    c = services.consultation_close(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY + DAY)
    assert c.status == ConsultationStatus.CLOSED
    assert c.closes_at == MONDAY + DAY
    services.consultation_conclude(
        consultation_id=c.pk, actor=cast.dispatcher, summary="无", response="无", now=MONDAY + DAY
    )


def test_bad_consultation_input(world: World, cast: Cast) -> None:
    with pytest.raises(services.PortalInputError, match="晚于开始"):
        services.consultation_create(
            jurisdiction=world.jurisdiction,
            actor=cast.dispatcher,
            kind="notice",
            title="t",
            body="b",
            opens_at=MONDAY,
            closes_at=MONDAY,
        )
    c = _consultation(world, cast)
    services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY)
    with pytest.raises(services.PortalInputError, match="1000"):
        services.consultation_comment_submit(consultation_id=c.pk, text="长" * 1001, now=MONDAY)
    with pytest.raises(services.PortalInputError, match="只有草稿"):
        services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY)
    with pytest.raises(services.PortalInputError, match="审核结果"):
        comment = services.consultation_comment_submit(consultation_id=c.pk, text="好", now=MONDAY)
        services.consultation_comment_moderate(
            comment_id=comment.pk, actor=cast.dispatcher, decision="maybe"
        )


def test_comment_flooding_is_rate_limited(world: World, cast: Cast) -> None:
    c = _consultation(world, cast)
    services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY)
    for i in range(services.COMMENT_LIMIT):
        services.consultation_comment_submit(
            consultation_id=c.pk, text=f"意见{i}", ip_hash="flood", now=MONDAY
        )
    with pytest.raises(services.RateLimited):
        services.consultation_comment_submit(
            consultation_id=c.pk, text="再来", ip_hash="flood", now=MONDAY
        )
    assert ConsultationComment.objects.count() == services.COMMENT_LIMIT


def test_only_the_office_moderates(world: World, cast: Cast) -> None:
    c = _consultation(world, cast)
    services.consultation_publish(consultation_id=c.pk, actor=cast.dispatcher, now=MONDAY)
    comment = services.consultation_comment_submit(consultation_id=c.pk, text="好", now=MONDAY)
    with pytest.raises(PermissionDenied):
        services.consultation_comment_moderate(
            comment_id=comment.pk, actor=cast.handler_a, decision="approved"
        )


# --- typical cases ------------------------------------------------------------------


def test_typical_case_from_a_closed_case_with_its_photos(world: World, cast: Cast) -> None:
    case = walk(
        world,
        cast,
        at=MONDAY,
        point=(113.955, 34.7152),
        close_at=MONDAY + dt.timedelta(hours=2),
        photos=True,
    )
    before, after = photos_of(case)
    typical = services.typical_case_publish(
        case_id=case.pk,
        actor=cast.dispatcher,
        kind="positive",
        title="青年路垃圾两小时清运",
        text="接报后两小时清运完毕",
        before_photo_id=before.pk,
        after_photo_id=after.pk,
    )
    assert list(selectors.typical_case_list_public(jurisdiction=world.jurisdiction)) == [typical]
    services.typical_case_set_published(typical_id=typical.pk, actor=cast.dispatcher, publish=False)
    assert not selectors.typical_case_list_public(jurisdiction=world.jurisdiction).exists()


def test_typical_case_refuses_open_cases_and_foreign_photos(world: World, cast: Cast) -> None:
    closed = walk(
        world,
        cast,
        at=MONDAY,
        point=(113.955, 34.7152),
        close_at=MONDAY + dt.timedelta(hours=2),
        photos=True,
    )
    other = walk(
        world,
        cast,
        at=MONDAY,
        point=(113.985, 34.7152),
        close_at=MONDAY + dt.timedelta(hours=3),
        photos=True,
    )
    open_case = walk(world, cast, at=MONDAY, point=(113.955, 34.7152), close_at=None, photos=True)
    before, after = photos_of(closed)
    _, other_after = photos_of(other)
    args = {
        "actor": cast.dispatcher,
        "kind": "negative",
        "title": "t",
        "text": "x",
    }
    with pytest.raises(services.PortalInputError, match="已结案"):
        services.typical_case_publish(
            case_id=open_case.pk,
            before_photo_id=before.pk,
            after_photo_id=after.pk,
            **args,  # type: ignore[arg-type]
        )
    with pytest.raises(services.PortalInputError, match="本案卷"):
        services.typical_case_publish(
            case_id=closed.pk,
            before_photo_id=before.pk,
            after_photo_id=other_after.pk,
            **args,  # type: ignore[arg-type]
        )
    with pytest.raises(services.PortalInputError, match="不同"):
        services.typical_case_publish(
            case_id=closed.pk,
            before_photo_id=before.pk,
            after_photo_id=before.pk,
            **args,  # type: ignore[arg-type]
        )
    assert not TypicalCase.objects.exists()
