"""The move to sources keeps the case events' cursor and every notification's case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import Cast, World
from jingxi.notify.tests.test_outbox import new_case

BEFORE = [("notify", "0001_initial")]
AFTER = [("notify", "0003_remove_notification_case")]


@pytest.mark.django_db(transaction=True)
def test_old_rows_become_the_cases_sources_at_the_same_position(world: World, cast: Cast) -> None:
    case = new_case(world, cast)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("org", "User").objects.get(pk=cast.handler_a.pk)
    old.get_model("notify", "OutboxCursor").objects.create(name="case_events", last_id=41)
    notification = old.get_model("notify", "Notification").objects.create(
        recipient=user,
        case_id=case.pk,
        kind="dispatch",
        title="新派遣案卷",
        created_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    cursor = new.get_model("notify", "OutboxCursor").objects.get()
    assert (cursor.source, cursor.last_id) == ("cases", 41)
    row = new.get_model("notify", "Notification").objects.get(pk=notification.pk)
    assert row.source == "cases"
    assert (row.object_id, row.url) == (str(case.pk), f"/cases/{case.pk}/")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
