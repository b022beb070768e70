"""The protocol without HTTP: signatures, parsing untrusted XML, passive replies."""

from __future__ import annotations

import hashlib
import time

import pytest
from defusedxml.ElementTree import fromstring

from jingxi.wechat.protocol import (
    MAX_BODY_BYTES,
    SIGNATURE_MAX_AGE_S,
    Message,
    MessageError,
    SignatureError,
    message_parse,
    reply_text_xml,
    signature_compute,
    signature_verify,
)

from .conftest import ACCOUNT, FOLLOWER, image, location, text, xml_message


def test_signature_is_sha1_of_the_sorted_token_timestamp_and_nonce() -> None:
    # Sorted as strings: "1409304348" < "jingxi" < "xxxxxx", then joined and hashed.
    expected = hashlib.sha1(b"1409304348jingxixxxxxx").hexdigest()
    assert signature_compute(token="jingxi", timestamp="1409304348", nonce="xxxxxx") == expected
    assert signature_compute(token="xxxxxx", timestamp="jingxi", nonce="1409304348") == expected


def test_a_good_signature_passes_and_a_bad_or_old_one_is_refused() -> None:
    now = time.time()
    stamp = str(int(now))
    good = signature_compute(token="t", timestamp=stamp, nonce="n")
    signature_verify(token="t", signature=good, timestamp=stamp, nonce="n", now=now)
    with pytest.raises(SignatureError, match="签名错误"):
        signature_verify(token="other", signature=good, timestamp=stamp, nonce="n", now=now)
    with pytest.raises(SignatureError, match="缺少"):
        signature_verify(token="t", signature="", timestamp=stamp, nonce="n", now=now)
    old = str(int(now) - SIGNATURE_MAX_AGE_S - 5)
    old_sig = signature_compute(token="t", timestamp=old, nonce="n")
    with pytest.raises(SignatureError, match="过期"):
        signature_verify(token="t", signature=old_sig, timestamp=old, nonce="n", now=now)


def test_text_image_and_location_messages_are_parsed() -> None:
    message = message_parse(text("上报", msg_id=1234567890123456))
    assert (message.msg_type, message.content, message.msg_id) == (
        "text",
        "上报",
        "1234567890123456",
    )
    assert (message.to_user, message.from_user) == (ACCOUNT, FOLLOWER)
    picture = message_parse(image())
    assert picture.pic_url.startswith("http://") and picture.media_id == "media_test_001"
    place = message_parse(location((113.36, 23.13), label="位置信息"))
    assert (place.lng, place.lat, place.label) == (113.36, 23.13, "位置信息")


def test_events_are_deduplicated_by_event_and_create_time() -> None:
    event = message_parse(xml_message("event", Event="subscribe"))
    assert event.msg_id == "" and event.event == "subscribe"
    assert event.dedupe_key == f"event:subscribe:{event.create_time}"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<xml><ToUserName>",  # not well-formed
        b"not xml at all",
        b"<message><MsgType>text</MsgType></message>",  # wrong root
        b"<xml><MsgType>text</MsgType></xml>",  # no user names
        # An entity-expansion bomb and an external entity: defusedxml refuses both.
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<xml><ToUserName>&b;</ToUserName></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><Content>&e;</Content></xml>",
    ],
)
def test_malformed_or_hostile_xml_is_refused(body: bytes) -> None:
    with pytest.raises(MessageError):
        message_parse(body)


def test_location_out_of_range_and_oversized_bodies_are_refused() -> None:
    with pytest.raises(MessageError, match="Location_X"):
        message_parse(location((113.0, 123.0)))
    with pytest.raises(MessageError, match="过大"):
        message_parse(b"<xml>" + b" " * MAX_BODY_BYTES + b"</xml>")


def test_reply_swaps_the_user_names_and_wraps_text_in_cdata() -> None:
    message = Message(to_user=ACCOUNT, from_user=FOLLOWER, create_time=1, msg_type="text")
    xml = reply_text_xml(message=message, content="收到 <b>&]]>", now=1_700_000_000)
    root = fromstring(xml)
    assert root.findtext("ToUserName") == FOLLOWER
    assert root.findtext("FromUserName") == ACCOUNT
    assert root.findtext("CreateTime") == "1700000000"
    assert root.findtext("MsgType") == "text"
    assert root.findtext("Content") == "收到 <b>&]]>"
    assert f"<ToUserName><![CDATA[{FOLLOWER}]]></ToUserName>" in xml
