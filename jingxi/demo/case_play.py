"""Playing a demo case's plan: report it, then take its steps, each at its moment.

Every write goes through the real services (`case_report`, `citizen_report`,
`call_take`, `case_transition`, `feedback_give`) with `now=` the step's moment.
`cases.demo_cases_load` prepares the plans and plays them oldest first.
"""

from __future__ import annotations

import datetime as dt
import random

from jingxi.cases.choices import Action, Source
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.cases.workflow import CLOSED, OPEN
from jingxi.demo.case_plan import (
    EXTENSION_NOTES,
    REJECT_NOTES,
    RETURN_NOTES,
    REWORK_NOTES,
    SUSPENSION_NOTES,
    VOID_NOTES,
    Cast,
    Plan,
)
from jingxi.hotline.services import call_take
from jingxi.org.models import Unit, User
from jingxi.public.citizen.services import citizen_report, feedback_give


def plan_play(
    plan: Plan,
    rng: random.Random,
    cast: Cast,
    ticks: list[dt.datetime],
    now: dt.datetime,
    created: list[tuple[int, int]],
) -> int:
    """Report the case and take its steps, each at its moment. Returns the case id."""
    last = len(ticks) - 1

    def at(n: int) -> dt.datetime:
        t = ticks[min(position[n], last)] + dt.timedelta(seconds=plan.offsets[n])
        return min(t, now - dt.timedelta(seconds=1))

    position = [plan.start]
    for gap, _step in plan.steps:
        position.append(position[-1] + gap)
    reported_at = at(0)
    inspector = cast.inspectors[plan.index % len(cast.inspectors)]
    case = _report(plan, cast, inspector, reported_at)
    unit_id = case.proposed_unit_id
    if unit_id not in cast.handler_of:
        unit_id = cast.township_unit.get(case.township_id or -1)
        if unit_id not in cast.handler_of:
            unit_id = cast.fallback_unit
    assert unit_id is not None
    units = Unit.objects.in_bulk([unit_id, *cast.handler_of])
    d = cast.dispatcher
    returner: User | None = None

    def go(action: str, actor: User, when: dt.datetime, **kw: object) -> None:
        case_transition(case_id=case.pk, action=action, actor=actor, now=when, **kw)  # type: ignore[arg-type]

    for n, (_gap, step) in enumerate(plan.steps, start=1):
        if position[n] > last:
            break  # past the window's end: it stays where it is
        when = at(n)
        handler = cast.handler_of[unit_id]
        if step == "file":
            go(Action.FILE, d, when)
        elif step == "request_check":
            go(Action.REQUEST_CHECK, d, when)
        elif step == "check":
            go(Action.CHECK, inspector, when, note="现场核实情况属实")
        elif step == "reject":
            go(Action.REJECT, d, when, note=rng.choice(REJECT_NOTES))
        elif step == "merge":
            target = _merge_target(case, plan, created)
            if target is None:
                go(Action.REJECT, d, when, note="重复上报")
            else:
                go(Action.MERGE, d, when, merge_into=target, note="同一问题重复上报")
        elif step == "self_handle":
            go(Action.SELF_HANDLE, inspector, when, note="现场当即处理完毕")
        elif step == "dispatch_wrong":
            others = sorted(u for u in cast.handler_of if u != unit_id)
            wrong = rng.choice(others) if others else unit_id
            go(Action.DISPATCH, d, when, unit=units[wrong])
            returner = cast.handler_of[wrong]  # the wrong unit returns it, next step
        elif step == "return":
            go(Action.RETURN, returner or handler, when, note=rng.choice(RETURN_NOTES))
        elif step == "dispatch":
            go(Action.DISPATCH, d, when, unit=units[unit_id])
        elif step == "accept":
            go(Action.ACCEPT, handler, when)
        elif step == "request_extension":
            hours = rng.choice((4, 8, 16))
            go(
                Action.REQUEST_EXTENSION,
                handler,
                when,
                note=rng.choice(EXTENSION_NOTES),
                extension_hours=hours,
            )
        elif step == "approve_extension":
            go(Action.APPROVE_EXTENSION, d, when)
        elif step == "request_suspension":
            go(Action.REQUEST_SUSPENSION, handler, when, note=rng.choice(SUSPENSION_NOTES))
        elif step == "approve_suspension":
            go(Action.APPROVE_SUSPENSION, d, when)
        elif step == "resume":
            go(Action.RESUME, d, when, note="具备处置条件，恢复处置")
        elif step == "report_back":
            go(Action.REPORT_BACK, handler, when, note="已按要求处置完毕")
        elif step == "verify_fail":
            go(Action.VERIFY_FAIL, inspector, when, note=rng.choice(REWORK_NOTES))
        elif step == "verify_pass":
            go(Action.VERIFY_PASS, inspector, when, note="现场核查已处置到位")
        elif step == "request_void":
            go(Action.REQUEST_VOID, inspector, when, note=rng.choice(VOID_NOTES))
        elif step == "approve_void":
            go(Action.APPROVE_VOID, d, when)
        elif step == "feedback" and plan.rating:
            case.refresh_from_db(fields=["status"])
            feedback_give(
                case=case,
                token=case.tracking_token,
                rating=plan.rating,
                comment=plan.comment,
                now=when,
            )
    return case.pk


def _report(plan: Plan, cast: Cast, inspector: User, when: dt.datetime) -> Case:
    common = {
        "category": plan.category,
        "lng": plan.lng,
        "lat": plan.lat,
        "description": plan.description,
    }
    j = cast.dispatcher.jurisdiction
    assert j is not None
    if plan.source == Source.CITIZEN_WEB:
        return citizen_report(
            jurisdiction=j,
            photos=[],
            reporter_name=plan.reporter_name,
            reporter_phone=plan.reporter_phone,
            now=when,
            **common,  # type: ignore[arg-type]
        )
    if plan.source == Source.HOTLINE:
        call = call_take(
            operator=cast.operator,
            caller_phone=plan.reporter_phone,
            caller_name=plan.reporter_name,
            text=plan.description,
            category=plan.category,
            lng=plan.lng,
            lat=plan.lat,
            received_at=when,
            duration_seconds=60 + plan.index % 240,
            now=when,
        )
        assert call.case is not None
        return call.case
    actor: User | None = None
    direct = False
    if plan.source == Source.INSPECTOR:
        actor, direct = inspector, plan.outcome != "self_handled"
    elif plan.source == Source.ROAD_CHIEF:
        actor = plan.chief
    elif plan.source == Source.LEADER:
        actor = cast.leader
    return case_report(
        jurisdiction=j,
        source=plan.source,
        actor=actor,
        reporter_name=plan.reporter_name,
        reporter_phone=plan.reporter_phone,
        file_directly=direct,
        now=when,
        **common,  # type: ignore[arg-type]
    )


def _merge_target(case: Case, plan: Plan, created: list[tuple[int, int]]) -> Case | None:
    same = [cid for cid, cat in reversed(created) if cat == plan.category.pk][:20]
    ids = same or [cid for cid, _ in reversed(created)][:20]
    alive = {*OPEN, *CLOSED}
    for c in Case.objects.filter(pk__in=ids).order_by("-pk"):
        if c.status in alive and c.pk != case.pk:
            return c
    return None
