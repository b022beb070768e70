"""The second factor: TOTP enrolment, login with a code, removal, and production's rule."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from io import StringIO
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.accounts.lockout import PENDING_LOGIN
from jingxi.cases.models import Case
from jingxi.cases.services import loop_settings_get
from jingxi.cases.tests.test_api import create_body
from jingxi.org import signals
from jingxi.org.models import User


def code_for(key: bytes, *, steps_ahead: int = 0, step: int = 30) -> str:
    """The code an authenticator app shows for `key` now (or `steps_ahead` steps on)."""
    totp = TOTP(key, step=step)
    totp.time = time.time() + steps_ahead * step
    return f"{totp.token():06d}"


def device_for(user: User) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return device


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def log_in(client: Client, username: str, password: str, next_url: str = "") -> Any:
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


@pytest.fixture
def captured() -> Any:
    """Every account signal sent during the test: (name, kwargs)."""
    sent: list[tuple[str, dict[str, Any]]] = []
    receivers = {}
    for name in ("second_factor_added", "second_factor_removed"):

        def receiver(name: str = name, **kwargs: Any) -> None:
            sent.append((name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield sent
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


# --- enrolment ----------------------------------------------------------------------------


def test_any_staff_user_enrols_by_scanning_and_confirming_a_first_code(
    cast: Cast, captured: Any
) -> None:
    client = client_for(cast.handler_a)
    page = client.get(reverse("accounts:totp-enrol"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<path" in html and "<script" not in html.split("<main")[1]
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html)
    assert secret is not None
    key = b32decode(secret.group(1).replace(" ", "") + "=" * 0)
    device = TOTPDevice.objects.get(user=cast.handler_a)
    assert key == device.bin_key and not device.confirmed

    wrong = client.post(reverse("accounts:totp-enrol"), {"code": "000000"})
    assert wrong.status_code == 200 and "口令不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    done = client.post(reverse("accounts:totp-enrol"), {"code": code_for(key)})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:security")
    device.refresh_from_db()
    assert device.confirmed
    assert [name for name, _ in captured] == ["second_factor_added"]
    assert captured[0][1]["user"] == cast.handler_a
    # This session gave a code: it counts as verified.
    assert client.session["otp_device_id"] == device.persistent_id


def test_reloading_the_enrolment_page_keeps_the_same_key(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    client.get(reverse("accounts:totp-enrol"))
    client.get(reverse("accounts:totp-enrol"))
    assert TOTPDevice.objects.filter(user=cast.handler_a).count() == 1


def test_an_enrolled_user_is_not_offered_a_second_device(cast: Cast) -> None:
    device_for(cast.handler_a)
    response = client_for(cast.handler_a).get(reverse("accounts:totp-enrol"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:security")


def test_the_security_page_shows_whether_the_second_factor_is_on(cast: Cast) -> None:
    client = client_for(cast.handler_a)
    assert 'data-totp-state="off"' in client.get(reverse("accounts:security")).content.decode()
    device_for(cast.handler_a)
    assert 'data-totp-state="on"' in client.get(reverse("accounts:security")).content.decode()


# --- login with a code --------------------------------------------------------------------


def test_a_user_with_a_device_gives_a_code_after_the_password(cast: Cast) -> None:
    device = device_for(cast.handler_a)
    client = Client()
    first = log_in(client, "handler_a", cast.password, next_url="/map/")
    assert first.status_code == 302 and first["Location"] == reverse("accounts:login-code")
    assert "_auth_user_id" not in client.session  # not logged in yet
    assert client.get("/map/").status_code == 302
    page = client.get(reverse("accounts:login-code"))
    assert page.status_code == 200 and "动态口令" in page.content.decode()

    done = client.post(reverse("accounts:login-code"), {"code": code_for(device.bin_key)})
    assert done.status_code == 302 and done["Location"] == "/map/"
    assert client.session["_auth_user_id"] == str(cast.handler_a.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get("/map/").status_code == 200


def test_a_code_is_accepted_once(cast: Cast) -> None:
    device = device_for(cast.handler_a)
    code = code_for(device.bin_key)
    first = Client()
    log_in(first, "handler_a", cast.password)
    assert first.post(reverse("accounts:login-code"), {"code": code}).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    again = Client()
    log_in(again, "handler_a", cast.password)
    replay = again.post(reverse("accounts:login-code"), {"code": code})
    assert replay.status_code == 200
    assert "_auth_user_id" not in again.session


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(cast: Cast) -> None:
    device_for(cast.handler_a)
    client = Client()
    log_in(client, "handler_a", cast.password)
    response = client.post(reverse("accounts:login-code"), {"code": "123456"})
    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="handler_a").failures_since_start == 1


def test_five_wrong_codes_lock_the_account(cast: Cast) -> None:
    device = device_for(cast.handler_a)
    client = Client()
    log_in(client, "handler_a", cast.password)
    statuses = []
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        statuses.append(client.post(reverse("accounts:login-code"), {"code": "bad"}).status_code)
    assert statuses == [200] * 4 + [429]
    assert PENDING_LOGIN not in client.session
    # The right code no longer helps: the password step is refused first.
    assert log_in(client, "handler_a", cast.password).status_code == 429


def test_the_code_step_without_a_password_step_goes_back_to_login(db: None) -> None:
    response = Client().get(reverse("accounts:login-code"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_a_code_step_left_for_five_minutes_starts_over(cast: Cast) -> None:
    device_for(cast.handler_a)
    client = Client()
    log_in(client, "handler_a", cast.password)
    session = client.session
    session[PENDING_LOGIN] = {**session[PENDING_LOGIN], "at": time.time() - 301}
    session.save()
    response = client.get(reverse("accounts:login-code"))
    assert response["Location"] == reverse("login")


def test_a_user_without_a_device_logs_in_with_the_password_alone(cast: Cast) -> None:
    client = Client()
    assert log_in(client, "handler_a", cast.password)["Location"] == reverse("web:home")
    assert client.session["_auth_user_id"] == str(cast.handler_a.pk)


# --- removal and reset --------------------------------------------------------------------


def test_the_user_removes_their_device_with_a_current_code(cast: Cast, captured: Any) -> None:
    device = device_for(cast.handler_a)
    client = client_for(cast.handler_a)
    client.post(reverse("accounts:totp-remove"), {"code": "000000"})
    assert TOTPDevice.objects.filter(user=cast.handler_a).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    client.post(reverse("accounts:totp-remove"), {"code": code_for(device.bin_key)})
    assert not TOTPDevice.objects.filter(user=cast.handler_a).exists()
    assert [name for name, _ in captured] == ["second_factor_removed"]


def test_the_emergency_command_resets_a_users_devices(cast: Cast, captured: Any) -> None:
    device_for(cast.dispatcher)
    out = StringIO()
    call_command("otp_reset", "dispatcher", stdout=out)
    assert "已移除" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=cast.dispatcher).exists()
    assert captured[0][0] == "second_factor_removed" and captured[0][1]["by"] is None
    with pytest.raises(CommandError):
        call_command("otp_reset", "nobody")


# --- production: the second-factor roles must use it --------------------------------------


@pytest.fixture
def production(settings: Any) -> None:
    settings.JINGXI_ENV = "production"


def test_in_production_a_dispatcher_must_enrol_before_anything_else(
    cast: Cast, production: None
) -> None:
    client = client_for(cast.dispatcher)
    response = client.get(reverse("cases:case-list"))
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('accounts:totp-enrol')}?next={reverse('cases:case-list')}"
    )
    for name in ("web:home", "accounts:security", "accounts:password-change", "web:map"):
        assert client.get(reverse(name)).status_code == 302, name
    enrol = client.get(reverse("accounts:totp-enrol"))
    assert enrol.status_code == 200 and "data-totp-required" in enrol.content.decode()
    assert client.post(reverse("logout")).status_code == 302


def test_in_production_an_enrolled_dispatcher_gets_through(cast: Cast, production: None) -> None:
    client = client_for(cast.dispatcher)
    page = client.get(reverse("accounts:totp-enrol")).content.decode()
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", page)
    assert secret is not None
    key = b32decode(secret.group(1).replace(" ", ""))
    done = client.post(
        reverse("accounts:totp-enrol"),
        {"code": code_for(key), "next": reverse("cases:case-list")},
    )
    assert done["Location"] == reverse("cases:case-list")
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_in_production_a_session_without_its_code_is_sent_to_log_in_again(
    cast: Cast, production: None
) -> None:
    device_for(cast.dispatcher)  # enrolled from another session
    client = client_for(cast.dispatcher)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_in_production_roles_without_the_rule_need_no_second_factor(
    cast: Cast, production: None
) -> None:
    assert client_for(cast.handler_a).get(reverse("web:home")).status_code == 200
    assert client_for(cast.inspector).get(reverse("web:home")).status_code == 200


def test_outside_production_nobody_is_made_to_enrol(cast: Cast) -> None:
    assert client_for(cast.dispatcher).get(reverse("web:home")).status_code == 200


def test_in_production_the_api_refuses_an_unverified_session_with_a_json_403(
    cast: Cast, production: None
) -> None:
    response = client_for(cast.dispatcher).get(reverse("api-case-list"))
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_in_production_a_second_factor_roles_token_is_refused(cast: Cast, production: None) -> None:
    dispatcher = Token.objects.create(user=cast.dispatcher)
    inspector = Token.objects.create(user=cast.inspector)
    refused = Client().get(reverse("api-case-list"), HTTP_AUTHORIZATION=f"Token {dispatcher.key}")
    assert refused.status_code == 403
    assert "令牌无法携带第二因素" in refused.json()["error"]
    allowed = Client().get(reverse("api-case-list"), HTTP_AUTHORIZATION=f"Token {inspector.key}")
    assert allowed.status_code == 200


def test_outside_production_a_dispatchers_token_works(cast: Cast) -> None:
    token = Token.objects.create(user=cast.dispatcher)
    response = Client().get(reverse("api-case-list"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_in_production_a_second_factor_roles_token_report_is_refused_on_the_direct_path(
    world: World, cast: Cast, production: None
) -> None:
    loop_settings_get(jurisdiction=world.jurisdiction)  # else the direct path steps aside
    token = Token.objects.create(user=cast.dispatcher)
    response = Client().post(
        reverse("api-case-list"),
        create_body(world, source="hotline"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    assert Case.objects.count() == 0
