"""The Content Security Policy on every response, and the few pages that need more.

A middleware of our own rather than django-csp: jingxi needs one fixed policy (no
nonces, because no template has an inline script or style left) plus a per-view
extension for the one page that needs more (the Swagger UI at /api/docs/), which is
about sixty lines. Django 6.0 brings its own CSP middleware; when jingxi moves past the
5.2 LTS, `settings.CSP_POLICY` maps onto its `SECURE_CSP` directly.

The policy lives in `settings.CSP_POLICY`; the map's tile server, when one is set, is
added to `img-src` here so that the setting and the policy cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Final, ParamSpec
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase

HEADER: Final = "Content-Security-Policy"
_EXTRA_ATTRIBUTE: Final = "_jingxi_csp_extra"

Directives = Mapping[str, Sequence[str]]
P = ParamSpec("P")


def tile_origin(url_template: str) -> str | None:
    """The origin a tile URL template loads from (`{s}` subdomains as a wildcard), or
    None when tiles come from this site."""
    if not url_template:
        return None
    parts = urlsplit(url_template.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def policy_build(*, base: Directives, extra: Directives | None = None) -> str:
    """The header's value: `base` with `extra`'s sources added, directive by directive."""
    merged: dict[str, list[str]] = {name: list(sources) for name, sources in base.items()}
    for name, sources in (extra or {}).items():
        merged.setdefault(name, [])
        merged[name] += [s for s in sources if s not in merged[name]]
    return "; ".join(" ".join([name, *sources]) for name, sources in merged.items())


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
        _header_cache["value"] = policy_build(base=site_policy())
    return _header_cache["value"]


def _forget(**kwargs: object) -> None:
    if kwargs.get("setting") in {"CSP_POLICY", "MAP_TILE_URL"}:
        _header_cache.clear()


setting_changed.connect(_forget)


def csp_extend(
    **directives: Sequence[str],
) -> Callable[[Callable[P, HttpResponseBase]], Callable[P, HttpResponseBase]]:
    """Allow a view's responses more than the site's policy, directive by directive
    (underscores in names stand for dashes: `style_src=["'unsafe-inline'"]`). Use it on
    the view that needs it, never site-wide."""
    extra = {name.replace("_", "-"): list(sources) for name, sources in directives.items()}

    def decorate(view: Callable[P, HttpResponseBase]) -> Callable[P, HttpResponseBase]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            response = view(*args, **kwargs)
            setattr(response, _EXTRA_ATTRIBUTE, extra)
            return response

        return wrapped

    return decorate


class ContentSecurityPolicyMiddleware:
    """Sets the Content-Security-Policy header on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response.headers:
            extra: Directives | None = getattr(response, _EXTRA_ATTRIBUTE, None)
            response.headers[HEADER] = (
                policy_build(base=site_policy(), extra=extra) if extra else _site_header()
            )
        return response
