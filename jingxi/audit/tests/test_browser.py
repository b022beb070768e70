"""In Chromium: the auditor reads the trail, others' logins included, and exports it; the
dispatcher finds no audit pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from conftest import Cast
from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.audit.tests.conftest import Administrators
from jingxi.lib.tabular import xlsx_read

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login__form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _log_out(page: Page) -> None:
    page.click("form.logout button[type=submit]")
    page.wait_for_url("**/accounts/login/**")


def test_the_auditor_reads_and_exports_the_trail_that_the_dispatcher_cannot_open(
    live_server: Any, transactional_db: None, cast: Cast, admins: Administrators, page: Page
) -> None:
    base = live_server.url
    _log_in(page, base, "dispatcher", cast.password)
    response = page.goto(f"{base}/audit/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/")
    assert page.locator("[data-nav=audit]").count() == 0
    _log_out(page)

    _log_in(page, base, "auditor", cast.password)
    page.click("[data-nav=audit]")
    page.wait_for_url(f"{base}/audit/")
    dispatcher_logins = page.locator("tr[data-kind=login_succeeded]", has_text="dispatcher")
    assert dispatcher_logins.count() == 1
    assert page.locator("tr[data-kind=logged_out]", has_text="dispatcher").count() == 1

    page.select_option("select[name=kind]", AuditKind.LOGIN_SUCCEEDED)
    page.fill("input[name=user]", "dispatcher")
    page.click("#audit-filter button[type=submit]")
    page.wait_for_url("**/audit/?kind=login_succeeded**")
    assert page.locator("tr[data-entry]").count() == 1

    page.locator("tr[data-entry] a").first.click()
    page.wait_for_selector("#entry-kind")
    assert "登录成功" in page.locator("#entry-kind").inner_text()
    page.go_back()

    with page.expect_download() as download_info:
        page.click("[data-export=xlsx]")
    path = download_info.value.path()
    rows = xlsx_read(path.read_bytes())
    assert [(r.get("用户名"), r.get("类型")) for r in rows] == [("dispatcher", "登录成功")]
    exported = AuditEntry.objects.get(kind=AuditKind.AUDIT_EXPORTED)
    assert exported.username == "auditor"
