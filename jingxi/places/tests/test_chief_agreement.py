"""Every reader of "who is the current road chief" answers what `places.chiefs` answers.

Terms are generated around today (starting today, ending today, ending tomorrow, open,
past and future ones), for the whole road or for one of its segments, and each reader is
asked about today: the deadline ladder's choice of chief, case access (a chief sees the
cases on their road), the public road-chief board, the point lookup, "my roads" and
the admin site's filter of current terms.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import World
from jingxi.cases.access import case_list_for
from jingxi.cases.deadlines import CaseAudience
from jingxi.cases.tests.factories import CaseFactory
from jingxi.org.choices import Role
from jingxi.org.models import Membership
from jingxi.org.tests.factories import UserFactory
from jingxi.places.admin import CurrentFilter
from jingxi.places.chiefs import road_chief_in_office
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import RoadChief
from jingxi.places.responsibility_index import ResponsibilityIndex
from jingxi.places.selectors import geo_snapshot_load
from jingxi.public.portal.selectors import road_board_list
from jingxi.web.selectors import road_list_for_chief

ROOT = Path(__file__).resolve().parents[2]
# A term's end compared in a query or in Python: where the end-inclusive copies were.
END_COMPARED = re.compile(
    r"end_date__(gt|gte|lt|lte|isnull|range)|end_date\s*[<>]|[<>]=?\s*[\w.]*end_date\b"
)
# The rule itself, the model's constraint of one open term per road and level, and the
# inspection areas' constraint that a term ends after it starts (the same date rule).
DEFINERS = {
    ROOT / "places" / "chiefs.py",
    ROOT / "places" / "models.py",
    ROOT / "inspections" / "models.py",
}
WEST_POINT = (113.96, 34.71)  # on 青年路's western segment (see conftest)


@dataclass(frozen=True)
class Term:
    level: RoadChiefLevel
    start: int  # days from today
    length: int | None  # days in office; None: open-ended
    west_only: bool  # chief of the western segment only, else of the whole road


terms = st.lists(
    st.builds(
        Term,
        level=st.sampled_from(list(RoadChiefLevel)),
        start=st.integers(min_value=-3, max_value=2),
        length=st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
        west_only=st.booleans(),
    ),
    min_size=1,
    max_size=4,
)


def test_every_reader_names_the_chiefs_the_rule_names(world: World) -> None:
    road, west, east = (
        world.qingnian,
        world.segments["qingnian-west"],
        world.segments["qingnian-east"],
    )
    case = CaseFactory(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=WEST_POINT[0],
        lat=WEST_POINT[1],
    )
    assert (case.road_id, case.segment_id) == (road.pk, west.pk)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(drawn=terms)
    @example(drawn=[Term(RoadChiefLevel.TOWNSHIP, -2, 2, False)])  # ends today: out
    @example(drawn=[Term(RoadChiefLevel.TOWNSHIP, -2, 3, False)])  # ends tomorrow: in
    @example(drawn=[Term(RoadChiefLevel.COUNTY, 0, None, True)])  # starts today: in
    @example(drawn=[Term(RoadChiefLevel.COUNTY, 1, None, False)])  # starts tomorrow: out
    def check(drawn: list[Term]) -> None:
        today = timezone.localdate()
        with transaction.atomic():
            current: dict[int, RoadChief] = {}  # user id -> their term, if current today
            chiefs: list[RoadChief] = []
            open_levels: set[str] = set()
            for n, term in enumerate(drawn):
                length = term.length
                if length is None and term.level in open_levels:
                    length = 1  # one open term per road and level (a constraint)
                if length is None:
                    open_levels.add(term.level)
                start = today + dt.timedelta(days=term.start)
                user = UserFactory(jurisdiction=world.jurisdiction, full_name=f"路长{n}")
                Membership.objects.create(
                    user=user, unit=world.township_unit_a, role=Role.ROAD_CHIEF
                )
                chief = RoadChief.objects.create(
                    road=road,
                    user=user,
                    level=term.level,
                    start_date=start,
                    end_date=None if length is None else start + dt.timedelta(days=length),
                )
                if term.west_only:
                    chief.segments.add(west)
                chiefs.append(chief)
                if road_chief_in_office(
                    start_date=chief.start_date, end_date=chief.end_date, on=today
                ):
                    current[user.pk] = chief
            whole = {uid for uid, c in current.items() if not c.segments.exists()}

            # The deadline ladder: whom it escalates to, per level and segment.
            audience = CaseAudience(jurisdiction_ids=[world.jurisdiction.pk])
            audience.load_road_chiefs([road.pk], today)
            for level in RoadChiefLevel:
                at_level = {uid for uid, c in current.items() if c.level == level}
                assert (
                    set(audience.road_chiefs(road_id=road.pk, segment_id=west.pk, level=level))
                    == at_level
                ), (level, drawn)
                assert (
                    set(audience.road_chiefs(road_id=road.pk, segment_id=east.pk, level=level))
                    == at_level & whole
                ), (level, drawn)

            # Case access and "my roads": a chief sees the cases on their road while current.
            for chief in chiefs:
                is_current = chief.user_id in current
                assert case_list_for(user=chief.user).filter(pk=case.pk).exists() is is_current
                assert any(r.road_id == road.pk for r in road_list_for_chief(user=chief.user)) is (
                    is_current
                )

            # The public board.
            board = next(
                b
                for b in road_board_list(jurisdiction=world.jurisdiction, today=today)
                if b.road_id == road.pk
            )
            assert sorted(c.name for c in board.chiefs) == sorted(
                c.user.full_name for c in current.values()
            ), drawn

            # The point lookup, on the western and the eastern segment.
            index = ResponsibilityIndex(
                geo_snapshot_load(jurisdiction=world.jurisdiction), today=lambda: today
            )
            on_west = index.resolve(*WEST_POINT)
            assert on_west.segment_id == west.pk
            assert {c[0] for c in on_west.road_chiefs} == set(current), drawn
            on_east = index.resolve(113.98, 34.71)
            assert on_east.segment_id == east.pk
            assert {c[0] for c in on_east.road_chiefs} == whole, drawn

            # The admin site's "现任" filter, and "已卸任" for started terms no longer current.
            ids = {c.pk for c in chiefs}
            assert _admin_filtered("yes") & ids == {c.pk for c in current.values()}, drawn
            former = {c.pk for c in chiefs if c.start_date <= today} - {
                c.pk for c in current.values()
            }
            assert _admin_filtered("no") & ids == former, drawn
            transaction.set_rollback(True)

    check()


def _admin_filtered(value: str) -> set[int]:
    request = RequestFactory().get("/")
    model_admin = admin.site._registry[RoadChief]
    params: dict[str, Any] = {"current": [value]}  # Django 5 passes lists; stubs say str
    chosen = CurrentFilter(request, params, RoadChief, model_admin)
    return set(chosen.queryset(request, RoadChief.objects.all()).values_list("pk", flat=True))


def test_no_module_that_reads_road_chiefs_dates_their_terms_itself() -> None:
    copies = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path in DEFINERS:
            continue
        text = path.read_text()
        if "chief" not in text.lower():
            continue
        for match in END_COMPARED.finditer(text):
            line = text[: match.start()].count("\n") + 1
            copies.append(f"{path.relative_to(ROOT.parent)}:{line}")
    assert copies == [], "ask jingxi.places.chiefs whether a term is current"
