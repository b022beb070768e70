"""Our own 400, 403, 404 and 500 pages: the user's language, a way back, no internals.

pytest-django runs with DEBUG off, as the demo and production do, so Django calls the
handlers named in config/urls.py exactly as it would there.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from conftest import Cast

FAILING = "jingxi.web.tests.urls_failing"


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_unknown_url_shows_our_404_to_an_anonymous_visitor_without_the_routes(
    client: Client, db: None
) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert 'data-status="404"' in page
    # Django's technical 404 lists the URL patterns; ours names none of them.
    for route in ("api/", "open311/v2/", "admin/", "URLconf", "Using the URLconf"):
        assert route not in page
    # The anonymous visitor's way back is the public site, in its layout.
    assert 'href="/public/" data-way-back' in page
    assert "pub-top" in page


def test_unknown_url_offers_staff_their_workbench(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    response = client.get("/cases/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'href="/" data-way-back' in page
    assert "返回工作台" in page
    assert "topbar" in page


def test_the_404_page_speaks_english_after_the_switch(client: Client, db: None) -> None:
    response = _english(client).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "页面不存在" not in page


@pytest.mark.urls(FAILING)
def test_a_view_error_shows_our_500_without_the_traceback(db: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/raise/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错" in page
    assert 'data-status="500"' in page
    assert "Traceback" not in page
    assert "secret internals" not in page
    assert "RuntimeError" not in page
    assert 'href="/" data-way-back' in page


@pytest.mark.urls(FAILING)
def test_a_public_page_error_leads_back_to_the_public_site_in_english(db: None) -> None:
    client = _english(Client(raise_request_exception=False))
    response = client.get("/public/test-errors/raise/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert 'href="/public/" data-way-back' in page


@pytest.mark.urls(FAILING)
def test_a_refusal_shows_our_403_with_its_reason(client: Client, cast: Cast) -> None:
    client.force_login(cast.handler_a)
    response = client.get("/test-errors/refuse/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page
    assert "只有派遣员可以签发整改通知单" in page
    assert 'href="/" data-way-back' in page


@pytest.mark.urls(FAILING)
def test_a_bad_request_shows_our_400(client: Client, db: None) -> None:
    response = client.get("/test-errors/suspicious/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求有误" in page
    assert "tampered input" not in page


def test_an_unknown_host_is_answered_with_our_400(client: Client, db: None) -> None:
    response = client.get("/public/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_a_form_without_its_csrf_token_shows_our_403(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page
    assert "CSRF" not in page
