"""What each action changes on a case, as a table beside `workflow.TRANSITIONS`.

`workflow` says which action may happen in which status and what the status becomes;
EFFECTS says, per action, what else it changes: the stage and its clock, the handling
deadline, the responsible unit, the timestamps, the counters and the pending request.
`case_transition` (services.py) looks the action up here and runs its effects in order
on one `Step`; an effect that finds its input wrong raises CaseInputError (or
TransitionRefused) before the caller saves anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Action, PendingRequest, Stage, Status
from jingxi.cases.errors import CaseInputError
from jingxi.cases.models import Case, CaseEvent, LoopSettings
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.timelimits import limit_deadline, limit_pick
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.org.models import Unit


@dataclass
class Step:
    """One action being applied: the locked case, the action's arguments, the
    jurisdiction's loop settings and calendar, and the event's `data` being built."""

    case: Case
    now: dt.datetime
    settings: LoopSettings
    calendar: WorkCalendar
    unit: Unit | None = None
    merge_into: Case | None = None
    extension_hours: Decimal | int | None = None
    data: dict[str, Any] = field(default_factory=dict)


Effect = Callable[[Step], None]
Clock = Callable[[Step], "dt.datetime | None"]


def handling_limit_for(*, category: Category, urgency: str, condition: str = "") -> TimeLimit:
    """The category's time limit for the urgency and condition, by the catalog's one rule
    (`catalog.timelimits`); raises when the category has none."""
    limit = limit_pick(category.time_limits.all(), urgency=urgency, condition=condition)
    if limit is None:
        raise CaseInputError(_("类别「%(name)s」没有设置处置时限") % {"name": category.name})
    return limit


# --- stage clocks -------------------------------------------------------------------


def after(hours_setting: str) -> Clock:
    """The stage clock runs the loop setting's working hours from now."""

    def clock(step: Step) -> dt.datetime:
        hours: Decimal = getattr(step.settings, hours_setting)
        return step.calendar.add_working_hours(step.now, hours)

    clock.__name__ = f"after_{hours_setting}"
    return clock


def at_deadline(step: Step) -> dt.datetime | None:
    """The stage clock is the unit's handling deadline."""
    return step.case.deadline


def unchanged(step: Step) -> dt.datetime | None:
    """The stage clock stays as it is."""
    return step.case.stage_deadline


def no_clock(step: Step) -> None:
    """No stage clock runs."""
    return None


def stage_warning_due(
    *,
    settings: LoopSettings,
    calendar: WorkCalendar,
    start: dt.datetime,
    deadline: dt.datetime | None,
) -> bool:
    """Whether a stage clock started at `start` gets a "due soon" warning: only when it
    runs longer than the lead (`LoopSettings.warn_before_hours`) in working time.

    A stage no longer than the lead is within it from its first moment, so its warning
    would come with the step that started it and say nothing (with the defaults, every
    1-hour filing, dispatch and acceptance stage). The one rule: the report and every
    transition ask it when they start a clock; the deadline scan warns only the cases
    it left unwarned (`Case.warned`).
    """
    lead = settings.warn_before_hours
    if deadline is None or lead <= 0:
        return False
    return calendar.working_time_between(start, deadline) > dt.timedelta(hours=float(lead))


# --- effects ------------------------------------------------------------------------


def stage(to: Stage, clock: Clock) -> Effect:
    """Set the stage and its clock."""

    def effect(step: Step) -> None:
        step.case.stage_deadline = clock(step)
        step.case.stage = to

    return effect


def stage_clock(clock: Clock) -> Effect:
    """Set the stage's clock, keeping the stage."""

    def effect(step: Step) -> None:
        step.case.stage_deadline = clock(step)

    return effect


def stamp(*fields: str) -> Effect:
    """Set these timestamps to now."""

    def effect(step: Step) -> None:
        for name in fields:
            setattr(step.case, name, step.now)

    return effect


def stamp_first(name: str) -> Effect:
    """Set this timestamp to now unless it is set already."""

    def effect(step: Step) -> None:
        setattr(step.case, name, getattr(step.case, name) or step.now)

    return effect


def clear(*fields: str) -> Effect:
    """Empty these fields (the unit, the deadline, a timestamp)."""

    def effect(step: Step) -> None:
        for name in fields:
            setattr(step.case, name, None)

    return effect


def count(name: str) -> Effect:
    """Add one to this counter."""

    def effect(step: Step) -> None:
        setattr(step.case, name, getattr(step.case, name) + 1)

    return effect


def pending(request: str) -> Effect:
    """Open this pending request ("" closes the one open)."""

    def effect(step: Step) -> None:
        step.case.pending_request = request

    return effect


def merge_target(step: Step) -> None:
    """Point the case at the open or closed case of its jurisdiction it merges into."""
    case, target = step.case, step.merge_into
    if target is None:
        raise CaseInputError(_("请选择要合并到的案卷"))
    if target.pk == case.pk or target.jurisdiction_id != case.jurisdiction_id:
        raise CaseInputError(_("不能合并到该案卷"))
    if target.status not in workflow.OPEN and target.status != Status.CLOSED:
        raise CaseInputError(_("只能合并到有效的案卷"))
    case.merged_into = target
    step.data["merged_into"] = target.number


def dispatch_unit(step: Step) -> None:
    """Give the case to the chosen (or proposed) active unit of its jurisdiction."""
    case = step.case
    target = step.unit or case.proposed_unit
    if target is None:
        raise CaseInputError(_("请选择责任单位"))
    if target.jurisdiction_id != case.jurisdiction_id or not target.is_active:
        raise CaseInputError(_("责任单位不属于本辖区或已停用"))
    if case.unit_id is not None or case.dispatch_count:
        step.data["redispatch"] = True
    case.unit = target


def record_returning_unit(step: Step) -> None:
    step.data["returned_by"] = step.case.unit_id


def limit_handling_deadline(step: Step) -> None:
    """A new handling deadline from now by the category's time limit (not overdue)."""
    case = step.case
    limit = handling_limit_for(
        category=case.category, urgency=case.urgency, condition=case.condition
    )
    case.deadline = limit_deadline(calendar=step.calendar, start=step.now, limit=limit)
    case.is_overdue = False
    step.data["deadline"] = case.deadline.isoformat()


def extension_request(step: Step) -> None:
    """Record the requested working hours, which must be positive."""
    hours = step.extension_hours
    if hours is None or Decimal(hours) <= 0:
        raise CaseInputError(_("请填写延期的工作时数"))
    step.data["hours"] = str(hours)


def extension_grant(step: Step) -> None:
    """Move the handling deadline by the hours given, or by those requested, counted
    from the deadline or from now if it has passed (no longer overdue)."""
    case = step.case
    hours = step.extension_hours
    if hours is None:
        hours = _requested_hours(case)
    assert case.deadline is not None
    case.deadline = step.calendar.add_working_hours(max(case.deadline, step.now), Decimal(hours))
    case.is_overdue = False
    step.data["hours"] = str(hours)
    step.data["deadline"] = case.deadline.isoformat()


def remaining_time_record(step: Step) -> None:
    """Keep the working time left to the deadline in the event, for the resumption."""
    if step.case.deadline is not None:
        remaining = step.calendar.working_seconds_between(step.now, step.case.deadline)
        step.data["remaining_seconds"] = remaining


def handling_time_record(step: Step) -> None:
    """Keep in the handling report the working seconds since the dispatch in force: the
    amount of 平均处置时长 (`cases.indicators`), read from the event like its deadline."""
    dispatched_at = step.case.dispatched_at
    if dispatched_at is not None:
        seconds = step.calendar.working_seconds_between(dispatched_at, step.now)
        step.data["handling_seconds"] = round(seconds)  # whole seconds: summed exactly


def remaining_time_restore(step: Step) -> None:
    """A new handling deadline: the working time left when the case was suspended."""
    case = step.case
    remaining = _suspended_remaining(case)
    case.deadline = step.calendar.add_working_hours(step.now, Decimal(remaining) / 3600)
    step.data["deadline"] = case.deadline.isoformat()


def reopen_window_check(step: Step) -> None:
    """Refuse a case closed longer ago than the jurisdiction's reopening window."""
    closed_at = step.case.closed_at
    assert closed_at is not None
    days = step.settings.reopen_window_days
    if step.now - closed_at > dt.timedelta(days=days):
        raise workflow.TransitionRefused(
            _("结案已超过%(d)d天，不能重新立案，请作为新问题上报") % {"d": days}
        )


A = Action

EFFECTS: Final[Mapping[Action, tuple[Effect, ...]]] = {
    A.REQUEST_CHECK: (stage(Stage.FILING, unchanged),),
    A.CHECK: (),
    A.FILE: (stamp("filed_at"), stage(Stage.DISPATCH, after("dispatch_hours"))),
    A.REJECT: (stage(Stage.NONE, no_clock), clear("deadline"), pending("")),
    A.MERGE: (merge_target, stage(Stage.NONE, no_clock), clear("deadline")),
    A.SELF_HANDLE: (
        stamp_first("filed_at"),
        stamp("handled_at", "closed_at"),
        stage(Stage.NONE, no_clock),
    ),
    A.DISPATCH: (
        dispatch_unit,
        count("dispatch_count"),
        stamp("dispatched_at"),
        limit_handling_deadline,
        stage(Stage.ACCEPTANCE, after("acceptance_hours")),
    ),
    A.RETURN: (
        count("return_count"),
        record_returning_unit,
        clear("unit", "deadline"),
        stage(Stage.DISPATCH, after("dispatch_hours")),
    ),
    A.ACCEPT: (stage(Stage.HANDLING, at_deadline),),
    A.REQUEST_EXTENSION: (extension_request, pending(PendingRequest.EXTENSION)),
    A.APPROVE_EXTENSION: (extension_grant, stage_clock(at_deadline), pending("")),
    A.REFUSE_EXTENSION: (pending(""),),
    A.REQUEST_SUSPENSION: (pending(PendingRequest.SUSPENSION),),
    A.APPROVE_SUSPENSION: (pending(""), stage(Stage.NONE, no_clock), remaining_time_record),
    A.REFUSE_SUSPENSION: (pending(""),),
    A.RESUME: (remaining_time_restore, stage(Stage.HANDLING, at_deadline)),
    A.REPORT_BACK: (
        handling_time_record,
        stamp("handled_at"),
        stage(Stage.VERIFICATION, after("verification_hours")),
    ),
    A.VERIFY_PASS: (stamp("closed_at"), stage(Stage.NONE, no_clock)),
    A.VERIFY_FAIL: (
        count("rework_count"),
        limit_handling_deadline,
        stage(Stage.HANDLING, at_deadline),
    ),
    A.REQUEST_VOID: (pending(PendingRequest.VOID),),
    A.APPROVE_VOID: (stage(Stage.NONE, no_clock), clear("deadline"), pending("")),
    A.REFUSE_VOID: (pending(""),),
    A.REOPEN: (
        reopen_window_check,
        clear("closed_at", "unit", "deadline"),
        stamp_first("filed_at"),  # 立案时间 stays the first filing, as 立案数 counts it
        stage(Stage.DISPATCH, after("dispatch_hours")),
    ),
}


def effects_apply(step: Step, action: Action) -> None:
    """Run the action's effects on the step's case (its status is the caller's)."""
    for effect in EFFECTS[action]:
        effect(step)


def _requested_hours(case: Case) -> Decimal:
    event = (
        CaseEvent.objects.filter(case=case, action=Action.REQUEST_EXTENSION).order_by("-id").first()
    )
    if event is None or "hours" not in event.data:
        raise CaseInputError(_("请填写批准延期的工作时数"))
    return Decimal(event.data["hours"])


def _suspended_remaining(case: Case) -> float:
    event = (
        CaseEvent.objects.filter(case=case, action=Action.APPROVE_SUSPENSION)
        .order_by("-id")
        .first()
    )
    if event is None:
        return 0.0
    return float(event.data.get("remaining_seconds", 0.0))
