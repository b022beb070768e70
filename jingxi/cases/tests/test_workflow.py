import pytest

from jingxi.cases import effects, queues, workflow
from jingxi.cases.choices import Action, Status
from jingxi.cases.models import Case
from jingxi.org.choices import Role
from jingxi.org.roles import RoleSet


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_status_action_pair_moves_or_is_refused(status: Status, action: Action) -> None:
    if (status, action) in workflow.TRANSITIONS:
        assert workflow.next_status(status, action) == workflow.TRANSITIONS[(status, action)]
    else:
        with pytest.raises(workflow.TransitionRefused, match=str(status.label)):
            workflow.next_status(status, action)


def test_every_action_has_roles_and_appears_in_the_table() -> None:
    used = {action for (_, action) in workflow.TRANSITIONS}
    assert used == set(Action)
    assert set(workflow.ACTION_ROLES) == set(Action)
    assert set(effects.EFFECTS) == set(Action)


def test_requests_open_and_decisions_close_their_pending_request() -> None:
    """The EFFECTS table agrees with workflow's REQUEST_OF and DECISION_OF: a request
    opens its kind of pending request, a decision closes it."""
    case = Case(pending_request="")
    for action, kind in workflow.REQUEST_OF.items():
        case.pending_request = ""
        for effect in effects.EFFECTS[action]:
            if effect.__qualname__.startswith("pending."):
                effect(effects.Step(case=case, now=None, settings=None, calendar=None))  # type: ignore[arg-type]
        assert case.pending_request == kind, action
    for action in workflow.DECISION_OF:
        case.pending_request = "x"
        for effect in effects.EFFECTS[action]:
            if effect.__qualname__.startswith("pending."):
                effect(effects.Step(case=case, now=None, settings=None, calendar=None))  # type: ignore[arg-type]
        assert case.pending_request == "", action


def test_status_kinds_partition_the_statuses() -> None:
    kinds = [workflow.OPEN, workflow.CLOSED, workflow.ENDED_WITHOUT_CASE]
    assert set().union(*kinds) == set(Status)
    assert sum(len(k) for k in kinds) == len(Status)


def test_ended_statuses_allow_nothing_and_closed_only_reopens() -> None:
    for status in workflow.ENDED_WITHOUT_CASE:
        assert workflow.actions_from(status) == []
    assert workflow.actions_from(Status.CLOSED) == [Action.REOPEN]


def test_every_open_status_can_reach_an_end() -> None:
    ends = workflow.CLOSED | workflow.ENDED_WITHOUT_CASE
    for start in workflow.OPEN:
        seen, frontier = {start}, [start]
        while frontier:
            s = frontier.pop()
            for action in workflow.actions_from(s):
                nxt = workflow.TRANSITIONS[(s, action)]
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & ends, start


def test_decisions_need_a_request_of_their_kind() -> None:
    assert set(workflow.DECISION_OF.values()) == set(workflow.REQUEST_OF.values())


# --- the action the case page opens --------------------------------------------------

UNIT_ID = 7
# For each status, the action whose form each role's case page opens; a role not named
# opens none (it has nothing to do now, or only a refusal or a request).
OPENED: dict[Status, dict[Role, Action]] = {
    Status.REPORTED: {Role.DISPATCHER: Action.FILE, Role.INSPECTOR: Action.SELF_HANDLE},
    Status.CHECKING: {Role.INSPECTOR: Action.CHECK},
    Status.FILED: {Role.DISPATCHER: Action.DISPATCH},
    Status.DISPATCHED: {Role.UNIT_HANDLER: Action.ACCEPT, Role.UNIT_HEAD: Action.ACCEPT},
    Status.HANDLING: {Role.UNIT_HANDLER: Action.REPORT_BACK, Role.UNIT_HEAD: Action.REPORT_BACK},
    Status.SUSPENDED: {Role.DISPATCHER: Action.RESUME},
    Status.HANDLED: {Role.INSPECTOR: Action.VERIFY_PASS},
    Status.CLOSED: {},
    Status.REJECTED: {},
    Status.MERGED: {},
    Status.VOIDED: {},
}


def _opened(case: Case, role: Role) -> list[Action]:
    roles = RoleSet(jurisdiction_id=1, units={role: frozenset({UNIT_ID})})
    choices = queues.action_choices_for(case=case, roles=roles)
    opened = [c.action for c in choices if c.likely]
    if opened:
        assert choices[0].likely, "the opened action comes first"
    return opened


@pytest.mark.parametrize("status", list(Status))
def test_case_page_opens_the_action_each_role_most_likely_needs(status: Status) -> None:
    for role in Role:
        expected = OPENED[status].get(role)
        case = Case(status=status, unit_id=UNIT_ID, pending_request="")
        assert _opened(case, role) == ([expected] if expected else []), (status, role)


def test_a_pending_request_opens_its_approval_for_the_dispatcher_only() -> None:
    for pending, approval in (
        ("extension", Action.APPROVE_EXTENSION),
        ("suspension", Action.APPROVE_SUSPENSION),
    ):
        case = Case(status=Status.HANDLING, unit_id=UNIT_ID, pending_request=pending)
        assert _opened(case, Role.DISPATCHER) == [approval]
        assert _opened(case, Role.UNIT_HANDLER) == [Action.REPORT_BACK]


def test_likely_actions_are_steps_of_the_table_and_never_refusals() -> None:
    assert set(workflow.LIKELY_NEXT) == workflow.OPEN
    for status, actions in workflow.LIKELY_NEXT.items():
        assert len(set(actions)) == len(actions)
        for action in actions:
            assert (status, action) in workflow.TRANSITIONS
            assert action not in queues.DANGER
            assert action not in workflow.REQUEST_OF
