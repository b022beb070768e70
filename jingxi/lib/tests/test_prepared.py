"""Fixed statements run through `jingxi.lib.prepared`: the same rows and errors as a
plain cursor's, logged as Django logs queries, and prepared on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from jingxi.cases.models import CaseNumberCounter
from jingxi.lib.prepared import fetch_all, fetch_one
from jingxi.org.models import Jurisdiction

pytestmark = pytest.mark.django_db

SQL = "SELECT id, code FROM org_jurisdiction WHERE code = %s ORDER BY id"


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_rows_are_those_of_a_plain_cursor() -> None:
    made = Jurisdiction.objects.create(code="410122", name="中牟县")
    assert fetch_one(SQL, ["410122"]) == (made.pk, "410122")
    assert fetch_one(SQL, ["999999"]) is None
    assert fetch_all(SQL, ["410122"]) == [(made.pk, "410122")]
    assert fetch_all(SQL, ["999999"]) == []


def test_statements_are_logged_as_django_logs_queries() -> None:
    with CaptureQueriesContext(connection) as queries:
        fetch_one(SQL, ["410122"])
    assert len(queries) == 1
    assert "org_jurisdiction" in queries[0]["sql"]


def test_a_constraint_error_is_djangos_and_the_transaction_survives() -> None:
    made = Jurisdiction.objects.create(code="410122", name="中牟县")
    insert = (
        "INSERT INTO cases_casenumbercounter (jurisdiction_id, day, last) "
        "VALUES (%s, %s, 1) RETURNING id"
    )
    day = dt.date(2026, 11, 25)
    with transaction.atomic():
        assert fetch_one(insert, [made.pk, day]) is not None
        with pytest.raises(IntegrityError), transaction.atomic():
            fetch_one(insert, [made.pk, day])  # the (jurisdiction, day) constraint
        assert CaseNumberCounter.objects.filter(jurisdiction=made).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared on PostgreSQL only")
def test_on_postgresql_the_statement_is_prepared_once_per_connection() -> None:
    fetch_one(SQL, ["410122"])
    fetch_one(SQL, ["410123"])
    assert [s for s in prepared_statements() if "org_jurisdiction" in s] == [
        SQL.replace("%s", "$1")
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared on PostgreSQL only")
def test_turned_off_nothing_is_prepared(monkeypatch: Any) -> None:
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    fetch_one(SQL, ["410122"])
    assert not [s for s in prepared_statements() if "org_jurisdiction" in s]
