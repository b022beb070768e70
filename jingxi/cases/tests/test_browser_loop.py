"""In Chromium: one case walks the whole closed loop; another runs late and escalates."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.models import Case, SupervisionOrder
from jingxi.cases.services import case_report, case_transition
from jingxi.notify.services import outbox_drain
from jingxi.org.models import User

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser]

SHOT = "/tmp/jingxi-cases-{name}.png"
LNG, LAT = 113.955, 34.7102  # on 青年路, in 青年路街道
TZ = ZoneInfo("Asia/Shanghai")


def _photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    image = Image.new("RGB", (640, 480), colour)
    for x in range(0, 640, 40):  # a pattern, so each photo has its own content
        for y in range(0, 480, 40):
            image.putpixel((x, y), (x % 255, y % 255, 128))
    image.save(buffer, "JPEG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return str(path)


def _session(browser: Browser, base: str, user: User, password: str) -> Page:
    """A fresh browser context in which `user` logs in through the login form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _act(page: Page, action: str, **fields: str) -> None:
    """Open an action's form on the case page, fill it, submit, wait for the new page."""
    form = page.locator(f"form[data-action-form={action}]")
    if not form.is_visible():
        page.click(f"summary[data-action={action}]")
    for name, value in fields.items():
        if name == "photos":
            form.locator("input[name=photos]").set_input_files(value)
        elif name == "unit":
            form.locator("select[name=unit]").select_option(value)
        else:
            form.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _status(page: Page) -> str:
    return page.locator("#case-status").inner_text()


def _open_from_queue(page: Page, base: str, tab: str, number: str) -> None:
    page.goto(f"{base}/cases/?tab={tab}")
    page.click(f"tr[data-case='{number}'] a")
    page.wait_for_url(f"{base}/cases/*/")


def test_one_case_walks_the_whole_loop_with_four_users(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser,
    tmp_path: Path,
) -> None:  # fmt: skip
    base = live_server.url
    before = _photo(tmp_path, "before.jpg", (90, 110, 70))
    after_1 = _photo(tmp_path, "after-1.jpg", (200, 200, 190))
    after_2 = _photo(tmp_path, "after-2.jpg", (210, 220, 230))

    # 1. The inspector reports it with a position picked on the map and a photo.
    inspector = _session(browser, base, cast.inspector, cast.password)
    inspector.click("[data-nav=report]")
    inspector.wait_for_url(f"{base}/cases/new/")
    inspector.wait_for_function("() => document.getElementById('pick-map')._jxMap !== undefined")
    inspector.evaluate(
        "([lat, lng]) => document.getElementById('pick-map')._jxMap.setView([lat, lng], 16)",
        [LAT, LNG],
    )
    box = inspector.locator("#pick-map").bounding_box()
    assert box is not None
    point = inspector.evaluate(
        "([lat, lng]) => document.getElementById('pick-map')._jxMap"
        ".latLngToContainerPoint([lat, lng])",
        [LAT, LNG],
    )
    inspector.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    inspector.wait_for_selector("#pick-map[data-picked='1']")
    inspector.wait_for_function("() => document.querySelector('input[name=address]').value !== ''")
    inspector.fill("#category-q", "垃圾")
    inspector.click(f"#category-results button[data-category='{world.exposed_garbage.pk}']")
    inspector.fill("textarea[name=description]", "青年路南侧人行道上有一堆生活垃圾，约半立方米。")
    inspector.set_input_files("input[name=photos]", before)
    inspector.screenshot(path=SHOT.format(name="report"), full_page=True)
    with inspector.expect_navigation():
        inspector.click("#case-report-form button[type=submit]")
    assert _status(inspector) == "待受理"
    number = inspector.locator("#case-number").inner_text()
    case = Case.objects.get(number=number)
    assert abs(case.lng - LNG) < 1e-4 and abs(case.lat - LAT) < 1e-4
    assert case.attachments.filter(kind="before").count() == 1
    assert inspector.locator("[data-photo=before] img").count() == 1

    # 2. The dispatcher files it from the inbox and dispatches it to the proposed unit.
    dispatcher = _session(browser, base, cast.dispatcher, cast.password)
    dispatcher.goto(f"{base}/cases/?tab=inbox")
    dispatcher.screenshot(path=SHOT.format(name="inbox"), full_page=True)
    _open_from_queue(dispatcher, base, "inbox", number)
    _act(dispatcher, "file")
    assert _status(dispatcher) == "已立案待派遣"
    proposed = dispatcher.locator("form[data-action-form=dispatch] select[name=unit]")
    assert proposed.input_value() == str(world.sanitation.pk)
    _act(dispatcher, "dispatch")
    assert _status(dispatcher) == "已派遣待签收"

    # 3. The unit's handler accepts it and asks for an extension.
    handler = _session(browser, base, cast.handler_a, cast.password)
    _open_from_queue(handler, base, "unit", number)
    _act(handler, "accept")
    assert _status(handler) == "处置中"
    _act(handler, "request_extension", extension_hours="4", note="清运车辆检修，需延后半天")
    assert "延期申请" in handler.locator("#case-flags").inner_text()

    # 4. The dispatcher approves it from the approvals queue.
    _open_from_queue(dispatcher, base, "approvals", number)
    assert (
        dispatcher.locator("form[data-action-form=approve_extension] [name=extension_hours]")
        .input_value()
        .startswith("4")
    )
    _act(dispatcher, "approve_extension", note="同意")
    assert "延期申请" not in dispatcher.locator("#case-flags").inner_text()

    # 5. The handler reports back with an after-photo.
    handler.reload()
    _act(handler, "report_back", photos=after_1, note="已清运")
    assert _status(handler) == "已反馈待核查"

    # 6. The inspector fails it on site.
    _open_from_queue(inspector, base, "verify", number)
    _act(inspector, "verify_fail", note="垃圾未清理干净，地面仍有污渍")
    assert _status(inspector) == "处置中"
    assert "返工 1" in inspector.locator("#case-flags").inner_text()

    # 7. The handler reworks and reports back again.
    _open_from_queue(handler, base, "unit", number)
    _act(handler, "report_back", photos=after_2, note="已冲洗地面")

    # 8. The inspector passes it: closed, and the timeline holds every step.
    _open_from_queue(inspector, base, "verify", number)
    _act(inspector, "verify_pass", note="现场已整洁")
    assert _status(inspector) == "已结案"
    steps = inspector.locator("#case-timeline [data-event]").evaluate_all(
        "items => items.map(i => i.dataset.event)"
    )
    assert steps == [
        "report",
        "file",
        "dispatch",
        "accept",
        "request_extension",
        "approve_extension",
        "report_back",
        "verify_fail",
        "report_back",
        "verify_pass",
    ]
    timeline = inspector.locator("#case-timeline").inner_text()
    for who in ("督导员小张", "派遣员小李", "环卫经办人"):
        assert who in timeline
    assert "垃圾未清理干净" in timeline
    assert inspector.locator("[data-photo=after] img").count() == 2
    inspector.wait_for_function(
        "() => Array.from(document.querySelectorAll('#case-photos img')).every(i => i.complete)"
    )
    inspector.screenshot(path=SHOT.format(name="closed"), full_page=True)
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    for p in (inspector, dispatcher, handler):
        p.context.close()


def _late_case(world: World, cast: Cast) -> tuple[Case, dt.datetime]:
    """A case dispatched and accepted on a Monday morning, and a scan time that Friday."""
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="青年路暴露垃圾无人清运",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=monday,
    )
    case_transition(
        case_id=case.pk,
        action=Action.DISPATCH,
        actor=cast.dispatcher,
        now=monday + dt.timedelta(minutes=10),
    )
    case_transition(
        case_id=case.pk,
        action=Action.ACCEPT,
        actor=cast.handler_a,
        now=monday + dt.timedelta(minutes=30),
    )
    return case, dt.datetime(2026, 3, 6, 16, 0, tzinfo=TZ)


def test_a_late_case_climbs_the_escalation_ladder(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser
) -> None:
    base = live_server.url
    case, later = _late_case(world, cast)
    # The scan and the notify job run in the site's language (titles are stored).
    with translation.override(settings.LANGUAGE_CODE):
        summary = deadline_scan(now=later, jurisdiction=world.jurisdiction)
        outbox_drain()
    assert summary.overdue == 1
    assert summary.supervision_orders == 1
    order = SupervisionOrder.objects.get(case=case)

    # The unit head: a notification, the overdue queue, the case page with 督办.
    head = _session(browser, base, cast.unit_head_a, cast.password)
    head.wait_for_selector("#bell [data-unread]")
    assert int(head.locator("#bell [data-unread]").inner_text()) >= 1
    head.screenshot(path=SHOT.format(name="head-home"), full_page=True)
    head.click("#bell")
    head.wait_for_url(f"{base}/notifications/")
    notes = head.locator("#notifications").inner_text()
    assert case.number in notes
    assert "超期" in notes
    head.screenshot(path=SHOT.format(name="head-notifications"), full_page=True)
    head.goto(f"{base}/cases/?tab=overdue")
    row = head.locator(f"tr[data-case='{case.number}']")
    assert "超期" in row.inner_text()
    assert "督办" in row.inner_text()
    head.screenshot(path=SHOT.format(name="head-overdue"), full_page=True)
    with head.expect_navigation():
        row.locator("a").first.click()
    flags = head.locator("#case-flags").inner_text()
    assert "超期" in flags and "督办" in flags
    link = head.locator(f"#supervision-orders a[data-order='{order.number}']")
    assert link.is_visible()
    timeline = head.locator("#case-timeline").inner_text()
    assert "超期升级" in timeline
    head.screenshot(path=SHOT.format(name="supervised-case"), full_page=True)
    with head.expect_navigation():
        link.click()
    assert order.number in head.content()

    # The road chief of 青年路: a notification, and the case under 我的道路.
    chief = _session(browser, base, cast.road_chief, cast.password)
    chief.wait_for_selector("#bell [data-unread]")
    chief.goto(f"{base}/notifications/")
    assert case.number in chief.locator("#notifications").inner_text()
    chief.click("[data-nav=cases]")
    chief.wait_for_url(f"{base}/cases/")
    assert chief.locator("[data-tab=roads].is-active").is_visible()
    group = chief.locator(".group-row", has_text="青年路")
    assert group.is_visible()
    assert "超期" in chief.locator(f"tr[data-case='{case.number}']").inner_text()
    chief.screenshot(path=SHOT.format(name="roadchief-roads"), full_page=True)
    for p in (head, chief):
        p.context.close()
