"""Responsibility benchmark: full point lookups on the demo county, beside the raw STRtree
limit.

    python bench/responsibility.py                 # scales 1 and 10
    python bench/responsibility.py --scales 1,10,20 --points 100000

Per scale, in a child process with its own temporary SQLite database: migrate,
`demo_load --scale N`, load the snapshot, build the ResponsibilityIndex, then time

- batch: `ResponsibilityIndex.resolve_many` (township, community, grid, nearest segment within
  50 m, road chiefs, responsible unit) in points/s;
- single: `ResponsibilityIndex.resolve` one point at a time, p50/p99 per call; and
  `point_responsibility`
  (the service, with its geo_version check against the database);
- raw: shapely STRtree `query_nearest` on the same projected segments and the
  same points (the limit of the nearest-segment step), and `query(...,
  predicate="intersects")` on the grid and township polygons.

Points are seeded: half uniform inside the county, half within 40 m of a random
segment (where problems are reported). Single-threaded (one core). Every figure is
given twice: by the wall clock, and by this thread's CPU time, which other
processes on a shared machine cannot inflate (the load average is printed).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _rate(n: int, seconds: tuple[float, float]) -> str:
    wall, cpu = seconds
    return f"{n / wall:>10,.0f} points/s wall {n / cpu:>10,.0f} points/s cpu"


def _best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float]:
    """Best (wall, cpu) seconds of `repeat` runs."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.thread_time()
        fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.thread_time() - c0)
    return wall, cpu


def _percentiles(fn: Callable[[int], Any], m: int) -> str:
    """p50/p99 of fn(i) for i < m, by wall clock and by CPU time, in ms."""
    import numpy as np

    wall = np.empty(m)
    cpu = np.empty(m)
    for i in range(m):
        w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        fn(i)
        cpu[i] = time.thread_time_ns() - c0
        wall[i] = time.perf_counter_ns() - w0
    w50, w99 = np.percentile(wall, [50, 99]) / 1e6
    c50, c99 = np.percentile(cpu, [50, 99]) / 1e6
    return f"p50 {w50:.3f} p99 {w99:.3f} ms wall   p50 {c50:.3f} p99 {c99:.3f} ms cpu"


def run_scale(scale: float, seed: int, n_points: int, n_single: int, db_dir: str) -> None:
    tmp = db_dir or tempfile.mkdtemp(prefix="jingxi-bench-")
    db = Path(tmp) / f"bench-scale-{scale:g}-seed-{seed}.sqlite3"
    try:
        _run_scale(scale, seed, n_points, n_single, db)
    finally:
        if not db_dir:
            shutil.rmtree(tmp, ignore_errors=True)


def _run_scale(scale: float, seed: int, n_points: int, n_single: int, db: Path) -> None:
    os.environ["JINGXI_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["JINGXI_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    import numpy as np
    import shapely
    from django.core.management import call_command

    from jingxi.catalog.choices import CategoryKind, CategoryLevel, Responsibility
    from jingxi.catalog.models import Category
    from jingxi.org.models import Jurisdiction
    from jingxi.places.models import Component
    from jingxi.places.responsibility import (
        gc_freeze_long_lived,
        point_responsibility,
        responsibility_index_for,
    )
    from jingxi.places.responsibility_index import ResponsibilityIndex
    from jingxi.places.responsibility_units import points_array
    from jingxi.places.selectors import geo_snapshot_load

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo_load", scale=scale, seed=seed, stdout=io.StringIO())
    load_s = time.perf_counter() - t0
    jurisdiction = Jurisdiction.objects.get(code="410122")

    t0 = time.perf_counter()
    snapshot = geo_snapshot_load(jurisdiction=jurisdiction)
    snapshot_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = ResponsibilityIndex(snapshot)
    build_s = time.perf_counter() - t0
    gc_freeze_long_lived()  # as responsibility_index_for does

    # Categories: the component category with most components (nearest maintained
    # component, the heaviest unit rule), and an event resolved by segment maintainer.
    counts: dict[int, int] = {}
    for cid in snapshot.components.category_ids:
        counts[cid] = counts.get(cid, 0) + 1
    component_category = max(counts, key=lambda c: counts[c]) if counts else None
    event_category = (
        Category.objects.filter(
            jurisdiction=jurisdiction,
            kind=CategoryKind.EVENT,
            level=CategoryLevel.MINOR,
            responsibility=Responsibility.SEGMENT_MAINTAINER,
        )
        .order_by("code")
        .values_list("id", flat=True)
        .first()
    )
    if component_category is not None:
        index.resolve(snapshot.center_lng, snapshot.center_lat, component_category)  # warm its tree

    # Seeded points: half uniform in the county, half within 40 m of a segment.
    rng = np.random.default_rng(seed)
    county = shapely.union_all(index.township_geoms)
    west, south, east, north = county.bounds
    half = n_points // 2
    lng_parts: list[Any] = []
    lat_parts: list[Any] = []
    have = 0
    while have < half:
        lngs = rng.uniform(west, east, half * 2)
        lats = rng.uniform(south, north, half * 2)
        inside = shapely.contains_xy(county, lngs, lats)
        lng_parts.append(lngs[inside])
        lat_parts.append(lats[inside])
        have += int(inside.sum())
    uniform_lng = np.concatenate(lng_parts)[:half]
    uniform_lat = np.concatenate(lat_parts)[:half]
    picks = rng.integers(0, len(index.segments), n_points - half)
    along = shapely.line_interpolate_point(
        index.segment_geoms[picks], rng.uniform(0, 1, len(picks)), normalized=True
    )
    angle = rng.uniform(0, 2 * np.pi, len(picks))
    radius = rng.uniform(0, 40, len(picks))
    near_x = shapely.get_x(along) + radius * np.cos(angle)
    near_y = shapely.get_y(along) + radius * np.sin(angle)
    near_lng, near_lat = index.projection.inverse_xy(near_x, near_y)
    keep = shapely.contains_xy(county, near_lng, near_lat)
    lngs = np.concatenate([uniform_lng, near_lng[keep]])
    lats = np.concatenate([uniform_lat, near_lat[keep]])
    order = rng.permutation(len(lngs))
    lngs, lats = lngs[order], lats[order]
    n = len(lngs)

    print(
        f"scale {scale:g}: {len(snapshot.townships)} townships, {len(snapshot.communities):,} "
        f"communities, {len(snapshot.grids):,} grids, {len(snapshot.roads):,} roads, "
        f"{len(snapshot.segments):,} segments, {len(snapshot.components):,} components, "
        f"{Component.objects.count():,} in db"
    )
    print(f"  load average               {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"  demo_load + migrate        {load_s:>10.1f} s")
    print(f"  snapshot load              {snapshot_s:>10.2f} s")
    print(f"  index build               {build_s:>10.2f} s")
    print(f"  points                     {n:>10,} (half uniform, half within 40 m of a segment)")

    # Batch.
    results = index.resolve_many(lngs, lats, component_category)
    found = sum(1 for r in results if r is not None and r.segment_id is not None)
    with_unit = sum(1 for r in results if r is not None and r.unit_id is not None)
    chiefs = sum(1 for r in results if r is not None and r.road_chiefs)
    assert all(r is not None for r in results), "a generated point fell outside the county"
    print(
        f"  resolved: {found / n:.0%} near a segment, {chiefs / n:.0%} with road chiefs, "
        f"{with_unit / n:.0%} with a unit"
    )
    t = _best_of(3, lambda: index.resolve_many(lngs, lats, None))
    print(f"  batch resolve_many, no category           {_rate(n, t)}")
    if event_category is not None:
        t = _best_of(3, lambda: index.resolve_many(lngs, lats, event_category))
        print(f"  batch resolve_many, event (segment unit)  {_rate(n, t)}")
    if component_category is not None:
        t = _best_of(3, lambda: index.resolve_many(lngs, lats, component_category))
        print(f"  batch resolve_many, component (nearest)   {_rate(n, t)}")

    # Single points.
    m = min(n_single, n)
    category = component_category
    lng_l, lat_l = lngs.tolist(), lats.tolist()
    line = _percentiles(lambda i: index.resolve(lng_l[i], lat_l[i], category), m)
    print(f"  single resolve (component)  {line}")
    responsibility_index_for(jurisdiction=jurisdiction)
    line = _percentiles(
        lambda i: point_responsibility(
            jurisdiction=jurisdiction, lng=lng_l[i], lat=lat_l[i], category=category
        ),
        min(m, 2000),
    )
    print(f"  single point_responsibility (+db)  {line}")

    # Raw shapely limits on the same geometry and points.
    x, y = index.projection.forward_xy(lngs, lats)
    projected = points_array(x, y)
    wgs = points_array(lngs, lats)
    t = _best_of(
        3,
        lambda: index.segment_tree.query_nearest(
            projected, max_distance=index.max_distance_m, return_distance=True
        ),
    )
    print(f"  raw STRtree query_nearest segments 50 m {_rate(n, t)}  (the limit)")
    t = _best_of(3, lambda: index.grid_tree.query(wgs, predicate="intersects"))
    print(f"  raw STRtree grid polygons intersects    {_rate(n, t)}")
    t = _best_of(3, lambda: index.township_tree.query(wgs, predicate="intersects"))
    print(f"  raw STRtree township polygons           {_rate(n, t)}")
    t = _best_of(3, lambda: index.projection.forward_xy(lngs, lats))
    print(f"  raw pyproj WGS84 → CGCS2000 GK          {_rate(n, t)}")
    singles = [shapely.Point(float(x[i]), float(y[i])) for i in range(m)]
    line = _percentiles(
        lambda i: index.segment_tree.query_nearest(singles[i], max_distance=index.max_distance_m),
        m,
    )
    print(f"  raw single query_nearest  {line}")
    gc.collect()
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scales", default="1,10", help="comma-separated demo scales")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--points", type=int, default=50_000, help="points per batch")
    parser.add_argument("--single", type=int, default=5_000, help="points timed one by one")
    parser.add_argument(
        "--db-dir", default="", help="keep the demo databases here and reuse them next time"
    )
    parser.add_argument("--one-scale", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_scale is not None:
        run_scale(args.one_scale, args.seed, args.points, args.single, args.db_dir)
        return 0
    status = 0
    for raw in args.scales.split(","):
        # One process per scale: Django binds its database at setup.
        cmd = [
            sys.executable,
            __file__,
            "--one-scale",
            raw.strip(),
            "--seed",
            str(args.seed),
            "--points",
            str(args.points),
            "--single",
            str(args.single),
            "--db-dir",
            args.db_dir,
        ]
        status = max(status, subprocess.call(cmd, cwd=ROOT))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
