"""The POST path reads what it checks in one statement (`selectors.post_context`): every
edit of keys, jurisdictions and the catalog shows on the very next POST."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Cast, World
from jingxi.cases.context import has_limit_params, has_limit_sql
from jingxi.cases.models import Case
from jingxi.catalog.choices import TimeUnit, Urgency
from jingxi.catalog.models import Category, TimeLimit
from jingxi.open311.choices import Datatype
from jingxi.open311.models import ApiClient, ServiceAttribute
from jingxi.open311.selectors import limit_exists, post_context
from jingxi.open311.services import api_client_create, api_client_revoke, api_key_prefix
from jingxi.open311.tests.conftest import App, body, errors, post, report

pytestmark = pytest.mark.usefixtures("single")


def notice(response: Any) -> str:
    assert response.status_code == 200, response.content
    value: str = body(response)[0]["service_notice"]
    return value


def test_a_time_limit_added_changed_or_removed_counts_at_once(world: World, app: App) -> None:
    urgent = report(world, app, **{"attribute[urgency]": "urgent"})
    response = post("requests.json", urgent)
    assert response.status_code == 400
    assert "Unknown attribute for this service_code: urgency" in errors(response)[0][1]
    limit = TimeLimit.objects.create(
        category=world.exposed_garbage,
        urgency=Urgency.URGENT,
        amount=2,
        unit=TimeUnit.WORKING_HOURS,
    )
    assert notice(post("requests.json", urgent)) == "处置时限：2 工作时"
    TimeLimit.objects.filter(pk=limit.pk).update(amount=Decimal("1.5"))  # no save(), no signal
    assert notice(post("requests.json", urgent)) == "处置时限：1.5 工作时"
    limit.delete()
    assert post("requests.json", urgent).status_code == 400
    assert notice(post("requests.json", report(world, app))) == "处置时限：4 工作时"


def test_an_extra_attribute_added_or_removed_counts_at_once(world: World, app: App) -> None:
    assert post("requests.json", report(world, app)).status_code == 200
    extra = ServiceAttribute.objects.create(
        category=world.exposed_garbage,
        code="volume",
        datatype=Datatype.NUMBER,
        required=True,
        description="体积",
    )
    response = post("requests.json", report(world, app))
    assert errors(response) == [(400, "attribute[volume] is required for this service_code")]
    ServiceAttribute.objects.filter(pk=extra.pk).update(required=False)
    assert post("requests.json", report(world, app)).status_code == 200
    extra.delete()
    response = post("requests.json", report(world, app, **{"attribute[volume]": "2"}))
    assert "Unknown attribute" in errors(response)[0][1]
    assert Case.objects.count() == 2


def test_a_category_renamed_or_deactivated_counts_at_once(world: World, app: App) -> None:
    Category.objects.filter(pk=world.exposed_garbage.pk).update(name="垃圾暴露")
    assert post("requests.json", report(world, app, description=None)).status_code == 200
    assert Case.objects.get().description == "垃圾暴露"
    Category.objects.filter(pk=world.exposed_garbage.pk).update(is_active=False)
    response = post("requests.json", report(world, app))
    assert errors(response) == [(404, "service_code 'event-0102' was not found")]
    TimeLimit.objects.filter(category=world.exposed_garbage).delete()
    Category.objects.filter(pk=world.exposed_garbage.pk).update(is_active=True)
    response = post("requests.json", report(world, app))  # no time limit: the service says
    assert response.status_code == 400
    assert "没有设置处置时限" in errors(response)[0][1]
    assert Case.objects.count() == 1


def test_a_revoked_or_disabled_key_is_refused_at_once(world: World, app: App) -> None:
    assert post("requests.json", report(world, app)).status_code == 200
    ApiClient.objects.filter(pk=app.client.pk).update(is_active=False)
    refused = [(403, "Invalid api_key received -- can't proceed with create_request")]
    assert errors(post("requests.json", report(world, app))) == refused
    ApiClient.objects.filter(pk=app.client.pk).update(is_active=True)
    assert post("requests.json", report(world, app)).status_code == 200
    app.client.refresh_from_db()
    api_client_revoke(client=app.client)
    assert errors(post("requests.json", report(world, app))) == refused
    assert Case.objects.count() == 2


def test_a_key_of_the_right_prefix_but_wrong_secret_is_refused(world: World, app: App) -> None:
    wrong = app.key[:-4] + ("AAAA" if not app.key.endswith("AAAA") else "BBBB")
    response = post("requests.json", report(world, app, api_key=wrong))
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_key_moved_to_another_jurisdiction_is_refused_at_once(
    world: World, cast: Cast, app: App
) -> None:
    assert post("requests.json", report(world, app)).status_code == 200
    ApiClient.objects.filter(pk=app.client.pk).update(jurisdiction=cast.outsider.jurisdiction)
    assert post("requests.json", report(world, app)).status_code == 403


def test_posts_pick_the_jurisdiction_as_gets_do(world: World, cast: Cast, app: App) -> None:
    outsider = cast.outsider.jurisdiction
    assert outsider is not None
    assert post("requests.json", report(world, app)).status_code == 200
    outsider.open311_id = "zhongyuan.example"
    outsider.save()
    response = post("requests.json", report(world, app))
    assert errors(response) == [
        (400, "jurisdiction_id was not provided (this endpoint serves several)")
    ]
    ours = report(world, app, jurisdiction_id="zhongmou.example")
    assert post("requests.json", ours).status_code == 200
    theirs = report(world, app, jurisdiction_id="zhongyuan.example")
    assert post("requests.json", theirs).status_code == 403  # a key works at home only
    unknown = report(world, app, jurisdiction_id="nowhere.example")
    assert errors(post("requests.json", unknown)) == [
        (404, "jurisdiction_id 'nowhere.example' was not found")
    ]
    # No jurisdiction with an id: all are served (here two), so jurisdiction_id is
    # needed, and no id can name one.
    world.jurisdiction.open311_id = outsider.open311_id = ""
    world.jurisdiction.save()
    outsider.save()
    assert post("requests.json", report(world, app)).status_code == 400
    assert post("requests.json", ours).status_code == 404
    assert Case.objects.count() == 2


def test_the_jurisdiction_errors_come_before_the_key_errors(world: World, app: App) -> None:
    response = post("requests.json", report(world, app, api_key=None, jurisdiction_id="x.y"))
    assert response.status_code == 404


def test_a_post_reads_once_then_writes(world: World, app: App) -> None:
    assert post("requests.json", report(world, app)).status_code == 200  # warm the indexes
    with CaptureQueriesContext(connection) as queries:
        assert post("requests.json", report(world, app)).status_code == 200
    statements = [q["sql"] or "" for q in queries.captured_queries]
    read = [
        "org_jurisdiction",
        "open311_apiclient",
        "cases_loopsettings",
        "catalog_category",
        "catalog_timelimit",
        "open311_serviceattribute",
    ]
    assert all(f'"{table}"' in statements[0] for table in read)
    for sql in statements[1:]:  # nothing read again, by the view or by case_report
        assert sql.startswith(("SAVEPOINT", "BEGIN", "RELEASE", "COMMIT", "INSERT", "WITH")) or (
            not any(f'"{table}"' in sql for table in read)
        ), sql
    if connection.vendor == "postgresql":  # the case and its event in one statement
        assert len(statements) == 5, statements


def test_the_context_of_an_unknown_key_and_code_has_no_client_nor_service(world: World) -> None:
    context = post_context(jurisdiction_id="", key_prefix=None, service_code="event-01")
    assert context.served == 1
    assert context.jurisdiction == world.jurisdiction
    assert context.client is None and context.service is None
    _client, key = api_client_create(jurisdiction=world.jurisdiction, name="x")
    found = post_context(
        jurisdiction_id="zhongmou.example",
        key_prefix=api_key_prefix(key),
        service_code="event-0102",
    )
    assert found.client is not None and found.client.name == "x"
    assert found.service is not None
    assert found.service.category == world.exposed_garbage
    assert list(found.service.limits) == [(Urgency.NORMAL, "")]


@pytest.mark.parametrize("urgency", [Urgency.NORMAL, Urgency.URGENT])
@pytest.mark.parametrize("condition", ["", "清运", "拆除"])
def test_limit_exists_answers_as_the_reports_statement(
    world: World, urgency: str, condition: str
) -> None:
    garbage, parking = world.exposed_garbage, world.illegal_parking
    TimeLimit.objects.filter(category=parking).delete()
    TimeLimit.objects.create(
        category=parking, urgency=Urgency.URGENT, amount=1, unit=TimeUnit.WORKING_HOURS
    )
    TimeLimit.objects.create(
        category=garbage, condition="清运", amount=1, unit=TimeUnit.WORKING_HOURS
    )
    for category in (garbage, parking):
        sql = f"SELECT {has_limit_sql()} FROM catalog_category c WHERE c.id = %s"
        with connection.cursor() as cursor:
            params: list[str | int] = [
                *has_limit_params(urgency=urgency, condition=condition),
                category.pk,
            ]
            cursor.execute(sql, params)
            expected = bool(cursor.fetchone()[0])
        limits = TimeLimit.objects.filter(category=category)
        assert limit_exists(limits, urgency, condition) == expected
