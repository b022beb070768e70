"""Per-process values kept until the jurisdiction's geo_version moves: the one pattern.

Every place-derived structure that is costly to build (the responsibility index, the
map's layers, the grid quality report, the road network) is built once per process and
key, and rebuilt when `Jurisdiction.geo_version` (bumped by every write of places data)
no longer matches the version it was built at. `VersionedCache.get` is that check: a
lock-free read when the version matches, and one build under the lock when it does not,
so concurrent requests of one process never build the same value twice.

`versioned_caches_clear` forgets every cache made here (tests: a rolled-back database
hands out the same ids and versions again, with other data behind them).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_caches: weakref.WeakSet[VersionedCache[object, object]] = weakref.WeakSet()


class VersionedCache(Generic[K, V]):
    """Values per key, each with the version (any hashable) it was built at."""

    def __init__(self) -> None:
        self._entries: dict[K, tuple[Hashable, V]] = {}
        self._lock = threading.Lock()
        _caches.add(self)  # type: ignore[arg-type]

    def get(self, key: K, version: Hashable, build: Callable[[], V]) -> V:
        """The value kept for `key` if it was built at `version`; else `build()`, kept."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version:
                return entry[1]
            value = build()
            self._entries[key] = (version, value)
            return value

    def peek(self, key: K) -> V | None:
        """The value kept for `key`, whatever its version (None when there is none)."""
        entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def versioned_caches_clear() -> None:
    """Forget the values of every VersionedCache of this process."""
    for cache in list(_caches):
        cache.clear()
