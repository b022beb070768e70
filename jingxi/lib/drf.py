"""Django REST framework helpers shared by the API modules."""

from __future__ import annotations

import copy
import threading
from typing import Any

from rest_framework import serializers

_lock = threading.Lock()


class CachedFieldsMixin:
    """Build a serializer class's fields once per process, then hand out copies.

    `ModelSerializer.get_fields` introspects the model on every instantiation (field
    kwargs, labels, validators): most of the time a one-case response takes. The built
    fields are kept per class and deep-copied per instance, as DRF itself does with
    declared fields, so every instance still binds fields of its own. Labels and
    messages stay lazy translations, so the cache does not fix a language. Serializers
    whose fields depend on the instance or context must not use this.
    """

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        built: dict[str, serializers.Field[Any, Any, Any, Any]] | None = cls.__dict__.get(
            "_cached_fields"
        )
        if built is None:
            with _lock:
                built = cls.__dict__.get("_cached_fields")
                if built is None:
                    built = super().get_fields()  # type: ignore[misc]
                    cls._cached_fields = built  # type: ignore[attr-defined]
        assert built is not None
        return copy.deepcopy(built)
