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
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import LineString

from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.deadlines import deadline_scan
from jingxi.cases.effects import handling_limit_for
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.cases.workflow import CLOSED, OPEN
from jingxi.catalog.choices import CategoryKind, CategoryLevel, TimeUnit, Urgency
from jingxi.catalog.models import Category
from jingxi.demo import names
from jingxi.hotline.services import call_take
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.org.services import calendar_get
from jingxi.places.models import RoadChief, Segment
from jingxi.places.responsibility import OutsideJurisdiction, responsibility_index_for
from jingxi.public.citizen.choices import PUBLIC_SOURCES, Rating
from jingxi.public.citizen.services import citizen_report, feedback_give

CASES_PER_SCALE = 400
MIN_CASES = 20
MAX_CASES = 2000
WINDOW_DAYS = 60
TICK = dt.timedelta(minutes=5)  # the time grid: one tick is five working minutes
TICKS_PER_HOUR = 12

SOURCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    (Source.INSPECTOR, 45),
    (Source.CITIZEN_WEB, 20),
    (Source.HOTLINE, 15),
    (Source.ROAD_CHIEF, 10),
    (Source.WECHAT, 4),
    (Source.MEDIA, 3),
    (Source.LEADER, 3),
)

# The common events (DOMAIN.md: about 85% of cases are events, mostly these).
EVENT_WEIGHTS: dict[str, float] = {
    "暴露垃圾": 14,
    "道路不洁": 11,
    "店外经营": 9,
    "机动车乱停放": 9,
    "非机动车乱停放": 8,
    "占道经营": 7,
    "非法小广告": 6,
    "积存垃圾渣土": 4,
    "绿地脏乱": 3,
    "施工占道": 2,
}
OTHER_EVENT_WEIGHT = 0.4
COMPONENT_WEIGHTS: dict[str, float] = {
    "雨水箅子": 2,
    "污水井盖": 2,
    "路灯": 2,
    "垃圾箱（果皮箱）": 2,
    "人行道": 1.5,
    "行道树": 1.5,
    "交通护栏": 1,
    "路名牌": 0.5,
}

# outcome -> weight. "open_*" stay open; "overdue_*" stay open past their deadline.
OUTCOME_WEIGHTS: dict[str, float] = {
    "closed": 52,
    "closed_rework": 6,
    "closed_return": 4,
    "closed_extension": 4,
    "closed_suspension": 1,
    "closed_check": 2,
    "self_handled": 2,
    "rejected": 3,
    "merged": 2,
    "voided": 1,
    "open_reported": 3,
    "open_checking": 1,
    "open_filed": 3,
    "open_dispatched": 3,
    "open_handling": 6,
    "open_extension_pending": 1,
    "open_suspended": 1,
    "open_handled": 4,
    "overdue_handling": 2.5,
    "overdue_dispatched": 1,
}
# Outcomes that need the case to start as a report waiting for the dispatcher.
FROM_REPORTED = frozenset({"closed_check", "rejected", "merged", "open_reported", "open_checking"})
RATING_WEIGHTS = ((Rating.SATISFIED, 80), (Rating.BASICALLY_SATISFIED, 15), (Rating.UNSATISFIED, 5))

TEMPLATES: dict[str, tuple[str, ...]] = {
    "暴露垃圾": (
        "{place}路边有一堆生活垃圾无人清理，已有异味",
        "{place}绿化带旁堆放垃圾袋，约1立方米",
        "{place}有人乱倒装修垃圾和生活垃圾",
    ),
    "道路不洁": (
        "{place}路面有大量纸屑烟头，未及时清扫",
        "{place}路面泥土污染严重，车辆带泥上路",
        "{place}人行道有油污，行人易滑倒",
    ),
    "店外经营": (
        "{place}商户在门店外摆放货架经营，占用人行道",
        "{place}餐馆在店外摆桌经营，影响通行",
        "{place}维修店在门外修车，占道作业",
    ),
    "机动车乱停放": (
        "{place}机动车停放在人行道上，堵塞行人通行",
        "{place}多辆小轿车违停占用消防通道",
        "{place}路口有车辆乱停，影响交通",
    ),
    "非机动车乱停放": (
        "{place}共享单车大量堆积，占用盲道",
        "{place}电动车乱停乱放，挡住店铺出入口",
        "{place}非机动车停放杂乱，阻碍行人通行",
    ),
    "占道经营": (
        "{place}流动摊贩占道卖水果",
        "{place}早市摊点占用车行道，散市后未清理",
        "{place}路边有烧烤摊占道经营",
    ),
    "非法小广告": (
        "{place}电线杆上贴满办证小广告",
        "{place}墙面被喷涂联系电话小广告",
        "{place}公交站亭张贴大量小广告",
    ),
    "积存垃圾渣土": (
        "{place}空地积存建筑渣土，长期未清运",
        "{place}角落积存垃圾已有多日",
    ),
    "绿地脏乱": (
        "{place}绿地内有塑料袋、饮料瓶等杂物",
        "{place}绿化带内垃圾较多，影响环境",
    ),
    "施工占道": (
        "{place}施工材料堆放在路面上，未设警示",
        "{place}施工围挡超出许可范围，占用车道",
    ),
    "雨水箅子": ("{place}雨水箅子破损，有安全隐患", "{place}雨水箅子缺失，路面出现空洞"),
    "污水井盖": ("{place}污水井盖松动，车辆经过有响声", "{place}污水井盖破裂"),
    "路灯": ("{place}路灯夜间不亮，已有数日", "{place}路灯灯杆倾斜"),
    "垃圾箱（果皮箱）": ("{place}果皮箱破损，垃圾外溢", "{place}垃圾箱缺失盖子"),
    "人行道": ("{place}人行道板松动翘起", "{place}人行道地砖破损缺失"),
    "行道树": ("{place}行道树枝条下垂，遮挡交通标志", "{place}行道树倾斜，存在倒伏隐患"),
    "交通护栏": ("{place}交通护栏被撞歪倒", "{place}护栏缺失一段"),
    "路名牌": ("{place}路名牌褪色看不清", "{place}路名牌歪斜"),
}
GENERIC = ("{place}发现{name}问题，请尽快处理", "{place}有{name}情况，影响市容")
REJECT_NOTES = ("现场核实无此问题", "不属于城市管理范围", "信息不全，无法定位")
RETURN_NOTES = ("该问题不属于本单位职责，请改派", "位置不在本单位管辖范围")
REWORK_NOTES = ("现场仍有残留，请返工", "处置不彻底，请重新处理")
EXTENSION_NOTES = ("需协调相关单位共同处置，申请延期", "需采购配件，申请延期")
SUSPENSION_NOTES = ("涉及产权纠纷，暂时无法处置", "需纳入改造计划统一处置")
VOID_NOTES = ("现场核查为误报",)
FEEDBACK_COMMENTS = ("处理很及时，谢谢", "已经清理干净了", "", "", "", "希望以后多巡查")
MEDIA_NAMES = ("郑州日报", "大河报", "中牟广播电视台", "河南广播电视台")


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


@dataclass
class _Cast:
    dispatcher: User
    inspectors: list[User]
    operator: User
    leader: User | None
    road_chiefs: list[tuple[User, int]]  # (user, road id)
    handler_of: dict[int, User]
    township_unit: dict[int, int]  # township id -> its unit id
    fallback_unit: int


@dataclass
class _Plan:
    index: int
    outcome: str
    source: str
    category: Category
    lng: float
    lat: float
    place: str
    description: str
    reporter_name: str = ""
    reporter_phone: str = ""
    chief: User | None = None
    steps: list[tuple[int, str]] = field(default_factory=list)  # (gap in ticks, step)
    start: int = 0
    offsets: list[int] = field(default_factory=list)
    rating: str = ""
    comment: str = ""


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

    plans: list[_Plan] = []
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
        plan = _Plan(i, outcome, source, category, lng, lat, place, description, chief=chief)
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
            case_id = _play(plan, rng, cast, ticks, now, created)
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


def _cast(j: Jurisdiction) -> _Cast:
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
    return _Cast(
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


def _steps(rng: random.Random, plan: _Plan, limit: int, *, direct: bool) -> int:
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


# --- playing a plan ------------------------------------------------------------------


def _play(
    plan: _Plan,
    rng: random.Random,
    cast: _Cast,
    ticks: list[dt.datetime],
    now: dt.datetime,
    created: list[tuple[int, int]],
) -> int:
    """Report the case and take its steps, each at its moment. Returns the case id."""
    last = len(ticks) - 1

    def at(n: int) -> dt.datetime:
        t = ticks[min(position[n], last)] + dt.timedelta(seconds=plan.offsets[n])
        return min(t, now - dt.timedelta(seconds=1))

    position = [plan.start]
    for gap, _step in plan.steps:
        position.append(position[-1] + gap)
    reported_at = at(0)
    inspector = cast.inspectors[plan.index % len(cast.inspectors)]
    case = _report(plan, cast, inspector, reported_at)
    unit_id = case.proposed_unit_id
    if unit_id not in cast.handler_of:
        unit_id = cast.township_unit.get(case.township_id or -1)
        if unit_id not in cast.handler_of:
            unit_id = cast.fallback_unit
    assert unit_id is not None
    units = Unit.objects.in_bulk([unit_id, *cast.handler_of])
    d = cast.dispatcher
    returner: User | None = None

    def go(action: str, actor: User, when: dt.datetime, **kw: object) -> None:
        case_transition(case_id=case.pk, action=action, actor=actor, now=when, **kw)  # type: ignore[arg-type]

    for n, (_gap, step) in enumerate(plan.steps, start=1):
        if position[n] > last:
            break  # past the window's end: it stays where it is
        when = at(n)
        handler = cast.handler_of[unit_id]
        if step == "file":
            go(Action.FILE, d, when)
        elif step == "request_check":
            go(Action.REQUEST_CHECK, d, when)
        elif step == "check":
            go(Action.CHECK, inspector, when, note="现场核实情况属实")
        elif step == "reject":
            go(Action.REJECT, d, when, note=rng.choice(REJECT_NOTES))
        elif step == "merge":
            target = _merge_target(case, plan, created)
            if target is None:
                go(Action.REJECT, d, when, note="重复上报")
            else:
                go(Action.MERGE, d, when, merge_into=target, note="同一问题重复上报")
        elif step == "self_handle":
            go(Action.SELF_HANDLE, inspector, when, note="现场当即处理完毕")
        elif step == "dispatch_wrong":
            others = sorted(u for u in cast.handler_of if u != unit_id)
            wrong = rng.choice(others) if others else unit_id
            go(Action.DISPATCH, d, when, unit=units[wrong])
            returner = cast.handler_of[wrong]  # the wrong unit returns it, next step
        elif step == "return":
            go(Action.RETURN, returner or handler, when, note=rng.choice(RETURN_NOTES))
        elif step == "dispatch":
            go(Action.DISPATCH, d, when, unit=units[unit_id])
        elif step == "accept":
            go(Action.ACCEPT, handler, when)
        elif step == "request_extension":
            hours = rng.choice((4, 8, 16))
            go(
                Action.REQUEST_EXTENSION,
                handler,
                when,
                note=rng.choice(EXTENSION_NOTES),
                extension_hours=hours,
            )
        elif step == "approve_extension":
            go(Action.APPROVE_EXTENSION, d, when)
        elif step == "request_suspension":
            go(Action.REQUEST_SUSPENSION, handler, when, note=rng.choice(SUSPENSION_NOTES))
        elif step == "approve_suspension":
            go(Action.APPROVE_SUSPENSION, d, when)
        elif step == "resume":
            go(Action.RESUME, d, when, note="具备处置条件，恢复处置")
        elif step == "report_back":
            go(Action.REPORT_BACK, handler, when, note="已按要求处置完毕")
        elif step == "verify_fail":
            go(Action.VERIFY_FAIL, inspector, when, note=rng.choice(REWORK_NOTES))
        elif step == "verify_pass":
            go(Action.VERIFY_PASS, inspector, when, note="现场核查已处置到位")
        elif step == "request_void":
            go(Action.REQUEST_VOID, inspector, when, note=rng.choice(VOID_NOTES))
        elif step == "approve_void":
            go(Action.APPROVE_VOID, d, when)
        elif step == "feedback" and plan.rating:
            case.refresh_from_db(fields=["status"])
            feedback_give(
                case=case,
                token=case.tracking_token,
                rating=plan.rating,
                comment=plan.comment,
                now=when,
            )
    return case.pk


def _report(plan: _Plan, cast: _Cast, inspector: User, when: dt.datetime) -> Case:
    common = {
        "category": plan.category,
        "lng": plan.lng,
        "lat": plan.lat,
        "description": plan.description,
    }
    j = cast.dispatcher.jurisdiction
    assert j is not None
    if plan.source == Source.CITIZEN_WEB:
        return citizen_report(
            jurisdiction=j,
            photos=[],
            reporter_name=plan.reporter_name,
            reporter_phone=plan.reporter_phone,
            now=when,
            **common,  # type: ignore[arg-type]
        )
    if plan.source == Source.HOTLINE:
        call = call_take(
            operator=cast.operator,
            caller_phone=plan.reporter_phone,
            caller_name=plan.reporter_name,
            text=plan.description,
            category=plan.category,
            lng=plan.lng,
            lat=plan.lat,
            received_at=when,
            duration_seconds=60 + plan.index % 240,
            now=when,
        )
        assert call.case is not None
        return call.case
    actor: User | None = None
    direct = False
    if plan.source == Source.INSPECTOR:
        actor, direct = inspector, plan.outcome != "self_handled"
    elif plan.source == Source.ROAD_CHIEF:
        actor = plan.chief
    elif plan.source == Source.LEADER:
        actor = cast.leader
    return case_report(
        jurisdiction=j,
        source=plan.source,
        actor=actor,
        reporter_name=plan.reporter_name,
        reporter_phone=plan.reporter_phone,
        file_directly=direct,
        now=when,
        **common,  # type: ignore[arg-type]
    )


def _merge_target(case: Case, plan: _Plan, created: list[tuple[int, int]]) -> Case | None:
    same = [cid for cid, cat in reversed(created) if cat == plan.category.pk][:20]
    ids = same or [cid for cid, _ in reversed(created)][:20]
    alive = {*OPEN, *CLOSED}
    for c in Case.objects.filter(pk__in=ids).order_by("-pk"):
        if c.status in alive and c.pk != case.pk:
            return c
    return None
