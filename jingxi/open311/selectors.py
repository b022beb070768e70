"""Reads for the Open311 adapter: jurisdictions served, services, requests, updates.

Lists read `values()` rows (no model instance per row), so a page of 1,000 requests
costs one query and stays cheap to render.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Status
from jingxi.cases.context import ReportContext, context_columns, context_joins, context_read
from jingxi.cases.models import RECORD_ACTIONS, Case, CaseEvent, LoopSettings
from jingxi.catalog.choices import CategoryKind, CategoryLevel, Urgency
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.timelimits import limit_notice, limit_pick
from jingxi.lib.prepared import fetch_one
from jingxi.lib.rows import selection
from jingxi.open311.choices import LIST_DATATYPES
from jingxi.open311.models import ApiClient, ServiceAttribute
from jingxi.org.models import Jurisdiction

# Ended statuses count as resolved for a GeoReport client: closed.
CLOSED_STATUSES: frozenset[str] = frozenset(
    str(s) for s in (*workflow.CLOSED, *workflow.ENDED_WITHOUT_CASE)
)
OPEN_STATUSES: frozenset[str] = frozenset(str(s) for s in workflow.OPEN)
# Deadline-scan steps and document records (notices, supervision orders) are staff
# material: they change no status and stay out of every public feed.
STAFF_RECORD_VALUES = frozenset(value for value, _label in RECORD_ACTIONS)


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


# --- jurisdictions --------------------------------------------------------------------


def jurisdictions_served() -> list[Jurisdiction]:
    """Jurisdictions with an Open311 id; if none has one, all of them (a single county
    that never set its id is still served, without jurisdiction_id)."""
    served = list(Jurisdiction.objects.exclude(open311_id="").order_by("pk"))
    return served or list(Jurisdiction.objects.order_by("pk")[:2])


# --- services -------------------------------------------------------------------------


_KINDS = frozenset(CategoryKind.values)


def service_code_of(kind: str, code: str) -> str:
    """'event-0102': the category kind, a hyphen and the 4-digit minor code."""
    return f"{kind}-{code}"


def service_code_parse(service_code: str) -> tuple[str, str] | None:
    """(kind, 4-digit minor code) of a service code, or None when it cannot name one."""
    kind, _sep, code = service_code.partition("-")
    if kind not in _KINDS or len(code) != 4 or not code.isdigit():
        return None
    return kind, code


def category_for_service_code(*, jurisdiction: Jurisdiction, service_code: str) -> Category | None:
    parsed = service_code_parse(service_code)
    if parsed is None:
        return None
    kind, code = parsed
    # At most one row (codes are unique per jurisdiction and kind): no ORDER BY needed.
    found = list(
        Category.objects.filter(
            jurisdiction=jurisdiction,
            kind=kind,
            code=code,
            level=CategoryLevel.MINOR,
            is_active=True,
        )
        .select_related("parent")
        .prefetch_related("time_limits", "open311_attributes")
    )
    return found[0] if found else None


def services_list(*, jurisdiction: Jurisdiction) -> list[Category]:
    """Active minor categories with their major, time limits and extra attributes."""
    return list(
        Category.objects.filter(
            jurisdiction=jurisdiction, level=CategoryLevel.MINOR, is_active=True
        )
        .select_related("parent")
        .prefetch_related("time_limits", "open311_attributes")
        .order_by("kind", "code")
    )


def limits_of(category: Category) -> dict[tuple[str, str], TimeLimit]:
    return {(tl.urgency, tl.condition): tl for tl in category.time_limits.all()}


@dataclass(frozen=True)
class Attribute:
    """One attribute of a service definition, as the spec describes it."""

    code: str
    datatype: str
    variable: bool
    required: bool
    description: str
    datatype_description: str
    options: tuple[tuple[str, str], ...]


def service_attributes(category: Category) -> list[Attribute]:
    """The catalog's attributes (urgency and condition, from the time limits, when there
    is a choice to make), then the extra ServiceAttribute rows, in order."""
    # The reverse accessor of ServiceAttribute.category (this app adds it to Category).
    # django-stubs sees it on a clean run but not always from mypy's incremental cache.
    related = category.open311_attributes  # type: ignore[attr-defined, unused-ignore]
    return attributes_build(category.time_limits.all(), related.all())


def attributes_build(
    time_limits: Iterable[TimeLimit], extras: Iterable[ServiceAttribute]
) -> list[Attribute]:
    """`service_attributes` from a category's time limits and ServiceAttribute rows."""
    limits = list(time_limits)
    attributes: list[Attribute] = []
    urgencies = {tl.urgency for tl in limits}
    if urgencies - {Urgency.NORMAL}:
        options = tuple(
            (value, str(label))
            for value, label in Urgency.choices
            if value in urgencies or value == Urgency.NORMAL
        )
        attributes.append(
            Attribute(
                code="urgency",
                datatype="singlevaluelist",
                variable=True,
                required=False,
                description=_("紧急程度"),
                datatype_description=_("不选为“一般”"),
                options=options,
            )
        )
    conditions = sorted({tl.condition for tl in limits if tl.condition})
    if conditions:
        attributes.append(
            Attribute(
                code="condition",
                datatype="singlevaluelist",
                variable=True,
                required=False,
                description=_("情形"),
                datatype_description=_("不选为一般情形"),
                options=tuple((c, c) for c in conditions),
            )
        )
    ordered: Sequence[ServiceAttribute] = sorted(extras, key=lambda a: (a.order, a.code))
    for extra in ordered:
        options = ()
        if extra.datatype in LIST_DATATYPES:
            options = tuple((str(o["key"]), str(o["name"])) for o in extra.values)
        attributes.append(
            Attribute(
                code=extra.code,
                datatype=extra.datatype,
                variable=extra.variable,
                required=extra.required and extra.variable,
                description=extra.description,
                datatype_description=extra.datatype_description,
                options=options,
            )
        )
    return attributes


def services_changeset(*, jurisdiction: Jurisdiction) -> dt.datetime | None:
    """When a service definition last changed, as far as rows record it."""
    latest = (
        ServiceAttribute.objects.filter(category__jurisdiction=jurisdiction)
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    return latest


# --- requests -------------------------------------------------------------------------

REQUEST_FIELDS = (
    "id",
    "number",
    "status",
    "source",
    "category_id",
    "category__kind",
    "category__code",
    "category__name",
    "urgency",
    "condition",
    "description",
    "unit__name",
    "merged_into__number",
    "reported_at",
    "updated_at",
    "closed_at",
    "deadline",
    "address",
    "lng",
    "lat",
    "reporter_name",
    "reporter_phone",
)


@dataclass
class RequestQuery:
    numbers: list[str] | None = None
    category_ids: list[int] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] | None = None
    offset: int = 0
    limit: int = 1000


def requests_rows(*, jurisdiction: Jurisdiction, query: RequestQuery) -> list[dict[str, Any]]:
    """Rows of the requests asked for, most recent first. With `numbers` only those."""
    qs: QuerySet[Case] = Case.objects.filter(jurisdiction=jurisdiction)
    if query.numbers is not None:
        qs = qs.filter(number__in=query.numbers)
    else:
        if query.category_ids is not None:
            qs = qs.filter(category_id__in=query.category_ids)
        if query.start is not None:
            qs = qs.filter(reported_at__gte=query.start)
        if query.end is not None:
            qs = qs.filter(reported_at__lte=query.end)
        if query.statuses is not None:
            qs = qs.filter(status__in=query.statuses)
    qs = qs.order_by("-reported_at", "-id")
    return list(qs.values(*REQUEST_FIELDS)[query.offset : query.offset + query.limit])


def request_row(*, jurisdiction: Jurisdiction, number: str) -> dict[str, Any] | None:
    rows = requests_rows(jurisdiction=jurisdiction, query=RequestQuery(numbers=[number], limit=1))
    return rows[0] if rows else None


def limits_by_category(category_ids: set[int]) -> dict[int, dict[tuple[str, str], TimeLimit]]:
    by_category: dict[int, dict[tuple[str, str], TimeLimit]] = defaultdict(dict)
    for tl in TimeLimit.objects.filter(category_id__in=category_ids):
        by_category[tl.category_id][(tl.urgency, tl.condition)] = tl
    return by_category


def events_by_case(case_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The public-safe steps of each case (action and time, never notes or actors)."""
    by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        CaseEvent.objects.filter(case_id__in=case_ids)
        .exclude(action__in=STAFF_RECORD_VALUES)
        .order_by("id")
        .values("case_id", "action", "at", "to_status")
    )
    for row in rows:
        by_case[row["case_id"]].append(dict(row))
    return by_case


def updates_rows(
    *,
    jurisdiction: Jurisdiction,
    start: dt.datetime,
    end: dt.datetime,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    """Status changes of the jurisdiction's cases in [start, end], oldest first."""
    rows = (
        CaseEvent.objects.filter(case__jurisdiction=jurisdiction, at__gte=start, at__lte=end)
        .exclude(action__in=STAFF_RECORD_VALUES)
        .order_by("at", "id")
        .values("id", "case__number", "action", "at", "to_status")[offset : offset + limit]
    )
    return [dict(row) for row in rows]


def status_filter(statuses: list[str]) -> list[str]:
    """Case statuses behind the spec's open/closed."""
    wanted: set[str] = set()
    if "open" in statuses:
        wanted |= OPEN_STATUSES
    if "closed" in statuses:
        wanted |= CLOSED_STATUSES
    return sorted(wanted)


def category_ids_for_codes(
    *, jurisdiction: Jurisdiction, codes: list[str]
) -> tuple[list[int], list[str]]:
    """(ids of the categories named, the codes that name none)."""
    wanted: dict[tuple[str, str], str] = {}
    unknown: list[str] = []
    for code in codes:
        kind, _sep, minor = code.partition("-")
        if kind in _KINDS and len(minor) == 4 and minor.isdigit():
            wanted[(kind, minor)] = code
        else:
            unknown.append(code)
    found: dict[tuple[str, str], int] = {}
    if wanted:
        condition = Q()
        for kind, minor in wanted:
            condition |= Q(kind=kind, code=minor)
        for pk, kind, minor in Category.objects.filter(
            condition, jurisdiction=jurisdiction, level=CategoryLevel.MINOR
        ).values_list("pk", "kind", "code"):
            found[(kind, minor)] = pk
    unknown += [code for key, code in wanted.items() if key not in found]
    return list(found.values()), unknown


STATUS_LABELS = {str(s.value): s.label for s in Status}


# --- the POST's one read ----------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """An active minor category offered as a service, with what a POST checks it by."""

    category: Category
    limits: Mapping[tuple[str, str], TimeLimit]  # by (urgency, condition); shared: read only
    attributes: tuple[Attribute, ...]
    notices: Mapping[int, str]  # `limit_notice` of each limit, by its id

    def notice(self, urgency: str, condition: str) -> str:
        """The service notice of a request with this urgency and condition."""
        limit = limit_pick(self.limits, urgency=urgency, condition=condition)
        return "" if limit is None else self.notices[limit.pk]


@dataclass(frozen=True)
class PostContext:
    """What a POST needs from the database, read in one statement by `post_context`."""

    served: int  # jurisdictions served, counted up to 2
    jurisdiction: Jurisdiction | None  # the one asked for, or the first one served
    client: ApiClient | None  # the client holding the key's prefix, if any
    settings: LoopSettings | None  # the jurisdiction's loop settings (made on a first report)
    service: Service | None  # the service code's category in the jurisdiction, if offered


def post_context(*, jurisdiction_id: str, key_prefix: str | None, service_code: str) -> PostContext:
    """One SELECT for a POST: the jurisdictions served (as `jurisdictions_served` picks
    them, `jurisdiction_id` as the view reads it), the client of `key_prefix`, the loop
    settings and the service's category with its time limits and extra attributes.

    A POST is the adapter's busiest request; read as querysets these were six statements
    compiled per request, about half of the request's CPU. Prepared on PostgreSQL
    (`lib/prepared.py`): planning it was most of its database time. The time limits and attributes
    come as JSON text; what is built from them is kept per process under that very text,
    so an edit of the catalog is seen by the next request, with no version to bump.
    """
    parsed = service_code_parse(service_code)
    kind, code = parsed if parsed is not None else (None, None)
    params: list[Any] = [jurisdiction_id, jurisdiction_id, key_prefix, kind, code]
    params += [str(CategoryLevel.MINOR), True]
    row = fetch_one(_post_context_sql(connection.vendor), params)
    a = selection(ApiClient, "a")
    client: ApiClient | None = a.instance(row, 1)
    read = context_read(row, 1 + a.width)
    service = None
    if read.category is not None:
        limits, extras = row[read.end], row[read.end + 1]
        service = Service(read.category, *_service_definition(limits, extras, get_language()))
    return PostContext(int(row[0]), read.jurisdiction, client, read.settings, service)


@functools.cache
def _post_context_sql(vendor: str) -> str:
    """The statement of `post_context`, built once per process from model metadata.
    Parameters: jurisdiction_id twice, key prefix, kind, code, minor level, True."""
    quote = connection.ops.quote_name
    a = selection(ApiClient, "a")
    table = quote(Jurisdiction._meta.db_table)
    served = (  # jurisdictions_served: those with an id, else all of them
        f"SELECT id, open311_id FROM {table} WHERE open311_id <> '' UNION ALL "  # noqa: S608 quoted table name
        f"SELECT id, open311_id FROM {table} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE open311_id <> '')"
    )
    return (
        f"WITH served AS ({served}) "  # noqa: S608 quoted names, %s params
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM served LIMIT 2) n), "
        f"{a.sql}, {context_columns()}, "
        f"{_rows_json(vendor, TimeLimit, _LIMIT_FIELDS)}, "
        f"{_rows_json(vendor, ServiceAttribute, _EXTRA_FIELDS)} "
        "FROM (SELECT CASE WHEN %s = '' THEN (SELECT min(id) FROM served) "
        "ELSE (SELECT min(id) FROM served WHERE open311_id = %s) END AS id) p "
        f"LEFT JOIN {quote(ApiClient._meta.db_table)} a ON a.key_prefix = %s "
        f"LEFT JOIN {table} j ON j.id = p.id "
        + context_joins("c.kind = %s AND c.code = %s AND c.level = %s AND c.is_active = %s")
    )


_LIMIT_FIELDS = ("id", "urgency", "condition", "amount", "unit")
_EXTRA_FIELDS = (
    "id",
    "code",
    "datatype",
    "variable",
    "required",
    "description",
    "datatype_description",
    "order",
    "values",
)


def _rows_json(vendor: str, model: type[TimeLimit | ServiceAttribute], names: Sequence[str]) -> str:
    """A subquery: the rows of `model` of category `c` as JSON text, [[values], ...]."""
    quote = connection.ops.quote_name
    columns = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        column = f"x.{quote(field.column)}"
        if vendor != "postgresql" and field.get_internal_type() == "JSONField":
            column = f"json({column})"  # SQLite keeps JSON as text
        columns.append(column)
    table = quote(model._meta.db_table)
    if vendor == "postgresql":
        rows = f"CAST(json_agg(json_build_array({', '.join(columns)}) ORDER BY x.id) AS TEXT)"
    else:
        rows = f"json_group_array(json_array({', '.join(columns)}))"
    return f"(SELECT {rows} FROM {table} x WHERE x.category_id = c.id)"  # noqa: S608 quoted columns of our models


@functools.lru_cache(maxsize=1024)
def _service_definition(
    limits_json: str | None, extras_json: str | None, language: str | None
) -> tuple[Mapping[tuple[str, str], TimeLimit], tuple[Attribute, ...], Mapping[int, str]]:
    """Time limits by (urgency, condition), the attributes and the limits' notices, from
    `_rows_json` text.

    Kept per process under the text itself (and the language of the labels and
    notices): a changed row is different text, so nothing can be stale."""
    amount = TimeLimit._meta.get_field("amount")
    assert isinstance(amount, models.DecimalField)
    step = Decimal(1).scaleb(-amount.decimal_places)
    limits = [
        TimeLimit(
            id=pk,
            urgency=urgency,
            condition=condition,
            amount=Decimal(str(value)).quantize(step),
            unit=unit,
        )
        for pk, urgency, condition, value, unit in json.loads(limits_json or "[]")
    ]
    extras = [
        ServiceAttribute(
            id=pk,
            code=code,
            datatype=datatype,
            variable=bool(variable),
            required=bool(required),
            description=description,
            datatype_description=datatype_description,
            order=order,
            values=values,
        )
        for (
            pk,
            code,
            datatype,
            variable,
            required,
            description,
            datatype_description,
            order,
            values,
        ) in json.loads(extras_json or "[]")
    ]
    by_key = MappingProxyType({(tl.urgency, tl.condition): tl for tl in limits})
    notices = MappingProxyType({tl.pk: limit_notice(tl) for tl in limits})
    return by_key, tuple(attributes_build(limits, extras)), notices


def report_context(
    context: PostContext, service: Service, *, urgency: str, condition: str
) -> ReportContext | None:
    """`case_report`'s context from the POST's read; None before the jurisdiction's
    first report (case_report then makes its settings row)."""
    if context.settings is None or context.jurisdiction is None:
        return None
    context.settings.jurisdiction = context.jurisdiction
    has_limit = limit_pick(service.limits, urgency=urgency, condition=condition) is not None
    return ReportContext(context.settings, context.jurisdiction, service.category, has_limit)
