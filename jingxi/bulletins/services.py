"""Writes of bulletins (通报 / 公告): draft, edit, publish, withdraw.

A bulletin is a draft until the office publishes it; only a draft is edited. Publishing
gives a bulletin left without a number the next of its kind and year from
`jingxi.documents` (月度通报〔2026〕第3期). Withdrawing takes a published bulletin off
the portal; it stays in the office's archive. The optional PDF is checked by its content
(`pdf_read`) before anything is written, stored under its sha256 through Django's
storage, and removed again if the row cannot be saved.

Errors are `BulletinInputError` (the message says what is wrong, in Chinese) or
`PermissionDenied`; the roles of `Perm.DISCLOSURE_WRITE` write (dispatcher, admin). The
portal (`jingxi.public`) shows published bulletins; generated bulletins (the assessment's)
are stored through these services.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import IO, Final
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.bulletins.choices import BulletinKind, BulletinStatus
from jingxi.bulletins.models import Bulletin
from jingxi.documents.numbering import number_next
from jingxi.documents.registry import number_kind_register
from jingxi.lib.limits import size_text
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, roles_for

MAX_PDF_BYTES: Final = 20 * 1024 * 1024
MAX_BODY: Final = 50000
PDF_MAGIC: Final = b"%PDF-"
# Readers look for the end-of-file marker in the last 1024 bytes (PDF 1.7, 7.5.5).
PDF_TAIL: Final = 1024


#: Each kind's numbers, per jurisdiction and year, as `documents` keeps them.
NUMBER_KINDS: Final = {
    BulletinKind.MONTHLY: ("bul_monthly", "月度通报〔{year}〕第{serial}期"),
    BulletinKind.SPECIAL: ("bul_special", "专项通报〔{year}〕第{serial}期"),
    BulletinKind.ANNOUNCEMENT: ("bul_announcement", "公告〔{year}〕第{serial}期"),
}


def register() -> None:
    """Tell `jingxi.documents` of the bulletins' number kinds (from `ready()`)."""
    for key, number_format in NUMBER_KINDS.values():
        number_kind_register(key=key, number_format=number_format)


class BulletinInputError(ValueError):
    """Bad input to a bulletin service; the message says what is wrong, in Chinese."""


def check_writer(*, actor: User, jurisdiction: Jurisdiction) -> None:
    if not roles_for(user=actor, jurisdiction_id=jurisdiction.pk).may(Perm.DISCLOSURE_WRITE):
        raise PermissionDenied(_("只有精细办的受理/派遣员或系统管理员可以执行该操作"))


def text_checked(value: str, *, label: str, limit: int, required: bool = True) -> str:
    """`value` trimmed, present if `required`, at most `limit` characters."""
    value = value.strip()
    if required and not value:
        raise BulletinInputError(_("请填写%(label)s") % {"label": label})
    if len(value) > limit:
        raise BulletinInputError(
            _("%(label)s不能超过%(n)d字（现有%(m)d字）")
            % {"label": label, "n": limit, "m": len(value)}
        )
    return value


@dataclass(frozen=True)
class Pdf:
    """A PDF that passed `pdf_check`: its bytes and their sha256."""

    data: bytes
    sha256: str


def max_pdf_bytes() -> int:
    return MAX_PDF_BYTES


def _too_large(limit: int) -> BulletinInputError:
    return BulletinInputError(_("PDF 文件过大：不能超过 %(limit)s") % {"limit": size_text(limit)})


def pdf_check(*, data: bytes) -> Pdf:
    """The bytes as a `Pdf` if they are one, judged by content, never by name or type."""
    limit = max_pdf_bytes()
    if not data:
        raise BulletinInputError(_("收到的文件是空的"))
    if len(data) > limit:
        raise _too_large(limit)
    if not data.startswith(PDF_MAGIC):
        raise BulletinInputError(_("只能上传 PDF 文件：该文件的内容不是 PDF"))
    if b"%%EOF" not in data[-PDF_TAIL:]:
        raise BulletinInputError(_("PDF 文件不完整（缺少文件结尾），请重新导出后上传"))
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
        raise BulletinInputError(_("未知的通报类型：%(k)s") % {"k": text.kind})
    number = text_checked(text.number, label=_("文号"), limit=64, required=False)
    start, end = text.period_start, text.period_end
    if start and end and end < start:
        raise BulletinInputError(_("通报期间的结束日期不能早于开始日期"))
    if number:
        taken = Bulletin.objects.filter(jurisdiction=jurisdiction, number=number)
        if exclude_id is not None:
            taken = taken.exclude(pk=exclude_id)
        if taken.exists():
            raise BulletinInputError(_("文号 %(n)s 已被使用") % {"n": number})
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
        raise BulletinInputError(_("文号 %(n)s 已被使用") % {"n": bulletin.number}) from None
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
            raise BulletinInputError(_("只有草稿可以修改；已发布的通报请撤回后另发"))
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
    """Publish a draft: it shows on the portal, newest first by `published_at`; one
    without a number takes the next of its kind and publication year."""
    now = now or timezone.now()
    with transaction.atomic():
        bulletin = _locked(bulletin_id, actor)
        if bulletin.status != BulletinStatus.DRAFT:
            raise BulletinInputError(_("只有草稿可以发布"))
        if not bulletin.number:
            key, _format = NUMBER_KINDS[BulletinKind(bulletin.kind)]
            year = timezone.localtime(now, ZoneInfo(bulletin.jurisdiction.time_zone)).year
            ((_serial, bulletin.number),) = number_next(
                jurisdiction=bulletin.jurisdiction, kind=key, year=year
            )
        bulletin.status = BulletinStatus.PUBLISHED
        bulletin.published_by = actor
        bulletin.published_at = now
        bulletin.updated_at = now
        try:
            with transaction.atomic():
                bulletin.save(
                    update_fields=["number", "status", "published_by", "published_at", "updated_at"]
                )
        except IntegrityError:  # the office typed this number on another bulletin
            raise BulletinInputError(_("文号 %(n)s 已被使用") % {"n": bulletin.number}) from None
    return bulletin


def bulletin_withdraw(
    *, bulletin_id: int, actor: User, reason: str = "", now: dt.datetime | None = None
) -> Bulletin:
    """Take a published bulletin off the portal; it stays in the archive with the reason."""
    now = now or timezone.now()
    with transaction.atomic():
        bulletin = _locked(bulletin_id, actor)
        if bulletin.status != BulletinStatus.PUBLISHED:
            raise BulletinInputError(_("只有已发布的通报可以撤回"))
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
