"""Django REST framework helpers shared by the API modules: serializer fields built once
per class, ids checked against the database's range, and the capped pagination of
every list (`PAGE_SIZE` by default, at most `MAX_PAGE_SIZE`)."""

from __future__ import annotations

import copy
import threading
from typing import Any, Final

from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from jingxi.lib.numbers import BIGINT_MAX, ID_MAX, ID_MIN, NumberError, int_parse

_lock = threading.Lock()

#: Items per page of every API list when the client does not say, and at most.
PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 200


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


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """A record's id in a request body: a whole number from 1 to `ID_MAX`, else 400."""
    return serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX, **kwargs)


class CappedPagination(LimitOffsetPagination):
    """`limit` (1..MAX_PAGE_SIZE, default PAGE_SIZE) and `offset` (0..BIGINT_MAX), each
    checked: a value that is not a whole number in its range is a 400 naming it, never
    a silent default or a page of everything."""

    default_limit = PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def _read(self, request: Request, name: str, low: int, high: int, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int_parse(raw, name=name, low=low, high=high)
        except NumberError as exc:
            raise exceptions.ValidationError({name: [str(exc)]}) from None

    def get_limit(self, request: Request) -> int:
        return self._read(request, self.limit_query_param, 1, MAX_PAGE_SIZE, PAGE_SIZE)

    def get_offset(self, request: Request) -> int:
        return self._read(request, self.offset_query_param, 0, BIGINT_MAX, 0)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = (
                    f"每页条数：1 到 {MAX_PAGE_SIZE}，默认 {PAGE_SIZE}（超出范围为 400）"
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": PAGE_SIZE,
                }
            elif parameter["name"] == self.offset_query_param:
                parameter["description"] = "跳过的条数，从 0 起"
                parameter["schema"] = {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "maximum": BIGINT_MAX,
                    "default": 0,
                }
        return parameters
