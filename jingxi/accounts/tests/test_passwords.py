"""Passwords: complexity, history and expiry, and the change page every user reaches."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.accounts.models import PasswordHistory
from jingxi.accounts.passwords import password_expired, password_expires_at
from jingxi.accounts.validators import character_classes
from jingxi.cases.models import Case
from jingxi.cases.services import loop_settings_get
from jingxi.cases.tests.test_api import create_body
from jingxi.org import signals
from jingxi.org.models import User

STRONG = "Qingnian#2026"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reasons(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code or "" for e in exc.error_list}
    return set()


def change(client: Client, old: str, new: str, **extra: str) -> Any:
    data = {"old_password": old, "new_password1": new, "new_password2": new, **extra}
    return client.post(reverse("accounts:password-change"), data)


def age(user: User, days: int) -> None:
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=days)
    )


# --- complexity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("Abcd-1234", 4), ("abcd 测试12", 3)],
)
def test_character_classes_count_capitals_small_letters_digits_and_the_rest(
    password: str, classes: int
) -> None:
    assert character_classes(password) == classes


@pytest.mark.parametrize(
    ("password", "refused_for"),
    [
        ("Ab1-", {"password_too_short"}),
        ("shortish", {"password_too_simple"}),
        ("zhongmou2026", {"password_too_simple"}),
        ("Zhongmou2026", set()),
        ("zhongmou-2026", set()),
        ("ZHONGMOU-路长", {"password_too_simple"}),
        ("ZHONGMOU-路长1", set()),
    ],
)
def test_passwords_need_eight_characters_from_three_classes(
    db: None, password: str, refused_for: set[str]
) -> None:
    assert reasons(password) & {"password_too_short", "password_too_simple"} == refused_for


def test_the_minimum_length_is_a_setting(db: None, settings: Any) -> None:
    settings.JINGXI_PASSWORD_MIN_LENGTH = 14
    assert "password_too_short" in reasons("Zhongmou-2026")
    settings.JINGXI_PASSWORD_MIN_LENGTH = 8
    assert reasons("Zhongmou-2026") == set()


def test_the_demo_password_does_not_pass_the_policy_and_is_set_by_the_loader_only(
    db: None,
) -> None:
    from jingxi.demo.plan import DEMO_PASSWORD

    # The published demo password (lower case and digits) could not be chosen on the
    # change page; the demo loader hashes it directly, and production refuses it.
    assert "password_too_simple" in reasons(DEMO_PASSWORD)


# --- history ------------------------------------------------------------------------------


def test_the_last_five_passwords_cannot_be_used_again(cast: Cast) -> None:
    user = cast.inspector
    used = [f"Password-{n}" for n in range(1, 6)]
    for password in used:
        user.set_password(password)
        user.save()
    for password in used:
        assert "password_reused" in reasons(password, user), password
    user.set_password("Password-6")
    user.save()
    # Password-1 is now the sixth last: allowed again.
    assert "password_reused" not in reasons("Password-1", user)
    assert "password_reused" in reasons("Password-2", user)


def test_the_history_keeps_hashes_of_the_newest_passwords_only(cast: Cast, settings: Any) -> None:
    settings.JINGXI_PASSWORD_HISTORY = 3
    user = cast.inspector
    for n in range(5):
        user.set_password(f"Secret-{n}-pass")
        user.save()
    stored = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(stored) == 3
    assert stored[0] == user.password  # the current one, newest first
    assert not any("Secret" in row for row in stored)


def test_a_password_never_recorded_still_counts_as_the_current_one(cast: Cast) -> None:
    user = cast.inspector
    PasswordHistory.objects.filter(user=user).delete()
    assert "password_reused" in reasons(cast.password, user)


def test_history_off_allows_reusing_the_current_password(cast: Cast, settings: Any) -> None:
    settings.JINGXI_PASSWORD_HISTORY = 0
    assert "password_reused" not in reasons(cast.password, cast.inspector)


# --- expiry -------------------------------------------------------------------------------


def test_setting_a_password_stamps_its_time(cast: Cast) -> None:
    user = cast.inspector
    age(user, 100)
    user.refresh_from_db()
    user.set_password(STRONG)
    user.save()
    user.refresh_from_db()
    assert user.password_changed_at is not None
    assert timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)


def test_a_password_expires_after_ninety_days(cast: Cast) -> None:
    user = cast.inspector
    age(user, 89)
    user.refresh_from_db()
    assert not password_expired(user=user)
    age(user, 90)
    user.refresh_from_db()
    assert password_expired(user=user)


def test_zero_days_turns_expiry_off(cast: Cast, settings: Any) -> None:
    settings.JINGXI_PASSWORD_MAX_AGE_DAYS = 0
    age(cast.inspector, 1000)
    cast.inspector.refresh_from_db()
    assert not password_expired(user=cast.inspector)
    assert password_expires_at(user=cast.inspector) is None


def test_a_password_hashed_without_set_password_is_as_old_as_its_account(world: World) -> None:
    user = User.objects.create_user(username="new", password="Whatever-2026")
    user.refresh_from_db()
    assert user.password_changed_at is None  # create_user hashes it directly
    assert not password_expired(user=user)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=91))
    user.refresh_from_db()
    assert password_expired(user=user)


def test_demo_mode_turns_expiry_off_by_default() -> None:
    """The demo's visitors share its published logins: no one may be made to change one."""
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "from django.conf import settings; print(settings.JINGXI_PASSWORD_MAX_AGE_DAYS)"
    )

    def max_age(mode: str) -> str:
        env = {**os.environ, "JINGXI_ENV": mode, "JINGXI_SECRET_KEY": "k" * 60}
        env.pop("JINGXI_PASSWORD_MAX_AGE_DAYS", None)
        result = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert max_age("demo") == "0"
    assert max_age("production") == "90"


# --- the change page ----------------------------------------------------------------------


def test_every_page_links_to_the_account_page_and_it_to_the_change_page(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    home = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("accounts:security")}"' in home
    page = client.get(reverse("accounts:security")).content.decode()
    assert f'href="{reverse("accounts:password-change")}"' in page


def test_a_user_changes_their_password_and_keeps_their_session(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    sent: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        sent.append(kwargs)

    signals.password_changed.connect(receiver)
    try:
        response = change(client, cast.password, STRONG)
    finally:
        signals.password_changed.disconnect(receiver)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.check_password(STRONG)
    assert client.get(reverse("web:home")).status_code == 200  # still logged in
    assert [s["user"] for s in sent] == [cast.handler_a]
    assert sent[0]["request"] is not None and sent[0]["by"] == cast.handler_a


def test_a_weak_or_reused_password_is_refused_with_reasons_in_chinese(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    weak = change(client, cast.password, "jingxi2026")
    assert weak.status_code == 200
    assert "密码太简单" in weak.content.decode()
    same = change(client, cast.password, cast.password)
    assert "不能使用最近 5 次用过的密码" in same.content.decode()
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.check_password(cast.password)


def test_a_wrong_current_password_changes_nothing(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    response = change(client, "not-the-password", STRONG)
    assert response.status_code == 200
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.check_password(cast.password)


def test_the_change_page_shows_the_rules(cast: Cast) -> None:
    html = client_for(cast.handler_a).get(reverse("accounts:password-change")).content.decode()
    assert "包含大写字母、小写字母、数字、符号中的至少 3 类" in html
    assert "不能与最近 5 次用过的密码相同" in html
    assert "密码每 90 天须修改一次" in html


def test_the_change_page_answers_in_english_too(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("accounts:password-change")).content.decode()
    assert "Change password" in html
    assert "at least 3 of" in html


# --- an expired password comes first ------------------------------------------------------


def test_an_expired_password_sends_every_page_to_the_change_page(cast: Cast) -> None:
    age(cast.dispatcher, 91)
    client = client_for(cast.dispatcher)
    response = client.get(reverse("cases:case-list"))
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('accounts:password-change')}?next={reverse('cases:case-list')}"
    )
    page = client.get(response["Location"])
    assert page.status_code == 200 and "已过期" in page.content.decode()
    done = change(client, cast.password, STRONG, next=reverse("cases:case-list"))
    assert done["Location"] == reverse("cases:case-list")
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_an_expired_password_still_lets_its_user_log_out(cast: Cast) -> None:
    age(cast.dispatcher, 91)
    client = client_for(cast.dispatcher)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_an_htmx_request_with_an_expired_password_moves_the_page(cast: Cast) -> None:
    age(cast.dispatcher, 91)
    client = client_for(cast.dispatcher)
    response = client.get(reverse("web:notification-badge"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:password-change"))


def test_the_api_answers_an_expired_password_with_a_json_403(cast: Cast) -> None:
    age(cast.dispatcher, 91)
    response = client_for(cast.dispatcher).get(reverse("api-case-list"))
    assert response.status_code == 403
    assert response.json()["code"] == "password_expired"
    assert "密码已过期" in response.json()["error"]


def test_a_token_of_an_expired_password_is_refused_with_a_json_403(cast: Cast) -> None:
    token = Token.objects.create(user=cast.inspector)
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert Client().get(reverse("api-case-list"), **headers).status_code == 200
    age(cast.inspector, 91)
    response = Client().get(reverse("api-case-list"), **headers)
    assert response.status_code == 403
    assert "密码已过期" in response.json()["error"]


def test_a_token_report_of_an_expired_password_is_refused_on_the_direct_path_too(
    world: World, cast: Cast
) -> None:
    loop_settings_get(jurisdiction=world.jurisdiction)  # else the direct path steps aside
    token = Token.objects.create(user=cast.inspector)
    age(cast.inspector, 91)
    response = Client().post(
        reverse("api-case-list"),
        create_body(world),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    assert "密码已过期" in response.json()["error"]
    assert Case.objects.count() == 0
