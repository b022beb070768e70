"""The one rate limiter: fixed windows counted in Django's cache, used by every door
(Open311's reads, keys and addresses; the public site's reports and lookups; WeChat's
followers).

A window's first hit adds a counter that expires after the window, later hits increment
it. With JINGXI_REDIS_URL set the cache is Redis and every process shares the counts;
with the default local-memory cache each process counts on its own, so a deployment of
N processes lets through up to N times the configured rate.

Who a client is comes from `lib/client.client_address` (`request_limited`), or from the
door itself (an API key, a WeChat OpenID). Identities are hashed into the cache key, so
no address or OpenID sits in the cache in clear.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache
from django.http import HttpRequest

from jingxi.lib.client import client_address

logger = logging.getLogger("jingxi.ratelimit")

MINUTE = 60


def rate_allow(
    *, scope: str, ident: str, limit: int, window_seconds: int = MINUTE, now: float | None = None
) -> tuple[bool, int]:
    """Count one hit of `ident` in `scope`; (allowed, seconds until the window ends).

    Allowed while the window's count is at most `limit`; a limit of 0 means no limit
    (and counts nothing).
    """
    at = time.time() if now is None else now
    retry_after = window_seconds - int(at) % window_seconds
    if limit <= 0:
        return True, retry_after
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
    key = f"jingxi:rate:{scope}:{window_seconds}:{int(at) // window_seconds}:{digest}"
    timeout = window_seconds * 2
    # The window's counter exists but for its first hit: increment first (one cache
    # operation; on Redis two round trips instead of three with an add before).
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first hit
        if cache.add(key, 1, timeout=timeout):
            count = 1
        else:  # another process added it meanwhile
            try:
                count = cache.incr(key)
            except ValueError:  # and it expired since: start again
                cache.set(key, 1, timeout=timeout)
                count = 1
    return count <= limit, retry_after


def client_ip(request: HttpRequest) -> str:
    """The client's address as `lib.client` reads it ("unknown" when none)."""
    return client_address(request) or "unknown"


def request_limited(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count the request against its client address's limit; log and answer True when over."""
    ip = client_ip(request)
    allowed, _retry = rate_allow(scope=scope, ident=ip, limit=limit, window_seconds=window_seconds)
    if not allowed:
        logger.warning(
            "rate limit: scope=%s ip=%s limit=%d/%ds path=%s",
            scope,
            ip,
            limit,
            window_seconds,
            request.path,
        )
    return not allowed
