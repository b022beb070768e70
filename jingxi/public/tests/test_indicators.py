"""满意率 from the registry agrees with the ratings of the cases the columns count as
closed, on a random history walked through the services and rated by its reporters."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db.models import Q

from conftest import Cast, World
from jingxi.cases.choices import Status
from jingxi.cases.tests.histories import history_generate
from jingxi.cases.tests.indicator_columns import column_counts, column_q
from jingxi.indicators.registry import Window, indicator_get, indicators_compute
from jingxi.public.citizen.choices import Rating
from jingxi.public.citizen.services import feedback_give
from jingxi.public.indicators import SATISFIED_RATINGS

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 9, 1, tzinfo=TZ)


def test_satisfaction_equals_the_ratings_of_closed_cases(world: World, cast: Cast) -> None:
    history = history_generate(world, cast, seed=7, n_cases=50, start=START)
    rng = random.Random(7)
    for case in history.cases:
        if case.status == Status.CLOSED and rng.random() < 0.8:
            feedback_give(
                case=case,
                token=case.tracking_token,
                rating=rng.choice(Rating.values),
                now=case.closed_at,
            )
    as_of = history.last_event_at + dt.timedelta(days=1)
    assert indicator_get("satisfaction_rate").owner == "public"
    rated_seen = 0
    for month in (9, 10, 11, 12):
        start = dt.datetime(2026, month, 1, tzinfo=TZ)
        end = dt.datetime(2026 + (month == 12), month % 12 + 1, 1, tzinfo=TZ)
        closed = column_q("cases.closed", start=start, end=end, now=as_of)
        expected = column_counts(
            jurisdiction_id=world.jurisdiction.pk,
            start=start,
            end=end,
            now=as_of,
            by="township_id",
            extra={
                "rated": closed & Q(feedback__isnull=False),
                "satisfied": closed & Q(feedback__rating__in=SATISFIED_RATINGS),
            },
        )
        (found,) = indicators_compute(
            codes=["satisfaction_rate"],
            jurisdiction_id=world.jurisdiction.pk,
            windows=[Window(start=start, end=end, as_of=as_of)],
            by="township",
        )
        values = found["satisfaction_rate"]
        assert {k: v.denominator for k, v in values.items() if v.denominator} == expected["rated"]
        assert {k: v.numerator for k, v in values.items() if v.numerator} == expected["satisfied"]
        rated_seen += sum(expected["rated"].values())
    assert rated_seen > 0  # the history is not vacuous
