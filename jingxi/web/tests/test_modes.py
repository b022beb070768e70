"""The three modes: what the demo shows, what production refuses, how each starts.

In production nobody logs in with the published demo password or as a superuser (the
login page and the admin's say what to do), `manage.py check` names any superuser, the
demo county cannot be loaded, the settings refuse to start without a secret key of
their own or with DEBUG, and `manage.py check --deploy` has nothing to say.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from config.settings import DEVELOPMENT_SECRET_KEY, secret_key_for
from conftest import Cast
from jingxi.demo.plan import DEMO_PASSWORD
from jingxi.org.models import User
from jingxi.org.tests.factories import UserFactory
from jingxi.web.checks import superusers_absent_in_production

ROOT = Path(settings.BASE_DIR)
PRODUCTION_KEY = "k" * 20 + "production-key-of-the-tests-0123456789"


@pytest.fixture
def production(settings: Any) -> Any:
    settings.JINGXI_ENV = "production"
    return settings


def _log_in(client: Client, username: str, password: str, path: str = "/accounts/login/") -> Any:
    return client.post(path, {"username": username, "password": password})


# --- production refuses the demo password --------------------------------------------


def test_production_refuses_a_demo_login_still_on_the_demo_password(
    client: Client, cast: Cast, production: Any
) -> None:
    cast.dispatcher.set_password(DEMO_PASSWORD)
    cast.dispatcher.save()
    response = _log_in(client, cast.dispatcher.username, DEMO_PASSWORD)
    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert f"manage.py changepassword {cast.dispatcher.username}" in page
    assert "_auth_user_id" not in client.session


def test_production_accepts_the_same_account_once_its_password_is_changed(
    client: Client, cast: Cast, production: Any
) -> None:
    cast.dispatcher.set_password(DEMO_PASSWORD)
    cast.dispatcher.save()
    call_command_changepassword(cast.dispatcher, "a-new-Password-2026")
    response = _log_in(client, cast.dispatcher.username, "a-new-Password-2026")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.dispatcher.pk)


def call_command_changepassword(user: User, password: str) -> None:
    """What `manage.py changepassword` does, without its interactive prompt."""
    user.set_password(password)
    user.save()


def test_the_demo_accepts_its_printed_logins(client: Client, cast: Cast, settings: Any) -> None:
    settings.JINGXI_ENV = "demo"
    cast.dispatcher.set_password(DEMO_PASSWORD)
    cast.dispatcher.save()
    response = _log_in(client, cast.dispatcher.username, DEMO_PASSWORD)
    assert response.status_code == 302


def test_a_wrong_password_gets_the_usual_answer_in_production(
    client: Client, cast: Cast, production: Any
) -> None:
    response = _log_in(client, cast.dispatcher.username, DEMO_PASSWORD)  # not theirs
    page = response.content.decode()
    assert response.status_code == 200
    assert "changepassword" not in page


# --- production has no superusers -------------------------------------------------------


@pytest.fixture
def superuser(db: None) -> User:
    user: User = UserFactory(username="root", is_superuser=True, is_staff=True)
    return user


def test_production_refuses_a_superuser_at_the_login_page_and_the_admin(
    client: Client, superuser: User, production: Any, cast: Cast
) -> None:
    response = _log_in(client, "root", cast.password, "/accounts/login/")
    assert response.status_code == 200
    assert "生产环境不允许超级用户登录" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The admin's own login sends to the one login page (jingxi.accounts.views.admin_login).
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_superuser_session_ends_when_production_begins(
    client: Client, superuser: User, settings: Any
) -> None:
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    settings.JINGXI_ENV = "production"
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_a_superuser_token_is_refused_in_production(
    client: Client, superuser: User, production: Any
) -> None:
    token = Token.objects.create(user=superuser)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401


def test_the_check_names_every_superuser_in_production(superuser: User, production: Any) -> None:
    UserFactory(username="another_root", is_superuser=True)
    errors = superusers_absent_in_production()
    assert [e.id for e in errors] == ["web.E001"]
    assert "another_root, root" in errors[0].msg


def test_the_check_is_quiet_outside_production_and_without_superusers(
    superuser: User, settings: Any, cast: Cast
) -> None:
    settings.JINGXI_ENV = "demo"
    assert superusers_absent_in_production() == []
    settings.JINGXI_ENV = "production"
    User.objects.filter(is_superuser=True).update(is_superuser=False)
    assert superusers_absent_in_production() == []


def test_the_demo_county_is_not_loaded_in_production(db: None, production: Any) -> None:
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo_load", stdout=io.StringIO())
    assert not User.objects.exists()


# --- the demo banner and logins ---------------------------------------------------------


def test_the_demo_marks_every_staff_public_and_admin_page(
    client: Client, cast: Cast, superuser: User, settings: Any
) -> None:
    settings.JINGXI_ENV = "demo"
    for path in ("/public/", "/public/report/", "/accounts/login/", "/nope/"):
        assert "data-demo-banner" in client.get(path).content.decode(), path
    client.force_login(cast.dispatcher)
    for path in ("/", "/map/", "/cases/"):
        assert "data-demo-banner" in client.get(path).content.decode(), path
    client.force_login(superuser)
    assert "data-demo-banner" in client.get("/admin/").content.decode()


def test_production_shows_no_banner_and_no_demo_logins(
    client: Client, cast: Cast, production: Any
) -> None:
    for path in ("/public/", "/accounts/login/"):
        page = client.get(path).content.decode()
        assert "data-demo-banner" not in page, path
        assert "data-demo-user" not in page, path
    client.force_login(cast.dispatcher)
    assert "data-demo-banner" not in client.get("/").content.decode()


def test_the_demo_login_page_lists_the_demo_logins(
    client: Client, cast: Cast, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JINGXI_ENV = "demo"
    page = client.get("/accounts/login/").content.decode()
    assert f'data-demo-user="{cast.dispatcher.username}"' in page
    assert "web/login" in page  # the script that fills the form is a file


# --- the secret key -------------------------------------------------------------------


def test_the_demo_makes_its_secret_key_once(tmp_path: Path) -> None:
    first = secret_key_for("demo", given="", var_dir=tmp_path)
    assert len(first) >= 50
    assert first != DEVELOPMENT_SECRET_KEY
    assert secret_key_for("demo", given="", var_dir=tmp_path) == first
    assert oct((tmp_path / "secret-key").stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["secret-key"]


def test_a_given_secret_key_wins_in_every_mode(tmp_path: Path) -> None:
    for mode in ("development", "demo", "production"):
        assert secret_key_for(mode, given=PRODUCTION_KEY, var_dir=tmp_path) == PRODUCTION_KEY


def _settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGXI_")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"JINGXI_ENV": "production"},
        {"JINGXI_ENV": "production", "JINGXI_SECRET_KEY": DEVELOPMENT_SECRET_KEY},
    ],
    ids=["no key", "the development key"],
)
def test_production_refuses_to_start_without_a_secret_key_of_its_own(env: dict[str, str]) -> None:
    result = _settings_import(env)
    assert result.returncode != 0
    assert "Set JINGXI_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_debug() -> None:
    result = _settings_import(
        {"JINGXI_ENV": "production", "JINGXI_SECRET_KEY": PRODUCTION_KEY, "JINGXI_DEBUG": "true"}
    )
    assert result.returncode != 0
    assert "JINGXI_DEBUG cannot be on in production" in result.stderr


# --- check --deploy ------------------------------------------------------------------


def _database_url(tmp_path: Path) -> str:
    """The test database when it is PostgreSQL (its tables exist), else a new SQLite file."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_check_deploy_is_clean_in_production(db: None, tmp_path: Path) -> None:
    env = {
        "JINGXI_ENV": "production",
        "JINGXI_SECRET_KEY": PRODUCTION_KEY,
        "JINGXI_DATABASE_URL": _database_url(tmp_path),
        "JINGXI_ALLOWED_HOSTS": "jingxi.example.gov.cn",
    }
    # The test run's own allowance (conftest.py, for the browser tests) is no deployment's.
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("JINGXI_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout
