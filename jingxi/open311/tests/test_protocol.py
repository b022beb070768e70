"""The wire format alone: W3C datetimes and the XML writer."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from jingxi.open311.protocol import w3c_format, w3c_parse, xml_document

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-01-01T00:00:00Z", dt.datetime(2010, 1, 1, tzinfo=dt.UTC)),
        ("2010-01-01T08:00:00+08:00", dt.datetime(2010, 1, 1, tzinfo=dt.UTC)),
        ("2010-01-01T08:00:00 08:00", dt.datetime(2010, 1, 1, tzinfo=dt.UTC)),  # '+' unencoded
        ("2010-01-01T08:00+08:00", dt.datetime(2010, 1, 1, tzinfo=dt.UTC)),
        ("2010-01-01T08:00:00.25+08:00", dt.datetime(2010, 1, 1, 0, 0, 0, 250000, tzinfo=dt.UTC)),
        ("2010-01-02", dt.datetime(2010, 1, 2, tzinfo=TZ)),
        ("2010-03", dt.datetime(2010, 3, 1, tzinfo=TZ)),
        ("2010", dt.datetime(2010, 1, 1, tzinfo=TZ)),
    ],
)
def test_w3c_datetimes_parse(text: str, expected: dt.datetime) -> None:
    assert w3c_parse(text, tz=TZ) == expected


@pytest.mark.parametrize(
    "text", ["2010-01-01T00:00:00", "yesterday", "2010-13-01", "2010-01-01 00:00", "1/2/2010", ""]
)
def test_datetimes_without_zone_or_malformed_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        w3c_parse(text, tz=TZ)


def test_datetimes_are_written_with_the_offset() -> None:
    value = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    assert w3c_format(value, TZ) == "2026-11-25T10:00:00+08:00"
    assert w3c_format(None, TZ) is None


def test_xml_escapes_markup_and_drops_control_characters() -> None:
    document = xml_document(
        "service_requests",
        [{"description": "a < b & c > d\x00\x07", "flag": True, "none": None, "n": 1.5}],
    )
    root = ET.fromstring(document)
    request = root.find("request")
    assert request is not None
    assert request.findtext("description") == "a < b & c > d"
    assert request.findtext("flag") == "true"
    assert request.findtext("none") == ""
    assert request.findtext("n") == "1.5"
