"""The compiled English catalogue tells apart what the Chinese tells apart.

Two source strings (in the same context) translated to the same English make two things
look like one: 处置前 and 处置后 both read "Handling" under the before and after photos.
Every such pair must be either fixed or listed below, with the reason the two really are
the same thing (or never stand where one could be taken for the other).
"""

from __future__ import annotations

import gettext
import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "jingxi" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfi]|\{(\w*)\}")

# English -> (the Chinese sources that share it, why that is right).
SAME_ON_PURPOSE: dict[str, tuple[set[str], str]] = {
    "Action": ({"动作", "处理", "操作"}, "one column, what was done, worded per page"),
    "Choose the responsible unit": (
        {"请先选择责任单位。", "请选择责任单位"},
        "the same request in two forms",
    ),
    "Closed": ({"已结案", "结案", "结案数"}, "a closed case, and the count of them as a column"),
    "Coordinates outside WGS84 (longitude ±180, latitude ±90)": (
        {
            "坐标超出 WGS84 经纬度范围（经度±180，纬度±90）",
            "经纬度超出有效范围（经度 ±180，纬度 ±90）",
        },
        "the same check, worded by two importers",
    ),
    "Current stage": ({"当前环节", "环节"}, "the same field, short and long label"),
    "Declined": ({"已不予采纳", "未采纳"}, "a suggestion's one refusal"),
    "Dispatches": ({"派遣数", "派遣次数"}, "the same count"),
    "Filed, awaiting dispatch": ({"已立案待派遣", "已立案，待派遣"}, "the same status"),
    "Grid": ({"单元网格", "所在网格", "网格"}, "the grid a thing lies in"),
    "Handling": ({"处置", "处置中"}, "the handling stage and a case's status in it"),
    "Issued by": ({"签发", "签发人"}, "a document's issuer (the button has its own context)"),
    "Last changed": ({"上次修改", "修改时间"}, "the same timestamp"),
    "Level": ({"层级", "级别"}, "a road chief's or unit's level"),
    "Master data": ({"主数据管理", "基础数据"}, "the same data"),
    "Name": ({"名称", "称呼"}, "a thing's name and a citizen's; never in one form"),
    "Notes": ({"备注", "说明"}, "free-text remarks"),
    "Page not found": ({"没有找到该页面", "页面不存在"}, "the same 404"),
    "Password": ({"密码", "登录密码"}, "the one password"),
    "Published": ({"公开", "已公开", "已发布"}, "shown on the public portal"),
    "Published at": ({"公开时间", "发布时间"}, "when it went public"),
    "Received": ({"受理", "受理数", "已受理"}, "a received report, and their count"),
    "Refiled for handling": ({"已重新立案办理", "重新立案办理"}, "the same outcome"),
    "Report a problem": ({"上报问题", "我要反映"}, "staff's and citizens' wording of one act"),
    "Reported at": ({"上报时间", "反映时间"}, "staff's and citizens' wording"),
    "Reporter": ({"上报人", "反映人"}, "staff's and citizens' wording"),
    "Responsibility rule": ({"派遣规则", "责任单位规则"}, "one model, two labels"),
    "Returns": ({"退单数", "退单次数"}, "the same count"),
    "Reworks": ({"返工数", "返工次数"}, "the same count"),
    "Search": ({"搜索", "查询"}, "the search button"),
    "Searching…": ({"搜索中…", "查找中…", "正在查找…"}, "the same progress note"),
    "Segments": ({"负责路段", "路段数"}, "a road chief's segments and their count"),
    "Signed for": ({"已签收", "签收"}, "the signing column and its yes"),
    "Source": ({"信息来源", "来源"}, "where a report came from"),
    "Submit report": ({"提交上报", "提交反映"}, "staff's and citizens' wording"),
    "Submitted at": ({"提交时间", "提出时间"}, "the same timestamp"),
    "The coordinate system must be wgs84 or gcj02": (
        {"坐标系 crs 只能是 wgs84 或 gcj02", "坐标系只能是 wgs84 或 gcj02"},
        "the same check in the API and a form",
    ),
    "Time limit": ({"处置时限", "时限"}, "a category's handling time limit"),
    "Too many requests; please try again later": (
        {"操作过于频繁，请稍后再试", "请求过于频繁，请稍后再试"},
        "the one rate limit",
    ),
    "Township/street": ({"乡镇/街道", "所属乡镇/街道"}, "the township a thing lies in"),
    "Track progress": ({"查询办理进度", "查询进度"}, "the same page"),
    "Unit": ({"单位", "对应单位"}, "a unit"),
    "Year": ({"年份", "年度"}, "a year filter"),
}


def _entries() -> list[tuple[str, str, str]]:
    """(context, Chinese, English) of every entry; plurals by their singular."""
    with CATALOGUE.open("rb") as fp:
        catalogue = gettext.GNUTranslations(fp)
    entries = []
    # gettext exposes no public listing of a catalogue; _catalog is its table.
    table: dict[str | tuple[str, int], str] = catalogue._catalog  # type: ignore[attr-defined]
    for key, english in table.items():
        if isinstance(key, tuple):
            if key[1] != 0:
                continue
            key = key[0]
        if not key:
            continue  # the header
        context, _, source = str(key).rpartition("\x04")
        entries.append((context, source, str(english)))
    return entries


def test_distinct_chinese_is_distinct_english_unless_listed() -> None:
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for context, source, english in _entries():
        sources[(context, english)].add(source)
    shared = {english: found for (_, english), found in sources.items() if len(found) > 1}
    unexplained = {
        english: sorted(found)
        for english, found in shared.items()
        if english not in SAME_ON_PURPOSE or not found <= SAME_ON_PURPOSE[english][0]
    }
    assert unexplained == {}, "translate these apart, or list them with a reason"
    stale = sorted(english for english in SAME_ON_PURPOSE if english not in shared)
    assert stale == [], "these no longer collide: drop them from SAME_ON_PURPOSE"


def test_translations_keep_their_sources_placeholders() -> None:
    wrong = [
        (source, english)
        for _, source, english in _entries()
        if {m.group(0) for m in PLACEHOLDER.finditer(source)}
        != {m.group(0) for m in PLACEHOLDER.finditer(english)}
    ]
    assert wrong == []
