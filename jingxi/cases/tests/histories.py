"""Random case histories walked through the real services (`case_report`,
`case_transition`), seeded so a failure can be replayed.

Each case is reported at a random time in the three months from `start`, then takes up
to `steps` random actions among those the workflow table allows in its status, each by
the actor who may take it, time moving on by minutes to weeks between them (so
deadlines pass, periods are crossed, cases are reworked, returned, suspended, voided,
merged and reopened). Refusals of the services' guards are part of the walk: the case
simply stays where it is.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from conftest import Cast, World
from jingxi.cases import workflow
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.models import Case
from jingxi.cases.services import CaseInputError, case_report, case_transition

POINTS = ((113.955, 34.7152), (113.985, 34.7152))  # townships A and B
STEPS = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=50),
    dt.timedelta(hours=3),
    dt.timedelta(hours=20),
    dt.timedelta(days=3),
    dt.timedelta(days=12),
)
DISPATCHER_ACTIONS = {
    Action.REQUEST_CHECK,
    Action.FILE,
    Action.REJECT,
    Action.MERGE,
    Action.DISPATCH,
    Action.APPROVE_EXTENSION,
    Action.REFUSE_EXTENSION,
    Action.APPROVE_SUSPENSION,
    Action.REFUSE_SUSPENSION,
    Action.RESUME,
    Action.APPROVE_VOID,
    Action.REFUSE_VOID,
    Action.REOPEN,
}
# Weights: the loop mostly moves forward; detours (returns, rework, suspension, voids,
# merges, reopening) are rarer, as in practice.
PROGRESS = {
    Action.FILE: 8,
    Action.DISPATCH: 8,
    Action.ACCEPT: 8,
    Action.REPORT_BACK: 8,
    Action.VERIFY_PASS: 6,
    Action.VERIFY_FAIL: 2,
    Action.RESUME: 4,
    Action.APPROVE_EXTENSION: 6,
    Action.APPROVE_SUSPENSION: 6,
}
INSPECTOR_ACTIONS = {
    Action.CHECK,
    Action.SELF_HANDLE,
    Action.VERIFY_PASS,
    Action.VERIFY_FAIL,
    Action.REQUEST_VOID,
}


@dataclass
class History:
    cases: list[Case]
    last_event_at: dt.datetime


def history_generate(
    world: World, cast: Cast, *, seed: int, n_cases: int, start: dt.datetime, steps: int = 12
) -> History:
    rng = random.Random(seed)
    cases: list[Case] = []
    last = start
    for _ in range(n_cases):
        at = start + dt.timedelta(minutes=rng.randrange(0, 90 * 24 * 60, 5))
        case = case_report(
            jurisdiction=world.jurisdiction,
            category=rng.choice([world.exposed_garbage, world.illegal_parking]),
            lng=rng.choice(POINTS)[0],
            lat=POINTS[0][1],
            description="随机生成的问题",
            source=Source.INSPECTOR,
            actor=cast.inspector,
            file_directly=rng.random() < 0.3,
            now=at,
        )
        for _step in range(rng.randrange(0, steps + 1)):
            status, pending = Case.objects.values_list("status", "pending_request").get(pk=case.pk)
            actions = [
                a
                for a in workflow.actions_from(Status(status))
                if (a not in workflow.REQUEST_OF or not pending)
                and (a not in workflow.DECISION_OF or workflow.DECISION_OF[a] == pending)
            ]
            if not actions:
                break
            action = rng.choices(actions, [PROGRESS.get(a, 1) for a in actions])[0]
            at += rng.choice(STEPS)
            actor = (
                cast.dispatcher
                if action in DISPATCHER_ACTIONS
                else cast.inspector
                if action in INSPECTOR_ACTIONS
                else cast.handler_a
            )
            merge_into = None
            if action == Action.MERGE:
                merge_into = next(
                    (c for c in cases if c.pk != case.pk and c.status != Status.MERGED), None
                )
            try:
                case_transition(
                    case_id=case.pk,
                    action=action,
                    actor=actor,
                    note="随机理由",
                    unit=world.sanitation,
                    merge_into=merge_into,
                    extension_hours=Decimal(rng.choice([2, 8, 40])),
                    now=at,
                )
            except (workflow.TransitionRefused, CaseInputError):
                continue
            last = max(last, at)
        cases.append(Case.objects.get(pk=case.pk))
    return History(cases=cases, last_event_at=last)
