"""Login lockout: 30 minutes after 5 failures per account or 20 per client address."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conftest import Cast
from jingxi.org.models import User


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def fail(client: Client, username: str, times: int) -> list[int]:
    return [log_in(client, username, "wrong-password").status_code for _ in range(times)]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(cast: Cast) -> None:
    client = Client()
    assert fail(client, "dispatcher", 4) == [200] * 4
    fifth = log_in(client, "dispatcher", "wrong-password")
    assert fifth.status_code == 429
    refused = log_in(client, "dispatcher", cast.password)
    assert refused.status_code == 429
    assert not logged_in(client)
    html = refused.content.decode()
    assert "登录失败次数过多" in html and "30 分钟" in html
    assert 'name="username"' in html  # the login page, not a bare message


def test_a_locked_account_is_locked_from_every_address(cast: Cast) -> None:
    fail(Client(REMOTE_ADDR="10.0.0.1"), "dispatcher", 5)
    elsewhere = Client(REMOTE_ADDR="10.0.0.2")
    assert log_in(elsewhere, "dispatcher", cast.password).status_code == 429
    # Other accounts from that address are not locked.
    assert log_in(elsewhere, "inspector", cast.password).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address_for_every_account(
    cast: Cast,
) -> None:
    guesser = Client(REMOTE_ADDR="10.0.0.9")
    for name in ("a", "b", "c", "d", "e"):
        fail(guesser, f"nobody-{name}", 4)  # 4 per name: no account reaches its limit
    assert log_in(guesser, "inspector", cast.password).status_code == 429
    assert not logged_in(guesser)
    assert log_in(Client(REMOTE_ADDR="10.0.0.8"), "inspector", cast.password).status_code == 302


def test_the_address_behind_a_proxy_is_the_forwarded_one(cast: Cast, settings: Any) -> None:
    settings.JINGXI_PROXY_COUNT = 1
    for name in ("a", "b", "c", "d", "e"):
        fail(Client(HTTP_X_FORWARDED_FOR="203.0.113.7"), f"nobody-{name}", 4)
    locked = Client(HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert log_in(locked, "inspector", cast.password).status_code == 429
    neighbour = Client(HTTP_X_FORWARDED_FOR="203.0.113.8")  # same proxy, other client
    assert log_in(neighbour, "inspector", cast.password).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_the_limits_are_settings(cast: Cast, settings: Any) -> None:
    settings.JINGXI_LOCKOUT_FAILURES_PER_ACCOUNT = 2
    assert fail(Client(), "dispatcher", 2) == [200, 429]


def test_a_lock_ends_after_thirty_minutes(cast: Cast) -> None:
    client = Client()
    fail(client, "dispatcher", 5)
    assert log_in(client, "dispatcher", cast.password).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert log_in(client, "dispatcher", cast.password).status_code == 302


def test_attempts_while_locked_do_not_extend_the_lock(cast: Cast) -> None:
    client = Client()
    fail(client, "dispatcher", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=29))
    assert fail(client, "dispatcher", 3) == [429] * 3  # refused, and not counted
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=2))
    assert log_in(client, "dispatcher", cast.password).status_code == 302


def test_a_successful_login_forgets_the_accounts_failures_not_the_addresss(cast: Cast) -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")
    fail(client, "dispatcher", 4)
    fail(client, "nobody", 4)
    assert log_in(client, "dispatcher", cast.password).status_code == 302
    assert not AccessAttempt.objects.filter(username="dispatcher").exists()
    assert AccessAttempt.objects.filter(username="nobody").exists()


def test_a_lockout_is_signalled_for_the_audit_trail(cast: Cast) -> None:
    seen: list[str] = []

    def receiver(**kwargs: Any) -> None:
        seen.append(kwargs["username"])

    user_locked_out.connect(receiver)
    try:
        fail(Client(), "dispatcher", 5)
    finally:
        user_locked_out.disconnect(receiver)
    assert seen == ["dispatcher"]


def test_a_security_administrator_unlocks_with_a_command(cast: Cast) -> None:
    client = Client()
    fail(client, "dispatcher", 5)
    call_command("axes_reset_username", "dispatcher")
    assert log_in(client, "dispatcher", cast.password).status_code == 302


def test_a_locked_accounts_api_token_keeps_working(cast: Cast) -> None:
    """Tokens are never exchanged for passwords, so no password is guessed through them;
    locking them would let anyone cut off an API client by typing its user name."""
    token = Token.objects.create(user=cast.inspector)
    fail(Client(), "inspector", 5)
    response = Client().get(reverse("api-case-list"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_the_admin_sites_login_is_the_one_login_page(cast: Cast) -> None:
    response = Client().get("/admin/login/?next=/admin/org/unit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/org/unit/"


def test_a_logged_in_user_sent_to_the_admins_login_is_refused(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.handler_a)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_the_test_clients_login_is_not_counted(cast: Cast) -> None:
    client = Client()
    assert not client.login(username="dispatcher", password="wrong")
    assert client.login(username="dispatcher", password=cast.password)
    assert User.objects.get(username="dispatcher").is_active
    assert not AccessAttempt.objects.exists()
