"""Signed WeChat requests built in the tests: the token is the test's, no network."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import World
from jingxi.lib.geo import wgs84_to_gcj02
from jingxi.wechat.protocol import (
    aes_key_decode,
    message_encrypt,
    msg_signature_compute,
    signature_compute,
)

TOKEN = "jingxi-test-token"
ACCOUNT = "gh_0123456789ab"
APP_ID = "wx0000000000000000"
# A fixed EncodingAESKey of the tests' account (43 base64 characters), and another one.
AES_KEY = "jingxiTestKey0123456789abcdefghijklmnopqrst"
OTHER_AES_KEY = "otherKey0123456789abcdefghijklmnopqrstuvwxy"
FOLLOWER = "oTest_Follower_0123456789abc"

# A point in 青年路街道 (township A, south-west grid), as WeChat sends it: GCJ-02.
INSIDE_GCJ = wgs84_to_gcj02(113.955, 34.705)
# Zhengzhou city centre: in China, outside the test county.
OUTSIDE_GCJ = wgs84_to_gcj02(113.66, 34.75)


@pytest.fixture(autouse=True)
def _wechat_settings(settings: Any) -> Iterator[None]:
    settings.JINGXI_WECHAT_TOKEN = TOKEN
    settings.JINGXI_WECHAT_APP_ID = APP_ID
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = ""
    settings.JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS = ""
    settings.JINGXI_WECHAT_APP_SECRET = ""
    settings.JINGXI_WECHAT_JURISDICTION = ""
    settings.JINGXI_WECHAT_GENERAL_CATEGORY = ""
    cache.clear()  # the rate limit counts in the cache
    yield
    cache.clear()


def signed_query(*, token: str = TOKEN, timestamp: int | None = None, **extra: str) -> str:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = uuid.uuid4().hex[:10]
    query = {
        "signature": signature_compute(token=token, timestamp=stamp, nonce=nonce),
        "timestamp": stamp,
        "nonce": nonce,
        **extra,
    }
    return urlencode(query)


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


_msg_ids = iter(range(6_400_000_000_000_000_001, 6_500_000_000_000_000_000))


def xml_message(
    msg_type: str, *, sender: str = FOLLOWER, msg_id: int | None = None, **fields: Any
) -> bytes:
    """A message as WeChat's servers send it; a fresh MsgId unless one is given."""
    parts = [
        f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>",
        f"<FromUserName>{cdata(sender)}</FromUserName>",
        f"<CreateTime>{int(time.time())}</CreateTime>",
        f"<MsgType>{cdata(msg_type)}</MsgType>",
    ]
    for tag, value in fields.items():
        parts.append(f"<{tag}>{cdata(value) if isinstance(value, str) else value}</{tag}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{next(_msg_ids) if msg_id is None else msg_id}</MsgId>")
    return ("<xml>" + "".join(parts) + "</xml>").encode("utf-8")


def text(content: str, **kw: Any) -> bytes:
    return xml_message("text", Content=content, **kw)


def location(lng_lat: tuple[float, float], label: str = "", **kw: Any) -> bytes:
    lng, lat = lng_lat
    return xml_message(
        "location", Location_X=f"{lat:.6f}", Location_Y=f"{lng:.6f}", Scale=16, Label=label, **kw
    )


def image(media_id: str = "media_test_001", **kw: Any) -> bytes:
    return xml_message(
        "image", PicUrl="http://mmbiz.qpic.cn/mmbiz_jpg/test/0", MediaId=media_id, **kw
    )


Send = Callable[..., Any]


@pytest.fixture
def send(client: Client, world: World) -> Send:
    """POST a message, signed; returns the response."""

    def _send(body: bytes, *, query: str | None = None) -> Any:
        url = reverse("wechat:endpoint") + "?" + (query if query is not None else signed_query())
        return client.post(url, data=body, content_type="text/xml")

    return _send


def encrypted(
    body: bytes,
    *,
    key: str = AES_KEY,
    app_id: str = APP_ID,
    token: str = TOKEN,
    timestamp: int | None = None,
    compatible: bool = False,
) -> tuple[str, bytes]:
    """(query, body) of a safe-mode POST as WeChat's servers send it: the message
    encrypted with `key` for `app_id`, msg_signature over the ciphertext. Compatible
    mode also carries the plaintext message's fields beside <Encrypt>."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = uuid.uuid4().hex[:10]
    encrypt = message_encrypt(key=aes_key_decode(key), app_id=app_id, xml=body.decode("utf-8"))
    query = {
        "signature": signature_compute(token=token, timestamp=stamp, nonce=nonce),
        "timestamp": stamp,
        "nonce": nonce,
        "openid": FOLLOWER,
        "encrypt_type": "aes",
        "msg_signature": msg_signature_compute(
            token=token, timestamp=stamp, nonce=nonce, encrypt=encrypt
        ),
    }
    inner = body.decode("utf-8").removeprefix("<xml>").removesuffix("</xml>") if compatible else ""
    envelope = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>{inner}"
    envelope += f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    return urlencode(query), envelope.encode("utf-8")


@pytest.fixture
def send_safe(send: Send, settings: Any) -> Send:
    """Safe mode on (the tests' EncodingAESKey); POST a message encrypted and signed."""
    settings.JINGXI_WECHAT_ENCODING_AES_KEY = AES_KEY

    def _send(body: bytes, **kw: Any) -> Any:
        query, envelope = encrypted(body, **kw)
        return send(envelope, query=query)

    return _send
