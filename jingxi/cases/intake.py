"""The report endpoint's direct path: POST /api/v1/cases/ with a token, in two statements.

Inspectors' and road chiefs' apps report through this endpoint all day; it is the
platform's busiest write. DRF's dispatch (negotiation, authentication classes,
permission classes, serializer fields copied per request) and five statements cost
about as much CPU as the report itself, so a request in the common shape is served
here without DRF:

1. one SELECT reads the token's user, the user's jurisdiction and roles there, the
   loop settings, the category and whether it has a time limit (`_request_context`);
2. `services.case_report`, given that context, writes the case and its events and
   reads back its places for the answer, in one statement on PostgreSQL.

Both statements are prepared on PostgreSQL (`jingxi.lib.prepared`).

"The common shape" is: `Authorization: Token <key>` naming an active staff user with a
role in their jurisdiction whose token `jingxi.accounts.authentication.token_refusal`
does not refuse (an expired password; a second-factor role in production), a JSON body
that `api.CaseCreateSerializer` accepts (checked by that serializer's own fields, built
once: there is no second copy of its rules here), an answer in JSON, and a report the
service takes. Anything else (session login, a form body, a body the serializer
refuses, an unknown category, a repeated idempotency key, a bad or refused token) goes
to the DRF view, which gives the answer and error it always gave: this path either
creates the case or changes nothing and steps aside. `test_intake` holds its answers
equal to the DRF view's, on chosen and on generated requests.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from jingxi.accounts.authentication import token_refusal
from jingxi.cases import api
from jingxi.cases.api import CaseCreateSerializer, CaseSerializer, report_create
from jingxi.cases.context import (
    ReportContext,
    context_columns,
    context_joins,
    context_read,
)
from jingxi.cases.services import CaseInputError
from jingxi.catalog.timelimits import limit_applies_params, limit_applies_sql
from jingxi.lib.prepared import fetch_one
from jingxi.lib.rows import selection
from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.org.roles import RoleSet, roleset_from_names

_RENDERER = JSONRenderer()


class _NotCommon(Exception):
    """The request is not in the common shape: the DRF view answers it."""


@functools.cache
def _request_context_sql(vendor: str) -> str:
    """The token's user, the report's context (`cases.context`), the has-limit flag and
    the user's roles in the jurisdiction."""
    quote = connection.ops.quote_name
    u = selection(User, "u")
    joined = "string_agg(m.role, ',')" if vendor == "postgresql" else "group_concat(m.role, ',')"
    return (
        f"SELECT {u.sql}, {context_columns()}, {limit_applies_sql()}, "  # noqa: S608 quoted table names, values as %s params
        f"(SELECT {joined} FROM {quote(Membership._meta.db_table)} m "
        f"JOIN {quote(Unit._meta.db_table)} mu ON mu.id = m.unit_id "
        "WHERE m.user_id = u.id AND mu.jurisdiction_id = u.jurisdiction_id) "
        f"FROM {quote(Token._meta.db_table)} t "
        f"JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT JOIN {quote(Jurisdiction._meta.db_table)} j ON j.id = u.jurisdiction_id "
        f"{context_joins('c.id = %s')} "
        "WHERE t.key = %s"
    )


def _request_context(
    *, key: str, category_id: int, urgency: str, condition: str
) -> tuple[User, RoleSet, ReportContext]:
    """The token's active staff user with roles, and the report's context; or _NotCommon."""
    sql = _request_context_sql(connection.vendor)
    row = fetch_one(
        sql, [*limit_applies_params(urgency=urgency, condition=condition), category_id, key]
    )
    if row is None:
        raise _NotCommon  # a bad token: 401 from DRF
    u = selection(User, "u")
    user: User = u.instance(row)
    read = context_read(row, u.width)
    jurisdiction, settings = read.jurisdiction, read.settings
    has_limit, held = row[read.end], row[read.end + 1]
    if not user.is_active or jurisdiction is None or settings is None or not held:
        raise _NotCommon  # 401, 403, or a jurisdiction's first report (makes its settings)
    user.jurisdiction = jurisdiction
    roles = roleset_from_names(jurisdiction_id=jurisdiction.pk, roles=held)
    if token_refusal(user=user, roles=roles) is not None:
        raise _NotCommon  # 403 from DRF's token authentication
    return user, roles, ReportContext(settings, jurisdiction, read.category, bool(has_limit))


# --- the body, checked by api.CaseCreateSerializer itself ---------------------------


@functools.cache
def _validator(serializer_class: type[CaseCreateSerializer]) -> CaseCreateSerializer:
    """One instance of the create serializer, its fields built once and then shared.

    The fields are built when this module is imported (below), not per request: that
    deep copy is what makes DRF's serializer costly, while running the built fields'
    checks (types, lengths, choices, ranges, defaults, required) is cheap. The instance
    is never bound to data (`run_validation` keeps no state), so requests share it.
    """
    serializer = serializer_class()
    _ = serializer.fields  # built now, once
    return serializer


_validator(api.CaseCreateSerializer)


def _body(request: HttpRequest) -> dict[str, Any]:
    """The body's values as `api.CaseCreateSerializer` accepts them, or _NotCommon.

    The serializer is looked up at each request (then cached per class), so the rules
    are the serializer's own: a field narrowed there is narrowed here.
    """

    def refuse_constant(_name: str) -> None:  # NaN and Infinity: DRF's parser is strict
        raise _NotCommon

    try:
        body = json.loads(request.body, parse_constant=refuse_constant)
    except ValueError:
        raise _NotCommon from None
    if not isinstance(body, dict):
        raise _NotCommon
    try:
        data: dict[str, Any] = _validator(api.CaseCreateSerializer).run_validation(body)
    except ValidationError:
        raise _NotCommon from None  # DRF answers 400 with the same serializer's errors
    return data


# --- the request ----------------------------------------------------------------------


def _token_key(request: HttpRequest) -> str:
    """The key of `Authorization: Token <key>`, as DRF's TokenAuthentication reads it."""
    parts = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
    if len(parts) != 2 or parts[0].lower() != "token" or not parts[1].isascii():
        raise _NotCommon
    return parts[1]


def _answers_json(request: HttpRequest) -> bool:
    """Whether DRF's negotiation would pick its JSON renderer (the default one)."""
    if "format" in request.GET:
        return False
    accept = request.META.get("HTTP_ACCEPT", "*/*").strip()
    return accept in ("", "*/*", "application/json")


def _is_json(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "").replace(" ", "").lower()
    return content_type in ("application/json", "application/json;charset=utf-8")


def report_direct(request: HttpRequest, *, allow: str) -> HttpResponse | None:
    """The 201 answer to a report in the common shape; None to leave it to DRF.

    `allow` is the view's Allow header, which DRF's answer carries.
    """
    if not (_is_json(request) and _answers_json(request)):
        return None
    try:
        key = _token_key(request)
        data = _body(request)
        user, roles, context = _request_context(
            key=key,
            category_id=data["category"],
            urgency=data["urgency"],
            condition=data["condition"],
        )
        case = report_create(
            data,
            actor=user,
            jurisdiction=context.jurisdiction,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            context=context,
            roles=roles,
        )
    except (_NotCommon, CaseInputError, PermissionDenied):
        return None  # nothing was written: the DRF view answers, with its error
    body = CaseSerializer(context={"roles": roles}).to_representation(case)
    response = HttpResponse(_RENDERER.render(body), status=201, content_type="application/json")
    response["Allow"] = allow
    response["Vary"] = "Accept"
    return response


def with_direct_reports(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`view` (DRF's list-and-create view) with POSTs in the common shape served here."""
    instance = view.cls(**view.initkwargs)  # type: ignore[attr-defined]
    instance.setup(HttpRequest())  # as dispatch does: GET brings HEAD
    allow = ", ".join(instance.allowed_methods)

    @functools.wraps(view)  # keeps cls, initkwargs and csrf_exempt for DRF and the schema
    def entry(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            answer = report_direct(request, allow=allow)
            if answer is not None:
                return answer
        return view(request, *args, **kwargs)

    return entry
