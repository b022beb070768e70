"""Writes to notifications: drain the case-event outbox, mark a message read.

`outbox_drain` reads `CaseEvent` rows after the cursor "case_events" in id order and
creates one `Notification` per person each event concerns, then moves the cursor, all
in one transaction that holds the cursor row locked: two workers never deliver an
event twice, and a crash delivers it again rather than never.

Ids are handed out before commit, so an event with a smaller id may become visible
after a larger one. The drain stops in front of such a gap while it is young (the
writer may still commit) and steps over it once it is older than `GAP_GRACE` (the
writer rolled back; the id will never be used).

A notification's body is the event's note masked (`org.privacy.MASKED`) for every
recipient, whatever their roles: it is a copy that leaves the platform by e-mail, SMS
or WeChat, where no rule can follow it; the case page shows the note as the reader's
roles allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases.choices import Action, Record, Status
from jingxi.cases.deadlines import CaseAudience
from jingxi.cases.models import CaseEvent
from jingxi.notify.channels import channels_deliver
from jingxi.notify.models import Notification, OutboxCursor
from jingxi.org.models import User
from jingxi.org.privacy import MASKED

CURSOR_NAME: Final = "case_events"
GAP_GRACE: Final = dt.timedelta(seconds=30)

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
    "warn": lambda: _("案卷%(number)s即将到期"),
    "overdue": lambda: _("案卷%(number)s已超期"),
    "escalate": lambda: _("案卷%(number)s超期未处置，已升级督办"),
    # Documents; %(document)s is the document's number.
    Record.NOTICE_ISSUED: lambda: _("案卷%(number)s列入整改通知单%(document)s，请签收并整改"),
    Record.SUPERVISION_ISSUED: lambda: _(
        "案卷%(number)s被督办（督办单%(document)s），请签收并限期办结"
    ),
    Record.NOTICE_SIGNED: lambda: _("整改通知单%(document)s已由责任单位签收（案卷%(number)s）"),
    Record.SUPERVISION_SIGNED: lambda: _("督办单%(document)s已由责任单位签收（案卷%(number)s）"),
}
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
SCAN_ACTIONS: Final = frozenset({"warn", "overdue", "escalate"})
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
    if kind == "escalate" and event.data.get("order"):
        title = _("案卷%(number)s超期未处置，已下发督办单%(order)s") % {
            "number": event.case.number,
            "order": event.data["order"],
        }
    return title


def _cursor_ensure() -> None:
    if OutboxCursor.objects.filter(name=CURSOR_NAME).exists():
        return
    try:
        with transaction.atomic():
            OutboxCursor.objects.get_or_create(name=CURSOR_NAME)
    except IntegrityError:  # another worker created it at the same moment
        pass


def _contiguous(events: list[CaseEvent], last_id: int, now: dt.datetime) -> list[CaseEvent]:
    """The events up to the first young gap in ids (see the module docstring)."""
    kept: list[CaseEvent] = []
    expected = last_id + 1
    for event in events:
        # A cursor that has never moved has no position to see a gap from: ids below the
        # first visible event were consumed before the drain began (PostgreSQL sequences
        # never roll back), so it starts there.
        if last_id and event.pk != expected and now - event.at < GAP_GRACE:
            break
        kept.append(event)
        expected = event.pk + 1
    return kept


def outbox_drain(*, batch: int = 1000, now: dt.datetime | None = None) -> int:
    """Turn up to `batch` new case events into notifications; return events consumed."""
    now = now or timezone.now()
    _cursor_ensure()
    with transaction.atomic():
        cursor = OutboxCursor.objects.select_for_update().get(name=CURSOR_NAME)
        fetched = list(
            CaseEvent.objects.filter(pk__gt=cursor.last_id)
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
                "case__jurisdiction",
                "case__unit",
                "case__reporter",
                "case__reporter_name",
                "case__reporter_phone",
            )
            .order_by("pk")[:batch]
        )
        events = _contiguous(fetched, cursor.last_id, now)
        if not events:
            return 0
        audience = CaseAudience(jurisdiction_ids={e.case.jurisdiction_id for e in events})
        notifications: list[Notification] = []
        for event in events:
            if _kind(event) not in TITLES:
                continue
            title = _title(event)
            case = event.case
            body = MASKED.about(name=case.reporter_name, phone=case.reporter_phone).text(event.note)
            for user_id in _recipients(event, audience):
                notifications.append(
                    Notification(
                        recipient_id=user_id,
                        case_id=event.case_id,
                        kind=_kind(event),
                        title=title[:255],
                        body=body,
                        created_at=event.at,
                    )
                )
        Notification.objects.bulk_create(notifications)
        cursor.last_id = events[-1].pk
        cursor.save(update_fields=["last_id"])
        if notifications:
            ids = [n.pk for n in notifications]
            transaction.on_commit(lambda: _deliver(ids))
    return len(events)


def _deliver(ids: list[int]) -> None:
    rows = list(Notification.objects.filter(pk__in=ids).select_related("recipient"))
    channels_deliver(rows)


def notification_mark_read(
    *, user: User, notification_id: int, now: dt.datetime | None = None
) -> bool:
    """Mark one of the user's notifications read; False if it already was.

    Raises Notification.DoesNotExist for a notification that is not the user's.
    """
    now = now or timezone.now()
    if not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        raise Notification.DoesNotExist(_("没有这条通知"))
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=now)
    return updated == 1


def notification_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark every unread notification of the user read; return how many."""
    now = now or timezone.now()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
