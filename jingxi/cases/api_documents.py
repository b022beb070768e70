"""REST API for evidence photos, rectification notices and supervision orders.

Serializers ↔ services: permission-checked fetches from `selectors`/`access`, writes
through `evidence` and `documents`. A record one may not see answers 404; the services'
refusals (`EvidenceError`, `DocumentError`) are 400 through `api_errors`. Lists are
paged as every API list is (`lib.drf.CappedPagination`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingxi.cases.access import case_get_for, case_list_for
from jingxi.cases.api import _user
from jingxi.cases.documents import (
    DocumentError,
    notice_issue,
    notice_sign,
    supervision_order_issue,
    supervision_order_sign,
)
from jingxi.cases.evidence import attachment_add
from jingxi.cases.models import Attachment, AttachmentKind, Notice, SupervisionOrder
from jingxi.cases.selectors import (
    attachment_warning_text,
    notice_get_for,
    notice_list_for,
    supervision_order_get_for,
    supervision_order_list_for,
)
from jingxi.cases.services import CaseInputError
from jingxi.lib.drf import MAX_PAGE_SIZE, id_field
from jingxi.org.models import Unit
from jingxi.org.privacy import MASKED, Masking, Surface, masking_for
from jingxi.org.roles import Perm, roles_for, roles_of


def _masked(request: Request) -> dict[str, Any]:
    """The serializer context that masks documents' text as the reader's roles require."""
    user = _user(request)
    masking = masking_for(roles=roles_for(user=user), viewer=user, surface=Surface.DOCUMENT)
    return {"masking": masking}


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "kind", "sha256", "content_type", "size", "width", "height", "taken_at",
            "exif_lng", "exif_lat", "warnings", "uploaded_at", "url", "thumbnail_url",
        ]  # fmt: skip

    def get_url(self, a: Attachment) -> str:
        return reverse("cases:attachment-file", args=[a.pk])

    def get_thumbnail_url(self, a: Attachment) -> str:
        return reverse("cases:attachment-thumbnail", args=[a.pk])

    def get_warnings(self, a: Attachment) -> list[str]:
        return [attachment_warning_text(w) for w in a.warnings]


class AttachmentUploadSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    event = id_field(
        required=False,
        help_text="本案卷一条记录的 id，照片归入该环节（结案人可在一小时内补传结案照片）",
    )


class CaseAttachments(generics.ListAPIView[Attachment]):
    """GET: the case's photos and files, a page at a time. POST: add one (multipart)."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list[type[Any]] = []

    def get_queryset(self) -> QuerySet[Attachment]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator
            return Attachment.objects.none()
        case = case_get_for(user=_user(self.request), case_id=self.kwargs["case_id"])
        return case.attachments.order_by("pk")

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    def post(self, request: Request, case_id: int) -> Response:
        user = _user(request)
        case = case_get_for(user=user, case_id=case_id)
        form = AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        event = None
        if "event" in form.validated_data:
            event = case.events.filter(pk=form.validated_data["event"]).first()
            if event is None:
                raise CaseInputError(_("该环节不属于这个案卷"))
        attachment = attachment_add(
            case=case,
            file=upload,
            name=upload.name or "",
            kind=form.validated_data["kind"],
            actor=user,
            event=event,
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    unit = serializers.CharField(source="unit.name")
    case_numbers = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id", "number", "year", "serial", "unit", "case_numbers", "content", "deadline",
            "issued_at", "signed_at", "pdf_url",
        ]  # fmt: skip

    def get_case_numbers(self, notice: Notice) -> list[str]:
        return [c.number for c in notice.cases.all()]

    def get_content(self, notice: Notice) -> str:
        masking: Masking = self.context.get("masking", MASKED)
        contacts = [(c.reporter_name, c.reporter_phone) for c in notice.cases.all()]
        return masking.about_each(contacts).text(notice.content)

    def get_pdf_url(self, notice: Notice) -> str:
        return reverse("cases:notice-pdf", args=[notice.pk])


class NoticeIssueSerializer(serializers.Serializer[dict[str, Any]]):
    unit = id_field()
    cases = serializers.ListField(child=id_field(), min_length=1, max_length=MAX_PAGE_SIZE)
    content = serializers.CharField(max_length=4000)
    deadline = serializers.DateTimeField()


_SEARCH = forms.CharField(max_length=64, required=False)


class NoticeListIssue(generics.ListAPIView[Notice]):
    """GET: the notices you may see, a page at a time. POST: issue one (dispatchers)."""

    serializer_class = NoticeSerializer
    parser_classes = [JSONParser, FormParser]
    filter_backends: list[type[Any]] = []

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **_masked(self.request)}

    def get_queryset(self) -> QuerySet[Notice]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator
            return Notice.objects.none()
        try:  # at most 64 characters, no NUL (which PostgreSQL's text cannot hold)
            q = _SEARCH.clean(self.request.query_params.get("q", ""))
        except forms.ValidationError as exc:
            raise exceptions.ValidationError({"q": exc.messages}) from None
        return notice_list_for(user=_user(self.request), q=q).prefetch_related("cases")

    @extend_schema(
        parameters=[
            OpenApiParameter("q", {"type": "string", "maxLength": 64}, description="编号或内容")
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=NoticeIssueSerializer, responses={201: NoticeSerializer})
    def post(self, request: Request) -> Response:
        user = _user(request)
        if not roles_of(request).may(Perm.DOCUMENT_ISSUE):  # before reading the body
            raise exceptions.PermissionDenied(_("只有派遣员可以签发整改通知单"))
        form = NoticeIssueSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        jurisdiction = user.jurisdiction
        unit = Unit.objects.filter(pk=data["unit"], jurisdiction=jurisdiction).first()
        if jurisdiction is None or unit is None:
            raise DocumentError(_("未知的责任单位：%(id)s") % {"id": data["unit"]})
        cases = list(case_list_for(user=user).filter(pk__in=data["cases"]))
        if len(cases) != len(set(data["cases"])):
            raise DocumentError(_("有案卷不存在或无权查看"))
        notice = notice_issue(
            jurisdiction=jurisdiction,
            unit=unit,
            cases=cases,
            content=data["content"],
            deadline=data["deadline"],
            actor=user,
        )
        return Response(
            NoticeSerializer(notice, context=_masked(request)).data, status=status.HTTP_201_CREATED
        )


class NoticeDetail(APIView):
    @extend_schema(responses=NoticeSerializer)
    def get(self, request: Request, notice_id: int) -> Response:
        notice = notice_get_for(user=_user(request), notice_id=notice_id)
        return Response(NoticeSerializer(notice, context=_masked(request)).data)


class NoticeSign(APIView):
    @extend_schema(request=None, responses=NoticeSerializer)
    def post(self, request: Request, notice_id: int) -> Response:
        user = _user(request)
        notice_get_for(user=user, notice_id=notice_id)
        notice = notice_sign(notice_id=notice_id, actor=user)
        return Response(NoticeSerializer(notice, context=_masked(request)).data)


class SupervisionOrderSerializer(serializers.ModelSerializer[SupervisionOrder]):
    unit = serializers.CharField(source="unit.name")
    case_number = serializers.CharField(source="case.number")
    content = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionOrder
        fields = [
            "id", "number", "year", "serial", "unit", "case", "case_number", "reason",
            "content", "deadline", "issued_at", "signed_at", "pdf_url",
        ]  # fmt: skip

    def get_content(self, order: SupervisionOrder) -> str:
        masking: Masking = self.context.get("masking", MASKED)
        case = order.case
        return masking.about(name=case.reporter_name, phone=case.reporter_phone).text(order.content)

    def get_pdf_url(self, order: SupervisionOrder) -> str:
        return reverse("cases:supervision-pdf", args=[order.pk])


class SupervisionIssueSerializer(serializers.Serializer[dict[str, Any]]):
    case = id_field()
    content = serializers.CharField(max_length=4000, required=False, default="")
    deadline = serializers.DateTimeField()


class SupervisionListIssue(generics.ListAPIView[SupervisionOrder]):
    """GET: the supervision orders you may see, a page at a time. POST: issue one."""

    serializer_class = SupervisionOrderSerializer
    parser_classes = [JSONParser, FormParser]
    filter_backends: list[type[Any]] = []

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **_masked(self.request)}

    def get_queryset(self) -> QuerySet[SupervisionOrder]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator
            return SupervisionOrder.objects.none()
        return supervision_order_list_for(user=_user(self.request))

    @extend_schema(
        request=SupervisionIssueSerializer,
        responses={
            201: SupervisionOrderSerializer,
            404: OpenApiResponse(description="没有调用者可见的该案卷"),
        },
    )
    def post(self, request: Request) -> Response:
        """A leader-flagged supervision order (overdue ones come from the deadline scan)."""
        user = _user(request)
        if not roles_of(request).may(Perm.SUPERVISE):  # before reading the body
            raise exceptions.PermissionDenied(_("领导督办须由派遣员或县领导签发"))
        form = SupervisionIssueSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        case = case_get_for(user=user, case_id=data["case"])
        order = supervision_order_issue(
            case=case,
            reason="leader",
            content=data["content"],
            deadline=data["deadline"],
            actor=user,
        )
        return Response(
            SupervisionOrderSerializer(order, context=_masked(request)).data,
            status=status.HTTP_201_CREATED,
        )


class SupervisionDetail(APIView):
    @extend_schema(responses=SupervisionOrderSerializer)
    def get(self, request: Request, order_id: int) -> Response:
        order = supervision_order_get_for(user=_user(request), order_id=order_id)
        return Response(SupervisionOrderSerializer(order, context=_masked(request)).data)


class SupervisionSign(APIView):
    @extend_schema(request=None, responses=SupervisionOrderSerializer)
    def post(self, request: Request, order_id: int) -> Response:
        user = _user(request)
        supervision_order_get_for(user=user, order_id=order_id)
        order = supervision_order_sign(order_id=order_id, actor=user)
        return Response(SupervisionOrderSerializer(order, context=_masked(request)).data)
