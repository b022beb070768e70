"""The one per-process cache kept until a version moves."""

from __future__ import annotations

import threading

from jingxi.places.responsibility import geo_cache_clear
from jingxi.places.versioned import VersionedCache


def test_builds_once_per_version_and_key() -> None:
    cache: VersionedCache[int, list[int]] = VersionedCache()
    builds: list[tuple[int, int]] = []

    def build(key: int, version: int) -> list[int]:
        builds.append((key, version))
        return [key, version]

    assert cache.get(1, 5, lambda: build(1, 5)) == [1, 5]
    assert cache.get(1, 5, lambda: build(1, 5)) == [1, 5]
    assert cache.get(2, 5, lambda: build(2, 5)) == [2, 5]
    assert cache.get(1, 6, lambda: build(1, 6)) == [1, 6]
    assert builds == [(1, 5), (2, 5), (1, 6)]
    assert cache.peek(1) == [1, 6]


def test_concurrent_misses_build_once() -> None:
    cache: VersionedCache[int, object] = VersionedCache()
    started = threading.Barrier(8)
    calls: list[int] = []

    def build() -> object:
        calls.append(1)
        return object()

    results: list[object] = []

    def worker() -> None:
        started.wait()
        results.append(cache.get(1, 1, build))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_geo_cache_clear_forgets_every_cache() -> None:
    a: VersionedCache[int, int] = VersionedCache()
    b: VersionedCache[str, int] = VersionedCache()
    a.get(1, 1, lambda: 10)
    b.get("x", 1, lambda: 20)
    geo_cache_clear()
    assert a.peek(1) is None
    assert b.peek("x") is None
