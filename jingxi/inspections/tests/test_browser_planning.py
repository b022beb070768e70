"""In Chromium: the inspector opens their route on the map; the dispatcher the day's plan."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from conftest import Cast, World
from jingxi.inspections.models import Route
from jingxi.inspections.roster import roster_fill
from jingxi.inspections.routes import plan_make
from jingxi.inspections.tests.factories import InspectorFactory, RouteStartFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]

SCREENSHOTS = "/tmp/jingxi-inspections-{name}.png"
DAY = dt.date(2026, 6, 10)


def _log_in(page: Page, base: str, cast: Cast, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", cast.password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_inspector_sees_their_route_on_the_map(
    live_server: Any, transactional_db: None, world: World, cast: Cast, page: Page
) -> None:
    j = world.jurisdiction
    start = RouteStartFactory(jurisdiction=j, name="县精细办", lng=113.95, lat=34.71)
    InspectorFactory(jurisdiction=j, user=cast.inspector, start=start)
    roster_fill(jurisdiction=j, inspectors=[cast.inspector], start=DAY, end=DAY)
    plan = plan_make(jurisdiction=j, day=DAY, by=None, reason="每日生成")
    route = Route.objects.get(plan=plan, inspector=cast.inspector)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    _log_in(page, base, cast, "inspector")
    page.goto(f"{base}/inspections/routes/{route.pk}/")
    page.wait_for_selector("#route-map path.leaflet-interactive")
    assert page.locator("#route-stops li[data-segment]").count() == 4
    page.screenshot(path=SCREENSHOTS.format(name="route"), full_page=True)
    assert errors == []


def test_dispatcher_sees_the_days_plan(
    live_server: Any, transactional_db: None, world: World, cast: Cast, page: Page
) -> None:
    j = world.jurisdiction
    InspectorFactory(jurisdiction=j, user=cast.inspector)
    roster_fill(jurisdiction=j, inspectors=[cast.inspector], start=DAY, end=DAY)
    plan_make(jurisdiction=j, day=DAY, by=None, reason="每日生成")
    base = live_server.url
    _log_in(page, base, cast, "dispatcher")
    page.goto(f"{base}/inspections/plans/{DAY.isoformat()}/")
    page.fill("#plan-regenerate textarea, #plan-regenerate input[name=reason]", "督导员请假")
    page.click("#plan-regenerate button[type=submit]")
    page.wait_for_selector("#plan-changes")
    assert page.locator("#plan-changes tbody tr").count() == 2
    page.screenshot(path=SCREENSHOTS.format(name="plan"), full_page=True)
