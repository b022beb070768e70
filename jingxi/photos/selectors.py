"""Reads that find a photo again: the same bytes (by sha256) within a caller's scope."""

from __future__ import annotations

from typing import Any, Final

from django.db.models import Model, QuerySet

DUPLICATES_SHOWN: Final = 5


def photo_duplicates(
    *,
    sha256: str,
    scope: QuerySet[Any],
    label: str,
    hash_field: str = "sha256",
    limit: int = DUPLICATES_SHOWN,
) -> list[str]:
    """Where the same photo is already used: up to `limit` distinct labels, sorted.

    `scope` holds the rows a duplicate may be among (for cases: the attachments of the
    jurisdiction's other cases); `label` is the field or lookup that names each place
    of use (for cases: "case__number"); `hash_field` holds the photo's sha256.
    """
    rows: QuerySet[Model, Any] = (
        scope.filter(**{hash_field: sha256}).values_list(label, flat=True).distinct()
    )
    return [str(value) for value in rows.order_by(label)[:limit]]
