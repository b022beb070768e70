"""The client's address: the one reader every door uses (rate limits, lockout, logs).

Behind `JINGXI_PROXY_COUNT` reverse proxies, each appending the address it saw to
X-Forwarded-For, the client's address is the entry the outermost of them wrote: the
N-th from the right. Entries further left were written by the client (or whatever it
came through) and can say anything, so they are never read. Without proxies (0), or
when the header holds fewer entries than there are proxies (the request did not come
through all of them) or its entry is not an IP address, the address is the
connection's, REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str | None:
    """`text` as a normalised IP address (a port or IPv6 brackets removed), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5678
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as the trusted proxies saw it; None when unknown."""
    remote = _address(str(request.META.get("REMOTE_ADDR") or ""))
    proxies = int(getattr(settings, "JINGXI_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part
    ]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote
