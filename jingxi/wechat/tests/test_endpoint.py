"""The endpoint over HTTP: verification, refusals (logged, nothing stored), replies."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from django.test import Client
from django.urls import reverse

from conftest import World
from jingxi.cases.models import Case
from jingxi.wechat.models import Conversation, InboundMessage
from jingxi.wechat.protocol import MAX_BODY_BYTES

from .conftest import ACCOUNT, FOLLOWER, TOKEN, Send, signed_query, text, xml_message

URL = "/wechat/"


def test_the_endpoint_is_at_wechat() -> None:
    assert reverse("wechat:endpoint") == URL


def test_verification_echoes_echostr_when_the_signature_is_good(client: Client) -> None:
    response = client.get(URL + "?" + signed_query(echostr="5837397520184463872"))
    assert response.status_code == 200
    assert response.content == b"5837397520184463872"


def test_verification_with_a_bad_signature_is_refused_and_logged(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jingxi.wechat"):
        response = client.get(URL + "?" + signed_query(token="wrong", echostr="42"))
    assert response.status_code == 403
    assert "签名错误" in response.content.decode()
    assert b"42" not in response.content
    assert "签名错误" in caplog.text


@pytest.mark.parametrize("drop", ["signature", "timestamp", "nonce"])
def test_verification_with_a_missing_parameter_is_refused(client: Client, drop: str) -> None:
    query = "&".join(p for p in signed_query(echostr="42").split("&") if not p.startswith(drop))
    response = client.get(URL + "?" + query)
    assert response.status_code == 403
    assert "缺少签名参数" in response.content.decode()


def test_verification_without_echostr_is_a_bad_request(client: Client) -> None:
    assert client.get(URL + "?" + signed_query()).status_code == 400


def test_an_old_signed_query_string_cannot_be_replayed(client: Client) -> None:
    response = client.get(URL + "?" + signed_query(timestamp=int(time.time()) - 3600, echostr="1"))
    assert response.status_code == 403
    assert "过期" in response.content.decode()


def test_without_a_token_the_endpoint_says_it_is_not_configured(
    client: Client, settings: Any
) -> None:
    settings.JINGXI_WECHAT_TOKEN = ""
    response = client.get(URL + "?" + signed_query(echostr="1"))
    assert response.status_code == 503


def test_a_message_with_a_bad_signature_is_refused_and_nothing_is_stored(
    send: Send, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jingxi.wechat"):
        response = send(text("上报"), query=signed_query(token="not-our-token"))
    assert response.status_code == 403
    assert Conversation.objects.count() == 0
    assert InboundMessage.objects.count() == 0
    assert "refused (403)" in caplog.text


def test_malformed_xml_is_a_logged_bad_request_and_stores_nothing(
    send: Send, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jingxi.wechat"):
        response = send(b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName>")
    assert response.status_code == 400
    assert "XML" in response.content.decode()
    assert "refused (400)" in caplog.text
    assert Conversation.objects.count() == 0


def test_an_entity_bomb_is_refused(send: Send) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<xml><Content>&lol2;</Content></xml>"
    )
    assert send(bomb).status_code == 400
    assert Conversation.objects.count() == 0


def test_an_oversized_body_is_a_bad_request(send: Send) -> None:
    padding = "很" * MAX_BODY_BYTES
    response = send(text(padding))
    assert response.status_code == 400
    assert "过大" in response.content.decode()
    assert Conversation.objects.count() == 0


def test_without_a_key_encrypted_requests_are_refused_with_the_reason(send: Send) -> None:
    response = send(text("上报"), query=signed_query(encrypt_type="aes", msg_signature="x"))
    assert response.status_code == 400
    assert "明文模式" in response.content.decode()


def test_get_and_post_only(client: Client) -> None:
    assert client.put(URL + "?" + signed_query()).status_code == 405


def test_replies_are_wellformed_xml_with_the_user_names_swapped(send: Send) -> None:
    response = send(text("你好"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    body = response.content.decode()
    assert f"<ToUserName><![CDATA[{FOLLOWER}]]></ToUserName>" in body
    assert f"<FromUserName><![CDATA[{ACCOUNT}]]></FromUserName>" in body
    root = fromstring(response.content)
    assert root.findtext("MsgType") == "text"
    assert abs(int(root.findtext("CreateTime") or 0) - time.time()) < 60
    assert "上报" in (root.findtext("Content") or "")


@pytest.mark.parametrize("mode", ["send", "send_safe"])
def test_nothing_to_say_is_answered_with_a_plain_success_in_every_mode(
    request: pytest.FixtureRequest, mode: str
) -> None:
    send: Send = request.getfixturevalue(mode)
    response = send(xml_message("event", Event="VIEW", EventKey="https://example.org"))
    assert response.status_code == 200
    assert response.content == b"success"


def test_without_a_jurisdiction_the_endpoint_says_it_is_not_configured(
    send: Send, settings: Any, world: World
) -> None:
    settings.JINGXI_WECHAT_JURISDICTION = "999999"
    assert send(text("上报")).status_code == 503
    assert Case.objects.count() == 0


def test_the_token_is_read_from_settings(client: Client, settings: Any) -> None:
    settings.JINGXI_WECHAT_TOKEN = "another"
    assert client.get(URL + "?" + signed_query(token=TOKEN, echostr="1")).status_code == 403
    assert client.get(URL + "?" + signed_query(token="another", echostr="1")).status_code == 200
