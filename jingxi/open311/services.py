"""Writes of the Open311 adapter: API keys, and creating a case from a POST.

A POST becomes `jingxi.cases.services.case_report` (source Open311) plus one
Open311Request row, in one transaction: either both are stored or neither is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jingxi.audit.choices import AuditKind
from jingxi.audit.services import audit_record
from jingxi.cases.choices import Source
from jingxi.cases.context import ReportContext
from jingxi.cases.models import Case
from jingxi.cases.services import case_report
from jingxi.catalog.models import Category
from jingxi.lib.prepared import fetch_one
from jingxi.lib.rows import insert_fields, insert_params, insert_sql
from jingxi.open311.models import ApiClient, Open311Request
from jingxi.org.models import Jurisdiction

KEY_PREFIX_LEN = 12
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_assign(*, client: ApiClient, actor: Any = None, client_address: str = "") -> str:
    """Give `client` a new key, save it and return the key (the only time it is seen).
    The issue is recorded in the audit trail (its prefix, never the key)."""
    key = "jx_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        previous = client.key_prefix if client.pk else ""
        client.key_prefix = key[:KEY_PREFIX_LEN]
        client.key_hash = _digest(key)
        client.save()
        audit_record(
            kind=AuditKind.OPEN311_KEY_ISSUED,
            actor=actor,
            client_address=client_address,
            subject=client,
            jurisdiction_id=client.jurisdiction_id,
            details={"key_prefix": client.key_prefix, "replaces": previous},
        )
    return key


def api_client_create(
    *,
    jurisdiction: Jurisdiction,
    name: str,
    contact: str = "",
    rate_limit_per_minute: int = 120,
    ip_rate_limit_per_minute: int = 10,
    actor: Any = None,
    client_address: str = "",
) -> tuple[ApiClient, str]:
    """A new client and its key."""
    client = ApiClient(
        jurisdiction=jurisdiction,
        name=name,
        contact=contact,
        rate_limit_per_minute=rate_limit_per_minute,
        ip_rate_limit_per_minute=ip_rate_limit_per_minute,
    )
    return client, api_key_assign(client=client, actor=actor, client_address=client_address)


def api_client_revoke(
    *,
    client: ApiClient,
    now: dt.datetime | None = None,
    actor: Any = None,
    client_address: str = "",
) -> None:
    """The key stops working at once; the row stays for the record of its requests.
    Recorded in the audit trail (once: revoking a revoked key changes nothing)."""
    if client.revoked_at is not None and not client.is_active:
        return
    with transaction.atomic():
        client.is_active = False
        client.revoked_at = client.revoked_at or now or timezone.now()
        client.save(update_fields=["is_active", "revoked_at"])
        audit_record(
            kind=AuditKind.OPEN311_KEY_REVOKED,
            actor=actor,
            client_address=client_address,
            subject=client,
            jurisdiction_id=client.jurisdiction_id,
            details={"key_prefix": client.key_prefix},
        )


def api_key_prefix(key: str) -> str | None:
    """The stored prefix of `key`, or None when `key` cannot be one of ours."""
    if len(key) <= KEY_PREFIX_LEN or len(key) > 128:
        return None
    return key[:KEY_PREFIX_LEN]


def api_client_authenticate(*, key: str, now: dt.datetime | None = None) -> ApiClient | None:
    """The active client holding `key`, or None. Records the use (once a minute)."""
    prefix = api_key_prefix(key)
    if prefix is None:
        return None
    client = next(
        iter(ApiClient.objects.select_related("jurisdiction").filter(key_prefix=prefix)), None
    )
    return api_client_check(client=client, key=key, now=now)


def api_client_check(
    *, client: ApiClient | None, key: str, now: dt.datetime | None = None
) -> ApiClient | None:
    """`client`, the row read by `key`'s prefix, if it holds `key` and is active, else
    None; records the use (once a minute) as `api_client_authenticate` does."""
    if client is None or api_key_prefix(key) != client.key_prefix:
        return None
    if not hmac.compare_digest(client.key_hash, _digest(key)):
        return None
    if not client.is_active or client.revoked_at is not None:
        return None
    now = now or timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


@dataclass
class RequestInput:
    """A validated POST, in the terms of `case_report` plus the Open311 extras."""

    category: Category
    lng: float
    lat: float
    description: str
    address: str = ""
    urgency: str = "normal"
    condition: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    remote_addr: str | None = None


def open311_request_create(
    *,
    client: ApiClient,
    data: RequestInput,
    now: dt.datetime | None = None,
    context: ReportContext | None = None,
) -> Case:
    """Create the case and its Open311 record in one transaction. `context` is
    `case_report`'s, when the caller read it already (`selectors.report_context`)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = case_report(
            jurisdiction=client.jurisdiction,
            category=data.category,
            lng=data.lng,
            lat=data.lat,
            description=data.description,
            source=Source.OPEN311,
            urgency=data.urgency,
            condition=data.condition,
            address=data.address,
            reporter_name=data.reporter_name,
            reporter_phone=data.reporter_phone,
            now=now,
            context=context,
        )
        record = Open311Request(
            case=case,
            client=client,
            token=secrets.token_urlsafe(16)[:22],
            email=data.email,
            device_id=data.device_id,
            account_id=data.account_id,
            attributes=data.attributes,
            media_url=data.media_url,
            remote_addr=data.remote_addr,
            created_at=now,
        )
        params = insert_params(record, insert_fields(Open311Request))
        record.pk = fetch_one(_record_insert_sql(), params)[0]
        record._state.adding, record._state.db = False, connection.alias
    return case


@functools.cache
def _record_insert_sql() -> str:
    """`lib.rows.row_insert`'s statement for an Open311Request, prepared on PostgreSQL
    (`lib.prepared`)."""
    return insert_sql(Open311Request)
