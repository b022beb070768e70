"""In Chromium at a phone's size (390 × 844): an inspector walks today's route.

The inspector opens the round page, starts a round, walks a scripted track over two
named segments (the positions set step by step), reports a problem with a photo, loses
the connection, keeps walking and reports another, reconnects and ends the round. On the
way it ticks a checklist item 正常 on one segment and 有问题 on the other. Then the
database holds exactly those two segments walked, each problem filed once, both ticks,
and every position the page recorded once.

The page's clock is fixed at each step (Playwright's `clock.set_fixed_time`: Date moves,
timers run) so that 18 s pass between positions 46 m apart, a walking pace, while the
test takes seconds. The walk starts 30 minutes ago, so nothing lies in the future.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from PIL import Image

from conftest import Cast, World
from jingxi.cases.models import Case
from jingxi.inspections.choices import RoundStatus
from jingxi.inspections.models import (
    ChecklistTick,
    Plan,
    PlanItem,
    Round,
    RoundFinding,
    RoundSegment,
    Route,
    TrackPoint,
)
from jingxi.inspections.selectors import today_for
from jingxi.org.models import User
from jingxi.web.tests.test_browser_csp import COLLECT_VIOLATIONS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = [pytest.mark.browser]

WIDTH, HEIGHT = 390, 844
SHOT = "/tmp/jingxi-round-{name}.png"
STEP = dt.timedelta(seconds=18)
# The test world's roads (conftest.py): 青年路 west runs east along 34.71 from 113.95 to
# 113.97, where 建设路 north runs up to 34.72.
WEST = [(113.95 + 0.02 * i / 40, 34.71) for i in range(41)]
NORTH = [(113.97, 34.71 + 0.01 * i / 24) for i in range(1, 25)]


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (640, 480), colour)
    for x in range(0, 640, 40):
        for y in range(0, 480, 40):
            image.putpixel((x, y), (x % 255, y % 255, 128))
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def _login(page: Page, base: str, user: User, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _route(world: World, cast: Cast) -> Plan:
    """Today's plan with the inspector's route: 青年路 west, then 建设路 north. 青年路
    east is planned for them too, but the walk below never reaches it: the office's
    gap list and coverage map show it not walked."""
    now = timezone.now()
    plan = Plan.objects.create(
        jurisdiction=world.jurisdiction,
        day=today_for(user=cast.inspector, now=now),
        generated_at=now,
    )
    west, north = world.segments["qingnian-west"], world.segments["jianshe-north"]
    Route.objects.create(
        plan=plan,
        inspector=cast.inspector,
        required_m=west.length_m + north.length_m,
        length_m=west.length_m + north.length_m,
        minutes=44,
        geometry={"type": "LineString", "coordinates": [[*WEST[0]], [*WEST[-1]], [*NORTH[-1]]]},
        stops=[{"kind": "segment", "id": west.pk}, {"kind": "segment", "id": north.pk}],
    )
    for segment in (west, north, world.segments["qingnian-east"]):
        PlanItem.objects.create(
            plan=plan, segment=segment, inspector=cast.inspector, length_m=segment.length_m
        )
    return plan


class Walker:
    """Moves the phone one step at a time, its clock with it."""

    def __init__(self, context: BrowserContext, page: Page, start: dt.datetime) -> None:
        self.context, self.page, self.at = context, page, start

    def tick(self) -> None:
        self.at += STEP
        self.page.clock.set_fixed_time(self.at)

    def to(self, lng: float, lat: float) -> None:
        before = self.recorded()
        self.tick()
        self.context.set_geolocation({"latitude": lat, "longitude": lng, "accuracy": 8})
        self.page.wait_for_selector(f"#round:not([data-points='{before}'])", state="attached")

    def walk(self, points: list[tuple[float, float]]) -> None:
        for lng, lat in points:
            self.to(lng, lat)

    def recorded(self) -> int:
        """The positions the page has recorded in the round."""
        return int(self.page.get_attribute("#round", "data-points") or "0")


def _report(page: Page, *, search: str, category_id: int, text: str, photo: Path) -> None:
    done = int(page.get_attribute("#round", "data-findings") or "0")
    page.click("#round-report")
    page.fill("#category-q", search)
    page.click(f"#category-results button[data-category='{category_id}']")
    page.fill("#finding-form textarea[name=description]", text)
    page.set_input_files("#finding-form input[type=file][capture=environment]", str(photo))
    page.click("#finding-submit")
    page.wait_for_selector(f"#round[data-findings='{done + 1}']", state="attached")
    assert page.locator("#finding-form").is_hidden()


def _checklist_item(segment: int, category: int) -> str:
    """The selector of a checklist item of a segment on the round page."""
    return f"#round-checklist details[data-segment='{segment}'] li[data-category='{category}']"


def _synced(page: Page) -> None:
    page.wait_for_selector("#round[data-queued='0']", state="attached")


def _no_csp_violation(page: Page) -> None:
    """The page's scripts, styles and service worker pass the Content Security Policy."""
    assert page.evaluate("window.__cspViolations || []") == []


def _queued(page: Page) -> int:
    return int(page.get_attribute("#round", "data-queued") or "0")


def test_an_inspector_walks_a_round_through_a_lost_connection(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser,
    tmp_path: Path,
) -> None:  # fmt: skip
    base = live_server.url
    plan = _route(world, cast)
    photos = []
    for i, colour in enumerate(((90, 110, 70), (160, 60, 60))):
        photos.append(tmp_path / f"finding-{i}.jpg")
        photos[-1].write_bytes(_jpeg(colour))
    start = timezone.now() - dt.timedelta(minutes=30)
    lng, lat = WEST[0]
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        locale="zh-CN",
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": lat, "longitude": lng, "accuracy": 8},
    )
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, base, cast.inspector, cast.password)

    # From the home page's entry to the round page: the route's stops, numbered.
    with page.expect_navigation():
        page.click("#home-round a[data-home=round]")
    page.wait_for_selector("#round[data-ready='1']")
    assert page.locator(".round-stop").count() == 2
    assert page.locator("#round-stops li").count() == 2
    assert "青年路" in page.locator("#round-stops li").first.inner_text()
    for control in ("#round-start", "#round-report"):
        box = page.locator(control).bounding_box()
        assert box is not None and box["y"] + box["height"] <= HEIGHT, control

    # Start where 青年路 west begins, walk it to 建设路 online, report garbage there.
    page.clock.set_fixed_time(start)
    page.click("#round-start")
    page.wait_for_selector("#round[data-state='open']")
    walker = Walker(context, page, start)
    # The first position, taken as the round started.
    page.wait_for_selector("#round[data-points='1']", state="attached")
    walker.walk(WEST[1:])
    page.screenshot(path=SHOT.format(name="walking"))
    _report(
        page,
        search="垃圾",
        category_id=world.exposed_garbage.pk,
        text="青年路与建设路口东北角有一堆生活垃圾。",
        photo=photos[0],
    )
    _synced(page)
    # 青年路 west's checklist: 暴露垃圾 ticked 正常 (a big button), sent.
    west_item = _checklist_item(world.segments["qingnian-west"].pk, world.exposed_garbage.pk)
    page.click(f"{west_item.split(' li')[0]} summary")
    ok_box = page.locator(f"{west_item} [data-ok='1']").bounding_box()
    assert ok_box is not None and ok_box["height"] >= 44
    page.click(f"{west_item} [data-ok='1']")
    page.wait_for_selector(f"{west_item}[data-state='ok']", state="attached")
    _synced(page)

    # The signal goes: walk 建设路 north, report a loose manhole cover; all of it waits.
    # Half-way the page is reloaded: the service worker's copy answers, the round resumes.
    page.wait_for_function(
        "() => caches.open('jingxi-round-v1')"
        ".then(c => c.match('/inspections/round/')).then(r => Boolean(r))"
    )
    _no_csp_violation(page)
    context.set_offline(True)
    walker.walk(NORTH[:12])
    walker.tick()
    page.reload()
    page.wait_for_selector("#round[data-ready='1'][data-state='open']")
    page.wait_for_selector(f"{west_item}[data-state='ok']", state="attached")  # kept
    walker.walk(NORTH[12:])
    # 建设路 north's 暴露垃圾 ticked 有问题: the report form opens with it chosen.
    north_item = _checklist_item(world.segments["jianshe-north"].pk, world.exposed_garbage.pk)
    page.click(f"{north_item.split(' li')[0]} summary")
    page.click(f"{north_item} [data-ok='0']")
    page.wait_for_selector(f"#category-chosen[data-category='{world.exposed_garbage.pk}']")
    page.click("#finding-cancel")
    _report(
        page,
        search="井盖",
        category_id=world.manhole_cover.pk,
        text="建设路北段人行道上水井盖松动。",
        photo=photos[1],
    )
    page.wait_for_selector("#round-sync[data-sync='offline']")
    assert _queued(page) > 0
    assert "离线，已缓存" in page.locator("#round-sync").inner_text()
    page.screenshot(path=SHOT.format(name="offline"))
    assert RoundFinding.objects.count() == 1

    # The signal returns; the round ends, although the page's copy holds a CSRF token
    # the server no longer takes (as one kept by the service worker may): refused with
    # a 403, the page takes a fresh token and sends again.
    context.set_offline(False)
    _synced(page)
    page.evaluate(
        "() => { document.querySelector('#round [name=csrfmiddlewaretoken]')"
        ".value = 'a'.repeat(64); }"
    )
    client_id = page.get_attribute("#round", "data-round")
    page.click("#round-end")
    page.wait_for_selector("#round[data-state='idle']")
    page.wait_for_selector(f"#round[data-sent-end='{client_id}']", state="attached")
    _synced(page)
    assert page.get_attribute("#round", "data-failed") == "0"
    recorded = walker.recorded()
    _no_csp_violation(page)
    # Logging out leaves no copy of the round page for the next user of the phone.
    assert any(k.startswith("jingxi-round-") for k in page.evaluate("caches.keys()"))
    page.click("form.logout button[type=submit]")
    page.wait_for_url("**/accounts/login/**")
    page.wait_for_function(
        "caches.keys().then(k => !k.some(n => n.startsWith('jingxi-round-')))", polling=100
    )
    context.close()

    (round_,) = Round.objects.filter(inspector=cast.inspector)
    assert str(round_.client_id) == client_id
    assert round_.status == RoundStatus.ENDED
    walked = set(
        RoundSegment.objects.filter(round=round_, walked=True).values_list("segment_id", flat=True)
    )
    assert walked == {world.segments["qingnian-west"].pk, world.segments["jianshe-north"].pk}
    seqs = list(TrackPoint.objects.filter(round=round_).values_list("seq", flat=True))
    assert len(seqs) == len(set(seqs)) == recorded == round_.points_kept
    assert not round_.points_dropped.get("duplicate")
    findings = list(RoundFinding.objects.filter(round=round_).select_related("case"))
    assert sorted(f.case.category_id for f in findings) == sorted(
        [world.exposed_garbage.pk, world.manhole_cover.pk]
    )
    assert Case.objects.count() == 2
    ticks = ChecklistTick.objects.filter(round=round_)
    assert sorted(ticks.values_list("segment_id", "category_id", "ok")) == sorted(
        [
            (world.segments["qingnian-west"].pk, world.exposed_garbage.pk, True),
            (world.segments["jianshe-north"].pk, world.exposed_garbage.pk, False),
        ]
    )
    assert all(f.case.attachments.count() == 1 for f in findings)

    # The office sees it: the gap list names the one planned segment not walked, and
    # the coverage map colours the walked two and the one barely touched.
    _office_sees_the_day(browser, base, cast, plan, world)


def _office_sees_the_day(browser: Browser, base: str, cast: Cast, plan: Plan, world: World) -> None:
    west, north = world.segments["qingnian-west"].pk, world.segments["jianshe-north"].pk
    east = world.segments["qingnian-east"].pk
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, base, cast.dispatcher, cast.password)
    page.goto(f"{base}/inspections/gaps/?day={plan.day.isoformat()}")
    rows = page.locator("#gap-table tr[data-segment]")
    assert [rows.nth(i).get_attribute("data-segment") for i in range(rows.count())] == [str(east)]
    with page.expect_response(lambda r: "map.geojson" in r.url) as answer:
        page.goto(f"{base}/inspections/coverage/map/?day={plan.day.isoformat()}")
    states = {
        f["properties"]["id"]: f["properties"]["state"] for f in answer.value.json()["features"]
    }
    # 青年路 east begins at the corner the walk turned: a few metres of it lie within
    # the buffer, far from the cover ratio, so it shows as partly walked.
    assert states == {west: "walked", north: "walked", east: "partly"}
    page.wait_for_function("document.querySelectorAll('#office-map path').length >= 3")
    page.screenshot(path=SHOT.format(name="office-coverage"))
    context.close()
