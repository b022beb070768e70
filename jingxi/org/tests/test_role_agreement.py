"""Every door that asks "may this user?" answers what `jingxi.org.roles` answers.

Users with random role sets, held in random units (some of another jurisdiction, where
they hold nothing here), are put to each caller: the menu shows an entry exactly when its
page opens (200, never 404 or 403), the hotline admits exactly whom `Perm.HOTLINE`
admits, and the report sources a user may claim exist exactly when `Perm.REPORT` admits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.cases.access import PATROL_SOURCES, SOURCES_BY_ROLE, report_sources_for
from jingxi.cases.choices import Source
from jingxi.hotline.access import NoJurisdiction, hotline_jurisdiction_for
from jingxi.org.choices import Role
from jingxi.org.models import Membership, Unit, User
from jingxi.org.roles import PATROL_ROLES, PERMISSIONS, Perm, RoleSet, roles_for
from jingxi.org.tests.factories import UnitFactory, UserFactory
from jingxi.web.nav import NAV_ENTRIES, nav_build

UNIT_KEYS = ("office", "sanitation", "traffic", "township_unit_a", "assessor_unit", "elsewhere")
# A role held in a unit (by key of `World`, or "elsewhere": another jurisdiction's unit).
holdings = st.lists(st.tuples(st.sampled_from(list(Role)), st.sampled_from(UNIT_KEYS)), max_size=4)
AGREEMENT = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _each_role_alone(test: Callable[..., None]) -> Callable[..., None]:
    """Besides the generated ones: no role, and each role alone in the office, so every
    entry is both shown and hidden whatever the generated examples are."""
    test = example(held=[])(test)
    for role in Role:
        test = example(held=[(role, "office")])(test)
    return test


def _units(world: World) -> dict[str, Unit]:
    units = {key: getattr(world, key) for key in UNIT_KEYS if key != "elsewhere"}
    units["elsewhere"] = UnitFactory(jurisdiction__code="410102", jurisdiction__name="中原区")
    return units


@contextmanager
def _generated_user(
    world: World, units: dict[str, Unit], held: list[tuple[Role, str]]
) -> Iterator[User]:
    """A staff user holding `held`, rolled back after the example."""
    with transaction.atomic():
        user = UserFactory(jurisdiction=world.jurisdiction, is_staff=True)
        for role, key in set(held):
            Membership.objects.create(user=user, unit=units[key], role=role)
        yield user
        transaction.set_rollback(True)


def _url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:  # an app not installed: the menu leaves it out too
        return None


def test_the_menu_shows_an_entry_exactly_when_its_page_opens(world: World, cast: Cast) -> None:
    units = _units(world)
    seen: set[tuple[str, bool]] = set()

    @AGREEMENT
    @given(held=holdings)
    @_each_role_alone
    def check(held: list[tuple[Role, str]]) -> None:
        with _generated_user(world, units, held) as user:
            shown = {link.key for link in nav_build(roles=roles_for(user=user))}
            client = Client()
            client.force_login(user)
            for entry in NAV_ENTRIES:
                url = _url(entry.url_name)
                if url is None:
                    continue
                status = client.get(url).status_code
                assert (entry.key in shown) == (status == 200), (entry.key, held, status)
                assert status in (200, 403, 404), (entry.key, held, status)
                seen.add((entry.key, entry.key in shown))

    check()
    # The users both saw and missed every entry that needs a permission.
    gated = {entry.key for entry in NAV_ENTRIES if entry.perms and _url(entry.url_name)}
    assert {key for key, shown in seen if shown} >= gated
    assert {key for key, shown in seen if not shown} >= gated


def test_the_hotline_admits_exactly_whom_the_rule_admits(world: World) -> None:
    units = _units(world)

    @AGREEMENT
    @given(held=holdings)
    def check(held: list[tuple[Role, str]]) -> None:
        with _generated_user(world, units, held) as user:
            expected = roles_for(user=user).may(Perm.HOTLINE)
            assert expected == any(
                role in PERMISSIONS[Perm.HOTLINE] and key != "elsewhere" for role, key in held
            )
            try:
                hotline_jurisdiction_for(user=user)
                admitted = True
            except NoJurisdiction:
                raise
            except PermissionDenied:
                admitted = False
            assert admitted == expected, held

    check()


CLAIMABLE = sorted({source for sources in SOURCES_BY_ROLE.values() for source in sources})


def test_the_api_takes_reports_exactly_from_whom_the_rule_admits(world: World) -> None:
    """Both API paths (session: the serializer's; token: the direct path, which reads the
    roles with the token) accept a report exactly when the roles may claim its source."""
    units = _units(world)

    @AGREEMENT
    @given(held=holdings, source=st.sampled_from(CLAIMABLE))
    @example(held=[(Role.INSPECTOR, "office")], source=Source.INSPECTOR)  # accepted
    @example(held=[(Role.INSPECTOR, "elsewhere")], source=Source.INSPECTOR)  # refused
    @example(held=[(Role.DISPATCHER, "office")], source=Source.ROAD_CHIEF)  # refused
    def check(held: list[tuple[Role, str]], source: str) -> None:
        with _generated_user(world, units, held) as user:
            expected = 201 if source in report_sources_for(roles=roles_for(user=user)) else 403
            body = {
                "category": world.exposed_garbage.pk,
                "lng": 113.955,
                "lat": 34.7102,
                "description": "青年路暴露垃圾",
                "source": source,
            }
            session = Client()
            session.force_login(user)
            token = Token.objects.create(user=user)
            for client, headers in (
                (session, {}),
                (Client(), {"Authorization": f"Token {token.key}"}),
            ):
                response = client.post(
                    reverse("api-case-list"), body, content_type="application/json", headers=headers
                )
                assert response.status_code == expected, (held, source, headers, response.content)

    check()


@given(held=st.frozensets(st.sampled_from(list(Role))))
def test_report_sources_follow_the_report_permission(held: frozenset[Role]) -> None:
    roles = RoleSet(jurisdiction_id=1, units=dict.fromkeys(held, frozenset({1})))
    sources = report_sources_for(roles=roles)
    assert bool(sources) == roles.may(Perm.REPORT)
    assert bool(PATROL_SOURCES & set(sources)) == roles.has_any(PATROL_ROLES)


def test_every_role_that_may_report_has_its_sources() -> None:
    assert set(SOURCES_BY_ROLE) == PERMISSIONS[Perm.REPORT]
