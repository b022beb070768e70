"""Security headers and cookies: the Content Security Policy on every page, no framing,
no sniffing, no referrer beyond the site; in production HTTPS only, HSTS and cookies
that never travel in the clear.

Production's values come from config/settings.py read in a subprocess with
JINGXI_ENV=production, as a deployment reads them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from conftest import Cast
from jingxi.web.security import tile_origin

ROOT = Path(settings.BASE_DIR)
PRODUCTION_KEY = "k" * 20 + "production-key-of-the-tests-0123456789"


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", ["/public/", "/public/report/", "/accounts/login/", "/nope/"])
def test_every_page_forbids_inline_scripts_and_framing(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_staff_pages_and_the_api_docs_carry_the_policy_too(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    for path in ("/", "/map/", "/cases/", "/api/docs/", "/api/docs/?script="):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"], path


def test_the_api_docs_start_their_script_from_a_file(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    assert "<style>" not in page


def test_a_tile_server_is_allowed_as_an_image_source(
    client: Client, db: None, settings: Any
) -> None:
    settings.MAP_TILE_URL = "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"
    policy = _directives(client.get("/public/").headers["Content-Security-Policy"])
    assert "https://*.tiles.example.gov.cn" in policy["img-src"]
    assert policy["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("https://tiles.example/{z}/{x}/{y}.png", "https://tiles.example"),
        ("http://{s}.tile.example:8080/{z}/{x}/{y}.png", "http://*.tile.example:8080"),
    ],
)
def test_tile_origin_is_read_from_the_url_template(template: str, origin: str | None) -> None:
    assert tile_origin(template) == origin


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"\sstyle=[\"']")
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+=[\"']")


def test_no_template_has_an_inline_script_or_style() -> None:
    """The policy refuses them: a new one would break its page (the browser test only
    visits the main pages)."""
    offenders = []
    for path in sorted((ROOT / "jingxi").rglob("templates/**/*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, EVENT_ATTRIBUTE, re.compile("<style")):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


# --- production ---------------------------------------------------------------------

PROBE = """
import json, sys, django
django.setup()
from django.conf import settings
from django.test import Client
path, secure = sys.argv[1], sys.argv[2] == "https"
client = Client()
plain = client.get(path)
answer = client.get(path, secure=secure)
behind_proxy = client.get(path, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "debug": settings.DEBUG,
    "plain": [plain.status_code, plain.headers.get("Location", "")],
    "status": answer.status_code,
    "hsts": answer.headers.get("Strict-Transport-Security", ""),
    "behind_proxy": behind_proxy.status_code,
    "csrf_cookie": {
        name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
               "samesite": m["samesite"]}
        for name, m in answer.cookies.items()
    }.get("csrftoken"),
    "cookies": {
        kind: [getattr(settings, f"{kind}_COOKIE_{attribute}")
               for attribute in ("SECURE", "HTTPONLY", "SAMESITE")]
        for kind in ("SESSION", "CSRF", "LANGUAGE")
    },
}))
"""


def run_with(
    env: dict[str, str], code: str, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh Python whose settings read `env` (and nothing of this process'),
    on an empty SQLite file."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGXI_")}
    clean |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "JINGXI_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_sends_hsts_redirects_to_https_and_keeps_cookies_secure(
    tmp_path: Path,
) -> None:
    env = {
        "JINGXI_ENV": "production",
        "JINGXI_SECRET_KEY": PRODUCTION_KEY,
        "JINGXI_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    }
    result = run_with(env, PROBE, tmp_path, "/accounts/login/", "https")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert seen["plain"] == [301, "https://testserver/accounts/login/"]
    assert seen["status"] == 200
    assert seen["behind_proxy"] == 200  # the proxy said https: no redirect loop
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    for kind in ("SESSION", "CSRF", "LANGUAGE"):
        assert seen["cookies"][kind] == [True, True, "Lax"], kind


def test_the_demo_serves_plain_http_with_httponly_cookies(tmp_path: Path) -> None:
    # The schema reads no database: the probe's SQLite file stays empty.
    result = run_with({"JINGXI_ENV": "demo"}, PROBE, tmp_path, "/api/schema/", "http")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert seen["plain"][0] == 200
    assert seen["hsts"] == ""
    for kind in ("SESSION", "CSRF", "LANGUAGE"):
        assert seen["cookies"][kind] == [False, True, "Lax"], kind
