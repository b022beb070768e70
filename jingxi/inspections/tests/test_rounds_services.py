"""The rounds' services beyond the API: who may, late arrivals, retention."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Cast, World
from jingxi.inspections.choices import RoundStatus, TravelMode
from jingxi.inspections.errors import RoundError
from jingxi.inspections.models import (
    InspectionSettings,
    Inspector,
    Round,
    RoundFinding,
    RoundSegment,
    TrackPoint,
)
from jingxi.inspections.services import (
    round_end,
    round_finding_add,
    round_points_add,
    round_start,
    track_purge,
)
from jingxi.inspections.tasks import track_purge_daily

LAT = 34.71


def along(
    t0: dt.datetime, *, n: int = 200, seq0: int = 0
) -> list[tuple[int, float, float, float, float | None]]:
    """n points east along 青年路 from lng 113.951, 7 m every 5 s."""
    step = 7 / 91_450
    return [
        (seq0 + k, t0.timestamp() + 5 * k, 113.951 + (seq0 + k) * step, LAT, 8.0) for k in range(n)
    ]


def test_only_inspectors_start_rounds_and_only_their_own(cast: Cast) -> None:
    now = timezone.now()
    for user in (cast.dispatcher, cast.road_chief, cast.citizen, cast.outsider):
        with pytest.raises(PermissionDenied):
            round_start(actor=user, client_id=uuid.uuid4(), started_at=now)
    round_, created = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=now)
    assert created and round_.inspector == cast.inspector


def test_the_travel_mode_comes_from_the_profile_unless_given(cast: Cast, world: World) -> None:
    Inspector.objects.create(
        user=cast.inspector, jurisdiction=world.jurisdiction, travel_mode=TravelMode.EBIKE
    )
    now = timezone.now()
    first, _ = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=now)
    assert first.travel_mode == TravelMode.EBIKE
    round_end(round_=first, ended_at=now)
    second, _ = round_start(
        actor=cast.inspector, client_id=uuid.uuid4(), started_at=now, travel_mode="foot"
    )
    assert second.travel_mode == TravelMode.FOOT
    with pytest.raises(RoundError):
        round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=now, travel_mode="car")


def test_an_end_before_the_start_is_refused(cast: Cast) -> None:
    now = timezone.now()
    round_, _ = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=now)
    with pytest.raises(RoundError) as refused:
        round_end(round_=round_, ended_at=now - dt.timedelta(minutes=1))
    assert refused.value.code == "invalid"
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN


def test_a_late_finding_joins_until_a_day_after_the_end(cast: Cast, world: World) -> None:
    t0 = timezone.now() - dt.timedelta(hours=5)
    round_, _ = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=t0)
    round_ = round_end(round_=round_, ended_at=t0 + dt.timedelta(hours=2))

    def find(at: dt.datetime, now: dt.datetime | None = None) -> None:
        round_finding_add(
            round_=round_,
            actor=cast.inspector,
            client_id=uuid.uuid4(),
            category=world.exposed_garbage,
            lng=113.955,
            lat=LAT,
            description="暴露垃圾",
            at=at,
            now=now,
        )

    find(t0 + dt.timedelta(hours=1))
    assert RoundFinding.objects.filter(round=round_).count() == 1
    with pytest.raises(RoundError) as after_end:
        find(t0 + dt.timedelta(hours=3))
    assert after_end.value.code == "round_closed"
    with pytest.raises(RoundError) as too_late:
        find(t0 + dt.timedelta(hours=1), now=t0 + dt.timedelta(hours=27))
    assert too_late.value.code == "round_closed"
    assert RoundFinding.objects.filter(round=round_).count() == 1


def test_retention_deletes_old_points_and_keeps_the_coverage(cast: Cast, world: World) -> None:
    InspectionSettings.objects.create(jurisdiction=world.jurisdiction, track_retention_days=30)
    old_start = timezone.now() - dt.timedelta(days=40)
    old, _ = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=old_start)
    round_points_add(round_=old, points=along(old_start), now=old_start + dt.timedelta(hours=1))
    round_end(round_=old, ended_at=old_start + dt.timedelta(hours=1))
    recent_start = timezone.now() - dt.timedelta(days=10)
    recent, _ = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=recent_start)
    round_points_add(round_=recent, points=along(recent_start), now=recent_start)
    round_end(round_=recent, ended_at=recent_start + dt.timedelta(hours=1))
    covered = RoundSegment.objects.filter(round=old).count()
    assert covered >= 1 and TrackPoint.objects.filter(round=old).count() == 200

    assert track_purge_daily.call_local() == "1"
    old.refresh_from_db()
    assert old.track_purged_at is not None
    assert not TrackPoint.objects.filter(round=old).exists()
    assert RoundSegment.objects.filter(round=old).count() == covered
    assert TrackPoint.objects.filter(round=recent).count() == 200
    assert track_purge() == 0
    with pytest.raises(RoundError):
        round_points_add(round_=old, points=along(old_start, seq0=500, n=3), now=old_start)


point = st.tuples(
    st.integers(min_value=0, max_value=40),
    st.floats(min_value=-50, max_value=2000),
    st.floats(min_value=113.94, max_value=114.0),
    st.floats(min_value=34.69, max_value=34.73),
    st.one_of(st.none(), st.floats(min_value=0, max_value=80)),
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(point, max_size=30), min_size=1, max_size=3))
def test_stored_points_and_counters_agree_whatever_is_sent(
    cast: Cast, batches: list[list[tuple[int, float, float, float, float | None]]]
) -> None:
    t0 = timezone.now() - dt.timedelta(hours=2)
    round_, _ = round_start(actor=cast.inspector, client_id=uuid.uuid4(), started_at=t0)
    sent = duplicates = 0
    dropped: dict[str, int] = {}
    for batch in [*batches, batches[0]]:  # the first batch again: all of it known now
        points = [(s, t0.timestamp() + t, lng, lat, acc) for s, t, lng, lat, acc in batch]
        added = round_points_add(round_=round_, points=points)
        sent += len(points)
        duplicates += added.duplicate
        for reason, n in added.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + n
    round_.refresh_from_db()
    stored = TrackPoint.objects.filter(round=round_)
    assert round_.points_kept == stored.count()
    assert round_.points_kept + duplicates + sum(dropped.values()) == sent
    assert round_.points_dropped == {k: v for k, v in dropped.items() if v}
    assert stored.values("seq").distinct().count() == stored.count()
    round_end(round_=round_, ended_at=timezone.now())
