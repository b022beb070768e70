"""The WeChat Official Account server protocol: plaintext (明文模式), compatible (兼容模式)
and safe mode (安全模式). No ORM here.

- Every request (the verification GET and each message POST) carries `signature`,
  `timestamp` and `nonce` in the query string: signature = sha1 of the account's
  token, the timestamp and the nonce, sorted as strings and joined. The GET also
  carries `echostr`, which is answered as it came. The GET is the same in every mode.
- A message is an XML document `<xml>…</xml>` with ToUserName (the account),
  FromUserName (the follower's OpenID), CreateTime, MsgType and the type's fields:
  text → Content; image → PicUrl, MediaId; location → Location_X (latitude),
  Location_Y (longitude), in GCJ-02, Scale, Label; event → Event. Messages have a
  MsgId; WeChat retries a message it got no answer to within 5 s, three times.
- The passive reply is an XML text message with the two user names swapped, or the
  plain string "success" when there is nothing to say.

Compatible and safe mode (the account's EncodingAESKey, `JINGXI_WECHAT_ENCODING_AES_KEY`)
follow WeChat's WXBizMsgCrypt ("消息加解密技术方案" and its sample code):

- The POST's query string adds `encrypt_type=aes` and `msg_signature` = sha1 of the
  sorted [token, timestamp, nonce, Encrypt]; the body is `<xml><ToUserName/>
  <Encrypt/></xml>` (compatible mode also repeats the message in plaintext: those
  fields are not covered by msg_signature and are ignored).
- AESKey = base64decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = the
  key's first 16 bytes; PKCS#7 padding to a multiple of 32 bytes. The plaintext is 16
  random bytes, the XML's length as 4 bytes in network order, the XML, the AppId; the
  AppId must be the account's.
- The reply is encrypted the same way and sent as `<xml><Encrypt/><MsgSignature/>
  <TimeStamp/><Nonce/></xml>`; "success" stays plain.
- WeChat lets an account change its EncodingAESKey; its FAQ asks servers to keep the
  previous key and to answer with the key that decrypted the message.

In plaintext mode the signature covers only the query string, not the body, so the
endpoint must be served over HTTPS and the timestamp must be recent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element, ParseError

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES: Final = 64 * 1024  # WeChat messages are a few hundred bytes (x3 when compatible)
SIGNATURE_MAX_AGE_S: Final = 600  # refuse replays of an old signed query string
MAX_CONTENT_CHARS: Final = 2048
MAX_FIELD_CHARS: Final = 512

ENCODING_AES_KEY: Final = re.compile(r"[A-Za-z0-9+/]{43}")
AES_KEY_BYTES: Final = 32
PAD_BLOCK: Final = 32  # WeChat pads to a multiple of 32 bytes, not AES's 16
RANDOM_BYTES: Final = 16


class SignatureError(ValueError):
    """A request not signed with the account's token; the message says what is wrong."""


class MessageError(ValueError):
    """A message body that is not a WeChat XML message; the message says why."""


class CryptError(ValueError):
    """An encrypted message that does not decrypt with the account's key to its AppId."""


class AesKeyInvalid(ValueError):
    """A configured EncodingAESKey that is not 43 base64 characters for 32 bytes."""


def _sha1_sorted(*parts: str) -> str:
    joined = "".join(sorted(parts))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()  # noqa: S324 the protocol's hash, not ours


def signature_compute(*, token: str, timestamp: str, nonce: str) -> str:
    """sha1(sorted([token, timestamp, nonce]) joined), as lowercase hex."""
    return _sha1_sorted(token, timestamp, nonce)


def msg_signature_compute(*, token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """Safe mode's msg_signature: sha1(sorted([token, timestamp, nonce, Encrypt]) joined)."""
    return _sha1_sorted(token, timestamp, nonce, encrypt)


def _check_signed(
    *, expected: str, given: str, timestamp: str, now: float | None, wrong: str
) -> None:
    # Bytes, so a non-ASCII signature is simply wrong (compare_digest refuses such str).
    if not hmac.compare_digest(expected.encode(), given.lower().encode("utf-8")):
        raise SignatureError(wrong)
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise SignatureError("时间戳格式错误") from exc
    now = time.time() if now is None else now
    if abs(now - sent) > SIGNATURE_MAX_AGE_S:
        raise SignatureError("签名已过期")


def signature_verify(
    *, token: str, signature: str, timestamp: str, nonce: str, now: float | None = None
) -> None:
    """Raise SignatureError unless the query string was signed with `token` recently."""
    if not (signature and timestamp and nonce):
        raise SignatureError("缺少签名参数（signature、timestamp、nonce）")
    expected = signature_compute(token=token, timestamp=timestamp, nonce=nonce)
    _check_signed(
        expected=expected, given=signature, timestamp=timestamp, now=now, wrong="签名错误"
    )


def msg_signature_verify(
    *,
    token: str,
    msg_signature: str,
    timestamp: str,
    nonce: str,
    encrypt: str,
    now: float | None = None,
) -> None:
    """Raise SignatureError unless `encrypt` was signed with `token` recently."""
    if not (msg_signature and timestamp and nonce):
        raise SignatureError("缺少消息体签名参数（msg_signature、timestamp、nonce）")
    expected = msg_signature_compute(token=token, timestamp=timestamp, nonce=nonce, encrypt=encrypt)
    _check_signed(
        expected=expected, given=msg_signature, timestamp=timestamp, now=now, wrong="消息体签名错误"
    )


# --- safe mode: AES-256-CBC as WXBizMsgCrypt does it --------------------------------


def aes_key_decode(encoding_aes_key: str) -> bytes:
    """The 32-byte AESKey of an EncodingAESKey: base64decode(key + "=")."""
    if not ENCODING_AES_KEY.fullmatch(encoding_aes_key):
        raise AesKeyInvalid("EncodingAESKey 应为 43 个字母或数字（Base64 字符）")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:  # not reached for 43 base64 characters
        raise AesKeyInvalid("EncodingAESKey 不是有效的 Base64") from exc
    if len(key) != AES_KEY_BYTES:  # not reached: 44 characters with one "=" are 32 bytes
        raise AesKeyInvalid("EncodingAESKey 解码后应为 32 字节")
    return key


def _cipher(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def message_encrypt(
    *, key: bytes, app_id: str, xml: str, random_prefix: bytes | None = None
) -> str:
    """Base64 of AES-256-CBC(16 random bytes + length + XML + AppId, PKCS#7 to 32 bytes)."""
    prefix = secrets.token_hex(8).encode("ascii") if random_prefix is None else random_prefix
    if len(prefix) != RANDOM_BYTES:
        raise ValueError("random_prefix must be 16 bytes")
    body = xml.encode("utf-8")
    plain = prefix + struct.pack(">I", len(body)) + body + app_id.encode("utf-8")
    pad = PAD_BLOCK - len(plain) % PAD_BLOCK  # 1..32: a full block when already aligned
    plain += bytes([pad]) * pad
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def message_decrypt(*, key: bytes, app_id: str, encrypt: str) -> bytes:
    """The XML inside `encrypt`; raises CryptError unless it decrypts with `key`, is
    padded right and ends with `app_id`."""
    try:
        data = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptError("密文不是有效的 Base64") from exc
    if not data or len(data) % 16:
        raise CryptError("密文长度不是 AES 分组（16 字节）的整数倍")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CryptError("解密失败：填充错误（EncodingAESKey 与公众平台的不一致？）")
    content = plain[RANDOM_BYTES:-pad]
    if len(content) < 4:
        raise CryptError("解密失败：内容过短")
    (length,) = struct.unpack(">I", content[:4])
    if length > len(content) - 4:
        raise CryptError("解密失败：消息长度与内容不符")
    xml, sender = content[4 : 4 + length], content[4 + length :]
    if not hmac.compare_digest(sender, app_id.encode("utf-8")):
        raise CryptError("AppId 不匹配：消息不是发给本公众号的")
    return xml


def message_decrypt_any(*, keys: Sequence[bytes], app_id: str, encrypt: str) -> tuple[bytes, bytes]:
    """(XML, the key that worked), trying the current key and then the previous one, as
    WeChat's FAQ asks of servers after the account changes its EncodingAESKey.

    Raises the current key's CryptError when none works.
    """
    first: CryptError | None = None
    for key in keys:
        try:
            return message_decrypt(key=key, app_id=app_id, encrypt=encrypt), key
        except CryptError as exc:
            first = first or exc
    raise first or CryptError("未配置 EncodingAESKey")


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


def _xml_root(body: bytes) -> Element:
    """The <xml> root of `body`, parsed with defusedxml (no DTD, no entities)."""
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
    return root


def envelope_parse(body: bytes) -> str:
    """The <Encrypt> text of a safe- or compatible-mode body (its other fields unused).

    Raises MessageError for anything that is not such an XML document.
    """
    encrypt = _text(_xml_root(body), "Encrypt", limit=MAX_BODY_BYTES)
    if not encrypt:
        raise MessageError("缺少 Encrypt 字段（安全模式的密文）")
    return encrypt


def message_parse(body: bytes) -> Message:
    """The message in `body`, parsed with defusedxml (no DTD, no entities).

    Raises MessageError for anything that is not a well-formed WeChat message.
    """
    root = _xml_root(body)
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


def reply_encrypted_xml(
    *,
    token: str,
    key: bytes,
    app_id: str,
    reply_xml: str,
    nonce: str,
    now: float | None = None,
    random_prefix: bytes | None = None,
) -> str:
    """A passive reply in safe mode: `reply_xml` encrypted, signed with msg_signature."""
    timestamp = str(int(time.time() if now is None else now))
    encrypt = message_encrypt(key=key, app_id=app_id, xml=reply_xml, random_prefix=random_prefix)
    signed = msg_signature_compute(token=token, timestamp=timestamp, nonce=nonce, encrypt=encrypt)
    return (
        "<xml>"
        f"<Encrypt>{_cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{_cdata(signed)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{_cdata(nonce)}</Nonce>"
        "</xml>"
    )
