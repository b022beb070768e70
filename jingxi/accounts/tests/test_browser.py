"""In Chromium: lockout after failed logins, a login with a TOTP code, a session timing out."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from typing import TYPE_CHECKING, Any

import pytest
from django_otp.oath import TOTP

from conftest import Cast

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]

SCREENSHOTS = "/tmp/jingxi-accounts-{name}.png"


def submit_login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_load_state()


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_five_wrong_passwords_lock_the_login_and_say_so(
    live_server: Any, transactional_db: None, cast: Cast, page: Page
) -> None:
    base = live_server.url
    for _ in range(4):
        submit_login(page, base, "dispatcher", "wrong-password")
        assert page.locator(".form-error").is_visible()
        assert page.locator("[data-lockout]").count() == 0
    submit_login(page, base, "dispatcher", "wrong-password")
    message = page.locator("[data-lockout]")
    assert message.is_visible()
    assert "登录失败次数过多" in message.inner_text() and "30 分钟" in message.inner_text()

    # The right password is refused while locked, on the same page.
    submit_login(page, base, "dispatcher", cast.password)
    assert page.url.startswith(f"{base}/accounts/login/")
    assert page.locator("[data-lockout]").is_visible()
    page.screenshot(path=SCREENSHOTS.format(name="lockout"))

    # Another account from this browser still logs in (4 of 20 address failures used...).
    submit_login(page, base, "inspector", cast.password)
    assert page.url == f"{base}/"


def test_a_user_enrols_a_totp_device_and_logs_in_with_a_code(
    live_server: Any, transactional_db: None, cast: Cast, page: Page
) -> None:
    base = live_server.url
    submit_login(page, base, "handler_a", cast.password)
    assert page.url == f"{base}/"

    page.click("[data-topbar=security]")
    page.wait_for_url(f"{base}/accounts/")
    assert page.locator("[data-totp-state=off]").is_visible()
    page.click("[data-action=totp-enrol]")
    page.wait_for_url(f"{base}/accounts/two-factor/enrol/")
    assert page.locator(".totp-qr svg path").count() >= 1
    page.screenshot(path=SCREENSHOTS.format(name="enrol"), full_page=True)
    secret = page.locator("[data-totp-secret]").inner_text()
    assert re.fullmatch(r"[A-Z2-7 ]+", secret)
    key = b32decode(secret.replace(" ", ""))
    page.fill("input[name=code]", code_for(key))
    page.click("form[action$='/two-factor/enrol/'] button[type=submit]")
    page.wait_for_url(f"{base}/accounts/")
    assert page.locator("[data-totp-state=on]").is_visible()

    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")

    # The password alone is not enough now: the code page follows.
    submit_login(page, base, "handler_a", cast.password)
    page.wait_for_url(f"{base}/accounts/login/code/")
    page.fill("input[name=code]", "000000")
    page.click("form.login__form button[type=submit]")
    page.wait_for_load_state()
    assert "动态口令不正确" in page.locator(".form-error").inner_text()
    page.screenshot(path=SCREENSHOTS.format(name="code"))
    # (the enrolment used this time step's code; the next step's is within tolerance)
    time.sleep(1.1)  # django-otp's throttle after the wrong code: 1 s
    page.fill("input[name=code]", code_for(key, steps_ahead=1))
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("[data-topbar=security]").is_visible()


def test_an_idle_session_times_out_to_the_login_page(
    live_server: Any, transactional_db: None, cast: Cast, page: Page, settings: Any
) -> None:
    settings.JINGXI_SESSION_IDLE_MINUTES = 0.05  # three seconds
    base = live_server.url
    submit_login(page, base, "dispatcher", cast.password)
    assert page.url == f"{base}/"
    page.click("[data-nav=map]")
    page.wait_for_url(f"{base}/map/")

    page.wait_for_timeout(3500)
    # An htmx request (the notification bell's) takes the whole page to the login.
    page.evaluate("htmx.ajax('GET', '/notifications/badge/', '#bell')")
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=/map/$"))
    assert "长时间未操作" in page.locator(".messages").inner_text()
    page.screenshot(path=SCREENSHOTS.format(name="timeout"))

    submit_login(page, base, "dispatcher", cast.password)
    page.goto(f"{base}/")
    page.wait_for_timeout(3500)
    page.click("[data-nav=map]")  # a plain link after the timeout: the login page too
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=/map/$"))
    assert page.locator("input[name=username]").is_visible()
