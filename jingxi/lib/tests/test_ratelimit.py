"""The one rate limiter: fixed-window counts in Django's cache, and no second one."""

from __future__ import annotations

import ast
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from jingxi.lib.ratelimit import rate_allow


@pytest.fixture(autouse=True)
def _clear() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_hits_are_allowed_up_to_the_limit_per_scope_and_ident() -> None:
    hits = [rate_allow(scope="client", ident="1", limit=3)[0] for _ in range(5)]
    assert hits == [True, True, True, False, False]
    assert rate_allow(scope="client", ident="2", limit=3)[0]
    assert rate_allow(scope="read", ident="1", limit=3)[0]


def test_a_limit_of_zero_counts_nothing() -> None:
    assert all(rate_allow(scope="client", ident="1", limit=0)[0] for _ in range(50))
    allowed, retry_after = rate_allow(scope="client", ident="1", limit=1)
    assert allowed and 1 <= retry_after <= 60


def test_a_counter_added_by_another_process_meanwhile_is_counted_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_add = cache.add

    def add_lost(key: str, value: Any, timeout: float | None = None) -> bool:
        real_add(key, 5, timeout=timeout)  # the other process's first hits won the add
        return False

    monkeypatch.setattr(cache, "add", add_lost)
    assert rate_allow(scope="client", ident="1", limit=6)[0]  # the 6th hit
    assert not rate_allow(scope="client", ident="1", limit=6)[0]


def test_a_window_ends_and_the_count_starts_again() -> None:
    assert rate_allow(scope="s", ident="a", limit=1, window_seconds=60, now=1_800_000_030)[0]
    assert not rate_allow(scope="s", ident="a", limit=1, window_seconds=60, now=1_800_000_059)[0]
    assert rate_allow(scope="s", ident="a", limit=1, window_seconds=60, now=1_800_000_060)[0]


def test_the_identity_is_not_kept_in_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list[str] = []
    real_add = cache.add

    def add_seen(key: str, value: Any, timeout: float | None = None) -> bool:
        keys.append(key)
        return real_add(key, value, timeout=timeout)

    monkeypatch.setattr(cache, "add", add_seen)
    rate_allow(scope="s", ident="203.0.113.7", limit=1)
    assert keys and "203.0.113.7" not in keys[0]


# --- no second limiter, no second address reader ------------------------------------

ROOT = Path(__file__).resolve().parents[3]
# META keys (exact) and the header's name (any case); `remote_addr` the model field is fine.
ADDRESS_META = {"REMOTE_ADDR", "HTTP_X_FORWARDED_FOR"}
ADDRESS_HEADER = "x-forwarded-for"
COUNTER_CALLS = {"incr", "decr", "incr_version"}


def _sources() -> list[Path]:
    files = [*(ROOT / "jingxi").rglob("*.py"), *(ROOT / "config").rglob("*.py")]
    return [
        f for f in files if "tests" not in f.relative_to(ROOT).parts and f.name != "conftest.py"
    ]


def _code_tokens(path: Path) -> list[tokenize.TokenInfo]:
    with path.open("rb") as handle:
        return [
            t
            for t in tokenize.tokenize(handle.readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)
        ]


def _literal(token: tokenize.TokenInfo) -> str | None:
    if token.type != tokenize.STRING:
        return None
    try:
        value = ast.literal_eval(token.string)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def test_only_lib_client_reads_the_client_address_headers() -> None:
    readers = set()
    for path in _sources():
        for token in _code_tokens(path):
            value = _literal(token)
            if value is not None and (value in ADDRESS_META or value.lower() == ADDRESS_HEADER):
                readers.add(str(path.relative_to(ROOT)))
    assert readers == {"jingxi/lib/client.py"}


def test_only_lib_ratelimit_counts_in_the_cache() -> None:
    counters = set()
    for path in _sources():
        tokens = _code_tokens(path)
        for before, name, call in zip(tokens, tokens[1:], tokens[2:], strict=False):
            if before.string != "." or call.string != "(":
                continue
            if name.string in COUNTER_CALLS:
                counters.add(str(path.relative_to(ROOT)))
        text = path.read_text(encoding="utf-8")
        if "cache.add(" in text or "cache.get_or_set(" in text:
            counters.add(str(path.relative_to(ROOT)))
    assert counters == {"jingxi/lib/ratelimit.py"}
