"""Photo checks that any app uses: what the bytes are, their hash, EXIF time and place.

No model and no app above this one: a photo (an uploaded file or its bytes) goes in,
and what was learned comes out. `photo_read` reads at most `JINGXI_MAX_PHOTO_BYTES`,
`photo_check` lets Pillow say what the bytes are (a file name or a browser's content
type is never trusted), decodes the whole image, hashes it and reads the EXIF time and
GPS position; `photo_warnings` compares those with where and when the caller expected
the photo to be taken (distance and age thresholds are settings). Duplicates are found
by hash within a scope the caller gives (`jingxi.photos.selectors.photo_duplicates`).
The caller decides what a warning means for its records (a case, a patrol, a spot
check) and stores it; warnings are shown, never blocking.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from jingxi.lib.geo import haversine_m
from jingxi.lib.limits import size_text as size_text  # re-exported: photo refusals name sizes

register_heif_opener()

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
MAX_PIXELS: Final = 60_000_000  # well above any phone camera; refuses decompression bombs
THUMBNAIL_PX: Final = 320
# Defaults of the warning thresholds (settings JINGXI_PHOTO_FAR_M, JINGXI_PHOTO_OLD_HOURS,
# JINGXI_PHOTO_FUTURE_SLACK_MINUTES).
DEFAULT_FAR_M: Final = 200
DEFAULT_OLD_HOURS: Final = 24
# Phones' clocks drift; a photo "taken" a few minutes after the upload is not suspicious.
DEFAULT_FUTURE_SLACK_MINUTES: Final = 5

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


class PhotoError(ValueError):
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


@dataclass(frozen=True)
class Thresholds:
    """When a photo's place or time is worth a warning."""

    far_m: float
    old: dt.timedelta
    future_slack: dt.timedelta

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            far_m=float(getattr(settings, "JINGXI_PHOTO_FAR_M", DEFAULT_FAR_M)),
            old=dt.timedelta(hours=getattr(settings, "JINGXI_PHOTO_OLD_HOURS", DEFAULT_OLD_HOURS)),
            future_slack=dt.timedelta(
                minutes=getattr(
                    settings, "JINGXI_PHOTO_FUTURE_SLACK_MINUTES", DEFAULT_FUTURE_SLACK_MINUTES
                )
            ),
        )


def max_photo_bytes() -> int:
    return int(getattr(settings, "JINGXI_MAX_PHOTO_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(*, limit: int) -> str:
    return _("照片过大：每张不能超过 %(limit)s") % {"limit": size_text(limit)}


# --- reading and checking -------------------------------------------------------------


def photo_read(file: File[Any] | bytes, *, limit: int | None = None) -> bytes:
    """The content, refusing anything over `limit` without reading much past it.

    `limit` defaults to `JINGXI_MAX_PHOTO_BYTES`. Raises PhotoError (too large, empty).
    """
    limit = max_photo_bytes() if limit is None else limit
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        declared = getattr(file, "size", None)
        if isinstance(declared, int) and declared > limit:
            raise PhotoError(
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
        raise PhotoError(too_large_message(limit=limit))
    if not data:
        raise PhotoError(_("收到的文件是空的"))
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
        # EXIF times have no zone; the zone is attached just below.
        naive = dt.datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 zone set below
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


def _rational(value: Any) -> float:
    if isinstance(value, tuple):
        numerator, denominator = value
        return float(numerator) / float(denominator)
    return float(value)


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
    """Identify, fully decode and read a photo; raise PhotoError on anything else.

    `tz` is the zone of an EXIF time that names none (the place's jurisdiction's).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoError(
            _("不支持的文件：收到的是%(what)s，只接受 JPEG、PNG 或 HEIC 照片")
            % {"what": _describe_unknown(data)}
        ) from None
    except OSError as exc:
        raise PhotoError(_("照片无法读取：%(error)s") % {"error": exc}) from None
    with image:
        fmt = image.format or ""
        if fmt not in ACCEPTED:
            raise PhotoError(
                _("不支持的文件：收到的是 %(format)s 图片，只接受 JPEG、PNG 或 HEIC 照片")
                % {"format": fmt or _("未知格式")}
            )
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise PhotoError(
                _("照片像素过大：%(w)d×%(h)d，不能超过%(mp)d百万像素")
                % {"w": width, "h": height, "mp": MAX_PIXELS // 1_000_000}
            )
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise PhotoError(
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


def photo_warnings(
    *,
    photo: Photo,
    lng: float | None,
    lat: float | None,
    at: dt.datetime,
    tz: ZoneInfo,
    thresholds: Thresholds | None = None,
) -> list[dict[str, Any]]:
    """What looks wrong about a photo expected at (`lng`, `lat`) around time `at`.

    Each warning is a code and its figures: "gps_far" (distance_m), "taken_old"
    (hours, taken_at) or "taken_future" (taken_at), `taken_at` being local time in `tz`.
    No expected place (None) skips the distance; a photo without EXIF gets no warning.
    """
    limits = thresholds or Thresholds.from_settings()
    found: list[dict[str, Any]] = []
    if photo.lng is not None and photo.lat is not None and lng is not None and lat is not None:
        distance = haversine_m(photo.lng, photo.lat, lng, lat)
        if distance > limits.far_m:
            found.append({"code": "gps_far", "distance_m": round(distance)})
    if photo.taken_at is not None:
        local = timezone.localtime(photo.taken_at, tz).strftime("%Y-%m-%d %H:%M")
        if photo.taken_at < at - limits.old:
            hours = int((at - photo.taken_at).total_seconds() // 3600)
            found.append({"code": "taken_old", "hours": hours, "taken_at": local})
        elif photo.taken_at > at + limits.future_slack:
            found.append({"code": "taken_future", "taken_at": local})
    return found
