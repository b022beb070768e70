"""The Content Security Policy on every response.

A middleware of our own rather than django-csp: jingxi needs one fixed policy and no
nonces, because no template has an inline script or style left, and every page works
under it, the Swagger UI at /api/docs/ included (drf-spectacular's split view loads its
start-up script as a file; `web/api_docs.html` links its styles). That is a few lines,
not a dependency. Django 6.0 brings its own CSP middleware; when jingxi moves past the
5.2 LTS, `settings.CSP_POLICY` maps onto its `SECURE_CSP` directly.

A page that one day needs more must get it for itself (a header set by its view is
left alone here), never through the site-wide policy.

The policy lives in `settings.CSP_POLICY`; the map's tile server, when one is set, is
added to `img-src` here so that the setting and the policy cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse

HEADER: Final = "Content-Security-Policy"

Directives = Mapping[str, Sequence[str]]


def tile_origin(url_template: str) -> str | None:
    """The origin a tile URL template loads from (`{s}` subdomains as a wildcard), or
    None when tiles come from this site."""
    if not url_template:
        return None
    parts = urlsplit(url_template.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def policy_build(policy: Directives) -> str:
    """The header's value."""
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def site_policy() -> dict[str, list[str]]:
    """`settings.CSP_POLICY` with the map's tile server allowed as an image source."""
    policy = {name: list(sources) for name, sources in settings.CSP_POLICY.items()}
    origin = tile_origin(settings.MAP_TILE_URL)
    if origin:
        policy.setdefault("img-src", ["'self'"]).append(origin)
    return policy


_header_cache: dict[str, str] = {}


def _site_header() -> str:
    if "value" not in _header_cache:
        _header_cache["value"] = policy_build(site_policy())
    return _header_cache["value"]


def _forget(**kwargs: object) -> None:
    if kwargs.get("setting") in {"CSP_POLICY", "MAP_TILE_URL"}:
        _header_cache.clear()


setting_changed.connect(_forget)


class ContentSecurityPolicyMiddleware:
    """Sets the Content-Security-Policy header on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response.headers:
            response.headers[HEADER] = _site_header()
        return response
