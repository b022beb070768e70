"""Numbered official documents of cases: rectification notices (整改通知单) and
supervision orders (督办单). Who may issue which for which cases, and their PDFs.

Numbering, issuing, signing and who sees a document are `jingxi.documents`' (one door for
every kind); this module checks the cases' side first (a notice lists cases open at its
unit; an overdue order needs an overdue case) and registers the two kinds and the cases'
subject rule (`register`, from `CasesConfig.ready`). Issuing and signing each append one
`CaseEvent` per case the document lists (a `choices.Record`, status unchanged), so the
case timeline shows the document and the notify job tells the unit (issued) or the office
(signed). The archive is searchable through `selectors.notice_search`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from jingxi.cases import workflow
from jingxi.cases.access import case_visibility_filter
from jingxi.cases.choices import Record
from jingxi.cases.models import Case, CaseEvent, Notice, SupervisionOrder
from jingxi.documents.access import document_can_sign
from jingxi.documents.pdf import (
    document_build,
    grid_table,
    letterhead,
    local_text,
    office_name,
    paragraph,
    signature_block,
)
from jingxi.documents.registry import document_kind_register, subject_register
from jingxi.documents.services import DocumentError, Draft, document_issue, document_sign
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.org.privacy import MASKED, Masking
from jingxi.org.roles import Perm, RoleSet, roles_for

__all__ = ["DocumentError"]  # the services' refusal, raised by this module's functions too

NOTICE: Final = "notice"
SUPERVISION: Final = "supervision"
SUPERVISION_REASONS: Final = ("overdue", "leader")


# --- registration ---------------------------------------------------------------------


def _cases_visible(user: User, roles: RoleSet) -> Q | None:
    return case_visibility_filter(user=user, roles=roles)


def register() -> None:
    """Tell `jingxi.documents` of the cases' two kinds and who sees which case."""
    subject_register(model=Case, visible=_cases_visible)
    document_kind_register(
        key=NOTICE,
        label=gettext_lazy("整改通知单"),
        deadline_label=gettext_lazy("整改时限"),
        number_format="{office}〔{year}〕第{serial:04d}号",
        model=Notice,
        subjects="cases",
        on_issued=_issued,
        on_signed=_signed,
    )
    document_kind_register(
        key=SUPERVISION,
        label=gettext_lazy("督办单"),
        deadline_label=gettext_lazy("办结时限"),
        number_format="{office}督〔{year}〕第{serial:04d}号",
        model=SupervisionOrder,
        subjects="case",
        on_issued=_issued,
        on_signed=_signed,
    )


# --- records on the cases' timeline ---------------------------------------------------


def _record(
    *,
    cases: Iterable[Case],
    record: Record,
    document: Notice | SupervisionOrder,
    actor: User | None,
    now: dt.datetime,
    note: str = "",
) -> list[CaseEvent]:
    """One record event per case (locked by the caller), its status unchanged."""
    data: dict[str, Any] = {
        "document": "notice" if isinstance(document, Notice) else "supervision_order",
        "document_id": document.pk,
        "number": document.number,
    }
    if record in (Record.NOTICE_SIGNED, Record.SUPERVISION_SIGNED):
        data["issued_by"] = document.issued_by_id  # told that the unit signed
    return [
        CaseEvent(
            case_id=case.pk,
            action=record,
            actor=actor,
            at=now,
            from_status=case.status,
            to_status=case.status,
            unit_id=document.unit_id,
            note=note,
            data=data,
        )
        for case in cases
    ]


def _deadline_note(document: Notice | SupervisionOrder) -> str:
    label = _("整改时限") if isinstance(document, Notice) else _("办结时限")
    return _("%(label)s：%(at)s") % {
        "label": label,
        "at": local_text(document.deadline, document.jurisdiction),
    }


def _issued(
    *,
    documents: Sequence[Any],
    subjects: Sequence[Sequence[Any]],
    actor: User | None,
    now: dt.datetime,
    record: bool,
) -> None:
    """Issued documents of either kind: a record on each listed case's timeline (unless
    the caller writes its own); a supervised case is marked so."""
    events: list[CaseEvent] = []
    supervised: list[int] = []
    for document, cases in zip(documents, subjects, strict=True):
        notice = isinstance(document, Notice)
        if not notice:
            supervised.extend(case.pk for case in cases)
        if not record:
            continue
        events += _record(
            cases=cases,
            record=Record.NOTICE_ISSUED if notice else Record.SUPERVISION_ISSUED,
            document=document,
            actor=actor,
            now=now,
            note=_deadline_note(document),
        )
    CaseEvent.objects.bulk_create(events)
    if supervised:
        Case.objects.filter(pk__in=supervised).update(is_supervised=True)


def _signed(*, document: Any, actor: User, now: dt.datetime) -> None:
    """A signed document: a record on each listed case's timeline."""
    if isinstance(document, Notice):
        # Locked in the order notice_issue locks them, so the two never deadlock.
        cases = list(document.cases.select_for_update().order_by("number"))
        record = Record.NOTICE_SIGNED
    else:
        cases = [Case.objects.select_for_update().get(pk=document.case_id)]
        record = Record.SUPERVISION_SIGNED
    CaseEvent.objects.bulk_create(
        _record(cases=cases, record=record, document=document, actor=actor, now=now)
    )


def notice_can_sign(*, notice: Notice, user: User) -> bool:
    return document_can_sign(document=notice, user=user)


def supervision_order_can_sign(*, order: SupervisionOrder, user: User) -> bool:
    return document_can_sign(document=order, user=user)


# --- notices ------------------------------------------------------------------------


def notice_issue(
    *,
    jurisdiction: Jurisdiction,
    unit: Unit,
    cases: Iterable[Case],
    content: str,
    deadline: dt.datetime,
    actor: User,
    now: dt.datetime | None = None,
) -> Notice:
    """Issue a numbered rectification notice to a unit for cases it currently holds.

    Dispatchers only. Raises PermissionDenied or DocumentError; nothing is written (and no
    number is used) on error.
    """
    now = now or timezone.now()
    if not roles_for(user=actor, jurisdiction_id=jurisdiction.pk).may(Perm.DOCUMENT_ISSUE):
        raise PermissionDenied(_("只有派遣员可以签发整改通知单"))
    if unit.jurisdiction_id != jurisdiction.pk or not unit.is_active:
        raise DocumentError(_("责任单位不属于本辖区或已停用"))
    case_ids = sorted({case.pk for case in cases})
    if not case_ids:
        raise DocumentError(_("请至少选择一件案卷"))
    with transaction.atomic():
        locked = list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("number"))
        if len(locked) != len(case_ids):
            raise DocumentError(_("所选案卷有的已不存在"))
        for case in locked:
            if case.jurisdiction_id != jurisdiction.pk:
                raise DocumentError(_("案卷%(n)s不属于本辖区") % {"n": case.number})
            if case.unit_id != unit.pk or case.status not in workflow.OPEN:
                raise DocumentError(
                    _("案卷%(n)s目前不在%(unit)s办理中，不能列入通知单")
                    % {"n": case.number, "unit": unit.name}
                )
        (notice,) = document_issue(
            kind=NOTICE,
            jurisdiction=jurisdiction,
            drafts=[Draft(unit_id=unit.pk, content=content, deadline=deadline, subjects=locked)],
            actor=actor,
            now=now,
        )
    assert isinstance(notice, Notice)
    return notice


def notice_sign(*, notice_id: int, actor: User, now: dt.datetime | None = None) -> Notice:
    """The receiving unit signs for the notice (签收): once, by its handler or head."""
    notice = document_sign(kind=NOTICE, document_id=notice_id, actor=actor, now=now)
    assert isinstance(notice, Notice)
    return notice


# --- supervision orders -------------------------------------------------------------


def _default_supervision_content(reason: str) -> str:
    if reason == "overdue":
        return _("该案卷已超过处置时限仍未办结，请立即组织处置，并在办结时限前反馈处置结果。")
    return _("该案卷经领导批示督办，请高度重视，限期办结并反馈处置结果。")


def supervision_order_issue(
    *,
    case: Case,
    reason: str,
    content: str,
    deadline: dt.datetime,
    actor: User | None,
    now: dt.datetime | None = None,
) -> SupervisionOrder:
    """Issue a supervision order (督办单) for an overdue or leader-flagged case.

    `actor` None is the system, for overdue cases only (the deadline scan's ladder issues
    its orders in bulk through `supervision_orders_issue_overdue`). A leader flag is
    issued by a dispatcher or a leader; an overdue order by hand, by a dispatcher. Marks
    the case supervised.
    """
    now = now or timezone.now()
    if reason not in SUPERVISION_REASONS:
        raise DocumentError(_("未知的督办原因：%(r)s") % {"r": reason})
    if actor is None:
        if reason != "overdue":
            raise DocumentError(_("领导督办须由派遣员或县领导签发"))
    else:
        roles = roles_for(user=actor, jurisdiction_id=case.jurisdiction_id)
        if not roles.may(Perm.SUPERVISE if reason == "leader" else Perm.DOCUMENT_ISSUE):
            raise PermissionDenied(
                _("领导督办须由派遣员或县领导签发")
                if reason == "leader"
                else _("只有派遣员可以签发超期督办单")
            )
    content = content.strip() or _default_supervision_content(reason)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("jurisdiction").get(pk=case.pk)
        if locked.status not in workflow.OPEN:
            raise DocumentError(_("案卷%(n)s已不在办理中，不能督办") % {"n": locked.number})
        if locked.unit_id is None:
            raise DocumentError(_("案卷%(n)s尚未派遣到责任单位") % {"n": locked.number})
        if reason == "overdue" and not locked.is_overdue:
            raise DocumentError(_("案卷%(n)s没有超期") % {"n": locked.number})
        draft = Draft(
            unit_id=locked.unit_id,
            content=content,
            deadline=deadline,
            subjects=[locked],
            fields={"reason": reason},
        )
        (order,) = document_issue(
            kind=SUPERVISION,
            jurisdiction=locked.jurisdiction,
            drafts=[draft],
            actor=actor,
            now=now,
        )
    case.is_supervised = True
    assert isinstance(order, SupervisionOrder)
    return order


def supervision_orders_issue_overdue(
    *,
    jurisdiction: Jurisdiction,
    orders: Sequence[tuple[Case, str, dt.datetime]],
    now: dt.datetime,
) -> list[SupervisionOrder]:
    """The system's overdue orders for (case, content, deadline), numbered in order from
    one bump of the counter: the deadline scan's ladder, inside its transaction, with the
    cases locked (each overdue and at a unit, as its query selects them). Its "escalate"
    events name the orders and are their issue records."""
    drafts = []
    for case, content, deadline in orders:
        assert case.unit_id is not None
        drafts.append(
            Draft(
                unit_id=case.unit_id,
                content=content,
                deadline=deadline,
                subjects=[case],
                fields={"reason": "overdue"},
            )
        )
    issued = document_issue(
        kind=SUPERVISION,
        jurisdiction=jurisdiction,
        drafts=drafts,
        actor=None,
        now=now,
        record=False,  # the scan's "escalate" event is the issue's record
    )
    return [order for order in issued if isinstance(order, SupervisionOrder)]


def supervision_order_sign(
    *, order_id: int, actor: User, now: dt.datetime | None = None
) -> SupervisionOrder:
    """The responsible unit signs for the order: once, by its handler or head."""
    order = document_sign(kind=SUPERVISION, document_id=order_id, actor=actor, now=now)
    assert isinstance(order, SupervisionOrder)
    return order


# --- PDF ----------------------------------------------------------------------------


def _case_table(cases: Sequence[Case], jurisdiction: Jurisdiction, masking: Masking) -> Table:
    heads = (_("序号"), _("案卷编号"), _("问题类别"), _("地址"), _("处置时限"))
    rows: list[list[Any]] = [[paragraph(head, "head") for head in heads]]
    for i, case in enumerate(cases, start=1):
        shown = masking.about(name=case.reporter_name, phone=case.reporter_phone)
        rows.append(
            [
                paragraph(str(i), "cell"),
                paragraph(case.number, "cell"),
                paragraph(case.category.name, "cell"),
                paragraph(shown.text(case.address) or "—", "cell"),
                paragraph(local_text(case.deadline, jurisdiction) or "—", "cell"),
            ]
        )
    return grid_table(rows, [12 * mm, 30 * mm, 30 * mm, 64 * mm, 34 * mm])


def notice_pdf(*, notice: Notice, url: str, masking: Masking = MASKED) -> bytes:
    """The notice as an official document; `url` is its page, printed and as a QR code.
    Personal data in its text is shown as `masking` (the reader's, `org.privacy`) says."""
    j = notice.jurisdiction
    cases = list(notice.cases.select_related("category").order_by("number"))
    masking = masking.about_each((c.reporter_name, c.reporter_phone) for c in cases)
    title = _("整改通知单")
    story: list[Flowable] = [
        *letterhead(j, title, notice.number),
        paragraph(_("%(unit)s：") % {"unit": notice.unit.name}, "base"),
        paragraph(
            _("经检查，你单位负责的以下%(n)d件问题尚未整改到位，现予通知，请按要求整改：")
            % {"n": len(cases)},
            "body",
        ),
        paragraph(masking.text(notice.content), "body"),
        paragraph(
            _("请于%(deadline)s前整改完毕，并将整改情况连同整改前后照片报送%(office)s。")
            % {"deadline": local_text(notice.deadline, j), "office": office_name(jurisdiction=j)},
            "body",
        ),
        Spacer(1, 3 * mm),
        _case_table(cases, j, masking),
        Spacer(1, 8 * mm),
        signature_block(
            jurisdiction=j,
            issued_by=notice.issued_by,
            issued_at=notice.issued_at,
            signed_by=notice.signed_by,
            signed_at=notice.signed_at,
            url=url,
        ),
    ]
    return document_build(title=f"{title} {notice.number}", story=story, url=url)


def supervision_order_pdf(*, order: SupervisionOrder, url: str, masking: Masking = MASKED) -> bytes:
    """The supervision order as an official document, with a QR code of `url`; personal
    data in its text shown as `masking` (the reader's, `org.privacy`) says."""
    j = order.jurisdiction
    masking = masking.about(name=order.case.reporter_name, phone=order.case.reporter_phone)
    title = _("督办单")
    reason = order.get_reason_display()
    story: list[Flowable] = [
        *letterhead(j, title, order.number),
        paragraph(_("%(unit)s：") % {"unit": order.unit.name}, "base"),
        paragraph(
            _("下列案卷因「%(reason)s」列入督办，请按要求办理：") % {"reason": reason},
            "body",
        ),
        paragraph(masking.text(order.content), "body"),
        paragraph(
            _("请于%(deadline)s前办结，并将处置结果连同处置前后照片报送%(office)s。")
            % {"deadline": local_text(order.deadline, j), "office": office_name(jurisdiction=j)},
            "body",
        ),
        Spacer(1, 3 * mm),
        _case_table([order.case], j, masking),
        Spacer(1, 8 * mm),
        signature_block(
            jurisdiction=j,
            issued_by=order.issued_by,
            issued_at=order.issued_at,
            signed_by=order.signed_by,
            signed_at=order.signed_at,
            url=url,
        ),
    ]
    return document_build(title=f"{title} {order.number}", story=story, url=url)
