"""The fixed cast and a small world every test can stand on.

The world is a corner of 中牟县 (410122): two streets (townships) side by side,
each split into two communities of two grids; 青年路 runs east-west across both
and 建设路 north-south along their border. Coordinates are WGS84.

    lat 34.72 +-----------+-----------+
              | A-north   | B-north   |
    lat 34.71 +===青年路===+===========+   (建设路 runs north-south at lng 113.97)
              | A-south   | B-south   |
    lat 34.70 +-----------+-----------+
           113.95      113.97      113.99

The cast: a dispatcher and an assessor-less office; an inspector; a road chief;
handlers of two units (环卫中心, 交警大队) and the head of the first; an assessor;
a leader; an operator; a citizen (a user with no staff role); an outsider from
another jurisdiction.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from jingxi.catalog.choices import CategoryKind, CategoryLevel, Responsibility, TimeUnit
from jingxi.catalog.models import Category, TimeLimit
from jingxi.org.choices import RankingGroup, Role, UnitKind
from jingxi.org.models import Jurisdiction, Membership, Unit, User
from jingxi.org.tests.factories import DEFAULT_PASSWORD, JurisdictionFactory, UserFactory
from jingxi.places.choices import RoadChiefLevel, RoadGrade, TownshipKind
from jingxi.places.models import (
    Community,
    Grid,
    Landmark,
    Road,
    RoadChief,
    Segment,
    Township,
)

# Property tests: no time limit per example (the machine may be busy); in CI the same
# examples every run, so a red build always reproduces.
hypothesis_settings.register_profile(
    "jingxi", deadline=None, derandomize=bool(os.environ.get("CI")), database=None
)
hypothesis_settings.load_profile("jingxi")

# Browser tests run Chromium from a thread with a live server; Django's async
# safety check would refuse the ORM calls the fixtures make around them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


@dataclass
class World:
    jurisdiction: Jurisdiction
    office: Unit
    sanitation: Unit
    traffic: Unit
    township_unit_a: Unit
    township_unit_b: Unit
    assessor_unit: Unit
    township_a: Township
    township_b: Township
    communities: dict[str, Community]
    grids: dict[str, Grid]
    qingnian: Road
    jianshe: Road
    segments: dict[str, Segment]
    exposed_garbage: Category
    illegal_parking: Category
    manhole_cover: Category


@dataclass
class Cast:
    dispatcher: User
    inspector: User
    road_chief: User
    handler_a: User
    handler_b: User
    unit_head_a: User
    assessor: User
    leader: User
    operator: User
    citizen: User
    outsider: User

    password: str = DEFAULT_PASSWORD


def _unit(j: Jurisdiction, code: str, name: str, kind: str, group: str) -> Unit:
    return Unit.objects.create(jurisdiction=j, code=code, name=name, kind=kind, ranking_group=group)


@pytest.fixture
def world(db: None) -> World:
    j = JurisdictionFactory()
    office = _unit(j, "JXB", "县精细办", UnitKind.OFFICE, RankingGroup.NONE)
    sanitation = _unit(j, "HW", "县环卫中心", UnitKind.DEPARTMENT, RankingGroup.CLASS_B)
    traffic = _unit(j, "JJ", "县交警大队", UnitKind.DEPARTMENT, RankingGroup.CLASS_A)
    tu_a = _unit(j, "T001", "青年路街道办事处", UnitKind.TOWNSHIP, RankingGroup.TOWNSHIP)
    tu_b = _unit(j, "T002", "东风路街道办事处", UnitKind.TOWNSHIP, RankingGroup.TOWNSHIP)
    assessor_unit = _unit(j, "DSF", "第三方考核公司", UnitKind.ASSESSOR, RankingGroup.NONE)

    ta = Township.objects.create(
        jurisdiction=j,
        code="410122001",
        name="青年路街道",
        kind=TownshipKind.STREET,
        unit=tu_a,
        geometry=box(113.95, 34.70, 113.97, 34.72),
    )
    tb = Township.objects.create(
        jurisdiction=j,
        code="410122002",
        name="东风路街道",
        kind=TownshipKind.STREET,
        unit=tu_b,
        geometry=box(113.97, 34.70, 113.99, 34.72),
    )
    communities: dict[str, Community] = {}
    grids: dict[str, Grid] = {}
    for t, west in ((ta, 113.95), (tb, 113.97)):
        for i, (south, label) in enumerate(((34.71, "north"), (34.70, "south")), start=1):
            key = f"{'A' if t is ta else 'B'}-{label}"
            c = Community.objects.create(
                township=t,
                code=f"{t.code}{i:03d}",
                name=f"{t.name}{'北' if label == 'north' else '南'}社区",
                geometry=box(west, south, west + 0.02, south + 0.01),
            )
            communities[key] = c
            for k in (1, 2):
                w = west + (k - 1) * 0.01
                grids[f"{key}-{k}"] = Grid.objects.create(
                    community=c,
                    code=f"{c.code}{k:03d}",
                    geometry=box(w, south, w + 0.01, south + 0.01),
                    area_m2=1_000_000.0,
                )

    qingnian = Road.objects.create(
        jurisdiction=j, code="R001", name="青年路", grade=RoadGrade.ARTERIAL
    )
    jianshe = Road.objects.create(
        jurisdiction=j, code="R002", name="建设路", grade=RoadGrade.SECONDARY
    )
    segments = {
        "qingnian-west": Segment.objects.create(
            road=qingnian,
            seq=1,
            from_street="文化路",
            to_street="建设路",
            township=ta,
            maintainer=tu_a,
            number_from=1,
            number_to=199,
            length_m=1830.0,
            geometry=line((113.95, 34.71), (113.97, 34.71)),
        ),
        "qingnian-east": Segment.objects.create(
            road=qingnian,
            seq=2,
            from_street="建设路",
            to_street="东风路",
            township=tb,
            maintainer=tu_b,
            number_from=201,
            number_to=399,
            length_m=1830.0,
            geometry=line((113.97, 34.71), (113.99, 34.71)),
        ),
        "jianshe-south": Segment.objects.create(
            road=jianshe,
            seq=1,
            from_street="南环路",
            to_street="青年路",
            township=ta,
            maintainer=tu_a,
            number_from=1,
            number_to=99,
            length_m=1110.0,
            geometry=line((113.97, 34.70), (113.97, 34.71)),
        ),
        "jianshe-north": Segment.objects.create(
            road=jianshe,
            seq=2,
            from_street="青年路",
            to_street="北环路",
            township=tb,
            maintainer=tu_b,
            number_from=101,
            number_to=199,
            length_m=1110.0,
            geometry=line((113.97, 34.71), (113.97, 34.72)),
        ),
    }
    Landmark.objects.create(jurisdiction=j, name="县第一实验小学", lng=113.96, lat=34.715)

    def category(kind: str, major: str, major_name: str, code: str, name: str) -> Category:
        parent, _ = Category.objects.get_or_create(
            jurisdiction=j,
            kind=kind,
            code=major,
            defaults={"level": CategoryLevel.MAJOR, "name": major_name},
        )
        return Category.objects.create(
            jurisdiction=j,
            kind=kind,
            level=CategoryLevel.MINOR,
            parent=parent,
            code=code,
            name=name,
            filing_condition="发现即立案",
            closing_condition="处置完毕",
        )

    garbage = category(CategoryKind.EVENT, "01", "市容环境", "0102", "暴露垃圾")
    garbage.responsibility = Responsibility.UNIT
    garbage.default_unit = sanitation
    garbage.save()
    TimeLimit.objects.create(category=garbage, amount=4, unit=TimeUnit.WORKING_HOURS)
    parking = category(CategoryKind.EVENT, "05", "街面秩序", "0503", "机动车乱停放")
    parking.responsibility = Responsibility.UNIT
    parking.default_unit = traffic
    parking.save()
    TimeLimit.objects.create(category=parking, amount=2, unit=TimeUnit.WORKING_HOURS)
    manhole = category(CategoryKind.COMPONENT, "01", "公用设施", "0101", "上水井盖")
    manhole.responsibility = Responsibility.COMPONENT_MAINTAINER
    manhole.save()
    TimeLimit.objects.create(category=manhole, amount=2, unit=TimeUnit.WORKING_DAYS)

    return World(
        jurisdiction=j,
        office=office,
        sanitation=sanitation,
        traffic=traffic,
        township_unit_a=tu_a,
        township_unit_b=tu_b,
        assessor_unit=assessor_unit,
        township_a=ta,
        township_b=tb,
        communities=communities,
        grids=grids,
        qingnian=qingnian,
        jianshe=jianshe,
        segments=segments,
        exposed_garbage=garbage,
        illegal_parking=parking,
        manhole_cover=manhole,
    )


def _staff(username: str, name: str, unit: Unit, role: str) -> User:
    user = UserFactory(username=username, full_name=name, jurisdiction=unit.jurisdiction)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def cast(world: World) -> Cast:
    road_chief = _staff("roadchief", "路长老王", world.township_unit_a, Role.ROAD_CHIEF)
    RoadChief.objects.create(
        road=world.qingnian,
        user=road_chief,
        level=RoadChiefLevel.TOWNSHIP,
        duty="负责青年路日常巡查",
        supervision_phone="0371-62100000",
        start_date=dt.date(2026, 1, 1),
    )
    unit_head_a = _staff("head_a", "环卫主任", world.sanitation, Role.UNIT_HEAD)
    world.sanitation.head = unit_head_a
    world.sanitation.save()
    other = JurisdictionFactory(code="410102", name="中原区")
    return Cast(
        dispatcher=_staff("dispatcher", "派遣员小李", world.office, Role.DISPATCHER),
        inspector=_staff("inspector", "督导员小张", world.office, Role.INSPECTOR),
        road_chief=road_chief,
        handler_a=_staff("handler_a", "环卫经办人", world.sanitation, Role.UNIT_HANDLER),
        handler_b=_staff("handler_b", "交警经办人", world.traffic, Role.UNIT_HANDLER),
        unit_head_a=unit_head_a,
        assessor=_staff("assessor", "考核员小赵", world.assessor_unit, Role.ASSESSOR),
        leader=_staff("leader", "县领导", world.office, Role.LEADER),
        operator=_staff("operator", "话务员小周", world.office, Role.OPERATOR),
        citizen=UserFactory(username="citizen", full_name="市民甲", jurisdiction=None),
        outsider=UserFactory(username="outsider", full_name="外区人员", jurisdiction=other),
    )


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Per-process indexes are keyed by row ids and versions, which tests reuse."""
    from django.core.cache import cache

    from jingxi.org.services import calendar_cache_clear
    from jingxi.places.responsibility import geo_cache_clear

    calendar_cache_clear()
    geo_cache_clear()
    cache.clear()  # Django's: rate-limit counters and the public figures


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language: a request in English (Accept-Language,
    ?lang=) leaves English active in the thread, and a later test that reads a message
    outside a request would otherwise see it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 is slow on purpose; tests hash many passwords and need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _audit_trail_flushable() -> Any:
    """Flushes after transactional tests delete every row, the audit trail's too; on
    SQLite its DELETE trigger asks `jingxi_audit_purging()`, which tests answer yes
    (`jingxi/audit/tests/test_chain.py` puts the real answer back where it tests it).
    PostgreSQL's flushes TRUNCATE, which fires no row trigger."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    from jingxi.audit.gate import SQLITE_FUNCTION

    def allow(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "sqlite":
            connection.connection.create_function(SQLITE_FUNCTION, 0, lambda: 1)

    connection_created.connect(allow, dispatch_uid="tests.audit-flushable")
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            allow(None, conn)
    yield
    connection_created.disconnect(dispatch_uid="tests.audit-flushable")


@pytest.fixture(autouse=True)
def _huey_immediate(settings: Any) -> Any:
    """Jobs run inline in tests, in memory."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


class _PinnedClock:
    """`time` for the rate limiter's counters: always the middle of one window, so a
    test's hits never straddle two fixed windows (a boundary would reset the count)."""

    @staticmethod
    def time() -> float:
        return 1_800_000_030.0  # 30 s into a minute and into an hour


@pytest.fixture
def rate_windows_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the rate limiter's clock (tests that count hits against a per-minute limit)."""
    monkeypatch.setattr("jingxi.lib.ratelimit.time", _PinnedClock)
