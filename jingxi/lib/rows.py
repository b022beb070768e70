"""Insert one model row with an INSERT statement compiled once per process.

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

from django.db import connections, models

_statements: dict[tuple[type[models.Model], str], tuple[str, list[models.Field[object, object]]]]
_statements = {}
_lock = threading.Lock()


def _statement(
    model: type[models.Model], alias: str
) -> tuple[str, list[models.Field[object, object]]]:
    connection = connections[alias]
    key = (model, connection.vendor)
    found = _statements.get(key)
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
    quote = connection.ops.quote_name
    pk_column = meta.pk.column if meta.pk is not None else "id"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(pk_column)}"
    )
    with _lock:
        _statements[key] = (sql, fields)
    return sql, fields


def row_insert(obj: models.Model, *, using: str = "default") -> None:
    """INSERT `obj` as a new row and set its primary key (an auto field)."""
    sql, fields = _statement(type(obj), using)
    connection = connections[using]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = using
