"""Fixtures shared by the public app's tests (each test module opts in)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture
def public_site(settings: Any, tmp_path: Path) -> Iterator[None]:
    """The public site serves the world's county; media in a temporary folder; fresh
    flood counters (the local-memory cache outlives a test)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _flood_windows_pinned(rate_windows_pinned: None) -> None:
    """Every public test counts its floods within one fixed window."""
