"""Writes of the portal's bulletins (通报 / 公告): draft, edit, publish, withdraw.

A bulletin is a draft until the office publishes it; only a draft is edited. Withdrawing
takes a published bulletin off the portal; it stays in the office's archive. The
optional PDF is checked by its content (`pdf_read`) before anything is written, stored
under its sha256 through Django's storage, and removed again if the row cannot be saved.

Errors are `PortalInputError` (the message says what is wrong, in Chinese) or
`PermissionDenied`, as in `portal_services`; the same roles write (dispatcher, admin).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import IO, Final

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases.evidence import size_text
from jingxi.org.models import Jurisdiction, User
from jingxi.public.models_portal import Bulletin, BulletinKind, BulletinStatus
from jingxi.public.portal_services import PortalInputError
from jingxi.public.portal_services import _check_writer as check_writer
from jingxi.public.portal_services import _text as text_checked

MAX_PDF_BYTES: Final = 20 * 1024 * 1024
MAX_BODY: Final = 50000
PDF_MAGIC: Final = b"%PDF-"
# Readers look for the end-of-file marker in the last 1024 bytes (PDF 1.7, 7.5.5).
PDF_TAIL: Final = 1024


@dataclass(frozen=True)
class Pdf:
    """A PDF that passed `pdf_check`: its bytes and their sha256."""

    data: bytes
    sha256: str


def max_pdf_bytes() -> int:
    return MAX_PDF_BYTES


def _too_large(limit: int) -> PortalInputError:
    return PortalInputError(_("PDF 文件过大：不能超过 %(limit)s") % {"limit": size_text(limit)})


def pdf_check(*, data: bytes) -> Pdf:
    """The bytes as a `Pdf` if they are one, judged by content, never by name or type."""
    limit = max_pdf_bytes()
    if not data:
        raise PortalInputError(_("收到的文件是空的"))
    if len(data) > limit:
        raise _too_large(limit)
    if not data.startswith(PDF_MAGIC):
        raise PortalInputError(_("只能上传 PDF 文件：该文件的内容不是 PDF"))
    if b"%%EOF" not in data[-PDF_TAIL:]:
        raise PortalInputError(_("PDF 文件不完整（缺少文件结尾），请重新导出后上传"))
    return Pdf(data=data, sha256=hashlib.sha256(data).hexdigest())


def pdf_read(*, file: IO[bytes], size: int | None = None) -> Pdf:
    """Read an uploaded file, at most one byte past the limit, and check it."""
    limit = max_pdf_bytes()
    if size is not None and size > limit:
        raise _too_large(limit)
    file.seek(0)
    return pdf_check(data=file.read(limit + 1))


# --- storage ------------------------------------------------------------------------


def _pdf_store(pdf: Pdf) -> tuple[str, bool]:
    """Save under the sha256 unless that content is already there; (name, newly written)."""
    name = f"bulletins/{pdf.sha256[:2]}/{pdf.sha256}.pdf"
    if default_storage.exists(name):
        return name, False
    return default_storage.save(name, ContentFile(pdf.data)), True


def _pdf_release(name: str) -> None:
    """Delete a stored PDF that no bulletin refers to any more (after the commit)."""

    def release() -> None:
        if name and not Bulletin.objects.filter(pdf=name).exists():
            default_storage.delete(name)

    transaction.on_commit(release)


# --- text ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BulletinText:
    """What the office writes in a bulletin: everything but the PDF."""

    kind: str
    title: str
    body: str
    number: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None


TEXT_FIELDS: Final = tuple(f.name for f in dataclasses.fields(BulletinText))


def _text_check(
    text: BulletinText, *, jurisdiction: Jurisdiction, exclude_id: int | None = None
) -> BulletinText:
    """The text trimmed and checked: kind, lengths, period order, number unused."""
    if text.kind not in BulletinKind.values:
        raise PortalInputError(_("未知的通报类型：%(k)s") % {"k": text.kind})
    number = text_checked(text.number, label=_("文号"), limit=64, required=False)
    start, end = text.period_start, text.period_end
    if start and end and end < start:
        raise PortalInputError(_("通报期间的结束日期不能早于开始日期"))
    if number:
        taken = Bulletin.objects.filter(jurisdiction=jurisdiction, number=number)
        if exclude_id is not None:
            taken = taken.exclude(pk=exclude_id)
        if taken.exists():
            raise PortalInputError(_("文号 %(n)s 已被使用") % {"n": number})
    return dataclasses.replace(
        text,
        number=number,
        title=text_checked(text.title, label=_("标题"), limit=200),
        body=text_checked(text.body, label=_("正文"), limit=MAX_BODY),
    )


def _save(bulletin: Bulletin, *, text: BulletinText, pdf: Pdf | None) -> None:
    """Set the text, store the new PDF (if any) and save the row; a newly written file is
    removed again if the row cannot be saved."""
    for name in TEXT_FIELDS:
        setattr(bulletin, name, getattr(text, name))
    written = ""
    try:
        if pdf is not None:
            name, new = _pdf_store(pdf)
            written = name if new else ""
            bulletin.pdf.name = name
            bulletin.pdf_size = len(pdf.data)
        with transaction.atomic():
            bulletin.save()
    except IntegrityError:
        if written:
            default_storage.delete(written)
        raise PortalInputError(_("文号 %(n)s 已被使用") % {"n": bulletin.number}) from None
    except BaseException:
        if written:
            default_storage.delete(written)
        raise


# --- services -------------------------------------------------------------------------


def bulletin_create(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    text: BulletinText,
    pdf: Pdf | None = None,
    now: dt.datetime | None = None,
) -> Bulletin:
    """A draft bulletin, with its PDF if given; publish it with `bulletin_publish`."""
    now = now or timezone.now()
    check_writer(actor=actor, jurisdiction=jurisdiction)
    text = _text_check(text, jurisdiction=jurisdiction)
    bulletin = Bulletin(jurisdiction=jurisdiction, created_by=actor, created_at=now, updated_at=now)
    _save(bulletin, text=text, pdf=pdf)
    return bulletin


def _locked(bulletin_id: int, actor: User) -> Bulletin:
    bulletin = (
        Bulletin.objects.select_for_update().select_related("jurisdiction").get(pk=bulletin_id)
    )
    check_writer(actor=actor, jurisdiction=bulletin.jurisdiction)
    return bulletin


def bulletin_update(
    *,
    bulletin_id: int,
    actor: User,
    text: BulletinText,
    pdf: Pdf | None = None,
    remove_pdf: bool = False,
    now: dt.datetime | None = None,
) -> Bulletin:
    """Change a draft; a new PDF replaces the old one, `remove_pdf` drops it."""
    now = now or timezone.now()
    with transaction.atomic():
        bulletin = _locked(bulletin_id, actor)
        if bulletin.status != BulletinStatus.DRAFT:
            raise PortalInputError(_("只有草稿可以修改；已发布的通报请撤回后另发"))
        text = _text_check(text, jurisdiction=bulletin.jurisdiction, exclude_id=bulletin.pk)
        old_pdf = bulletin.pdf.name or ""
        if remove_pdf and pdf is None:
            bulletin.pdf.name = ""
            bulletin.pdf_size = 0
        bulletin.updated_at = now
        _save(bulletin, text=text, pdf=pdf)
        if old_pdf and old_pdf != bulletin.pdf.name:
            _pdf_release(old_pdf)
    return bulletin


def bulletin_publish(*, bulletin_id: int, actor: User, now: dt.datetime | None = None) -> Bulletin:
    """Publish a draft: it shows on the portal, newest first by `published_at`."""
    now = now or timezone.now()
    with transaction.atomic():
        bulletin = _locked(bulletin_id, actor)
        if bulletin.status != BulletinStatus.DRAFT:
            raise PortalInputError(_("只有草稿可以发布"))
        bulletin.status = BulletinStatus.PUBLISHED
        bulletin.published_by = actor
        bulletin.published_at = now
        bulletin.updated_at = now
        bulletin.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    return bulletin


def bulletin_withdraw(
    *, bulletin_id: int, actor: User, reason: str = "", now: dt.datetime | None = None
) -> Bulletin:
    """Take a published bulletin off the portal; it stays in the archive with the reason."""
    now = now or timezone.now()
    with transaction.atomic():
        bulletin = _locked(bulletin_id, actor)
        if bulletin.status != BulletinStatus.PUBLISHED:
            raise PortalInputError(_("只有已发布的通报可以撤回"))
        bulletin.status = BulletinStatus.WITHDRAWN
        bulletin.withdrawn_by = actor
        bulletin.withdrawn_at = now
        bulletin.withdraw_reason = text_checked(
            reason, label=_("撤回原因"), limit=200, required=False
        )
        bulletin.updated_at = now
        bulletin.save(
            update_fields=[
                "status",
                "withdrawn_by",
                "withdrawn_at",
                "withdraw_reason",
                "updated_at",
            ]
        )
    return bulletin
