"""Every concrete model of a jingxi app has a factory in `jingxi/<app>/tests/factories.py`,
and every factory there creates valid rows, two in a row.

A new model without a factory fails here: write one (through the app's services when a
row is only valid as they make it), or, if the model is bookkeeping rather than a
domain object, add its label to NOT_DOMAIN_OBJECTS with the reason.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from types import ModuleType
from typing import cast

import factory
import pytest
from django.apps import apps
from django.db import models

from jingxi.web.tests.browser import _fresh_map_index

__all__ = ["_fresh_map_index"]

# Models that are not domain objects: counters and cursors the services keep for
# themselves. A test never needs one made on its own, and a row made by hand would
# only falsify the numbering or the outbox position. By label ("app_label.Model"), so a
# move between apps is a one-line change here (this test fails on a stale label).
NOT_DOMAIN_OBJECTS: frozenset[str] = frozenset(
    {
        "cases.CaseNumberCounter",  # the day's last case number, kept by case_report
        "documents.DocumentCounter",  # the year's last serial per kind, kept by numbering
        "notify.OutboxCursor",  # how far the notify job has drained each source
    }
)


def jingxi_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("jingxi.")
        and not model._meta.abstract
        and not model._meta.proxy
    ]


def factory_modules() -> Iterator[ModuleType]:
    for config in apps.get_app_configs():
        if not config.name.startswith("jingxi."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.factories"):
                raise


def all_factories() -> list[type[factory.django.DjangoModelFactory]]:
    found: dict[str, type[factory.django.DjangoModelFactory]] = {}
    for module in factory_modules():
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                not issubclass(obj, factory.django.DjangoModelFactory)
                or obj.__module__ != module.__name__  # imported from another app
            ):
                continue
            candidate = cast(type[factory.django.DjangoModelFactory], obj)
            if not candidate._meta.abstract:
                found[f"{obj.__module__}.{obj.__qualname__}"] = candidate
    return [found[key] for key in sorted(found)]


FACTORIES = all_factories()


def test_every_domain_model_has_a_factory() -> None:
    covered = {f._meta.model._meta.label for f in FACTORIES}
    missing = sorted(
        model._meta.label
        for model in jingxi_models()
        if model._meta.label not in covered and model._meta.label not in NOT_DOMAIN_OBJECTS
    )
    assert not missing, f"models without a factory in <app>/tests/factories.py: {missing}"


def test_exclusions_name_existing_models() -> None:
    labels = {model._meta.label for model in jingxi_models()}
    stale = sorted(NOT_DOMAIN_OBJECTS - labels)
    assert not stale, f"NOT_DOMAIN_OBJECTS names models that no longer exist: {stale}"


def test_factories_are_found() -> None:
    # The discovery itself: the two oldest factory modules must be seen.
    names = {f.__name__ for f in FACTORIES}
    assert {"JurisdictionFactory", "MinorCategoryFactory"} <= names


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_map_index")
@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_creates_a_valid_row(
    factory_class: type[factory.django.DjangoModelFactory],
) -> None:
    # Twice: a second row must not collide with the first on a unique code or number.
    made = factory_class.create_batch(2)
    model = factory_class._meta.model
    nullable = [f.name for f in model._meta.fields if f.null]
    for obj in made:
        assert isinstance(obj, model)
        assert obj.pk is not None
        fresh = model._default_manager.get(pk=obj.pk)
        # The fields' validators (code formats, choices, lengths). Nullable fields are left
        # out: the services leave them empty where forms would ask (a case off any road).
        fresh.full_clean(exclude=nullable, validate_unique=False, validate_constraints=False)
