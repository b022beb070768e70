"""Creating a case from a report (上报): `case_report` and its steps.

Check the report's own fields and the actor's claim, read its context (`cases.context`),
route the point (`places.responsibility`), build the unsaved case and its first events,
and insert them (`cases.insert`). Callers reach it through `cases.services`, the door
for every write to cases.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import cast
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases.access import report_claim_check
from jingxi.cases.choices import Action, EventKind, Source, Stage, Status
from jingxi.cases.context import (
    ReportContext,
    context_columns,
    context_joins,
    context_read,
    loop_settings_get,
)
from jingxi.cases.effects import stage_warning_due
from jingxi.cases.errors import CaseInputError
from jingxi.cases.insert import case_insert
from jingxi.cases.models import Case, CaseEvent, LoopSettings
from jingxi.catalog.choices import CategoryLevel, Urgency
from jingxi.catalog.models import Category
from jingxi.catalog.timelimits import (
    limit_applies_params,
    limit_applies_sql,
)
from jingxi.lib.numbers import ID_MAX, ID_MIN
from jingxi.lib.prepared import fetch_one
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import RoleSet, roles_for
from jingxi.org.services import calendar_get
from jingxi.places.geocode import point_describe
from jingxi.places.responsibility import (
    Crs,
    OutsideJurisdiction,
    PointResponsibility,
    point_responsibility,
)

MAX_DESCRIPTION = 2000


class DuplicateSubmission(CaseInputError):
    """A create whose idempotency key was already used; `case` is the first one."""

    def __init__(self, case: Case) -> None:
        super().__init__(_("重复提交：该请求已创建案卷 %(number)s") % {"number": case.number})
        self.case = case


# --- context ------------------------------------------------------------------------


@functools.cache
def _report_context_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {context_columns()}, {limit_applies_sql()} "  # noqa: S608 quoted table names, values as %s params
        f"FROM {quote(Jurisdiction._meta.db_table)} j {context_joins('c.id = %s')} "
        "WHERE j.id = %s"
    )


def _report_context(
    *, jurisdiction_id: int, category_id: int, urgency: str, condition: str
) -> ReportContext | None:
    """Loop settings, the jurisdiction's current row, the category and whether it has a
    time limit (as `effects.handling_limit_for` picks one), in one SELECT (`cases.context`);
    None without settings."""
    params: list[str | int] = [
        *limit_applies_params(urgency=urgency, condition=condition),
        category_id,
        jurisdiction_id,
    ]
    row = fetch_one(_report_context_sql(connection.vendor), params)
    if row is None:
        return None
    read = context_read(row, 0)
    if read.settings is None or read.jurisdiction is None:
        return None
    return ReportContext(read.settings, read.jurisdiction, read.category, bool(row[read.end]))


# --- report -------------------------------------------------------------------------

MAX_IDEMPOTENCY_KEY = 64


def idempotency_key_for(*, scope: str, key: str) -> str:
    """The stored form of an Idempotency-Key a caller chose: a digest of the caller's
    `scope` (e.g. "user:12") and the key, so only that caller can repeat it.

    `Case.idempotency_key` is unique per jurisdiction, and a repeated key answers with
    the first case: a key shared by all callers would let one learn another's case by
    guessing their key. Keys the server makes itself (the web form's, WeChat's) are
    stored as they are; they start with their door's name, and a digest never does
    (it is `k` and 63 hex digits: 252 bits, the column's 64 characters). Empty stays
    empty (no key); over 64 characters is a CaseInputError, as before.
    """
    key = key.strip()
    if not key:
        return ""
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise CaseInputError(_("幂等键不能超过64个字符"))
    digest = hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()
    return f"k{digest[:63]}"


def case_report(
    *,
    jurisdiction: Jurisdiction,
    category: Category | int,
    lng: float,
    lat: float,
    description: str,
    source: str,
    actor: User | None = None,
    urgency: str = Urgency.NORMAL,
    condition: str = "",
    address: str = "",
    crs: str = "wgs84",
    reporter_name: str = "",
    reporter_phone: str = "",
    idempotency_key: str = "",
    file_directly: bool = False,
    now: dt.datetime | None = None,
    context: ReportContext | None = None,
    roles: RoleSet | None = None,
) -> Case:
    """Create a case from a report (上报). Staff patrol reports may be filed at once.

    A staff `actor` may claim only the sources their roles allow, and file directly only
    their own patrol's reports (`access.report_claim_check`; PermissionDenied
    otherwise); `roles` are the actor's, when the caller read them already. Without an
    actor the caller is a public door and claims its own channel.

    The case comes back with its township, road and proposed unit (their names and
    the unit's code; other fields load on access), for the answers that show them.

    `category` may be given by id: it is read with the settings in any case. `context`
    is that read, when the caller made it already in a statement of its own (the API's
    intake reads it with the token: `jingxi.cases.intake`); it must be for this
    jurisdiction, category, urgency and condition.
    """
    now = now or timezone.now()
    description = _report_check(
        description=description,
        source=source,
        urgency=urgency,
        crs=crs,
        idempotency_key=idempotency_key,
    )
    _report_claim_check(
        jurisdiction=jurisdiction,
        source=source,
        actor=actor,
        roles=roles,
        file_directly=file_directly,
    )
    context, category = _report_context_check(
        jurisdiction=jurisdiction,
        category=category,
        urgency=urgency,
        condition=condition,
        context=context,
    )
    current = context.jurisdiction
    route = _report_route(jurisdiction=current, category=category, lng=lng, lat=lat, crs=crs)
    if not address:
        address = point_describe(
            jurisdiction=current, lng=route.lng, lat=route.lat, geo_version=current.geo_version
        )
    calendar = calendar_get(jurisdiction=current, fresh=True)
    case = _report_case(
        jurisdiction=jurisdiction,
        settings=context.settings,
        calendar=calendar,
        route=route,
        category=category,
        source=source,
        urgency=urgency,
        condition=condition,
        description=description,
        address=address,
        actor=actor,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        idempotency_key=idempotency_key,
        file_directly=file_directly,
        now=now,
    )
    events = _report_events(case=case, route=route, actor=actor, now=now)
    local_day = timezone.localtime(now, ZoneInfo(calendar.time_zone)).date()
    _report_insert(case=case, events=events, day=local_day)
    return case


def _report_check(
    *, description: str, source: str, urgency: str, crs: str, idempotency_key: str
) -> str:
    """The report's own fields, checked; the description comes back stripped."""
    description = description.strip()
    if not description:
        raise CaseInputError(_("请填写问题描述"))
    if len(description) > MAX_DESCRIPTION:
        raise CaseInputError(_("问题描述不能超过%(n)d字") % {"n": MAX_DESCRIPTION})
    if source not in Source.values:
        raise CaseInputError(_("未知的来源：%(s)s") % {"s": source})
    if urgency not in Urgency.values:
        raise CaseInputError(_("未知的紧急程度：%(u)s") % {"u": urgency})
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise CaseInputError(_("幂等键不能超过64个字符"))
    if crs not in ("wgs84", "gcj02"):
        raise CaseInputError(_("坐标系只能是 wgs84 或 gcj02"))
    return description


def _report_claim_check(
    *,
    jurisdiction: Jurisdiction,
    source: str,
    actor: User | None,
    roles: RoleSet | None,
    file_directly: bool,
) -> None:
    """A public door files nothing directly; staff claim what their roles allow."""
    if actor is None:
        if file_directly:
            raise CaseInputError(_("只有工作人员巡查上报的问题可以直接立案"))
        return
    if roles is None:
        roles = roles_for(user=actor, jurisdiction_id=jurisdiction.pk)
    report_claim_check(roles=roles, source=source, file_directly=file_directly)


def _report_context_check(
    *,
    jurisdiction: Jurisdiction,
    category: Category | int,
    urgency: str,
    condition: str,
    context: ReportContext | None,
) -> tuple[ReportContext, Category]:
    """The report's context (read here unless the caller did) and its category, which
    must be an active minor category of the jurisdiction with a time limit."""
    # One query reads the loop settings, the jurisdiction's current row (whose geo and
    # calendar versions then stand for this report: no query per cache), the category
    # and whether it has a time limit.
    category_id = category if isinstance(category, int) else category.pk
    if not ID_MIN <= category_id <= ID_MAX:  # an id no row can have, nor a query compare
        raise CaseInputError(_("类别不可用：请选择本辖区启用的小类"))
    read = functools.partial(
        _report_context,
        jurisdiction_id=jurisdiction.pk,
        category_id=category_id,
        urgency=urgency,
        condition=condition,
    )
    if context is None:
        context = read()
    if context is None:  # a jurisdiction's settings row is made on its first report
        loop_settings_get(jurisdiction=jurisdiction)
        context = read()
        assert context is not None
    fresh = context.category
    if fresh is None or fresh.level != CategoryLevel.MINOR or not fresh.is_active:
        raise CaseInputError(_("类别不可用：请选择本辖区启用的小类"))
    if not context.has_limit:
        raise CaseInputError(_("类别「%(name)s」没有设置处置时限") % {"name": fresh.name})
    return context, fresh if isinstance(category, int) else category


def _report_route(
    *, jurisdiction: Jurisdiction, category: Category, lng: float, lat: float, crs: str
) -> PointResponsibility:
    """The point's township, road and responsible unit; outside is a CaseInputError."""
    try:
        return point_responsibility(
            jurisdiction=jurisdiction,
            lng=lng,
            lat=lat,
            crs=cast(Crs, crs),
            category=category,
            geo_version=jurisdiction.geo_version,
        )
    except OutsideJurisdiction as exc:
        raise CaseInputError(str(exc)) from exc
    except ValueError as exc:
        raise CaseInputError(str(exc)) from exc


def _report_case(
    *,
    jurisdiction: Jurisdiction,
    settings: LoopSettings,
    calendar: WorkCalendar,
    route: PointResponsibility,
    category: Category,
    source: str,
    urgency: str,
    condition: str,
    description: str,
    address: str,
    actor: User | None,
    reporter_name: str,
    reporter_phone: str,
    idempotency_key: str,
    file_directly: bool,
    now: dt.datetime,
) -> Case:
    """The new case, unsaved: REPORTED with the filing clock, or FILED with the
    dispatch clock when filed directly."""
    status = Status.FILED if file_directly else Status.REPORTED
    if status == Status.FILED:
        stage, hours = Stage.DISPATCH, settings.dispatch_hours
    else:
        stage, hours = Stage.FILING, settings.filing_hours
    stage_deadline = calendar.add_working_hours(now, hours)
    return Case(
        jurisdiction=jurisdiction,
        number="",  # given by `cases.insert.case_insert` from the day's counter
        source=source,
        category=category,
        urgency=urgency,
        condition=condition,
        description=description,
        lng=route.lng,
        lat=route.lat,
        address=address[:255],
        township_id=route.township_id,
        community_id=route.community_id,
        grid_id=route.grid_id,
        segment_id=route.segment_id,
        road_id=route.road_id,
        reporter=actor,
        reporter_name=reporter_name.strip()[:64],
        reporter_phone=reporter_phone.strip()[:32],
        status=status,
        proposed_unit_id=route.unit_id,
        stage=stage,
        stage_deadline=stage_deadline,
        warned=not stage_warning_due(
            settings=settings, calendar=calendar, start=now, deadline=stage_deadline
        ),
        idempotency_key=idempotency_key,
        tracking_token=secrets.token_urlsafe(16)[:22],
        reported_at=now,
        filed_at=now if status == Status.FILED else None,
    )


def _report_events(
    *, case: Case, route: PointResponsibility, actor: User | None, now: dt.datetime
) -> list[CaseEvent]:
    """The report's event, and the filing's when the case is filed directly."""
    events = [
        CaseEvent(
            case=case,
            action=EventKind.REPORT,
            actor=actor,
            at=now,
            from_status="",
            to_status=Status.REPORTED,
            data={"source": case.source, "route_unit": route.unit_id},
        )
    ]
    if case.status == Status.FILED:
        events.append(
            CaseEvent(
                case=case,
                action=Action.FILE,
                actor=actor,
                at=now,
                from_status=Status.REPORTED,
                to_status=Status.FILED,
                note=_("巡查上报直接立案"),
            )
        )
    return events


def _report_insert(*, case: Case, events: list[CaseEvent], day: dt.date) -> None:
    """Insert the case and its events; a repeated idempotency key is DuplicateSubmission."""
    try:
        case_insert(case=case, events=events, day=day)
    except IntegrityError as exc:
        # The idempotency key's unique constraint: no lookup before the insert, since
        # repeats are rare; the whole transaction (number counter too) rolled back.
        if case.idempotency_key:
            existing = Case.objects.filter(
                jurisdiction_id=case.jurisdiction_id, idempotency_key=case.idempotency_key
            ).first()
            if existing is not None:
                raise DuplicateSubmission(existing) from exc
        raise
