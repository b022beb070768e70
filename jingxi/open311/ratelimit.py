"""Fixed-window rate limits per minute, counted in Django's cache.

With JINGXI_REDIS_URL set the cache is Redis and every process shares the counts.
With the default local-memory cache each process counts on its own, so a deployment
of N processes lets through up to N times the configured rate.
"""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_S = 60


def rate_allow(*, scope: str, ident: str, per_minute: int) -> tuple[bool, int]:
    """Count one hit for (scope, ident); (allowed, seconds until the window ends).

    A limit of 0 means no limit.
    """
    now = time.time()
    retry_after = WINDOW_S - int(now) % WINDOW_S
    if per_minute <= 0:
        return True, retry_after
    key = f"open311:rate:{scope}:{ident}:{int(now) // WINDOW_S}"
    # The window's counter exists but for its first hit: increment first (one cache
    # operation; on Redis two round trips instead of three with an add before).
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first hit
        if cache.add(key, 1, timeout=WINDOW_S * 2):
            count = 1
        else:  # another process added it meanwhile
            try:
                count = cache.incr(key)
            except ValueError:  # and it expired since: start again
                cache.set(key, 1, timeout=WINDOW_S * 2)
                count = 1
    return count <= per_minute, retry_after
