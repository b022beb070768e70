"""Factories for the audit trail: entries are chained by hash, so only `audit_record`
appends them."""

from __future__ import annotations

from typing import Any

import factory

from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.audit.services import audit_record
from jingxi.org.tests.factories import UserFactory


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """A successful login of a user."""

    class Meta:
        model = AuditEntry

    kind = AuditKind.LOGIN_SUCCEEDED
    actor = factory.SubFactory(UserFactory)
    client_address = "192.0.2.10"

    @classmethod
    def _create(cls, model_class: type[AuditEntry], *args: Any, **kwargs: Any) -> AuditEntry:
        return audit_record(**kwargs)
