"""Fixtures for the hotline's tests: a clean map index (the browser ones are in jingxi/)."""

from __future__ import annotations

from jingxi.web.tests.browser import _fresh_map_index

__all__ = ["_fresh_map_index"]
