"""Safe mode's cryptography without HTTP: WeChat's own sample vector, round trips, and
every way a ciphertext or a key can be wrong."""

from __future__ import annotations

import base64
import hashlib
import struct
import time

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml.ElementTree import fromstring

from jingxi.wechat.protocol import (
    AesKeyInvalid,
    CryptError,
    MessageError,
    SignatureError,
    aes_key_decode,
    envelope_parse,
    message_decrypt,
    message_decrypt_any,
    message_encrypt,
    message_parse,
    msg_signature_compute,
    msg_signature_verify,
    reply_encrypted_xml,
)

from .conftest import AES_KEY, APP_ID, OTHER_AES_KEY, TOKEN, text

# The decryption example of WeChat's official sample code (Tencent's WXBizMsgCrypt,
# "cryptoDemo.zip" linked from the 消息加解密说明 page of the Official Account docs; the
# Python sample's __main__): token "spamtest", this EncodingAESKey and AppId, the
# timestamp and nonce of the request, its msg_signature and its <Encrypt>.
SAMPLE_TOKEN = "spamtest"
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APP_ID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6"
    "F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T33"
    "2jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCg"
    "avjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewp"
    "usjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
KEY = aes_key_decode(AES_KEY)
PREFIX = b"0123456789abcdef"


def raw_encrypt(plain: bytes, key: bytes = KEY) -> str:
    """AES-256-CBC of `plain` as given (already padded), for hand-made bad ciphertexts."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def test_wechats_sample_message_verifies_and_decrypts() -> None:
    sample_time = float(SAMPLE_TIMESTAMP)
    msg_signature_verify(
        token=SAMPLE_TOKEN,
        msg_signature=SAMPLE_MSG_SIGNATURE,
        timestamp=SAMPLE_TIMESTAMP,
        nonce=SAMPLE_NONCE,
        encrypt=SAMPLE_ENCRYPT,
        now=sample_time,
    )
    xml = message_decrypt(
        key=aes_key_decode(SAMPLE_KEY), app_id=SAMPLE_APP_ID, encrypt=SAMPLE_ENCRYPT
    )
    message = message_parse(xml)
    assert message.to_user == "gh_10f6c3c3ac5a"
    assert message.from_user == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert message.create_time == 1409735668
    assert message.content == "abcdteT"
    assert message.msg_id == "6054768590064713728"


def test_the_sample_message_is_refused_for_another_app_id_or_key() -> None:
    with pytest.raises(CryptError, match="AppId 不匹配"):
        message_decrypt(key=aes_key_decode(SAMPLE_KEY), app_id=APP_ID, encrypt=SAMPLE_ENCRYPT)
    with pytest.raises(CryptError):
        message_decrypt(key=KEY, app_id=SAMPLE_APP_ID, encrypt=SAMPLE_ENCRYPT)


def test_the_aes_key_is_the_base64_of_the_encoding_key_with_one_equals_sign() -> None:
    key = aes_key_decode(SAMPLE_KEY)
    assert len(key) == 32
    assert key == base64.b64decode(SAMPLE_KEY + "=")


@pytest.mark.parametrize(
    "bad",
    ["", "short", SAMPLE_KEY + "H", SAMPLE_KEY[:-1], SAMPLE_KEY[:-1] + "!", " " + SAMPLE_KEY[1:]],
)
def test_a_malformed_encoding_aes_key_is_refused(bad: str) -> None:
    with pytest.raises(AesKeyInvalid):
        aes_key_decode(bad)


def test_msg_signature_is_sha1_of_the_sorted_token_timestamp_nonce_and_ciphertext() -> None:
    parts = sorted(["t", "1409735669", "n", "CIPHER"])
    expected = hashlib.sha1("".join(parts).encode()).hexdigest()
    assert msg_signature_compute(
        token="t", timestamp="1409735669", nonce="n", encrypt="CIPHER"
    ) == (expected)


def test_a_round_trip_with_a_fixed_key_and_prefix_is_exact() -> None:
    xml = "<xml><Content><![CDATA[路边有垃圾]]></Content></xml>"
    encrypt = message_encrypt(key=KEY, app_id=APP_ID, xml=xml, random_prefix=PREFIX)
    # Deterministic with a fixed prefix, and laid out as WXBizMsgCrypt lays it out.
    assert encrypt == message_encrypt(key=KEY, app_id=APP_ID, xml=xml, random_prefix=PREFIX)
    decryptor = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    body = xml.encode()
    assert len(plain) % 32 == 0
    assert plain[:16] == PREFIX
    assert plain[16:20] == struct.pack(">I", len(body))
    assert plain[20 : 20 + len(body)] == body
    pad = plain[-1]
    assert plain[20 + len(body) : -pad] == APP_ID.encode()
    assert plain[-pad:] == bytes([pad]) * pad
    assert message_decrypt(key=KEY, app_id=APP_ID, encrypt=encrypt) == body


def test_random_prefixes_differ_and_still_decrypt() -> None:
    first = message_encrypt(key=KEY, app_id=APP_ID, xml="<xml/>")
    second = message_encrypt(key=KEY, app_id=APP_ID, xml="<xml/>")
    assert first != second
    assert message_decrypt(key=KEY, app_id=APP_ID, encrypt=first) == b"<xml/>"


def test_an_aligned_plaintext_gets_a_whole_block_of_padding() -> None:
    # 16 + 4 + len(xml) + len(app id) = 64: PKCS#7 then adds 32 bytes of 32.
    xml = "x" * (64 - 16 - 4 - len(APP_ID))
    encrypt = message_encrypt(key=KEY, app_id=APP_ID, xml=xml, random_prefix=PREFIX)
    assert len(base64.b64decode(encrypt)) == 96
    assert message_decrypt(key=KEY, app_id=APP_ID, encrypt=encrypt) == xml.encode()


def test_the_prefix_must_be_sixteen_bytes() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        message_encrypt(key=KEY, app_id=APP_ID, xml="<xml/>", random_prefix=b"short")


@pytest.mark.parametrize(
    ("encrypt", "reason"),
    [
        ("not base64 at all!", "Base64"),
        ("", "长度"),
        (base64.b64encode(b"x" * 20).decode(), "长度"),
    ],
)
def test_a_ciphertext_that_is_not_aes_blocks_is_refused(encrypt: str, reason: str) -> None:
    with pytest.raises(CryptError, match=reason):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=encrypt)


def test_a_wrong_key_is_refused() -> None:
    encrypt = message_encrypt(key=aes_key_decode(OTHER_AES_KEY), app_id=APP_ID, xml="<xml/>")
    with pytest.raises(CryptError):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=encrypt)


@pytest.mark.parametrize("last", [0, 33, 255])
def test_a_padding_byte_out_of_range_is_refused(last: int) -> None:
    plain = PREFIX + struct.pack(">I", 6) + b"<xml/>" + APP_ID.encode()
    plain += b"\x00" * (31 - len(plain) % 32) + bytes([last])
    with pytest.raises(CryptError, match="填充错误"):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=raw_encrypt(plain))


def test_inconsistent_padding_bytes_are_refused() -> None:
    plain = PREFIX + struct.pack(">I", 6) + b"<xml/>" + APP_ID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad - 1]) + bytes([pad]) * (pad - 1)
    with pytest.raises(CryptError, match="填充错误"):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=raw_encrypt(plain))


def test_a_length_beyond_the_content_is_refused() -> None:
    plain = PREFIX + struct.pack(">I", 10_000) + b"<xml/>" + APP_ID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    with pytest.raises(CryptError, match="长度"):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=raw_encrypt(plain))


def test_content_shorter_than_the_length_field_is_refused() -> None:
    plain = PREFIX + b"\x01\x02" + bytes([14]) * 14
    with pytest.raises(CryptError, match="过短"):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=raw_encrypt(plain))


def test_another_app_id_is_refused() -> None:
    encrypt = message_encrypt(key=KEY, app_id="wx1111111111111111", xml="<xml/>")
    with pytest.raises(CryptError, match="AppId 不匹配"):
        message_decrypt(key=KEY, app_id=APP_ID, encrypt=encrypt)


def test_the_previous_key_decrypts_when_the_current_one_does_not() -> None:
    previous = aes_key_decode(OTHER_AES_KEY)
    encrypt = message_encrypt(key=previous, app_id=APP_ID, xml="<xml/>")
    xml, used = message_decrypt_any(keys=[KEY, previous], app_id=APP_ID, encrypt=encrypt)
    assert (xml, used) == (b"<xml/>", previous)
    with pytest.raises(CryptError):
        message_decrypt_any(keys=[KEY], app_id=APP_ID, encrypt=encrypt)
    with pytest.raises(CryptError, match="未配置"):
        message_decrypt_any(keys=[], app_id=APP_ID, encrypt=encrypt)


def test_msg_signature_failures_are_refused() -> None:
    now = time.time()
    stamp = str(int(now))
    good = msg_signature_compute(token=TOKEN, timestamp=stamp, nonce="n", encrypt="E")
    msg_signature_verify(
        token=TOKEN, msg_signature=good, timestamp=stamp, nonce="n", encrypt="E", now=now
    )
    with pytest.raises(SignatureError, match="消息体签名错误"):
        msg_signature_verify(
            token=TOKEN, msg_signature=good, timestamp=stamp, nonce="n", encrypt="F", now=now
        )
    with pytest.raises(SignatureError, match="消息体签名错误"):
        msg_signature_verify(
            token=TOKEN, msg_signature="签名", timestamp=stamp, nonce="n", encrypt="E", now=now
        )
    with pytest.raises(SignatureError, match="缺少"):
        msg_signature_verify(
            token=TOKEN, msg_signature="", timestamp=stamp, nonce="n", encrypt="E", now=now
        )
    with pytest.raises(SignatureError, match="过期"):
        msg_signature_verify(
            token=TOKEN, msg_signature=good, timestamp=stamp, nonce="n", encrypt="E", now=now + 3600
        )


def test_the_envelope_gives_the_ciphertext_and_refuses_what_is_not_one() -> None:
    assert envelope_parse(b"<xml><ToUserName>gh</ToUserName><Encrypt>QUJD</Encrypt></xml>") == (
        "QUJD"
    )
    with pytest.raises(MessageError, match="Encrypt"):
        envelope_parse(text("上报"))
    with pytest.raises(MessageError, match="XML"):
        envelope_parse(b"<xml><Encrypt>")
    with pytest.raises(MessageError):
        envelope_parse(b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>')


def test_an_encrypted_reply_is_signed_and_decrypts_to_the_reply() -> None:
    reply = "<xml><Content><![CDATA[已收到]]></Content></xml>"
    body = reply_encrypted_xml(
        token=TOKEN, key=KEY, app_id=APP_ID, reply_xml=reply, nonce="abc", now=1_700_000_000
    )
    root = fromstring(body)
    assert [child.tag for child in root] == ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]
    assert root.findtext("TimeStamp") == "1700000000"
    assert root.findtext("Nonce") == "abc"
    encrypt = root.findtext("Encrypt") or ""
    msg_signature_verify(
        token=TOKEN,
        msg_signature=root.findtext("MsgSignature") or "",
        timestamp="1700000000",
        nonce="abc",
        encrypt=encrypt,
        now=1_700_000_000,
    )
    assert message_decrypt(key=KEY, app_id=APP_ID, encrypt=encrypt) == reply.encode()
