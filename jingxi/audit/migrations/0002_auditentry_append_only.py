"""Make the audit trail append-only in the database.

UPDATE is refused on both backends, always. DELETE is refused except inside the
retention purge (`jingxi.audit.gate`): on PostgreSQL when the transaction has set
`jingxi.audit_purge = 'on'`, on SQLite when the connection's `jingxi_audit_purging()`
answers 1 (a connection without that function, such as the sqlite3 shell, cannot
delete at all). TRUNCATE, which PostgreSQL test flushes use, fires no row trigger.
"""

from typing import Any

from django.db import migrations

SQLITE_UP = [
    "CREATE TRIGGER auditentry_no_update BEFORE UPDATE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER auditentry_no_delete BEFORE DELETE ON audit_auditentry "
    "WHEN jingxi_audit_purging() = 0 "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (DELETE refused)'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS auditentry_no_update;",
    "DROP TRIGGER IF EXISTS auditentry_no_delete;",
]

POSTGRES_UP = [
    """
    CREATE OR REPLACE FUNCTION jingxi_audit_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND coalesce(current_setting('jingxi.audit_purge', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING MESSAGE =
            'the audit trail is append-only (' || TG_OP || ' refused)';
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION jingxi_audit_append_only();",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS auditentry_append_only ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS jingxi_audit_append_only();",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
