"""Fixtures for the shell's tests: a clean map index, and a Chromium page for browser tests."""

from __future__ import annotations

from jingxi.web.tests.browser import _fresh_map_index, browser, page

__all__ = ["_fresh_map_index", "browser", "page"]
