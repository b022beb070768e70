"""Number and insert a new case and its first events: the case's write of rows.

`case_report` (in `cases.report`) builds the unsaved case and its events; this module
gives the case its number from the (jurisdiction, day) counter and writes the rows, in
one statement on PostgreSQL and a short transaction on SQLite.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection, transaction

from jingxi.cases.models import Case, CaseEvent, CaseNumberCounter
from jingxi.cases.selectors import case_places_attach, case_places_set, places_select_sql
from jingxi.lib.prepared import fetch_one
from jingxi.lib.rows import insert_fields, insert_params, insert_sql, row_insert


def counter_upsert_sql(returning: str = "last") -> str:
    """Increment the (jurisdiction, day) counter, creating it at 1; returns `last`."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    return (
        f"INSERT INTO {table} (jurisdiction_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608 quoted table; `returning` is ours
        f"ON CONFLICT (jurisdiction_id, day) DO UPDATE SET last = {table}.last + 1 "
        f"RETURNING {returning}"
    )


def next_number(*, jurisdiction_id: int, day: dt.date) -> str:
    """YYYYMMDD + a 4-digit serial per jurisdiction and day; never reused.

    One upsert that increments and returns the counter (PostgreSQL, SQLite >= 3.35), so
    concurrent reports serialise on the counter row only for the statement's duration.
    """
    with connection.cursor() as cursor:
        cursor.execute(counter_upsert_sql(), [jurisdiction_id, day])
        row = cursor.fetchone()
    return f"{day:%Y%m%d}{row[0]:04d}"


def case_insert(*, case: Case, events: list[CaseEvent], day: dt.date) -> None:
    """Number and insert a new case and its first events, all or nothing, and give the
    case its township, road and proposed unit (`selectors.case_places_set`).

    On PostgreSQL one statement does it (the counter upsert, the case and its events in
    data-modifying CTEs, the places joined to what it returns: one round trip, atomic
    without a transaction of its own); on SQLite four statements in a transaction.
    Raises IntegrityError as the inserts do.
    """
    if connection.vendor != "postgresql":
        with transaction.atomic(savepoint=bool(case.idempotency_key)):
            case.number = next_number(jurisdiction_id=case.jurisdiction_id, day=day)
            row_insert(case)
            for event in events:
                event.case = case
                row_insert(event)
            case_places_attach(case=case)
        return
    sql, from_counter, case_at = _case_insert_sql(len(events))
    case_params = insert_params(case, insert_fields(Case))
    for i in from_counter:  # the number and the jurisdiction: from the counter's row
        del case_params[i]
    event_params: list[Any] = []
    for event in events:
        values = insert_params(event, insert_fields(CaseEvent))
        del values[case_at]
        event_params.extend(values)
    params = [case.jurisdiction_id, day, *case_params, *event_params]
    if connection.in_atomic_block and case.idempotency_key:
        with transaction.atomic():  # a savepoint, to recover from a repeated key
            row = fetch_one(sql, params)
    else:
        row = fetch_one(sql, params)
    case.pk, case.number = row[:2]
    case_places_set(case, row[2:])
    case._state.adding, case._state.db = False, connection.alias
    for event in events:
        event.case = case


@functools.cache
def _case_insert_sql(n_events: int) -> tuple[str, list[int], int]:
    """PostgreSQL's one statement for `case_insert`, built once per number of events:
    (sql, indexes of the case's values taken from the counter's row, highest first;
    index of the event's case_id among its values).

    The case's number and jurisdiction come from the counter's row, the events' case
    and the places' keys from the case's: with one event the statement has 49
    parameters, within psycopg's cache of parsed statements (50).
    """
    case_fields, event_fields = insert_fields(Case), insert_fields(CaseEvent)
    case_names = [f.attname for f in case_fields]
    case_at = [f.attname for f in event_fields].index("case_id")
    case_values = ["%s"] * len(case_fields)
    case_values[case_names.index("number")] = (
        "(SELECT to_char(n.day, 'YYYYMMDD') || "
        "lpad(n.last::text, greatest(4, length(n.last::text)), '0') FROM n)"
    )
    case_values[case_names.index("jurisdiction_id")] = "(SELECT jurisdiction_id FROM n)"
    from_counter = sorted([case_names.index("number"), case_names.index("jurisdiction_id")])
    event_values = ["%s"] * len(event_fields)
    event_values[case_at] = "(SELECT id FROM c)"
    places = (
        places_select_sql()
        .replace("SELECT ", "SELECT c.id, c.number, ", 1)
        .replace("= %s", "= c.{}")
        .format("township_id", "road_id", "proposed_unit_id", source="c")
    )
    case_insert = insert_sql(
        Case, values=case_values, returning="id, number, township_id, road_id, proposed_unit_id"
    )
    event_insert = insert_sql(CaseEvent, values=event_values, rows=n_events, returning="")
    sql = (
        f"WITH n AS ({counter_upsert_sql('last, jurisdiction_id, day')}), "
        f"c AS ({case_insert}), e AS ({event_insert}) {places}"
    )
    return sql, from_counter[::-1], case_at
