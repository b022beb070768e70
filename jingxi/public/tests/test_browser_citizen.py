"""In Chromium on a phone-sized page: a citizen reports a problem, the office handles it,
the citizen follows it to closure and rates it; the dispatcher sees the rating."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.models import Case
from jingxi.cases.services import case_transition
from jingxi.org.models import User
from jingxi.public.citizen.models import Feedback

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser]

SHOT = "/tmp/jingxi-public-{name}.png"


@pytest.fixture(autouse=True)
def _public_site(settings: Any, tmp_path: Path) -> Any:
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def _photo(tmp_path: Path) -> str:
    buffer = io.BytesIO()
    image = Image.new("RGB", (800, 600), (96, 112, 80))
    for x in range(0, 800, 40):
        for y in range(0, 600, 40):
            image.putpixel((x, y), (x % 255, y % 255, 128))
    image.save(buffer, "JPEG")
    path = tmp_path / "rubbish.jpg"
    path.write_bytes(buffer.getvalue())
    return str(path)


def _phone(browser: Browser) -> Page:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _staff_session(browser: Browser, base: str, user: User, password: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_citizen_reports_on_a_phone_follows_it_to_closure_and_rates_it(
    live_server: Any, transactional_db: None, world: World, cast: Cast, browser: Browser,
    tmp_path: Path,
) -> None:  # fmt: skip
    base = live_server.url
    world.exposed_garbage.keywords = "垃圾、垃圾堆、生活垃圾"  # as the standard catalog has
    world.exposed_garbage.save()
    phone = _phone(browser)

    # 1. The citizen opens the report page, finds the place by a landmark's name.
    phone.goto(f"{base}/public/report/")
    phone.wait_for_function("() => document.getElementById('pick-map')._jxMap !== undefined")
    phone.screenshot(path=SHOT.format(name="report-empty"), full_page=True)
    phone.fill("#place-q", "县第一实验小学")
    phone.click("#place-search")
    phone.click("#place-results button.place-candidate >> nth=0")
    phone.wait_for_selector("#pick-map[data-picked='1']")
    assert "县第一实验小学" in phone.locator("#place-status").inner_text()
    assert phone.input_value("input[name=address]").startswith("县第一实验小学")

    # ...then taps the map a little east of it instead (the marker moves there).
    phone.locator("#pick-map").scroll_into_view_if_needed()
    phone.wait_for_function("() => !document.getElementById('pick-map')._jxMap._animatingZoom")
    phone.evaluate("document.getElementById('pick-map')._jxMap.setView([34.7102, 113.955], 16)")
    box = phone.locator("#pick-map").bounding_box()
    assert box is not None
    point = phone.evaluate(
        "document.getElementById('pick-map')._jxMap.latLngToContainerPoint([34.7102, 113.955])"
    )
    phone.touchscreen.tap(box["x"] + point["x"], box["y"] + point["y"])
    phone.wait_for_function(
        "() => Math.abs(parseFloat(document.querySelector('input[name=lng]').value)"
        " - 113.955) < 0.0005"
    )

    # 2. Describes it; the page suggests a category from the words, the citizen takes it.
    phone.fill("textarea[name=description]", "学校门口人行道上有一堆生活垃圾，已经有异味了")
    chip = phone.locator(f"#category-suggest button[data-category='{world.exposed_garbage.pk}']")
    chip.click()
    assert phone.input_value("input[name=category]") == str(world.exposed_garbage.pk)
    assert "暴露垃圾" in phone.locator("#category-chosen").inner_text()

    # 3. A photo, optional contact with consent.
    phone.set_input_files("input[name=photos]", _photo(tmp_path))
    phone.fill("input[name=reporter_name]", "王先生")
    phone.fill("input[name=reporter_phone]", "138 1234 5678")
    phone.check("input[name=consent]")
    phone.screenshot(path=SHOT.format(name="report-filled"), full_page=True)
    with phone.expect_navigation():
        phone.click("#report-submit")

    # 4. The thank-you page gives a number and the tracking link.
    number = phone.locator("#case-number").inner_text().strip()
    link = phone.locator("#tracking-link").get_attribute("href")
    assert link is not None
    phone.screenshot(path=SHOT.format(name="done"), full_page=True)
    case = Case.objects.get(number=number)
    assert case.source == Source.CITIZEN_WEB and case.reporter_phone == "13812345678"
    assert abs(case.lng - 113.955) < 5e-4 and case.attachments.count() == 1
    assert link.endswith(f"?t={case.tracking_token}")

    # 5. The office files, dispatches, handles and verifies it.
    for action, actor in [
        (Action.FILE, cast.dispatcher),
        (Action.DISPATCH, cast.dispatcher),
        (Action.ACCEPT, cast.handler_a),
        (Action.REPORT_BACK, cast.handler_a),
    ]:
        case_transition(case_id=case.pk, action=action, actor=actor)
    phone.goto(f"{base}/public/track/")
    phone.fill("input[name=number]", number)
    with phone.expect_navigation():
        phone.click("#track-search-form button[type=submit]")
    assert phone.locator("#case-status").inner_text() == "已处置待核查"
    assert "已派遣至县环卫中心" in phone.locator("#timeline").inner_text()
    phone.screenshot(path=SHOT.format(name="track-open"), full_page=True)
    case_transition(case_id=case.pk, action=Action.VERIFY_PASS, actor=cast.inspector)

    # 6. The citizen opens the tracking link, sees it closed and rates it.
    phone.goto(link)
    phone.wait_for_url(f"{base}/public/track/{number}/")
    assert phone.locator("#case-status").inner_text() == "已办结"
    timeline = phone.locator("#timeline").inner_text()
    assert "已办结" in timeline and "环卫经办人" not in timeline
    phone.screenshot(path=SHOT.format(name="track-closed"), full_page=True)
    phone.click("#feedback-form label[data-rating=satisfied]")
    phone.fill("#feedback-form textarea[name=comment]", "清理得很及时，谢谢")
    with phone.expect_navigation():
        phone.click("#feedback-form button[type=submit]")
    assert "感谢您的评价" in phone.content()
    assert phone.locator("#feedback-given").is_visible()
    phone.screenshot(path=SHOT.format(name="track-rated"), full_page=True)
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert Feedback.objects.get(case=case).rating == "satisfied"

    # 7. The dispatcher sees the rating on the feedback page from the menu.
    dispatcher = _staff_session(browser, base, cast.dispatcher, cast.password)
    dispatcher.click("[data-nav=feedback]")
    dispatcher.wait_for_url(f"{base}/public/reopen-requests/")
    row = dispatcher.locator(f"tr[data-feedback='{number}']")
    assert "满意" in row.inner_text() and "清理得很及时" in row.inner_text()
    dispatcher.screenshot(path=SHOT.format(name="staff-feedback"), full_page=True)
