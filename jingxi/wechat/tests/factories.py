from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from jingxi.cases.tests.factories import AttachmentFactory, CaseFactory
from jingxi.org.tests.factories import JurisdictionFactory
from jingxi.wechat.models import Conversation, InboundMessage, PendingMedia


class ConversationFactory(factory.django.DjangoModelFactory):
    """An idle dialogue with a follower."""

    class Meta:
        model = Conversation

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    openid = factory.Sequence(lambda n: f"oTestOpenid{n:08d}")
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")


class InboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundMessage

    conversation = factory.SubFactory(ConversationFactory)
    key = factory.Sequence(lambda n: f"msg{n}")
    reply = "请发送问题所在位置"
    received_at = factory.LazyFunction(timezone.now)


class PendingMediaFactory(factory.django.DjangoModelFactory):
    """A photo of a case still to be fetched from WeChat's media store."""

    class Meta:
        model = PendingMedia

    case = factory.SubFactory(CaseFactory)
    media_id = factory.Sequence(lambda n: f"media{n}")
    received_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(minutes=1))


class FetchedMediaFactory(PendingMediaFactory):
    """A pending photo once fetched: stored as an attachment of its case."""

    attachment = factory.SubFactory(AttachmentFactory, case=factory.SelfAttribute("..case"))
    attempts = 1
    fetched_at = factory.LazyFunction(timezone.now)
