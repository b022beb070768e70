"""REST API for cases under /api/v1/: serializers ↔ services, no business logic here.

Every read goes through `access.case_list_for`/`case_get_for` (a case one may not see is
404), every write through `services.case_report` or `evidence.case_transition_with_photos`
(an action, and photos sent with it in multipart, on the event it wrote).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingxi.audit.requests import personal_data_shown
from jingxi.cases import workflow
from jingxi.cases.access import case_duplicates_for, case_get_for, case_list_for
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.context import ReportContext
from jingxi.cases.evidence import case_transition_with_photos
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.services import (
    MAX_IDEMPOTENCY_KEY,
    CaseInputError,
    case_report,
    idempotency_key_for,
    loop_settings_get,
)
from jingxi.catalog.choices import Urgency
from jingxi.catalog.models import Category
from jingxi.lib.drf import CachedFieldsMixin, id_field
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.org.privacy import MASKED, Masking, Surface, contacts_visible, masking_for
from jingxi.org.roles import NO_ROLES, Perm, RoleSet, roles_of


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- serializers --------------------------------------------------------------------


class CategoryBriefSerializer(CachedFieldsMixin, serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ["id", "kind", "code", "name"]


class UnitBriefSerializer(CachedFieldsMixin, serializers.ModelSerializer[Unit]):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


def _masking(context: dict[str, Any]) -> Masking:
    """The viewer's masking, decided once per response (`org.privacy.masking_for`) from
    the roles in the context and kept there; `MASKED` when the context names no one."""
    masking: Masking | None = context.get("masking")
    if masking is None:
        request = context.get("request")
        masking = masking_for(
            roles=context.get("roles") or (),
            viewer=getattr(request, "user", None),
            surface=Surface.API,
        )
        context["masking"] = masking
    return masking


class CaseEventSerializer(CachedFieldsMixin, serializers.ModelSerializer[CaseEvent]):
    actor_name = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "actor_name", "at", "from_status", "to_status", "note", "data"]

    def get_actor_name(self, event: CaseEvent) -> str:
        return str(event.actor) if event.actor else ""

    def get_note(self, event: CaseEvent) -> str:
        """The note, masked as the viewer's roles require (`context["masking"]`, which
        names the case's reporter; `MASKED` without one)."""
        masking: Masking = self.context.get("masking", MASKED)
        return masking.text(event.note)


class CaseSerializer(CachedFieldsMixin, serializers.ModelSerializer[Case]):
    category = CategoryBriefSerializer()
    unit = UnitBriefSerializer(allow_null=True)
    proposed_unit = UnitBriefSerializer(allow_null=True)
    status_label = serializers.CharField(source="get_status_display")
    township_name = serializers.CharField(source="township.name", default="")
    road_name = serializers.CharField(source="road.name", default="")
    description = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    merged_into_number = serializers.CharField(source="merged_into.number", default="")

    class Meta:
        model = Case
        fields = [
            "id", "number", "source", "category", "urgency", "condition", "description",
            "lng", "lat", "address", "township_name", "road_name", "grid_id", "segment_id",
            "status", "status_label", "stage", "stage_deadline", "deadline", "unit",
            "proposed_unit", "pending_request", "is_overdue", "is_supervised",
            "return_count", "rework_count", "dispatch_count", "merged_into_number",
            "reporter_name", "reporter_phone", "reported_at", "filed_at", "dispatched_at",
            "handled_at", "closed_at",
        ]  # fmt: skip

    # Personal data as `org.privacy` decides for the viewer (from `context["masking"]`,
    # else their `context["roles"]`): method fields, so DRF's generic walk masks alike.

    def _text(self, case: Case, value: str) -> str:
        masking = _masking(self.context)
        return masking.about(name=case.reporter_name, phone=case.reporter_phone).text(value)

    def get_description(self, case: Case) -> str:
        return self._text(case, case.description)

    def get_address(self, case: Case) -> str:
        return self._text(case, case.address)

    def get_reporter_name(self, case: Case) -> str:
        if case.reporter_id and not case.reporter_name:
            return str(case.reporter)
        return _masking(self.context).name(case.reporter_name)

    def get_reporter_phone(self, case: Case) -> str:
        return _masking(self.context).phone(case.reporter_phone)

    def to_representation(self, instance: Case) -> dict[str, Any]:
        """The declared fields, written out: DRF's generic walk over 35 bound fields costs
        a millisecond per case. `test_api` holds the two equal, key order included."""
        case, when = instance, _datetime_text
        category = case.category
        masking = _masking(self.context)
        text = masking.about(name=case.reporter_name, phone=case.reporter_phone).text
        return {
            "id": case.pk,
            "number": case.number,
            "source": case.source,
            "category": {
                "id": category.pk,
                "kind": category.kind,
                "code": category.code,
                "name": category.name,
            },
            "urgency": case.urgency,
            "condition": case.condition,
            "description": text(case.description),
            "lng": float(case.lng),
            "lat": float(case.lat),
            "address": text(case.address),
            "township_name": case.township.name if case.township is not None else "",
            "road_name": case.road.name if case.road is not None else "",
            "grid_id": case.grid_id,
            "segment_id": case.segment_id,
            "status": case.status,
            "status_label": str(Status(case.status).label),
            "stage": case.stage,
            "stage_deadline": when(case.stage_deadline),
            "deadline": when(case.deadline),
            "unit": _unit_brief(case.unit),
            "proposed_unit": _unit_brief(case.proposed_unit),
            "pending_request": case.pending_request,
            "is_overdue": case.is_overdue,
            "is_supervised": case.is_supervised,
            "return_count": case.return_count,
            "rework_count": case.rework_count,
            "dispatch_count": case.dispatch_count,
            "merged_into_number": case.merged_into.number if case.merged_into is not None else "",
            "reporter_name": self.get_reporter_name(case),
            "reporter_phone": self.get_reporter_phone(case),
            "reported_at": when(case.reported_at),
            "filed_at": when(case.filed_at),
            "dispatched_at": when(case.dispatched_at),
            "handled_at": when(case.handled_at),
            "closed_at": when(case.closed_at),
        }


_DATETIME_FIELD = serializers.DateTimeField()  # unbound: formats with the settings only


def _datetime_text(moment: dt.datetime | None) -> str | None:
    return None if moment is None else _DATETIME_FIELD.to_representation(moment)


def _unit_brief(unit: Unit | None) -> dict[str, Any] | None:
    return None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name}


class CaseDetailSerializer(CaseSerializer):
    events = CaseEventSerializer(many=True)
    actions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events", "actions"]

    def to_representation(self, instance: Case) -> dict[str, Any]:
        # One case per request: DRF's generic walk, which includes the nested events.
        return serializers.ModelSerializer.to_representation(self, instance)

    def get_actions(self, case: Case) -> list[str]:
        """Actions the table allows now and the user's roles permit (guards apply on POST)."""
        roles: RoleSet = self.context.get("roles") or NO_ROLES
        return [
            a.value
            for a in workflow.actions_from(Status(case.status))
            if workflow.action_permitted(action=a, roles=roles, unit_id=case.unit_id)
        ]


class CaseCreateSerializer(serializers.Serializer[dict[str, Any]]):
    category = id_field(help_text="小类的 id")
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02"], default="wgs84")
    description = serializers.CharField(max_length=2000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    condition = serializers.CharField(max_length=64, required=False, default="")
    address = serializers.CharField(max_length=255, required=False, default="")
    reporter_name = serializers.CharField(max_length=64, required=False, default="")
    reporter_phone = serializers.CharField(max_length=32, required=False, default="")
    file_directly = serializers.BooleanField(default=False)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "source" is a Field attribute name, so the field is added here, not declared.
        fields = super().get_fields()
        fields["source"] = serializers.ChoiceField(choices=Source.choices)
        return fields


class CaseActionSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    unit = id_field(required=False, help_text="派遣（dispatch）时的责任单位 id")
    merge_into = id_field(required=False, help_text="合并（merge）到的案卷 id")
    extension_hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, min_value=0
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="照片（multipart/form-data，可多张）：存到本次动作的记录上",
    )


def report_create(
    data: dict[str, Any],
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    idempotency_key: str,
    context: ReportContext | None = None,
    roles: RoleSet | None = None,
) -> Case:
    """`case_report` with a create request's checked values (`CaseCreateSerializer`'s,
    or the direct path's in `intake`); `context` as `case_report` takes it. The
    Idempotency-Key is the actor's own: another user's key is another key."""
    return case_report(
        jurisdiction=jurisdiction,
        category=data["category"],
        lng=data["lng"],
        lat=data["lat"],
        crs=data["crs"],
        description=data["description"],
        source=data["source"],
        actor=actor,
        urgency=data["urgency"],
        condition=data["condition"],
        address=data["address"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        idempotency_key=idempotency_key_for(scope=f"user:{actor.pk}", key=idempotency_key),
        file_directly=data["file_directly"],
        context=context,
        roles=roles,
    )


# --- views --------------------------------------------------------------------------


class _StrictBooleanField(forms.Field):
    """true or false (also 1 or 0); anything else is a 400, not a filter dropped."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(_("只能是 true 或 false"), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, widget=forms.TextInput, **kwargs)


class CaseFilter(django_filters.FilterSet):
    # A column of the case itself: no join can repeat a row, so no DISTINCT (which made
    # PostgreSQL sort the whole filtered list: 190 ms at a million cases).
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    number = django_filters.CharFilter(lookup_expr="startswith")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    is_overdue = StrictBooleanFilter()

    class Meta:
        model = Case
        fields = ["status", "source", "category", "unit", "township", "road", "is_overdue"]


def _contacts_shown(
    request: Request, *, cases: Iterable[Case], roles: RoleSet, surface: str
) -> None:
    """Audit the citizens' contacts a response shows unmasked (to the roles that call back)."""
    if contacts_visible(roles=roles, viewer=request.user, surface=Surface.API):
        personal_data_shown(
            request,
            surface=surface,
            subject_type="cases.case",
            subject_ids=[c.pk for c in cases if c.reporter_name or c.reporter_phone],
            fields=("reporter_name", "reporter_phone"),
        )


class CaseListCreate(generics.ListAPIView[Case]):
    """GET: cases you may see, filtered. POST: report a case (staff)."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator
            return Case.objects.none()
        return case_list_for(user=_user(self.request)).order_by("-reported_at", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = _user(self.request)
        if user.jurisdiction is not None:
            context["roles"] = roles_of(self.request)
        self._roles: RoleSet = context.get("roles", NO_ROLES)
        return context

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        self._shown: list[Case] = list(page) if page is not None else []
        return page

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        shown: list[Case] = getattr(self, "_shown", [])
        roles: RoleSet = getattr(self, "_roles", NO_ROLES)
        _contacts_shown(request, cases=shown, roles=roles, surface="api-case-list")
        return response

    @extend_schema(
        request=CaseCreateSerializer,
        responses={
            201: CaseSerializer,
            409: OpenApiResponse(
                description="重复提交：本调用者用过这个 Idempotency-Key（附第一次创建的案卷）"
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
                OpenApiParameter.HEADER,
                description=(
                    "重复提交保护：同一调用者重复同一个键，得到 409 和第一次的案卷，"
                    "不会再建；键只属于调用者本人，别人的同名键互不相干"
                ),
            )
        ],
    )
    def post(self, request: Request) -> Response:
        user = _user(request)
        jurisdiction = user.jurisdiction
        roles = roles_of(request)
        if jurisdiction is None or not roles.is_staff:
            raise exceptions.PermissionDenied(_("只有本辖区工作人员可以通过此接口上报"))
        form = CaseCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        case = report_create(
            data,
            actor=user,
            jurisdiction=jurisdiction,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            roles=roles,
        )
        body = CaseSerializer(case, context={"roles": roles, "request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class CaseDetail(APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: Request, case_id: int) -> Response:
        user = _user(request)
        case = case_get_for(user=user, case_id=case_id)
        roles = roles_of(request)
        events = case.events.select_related("actor")
        context: dict[str, Any] = {"roles": roles, "request": request}
        case_data = CaseDetailSerializer(case, context=context).data
        masking = _masking(context).about(name=case.reporter_name, phone=case.reporter_phone)
        case_data["events"] = CaseEventSerializer(
            events, many=True, context={"masking": masking}
        ).data
        _contacts_shown(request, cases=[case], roles=roles, surface="api-case-detail")
        return Response(case_data)


def _action_description() -> str:
    """The action parameter's description: each action's meaning, from the table."""
    lines = [
        "闭环的一步（`jingxi/cases/workflow.py` 的表）。每个动作：从哪些状态到哪个状态、"
        "哪些角色可以执行；案卷详情的 `actions` 列出此刻可执行的动作。"
        "状态或角色不允许时为 409。"
    ]
    for action in Action:
        moves = [
            f"{Status(s).label} → {Status(to).label}"
            for (s, a), to in workflow.TRANSITIONS.items()
            if a == action
        ]
        roles = "、".join(str(Role(r).label) for r in sorted(workflow.ACTION_ROLES[action]))
        needs = []
        if action in workflow.NOTE_REQUIRED:
            needs.append("须填 note（理由）")
        if action == Action.DISPATCH:
            needs.append("unit 可选，默认建议单位")
        if action == Action.MERGE:
            needs.append("须填 merge_into")
        if action in (Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION):
            needs.append("extension_hours（工作小时）")
        extra = f"；{'，'.join(needs)}" if needs else ""
        lines.append(f"- `{action.value}` {action.label}：{'；'.join(moves)}（{roles}）{extra}")
    return "\n".join(lines)


class CaseActionView(APIView):
    @extend_schema(
        request=CaseActionSerializer,
        responses={
            200: CaseDetailSerializer,
            409: OpenApiResponse(description="案卷当前状态或调用者的角色不允许这个动作"),
        },
        parameters=[
            OpenApiParameter(
                "action",
                str,
                OpenApiParameter.PATH,
                enum=Action.values,
                description=lazy(_action_description, str)(),
            )
        ],
    )
    def post(self, request: Request, case_id: int, action: str) -> Response:
        user = _user(request)
        case = case_get_for(user=user, case_id=case_id)
        if action not in Action.values:
            raise Http404
        form = CaseActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        unit = None
        if "unit" in data:
            unit = Unit.objects.filter(pk=data["unit"], jurisdiction=case.jurisdiction).first()
            if unit is None:
                raise CaseInputError(_("未知的责任单位：%(id)s") % {"id": data["unit"]})
        merge_into = None
        if "merge_into" in data:
            merge_into = case_list_for(user=user).filter(pk=data["merge_into"]).first()
            if merge_into is None:
                raise CaseInputError(_("未知的案卷：%(id)s") % {"id": data["merge_into"]})
        case = case_transition_with_photos(
            case_id=case.pk,
            action=Action(action),
            actor=user,
            photos=data["photos"],
            note=data["note"],
            unit=unit,
            merge_into=merge_into,
            extension_hours=data.get("extension_hours"),
        )
        return CaseDetail().get(request, case.pk)


class CaseDuplicates(APIView):
    @extend_schema(
        responses=CaseSerializer(many=True),
        description="同类、附近、时间相近的疑似重复案卷：至多 10 件（不分页）",
    )
    def get(self, request: Request, case_id: int) -> Response:
        user = _user(request)
        case = case_get_for(user=user, case_id=case_id)
        settings = loop_settings_get(jurisdiction=case.jurisdiction)
        near = case_duplicates_for(
            case=case,
            radius_m=settings.duplicate_radius_m,
            window_hours=settings.duplicate_window_hours,
        )
        roles = roles_of(request)
        if not roles.may(Perm.CASES_ALL):
            visible = set(
                case_list_for(user=user)
                .filter(pk__in=[c.pk for c in near])
                .values_list("pk", flat=True)
            )
            near = [c for c in near if c.pk in visible]
        _contacts_shown(request, cases=near, roles=roles, surface="api-case-duplicates")
        context = {"roles": roles, "request": request}
        return Response(CaseSerializer(near, many=True, context=context).data)
