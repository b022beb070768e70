"""The WeChat Official Account endpoint: thin, the protocol is in `protocol.py` and the
dialogue in `services.py`. Every refusal is logged with its reason.

With no EncodingAESKey configured the endpoint speaks plaintext mode and refuses
encrypted requests; with one, it speaks compatible and safe mode (`encrypt_type=aes`)
and refuses plaintext messages, whose bodies no signature covers.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from jingxi.lib.client import client_address
from jingxi.wechat.protocol import (
    MAX_BODY_BYTES,
    AesKeyInvalid,
    CryptError,
    Message,
    MessageError,
    SignatureError,
    envelope_parse,
    message_decrypt_any,
    message_parse,
    msg_signature_verify,
    reply_encrypted_xml,
    reply_text_xml,
    signature_verify,
)
from jingxi.wechat.selectors import NotConfigured, aes_keys, wechat_setting
from jingxi.wechat.services import message_handle

logger = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"
XML = "application/xml; charset=utf-8"


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _refuse(status: int, reason: str, request: HttpRequest) -> HttpResponse:
    logger.warning(
        "wechat: %s %s from %s refused (%d): %s",
        request.method,
        request.path,
        client_address(request) or "?",
        status,
        reason,
    )
    return HttpResponse(reason, status=status, content_type=TEXT)


def _body(request: HttpRequest) -> bytes:
    """The body, refusing one over MAX_BODY_BYTES before reading it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise MessageError("Content-Length 无效") from exc
    if declared > MAX_BODY_BYTES:
        raise MessageError("消息过大")
    data = request.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise MessageError("消息过大")
    return data


def _inbound(request: HttpRequest, *, token: str) -> tuple[Message, bytes | None]:
    """The POSTed message and the AES key to answer with (None: answer in plaintext).

    Raises _Refused, SignatureError, MessageError or CryptError.
    """
    try:
        keys = aes_keys()
    except AesKeyInvalid as exc:
        logger.error("wechat: %s", exc)
        raise _Refused(503, f"微信公众号消息加解密密钥配置错误：{exc}") from exc
    query = request.GET
    encrypt_type = query.get("encrypt_type", "raw")
    if encrypt_type == "raw":
        if keys:
            raise _Refused(
                400, "已配置 EncodingAESKey，只接受兼容模式或安全模式的加密消息，不接受明文消息"
            )
        signature_verify(
            token=token,
            signature=query.get("signature", ""),
            timestamp=query.get("timestamp", ""),
            nonce=query.get("nonce", ""),
        )
        return message_parse(_body(request)), None
    if encrypt_type != "aes":
        raise _Refused(400, "不支持的加密类型（encrypt_type）")
    if not keys:
        raise _Refused(
            400,
            "未配置 EncodingAESKey（JINGXI_WECHAT_ENCODING_AES_KEY），仅支持明文模式："
            "请在公众平台将消息加解密方式设为明文模式，或配置密钥",
        )
    app_id = wechat_setting("JINGXI_WECHAT_APP_ID")
    if not app_id:
        raise _Refused(503, "兼容模式和安全模式需要公众号的 AppID（JINGXI_WECHAT_APP_ID）")
    encrypt = envelope_parse(_body(request))
    msg_signature_verify(
        token=token,
        msg_signature=query.get("msg_signature", ""),
        timestamp=query.get("timestamp", ""),
        nonce=query.get("nonce", ""),
        encrypt=encrypt,
    )
    xml, key = message_decrypt_any(keys=keys, app_id=app_id, encrypt=encrypt)
    return message_parse(xml), key


@csrf_exempt  # WeChat's servers sign the query string instead (checked below)
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    token = wechat_setting("JINGXI_WECHAT_TOKEN")
    if not token:
        return _refuse(503, "微信公众号接口未配置（JINGXI_WECHAT_TOKEN）", request)
    if request.method == "GET":  # the server check, the same in every mode
        try:
            signature_verify(
                token=token,
                signature=request.GET.get("signature", ""),
                timestamp=request.GET.get("timestamp", ""),
                nonce=request.GET.get("nonce", ""),
            )
        except SignatureError as exc:
            return _refuse(403, str(exc), request)
        echostr = request.GET.get("echostr", "")
        if not echostr:
            return _refuse(400, "缺少 echostr 参数", request)
        return HttpResponse(echostr, content_type=TEXT)
    try:
        message, key = _inbound(request, token=token)
    except _Refused as exc:
        return _refuse(exc.status, str(exc), request)
    except SignatureError as exc:
        return _refuse(403, str(exc), request)
    except (MessageError, CryptError) as exc:
        return _refuse(400, str(exc), request)
    try:
        reply = message_handle(message=message, base_url=request.build_absolute_uri("/"))
    except NotConfigured as exc:
        logger.error("wechat: %s", exc)
        return _refuse(503, "微信公众号接口未配置辖区（JINGXI_WECHAT_JURISDICTION）", request)
    if reply is None:  # WeChat takes a plain "success" in every mode
        return HttpResponse("success", content_type=TEXT)
    reply_xml = reply_text_xml(message=message, content=reply)
    if key is not None:
        reply_xml = reply_encrypted_xml(
            token=token,
            key=key,
            app_id=wechat_setting("JINGXI_WECHAT_APP_ID"),
            reply_xml=reply_xml,
            nonce=request.GET.get("nonce", ""),
        )
    return HttpResponse(reply_xml, content_type=XML)
