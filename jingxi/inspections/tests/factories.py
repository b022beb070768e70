"""Factories for the inspections models: valid defaults, so a test states only what
matters to it. Others add their own below; keep each factory small."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from jingxi.cases.tests.factories import CaseFactory
from jingxi.catalog.tests.factories import MinorCategoryFactory
from jingxi.inspections.choices import DutyChangeKind, DutyStatus, RoundStatus, TravelMode
from jingxi.inspections.models import (
    AreaAssignment,
    ChecklistTick,
    Duty,
    DutyChange,
    DutyShift,
    FrequencyRule,
    GapNotice,
    InspectionSettings,
    Inspector,
    Plan,
    PlanChange,
    PlanItem,
    Round,
    RoundFinding,
    RoundSegment,
    Route,
    RouteStart,
    ScopeGrid,
    TrackPoint,
)
from jingxi.org.tests.factories import JurisdictionFactory, UserFactory
from jingxi.places.tests.factories import GridFactory, SegmentFactory

DAY = dt.date(2026, 6, 1)


class InspectionSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionSettings
        django_get_or_create = ("jurisdiction",)

    jurisdiction = factory.SubFactory(JurisdictionFactory)


class RouteStartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RouteStart

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"起点{n}")
    lng = 113.976
    lat = 34.719


class InspectorFactory(factory.django.DjangoModelFactory):
    """An inspector's profile; the user is in the profile's jurisdiction."""

    class Meta:
        model = Inspector

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    user = factory.SubFactory(UserFactory, jurisdiction=factory.SelfAttribute("..jurisdiction"))
    travel_mode = TravelMode.FOOT


class AreaAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaAssignment

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    inspector = factory.SubFactory(
        UserFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    grid = factory.SubFactory(GridFactory)
    start_date = DAY - dt.timedelta(days=30)
    end_date = None


class ScopeGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScopeGrid

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    grid = factory.SubFactory(GridFactory)


class FrequencyRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrequencyRule

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    segment = factory.SubFactory(
        SegmentFactory, road__jurisdiction=factory.SelfAttribute("...jurisdiction")
    )
    every_days = 3


class DutyShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyShift

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"班次{n}")
    starts = dt.time(8, 0)
    ends = dt.time(17, 0)


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duty

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    inspector = factory.SubFactory(
        UserFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    day = DAY
    status = DutyStatus.ON_DUTY


class DutyChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyChange

    duty = factory.SubFactory(DutyFactory)
    kind = DutyChangeKind.ABSENCE
    at = factory.LazyFunction(timezone.now)
    reason = "病假"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    day = factory.Sequence(lambda n: DAY + dt.timedelta(days=n))
    generated_at = factory.LazyFunction(timezone.now)


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    plan = factory.SubFactory(PlanFactory)
    segment = factory.SubFactory(SegmentFactory)
    length_m = 500.0


class PlanChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanChange

    plan = factory.SubFactory(PlanFactory)
    version = 1
    at = factory.LazyFunction(timezone.now)
    reason = "每日生成"
    # Not blank in the model (full_clean refuses an empty list): one moved segment.
    moved = factory.LazyFunction(lambda: [{"segment": 1, "from": None, "to": None}])


class RouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Route

    plan = factory.SubFactory(PlanFactory)
    inspector = factory.SubFactory(
        UserFactory, jurisdiction=factory.SelfAttribute("..plan.jurisdiction")
    )
    required_m = 1000.0
    length_m = 1200.0
    minutes = 18
    geometry = {"type": "LineString", "coordinates": [[113.97, 34.71], [113.98, 34.71]]}
    stops = factory.LazyFunction(lambda: [{"kind": "segment", "id": 1}])


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    inspector = factory.SubFactory(
        UserFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    client_id = factory.LazyFunction(uuid.uuid4)
    day = DAY
    travel_mode = TravelMode.FOOT
    status = RoundStatus.ENDED
    started_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(dt.datetime.combine(o.day, dt.time(8, 0)))
    )
    ended_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(dt.datetime.combine(o.day, dt.time(12, 0)))
    )
    # Not blank in the model (full_clean refuses an empty dict).
    points_dropped = factory.LazyFunction(lambda: {"duplicate": 0})


class RoundSegmentFactory(factory.django.DjangoModelFactory):
    """A segment a round walked (ratio 1)."""

    class Meta:
        model = RoundSegment

    round = factory.SubFactory(RoundFactory)
    segment = factory.SubFactory(SegmentFactory)
    covered_m = 500.0
    ratio = 1.0
    walked = True


class TrackPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackPoint

    round = factory.SubFactory(RoundFactory)
    seq = factory.Sequence(lambda n: n)
    at = factory.LazyAttribute(lambda o: o.round.started_at)
    lng = 113.976
    lat = 34.719
    accuracy_m = 8.0


class RoundFindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundFinding

    round = factory.SubFactory(RoundFactory)
    client_id = factory.LazyFunction(uuid.uuid4)
    case = factory.SubFactory(
        CaseFactory, jurisdiction=factory.SelfAttribute("..round.jurisdiction")
    )
    at = factory.LazyAttribute(lambda o: o.round.started_at)


class ChecklistTickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistTick

    round = factory.SubFactory(RoundFactory)
    client_id = factory.LazyFunction(uuid.uuid4)
    segment = factory.SubFactory(SegmentFactory)
    category = factory.SubFactory(MinorCategoryFactory)
    ok = True
    at = factory.LazyAttribute(lambda o: o.round.started_at)


class GapNoticeFactory(factory.django.DjangoModelFactory):
    """A morning gap notice (the office's; written by `notifications.gap_notice_record`)."""

    class Meta:
        model = GapNotice

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    day = factory.Sequence(lambda n: DAY + dt.timedelta(days=n))
    at = factory.LazyFunction(timezone.now)
    segments = 2
    length_m = 1500.0
