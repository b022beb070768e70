"""Official documents as PDF: the CJK font, the letterhead, the signature block with a QR
code of the document's page, the page footer. Shared by every app that prints documents
(notices and supervision orders today; bulletins and reports next).

The PDF embeds a CJK TrueType font (see `pdf_font`), so its text extracts as the right
Chinese characters anywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

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

from jingxi.org.choices import UnitKind
from jingxi.org.models import Jurisdiction, Unit, User

logger = logging.getLogger(__name__)


def local_text(moment: dt.datetime | None, jurisdiction: Jurisdiction) -> str:
    """「2026年11月30日 17:30」 in the jurisdiction's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(jurisdiction.time_zone))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def office_name(*, jurisdiction: Jurisdiction) -> str:
    """The issuing office's full name: the office unit, or "<辖区>城市精细化管理办公室"."""
    office = (
        Unit.objects.filter(jurisdiction=jurisdiction, kind=UnitKind.OFFICE, is_active=True)
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    return office or _("%(name)s城市精细化管理办公室") % {"name": jurisdiction.name}


# CJK TrueType fonts (glyf outlines: reportlab cannot embed CFF-based OpenType such as
# Noto CJK). A file dropped into jingxi/documents/fonts/ wins; then Debian's packages,
# which the Makefile installs (fonts-wqy-microhei).
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
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of official documents, by name."""
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


def paragraph(text: str, style: str) -> Paragraph:
    """Plain text (escaped, line breaks kept) in one of `styles()`."""
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def qr_code(url: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def grid_table(rows: list[list[Any]], col_widths: list[float]) -> Table:
    """A ruled table whose first row is its head, repeated on every page."""
    table = Table(rows, colWidths=col_widths, repeatRows=1)
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


def signature_block(
    *,
    jurisdiction: Jurisdiction,
    issued_by: User | None,
    issued_at: dt.datetime,
    signed_by: User | None,
    signed_at: dt.datetime | None,
    url: str,
) -> Table:
    """Who issued and who signed for the document, and a QR code of its page."""
    issuer = str(issued_by) if issued_by is not None else _("系统自动生成")
    signer = str(signed_by) if signed_by is not None else "________________"
    signed = local_text(signed_at, jurisdiction) if signed_at else "________________"
    left = [
        paragraph(
            _("签发单位：%(office)s") % {"office": office_name(jurisdiction=jurisdiction)}, "base"
        ),
        paragraph(_("签发人：%(who)s") % {"who": issuer}, "base"),
        paragraph(_("签发时间：%(at)s") % {"at": local_text(issued_at, jurisdiction)}, "base"),
        Spacer(1, 4 * mm),
        paragraph(_("签收单位（盖章）："), "base"),
        paragraph(_("签收人：%(who)s") % {"who": signer}, "base"),
        paragraph(_("签收时间：%(at)s") % {"at": signed}, "base"),
    ]
    right = [qr_code(url), paragraph(_("扫码查看"), "qr")]
    table = Table([[left, right]], colWidths=[130 * mm, 40 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def letterhead(jurisdiction: Jurisdiction, title: str, number: str) -> list[Flowable]:
    """The office's name in red over a rule, the title and the number."""
    return [
        paragraph(office_name(jurisdiction=jurisdiction), "office"),
        HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#c00000")),
        Spacer(1, 6 * mm),
        paragraph(title, "title"),
        paragraph(number, "number"),
        Spacer(1, 2 * mm),
    ]


def document_build(*, title: str, story: list[Flowable], url: str) -> bytes:
    """An A4 PDF of `story` whose every page's footer carries `url` and the page number."""
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
