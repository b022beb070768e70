"""What the demo's cases are planned from: the mix and the texts, and the plan's types.

The weights of sources, categories and outcomes, the descriptions and notes the demo's
cases are written with, and the plan (`Plan`) and cast (`Cast`) that `cases` prepares
and `case_play` plays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingxi.cases.choices import Source
from jingxi.catalog.models import Category
from jingxi.org.models import User
from jingxi.public.citizen.choices import Rating

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


@dataclass
class Cast:
    dispatcher: User
    inspectors: list[User]
    operator: User
    leader: User | None
    road_chiefs: list[tuple[User, int]]  # (user, road id)
    handler_of: dict[int, User]
    township_unit: dict[int, int]  # township id -> its unit id
    fallback_unit: int


@dataclass
class Plan:
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
