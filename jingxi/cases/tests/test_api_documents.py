import datetime as dt
import io
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.models import Attachment, Case, Notice, SupervisionOrder
from jingxi.cases.services import case_report, case_transition
from jingxi.org.models import User


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dispatched(world: World, cast: Cast) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
    )
    return case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_photo_upload_and_list(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    url = reverse("api-case-attachments", args=[case.pk])
    upload = io.BytesIO(jpeg())
    upload.name = "before.jpg"
    response = client_for(cast.inspector).post(url, {"file": upload, "kind": "before"})
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/jpeg"
    listed = client_for(cast.handler_a).get(url).json()["results"]
    assert [a["kind"] for a in listed] == ["before"]
    assert client_for(cast.handler_b).get(url).status_code == 404


def test_non_image_upload_is_a_clear_400(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    fake = io.BytesIO(b"just some text, not a photo")
    fake.name = "photo.jpg"
    response = client_for(cast.inspector).post(
        reverse("api-case-attachments", args=[case.pk]), {"file": fake}
    )
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Attachment.objects.exists()


def test_notice_issue_sign_and_scope(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    body: dict[str, Any] = {
        "unit": world.sanitation.pk,
        "cases": [case.pk],
        "content": "请于期限内清理暴露垃圾",
        "deadline": (timezone.now() + dt.timedelta(days=2)).isoformat(),
    }
    issued = client_for(cast.dispatcher).post(
        reverse("api-notice-list"), body, content_type="application/json"
    )
    assert issued.status_code == 201, issued.content
    notice = issued.json()
    assert notice["number"].endswith("第0001号")
    assert notice["case_numbers"] == [case.number]
    detail = reverse("api-notice-detail", args=[notice["id"]])
    assert client_for(cast.handler_b).get(detail).status_code == 404
    sign = reverse("api-notice-sign", args=[notice["id"]])
    assert client_for(cast.handler_b).post(sign).status_code == 404
    signed = client_for(cast.handler_a).post(sign)
    assert signed.status_code == 200
    assert signed.json()["signed_at"]
    assert client_for(cast.handler_a).post(sign).status_code == 400
    refused = client_for(cast.handler_a).post(
        reverse("api-notice-list"), body, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Notice.objects.count() == 1


def test_leader_supervision_order(world: World, cast: Cast) -> None:
    case = dispatched(world, cast)
    body = {"case": case.pk, "deadline": (timezone.now() + dt.timedelta(days=1)).isoformat()}
    response = client_for(cast.leader).post(
        reverse("api-supervision-list"), body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "leader"
    assert Case.objects.get(pk=case.pk).is_supervised
    listed = client_for(cast.handler_a).get(reverse("api-supervision-list")).json()["results"]
    assert [o["case_number"] for o in listed] == [case.number]
    theirs = client_for(cast.handler_b).get(reverse("api-supervision-list")).json()
    assert theirs["count"] == 0 and theirs["results"] == []
    assert SupervisionOrder.objects.count() == 1
