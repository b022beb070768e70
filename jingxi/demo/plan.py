"""The demo county's plan: its identity, the plan's types, and the units and component
kinds it shares with the catalog (docs/contracts.md).

Pure data: `generator.county_plan` builds a `CountyPlan`, `loader` writes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jingxi.org.choices import RankingGroup, UnitKind
from jingxi.places.choices import AccuracyClass

REGION_CODE = "410122"
COUNTY_NAME = "中牟县"
OPEN311_ID = "zhongmou.gov.cn"
CENTER_LNG = 113.976
CENTER_LAT = 34.719
DEMO_PASSWORD = "jingxi2026"  # noqa: S105 the demo's published login

Coord = tuple[float, float]


# --- The plan ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TownshipPlan:
    code: str  # 9 digits
    name: str
    kind: str  # TownshipKind
    unit_code: str
    ring: tuple[Coord, ...]


@dataclass(frozen=True, slots=True)
class CommunityPlan:
    code: str  # 12 digits
    name: str
    kind: str  # CommunityKind
    township_code: str
    unit_code: str
    ring: tuple[Coord, ...]


@dataclass(frozen=True, slots=True)
class GridPlan:
    code: str  # 15 digits
    community_code: str
    area_class: str  # AreaClass
    area_m2: float
    ring: tuple[Coord, ...]


@dataclass(frozen=True, slots=True)
class RoadPlan:
    code: str
    name: str
    grade: str  # RoadGrade


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    road_code: str
    seq: int
    from_street: str
    to_street: str
    township_code: str | None
    maintainer_code: str
    number_from: int
    number_to: int
    length_m: float
    line: tuple[Coord, ...]


@dataclass(frozen=True, slots=True)
class ComponentKind:
    """A kind of component and how the demo places it; `names` find its category."""

    key: str
    names: tuple[str, ...]  # category names that fit, best first
    code: str  # the usual 4-digit category code, used when no name matches
    fallback: str | None  # another kind's key to borrow a category from
    accuracy: str  # AccuracyClass
    owner: str  # unit code
    maintainer: str  # unit code
    offset: tuple[float, float]  # metres from the road's centre line
    weight_urban: float
    weight_rural: float
    materials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ComponentPlan:
    kind: str  # ComponentKind.key
    name: str
    grid_code: str | None
    owner_code: str
    maintainer_code: str
    state: str  # ComponentState
    accuracy_class: str  # AccuracyClass
    lng: float
    lat: float
    material: str
    location_note: str
    data_source: str
    recorded_on: dt.date
    changed_on: dt.date


@dataclass(frozen=True, slots=True)
class LandmarkPlan:
    name: str
    aliases: str
    kind: str  # LandmarkKind
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class UnitPlan:
    code: str
    name: str
    short_name: str
    kind: str  # UnitKind
    ranking_group: str  # RankingGroup
    parent_code: str | None
    head_username: str | None
    contact_name: str
    contact_phone: str
    address: str


@dataclass(frozen=True, slots=True)
class MembershipPlan:
    unit_code: str
    role: str  # Role
    title: str


@dataclass(frozen=True, slots=True)
class UserPlan:
    username: str
    full_name: str
    phone: str
    is_superuser: bool
    memberships: tuple[MembershipPlan, ...]


@dataclass(frozen=True, slots=True)
class RoadChiefPlan:
    road_code: str
    level: str  # RoadChiefLevel
    username: str
    duty: str
    supervision_phone: str
    start_date: dt.date


@dataclass(frozen=True, slots=True)
class CountyPlan:
    scale: float
    seed: int
    region_code: str
    name: str
    open311_id: str
    center: Coord
    townships: tuple[TownshipPlan, ...]
    communities: tuple[CommunityPlan, ...]
    grids: tuple[GridPlan, ...]
    roads: tuple[RoadPlan, ...]
    segments: tuple[SegmentPlan, ...]
    components: tuple[ComponentPlan, ...]
    landmarks: tuple[LandmarkPlan, ...]
    units: tuple[UnitPlan, ...]
    users: tuple[UserPlan, ...]
    road_chiefs: tuple[RoadChiefPlan, ...]

    def counts(self) -> dict[str, int]:
        return {
            "townships": len(self.townships),
            "communities": len(self.communities),
            "grids": len(self.grids),
            "roads": len(self.roads),
            "segments": len(self.segments),
            "components": len(self.components),
            "landmarks": len(self.landmarks),
            "units": len(self.units),
            "users": len(self.users),
            "road_chiefs": len(self.road_chiefs),
        }


# --- Units and component kinds the catalog shares (docs/contracts.md) ------------

# (code, name, short name, kind, ranking group, parent code)
DEPARTMENTS: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("JXB", "县城市精细化管理办公室", "县精细办", UnitKind.OFFICE, RankingGroup.NONE, None),
    ("CGJ", "县城市管理局", "县城管局", UnitKind.DEPARTMENT, RankingGroup.CLASS_A, None),
    ("JJ", "县公安局交通警察大队", "交警大队", UnitKind.DEPARTMENT, RankingGroup.CLASS_A, "GAJ"),
    ("GAJ", "县公安局", "公安局", UnitKind.DEPARTMENT, RankingGroup.CLASS_A, None),
    ("JTJ", "县交通运输局", "交通局", UnitKind.DEPARTMENT, RankingGroup.CLASS_A, None),
    ("SCJG", "县市场监督管理局", "市场监管局", UnitKind.DEPARTMENT, RankingGroup.CLASS_A, None),
    ("ZJJ", "县住房和城乡建设局", "住建局", UnitKind.DEPARTMENT, RankingGroup.CLASS_A, None),
    ("SZ", "县市政工程管理中心", "市政中心", UnitKind.DEPARTMENT, RankingGroup.CLASS_B, "CGJ"),
    ("YL", "县园林绿化中心", "园林中心", UnitKind.DEPARTMENT, RankingGroup.CLASS_B, "CGJ"),
    ("HW", "县环境卫生管理中心", "环卫中心", UnitKind.DEPARTMENT, RankingGroup.CLASS_B, "CGJ"),
    ("JYJ", "县教育局", "教育局", UnitKind.DEPARTMENT, RankingGroup.CLASS_B, None),
    ("GJ", "县公共交通公司", "公交公司", UnitKind.CONTRACTOR, RankingGroup.CONTRACTOR, "JTJ"),
    ("HWZY", "县环卫作业公司", "环卫作业公司", UnitKind.CONTRACTOR, RankingGroup.CONTRACTOR, "HW"),
    ("DSF", "第三方考核机构", "第三方", UnitKind.ASSESSOR, RankingGroup.NONE, None),
)
# Titles of each department's head (第一责任人).
HEAD_TITLES = {
    "JXB": "主任",
    "CGJ": "局长",
    "JJ": "大队长",
    "GAJ": "局长",
    "JTJ": "局长",
    "SCJG": "局长",
    "ZJJ": "局长",
    "SZ": "主任",
    "YL": "主任",
    "HW": "主任",
    "JYJ": "局长",
    "GJ": "总经理",
    "HWZY": "总经理",
    "DSF": "项目负责人",
}

_A, _B, _C = AccuracyClass.A, AccuracyClass.B, AccuracyClass.C
_IRON = ("球墨铸铁", "复合材料", "钢纤维混凝土")
# Names and codes follow the standard tree that `catalog_seed` loads (jingxi/catalog/data.py).
COMPONENT_KINDS: tuple[ComponentKind, ...] = (
    ComponentKind("water_cover", ("上水井盖", "给水井盖"), "0101", None, _A, "ZJJ", "SZ",
                  (0, 4), 5, 2, _IRON),
    ComponentKind("sewage_cover", ("污水井盖",), "0102", "water_cover", _A, "ZJJ", "SZ",
                  (0, 4), 6, 2, _IRON),
    ComponentKind("rain_cover", ("雨水井盖",), "0103", "water_cover", _A, "ZJJ", "SZ",
                  (0, 4), 7, 2, _IRON),
    ComponentKind("rain_grate", ("雨水箅子", "雨水篦子"), "0104", "rain_cover", _A, "ZJJ", "SZ",
                  (5, 7), 6, 1, ("球墨铸铁", "复合材料")),
    ComponentKind("power_cover", ("电力井盖",), "0105", "water_cover", _A, "ZJJ", "SZ",
                  (1, 5), 3, 2, _IRON),
    ComponentKind("light_cover", ("路灯井盖",), "0106", "power_cover", _A, "CGJ", "SZ",
                  (6, 9), 2, 1, _IRON),
    ComponentKind("telecom_cover", ("通信井盖", "通讯井盖"), "0107", "water_cover", _A, "ZJJ",
                  "SZ", (1, 5), 4, 1, _IRON),
    ComponentKind("gas_cover", ("燃气井盖",), "0108", "water_cover", _A, "ZJJ", "SZ",
                  (1, 5), 2, 0.5, _IRON),
    ComponentKind("heat_cover", ("热力井盖",), "0109", "water_cover", _A, "ZJJ", "SZ",
                  (1, 5), 1, 0, _IRON),
    ComponentKind("hydrant", ("消火栓", "消防栓"), "0111", None, _B, "GAJ", "GAJ",
                  (5, 8), 1.5, 0.3, ("铸铁",)),
    ComponentKind("street_light", ("路灯",), "0112", None, _A, "CGJ", "SZ",
                  (6, 10), 22, 12, ("钢制灯杆LED", "钢制灯杆高压钠灯", "太阳能路灯")),
    ComponentKind("transformer", ("变压器箱", "配电箱", "变压器"), "0114", None, _B, "ZJJ",
                  "SZ", (6, 9), 0.6, 0.6, ("钢板",)),
    ComponentKind("kiosk", ("报刊亭", "书报亭"), "0115", None, _B, "CGJ", "CGJ",
                  (6, 9), 0.3, 0, ("钢结构",)),
    ComponentKind("camera", ("监控电子眼", "监控", "电子眼"), "0116", None, _B,
                  "GAJ", "GAJ", (6, 10), 1, 0.3, ("钢制立杆",)),
    ComponentKind("footbridge", ("过街天桥", "人行天桥"), "0201", None, _C, "JTJ", "SZ",
                  (0, 2), 0.03, 0, ("钢结构",)),
    ComponentKind("road_sign", ("路名牌",), "0203", None, _B, "CGJ", "SZ",
                  (6, 9), 2, 1.5, ("铝合金反光膜",)),
    ComponentKind("guard_rail", ("交通护栏", "道路护栏", "护栏"), "0204", None, _B, "JJ", "JJ",
                  (0, 3), 2, 3, ("镀锌钢",)),
    ComponentKind("traffic_sign", ("交通标志牌", "交通标志"), "0205", "road_sign", _B, "JJ",
                  "JJ", (5, 8), 2, 2, ("铝合金反光膜",)),
    ComponentKind("signal", ("交通信号灯", "信号灯"), "0206", None, _B, "JJ", "JJ",
                  (5, 8), 0.8, 0.1, ("钢制立杆",)),
    ComponentKind("bus_shelter", ("公交站亭", "公交候车亭", "公交站牌"), "0207", None, _B,
                  "JTJ", "GJ", (6, 9), 1.2, 0.4, ("不锈钢", "钢化玻璃")),
    ComponentKind("parking_lot", ("停车场",), "0209", None, _C, "JJ", "CGJ",
                  (15, 30), 0.15, 0.02, ("沥青",)),
    ComponentKind("bike_parking", ("非机动车停放点", "自行车停放点"), "0211", "parking_lot", _B,
                  "JJ", "CGJ", (5, 8), 0.6, 0, ("划线",)),
    ComponentKind("bollard", ("隔离墩", "阻车桩"), "0212", "guard_rail", _B, "JJ", "JJ",
                  (0, 3), 0.8, 0.2, ("石材", "不锈钢")),
    ComponentKind("toilet", ("公共厕所", "公厕"), "0301", None, _B, "HW", "HWZY",
                  (10, 20), 0.25, 0.1, ("砖混",)),
    ComponentKind("transfer_station", ("垃圾中转站", "垃圾转运站"), "0302", "toilet", _C, "HW",
                  "HWZY", (15, 30), 0.05, 0.05, ("钢结构",)),
    ComponentKind("bin", ("垃圾箱", "果皮箱", "垃圾桶"), "0303", None, _B, "HW", "HWZY",
                  (4, 7), 7, 3, ("不锈钢", "塑料", "镀锌板")),
    ComponentKind("billboard", ("广告牌匾", "户外广告", "广告牌"), "0304", None, _B, "CGJ",
                  "CGJ", (8, 14), 1.5, 0.2, ("钢结构喷绘", "LED显示屏")),
    ComponentKind("street_tree", ("行道树",), "0403", None, _B, "YL", "YL",
                  (4, 8), 22, 20, ("法桐", "国槐", "女贞", "白蜡", "栾树", "银杏")),
    ComponentKind("flower_box", ("花箱", "花钵", "花坛"), "0404", "street_tree", _B, "YL", "YL",
                  (3, 6), 1.5, 0, ("木质", "不锈钢")),
    ComponentKind("green_rail", ("绿地护栏",), "0405", "guard_rail", _B, "YL", "YL",
                  (6, 10), 1, 0.3, ("铁艺",)),
    ComponentKind("bench", ("座椅", "休闲座椅"), "0407", "flower_box", _B, "YL", "YL",
                  (6, 10), 0.8, 0, ("木质", "石材")),
    ComponentKind("notice_board", ("宣传栏", "公告栏"), "0501", None, _B, "CGJ", "CGJ",
                  (6, 10), 0.5, 0.5, ("不锈钢",)),
)  # fmt: skip
COMPONENT_KIND_BY_KEY = {k.key: k for k in COMPONENT_KINDS}
