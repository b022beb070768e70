"""A realistic history of cases for the demo county, made through the real services.

`demo_cases_load` plays about two months of work before `now`: reports from every channel
(inspectors' patrols, citizens on the web, hotline calls, road chiefs, media, leaders,
WeChat) on working hours near the county's streets, then each case's path through the
loop: most are filed, dispatched, accepted, reported back and verified; some go through
rework, a return and re-dispatch, an extension or a suspension; some are rejected,
merged or voided; a share is still open in every stage, a handful of them overdue. Every
write goes through `case_report` (or `citizen_report`, `call_take`), `case_transition`
and `feedback_give`, with `now=` the moment it happens, and one `deadline_scan` at the
end marks what is late, so the queues, dashboards, overdue board and disclosure portal
all have something to show.

Deterministic: the same seed, county and `now` give the same cases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import LineString

from jingxi.cases.choices import Source, Status
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.effects import handling_limit_for
from jingxi.cases.models import Case
from jingxi.catalog.choices import CategoryKind, CategoryLevel, TimeUnit, Urgency
from jingxi.catalog.models import Category
from jingxi.demo import names
from jingxi.demo.case_plan import (
    CASES_PER_SCALE,
    COMPONENT_WEIGHTS,
    EVENT_WEIGHTS,
    FEEDBACK_COMMENTS,
    FROM_REPORTED,
    GENERIC,
    MAX_CASES,
    MEDIA_NAMES,
    MIN_CASES,
    OTHER_EVENT_WEIGHT,
    OUTCOME_WEIGHTS,
    RATING_WEIGHTS,
    SOURCE_WEIGHTS,
    TEMPLATES,
    TICK,
    TICKS_PER_HOUR,
    WINDOW_DAYS,
    Cast,
    Plan,
)
from jingxi.demo.case_play import plan_play
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.org.services import calendar_get
from jingxi.places.models import RoadChief, Segment
from jingxi.places.responsibility import OutsideJurisdiction, responsibility_index_for
from jingxi.public.citizen.choices import PUBLIC_SOURCES


def demo_cases_count(*, scale: float) -> int:
    """How many cases the demo county gets at `scale`: 400 at 1, never more than 2,000."""
    return max(MIN_CASES, min(MAX_CASES, round(CASES_PER_SCALE * scale)))


def demo_cases_counts(*, jurisdiction: Jurisdiction) -> dict[str, int]:
    """Cases of the jurisdiction by status, in the workflow's order, zeros left out."""
    rows = Counter(
        dict(
            Case.objects.filter(jurisdiction=jurisdiction)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    )
    return {s.value: rows[s.value] for s in Status if rows[s.value]}


def demo_cases_load(
    *,
    jurisdiction: Jurisdiction,
    count: int = CASES_PER_SCALE,
    seed: int = 2026,
    now: dt.datetime | None = None,
) -> int:
    """Create `count` cases with their histories unless the jurisdiction has cases.

    Returns the number of cases created (0 when there were cases already).
    """
    if Case.objects.filter(jurisdiction=jurisdiction).exists() or count <= 0:
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 seeded demo data, not secrets
    cast = _cast(jurisdiction)
    calendar = calendar_get(jurisdiction=jurisdiction)
    ticks = _ticks(calendar.is_working_time, now)
    if not ticks:
        return 0
    day_hours = calendar.working_day_length.total_seconds() / 3600
    categories = _categories(jurisdiction)
    segments = list(
        Segment.objects.filter(road__jurisdiction=jurisdiction)
        .select_related("road")
        .order_by("pk")
        .only("pk", "geometry", "from_street", "to_street", "road__name", "road_id")
    )
    by_road: dict[int, list[Segment]] = {}
    for s in segments:
        by_road.setdefault(s.road_id, []).append(s)
    index = responsibility_index_for(jurisdiction=jurisdiction)

    outcomes = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()), k=count)
    # Small counts still get something late for the overdue board.
    for i, must in enumerate(("overdue_handling", "overdue_handling", "overdue_dispatched")):
        if outcomes.count(must) < 2 - (must == "overdue_dispatched") and i < count:
            outcomes[-(i + 1)] = must

    plans: list[Plan] = []
    cat_list, cat_weights = list(categories), list(categories.values())
    for i, outcome in enumerate(outcomes):
        source = rng.choices(
            [s for s, _ in SOURCE_WEIGHTS], weights=[w for _, w in SOURCE_WEIGHTS]
        )[0]
        if outcome == "self_handled":
            source = Source.INSPECTOR
        elif outcome in FROM_REPORTED and source == Source.INSPECTOR:
            source = rng.choice((Source.CITIZEN_WEB, Source.HOTLINE, Source.ROAD_CHIEF))
        category = rng.choices(cat_list, weights=cat_weights)[0]
        chief, chief_road = None, -1
        if source == Source.ROAD_CHIEF and cast.road_chiefs:
            chief, chief_road = rng.choice(cast.road_chiefs)
        lng, lat, place = _point(rng, index, segments, by_road.get(chief_road))
        templates = TEMPLATES.get(category.name, GENERIC)
        description = rng.choice(templates).format(place=place, name=category.name)
        plan = Plan(i, outcome, source, category, lng, lat, place, description, chief=chief)
        if source in (Source.CITIZEN_WEB, Source.HOTLINE, Source.WECHAT):
            plan.reporter_name = _person(rng) if source != Source.WECHAT else ""
            plan.reporter_phone = _mobile(rng)
        elif source == Source.MEDIA:
            plan.reporter_name = rng.choice(MEDIA_NAMES)
        limit = handling_limit_for(category=category, urgency=Urgency.NORMAL)
        hours = float(limit.amount) * (day_hours if limit.unit == TimeUnit.WORKING_DAYS else 1)
        limit_ticks = max(2, round(hours * TICKS_PER_HOUR))
        direct = source == Source.INSPECTOR and outcome != "self_handled"
        tail = _steps(rng, plan, limit_ticks, direct=direct)
        total = sum(g for g, _ in plan.steps) + tail
        if outcome.startswith(("open_", "overdue_")):
            plan.start = max(0, len(ticks) - 1 - total)
        else:
            plan.start = rng.randint(0, max(0, len(ticks) - 2 - total))
        plan.offsets = [rng.randint(0, 240) for _ in range(len(plan.steps) + 1)]
        if source in PUBLIC_SOURCES and rng.random() < 0.8:
            plan.rating = rng.choices(
                [r for r, _ in RATING_WEIGHTS], [w for _, w in RATING_WEIGHTS]
            )[0]
            plan.comment = rng.choice(FEEDBACK_COMMENTS)
        plans.append(plan)

    plans.sort(key=lambda p: (p.start, p.index))
    created: list[tuple[int, int]] = []  # (case id, category id), oldest first
    for plan in plans:
        with transaction.atomic():
            case_id = plan_play(plan, rng, cast, ticks, now, created)
        created.append((case_id, plan.category.pk))
    deadline_scan(now=now, jurisdiction=jurisdiction)
    return len(created)


# --- preparation -------------------------------------------------------------------


def _ticks(is_working: Callable[[dt.datetime], bool], now: dt.datetime) -> list[dt.datetime]:
    """Every five-minute mark of working time in the window, each ending before `now`."""
    end = now - TICK
    t = (now - dt.timedelta(days=WINDOW_DAYS)).replace(second=0, microsecond=0)
    t -= dt.timedelta(minutes=t.minute % 5)
    out = []
    while t <= end:
        if is_working(t):
            out.append(t)
        t += TICK
    return out


def _cast(j: Jurisdiction) -> Cast:
    def first(role: str, unit_code: str | None = None, preferred: str = "") -> User | None:
        rows = Membership.objects.filter(
            role=role, unit__jurisdiction=j, user__is_active=True
        ).select_related("user")
        if unit_code:
            rows = rows.filter(unit__code=unit_code)
        users = [m.user for m in rows.order_by("user__username")]
        return next((u for u in users if u.username == preferred), users[0] if users else None)

    dispatcher = first(Role.DISPATCHER, preferred="dispatcher")
    operator = first(Role.OPERATOR, preferred="operator") or dispatcher
    inspectors = sorted(
        {
            m.user
            for m in Membership.objects.filter(
                role=Role.INSPECTOR, unit__jurisdiction=j, user__is_active=True
            ).select_related("user")
        },
        key=lambda u: u.username,
    )
    if dispatcher is None or operator is None or not inspectors:
        raise ValueError("演示辖区缺少派遣员或督导员，无法生成案卷")
    handler_of: dict[int, User] = {}
    for m in (
        Membership.objects.filter(
            role=Role.UNIT_HANDLER, unit__jurisdiction=j, user__is_active=True
        )
        .select_related("user")
        .order_by("unit_id", "user__username")
    ):
        handler_of.setdefault(m.unit_id, m.user)
    if not handler_of:
        raise ValueError("演示辖区没有单位经办人，无法生成案卷")
    hw = Unit.objects.filter(jurisdiction=j, code="HW").values_list("pk", flat=True).first()
    fallback = hw if hw in handler_of else min(handler_of)
    chiefs = [
        (rc.user, rc.road_id)
        for rc in RoadChief.objects.filter(road__jurisdiction=j, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ]
    from jingxi.places.models import Township

    township_unit = dict(
        Township.objects.filter(jurisdiction=j, unit__isnull=False).values_list("pk", "unit_id")
    )
    return Cast(
        dispatcher=dispatcher,
        inspectors=inspectors,
        operator=operator,
        leader=first(Role.LEADER, preferred="leader"),
        road_chiefs=chiefs,
        handler_of=handler_of,
        township_unit={k: v for k, v in township_unit.items() if v is not None},
        fallback_unit=fallback,
    )


def _categories(j: Jurisdiction) -> dict[Category, float]:
    rows = (
        Category.objects.filter(
            jurisdiction=j, level=CategoryLevel.MINOR, is_active=True, time_limits__isnull=False
        )
        .distinct()
        .order_by("kind", "code")
    )
    out: dict[Category, float] = {}
    for c in rows:
        if c.kind == CategoryKind.EVENT:
            out[c] = EVENT_WEIGHTS.get(c.name, OTHER_EVENT_WEIGHT)
        elif c.name in COMPONENT_WEIGHTS:
            out[c] = COMPONENT_WEIGHTS[c.name]
    if not out:
        raise ValueError("演示辖区没有设置了时限的类别，无法生成案卷")
    return out


def _point(
    rng: random.Random, index: object, segments: list[Segment], near: list[Segment] | None
) -> tuple[float, float, str]:
    """A point within ~15 m of a random segment (of `near` when given) inside the county."""
    resolve = getattr(index, "resolve")  # noqa: B009  # the ResponsibilityBackend protocol's resolve()
    for attempt in range(50):
        pool = near if near and attempt < 10 else segments
        seg = rng.choice(pool)
        line = LineString(seg.geometry["coordinates"])
        p = line.interpolate(rng.random(), normalized=True)
        lng = p.x + rng.uniform(-1.2e-4, 1.2e-4)
        lat = p.y + rng.uniform(-1.0e-4, 1.0e-4)
        try:
            found = resolve(lng, lat, None)
        except OutsideJurisdiction:
            continue
        if found.segment_id is None:
            continue
        road = seg.road.name
        if seg.from_street and seg.to_street and rng.random() < 0.6:
            place = f"{road}（{seg.from_street}至{seg.to_street}段）"
        elif seg.to_street:
            place = f"{road}与{seg.to_street}交叉口附近"
        else:
            place = f"{road}"
        return round(lng, 7), round(lat, 7), place
    raise ValueError("找不到演示县内的上报位置")


def _person(rng: random.Random) -> str:
    given = "".join(rng.choice(names.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(names.SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return (
        "1"
        + rng.choice(("38", "39", "37", "36", "35", "58", "59", "86", "87", "88"))
        + (f"{rng.randrange(10**8):08d}")
    )


def _steps(rng: random.Random, plan: Plan, limit: int, *, direct: bool) -> int:
    """Fill plan.steps with (gap, step) for its outcome; return the ticks left to now."""
    o = plan.outcome
    s = plan.steps

    def add(step: str, lo: int, hi: int) -> None:
        s.append((rng.randint(lo, max(lo, hi)), step))

    def handle(lo: float = 0.15, hi: float = 0.85) -> int:
        late = rng.random() < 0.07
        f = rng.uniform(1.05, 1.6) if late else rng.uniform(lo, hi)
        return max(2, min(round(limit * f), 5 * 78))

    if o == "self_handled":
        add("self_handle", 2, 12)
        return rng.randint(1, 40)
    if o in ("closed_check", "open_checking"):
        add("request_check", 1, 6)
        if o == "open_checking":
            return rng.randint(1, 30)
        add("check", 6, 30)
    if o == "open_reported":
        return rng.randint(1, 10)
    if o == "rejected":
        add("reject", 1, 9)
        return rng.randint(1, 40)
    if o == "merged":
        add("merge", 1, 9)
        return rng.randint(1, 40)
    if not direct:
        add("file", 1, 9)
    if o == "open_filed":
        return rng.randint(1, 10)
    if o == "voided":
        add("request_void", 2, 20)
        add("approve_void", 1, 6)
        return rng.randint(1, 40)
    if o == "closed_return":
        add("dispatch_wrong", 1, 9)
        add("return", 2, 10)
    add("dispatch", 1, 9)
    if o == "open_dispatched":
        return rng.randint(1, 10)
    if o == "overdue_dispatched":
        return TICKS_PER_HOUR + rng.randint(6, 60)
    add("accept", 1, 9)
    if o == "open_handling":
        return max(1, round(limit * rng.uniform(0.1, 0.7)))
    if o == "overdue_handling":
        return limit + rng.randint(12, 300)
    if o in ("closed_extension", "open_extension_pending"):
        s.append((max(1, round(limit * rng.uniform(0.3, 0.7))), "request_extension"))
        if o == "open_extension_pending":
            return rng.randint(1, 8)
        add("approve_extension", 1, 8)
    if o in ("closed_suspension", "open_suspended"):
        add("request_suspension", 3, 10)
        add("approve_suspension", 1, 6)
        if o == "open_suspended":
            return rng.randint(5, 150)
        add("resume", 30, 200)
    s.append((handle(), "report_back"))
    if o == "open_handled":
        return rng.randint(1, 20)
    if o == "closed_rework":
        add("verify_fail", 2, 20)
        s.append((handle(0.2, 0.7), "report_back"))
    add("verify_pass", 2, 20)
    add("feedback", 1, 60)
    return rng.randint(1, 20)
