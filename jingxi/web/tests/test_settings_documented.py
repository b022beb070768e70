"""Every setting a deployment may change is explained in `.env.example`."""

from __future__ import annotations

import re

from django.conf import settings


def test_every_jingxi_variable_read_by_the_settings_is_in_env_example() -> None:
    root = settings.BASE_DIR
    read = set(
        re.findall(r'env_\w+\(\s*"(JINGXI_\w+)"', (root / "config" / "settings.py").read_text())
    )
    documented = set(re.findall(r"^# (JINGXI_\w+)=", (root / ".env.example").read_text(), re.M))
    assert read, "no JINGXI_ variable found in config/settings.py"
    assert sorted(read - documented) == []
