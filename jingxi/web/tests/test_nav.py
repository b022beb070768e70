"""The menu follows the user's roles."""

from __future__ import annotations

from typing import Any

from django.test import Client

from conftest import Cast
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


def test_role_entries_show_only_to_holders_of_the_role(cast: Cast) -> None:
    entries = (
        NavEntry(key="home", label="工作台", url_name="web:home"),
        NavEntry(key="only", label="派遣", url_name="web:map", roles=frozenset({"dispatcher"})),
        NavEntry(key="missing", label="未上线", url_name="nowhere:page"),
    )
    dispatcher = nav_build(user=cast.dispatcher, roles={"dispatcher"}, entries=entries)
    handler = nav_build(user=cast.handler_a, roles={"unit_handler"}, entries=entries)
    assert [link.key for link in dispatcher] == ["home", "only"]
    assert [link.key for link in handler] == ["home"]


def test_citizen_without_jurisdiction_sees_no_staff_menu(cast: Cast) -> None:
    assert nav_build(user=cast.citizen, roles=set()) == []


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
