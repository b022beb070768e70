"""Reads of the audit trail: the auditor's lists and entries, and the chain check.

Only the auditor reads the trail (`Perm.AUDIT`); for anyone else it does not exist:
`audit_entry_list_for` and `audit_entry_get_for` raise `AuditEntry.DoesNotExist`, which
views answer with 404. An auditor sees the entries of their jurisdiction and those of
none (failed logins of unknown usernames, the purge's checkpoints).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from jingxi.audit.chain import GENESIS, HASHED_FIELDS, entry_hash
from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.org.roles import Perm, roles_for


@dataclass(frozen=True, kw_only=True)
class AuditFilter:
    kind: str = ""
    username: str = ""
    date_from: dt.date | None = None  # inclusive, in the local time zone
    date_to: dt.date | None = None  # inclusive

    def as_details(self) -> dict[str, str]:
        """The filter as an export's entry records it."""
        return {
            "kind": self.kind,
            "username": self.username,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_readable_by(*, user: Any) -> bool:
    return roles_for(user=user).may(Perm.AUDIT)


def audit_entry_list_for(*, user: Any, filters: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """The entries `user` may read, newest first, filtered; raises `DoesNotExist` for
    anyone but an auditor."""
    roles = roles_for(user=user)
    if not roles.may(Perm.AUDIT):
        raise AuditEntry.DoesNotExist
    entries = AuditEntry.objects.filter(
        Q(jurisdiction_id=roles.jurisdiction_id) | Q(jurisdiction_id__isnull=True)
    )
    f = filters or AuditFilter()
    if f.kind:
        entries = entries.filter(kind=f.kind)
    if f.username:
        entries = entries.filter(username=f.username)
    if f.date_from:
        entries = entries.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        entries = entries.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return entries.order_by("-id")


def audit_entry_get_for(*, user: Any, entry_id: int) -> AuditEntry:
    """One entry `user` may read; raises `DoesNotExist` otherwise."""
    return audit_entry_list_for(user=user).get(pk=entry_id)


# --- the chain ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first entry at which the chain does not hold, and why."""

    entry_id: int
    at: dt.datetime | None
    problem: str
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        when = self.at.isoformat() if self.at else "?"
        text = f"entry #{self.entry_id} ({when}): {self.problem}"
        if self.expected or self.found:
            text += f" (expected {self.expected}, found {self.found})"
        return text


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_id: int | None
    last_id: int | None
    broken: ChainBreak | None


def _checkpoint_for(first: dict[str, Any]) -> bool:
    """Whether a remaining purge checkpoint accounts for the entries before `first`."""
    checkpoints = AuditEntry.objects.filter(kind=AuditKind.AUDIT_PURGED).values_list(
        "details", flat=True
    )
    return any(
        d.get("through_id") == first["id"] - 1 and d.get("through_hash") == first["prev_hash"]
        for d in checkpoints
    )


def audit_chain_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole trail in id order and recompute every hash and link; the first
    break found, if any. Reads the table once (and the checkpoints once)."""
    rows = (
        AuditEntry.objects.order_by("id")
        .values(*HASHED_FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    previous: dict[str, Any] | None = None
    checked = 0
    first_id: int | None = None
    for row in rows:
        checked += 1
        if previous is None:
            first_id = row["id"]
            is_genesis = row["id"] == 1 and row["prev_hash"] == GENESIS
            if not is_genesis and not _checkpoint_for(row):
                return ChainReport(
                    checked,
                    first_id,
                    row["id"],
                    ChainBreak(
                        row["id"],
                        row["at"],
                        "the first entry follows entries that no purge checkpoint accounts "
                        "for: entries before it were deleted",
                        expected=f"#1 with prev_hash {GENESIS[:12]}… or a checkpoint",
                        found=f"#{row['id']} with prev_hash {row['prev_hash'][:12]}…",
                    ),
                )
        else:
            if row["id"] != previous["id"] + 1:
                return ChainReport(
                    checked,
                    first_id,
                    row["id"],
                    ChainBreak(
                        row["id"],
                        row["at"],
                        f"entries #{previous['id'] + 1}–#{row['id'] - 1} are missing",
                        expected=f"#{previous['id'] + 1}",
                        found=f"#{row['id']}",
                    ),
                )
            if row["prev_hash"] != previous["hash"]:
                return ChainReport(
                    checked,
                    first_id,
                    row["id"],
                    ChainBreak(
                        row["id"],
                        row["at"],
                        f"its prev_hash is not the hash of entry #{previous['id']}: "
                        f"entry #{previous['id']} was rewritten with a new hash, or this "
                        "entry's prev_hash was edited",
                        expected=previous["hash"],
                        found=row["prev_hash"],
                    ),
                )
        computed = entry_hash(row)
        if computed != row["hash"]:
            return ChainReport(
                checked,
                first_id,
                row["id"],
                ChainBreak(
                    row["id"],
                    row["at"],
                    "its content does not match its hash: a column ("
                    + ", ".join(HASHED_FIELDS)
                    + ") was edited after it was written",
                    expected=row["hash"],
                    found=computed,
                ),
            )
        previous = row
    return ChainReport(checked, first_id, previous["id"] if previous else None, None)
