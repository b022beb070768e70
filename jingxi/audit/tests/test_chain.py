"""The trail is append-only in the database and chained by hash; the check finds edits."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from jingxi.audit import gate
from jingxi.audit.chain import GENESIS, HASHED_FIELDS, entry_hash
from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.audit.selectors import audit_chain_verify
from jingxi.audit.services import audit_purge, audit_record, audit_retention_days

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def record(n: int = 1, **details: Any) -> list[AuditEntry]:
    return [
        audit_record(
            kind=AuditKind.LOGIN_FAILED,
            actor=None,
            client_address="198.51.100.7",
            username=f"guess{i}",
            details={"try": i, **details},
        )
        for i in range(n)
    ]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The time entries are written at: `clock[0]`, set by the test."""
    now = [START]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


@contextmanager
def triggers_off() -> Iterator[None]:
    """Edit behind the triggers' back, inside the test's transaction (rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER auditentry_no_update")
            cursor.execute("DROP TRIGGER auditentry_no_delete")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
        else:
            for statement in gate.SQLITE_TRIGGERS:
                cursor.execute(statement)


@contextmanager
def sqlite_deletes_refused() -> Iterator[None]:
    """Tests answer yes to the DELETE trigger's question so that flushes work (root
    conftest); here the real answer comes back."""
    if connection.vendor == "sqlite":
        gate.sqlite_function_install(connection=connection)
    yield
    if connection.vendor == "sqlite":
        connection.connection.create_function(gate.SQLITE_FUNCTION, 0, lambda: 1)


# --- the chain ------------------------------------------------------------------------


def test_each_entry_carries_the_previous_entrys_hash() -> None:
    first, second, third = record(3)
    assert (first.id, first.prev_hash) == (1, GENESIS)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_details_are_stored_as_they_were_hashed() -> None:
    entry = record(1, day=dt.date(2026, 3, 1), ratio=0.1, name="张三\x00")[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.details == {"try": 0, "day": "2026-03-01", "ratio": 0.1, "name": "张三"}
    assert audit_chain_verify().broken is None


def test_an_intact_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    record(5)
    report = audit_chain_verify()
    assert (report.checked, report.first_id, report.last_id, report.broken) == (5, 1, 5, None)
    call_command("audit_verify")
    assert "intact: 5 entries" in capsys.readouterr().out


# --- append-only ----------------------------------------------------------------------


def test_the_database_refuses_to_update_an_entry() -> None:
    entry = record(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(username="someone-else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.username = "someone-else"
        entry.save()


def test_the_database_refuses_to_delete_an_entry_outside_the_purge() -> None:
    entry = record(1)[0]
    with (
        sqlite_deletes_refused(),
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
    ):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_triggers_come_back_if_a_table_rebuild_dropped_them() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER auditentry_no_update")
    gate.sqlite_triggers_ensure(connection=connection)
    entry = record(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(username="x")


# --- the check names the first broken link ----------------------------------------------


def test_an_entry_edited_behind_the_triggers_back_is_named_by_the_check() -> None:
    entries = record(5)
    with triggers_off():
        AuditEntry.objects.filter(pk=entries[2].pk).update(client_address="10.0.0.1")
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.entry_id == entries[2].id
    assert broken.at == entries[2].at
    assert "content does not match its hash" in broken.problem
    assert broken.expected == entries[2].hash
    with pytest.raises(CommandError, match=rf"entry #{entries[2].id} \("):
        call_command("audit_verify")


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next() -> None:
    entries = record(4)
    forged = AuditEntry.objects.filter(pk=entries[1].pk).values(*HASHED_FIELDS).get()
    forged["client_address"] = "10.0.0.1"
    with triggers_off():
        AuditEntry.objects.filter(pk=entries[1].pk).update(
            client_address="10.0.0.1", hash=entry_hash(forged)
        )
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.entry_id == entries[2].id
    assert f"not the hash of entry #{entries[1].id}" in broken.problem
    assert (broken.expected, broken.found) == (entry_hash(forged), entries[1].hash)


def test_entries_deleted_from_the_middle_are_named() -> None:
    entries = record(5)
    with triggers_off():
        AuditEntry.objects.filter(pk__in=[entries[1].pk, entries[2].pk]).delete()
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.entry_id == entries[3].id
    assert f"#{entries[1].id}–#{entries[2].id} are missing" in broken.problem


def test_deleting_the_oldest_entries_without_the_purge_is_caught() -> None:
    entries = record(3)
    with triggers_off():
        AuditEntry.objects.filter(pk=entries[0].pk).delete()
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.entry_id == entries[1].id
    assert "no purge checkpoint" in broken.problem


# --- retention --------------------------------------------------------------------------


def test_the_purge_deletes_old_entries_and_the_chain_still_verifies(
    clock: list[dt.datetime],
) -> None:
    old = record(3)
    clock[0] = START + dt.timedelta(days=100)
    young = record(2)
    clock[0] = START + dt.timedelta(days=181)
    assert audit_purge() == 3
    remaining = list(AuditEntry.objects.order_by("id"))
    assert [e.id for e in remaining] == [young[0].id, young[1].id, young[1].id + 1]
    checkpoint = remaining[-1]
    assert checkpoint.kind == AuditKind.AUDIT_PURGED
    assert checkpoint.details["through_id"] == old[-1].id
    assert checkpoint.details["through_hash"] == old[-1].hash
    assert audit_chain_verify().broken is None


def test_purging_everything_old_leaves_a_checkpoint_that_verifies(
    clock: list[dt.datetime],
) -> None:
    record(2)
    clock[0] = START + dt.timedelta(days=400)
    assert audit_purge() == 2
    clock[0] = START + dt.timedelta(days=401)
    record(1)
    report = audit_chain_verify()
    assert report.broken is None and report.checked == 2
    # A second purge later removes the first checkpoint too, and the chain still holds.
    clock[0] = START + dt.timedelta(days=800)
    assert audit_purge() == 2
    assert audit_chain_verify().broken is None


def test_nothing_younger_than_the_retention_period_is_purged(
    clock: list[dt.datetime],
) -> None:
    record(2)
    clock[0] = START + dt.timedelta(days=179)
    assert audit_purge() == 0
    assert AuditEntry.objects.count() == 2


def test_production_keeps_the_trail_at_least_180_days(settings: Any) -> None:
    settings.JINGXI_AUDIT_RETENTION_DAYS = 30
    assert audit_retention_days() == 30
    settings.JINGXI_ENV = "production"
    assert audit_retention_days() == 180
    settings.JINGXI_AUDIT_RETENTION_DAYS = 400
    assert audit_retention_days() == 400


# --- concurrency ------------------------------------------------------------------------


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite serialises writers itself: one IMMEDIATE write transaction at a time",
)
@pytest.mark.django_db(transaction=True)
def test_two_writers_appending_at_once_never_fork_the_chain() -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                audit_record(
                    kind=AuditKind.LOGIN_SUCCEEDED,
                    actor=None,
                    client_address="",
                    username=f"w{n}-{i}",
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit_chain_verify()
    assert (report.checked, report.broken) == (60, None)
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 60
