"""Fixed-window counts in Django's cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from jingxi.open311.ratelimit import rate_allow


@pytest.fixture(autouse=True)
def _clear() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_hits_are_allowed_up_to_the_limit_per_scope_and_ident() -> None:
    hits = [rate_allow(scope="client", ident="1", per_minute=3)[0] for _ in range(5)]
    assert hits == [True, True, True, False, False]
    assert rate_allow(scope="client", ident="2", per_minute=3)[0]
    assert rate_allow(scope="read", ident="1", per_minute=3)[0]


def test_a_limit_of_zero_counts_nothing() -> None:
    assert all(rate_allow(scope="client", ident="1", per_minute=0)[0] for _ in range(50))
    allowed, retry_after = rate_allow(scope="client", ident="1", per_minute=1)
    assert allowed and 1 <= retry_after <= 60


def test_a_counter_added_by_another_process_meanwhile_is_counted_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_add = cache.add

    def add_lost(key: str, value: Any, timeout: float | None = None) -> bool:
        real_add(key, 5, timeout=timeout)  # the other process's first hits won the add
        return False

    monkeypatch.setattr(cache, "add", add_lost)
    assert rate_allow(scope="client", ident="1", per_minute=6)[0]  # the 6th hit
    assert not rate_allow(scope="client", ident="1", per_minute=6)[0]
