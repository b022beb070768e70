"""The one way past the audit trail's DELETE trigger: the retention purge.

PostgreSQL: the trigger lets a DELETE through when the transaction has set
`jingxi.audit_purge = 'on'` (SET LOCAL, so it ends with the transaction).
SQLite has no session settings; its trigger asks a function, `jingxi_audit_purging()`,
that jingxi registers on each of its connections and that answers 1 only inside
`deletes_allowed()` in the same thread. A connection without it (the sqlite3 shell)
cannot delete at all: the function is missing, so the trigger's condition fails.
UPDATE is refused on both, always.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_FUNCTION: Final = "jingxi_audit_purging"
POSTGRES_SETTING: Final = "jingxi.audit_purge"

_state = threading.local()


def purging() -> int:
    """1 inside `deletes_allowed()` in this thread, else 0 (SQLite's trigger asks)."""
    return 1 if getattr(_state, "open", False) else 0


def sqlite_function_install(*, connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_function(SQLITE_FUNCTION, 0, purging)


def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: SQLite connections get the trigger's function."""
    sqlite_function_install(connection=connection)


@contextmanager
def deletes_allowed(*, connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let this connection delete audit entries; call inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {POSTGRES_SETTING} = 'on'")
        yield  # on an error the transaction rolls back, and the setting with it
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {POSTGRES_SETTING} = 'off'")
        return
    _state.open = True
    try:
        yield
    finally:
        _state.open = False


# SQLite rebuilds a table to alter it (a new kind's choices are enough), which drops its
# triggers: after every `migrate` they are put back if missing (PostgreSQL keeps them).
SQLITE_TRIGGERS: Final = (
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_update BEFORE UPDATE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_delete BEFORE DELETE ON audit_auditentry "
    f"WHEN {SQLITE_FUNCTION}() = 0 "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (DELETE refused)'); END;",
)


def sqlite_triggers_ensure(*, connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    if "audit_auditentry" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_TRIGGERS:
            cursor.execute(statement)


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """`post_migrate` receiver (sent with the audit app as sender)."""
    from django.db import connections

    sqlite_triggers_ensure(connection=connections[using])
