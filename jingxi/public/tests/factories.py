"""Factories for the public side: citizens' feedback, reopen requests, suggestions,
media exposures, consultations and their comments, hearings and typical cases.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from jingxi.cases.models import AttachmentKind
from jingxi.cases.tests.factories import AttachmentFactory, CaseFactory
from jingxi.org.tests.factories import JurisdictionFactory, StaffFactory
from jingxi.public.citizen.choices import Rating
from jingxi.public.citizen.models import Feedback, ReopenRequest
from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    ConsultationKind,
    Hearing,
    MediaExposure,
    Suggestion,
    SuggestionChannel,
    TypicalCase,
    TypicalKind,
)


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    case = factory.SubFactory(CaseFactory)
    rating = Rating.SATISFIED
    comment = "处理及时"
    at = factory.LazyFunction(timezone.now)


class ReopenRequestFactory(factory.django.DjangoModelFactory):
    """A pending request to reopen a case the citizen finds not fixed."""

    class Meta:
        model = ReopenRequest

    case = factory.SubFactory(CaseFactory)
    reason = "垃圾仍未清理"
    at = factory.LazyFunction(timezone.now)


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suggestion

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    channel = SuggestionChannel.WEB
    title = factory.Sequence(lambda n: f"建议{n}：增设垃圾桶")
    text = "公园门口人流大，建议增设垃圾桶"
    received_at = factory.LazyFunction(timezone.now)


class MediaExposureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaExposure

    case = factory.SubFactory(CaseFactory)
    outlet = "中牟融媒"
    title = "路边垃圾无人清理"
    published_on = dt.date(2026, 11, 20)
    recorded_by = factory.SubFactory(
        StaffFactory, jurisdiction=factory.SelfAttribute("..case.jurisdiction")
    )
    recorded_at = factory.LazyFunction(timezone.now)


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A draft opinion consultation open for two weeks."""

    class Meta:
        model = Consultation

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    kind = ConsultationKind.OPINION
    title = factory.Sequence(lambda n: f"征求意见{n}")
    body = "关于城区门前三包责任制的征求意见稿"
    opens_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + dt.timedelta(days=14))
    created_by = factory.SubFactory(
        StaffFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    created_at = factory.SelfAttribute("opens_at")


class ConsultationCommentFactory(factory.django.DjangoModelFactory):
    """A comment awaiting moderation."""

    class Meta:
        model = ConsultationComment

    consultation = factory.SubFactory(ConsultationFactory)
    name = "李女士"
    text = "建议明确夜市摊位的责任划分"
    submitted_at = factory.LazyFunction(timezone.now)


class HearingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hearing

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    title = factory.Sequence(lambda n: f"听证会{n}")
    held_on = dt.date(2026, 11, 20)
    participants = "市民代表、部门代表"
    minutes = "与会代表同意征求意见稿"
    recorded_by = factory.SubFactory(
        StaffFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    recorded_at = factory.LazyFunction(timezone.now)


class TypicalCaseFactory(factory.django.DjangoModelFactory):
    """A positive typical case with its before and after photos."""

    class Meta:
        model = TypicalCase

    case = factory.SubFactory(CaseFactory)
    jurisdiction = factory.SelfAttribute("case.jurisdiction")
    kind = TypicalKind.POSITIVE
    title = factory.Sequence(lambda n: f"典型案例{n}")
    text = "发现后两小时内清理完毕"
    before_photo = factory.SubFactory(
        AttachmentFactory, case=factory.SelfAttribute("..case"), kind=AttachmentKind.BEFORE
    )
    after_photo = factory.SubFactory(
        AttachmentFactory, case=factory.SelfAttribute("..case"), kind=AttachmentKind.AFTER
    )
    chosen_by = factory.SubFactory(
        StaffFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    chosen_at = factory.LazyFunction(timezone.now)
