"""Make case events append-only in the database.

UPDATE is refused on every backend. DELETE is refused on PostgreSQL unless the session
sets `jingxi.allow_event_delete = 'on'` (used only when a whole demo jurisdiction is
wiped); SQLite cannot express that, so there only UPDATE is refused (test flushes and
demo resets delete rows). TRUNCATE, used by PostgreSQL test flushes, fires no row trigger.
"""

from typing import Any

from django.db import migrations

SQLITE_UP = [
    "CREATE TRIGGER caseevent_no_update BEFORE UPDATE ON cases_caseevent "
    "BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS caseevent_no_update;"]

POSTGRES_UP = [
    """
    CREATE OR REPLACE FUNCTION jingxi_caseevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND coalesce(current_setting('jingxi.allow_event_delete', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING MESSAGE = 'case events are append-only (' || TG_OP || ' refused)';
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER caseevent_append_only BEFORE UPDATE OR DELETE ON cases_caseevent "
    "FOR EACH ROW EXECUTE FUNCTION jingxi_caseevent_append_only();",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent;",
    "DROP FUNCTION IF EXISTS jingxi_caseevent_append_only();",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
