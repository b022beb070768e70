"""Benchmark: a full deadline scan over a million cases on PostgreSQL.

    .venv/bin/python bench/overdue_scan.py [--cases 1000000] [--rebuild] [--explain]

Builds (once) a county with N cases loaded by COPY: about 85% closed, 2% overdue and
already past the last ladder step, the rest open across the stages with deadlines
ahead, plus a few hundred "work" cases: newly overdue, due within the warning window,
or overdue part-way up the ladder. Then it runs `deadline_scan` twice at the same
instant, first with that work to do and then idle, and prints the seconds and rows
touched. Figures are printed, never asserted. A second run reuses the cases and only
reloads the work cases (numbers starting with W); `--rebuild` loads everything again.

JINGXI_DATABASE_URL must name a PostgreSQL database; the default is
postgres://postgres@127.0.0.1:5432/jingxi_bench, created if missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jingxi_bench"
ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
# A Wednesday morning: working time, the week's working days on both sides.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
BENCH_CODE = "419901"
UNITS = 40
ROADS = 300


def database_ensure(url: str) -> None:
    """Create the database named in `url` if it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django() -> None:
    url = os.environ.setdefault("JINGXI_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/overdue_scan.py needs JINGXI_DATABASE_URL to name a PostgreSQL database")
    database_ensure(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- the county -----------------------------------------------------------------------


def county_build() -> dict[str, Any]:
    """Jurisdiction, units with handlers and heads, dispatchers, inspectors, roads, chiefs."""
    from jingxi.catalog.models import Category
    from jingxi.catalog.services import catalog_seed
    from jingxi.org.choices import RankingGroup, Role, UnitKind
    from jingxi.org.models import Jurisdiction, Membership, Unit, User
    from jingxi.places.choices import RoadChiefLevel, RoadGrade
    from jingxi.places.models import Road, RoadChief, Segment

    j, created = Jurisdiction.objects.get_or_create(code=BENCH_CODE, defaults={"name": "基准县"})
    if created:
        office = Unit.objects.create(
            jurisdiction=j, code="JXB", name="基准县精细办", short_name="基准精细办",
            kind=UnitKind.OFFICE, ranking_group=RankingGroup.NONE,
        )  # fmt: skip
        users: list[User] = []

        def user(name: str) -> User:
            u = User(username=f"bench_{name}", full_name=name, jurisdiction=j)
            u.set_unusable_password()
            users.append(u)
            return u

        dispatchers = [user(f"dispatcher{i}") for i in range(5)]
        inspectors = [user(f"inspector{i}") for i in range(20)]
        units = [
            Unit(jurisdiction=j, code=f"U{i:03d}", name=f"基准责任单位{i}",
                 kind=UnitKind.DEPARTMENT, ranking_group=RankingGroup.CLASS_A)
            for i in range(UNITS)
        ]  # fmt: skip
        Unit.objects.bulk_create(units)
        handlers = {u.code: [user(f"{u.code}_handler{k}") for k in range(3)] for u in units}
        heads = {u.code: user(f"{u.code}_head") for u in units}
        chiefs = [user(f"chief{i}") for i in range(ROADS // 5)]
        User.objects.bulk_create(users)
        memberships = [Membership(user=d, unit=office, role=Role.DISPATCHER) for d in dispatchers]
        memberships += [Membership(user=i, unit=office, role=Role.INSPECTOR) for i in inspectors]
        for u in units:
            memberships += [
                Membership(user=h, unit=u, role=Role.UNIT_HANDLER) for h in handlers[u.code]
            ]
            memberships.append(Membership(user=heads[u.code], unit=u, role=Role.UNIT_HEAD))
            u.head = heads[u.code]
        Membership.objects.bulk_create(memberships)
        Unit.objects.bulk_update(units, ["head"])
        roads = Road.objects.bulk_create(
            Road(jurisdiction=j, code=f"R{i:03d}", name=f"基准路{i}", grade=RoadGrade.ARTERIAL)
            for i in range(ROADS)
        )
        line = {"type": "LineString", "coordinates": [[113.9, 34.7], [113.91, 34.7]]}
        Segment.objects.bulk_create(
            Segment(road=r, seq=k, geometry=line, length_m=500.0) for r in roads for k in (1, 2)
        )
        start = dt.date(2026, 1, 1)
        RoadChief.objects.bulk_create(
            [RoadChief(road=r, user=chiefs[i % len(chiefs)], level=RoadChiefLevel.TOWNSHIP,
                       start_date=start) for i, r in enumerate(roads)]
            + [RoadChief(road=r, user=chiefs[(i + 7) % len(chiefs)], level=RoadChiefLevel.COUNTY,
                         start_date=start) for i, r in enumerate(roads) if i % 3 == 0]
        )  # fmt: skip
        catalog_seed(jurisdiction=j)
    category = Category.objects.filter(jurisdiction=j, level="minor").order_by("pk").first()
    assert category is not None
    return {
        "jurisdiction": j,
        "category_id": category.pk,
        "unit_ids": list(
            Unit.objects.filter(jurisdiction=j, kind="department").values_list("pk", flat=True)
        ),
        "inspector_ids": list(
            Membership.objects.filter(unit__jurisdiction=j, role="inspector").values_list(
                "user_id", flat=True
            )
        ),
        "segments": list(Segment.objects.filter(road__jurisdiction=j).values_list("pk", "road_id")),
    }


# --- the cases ------------------------------------------------------------------------

COLUMNS: list[str] = []


def columns() -> list[str]:
    from jingxi.cases.models import Case

    if not COLUMNS:
        COLUMNS.extend(f.column for f in Case._meta.concrete_fields if not f.primary_key)
    return COLUMNS


def template() -> dict[str, Any]:
    from jingxi.cases.models import Case

    row: dict[str, Any] = {}
    for f in Case._meta.concrete_fields:
        if not f.primary_key:
            row[f.column] = None if f.null else f.get_default()
    return row


class RowMaker:
    """Rows of cases_case in COPY column order, from a few named shapes."""

    def __init__(self, county: dict[str, Any], seed: int = 7) -> None:
        self.rnd = random.Random(seed)
        self.base = template()
        self.base.update(
            jurisdiction_id=county["jurisdiction"].pk,
            source="inspector",
            category_id=county["category_id"],
            urgency="normal",
            description="基准案卷",
            lng=113.95,
            lat=34.71,
        )
        self.units: list[int] = county["unit_ids"]
        self.inspectors: list[int] = county["inspector_ids"]
        self.segments: list[tuple[int, int]] = county["segments"]
        self.cols = columns()

    def row(self, number: str, kind: str) -> tuple[Any, ...]:
        rnd = self.rnd
        r = dict(self.base)
        segment, road = rnd.choice(self.segments)
        reported = NOW - dt.timedelta(minutes=rnd.randrange(10, 60 * 24 * 365))
        r.update(
            number=number,
            segment_id=segment,
            road_id=road,
            reporter_id=rnd.choice(self.inspectors),
            reported_at=reported,
            updated_at=reported,
            filed_at=reported,
        )
        unit = rnd.choice(self.units)
        if kind == "closed":
            r.update(
                status="closed", stage="none", unit_id=unit, closed_at=reported, dispatch_count=1
            )
        elif kind == "escalated":  # overdue long ago, every step taken
            r.update(
                status="handling", stage="handling", unit_id=unit,
                stage_deadline=NOW - dt.timedelta(days=rnd.randrange(5, 60)),
                is_overdue=True, warned=True, escalation_step=4, is_supervised=True,
            )  # fmt: skip
        elif kind == "suspended":
            r.update(status="suspended", stage="none", unit_id=unit)
        elif kind == "midladder":  # overdue for days, one or two steps taken
            r.update(
                status="handling", stage="handling", unit_id=unit,
                stage_deadline=NOW - dt.timedelta(days=rnd.randrange(3, 10)),
                is_overdue=True, warned=True, escalation_step=rnd.choice((1, 2)),
            )  # fmt: skip
        else:
            status, stage = {
                "filing": ("reported", "filing"),
                "dispatch": ("filed", "dispatch"),
                "acceptance": ("dispatched", "acceptance"),
                "handling": ("handling", "handling"),
                "verification": ("handled", "verification"),
            }[kind.split(":")[0]]
            if kind.endswith(":newly_overdue"):
                deadline = NOW - dt.timedelta(minutes=rnd.randrange(1, 120))
            elif kind.endswith(":due_soon"):
                deadline = NOW + dt.timedelta(minutes=rnd.randrange(1, 55))
            else:
                deadline = NOW + dt.timedelta(hours=rnd.randrange(3, 24 * 20))
            r.update(status=status, stage=stage, stage_deadline=deadline)
            if status in ("dispatched", "handling", "handled"):
                r.update(unit_id=unit, dispatch_count=1)
        return tuple(r[c] for c in self.cols)


OPEN_MIX = [
    ("filing", 1.0), ("dispatch", 1.0), ("acceptance", 2.0), ("handling", 7.4),
    ("verification", 1.1), ("suspended", 0.5),
]  # fmt: skip
WORK_MIX = [
    ("filing:newly_overdue", 40), ("dispatch:newly_overdue", 40),
    ("acceptance:newly_overdue", 60), ("handling:newly_overdue", 120),
    ("verification:newly_overdue", 40), ("handling:due_soon", 150),
    ("acceptance:due_soon", 50), ("midladder", 100),
]  # fmt: skip


def kinds(n: int, rnd: random.Random) -> Iterator[str]:
    """The background mix: 85% closed, 2% fully escalated, the rest open."""
    names = ["closed", "escalated"] + [k for k, _ in OPEN_MIX]
    weights = [85.0, 2.0] + [w for _, w in OPEN_MIX]
    for _ in range(n):
        yield rnd.choices(names, weights)[0]


def copy_rows(rows: Iterator[tuple[Any, ...]]) -> int:
    from django.db import connection

    cols = ", ".join(f'"{c}"' for c in columns())
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY cases_case ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def cases_load(county: dict[str, Any], n: int, rebuild: bool) -> None:
    from django.db import connection, transaction

    from jingxi.cases.models import Case

    j = county["jurisdiction"]
    existing = Case.objects.filter(jurisdiction=j).exclude(number__startswith="W").count()
    maker = RowMaker(county)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jingxi.allow_event_delete = 'on'")
        if rebuild or existing != n:
            where = "jurisdiction_id = %s"
        else:
            where = "jurisdiction_id = %s AND number LIKE 'W%%'"
        case_ids = f"SELECT id FROM cases_case WHERE {where}"
        for table in ("notify_notification", "cases_supervisionorder", "cases_caseevent"):
            cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({case_ids})", [j.pk])
        cursor.execute(f"DELETE FROM cases_case WHERE {where}", [j.pk])
        cursor.execute("DELETE FROM cases_documentcounter WHERE jurisdiction_id = %s", [j.pk])
    if rebuild or existing != n:
        started = time.perf_counter()
        with transaction.atomic():
            loaded = copy_rows(
                maker.row(f"B{i:010d}", kind) for i, kind in enumerate(kinds(n, maker.rnd))
            )
        print(f"loaded {loaded:,} cases by COPY in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing {existing:,} cases")
    work = [kind for kind, count in WORK_MIX for _ in range(count)]
    with transaction.atomic():
        copy_rows(maker.row(f"W{i:08d}", kind) for i, kind in enumerate(work))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    print(f"loaded {len(work)} work cases: " + ", ".join(f"{k} {c}" for k, c in WORK_MIX))


def explain(county: dict[str, Any]) -> None:
    """Print the plans of the three candidate queries as the scan builds them."""
    from django.db.models import Q

    from jingxi.cases.deadlines import ladder_parse, working_hours_before
    from jingxi.cases.models import Case
    from jingxi.cases.services import loop_settings_get
    from jingxi.org.services import calendar_get

    j = county["jurisdiction"]
    calendar = calendar_get(jurisdiction=j)
    settings = loop_settings_get(jurisdiction=j)
    horizon = calendar.next_working_moment(
        calendar.add_working_hours(NOW, settings.warn_before_hours)
    )
    due = Q()
    for index, step in enumerate(ladder_parse(settings.escalation_ladder)):
        bound = working_hours_before(calendar, NOW, step.after)
        due |= Q(escalation_step=index, stage_deadline__lte=bound)
    queries = {
        "warn": Case.objects.filter(
            jurisdiction=j, warned=False, stage_deadline__gt=NOW, stage_deadline__lte=horizon
        ),
        "overdue": Case.objects.filter(jurisdiction=j, is_overdue=False, stage_deadline__lte=NOW),
        "ladder": Case.objects.filter(
            Q(jurisdiction=j, status__in=["dispatched", "handling"]) & due
        ),
    }
    for name, qs in queries.items():
        print(f"--- {name}")
        print(qs.order_by("pk").values_list("pk", flat=True).explain(analyze=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="load every case again")
    parser.add_argument("--explain", action="store_true", help="print the candidate query plans")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jingxi.cases.deadlines import deadline_scan
    from jingxi.org.services import calendar_get

    county = county_build()
    cases_load(county, args.cases, args.rebuild)
    j = county["jurisdiction"]
    calendar_get(jurisdiction=j)  # warm the per-process calendar, as a worker would be
    if args.explain:
        explain(county)
    for label in ("first scan (work to do)", "second scan (idle)"):
        started = time.perf_counter()
        summary = deadline_scan(now=NOW, jurisdiction=j)
        elapsed = time.perf_counter() - started
        print(
            f"{label}: {elapsed:.3f} s, {summary.cases_touched} rows touched "
            f"(warned {summary.warned}, newly overdue {summary.overdue}, "
            f"escalated {summary.escalated_cases} cases / {summary.escalation_steps} steps, "
            f"supervision orders {summary.supervision_orders})"
        )


if __name__ == "__main__":
    main()
