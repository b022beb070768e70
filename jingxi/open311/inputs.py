"""The parameters of a GeoReport v2 POST request, checked: each bad one is a 400 (or a
404 for an unknown service) naming the parameter, before anything is written.

`request_input` turns the form into the `RequestInput` that `services` writes; the
views keep the order of the checks (jurisdiction, key and rate limits, service, fields).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, QueryDict

from jingxi.cases.services import MAX_DESCRIPTION
from jingxi.catalog.choices import Urgency
from jingxi.lib.client import client_address
from jingxi.open311.choices import Datatype
from jingxi.open311.protocol import Open311Error, w3c_parse
from jingxi.open311.selectors import Attribute, Service
from jingxi.open311.services import RequestInput
from jingxi.org.models import Jurisdiction
from jingxi.places.geocode import geocode_index_for

MAX_STRING = 1000
MAX_TEXT = 4000


def param(request: HttpRequest, name: str) -> str:
    """A GET parameter, or for POST a form field (falling back to the query string)."""
    if request.method == "POST":
        value = request.POST.get(name)
        if value is not None:
            return value.strip()
    return (request.GET.get(name) or "").strip()


def jurisdiction_tz(jurisdiction: Jurisdiction) -> ZoneInfo:
    return ZoneInfo(jurisdiction.time_zone)


_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
_PHONE_CHARS = re.compile(r"^[0-9+\-() ]*$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _limited(request: HttpRequest, name: str, limit: int) -> str:
    value = param(request, name)
    if len(value) > limit:
        raise Open311Error(400, f"{name} may have at most {limit} characters")
    return value


def _location(request: HttpRequest, jurisdiction: Jurisdiction) -> tuple[float, float, str]:
    """(lng, lat, address) from lat & long, else address_string; 400 when neither works."""
    lat_text, long_text = param(request, "lat"), param(request, "long")
    address = _limited(request, "address_string", 255)
    if lat_text or long_text:
        if not (lat_text and long_text):
            raise Open311Error(400, "lat and long must both be sent")
        try:
            lat, lng = float(lat_text), float(long_text)
        except ValueError:
            raise Open311Error(400, "lat and long must be decimal numbers (WGS84)") from None
        if not (
            math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
        ):
            raise Open311Error(400, "lat must be within -90..90 and long within -180..180")
        return lng, lat, address
    if address:
        # The jurisdiction's row was read in this request: its geo_version is current.
        index = geocode_index_for(jurisdiction=jurisdiction, geo_version=jurisdiction.geo_version)
        candidates = index.geocode(address)
        if not candidates:
            raise Open311Error(400, f"address_string {address!r} was not found in the jurisdiction")
        return candidates[0].lng, candidates[0].lat, address
    if param(request, "address_id"):
        raise Open311Error(
            400, "address_id is not known to this endpoint; send lat and long or address_string"
        )
    raise Open311Error(400, "A location is required: lat and long, or address_string")


def _attribute_values(request: HttpRequest) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    post: QueryDict = request.POST
    for key in post:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            values = [v.strip() for v in post.getlist(key) if v.strip()]
            raw.setdefault(match[1], []).extend(values)
    return raw


def _attribute_parse(attribute: Attribute, values: list[str], tz: ZoneInfo) -> Any:
    name = f"attribute[{attribute.code}]"
    keys = {key for key, _name in attribute.options}
    if attribute.datatype == Datatype.MULTIVALUELIST:
        wrong = [v for v in values if v not in keys]
        if wrong:
            raise Open311Error(
                400, f"{name}: {', '.join(wrong)} is not one of {', '.join(sorted(keys))}"
            )
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise Open311Error(400, f"{name} takes one value")
    value = values[0]
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        if value not in keys:
            raise Open311Error(400, f"{name}: {value!r} is not one of {', '.join(sorted(keys))}")
        return value
    if attribute.datatype == Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise Open311Error(400, f"{name} must be a number")
        return int(number) if number.is_integer() and "." not in value else number
    if attribute.datatype == Datatype.DATETIME:
        try:
            return w3c_parse(value, tz=tz).isoformat()
        except ValueError:
            raise Open311Error(400, f"{name} must be an ISO 8601 (W3C) date or datetime") from None
    if attribute.datatype == Datatype.STRING:
        if "\n" in value or "\r" in value:
            raise Open311Error(400, f"{name} is a string and may not contain line breaks")
        if len(value) > MAX_STRING:
            raise Open311Error(400, f"{name} may have at most {MAX_STRING} characters")
        return value
    if len(value) > MAX_TEXT:  # text
        raise Open311Error(400, f"{name} may have at most {MAX_TEXT} characters")
    return value


def _attributes(
    request: HttpRequest, attributes: Sequence[Attribute], tz: ZoneInfo
) -> dict[str, Any]:
    defined = {a.code: a for a in attributes}
    raw = _attribute_values(request)
    unknown = sorted(set(raw) - set(defined))
    if unknown:
        raise Open311Error(400, f"Unknown attribute for this service_code: {', '.join(unknown)}")
    parsed: dict[str, Any] = {}
    for code, attribute in defined.items():
        if not attribute.variable:
            continue
        values = raw.get(code, [])
        if not values:
            if attribute.required:
                raise Open311Error(400, f"attribute[{code}] is required for this service_code")
            continue
        parsed[code] = _attribute_parse(attribute, values, tz)
    return parsed


def _reporter_name(first: str, last: str) -> str:
    if _CJK.search(first + last):
        return f"{last}{first}"  # 姓 + 名
    return f"{first} {last}".strip()


def request_input(
    request: HttpRequest, jurisdiction: Jurisdiction, service_code: str, found: Service | None
) -> tuple[RequestInput, Service]:
    """The POST's fields, checked; `found` is the service read for `service_code`."""
    if not service_code:
        raise Open311Error(400, "service_code was not provided")
    if found is None:
        raise Open311Error(404, f"service_code {service_code!r} was not found")
    service, category = found, found.category
    tz = jurisdiction_tz(jurisdiction)
    lng, lat, address = _location(request, jurisdiction)
    description = param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description may have at most {MAX_DESCRIPTION} characters here")
    attributes = _attributes(request, service.attributes, tz)
    urgency = str(attributes.pop("urgency", Urgency.NORMAL))
    condition = str(attributes.pop("condition", ""))
    name = _reporter_name(param(request, "first_name"), param(request, "last_name"))
    if len(name) > 64:
        raise Open311Error(400, "first_name and last_name may have at most 64 characters together")
    phone = _limited(request, "phone", 32)
    if not _PHONE_CHARS.match(phone):
        raise Open311Error(400, "phone may hold only digits, spaces and + - ( )")
    email = _limited(request, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, "email is not a valid e-mail address") from None
    media_url = _limited(request, "media_url", 500)
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url must be an http or https URL") from None
    data = RequestInput(
        category=category,
        lng=lng,
        lat=lat,
        description=description or category.name,
        address=address,
        urgency=urgency,
        condition=condition,
        reporter_name=name,
        reporter_phone=phone,
        email=email,
        device_id=_limited(request, "device_id", 128),
        account_id=_limited(request, "account_id", 128),
        media_url=media_url,
        attributes=attributes,
        remote_addr=client_address(request),
    )
    return data, service
