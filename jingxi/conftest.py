"""Browser fixtures for every app's browser tests, defined once so one Chromium serves all.

(A session fixture imported into two conftests would be two fixtures, and Playwright's
sync API refuses a second instance in the same thread.)
"""

from __future__ import annotations

from jingxi.web.tests.browser import browser, page

__all__ = ["browser", "page"]
