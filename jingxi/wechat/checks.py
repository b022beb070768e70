"""`manage.py check` findings for the WeChat settings, so a mistyped key fails at deploy
time rather than at the first citizen's message."""

from __future__ import annotations

from typing import Any

from django.core import checks

from jingxi.wechat.protocol import AesKeyInvalid
from jingxi.wechat.selectors import aes_keys, wechat_setting


@checks.register()
def wechat_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Malformed EncodingAESKeys, and keys or a secret without the AppID they need."""
    found: list[checks.CheckMessage] = []
    try:
        aes_keys()
    except AesKeyInvalid as exc:
        found.append(checks.Error(str(exc), id="wechat.E001"))
    app_id = wechat_setting("JINGXI_WECHAT_APP_ID")
    if wechat_setting("JINGXI_WECHAT_ENCODING_AES_KEY") and not app_id:
        found.append(
            checks.Error(
                "JINGXI_WECHAT_ENCODING_AES_KEY is set but JINGXI_WECHAT_APP_ID is empty: "
                "encrypted messages cannot be checked",
                id="wechat.E002",
            )
        )
    if wechat_setting("JINGXI_WECHAT_APP_SECRET") and not app_id:
        found.append(
            checks.Warning(
                "JINGXI_WECHAT_APP_SECRET is set but JINGXI_WECHAT_APP_ID is empty: "
                "citizens' photos cannot be fetched",
                id="wechat.W001",
            )
        )
    return found
