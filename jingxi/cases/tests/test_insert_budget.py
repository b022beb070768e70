"""The report's insert stays within what the driver prepares (`lib.prepared`)."""

from __future__ import annotations

from jingxi.cases.insert import _case_insert_sql

# psycopg keeps at most this many parameters' worth of a statement it prepares
# (the figure `_case_insert_sql`'s docstring was written against): past it the
# report's insert would silently run unprepared and plan on every report.
PARAMETER_BUDGET = 50


def test_the_reports_insert_stays_within_the_prepared_parameter_budget() -> None:
    sql, _from_counter, _case_at = _case_insert_sql(1)
    count = sql.count("%s")
    assert count <= PARAMETER_BUDGET, (
        f"the case-and-event insert has {count} parameters, more than the budget "
        f"{PARAMETER_BUDGET}: a new Case or CaseEvent field must take its value from "
        "the statement (as number and jurisdiction do) or another column must go"
    )
