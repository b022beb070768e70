"""Intake benchmark: reports created per second through the service layer and over HTTP.

    .venv/bin/python bench/intake.py                     # SQLite, then PostgreSQL
    .venv/bin/python bench/intake.py --backends postgres --fresh --requests 5000 --seconds 10

Per backend, in a child process of its own (Django binds its database at setup):
SQLite in a temporary file, or the PostgreSQL database `jingxi_bench_intake` (created
if missing; dropped and created again with `--fresh`). Each child migrates, loads the
demo county (scale 1; skipped when there) and gives the demo inspector an API token.
On PostgreSQL it runs VACUUM ANALYZE after loading and before the HTTP runs, as
autovacuum would in production: it may be off (it is on the bench machine), and stale
statistics distort the plans.

- service: N reports through `jingxi.cases.services.case_report` (validation, responsibility,
  address, idempotency-key duplicate check, numbering, case and event rows in one
  transaction) at seeded points within 15 m of random segments, random event
  categories that have time limits, source inspector; reports/s, p50 and p99. Then a
  smaller instrumented pass counts the queries per report (CaptureQueriesContext) and
  times them by table, and a cProfile pass says where the Python time goes.
- http: gunicorn (sync workers, persistent database connections, DEBUG off) on a free
  port of 127.0.0.1, and a load generator in this process: a bounded number of client
  threads POSTing JSON to /api/v1/cases/ with `Authorization: Token …` and a unique
  Idempotency-Key each, until a request count or a duration is reached. Every answer
  must be 201; the others are counted by status with one example body. The same is
  measured for GET /api/v1/cases/?limit=1, the cheapest authenticated endpoint (a read
  baseline with a COUNT over the cases, not a bare insert).

Sync gunicorn workers close the connection after each response, so every request
opens a TCP connection (on the loopback). The load generator shares the machine's
cores with gunicorn and the database, so the load average is printed. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import (
    ROOT,
    Cpu,
    analyze,
    database_recreate,
    django_setup,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    percentile,
)

PG_URL = "postgres://postgres@127.0.0.1:5432/jingxi_bench_intake"
TARGET = "target on PostgreSQL with 2 workers: >= 500 reports/s, p99 < 50 ms"


# --- figures ------------------------------------------------------------------------------


def latency_line(latencies_s: list[float]) -> str:
    ordered = sorted(latencies_s)
    p50, p99 = percentile(ordered, 50) * 1000, percentile(ordered, 99) * 1000
    worst = ordered[-1] * 1000 if ordered else float("nan")
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {worst:7.1f} ms"


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


# --- database and Django ------------------------------------------------------------------


@dataclass
class County:
    jurisdiction: Any
    inspector: Any
    token: str
    category_ids: list[int]
    points: list[tuple[float, float]]


def county_prepare(seed: int, n_points: int) -> County:
    """Migrate, load the demo county if missing, token for an inspector, seeded points."""
    import numpy as np
    import shapely
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from jingxi.catalog.choices import CategoryKind, CategoryLevel
    from jingxi.catalog.models import Category
    from jingxi.demo.loader import demo_county_load
    from jingxi.demo.plan import REGION_CODE
    from jingxi.org.choices import Role
    from jingxi.org.models import Jurisdiction, User
    from jingxi.places.responsibility import OutsideJurisdiction, responsibility_index_for

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    summary = demo_county_load(scale=1)
    analyze()
    state = "loaded" if summary.loaded else "already there"
    print(f"  migrate + demo county ({state}) {time.perf_counter() - started:.1f} s")
    jurisdiction = Jurisdiction.objects.get(code=REGION_CODE)
    inspector = (
        User.objects.filter(username="inspector", jurisdiction=jurisdiction).first()
        or User.objects.filter(
            jurisdiction=jurisdiction, memberships__role=Role.INSPECTOR, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if inspector is None:
        raise SystemExit("no inspector in the demo county")
    token, _created = Token.objects.get_or_create(user=inspector)
    category_ids = list(
        Category.objects.filter(
            jurisdiction=jurisdiction,
            kind=CategoryKind.EVENT,
            level=CategoryLevel.MINOR,
            is_active=True,
            time_limits__isnull=False,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not category_ids:
        raise SystemExit("no event category with a time limit in the demo county")

    # Points within ~15 m of random segments, kept only if the responsibility index finds a segment.
    index = responsibility_index_for(jurisdiction=jurisdiction)
    rng = np.random.default_rng(seed)
    points: list[tuple[float, float]] = []
    while len(points) < n_points:
        batch = max(64, n_points - len(points))
        picks = rng.integers(0, len(index.segment_geoms_wgs84), batch)
        along = shapely.line_interpolate_point(
            index.segment_geoms_wgs84[picks], rng.uniform(0, 1, batch), normalized=True
        )
        lngs = shapely.get_x(along) + rng.uniform(-1.2e-4, 1.2e-4, batch)
        lats = shapely.get_y(along) + rng.uniform(-1.0e-4, 1.0e-4, batch)
        for lng, lat in zip(lngs.tolist(), lats.tolist(), strict=True):
            try:
                found = index.resolve(lng, lat, None)
            except OutsideJurisdiction:
                continue
            if found.segment_id is not None:
                points.append((lng, lat))
    del points[n_points:]
    print(
        f"  inspector {inspector.username}, {len(category_ids)} event categories with time "
        f"limits, {len(points):,} seeded points near segments"
    )
    return County(jurisdiction, inspector, token.key, category_ids, points)


# --- service layer ------------------------------------------------------------------------


def report_maker(county: County, seed: int) -> Callable[[int], Any]:
    """A function i -> the i-th report through case_report (random category and point)."""
    import random

    from jingxi.cases.choices import Source
    from jingxi.catalog.models import Category

    rnd = random.Random(seed)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=county.category_ids)}
    choices = [categories[pk] for pk in county.category_ids]
    run = uuid.uuid4().hex[:8]

    from jingxi.cases.services import case_report

    def make(i: int) -> Any:
        lng, lat = county.points[i % len(county.points)]
        return case_report(
            jurisdiction=county.jurisdiction,
            category=rnd.choice(choices),
            lng=lng,
            lat=lat,
            description=f"基准上报 {run}-{i}：路面有垃圾堆放",
            source=Source.INSPECTOR,
            actor=county.inspector,
            idempotency_key=f"bench-{run}-{i}",
        )

    return make


def sql_label(sql: str) -> str:
    """'SELECT cases_case', 'INSERT cases_caseevent', 'SAVEPOINT' ... for grouping queries."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{head} {match.group(1)}" if match and head != "RELEASE" else head


def service_bench(county: County, n: int, n_instrumented: int, seed: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make = report_maker(county, seed)
    for i in range(20):  # warm: index, geocoder, calendar, first connection
        make(n + n_instrumented + i)

    latencies: list[float] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        t0 = time.perf_counter()
        make(i)
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu_started) / n * 1000
    print(
        f"  service case_report       {n / wall:8,.0f} reports/s  {latency_line(latencies)}"
        f"  ({n:,} reports, one thread; {cpu_ms:.2f} ms CPU of this process per report)"
    )

    # Queries per report, and the database time by statement kind.
    timings: dict[str, list[float]] = {}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.setdefault(sql_label(sql), []).append(time.perf_counter() - t0)

    base = n + n_instrumented + 20
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
        t0 = time.perf_counter()
        for i in range(n_instrumented):
            make(base + i)
        instrumented_s = time.perf_counter() - t0
    per_report = len(captured.captured_queries) / n_instrumented
    db_s = sum(sum(v) for v in timings.values())
    print(
        f"  queries per report        {per_report:8.1f}  "
        f"(database {db_s / n_instrumented * 1000:.2f} ms of "
        f"{instrumented_s / n_instrumented * 1000:.2f} ms per report, instrumented pass)"
    )
    for label, values in sorted(timings.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"    {len(values) / n_instrumented:4.1f} x {label:<36} "
            f"{sum(values) / n_instrumented * 1000:6.3f} ms/report"
        )

    # Where the time goes: cumulative time of the steps of case_report under cProfile
    # (which inflates every call, so read the shares more than the milliseconds).
    profiler = cProfile.Profile()
    base += n_instrumented
    profiler.enable()
    for i in range(n_instrumented):
        make(base + i)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # not in typeshed's pstats

    def cumulative(module: str, name: str) -> float:
        return sum(
            float(ct)
            for (filename, _line, funcname), (_cc, _nc, _tt, ct, _callers) in raw.items()
            if funcname == name and filename.endswith(module)
        )

    total = cumulative("cases/report.py", "case_report")
    steps = [
        ("_report_context: settings, versions, category (1 query)", "cases/report.py",
         "_report_context"),
        (
            "point_responsibility: in-memory lookup",
            "places/responsibility.py",
            "point_responsibility",
        ),
        ("point_describe: address from the same index", "places/geocode.py", "point_describe"),
        ("calendar_get (cached, no query)", "org/services.py", "calendar_get"),
        ("add_working_hours (stage deadline)", "lib/workcalendar.py", "add_working_hours"),
        ("case_insert: number, case and events (1 statement)", "cases/insert.py",
         "case_insert"),
    ]  # fmt: skip
    print(f"  where case_report's time goes (cProfile, {n_instrumented} reports, inflated):")
    print(f"    {'case_report':<52} {total / n_instrumented * 1000:7.3f} ms/report  100%")
    for label, module, name in steps:
        t = cumulative(module, name)
        print(f"    {label:<52} {t / n_instrumented * 1000:7.3f} ms/report  {t / total:4.0%}")
    sql_s = cumulative("django/db/backends/utils.py", "_execute")
    print(
        f"    {'(all SQL execution: driver + database)':<52} "
        f"{sql_s / n_instrumented * 1000:7.3f} ms/report  {sql_s / total:4.0%}"
    )


def http_queries(county: County) -> None:
    """Queries of one POST and one GET through the whole Django stack, in process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {county.token}")
    body = next(bodies(county, 1))
    counts = []
    for method in ("POST", "GET"):
        with CaptureQueriesContext(connection) as captured:
            if method == "POST":
                response = client.post(
                    "/api/v1/cases/",
                    body,
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
                )
            else:
                response = client.get("/api/v1/cases/?limit=1")
        counts.append(f"{method} {len(captured.captured_queries)} ({response.status_code})")
    print(f"  queries per HTTP request  {', '.join(counts)}")
    print("    (POST: the token with the report's context; the report with its places)")


# --- HTTP ---------------------------------------------------------------------------------


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


class Client:
    """One keep-alive-capable http.client connection (reopened when the server closes)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = uuid.uuid4().hex
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        if response.will_close:
            self.conn.close()
        return response.status, data


def gunicorn_wait(process: subprocess.Popen[bytes], port: int, token: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            status, body = Client(port, token).request("GET", "/api/v1/cases/?limit=1")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise SystemExit(f"gunicorn answered {status}: {body[:300]!r}")
    raise SystemExit("gunicorn did not answer within 60 s")


def bodies(county: County, seed: int) -> Iterator[bytes]:
    import random

    rnd = random.Random(seed)
    i = 0
    while True:
        lng, lat = county.points[i % len(county.points)]
        yield json.dumps(
            {
                "category": rnd.choice(county.category_ids),
                "lng": lng,
                "lat": lat,
                "description": f"基准上报 HTTP {i}：路面有垃圾堆放",
                "source": "inspector",
            },
            ensure_ascii=False,
        ).encode()
        i += 1


def load_run(
    *,
    port: int,
    token: str,
    method: str,
    path: str,
    expect: int,
    make_body: Callable[[], bytes] | None,
    clients: int,
    requests: int,
    seconds: float,
) -> tuple[Outcome, float]:
    """`clients` threads send until `requests` are sent or `seconds` pass; (outcome, wall)."""
    outcome = Outcome()
    budget = iter(range(requests))
    budget_lock = threading.Lock()
    body_lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def take() -> bool:
        with budget_lock:
            return next(budget, None) is not None and time.monotonic() < stop_at

    def worker() -> None:
        client = Client(port, token)
        while take():
            body = None
            if make_body is not None:
                with body_lock:
                    body = make_body()
            t0 = time.perf_counter()
            try:
                status, data = client.request(method, path, body)
            except (OSError, http.client.HTTPException) as exc:
                outcome.add(time.perf_counter() - t0, type(exc).__name__, str(exc))
                continue
            key = "" if status == expect else str(status)
            outcome.add(time.perf_counter() - t0, key, data.decode(errors="replace"))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome, time.perf_counter() - started


def outcome_print(label: str, unit: str, outcome: Outcome, wall: float, a: Cpu, b: Cpu) -> None:
    n = max(len(outcome.latencies), 1)
    ok = len(outcome.latencies) - sum(outcome.errors.values())
    database = f"database {(b.database - a.database) / n * 1000:.1f} ms, " if b.database else ""
    print(
        f"  {label:<25} {ok / wall:8,.0f} {unit}/s  {latency_line(outcome.latencies)}"
        f"  ({len(outcome.latencies):,} requests in {wall:.1f} s, {ok:,} ok; CPU per request: "
        f"workers {(b.workers - a.workers) / n * 1000:.1f} ms, {database}"
        f"load generator {(b.generator - a.generator) / n * 1000:.1f} ms)"
    )
    for key, count in outcome.errors.most_common():
        print(f"    error {key}: {count:,}, e.g. {outcome.examples[key]!r}")


def http_bench(county: County, url: str, args: argparse.Namespace) -> None:
    port = free_port()
    process = gunicorn_start(url, port, args.workers)
    try:
        gunicorn_wait(process, port, county.token)
        make_body = bodies(county, args.seed).__next__
        # Warm every worker (index and geocoder are built on first use in each process).
        load_run(
            port=port,
            token=county.token,
            requests=40 * args.workers,
            method="POST",
            path="/api/v1/cases/",
            expect=201,
            make_body=make_body,
            clients=2 * args.workers,
            seconds=30,
        )
        on_postgres = url.startswith("postgres")
        for clients in args.clients:
            cpu0 = Cpu.read(process, database=on_postgres)
            outcome, wall = load_run(
                port=port,
                token=county.token,
                requests=args.requests,
                method="POST",
                path="/api/v1/cases/",
                expect=201,
                make_body=make_body,
                clients=clients,
                seconds=args.seconds,
            )
            cpu1 = Cpu.read(process, database=on_postgres)
            outcome_print(f"http POST, {clients} clients", "reports", outcome, wall, cpu0, cpu1)
            outcome, wall = load_run(
                port=port,
                token=county.token,
                requests=args.requests,
                method="GET",
                path="/api/v1/cases/?limit=1",
                expect=200,
                make_body=None,
                clients=clients,
                seconds=args.seconds,
            )
            cpu2 = Cpu.read(process, database=on_postgres)
            outcome_print(f"http GET ?limit=1, {clients} cl.", "reads", outcome, wall, cpu1, cpu2)
            print(f"    load average {load_average()}")
    finally:
        gunicorn_stop(process)


# --- per backend --------------------------------------------------------------------------


def backend_run(args: argparse.Namespace) -> None:
    tmp = ""
    if args.one_backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="jingxi-bench-intake-")
        url = f"sqlite:///{Path(tmp) / 'intake.sqlite3'}"
    else:
        url = args.pg_url
        database_recreate(url, fresh=args.fresh)
    try:
        print(f"== {args.one_backend}: {url}  (load average {load_average()})", flush=True)
        django_setup(url)
        county = county_prepare(args.seed, max(args.reports, 1000))
        service_bench(county, args.reports, args.instrumented, args.seed)
        http_queries(county)
        analyze()
        sys.stdout.flush()
        from django.db import connections

        connections.close_all()
        http_bench(county, url, args)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--fresh", action="store_true", help="drop and create the PG database")
    parser.add_argument("--reports", type=int, default=2000, help="service-layer reports")
    parser.add_argument("--instrumented", type=int, default=200, help="reports in each probe")
    parser.add_argument("--requests", type=int, default=5000, help="HTTP requests per run, max")
    parser.add_argument("--seconds", type=float, default=10.0, help="HTTP run length, max")
    parser.add_argument(
        "--clients",
        type=lambda s: [int(c) for c in s.split(",")],
        default=[8],
        help="concurrent HTTP clients; a comma list runs each",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--one-backend", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_backend:
        backend_run(args)
        return 0
    print(f"intake benchmark, {os.cpu_count()} cores; {TARGET}")
    status = 0
    for backend in args.backends.split(","):
        cmd = [sys.executable, __file__, "--one-backend", backend.strip(), *sys.argv[1:]]
        status = max(status, subprocess.call(cmd, cwd=ROOT))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
