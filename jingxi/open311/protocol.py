"""The GeoReport v2 wire format: W3C datetimes, XML and JSON documents, error bodies.

XML is written with a small string writer (no ElementTree objects per row, so a list
of 1,000 requests renders in a few milliseconds); nothing untrusted is ever parsed as
XML here, since POST bodies are form-encoded. JSON follows the spec's Spark mapping:
lists are top-level arrays, a service definition and the discovery are objects.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from django.http import HttpResponse

Format = Literal["xml", "json"]
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

# The element name of one item in each list, as the spec names them.
ITEM_TAGS: Mapping[str, str] = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "service_request_updates": "request_update",
}


class Open311Error(Exception):
    """An error answer: HTTP status and one or more (code, description) pairs."""

    def __init__(self, status: int, description: str, *, code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.errors = [(code or status, description)]
        self.headers: dict[str, str] = {}


# --- datetimes ------------------------------------------------------------------------

# The W3C note's profile of ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, or a date with hh:mm,
# optional :ss and fraction, and a time zone (Z or ±hh:mm) which the spec makes mandatory.
_W3C = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?$"
)


def w3c_parse(text: str, *, tz: ZoneInfo) -> dt.datetime:
    """A W3C datetime; a bare date (or year, or month) is midnight in `tz`.

    A '+' sent unencoded in a query string arrives as a space; it is read as '+'.
    Raises ValueError for anything else, including a time without a time zone.
    """
    text = text.strip()
    if " " in text:
        text = text.replace(" ", "+")
    match = _W3C.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day = int(match["y"]), int(match["m"] or 1), int(match["d"] or 1)
    if match["time"] is None:
        moment = dt.datetime(year, month, day, tzinfo=tz)
    else:
        stamp = f"{year:04d}-{month:02d}-{day:02d}T{match['time']}"
        offset = "+00:00" if match["tz"] == "Z" else match["tz"]
        moment = dt.datetime.fromisoformat(stamp + offset)
    try:
        moment.astimezone(dt.UTC)  # stored in UTC: a moment past year 1..9999 there is none
    except OverflowError:
        raise ValueError(text) from None
    return moment


def w3c_format(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """'2026-11-25T10:00:00+08:00' in the jurisdiction's zone; None stays None."""
    if value is None:
        return None
    return value.astimezone(tz).isoformat(timespec="seconds")


# --- XML ------------------------------------------------------------------------------

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def xml_text(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = value if isinstance(value, str) else str(value)
    if _SPECIAL.search(text) is None:  # most values: nothing to escape or drop
        return text
    return _INVALID_XML.sub("", text).translate(_ESCAPES)


def _xml_value(out: list[str], tag: str, value: object) -> None:
    # Exact type checks, most frequent first: a page of 1,000 requests is 16,000 values.
    kind = type(value)
    if kind is str:
        if value:
            out.append(f"<{tag}>{xml_text(value)}</{tag}>")
        else:
            out.append(f"<{tag}/>")
    elif value is None:
        out.append(f"<{tag}/>")
    elif kind is dict or (kind is not list and isinstance(value, Mapping)):
        out.append(f"<{tag}>")
        for key, item in cast(Mapping[str, Any], value).items():
            _xml_value(out, key, item)
        out.append(f"</{tag}>")
    elif kind is list:
        item_tag = ITEM_TAGS[tag]
        out.append(f"<{tag}>")
        for item in cast(list[Any], value):
            _xml_value(out, item_tag, item)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{xml_text(value)}</{tag}>")


def xml_document(root: str, body: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """A document whose root is `root`: an object's fields, or a list's items."""
    out = [XML_DECLARATION]
    if isinstance(body, Mapping):
        _xml_value(out, root, body)
    else:
        _xml_value(out, root, list(body))
    return "".join(out).encode()


# --- responses ------------------------------------------------------------------------


def render(
    fmt: Format, root: str, body: Mapping[str, Any] | Sequence[Any], status: int = 200
) -> HttpResponse:
    """The document in the asked format: XML under `root`, JSON as the bare array/object."""
    if fmt == "json":
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return HttpResponse(data, status=status, content_type=JSON_CONTENT_TYPE)
    return HttpResponse(xml_document(root, body), status=status, content_type=XML_CONTENT_TYPE)


def error_response(fmt: Format, error: Open311Error) -> HttpResponse:
    body = [{"code": code, "description": text} for code, text in error.errors]
    response = render(fmt, "errors", body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def format_of_path(path: str) -> Format:
    """The format a URL asks for: JSON for `.json`, XML (the spec's default) otherwise."""
    return "json" if path.endswith(".json") else "xml"


def comma_list(values: Iterable[str]) -> list[str]:
    """Values of a parameter that 'can be declared multiple times, comma delimited'."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
