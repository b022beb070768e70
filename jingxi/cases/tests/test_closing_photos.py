"""Photos sent with an action that closes the case land on the closing event.

A closed case takes no more photos, except those of the step that closed it, by the one
who took it, shortly after (`evidence.CLOSING_PHOTO_WINDOW`). The case page stores an
action and its photos in one transaction: a refused photo leaves the case as it was.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.evidence import (
    CLOSING_PHOTO_WINDOW,
    EvidenceError,
    attachment_add,
    case_transition_with_photos,
)
from jingxi.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from jingxi.cases.services import case_report, case_transition
from jingxi.org.models import User

LNG, LAT = 113.955, 34.7102


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def jpeg(colour: tuple[int, int, int], name: str = "p.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def not_a_photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("after.jpg", b"just some text, not a photo\n" * 4, "image/jpeg")


def reported(world: World, cast: Cast) -> Case:
    """An inspector's patrol report, not yet filed: it may be self-handled."""
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="青年路路边有一袋垃圾，顺手清理",
        source=Source.INSPECTOR,
        actor=cast.inspector,
    )


def handled(world: World, cast: Cast) -> Case:
    """A case the unit reported back: the inspector verifies it next."""
    case = reported(world, cast)
    steps: list[tuple[Action, User, dict[str, Any]]] = [
        (Action.FILE, cast.dispatcher, {}),
        (Action.DISPATCH, cast.dispatcher, {"unit": world.sanitation}),
        (Action.ACCEPT, cast.handler_a, {}),
        (Action.REPORT_BACK, cast.handler_a, {}),
    ]
    for action, actor, kwargs in steps:
        case = case_transition(case_id=case.pk, action=action, actor=actor, **kwargs)
    return case


def act(user: User, case: Case, action: str, **data: Any) -> Any:
    return client_for(user).post(
        reverse("cases:case-act", args=[case.pk]), {"action": action, **data}, follow=True
    )


def closing_event(case: Case) -> CaseEvent:
    event = case.events.order_by("-id").first()
    assert event is not None
    assert event.to_status == Status.CLOSED and event.from_status != Status.CLOSED
    return event


# --- the case page ------------------------------------------------------------------------


def test_self_handle_photos_are_after_photos_of_the_closing_event(world: World, cast: Cast) -> None:
    case = reported(world, cast)
    response = act(cast.inspector, case, "self_handle", photos=[jpeg((10, 200, 10))])
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    event = closing_event(case)
    assert event.action == Action.SELF_HANDLE
    [photo] = case.attachments.all()
    assert (photo.event_id, photo.kind) == (event.pk, AttachmentKind.AFTER)
    assert photo.uploaded_by == cast.inspector

    html = response.content.decode()
    photos = html[html.index('id="case-photos"') : html.index('id="case-timeline"')]
    file_url = reverse("cases:attachment-file", args=[photo.pk])
    assert f'href="{file_url}" target="_blank" data-photo="after"' in photos
    timeline = html[html.index('id="case-timeline"') :]
    item = timeline[timeline.index('data-event="self_handle"') :]
    assert reverse("cases:attachment-thumbnail", args=[photo.pk]) in item[: item.index("</li>")]


def test_verify_pass_photos_land_on_the_closing_event(world: World, cast: Cast) -> None:
    case = handled(world, cast)
    response = act(cast.inspector, case, "verify_pass", photos=[jpeg((1, 2, 3)), jpeg((9, 9, 9))])
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    event = closing_event(case)
    assert event.action == Action.VERIFY_PASS
    photos = list(case.attachments.order_by("id"))
    assert len(photos) == 2
    assert {p.event_id for p in photos} == {event.pk}
    html = response.content.decode()
    item = html[html.index('data-event="verify_pass"') :]
    item = item[: item.index("</li>")]
    for photo in photos:
        assert reverse("cases:attachment-thumbnail", args=[photo.pk]) in item


def test_a_refused_photo_leaves_the_case_open_and_stores_nothing(
    world: World, cast: Cast, media: Path
) -> None:
    case = reported(world, cast)
    events = case.events.count()
    response = act(cast.inspector, case, "self_handle", photos=[jpeg((5, 6, 7)), not_a_photo()])
    assert "文本文件" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.REPORTED
    assert case.events.count() == events
    assert not Attachment.objects.exists()
    assert stored_files(media) == []  # the good photo was not written either

    verified = handled(world, cast)
    act(cast.inspector, verified, "verify_pass", photos=[not_a_photo()])
    assert Case.objects.get(pk=verified.pk).status == Status.HANDLED
    assert not Attachment.objects.exists() and stored_files(media) == []


# --- the rule in evidence.py --------------------------------------------------------------


def test_only_the_closer_may_add_to_the_closing_event_and_only_just_after(
    world: World, cast: Cast
) -> None:
    case = reported(world, cast)
    closed_at = timezone.now()
    case = case_transition_with_photos(
        case_id=case.pk, action=Action.SELF_HANDLE, actor=cast.inspector, photos=[], now=closed_at
    )
    event = closing_event(case)
    report = case.events.order_by("id").first()

    def add(actor: User, colour: tuple[int, int, int], **kwargs: Any) -> Attachment:
        kwargs.setdefault("event", event)
        kwargs.setdefault("now", closed_at + dt.timedelta(minutes=10))
        return attachment_add(case=case, file=jpeg(colour), kind="after", actor=actor, **kwargs)

    with pytest.raises(EvidenceError, match="已办结"):
        add(cast.inspector, (1, 1, 1), event=None)
    with pytest.raises(EvidenceError, match="已办结"):
        add(cast.inspector, (1, 1, 2), event=report)  # not the closing step
    with pytest.raises(EvidenceError, match="已办结"):
        add(cast.dispatcher, (1, 1, 3))  # not the one who closed it
    with pytest.raises(EvidenceError, match="已办结"):
        add(cast.inspector, (1, 1, 4), now=closed_at + CLOSING_PHOTO_WINDOW + dt.timedelta(1))
    assert add(cast.inspector, (1, 1, 5)).event == event  # the REST API's second request


# --- the REST API -------------------------------------------------------------------------


def test_api_action_with_photos_stores_them_on_its_event(world: World, cast: Cast) -> None:
    case = reported(world, cast)
    url = reverse("api-case-action", args=[case.pk, "self_handle"])
    client = client_for(cast.inspector)
    refused = client.post(url, {"note": "已清理", "photos": [not_a_photo()]})
    assert refused.status_code == 400 and "文本文件" in refused.json()["error"]
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED

    response = client.post(url, {"note": "已清理", "photos": [jpeg((20, 30, 40))]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.CLOSED
    event = closing_event(case)
    assert body["events"][-1]["id"] == event.pk
    [photo] = case.attachments.all()
    assert (photo.event_id, photo.kind) == (event.pk, AttachmentKind.AFTER)


def test_api_upload_after_closing_joins_the_closing_event(world: World, cast: Cast) -> None:
    case = handled(world, cast)
    client = client_for(cast.inspector)
    closed = client.post(reverse("api-case-action", args=[case.pk, "verify_pass"]))
    event_id = closed.json()["events"][-1]["id"]
    upload_url = reverse("api-case-attachments", args=[case.pk])

    late = client.post(upload_url, {"file": jpeg((50, 60, 70)), "kind": "other"})
    assert late.status_code == 400 and "已办结" in late.json()["error"]
    joined = client.post(
        upload_url, {"file": jpeg((50, 60, 71)), "kind": "other", "event": event_id}
    )
    assert joined.status_code == 201, joined.content
    assert Attachment.objects.get(pk=joined.json()["id"]).event_id == event_id
    other = client_for(cast.dispatcher).post(
        upload_url, {"file": jpeg((50, 60, 72)), "kind": "other", "event": event_id}
    )
    assert other.status_code == 400
