"""One-row INSERTs compiled once per process, and rows of hand-written SELECTs read back
into model instances.

`Model.save()` and `QuerySet.create()` build and compile an InsertQuery on every call,
about 0.4 ms of CPU each; on the report path, where a case and its first event are
written per request, that is a tenth of the request. `row_insert` keeps the statement
text per model and database vendor and converts each value with the field's own
`pre_save` (auto_now and the like) and `get_db_prep_save`, as `save()` does.

It sends no `pre_save`/`post_save` signals (jingxi keeps business logic out of signals)
and handles plain concrete fields only: a model with a database default or a generated
field is refused, so a model change cannot silently write wrong rows.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from django.db import connections, models

_fields: dict[type[models.Model], list[models.Field[object, object]]] = {}
_statements: dict[tuple[type[models.Model], str], str] = {}
_lock = threading.Lock()


def insert_fields(
    model: type[models.Model], *, using: str = "default"
) -> list[models.Field[object, object]]:
    """The fields an INSERT of `model` writes (all concrete ones but the auto key), in
    the order of `insert_sql`'s columns and `insert_params`' values."""
    found = _fields.get(model)
    if found is not None:
        return found
    meta = model._meta
    fields: list[models.Field[object, object]] = []
    for field in meta.local_concrete_fields:
        if field is meta.auto_field:
            continue
        if getattr(field, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED or (
            getattr(field, "generated", False)
        ):
            raise TypeError(f"row_insert cannot write {model.__name__}.{field.name}")
        fields.append(field)
    with _lock:
        _fields[model] = fields
    return fields


def insert_sql(
    model: type[models.Model],
    *,
    values: Sequence[str] | None = None,
    rows: int = 1,
    returning: str | None = None,
    using: str = "default",
) -> str:
    """The INSERT of `rows` rows of `model` into its `insert_fields`: the one builder of
    INSERT statements on the hot paths. `values` are the SQL expressions of one row, one
    per field (`%s` each by default; a subquery where a value comes from elsewhere in
    the statement); RETURNING `returning` (the primary key by default, "" for none)."""
    quote = connections[using].ops.quote_name
    fields = insert_fields(model, using=using)
    row = list(values) if values is not None else ["%s"] * len(fields)
    if len(row) != len(fields):
        raise ValueError(f"{len(row)} values for the {len(fields)} columns of {model.__name__}")
    if returning is None:
        pk = model._meta.pk
        returning = quote(pk.column if pk is not None else "id")
    tail = f" RETURNING {returning}" if returning else ""
    rows_sql = ", ".join([f"({', '.join(row)})"] * rows)
    columns = ", ".join(quote(f.column) for f in fields)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {rows_sql}{tail}"  # noqa: S608 quoted table names, values as %s params


def _statement(
    model: type[models.Model], alias: str
) -> tuple[str, list[models.Field[object, object]]]:
    key = (model, connections[alias].vendor)
    sql = _statements.get(key)
    if sql is None:
        sql = insert_sql(model, using=alias)
        with _lock:
            _statements[key] = sql
    return sql, insert_fields(model, using=alias)


def insert_params(
    obj: models.Model, fields: list[models.Field[object, object]], *, using: str = "default"
) -> list[Any]:
    """`obj`'s values for `fields`, prepared as `save()` prepares them."""
    connection = connections[using]
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def row_insert(obj: models.Model, *, using: str = "default") -> None:
    """INSERT `obj` as a new row and set its primary key (an auto field)."""
    sql, fields = _statement(type(obj), using)
    connection = connections[using]
    params = insert_params(obj, fields, using=using)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = using


# --- reading rows into instances ------------------------------------------------------


class Selection:
    """The columns of one model under a table alias, for a hand-written SELECT, and the
    way back from a row to an instance: each value through the converters the ORM would
    apply (SQLite's text datetimes, JSON, decimals), then `Model.from_db`."""

    def __init__(self, model: type[models.Model], alias: str, using: str) -> None:
        connection = connections[using]
        quote = connection.ops.quote_name
        fields = list(model._meta.concrete_fields)
        self.model = model
        self.using = using
        self.sql = ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in fields)
        self.attnames = [f.attname for f in fields]
        self.width = len(fields)
        self.pk_index = self.attnames.index(model._meta.pk.attname)
        self.converters: list[tuple[int, list[Any], Any]] = []
        for i, field in enumerate(fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance from row[start:start + width], or None when its key is NULL."""
        values = list(row[start : start + self.width])
        if values[self.pk_index] is None:
            return None
        connection = connections[self.using]
        for i, converters, col in self.converters:
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        return self.model.from_db(self.using, self.attnames, values)


_selections: dict[tuple[type[models.Model], str, str, str], Selection] = {}


def selection(model: type[models.Model], alias: str, *, using: str = "default") -> Selection:
    """The cached `Selection` of `model` under `alias`."""
    key = (model, alias, using, connections[using].vendor)
    found = _selections.get(key)
    if found is None:
        found = Selection(model, alias, using)
        with _lock:
            _selections[key] = found
    return found
