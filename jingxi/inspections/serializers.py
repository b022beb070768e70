"""The rounds API's serializers: the phone's requests and the answers it gets.

Answers are built as plain dicts by `api` and shaped here, so the schema drf-spectacular
writes is the answer's. Every time a phone sends is a `MomentField`; ids are
`lib.drf.id_field`s.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from jingxi.cases.models import Case
from jingxi.catalog.choices import Urgency
from jingxi.inspections import services
from jingxi.inspections.choices import PointDrop, RoundStatus, TravelMode
from jingxi.inspections.models import Duty, Round
from jingxi.lib.drf import id_field

SEQ_MAX = 2**31 - 1
#: The earliest moment a round's record may carry, and how far ahead of the server's
#: clock a phone's may run.
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
CLOCK_SLACK = dt.timedelta(days=1)


class MomentField(serializers.DateTimeField):
    """A time a phone recorded (ISO 8601): from 2020 to a day past the server's now."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        if not EARLIEST <= moment <= timezone.now() + CLOCK_SLACK:
            raise serializers.ValidationError(_("时间不在合理范围内（2020 年以后，且不晚于明天）"))
        return moment


class CoverSerializer(serializers.Serializer[dict[str, Any]]):
    segment = serializers.IntegerField(help_text="路段 id")
    road_name = serializers.CharField(help_text="道路名称")
    seq = serializers.IntegerField(help_text="路段在道路上的序号")
    covered_m = serializers.FloatField(help_text="轨迹缓冲区内的路段长度（米）")
    ratio = serializers.FloatField(help_text="覆盖比例 0–1")
    walked = serializers.BooleanField(help_text="达到覆盖比例：已巡")


class RoundSerializer(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.UUIDField()
    day = serializers.DateField()
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    travel_mode = serializers.ChoiceField(choices=TravelMode.choices)
    plan = serializers.IntegerField(allow_null=True, help_text="当天的巡查计划 id")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    last_point_at = serializers.DateTimeField(allow_null=True)
    points_kept = serializers.IntegerField()
    points_dropped = serializers.DictField(
        child=serializers.IntegerField(), help_text="剔除的定位点：原因 → 个数"
    )
    walked_m = serializers.FloatField(help_text="轨迹长度（米）")
    track_purged_at = serializers.DateTimeField(allow_null=True)
    findings = serializers.IntegerField(help_text="上报的问题数")
    ticks = serializers.IntegerField(help_text="检查项记录数")
    segments_walked = serializers.IntegerField(help_text="已巡路段数")
    coverage = CoverSerializer(
        many=True, help_text="轨迹经过的路段：巡查中为当前的计算，结束后为保存的结果"
    )


class RoundBriefSerializer(serializers.Serializer[Round]):
    client_id = serializers.UUIDField()
    day = serializers.DateField()
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    travel_mode = serializers.ChoiceField(choices=TravelMode.choices)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    points_kept = serializers.IntegerField()
    walked_m = serializers.FloatField()
    findings = serializers.IntegerField(source="findings_count")


class DutyShiftSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    starts = serializers.TimeField()
    ends = serializers.TimeField()


class DutySerializer(serializers.Serializer[Duty]):
    id = serializers.IntegerField()
    day = serializers.DateField()
    status = serializers.CharField()
    shift = DutyShiftSerializer(allow_null=True)
    note = serializers.CharField()


class RouteStartSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    lng = serializers.FloatField()
    lat = serializers.FloatField()


class PendingCheckSerializer(serializers.Serializer[Case]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    stage_deadline = serializers.DateTimeField(allow_null=True)


class RouteSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    plan = serializers.IntegerField()
    plan_version = serializers.IntegerField()
    start = RouteStartSerializer(allow_null=True)
    stops = serializers.JSONField(help_text='按顺序途经：[{"kind": "segment"|"case", "id": …}]')
    geometry = serializers.JSONField(help_text="整条路线（GeoJSON LineString，WGS84）")
    required_m = serializers.FloatField()
    length_m = serializers.FloatField()
    minutes = serializers.IntegerField()
    pending_checks = PendingCheckSerializer(many=True, help_text="途经的待核实、核查案卷")


class TodaySerializer(serializers.Serializer[dict[str, Any]]):
    day = serializers.DateField()
    duty = DutySerializer(allow_null=True)
    route = RouteSerializer(allow_null=True)
    round = RoundSerializer(allow_null=True)


class RoundStartRequestSerializer(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.UUIDField(help_text="手机生成的巡查编号（UUID）")
    started_at = MomentField()
    travel_mode = serializers.ChoiceField(
        choices=TravelMode.choices, required=False, help_text="默认取督导员档案的出行方式"
    )


class PointSerializer(serializers.Serializer[dict[str, Any]]):
    seq = serializers.IntegerField(min_value=0, max_value=SEQ_MAX, help_text="手机的定位点序号")
    t = MomentField(help_text="定位时间（ISO 8601）")
    lng = serializers.FloatField(help_text="经度（WGS84）；无效坐标计入剔除，不报错")
    lat = serializers.FloatField(help_text="纬度（WGS84）")
    accuracy = serializers.FloatField(required=False, allow_null=True, help_text="精度（米）")


class PointsRequestSerializer(serializers.Serializer[dict[str, Any]]):
    points = serializers.ListField(
        child=PointSerializer(), max_length=services.MAX_POINTS, help_text="至多 2000 个"
    )


class PointsResultSerializer(serializers.Serializer[dict[str, Any]]):
    kept = serializers.IntegerField(help_text="保存的定位点")
    duplicate = serializers.IntegerField(help_text="已收到过的序号（不重复保存）")
    dropped = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="剔除的定位点：原因（" + "、".join(PointDrop.values) + "）→ 个数",
    )


class FindingRequestSerializer(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.UUIDField(help_text="手机生成的发现编号（UUID）")
    category = id_field(help_text="小类的 id")
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    description = serializers.CharField(max_length=2000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    at = MomentField(help_text="发现时间")
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="照片（multipart/form-data，可多张）；没有拍摄位置的照片也收，附提醒",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (math.isfinite(attrs["lng"]) and math.isfinite(attrs["lat"])):
            raise serializers.ValidationError({"lng": [_("坐标必须是有限的数")]})
        return attrs


class FindingSerializer(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.UUIDField()
    case_id = serializers.IntegerField()
    number = serializers.CharField(help_text="案卷编号")
    segment = serializers.IntegerField(allow_null=True, help_text="最近的路段 id")
    at = serializers.DateTimeField()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="照片的提醒（如没有拍摄位置）；不影响上报"
    )


class TickRequestSerializer(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.UUIDField(help_text="手机生成的编号（UUID）")
    segment = id_field(help_text="路段 id")
    category = id_field(help_text="检查项（小类）id")
    ok = serializers.BooleanField(help_text="正常")
    at = MomentField()


class TickSerializer(serializers.Serializer[dict[str, Any]]):
    client_id = serializers.UUIDField()
    segment = serializers.IntegerField()
    category = serializers.IntegerField()
    ok = serializers.BooleanField()
    at = serializers.DateTimeField()


class RoundEndRequestSerializer(serializers.Serializer[dict[str, Any]]):
    ended_at = MomentField()
