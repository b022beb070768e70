"""Writes to cases. `case_report` creates; `case_transition` is the only door for status.

Both run in one transaction: validate, route, number, write the case and its event.
Every caller (pages, API, Open311, WeChat, commands) uses these, so all behave alike.
The report's steps live in `cases.report` (numbering and the insert in `cases.insert`);
this module is their door and holds the transition.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Action, PendingRequest, Status
from jingxi.cases.context import loop_settings_get as loop_settings_get
from jingxi.cases.effects import Step, effects_apply, stage_warning_due
from jingxi.cases.errors import CaseInputError as CaseInputError
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.report import MAX_DESCRIPTION as MAX_DESCRIPTION
from jingxi.cases.report import MAX_IDEMPOTENCY_KEY as MAX_IDEMPOTENCY_KEY
from jingxi.cases.report import DuplicateSubmission as DuplicateSubmission
from jingxi.cases.report import case_report as case_report
from jingxi.cases.report import idempotency_key_for as idempotency_key_for
from jingxi.org.choices import Role
from jingxi.org.models import Unit, User
from jingxi.org.roles import roles_for
from jingxi.org.services import calendar_get

# --- permission ---------------------------------------------------------------------


def _check_actor(*, case: Case, action: Action, actor: User) -> None:
    roles = roles_for(user=actor, jurisdiction_id=case.jurisdiction_id)
    if workflow.action_permitted(action=action, roles=roles, unit_id=case.unit_id):
        return
    allowed = workflow.ACTION_ROLES[action]
    if not roles.has_any(allowed):
        names = "、".join(str(Role(r).label) for r in sorted(allowed))
        raise workflow.TransitionRefused(
            _("「%(action)s」需要以下角色之一：%(roles)s")
            % {"action": action.label, "roles": names}
        )
    raise workflow.TransitionRefused(_("只有责任单位的人员可以执行「%(a)s」") % {"a": action.label})


# --- transition ---------------------------------------------------------------------


def case_transition(
    *,
    case_id: int,
    action: Action | str,
    actor: User,
    note: str = "",
    unit: Unit | None = None,
    merge_into: Case | None = None,
    extension_hours: Decimal | int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Move a case by one action: lock, check table, actor and guards, apply, log.

    Raises TransitionRefused (not allowed now, or not by this actor) or CaseInputError
    (a required reason or argument is missing or wrong). Nothing is written on error.
    """
    now = now or timezone.now()
    try:
        action = Action(action)
    except ValueError:
        raise CaseInputError(_("未知的动作：%(a)s") % {"a": action}) from None
    note = note.strip()
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("category").get(pk=case_id)
        status = Status(case.status)
        to_status = workflow.next_status(status, action)
        _check_actor(case=case, action=action, actor=actor)
        if action in workflow.NOTE_REQUIRED and not note:
            raise CaseInputError(_("「%(a)s」须填写理由") % {"a": action.label})
        if action in workflow.REQUEST_OF and case.pending_request:
            raise workflow.TransitionRefused(
                _("已有待审批的%(r)s") % {"r": PendingRequest(case.pending_request).label}
            )
        if action in workflow.DECISION_OF and case.pending_request != workflow.DECISION_OF[action]:
            raise workflow.TransitionRefused(
                _("没有待审批的%(r)s") % {"r": PendingRequest(workflow.DECISION_OF[action]).label}
            )
        step = Step(
            case=case,
            now=now,
            settings=loop_settings_get(jurisdiction=case.jurisdiction),
            calendar=calendar_get(jurisdiction=case.jurisdiction),
            unit=unit,
            merge_into=merge_into,
            extension_hours=extension_hours,
        )
        stage_clock = (case.stage, case.stage_deadline)
        unit_deadline = case.deadline
        effects_apply(step, action)
        if (case.stage, case.stage_deadline) != stage_clock:
            # A new stage clock: its own overdue, and its own warning if one is due.
            case.warned = not stage_warning_due(
                settings=step.settings,
                calendar=step.calendar,
                start=now,
                deadline=case.stage_deadline,
            )
            case.is_overdue = False
        if case.deadline != unit_deadline:
            # A new handling deadline (dispatch, rework, extension, resume): the
            # escalation ladder starts again from its first step.
            case.escalation_step = 0
        case.status = to_status
        case.save()
        CaseEvent.objects.create(
            case=case,
            action=action,
            actor=actor,
            at=now,
            from_status=status,
            to_status=to_status,
            unit=case.unit,
            note=note,
            data=step.data,
        )
    return case
