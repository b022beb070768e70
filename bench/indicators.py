"""Benchmark: the portal's figures for the demo county, from the event history (the
indicator registry) beside the former count from `Case` columns, in the same run.

    .venv/bin/python bench/indicators.py [--runs 5]

Loads the demo county (中牟县) into a PostgreSQL database if it is not there, then
times, for the demo's last month with cases and its year: the month's figure table,
the year's figure table and the year's monthly series (the three reads of the figures
page), each the median of `--runs` runs, "after" through `portal_selectors` (the
registry, CaseEvent) and "before" as the columns computed them (one aggregate over
Case per table, as the portal did). It checks that both give the same figures and
prints the seconds. Figures are printed, never asserted.

JINGXI_DATABASE_URL must name a PostgreSQL database; the default is
postgres://postgres@127.0.0.1:5432/jingxi_bench_indicators, created if missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from support import analyze, database_recreate, django_setup

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jingxi_bench_indicators"
DEMO_CODE = "410122"


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of `runs` calls (after one warm-up call), and the last result."""
    result = fn()
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("JINGXI_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/indicators.py needs JINGXI_DATABASE_URL to name a PostgreSQL database")
    database_recreate(url, fresh=False)
    django_setup(url)

    from django.core.management import call_command
    from django.db.models import Count, Q

    from jingxi.cases.models import Case, CaseEvent
    from jingxi.cases.tests.indicator_columns import column_q
    from jingxi.demo.loader import demo_county_load
    from jingxi.org.models import Jurisdiction
    from jingxi.public.indicators import SATISFIED_RATINGS
    from jingxi.public.portal import selectors

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    demo_county_load(scale=1.0, seed=2026, reset=False)
    print(f"demo county ready in {time.perf_counter() - t0:.1f} s")
    analyze()
    jurisdiction = Jurisdiction.objects.get(code=DEMO_CODE)
    cases = Case.objects.filter(jurisdiction=jurisdiction)
    last = cases.order_by("-reported_at").values_list("reported_at", flat=True).first()
    if last is None:
        sys.exit("the demo county has no cases")
    now = dt.datetime.now(dt.UTC)
    local = last.astimezone(dt.timezone(dt.timedelta(hours=8)))
    year, month = local.year, local.month
    n_events = CaseEvent.objects.filter(case__jurisdiction=jurisdiction).count()
    print(f"{cases.count()} cases, {n_events} events; figures of {year}-{month:02d} and {year}")

    codes = {
        "received": "cases.reported",
        "closed": "cases.closed",
        "on_time": "cases.closed_on_time",
        "late_open": "cases.late_open",
    }

    def columns(period: Any, suffix: str = "") -> dict[str, Any]:
        q = {k: column_q(c, start=period.start, end=period.end, now=now) for k, c in codes.items()}
        closed = q["closed"]
        q["rated"] = closed & Q(feedback__isnull=False)
        q["satisfied"] = closed & Q(feedback__rating__in=SATISFIED_RATINGS)
        return {f"{k}{suffix}": Count("pk", filter=v) for k, v in q.items()}

    def scope(period: Any) -> Any:
        return cases.filter(
            Q(reported_at__gte=period.start, reported_at__lt=period.end)
            | Q(closed_at__gte=period.start, closed_at__lt=period.end)
            | Q(deadline__gte=period.start, deadline__lt=period.end)
        ).order_by()

    def before_table(m: int | None) -> dict[Any, dict[str, int]]:
        period = selectors.period_get(jurisdiction=jurisdiction, year=year, month=m)
        rows = scope(period).values("township_id").annotate(**columns(period))
        return {r.pop("township_id"): r for r in rows}

    def before_series() -> dict[str, int]:
        aggregates: dict[str, Any] = {}
        for m in range(1, 13):
            p = selectors.period_get(jurisdiction=jurisdiction, year=year, month=m)
            aggregates.update(columns(p, f"_{m}"))
        period = selectors.period_get(jurisdiction=jurisdiction, year=year)
        return dict(scope(period).aggregate(**aggregates))

    def after_table(m: int | None) -> Any:
        return selectors.disclosure_figures(jurisdiction=jurisdiction, year=year, month=m, now=now)

    def after_series() -> Any:
        return selectors.disclosure_series(jurisdiction=jurisdiction, year=year, now=now)

    def as_columns(row: Any) -> dict[str, int]:
        return {
            "received": row.received,
            "closed": row.closed,
            "on_time": row.on_time,
            "late_open": row.due - row.closed,
            "rated": row.rated,
            "satisfied": row.satisfied,
        }

    print(f"{'read':<22}{'before (columns)':>18}{'after (events)':>18}{'ratio':>8}  same")
    for label, m in (("month table", month), ("year table", None)):
        t_before, old = timed(lambda m=m: before_table(m), args.runs)  # type: ignore[misc]
        t_after, new = timed(lambda m=m: after_table(m), args.runs)  # type: ignore[misc]
        same = all(
            as_columns(row) == old.get(row.key, {})
            or (not old.get(row.key) and not any(as_columns(row).values()))
            for row in new.townships
        )
        print(f"{label:<22}{t_before:>17.3f}s{t_after:>17.3f}s{t_after / t_before:>8.1f}  {same}")
    t_before, old_series = timed(before_series, args.runs)
    t_after, new_series = timed(after_series, args.runs)
    same = all(
        as_columns(row) == {k: old_series[f"{k}_{i + 1}"] for k in as_columns(row)}
        for i, row in enumerate(new_series)
    )
    ratio = t_after / t_before
    print(f"{'monthly series':<22}{t_before:>17.3f}s{t_after:>17.3f}s{ratio:>8.1f}  {same}")


if __name__ == "__main__":
    main()
