"""The hash chain of the audit trail: canonical content and its SHA-256. Pure Python.

An entry's hash is the SHA-256 of its canonical content: a JSON object with sorted
keys, no whitespace, UTF-8, holding every stored column but the hash itself,
including `prev_hash` (the previous entry's hash; `GENESIS` for the first entry).
The time is written in UTC with microseconds. So changing any column of any entry,
deleting one or inserting one changes a hash that the next entry (or the entry
itself) no longer matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from django.core.serializers.json import DjangoJSONEncoder

GENESIS: Final = "0" * 64

#: The columns an entry's hash covers, in the order the verifier names them.
HASHED_FIELDS: Final = (
    "id",
    "at",
    "kind",
    "user_id",
    "username",
    "jurisdiction_id",
    "client_address",
    "subject_type",
    "subject_id",
    "subject_label",
    "details",
    "prev_hash",
)


def json_safe(value: Any) -> Any:
    """`value` as it comes back from a JSON column: dates, decimals, UUIDs and lazy
    strings as text, tuples as lists, NUL characters (which PostgreSQL refuses in
    JSON) dropped. Stored details go through this first, so what is hashed is what
    is stored."""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, allow_nan=False)
    return json.loads(text.replace("\\u0000", ""))


def time_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(content: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an entry's content (`HASHED_FIELDS` of it)."""
    body = {name: content[name] for name in HASHED_FIELDS}
    body["at"] = time_text(body["at"])
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def entry_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()
