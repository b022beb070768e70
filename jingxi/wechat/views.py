"""The WeChat Official Account endpoint: thin, the protocol is in `protocol.py` and the
dialogue in `services.py`. Every refusal is logged with its reason."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from jingxi.wechat.protocol import (
    MAX_BODY_BYTES,
    MessageError,
    SignatureError,
    message_parse,
    reply_text_xml,
    signature_verify,
)
from jingxi.wechat.selectors import NotConfigured
from jingxi.wechat.services import message_handle

logger = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"


def _refuse(status: int, reason: str, request: HttpRequest) -> HttpResponse:
    logger.warning(
        "wechat: %s %s from %s refused (%d): %s",
        request.method,
        request.path,
        request.META.get("REMOTE_ADDR", "?"),
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


@csrf_exempt  # WeChat's servers sign the query string instead (checked below)
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    token = str(getattr(settings, "JINGXI_WECHAT_TOKEN", "") or "")
    if not token:
        return _refuse(503, "微信公众号接口未配置（JINGXI_WECHAT_TOKEN）", request)
    try:
        signature_verify(
            token=token,
            signature=request.GET.get("signature", ""),
            timestamp=request.GET.get("timestamp", ""),
            nonce=request.GET.get("nonce", ""),
        )
    except SignatureError as exc:
        return _refuse(403, str(exc), request)
    if request.method == "GET":
        echostr = request.GET.get("echostr", "")
        if not echostr:
            return _refuse(400, "缺少 echostr 参数", request)
        return HttpResponse(echostr, content_type=TEXT)
    if request.GET.get("encrypt_type", "raw") != "raw":
        return _refuse(400, "仅支持明文模式，请在公众平台将消息加解密方式设为明文模式", request)
    try:
        message = message_parse(_body(request))
    except MessageError as exc:
        return _refuse(400, str(exc), request)
    try:
        reply = message_handle(message=message, base_url=request.build_absolute_uri("/"))
    except NotConfigured as exc:
        logger.error("wechat: %s", exc)
        return _refuse(503, "微信公众号接口未配置辖区（JINGXI_WECHAT_JURISDICTION）", request)
    if reply is None:
        return HttpResponse("success", content_type=TEXT)
    return HttpResponse(
        reply_text_xml(message=message, content=reply),
        content_type="application/xml; charset=utf-8",
    )
