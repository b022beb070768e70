"""The standard tree as data: complete, consistent, and what the seed document asks for."""

from __future__ import annotations

from collections import Counter

from jingxi.catalog.choices import CategoryKind, Responsibility, Urgency
from jingxi.catalog.data import MAJORS, MINORS, SEED_DOCUMENT_NAMES
from jingxi.catalog.limits import limits_parse

# The unit codes of docs/contracts.md.
CONTRACT_UNITS = {
    "JXB", "CGJ", "JJ", "GAJ", "JTJ", "SCJG", "ZJJ", "SZ", "YL", "HW", "JYJ", "GJ", "HWZY", "DSF",
}  # fmt: skip


def test_majors_follow_the_national_top_level() -> None:
    components = {m.code: m.name for m in MAJORS if m.kind == CategoryKind.COMPONENT}
    events = {m.code: m.name for m in MAJORS if m.kind == CategoryKind.EVENT}
    assert components == {
        "01": "公用设施",
        "02": "道路交通",
        "03": "市容环境",
        "04": "园林绿化",
        "05": "房屋土地",
        "06": "其他设施",
        "07": "扩展部件",
    }
    assert events == {
        "01": "市容环境",
        "02": "宣传广告",
        "03": "施工管理",
        "04": "突发事件",
        "05": "街面秩序",
        "06": "扩展事件",
    }


def test_there_are_at_least_eighty_minors_with_unique_codes_under_known_majors() -> None:
    assert len(MINORS) >= 80
    keys = Counter((m.kind, m.code) for m in MINORS)
    assert max(keys.values()) == 1
    majors = {(m.kind, m.code) for m in MAJORS}
    for minor in MINORS:
        assert len(minor.code) == 4 and minor.code.isdigit()
        assert (minor.kind, minor.code[:2]) in majors, minor
    # Every major has at least one minor.
    assert majors == {(m.kind, m.code[:2]) for m in MINORS}


def test_every_minor_has_standards_limits_and_a_rule() -> None:
    for minor in MINORS:
        assert minor.filing and minor.closing, minor.name
        assert len(minor.name) <= 64 and len(minor.keywords) <= 255, minor.name
        assert minor.governance and minor.focus, minor.name
        specs = limits_parse(minor.limits)
        assert any(s.urgency == Urgency.NORMAL and not s.condition for s in specs), minor.name
        assert minor.unit == "" or minor.unit in CONTRACT_UNITS, minor.unit
        if minor.responsibility == Responsibility.UNIT:
            assert minor.unit, minor.name


def test_practice_time_limits_are_carried() -> None:
    by_name = {m.name: limits_parse(m.limits) for m in MINORS}

    def limit(name: str, condition: str = "") -> str:
        (spec,) = [
            s for s in by_name[name] if s.condition == condition and s.urgency == Urgency.NORMAL
        ]
        return f"{spec.amount:f} {spec.unit}"

    assert limit("私搭乱建", "停止施工") == "4 working_hours"
    assert limit("私搭乱建", "罚款") == "7 working_days"
    assert limit("私搭乱建", "拆除") == "20 working_days"
    assert limit("暴露垃圾") == "4 working_hours"
    assert limit("道路不洁") == "2 working_hours"
    assert limit("道路不洁", "积水") == "4 working_hours"
    assert limit("积存垃圾渣土") == "2 working_days"
    assert limit("绿地脏乱") == "4 working_hours"
    assert limit("绿地养护不到位") == "5 working_days"
    assert limit("水域不洁") == "15 working_days"


def test_every_name_in_the_seed_document_maps_to_a_category() -> None:
    minors = {(m.kind, m.code): m for m in MINORS}
    for phrase, key in SEED_DOCUMENT_NAMES.items():
        minor = minors[key]
        assert phrase in minor.name or phrase in minor.keywords, (phrase, minor.name)


def test_default_units_follow_the_contract() -> None:
    unit = {m.name: (m.responsibility, m.unit) for m in MINORS}
    assert unit["暴露垃圾"] == (Responsibility.UNIT, "HW")
    assert unit["店外经营"] == (Responsibility.UNIT, "CGJ")
    assert unit["机动车乱停放"] == (Responsibility.UNIT, "JJ")
    assert unit["上水井盖"] == (Responsibility.COMPONENT_MAINTAINER, "SZ")
    assert unit["绿地"] == (Responsibility.UNIT, "YL")
    assert unit["工地扬尘"] == (Responsibility.UNIT, "ZJJ")
    assert unit["无照游商"] == (Responsibility.UNIT, "CGJ")
    assert unit["公交站亭"] == (Responsibility.UNIT, "GJ")
    assert unit["学校周边秩序"] == (Responsibility.UNIT, "JYJ")
    assert unit["非法小广告"] == (Responsibility.TOWNSHIP, "")
