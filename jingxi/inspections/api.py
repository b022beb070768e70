"""The phone's REST API of rounds under /api/v1/inspections/ (docs/inspections.md).

Serializers ↔ services, no business logic here: reads through `selectors` (another
user's round is 404), writes through `services`. The phone names rounds, findings and
ticks with its own UUIDs, so a request repeated after a lost answer is stored once
and answered 200 with the first result. RoundError answers in the API's one error
shape with its own code (`round_open`, `round_closed` as 409; `invalid` as 400).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingxi.cases.access import case_list_for
from jingxi.cases.api_errors import error_body
from jingxi.cases.api_errors import exception_handler as api_exception_handler
from jingxi.cases.models import Case
from jingxi.catalog.choices import Urgency
from jingxi.inspections import selectors, services
from jingxi.inspections.choices import PointDrop, RoundStatus, TravelMode
from jingxi.inspections.errors import RoundError
from jingxi.inspections.models import ChecklistTick, Duty, Round, RoundFinding, Route
from jingxi.lib.drf import id_field
from jingxi.org.models import User
from jingxi.org.roles import Perm, RoleSet, roles_of

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


def _inspector(request: Request) -> tuple[User, RoleSet]:
    """The caller, who must walk rounds (`Perm.ROUND`) in their jurisdiction; else 403."""
    user = request.user
    assert isinstance(user, User)
    roles = roles_of(request)
    if user.jurisdiction_id is None or not roles.may(Perm.ROUND):
        raise exceptions.PermissionDenied(_("只有督导员可以使用巡查接口"))
    return user, roles


def _round(request: Request, client_id: Any) -> Round:
    user = request.user
    assert isinstance(user, User)
    return selectors.round_get_for(user=user, client_id=client_id, roles=roles_of(request))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The API's handler, and a RoundError in the error shape with its own code."""
    if isinstance(exc, RoundError):
        return Response(error_body(str(exc), exc.code, **exc.extra), status=exc.status)
    return api_exception_handler(exc, context)


class _RoundView(APIView):
    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler


# --- serializers (answers) ----------------------------------------------------------------


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
    segments_walked = serializers.IntegerField(help_text="已巡路段数（结束后计算）")
    coverage = CoverSerializer(many=True, help_text="轨迹经过的路段（结束后计算）")


def _round_data(round_: Round, *, coverage: bool = True) -> dict[str, Any]:
    covers = (
        list(round_.segments.select_related("segment__road").order_by("segment_id"))
        if coverage
        else []
    )
    return {
        "client_id": round_.client_id,
        "day": round_.day,
        "status": round_.status,
        "travel_mode": round_.travel_mode,
        "plan": round_.plan_id,
        "started_at": round_.started_at,
        "ended_at": round_.ended_at,
        "last_point_at": round_.last_point_at,
        "points_kept": round_.points_kept,
        "points_dropped": dict(round_.points_dropped or {}),
        "walked_m": round(round_.walked_m, 1),
        "track_purged_at": round_.track_purged_at,
        "findings": round_.findings.count(),
        "ticks": round_.ticks.count(),
        "segments_walked": sum(1 for c in covers if c.walked),
        "coverage": [
            {
                "segment": c.segment_id,
                "road_name": c.segment.road.name,
                "seq": c.segment.seq,
                "covered_m": c.covered_m,
                "ratio": c.ratio,
                "walked": c.walked,
            }
            for c in covers
        ],
    }


def _round_body(round_: Round) -> dict[str, Any]:
    return dict(RoundSerializer(_round_data(round_)).data)


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


def _route_data(route: Route, user: User) -> dict[str, Any]:
    case_ids = [
        s.get("id") for s in route.stops or [] if isinstance(s, dict) and s.get("kind") == "case"
    ]
    checks = list(
        case_list_for(user=user).filter(pk__in=[i for i in case_ids if isinstance(i, int)])
    )
    order = {pk: n for n, pk in enumerate(case_ids)}
    checks.sort(key=lambda c: order.get(c.pk, 0))
    return {
        "id": route.pk,
        "plan": route.plan_id,
        "plan_version": route.plan.version,
        "start": route.start,
        "stops": route.stops,
        "geometry": route.geometry,
        "required_m": route.required_m,
        "length_m": route.length_m,
        "minutes": route.minutes,
        "pending_checks": checks,
    }


# --- serializers (requests) ----------------------------------------------------------------


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


_ROUND_OPEN = OpenApiResponse(
    description="`round_open`：还有一次巡查没有结束（`client_id` 是它的编号）"
)
_ROUND_CLOSED = OpenApiResponse(
    description="`round_closed`：巡查已结束超过 24 小时，或记录时间晚于结束时间"
)
_FORBIDDEN = OpenApiResponse(description="不是督导员（没有巡查权限）")


# --- views ----------------------------------------------------------------------------------


class Today(_RoundView):
    @extend_schema(
        responses={200: TodaySerializer, 403: _FORBIDDEN},
        description="今天的排班、路线（途经顺序、GeoJSON、长度、预计用时、待核查案卷）和进行中的巡查",
    )
    def get(self, request: Request) -> Response:
        user, _roles = _inspector(request)
        day = selectors.today_for(user=user)
        route = selectors.route_for(user=user, day=day)
        open_round = selectors.round_open_for(user=user)
        data = {
            "day": day,
            "duty": selectors.duty_for(user=user, day=day),
            "route": _route_data(route, user) if route is not None else None,
            "round": _round_data(open_round) if open_round is not None else None,
        }
        return Response(TodaySerializer(data).data)


class RoundListStart(generics.ListAPIView[Round]):
    """GET: your own rounds, newest first. POST: start a round."""

    serializer_class = RoundBriefSerializer
    parser_classes = [JSONParser]

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler

    def get_queryset(self) -> QuerySet[Round]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator
            return Round.objects.none()
        user, roles = _inspector(self.request)
        return selectors.round_list_for(user=user, roles=roles)

    @extend_schema(responses={200: RoundBriefSerializer(many=True), 403: _FORBIDDEN})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RoundStartRequestSerializer,
        responses={200: RoundSerializer, 201: RoundSerializer, 409: _ROUND_OPEN},
        description="开始巡查；同一 `client_id` 再次提交得到 200 和同一次巡查",
    )
    def post(self, request: Request) -> Response:
        user, roles = _inspector(request)
        form = RoundStartRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        round_, created = services.round_start(
            actor=user,
            client_id=data["client_id"],
            started_at=data["started_at"],
            travel_mode=data.get("travel_mode"),
            roles=roles,
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(_round_body(round_), status=code)


class RoundDetail(_RoundView):
    @extend_schema(responses=RoundSerializer, description="巡查、计数和覆盖的路段")
    def get(self, request: Request, client_id: Any) -> Response:
        return Response(_round_body(_round(request, client_id)))


class RoundPoints(_RoundView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=PointsRequestSerializer,
        responses={200: PointsResultSerializer, 409: _ROUND_CLOSED},
        description="上传一批定位点（按 `seq` 只存一次；重复的计数不存；不合理的剔除并计数）",
    )
    def post(self, request: Request, client_id: Any) -> Response:
        round_ = _round(request, client_id)
        form = PointsRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        points = [
            (p["seq"], p["t"].timestamp(), p["lng"], p["lat"], p.get("accuracy"))
            for p in form.validated_data["points"]
        ]
        added = services.round_points_add(round_=round_, points=points)
        body = {"kept": added.kept, "duplicate": added.duplicate, "dropped": added.dropped}
        return Response(PointsResultSerializer(body).data)


class RoundFindings(_RoundView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request=FindingRequestSerializer,
        responses={200: FindingSerializer, 201: FindingSerializer, 409: _ROUND_CLOSED},
        description="上报巡查发现的问题：建案卷（来源督导员巡查，可直接立案），照片经统一的照片检查",
    )
    def post(self, request: Request, client_id: Any) -> Response:
        round_ = _round(request, client_id)
        user, _roles = _inspector(request)
        form = FindingRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        added = services.round_finding_add(
            round_=round_,
            actor=user,
            client_id=data["client_id"],
            category=data["category"],
            lng=data["lng"],
            lat=data["lat"],
            description=data["description"],
            urgency=data["urgency"],
            at=data["at"],
            photos=data["photos"],
        )
        body = _finding_data(added.finding, added.warnings)
        code = status.HTTP_201_CREATED if added.created else status.HTTP_200_OK
        return Response(FindingSerializer(body).data, status=code)


def _finding_data(finding: RoundFinding, warnings: list[str]) -> dict[str, Any]:
    return {
        "client_id": finding.client_id,
        "case_id": finding.case_id,
        "number": Case.objects.values_list("number", flat=True).get(pk=finding.case_id),
        "segment": finding.segment_id,
        "at": finding.at,
        "warnings": warnings,
    }


class RoundTicks(_RoundView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=TickRequestSerializer,
        responses={200: TickSerializer, 201: TickSerializer, 409: _ROUND_CLOSED},
        description="记录路段的检查项（正常或不正常）",
    )
    def post(self, request: Request, client_id: Any) -> Response:
        round_ = _round(request, client_id)
        form = TickRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        tick, created = services.round_tick_add(
            round_=round_,
            client_id=data["client_id"],
            segment_id=data["segment"],
            category_id=data["category"],
            ok=data["ok"],
            at=data["at"],
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(TickSerializer(_tick_data(tick)).data, status=code)


def _tick_data(tick: ChecklistTick) -> dict[str, Any]:
    return {
        "client_id": tick.client_id,
        "segment": tick.segment_id,
        "category": tick.category_id,
        "ok": tick.ok,
        "at": tick.at,
    }


class RoundEnd(_RoundView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=RoundEndRequestSerializer,
        responses={200: RoundSerializer},
        description="结束巡查并计算覆盖；再次结束得到第一次结束的结果",
    )
    def post(self, request: Request, client_id: Any) -> Response:
        round_ = _round(request, client_id)
        form = RoundEndRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ended = services.round_end(round_=round_, ended_at=form.validated_data["ended_at"])
        return Response(_round_body(ended))
