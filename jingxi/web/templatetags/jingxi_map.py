"""The map component's translated labels, handed to map.js as JSON."""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def map_labels() -> dict[str, str]:
    """Every string map.js shows, translated into the active language."""
    return {
        "townships": pgettext("plural", "乡镇/街道"),
        "communities": pgettext("plural", "社区/村"),
        "grids": pgettext("plural", "单元网格"),
        "segments": pgettext("plural", "道路"),
        "components": pgettext("plural", "部件"),
        "cases": _("在办案卷"),
        "case_category": _("类别"),
        "case_status": _("状态"),
        "case_overdue": _("超期"),
        "case_open": _("打开案卷"),
        "legend": _("图例"),
        "grids_hint": _("放大到 14 级显示单元网格"),
        "components_hint": _("放大到 15 级显示部件"),
        "truncated": _("要素过多，仅显示一部分，请放大地图"),
        "loading": _("加载中…"),
        "load_failed": _("图层加载失败"),
        "searching": _("搜索中…"),
        "no_results": _("没有找到匹配的地点"),
        "search_failed": _("搜索失败"),
        "here": _("此处"),
        "address": _("地址"),
        "code": _("编码"),
        "kind": _("类型"),
        "unit": _("对应单位"),
        "township": _("乡镇/街道"),
        "community": _("社区/村"),
        "grid": _("单元网格"),
        "segment": _("路段"),
        "road": _("道路"),
        "road_chiefs": _("路长"),
        "road_chiefs_count": _("路长人数"),
        "responsible_unit": _("责任单位"),
        "level_county": _("县级路长"),
        "level_township": _("乡级路长"),
        "level_community": _("社区级路长"),
        "grade": _("道路等级"),
        "length": _("长度"),
        "meters": _("米"),
        "maintainer": _("养护单位"),
        "owner": _("主管部门"),
        "category": _("部件类别"),
        "state": _("状态"),
        "object_id": _("部件标识码"),
        "location_note": _("位置描述"),
        "area_class": _("区域类别"),
        "area": _("面积"),
        "square_meters": _("平方米"),
        "communities_count": _("社区/村数"),
        "grids_count": _("网格数"),
        "outside": _("该点不在本辖区范围内"),
        "none": _("无"),
        "lnglat": _("经纬度"),
        "kind_house_number": _("门牌"),
        "kind_intersection": _("路口"),
        "kind_landmark": _("地标"),
        "kind_component": _("部件"),
        "kind_road": _("道路"),
    }


@register.simple_tag
def map_i18n() -> SafeString:
    """`<script type="application/json" id="jx-map-i18n">` with the map's labels."""
    return json_script(map_labels(), "jx-map-i18n")
