"""Track matching benchmark: cleaning and coverage of a long round over the demo county,
beside the raw STRtree query rate on the same segments and points.

    python bench/track_match.py                  # 50,000 points
    python bench/track_match.py --points 200000 --db-dir /tmp/jx-bench

In a temporary SQLite database: migrate, load the demo county at scale 1 (places only,
no case history), build the segment index (`inspections.coverage`), then generate a
seeded synthetic round: an inspector walks from segment to segment (nearest next),
every 5 s a fix with 5 m of noise and its accuracy, 1 % of fixes thrown hundreds of
metres away and 0.5 % reported as inaccurate. Timed, single-threaded:

- clean: `track.track_clean` in batches of 2,000 (as the API receives them), each
  continuing from the last kept point;
- match: `track.track_pieces` and `coverage.coverage_compute` over the kept points;
- clean + match together in points/s (the target is 5,000 points/s);
- raw: shapely STRtree `query(points, predicate="dwithin", distance=20)` of the same
  points, projected, against the same segment tree (the spatial index alone).

Every figure is the best of 3 runs, by the wall clock and by this thread's CPU time
(which other processes on a shared machine cannot inflate). Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 2000


def _best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall = cpu = float("inf")
    result: Any = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.thread_time()
        result = fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.thread_time() - c0)
    return wall, cpu, result


def _rate(n: int, wall: float, cpu: float) -> str:
    return f"{n / wall:>10,.0f} points/s wall {n / cpu:>10,.0f} points/s cpu"


def _track(index: Any, n_points: int, seed: int) -> list[tuple[int, float, float, float, float]]:
    """A seeded walk over the segments: (seq, t, lng, lat, accuracy) every 5 s."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    lines = index.lines
    starts = shapely.get_point(shapely.get_geometry(lines, 0), 0)
    step_m = 7.0  # 1.4 m/s for 5 s
    xs: list[float] = []
    ys: list[float] = []
    current = int(rng.integers(0, len(lines)))
    visited = {current}
    while len(xs) < n_points:
        line = shapely.get_geometry(lines[current], 0)
        distances = np.arange(0.0, line.length, step_m)
        points = shapely.line_interpolate_point(line, distances)
        xs += shapely.get_x(points).tolist()
        ys += shapely.get_y(points).tolist()
        end = shapely.get_point(line, -1)
        near = index.tree.query(shapely.buffer(end, 300.0), predicate="intersects")
        fresh = [int(i) for i in near if int(i) not in visited]
        if fresh:
            current = min(fresh, key=lambda i: shapely.distance(end, starts[i]))
        else:  # walk on to a random segment: the walk between is straight
            current = int(rng.integers(0, len(lines)))
        visited.add(current)
        target = shapely.get_point(shapely.get_geometry(lines[current], 0), 0)
        gap = shapely.distance(end, target)
        for k in range(1, int(gap // step_m)):
            f = k * step_m / gap
            xs.append(shapely.get_x(end) + f * (shapely.get_x(target) - shapely.get_x(end)))
            ys.append(shapely.get_y(end) + f * (shapely.get_y(target) - shapely.get_y(end)))
    x = np.asarray(xs[:n_points]) + rng.normal(0, 5, n_points)
    y = np.asarray(ys[:n_points]) + rng.normal(0, 5, n_points)
    wild = rng.random(n_points) < 0.01
    x[wild] += rng.uniform(300, 900, int(wild.sum()))
    lngs, lats = index.projection.inverse_xy(x, y)
    accuracy = rng.uniform(4, 20, n_points)
    accuracy[rng.random(n_points) < 0.005] = 120.0
    t0 = 1_780_000_000.0
    return [
        (k, t0 + 5.0 * k, float(lngs[k]), float(lats[k]), float(accuracy[k]))
        for k in range(n_points)
    ]


def run(n_points: int, seed: int, db: Path) -> None:
    os.environ["JINGXI_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["JINGXI_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    import shapely
    from django.core.management import call_command

    from jingxi.demo.loader import demo_county_load
    from jingxi.inspections.coverage import coverage_compute, segment_index_build
    from jingxi.inspections.models import InspectionSettings
    from jingxi.inspections.track import Anchor, TrackRules, track_clean, track_pieces
    from jingxi.org.models import Jurisdiction

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    demo_county_load(scale=1, seed=seed, cases=False)
    load_s = time.perf_counter() - t0
    jurisdiction = Jurisdiction.objects.get(code="410122")
    t0 = time.perf_counter()
    index = segment_index_build(jurisdiction_id=jurisdiction.pk)
    build_s = time.perf_counter() - t0
    settings = InspectionSettings(jurisdiction=jurisdiction)
    rules = TrackRules(
        max_accuracy_m=float(settings.max_accuracy_m),
        max_speed_mps=float(settings.max_speed_foot_kmh) / 3.6,
        gap_seconds=float(settings.track_gap_seconds),
        bbox=index.bbox,
    )
    points = _track(index, n_points, seed)

    def clean() -> list[Any]:
        kept: list[Any] = []
        anchor = None
        for low in range(0, len(points), BATCH):
            result = track_clean(points[low : low + BATCH], rules=rules, anchor=anchor)
            kept += result.kept
            if result.kept:
                seq, t, lng, lat, accuracy, piece = result.kept[-1]
                anchor = Anchor(seq=seq, t=t, lng=lng, lat=lat, accuracy=accuracy, piece=piece)
        return kept

    def match(kept: list[Any]) -> Any:
        pieces = track_pieces(
            [(t, lng, lat) for _s, t, lng, lat, _a, _p in kept],
            gap_seconds=rules.gap_seconds,
        )
        return coverage_compute(
            index=index,
            pieces=pieces,
            buffer_m=float(settings.cover_buffer_m),
            ratio=float(settings.cover_ratio),
        )

    clean_w, clean_c, kept = _best_of(3, clean)
    match_w, match_c, covers = _best_of(3, lambda: match(kept))
    both_w, both_c, _ = _best_of(3, lambda: match(clean()))
    walked = sum(1 for c in covers if c.walked)
    import numpy as np

    lngs = np.asarray([p[2] for p in points])
    lats = np.asarray([p[3] for p in points])
    x, y = index.projection.forward_xy(lngs, lats)
    projected = shapely.points(x, y)
    raw_w, raw_c, _ = _best_of(
        3, lambda: index.tree.query(projected, predicate="dwithin", distance=20.0)
    )

    print(f"demo county scale 1: {len(index.ids):,} segments")
    print(f"  load average               {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"  migrate + demo load        {load_s:>10.1f} s")
    print(f"  segment index build        {build_s:>10.2f} s")
    print(
        f"  track                      {n_points:>10,} points, {len(kept):,} kept, "
        f"{len(covers):,} segments touched, {walked:,} walked"
    )
    print(f"  clean (batches of {BATCH})    {_rate(n_points, clean_w, clean_c)}")
    print(f"  match (pieces + coverage)  {_rate(n_points, match_w, match_c)}")
    print(f"  clean + match              {_rate(n_points, both_w, both_c)}  (target 5,000)")
    print(f"  raw STRtree dwithin 20 m   {_rate(n_points, raw_w, raw_c)}  (the index alone)")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db-dir", default="", help="keep the demo database here and reuse it")
    args = parser.parse_args()
    tmp = args.db_dir or tempfile.mkdtemp(prefix="jingxi-bench-")
    db = Path(tmp) / f"track-match-seed-{args.seed}.sqlite3"
    try:
        run(args.points, args.seed, db)
    finally:
        if not args.db_dir:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
