"""In Chromium: a dispatcher logs in and sees the county map with its layers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.urls import NoReverseMatch, reverse

from conftest import Cast, World
from jingxi.cases.choices import Source
from jingxi.cases.services import case_report

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]

SCREENSHOTS = "/tmp/jingxi-web-{name}.png"


def _log_in(page: Page, base: str, cast: Cast, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", cast.password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _click_at(page: Page, *, lng: float, lat: float) -> None:
    """Click the map at a geographic point."""
    box = page.locator("#jx-map").bounding_box()
    assert box is not None
    point = page.evaluate(
        "([lat, lng]) => document.getElementById('jx-map')._jxMap"
        ".latLngToContainerPoint([lat, lng])",
        [lat, lng],
    )
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def _geocode_exists() -> bool:
    try:
        reverse("places:address-geocode")
    except NoReverseMatch:
        return False
    return True


def test_dispatcher_logs_in_and_sees_the_county_map(
    live_server: Any, transactional_db: None, world: World, cast: Cast, page: Page
) -> None:
    base = live_server.url
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.705,
        description="暴露垃圾",
        source=Source.CITIZEN_WEB,
    )
    page.goto(f"{base}/accounts/login/")
    page.screenshot(path=SCREENSHOTS.format(name="login"))
    _log_in(page, base, cast, cast.dispatcher.username)
    assert page.locator("[data-nav=map]").is_visible()
    assert page.locator("[data-figure=d_inbox] .tile__value").inner_text() == "1"
    page.screenshot(path=SCREENSHOTS.format(name="home"), full_page=True)

    page.click("[data-nav=map]")
    page.wait_for_url(f"{base}/map/")
    page.wait_for_selector("#jx-map[data-loaded-townships='2']")
    page.wait_for_selector("#jx-map[data-loaded-segments='4']")
    # Township polygons and road lines are drawn as SVG paths: 2 + 4 at least.
    page.wait_for_function("() => document.querySelectorAll('#jx-map svg path').length >= 6")
    # The county fits the view at zoom >= 14, so the grids load too.
    page.wait_for_selector("#jx-map[data-loaded-grids='8']")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    text = " ".join(labels)
    for name in ("乡镇/街道", "社区/村", "单元网格", "道路", "部件", "在办案卷"):
        assert name in text
    # The open case is a point whose popup links to its page.
    page.wait_for_selector("#jx-map[data-loaded-cases='1']")
    page.locator(".jx-case-dot").click()
    link = page.locator(".leaflet-popup-content a", has_text="打开案卷")
    link.wait_for()
    assert link.get_attribute("href") == f"/cases/{case.pk}/"
    assert case.number in page.locator(".leaflet-popup-content").inner_text()
    page.click(".leaflet-popup-close-button")
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert page.locator(".township-label", has_text="青年路街道").is_visible()

    # A click on 青年路 opens its popup with its road chief.
    _click_at(page, lng=113.96, lat=34.71)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "青年路" in popup.inner_text()
    assert "路长老王" in popup.inner_text()
    page.wait_for_timeout(300)  # the popup fades in
    page.screenshot(path=SCREENSHOTS.format(name="map"))

    if not _geocode_exists():
        pytest.skip("places:address-geocode is not there yet: search not tested")
    page.click(".leaflet-popup-close-button")
    page.fill("#jx-map-q", "青年路与建设路交叉口")
    page.click(".mapsearch__form button[type=submit]")
    candidate = page.locator(".mapsearch__candidate").first
    candidate.wait_for()
    label = candidate.inner_text()
    assert "青年路" in label
    assert "建设路" in label
    candidate.click()
    # The map flies there and tells what is here: address, township, road chiefs.
    # (Wait for the place's popup itself: the segment's, closed above, may still fade out.)
    here = page.locator(".leaflet-popup-content", has_text="地址").filter(has_text="路长老王")
    here.wait_for()
    assert "路长老王" in here.inner_text()
    assert "青年路街道" in here.inner_text() or "东风路街道" in here.inner_text()
    page.wait_for_timeout(300)
    page.screenshot(path=SCREENSHOTS.format(name="map-search"))


def test_unit_handler_sees_english_after_switching_language(
    live_server: Any, transactional_db: None, cast: Cast, page: Page
) -> None:
    base = live_server.url
    _log_in(page, base, cast, cast.handler_a.username)
    assert page.locator("[data-nav=home]").inner_text() == "工作台"
    assert page.locator("[data-nav=admin]").count() == 0
    page.click(".langswitch button[value=en]")
    page.wait_for_load_state()
    page.locator("[data-nav=home]", has_text="Dashboard").wait_for()
    assert page.locator("[data-nav=map]").inner_text() == "Map"
    page.screenshot(path=SCREENSHOTS.format(name="home-en"), full_page=True)
