"""The client's address, read the one way every door reads it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from jingxi.lib.client import client_address


def _request(remote: str = "10.0.0.1", forwarded: str | None = None) -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_connection_address_is_the_client(settings: Any) -> None:
    settings.JINGXI_PROXY_COUNT = 0
    assert client_address(_request("10.0.0.1", forwarded="203.0.113.7")) == "10.0.0.1"


def test_behind_one_proxy_the_rightmost_forwarded_entry_is_the_client(settings: Any) -> None:
    settings.JINGXI_PROXY_COUNT = 1
    # The client wrote 6.6.6.6 itself; the proxy appended what it saw.
    assert client_address(_request("10.0.0.1", forwarded="6.6.6.6, 203.0.113.7")) == ("203.0.113.7")


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(
    settings: Any,
) -> None:
    settings.JINGXI_PROXY_COUNT = 2
    request = _request("10.0.0.2", forwarded="6.6.6.6, 203.0.113.7, 10.0.0.1")
    assert client_address(request) == "203.0.113.7"


def test_too_few_forwarded_entries_fall_back_to_the_connection(settings: Any) -> None:
    settings.JINGXI_PROXY_COUNT = 2
    assert client_address(_request("10.0.0.2", forwarded="203.0.113.7")) == "10.0.0.2"
    assert client_address(_request("10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("entry", "address"),
    [
        ("203.0.113.7:5678", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("not-an-address", "10.0.0.1"),
        ("", "10.0.0.1"),
    ],
)
def test_forwarded_entries_are_read_as_addresses_or_ignored(
    settings: Any, entry: str, address: str
) -> None:
    settings.JINGXI_PROXY_COUNT = 1
    assert client_address(_request("10.0.0.1", forwarded=entry)) == address


def test_an_unreadable_connection_address_is_unknown(settings: Any) -> None:
    settings.JINGXI_PROXY_COUNT = 0
    assert client_address(_request("")) is None
