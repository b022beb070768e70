"""Fixtures for the cases app's tests: the shared browser fixtures (see jingxi/web/tests)."""

from __future__ import annotations

from jingxi.web.tests.browser import _fresh_map_index, browser, page

__all__ = ["_fresh_map_index", "browser", "page"]
