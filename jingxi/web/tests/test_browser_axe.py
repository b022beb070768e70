"""In Chromium: axe-core finds no serious or critical accessibility violation on the main
staff pages (each as the role that works on it) and the main public pages, at desktop
width and on a phone (390 × 844).

axe-core is served locally (scripts/fetch_assets.py puts it in static/vendor/axe-core/)
and injected from that file through the DevTools protocol, so the page's Content Security
Policy does not stand in its way and no page ever loads it itself.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import Cast, World
from jingxi.bulletins import services as bulletins
from jingxi.cases.choices import Action, Source
from jingxi.cases.documents import notice_issue, supervision_order_issue
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.notify.tests.factories import NotificationFactory
from jingxi.org.models import User

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

pytestmark = [pytest.mark.browser]

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")

# Runs axe on the whole document, with WCAG 2.5.8's target size (off by default in
# axe 4.x), and keeps what must not ship: one line per element.
RUN_AXE = """
async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"], rules: {"target-size": {enabled: true}},
  });
  const lines = [];
  for (const v of result.violations) {
    if (!["serious", "critical"].includes(v.impact)) continue;
    for (const node of v.nodes) {
      lines.push(`${v.id} (${v.impact}) at ${node.target.join(" ")}: ${v.help}`
        + (node.failureSummary ? " — " + node.failureSummary.replace(/\\s+/g, " ") : ""));
    }
  }
  return lines;
}
"""

SKIP_LINK = """
() => {
  let link = document.activeElement;
  if (!link || !link.matches("a.skiplink")) {
    // A page that puts the focus in a field of its own (autofocus) starts Tab there.
    const first = document.querySelector("a[href], button, input:not([type=hidden]), select");
    if (!document.querySelector("main [autofocus]") || !first.matches("a.skiplink")) {
      return "not the first stop of Tab";
    }
    link = first;
    link.focus();
  }
  const target = document.querySelector(link.getAttribute("href"));
  if (!target || target.tagName !== "MAIN") return "does not lead to <main>";
  const box = link.getBoundingClientRect();
  return box.top >= 0 && box.height >= 24 ? "" : "not shown when focused";
}
"""

# axe looks neither at focus nor at the edges of fields. Each control that can take the
# keyboard's focus must show it (WCAG 2.4.7) with an outline of 2 px or more whose colour
# has 3:1 against what is behind it; a control drawn by another element (a hidden file
# input in its label, a radio button's text) may show it there. Each text field, select
# and text area must stand out from what is around it by 3:1 (WCAG 1.4.11), by its edge
# or its own background. Run after a key press, so that focus() counts as keyboard focus
# (:focus-visible).
FOCUS_AND_FIELD_EDGES = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a === 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), {r: 255, g: 255, b: 255, a: 1});
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const ring = (el) => {
    const cs = getComputedStyle(el);
    const width = parseFloat(cs.outlineWidth);
    if (cs.outlineStyle === "none" || width < 2) return "no outline";
    const colour = parse(cs.outlineColor);
    const behind = background(el.parentElement || el);
    const r = ratio(over(colour, behind), behind);
    return r >= 3 ? null : `outline contrast ${r.toFixed(2)}:1`;
  };
  const name = (el) => el.id ? "#" + el.id
    : el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
      ? "." + el.className.trim().split(/\\s+/).join(".") : "")
      + (el.getAttribute("href") ? `[href="${el.getAttribute("href")}"]` : "")
      + (el.name ? `[name="${el.name}"]` : "");
  const FIELDS = "input:not([type=checkbox]):not([type=radio]):not([type=file])"
    + ":not([type=submit]):not([type=button]), select, textarea";
  const found = [];
  let checked = 0;
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"
  );
  for (const el of controls) {
    if (el.disabled || el.tabIndex < 0 || el.closest("[inert], [aria-hidden=true]")) continue;
    const box = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || (!box.width && !box.height && !el.labels?.length)) continue;
    const drawnElsewhere = box.width <= 1 || box.height <= 1 || cs.opacity === "0";
    if (el.matches(FIELDS) && !drawnElsewhere) {
      const behind = background(el.parentElement);
      const own = background(el);
      const edge = parseFloat(cs.borderBottomWidth) > 0 ? parse(cs.borderBottomColor) : own;
      const r = Math.max(ratio(over(edge, own), behind), ratio(own, behind));
      if (r < 3) found.push(`${name(el)}: field edge contrast ${r.toFixed(2)}:1`);
    }
    el.focus();
    if (document.activeElement !== el) continue;
    const shown = drawnElsewhere
      ? [el.closest("label"), el.labels?.[0], el.nextElementSibling].filter(Boolean)
      : [el];
    checked += 1;
    const problems = shown.map(ring);
    if (!problems.includes(null)) {
      found.push(`${name(el)}: focus not shown (${problems.join(", ") || "hidden"})`);
    }
  }
  if (document.activeElement) document.activeElement.blur();
  return {checked, found};
}
"""


@pytest.fixture(autouse=True)
def _public_site(settings: Any, tmp_path: Path) -> None:
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    settings.MEDIA_ROOT = str(tmp_path / "media")


class Checker:
    """One page that visits URLs and collects axe's serious and critical findings."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.source = AXE.read_text(encoding="utf-8")
        self.found: list[str] = []
        self.checked = 0
        self.focusable = 0

    def log_in(self, user: User, password: str) -> None:
        page = self.page
        page.context.clear_cookies()
        page.set_viewport_size(DESKTOP)
        page.goto(f"{self.base}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("form.login__form button[type=submit]")
        page.wait_for_url(f"{self.base}/")

    def check(self, path: str, *, who: str, ready: str = "main", submit: str = "") -> None:
        """Open `path` at desktop width (and, given `submit`, click it to see the page that
        answers) and run axe; narrow to a phone and run it again; check the page's one h1,
        its skip link, every control's focus ring and every field's edge."""
        page = self.page
        page.set_viewport_size(DESKTOP)
        page.goto(f"{self.base}{path}")
        page.wait_for_selector(ready)
        if submit:
            with page.expect_navigation():
                page.click(submit)
            page.wait_for_selector(ready)
            path += f" after {submit}"
        # htmx parts that load with the page (the bell's count) are part of what is seen.
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        if page.locator("h1").count() != 1:
            self.found.append(f"{who} {path}: {page.locator('h1').count()} h1 headings, not one")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            for line in page.evaluate(RUN_AXE):
                self.found.append(f"{who} {path} [{name}] {line}")
            self.checked += 1
        # The first Tab reaches the skip link, shown, leading to the main content; from
        # here on, focus() is keyboard focus.
        page.keyboard.press("Tab")
        skip = page.evaluate(SKIP_LINK)
        if skip:
            self.found.append(f"{who} {path} [phone] skip link: {skip}")
        rings = page.evaluate(FOCUS_AND_FIELD_EDGES)
        self.focusable += rings["checked"]
        for line in rings["found"]:
            self.found.append(f"{who} {path} [phone] {line}")


def _world_of_documents(world: World, cast: Cast) -> tuple[Case, Case]:
    """A dispatched case with a notice, a supervision order and a notification; a
    citizen's case closed and ready to be rated."""
    now = timezone.now()
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        address="青年路与文化路交叉口",
        description="青年路人行道暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
    )
    case = case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    notice_issue(
        jurisdiction=world.jurisdiction,
        unit=world.sanitation,
        cases=[case],
        content="请于期限内完成整改并反馈",
        deadline=now + dt.timedelta(days=7),
        actor=cast.dispatcher,
    )
    supervision_order_issue(
        case=case,
        reason="leader",
        content="请加快处置并按时反馈",
        deadline=now + dt.timedelta(days=3),
        actor=cast.dispatcher,
    )
    NotificationFactory(case=case, recipient=cast.dispatcher)
    NotificationFactory(case=case, recipient=cast.dispatcher, kind="warn", title="即将到期")

    citizens = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.975,
        lat=34.705,
        description="东风路垃圾桶满溢",
        source=Source.CITIZEN_WEB,
    )
    for action, actor in [
        (Action.FILE, cast.dispatcher),
        (Action.DISPATCH, cast.dispatcher),
        (Action.ACCEPT, cast.handler_a),
        (Action.REPORT_BACK, cast.handler_a),
        (Action.VERIFY_PASS, cast.inspector),
    ]:
        citizens = case_transition(case_id=citizens.pk, action=action, actor=actor)
    return case, citizens


def test_main_pages_have_no_serious_or_critical_accessibility_violation(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser
) -> None:
    assert AXE.exists(), f"{AXE} is missing: run `make assets` (scripts/fetch_assets.py)"
    case, citizens = _world_of_documents(world, cast)
    bulletin = bulletins.bulletin_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        text=bulletins.BulletinText(
            kind="monthly", title="2026年10月城市精细化管理问题整改通报", body="一、总体情况"
        ),
        pdf=None,
    )
    bulletin = bulletins.bulletin_publish(bulletin_id=bulletin.pk, actor=cast.dispatcher)

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, live_server.url)
    case_page = reverse("cases:case-detail", args=[case.pk])

    # The public site, as a citizen sees it.
    checker.check(reverse("public:portal"), who="citizen")
    checker.check(reverse("public:report"), who="citizen", ready="#pick-map.leaflet-container")
    checker.check(
        reverse("public:report"),
        who="citizen",
        ready="#pick-map.leaflet-container",
        submit="#report-submit",  # empty: the form comes back with its errors
    )
    checker.check(reverse("public:track-search"), who="citizen")
    track = reverse("public:track", args=[citizens.number])
    checker.check(f"{track}?t={citizens.tracking_token}", who="citizen", ready="#feedback-form")
    checker.check(reverse("public:bulletin-list"), who="citizen")
    checker.check(reverse("public:bulletin-detail", args=[bulletin.pk]), who="citizen")
    checker.check(reverse("login"), who="citizen")

    checker.log_in(cast.dispatcher, cast.password)
    for path, ready in [
        (reverse("web:home"), "main"),
        (reverse("cases:case-list"), "main"),
        (case_page, "#case-map.leaflet-container"),
        (reverse("cases:case-report"), "#pick-map.leaflet-container"),
        (reverse("web:map"), "#jx-map[data-loaded-segments]"),
        (reverse("web:notification-list"), "main"),
        (reverse("cases:notice-list"), "main"),
        (reverse("cases:supervision-list"), "main"),
    ]:
        checker.check(path, who="dispatcher", ready=ready)

    checker.log_in(cast.handler_a, cast.password)
    checker.check(reverse("web:home"), who="handler")
    checker.check(reverse("cases:case-list"), who="handler")
    checker.check(case_page, who="handler", ready="#case-map.leaflet-container")

    checker.log_in(cast.operator, cast.password)
    checker.check(reverse("hotline:console"), who="operator", ready="#call-map.leaflet-container")
    context.close()

    assert checker.checked == 2 * 20
    assert checker.focusable > 300  # the focus check saw the controls
    assert checker.found == [], "axe found:\n" + "\n".join(checker.found)
