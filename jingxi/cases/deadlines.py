"""The deadline scan: warn before a stage's deadline, mark overdue at it, climb the ladder.

`deadline_scan` runs every few minutes (cases/tasks.py) and on demand
(`manage.py deadline_scan`). Per jurisdiction, with its work calendar read once:

1. warn — open cases whose stage deadline is at most `warn_before_hours` of working
   time away and that were not warned: an event "warn" for the people whose clock it
   is (dispatchers for filing/dispatch, the unit's handlers for acceptance/handling,
   the verifying inspector for verification); `warned` is set. A stage no longer than
   the lead starts with `warned` set (`effects.stage_warning_due`, asked when the
   clock starts), so it is never warned the moment it begins.
2. overdue — cases whose stage deadline has come (deadline <= now) and that are not
   marked: `is_overdue` is set and an event "overdue" is written for the same people.
3. ladder — overdue cases on the unit's clock (dispatched, handling) take every step
   of `LoopSettings.escalation_ladder` whose `after_hours` of *working* time past the
   stage deadline have passed and that was not yet taken (index >= escalation_step):
   notify the unit head, the road chiefs of the case's road at a level, or issue a
   supervision order (督办单). One event "escalate" per step taken.

The scan never changes a status (that is `case_transition`'s alone); it sets flags with
bulk UPDATEs and leaves one append-only event per action, with from_status ==
to_status and data {"step": ..., "recipients": [user ids]}. The notification job
(notify/services.py `outbox_drain`) delivers from those events.

Speed: each phase first finds its candidates with one indexed query (partial indexes
`case_scan_*` on Case hold only the open cases that may still need that action), then
locks and handles them in chunks with a constant number of queries per chunk. A case
already past the last ladder step, or closed, is never read. Working time past a
deadline is turned into a wall-clock bound per ladder step (`working_hours_before`) so
the database can select exactly the cases for which a step is due.

Concurrency: candidates are re-read under `SELECT ... FOR UPDATE SKIP LOCKED` with the
same conditions, flags are set in the same transaction, so two scans never act twice on
one case and a case being moved by `case_transition` is left for the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases.choices import EventKind, Stage
from jingxi.cases.documents import supervision_orders_issue_overdue
from jingxi.cases.models import Case, CaseEvent, LoopSettings, SupervisionOrder
from jingxi.cases.services import loop_settings_get
from jingxi.cases.workflow import UNIT_CLOCK
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Membership, Unit
from jingxi.org.roles import CASE_AUDIENCE_ROLES
from jingxi.org.services import calendar_get
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import RoadChief
from jingxi.places.selectors import road_chief_list_current

logger = logging.getLogger(__name__)

CHUNK = 1000
ROAD_CHIEF_STEPS: dict[str, str] = {
    "road_chief_community": RoadChiefLevel.COMMUNITY,
    "road_chief_township": RoadChiefLevel.TOWNSHIP,
    "road_chief_county": RoadChiefLevel.COUNTY,
}
LADDER_STEPS = frozenset({"unit_head", "supervision_order", *ROAD_CHIEF_STEPS})
DISPATCHER_STAGES = frozenset({Stage.FILING, Stage.DISPATCH})
UNIT_STAGES = frozenset({Stage.ACCEPTANCE, Stage.HANDLING})
_LOCKED_FIELDS = (
    "id",
    "jurisdiction",
    "number",
    "status",
    "stage",
    "stage_deadline",
    "unit",
    "reporter",
    "road",
    "segment",
    "escalation_step",
)


@dataclass
class ScanSummary:
    """What one scan did. `cases_touched` counts each case once per phase that acted."""

    jurisdictions: int = 0
    warned: int = 0
    overdue: int = 0
    escalated_cases: int = 0
    escalation_steps: int = 0
    supervision_orders: int = 0
    recipients: int = 0
    steps: dict[str, int] = field(default_factory=dict)

    @property
    def cases_touched(self) -> int:
        return self.warned + self.overdue + self.escalated_cases

    def __str__(self) -> str:
        return _(
            "辖区%(j)d个；到期提醒%(w)d件；新超期%(o)d件；升级%(e)d件共%(s)d步；"
            "督办单%(so)d份；待通知%(r)d人次"
        ) % {
            "j": self.jurisdictions,
            "w": self.warned,
            "o": self.overdue,
            "e": self.escalated_cases,
            "s": self.escalation_steps,
            "so": self.supervision_orders,
            "r": self.recipients,
        }


@dataclass(frozen=True)
class LadderStep:
    after: dt.timedelta
    step: str
    options: dict[str, Any]


class LadderError(ValueError):
    """A stored escalation ladder that cannot be used; the message says why."""


def ladder_parse(raw: object) -> list[LadderStep]:
    """Read LoopSettings.escalation_ladder: a list of {"after_hours": n, "step": name}.

    Steps must be known and their hours non-decreasing (a step's index is what
    `Case.escalation_step` counts, so the stored order is the order taken). Extra keys
    are options of the step, e.g. {"deadline_days": 1} for a supervision order.
    """
    if not isinstance(raw, list):
        raise LadderError(_("升级阶梯须为列表"))
    steps: list[LadderStep] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "step" not in item or "after_hours" not in item:
            raise LadderError(_("升级阶梯第%(i)d项须包含 step 与 after_hours") % {"i": index})
        name = item["step"]
        if name not in LADDER_STEPS:
            raise LadderError(_("升级阶梯第%(i)d项：未知的步骤 %(s)s") % {"i": index, "s": name})
        try:
            hours = Decimal(str(item["after_hours"]))
        except (InvalidOperation, ValueError):
            raise LadderError(_("升级阶梯第%(i)d项：小时数无效") % {"i": index}) from None
        if not hours.is_finite() or hours < 0:
            raise LadderError(_("升级阶梯第%(i)d项：小时数无效") % {"i": index})
        after = dt.timedelta(microseconds=int(hours * 3_600_000_000))
        if steps and after < steps[-1].after:
            raise LadderError(_("升级阶梯须按小时数从小到大排列（第%(i)d项）") % {"i": index})
        options = {k: v for k, v in item.items() if k not in ("step", "after_hours")}
        if "deadline_days" in options:
            try:
                days = Decimal(str(options["deadline_days"]))
            except (InvalidOperation, ValueError):
                days = Decimal(0)
            if not days.is_finite() or days <= 0:
                raise LadderError(_("升级阶梯第%(i)d项：办结天数须大于零") % {"i": index})
        steps.append(LadderStep(after=after, step=str(name), options=options))
    return steps


def working_hours_before(
    calendar: WorkCalendar, now: dt.datetime, after: dt.timedelta
) -> dt.datetime:
    """The latest instant x with at least `after` of working time in [x, now).

    A stage deadline at or before x is `after` or more working time overdue at `now`.
    Working time over [x, now) never grows as x moves later, so a binary search on
    the wall clock (to the microsecond) finds x; about fifty calendar look-ups.
    """
    if after <= dt.timedelta(0):
        return now
    span = dt.timedelta(days=7 + 2 * (after // calendar.working_day_length + 1))
    while calendar.working_time_between(now - span, now) < after:
        span *= 2
    lo, hi = 0, span // dt.timedelta(microseconds=1)  # microseconds before now
    # Invariant: working_time(now - hi, now) >= after; working_time(now - lo, now) < after.
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if calendar.working_time_between(now - dt.timedelta(microseconds=mid), now) >= after:
            hi = mid
        else:
            lo = mid
    return now - dt.timedelta(microseconds=hi)


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _unique(users: Iterable[int | None]) -> list[int]:
    seen: dict[int, None] = {}
    for user in users:
        if user is not None:
            seen.setdefault(user, None)
    return list(seen)


class CaseAudience:
    """Who a case concerns, per jurisdiction, read lazily in a few queries.

    Shared by the deadline scan and the notification drain so both name the same
    people: the dispatchers, the inspectors, a unit's handlers and head.
    """

    def __init__(self, *, jurisdiction_ids: Iterable[int]) -> None:
        self._jurisdiction_ids = sorted(set(jurisdiction_ids))
        self._loaded = False
        self._by_role: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._unit_role: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._unit_head: dict[int, int] = {}
        self._chiefs: list[tuple[int, int, str, int]] = []  # (chief id, road, level, user)
        self._chief_segments: dict[int, set[int]] = defaultdict(set)
        self._chief_roads: set[int] = set()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        rows = Membership.objects.filter(
            unit__jurisdiction_id__in=self._jurisdiction_ids,
            user__is_active=True,
            role__in=CASE_AUDIENCE_ROLES,
        ).values_list("unit_id", "unit__jurisdiction_id", "role", "user_id")
        for unit_id, jurisdiction_id, role, user_id in rows.order_by("user_id"):
            self._by_role[(jurisdiction_id, role)].append(user_id)
            self._unit_role[(unit_id, role)].append(user_id)
        heads = (
            Unit.objects.filter(
                jurisdiction_id__in=self._jurisdiction_ids, head__isnull=False, head__is_active=True
            )
            .values_list("pk", "head_id")
            .order_by()
        )
        self._unit_head = {unit_id: head_id for unit_id, head_id in heads if head_id}

    def dispatchers(self, jurisdiction_id: int) -> list[int]:
        self._load()
        return _unique(self._by_role[(jurisdiction_id, Role.DISPATCHER)])

    def inspectors(self, jurisdiction_id: int) -> list[int]:
        self._load()
        return _unique(self._by_role[(jurisdiction_id, Role.INSPECTOR)])

    def verifiers(self, jurisdiction_id: int, reporter_id: int | None) -> list[int]:
        """The inspector who reported the case, or else every inspector."""
        inspectors = self.inspectors(jurisdiction_id)
        if reporter_id is not None and reporter_id in inspectors:
            return [reporter_id]
        return inspectors

    def unit_heads(self, unit_id: int | None) -> list[int]:
        """The unit's first responsible person (Unit.head) and its unit_head members."""
        if unit_id is None:
            return []
        self._load()
        return _unique([self._unit_head.get(unit_id), *self._unit_role[(unit_id, Role.UNIT_HEAD)]])

    def unit_handlers(self, unit_id: int | None) -> list[int]:
        """The unit's handlers; its heads when it has none, so nobody is missed."""
        if unit_id is None:
            return []
        self._load()
        handlers = _unique(self._unit_role[(unit_id, Role.UNIT_HANDLER)])
        return handlers or self.unit_heads(unit_id)

    def stage_owners(self, case: Case) -> list[int]:
        """The people whose clock the case's current stage is."""
        if case.stage in DISPATCHER_STAGES:
            return self.dispatchers(case.jurisdiction_id)
        if case.stage in UNIT_STAGES:
            return self.unit_handlers(case.unit_id)
        if case.stage == Stage.VERIFICATION:
            return self.verifiers(case.jurisdiction_id, case.reporter_id)
        return []

    def load_road_chiefs(self, road_ids: Iterable[int | None], today: dt.date) -> None:
        """Read the current chiefs of these roads (two queries), for `road_chiefs`."""
        wanted = {r for r in road_ids if r is not None} - self._chief_roads
        if not wanted:
            return
        self._chief_roads |= wanted
        chiefs = list(
            road_chief_list_current(on=today)
            .filter(road_id__in=wanted, user__is_active=True)
            .values_list("pk", "road_id", "level", "user_id")
            .order_by("pk")
        )
        self._chiefs.extend(chiefs)
        through = RoadChief.segments.through.objects.filter(
            roadchief_id__in=[c[0] for c in chiefs]
        ).values_list("roadchief_id", "segment_id")
        for chief_id, segment_id in through:
            self._chief_segments[chief_id].add(segment_id)

    def road_chiefs(self, *, road_id: int | None, segment_id: int | None, level: str) -> list[int]:
        """Current chiefs at `level` of the road, for the whole road or the case's segment."""
        if road_id is None:
            return []
        users = []
        for chief_id, chief_road, chief_level, user_id in self._chiefs:
            if chief_road != road_id or chief_level != level:
                continue
            segments = self._chief_segments.get(chief_id)
            if not segments or (segment_id is not None and segment_id in segments):
                users.append(user_id)
        return _unique(users)


@dataclass
class _Context:
    jurisdiction: Jurisdiction
    settings: LoopSettings
    calendar: WorkCalendar
    audience: CaseAudience
    now: dt.datetime
    summary: ScanSummary

    def local(self, when: dt.datetime) -> str:
        return when.astimezone(self.calendar.zone).strftime("%Y-%m-%d %H:%M")


def deadline_scan(
    *, now: dt.datetime | None = None, jurisdiction: Jurisdiction | None = None
) -> ScanSummary:
    """Warn, mark overdue and escalate, for one jurisdiction or all. Idempotent."""
    now = now or timezone.now()
    summary = ScanSummary()
    jurisdictions = (
        [jurisdiction] if jurisdiction is not None else list(Jurisdiction.objects.order_by("pk"))
    )
    for j in jurisdictions:
        ctx = _Context(
            jurisdiction=j,
            settings=loop_settings_get(jurisdiction=j),
            calendar=calendar_get(jurisdiction=j),
            audience=CaseAudience(jurisdiction_ids=[j.pk]),
            now=now,
            summary=summary,
        )
        summary.jurisdictions += 1
        _warn(ctx)
        _mark_overdue(ctx)
        try:
            ladder = ladder_parse(ctx.settings.escalation_ladder)
        except LadderError as exc:
            logger.error("escalation ladder of %s unusable: %s", j, exc)
            continue
        if ladder:
            _climb(ctx, ladder)
    return summary


def _locked(ids: Sequence[int], condition: Q) -> list[Case]:
    """Re-read candidates under lock with their condition; skip rows another writer holds."""
    return list(
        Case.objects.select_for_update(skip_locked=True)
        .filter(condition, pk__in=ids)
        .only(*_LOCKED_FIELDS)
        .order_by("pk")
    )


def _event(ctx: _Context, case: Case, action: str, note: str, data: dict[str, Any]) -> CaseEvent:
    ctx.summary.recipients += len(data.get("recipients", []))
    return CaseEvent(
        case_id=case.pk,
        action=action,
        actor=None,
        at=ctx.now,
        from_status=case.status,
        to_status=case.status,
        unit_id=case.unit_id,
        note=note,
        data=data,
    )


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in Stage.values else stage


# --- 1. warn --------------------------------------------------------------------------


def _warn(ctx: _Context) -> None:
    hours = ctx.settings.warn_before_hours
    if hours <= 0:
        return
    horizon = ctx.calendar.next_working_moment(ctx.calendar.add_working_hours(ctx.now, hours))
    condition = Q(
        jurisdiction=ctx.jurisdiction,
        warned=False,
        stage_deadline__gt=ctx.now,
        stage_deadline__lte=horizon,
    )
    ids = list(Case.objects.filter(condition).order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            cases = _locked(chunk, condition)
            events = []
            for case in cases:
                assert case.stage_deadline is not None
                recipients = ctx.audience.stage_owners(case)
                note = _("「%(stage)s」环节将于%(at)s到期") % {
                    "stage": _stage_label(case.stage),
                    "at": ctx.local(case.stage_deadline),
                }
                events.append(
                    _event(
                        ctx,
                        case,
                        EventKind.WARN,
                        note,
                        {
                            "step": "warn",
                            "stage": case.stage,
                            "stage_deadline": case.stage_deadline.isoformat(),
                            "recipients": recipients,
                        },
                    )
                )
            CaseEvent.objects.bulk_create(events)
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(warned=True)
            ctx.summary.warned += len(cases)


# --- 2. overdue -----------------------------------------------------------------------


def _mark_overdue(ctx: _Context) -> None:
    condition = Q(jurisdiction=ctx.jurisdiction, is_overdue=False, stage_deadline__lte=ctx.now)
    ids = list(Case.objects.filter(condition).order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            cases = _locked(chunk, condition)
            events = []
            for case in cases:
                assert case.stage_deadline is not None
                note = _("「%(stage)s」环节已于%(at)s超期") % {
                    "stage": _stage_label(case.stage),
                    "at": ctx.local(case.stage_deadline),
                }
                data = {
                    "step": "overdue",
                    "stage": case.stage,
                    "stage_deadline": case.stage_deadline.isoformat(),
                    "recipients": ctx.audience.stage_owners(case),
                }
                events.append(_event(ctx, case, EventKind.OVERDUE, note, data))
            CaseEvent.objects.bulk_create(events)
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(is_overdue=True)
            ctx.summary.overdue += len(cases)


# --- 3. ladder ------------------------------------------------------------------------


def _climb(ctx: _Context, ladder: list[LadderStep]) -> None:
    bounds = {
        step.after: working_hours_before(ctx.calendar, ctx.now, step.after) for step in ladder
    }
    due = Q()
    for index, step in enumerate(ladder):
        due |= Q(escalation_step=index, stage_deadline__lte=bounds[step.after])
    condition = Q(jurisdiction=ctx.jurisdiction, status__in=sorted(UNIT_CLOCK)) & due
    ids = list(Case.objects.filter(condition).order_by("pk").values_list("pk", flat=True))
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            cases = _locked(chunk, condition)
            ctx.audience.load_road_chiefs((c.road_id for c in cases), today)
            plans: list[tuple[Case, dt.timedelta, list[int]]] = []
            for case in cases:
                assert case.stage_deadline is not None
                late = ctx.calendar.working_time_between(case.stage_deadline, ctx.now)
                taken = [
                    i for i in range(case.escalation_step, len(ladder)) if ladder[i].after <= late
                ]
                if taken:
                    plans.append((case, late, taken))
            orders = _issue_orders(ctx, ladder, plans)
            events: list[CaseEvent] = []
            new_step: dict[int, list[int]] = defaultdict(list)
            for case, late, taken in plans:
                for index in taken:
                    step = ladder[index]
                    order = orders.get((case.pk, index))
                    events.append(_escalation_event(ctx, case, late, step, order))
                    ctx.summary.steps[step.step] = ctx.summary.steps.get(step.step, 0) + 1
                new_step[taken[-1] + 1].append(case.pk)
                ctx.summary.escalation_steps += len(taken)
            CaseEvent.objects.bulk_create(events)
            for step_count, case_ids in sorted(new_step.items()):
                Case.objects.filter(pk__in=case_ids).update(escalation_step=step_count)
            ctx.summary.escalated_cases += len(plans)
            ctx.summary.supervision_orders += len(orders)


def _hours_text(late: dt.timedelta) -> str:
    return f"{late.total_seconds() / 3600:.1f}"


def _escalation_event(
    ctx: _Context,
    case: Case,
    late: dt.timedelta,
    step: LadderStep,
    order: SupervisionOrder | None,
) -> CaseEvent:
    audience = ctx.audience
    assert case.stage_deadline is not None
    data: dict[str, Any] = {
        "step": step.step,
        "hours_overdue": _hours_text(late),
        # The clock it escalates: a notice of it is cleared when the clock changes.
        "stage_deadline": case.stage_deadline.isoformat(),
    }
    if step.step == "unit_head":
        recipients = audience.unit_heads(case.unit_id)
        note = _("超期%(h)s个工作小时，通知责任单位第一责任人") % {"h": _hours_text(late)}
    elif step.step in ROAD_CHIEF_STEPS:
        level = ROAD_CHIEF_STEPS[step.step]
        recipients = audience.road_chiefs(
            road_id=case.road_id, segment_id=case.segment_id, level=level
        )
        note = _("超期%(h)s个工作小时，通知%(level)s") % {
            "h": _hours_text(late),
            "level": RoadChiefLevel(level).label,
        }
        if not recipients:
            note += _("（该路段无在任%(level)s）") % {"level": RoadChiefLevel(level).label}
    else:
        recipients = _unique(
            [*audience.unit_heads(case.unit_id), *audience.dispatchers(case.jurisdiction_id)]
        )
        if order is None:
            note = _("超期%(h)s个工作小时，应下发督办单，但案卷没有责任单位") % {
                "h": _hours_text(late)
            }
        else:
            data["order"] = order.number
            data["order_id"] = order.pk
            note = _("超期%(h)s个工作小时，下发督办单%(n)s") % {
                "h": _hours_text(late),
                "n": order.number,
            }
    data["recipients"] = recipients
    return _event(ctx, case, EventKind.ESCALATE, note, data)


def _issue_orders(
    ctx: _Context,
    ladder: list[LadderStep],
    plans: list[tuple[Case, dt.timedelta, list[int]]],
) -> dict[tuple[int, int], SupervisionOrder]:
    """Issue the supervision orders the plans call for, through the one door for
    documents (`documents.supervision_orders_issue_overdue`), numbered in order."""
    wanted = [
        (case, late, index)
        for case, late, taken in plans
        for index in taken
        if ladder[index].step == "supervision_order" and case.unit_id is not None
    ]
    if not wanted:
        return {}
    issued = supervision_orders_issue_overdue(
        jurisdiction=ctx.jurisdiction,
        orders=[
            (
                case,
                _(
                    "案卷%(number)s超期%(h)s个工作小时仍未处置完毕，请责任单位立即整改，"
                    "在办结时限前反馈处置结果。"
                )
                % {"number": case.number, "h": _hours_text(late)},
                ctx.calendar.add_working_days(
                    ctx.now, Decimal(str(ladder[index].options.get("deadline_days", 1)))
                ),
            )
            for case, late, index in wanted
        ],
        now=ctx.now,
    )
    return {
        (case.pk, index): order for (case, _late, index), order in zip(wanted, issued, strict=True)
    }
