from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from jingxi.accounts.models import PasswordHistory
from jingxi.org.tests.factories import UserFactory


class PasswordHistoryFactory(factory.django.DjangoModelFactory):
    """A password the user had (its hash, as the password change keeps it)."""

    class Meta:
        model = PasswordHistory

    user = factory.SubFactory(UserFactory)
    password = factory.Sequence(lambda n: make_password(f"old-pass-{n}"))
