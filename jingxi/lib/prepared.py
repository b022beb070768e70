"""Fixed statements on the hot paths, prepared on PostgreSQL: planned once per connection.

Django sends every query with its values inlined (psycopg's client-side binding) and
disables prepared statements, so PostgreSQL parses and plans each query anew. For the
few fixed statements that every report runs (reading a token with its context, writing
a case with its events) planning is most of the database's work: 0.44 of 0.53 ms of
server CPU for the report's context, 0.24 of 0.54 ms for its insert (`bench/intake.py`,
measured on the bench machine). `fetch_one` runs such a statement through a
server-side-binding cursor that prepares it on the connection's first use, wrapped by
Django as any cursor is (error translation, transactions, the query log of tests).

Prepared statements need a connection of one's own for their life: they are turned off
with `JINGXI_DB_PREPARED=false` (the `prepare_threshold` option is then None), e.g.
behind a pooler in transaction mode that does not carry them. Then, and on SQLite,
`fetch_one` is a plain cursor's execute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def _prepares() -> bool:
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )


def fetch_one(sql: str, params: Sequence[Any]) -> Any:
    """The first row of a fixed statement `sql` (`%s` placeholders), or None."""
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence[Any]) -> list[Any]:
    """The rows of a fixed statement `sql` (`%s` placeholders)."""
    with _cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Any] = cursor.fetchall()
        return rows


def _cursor() -> CursorWrapper:
    if not _prepares():
        return connection.cursor()
    # As `connection.cursor()` does: the health check, then a connection.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        return _LoggedCursor(raw, connection)
    return connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log for a prepared statement: its text as written, since Django
    reads the text of the last query from psycopg, which keeps none for these."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


class _PreparingCursor(ServerBindingCursor):  # type: ignore[misc]
    """Server-side binding, and the statement prepared at its first execution."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        kwargs["prepare"] = True
        return super().execute(query, params, **kwargs)
