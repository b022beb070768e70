"""In Chromium: the main pages work under the Content Security Policy, with no violation.

Chromium reports every refused script, style, image or connection as a
`securitypolicyviolation` event and a console error; both are collected from the first
byte of each page (an init script) and any one fails the test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from conftest import Cast, World
from jingxi.cases.choices import Source
from jingxi.cases.services import case_report
from jingxi.org.tests.factories import UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

pytestmark = [pytest.mark.browser]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(
    e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " " + (e.sample || "")
  );
});
"""


class Watched:
    """A page whose CSP violations (events and console errors) are collected."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.add_init_script(COLLECT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console: list[str] = []
        self.page.on("console", self._console)
        self.seen: list[str] = []

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(text)

    def visit(self, url: str, *, ready: str) -> Page:
        """Open `url`, wait for `ready` (a selector showing its scripts ran), then check."""
        self.page.goto(url)
        self.page.wait_for_selector(ready)
        self.page.wait_for_timeout(300)  # late loads (tiles, lazy scripts) report too
        self.check(url)
        return self.page

    def check(self, url: str) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        self.seen.append(url)
        assert violations == [], f"{url}: {violations}"
        assert self.console == [], f"{url}: {self.console}"


def _log_in(watched: Watched, base: str, username: str, password: str) -> None:
    page = watched.page
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")
    watched.check(f"{base}/")


def test_main_pages_load_without_a_content_security_policy_violation(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser
) -> None:
    base = live_server.url
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="青年路暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
    )

    citizen = Watched(browser)
    citizen.visit(f"{base}/public/report/", ready="#pick-map.leaflet-container")
    citizen.visit(f"{base}/public/", ready="main")
    citizen.visit(f"{base}/no-such-page/", ready="[data-status='404']")
    citizen.visit(f"{base}/accounts/login/", ready="form.login__form")

    staff = Watched(browser)
    _log_in(staff, base, cast.dispatcher.username, cast.password)
    staff.visit(f"{base}/map/", ready="#jx-map[data-loaded-segments]")
    staff.visit(f"{base}/cases/{case.pk}/", ready="#case-map.leaflet-container")
    staff.visit(f"{base}/cases/new/", ready="#pick-map.leaflet-container")
    staff.visit(f"{base}/cases/", ready="main")
    docs = staff.visit(f"{base}/api/docs/", ready=".swagger-ui .opblock")
    assert docs.locator(".swagger-ui .opblock").count() > 0
    assert len(staff.seen) == 6

    # The admin site (Django's own templates and scripts) under the same policy.
    UserFactory(username="root", is_superuser=True, is_staff=True, jurisdiction=world.jurisdiction)
    admin = Watched(browser)
    _log_in(admin, base, "root", cast.password)  # the admin's login sends to the one page
    admin.check(f"{base}/admin/")
    admin.visit(f"{base}/admin/org/unit/", ready="#result_list")
    admin.visit(f"{base}/admin/org/unit/{world.office.pk}/change/", ready="#unit_form")
    admin.visit(
        f"{base}/admin/places/township/{world.township_a.pk}/change/",
        ready=".jingxi-geo-preview.leaflet-container",
    )
    for watched in (citizen, staff, admin):
        watched.context.close()
