"""The menu follows the user's roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import Cast, World
from jingxi.org.choices import Role
from jingxi.org.models import Membership
from jingxi.org.roles import Perm, roles_for
from jingxi.org.tests.factories import UserFactory
from jingxi.web.nav import NavEntry, nav_build


def _nav_keys(client: Client) -> list[str]:
    html = client.get("/").content.decode()
    return [k for k in ("home", "map", "quality", "admin") if f'data-nav="{k}"' in html]


def test_unit_handler_does_not_see_the_admin_link(client: Client, cast: Cast) -> None:
    client.force_login(cast.handler_a)
    keys = _nav_keys(client)
    assert "home" in keys
    assert "map" in keys
    assert "admin" not in keys


def test_admin_sees_the_admin_link(client: Client, cast: Cast) -> None:
    admin = UserFactory(
        username="admin",
        jurisdiction=cast.dispatcher.jurisdiction,
        is_staff=True,
        is_superuser=True,
    )
    client.force_login(admin)
    assert "admin" in _nav_keys(client)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_top_bar_shows_the_users_name_roles_and_jurisdiction(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    html = client.get("/").content.decode()
    assert "派遣员小李" in html
    assert "受理/派遣员" in html
    assert "中牟县" in html
    assert 'action="/accounts/logout/"' in html
    assert 'action="/i18n/setlang/"' in html


def test_current_page_is_marked_active(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    html = client.get("/map/").content.decode()
    assert 'data-nav="map" class="is-active" aria-current="page"' in html


def test_entries_show_only_to_roles_their_permission_admits(cast: Cast) -> None:
    entries = (
        NavEntry(key="home", label="工作台", url_name="web:home"),
        NavEntry(key="only", label="派遣", url_name="web:map", perms=(Perm.DOCUMENT_ISSUE,)),
        NavEntry(key="missing", label="未上线", url_name="nowhere:page"),
    )
    dispatcher = nav_build(roles=roles_for(user=cast.dispatcher), entries=entries)
    handler = nav_build(roles=roles_for(user=cast.handler_a), entries=entries)
    assert [link.key for link in dispatcher] == ["home", "only"]
    assert [link.key for link in handler] == ["home"]


def test_citizen_sees_only_the_home_page(cast: Cast) -> None:
    assert [link.key for link in nav_build(roles=roles_for(user=cast.citizen))] == ["home"]


@pytest.mark.parametrize(
    "who",
    [
        "dispatcher",
        "inspector",
        "road_chief",
        "handler_a",
        "unit_head_a",
        "assessor",
        "leader",
        "operator",
        "citizen",
        "outsider",
    ],
)
def test_every_menu_entry_opens_for_whom_it_is_shown(client: Client, cast: Cast, who: str) -> None:
    """No dead ends: the menu offers only pages that answer the user with a page."""
    user = getattr(cast, who)
    client.force_login(user)
    for link in nav_build(roles=roles_for(user=user)):
        response = client.get(link.url)
        assert response.status_code == 200, (who, link.url, response.status_code)


def test_admin_roles_open_the_pages_their_menu_shows(
    client: Client, cast: Cast, world: World
) -> None:
    for role in (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR):
        user = UserFactory(username=f"u_{role}", jurisdiction=world.jurisdiction, is_staff=True)
        Membership.objects.create(user=user, unit=world.office, role=role)
        client.force_login(user)
        for link in nav_build(roles=roles_for(user=user)):
            assert client.get(link.url).status_code == 200, (role, link.url)


def test_logged_out_visitor_is_sent_to_the_login_page(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_lists_demo_logins_except_in_production(
    client: Client, cast: Cast, settings: Any
) -> None:
    for mode in ("development", "demo"):
        settings.JINGXI_ENV = mode
        html = client.get("/accounts/login/").content.decode()
        assert 'data-demo-user="dispatcher"' in html, mode
    settings.JINGXI_ENV = "production"
    html = client.get("/accounts/login/").content.decode()
    assert "data-demo-user" not in html


def test_supervision_orders_are_in_the_menu_of_every_role_that_may_read_them(
    client: Client, cast: Cast
) -> None:
    """督办单 had no way in but a button on the notices page: the menu offers it, as it
    does the notices, to every role with the document archive, and only to them."""
    readers = {"dispatcher", "road_chief", "handler_a", "unit_head_a", "leader"}
    for who in (*sorted(readers), "inspector", "assessor", "operator"):
        user = getattr(cast, who)
        client.force_login(user)
        html = client.get("/").content.decode()
        shown = {key for key in ("notices", "supervision") if f'data-nav="{key}"' in html}
        assert shown == ({"notices", "supervision"} if who in readers else set()), who
