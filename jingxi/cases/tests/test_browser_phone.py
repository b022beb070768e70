"""In Chromium at a phone's size (390 × 844): a handler's day and an inspector's.

Each control to press is on the first screen: its box lies within the viewport with the
page scrolled to the top ("reachable without scrolling past the fold").
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.evidence import attachments_add
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.org.models import User

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser]

WIDTH, HEIGHT = 390, 844
SHOT = "/tmp/jingxi-phone-{name}.png"
LNG, LAT = 113.955, 34.7102  # on 青年路, in 青年路街道


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (640, 480), colour)
    for x in range(0, 640, 40):  # a pattern, so each photo has its own content
        for y in range(0, 480, 40):
            image.putpixel((x, y), (x % 255, y % 255, 128))
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def _on_first_screen(page: Page, selector: str) -> Locator:
    """The control, asserted visible within the viewport with the page at its top."""
    page.evaluate("() => window.scrollTo(0, 0)")
    control = page.locator(selector)
    control.wait_for(state="visible")
    box = control.bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (selector, box)
    return control


def _press(page: Page, selector: str) -> None:
    """Press a first-screen control that loads the next page."""
    with page.expect_navigation():
        _on_first_screen(page, selector).click()


def _login(page: Page, base: str, user: User, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _open_card(page: Page, number: str) -> None:
    """From the home page to the work queue, then one tap on the case's card."""
    _press(page, "[data-nav=cases]")
    card = _on_first_screen(page, f"tr[data-case='{number}']")
    page.screenshot(path=SHOT.format(name="queue"))
    assert card.locator(".case-thumb img").count() == 1
    box = card.bounding_box()
    assert box is not None and box["height"] >= 44
    with page.expect_navigation():  # the card's middle, not its number: all of it opens
        page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    assert page.locator("#case-number").inner_text() == number


def _opened_action(page: Page) -> str:
    opened = page.locator("#case-actions details[open] > summary")
    assert opened.count() == 1
    return str(opened.get_attribute("data-action"))


def test_a_handlers_day_and_an_inspectors_on_a_phone(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser,
    tmp_path: Path,
) -> None:  # fmt: skip
    base = live_server.url
    # A case arrives: reported with a photo, filed and dispatched to 环卫 (the handler's unit).
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        address="青年路南侧人行道",
        description="青年路南侧人行道上有一堆生活垃圾，约半立方米。",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
    )
    attachments_add(case=case, files=[_jpeg((90, 110, 70))], kind="before", actor=cast.inspector)
    case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)
    after = tmp_path / "after.jpg"
    after.write_bytes(_jpeg((200, 200, 190)))

    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        locale="zh-CN",
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": LAT, "longitude": LNG},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    # The handler: the card in the unit's queue, accept, report back with a camera photo.
    _login(page, base, cast.handler_a, cast.password)
    _open_card(page, case.number)
    assert _opened_action(page) == "accept"
    _press(page, "form[data-action-form=accept] button[type=submit]")
    assert page.locator("#case-status").inner_text() == "处置中"
    assert _opened_action(page) == "report_back"
    page.screenshot(path=SHOT.format(name="case"))
    form = "form[data-action-form=report_back]"
    camera = _on_first_screen(page, f"{form} input[type=file][capture=environment]")
    camera.set_input_files(str(after))
    page.fill(f"{form} textarea[name=note]", "已清运")
    _press(page, f"{form} button[type=submit]")
    assert page.locator("#case-status").inner_text() == "已反馈待核查"
    assert page.locator("[data-photo=after] img").count() == 1
    _press(page, "form.logout button[type=submit]")

    # The inspector: the card in the verification queue, pass it.
    _login(page, base, cast.inspector, cast.password)
    _open_card(page, case.number)
    assert _opened_action(page) == "verify_pass"
    _press(page, "form[data-action-form=verify_pass] button[type=submit]")
    assert page.locator("#case-status").inner_text() == "已结案"
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED

    # ... then reports a new problem: the position from the device, the address from it,
    # the category found by typing in the search.
    _press(page, "[data-nav=report]")
    _on_first_screen(page, "#place-here").click()
    page.wait_for_selector("#pick-map[data-picked='1']")
    page.wait_for_function("() => document.querySelector('input[name=address]').value !== ''")
    address = page.input_value("input[name=address]")
    assert "青年路" in address
    _on_first_screen(page, "#category-q").fill("井盖")
    _on_first_screen(page, f"#category-results button[data-category='{world.manhole_cover.pk}']")
    page.click(f"#category-results button[data-category='{world.manhole_cover.pk}']")
    assert "上水井盖" in page.locator("#category-chosen").inner_text()
    assert page.locator("select[name=category]").is_hidden()
    page.screenshot(path=SHOT.format(name="report"))
    page.fill("textarea[name=description]", "青年路人行道上水井盖松动，踩上去会翻。")
    _press(page, "#case-report-form button[type=submit]")
    assert page.locator("#case-status").inner_text() == "待受理"
    new = Case.objects.get(number=page.locator("#case-number").inner_text())
    assert new.category_id == world.manhole_cover.pk
    assert new.address == address
    assert abs(new.lng - LNG) < 1e-5 and abs(new.lat - LAT) < 1e-5
    assert new.reporter == cast.inspector
    context.close()
