"""Factories for cases. A case and its events exist only as the services make them
(numbered, routed, logged), so these factories call `case_report`, `case_transition`,
`attachment_add`, `notice_issue` and `supervision_order_issue`; they create, never
build.

Tests using them should take the `_fresh_map_index` fixture: each test's geography
starts again at geo version 0.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import factory
from django.utils import timezone
from PIL import Image

from jingxi.cases.choices import Action, Source
from jingxi.cases.documents import notice_issue, supervision_order_issue
from jingxi.cases.evidence import attachment_add
from jingxi.cases.models import (
    Attachment,
    AttachmentKind,
    Case,
    CaseEvent,
    LoopSettings,
    Notice,
    SupervisionOrder,
)
from jingxi.cases.services import case_report, case_transition
from jingxi.catalog.tests.factories import ReportableCategoryFactory
from jingxi.org.models import User
from jingxi.org.tests.factories import JurisdictionFactory, StaffFactory, UnitFactory
from jingxi.places.tests.factories import TownshipFactory


def centre_of(geometry: dict[str, Any]) -> tuple[float, float]:
    """The centre of a polygon's outer ring (the factories' townships are boxes)."""
    ring = geometry["coordinates"][0][:-1]
    return (
        sum(p[0] for p in ring) / len(ring),
        sum(p[1] for p in ring) / len(ring),
    )


def photo(n: int) -> bytes:
    """A small PNG whose colour (so whose sha256: PNG is lossless) depends on `n`."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (n % 256, (n // 256) % 256, 120)).save(out, "PNG")
    return out.getvalue()


def _dispatcher_of(case: Case) -> User:
    return StaffFactory(jurisdiction=case.jurisdiction)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case reported by a citizen at the centre of a township, through `case_report`."""

    class Meta:
        model = Case

    class Params:
        township = factory.SubFactory(
            TownshipFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
        )

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    category = factory.SubFactory(
        ReportableCategoryFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    lng = factory.LazyAttribute(lambda o: centre_of(o.township.geometry)[0])
    lat = factory.LazyAttribute(lambda o: centre_of(o.township.geometry)[1])
    description = factory.Sequence(lambda n: f"测试问题{n}：路边有一堆暴露垃圾")
    source = Source.CITIZEN_WEB

    @classmethod
    def _create(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        return case_report(**kwargs)


class DispatchedCaseFactory(CaseFactory):
    """A case filed and dispatched to `unit` by a dispatcher of its jurisdiction."""

    unit = factory.SubFactory(UnitFactory, jurisdiction=factory.SelfAttribute("..jurisdiction"))

    @classmethod
    def _create(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        unit = kwargs.pop("unit")
        case = case_report(**kwargs)
        dispatcher = _dispatcher_of(case)
        case = case_transition(case_id=case.pk, action=Action.FILE, actor=dispatcher)
        return case_transition(case_id=case.pk, action=Action.DISPATCH, actor=dispatcher, unit=unit)


class CaseEventFactory(factory.django.DjangoModelFactory):
    """The event of filing a reported case (events are only appended by the services)."""

    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    actor = factory.LazyAttribute(lambda o: _dispatcher_of(o.case))
    action = Action.FILE
    note = "符合立案条件"

    @classmethod
    def _create(cls, model_class: type[CaseEvent], *args: Any, **kwargs: Any) -> CaseEvent:
        case = kwargs.pop("case")
        case_transition(case_id=case.pk, **kwargs)
        return case.events.latest("id")  # type: ignore[no-any-return]


class LoopSettingsFactory(factory.django.DjangoModelFactory):
    """A jurisdiction's loop settings (one row each: got or created, as
    `loop_settings_get` does)."""

    class Meta:
        model = LoopSettings
        django_get_or_create = ("jurisdiction",)

    jurisdiction = factory.SubFactory(JurisdictionFactory)


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A before-photo of a case, checked and stored by `attachment_add`."""

    class Meta:
        model = Attachment

    case = factory.SubFactory(CaseFactory)
    file = factory.Sequence(photo)
    kind = AttachmentKind.BEFORE
    actor = factory.LazyAttribute(lambda o: _dispatcher_of(o.case))

    @classmethod
    def _create(cls, model_class: type[Attachment], *args: Any, **kwargs: Any) -> Attachment:
        return attachment_add(**kwargs)


class NoticeFactory(factory.django.DjangoModelFactory):
    """A rectification notice for one dispatched case, numbered by `notice_issue`."""

    class Meta:
        model = Notice

    case = factory.SubFactory(DispatchedCaseFactory)
    content = "请于期限内完成整改并反馈"
    deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    actor = factory.LazyAttribute(lambda o: _dispatcher_of(o.case))

    @classmethod
    def _create(cls, model_class: type[Notice], *args: Any, **kwargs: Any) -> Notice:
        case = kwargs.pop("case")
        return notice_issue(jurisdiction=case.jurisdiction, unit=case.unit, cases=[case], **kwargs)


class SupervisionOrderFactory(factory.django.DjangoModelFactory):
    """A leader-flagged supervision order for a dispatched case, by a dispatcher."""

    class Meta:
        model = SupervisionOrder

    case = factory.SubFactory(DispatchedCaseFactory)
    reason = "leader"
    content = "请加快处置并按时反馈"
    deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    actor = factory.LazyAttribute(lambda o: _dispatcher_of(o.case))

    @classmethod
    def _create(
        cls, model_class: type[SupervisionOrder], *args: Any, **kwargs: Any
    ) -> SupervisionOrder:
        return supervision_order_issue(**kwargs)
