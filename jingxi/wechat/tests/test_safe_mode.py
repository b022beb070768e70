"""Safe and compatible mode over HTTP: the whole dialogue encrypted, and every refusal
(logged, nothing stored)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from conftest import World
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.wechat.models import Conversation, InboundMessage, PendingMedia
from jingxi.wechat.protocol import (
    aes_key_decode,
    message_decrypt,
    message_parse,
    msg_signature_compute,
    msg_signature_verify,
)

from .conftest import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    FOLLOWER,
    INSIDE_GCJ,
    OTHER_AES_KEY,
    TOKEN,
    Send,
    cdata,
    encrypted,
    image,
    location,
    signed_query,
    text,
)

URL = "/wechat/"


def decrypted_reply(response: Any, *, key: str = AES_KEY) -> str:
    """The Content of an encrypted passive reply, after checking its msg_signature."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/xml")
    root = fromstring(response.content)
    encrypt = root.findtext("Encrypt") or ""
    timestamp = root.findtext("TimeStamp") or ""
    msg_signature_verify(
        token=TOKEN,
        msg_signature=root.findtext("MsgSignature") or "",
        timestamp=timestamp,
        nonce=root.findtext("Nonce") or "",
        encrypt=encrypt,
    )
    assert abs(int(timestamp) - time.time()) < 60
    inner = message_parse(message_decrypt(key=aes_key_decode(key), app_id=APP_ID, encrypt=encrypt))
    assert (inner.to_user, inner.from_user, inner.msg_type) == (FOLLOWER, ACCOUNT, "text")
    return inner.content


@pytest.fixture(autouse=True)
def _warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="jingxi.wechat")


def nothing_stored() -> bool:
    return not (
        Conversation.objects.exists() or InboundMessage.objects.exists() or Case.objects.exists()
    )


def test_the_server_check_is_the_same_get_in_safe_mode(client: Client, settings: Any) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    response = client.get(URL + "?" + signed_query(echostr="5837397520184463872"))
    assert response.status_code == 200
    assert response.content == b"5837397520184463872"
    assert client.get(URL + "?" + signed_query(token="x", echostr="1")).status_code == 403


def test_the_whole_dialogue_in_safe_mode_creates_the_case(send_safe: Send, world: World) -> None:
    assert "问题所在位置" in decrypted_reply(send_safe(text("上报")))
    answer = decrypted_reply(send_safe(location(INSIDE_GCJ, label="中牟县青年路南侧")))
    assert "已收到位置：中牟县青年路南侧" in answer
    assert "已收到照片" in decrypted_reply(send_safe(image()))
    answer = decrypted_reply(send_safe(text("路边有一堆暴露垃圾，两天没人清理")))
    case = Case.objects.get()
    assert case.source == Source.WECHAT
    assert case.category == world.exposed_garbage
    assert case.township == world.township_a
    assert f"案卷编号：{case.number}" in answer
    assert PendingMedia.objects.get().media_id == "media_test_001"


def test_a_retried_encrypted_message_gets_the_same_answer_once(send_safe: Send) -> None:
    body = text("上报", msg_id=6_400_000_000_000_999_999)
    first = decrypted_reply(send_safe(body))
    assert decrypted_reply(send_safe(body)) == first
    assert InboundMessage.objects.count() == 1


def test_compatible_mode_uses_the_encrypted_message_not_the_plaintext_beside_it(
    send: Send, settings: Any, world: World
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    query, envelope = encrypted(text("上报"), compatible=True)
    assert b"<Content>" in envelope and b"<Encrypt>" in envelope
    # Someone swaps the plaintext copy, which msg_signature does not cover: ignored.
    forged = envelope.replace("上报".encode(), "取消".encode(), 1)
    assert "问题所在位置" in decrypted_reply(send(forged, query=query))


def test_a_message_under_the_previous_key_is_answered_under_that_key(
    send_safe: Send, settings: Any
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS = OTHER_AES_KEY
    response = send_safe(text("上报"), key=OTHER_AES_KEY)
    assert "问题所在位置" in decrypted_reply(response, key=OTHER_AES_KEY)


def refused(response: Any, status: int, words: str, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code == status, response.content
    assert words in response.content.decode()
    assert f"refused ({status})" in caplog.text
    assert nothing_stored()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"msg_signature": "0" * 40}, "消息体签名错误"),
        ({"msg_signature": ""}, "缺少消息体签名参数"),
        ({"timestamp": "1409735669"}, "消息体签名错误"),
    ],
)
def test_a_bad_msg_signature_is_forbidden_and_stores_nothing(
    send: Send,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, str],
    words: str,
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    query, envelope = encrypted(text("上报"))
    parts = dict(p.split("=", 1) for p in query.split("&"))
    parts.update(change)
    response = send(envelope, query="&".join(f"{k}={v}" for k, v in parts.items()))
    refused(response, 403, words, caplog)


def test_an_old_encrypted_message_cannot_be_replayed(
    send_safe: Send, caplog: pytest.LogCaptureFixture
) -> None:
    response = send_safe(text("上报"), timestamp=int(time.time()) - 3600)
    refused(response, 403, "过期", caplog)


def test_a_ciphertext_changed_in_transit_fails_its_msg_signature(
    send: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    query, envelope = encrypted(text("上报"))
    start = envelope.index(b"<Encrypt><![CDATA[") + len(b"<Encrypt><![CDATA[")
    flipped = b"A" if envelope[start : start + 1] != b"A" else b"B"
    tampered = envelope[:start] + flipped + envelope[start + 1 :]
    response = send(tampered, query=query)
    refused(response, 403, "消息体签名错误", caplog)


def test_a_message_under_another_key_is_a_bad_request(
    send_safe: Send, caplog: pytest.LogCaptureFixture
) -> None:
    response = send_safe(text("上报"), key=OTHER_AES_KEY)
    assert response.status_code == 400
    assert "解密失败" in response.content.decode() or "AppId" in response.content.decode()
    assert "refused (400)" in caplog.text
    assert nothing_stored()


def test_a_message_for_another_app_id_is_a_bad_request(
    send_safe: Send, caplog: pytest.LogCaptureFixture
) -> None:
    response = send_safe(text("上报"), app_id="wx1111111111111111")
    refused(response, 400, "AppId 不匹配", caplog)


def test_a_signed_ciphertext_that_is_not_base64_is_a_bad_request(
    send: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    stamp, nonce, bad = str(int(time.time())), "nonce1", "%%% not base64 %%%"
    signed = msg_signature_compute(token=TOKEN, timestamp=stamp, nonce=nonce, encrypt=bad)
    query = f"timestamp={stamp}&nonce={nonce}&encrypt_type=aes&msg_signature={signed}"
    body = f"<xml><Encrypt>{cdata(bad)}</Encrypt></xml>".encode()
    response = send(body, query=query)
    refused(response, 400, "Base64", caplog)


def test_an_encrypted_post_without_encrypt_is_a_bad_request(
    send: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    query, _envelope = encrypted(text("上报"))
    response = send(text("上报"), query=query)
    refused(response, 400, "缺少 Encrypt", caplog)


def test_with_a_key_a_plaintext_message_is_refused(
    send: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    response = send(text("上报"))
    refused(response, 400, "不接受明文消息", caplog)


def test_an_unknown_encrypt_type_is_refused(
    send: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    response = send(text("上报"), query=signed_query(encrypt_type="rsa"))
    refused(response, 400, "encrypt_type", caplog)


def test_a_malformed_key_setting_is_a_service_error_and_a_failed_check(
    send: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = "too-short"
    query, envelope = encrypted(text("上报"))
    response = send(envelope, query=query)
    refused(response, 503, "JINGXI_WECHAT_ENCODING_AES_KEY", caplog)
    with pytest.raises(SystemCheckError, match=r"wechat\.E001"):
        call_command("check")


def test_safe_mode_without_an_app_id_is_a_service_error_and_a_failed_check(
    send_safe: Send, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINGXI_WECHAT_APP_ID = ""
    response = send_safe(text("上报"))
    refused(response, 503, "JINGXI_WECHAT_APP_ID", caplog)
    with pytest.raises(SystemCheckError, match=r"wechat\.E002"):
        call_command("check")


def test_the_settings_check_passes_with_good_keys(settings: Any) -> None:
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY
    settings.JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS = OTHER_AES_KEY
    call_command("check")
    settings.JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS = "bad"
    with pytest.raises(SystemCheckError, match="JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS"):
        call_command("check")
