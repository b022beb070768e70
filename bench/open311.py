"""Open311 benchmark: POST requests/s and GET of 1,000 requests (JSON and XML) over HTTP.

    .venv/bin/python bench/open311.py [--fresh] [--cases 1000000] [--posts 3000]

On PostgreSQL (default postgres://postgres@127.0.0.1:5432/jingxi_bench_open311, created
if missing; `--fresh` drops it first): migrate, load the demo county, then fill it up
to N cases by COPY (rows numbered B…, spread over the last two years, 85% closed), or
reuse them when already there. Then gunicorn (sync workers, DEBUG off) serves
/open311/v2/ on a free port of 127.0.0.1 and a load generator in this process sends:

- POST requests.json, form-encoded as the spec says, with a bench API key (its rate
  limits lifted), seeded points near random segments and random event services:
  requests/s with p50 and p99 (every answer must be 200).
- GET requests.json and requests.xml with no filters (the most recent 90 days, the
  default limit of 1,000 results), with as many clients as workers: p50 and p95. The
  schema's `case_recent` index (jurisdiction, reported_at DESC, id DESC) serves them.

Each run prints the CPU it cost per request: gunicorn's workers, the database server
(every process called postgres: read around a steady run) and the load generator (this
process). They share the machine's cores, so together they bound the rate. Then one
POST through Django's test client in this process lists the statements a POST runs.

Figures are printed, never asserted. Targets with two workers: >= 500 POST/s, GET of
1,000 results p95 < 150 ms in both formats.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import secrets
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from support import (
    Cpu,
    analyze,
    database_recreate,
    django_setup,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    percentile,
)

PG_URL = "postgres://postgres@127.0.0.1:5432/jingxi_bench_open311"
TARGET = "targets with 2 workers: >= 500 POST/s; GET 1,000 results p95 < 150 ms (JSON and XML)"


@dataclass
class County:
    jurisdiction: Any
    key: str
    service_codes: list[str]
    points: list[tuple[float, float]]


def county_prepare(n_cases: int, seed: int) -> County:
    """Migrate, demo county, N cases, a bench API client, seeded points near segments."""
    import numpy as np
    import shapely
    from django.core.management import call_command

    from jingxi.catalog.choices import CategoryKind, CategoryLevel
    from jingxi.catalog.models import Category
    from jingxi.demo.loader import demo_county_load
    from jingxi.demo.plan import REGION_CODE
    from jingxi.open311.models import ApiClient
    from jingxi.open311.services import api_client_create, api_client_revoke
    from jingxi.org.models import Jurisdiction
    from jingxi.places.responsibility import OutsideJurisdiction, responsibility_index_for

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    summary = demo_county_load(scale=1)
    state = "loaded" if summary.loaded else "already there"
    print(f"  migrate + demo county ({state}) {time.perf_counter() - started:.1f} s")
    jurisdiction = Jurisdiction.objects.get(code=REGION_CODE)
    categories = list(
        Category.objects.filter(
            jurisdiction=jurisdiction,
            kind=CategoryKind.EVENT,
            level=CategoryLevel.MINOR,
            is_active=True,
            time_limits__isnull=False,
        )
        .distinct()
        .order_by("pk")
    )
    cases_fill(jurisdiction, [c.pk for c in categories], n_cases, seed)
    for old in ApiClient.objects.filter(jurisdiction=jurisdiction, name="bench", is_active=True):
        api_client_revoke(client=old)  # earlier runs' keys (their requests keep the rows)
    _client, key = api_client_create(
        jurisdiction=jurisdiction,
        name="bench",
        rate_limit_per_minute=10_000_000,
        ip_rate_limit_per_minute=0,
    )
    index = responsibility_index_for(jurisdiction=jurisdiction)
    rng = np.random.default_rng(seed)
    points: list[tuple[float, float]] = []
    while len(points) < 2000:
        picks = rng.integers(0, len(index.segment_geoms_wgs84), 256)
        along = shapely.line_interpolate_point(
            index.segment_geoms_wgs84[picks], rng.uniform(0, 1, 256), normalized=True
        )
        for lng, lat in zip(
            shapely.get_x(along).tolist(), shapely.get_y(along).tolist(), strict=True
        ):
            try:
                index.resolve(lng, lat, None)
            except OutsideJurisdiction:
                continue
            points.append((lng, lat))
    codes = [f"{c.kind}-{c.code}" for c in categories]
    return County(jurisdiction, key, codes, points)


def cases_fill(jurisdiction: Any, category_ids: list[int], n: int, seed: int) -> None:
    """Top the jurisdiction up to n bench cases (numbers B…) by COPY."""
    from django.db import connection, transaction

    from jingxi.cases.models import Case

    existing = Case.objects.filter(jurisdiction=jurisdiction, number__startswith="B").count()
    if existing >= n:
        print(f"  reusing {existing:,} bench cases")
        return
    columns = [f.column for f in Case._meta.concrete_fields if not f.primary_key]
    base: dict[str, Any] = {}
    for f in Case._meta.concrete_fields:
        if not f.primary_key:
            base[f.column] = None if f.null else f.get_default()
    base.update(
        jurisdiction_id=jurisdiction.pk,
        source="citizen_web",
        urgency="normal",
        address="基准路 1 号",
        stage="none",
    )
    units = list(jurisdiction.units.values_list("pk", flat=True)[:40])
    rnd = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    span_min = 60 * 24 * 730

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(existing, n):
            r = dict(base)
            reported = now - dt.timedelta(minutes=rnd.randrange(1, span_min))
            closed = rnd.random() < 0.85
            r.update(
                number=f"B{i:010d}",
                category_id=rnd.choice(category_ids),
                description=f"基准案卷 {i}：路边有垃圾，市民反映",
                lng=113.95 + rnd.random() * 0.05,
                lat=34.70 + rnd.random() * 0.04,
                reporter_name="基准市民",
                reporter_phone="13800000000",
                status="closed" if closed else "handling",
                stage="none" if closed else "handling",
                unit_id=rnd.choice(units),
                dispatch_count=1,
                reported_at=reported,
                updated_at=reported + dt.timedelta(hours=5),
                filed_at=reported,
                closed_at=reported + dt.timedelta(hours=5) if closed else None,
                deadline=reported + dt.timedelta(hours=4),
                tracking_token=secrets.token_hex(8),
            )
            yield tuple(r[c] for c in columns)

    started = time.perf_counter()
    cols = ", ".join(f'"{c}"' for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY cases_case ({cols}) FROM STDIN") as copy:
            for row in rows():
                copy.write_row(row)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    print(f"  loaded {n - existing:,} cases by COPY in {time.perf_counter() - started:.1f} s")


# --- HTTP -------------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, key: str, body: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if key:
                self.errors[key] += 1
                self.examples.setdefault(key, body[:300])


FORM = "application/x-www-form-urlencoded; charset=utf-8"


def request(port: int, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": FORM} if body else {}
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load_run(
    *, port: int, method: str, path: str, make_body: Callable[[], bytes] | None,
    clients: int, requests: int, seconds: float,
) -> tuple[Outcome, float]:  # fmt: skip
    outcome = Outcome()
    budget = iter(range(requests))
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def take() -> bytes | bool | None:
        with lock:
            if next(budget, None) is None or time.monotonic() >= stop_at:
                return False
            return make_body() if make_body is not None else None

    def worker() -> None:
        while (body := take()) is not False:
            assert body is None or isinstance(body, bytes)
            t0 = time.perf_counter()
            try:
                status, data = request(port, method, path, body)
            except (OSError, http.client.HTTPException) as exc:
                outcome.add(time.perf_counter() - t0, type(exc).__name__, str(exc))
                continue
            key = "" if status == 200 else str(status)
            outcome.add(time.perf_counter() - t0, key, data.decode(errors="replace"))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome, time.perf_counter() - started


def outcome_print(
    label: str, outcome: Outcome, wall: float, q: float, cpu: tuple[Cpu, Cpu]
) -> None:
    ordered = sorted(outcome.latencies)
    n = len(ordered)
    ok = n - sum(outcome.errors.values())
    a, b = cpu
    per = 1000 / max(n, 1)
    print(
        f"  {label:<34} {ok / wall:7,.0f}/s  p50 {percentile(ordered, 50) * 1000:6.1f} ms  "
        f"p{q:g} {percentile(ordered, q) * 1000:6.1f} ms  "
        f"max {ordered[-1] * 1000 if n else 0:6.1f} ms"
        f"  ({n:,} requests in {wall:.1f} s, {ok:,} ok; CPU per request: "
        f"workers {(b.workers - a.workers) * per:.2f} ms, "
        f"database {(b.database - a.database) * per:.2f} ms, "
        f"load generator {(b.generator - a.generator) * per:.2f} ms)"
    )
    for key, count in outcome.errors.most_common():
        print(f"    error {key}: {count:,}, e.g. {outcome.examples[key]!r}")


def gunicorn_wait(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            status, body = request(port, "GET", "/open311/v2/discovery.json", None)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise SystemExit(f"gunicorn answered {status}: {body[:300]!r}")
    raise SystemExit("gunicorn did not answer within 60 s")


def post_bodies(county: County, seed: int) -> Iterator[bytes]:
    rnd = random.Random(seed)
    i = 0
    while True:
        lng, lat = county.points[i % len(county.points)]
        yield urlencode(
            {
                "api_key": county.key,
                "service_code": rnd.choice(county.service_codes),
                "lat": f"{lat:.6f}",
                "long": f"{lng:.6f}",
                "description": f"基准 Open311 上报 {i}：路边有垃圾",
                "first_name": "小明",
                "last_name": "王",
                "phone": "13812341234",
                "email": "bench@example.com",
            }
        ).encode()
        i += 1


def gets(process: subprocess.Popen[bytes], port: int, args: argparse.Namespace) -> None:
    for fmt in ("json", "xml"):
        path = f"/open311/v2/requests.{fmt}"
        status, data = request(port, "GET", path, None)
        count = data.count(b'"service_request_id"') if fmt == "json" else data.count(b"<request>")
        if status != 200:
            print(f"    GET {path} answered {status}: {data[:200]!r}")
        cpu0 = Cpu.read(process)
        outcome, wall = load_run(
            port=port, method="GET", path=path, make_body=None, clients=args.workers,
            requests=args.gets, seconds=args.seconds,
        )  # fmt: skip
        cpu = (cpu0, Cpu.read(process))
        outcome_print(f"GET requests.{fmt} ({count:,} results)", outcome, wall, 95, cpu)


def post_queries(make_body: Callable[[], bytes]) -> None:
    """One POST through Django's test client in this process: its statements."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for _ in range(3):  # warm this process: index, geocoder, calendar, statements
        client.post("/open311/v2/requests.json", make_body(), content_type=FORM)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/open311/v2/requests.json", make_body(), content_type=FORM)
    if response.status_code != 200:
        print(f"    in-process POST answered {response.status_code}: {response.content[:200]!r}")
    # Django shows a statement it cannot print with its parameters as None.
    lines = [" ".join((q["sql"] or "(not shown)").split())[:60] for q in queries.captured_queries]
    print(f"  statements per POST: {len(lines)}")
    for line in lines:
        print(f"    {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--fresh", action="store_true", help="drop and create the database")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=5000, help="POST requests, max")
    parser.add_argument("--gets", type=int, default=150, help="GET requests per format, max")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each run, max")
    parser.add_argument("--clients", type=int, default=8, help="concurrent POST clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"open311 benchmark, {os.cpu_count()} cores; {TARGET}")
    database_recreate(args.pg_url, fresh=args.fresh)
    django_setup(args.pg_url)
    county = county_prepare(args.cases, args.seed)
    from django.db import connections

    analyze("cases_case")
    connections.close_all()
    port = free_port()
    process = gunicorn_start(args.pg_url, port, args.workers, log_level="ERROR")
    try:
        gunicorn_wait(process, port)
        make_body = post_bodies(county, args.seed).__next__
        load_run(
            port=port,
            method="POST",
            path="/open311/v2/requests.json",
            make_body=make_body,
            clients=2 * args.workers,
            requests=40 * args.workers,
            seconds=30,
        )  # fmt: skip  (warm every worker: index, geocoder, calendar)
        cpu0 = Cpu.read(process)
        outcome, wall = load_run(
            port=port, method="POST", path="/open311/v2/requests.json", make_body=make_body,
            clients=args.clients, requests=args.posts, seconds=args.seconds,
        )  # fmt: skip
        cpu = (cpu0, Cpu.read(process))
        outcome_print(f"POST requests.json, {args.clients} clients", outcome, wall, 99, cpu)
        gets(process, port, args)
    finally:
        gunicorn_stop(process)
    post_queries(make_body)
    print(f"  load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
