"""One definition of a road chief's term, and every reader agreeing with it."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from jingxi.org.tests.factories import JurisdictionFactory, UserFactory
from jingxi.places.chiefs import road_chief_in_office
from jingxi.places.choices import RoadChiefLevel, RoadGrade
from jingxi.places.models import Road, RoadChief
from jingxi.places.selectors import road_chief_list_current, road_ids_chiefed_by
from jingxi.places.snapshot import RoadChiefRow

BASE = dt.date(2026, 1, 1)
days = st.integers(min_value=0, max_value=40)


def test_a_successor_takes_over_on_the_day_the_predecessor_ends() -> None:
    change = dt.date(2026, 3, 1)
    terms: list[tuple[dt.date, dt.date | None]] = [(BASE, change), (change, None)]
    for day in (dt.date(2026, 2, 28), change, dt.date(2026, 3, 2)):
        holders = [t for t in terms if road_chief_in_office(start_date=t[0], end_date=t[1], on=day)]
        assert len(holders) == 1, day


class ReadersAgree(TestCase):
    @given(start=days, length=st.one_of(st.none(), days), day=days)
    def test_the_query_the_snapshot_and_the_rule_agree(
        self, start: int, length: int | None, day: int
    ) -> None:
        j = JurisdictionFactory()
        road = Road.objects.create(
            jurisdiction=j, code="R1", name="青年路", grade=RoadGrade.ARTERIAL
        )
        user = UserFactory(jurisdiction=j)
        start_date = BASE + dt.timedelta(days=start)
        end_date = None if length is None else start_date + dt.timedelta(days=length)
        chief = RoadChief.objects.create(
            road=road,
            user=user,
            level=RoadChiefLevel.COUNTY,
            start_date=start_date,
            end_date=end_date,
        )
        on = BASE + dt.timedelta(days=day)
        expected = road_chief_in_office(start_date=start_date, end_date=end_date, on=on)
        assert road_chief_list_current(on=on).filter(pk=chief.pk).exists() is expected
        assert (road.pk in road_ids_chiefed_by(user=user, on=on)) is expected
        row = RoadChiefRow(
            id=chief.pk,
            road_id=road.pk,
            user_id=user.pk,
            name="",
            level=chief.level,
            phone="",
            start_date=start_date,
            end_date=end_date,
            segment_ids=(),
        )
        assert row.is_current(on) is expected
