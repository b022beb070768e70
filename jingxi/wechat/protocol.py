"""The WeChat Official Account server protocol, plaintext mode (明文模式). No ORM here.

- Every request (the verification GET and each message POST) carries `signature`,
  `timestamp` and `nonce` in the query string: signature = sha1 of the account's
  token, the timestamp and the nonce, sorted as strings and joined. The GET also
  carries `echostr`, which is answered as it came.
- A message is an XML document `<xml>…</xml>` with ToUserName (the account),
  FromUserName (the follower's OpenID), CreateTime, MsgType and the type's fields:
  text → Content; image → PicUrl, MediaId; location → Location_X (latitude),
  Location_Y (longitude), in GCJ-02, Scale, Label; event → Event. Messages have a
  MsgId; WeChat retries a message it got no answer to within 5 s, three times.
- The passive reply is an XML text message with the two user names swapped, or the
  plain string "success" when there is nothing to say.

Safe mode (安全模式, AES-encrypted bodies with `msg_signature`) is not implemented:
the account must use plaintext mode, and the endpoint refuses encrypted requests. In
plaintext mode the signature covers only the query string, not the body, so the
endpoint must be served over HTTPS and the timestamp must be recent.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES: Final = 64 * 1024  # WeChat messages are a few hundred bytes
SIGNATURE_MAX_AGE_S: Final = 600  # refuse replays of an old signed query string
MAX_CONTENT_CHARS: Final = 2048
MAX_FIELD_CHARS: Final = 512


class SignatureError(ValueError):
    """A request not signed with the account's token; the message says what is wrong."""


class MessageError(ValueError):
    """A message body that is not a WeChat XML message; the message says why."""


def signature_compute(*, token: str, timestamp: str, nonce: str) -> str:
    """sha1(sorted([token, timestamp, nonce]) joined), as lowercase hex."""
    joined = "".join(sorted([token, timestamp, nonce]))
    return hashlib.sha1(
        joined.encode("utf-8")
    ).hexdigest()  # the protocol's hash, not ours to choose


def signature_verify(
    *, token: str, signature: str, timestamp: str, nonce: str, now: float | None = None
) -> None:
    """Raise SignatureError unless the query string was signed with `token` recently."""
    if not (signature and timestamp and nonce):
        raise SignatureError("缺少签名参数（signature、timestamp、nonce）")
    expected = signature_compute(token=token, timestamp=timestamp, nonce=nonce)
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureError("签名错误")
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise SignatureError("时间戳格式错误") from exc
    now = time.time() if now is None else now
    if abs(now - sent) > SIGNATURE_MAX_AGE_S:
        raise SignatureError("签名已过期")


@dataclass(frozen=True)
class Message:
    """One received message, fields as WeChat names them (unused ones empty)."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    msg_id: str = ""
    content: str = ""
    pic_url: str = ""
    media_id: str = ""
    lat: float | None = None
    lng: float | None = None
    label: str = ""
    event: str = ""

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; events have none, so their type and CreateTime."""
        if self.msg_id:
            return self.msg_id
        return f"{self.msg_type}:{self.event}:{self.create_time}"[:64]


def _text(root: Element, tag: str, *, limit: int = MAX_FIELD_CHARS) -> str:
    node = root.find(tag)
    value = (node.text or "").strip() if node is not None else ""
    if len(value) > limit:
        raise MessageError(f"字段 {tag} 过长")
    return value


def _coordinate(root: Element, tag: str, low: float, high: float) -> float:
    raw = _text(root, tag)
    try:
        value = float(raw)
    except ValueError as exc:
        raise MessageError(f"字段 {tag} 不是数字") from exc
    if not low <= value <= high:
        raise MessageError(f"字段 {tag} 超出范围")
    return value


def message_parse(body: bytes) -> Message:
    """The message in `body`, parsed with defusedxml (no DTD, no entities).

    Raises MessageError for anything that is not a well-formed WeChat message.
    """
    if not body.strip():
        raise MessageError("消息为空")
    if len(body) > MAX_BODY_BYTES:
        raise MessageError("消息过大")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException) as exc:
        raise MessageError(f"XML 格式错误：{type(exc).__name__}") from exc
    if root.tag != "xml":
        raise MessageError("根元素应为 <xml>")
    to_user = _text(root, "ToUserName", limit=64)
    from_user = _text(root, "FromUserName", limit=64)
    msg_type = _text(root, "MsgType", limit=32).lower()
    if not (to_user and from_user and msg_type):
        raise MessageError("缺少 ToUserName、FromUserName 或 MsgType")
    try:
        create_time = int(_text(root, "CreateTime", limit=16) or "0")
    except ValueError as exc:
        raise MessageError("CreateTime 不是整数") from exc
    msg_id = _text(root, "MsgId", limit=32)
    if msg_id and not msg_id.isdigit():
        raise MessageError("MsgId 不是整数")
    content = pic_url = media_id = label = event = ""
    lat: float | None = None
    lng: float | None = None
    if msg_type == "text":
        content = _text(root, "Content", limit=MAX_CONTENT_CHARS)
    elif msg_type == "image":
        pic_url = _text(root, "PicUrl", limit=500)
        media_id = _text(root, "MediaId", limit=128)
    elif msg_type == "location":
        lat = _coordinate(root, "Location_X", -90.0, 90.0)
        lng = _coordinate(root, "Location_Y", -180.0, 180.0)
        label = _text(root, "Label", limit=255)
    elif msg_type == "event":
        event = _text(root, "Event", limit=64).lower()
    return Message(
        to_user=to_user,
        from_user=from_user,
        create_time=create_time,
        msg_type=msg_type,
        msg_id=msg_id,
        content=content,
        pic_url=pic_url,
        media_id=media_id,
        lat=lat,
        lng=lng,
        label=label,
        event=event,
    )


def _cdata(value: str) -> str:
    # "]]>" cannot appear inside a CDATA section: close it and open another.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def reply_text_xml(*, message: Message, content: str, now: float | None = None) -> str:
    """A passive text reply to `message`: the user names swapped, CreateTime now."""
    created = int(time.time() if now is None else now)
    return (
        "<xml>"
        f"<ToUserName>{_cdata(message.from_user)}</ToUserName>"
        f"<FromUserName>{_cdata(message.to_user)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        f"<MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )
