"""Evidence photos: checked by content, fingerprinted, and read for where and when.

`attachment_add` (one photo) and `attachments_add` (several: all or none) are the only
door; `case_transition_with_photos` takes an action and stores its photos on the event
it wrote, in one transaction. Each photo is read up to `JINGXI_MAX_PHOTO_BYTES`, Pillow
says what the bytes are (the file name and the browser's content type are never
trusted), and the sha256, the EXIF time and GPS position are recorded, with flags for
what looks wrong for a photo of this case (anti-fraud): taken far from the case, taken
long before the upload or after it, or the same photo already used on another case.
Nothing is written until every check of every photo has passed; the original is stored
byte for byte, named by its sha256, next to a JPEG thumbnail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from jingxi.cases import workflow
from jingxi.cases.choices import Action, Status
from jingxi.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from jingxi.cases.queues import PHOTO_KIND
from jingxi.cases.selectors import WARNING_TEXT
from jingxi.cases.services import case_transition
from jingxi.lib.geo import haversine_m
from jingxi.lib.limits import size_text as size_text  # re-exported: its callers read it here
from jingxi.org.models import Unit, User
from jingxi.org.roles import Perm, roles_for

register_heif_opener()

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
MAX_PIXELS: Final = 60_000_000  # well above any phone camera; refuses decompression bombs
THUMBNAIL_PX: Final = 320
GPS_FAR_M: Final = 200.0
TAKEN_OLD: Final = dt.timedelta(hours=24)
# Phones' clocks drift; a photo "taken" a few minutes after the upload is not suspicious.
TAKEN_FUTURE_SLACK: Final = dt.timedelta(minutes=5)
# How long after closing a case its closer may still add photos to the closing step.
CLOSING_PHOTO_WINDOW: Final = dt.timedelta(hours=1)

# Pillow format -> (content type, file extension) of the photos we accept.
ACCEPTED: Final[dict[str, tuple[str, str]]] = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "HEIF": ("image/heic", ".heic"),
}

# Magic numbers of common non-photo uploads, to say what was received.
SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"%PDF", "PDF 文档"),
    (b"PK\x03\x04", "ZIP 压缩包（或 Office 文档）"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "GZIP 压缩包"),
    (b"MZ", "Windows 程序"),
    (b"\x7fELF", "可执行程序"),
)

EXIF_DATETIME_ORIGINAL: Final = 0x9003
EXIF_OFFSET_TIME_ORIGINAL: Final = 0x9011
EXIF_DATETIME: Final = 0x0132
GPS_LAT_REF, GPS_LAT, GPS_LNG_REF, GPS_LNG = 1, 2, 3, 4


class EvidenceError(ValueError):
    """A photo that cannot be accepted; the message says what was received and why."""


@dataclass(frozen=True)
class Photo:
    """What the checks learned about an accepted photo, before anything is stored."""

    data: bytes
    sha256: str
    content_type: str
    extension: str
    width: int
    height: int
    taken_at: dt.datetime | None
    lng: float | None
    lat: float | None
    thumbnail: bytes


def max_photo_bytes() -> int:
    return int(getattr(settings, "JINGXI_MAX_PHOTO_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(*, limit: int) -> str:
    return _("照片过大：每张不能超过 %(limit)s") % {"limit": size_text(limit)}


# --- reading and checking -------------------------------------------------------------


def _read_limited(file: File[Any] | bytes, *, limit: int) -> bytes:
    """The content, refusing anything over `limit` without reading much past it."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        declared = getattr(file, "size", None)
        if isinstance(declared, int) and declared > limit:
            raise EvidenceError(
                _("照片过大：收到 %(size)s，每张不能超过 %(limit)s")
                % {"size": size_text(declared), "limit": size_text(limit)}
            )
        file.seek(0)
        chunks: list[bytes] = []
        total = 0
        for chunk in file.chunks():
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                break
        data = b"".join(chunks)
    if len(data) > limit:
        raise EvidenceError(too_large_message(limit=limit))
    if not data:
        raise EvidenceError(_("收到的文件是空的"))
    return data


def _describe_unknown(data: bytes) -> str:
    """A short description of bytes that are not an image Pillow knows."""
    for magic, label in SIGNATURES:
        if data.startswith(magic):
            return _(label)
    head = data[:512]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 512th byte is still text.
        text = head[: exc.start].decode("utf-8") if exc.start >= len(head) - 3 else ""
    if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        if text.lstrip().lower().startswith(("<!doctype html", "<html")):
            return _("HTML 网页")
        return _("文本文件")
    return _("无法识别的二进制内容（开头字节 %(hex)s）") % {"hex": data[:8].hex(" ")}


def _exif_taken_at(exif: Image.Exif, *, tz: ZoneInfo) -> dt.datetime | None:
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    raw = ifd.get(EXIF_DATETIME_ORIGINAL) or exif.get(EXIF_DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        naive = dt.datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 EXIF has no zone; set below
    except ValueError:
        return None
    offset = ifd.get(EXIF_OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str):
        try:
            aware = dt.datetime.strptime(
                f"{naive:%Y-%m-%d %H:%M:%S} {offset.strip()}", "%Y-%m-%d %H:%M:%S %z"
            )
        except ValueError:
            pass
        else:
            return aware
    return naive.replace(tzinfo=tz)


def _dms_to_degrees(value: Any, ref: Any) -> float | None:
    """EXIF degrees/minutes/seconds (rationals or (num, den) pairs) to signed degrees."""
    try:
        parts = [_rational(v) for v in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3:
        return None
    degrees = (
        parts[0]
        + (parts[1] / 60 if len(parts) > 1 else 0)
        + (parts[2] / 3600 if len(parts) > 2 else 0)
    )
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip().upper() in ("S", "W"):
        degrees = -degrees
    return degrees


def _rational(value: Any) -> float:
    if isinstance(value, tuple):
        numerator, denominator = value
        return float(numerator) / float(denominator)
    return float(value)


def _exif_position(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if GPS_LAT not in gps or GPS_LNG not in gps:
        return None, None
    lat = _dms_to_degrees(gps[GPS_LAT], gps.get(GPS_LAT_REF))
    lng = _dms_to_degrees(gps[GPS_LNG], gps.get(GPS_LNG_REF))
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    if lat == 0 and lng == 0:  # cameras write 0,0 when they had no fix
        return None, None
    return lng, lat


def _thumbnail(image: Image.Image) -> bytes:
    thumb = ImageOps.exif_transpose(image)
    if thumb.mode not in ("RGB", "L"):
        rgba = thumb.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        thumb = background
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    out = io.BytesIO()
    thumb.convert("RGB").save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def photo_check(*, data: bytes, tz: ZoneInfo) -> Photo:
    """Identify, fully decode and read a photo; raise EvidenceError on anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise EvidenceError(
            _("不支持的文件：收到的是%(what)s，只接受 JPEG、PNG 或 HEIC 照片")
            % {"what": _describe_unknown(data)}
        ) from None
    except OSError as exc:
        raise EvidenceError(_("照片无法读取：%(error)s") % {"error": exc}) from None
    with image:
        fmt = image.format or ""
        if fmt not in ACCEPTED:
            raise EvidenceError(
                _("不支持的文件：收到的是 %(format)s 图片，只接受 JPEG、PNG 或 HEIC 照片")
                % {"format": fmt or _("未知格式")}
            )
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise EvidenceError(
                _("照片像素过大：%(w)d×%(h)d，不能超过%(mp)d百万像素")
                % {"w": width, "h": height, "mp": MAX_PIXELS // 1_000_000}
            )
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise EvidenceError(
                _("照片文件不完整或已损坏，无法解码（%(error)s）") % {"error": exc}
            ) from None
        exif = image.getexif()
        taken_at = _exif_taken_at(exif, tz=tz)
        lng, lat = _exif_position(exif)
        thumbnail = _thumbnail(image)
    content_type, extension = ACCEPTED[fmt]
    return Photo(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        taken_at=taken_at,
        lng=lng,
        lat=lat,
        thumbnail=thumbnail,
    )


# --- warnings -----------------------------------------------------------------------


def _warning(code: str, **figures: Any) -> dict[str, Any]:
    # The Chinese sentence of the moment, kept beside the figures for readers that
    # do not render codes (exports, the admin).
    return {"code": code, **figures, "message": WARNING_TEXT[code] % figures}


def photo_warnings(
    *, photo: Photo, case: Case, now: dt.datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """What looks wrong about this photo for this case (shown, never blocking)."""
    found: list[dict[str, Any]] = []
    if photo.lng is not None and photo.lat is not None:
        distance = haversine_m(photo.lng, photo.lat, case.lng, case.lat)
        if distance > GPS_FAR_M:
            found.append(_warning("gps_far", distance_m=round(distance)))
    if photo.taken_at is not None:
        local = timezone.localtime(photo.taken_at, tz).strftime("%Y-%m-%d %H:%M")
        if photo.taken_at < now - TAKEN_OLD:
            hours = int((now - photo.taken_at).total_seconds() // 3600)
            found.append(_warning("taken_old", hours=hours, taken_at=local))
        elif photo.taken_at > now + TAKEN_FUTURE_SLACK:
            found.append(_warning("taken_future", taken_at=local))
    others = (
        Attachment.objects.filter(sha256=photo.sha256, case__jurisdiction_id=case.jurisdiction_id)
        .exclude(case=case)
        .values_list("case__number", flat=True)
        .distinct()
        .order_by("case__number")
    )
    for number in others[:5]:
        found.append(_warning("duplicate", case_number=number))
    return found


# --- permission and storage ---------------------------------------------------------


def attachment_can_add(*, case: Case, actor: User) -> bool:
    """Dispatchers and inspectors of the jurisdiction, the case unit's staff, the reporter."""
    if case.reporter_id is not None and case.reporter_id == actor.pk:
        return True
    roles = roles_for(user=actor, jurisdiction_id=case.jurisdiction_id)
    return roles.may(Perm.EVIDENCE_ADD) or (
        case.unit_id is not None and case.unit_id in roles.unit_ids()
    )


def _store(name: str, data: bytes) -> tuple[str, bool]:
    """Save under `name` unless that content is already there; (name, newly written)."""
    if default_storage.exists(name):
        return name, False
    return default_storage.save(name, ContentFile(data)), True


def attachment_add(
    *,
    case: Case,
    file: File[Any] | bytes,
    kind: str,
    actor: User,
    name: str = "",
    event: CaseEvent | None = None,
    now: dt.datetime | None = None,
) -> Attachment:
    """Check, fingerprint and store one evidence photo of the case.

    `file` is an uploaded file or the raw bytes (`name` is then only for messages; it
    is never used to decide the type or to name the stored file). Raises
    PermissionDenied or EvidenceError; nothing is stored on error.
    """
    del name  # never trusted: the type comes from the content, the stored name from sha256
    return attachments_add(case=case, files=[file], kind=kind, actor=actor, event=event, now=now)[0]


def attachments_add(
    *,
    case: Case,
    files: Sequence[File[Any] | bytes],
    kind: str,
    actor: User,
    event: CaseEvent | None = None,
    now: dt.datetime | None = None,
) -> list[Attachment]:
    """Check every photo, then store them all: one bad photo stores none of them.

    A closed case takes no more photos, except those of the event that closed it, added
    by the one who closed it within `CLOSING_PHOTO_WINDOW` (see `_closing_event`).
    Raises PermissionDenied or EvidenceError, like `attachment_add`.
    """
    now = now or timezone.now()
    if not attachment_can_add(case=case, actor=actor):
        raise PermissionDenied(_("只有派遣员、督导员、责任单位人员或上报人可以为该案卷上传照片"))
    if kind not in AttachmentKind.values:
        raise EvidenceError(_("未知的照片类型：%(kind)s") % {"kind": kind})
    if event is not None and event.case_id != case.pk:
        raise EvidenceError(_("该环节不属于这个案卷"))
    if case.status in workflow.ENDED_WITHOUT_CASE or (
        case.status in workflow.CLOSED
        and not _closing_event(case=case, event=event, actor=actor, now=now)
    ):
        raise EvidenceError(_("案卷已办结，不能再添加照片"))
    tz = ZoneInfo(case.jurisdiction.time_zone)
    photos: list[Photo] = []
    for file in files:
        photo = photo_check(data=_read_limited(file, limit=max_photo_bytes()), tz=tz)
        if any(p.sha256 == photo.sha256 for p in photos) or (
            Attachment.objects.filter(case=case, sha256=photo.sha256).exists()
        ):
            raise EvidenceError(_("这张照片已经上传到本案卷，不能重复上传"))
        photos.append(photo)
    with transaction.atomic():
        return [
            attachment_store(
                case=case, photo=photo, kind=kind, uploaded_by=actor, event=event, now=now
            )
            for photo in photos
        ]


def _closing_event(*, case: Case, event: CaseEvent | None, actor: User, now: dt.datetime) -> bool:
    """Whether `event` is the step that closed the case, by `actor`, a moment ago.

    It must close (to closed from another status), be the case's latest event and be
    recent: so the after-photos of a verification or a self-handling land on the step
    that closed the case, in the same transaction (the case page) or just after it (the
    REST API's separate upload), and a closed case's evidence stays fixed after that.
    """
    return (
        event is not None
        and event.to_status == Status.CLOSED
        and event.from_status != Status.CLOSED
        and event.actor_id == actor.pk
        and now - event.at <= CLOSING_PHOTO_WINDOW
        and not CaseEvent.objects.filter(case_id=case.pk, pk__gt=event.pk).exists()
    )


def case_transition_with_photos(
    *,
    case_id: int,
    action: Action,
    actor: User,
    photos: Sequence[File[Any] | bytes],
    note: str = "",
    unit: Unit | None = None,
    merge_into: Case | None = None,
    extension_hours: Decimal | int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Take one action and attach its photos to the event it wrote, in one transaction.

    Photos of an action that closes the case (verify pass, self-handle) land on the
    closing event too. A photo that is refused rolls the action back: nothing changes.
    """
    with transaction.atomic():
        case = case_transition(
            case_id=case_id,
            action=action,
            actor=actor,
            note=note,
            unit=unit,
            merge_into=merge_into,
            extension_hours=extension_hours,
            now=now,
        )
        if photos:
            # case_transition holds the case's row lock until this transaction ends, so
            # its event is still the latest.
            event = case.events.order_by("-id").first()
            attachments_add(
                case=case,
                files=photos,
                kind=PHOTO_KIND.get(action, AttachmentKind.OTHER),
                actor=actor,
                event=event,
                now=now,
            )
    return case


def attachment_store(
    *,
    case: Case,
    photo: Photo,
    kind: str,
    uploaded_by: User | None,
    event: CaseEvent | None = None,
    now: dt.datetime | None = None,
) -> Attachment:
    """Store an already checked photo (`photo_check`) of the case: the one write path.

    Callers check who may add: `attachment_add` for staff, the public site for a
    citizen's own new report (`uploaded_by` is then None). Files are named by sha256;
    the anti-fraud warnings are computed here. Newly written files are removed again
    if the row cannot be saved.
    """
    now = now or timezone.now()
    found = photo_warnings(
        photo=photo, case=case, now=now, tz=ZoneInfo(case.jurisdiction.time_zone)
    )
    shard = photo.sha256[:2]
    written: list[str] = []
    try:
        original, new = _store(f"cases/photos/{shard}/{photo.sha256}{photo.extension}", photo.data)
        if new:
            written.append(original)
        thumb, new = _store(f"cases/thumbs/{shard}/{photo.sha256}.jpg", photo.thumbnail)
        if new:
            written.append(thumb)
        with transaction.atomic():
            attachment = Attachment(
                case=case,
                event=event,
                kind=kind,
                sha256=photo.sha256,
                content_type=photo.content_type,
                size=len(photo.data),
                width=photo.width,
                height=photo.height,
                taken_at=photo.taken_at,
                exif_lng=photo.lng,
                exif_lat=photo.lat,
                warnings=found,
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            attachment.file.name = original
            attachment.thumbnail.name = thumb
            attachment.save()
    except BaseException:
        for stored in written:
            default_storage.delete(stored)
        raise
    return attachment
