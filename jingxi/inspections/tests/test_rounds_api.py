"""The phone's rounds API (docs/inspections.md): start, points, findings, ticks, end."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Source, Status
from jingxi.cases.models import Case
from jingxi.cases.services import case_report
from jingxi.inspections.choices import PointDrop, RoundStatus
from jingxi.inspections.models import (
    Duty,
    DutyShift,
    Plan,
    Round,
    RoundFinding,
    RoundSegment,
    Route,
    RouteStart,
    TrackPoint,
)
from jingxi.org.choices import Role
from jingxi.org.models import Membership, User
from jingxi.org.tests.factories import UserFactory

# 青年路 runs along lat 34.71 from lng 113.95 to 113.99 (conftest's world).
QINGNIAN_LAT = 34.71


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, client_id: Any = None) -> str:
    return reverse(name, kwargs={"client_id": client_id} if client_id else None)


def post(client: Client, name: str, body: dict[str, Any], client_id: Any = None) -> Any:
    return client.post(url(name, client_id), body, content_type="application/json")


def start(client: Client, client_id: uuid.UUID, started_at: dt.datetime | None = None) -> Any:
    when = started_at or timezone.now() - dt.timedelta(hours=1)
    return post(
        client, "api-round-list", {"client_id": str(client_id), "started_at": when.isoformat()}
    )


def walk(
    *, lng_from: float, lng_to: float, t0: dt.datetime, seq0: int = 0, step_s: int = 5
) -> list[dict[str, Any]]:
    """Points along 青年路 from lng_from to lng_to at walking pace (~1.4 m/s)."""
    points: list[dict[str, Any]] = []
    step_deg = 1.4 * step_s / (111_320 * 0.8215)  # metres to degrees of lng at 34.7°
    lng, k = lng_from, 0
    while lng <= lng_to + 1e-12:
        points.append(
            {
                "seq": seq0 + k,
                "t": (t0 + dt.timedelta(seconds=step_s * k)).isoformat(),
                "lng": lng,
                "lat": QINGNIAN_LAT + 0.00003,
                "accuracy": 8,
            }
        )
        k += 1
        lng += step_deg
    return points


def jpeg(*, size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def phone(cast: Cast) -> Client:
    return client_for(cast.inspector)


def test_start_twice_with_the_same_id_is_one_round(phone: Client, cast: Cast) -> None:
    rid = uuid.uuid4()
    first = start(phone, rid)
    assert first.status_code == 201, first.content
    again = start(phone, rid)
    assert again.status_code == 200
    assert again.json()["client_id"] == first.json()["client_id"] == str(rid)
    assert Round.objects.filter(inspector=cast.inspector).count() == 1


def test_another_round_while_one_is_open_is_409_naming_it(phone: Client) -> None:
    rid = uuid.uuid4()
    assert start(phone, rid).status_code == 201
    other = start(phone, uuid.uuid4())
    assert other.status_code == 409
    body = other.json()
    assert body["code"] == "round_open" and body["client_id"] == str(rid)
    assert body["error"]


def test_someone_elses_round_is_404_and_others_may_not_start(
    phone: Client, cast: Cast, world: World
) -> None:
    rid = uuid.uuid4()
    start(phone, rid)
    for user in (cast.dispatcher, cast.road_chief, cast.outsider):
        other = client_for(user)
        assert other.get(url("api-round-detail", rid)).status_code == 404
        assert (
            post(other, "api-round-end", {"ended_at": timezone.now().isoformat()}, rid).status_code
            == 404
        )
        refused = start(other, uuid.uuid4())
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert Round.objects.count() == 1


def test_a_batch_of_a_thousand_repeated_points_is_counted_not_stored(phone: Client) -> None:
    rid = uuid.uuid4()
    t0 = timezone.now() - dt.timedelta(minutes=50)
    start(phone, rid, t0)
    points = walk(lng_from=113.951, lng_to=113.99, t0=t0, step_s=1)[:1000]
    assert len(points) == 1000
    first = post(phone, "api-round-points", {"points": points}, rid)
    assert first.status_code == 200, first.content
    assert first.json()["kept"] == 1000
    again = post(phone, "api-round-points", {"points": points}, rid)
    assert again.json() == {"kept": 0, "duplicate": 1000, "dropped": {}}
    assert TrackPoint.objects.filter(round__client_id=rid).count() == 1000
    assert Round.objects.get(client_id=rid).points_kept == 1000


def test_bad_points_are_dropped_and_counted_by_reason(phone: Client) -> None:
    rid = uuid.uuid4()
    t0 = timezone.now() - dt.timedelta(minutes=50)
    start(phone, rid, t0)

    def at(s: int) -> str:
        return (t0 + dt.timedelta(seconds=s)).isoformat()

    points = [
        {"seq": 1, "t": at(0), "lng": 113.955, "lat": QINGNIAN_LAT, "accuracy": 5},
        {"seq": 2, "t": at(10), "lng": 113.9551, "lat": QINGNIAN_LAT, "accuracy": 500},
        {"seq": 3, "t": at(20), "lng": 116.4, "lat": 39.9, "accuracy": 5},  # Beijing
        {"seq": 4, "t": at(30), "lng": 113.98, "lat": QINGNIAN_LAT, "accuracy": 5},  # 2 km in 30 s
        {"seq": 5, "t": at(-5), "lng": 113.9551, "lat": QINGNIAN_LAT, "accuracy": 5},
        {"seq": 6, "t": at(40), "lng": 200.0, "lat": QINGNIAN_LAT},  # no such longitude
        {"seq": 7, "t": at(50), "lng": 113.9553, "lat": QINGNIAN_LAT},
        {"seq": 7, "t": at(50), "lng": 113.9553, "lat": QINGNIAN_LAT},
    ]
    answer = post(phone, "api-round-points", {"points": points}, rid).json()
    assert answer == {
        "kept": 2,
        "duplicate": 1,
        "dropped": {
            PointDrop.INACCURATE: 1,
            PointDrop.OUTSIDE: 1,
            PointDrop.TOO_FAST: 1,
            PointDrop.OUT_OF_ORDER: 1,
            PointDrop.INVALID: 1,
        },
    }
    round_ = Round.objects.get(client_id=rid)
    assert round_.points_dropped[PointDrop.TOO_FAST] == 1
    assert 20 < round_.walked_m < 40


def test_a_malformed_batch_stores_nothing(phone: Client) -> None:
    rid = uuid.uuid4()
    t0 = timezone.now() - dt.timedelta(minutes=50)
    start(phone, rid, t0)
    points = walk(lng_from=113.951, lng_to=113.955, t0=t0)
    points[-1]["t"] = "yesterday-ish"
    answer = post(phone, "api-round-points", {"points": points}, rid)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"
    assert not TrackPoint.objects.exists()
    too_many = walk(lng_from=113.951, lng_to=113.99, t0=t0, step_s=1)[:2001]
    assert len(too_many) == 2001
    answer = post(phone, "api-round-points", {"points": too_many}, rid)
    assert answer.status_code == 400
    assert not TrackPoint.objects.exists()
    assert Round.objects.get(client_id=rid).points_kept == 0


def test_end_once_computes_coverage_and_late_points_join(phone: Client, world: World) -> None:
    rid = uuid.uuid4()
    t0 = timezone.now() - dt.timedelta(hours=2)
    start(phone, rid, t0)
    # The west half of 青年路-west, then (sent late) the rest of it.
    first = walk(lng_from=113.9502, lng_to=113.9598, t0=t0)
    rest = walk(
        lng_from=113.9600,
        lng_to=113.9698,
        t0=t0 + dt.timedelta(seconds=5 * len(first)),
        seq0=len(first),
    )
    post(phone, "api-round-points", {"points": first}, rid)
    west = world.segments["qingnian-west"].pk
    so_far = phone.get(url("api-round-detail", rid)).json()
    assert so_far["status"] == RoundStatus.OPEN
    (live,) = [c for c in so_far["coverage"] if c["segment"] == west]
    assert 0.4 < live["ratio"] < 0.6 and live["road_name"] == "青年路"
    assert not RoundSegment.objects.exists()  # measured for the answer, stored at the end
    ended_at = t0 + dt.timedelta(hours=1)
    end = post(phone, "api-round-end", {"ended_at": ended_at.isoformat()}, rid)
    assert end.status_code == 200, end.content
    body = end.json()
    assert body["status"] == RoundStatus.ENDED
    (cover,) = [c for c in body["coverage"] if c["segment"] == west]
    assert 0.4 < cover["ratio"] < 0.6 and not cover["walked"]
    assert (cover["road_name"], cover["seq"]) == ("青年路", 1)
    again = post(phone, "api-round-end", {"ended_at": timezone.now().isoformat()}, rid)
    assert again.json()["ended_at"] == body["ended_at"]
    late = post(phone, "api-round-points", {"points": rest}, rid)
    assert late.status_code == 200 and late.json()["kept"] == len(rest)
    walked = RoundSegment.objects.get(round__client_id=rid, segment_id=west)
    assert walked.walked and walked.ratio > 0.9


def test_points_for_a_round_ended_long_ago_are_409_with_a_message(phone: Client) -> None:
    rid = uuid.uuid4()
    t0 = timezone.now() - dt.timedelta(days=3)
    start(phone, rid, t0)
    post(phone, "api-round-end", {"ended_at": (t0 + dt.timedelta(hours=2)).isoformat()}, rid)
    points = walk(lng_from=113.951, lng_to=113.952, t0=t0 + dt.timedelta(minutes=5))
    answer = post(phone, "api-round-points", {"points": points}, rid)
    assert answer.status_code == 409
    assert answer.json()["code"] == "round_closed" and "24" in answer.json()["error"]
    assert not TrackPoint.objects.exists()


def test_points_timed_after_the_end_are_409(phone: Client) -> None:
    rid = uuid.uuid4()
    t0 = timezone.now() - dt.timedelta(hours=3)
    start(phone, rid, t0)
    post(phone, "api-round-end", {"ended_at": (t0 + dt.timedelta(hours=1)).isoformat()}, rid)
    points = walk(lng_from=113.951, lng_to=113.952, t0=t0 + dt.timedelta(hours=2))
    answer = post(phone, "api-round-points", {"points": points}, rid)
    assert answer.status_code == 409 and answer.json()["code"] == "round_closed"


def finding_body(world: World, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "category": world.exposed_garbage.pk,
        "lng": 113.955,
        "lat": QINGNIAN_LAT + 0.0001,
        "description": "青年路暴露垃圾",
        "at": timezone.now().isoformat(),
    }
    body.update(extra)
    return body


def test_a_finding_sent_twice_is_one_case_filed_directly(
    phone: Client, world: World, cast: Cast
) -> None:
    rid = uuid.uuid4()
    start(phone, rid)
    body = finding_body(world, photos=[jpeg()])
    first = phone.post(url("api-round-findings", rid), body)
    assert first.status_code == 201, first.content
    body["photos"] = [jpeg()]
    again = phone.post(url("api-round-findings", rid), body)
    assert again.status_code == 200
    assert again.json()["case_id"] == first.json()["case_id"]
    case = Case.objects.get()
    assert case.source == Source.INSPECTOR and case.status == Status.FILED
    finding = RoundFinding.objects.get()
    assert finding.segment_id == world.segments["qingnian-west"].pk
    assert finding.round.client_id == rid and finding.case == case
    assert case.attachments.count() == 1


def test_a_photo_without_position_is_accepted_with_a_warning(phone: Client, world: World) -> None:
    rid = uuid.uuid4()
    start(phone, rid)
    answer = phone.post(url("api-round-findings", rid), finding_body(world, photos=[jpeg()]))
    assert answer.status_code == 201, answer.content
    assert any("位置" in w for w in answer.json()["warnings"])


def test_a_refused_photo_stores_no_case(phone: Client, world: World) -> None:
    rid = uuid.uuid4()
    start(phone, rid)
    bad = SimpleUploadedFile("p.jpg", b"not a picture at all", content_type="image/jpeg")
    answer = phone.post(url("api-round-findings", rid), finding_body(world, photos=[bad]))
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"
    assert not Case.objects.exists() and not RoundFinding.objects.exists()


def test_ticks_are_stored_once(phone: Client, world: World) -> None:
    rid = uuid.uuid4()
    start(phone, rid)
    body = {
        "client_id": str(uuid.uuid4()),
        "segment": world.segments["jianshe-north"].pk,
        "category": world.exposed_garbage.pk,
        "ok": True,
        "at": timezone.now().isoformat(),
    }
    assert post(phone, "api-round-ticks", body, rid).status_code == 201
    assert post(phone, "api-round-ticks", body, rid).status_code == 200
    body["client_id"], body["segment"] = str(uuid.uuid4()), 999_999
    assert post(phone, "api-round-ticks", body, rid).status_code == 400
    assert Round.objects.get(client_id=rid).ticks.count() == 1


def test_today_shows_the_open_round_and_no_route(phone: Client, cast: Cast) -> None:
    answer = phone.get(url("api-inspection-today"))
    assert answer.status_code == 200
    assert answer.json()["round"] is None and answer.json()["route"] is None
    rid = uuid.uuid4()
    start(phone, rid)
    assert phone.get(url("api-inspection-today")).json()["round"]["client_id"] == str(rid)
    assert client_for(cast.dispatcher).get(url("api-inspection-today")).status_code == 403
    listed = phone.get(url("api-round-list")).json()
    assert listed["count"] == 1 and listed["results"][0]["client_id"] == str(rid)


def test_today_shows_the_duty_and_the_route_with_its_pending_checks(
    phone: Client, cast: Cast, world: World
) -> None:
    day = timezone.localdate()
    shift = DutyShift.objects.create(
        jurisdiction=world.jurisdiction, name="早班", starts=dt.time(7), ends=dt.time(15)
    )
    Duty.objects.create(
        jurisdiction=world.jurisdiction, inspector=cast.inspector, day=day, shift=shift
    )
    plan = Plan.objects.create(
        jurisdiction=world.jurisdiction, day=day, generated_at=timezone.now()
    )
    office = RouteStart.objects.create(
        jurisdiction=world.jurisdiction, name="县精细办", lng=113.96, lat=34.705
    )
    check = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=QINGNIAN_LAT,
        description="待核实",
        source=Source.CITIZEN_WEB,
    )
    west = world.segments["qingnian-west"].pk
    Route.objects.create(
        plan=plan,
        inspector=cast.inspector,
        start=office,
        required_m=1830,
        length_m=2500,
        minutes=38,
        geometry={"type": "LineString", "coordinates": [[113.96, 34.705], [113.95, 34.71]]},
        stops=[{"kind": "segment", "id": west}, {"kind": "case", "id": check.pk}],
    )
    body = phone.get(url("api-inspection-today")).json()
    assert body["day"] == day.isoformat()
    assert body["duty"]["shift"]["name"] == "早班" and body["duty"]["status"] == "on_duty"
    route = body["route"]
    assert route["plan"] == plan.pk and route["start"]["name"] == "县精细办"
    assert route["stops"][0] == {"kind": "segment", "id": west}
    assert [c["number"] for c in route["pending_checks"]] == [check.number]
    assert route["minutes"] == 38 and route["length_m"] == 2500
    # Another inspector's route is not theirs to see: none for the road chief either.
    assert client_for(cast.road_chief).get(url("api-inspection-today")).status_code == 403


def test_another_inspectors_round_is_404_to_every_call(
    phone: Client, world: World, cast: Cast
) -> None:
    colleague = UserFactory(username="inspector2", jurisdiction=world.jurisdiction)
    Membership.objects.create(user=colleague, unit=world.office, role=Role.INSPECTOR)
    rid = uuid.uuid4()
    start(phone, rid)
    other = client_for(colleague)
    now = timezone.now().isoformat()
    assert other.get(url("api-round-detail", rid)).status_code == 404
    for name, body in (
        ("api-round-points", {"points": walk(lng_from=113.951, lng_to=113.952, t0=timezone.now())}),
        ("api-round-findings", finding_body(world)),
        (
            "api-round-ticks",
            {"client_id": str(uuid.uuid4()), "segment": 1, "category": 1, "ok": True, "at": now},
        ),
        ("api-round-end", {"ended_at": now}),
    ):
        answer = post(other, name, body, rid)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", name
    # The same phone id names the colleague's own round: ids are per inspector.
    assert start(other, rid).status_code == 201
    assert Round.objects.filter(client_id=rid).count() == 2
    assert not TrackPoint.objects.exists() and not Case.objects.exists()
    assert Round.objects.get(client_id=rid, inspector=cast.inspector).status == RoundStatus.OPEN
