"""WeChat's server API, as far as jingxi calls it: the access token and media download.

- `cgi-bin/token?grant_type=client_credential&appid=…&secret=…` answers
  `{"access_token": …, "expires_in": 7200}`; the token is cached (Django's cache, so
  shared across processes when Redis is configured) until `TOKEN_EARLY_S` before it
  expires. WeChat only answers servers whose IP is on the account's whitelist (40164).
- `cgi-bin/media/get?access_token=…&media_id=…` answers the file's bytes; a citizen's
  photo stays there for 3 days (then 40007, invalid media_id).
- Errors come as JSON `{"errcode": …, "errmsg": …}`, often with status 200. An expired
  or replaced token (40001, 40014, 42001) is fetched anew and the call made once more.

Standard-library HTTP (urllib.request) with a timeout; every answer is read up to a
limit. Neither the AppSecret nor the access token appears in a log line or an error.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from django.core.cache import cache

from jingxi.wechat.selectors import wechat_setting

DEFAULT_API_BASE: Final = "https://api.weixin.qq.com"
TIMEOUT_S: Final = 15
TOKEN_EARLY_S: Final = 300  # refresh this long before WeChat says the token expires
MAX_JSON_BYTES: Final = 64 * 1024
TOKEN_INVALID: Final = frozenset({40001, 40014, 42001})  # invalid, malformed, expired
# Answers no retry can change: an unknown or expired media_id.
PERMANENT: Final = frozenset({40007})


class WeChatApiError(Exception):
    """A call to WeChat's API that failed; `permanent` when trying again cannot help."""

    def __init__(self, message: str, *, errcode: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.errcode = errcode
        self.permanent = permanent


@dataclass(frozen=True)
class ApiConfig:
    """Where and as whom to call WeChat's API (the secret is never shown)."""

    base: str
    app_id: str
    app_secret: str = ""

    def __repr__(self) -> str:
        return f"ApiConfig(base={self.base!r}, app_id={self.app_id!r})"


def api_config() -> ApiConfig | None:
    """The API settings, or None when the AppID or AppSecret is not configured."""
    app_id = wechat_setting("JINGXI_WECHAT_APP_ID")
    secret = wechat_setting("JINGXI_WECHAT_APP_SECRET")
    if not (app_id and secret):
        return None
    base = (wechat_setting("JINGXI_WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise WeChatApiError("JINGXI_WECHAT_API_BASE 应以 https:// 开头", permanent=True)
    return ApiConfig(base=base, app_id=app_id, app_secret=secret)


def _get(url: str, *, limit: int) -> bytes:
    """The body of a GET, at most `limit` + 1 bytes read. The URL carries secrets, so
    errors name only the status or the network reason."""
    request = urllib.request.Request(url, headers={"User-Agent": "jingxi"})  # noqa: S310 base URL checked http(s)
    try:
        # The base URL is checked to be http(s) (`api_config`); no file:// or the like.
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 base URL checked http(s) (api_config)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise WeChatApiError(f"响应过大（{declared} 字节）", permanent=True)
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise WeChatApiError(f"微信接口 HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise WeChatApiError(f"无法连接微信接口：{reason}") from None
    if len(data) > limit:
        raise WeChatApiError(f"响应过大（超过 {limit} 字节）", permanent=True)
    return data


def _json(data: bytes) -> dict[str, Any] | None:
    """The JSON object in `data`, or None when `data` is not one."""
    if not data.lstrip().startswith(b"{"):
        return None
    try:
        found = json.loads(data)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _errcode(answer: dict[str, Any]) -> int:
    errcode = answer.get("errcode", 0)
    return errcode if isinstance(errcode, int) else -1


def _raise_for(answer: dict[str, Any]) -> None:
    errcode = _errcode(answer)
    if errcode:
        errmsg = str(answer.get("errmsg", ""))[:200]
        raise WeChatApiError(
            f"微信接口错误 {errcode}：{errmsg}", errcode=errcode, permanent=errcode in PERMANENT
        )


def _token_cache_key(config: ApiConfig) -> str:
    return f"wechat:access-token:{config.base}:{config.app_id}"


def access_token_get(*, config: ApiConfig, refresh: bool = False) -> str:
    """The account's access token: from the cache, or fetched and cached until shortly
    before `expires_in` runs out. `refresh` skips the cache."""
    key = _token_cache_key(config)
    if not refresh:
        cached = cache.get(key)
        if isinstance(cached, str) and cached:
            return cached
    query = urlencode(
        {"grant_type": "client_credential", "appid": config.app_id, "secret": config.app_secret}
    )
    answer = _json(_get(f"{config.base}/cgi-bin/token?{query}", limit=MAX_JSON_BYTES))
    if answer is None:
        raise WeChatApiError("获取 access_token 的响应不是 JSON")
    _raise_for(answer)
    token = answer.get("access_token")
    expires_in = answer.get("expires_in")
    if not (isinstance(token, str) and token and isinstance(expires_in, int) and expires_in > 0):
        raise WeChatApiError("获取 access_token 的响应缺少 access_token 或 expires_in")
    cache.set(key, token, timeout=expires_in - min(TOKEN_EARLY_S, expires_in // 2))
    return token


def media_download(*, config: ApiConfig, media_id: str, limit: int) -> bytes:
    """The bytes of a temporary media file (a citizen's photo), at most `limit`.

    Raises WeChatApiError: WeChat's errcode, a network or HTTP error, a JSON answer
    that is not a file, or a file over `limit` (permanent).
    """
    for refresh in (False, True):
        token = access_token_get(config=config, refresh=refresh)
        query = urlencode({"access_token": token, "media_id": media_id})
        data = _get(f"{config.base}/cgi-bin/media/get?{query}", limit=limit)
        answer = _json(data)
        if answer is None:
            if not data:
                raise WeChatApiError("微信接口返回了空文件")
            return data
        if _errcode(answer) in TOKEN_INVALID and not refresh:
            cache.delete(_token_cache_key(config))
            continue
        _raise_for(answer)
        # A video's answer is {"video_url": …}: not a photo, and never will be.
        raise WeChatApiError("微信接口返回的不是文件", permanent=True)
    raise WeChatApiError("access_token 刷新后仍无效")  # not reached: the loop raises
