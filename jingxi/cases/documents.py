"""Numbered official documents: rectification notices (整改通知单) and supervision orders
(督办单). Issue, sign for, and render to PDF.

Both are numbered per jurisdiction and year by `numbering.document_number_next`, kept for
good (the archive is searchable through `selectors.notice_search`), and signed for once by
staff of the receiving unit. Issuing and signing each append one `CaseEvent` per case the
document lists (a `choices.Record`, status unchanged), so the case timeline shows the
document and the notify job tells the unit (issued) or the office (signed).

The PDF embeds a CJK TrueType font (see `pdf_font`), so its text extracts as the right
Chinese characters anywhere, and carries a QR code of the document's page.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from jingxi.cases import workflow
from jingxi.cases.choices import Record
from jingxi.cases.models import Case, CaseEvent, Notice, SupervisionOrder
from jingxi.cases.numbering import document_number_next
from jingxi.org.choices import UnitKind
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.org.privacy import MASKED, Masking
from jingxi.org.roles import Perm, roles_for

logger = logging.getLogger(__name__)

MAX_CONTENT: Final = 2000
SUPERVISION_REASONS: Final = ("overdue", "leader")


class DocumentError(ValueError):
    """Bad input to a document service; the message says what is wrong, in Chinese."""


# --- helpers ------------------------------------------------------------------------


def _tz(jurisdiction: Jurisdiction) -> ZoneInfo:
    return ZoneInfo(jurisdiction.time_zone)


def local_text(moment: dt.datetime | None, jurisdiction: Jurisdiction) -> str:
    """「2026年11月30日 17:30」 in the jurisdiction's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, _tz(jurisdiction))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _content_clean(content: str) -> str:
    content = content.strip()
    if not content:
        raise DocumentError(_("请填写整改要求"))
    if len(content) > MAX_CONTENT:
        raise DocumentError(_("要求不能超过%(n)d字") % {"n": MAX_CONTENT})
    return content


def _is_unit_staff(*, actor: User, unit: Unit) -> bool:
    roles = roles_for(user=actor, jurisdiction_id=unit.jurisdiction_id)
    return unit.pk in roles.unit_ids()


def office_name(*, jurisdiction: Jurisdiction) -> str:
    """The issuing office's full name: the office unit, or "<辖区>城市精细化管理办公室"."""
    office = (
        Unit.objects.filter(jurisdiction=jurisdiction, kind=UnitKind.OFFICE, is_active=True)
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    return office or _("%(name)s城市精细化管理办公室") % {"name": jurisdiction.name}


def _record(
    *,
    cases: Iterable[Case],
    record: Record,
    document: Notice | SupervisionOrder,
    actor: User | None,
    now: dt.datetime,
    note: str = "",
) -> None:
    """Append one record event per case (locked by the caller), its status unchanged."""
    data: dict[str, Any] = {
        "document": "notice" if isinstance(document, Notice) else "supervision_order",
        "document_id": document.pk,
        "number": document.number,
    }
    if record in (Record.NOTICE_SIGNED, Record.SUPERVISION_SIGNED):
        data["issued_by"] = document.issued_by_id  # told that the unit signed
    CaseEvent.objects.bulk_create(
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
    )


def _deadline_note(document: Notice | SupervisionOrder) -> str:
    label = _("整改时限") if isinstance(document, Notice) else _("办结时限")
    return _("%(label)s：%(at)s") % {
        "label": label,
        "at": local_text(document.deadline, document.jurisdiction),
    }


def notice_can_sign(*, notice: Notice, user: User) -> bool:
    return _is_unit_staff(actor=user, unit=notice.unit)


def supervision_order_can_sign(*, order: SupervisionOrder, user: User) -> bool:
    return _is_unit_staff(actor=user, unit=order.unit)


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
    content = _content_clean(content)
    if deadline <= now:
        raise DocumentError(_("整改时限必须晚于签发时间"))
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
        year = timezone.localtime(now, _tz(jurisdiction)).year
        serial, number = document_number_next(jurisdiction=jurisdiction, kind="notice", year=year)
        notice = Notice.objects.create(
            jurisdiction=jurisdiction,
            number=number,
            year=year,
            serial=serial,
            unit=unit,
            content=content,
            deadline=deadline,
            issued_by=actor,
            issued_at=now,
        )
        notice.cases.set(locked)
        _record(
            cases=locked,
            record=Record.NOTICE_ISSUED,
            document=notice,
            actor=actor,
            now=now,
            note=_deadline_note(notice),
        )
    return notice


def notice_sign(*, notice_id: int, actor: User, now: dt.datetime | None = None) -> Notice:
    """The receiving unit signs for the notice (签收): once, by its handler or head."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .select_related("unit", "unit__jurisdiction", "jurisdiction")
            .get(pk=notice_id)
        )
        if not _is_unit_staff(actor=actor, unit=notice.unit):
            raise PermissionDenied(_("只有%(unit)s的人员可以签收该通知单") % {"unit": notice.unit})
        if notice.signed_at is not None:
            raise DocumentError(
                _("该通知单已于%(at)s由%(who)s签收")
                % {
                    "at": local_text(notice.signed_at, notice.jurisdiction),
                    "who": notice.signed_by,
                }
            )
        notice.signed_by = actor
        notice.signed_at = now
        notice.save(update_fields=["signed_by", "signed_at"])
        # Locked in the order notice_issue locks them, so the two never deadlock.
        cases = list(notice.cases.select_for_update().order_by("number"))
        _record(cases=cases, record=Record.NOTICE_SIGNED, document=notice, actor=actor, now=now)
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

    `actor` None is the system (the deadline scan's escalation ladder), for overdue cases
    only. A leader flag is issued by a dispatcher or a leader; an overdue order by hand,
    by a dispatcher. Marks the case supervised.
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
    content = _content_clean(content)
    if deadline <= now:
        raise DocumentError(_("办结时限必须晚于签发时间"))
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("jurisdiction").get(pk=case.pk)
        if locked.status not in workflow.OPEN:
            raise DocumentError(_("案卷%(n)s已不在办理中，不能督办") % {"n": locked.number})
        if locked.unit_id is None:
            raise DocumentError(_("案卷%(n)s尚未派遣到责任单位") % {"n": locked.number})
        if reason == "overdue" and not locked.is_overdue:
            raise DocumentError(_("案卷%(n)s没有超期") % {"n": locked.number})
        jurisdiction = locked.jurisdiction
        year = timezone.localtime(now, _tz(jurisdiction)).year
        serial, number = document_number_next(
            jurisdiction=jurisdiction, kind="supervision", year=year
        )
        order = SupervisionOrder.objects.create(
            jurisdiction=jurisdiction,
            number=number,
            year=year,
            serial=serial,
            case=locked,
            unit_id=locked.unit_id,
            reason=reason,
            content=content,
            deadline=deadline,
            issued_by=actor,
            issued_at=now,
        )
        Case.objects.filter(pk=locked.pk).update(is_supervised=True)
        _record(
            cases=[locked],
            record=Record.SUPERVISION_ISSUED,
            document=order,
            actor=actor,
            now=now,
            note=_deadline_note(order),
        )
    case.is_supervised = True
    return order


def supervision_order_sign(
    *, order_id: int, actor: User, now: dt.datetime | None = None
) -> SupervisionOrder:
    """The responsible unit signs for the order: once, by its handler or head."""
    now = now or timezone.now()
    with transaction.atomic():
        order = (
            SupervisionOrder.objects.select_for_update()
            .select_related("unit", "unit__jurisdiction", "jurisdiction")
            .get(pk=order_id)
        )
        if not _is_unit_staff(actor=actor, unit=order.unit):
            raise PermissionDenied(_("只有%(unit)s的人员可以签收该督办单") % {"unit": order.unit})
        if order.signed_at is not None:
            raise DocumentError(
                _("该督办单已于%(at)s由%(who)s签收")
                % {"at": local_text(order.signed_at, order.jurisdiction), "who": order.signed_by}
            )
        order.signed_by = actor
        order.signed_at = now
        order.save(update_fields=["signed_by", "signed_at"])
        case = Case.objects.select_for_update().get(pk=order.case_id)
        _record(
            cases=[case], record=Record.SUPERVISION_SIGNED, document=order, actor=actor, now=now
        )
    return order


# --- PDF ----------------------------------------------------------------------------

# CJK TrueType fonts (glyf outlines: reportlab cannot embed CFF-based OpenType such as
# Noto CJK). A file dropped into jingxi/cases/fonts/ wins; then Debian's packages, which
# the Makefile installs (fonts-wqy-microhei).
FONTS_DIR: Final = Path(__file__).resolve().parent / "fonts"
FONT_CANDIDATES: Final[tuple[tuple[str, int], ...]] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
EMBEDDED_FONT: Final = "JingxiCJK"
# Adobe's CID font: its text extracts correctly (UniGB-UCS2-H), but it is not embedded,
# so a viewer without it substitutes a font. Used only when no TrueType font is found.
FALLBACK_FONT: Final = "STSong-Light"


@functools.cache
def pdf_font() -> str:
    """Register and return the name of the CJK font PDFs are set in."""
    candidates: list[tuple[str, int]] = [
        (str(path), 0) for path in sorted(FONTS_DIR.glob("*.tt[fc]")) if FONTS_DIR.is_dir()
    ]
    candidates.extend(FONT_CANDIDATES)
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=index))
        except (TTFError, OSError) as exc:
            logger.warning("CJK font %s unusable: %s", path, exc)
            continue
        return EMBEDDED_FONT
    logger.warning(
        "No CJK TrueType font found (install Debian's fonts-wqy-microhei); "
        "PDFs use the non-embedded %s",
        FALLBACK_FONT,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    font = pdf_font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "base": base,
        "office": ParagraphStyle(
            "office",
            parent=base,
            fontSize=20,
            leading=28,
            alignment=TA_CENTER,
            textColor=colors.HexColor("#c00000"),
        ),
        "title": ParagraphStyle("title", parent=base, fontSize=22, leading=32, alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=base, alignment=TA_CENTER, spaceAfter=6),
        "body": ParagraphStyle("body", parent=base, firstLineIndent=22, spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, alignment=TA_LEFT),
        "qr": ParagraphStyle("qr", parent=base, fontSize=8, leading=11, alignment=TA_CENTER),
    }


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


def _qr(url: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _case_table(cases: Sequence[Case], jurisdiction: Jurisdiction, masking: Masking) -> Table:
    heads = (_("序号"), _("案卷编号"), _("问题类别"), _("地址"), _("处置时限"))
    rows: list[list[Any]] = [[_p(head, "head") for head in heads]]
    for i, case in enumerate(cases, start=1):
        shown = masking.about(name=case.reporter_name, phone=case.reporter_phone)
        rows.append(
            [
                _p(str(i), "cell"),
                _p(case.number, "cell"),
                _p(case.category.name, "cell"),
                _p(shown.text(case.address) or "—", "cell"),
                _p(local_text(case.deadline, jurisdiction) or "—", "cell"),
            ]
        )
    table = Table(rows, colWidths=[12 * mm, 30 * mm, 30 * mm, 64 * mm, 34 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _signature_block(
    *,
    jurisdiction: Jurisdiction,
    issued_by: User | None,
    issued_at: dt.datetime,
    signed_by: User | None,
    signed_at: dt.datetime | None,
    url: str,
) -> Table:
    issuer = str(issued_by) if issued_by is not None else _("系统自动生成")
    signer = str(signed_by) if signed_by is not None else "________________"
    signed = local_text(signed_at, jurisdiction) if signed_at else "________________"
    left = [
        _p(_("签发单位：%(office)s") % {"office": office_name(jurisdiction=jurisdiction)}, "base"),
        _p(_("签发人：%(who)s") % {"who": issuer}, "base"),
        _p(_("签发时间：%(at)s") % {"at": local_text(issued_at, jurisdiction)}, "base"),
        Spacer(1, 4 * mm),
        _p(_("签收单位（盖章）："), "base"),
        _p(_("签收人：%(who)s") % {"who": signer}, "base"),
        _p(_("签收时间：%(at)s") % {"at": signed}, "base"),
    ]
    right = [_qr(url), _p(_("扫码查看"), "qr")]
    table = Table([[left, right]], colWidths=[130 * mm, 40 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _build(*, title: str, story: list[Flowable], url: str) -> bytes:
    buffer = io.BytesIO()
    font = pdf_font()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(20 * mm, 12 * mm, url)
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, _("第%(n)d页") % {"n": doc.page})
        canvas.linkURL(url, (20 * mm, 10 * mm, 120 * mm, 16 * mm), relative=0)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=22 * mm,
        title=title,
        author="jingxi",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _letterhead(jurisdiction: Jurisdiction, title: str, number: str) -> list[Flowable]:
    return [
        _p(office_name(jurisdiction=jurisdiction), "office"),
        HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#c00000")),
        Spacer(1, 6 * mm),
        _p(title, "title"),
        _p(number, "number"),
        Spacer(1, 2 * mm),
    ]


def notice_pdf(*, notice: Notice, url: str, masking: Masking = MASKED) -> bytes:
    """The notice as an official document; `url` is its page, printed and as a QR code.
    Personal data in its text is shown as `masking` (the reader's, `org.privacy`) says."""
    j = notice.jurisdiction
    cases = list(notice.cases.select_related("category").order_by("number"))
    masking = masking.about_each((c.reporter_name, c.reporter_phone) for c in cases)
    title = _("整改通知单")
    story: list[Flowable] = [
        *_letterhead(j, title, notice.number),
        _p(_("%(unit)s：") % {"unit": notice.unit.name}, "base"),
        _p(
            _("经检查，你单位负责的以下%(n)d件问题尚未整改到位，现予通知，请按要求整改：")
            % {"n": len(cases)},
            "body",
        ),
        _p(masking.text(notice.content), "body"),
        _p(
            _("请于%(deadline)s前整改完毕，并将整改情况连同整改前后照片报送%(office)s。")
            % {"deadline": local_text(notice.deadline, j), "office": office_name(jurisdiction=j)},
            "body",
        ),
        Spacer(1, 3 * mm),
        _case_table(cases, j, masking),
        Spacer(1, 8 * mm),
        _signature_block(
            jurisdiction=j,
            issued_by=notice.issued_by,
            issued_at=notice.issued_at,
            signed_by=notice.signed_by,
            signed_at=notice.signed_at,
            url=url,
        ),
    ]
    return _build(title=f"{title} {notice.number}", story=story, url=url)


def supervision_order_pdf(*, order: SupervisionOrder, url: str, masking: Masking = MASKED) -> bytes:
    """The supervision order as an official document, with a QR code of `url`; personal
    data in its text shown as `masking` (the reader's, `org.privacy`) says."""
    j = order.jurisdiction
    masking = masking.about(name=order.case.reporter_name, phone=order.case.reporter_phone)
    title = _("督办单")
    reason = order.get_reason_display()
    story: list[Flowable] = [
        *_letterhead(j, title, order.number),
        _p(_("%(unit)s：") % {"unit": order.unit.name}, "base"),
        _p(
            _("下列案卷因「%(reason)s」列入督办，请按要求办理：") % {"reason": reason},
            "body",
        ),
        _p(masking.text(order.content), "body"),
        _p(
            _("请于%(deadline)s前办结，并将处置结果连同处置前后照片报送%(office)s。")
            % {"deadline": local_text(order.deadline, j), "office": office_name(jurisdiction=j)},
            "body",
        ),
        Spacer(1, 3 * mm),
        _case_table([order.case], j, masking),
        Spacer(1, 8 * mm),
        _signature_block(
            jurisdiction=j,
            issued_by=order.issued_by,
            issued_at=order.issued_at,
            signed_by=order.signed_by,
            signed_at=order.signed_at,
            url=url,
        ),
    ]
    return _build(title=f"{title} {order.number}", story=story, url=url)
