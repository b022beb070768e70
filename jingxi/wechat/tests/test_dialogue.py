"""The report dialogue: 上报 → location → photo → description → a case, and its detours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from conftest import World
from jingxi.cases.choices import Source, Status
from jingxi.cases.models import Case
from jingxi.catalog.choices import CategoryKind, CategoryLevel, TimeUnit
from jingxi.catalog.models import Category, TimeLimit
from jingxi.wechat.choices import Step
from jingxi.wechat.models import Conversation, InboundMessage, PendingMedia
from jingxi.wechat.services import FORGET_AFTER, conversation_prune

from .conftest import (
    FOLLOWER,
    INSIDE_GCJ,
    OUTSIDE_GCJ,
    Send,
    image,
    location,
    text,
    xml_message,
)


def reply(response: Any) -> str:
    assert response.status_code == 200, response.content
    return fromstring(response.content).findtext("Content") or ""


def conversation() -> Conversation:
    return Conversation.objects.get(openid=FOLLOWER)


def walk_to_description(send: Send) -> None:
    assert "位置" in reply(send(text("上报")))
    assert "照片" in reply(send(location(INSIDE_GCJ)))
    assert "描述" in reply(send(image()))


def test_subscribing_is_welcomed_with_the_steps(send: Send) -> None:
    answer = reply(send(xml_message("event", Event="subscribe")))
    assert "感谢关注" in answer and "上报" in answer


def test_any_text_when_idle_gets_the_help(send: Send) -> None:
    answer = reply(send(text("在吗")))
    assert "回复“上报”开始" in answer
    assert conversation().step == Step.IDLE


def test_the_whole_dialogue_creates_a_wechat_case_in_the_right_township(
    send: Send, world: World
) -> None:
    assert "问题所在位置" in reply(send(text("上报")))
    assert conversation().step == Step.LOCATION
    answer = reply(send(location(INSIDE_GCJ, label="中牟县青年路南侧")))
    assert "已收到位置：中牟县青年路南侧" in answer and "照片" in answer
    assert conversation().step == Step.PHOTO
    assert "已收到照片" in reply(send(image()))
    assert conversation().step == Step.DESCRIPTION
    answer = reply(send(text("路边有一堆暴露垃圾，两天没人清理")))

    case = Case.objects.get()
    assert case.source == Source.WECHAT
    assert case.status == Status.REPORTED
    assert case.category == world.exposed_garbage
    assert case.township == world.township_a
    assert case.address == "中牟县青年路南侧"
    # The GCJ-02 point was turned back into WGS84 for the case.
    assert abs(case.lng - 113.955) < 1e-5 and abs(case.lat - 34.705) < 1e-5
    assert case.idempotency_key.startswith("wechat-")
    assert FOLLOWER not in case.description and case.reporter is None
    assert f"案卷编号：{case.number}" in answer
    assert "问题类别：暴露垃圾" in answer
    assert f"http://testserver/public/track/{case.number}/?t={case.tracking_token}" in answer

    media = PendingMedia.objects.get()
    assert (media.case, media.media_id, media.fetched_at) == (case, "media_test_001", None)
    assert media.pic_url.startswith("http://mmbiz.qpic.cn/")
    state = conversation()
    assert (state.step, state.last_case, state.draft_key, state.media_id) == (
        Step.IDLE,
        case,
        "",
        "",
    )


def test_the_photo_may_be_skipped(send: Send, world: World) -> None:
    send(text("上报"))
    send(location(INSIDE_GCJ))
    assert "描述" in reply(send(text("跳过")))
    answer = reply(send(text("青年路上机动车乱停放堵住了路口")))
    case = Case.objects.get()
    assert case.category == world.illegal_parking
    assert "机动车乱停放" in answer
    assert PendingMedia.objects.count() == 0


def test_a_location_outside_the_county_is_refused_and_the_step_stays(send: Send) -> None:
    send(text("上报"))
    answer = reply(send(location(OUTSIDE_GCJ, label="郑州市二七广场")))
    assert "不在本县（市）管辖范围内" in answer
    assert conversation().step == Step.LOCATION
    assert "照片" in reply(send(location(INSIDE_GCJ)))


def test_text_or_a_photo_in_the_location_step_asks_for_the_location_again(send: Send) -> None:
    send(text("上报"))
    assert "选择“位置”" in reply(send(text("青年路")))
    assert "请先发送问题位置" in reply(send(image()))
    assert conversation().step == Step.LOCATION


def test_a_location_sent_when_idle_starts_a_report(send: Send) -> None:
    assert "已收到位置" in reply(send(location(INSIDE_GCJ)))
    assert conversation().step == Step.PHOTO


def test_cancel_at_any_step_drops_the_draft(send: Send) -> None:
    walk_to_description(send)
    assert "已取消" in reply(send(text("取消")))
    state = conversation()
    assert (state.step, state.lng, state.pic_url, state.draft_key) == (Step.IDLE, None, "", "")
    assert Case.objects.count() == 0
    assert "回复“上报”开始" in reply(send(text("取消")))


def test_a_dialogue_left_for_half_an_hour_expires(send: Send) -> None:
    walk_to_description(send)
    Conversation.objects.filter(openid=FOLLOWER).update(
        updated_at=conversation().updated_at - dt.timedelta(minutes=31)
    )
    answer = reply(send(text("路边有一堆暴露垃圾")))
    assert "超过30分钟未完成，已自动取消" in answer
    assert "回复“上报”开始" in answer
    assert Case.objects.count() == 0
    assert conversation().step == Step.IDLE


def test_a_retried_message_is_processed_once_and_answered_alike(send: Send) -> None:
    walk_to_description(send)
    body = text("路边有一堆暴露垃圾没人管", msg_id=7_000_000_000_000_000_001)
    first = reply(send(body))
    again = reply(send(body))
    assert first == again
    assert Case.objects.count() == 1
    assert InboundMessage.objects.filter(key="7000000000000000001").count() == 1


def test_a_retried_start_does_not_restart_the_dialogue(send: Send) -> None:
    start = text("上报", msg_id=7_000_000_000_000_000_002)
    send(start)
    send(location(INSIDE_GCJ))
    send(start)
    assert conversation().step == Step.PHOTO


def test_no_fitting_category_asks_for_more_detail(send: Send) -> None:
    walk_to_description(send)
    answer = reply(send(text("这里情况很不好，请管一管")))
    assert "未能判断问题类别" in answer
    assert conversation().step == Step.DESCRIPTION
    assert Case.objects.count() == 0


def test_no_fitting_category_falls_back_to_the_general_one(send: Send, world: World) -> None:
    parent = Category.objects.get(
        jurisdiction=world.jurisdiction, kind=CategoryKind.EVENT, code="05"
    )
    general = Category.objects.create(
        jurisdiction=world.jurisdiction,
        kind=CategoryKind.EVENT,
        level=CategoryLevel.MINOR,
        parent=parent,
        code="0599",
        name="其他街面秩序问题",
    )
    TimeLimit.objects.create(category=general, amount=1, unit=TimeUnit.WORKING_DAYS)
    walk_to_description(send)
    answer = reply(send(text("这里情况很不好，请管一管")))
    assert Case.objects.get().category == general
    assert "问题类别：其他街面秩序问题" in answer


def test_the_general_category_may_be_named_in_settings(
    send: Send, world: World, settings: Any
) -> None:
    settings.JINGXI_WECHAT_GENERAL_CATEGORY = world.manhole_cover.code
    walk_to_description(send)
    reply(send(text("这里情况很不好，请管一管")))
    assert Case.objects.get().category == world.manhole_cover


def test_a_too_short_description_is_asked_again(send: Send) -> None:
    walk_to_description(send)
    assert "描述太短" in reply(send(text("垃圾")))
    assert conversation().step == Step.DESCRIPTION


def test_query_by_number_answers_the_public_status(send: Send) -> None:
    walk_to_description(send)
    send(text("路边有一堆暴露垃圾没人管"))
    case = Case.objects.get()
    answer = reply(send(text(f"查询 {case.number}")))
    assert f"案卷编号：{case.number}" in answer
    assert "当前状态：办理中（待受理）" in answer
    assert "暴露垃圾" in answer
    assert case.description not in answer
    assert "未找到编号为 209901010001" in reply(send(text("查询209901010001")))


def test_query_during_a_report_reminds_the_step(send: Send) -> None:
    send(text("上报"))
    answer = reply(send(text("查询 209901010001")))
    assert "未找到" in answer and "选择“位置”" in answer
    assert conversation().step == Step.LOCATION


def test_unsupported_message_types_are_answered_politely(send: Send) -> None:
    answer = reply(send(xml_message("voice", MediaId="m1", Format="amr")))
    assert "暂不支持这类消息" in answer
    send(text("上报"))
    answer = reply(send(xml_message("video", MediaId="m2", ThumbMediaId="t2")))
    assert "暂不支持这类消息" in answer and "选择“位置”" in answer


def test_flooding_from_one_follower_is_rate_limited_politely(send: Send, settings: Any) -> None:
    settings.JINGXI_WECHAT_RATE_LIMIT = 3
    for _ in range(3):
        assert "上报" in reply(send(text("你好")))
    assert "太频繁" in reply(send(text("你好")))
    # Another follower is not affected.
    assert "上报" in reply(send(text("你好", sender="oAnother_Follower_000000000")))


def test_unsubscribing_drops_the_draft(send: Send) -> None:
    walk_to_description(send)
    response = send(xml_message("event", Event="unsubscribe"))
    assert response.content == b"success"
    assert conversation().step == Step.IDLE


def test_a_failure_while_reporting_stores_nothing_half(send: Send, monkeypatch: Any) -> None:
    walk_to_description(send)

    def broken(**kwargs: Any) -> Case:
        raise RuntimeError("database went away")

    monkeypatch.setattr("jingxi.wechat.services.case_report", broken)
    body = text("路边有一堆暴露垃圾没人管", msg_id=7_000_000_000_000_000_003)
    with pytest.raises(RuntimeError):
        send(body)
    assert not InboundMessage.objects.filter(key="7000000000000000003").exists()
    assert conversation().step == Step.DESCRIPTION
    monkeypatch.undo()
    assert "上报成功" in reply(send(body))  # WeChat's retry then goes through
    assert Case.objects.count() == 1


def test_silent_followers_are_forgotten_and_their_cases_stay(send: Send) -> None:
    walk_to_description(send)
    send(text("路边有一堆暴露垃圾没人管"))
    later = conversation().updated_at + FORGET_AFTER + dt.timedelta(days=1)
    assert conversation_prune(now=later) == (1, 0)
    assert not Conversation.objects.exists() and not InboundMessage.objects.exists()
    assert Case.objects.count() == 1
