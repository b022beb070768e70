"""One answer to "what may this user do": `jingxi.org.roles`, and no second copy of it."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import Cast, World
from jingxi.org.choices import Role
from jingxi.org.models import Membership, Unit
from jingxi.org.roles import (
    NO_ROLES,
    PERMISSIONS,
    Perm,
    RoleSet,
    roles_for,
    roleset_from_names,
)
from jingxi.org.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
# Sets of roles written out where they are not defined: a set, tuple or list naming two
# roles or more (a single role names itself, not a group).
LITERAL_ROLE_SET = re.compile(r"[\[{(]\s*Role\.\w+\s*,\s*(Role\.|\*)")
# The two places that define sets of roles: the roles and their permissions, and the
# case workflow's table of who takes each action.
DEFINERS = {ROOT / "org" / "roles.py", ROOT / "cases" / "workflow.py"}


def test_no_module_writes_a_set_of_roles_of_its_own() -> None:
    copies = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path in DEFINERS:
            continue
        for match in LITERAL_ROLE_SET.finditer(path.read_text()):
            line = path.read_text()[: match.start()].count("\n") + 1
            copies.append(f"{path.relative_to(ROOT.parent)}:{line}")
    assert copies == [], "use a role group or a Perm of jingxi.org.roles"


def test_every_permission_names_its_roles() -> None:
    assert set(PERMISSIONS) == set(Perm)
    assert all(PERMISSIONS[p] <= set(Role) for p in Perm)


def test_the_three_administrators_hold_separate_permissions() -> None:
    admin = RoleSet(jurisdiction_id=1, units={Role.ADMIN: frozenset()})
    security = RoleSet(jurisdiction_id=1, units={Role.SECURITY_ADMIN: frozenset()})
    auditor = RoleSet(jurisdiction_id=1, units={Role.AUDITOR: frozenset()})
    assert admin.may(Perm.MASTER_DATA) and not admin.may(Perm.SECURITY)
    assert security.may(Perm.SECURITY) and not security.may(Perm.AUDIT)
    assert auditor.may(Perm.AUDIT) and not auditor.may(Perm.CASES)
    assert not security.may(Perm.CASES_ALL) and not auditor.may(Perm.CONTACTS)


def test_roles_are_read_with_their_units_in_one_query(
    cast: Cast, world: World, django_assert_num_queries: object
) -> None:
    Membership.objects.create(user=cast.handler_a, unit=world.traffic, role=Role.UNIT_HANDLER)
    with django_assert_num_queries(1):  # type: ignore[operator]  # pytest-django's fixture
        roles = roles_for(user=cast.handler_a)
    assert roles.held == {Role.UNIT_HANDLER}
    assert roles.unit_ids() == {world.sanitation.pk, world.traffic.pk}
    assert roles.holds_in(Role.UNIT_HANDLER, world.traffic.pk)


def test_staff_hold_no_role_outside_their_jurisdiction(cast: Cast, world: World) -> None:
    assert roles_for(user=cast.dispatcher).has(Role.DISPATCHER)
    other = cast.outsider.jurisdiction
    assert other is not None
    assert not roles_for(user=cast.dispatcher, jurisdiction_id=other.pk).is_staff
    # A membership in a unit of another county gives no role in one's own.
    unit = Unit.objects.create(jurisdiction=other, code="X", name="外区", kind="office")
    Membership.objects.create(user=cast.leader, unit=unit, role=Role.DISPATCHER)
    assert not roles_for(user=cast.leader).has(Role.DISPATCHER)


def test_users_without_a_jurisdiction_hold_nothing(cast: Cast) -> None:
    assert roles_for(user=cast.citizen) is NO_ROLES
    superuser = UserFactory(username="root", is_superuser=True, jurisdiction=None)
    assert not roles_for(user=superuser).is_staff


def test_the_report_path_reads_role_names_with_the_token() -> None:
    roles = roleset_from_names(jurisdiction_id=3, roles="inspector,road_chief")
    assert roles.held == {Role.INSPECTOR, Role.ROAD_CHIEF}
    assert roles.may(Perm.REPORT) and not roles.may(Perm.DOCUMENT_ISSUE)
    assert not roleset_from_names(jurisdiction_id=3, roles=None).is_staff
