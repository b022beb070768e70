"""Rows and models → GeoReport v2 documents (dicts in the spec's field order).

Personal data never leaves through here: reporter names, phones and e-mails are not
fields of any document, descriptions and addresses are masked as on every public surface
(`org.privacy.PUBLIC`: ID numbers, phones, e-mail addresses, the reporter's own name and
phone), and positions of citizens' reports are rounded to about 100 m.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from jingxi.cases.choices import Action, EventKind, Source, Status
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.timelimits import limit_notice, limit_pick
from jingxi.open311.protocol import w3c_format
from jingxi.open311.selectors import (
    Attribute,
    open311_status,
    service_code_of,
)
from jingxi.org.privacy import PUBLIC

# Positions of reports made by citizens are rounded to 3 decimals (about 110 m north-south,
# 90 m east-west here): enough to find the problem, not enough to find a doorstep.
CITIZEN_SOURCES = frozenset(
    {Source.CITIZEN_WEB, Source.HOTLINE, Source.WECHAT, Source.OPEN311, Source.MEDIA}
)
CITIZEN_DECIMALS = 3


class Labels:
    """Translated labels, computed once per response rather than once per row."""

    def __init__(self) -> None:
        self.status = {str(s.value): str(s.label) for s in Status}
        self.action = {str(a.value): str(a.label) for a in Action}
        self.action[EventKind.REPORT] = _("上报")
        self._notices: dict[int, str] = {}

    def notice(self, limit: TimeLimit | None) -> str:
        """The service notice of a time limit, formatted once per response."""
        if limit is None:
            return ""
        text = self._notices.get(limit.pk)
        if text is None:
            text = self._notices[limit.pk] = limit_notice(limit)
        return text


def request_document(
    row: Mapping[str, Any],
    *,
    tz: ZoneInfo,
    limits: Mapping[int, dict[tuple[str, str], TimeLimit]],
    labels: Labels,
    notes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One service request, from a `selectors.REQUEST_FIELDS` row."""
    status = open311_status(row["status"])
    status_notes = labels.status.get(row["status"], "")
    if row["merged_into__number"]:
        status_notes = f"{status_notes} {row['merged_into__number']}"
    updated: dt.datetime = row["updated_at"]
    if status == "closed" and row["closed_at"] is not None:
        updated = row["closed_at"]
    lat, lng = row["lat"], row["lng"]
    if row["source"] in CITIZEN_SOURCES:
        lat, lng = round(lat, CITIZEN_DECIMALS), round(lng, CITIZEN_DECIMALS)
    public = PUBLIC.about(name=row["reporter_name"], phone=row["reporter_phone"])
    limit = limit_pick(
        limits.get(row["category_id"], {}), urgency=row["urgency"], condition=row["condition"]
    )
    document: dict[str, Any] = {
        "service_request_id": row["number"],
        "status": status,
        "status_notes": status_notes,
        "service_name": row["category__name"],
        "service_code": service_code_of(row["category__kind"], row["category__code"]),
        "description": public.text(row["description"]),
        "agency_responsible": row["unit__name"],
        "service_notice": labels.notice(limit),
        "requested_datetime": w3c_format(row["reported_at"], tz),
        "updated_datetime": w3c_format(updated, tz),
        "expected_datetime": w3c_format(row["deadline"], tz),
        "address": public.text(row["address"]),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
    }
    if notes is not None:
        document["notes"] = [
            {
                "datetime": w3c_format(event["at"], tz),
                "description": labels.action.get(event["action"], event["action"]),
                "type": event["action"],
            }
            for event in notes
        ]
    return document


def service_document(category: Category, attributes: list[Attribute]) -> dict[str, Any]:
    return {
        "service_code": service_code_of(category.kind, category.code),
        "service_name": category.name,
        "description": category.filing_condition or category.name,
        "metadata": bool(attributes),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent else "",
    }


def definition_document(category: Category, attributes: list[Attribute]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for order, attribute in enumerate(attributes, start=1):
        item: dict[str, Any] = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description or None,
            "order": order,
            "description": attribute.description,
        }
        if attribute.options:
            item["values"] = [{"key": key, "name": name} for key, name in attribute.options]
        items.append(item)
    return {"service_code": service_code_of(category.kind, category.code), "attributes": items}
