"""The phone's REST API of rounds under /api/v1/inspections/ (docs/inspections.md).

Serializers ↔ services, no business logic here: reads through `selectors` (another
user's round is 404), writes through `services`. The phone names rounds, findings and
ticks with its own UUIDs, so a request repeated after a lost answer is stored once
and answered 200 with the first result. RoundError answers in the API's one error
shape with its own code (`round_open`, `round_closed` as 409; `invalid` as 400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingxi.cases.access import case_list_for
from jingxi.cases.api_errors import error_body
from jingxi.cases.api_errors import exception_handler as api_exception_handler
from jingxi.cases.models import Case
from jingxi.inspections import selectors, services
from jingxi.inspections.choices import RoundStatus
from jingxi.inspections.errors import RoundError
from jingxi.inspections.models import ChecklistTick, Round, RoundFinding, Route
from jingxi.inspections.serializers import (
    FindingRequestSerializer,
    FindingSerializer,
    PointsRequestSerializer,
    PointsResultSerializer,
    RoundBriefSerializer,
    RoundEndRequestSerializer,
    RoundSerializer,
    RoundStartRequestSerializer,
    TickRequestSerializer,
    TickSerializer,
    TodaySerializer,
)
from jingxi.org.models import User
from jingxi.org.roles import Perm, RoleSet, roles_of
from jingxi.places.models import Segment


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


def _covers(round_: Round) -> list[dict[str, Any]]:
    """The round's coverage: measured so far while it is open, as stored once ended."""
    if round_.status == RoundStatus.OPEN:
        measured, _walked = selectors.round_coverage_measure(round_=round_)
        names = {
            pk: (road, seq)
            for pk, road, seq in Segment.objects.filter(
                pk__in=[c.segment_id for c in measured]
            ).values_list("pk", "road__name", "seq")
        }
        rows = [
            (c.segment_id, *names.get(c.segment_id, ("", 0)), c.covered_m, c.ratio, c.walked)
            for c in measured
        ]
    else:
        stored = round_.segments.select_related("segment__road").order_by("segment_id")
        rows = [
            (c.segment_id, c.segment.road.name, c.segment.seq, c.covered_m, c.ratio, c.walked)
            for c in stored
        ]
    keys = ("segment", "road_name", "seq", "covered_m", "ratio", "walked")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _round_data(round_: Round) -> dict[str, Any]:
    covers = _covers(round_)
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
        "segments_walked": sum(1 for c in covers if c["walked"]),
        "coverage": covers,
    }


def _round_body(round_: Round) -> dict[str, Any]:
    return dict(RoundSerializer(_round_data(round_)).data)


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
