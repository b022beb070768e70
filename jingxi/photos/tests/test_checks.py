"""Photo checks on real generated photos: content, hash, EXIF, warnings, duplicates."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jingxi.org.models import User
from jingxi.photos.checks import (
    Photo,
    PhotoError,
    Thresholds,
    photo_check,
    photo_read,
    photo_warnings,
)
from jingxi.photos.selectors import photo_duplicates
from jingxi.photos.tests.images import photo_bytes

TZ = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
LNG, LAT = 113.955, 34.7102
LIMITS = Thresholds(far_m=200, old=dt.timedelta(hours=24), future_slack=dt.timedelta(minutes=5))


def checked(**kwargs: Any) -> Photo:
    return photo_check(data=photo_bytes(**kwargs), tz=TZ)


def codes(photo: Photo, **kwargs: Any) -> list[str]:
    expected: dict[str, Any] = {"lng": LNG, "lat": LAT, "at": NOON, "tz": TZ, "thresholds": LIMITS}
    return [w["code"] for w in photo_warnings(photo=photo, **(expected | kwargs))]


# --- what the bytes are ----------------------------------------------------------------


def test_jpeg_gives_its_hash_size_type_time_and_position() -> None:
    data = photo_bytes(lng=LNG, lat=LAT, taken=NOON - dt.timedelta(minutes=10), size=(800, 600))
    photo = photo_check(data=data, tz=TZ)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert (photo.content_type, photo.extension) == ("image/jpeg", ".jpg")
    assert (photo.width, photo.height) == (800, 600)
    assert photo.taken_at == NOON - dt.timedelta(minutes=10)
    assert photo.lng == pytest.approx(LNG, abs=1e-6)
    assert photo.lat == pytest.approx(LAT, abs=1e-6)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (320, 240)


def test_exif_offset_wins_over_the_callers_zone() -> None:
    # Written as 12:00 in Shanghai, declared +09:00: that is 11:00 in Shanghai.
    photo = checked(taken=NOON, offset="+09:00")
    assert photo.taken_at == NOON - dt.timedelta(hours=1)


def test_south_and_west_give_negative_degrees() -> None:
    photo = checked(lng=-70.6483, lat=-33.4569)
    assert photo.lng == pytest.approx(-70.6483)
    assert photo.lat == pytest.approx(-33.4569)


def test_photo_without_exif_has_no_time_or_place() -> None:
    photo = checked()
    assert (photo.taken_at, photo.lng, photo.lat) == (None, None, None)


def test_png_and_heic_are_photos() -> None:
    png = checked(fmt="PNG", mode="RGBA", color=(0, 128, 0, 100))
    heic = checked(fmt="HEIF")
    assert png.content_type == "image/png"
    assert heic.content_type == "image/heic"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("这不是照片，只是文字".encode() * 20, "文本文件"),
        (b"%PDF-1.7\n" + b"0" * 200, "PDF"),
        (photo_bytes(fmt="GIF"), "GIF"),
        (photo_bytes()[:2000], "不完整或已损坏"),
    ],
    ids=["text", "pdf", "gif", "truncated-jpeg"],
)
def test_what_is_not_a_photo_is_refused_saying_what_it_is(data: bytes, message: str) -> None:
    with pytest.raises(PhotoError, match=message):
        photo_check(data=data, tz=TZ)


# --- reading within the size limit ----------------------------------------------------------


def test_read_returns_the_bytes_of_a_file_or_of_bytes() -> None:
    data = photo_bytes()
    assert photo_read(data, limit=len(data)) == data
    assert photo_read(SimpleUploadedFile("a.jpg", data), limit=len(data)) == data


def test_read_refuses_too_large_and_empty(settings: Any) -> None:
    data = photo_bytes()
    with pytest.raises(PhotoError, match="照片过大"):
        photo_read(data, limit=len(data) - 1)
    with pytest.raises(PhotoError, match="照片过大：收到"):
        photo_read(SimpleUploadedFile("a.jpg", data), limit=100)
    settings.JINGXI_MAX_PHOTO_BYTES = 100
    with pytest.raises(PhotoError, match="100 B"):
        photo_read(data)
    with pytest.raises(PhotoError, match="空"):
        photo_read(b"", limit=100)


# --- distance and age warnings ----------------------------------------------------------


def test_far_from_the_expected_place_is_flagged_near_is_not() -> None:
    far = photo_warnings(
        photo=checked(lng=LNG + 0.01, lat=LAT), lng=LNG, lat=LAT, at=NOON, tz=TZ, thresholds=LIMITS
    )
    assert [w["code"] for w in far] == ["gps_far"]
    assert 850 < far[0]["distance_m"] < 950  # 0.01° of longitude at 34.7°N
    assert codes(checked(lng=LNG + 0.0015, lat=LAT)) == []  # about 137 m


def test_without_an_expected_place_distance_is_not_judged() -> None:
    assert codes(checked(lng=LNG + 1, lat=LAT), lng=None, lat=None) == []


def test_old_photo_is_flagged_with_its_age_and_local_time() -> None:
    photo = checked(taken=NOON - dt.timedelta(days=3))
    found = photo_warnings(photo=photo, lng=None, lat=None, at=NOON, tz=TZ, thresholds=LIMITS)
    assert found == [{"code": "taken_old", "hours": 72, "taken_at": "2026-11-20 12:00"}]
    assert codes(checked(taken=NOON - dt.timedelta(hours=23))) == []


def test_photo_after_the_expected_time_is_flagged_beyond_the_clock_slack() -> None:
    assert codes(checked(taken=NOON + dt.timedelta(minutes=4))) == []
    assert codes(checked(taken=NOON + dt.timedelta(minutes=6))) == ["taken_future"]


def test_thresholds_come_from_settings(settings: Any) -> None:
    photo = checked(lng=LNG + 0.0015, lat=LAT, taken=NOON - dt.timedelta(hours=3))
    assert codes(photo, thresholds=None) == []
    settings.JINGXI_PHOTO_FAR_M = 100
    settings.JINGXI_PHOTO_OLD_HOURS = 2
    assert codes(photo, thresholds=None) == ["gps_far", "taken_old"]
    settings.JINGXI_PHOTO_FUTURE_SLACK_MINUTES = 60
    assert codes(checked(taken=NOON + dt.timedelta(minutes=30)), thresholds=None) == []


# --- duplicates within the caller's scope ----------------------------------------------------


@pytest.mark.django_db
def test_duplicates_are_found_only_within_the_given_scope() -> None:
    # Any table with a hash column will do: here users' first names stand for hashes.
    digest = hashlib.sha256(b"photo").hexdigest()
    for name, active in [("b-user", True), ("a-user", True), ("c-user", False), ("d-user", True)]:
        User.objects.create(
            username=name, first_name=digest if name != "d-user" else "", is_active=active
        )
    scope = User.objects.filter(is_active=True)
    found = photo_duplicates(sha256=digest, scope=scope, label="username", hash_field="first_name")
    assert found == ["a-user", "b-user"]
    assert photo_duplicates(
        sha256=digest, scope=scope, label="username", hash_field="first_name", limit=1
    ) == ["a-user"]
    assert (
        photo_duplicates(sha256="0" * 64, scope=scope, label="username", hash_field="first_name")
        == []
    )
