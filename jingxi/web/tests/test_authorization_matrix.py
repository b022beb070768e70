"""Every door × every method × every actor answers as `authz_table` says.

The objects every URL parameter names are built once (`_Doors.build`), through the
services, and every cell is asked of them: a URL without a row, a row without its URL,
or a parameter without an object fails the suite, so a door added later is covered the
day it lands. All cells run in one test so the objects are built once; its failure lists
every cell that answered otherwise.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.audit.models import AuditEntry
from jingxi.bulletins import services as bulletin_services
from jingxi.cases.choices import Action, Source
from jingxi.cases.documents import notice_issue, supervision_order_issue
from jingxi.cases.evidence import attachment_add
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.hotline.services import call_take, callback_record
from jingxi.inspections.models import Round
from jingxi.notify.models import Notification
from jingxi.notify.services import outbox_drain
from jingxi.open311.models import Open311Request, ServiceAttribute
from jingxi.open311.selectors import service_code_of
from jingxi.open311.services import api_client_create, api_client_revoke
from jingxi.org.choices import Role, UnitKind
from jingxi.org.models import Membership, Unit, User
from jingxi.org.services import calendar_day_set
from jingxi.org.tests.factories import UserFactory
from jingxi.places.models import Component, ResponsibilityRule
from jingxi.public.citizen.services import reopen_request_create
from jingxi.public.portal import services as portal_services
from jingxi.public.tests.test_portal_world import jpeg
from jingxi.web.tests import authz_table as t
from jingxi.wechat.models import Conversation, PendingMedia

QINGNIAN = (113.955, 34.7102)  # on 青年路, the cast's road chief's road
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# Answers that mean "passed the guard": the door took the request, then judged its input.
PASSED = frozenset({200, 201, 204, 400, 409, 413, 415, 429})


def test_every_url_has_a_row_and_every_row_a_url() -> None:
    missing = [d.route for d in t.doors() if t.row_for(d) is None]
    assert missing == [], "URLs without a row in authz_table.ROWS"
    names = {d.name for d in t.doors()}
    stale = [row.name for row in t.ROWS if row.name not in names | {"admin:catch_all"}]
    assert stale == [], "rows whose URL is gone"


def test_every_row_answers_every_actor() -> None:
    for row in t.ROWS:
        assert set(row.expect) == set(t.ACTORS), row.name


# --- the objects behind the URL parameters -------------------------------------------------


@dataclass
class _Doors:
    """The actors and the objects, built once for every cell."""

    users: dict[str, User]
    keys: dict[str, str]
    params: dict[str, Any]
    by_url: dict[str, dict[str, Any]] = field(default_factory=dict)
    admin_objects: dict[str, Model] = field(default_factory=dict)
    citizen_token: str = ""
    citizen_case: str = ""
    open311_id: str = ""

    @classmethod
    def build(cls, world: World, cast: Cast, settings: Any) -> _Doors:
        j = world.jurisdiction
        users: dict[str, User] = {
            t.NO_ROLE: cast.citizen,
            t.DISPATCHER: cast.dispatcher,
            t.INSPECTOR: cast.inspector,
            t.ROAD_CHIEF: cast.road_chief,
            t.HANDLER: cast.handler_a,
            t.UNIT_HEAD: cast.unit_head_a,
            t.ASSESSOR: cast.assessor,
            t.LEADER: cast.leader,
            t.OPERATOR: cast.operator,
            t.OTHER_UNIT: cast.handler_b,
        }
        for actor, role in ((t.ADMIN, Role.ADMIN), (t.SECURITY, Role.SECURITY_ADMIN)):
            users[actor] = UserFactory(username=f"m_{actor}", jurisdiction=j, is_staff=True)
            Membership.objects.create(user=users[actor], unit=world.office, role=role)
        users[t.AUDITOR] = UserFactory(username="m_auditor", jurisdiction=j)
        Membership.objects.create(user=users[t.AUDITOR], unit=world.office, role=Role.AUDITOR)
        other = cast.outsider.jurisdiction
        assert other is not None
        office = Unit.objects.create(
            jurisdiction=other, code="ZY", name="中原区精细办", kind=UnitKind.OFFICE
        )
        Membership.objects.create(user=cast.outsider, unit=office, role=Role.DISPATCHER)
        users[t.OTHER_COUNTY] = cast.outsider

        _good, good_key = api_client_create(
            jurisdiction=j, name="随手拍", rate_limit_per_minute=100_000
        )
        revoked, revoked_key = api_client_create(jurisdiction=j, name="旧客户端")
        api_client_revoke(client=revoked)
        keys = {t.O311_GOOD: good_key, t.O311_REVOKED: revoked_key}

        # The open case: a citizen's, dispatched to 环卫中心 on 青年路, with a photo.
        start = timezone.now() - dt.timedelta(days=2)
        case = case_report(
            jurisdiction=j,
            category=world.exposed_garbage,
            lng=QINGNIAN[0],
            lat=QINGNIAN[1],
            description="青年路暴露垃圾",
            source=Source.CITIZEN_WEB,
            reporter_name="王小明",
            reporter_phone="13812345678",
            now=start,
        )
        photo = attachment_add(case=case, file=jpeg(), kind="before", actor=cast.inspector)
        for action, by, unit in (
            (Action.FILE, cast.dispatcher, None),
            (Action.DISPATCH, cast.dispatcher, world.sanitation),
            (Action.ACCEPT, cast.handler_a, None),
        ):
            case_transition(case_id=case.pk, action=action, actor=by, unit=unit)
        case = Case.objects.get(pk=case.pk)
        assert case.road_id == world.qingnian.pk

        # The closed case: a citizen's, with before and after photos, a typical case made
        # of it, a rating and a "not fixed" request from the citizen's browser.
        closed = case_report(
            jurisdiction=j,
            category=world.exposed_garbage,
            lng=QINGNIAN[0],
            lat=QINGNIAN[1],
            description="青年路又有垃圾",
            source=Source.CITIZEN_WEB,
            reporter_name="李四",
            reporter_phone="13912345678",
            now=start,
        )
        before = attachment_add(case=closed, file=jpeg(), kind="before", actor=cast.inspector)
        case_transition(case_id=closed.pk, action=Action.FILE, actor=cast.dispatcher)
        case_transition(
            case_id=closed.pk,
            action=Action.DISPATCH,
            actor=cast.dispatcher,
            unit=world.sanitation,
        )
        case_transition(case_id=closed.pk, action=Action.ACCEPT, actor=cast.handler_a)
        after = attachment_add(
            case=Case.objects.get(pk=closed.pk),
            file=jpeg((30, 160, 60)),
            kind="after",
            actor=cast.handler_a,
        )
        case_transition(case_id=closed.pk, action=Action.REPORT_BACK, actor=cast.handler_a)
        closed = case_transition(case_id=closed.pk, action=Action.VERIFY_PASS, actor=cast.inspector)
        typical = portal_services.typical_case_publish(
            case_id=closed.pk,
            actor=cast.dispatcher,
            kind="positive",
            title="青年路垃圾及时清运",
            text="两小时清运完毕。",
            before_photo_id=before.pk,
            after_photo_id=after.pk,
        )
        reopen = reopen_request_create(case=closed, token=closed.tracking_token, reason="又脏了")

        notice = notice_issue(
            jurisdiction=j,
            unit=world.sanitation,
            cases=[case],
            content="请立即清运",
            deadline=timezone.now() + dt.timedelta(days=3),
            actor=cast.dispatcher,
        )
        order = supervision_order_issue(
            case=case,
            reason="leader",
            content="",
            deadline=timezone.now() + dt.timedelta(days=2),
            actor=cast.leader,
        )
        outbox_drain()
        notification = Notification.objects.filter(recipient=cast.handler_a).order_by("pk").first()
        assert notification is not None

        suggestion = portal_services.suggestion_receive(
            jurisdiction=j,
            channel="web",
            title="增设果皮箱",
            text="青年路公交站旁缺果皮箱。",
            contact_name="张三",
            contact_phone="13700000000",
            ip_hash="matrix",
        )
        now = timezone.now()
        consultation = portal_services.consultation_create(
            jurisdiction=j,
            actor=cast.dispatcher,
            kind="opinion",
            title="青年路停车位施划方案",
            body="征求意见。",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=10),
        )
        portal_services.consultation_publish(consultation_id=consultation.pk, actor=cast.dispatcher)
        comment = portal_services.consultation_comment_submit(
            consultation_id=consultation.pk, text="赞成", ip_hash="matrix"
        )
        bulletin = bulletin_services.bulletin_create(
            jurisdiction=j,
            actor=cast.dispatcher,
            text=bulletin_services.BulletinText(kind="monthly", title="十月通报", body="正文"),
            pdf=bulletin_services.pdf_check(data=PDF),
        )
        bulletin = bulletin_services.bulletin_publish(
            bulletin_id=bulletin.pk, actor=cast.dispatcher
        )
        portal_services.media_exposure_record(
            jurisdiction=j,
            actor=cast.dispatcher,
            outlet="中牟新闻",
            title="青年路垃圾",
            url="",
            published_on=timezone.localdate(),
            category=world.exposed_garbage,
            lng=QINGNIAN[0],
            lat=QINGNIAN[1],
            description="媒体曝光青年路垃圾",
            address="",
        )
        portal_services.hearing_record(
            jurisdiction=j,
            actor=cast.dispatcher,
            title="停车位座谈会",
            held_on=timezone.localdate(),
            participants="居民代表",
            minutes="同意方案",
            place="县精细办",
            consultation=consultation,
        )
        call = call_take(
            operator=cast.operator,
            caller_phone="13600000000",
            text="青年路有垃圾",
            category=world.exposed_garbage,
            lng=QINGNIAN[0],
            lat=QINGNIAN[1],
        )
        assert call.case is not None
        for action, by, unit in (
            (Action.FILE, cast.dispatcher, None),
            (Action.DISPATCH, cast.dispatcher, world.sanitation),
            (Action.ACCEPT, cast.handler_a, None),
            (Action.REPORT_BACK, cast.handler_a, None),
            (Action.VERIFY_PASS, cast.inspector, None),
        ):
            case_transition(case_id=call.case.pk, action=action, actor=by, unit=unit)
        callback_record(
            operator=cast.operator,
            case=Case.objects.get(pk=call.case.pk),
            reached=True,
            satisfaction="satisfied",
        )
        calendar_day_set(jurisdiction=j, date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")

        service_code = service_code_of(world.exposed_garbage.kind, world.exposed_garbage.code)
        response = Client(REMOTE_ADDR="192.0.2.200").post(
            "/open311/v2/requests.json",
            {
                "api_key": good_key,
                "jurisdiction_id": j.open311_id or j.code,
                "service_code": service_code,
                "lat": QINGNIAN[1],
                "long": QINGNIAN[0],
                "description": "Open311 上报",
            },
        )
        assert response.status_code == 200, response.content
        o311 = Open311Request.objects.select_related("case").get()

        # One row of every model the admin site shows, for its object pages.
        Group.objects.create(name="矩阵")
        TOTPDevice.objects.create(user=users[t.ADMIN], name="矩阵", confirmed=False)
        Token.objects.create(user=cast.dispatcher)
        seen = {"username": "nobody", "ip_address": "192.0.2.201", "user_agent": "x"}
        AccessAttempt.objects.create(**seen, failures_since_start=1)
        AccessFailureLog.objects.create(**seen)
        AccessLog.objects.create(**seen)
        ServiceAttribute.objects.create(
            category=world.exposed_garbage,
            code="pile",
            datatype="string",
            description="堆放位置",
        )
        Component.objects.create(
            jurisdiction=j,
            object_id="4101220101000001",
            category=world.manhole_cover,
            name="井盖1",
            lng=QINGNIAN[0],
            lat=QINGNIAN[1],
            maintainer=world.sanitation,
        )
        ResponsibilityRule.objects.create(
            jurisdiction=j, category=world.exposed_garbage, unit=world.sanitation
        )
        Conversation.objects.create(
            jurisdiction=j, openid="o-matrix", created_at=timezone.now(), updated_at=timezone.now()
        )
        PendingMedia.objects.create(
            case=case,
            media_id="m-matrix",
            received_at=timezone.now(),
            next_attempt_at=timezone.now(),
        )
        audit_entry = AuditEntry.objects.order_by("pk").first()
        assert audit_entry is not None

        walked = Round.objects.create(
            jurisdiction=j,
            inspector=cast.inspector,
            client_id=uuid.UUID("00000000-0000-4000-8000-00000000a11d"),
            day=timezone.localdate(),
            travel_mode="foot",
            started_at=timezone.now() - dt.timedelta(hours=1),
        )
        params: dict[str, Any] = {
            "case_id": case.pk,
            "client_id": walked.client_id,
            "action": Action.REPORT_BACK.value,
            "notice_id": notice.pk,
            "order_id": order.pk,
            "attachment_id": photo.pk,
            "request_id": reopen.pk,
            "number": closed.number,
            "typical_id": typical.pk,
            "which": "before",
            "consultation_id": consultation.pk,
            "suggestion_id": suggestion.pk,
            "comment_id": comment.pk,
            "bulletin_id": bulletin.pk,
            "notification_id": notification.pk,
            "entry_id": audit_entry.pk,
            "service_code": service_code,
            "service_request_id": o311.case.number,
            "token": o311.token,
            "fmt": "json",
            "rest": "nowhere.json",
            "layer": "townships",
            "app_label": "places",
            "content_type_id": ContentType.objects.get_for_model(Unit).pk,
            "object_id": world.office.pk,
        }
        by_url = {
            "public:track-photo": {"attachment_id": before.pk},
            "public:staff-typical-new": {"case_id": closed.pk},
        }
        return cls(
            users=users,
            keys=keys,
            params=params,
            by_url=by_url,
            citizen_token=closed.tracking_token,
            citizen_case=closed.number,
            open311_id=j.open311_id or j.code,
        )

    def kwargs_for(self, door: t.Door) -> dict[str, Any]:
        model = t.admin_model(door)
        values = {**self.params, **self.by_url.get(door.name, {})}
        if model is not None:
            row = self.admin_object(f"{model[0]}.{model[1]}")
            values["object_id"] = values["pk"] = values["id"] = row.pk
        missing = [p for p in door.params if p not in values]
        assert missing == [], f"{door.route}: no object for {missing}"
        return {p: values[p] for p in door.params}

    def admin_object(self, label: str) -> Model:
        if label not in self.admin_objects:
            model = next(m for m in admin.site._registry if m._meta.label_lower == label)
            row = model._default_manager.order_by("pk").first()
            assert row is not None, f"no {label} row for its admin pages"
            self.admin_objects[label] = row
        return self.admin_objects[label]


# --- asking ------------------------------------------------------------------------------


def _outcome(status: int, location: str) -> str:
    if status in (301, 302, 303):
        path = location.split("?", 1)[0]
        return "login" if path.endswith(LOGIN_PATHS) else "ok"
    if status in PASSED:
        return "ok"
    return str(status)


def _clients(doors_: _Doors) -> dict[str, Client]:
    clients: dict[str, Client] = {}
    for n, actor in enumerate(t.ACTORS):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        user = doors_.users.get(actor)
        if user is not None:
            client.force_login(user)
        if actor == t.CITIZEN:  # a citizen's browser that opened the link with the token
            page = reverse("public:track", args=[doors_.citizen_case])
            assert client.get(page, {"t": doors_.citizen_token}).status_code in (200, 302)
        clients[actor] = client
    return clients


#: Query strings some pages need to show anything at all.
QUERIES: dict[str, dict[str, str]] = {"public:staff-trace": {"measure": "received"}}


def _ask(
    client: Client, method: str, door: t.Door, url: str, key: str | None, open311_id: str
) -> Any:
    data: dict[str, str] = dict(QUERIES.get(door.name, {}))
    if key:
        data["api_key"] = key
    if url.startswith("/open311/"):
        data["jurisdiction_id"] = open311_id
    if method == "GET":
        return client.get(url, data)
    if url.startswith("/api/"):  # the REST API takes JSON
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


@pytest.fixture
def open_doors(settings: Any) -> Iterator[None]:
    """No flood limit stands between the actors and the guards being tested."""
    settings.JINGXI_PUBLIC_LOOKUPS_PER_MINUTE = 1_000_000
    settings.JINGXI_PUBLIC_REPORTS_PER_HOUR = 1_000_000
    settings.OPEN311_READS_PER_MINUTE_PER_IP = 1_000_000
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    settings.JINGXI_WECHAT_TOKEN = "matrix"  # configured: unsigned requests are refused
    cache.clear()
    yield
    cache.clear()


def test_every_door_answers_every_actor_as_the_table_says(
    world: World, cast: Cast, settings: Any, open_doors: None, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    started = time.perf_counter()
    built = _Doors.build(world, cast, settings)
    clients = _clients(built)
    cells: list[tuple[t.Door, t.Row, str]] = []
    for door in t.doors():
        row = t.row_for(door)
        assert row is not None, door.route
        for method in row.methods:
            cells.append((door, row, method))
    # Reads first, then writes; logging out last (it ends the actors' sessions).
    cells.sort(key=lambda c: (c[1].name.endswith("logout"), c[2] != "GET"))
    wrong: list[str] = []
    asked = 0
    for door, row, method in cells:
        url = reverse(door.name, kwargs=built.kwargs_for(door)) if door.name else None
        if door.route == "admin/(?P<url>.*)$":
            url = "/admin/nowhere/"
        elif url is None:  # the admin's unnamed redirect to a change page
            model = t.admin_model(door)
            assert model is not None
            obj = built.admin_object(f"{model[0]}.{model[1]}")
            url = "/" + door.route.replace("<path:object_id>", str(obj.pk))
        for actor in t.ACTORS:
            response = _ask(
                clients[actor], method, door, url, built.keys.get(actor), built.open311_id
            )
            asked += 1
            got = _outcome(response.status_code, response.headers.get("Location", ""))
            expected = row.outcome(method=method, actor=actor)
            if got != expected:
                wrong.append(
                    f"{method} {url} {actor}: expected {expected}, got {response.status_code}"
                )
    elapsed = time.perf_counter() - started
    print(f"authorization matrix: {asked} requests in {elapsed:.1f} s")  # noqa: T201 the run's figure
    assert wrong == [], f"{len(wrong)} cells answered otherwise:\n" + "\n".join(wrong)


def test_the_published_table_is_the_tested_one() -> None:
    published = (Path(__file__).resolve().parents[3] / "docs" / "authorization.md").read_text()
    assert published == t.markdown(), "run: python scripts/authz_docs.py > docs/authorization.md"
