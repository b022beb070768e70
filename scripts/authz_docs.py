"""Print the authorization matrix as Markdown.

    python scripts/authz_docs.py > docs/authorization.md


The table lives in `jingxi/web/tests/authz_table.py`; a test holds the document to it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # after the settings module is named

django.setup()

from jingxi.web.tests.authz_table import markdown  # noqa: E402  # after setup

sys.stdout.write(markdown())
