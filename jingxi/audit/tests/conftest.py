"""The three administrators of 三员分立, beside the fixed cast, in the cast's office."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from conftest import Cast, World
from jingxi.org.choices import Role
from jingxi.org.models import Membership, User
from jingxi.org.tests.factories import UserFactory


@dataclass
class Administrators:
    system: User  # 系统管理员: master data
    security: User  # 安全管理员: users, roles, keys
    auditor: User  # 安全审计员: the audit trail


def _administrator(world: World, username: str, name: str, role: str) -> User:
    user = UserFactory(username=username, full_name=name, jurisdiction=world.jurisdiction)
    Membership.objects.create(user=user, unit=world.office, role=role)
    return user


@pytest.fixture
def admins(world: World, cast: Cast) -> Administrators:
    return Administrators(
        system=_administrator(world, "sysadmin", "系统管理员老陈", Role.ADMIN),
        security=_administrator(world, "secadmin", "安全管理员老孙", Role.SECURITY_ADMIN),
        auditor=_administrator(world, "auditor", "审计员小吴", Role.AUDITOR),
    )


def client_for(user: User, *, second_factor: bool = False) -> Client:
    """A logged-in client; `second_factor`: with a verified TOTP device in the session,
    as production requires of the administrator roles."""
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(user)
    if second_factor:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client
