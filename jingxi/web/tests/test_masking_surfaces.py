"""One masking rule on every surface: what each role of the cast sees of a citizen's
personal data on the case page, the queue, the API, the XLSX export, a notice's page and
PDF, Open311 GETs, the public track page, notifications, and the disclosure portal's
public and office pages.

The citizen 王小明 reports with his phone; his description also gives his ID number, his
phone and his e-mail, and the address a neighbour's mobile. The roles that call citizens
back (`Perm.CONTACTS`: dispatcher, operator, system administrator) see all of it; every
other role sees it masked; the public never sees a name or a phone, and sees free text
masked.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.documents import notice_issue
from jingxi.cases.models import Case, Notice
from jingxi.cases.services import case_report, case_transition
from jingxi.notify.models import Notification
from jingxi.notify.services import outbox_drain
from jingxi.org.choices import Role
from jingxi.org.models import Membership, User
from jingxi.org.privacy import id_check_character
from jingxi.org.tests.factories import UserFactory
from jingxi.public.portal import services as portal_services
from jingxi.public.portal.models import Consultation, Suggestion

NAME, PHONE, EMAIL = "王小明", "13812341234", "wang.xiaoming@example.com"
ID_NUMBER = "41012219900101123" + id_check_character("41012219900101123")
NEIGHBOUR = "13900001111"
DESCRIPTION = (
    f"我是{NAME}，身份证{ID_NUMBER}，电话{PHONE}，邮箱{EMAIL}。"
    "垃圾堆在案卷202611250001所报位置旁，网格410122001001001，部件4101220102000123。"
)
ADDRESS = f"青年路88号（邻居电话{NEIGHBOUR}）"
NOTE = f"已电话联系{NAME}（{PHONE}）"

# What the citizen gave, as stored, and as a viewer without contact rights sees it.
PLAIN = (NAME, PHONE, ID_NUMBER, EMAIL, NEIGHBOUR)
MASKED = ("王*明", "138****1234", "4101**********123X", "w***@example.com", "139****1111")
# Codes in the same text that are no personal data: shown to everyone as they are.
CODES = ("202611250001", "410122001001001", "4101220102000123")

UNMASKED_VIEWERS = ("dispatcher", "operator", "admin")
MASKED_VIEWERS = ("inspector", "road_chief", "handler_a", "unit_head_a", "assessor", "leader")


@dataclass
class Story:
    case: Case
    notice: Notice
    admin: User


@pytest.fixture
def story(world: World, cast: Cast, settings: Any) -> Story:
    settings.JINGXI_PUBLIC_JURISDICTION = world.jurisdiction.code
    admin = UserFactory(
        username="sysadmin", full_name="系统管理员", jurisdiction=world.jurisdiction
    )
    Membership.objects.create(user=admin, unit=world.office, role=Role.ADMIN)
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description=DESCRIPTION,
        address=ADDRESS,
        source=Source.CITIZEN_WEB,
        reporter_name=NAME,
        reporter_phone=PHONE,
    )
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher, note=NOTE)
    case = case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    notice = notice_issue(
        jurisdiction=world.jurisdiction,
        unit=world.sanitation,
        cases=[case],
        content=f"市民{NAME}（{PHONE}）反映多次，请于明日前清运。",
        deadline=timezone.now() + dt.timedelta(days=2),
        actor=cast.dispatcher,
    )
    return Story(case=case, notice=notice, admin=admin)


def viewer(cast: Cast, story: Story, role: str) -> User:
    return story.admin if role == "admin" else getattr(cast, role)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_unmasked(text: str) -> None:
    for value in (*PLAIN, *CODES):
        assert value in text, value


def assert_masked(text: str) -> None:
    for value in PLAIN:
        assert value not in text, value
    for value in (*MASKED, *CODES):
        assert value in text, value


def assert_seen_as(role: str, text: str) -> None:
    if role in UNMASKED_VIEWERS:
        assert_unmasked(text)
    else:
        assert_masked(text)


ALL_ROLES = pytest.mark.parametrize("role", [*UNMASKED_VIEWERS, *MASKED_VIEWERS])


# --- staff surfaces -----------------------------------------------------------------


@ALL_ROLES
def test_the_case_page_shows_personal_data_as_the_role_may_see_it(
    cast: Cast, story: Story, role: str
) -> None:
    response = client_for(viewer(cast, story, role)).get(
        reverse("cases:case-detail", args=[story.case.pk])
    )
    assert response.status_code == 200
    assert_seen_as(role, response.content.decode())


@ALL_ROLES
def test_the_queue_shows_descriptions_as_the_role_may_see_them(
    cast: Cast, story: Story, role: str
) -> None:
    response = client_for(viewer(cast, story, role)).get(reverse("cases:case-list"), {"tab": "all"})
    assert response.status_code == 200
    text = response.content.decode()
    assert story.case.number in text
    # The queue cuts descriptions short: whatever of them shows is masked alike.
    if role in UNMASKED_VIEWERS:
        assert NAME in text and ID_NUMBER in text
    else:
        assert NAME not in text and ID_NUMBER not in text and "王*明" in text


@ALL_ROLES
def test_the_api_shows_personal_data_as_the_role_may_see_it(
    cast: Cast, story: Story, role: str
) -> None:
    client = client_for(viewer(cast, story, role))
    detail = client.get(reverse("api-case-detail", args=[story.case.pk]))
    listing = client.get(reverse("api-case-list"))
    assert detail.status_code == listing.status_code == 200
    body = detail.json()
    assert_seen_as(role, json.dumps(body, ensure_ascii=False))
    assert_seen_as(role, json.dumps(listing.json(), ensure_ascii=False))
    notes = " ".join(event["note"] for event in body["events"])
    assert (NAME in notes) == (role in UNMASKED_VIEWERS)


@ALL_ROLES
def test_the_export_shows_personal_data_as_the_role_may_see_it(
    cast: Cast, story: Story, role: str
) -> None:
    response = client_for(viewer(cast, story, role)).get(
        reverse("cases:case-export"), {"tab": "all"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[str(v) for v in row if v is not None] for row in sheet.iter_rows(values_only=True)]
    assert [story.case.number in row for row in rows[1:]] == [True]
    assert_seen_as(role, "\n".join(" ".join(row) for row in rows))


# Who reads the notice (its unit's staff and the office) is `cases.access`'s rule.
@pytest.mark.parametrize("role", ["dispatcher", "admin", "leader", "handler_a", "unit_head_a"])
def test_a_notices_page_and_pdf_show_personal_data_as_the_role_may_see_it(
    cast: Cast, story: Story, role: str
) -> None:
    client = client_for(viewer(cast, story, role))
    page = client.get(reverse("cases:notice-detail", args=[story.notice.pk]))
    pdf = client.get(reverse("cases:notice-pdf", args=[story.notice.pk]))
    assert page.status_code == pdf.status_code == 200
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for shown in (page.content.decode(), text):
        for value in (NAME, PHONE, NEIGHBOUR):
            assert (value in shown) == (role in UNMASKED_VIEWERS), (value, shown)
        for value in ("王*明", "138****1234", "139****1111"):
            assert (value in shown) == (role not in UNMASKED_VIEWERS), (value, shown)


@pytest.mark.parametrize("role", ["dispatcher", "leader"])
def test_the_notices_api_shows_its_text_as_the_role_may_see_it(
    cast: Cast, story: Story, role: str
) -> None:
    body = client_for(viewer(cast, story, role)).get(
        reverse("api-notice-detail", args=[story.notice.pk])
    )
    assert body.status_code == 200
    assert (PHONE in body.json()["content"]) == (role in UNMASKED_VIEWERS)


def test_notifications_carry_notes_masked_whoever_receives_them(cast: Cast, story: Story) -> None:
    outbox_drain()
    bodies = list(Notification.objects.exclude(body="").values_list("body", flat=True))
    case_transition(
        case_id=story.case.pk, action=Action.RETURN, actor=cast.handler_a, note=f"请回电{PHONE}"
    )
    outbox_drain()
    to_dispatcher = Notification.objects.filter(recipient=cast.dispatcher, kind=Action.RETURN)
    bodies += list(to_dispatcher.values_list("body", flat=True))
    assert bodies and all(PHONE not in body for body in bodies)
    assert "请回电138****1234" in bodies


# --- public surfaces ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_serves_no_name_or_phone_and_masks_free_text(story: Story, fmt: str) -> None:
    for path in (f"requests.{fmt}", f"requests/{story.case.number}.{fmt}"):
        params = {"extensions": "true", "jurisdiction_id": story.case.jurisdiction.open311_id}
        response = Client().get(f"/open311/v2/{path}", params)
        assert response.status_code == 200
        assert_masked(response.content.decode())


def test_the_public_track_page_masks_the_address(story: Story) -> None:
    response = Client().get(reverse("public:track", args=[story.case.number]))
    assert response.status_code == 200
    text = response.content.decode()
    for value in PLAIN:
        assert value not in text
    assert "139****1111" in text


# --- the disclosure portal: suggestions and comments ----------------------------------


@dataclass
class Portal:
    suggestion: Suggestion
    consultation: Consultation


@pytest.fixture
def portal(world: World, cast: Cast, settings: Any) -> Portal:
    settings.JINGXI_PUBLIC_JURISDICTION = world.jurisdiction.code
    suggestion = portal_services.suggestion_receive(
        jurisdiction=world.jurisdiction,
        channel="hotline",
        title=f"建议增加垃圾桶（{PHONE}）",
        text=f"我是{NAME}，身份证{ID_NUMBER}，邮箱{EMAIL}，青年路缺垃圾桶。",
        contact_name=NAME,
        contact_phone=PHONE,
        actor=cast.dispatcher,
    )
    portal_services.suggestion_answer(
        suggestion_id=suggestion.pk,
        actor=cast.dispatcher,
        answer=f"已电话答复{NAME}（{PHONE}），本月增设。",
        publish=True,
    )
    consultation = portal_services.consultation_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        kind="notice",
        title="公厕选址公示",
        body="意见请寄县精细办。",
        opens_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    portal_services.consultation_publish(consultation_id=consultation.pk, actor=cast.dispatcher)
    comment = portal_services.consultation_comment_submit(
        consultation_id=consultation.pk, text=f"同意，有事打{PHONE}", name=NAME
    )
    portal_services.consultation_comment_moderate(
        comment_id=comment.pk, actor=cast.dispatcher, decision="approved"
    )
    return Portal(suggestion=suggestion, consultation=consultation)


def test_public_portal_pages_show_no_name_or_phone_and_mask_free_text(portal: Portal) -> None:
    pages = [
        reverse("public:suggestion-list"),
        reverse("public:consultation-detail", args=[portal.consultation.pk]),
    ]
    text = "".join(Client().get(url).content.decode() for url in pages)
    for value in (NAME, PHONE, ID_NUMBER, EMAIL):
        assert value not in text, value
    for value in ("138****1234", "4101**********123X", "w***@example.com", "网友"):
        assert value in text, value


@pytest.mark.parametrize("role", ["dispatcher", "admin", "leader"])
def test_the_offices_portal_pages_show_contacts_as_the_role_may_see_them(
    cast: Cast, story: Story, portal: Portal, role: str
) -> None:
    client = client_for(viewer(cast, story, role))
    pages = [
        reverse("public:staff-suggestion-detail", args=[portal.suggestion.pk]),
        reverse("public:staff-suggestion-list") + "?state=all",
        reverse("public:staff-consultation-detail", args=[portal.consultation.pk]),
    ]
    responses = [client.get(url) for url in pages]
    assert [r.status_code for r in responses] == [200, 200, 200]
    text = "".join(r.content.decode() for r in responses)
    for value in (NAME, PHONE, ID_NUMBER, EMAIL):
        assert (value in text) == (role in UNMASKED_VIEWERS), value
    for value in ("王*明", "138****1234", "4101**********123X", "w***@example.com"):
        assert (value in text) == (role not in UNMASKED_VIEWERS), value
