"""The REST API's errors: one JSON shape for every error under /api/, whoever answers.

    {"error": "说明（用户的语言）", "code": "not_found",
     "fields": {"lng": ["…"]},               # 400 from a form or a filter: per field
     "case_id": 12, "number": "202611250001"}  # 409 duplicate: the first case, if visible

`error` and `code` are always there; `code` is one of `CODES`. The schema has the shape
as the `Error` component and names it on every response a client can get
(`schema_error_responses`, a drf-spectacular post-processing hook).

Two layers give it:
- `exception_handler` (DRF's EXCEPTION_HANDLER) for what a view raises: DRF's own errors
  (validation, authentication, permission, parsing, media type, method) and the domain's
  (`CaseInputError`, `EvidenceError`, `DocumentError` as 400; a refused transition and a
  repeated idempotency key as 409).
- `ApiErrorMiddleware` for what happens outside DRF's views: a route no view matches,
  a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (413), Django's own 400/404/405 and any
  unhandled exception (500, logged by Django as always). It rewrites a non-JSON error
  answer under /api/ into the shape, keeping `Allow`, `WWW-Authenticate` and
  `Retry-After`, so the HTML error pages the rest of the site gets never reach an API
  client, whatever they look like.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jingxi.cases import workflow
from jingxi.cases.access import case_list_for
from jingxi.cases.evidence import EvidenceError
from jingxi.cases.models import Case
from jingxi.cases.services import CaseInputError, DuplicateSubmission
from jingxi.documents.services import DocumentError
from jingxi.lib.limits import body_too_large
from jingxi.org.models import User

JSON_CONTENT_TYPE: Final = "application/json"

# Machine-readable codes, with the status each comes with.
CODES: Final[Mapping[str, int]] = {
    "invalid": 400,  # a field, filter or value is wrong (`fields` says which, when known)
    "parse_error": 400,  # the body is not well-formed JSON or form data
    "bad_request": 400,  # another malformed request
    "not_authenticated": 401,  # no credentials
    "authentication_failed": 401,  # a bad or revoked token, an inactive user
    "permission_denied": 403,  # the role may not do this
    "not_found": 404,  # no such route, or no such record the caller may see
    "method_not_allowed": 405,  # the route exists; the method not (see `Allow`)
    "not_acceptable": 406,  # the client accepts no JSON
    "duplicate": 409,  # the Idempotency-Key was used already by this caller
    "refused": 409,  # the case's state (or the caller's role) does not allow the action
    "round_open": 409,  # inspections: another round of the inspector is still open
    "round_closed": 409,  # inspections: the round ended too long ago, or before this time
    "payload_too_large": 413,  # the body is over the limit
    "unsupported_media_type": 415,  # a Content-Type the endpoint does not read
    "throttled": 429,  # too many requests (see `Retry-After`)
    "server_error": 500,  # a fault of ours; it is logged
}
_CODE_OF_STATUS: Final = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "refused",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}
_KEPT_HEADERS: Final = ("Allow", "WWW-Authenticate", "Retry-After")


def _message_of_status(code: int) -> str:
    messages = {
        400: _("请求有误"),
        401: _("需要登录或提供有效的令牌"),
        403: _("没有权限执行此操作"),
        404: _("没有这个接口或记录"),
        405: _("该接口不支持此请求方法"),
        406: _("只能返回 JSON"),
        413: _("请求正文超过上限"),
        415: _("不支持的请求正文类型"),
        429: _("请求过于频繁，请稍后再试"),
    }
    if code >= 500:
        return _("服务器内部错误，已记录，请稍后再试")
    return messages.get(code, _("请求有误"))


def error_body(message: str, code: str, **extra: Any) -> dict[str, Any]:
    """The error shape: `error` and `code`, then what the error adds."""
    return {"error": message, "code": code, **extra}


def error_response(http_status: int, message: str = "", code: str = "") -> HttpResponse:
    """A plain Django answer in the error shape (for code outside DRF's views)."""
    code = code or _code_of_status(http_status)
    body = error_body(message or _message_of_status(http_status), code)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False).encode(),
        status=http_status,
        content_type=JSON_CONTENT_TYPE,
    )


def _code_of_status(http_status: int) -> str:
    if http_status >= 500:
        return "server_error"
    return _CODE_OF_STATUS.get(http_status, "bad_request")


# --- DRF's exception handler ----------------------------------------------------------


def _duplicate(exc: DuplicateSubmission, context: Mapping[str, Any]) -> Response:
    """409 naming the first case only if the caller may see it (keys are the caller's own,
    so they can, but an answer must never name a case the caller cannot see)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    visible = isinstance(user, User) and case_list_for(user=user).filter(pk=exc.case.pk).exists()
    if visible:
        body = error_body(str(exc), "duplicate", case_id=exc.case.pk, number=exc.case.number)
    else:
        body = error_body(_("重复提交：该请求已处理过"), "duplicate")
    return Response(body, status=status.HTTP_409_CONFLICT)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, every answer in the error shape; our domain errors as 4xx."""
    if isinstance(exc, DuplicateSubmission):
        return _duplicate(exc, context)
    if isinstance(exc, CaseInputError | EvidenceError | DocumentError):
        return Response(error_body(str(exc), "invalid"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, workflow.TransitionRefused):
        return Response(error_body(str(exc), "refused"), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Case.DoesNotExist):
        return Response(error_body(_("案卷不存在"), "not_found"), status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django answers 500, the middleware shapes it
    code = _code_of_status(response.status_code)
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, exceptions.ValidationError):
        code = str(exc.default_code) if exc.default_code in CODES else code
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        response.data = error_body(str(data["detail"]), code)
    elif isinstance(data, dict):
        parts = [f"{k}: {_flatten(v)}" for k, v in data.items()]
        response.data = error_body("；".join(parts), "invalid", fields=data)
    else:  # a list of messages (a validator's)
        response.data = error_body(_flatten(data), "invalid")
    return response


def _flatten(messages: object) -> str:
    """The messages of one field (a list, or per item/key for lists and nested forms)."""
    if isinstance(messages, dict):
        return " ".join(f"{k}: {_flatten(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return " ".join(_flatten(m) for m in messages)
    return str(messages)


# --- outside DRF's views --------------------------------------------------------------


class ApiErrorMiddleware:
    """Every error answer under the REST API's prefix in the error shape (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._prefix = ""

    def prefix(self) -> str:
        if not self._prefix:  # the URL configuration is read on the first request
            self._prefix = reverse("api-schema").removesuffix("schema/")
        return self._prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.prefix()):
            return self.get_response(request)
        if body_too_large(request, files=True):
            return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        shaped = error_response(response.status_code)
        for name in _KEPT_HEADERS:
            if name in response:
                shaped[name] = response[name]
        return shaped

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith(self.prefix()) and isinstance(exception, RequestDataTooBig):
            return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        return None  # Django answers (and logs); __call__ shapes the answer


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith(JSON_CONTENT_TYPE)


# --- the schema -----------------------------------------------------------------------


ERROR_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "请求有误：查询参数、正文或其中的值不合法（`fields` 按字段列出）",
    401: "没有凭据，或令牌无效、已停用（`WWW-Authenticate: Token`）",
    403: "角色不允许此操作（会话登录时还有 CSRF 校验）",
    404: "没有这个接口，或没有调用者可见的该记录（看不到的记录一律 404）",
    406: "Accept 头不接受 JSON",
    409: "与案卷当前状态冲突",
    413: "请求正文超过上限（`DATA_UPLOAD_MAX_MEMORY_SIZE`，默认 20 MB）",
    415: "不支持的 Content-Type",
    500: "服务器内部错误（已记录）",
}


def error_statuses(*, method: str, operation: Mapping[str, Any]) -> list[int]:
    """The error statuses an operation can answer, from its method and parameters."""
    codes = [401, 406, 500]
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" for p in parameters):
        codes.append(404)
    if any(p.get("in") in ("query", "header") for p in parameters):
        codes.append(400)  # a parameter out of its range or form
    if "requestBody" in operation:
        codes += [400, 415]  # a body that does not parse or validate; another media type
    if method.lower() not in ("get", "head", "options"):
        codes += [400, 403, 413]  # refused by the service, the role (or CSRF); too large
    return sorted(set(codes))


def schema_error_responses(
    result: dict[str, Any], generator: SchemaGenerator, **kwargs: Any
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the `Error` component, and on every operation
    the error responses it can give (a 409 or another status declared on the view stays
    as declared, with the Error shape when it has no content); query parameters allow
    an empty value, which every one of them reads as absent."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("Error", _error_schema())
    error_content = {JSON_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    # An empty value is no value: django-filter's filters and the pages'
                    # limit and offset read `?status=` as no filter (HTML forms send those).
                    parameter["allowEmptyValue"] = True
            responses = operation["responses"]
            for code in error_statuses(method=method, operation=operation):
                responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith(("4", "5")) and "content" not in response:
                    response["content"] = error_content
    return result


def _error_schema() -> dict[str, Any]:
    """The Error component, written out (a hook runs after components are built)."""
    return {
        "type": "object",
        "description": "API 的错误：各接口的所有错误都是这个形状",
        "properties": {
            "error": {"type": "string", "description": "说明，用户的语言（默认简体中文）"},
            "code": {"type": "string", "enum": list(CODES), "description": "机器可读的错误类别"},
            "fields": {
                "type": "object",
                "additionalProperties": {},
                "description": "400：按字段（或查询参数）列出的说明",
            },
            "case_id": {"type": "integer", "description": "409 重复提交：第一次创建的案卷"},
            "number": {"type": "string", "description": "409 重复提交：该案卷的编号"},
        },
        "required": ["error", "code"],
    }
