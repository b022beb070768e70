"""Real photos for tests: JPEG, PNG or HEIC made with Pillow, with the EXIF a phone writes."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_OFFSET_TIME_ORIGINAL = 0x9011
SHANGHAI = ZoneInfo("Asia/Shanghai")


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Unsigned degrees as EXIF's degrees, minutes and seconds."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return IFDRational(degrees), IFDRational(minutes), IFDRational(round(seconds * 10000), 10000)


def photo_bytes(
    *,
    fmt: str = "JPEG",
    size: tuple[int, int] = (640, 480),
    lng: float | None = None,
    lat: float | None = None,
    taken: dt.datetime | None = None,
    tz: ZoneInfo = SHANGHAI,
    offset: str | None = None,
    color: tuple[int, ...] = (180, 120, 60),
    mode: str = "RGB",
) -> bytes:
    """An image whose EXIF says where (`lng`, `lat`) and when (`taken`, written in `tz`
    local time, with `offset` as OffsetTimeOriginal when given) it was taken."""
    image = Image.new(mode, size, color)
    exif = Image.Exif()
    if lng is not None and lat is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = dms(lat)
        gps[3] = "E" if lng >= 0 else "W"
        gps[4] = dms(lng)
    if taken is not None:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[EXIF_DATETIME_ORIGINAL] = taken.astimezone(tz).strftime("%Y:%m:%d %H:%M:%S")
        if offset is not None:
            ifd[EXIF_OFFSET_TIME_ORIGINAL] = offset
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()
