"""In Chromium: an operator attaches a repeated call, then takes a new one and reads its number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from conftest import Cast, World
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.hotline.choices import CallOutcome
from jingxi.hotline.models import Call, Callback
from jingxi.hotline.tests.helpers import close, reported

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]

SHOT = "/tmp/jingxi-hotline-{name}.png"


def _log_in(page: Page, base: str, cast: Cast) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", cast.operator.username)
    page.fill("input[name=password]", cast.password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _pick_address(page: Page, text: str, candidate: str) -> None:
    """Type the caller's address, wait for the live candidates, pick one."""
    page.fill("#address", text)
    button = page.locator("#address-candidates button", has_text=candidate).first
    button.wait_for()
    button.click()
    page.wait_for_function("() => document.getElementById('lng').value !== ''")


def test_operator_attaches_a_repeated_call_then_takes_a_new_one(
    live_server: Any, transactional_db: None, world: World, cast: Cast, page: Page
) -> None:
    # Someone reported the garbage at 青年路100号 (113.96, 34.71) an hour ago.
    existing = reported(world, lng=113.9601, lat=34.7101, description="青年路100号垃圾堆")
    base = live_server.url
    _log_in(page, base, cast)
    page.click("[data-nav=hotline]")
    page.wait_for_url(f"{base}/hotline/")
    assert page.evaluate("document.activeElement.id") == "caller-phone"

    # The phone rings: the same garbage again.
    page.keyboard.type("13812341234")
    page.keyboard.press("Enter")  # moves on to the name, never submits
    page.keyboard.type("王女士")
    page.fill("#call-text", "青年路100号门口有暴露垃圾，好几天了")
    chip = page.locator("#category-suggestions [data-category]", has_text="暴露垃圾")
    chip.wait_for()
    chip.click()
    assert page.input_value("#category") == str(world.exposed_garbage.pk)
    _pick_address(page, "青年路100号", "青年路100号")
    page.click("#find-nearby")
    item = page.locator(f"#nearby-list [data-case-number='{existing.number}']")
    item.wait_for()
    page.screenshot(path=SHOT.format(name="nearby"), full_page=True)
    item.locator("button.hl-attach").click()
    page.wait_for_selector("#call-result")
    assert page.inner_text("[data-case-number]") == existing.number
    assert "已并入已有案卷" in page.inner_text("#call-result")
    assert Case.objects.count() == 1
    call = Call.objects.get()
    assert (call.case_id, call.outcome) == (existing.pk, CallOutcome.MERGED_INTO_EXISTING)
    assert call.duration_seconds is not None  # timed from the first keystroke

    # The next call: cars parked at the crossing, nothing of that kind nearby.
    page.click("#next-call")
    page.wait_for_selector("#caller-phone:focus")
    page.fill("#caller-phone", "0371-62100000")
    page.locator("#call-timer").wait_for()
    page.fill("#call-text", "青年路和建设路路口有车乱停，堵住了人行道")
    page.fill("#category-filter", "乱停放")
    page.keyboard.press("Enter")
    assert page.input_value("#category") == str(world.illegal_parking.pk)
    _pick_address(page, "青年路与建设路交叉口", "交叉口")
    page.locator("#nearby-none").wait_for()
    page.click("#create-case")
    page.wait_for_selector("#call-result")
    new = Case.objects.exclude(pk=existing.pk).get()
    assert new.source == Source.HOTLINE
    assert new.category == world.illegal_parking
    assert new.reporter_phone == "037162100000"
    assert page.inner_text("[data-case-number]") == new.number
    assert "已新建案卷" in page.inner_text("#call-result")
    page.screenshot(path=SHOT.format(name="created"), full_page=True)

    # Once the case is closed, the caller is called back from the queue.
    close(new, cast)
    page.click("[data-nav=callbacks]")
    row = page.locator(f"#callback-queue [data-case-number='{new.number}']")
    row.wait_for()
    assert "037162100000" in row.inner_text()
    row.locator("select[name=satisfaction]").select_option("basically_satisfied")
    row.locator("input[name=note]").fill("车已清走，希望常来看看")
    page.screenshot(path=SHOT.format(name="callbacks"), full_page=True)
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#callback-empty")
    callback = Callback.objects.get()
    assert (callback.case_id, callback.satisfaction) == (new.pk, "basically_satisfied")
