"""The cases' notification source: which case events tell whom, and what they say.

Registered into `notify` from `CasesConfig.ready()` (notify never imports cases). The
log is `CaseEvent`, append-only, read by id after the source's cursor. A message's
text is the event's note masked (`org.privacy.MASKED`) for every recipient, whatever
their roles: it is a copy that leaves the platform by e-mail, SMS or WeChat, where no
rule can follow it; the case page shows the note as the reader's roles allow.

What a message is about (`Message.about`), and so when it stops needing action:
- a request (extension, suspension, void) is about the request pending
  (`pending:<request>`): decided, it is cleared;
- the deadline scan's warning, overdue and escalation are about the stage clock they
  speak of (`clock:<stage deadline>`): a new stage, or a deadline moved by an
  extension, clears them;
- every other message is about the status the event left the case in (dispatched: to
  sign for; filed after a return: to dispatch again; handled: to verify; ...).
`states_of` gives a case's current status, pending request and stage clock: the notices
about anything else are cleared when the drain reads the case's next event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Final, cast

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.cases.choices import SCAN_EVENTS, Action, EventKind, Record, Status
from jingxi.cases.deadlines import CaseAudience
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.workflow import REQUEST_OF
from jingxi.notify.sources import Event, Kind, Message
from jingxi.org.privacy import MASKED

SOURCE_NAME: Final = "cases"

A = Action

# Titles per event action; %(number)s is the case number.
TITLES: Final[dict[str, Callable[[], str]]] = {
    A.DISPATCH: lambda: _("新派遣案卷%(number)s，请及时签收"),
    A.RETURN: lambda: _("案卷%(number)s被责任单位退回，请重新派遣"),
    A.REQUEST_EXTENSION: lambda: _("案卷%(number)s申请延期，请审批"),
    A.REQUEST_SUSPENSION: lambda: _("案卷%(number)s申请挂账，请审批"),
    A.REQUEST_VOID: lambda: _("案卷%(number)s申请作废，请审批"),
    A.APPROVE_EXTENSION: lambda: _("案卷%(number)s的延期申请已批准"),
    A.REFUSE_EXTENSION: lambda: _("案卷%(number)s的延期申请被驳回"),
    A.APPROVE_SUSPENSION: lambda: _("案卷%(number)s的挂账申请已批准"),
    A.REFUSE_SUSPENSION: lambda: _("案卷%(number)s的挂账申请被驳回"),
    A.REPORT_BACK: lambda: _("案卷%(number)s已处置反馈，请核查"),
    A.VERIFY_FAIL: lambda: _("案卷%(number)s核查不通过，请返工"),
    "close": lambda: _("您上报的案卷%(number)s已结案"),
    EventKind.WARN: lambda: _("案卷%(number)s即将到期"),
    EventKind.OVERDUE: lambda: _("案卷%(number)s已超期"),
    EventKind.ESCALATE: lambda: _("案卷%(number)s超期未处置，已升级督办"),
    # Documents; %(document)s is the document's number.
    Record.NOTICE_ISSUED: lambda: _("案卷%(number)s列入整改通知单%(document)s，请签收并整改"),
    Record.SUPERVISION_ISSUED: lambda: _(
        "案卷%(number)s被督办（督办单%(document)s），请签收并限期办结"
    ),
    Record.NOTICE_SIGNED: lambda: _("整改通知单%(document)s已由责任单位签收（案卷%(number)s）"),
    Record.SUPERVISION_SIGNED: lambda: _("督办单%(document)s已由责任单位签收（案卷%(number)s）"),
}
# The kinds, as each user's preferences page lists them; urgent ones go by every medium
# unless the user says otherwise: a 1-hour clock to sign for, a deadline, a late case.
KINDS: Final = (
    Kind(A.DISPATCH, gettext_lazy("新派遣案卷（待签收）"), urgent=True),
    Kind(A.RETURN, gettext_lazy("案卷被退回（待重新派遣）")),
    Kind(A.REQUEST_EXTENSION, gettext_lazy("延期申请（待审批）")),
    Kind(A.REQUEST_SUSPENSION, gettext_lazy("挂账申请（待审批）")),
    Kind(A.REQUEST_VOID, gettext_lazy("作废申请（待审批）")),
    Kind(A.APPROVE_EXTENSION, gettext_lazy("延期申请已批准")),
    Kind(A.REFUSE_EXTENSION, gettext_lazy("延期申请被驳回")),
    Kind(A.APPROVE_SUSPENSION, gettext_lazy("挂账申请已批准")),
    Kind(A.REFUSE_SUSPENSION, gettext_lazy("挂账申请被驳回")),
    Kind(A.REPORT_BACK, gettext_lazy("处置已反馈（待核查）")),
    Kind(A.VERIFY_FAIL, gettext_lazy("核查不通过（待返工）")),
    Kind("close", gettext_lazy("您上报的案卷已结案")),
    Kind(EventKind.WARN, gettext_lazy("环节即将到期"), urgent=True),
    Kind(EventKind.OVERDUE, gettext_lazy("环节已超期"), urgent=True),
    Kind(EventKind.ESCALATE, gettext_lazy("超期升级督办"), urgent=True),
    Kind(Record.NOTICE_ISSUED, gettext_lazy("整改通知单（待签收）")),
    Kind(Record.SUPERVISION_ISSUED, gettext_lazy("督办单（待签收）"), urgent=True),
    Kind(Record.NOTICE_SIGNED, gettext_lazy("整改通知单已签收")),
    Kind(Record.SUPERVISION_SIGNED, gettext_lazy("督办单已签收")),
)
DISPATCHER_ACTIONS: Final = frozenset(
    {A.RETURN, A.REQUEST_EXTENSION, A.REQUEST_SUSPENSION, A.REQUEST_VOID}
)
HANDLER_ACTIONS: Final = frozenset(
    {
        A.DISPATCH,
        A.VERIFY_FAIL,
        A.APPROVE_EXTENSION,
        A.REFUSE_EXTENSION,
        A.APPROVE_SUSPENSION,
        A.REFUSE_SUSPENSION,
    }
)
SCAN_ACTIONS: Final = frozenset(SCAN_EVENTS)
# A document issued tells the receiving unit's handlers and heads; signed for, it tells
# whoever issued it and the dispatchers (the office that follows it up).
ISSUED_RECORDS: Final = frozenset({Record.NOTICE_ISSUED, Record.SUPERVISION_ISSUED})
SIGNED_RECORDS: Final = frozenset({Record.NOTICE_SIGNED, Record.SUPERVISION_SIGNED})


def _kind(event: CaseEvent) -> str:
    if event.to_status == Status.CLOSED and event.from_status != Status.CLOSED:
        return "close"
    return event.action


def _recipients(event: CaseEvent, audience: CaseAudience) -> list[int]:
    """The people an event concerns (never its own actor)."""
    case = event.case
    kind = _kind(event)
    users: list[int]
    if kind in SCAN_ACTIONS:
        users = [int(u) for u in event.data.get("recipients", [])]
    elif kind in DISPATCHER_ACTIONS:
        users = audience.dispatchers(case.jurisdiction_id)
    elif kind in HANDLER_ACTIONS:
        users = audience.unit_handlers(event.unit_id or case.unit_id)
    elif kind in ISSUED_RECORDS:
        unit_id = event.unit_id or case.unit_id
        users = [*audience.unit_handlers(unit_id), *audience.unit_heads(unit_id)]
    elif kind in SIGNED_RECORDS:
        issuer = event.data.get("issued_by")
        users = [*([int(issuer)] if issuer else []), *audience.dispatchers(case.jurisdiction_id)]
    elif kind == A.REPORT_BACK:
        users = audience.verifiers(case.jurisdiction_id, case.reporter_id)
    elif kind == "close":
        users = [case.reporter_id] if case.reporter_id is not None else []
    else:
        users = []
    return [u for u in dict.fromkeys(users) if u != event.actor_id]


def _title(event: CaseEvent) -> str:
    kind = _kind(event)
    title = TITLES[kind]() % {
        "number": event.case.number,
        "document": event.data.get("number", ""),
    }
    if kind == EventKind.ESCALATE and event.data.get("order"):
        title = _("案卷%(number)s超期未处置，已下发督办单%(order)s") % {
            "number": event.case.number,
            "order": event.data["order"],
        }
    return title


def _clock(deadline: dt.datetime) -> str:
    """A stage clock's state: its deadline in UTC to the microsecond."""
    return "clock:" + deadline.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")


def _about(event: CaseEvent) -> str:
    """The state of the case the event's message asks action in (module docstring)."""
    if event.action in REQUEST_OF:
        return f"pending:{REQUEST_OF[Action(event.action)]}"
    if event.action in SCAN_ACTIONS and event.data.get("stage_deadline"):
        return _clock(dt.datetime.fromisoformat(event.data["stage_deadline"]))
    return str(event.to_status)


def case_states(case: Case) -> frozenset[str]:
    """The states the case is in now, in `_about`'s terms."""
    states = {str(case.status)}
    if case.pending_request:
        states.add(f"pending:{case.pending_request}")
    if case.stage_deadline is not None:
        states.add(_clock(case.stage_deadline))
    return frozenset(states)


class CaseEventSource:
    """Case events (`CaseEvent` by id) as the notify job reads them."""

    name = SOURCE_NAME
    kinds = KINDS

    def events_after(self, *, cursor: int, limit: int) -> Sequence[Event]:
        return list(
            CaseEvent.objects.filter(pk__gt=cursor)
            .select_related("case")
            .only(
                "id",
                "action",
                "actor",
                "at",
                "from_status",
                "to_status",
                "unit",
                "note",
                "data",
                "case__id",
                "case__number",
                "case__status",
                "case__pending_request",
                "case__stage_deadline",
                "case__jurisdiction",
                "case__unit",
                "case__reporter",
                "case__reporter_name",
                "case__reporter_phone",
            )
            .order_by("pk")[:limit]
        )

    def messages_for(self, events: Sequence[Event]) -> list[Message]:
        case_events = cast("Sequence[CaseEvent]", events)  # the events this source gave
        audience = CaseAudience(jurisdiction_ids={e.case.jurisdiction_id for e in case_events})
        messages: list[Message] = []
        for event in case_events:
            if _kind(event) not in TITLES:
                continue
            case = event.case
            messages.append(
                Message(
                    recipient_ids=_recipients(event, audience),
                    kind=_kind(event),
                    subject=_title(event),
                    text=MASKED.about(name=case.reporter_name, phone=case.reporter_phone).text(
                        event.note
                    ),
                    object_id=str(event.case_id),
                    url=reverse("cases:case-detail", args=[event.case_id]),
                    at=event.at,
                    about=_about(event),
                )
            )
        return messages

    def states_of(self, events: Sequence[Event]) -> Mapping[str, Collection[str]]:
        """Each case's states as read with its events (the row of their statement)."""
        case_events = cast("Sequence[CaseEvent]", events)  # the events this source gave
        return {str(e.case_id): case_states(e.case) for e in case_events}
