"""Name material for the demo county: places, roads, people, facilities.

The first entries of each list are the real or seed-named ones (the four streets
and the towns of 中牟县, the county seat's main roads); the generator invents
more from stems when a larger scale asks for them. Nothing here is random.
"""

from __future__ import annotations

from collections.abc import Iterator

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (for 1 ≤ n ≤ 999)."""
    if not 1 <= n <= 999:
        raise ValueError(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += DIGITS[hundreds] + "百"
        if rest and tens == 0:
            return out + "零" + DIGITS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    if ones:
        out += DIGITS[ones]
    return out


STREETS = ("青年路街道", "东风路街道", "广惠街街道", "城东路街道")
TOWNS = (
    "刘集镇",
    "官渡镇",
    "白沙镇",
    "狼城岗镇",
    "万滩镇",
    "韩寺镇",
    "姚家镇",
    "雁鸣湖镇",
    "大孟镇",
    "三官庙镇",
    "九龙镇",
    "张庄镇",
    "黄店镇",
    "郑庵镇",
    "八岗镇",
)
# Stems for invented streets (…路街道) and towns (…镇 / …乡).
STREET_STEMS = (
    "商都",
    "建设",
    "文化",
    "万胜",
    "人民",
    "牟州",
    "滨河",
    "绿博",
    "祥云",
    "清阳",
    "中兴",
    "官渡桥",
    "贾鲁河",
    "学苑",
    "府前",
    "迎宾",
)
TOWN_FIRST = (
    "高李王马孙朱杨陈赵周吴郑冯程曹袁邓许沈吕苏蒋蔡丁魏薛叶余杜戴夏钟汪田任"
    "姜范方石谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙段雷钱汤尹黎常武乔贺"
)
TOWN_SECOND = ("庄", "集", "寨", "店", "庙", "桥", "岗", "楼", "屯", "营", "湾", "堤", "口", "坡")


def street_names() -> Iterator[str]:
    """Street (街道) names: the county seat's four, then invented ones, uniquely."""
    yield from STREETS
    yield from (f"{s}路街道" if len(s) == 2 else f"{s}街道" for s in STREET_STEMS)
    yield from (f"{s}街道" for s in ROAD_STEMS)


def town_names() -> Iterator[str]:
    """Town (镇) names: the county's real ones, then invented ones, uniquely."""
    seen: set[str] = set(TOWNS)
    yield from TOWNS
    for second in TOWN_SECOND:
        for first in TOWN_FIRST:
            name = f"{first}{second}镇"
            if name not in seen:
                seen.add(name)
                yield name


# Communities: 社区 in streets and town seats, 村 elsewhere.
COMMUNITY_STEMS = (
    "府前",
    "文化",
    "青年",
    "东风",
    "广惠",
    "城东",
    "建设",
    "清阳",
    "牟山",
    "学苑",
    "和平",
    "新华",
    "人和",
    "永安",
    "顺河",
    "商贸",
    "育才",
    "博学",
    "政通",
    "迎宾",
    "官渡",
    "万胜",
    "中兴",
    "幸福",
    "康宁",
    "锦绣",
    "嘉禾",
    "春晖",
    "朝阳",
    "星河",
    "明珠",
    "翠竹",
    "丁香",
    "紫荆",
    "桂花",
    "海棠",
    "瑞祥",
    "福源",
    "惠民",
    "安居",
)
VILLAGE_PREFIXES = ("", "东", "西", "南", "北", "前", "后", "大", "小", "上", "下")
VILLAGE_SUFFIXES = (
    "庄",
    "寨",
    "营",
    "屯",
    "岗",
    "店",
    "集",
    "楼",
    "湾",
    "桥",
    "堂",
    "园",
    "洼",
    "坡",
    "口",
)
SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "胡",
    "朱",
    "高",
    "林",
    "何",
    "郭",
    "马",
    "罗",
    "梁",
    "宋",
    "郑",
    "谢",
    "韩",
    "唐",
    "冯",
    "于",
    "董",
    "程",
    "曹",
    "袁",
    "邓",
    "许",
    "傅",
    "沈",
    "曾",
    "彭",
    "吕",
    "苏",
    "卢",
    "蒋",
    "蔡",
    "贾",
    "丁",
    "魏",
    "薛",
    "叶",
    "阎",
    "余",
    "杜",
    "戴",
    "夏",
    "钟",
    "汪",
    "田",
    "任",
    "姜",
    "范",
    "方",
    "石",
    "姚",
    "谭",
    "廖",
    "邹",
    "熊",
    "金",
    "陆",
    "郝",
    "孔",
    "白",
    "崔",
    "康",
    "毛",
    "邱",
    "秦",
    "江",
    "史",
    "顾",
    "侯",
    "邵",
    "孟",
    "段",
    "雷",
    "钱",
    "汤",
    "尹",
    "常",
    "武",
    "乔",
    "贺",
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞志国建新春海"
    "燕波宁辉林峰晓东文斌宇浩凯俊亮晨欣怡佳琳雪梅慧颖思雨嘉博鑫磊振宏源庆利"
)


def community_names() -> Iterator[str]:
    """Urban community stems (…社区), endlessly unique."""
    yield from COMMUNITY_STEMS
    for a in "金银玉翠锦华福瑞祥嘉康安永长泰兴宏鸿丰和":
        for b in "园林苑源泉河湖山城阳苑宁平康丰泰盛昌华":
            if a != b:
                yield a + b
    yield from ROAD_STEMS
    yield from (f"新{s}" for s in COMMUNITY_STEMS + ROAD_STEMS)
    for n in range(1, 1000):
        yield from (f"{s}{chinese_number(n)}" for s in COMMUNITY_STEMS)


def village_names() -> Iterator[str]:
    """Village stems (…村), endlessly unique."""
    for suffix in VILLAGE_SUFFIXES:
        for surname in SURNAMES:
            for prefix in VILLAGE_PREFIXES:
                yield f"{prefix}{surname}{suffix}"


# Roads. Arterials first; then the county seat's old streets; then invented ones.
ARTERIAL_NAMES = (
    "商都大道",
    "郑开大道",
    "牟州大道",
    "官渡大道",
    "绿博大道",
    "中兴大道",
    "万胜大道",
    "雁鸣大道",
    "广惠大道",
    "祥云大道",
    "圃田大道",
    "滨河大道",
)
URBAN_ROAD_NAMES = (
    "青年路",
    "建设路",
    "文化路",
    "东风路",
    "广惠街",
    "万胜路",
    "人民路",
    "解放路",
    "城东路",
    "清阳路",
    "牟山路",
    "学苑路",
    "和平路",
    "新华路",
    "府前街",
    "西大街",
    "东大街",
    "南大街",
    "北大街",
    "顺河街",
    "官渡路",
    "商贸路",
    "育才街",
    "博学路",
    "政通路",
    "人和路",
    "永安街",
    "迎宾路",
    "北环路",
    "南环路",
    "东环路",
    "西环路",
    "寿圣寺街",
    "贾鲁河路",
    "纺织路",
    "工业路",
    "粮食街",
    "健康路",
    "体育路",
    "车站路",
)
ROAD_STEMS = (
    "金水",
    "银杏",
    "紫荆",
    "桂花",
    "牡丹",
    "芙蓉",
    "玉兰",
    "梧桐",
    "杨柳",
    "松柏",
    "丁香",
    "海棠",
    "石榴",
    "樱花",
    "月季",
    "翠竹",
    "荷花",
    "兰亭",
    "凤鸣",
    "龙湖",
    "仁和",
    "福源",
    "瑞祥",
    "吉祥",
    "富民",
    "兴业",
    "创业",
    "科技",
    "学府",
    "育英",
    "明德",
    "崇文",
    "尚德",
    "启智",
    "至善",
    "康宁",
    "安居",
    "乐业",
    "幸福",
    "和谐",
    "团结",
    "友爱",
    "振兴",
    "繁荣",
    "昌盛",
    "丰收",
    "田园",
    "春华",
    "秋实",
    "朝阳",
    "晨光",
    "星河",
    "明月",
    "清风",
    "白云",
    "青山",
    "绿水",
    "长安",
    "永和",
    "太平",
    "丰乐",
    "长青",
    "常春",
    "锦绣",
    "宏图",
    "宏达",
    "鸿福",
    "嘉禾",
    "嘉园",
    "惠民",
    "利民",
    "便民",
    "通达",
    "顺达",
    "畅通",
    "迎春",
    "春晖",
    "阳光",
    "光明",
    "建业",
    "建华",
    "中华",
    "华夏",
    "黄河",
    "雁鸣",
    "圃田",
    "官渡",
    "白沙",
    "刘集",
    "万滩",
    "韩寺",
    "姚家",
    "大孟",
    "九龙",
    "张庄",
    "黄店",
    "郑庵",
    "八岗",
    "狼城",
    "三官",
)
BRANCH_SUFFIXES = ("路", "街", "东路", "西路", "南路", "北路", "中路", "巷")


def road_names(kind: str) -> Iterator[str]:
    """Candidate names for one kind of road ("arterial", "urban", "rural", "alley")."""
    if kind == "arterial":
        yield from ARTERIAL_NAMES
        yield from (f"{s}大道" for s in ROAD_STEMS)
    elif kind == "urban":
        yield from URBAN_ROAD_NAMES
        yield from (f"{s}路" for s in ROAD_STEMS)
        yield from (f"{s}街" for s in ROAD_STEMS)
    elif kind == "alley":
        yield from (f"{s}巷" for s in ROAD_STEMS)
        yield from (f"{s}胡同" for s in ROAD_STEMS)
    for suffix in BRANCH_SUFFIXES:
        yield from (f"{s}{suffix}" for s in ROAD_STEMS)
    for a in "金银玉翠锦华福瑞祥嘉康安永长泰兴宏鸿丰和":
        for b in "园林苑源泉河湖山城阳宁平康丰泰盛昌华":
            if a != b:
                yield from (f"{a}{b}{suffix}" for suffix in BRANCH_SUFFIXES)
    for n in range(1, 1000):
        yield f"经{chinese_number(n)}路"
        yield f"纬{chinese_number(n)}路"


ESTATE_NAMES = (
    "纺织厂家属院",
    "化肥厂家属院",
    "县医院家属院",
    "粮食局家属院",
    "供销社家属院",
    "农机厂家属院",
    "面粉厂家属院",
    "棉纺厂家属院",
    "水利局家属院",
    "烟草公司家属院",
    "电业局家属院",
    "邮电局家属院",
    "食品厂家属院",
    "酒厂家属院",
    "印刷厂家属院",
    "交通局家属院",
    "税务局家属院",
    "法院家属院",
    "教育局家属院",
    "农业局家属院",
)
PARK_NAMES = (
    "牟山游园",
    "官渡游园",
    "广惠游园",
    "文化游园",
    "青年游园",
    "东风游园",
    "城东游园",
    "贾鲁河游园",
    "清阳游园",
    "府前游园",
)


def take(pool: Iterator[str], used: set[str]) -> str:
    """The pool's next name not used yet, now marked used."""
    for name in pool:
        if name not in used:
            used.add(name)
            return name
    raise ValueError("name pool exhausted")
