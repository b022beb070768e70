"""Writes to the audit trail: append an entry, record access to personal data, purge.

`audit_record` is the one door in: every other app calls it (or `audit_personal_data`)
where a security event happens. It depends on `lib` only, so `org` can call it too.
It takes the client's address as a string: views pass `requests.client_address(request)`,
commands and jobs pass "".

Appending is serialised: on PostgreSQL a transaction-level advisory lock, on SQLite
the write lock that jingxi's IMMEDIATE transactions take at BEGIN. Under it the entry
takes the last id + 1 and the last hash as its `prev_hash`, so two processes never
fork the chain (and if one ever tried, the primary key would refuse the second row).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from jingxi.audit import gate
from jingxi.audit.chain import GENESIS, entry_hash, json_safe
from jingxi.audit.choices import AuditKind, ChangeAction
from jingxi.audit.models import AuditEntry

#: pg_advisory_xact_lock key of the trail ("jingxi.audit" folded to 63 bits).
LOCK_KEY: Final = 0x6A696E6778696175
#: Queries one `audit_record` runs inside a caller's transaction, at most: the lock
#: (PostgreSQL), the last entry, the insert. Query-count tests of pages that record add it.
RECORD_QUERIES: Final = 3
DEFAULT_RETENTION_DAYS: Final = 180
#: Production never keeps the trail for less (GB/T 22239-2019 level 3: six months).
PRODUCTION_MIN_RETENTION_DAYS: Final = 180

#: Field names whose values never enter the trail (only whether they changed).
SECRET_FIELD_NAMES: Final = frozenset(
    {"password", "key", "key_hash", "token", "secret", "bin_key", "otp_secret"}
)
REDACTED: Final = "******"
#: Stored values longer than this (geometries, say) are recorded by their digest.
LONG_VALUE: Final = 500


def is_secret_field(name: str) -> bool:
    return name in SECRET_FIELD_NAMES or name.endswith(("_hash", "_secret", "_token"))


_UNSET: Any = object()


def _who(actor: Any) -> tuple[int | None, str, int | None]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "", None
    return actor.pk, actor.get_username(), getattr(actor, "jurisdiction_id", None)


def stored_pk(obj: models.Model) -> Any:
    """The primary key column's value (a model may redefine `pk`: DRF's TokenProxy
    answers its user's id)."""
    return getattr(obj, obj._meta.pk.attname)


def subject_of(obj: models.Model) -> tuple[str, str, str]:
    """(type, id, label) naming `obj` in the trail; a secret primary key (a DRF token's
    key) names the row by its owner instead."""
    opts = obj._meta
    if is_secret_field(opts.pk.name):
        owner = getattr(obj, "user", None)
        return opts.label_lower, "", f"{opts.verbose_name}：{owner}" if owner else ""
    return opts.label_lower, str(stored_pk(obj)), str(obj)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def audit_record(
    *,
    kind: AuditKind,
    actor: Any,
    client_address: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str = "",
    subject_label: str = "",
    details: Mapping[str, Any] | None = None,
    username: str | None = None,
    jurisdiction_id: int | None = _UNSET,
) -> AuditEntry:
    """Append one entry: `kind` done by `actor` (a user, or None for the system and for
    anonymous visitors) from `client_address`, about `subject` (or the subject named by
    type, id and label), with JSON `details`. `username` overrides the actor's (a failed
    login names the username tried); `jurisdiction_id` the actor's jurisdiction."""
    user_id, name, jid = _who(actor)
    if username is not None:
        name = username
    if jurisdiction_id is not _UNSET:
        jid = jurisdiction_id
    if subject is not None:
        subject_type, subject_id, subject_label = subject_of(subject)
    content: dict[str, Any] = {
        "kind": str(kind),
        "user_id": user_id,
        "username": name.replace("\x00", "")[:150],
        "jurisdiction_id": jid,
        "client_address": (client_address or "")[:64],
        "subject_type": subject_type[:100],
        "subject_id": subject_id[:64],
        "subject_label": subject_label.replace("\x00", "")[:200],
        "details": json_safe(dict(details or {})),
    }
    # No savepoint inside a caller's transaction: if the entry cannot be written, the
    # caller's work is rolled back with it (nothing happens unrecorded).
    with transaction.atomic(savepoint=False):
        _lock()
        last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
        content["id"], content["prev_hash"] = (last[0] + 1, last[1]) if last else (1, GENESIS)
        content["at"] = timezone.now()
        return AuditEntry.objects.create(**content, hash=entry_hash(content))


def audit_personal_data(
    *,
    actor: Any,
    client_address: str,
    surface: str,
    subject_type: str,
    subject_ids: Iterable[int | str],
    fields: Iterable[str],
    exported: bool = False,
) -> AuditEntry | None:
    """Record that `actor` saw (or exported) personal data unmasked: the `fields` of the
    `subject_type` rows `subject_ids`, on `surface` (a URL name or an export's name).
    One entry per page or export; nothing when no row held any."""
    ids = [str(i) for i in subject_ids]
    if not ids:
        return None
    return audit_record(
        kind=AuditKind.PERSONAL_DATA_EXPORTED if exported else AuditKind.PERSONAL_DATA_VIEWED,
        actor=actor,
        client_address=client_address,
        subject_type=subject_type,
        subject_id=ids[0] if len(ids) == 1 else "",
        details={"surface": surface, "ids": ids, "fields": sorted(set(fields))},
    )


# --- edits: values before and after ---------------------------------------------------


def _present(name: str, value: Any) -> Any:
    if is_secret_field(name):
        return REDACTED if value not in (None, "") else ""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    if len(text) > LONG_VALUE:
        digest = hashlib.sha256(text.encode()).hexdigest()
        return f"<{len(text)} chars, sha256 {digest[:16]}>"
    return json.loads(text)


def record_snapshot(obj: models.Model, *, many_to_many: bool = True) -> dict[str, Any]:
    """The stored values of `obj` (foreign keys as ids, many-to-many as sorted ids: one
    query each, left out with `many_to_many=False`)."""
    values: dict[str, Any] = {
        f.name: f.value_from_object(obj) for f in obj._meta.concrete_fields if f.name != "id"
    }
    if many_to_many:
        for m2m in obj._meta.many_to_many:
            values[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return values


def snapshot_from_db(model: type[models.Model], pk: Any) -> dict[str, Any] | None:
    """`record_snapshot` of the stored row whose primary key column holds `pk` (None
    when there is none)."""
    if pk is None:
        return None
    found = model._default_manager.filter(**{model._meta.pk.attname: pk}).first()
    return record_snapshot(found) if found is not None else None


def change_details(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The action and, for every field that differs, its value before and after (all
    fields for an addition or a deletion). Secrets show only that they changed."""
    if before is None:
        action, names = ChangeAction.ADD, sorted(after or {})
    elif after is None:
        action, names = ChangeAction.DELETE, sorted(before)
    else:
        action = ChangeAction.CHANGE
        names = sorted(n for n in {*before, *after} if before.get(n) != after.get(n))
    return {
        "action": str(action),
        "changed": names,
        "before": {n: _present(n, before.get(n)) for n in names} if before is not None else None,
        "after": {n: _present(n, after.get(n)) for n in names} if after is not None else None,
    }


def audit_change(
    *,
    kind: AuditKind,
    actor: Any,
    client_address: str,
    model: type[models.Model],
    subject: tuple[str, str, str],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    via: str,
) -> AuditEntry | None:
    """Record one edit of a `model` row named by `subject` (type, id, label: see
    `subject_of`) with its values `before` and `after` (None: added / deleted), made
    through `via` ("admin", "import:staff" …). Nothing when a change changed nothing."""
    details = change_details(before, after)
    if details["action"] == ChangeAction.CHANGE and not details["changed"]:
        return None
    subject_type, subject_id, subject_label = subject
    return audit_record(
        kind=kind,
        actor=actor,
        client_address=client_address,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label,
        details={"via": via, "model": model._meta.label_lower, **details},
    )


# --- retention ------------------------------------------------------------------------


def audit_retention_days() -> int:
    """`JINGXI_AUDIT_RETENTION_DAYS`, never below 180 days in production (nor below 1)."""
    days = int(getattr(settings, "JINGXI_AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    if getattr(settings, "JINGXI_ENV", "") == "production":
        days = max(days, PRODUCTION_MIN_RETENTION_DAYS)
    return max(days, 1)


def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the entries older than the retention period, as one prefix of the chain,
    and append a checkpoint (`AUDIT_PURGED`) naming the last deleted id and its hash:
    the first remaining entry's `prev_hash` must match it, so the chain stays
    verifiable. The checkpoint is appended before the deletion, so it continues the
    chain from the newest entry whatever is deleted. Nothing younger than the period
    goes, even if clocks disagreed (the prefix stops before the first young entry).
    The number of entries deleted."""
    now = now or timezone.now()
    days = audit_retention_days()
    cutoff = now - dt.timedelta(days=days)
    with transaction.atomic():
        _lock()
        first_young = AuditEntry.objects.filter(at__gte=cutoff).aggregate(models.Min("id"))[
            "id__min"
        ]
        old = AuditEntry.objects.filter(at__lt=cutoff)
        if first_young is not None:
            old = old.filter(id__lt=first_young)
        through = old.aggregate(models.Max("id"))["id__max"]
        if through is None:
            return 0
        through_hash = AuditEntry.objects.filter(id=through).values_list("hash", flat=True).get()
        deleted = AuditEntry.objects.filter(id__lte=through).count()
        # The checkpoint first: it continues the chain from the newest entry, and the
        # prefix it names is then cut off below it.
        audit_record(
            kind=AuditKind.AUDIT_PURGED,
            actor=None,
            client_address="",
            jurisdiction_id=None,
            details={
                "through_id": through,
                "through_hash": through_hash,
                "deleted": deleted,
                "cutoff": cutoff.isoformat(),
                "retention_days": days,
            },
        )
        with gate.deletes_allowed(connection=connection):
            AuditEntry.objects.filter(id__lte=through).delete()
    return deleted
