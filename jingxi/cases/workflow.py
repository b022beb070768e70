"""The case closed loop as data. Pure Python, no ORM: read this file to know the machine.

A case is created by a report (`case_report` in services.py) as REPORTED, or as FILED when
a staff member's patrol report may be filed directly. From then on the only way its status
changes is `case_transition`, which looks the pair (status, action) up in TRANSITIONS.

Some actions leave the status as it is and only record a request or a decision
(extension, suspension and void requests, refusals); they are in the table too, so
"what may happen now" is always answered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

from jingxi.cases.choices import Action, Status
from jingxi.org.choices import Role

if TYPE_CHECKING:
    from jingxi.org.roles import RoleSet

S = Status
A = Action

TRANSITIONS: Final[Mapping[tuple[Status, Action], Status]] = {
    # 受理: a public report may be sent for an on-site check (核实) before filing.
    (S.REPORTED, A.REQUEST_CHECK): S.CHECKING,
    (S.CHECKING, A.CHECK): S.REPORTED,
    (S.REPORTED, A.FILE): S.FILED,
    (S.REPORTED, A.REJECT): S.REJECTED,
    (S.CHECKING, A.REJECT): S.REJECTED,
    (S.REPORTED, A.MERGE): S.MERGED,
    (S.CHECKING, A.MERGE): S.MERGED,
    (S.REPORTED, A.SELF_HANDLE): S.CLOSED,
    # 派遣 and 退单.
    (S.FILED, A.DISPATCH): S.DISPATCHED,
    (S.FILED, A.MERGE): S.MERGED,
    (S.DISPATCHED, A.RETURN): S.FILED,
    (S.DISPATCHED, A.ACCEPT): S.HANDLING,
    # 处置, with extension (延期) and suspension (挂账) requests decided by the dispatcher.
    (S.HANDLING, A.REQUEST_EXTENSION): S.HANDLING,
    (S.HANDLING, A.APPROVE_EXTENSION): S.HANDLING,
    (S.HANDLING, A.REFUSE_EXTENSION): S.HANDLING,
    (S.HANDLING, A.REQUEST_SUSPENSION): S.HANDLING,
    (S.HANDLING, A.APPROVE_SUSPENSION): S.SUSPENDED,
    (S.HANDLING, A.REFUSE_SUSPENSION): S.HANDLING,
    (S.SUSPENDED, A.RESUME): S.HANDLING,
    (S.HANDLING, A.REPORT_BACK): S.HANDLED,
    # 核查: pass closes (结案/销号); fail sends it back for rework (返工).
    (S.HANDLED, A.VERIFY_PASS): S.CLOSED,
    (S.HANDLED, A.VERIFY_FAIL): S.HANDLING,
    # 作废: requested by whoever finds it was never a real problem, approved by the dispatcher.
    (S.FILED, A.REQUEST_VOID): S.FILED,
    (S.DISPATCHED, A.REQUEST_VOID): S.DISPATCHED,
    (S.HANDLING, A.REQUEST_VOID): S.HANDLING,
    (S.FILED, A.APPROVE_VOID): S.VOIDED,
    (S.DISPATCHED, A.APPROVE_VOID): S.VOIDED,
    (S.HANDLING, A.APPROVE_VOID): S.VOIDED,
    (S.FILED, A.REFUSE_VOID): S.FILED,
    (S.DISPATCHED, A.REFUSE_VOID): S.DISPATCHED,
    (S.HANDLING, A.REFUSE_VOID): S.HANDLING,
    # A closed problem that comes back within the jurisdiction's window.
    (S.CLOSED, A.REOPEN): S.FILED,
}

# Which roles may take each action. Unit-scoped actions further require the actor to
# belong to the case's responsible unit (checked in services.py).
ACTION_ROLES: Final[Mapping[Action, frozenset[Role]]] = {
    A.REQUEST_CHECK: frozenset({Role.DISPATCHER}),
    A.CHECK: frozenset({Role.INSPECTOR}),
    A.FILE: frozenset({Role.DISPATCHER}),
    A.REJECT: frozenset({Role.DISPATCHER}),
    A.MERGE: frozenset({Role.DISPATCHER}),
    A.SELF_HANDLE: frozenset({Role.INSPECTOR}),
    A.DISPATCH: frozenset({Role.DISPATCHER}),
    A.RETURN: frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD}),
    A.ACCEPT: frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD}),
    A.REQUEST_EXTENSION: frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD}),
    A.APPROVE_EXTENSION: frozenset({Role.DISPATCHER}),
    A.REFUSE_EXTENSION: frozenset({Role.DISPATCHER}),
    A.REQUEST_SUSPENSION: frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD}),
    A.APPROVE_SUSPENSION: frozenset({Role.DISPATCHER}),
    A.REFUSE_SUSPENSION: frozenset({Role.DISPATCHER}),
    A.RESUME: frozenset({Role.DISPATCHER}),
    A.REPORT_BACK: frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD}),
    A.VERIFY_PASS: frozenset({Role.INSPECTOR}),
    A.VERIFY_FAIL: frozenset({Role.INSPECTOR}),
    A.REQUEST_VOID: frozenset({Role.INSPECTOR, Role.UNIT_HANDLER, Role.UNIT_HEAD}),
    A.APPROVE_VOID: frozenset({Role.DISPATCHER}),
    A.REFUSE_VOID: frozenset({Role.DISPATCHER}),
    A.REOPEN: frozenset({Role.DISPATCHER}),
}

UNIT_SCOPED_ACTIONS: Final[frozenset[Action]] = frozenset(
    {A.RETURN, A.ACCEPT, A.REQUEST_EXTENSION, A.REQUEST_SUSPENSION, A.REPORT_BACK}
)

# Decisions that need a pending request of their kind; requests that open one.
REQUEST_OF: Final[Mapping[Action, str]] = {
    A.REQUEST_EXTENSION: "extension",
    A.REQUEST_SUSPENSION: "suspension",
    A.REQUEST_VOID: "void",
}
DECISION_OF: Final[Mapping[Action, str]] = {
    A.APPROVE_EXTENSION: "extension",
    A.REFUSE_EXTENSION: "extension",
    A.APPROVE_SUSPENSION: "suspension",
    A.REFUSE_SUSPENSION: "suspension",
    A.APPROVE_VOID: "void",
    A.REFUSE_VOID: "void",
}

# Actions whose note is required (a reason must be given).
NOTE_REQUIRED: Final[frozenset[Action]] = frozenset(
    {
        A.REJECT,
        A.RETURN,
        A.REQUEST_EXTENSION,
        A.REQUEST_SUSPENSION,
        A.REFUSE_EXTENSION,
        A.REFUSE_SUSPENSION,
        A.VERIFY_FAIL,
        A.REQUEST_VOID,
        A.REFUSE_VOID,
        A.REOPEN,
    }
)

# What each status most likely asks for next, best first: the case page opens the form
# of the first of these that the user may take now (none for a user who has none of
# them: a refusal or a request is never opened unasked). Every entry is a pair of
# TRANSITIONS; a status without an entry opens nothing.
LIKELY_NEXT: Final[Mapping[Status, tuple[Action, ...]]] = {
    S.REPORTED: (A.FILE, A.SELF_HANDLE),
    S.CHECKING: (A.CHECK,),
    S.FILED: (A.DISPATCH,),
    S.DISPATCHED: (A.ACCEPT,),
    # A pending request's decision is the dispatcher's work on a case in handling.
    S.HANDLING: (A.REPORT_BACK, A.APPROVE_EXTENSION, A.APPROVE_SUSPENSION),
    S.SUSPENDED: (A.RESUME,),
    S.HANDLED: (A.VERIFY_PASS,),
}

# Status kinds, as FixMyStreet groups report states.
OPEN: Final[frozenset[Status]] = frozenset(
    {S.REPORTED, S.CHECKING, S.FILED, S.DISPATCHED, S.HANDLING, S.SUSPENDED, S.HANDLED}
)
CLOSED: Final[frozenset[Status]] = frozenset({S.CLOSED})
ENDED_WITHOUT_CASE: Final[frozenset[Status]] = frozenset({S.REJECTED, S.MERGED, S.VOIDED})
# The clock of the responsible unit runs in these (deadline and overdue apply).
UNIT_CLOCK: Final[frozenset[Status]] = frozenset({S.DISPATCHED, S.HANDLING})


class TransitionRefused(Exception):
    """An action that the table, the actor's roles or a guard does not allow."""


def next_status(status: Status, action: Action) -> Status:
    """The status after `action`, or TransitionRefused naming both in Chinese."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise TransitionRefused(
            f"案卷状态为「{status.label}」时不能执行「{action.label}」"
        ) from None


def actions_from(status: Status) -> list[Action]:
    """Every action the table allows from `status`, in declaration order."""
    return [action for (s, action) in TRANSITIONS if s == status]


def action_likely(status: Status, available: Iterable[Action]) -> Action | None:
    """The action of `available` (those the user may take now) that `status` most likely
    asks for (LIKELY_NEXT), or None."""
    offered = set(available)
    return next((a for a in LIKELY_NEXT.get(status, ()) if a in offered), None)


def action_permitted(*, action: Action, roles: RoleSet, unit_id: int | None) -> bool:
    """Whether `roles` permit `action` on a case now with `unit_id`: one of the action's
    roles, held in the case's unit for the unit-scoped actions. Guards (pending
    requests, notes, targets) are the service's to check."""
    held = [role for role in ACTION_ROLES[action] if role in roles]
    if not held:
        return False
    if action in UNIT_SCOPED_ACTIONS:
        return any(roles.holds_in(role, unit_id) for role in held)
    return True
