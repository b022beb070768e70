"""Numbers past the database's ranges on the staff and public pages (issue 9, defect 4).

The pages read their query parameters and form fields with `jingxi.lib.numbers`: a
filter out of range is no filter (as a broken one always was; the portal's periods get
the portal's own answer), a form field out of range is the form's error, a path id
that cannot exist is a 404. None is a 500, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast, World
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.tests.test_api import dispatched_case
from jingxi.hotline.models import Call
from jingxi.hotline.tests.test_views import call_data
from jingxi.org.models import User

HUGE = [str(2**63), str(-(2**63) - 1), str(10**30), "99999", "0"]


def client(user: User | None = None) -> Client:
    answer = Client(raise_request_exception=False)
    if user is not None:
        answer.force_login(user)
    return answer


@pytest.mark.parametrize("value", HUGE)
def test_page_filters_past_the_range_get_the_pages_own_answer(
    world: World, cast: Cast, value: str
) -> None:
    dispatched_case(world, cast)
    dispatcher, office = client(cast.dispatcher), client(cast.leader)
    pages = [
        (dispatcher, f"/cases/?category={value}&township={value}"),
        (dispatcher, f"/cases/notices/?unit={value}&year={value}"),
        (dispatcher, f"/cases/notices/new/?unit={value}&cases={value}&cases=1"),
        (client(cast.operator), f"/hotline/?call={value}"),
        (client(cast.operator), f"/hotline/nearby/?category={value}&lng=113.95&lat=34.71"),
        (client(), f"/public/figures/?year={value}&month={value}"),
        (client(), f"/public/bulletins/?year={value}"),
        (office, f"/public/staff/trace/?measure=received&year={value}&month={value}"),
        (dispatcher, f"/public/staff/suggestions/new/?consultation={value}"),
    ]
    for page_client, url in pages:
        response = page_client.get(url)
        # 200: no filter; 302 and 404: the portal's answers to a period it cannot show.
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        if str(2**63) in url:
            assert response.status_code == 200, url  # no integer a query could compare


@pytest.mark.parametrize("value", [str(2**63), str(10**30), "-1", "0", "9" * 19])
def test_path_ids_that_cannot_exist_are_404s(world: World, cast: Cast, value: str) -> None:
    dispatcher = client(cast.dispatcher)
    for url in (f"/cases/{value}/", f"/cases/notices/{value}/", f"/public/typical/{value}/"):
        assert dispatcher.get(url).status_code == 404, url


@pytest.mark.parametrize("value", HUGE[:3])
def test_form_fields_past_the_range_are_form_errors_that_write_nothing(
    world: World, cast: Cast, value: str
) -> None:
    case = dispatched_case(world, cast)
    events = CaseEvent.objects.count()
    dispatcher, operator = client(cast.dispatcher), client(cast.operator)
    for data in ({"action": "dispatch", "unit": value}, {"action": "merge", "merge_into": value}):
        response = dispatcher.post(f"/cases/{case.pk}/act/", data)
        assert response.status_code in (200, 302, 400), data
    refused = operator.post("/hotline/calls/", call_data(world, duration_seconds=value))
    assert refused.status_code == 400
    assert "duration_seconds" in refused.context["form"].errors
    callback = {"case": value, "call": value, "reached": "1"}
    assert operator.post("/hotline/callbacks/record/", callback).status_code < 500
    report = {"category": value, "lng": "113.955", "lat": "34.7102", "description": "暴露垃圾"}
    assert client().post("/public/report/", report).status_code < 500
    assert CaseEvent.objects.count() == events
    assert Case.objects.count() == 1 and not Call.objects.exists()


def test_a_call_of_a_length_the_column_holds_is_taken(world: World, cast: Cast) -> None:
    taken = client(cast.operator).post("/hotline/calls/", call_data(world, duration_seconds=60))
    assert taken.status_code == 302
    assert Call.objects.get().duration_seconds == 60
