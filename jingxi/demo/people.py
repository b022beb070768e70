"""The demo county's organisation: units, staff and their logins, and road chiefs.

Built after the geography (`generator.county_plan` calls `people_build` last), from the
same seeded generator, so the same (scale, seed) gives the same people.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from jingxi.demo.plan import (
    COUNTY_NAME,
    DEPARTMENTS,
    HEAD_TITLES,
    MembershipPlan,
    RoadChiefPlan,
    UnitPlan,
    UserPlan,
)
from jingxi.org.choices import RankingGroup, Role, UnitKind
from jingxi.places.choices import CommunityKind, RoadChiefLevel, TownshipKind

if TYPE_CHECKING:
    from jingxi.demo.generator import Builder

CHIEF_START = dt.date(2026, 1, 1)


def people_build(b: Builder) -> None:
    """Plan the units, users (with memberships) and road chiefs of the county `b` holds."""
    rng = b.rng
    users: dict[str, tuple[str, str, bool, list[MembershipPlan]]] = {}

    def user(username: str, unit: str, role: str, title: str, *, superuser: bool = False) -> str:
        if username not in users:
            users[username] = (b.person(), b.mobile(), superuser, [])
        users[username][3].append(MembershipPlan(unit, role, title))
        return username

    heads: dict[str, str] = {}
    contacts: dict[str, str] = {}

    # The office: every desk role has a memorable login. The three administrators of
    # 三员分立 are three people, and the system administrator is one by role, not a
    # superuser (production refuses superusers).
    user("admin", "JXB", Role.ADMIN, "系统管理员")
    heads["JXB"] = user("head_jxb", "JXB", Role.UNIT_HEAD, "主任")
    contacts["JXB"] = user("dispatcher", "JXB", Role.DISPATCHER, "派遣员")
    user("dispatcher2", "JXB", Role.DISPATCHER, "受理员")
    n_inspectors = max(4, round(6 * b.k))
    for n in range(1, n_inspectors + 1):
        user("inspector" if n == 1 else f"inspector{n}", "JXB", Role.INSPECTOR, "督导员")
    user("operator", "JXB", Role.OPERATOR, "热线话务员")
    user("operator2", "JXB", Role.OPERATOR, "热线话务员")

    # County leaders: read-only leaders and county-level road chiefs.
    titles = ("县委副书记、县长", "常务副县长", "副县长", "县委常委", "县人大常委会副主任",
              "县政协副主席")  # fmt: skip
    b.leaders = []
    for n in range(1, max(3, round(15 * b.k)) + 1):
        username = "leader" if n == 1 else f"leader{n}"
        title = titles[min(n - 1, len(titles) - 1)]
        user(username, "JXB", Role.LEADER, title)
        b.leaders.append(user(username, "JXB", Role.ROAD_CHIEF, "县级路长"))

    for code, *_ in DEPARTMENTS:
        if code == "JXB":
            continue
        lower = code.lower()
        if code == "DSF":
            heads[code] = user("head_dsf", code, Role.UNIT_HEAD, HEAD_TITLES[code])
            contacts[code] = user("assessor", code, Role.ASSESSOR, "考核员")
            for n in (2, 3):
                user(f"assessor{n}", code, Role.ASSESSOR, "考核员")
            continue
        head = "head" if code == "HW" else f"head_{lower}"
        heads[code] = user(head, code, Role.UNIT_HEAD, HEAD_TITLES[code])
        if code == "HW":
            user("handler", code, Role.UNIT_HANDLER, "经办人")
        contacts[code] = user(f"handler_{lower}", code, Role.UNIT_HANDLER, "经办人")

    b.township_chiefs = {}
    for t in b.townships:
        unit, digits = t.unit_code, t.unit_code[1:]
        street = t.kind == TownshipKind.STREET
        head_title = "党工委书记" if street else "党委书记"
        heads[unit] = user(f"head_t{digits}", unit, Role.UNIT_HEAD, head_title)
        user(f"head_t{digits}", unit, Role.ROAD_CHIEF, "乡级路长")
        contacts[unit] = user(f"handler_t{digits}", unit, Role.UNIT_HANDLER, "城管办经办人")
        pool = [f"head_t{digits}"]
        for k in (1, 2):
            username = (
                "roadchief" if (t is b.townships[0] and k == 1) else f"roadchief_t{digits}_{k}"
            )
            pool.insert(
                k - 1, user(username, unit, Role.ROAD_CHIEF, "副主任" if street else "副镇长")
            )
        b.township_chiefs[t.code] = pool

    b.community_chief = {}
    for c in b.communities:
        unit = c.unit_code
        title = "社区党支部书记" if c.kind == CommunityKind.COMMUNITY else "村党支部书记"
        username = f"chief_{unit.lower()}"
        heads[unit] = user(username, unit, Role.UNIT_HEAD, title)
        contacts[unit] = user(username, unit, Role.ROAD_CHIEF, "社区级路长")
        b.community_chief[c.code] = username

    # The other two administrators of 三员分立, last so that everyone above keeps the
    # name and phone the seed gave them before these roles existed.
    user("secadmin", "JXB", Role.SECURITY_ADMIN, "安全管理员")
    user("auditor", "JXB", Role.AUDITOR, "安全审计员")

    b.users = tuple(
        UserPlan(u, full, phone, su, tuple(ms)) for u, (full, phone, su, ms) in users.items()
    )
    full_name = {u.username: u.full_name for u in b.users}

    units: list[UnitPlan] = []
    phone_serial = iter(range(10000))

    def add_unit(
        code: str,
        name: str,
        short: str,
        kind: str,
        group: str,
        parent: str | None,
        address: str,
    ) -> None:
        units.append(
            UnitPlan(
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                ranking_group=group,
                parent_code=parent,
                head_username=heads.get(code),
                contact_name=full_name.get(contacts.get(code, ""), ""),
                contact_phone=f"0371-6210{next(phone_serial) % 10000:04d}",
                address=address,
            )
        )

    def address(landmark: str) -> str:
        return f"{COUNTY_NAME}{b.addresses[landmark][1]}" if landmark in b.addresses else ""

    for code, name, short, kind, group, parent in DEPARTMENTS:
        add_unit(code, name, short, kind, group, parent, address(name))
    for t in b.townships:
        suffix = "办事处" if t.kind == TownshipKind.STREET else "人民政府"
        name = f"{t.name}{suffix}"
        group = RankingGroup.TOWNSHIP
        add_unit(t.unit_code, name, t.name, UnitKind.TOWNSHIP, group, None, address(name))
    township_unit = {t.code: t.unit_code for t in b.townships}
    for c in b.communities:
        suffix = "居民委员会" if c.kind == CommunityKind.COMMUNITY else "村民委员会"
        full = f"{b.township_name[c.township_code]}{c.name}{suffix}"
        parent = township_unit[c.township_code]
        add_unit(c.unit_code, full, c.name, UnitKind.COMMUNITY, RankingGroup.NONE, parent, "")
    b.units = tuple(units)

    # Road chiefs: one per level on every road.
    chiefs: list[RoadChiefPlan] = []
    turn: Counter[str] = Counter()
    for n, road in enumerate(b.roads):
        phone = f"0371-6213{n % 10000:04d}"
        county = b.leaders[n % len(b.leaders)]
        t_code = b.road_township[road.code]
        pool = b.township_chiefs[t_code]
        township = pool[turn[t_code] % len(pool)]
        turn[t_code] += 1
        community = b.community_chief[b.road_community[road.code]]
        chiefs += [
            RoadChiefPlan(road.code, RoadChiefLevel.COUNTY, county,
                          f"统筹{road.name}精细化管理，每月至少巡查两次，协调解决重点难点问题",
                          phone, CHIEF_START),
            RoadChiefPlan(road.code, RoadChiefLevel.TOWNSHIP, township,
                          f"负责{road.name}日常管理，每周至少巡查一次，督促责任单位限期整改",
                          phone, CHIEF_START),
            RoadChiefPlan(road.code, RoadChiefLevel.COMMUNITY, community,
                          f"每日巡查{road.name}，发现问题及时劝导、上报并跟踪整改",
                          phone, CHIEF_START),
        ]  # fmt: skip
    # At small scales the first street may have no road of its own: give its
    # memorable road chief the township post of the road longest inside it.
    if not any(c.username == "roadchief" for c in chiefs):
        first = b.townships[0].code
        code = max(b.roads, key=lambda r: b.road_length_in[r.code].get(first, 0.0)).code
        chiefs = [
            replace(c, username="roadchief")
            if c.road_code == code and c.level == RoadChiefLevel.TOWNSHIP
            else c
            for c in chiefs
        ]
    del rng
    b.road_chiefs = tuple(chiefs)
