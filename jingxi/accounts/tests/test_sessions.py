"""Idle and absolute session timeouts."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.urls import reverse

from conftest import Cast
from jingxi.accounts.sessions import (
    LOGIN_AT,
    USED_AT,
    Expiry,
    background,
    is_background,
    session_expiry,
    session_touch,
)
from jingxi.web.views import notification_badge


def client_for(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.dispatcher)
    return client


def shift(client: Client, *, login_ago: float = 0, used_ago: float = 0) -> None:
    """Move the session's clocks back, as if time had passed."""
    session = client.session
    now = time.time()
    if login_ago:
        session[LOGIN_AT] = now - login_ago
    if used_ago:
        session[USED_AT] = now - used_ago
    session.save()


def test_a_login_starts_both_clocks(cast: Cast) -> None:
    client = Client()
    client.post(reverse("login"), {"username": "dispatcher", "password": cast.password})
    session = client.session
    assert abs(session[LOGIN_AT] - time.time()) < 60
    assert session[USED_AT] == session[LOGIN_AT]


def test_thirty_idle_minutes_end_the_session_with_a_message(cast: Cast) -> None:
    client = client_for(cast)
    shift(client, used_ago=29 * 60)
    assert client.get(reverse("web:map")).status_code == 200
    shift(client, used_ago=30 * 60)
    response = client.get(reverse("web:map"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('web:map')}"
    page = client.get(response["Location"]).content.decode()
    assert "长时间未操作" in page
    assert "_auth_user_id" not in client.session


def test_twelve_hours_end_the_session_however_busy(cast: Cast) -> None:
    client = client_for(cast)
    shift(client, login_ago=12 * 3600 - 60)
    assert client.get(reverse("web:map")).status_code == 200
    shift(client, login_ago=12 * 3600)
    response = client.get(reverse("web:map"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "最长有效时间" in client.get(response["Location"]).content.decode()


def test_the_limits_are_settings(cast: Cast, settings: Any) -> None:
    settings.JINGXI_SESSION_IDLE_MINUTES = 5
    client = client_for(cast)
    shift(client, used_ago=5 * 60)
    assert client.get(reverse("web:map")).status_code == 302


def test_use_keeps_the_session_alive(cast: Cast) -> None:
    client = client_for(cast)
    shift(client, used_ago=25 * 60)
    assert client.get(reverse("web:map")).status_code == 200
    assert time.time() - client.session[USED_AT] < 60
    shift(client, login_ago=1)  # (keeps the use just recorded)
    assert client.get(reverse("web:map")).status_code == 200


def test_the_notification_bells_poll_is_not_use(cast: Cast) -> None:
    assert is_background(notification_badge)
    client = client_for(cast)
    shift(client, used_ago=25 * 60)
    before = client.session[USED_AT]
    assert client.get(reverse("web:notification-badge")).status_code == 200
    assert client.session[USED_AT] == before


def test_an_htmx_request_of_an_expired_session_moves_the_page_to_login(cast: Cast) -> None:
    client = client_for(cast)
    shift(client, used_ago=31 * 60)
    response = client.get(
        reverse("web:notification-badge"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/cases/?tab=inbox",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/cases/%3Ftab%3Dinbox"


def test_the_api_answers_an_expired_session_as_anonymous(cast: Cast) -> None:
    client = client_for(cast)
    shift(client, used_ago=31 * 60)
    response = client.get(reverse("api-case-list"))
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_a_session_without_clocks_counts_as_expired() -> None:
    session = SessionBase()
    assert session_expiry(session) is Expiry.ABSOLUTE


def test_use_is_written_at_most_once_a_minute() -> None:
    session = SessionBase()
    session[LOGIN_AT] = session[USED_AT] = 1000.0
    session_touch(session, now=1030.0)
    assert session[USED_AT] == 1000.0
    session_touch(session, now=1060.0)
    assert session[USED_AT] == 1060.0
    assert session_expiry(session, now=1060.0 + 30 * 60) is Expiry.IDLE


def test_background_marks_a_view() -> None:
    @background
    def poll() -> None: ...

    def page() -> None: ...

    assert is_background(poll) and not is_background(page)
