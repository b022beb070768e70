"""Simplified Chinese by default; English through the language switch."""

from __future__ import annotations

from django.test import Client
from django.utils import translation

from conftest import Cast
from jingxi.web.templatetags.jingxi_map import map_labels


def test_chinese_is_the_default(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'aria-current="page">工作台</a>' in html


def test_switching_to_english_shows_english_navigation(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert 'aria-current="page">Dashboard</a>' in html
    assert 'data-nav="map">Map</a>' in html
    assert "Log out" in html
    assert "Fine-grained Management Platform" in html
    assert "Dispatcher" in html  # the role, from org's choices
    assert "Intake and dispatch" in html  # the dispatcher's section of the home page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'aria-current="page">工作台</a>' in client.get("/").content.decode()


def test_login_page_is_translated(client: Client, db: None) -> None:
    client.cookies["django_language"] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert "Username" in html
    assert "Password" in html


def test_map_labels_and_model_names_have_english(db: None) -> None:
    with translation.override("en"):
        labels = map_labels()
        from jingxi.places.models import Grid, Road

        assert labels["townships"] == "Townships/streets"
        assert labels["grids_hint"] == "Zoom in to level 14 to see grids"
        assert str(Road._meta.verbose_name) == "Road"
        assert str(Grid._meta.verbose_name) == "Grid"
    with translation.override("zh-hans"):
        assert map_labels()["townships"] == "乡镇/街道"
