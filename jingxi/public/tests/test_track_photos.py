"""The reporter's track page shows the case's before and after photos: only with the
tracking token, only that case's, only those two kinds, re-encoded without EXIF and with
no staff names."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.evidence import attachment_add
from jingxi.cases.models import Attachment, Case
from jingxi.cases.services import case_report, case_transition

ARTIST = 0x013B  # EXIF tag "Artist": the photographer's name travels inside the file
PHOTOGRAPHER = "Li Xiaoming, JXB-0042"


pytestmark = pytest.mark.usefixtures("public_site")


def jpeg(colour: tuple[int, int, int], *, artist: str = "") -> bytes:
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    if artist:
        exif[ARTIST] = artist
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def web_report(world: World, *, reporter_name: str = "", reporter_phone: str = "") -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="路边垃圾",
        source=Source.CITIZEN_WEB,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
    )


@dataclass
class Walked:
    case: Case
    before: Attachment
    after: Attachment
    verify: Attachment


def walk(world: World, cast: Cast, *, shade: int) -> Walked:
    """A citizen's web case with a before photo, the unit's after photo and the inspector's
    verification photo (kind other), closed."""
    case = web_report(world, reporter_name="王小明", reporter_phone="13812341234")
    before = attachment_add(
        case=case,
        file=jpeg((200, shade, 30), artist=PHOTOGRAPHER),
        kind="before",
        actor=cast.dispatcher,
    )
    for action, actor in (
        (Action.FILE, cast.dispatcher),
        (Action.DISPATCH, cast.dispatcher),
        (Action.ACCEPT, cast.handler_a),
    ):
        case = case_transition(case_id=case.pk, action=action, actor=actor)
    after = attachment_add(
        case=case,
        file=jpeg((30, 160, shade), artist=PHOTOGRAPHER),
        kind="after",
        actor=cast.handler_a,
    )
    case = case_transition(case_id=case.pk, action=Action.REPORT_BACK, actor=cast.handler_a)
    verify = attachment_add(
        case=case, file=jpeg((shade, 30, 160)), kind="other", actor=cast.inspector
    )
    case = case_transition(case_id=case.pk, action=Action.VERIFY_PASS, actor=cast.inspector)
    return Walked(case, before, after, verify)


def tracked(case: Case) -> Client:
    client = Client()
    url = reverse("public:track", args=[case.number])
    assert client.get(f"{url}?t={case.tracking_token}").status_code == 302
    return client


def photo_url(case: Case, attachment: Attachment) -> str:
    return reverse("public:track-photo", args=[case.number, attachment.pk])


@pytest.fixture
def two(world: World, cast: Cast) -> tuple[Walked, Walked]:
    return walk(world, cast, shade=10), walk(world, cast, shade=90)


def test_reporter_sees_before_and_after_thumbnails(two: tuple[Walked, Walked], cast: Cast) -> None:
    a, b = two
    body = tracked(a.case).get(reverse("public:track", args=[a.case.number])).content.decode()
    assert 'id="photos"' in body
    assert f'href="{photo_url(a.case, a.before)}"' in body
    assert f'src="{photo_url(a.case, a.after)}?size=small"' in body
    assert body.index('data-photos="before"') < body.index('data-photos="after"')
    assert photo_url(a.case, a.verify) not in body  # verification photos stay internal
    assert f"/{b.before.pk}.jpg" not in body and f"/{b.after.pk}.jpg" not in body
    for name in (cast.dispatcher.full_name, cast.handler_a.full_name, cast.inspector.full_name):
        assert name not in body


def test_photos_are_reencoded_without_exif(two: tuple[Walked, Walked]) -> None:
    a, _b = two
    client = tracked(a.case)
    for attachment in (a.before, a.after):
        response = client.get(photo_url(a.case, attachment))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"].startswith("private")
        image = Image.open(io.BytesIO(response.content))
        assert not image.getexif()
        assert PHOTOGRAPHER.encode() not in response.content
    small = client.get(photo_url(a.case, a.before) + "?size=small")
    assert small.status_code == 200
    stored = Path(a.before.file.path).read_bytes()
    assert PHOTOGRAPHER.encode() in stored  # the evidence itself is untouched


def test_another_cases_photo_is_404_even_with_a_token(two: tuple[Walked, Walked]) -> None:
    a, b = two
    client = tracked(a.case)
    # a's number with b's attachment id: not a's photo
    assert client.get(photo_url(a.case, b.before)).status_code == 404
    assert client.get(photo_url(a.case, b.after)).status_code == 404
    # b's number with a's token only: the browser holds no token for b
    assert client.get(photo_url(b.case, b.before)).status_code == 404
    assert tracked(b.case).get(photo_url(b.case, b.before)).status_code == 200


def test_staff_only_kind_is_404(two: tuple[Walked, Walked]) -> None:
    a, _b = two
    assert tracked(a.case).get(photo_url(a.case, a.verify)).status_code == 404


def test_without_the_token_there_are_no_photos(client: Client, two: tuple[Walked, Walked]) -> None:
    a, _b = two
    body = client.get(reverse("public:track", args=[a.case.number])).content.decode()
    assert 'id="photos"' not in body
    assert client.get(photo_url(a.case, a.before)).status_code == 404
    wrong = reverse("public:track", args=[a.case.number]) + "?t=not-the-token"
    client.get(wrong)
    assert client.get(photo_url(a.case, a.before)).status_code == 404


def test_case_without_public_photos_shows_no_section(world: World, cast: Cast) -> None:
    case = web_report(world)
    body = tracked(case).get(reverse("public:track", args=[case.number])).content.decode()
    assert 'id="photos"' not in body
