"""GeoReport v2 endpoints: parse, call one selector or service, render. No business logic.

Every answer is XML or JSON as the URL's extension asks; every error is an Open311
error document with 400, 403, 404 (or 429 for a rate limit), and is logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from jingxi.cases.services import CaseInputError
from jingxi.catalog.models import Category
from jingxi.lib.client import client_address
from jingxi.lib.numbers import BIGINT_MAX, int_or_none
from jingxi.lib.ratelimit import rate_allow
from jingxi.open311.inputs import jurisdiction_tz, param, request_input
from jingxi.open311.models import ApiClient, Open311Request
from jingxi.open311.protocol import (
    Format,
    Open311Error,
    comma_list,
    error_response,
    format_of_path,
    render,
    w3c_format,
    w3c_parse,
)
from jingxi.open311.selectors import (
    RequestQuery,
    category_for_service_code,
    category_ids_for_codes,
    events_by_case,
    jurisdictions_served,
    limits_by_category,
    open311_status,
    post_context,
    report_context,
    request_row,
    requests_rows,
    service_attributes,
    services_changeset,
    services_list,
    status_filter,
    updates_rows,
)
from jingxi.open311.serializers import (
    Labels,
    definition_document,
    request_document,
    service_document,
)
from jingxi.open311.services import (
    api_client_check,
    api_key_prefix,
    open311_request_create,
)
from jingxi.org.models import Jurisdiction
from jingxi.places.responsibility import OutsideJurisdiction

logger = logging.getLogger("jingxi.open311")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The last change of this adapter's protocol surface (the discovery's changeset when no
# service attribute was edited since).
API_CHANGESET = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
BAD_KEYS_PER_MINUTE = 20


def _reads_per_minute() -> int:
    return int(getattr(settings, "OPEN311_READS_PER_MINUTE_PER_IP", 600))


def _remote_addr(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


def open311_endpoint(
    *methods: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Method check, read rate limit, Open311 error bodies and logging for a view."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str = "", **kwargs: Any) -> HttpResponse:
            # The URL's format; for an unknown URL, as its extension says (as the
            # middleware answers errors outside the views).
            form = cast(Format, fmt if fmt in ("xml", "json") else format_of_path(request.path))
            try:
                if request.method not in methods:
                    raise Open311Error(400, f"Method {request.method} is not supported here")
                if request.method == "GET":
                    allowed, retry = rate_allow(
                        scope="open311:read", ident=_remote_addr(request), limit=_reads_per_minute()
                    )
                    if not allowed:
                        raise _too_many(retry, "Too many requests from this address")
                return view(request, *args, fmt=form, **kwargs)
            except Open311Error as error:
                logger.warning(
                    "open311 rejected %s %s from %s: %s %s",
                    request.method,
                    request.path,
                    _remote_addr(request),
                    error.status,
                    "; ".join(text for _code, text in error.errors),
                )
                return error_response(form, error)

        return wrapped

    return decorate


def _too_many(retry_after: int, text: str) -> Open311Error:
    error = Open311Error(429, f"{text}; try again in {retry_after} s")
    error.headers["Retry-After"] = str(retry_after)
    return error


def _jurisdiction(request: HttpRequest) -> Jurisdiction:
    """The jurisdiction asked for: required only when more than one is served."""
    wanted = param(request, "jurisdiction_id")
    served = jurisdictions_served()
    if wanted:
        found = next((j for j in served if j.open311_id == wanted), None)
    else:
        found = served[0] if served else None
    return _jurisdiction_pick(wanted, found, len(served))


def _jurisdiction_pick(wanted: str, found: Jurisdiction | None, served: int) -> Jurisdiction:
    """`found` (the served jurisdiction whose id is `wanted`, or without `wanted` the
    first one served) if it answers the request; else the error. `served` counts them."""
    if wanted:
        if found is None:
            raise Open311Error(404, f"jurisdiction_id {wanted!r} was not found")
        return found
    if served == 1 and found is not None:
        return found
    if not served:
        raise Open311Error(404, "No jurisdiction is served by this endpoint")
    raise Open311Error(400, "jurisdiction_id was not provided (this endpoint serves several)")


# --- discovery and services -------------------------------------------------------------


@open311_endpoint("GET")
def discovery(request: HttpRequest, fmt: Format) -> HttpResponse:
    served = jurisdictions_served()
    changes = [c for j in served if (c := services_changeset(jurisdiction=j)) is not None]
    changeset = w3c_format(max([API_CHANGESET, *changes]), ZoneInfo(settings.TIME_ZONE))
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    body = {
        "changeset": changeset,
        "contact": str(
            getattr(settings, "OPEN311_CONTACT", "")
            or "Contact the city-management office (精细办) of your jurisdiction."
        ),
        "key_service": str(
            getattr(settings, "OPEN311_KEY_SERVICE", "")
            or "API keys are issued per client by the city-management office (精细办)."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root.rsplit("/", 1)[0],
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@open311_endpoint("GET")
def service_list(request: HttpRequest, fmt: Format) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    body = [
        service_document(c, service_attributes(c)) for c in services_list(jurisdiction=jurisdiction)
    ]
    return render(fmt, "services", body)


def _category(jurisdiction: Jurisdiction, service_code: str) -> Category:
    if not service_code:
        raise Open311Error(400, "service_code was not provided")
    category = category_for_service_code(jurisdiction=jurisdiction, service_code=service_code)
    if category is None:
        raise Open311Error(404, f"service_code {service_code!r} was not found")
    return category


@open311_endpoint("GET")
def service_definition(request: HttpRequest, fmt: Format, service_code: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    category = _category(jurisdiction, service_code)
    return render(
        fmt, "service_definition", definition_document(category, service_attributes(category))
    )


# --- requests ---------------------------------------------------------------------------


@open311_endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: Format) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    jurisdiction = _jurisdiction(request)
    query = _request_query(request, jurisdiction)
    rows = requests_rows(jurisdiction=jurisdiction, query=query)
    return _render_requests(request, fmt, jurisdiction, rows)


@open311_endpoint("GET")
def request_detail(request: HttpRequest, fmt: Format, service_request_id: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    row = request_row(jurisdiction=jurisdiction, number=service_request_id)
    if row is None:
        raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
    return _render_requests(request, fmt, jurisdiction, [row])


def _render_requests(
    request: HttpRequest, fmt: Format, jurisdiction: Jurisdiction, rows: list[dict[str, Any]]
) -> HttpResponse:
    tz = jurisdiction_tz(jurisdiction)
    limits = limits_by_category({row["category_id"] for row in rows})
    labels = Labels()
    notes = None
    if param(request, "extensions").lower() == "true":
        notes = events_by_case([row["id"] for row in rows])
    body = [
        request_document(
            row,
            tz=tz,
            limits=limits,
            labels=labels,
            notes=notes.get(row["id"], []) if notes is not None else None,
        )
        for row in rows
    ]
    return render(fmt, "service_requests", body)


def _paging(request: HttpRequest) -> tuple[int, int]:
    """(offset, limit) from the widely used page/page_size extension: page_size 1..1,000
    (the spec's most per answer), page from 1 while its offset fits the database."""
    size_text, page_text = param(request, "page_size"), param(request, "page")
    size = int_or_none(size_text or str(MAX_RESULTS), low=1, high=MAX_RESULTS)
    if size is None:
        raise Open311Error(400, f"page_size must be a whole number from 1 to {MAX_RESULTS}")
    last = BIGINT_MAX // size  # (page - 1) * size is the offset, a BIGINT
    page = int_or_none(page_text or "1", low=1, high=last)
    if page is None:
        raise Open311Error(400, f"page must be a whole number from 1 to {last}")
    return (page - 1) * size, size


def _window(request: HttpRequest, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime | None]:
    """start_date/end_date: at most 90 days apart; the most recent 90 days by default."""
    parsed: dict[str, dt.datetime] = {}
    for name in ("start_date", "end_date"):
        value = param(request, name)
        if value:
            try:
                parsed[name] = w3c_parse(value, tz=tz)
            except ValueError:
                raise Open311Error(
                    400,
                    f"{name} must be a W3C datetime with a time zone, e.g. 2010-01-01T00:00:00Z",
                ) from None
    start, end = parsed.get("start_date"), parsed.get("end_date")
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        return start, end
    if start is not None:
        return start, _shifted(start, WINDOW)
    if end is not None:
        return _shifted(end, -WINDOW), end
    return timezone.now() - WINDOW, None


def _shifted(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """`moment + delta`, held within the years 1..9999 (in UTC) a datetime can have."""
    try:
        return (moment + delta).astimezone(dt.UTC)
    except OverflowError:
        if delta > dt.timedelta(0):
            return dt.datetime.max.replace(tzinfo=dt.UTC)
        return dt.datetime.min.replace(tzinfo=dt.UTC)


def _request_query(request: HttpRequest, jurisdiction: Jurisdiction) -> RequestQuery:
    ids = comma_list(request.GET.getlist("service_request_id"))
    if ids:  # "This overrides all other arguments."
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"At most {MAX_RESULTS} service_request_id at once")
        return RequestQuery(numbers=ids, limit=len(ids))
    query = RequestQuery()
    codes = comma_list(request.GET.getlist("service_code"))
    if codes:
        ids_found, unknown = category_ids_for_codes(jurisdiction=jurisdiction, codes=codes)
        if unknown:
            raise Open311Error(400, f"Unknown service_code: {', '.join(unknown)}")
        query.category_ids = ids_found
    query.start, query.end = _window(request, jurisdiction_tz(jurisdiction))
    statuses = comma_list(request.GET.getlist("status"))
    if statuses:
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise Open311Error(400, f"status must be open or closed, not {', '.join(wrong)}")
        query.statuses = status_filter(statuses)
    query.offset, query.limit = _paging(request)
    return query


# --- POST requests ----------------------------------------------------------------------


def _client(
    request: HttpRequest, jurisdiction: Jurisdiction, key: str, found: ApiClient | None
) -> ApiClient:
    """The client holding `key` (`found` is the row read by its prefix), within its
    rate limits; else 403 or 429."""
    if not key:
        raise Open311Error(403, "api_key was not provided")
    client = api_client_check(client=found, key=key)
    if client is None or client.jurisdiction_id != jurisdiction.pk:
        allowed, retry = rate_allow(
            scope="open311:badkey", ident=_remote_addr(request), limit=BAD_KEYS_PER_MINUTE
        )
        if not allowed:
            raise _too_many(retry, "Too many invalid api_key attempts from this address")
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request")
    allowed, retry = rate_allow(
        scope="open311:client", ident=str(client.pk), limit=client.rate_limit_per_minute
    )
    if not allowed:
        raise _too_many(retry, "This api_key has reached its rate limit")
    allowed, retry = rate_allow(
        scope=f"open311:client-ip:{client.pk}",
        ident=_remote_addr(request),
        limit=client.ip_rate_limit_per_minute,
    )
    if not allowed:
        raise _too_many(retry, "Too many requests from this address")
    client.jurisdiction = jurisdiction
    return client


def _request_create(request: HttpRequest, fmt: Format) -> HttpResponse:
    """One SELECT reads what the checks need (`selectors.post_context`), then the case
    and its Open311 record are written. The checks keep their order: jurisdiction, key
    and rate limits, service, fields."""
    wanted, key = param(request, "jurisdiction_id"), param(request, "api_key")
    service_code = param(request, "service_code")
    context = post_context(
        jurisdiction_id=wanted, key_prefix=api_key_prefix(key), service_code=service_code
    )
    jurisdiction = _jurisdiction_pick(wanted, context.jurisdiction, context.served)
    client = _client(request, jurisdiction, key, context.client)
    data, service = request_input(request, jurisdiction, service_code, context.service)
    report = report_context(context, service, urgency=data.urgency, condition=data.condition)
    try:
        case = open311_request_create(client=client, data=data, context=report)
    except CaseInputError as exc:
        if isinstance(exc.__cause__, OutsideJurisdiction):
            raise Open311Error(400, f"The location is outside the jurisdiction ({exc})") from exc
        raise Open311Error(400, str(exc)) from exc
    body = [
        {
            "service_request_id": case.number,
            "service_notice": service.notice(data.urgency, data.condition),
            "account_id": data.account_id or None,
        }
    ]
    return render(fmt, "service_requests", body)


# --- tokens and updates -----------------------------------------------------------------


@open311_endpoint("GET")
def token_detail(request: HttpRequest, fmt: Format, token: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    number = (
        Open311Request.objects.filter(token=token, case__jurisdiction=jurisdiction)
        .values_list("case__number", flat=True)
        .first()
    )
    if number is None:
        raise Open311Error(404, f"token {token!r} was not found")
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@open311_endpoint("GET")
def request_updates(request: HttpRequest, fmt: Format) -> HttpResponse:
    """mySociety's extension: status changes in a window, for clients that poll."""
    jurisdiction = _jurisdiction(request)
    tz = jurisdiction_tz(jurisdiction)
    start, end = _window(request, tz)
    offset, limit = _paging(request)
    rows = updates_rows(
        jurisdiction=jurisdiction,
        start=start,
        end=end or timezone.now(),
        offset=offset,
        limit=limit,
    )
    labels = Labels()
    body = [
        {
            "update_id": str(row["id"]),
            "service_request_id": row["case__number"],
            "status": open311_status(row["to_status"]),
            "updated_datetime": w3c_format(row["at"], tz),
            "description": labels.action.get(row["action"], row["action"]),
        }
        for row in rows
    ]
    return render(fmt, "service_request_updates", body)


@open311_endpoint("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def invalid_url(request: HttpRequest, fmt: Format = "xml", rest: str = "") -> HttpResponse:
    raise Open311Error(400, "The URL request is invalid; see discovery.xml for the endpoints")
