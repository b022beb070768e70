"""Inspection planning benchmark: one day's plan and walking routes for the demo county.

    python bench/inspection_plan.py                    # scale 10, 50 inspectors
    python bench/inspection_plan.py --scale 1 --inspectors 10
    python bench/inspection_plan.py --db /tmp/s10.sqlite3   # reuse a loaded database

The demo county is loaded (migrate + `demo_load --scale N`) in a child process, into a
temporary SQLite database (or the one given, kept and reused when it already holds the
county), so the peak resident memory printed is the planner's alone. The demo has no
inspection data yet, so the bench makes it through the services: N inspectors (one in
five by e-bike) with a start at their township's office, the scope's grids shared among
them in contiguous blocks by grid code (`area_assign`), and a duty on the day
(`roster_fill`). Then, timed from cold per-process caches:

- plan: `plan_generate` (segments due in scope, own grids, neighbours, balance,
  shortfall), including building the network and the layout;
- routes: `routes_build` (rural postman per inspector);
- the nearest-next-segment walk of the same items, for comparison (timed apart).

Printed: times, peak resident memory (`resource.getrusage`), due / capacity / unassigned
km, and the routes' total length against the required length (the lower bound) and the
nearest-next walk. Targets (issue 12): plan + routes under 30 s and 1 GiB at scale 10.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 6, 10)


def _load(db: Path, scale: float, seed: int) -> None:
    env = {**os.environ, "JINGXI_DATABASE_URL": f"sqlite:///{db}", "JINGXI_LOG_LEVEL": "WARNING"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    t0 = time.perf_counter()
    subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "demo_load", "--scale", f"{scale:g}", "--seed", str(seed)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  migrate + demo_load (child)  {time.perf_counter() - t0:>8.1f} s")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup(n_inspectors: int) -> None:
    """Inspectors, starts, areas and the day's duty, through the services."""
    import json
    from decimal import Decimal

    from shapely import from_geojson

    from jingxi.inspections.choices import TravelMode
    from jingxi.inspections.frequencies import scope_grid_ids
    from jingxi.inspections.models import AreaAssignment, Inspector, Plan, RouteStart
    from jingxi.inspections.roster import area_assign, roster_fill
    from jingxi.org.models import Jurisdiction, User
    from jingxi.places.models import Grid, Township

    j = Jurisdiction.objects.get(code="410122")
    Plan.objects.filter(jurisdiction=j).delete()
    AreaAssignment.objects.filter(jurisdiction=j).delete()
    Inspector.objects.filter(jurisdiction=j).delete()
    RouteStart.objects.filter(jurisdiction=j).delete()
    User.objects.filter(username__startswith="bench_inspector_").delete()
    starts = []
    for t in Township.objects.filter(jurisdiction=j).order_by("code"):
        centre = from_geojson(json.dumps(t.geometry)).representative_point()
        starts.append(
            RouteStart.objects.create(
                jurisdiction=j, name=f"{t.name}办事处", township=t, lng=centre.x, lat=centre.y
            )
        )
    grids = list(
        Grid.objects.filter(pk__in=scope_grid_ids(jurisdiction=j))
        .select_related("community__township")
        .order_by("code")
    )
    users = []
    for i in range(n_inspectors):
        user = User.objects.create(
            username=f"bench_inspector_{i:03d}", full_name=f"督导员{i:03d}", jurisdiction=j
        )
        users.append(user)
    per = max(1, -(-len(grids) // n_inspectors))
    for i, user in enumerate(users):
        block = grids[i * per : (i + 1) * per]
        township_id = block[0].community.township_id if block else None
        start = next((s for s in starts if s.township_id == township_id), None)
        Inspector.objects.create(
            user=user,
            jurisdiction=j,
            travel_mode=TravelMode.EBIKE if i % 5 == 4 else TravelMode.FOOT,
            start=start,
            capacity_km=None if i % 7 else Decimal("8"),
        )
        for grid in block:
            area_assign(jurisdiction=j, inspector=user, grid=grid, start_date=DAY)
    roster_fill(jurisdiction=j, inspectors=users, start=DAY, end=DAY)
    print(f"  scope (made by a child)      {len(grids):>8,} grids, {n_inspectors} inspectors")


def _django(db: Path) -> None:
    os.environ["JINGXI_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["JINGXI_LOG_LEVEL"] = "WARNING"
    os.environ["JINGXI_DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run(db: Path, scale: float, n_inspectors: int) -> None:
    """Plan and route in this process (the data was made by a child)."""
    _django(db)
    from jingxi.inspections.plans import plan_generate
    from jingxi.inspections.routes import nearest_next_route_m, routes_build
    from jingxi.org.models import Jurisdiction

    print(f"scale {scale:g}, day {DAY}, {n_inspectors} inspectors")
    j = Jurisdiction.objects.get(code="410122")
    base_mib = _peak_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="bench")
    plan_s, plan_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    reports = routes_build(plan=plan)
    routes_s, routes_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_mib = _peak_mib()
    t0 = time.perf_counter()
    baseline = nearest_next_route_m(plan=plan)
    baseline_s = time.perf_counter() - t0
    length = sum(r.length_m for r in reports)
    required = sum(r.required_m for r in reports)
    split = sum(1 for r in reports if r.parts > 1)
    print(f"  load average                 {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"  plan (cold caches)           {plan_s:>8.2f} s wall {plan_cpu:>7.2f} s cpu")
    print(
        f"  routes ({len(reports)})                  {routes_s:>8.2f} s wall "
        f"{routes_cpu:>7.2f} s cpu"
    )
    total, total_cpu = plan_s + routes_s, plan_cpu + routes_cpu
    print(f"  plan + routes                {total:>8.2f} s wall {total_cpu:>7.2f} s cpu (< 30 s)")
    print(
        f"  peak resident memory         {peak_mib:>8.0f} MiB "
        f"(after Django's start {base_mib:.0f} MiB; target < 1024)"
    )
    print(f"  due in scope                 {plan.due_m / 1000:>8.1f} km")
    print(f"  capacity on duty             {plan.capacity_m / 1000:>8.1f} km")
    print(f"  assigned                     {plan.assigned_m / 1000:>8.1f} km")
    print(f"  unassigned (shortfall)       {plan.unassigned_m / 1000:>8.1f} km")
    print(f"  routes: required (bound)     {required / 1000:>8.1f} km")
    ratio = length / max(required, 1)
    print(f"  routes: rural postman        {length / 1000:>8.1f} km  ({ratio:.2f} x bound)")
    near = sum(baseline.values())
    ratio = near / max(required, 1)
    print(
        f"  routes: nearest-next         {near / 1000:>8.1f} km  "
        f"({ratio:.2f} x bound, {baseline_s:.1f} s)"
    )
    print(f"  routes in several parts      {split:>8}")
    loads = sorted(r.required_m / 1000 for r in reports)
    if loads:
        print(f"  km per inspector             {loads[0]:.1f} min, {loads[-1]:.1f} max")
    # An absence: regenerate, as the office does after marking it on the roster.
    from jingxi.inspections.models import PlanChange
    from jingxi.inspections.roster import duty_mark_absent

    absent = reports[0].inspector_id if reports else None
    if absent is not None:
        from jingxi.org.models import User

        user = User.objects.get(pk=absent)
        duty_mark_absent(jurisdiction=j, inspector=user, day=DAY, by=None, reason="bench")
        t0 = time.perf_counter()
        plan = plan_generate(jurisdiction=j, day=DAY, by=None, reason="bench absence")
        routes_build(plan=plan)
        again_s = time.perf_counter() - t0
        moved = PlanChange.objects.get(plan=plan, version=plan.version).moved
        print(f"  regenerate after an absence  {again_s:>8.2f} s, {len(moved)} segments moved")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--inspectors", type=int, default=50)
    parser.add_argument("--db", default="", help="SQLite file to reuse (loaded when missing)")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_only:
        _django(Path(args.db))
        _setup(args.inspectors)
        return 0
    tmp = "" if args.db else tempfile.mkdtemp(prefix="jingxi-bench-")
    db = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
    try:
        if not db.exists():
            _load(db, args.scale, args.seed)
        cmd = [sys.executable, __file__, "--db", str(db), "--inspectors", str(args.inspectors)]
        subprocess.run([*cmd, "--setup-only"], cwd=ROOT, check=True)
        run(db, args.scale, args.inspectors)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
