"""Writes to geographic data. Every write that changes what point responsibility or geocoding
sees ends with `geo_version_bump`, so each process rebuilds its index."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction, Unit
from jingxi.places.models import ResponsibilityRule, Township


def geo_version_bump(*, jurisdiction: Jurisdiction) -> None:
    """Mark the jurisdiction's geographic data as changed (atomic F() increment)."""
    Jurisdiction.objects.filter(pk=jurisdiction.pk).update(geo_version=F("geo_version") + 1)


@transaction.atomic
def responsibility_rule_set(
    *,
    jurisdiction: Jurisdiction,
    category: Category,
    unit: Unit | None,
    township: Township | None = None,
) -> ResponsibilityRule | None:
    """Set (or, with unit=None, remove) the unit that answers for a category in an area.

    township=None means the whole jurisdiction.
    """
    if category.jurisdiction_id != jurisdiction.pk:
        raise ValueError("category belongs to another jurisdiction")
    if unit is not None and unit.jurisdiction_id != jurisdiction.pk:
        raise ValueError("unit belongs to another jurisdiction")
    if township is not None and township.jurisdiction_id != jurisdiction.pk:
        raise ValueError("township belongs to another jurisdiction")
    existing = ResponsibilityRule.objects.filter(category=category, township=township)
    rule: ResponsibilityRule | None
    if unit is None:
        existing.delete()
        rule = None
    else:
        rule, _ = ResponsibilityRule.objects.update_or_create(
            category=category,
            township=township,
            defaults={"jurisdiction": jurisdiction, "unit": unit},
        )
    geo_version_bump(jurisdiction=jurisdiction)
    return rule
