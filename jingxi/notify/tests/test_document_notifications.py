"""Notices and supervision orders reach people through the outbox like every case event.

Issued: the receiving unit's handlers and head, once per listed case. Signed for: whoever
issued it and the dispatchers. Never the actor of the step.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from conftest import Cast, World
from jingxi.cases.choices import Record
from jingxi.cases.documents import notice_sign, supervision_order_sign
from jingxi.cases.models import Case
from jingxi.cases.tests.test_document_events import dispatched, issue_notice, issue_order
from jingxi.notify.models import Notification
from jingxi.notify.services import outbox_drain


def drained() -> list[tuple[str, str, str]]:
    """Drain everything; (kind, recipient username, case number) of new notifications."""
    before = set(Notification.objects.values_list("pk", flat=True))
    outbox_drain(now=timezone.now() + dt.timedelta(minutes=5))
    rows = Notification.objects.exclude(pk__in=before).values_list(
        "kind", "recipient__username", "object_id"
    )
    numbers = dict(Case.objects.values_list("pk", "number"))
    return sorted((kind, who, numbers[int(case_id)]) for kind, who, case_id in rows)


def test_issued_notice_tells_the_units_staff_for_each_case(world: World, cast: Cast) -> None:
    first, second = dispatched(world, cast), dispatched(world, cast)
    drained()  # the dispatches
    notice = issue_notice(world, cast, [first, second])
    assert drained() == sorted(
        (Record.NOTICE_ISSUED.value, who, case.number)
        for who in ("handler_a", "head_a")
        for case in (first, second)
    )
    note = Notification.objects.filter(kind=Record.NOTICE_ISSUED, object_id=str(first.pk)).first()
    assert note is not None
    assert notice.number in note.title and first.number in note.title
    assert "整改时限" in note.body

    notice_sign(notice_id=notice.pk, actor=cast.handler_a)
    # The issuer is a dispatcher: told once per case, the signer not at all.
    assert drained() == sorted(
        (Record.NOTICE_SIGNED.value, "dispatcher", case.number) for case in (first, second)
    )
    signed = Notification.objects.filter(kind=Record.NOTICE_SIGNED).first()
    assert signed is not None and notice.number in signed.title


def test_supervision_order_tells_the_unit_then_the_issuer(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    drained()
    order = issue_order(case, cast)
    assert drained() == [
        (Record.SUPERVISION_ISSUED.value, "handler_a", case.number),
        (Record.SUPERVISION_ISSUED.value, "head_a", case.number),
    ]
    issued = Notification.objects.get(kind=Record.SUPERVISION_ISSUED, recipient=cast.handler_a)
    assert order.number in issued.title

    supervision_order_sign(order_id=order.pk, actor=cast.unit_head_a)
    assert drained() == [
        (Record.SUPERVISION_SIGNED.value, "dispatcher", case.number),
        (Record.SUPERVISION_SIGNED.value, "leader", case.number),
    ]
