"""Evidence photos: real images made with Pillow, checked by content, read for EXIF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pillow_heif import register_heif_opener

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.evidence import EvidenceError, attachment_add
from jingxi.cases.models import Attachment, Case
from jingxi.cases.selectors import attachment_warnings_for_case
from jingxi.cases.services import case_report, case_transition
from jingxi.photos.checks import photo_check
from jingxi.photos.tests.images import photo_bytes

register_heif_opener()

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
CASE_LNG, CASE_LAT = 113.955, 34.7102


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def photo(
    *,
    fmt: str = "JPEG",
    size: tuple[int, int] = (1200, 900),
    lng: float | None = CASE_LNG,
    lat: float | None = CASE_LAT,
    taken: dt.datetime | None = MONDAY_9 - dt.timedelta(minutes=30),
    color: tuple[int, ...] = (180, 120, 60),
    mode: str = "RGB",
) -> bytes:
    """A photo of the case's place, taken just before MONDAY_9 unless told otherwise."""
    return photo_bytes(
        fmt=fmt, size=size, lng=lng, lat=lat, taken=taken, tz=TZ, color=color, mode=mode
    )


def dispatched_case(world: World, cast: Cast, **kwargs: Any) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=kwargs.get("lng", CASE_LNG),
        lat=kwargs.get("lat", CASE_LAT),
        description="青年路路边有一堆暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=MONDAY_9 - dt.timedelta(hours=1),
    )
    return case_transition(
        case_id=case.pk,
        action=Action.DISPATCH,
        actor=cast.dispatcher,
        unit=world.sanitation,
        now=MONDAY_9 - dt.timedelta(minutes=50),
    )


def add(case: Case, actor: Any, data: bytes, *, kind: str = "before", **kwargs: Any) -> Attachment:
    return attachment_add(case=case, file=data, kind=kind, actor=actor, now=MONDAY_9, **kwargs)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


# --- accepted photos -------------------------------------------------------------------


def test_jpeg_is_stored_by_sha256_with_thumbnail_and_exif(
    world: World, cast: Cast, media: Path
) -> None:
    case = dispatched_case(world, cast)
    data = photo()
    upload = SimpleUploadedFile("../../etc/现场.jpg", data, content_type="text/plain")
    attachment = attachment_add(
        case=case, file=upload, kind="before", actor=cast.inspector, now=MONDAY_9
    )

    digest = hashlib.sha256(data).hexdigest()
    assert attachment.sha256 == digest
    assert attachment.content_type == "image/jpeg"
    assert (attachment.size, attachment.width, attachment.height) == (len(data), 1200, 900)
    assert attachment.file.name == f"cases/photos/{digest[:2]}/{digest}.jpg"
    assert "现场" not in attachment.file.name
    with default_storage.open(attachment.file.name) as f:
        assert f.read() == data  # the original, byte for byte (EXIF kept)
    with default_storage.open(attachment.thumbnail.name) as f:
        thumb = Image.open(io.BytesIO(f.read()))
        assert thumb.format == "JPEG"
        assert max(thumb.size) == 320
    assert attachment.taken_at == MONDAY_9 - dt.timedelta(minutes=30)
    assert attachment.exif_lng == pytest.approx(CASE_LNG, abs=1e-6)
    assert attachment.exif_lat == pytest.approx(CASE_LAT, abs=1e-6)
    assert attachment.warnings == []
    assert attachment.uploaded_by == cast.inspector
    assert attachment_warnings_for_case(case=case) == []


def test_png_with_transparency_is_accepted(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    data = photo(fmt="PNG", mode="RGBA", color=(0, 128, 0, 100), size=(400, 200), taken=None)
    attachment = add(case, cast.handler_a, data, kind="after")
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")
    assert attachment.taken_at is None
    assert attachment.exif_lat == pytest.approx(CASE_LAT, abs=1e-6)
    with default_storage.open(attachment.thumbnail.name) as f:
        assert Image.open(io.BytesIO(f.read())).size == (320, 160)


def test_heic_is_accepted(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    image = Image.new("RGB", (640, 480), (10, 90, 200))
    out = io.BytesIO()
    image.save(out, format="HEIF")
    attachment = add(case, cast.inspector, out.getvalue())
    assert attachment.content_type == "image/heic"
    assert attachment.file.name.endswith(".heic")
    assert (attachment.width, attachment.height) == (640, 480)


def test_south_and_west_references_make_negative_degrees() -> None:
    checked = photo_check(data=photo(lng=-70.6483, lat=-33.4569), tz=TZ)
    assert checked.lng == pytest.approx(-70.6483, abs=1e-6)
    assert checked.lat == pytest.approx(-33.4569, abs=1e-6)


# --- anti-fraud warnings -----------------------------------------------------------------


def test_photo_taken_far_from_the_case_is_flagged(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    attachment = add(case, cast.inspector, photo(lng=CASE_LNG + 0.01))  # about 915 m east
    assert [w["code"] for w in attachment.warnings] == ["gps_far"]
    assert 850 < attachment.warnings[0]["distance_m"] < 950
    lines = attachment_warnings_for_case(case=case)
    assert len(lines) == 1
    assert "照片拍摄位置距案卷位置约" in lines[0]


def test_photo_within_200_m_is_not_flagged(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    attachment = add(case, cast.inspector, photo(lng=CASE_LNG + 0.0015))  # about 137 m
    assert attachment.warnings == []


def test_old_photo_is_flagged(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    attachment = add(case, cast.inspector, photo(taken=MONDAY_9 - dt.timedelta(days=3)))
    assert [w["code"] for w in attachment.warnings] == ["taken_old"]
    assert attachment.warnings[0]["hours"] == 72
    assert "72小时" in attachment_warnings_for_case(case=case)[0]


def test_photo_from_the_future_is_flagged(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    attachment = add(case, cast.inspector, photo(taken=MONDAY_9 + dt.timedelta(hours=2)))
    assert [w["code"] for w in attachment.warnings] == ["taken_future"]


def test_photo_reused_on_another_case_is_flagged(world: World, cast: Cast) -> None:
    first = dispatched_case(world, cast)
    second = dispatched_case(world, cast)
    data = photo()
    add(first, cast.inspector, data)
    attachment = add(second, cast.handler_a, data, kind="after")
    assert attachment.warnings == [
        {
            "code": "duplicate",
            "case_number": first.number,
            "message": f"同一照片已用于案卷{first.number}",
        }
    ]
    assert Attachment.objects.filter(sha256=attachment.sha256).count() == 2


def test_same_photo_twice_on_one_case_is_refused(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    data = photo()
    add(case, cast.inspector, data)
    with pytest.raises(EvidenceError, match="重复"):
        add(case, cast.handler_a, data, kind="after")


# --- refused input: 4xx-worthy messages, nothing stored -------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "这不是照片，只是文字".encode() * 20, "文本文件"),
        (lambda: b"%PDF-1.7\n" + b"0" * 200, "PDF"),
        (lambda: photo(fmt="GIF", lng=None, lat=None, taken=None), "GIF"),
        (lambda: photo()[:2000], "不完整或已损坏"),
        (lambda: b"", "空"),
    ],
    ids=["text-renamed-jpg", "pdf", "gif", "truncated-jpeg", "empty"],
)
def test_bad_file_is_refused_with_what_was_received_and_stores_nothing(
    world: World, cast: Cast, media: Path, make: Any, message: str
) -> None:
    case = dispatched_case(world, cast)
    upload = SimpleUploadedFile("photo.jpg", make(), content_type="image/jpeg")
    with pytest.raises(EvidenceError, match=message):
        attachment_add(case=case, file=upload, kind="before", actor=cast.inspector, now=MONDAY_9)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_oversized_file_is_refused(world: World, cast: Cast, settings: Any, media: Path) -> None:
    settings.JINGXI_MAX_PHOTO_BYTES = 50 * 1024
    case = dispatched_case(world, cast)
    big = photo(size=(3000, 3000), color=(1, 2, 3))
    noisy = Image.frombytes("RGB", (400, 400), random.Random(7).randbytes(400 * 400 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    for data in (out.getvalue(), big + b"\0" * 60_000):
        assert len(data) > 50 * 1024
        with pytest.raises(EvidenceError, match="过大"):
            add(case, cast.inspector, data)
        upload = SimpleUploadedFile("p.jpg", data, content_type="image/jpeg")
        with pytest.raises(EvidenceError, match="50 KB"):
            attachment_add(case=case, file=upload, kind="before", actor=cast.inspector)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_unknown_kind_is_refused(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    with pytest.raises(EvidenceError, match="类型"):
        add(case, cast.inspector, photo(), kind="selfie")


# --- who may add -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dispatcher", "inspector", "handler_a", "unit_head_a"])
def test_staff_of_the_case_may_add(world: World, cast: Cast, who: str) -> None:
    case = dispatched_case(world, cast)
    assert add(case, getattr(cast, who), photo()).pk


def test_reporter_may_add(world: World, cast: Cast) -> None:
    case = dispatched_case(world, cast)
    Case.objects.filter(pk=case.pk).update(reporter=cast.citizen)
    case.refresh_from_db()
    assert add(case, cast.citizen, photo()).uploaded_by == cast.citizen


@pytest.mark.parametrize("who", ["handler_b", "leader", "assessor", "citizen", "outsider"])
def test_others_may_not_add(world: World, cast: Cast, who: str, media: Path) -> None:
    case = dispatched_case(world, cast)
    with pytest.raises(PermissionDenied):
        add(case, getattr(cast, who), photo())
    assert stored_files(media) == []


# --- views ---------------------------------------------------------------------------------


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_upload_endpoint_stores_and_answers_json(world: World, cast: Cast, client: Client) -> None:
    case = dispatched_case(world, cast)
    login(client, cast.handler_a)
    url = reverse("cases:attachment-upload", args=[case.pk])
    upload = SimpleUploadedFile("x.jpg", photo(lng=CASE_LNG + 0.01), content_type="image/jpeg")
    response = client.post(
        url, {"file": upload, "kind": "after"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get()
    assert body["id"] == attachment.pk
    assert body["sha256"] == attachment.sha256
    assert body["warnings"] and "照片拍摄位置" in body["warnings"][0]


def test_upload_endpoint_refuses_text_file_with_400_and_message(
    world: World, cast: Cast, client: Client
) -> None:
    case = dispatched_case(world, cast)
    login(client, cast.inspector)
    upload = SimpleUploadedFile("x.jpg", b"hello, not a photo\n" * 10, content_type="image/jpeg")
    response = client.post(
        reverse("cases:attachment-upload", args=[case.pk]),
        {"file": upload, "kind": "before"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "文本文件" in response.json()["error"]
    assert not Attachment.objects.exists()


def test_upload_endpoint_refuses_oversized_file_with_400(
    world: World, cast: Cast, client: Client, settings: Any, media: Path
) -> None:
    settings.JINGXI_MAX_PHOTO_BYTES = 20_000
    case = dispatched_case(world, cast)
    login(client, cast.inspector)
    upload = SimpleUploadedFile("x.jpg", photo() + b"\0" * 30_000, content_type="image/jpeg")
    response = client.post(
        reverse("cases:attachment-upload", args=[case.pk]), {"file": upload, "kind": "before"}
    )
    assert response.status_code == 400
    assert "照片过大" in response.content.decode()
    assert stored_files(media) == []


def test_upload_endpoint_without_file_says_so(world: World, cast: Cast, client: Client) -> None:
    case = dispatched_case(world, cast)
    login(client, cast.inspector)
    response = client.post(
        reverse("cases:attachment-upload", args=[case.pk]),
        {"kind": "before"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "请选择" in json.loads(response.content)["error"]


def test_upload_endpoint_hides_case_from_other_unit(
    world: World, cast: Cast, client: Client
) -> None:
    case = dispatched_case(world, cast)
    login(client, cast.handler_b)
    upload = SimpleUploadedFile("x.jpg", photo(), content_type="image/jpeg")
    response = client.post(
        reverse("cases:attachment-upload", args=[case.pk]), {"file": upload, "kind": "before"}
    )
    assert response.status_code == 404


def test_upload_endpoint_refuses_leader_with_403(world: World, cast: Cast, client: Client) -> None:
    case = dispatched_case(world, cast)
    login(client, cast.leader)
    upload = SimpleUploadedFile("x.jpg", photo(), content_type="image/jpeg")
    response = client.post(
        reverse("cases:attachment-upload", args=[case.pk]), {"file": upload, "kind": "before"}
    )
    assert response.status_code == 403


def test_photo_and_thumbnail_are_served_to_permitted_staff_only(
    world: World, cast: Cast, client: Client
) -> None:
    case = dispatched_case(world, cast)
    data = photo()
    attachment = add(case, cast.inspector, data)
    file_url = reverse("cases:attachment-file", args=[attachment.pk])
    thumb_url = reverse("cases:attachment-thumbnail", args=[attachment.pk])

    login(client, cast.leader)
    response = client.get(file_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    response = client.get(thumb_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"

    for who in (cast.handler_b, cast.outsider, cast.citizen):
        login(client, who)
        assert client.get(file_url).status_code == 404
        assert client.get(thumb_url).status_code == 404
    client.logout()
    assert client.get(file_url).status_code == 302  # to the login page
