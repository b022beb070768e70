"""Flood limits of the public site, per client IP, counted in Django's cache.

A fixed window: the first hit of a window adds a counter that expires with it, later
hits increment it. With the default local-memory cache each process counts on its own
(a client spread over N processes gets up to N times the limit); set JINGXI_REDIS_URL
to share the counters between processes and machines.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache
from django.http import HttpRequest

from jingxi.lib.client import client_address

logger = logging.getLogger("jingxi.public")


def client_ip(request: HttpRequest) -> str:
    """The client's address as `jingxi.lib.client` reads it ("unknown" when none)."""
    return client_address(request) or "unknown"


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit of `key` in `scope`; True when it is over `limit` in this window."""
    if limit <= 0:
        return False
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"jingxi:rl:{scope}:{window}:{digest}"
    if cache.add(name, 1, timeout=window_seconds + 5):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=window_seconds + 5)
            count = 1
    return count > limit


def request_limited(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count the request against its client's limit; log and answer True when over."""
    ip = client_ip(request)
    over = rate_limit_hit(scope=scope, key=ip, limit=limit, window_seconds=window_seconds)
    if over:
        logger.warning(
            "public rate limit: scope=%s ip=%s limit=%d/%ds path=%s",
            scope,
            ip,
            limit,
            window_seconds,
            request.path,
        )
    return over
