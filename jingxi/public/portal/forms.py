"""Forms of the portal's public and staff pages. They check shapes; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jingxi.bulletins import services as bulletin_services
from jingxi.bulletins.choices import BulletinKind
from jingxi.cases.forms import category_choices
from jingxi.cases.models import Attachment
from jingxi.catalog.choices import CategoryLevel
from jingxi.catalog.models import Category
from jingxi.lib.limits import size_text
from jingxi.org.models import Jurisdiction
from jingxi.public.portal.models import (
    Consultation,
    ConsultationKind,
    ModerationStatus,
    SuggestionChannel,
    TypicalKind,
)


class ErrorTextMixin:
    """One line naming each field's errors, for a message at the top of a page."""

    errors: Any
    fields: dict[str, forms.Field]

    def error_text(self) -> str:
        parts = []
        for name, errors in self.errors.items():
            text = " ".join(str(e) for e in errors)
            label = self.fields[name].label if name in self.fields else ""
            parts.append(f"{label}：{text}" if label else text)
        return "；".join(parts)


class SuggestionForm(ErrorTextMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    text = forms.CharField(
        label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6})
    )
    contact_name = forms.CharField(
        label=_("您的称呼"),
        max_length=64,
        required=False,
        help_text=_("选填，仅供答复时联系，不会公开"),
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        help_text=_("选填，仅供答复时联系，不会公开"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class StaffSuggestionForm(SuggestionForm):
    """A suggestion received by hotline, WeChat, the media or otherwise, entered by staff."""

    channel = forms.ChoiceField(label=_("渠道"), choices=SuggestionChannel.choices)

    field_order = ["channel", "title", "text", "contact_name", "contact_phone"]


class AnswerForm(ErrorTextMixin, forms.Form):
    answer = forms.CharField(
        label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    publish = forms.BooleanField(label=_("答复后在门户网站公开"), required=False)


class CommentForm(ErrorTextMixin, forms.Form):
    name = forms.CharField(
        label=_("称呼"),
        max_length=64,
        required=False,
        help_text=_("选填，仅工作人员可见，不公开"),
    )
    text = forms.CharField(
        label=_("您的意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5})
    )


class MediaExposureForm(ErrorTextMixin, forms.Form):
    outlet = forms.CharField(label=_("媒体名称"), max_length=64)
    title = forms.CharField(label=_("报道标题"), max_length=200)
    url = forms.URLField(label=_("报道链接"), max_length=500, required=False, assume_scheme="https")
    published_on = forms.DateField(
        label=_("报道日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.TypedChoiceField(label=_("问题类别"), coerce=int)
    description = forms.CharField(
        label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    lng = forms.FloatField(
        label=_("经度"), min_value=-180, max_value=180, required=False, widget=forms.HiddenInput
    )
    lat = forms.FloatField(
        label=_("纬度"), min_value=-90, max_value=90, required=False, widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = list(
            Category.objects.filter(
                jurisdiction=jurisdiction, level=CategoryLevel.MINOR, is_active=True
            )
            .select_related("parent")
            .order_by("kind", "parent__code", "code")
        )
        self.categories = {c.pk: c for c in categories}
        cast(forms.ChoiceField, self.fields["category"]).choices = category_choices(categories)

    def clean_category(self) -> Category:
        category = self.categories.get(self.cleaned_data["category"])
        if category is None:
            raise forms.ValidationError(_("请选择本辖区启用的小类"))
        return category

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_point = data.get("lng") is not None and data.get("lat") is not None
        if not has_point and not str(data.get("address", "")).strip():
            raise forms.ValidationError(_("请在地图上点选问题位置，或填写地址"))
        return data


class ConsultationForm(ErrorTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ConsultationKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )
    opens_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ConcludeForm(ErrorTextMixin, forms.Form):
    summary = forms.CharField(
        label=_("意见汇总"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    response = forms.CharField(
        label=_("采纳与答复情况"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )


class ModerateForm(ErrorTextMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[
            (ModerationStatus.APPROVED, _("通过")),
            (ModerationStatus.REJECTED, _("不通过")),
        ],
    )
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class HearingForm(ErrorTextMixin, forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200)
    held_on = forms.DateField(label=_("召开日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    participants = forms.CharField(
        label=_("参会人员"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明单位和人数，如：居民代表12人、县住建局、青年路街道办事处"),
    )
    minutes = forms.CharField(
        label=_("会议纪要"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    consultation = forms.TypedChoiceField(
        label=_("相关公示/征求意见"), coerce=int, required=False, empty_value=None
    )
    is_published = forms.BooleanField(label=_("在门户网站公开"), required=False, initial=True)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consultations = {
            c.pk: c
            for c in Consultation.objects.filter(jurisdiction=jurisdiction).order_by("-created_at")
        }
        cast(forms.ChoiceField, self.fields["consultation"]).choices = [
            ("", _("（无）")),
            *((pk, c.title) for pk, c in self.consultations.items()),
        ]

    def clean_consultation(self) -> Consultation | None:
        value = self.cleaned_data.get("consultation")
        if value is None:
            return None
        consultation = self.consultations.get(value)
        if consultation is None:
            raise forms.ValidationError(_("请选择本辖区的事项"))
        return consultation


class TypicalCaseForm(ErrorTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=TypicalKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(
        label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    before_photo = forms.TypedChoiceField(
        label=_("处置前照片"), coerce=int, widget=forms.RadioSelect
    )
    after_photo = forms.TypedChoiceField(
        label=_("处置后照片"), coerce=int, widget=forms.RadioSelect
    )
    publish = forms.BooleanField(label=_("立即公开"), required=False, initial=True)

    def __init__(self, *args: Any, photos: list[Attachment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(a.pk, f"#{a.pk} {a.get_kind_display()}") for a in photos]
        for name in ("before_photo", "after_photo"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices


class BulletinForm(ErrorTextMixin, forms.Form):
    """A bulletin's fields and optional PDF; `editing` adds "remove the PDF"."""

    kind = forms.ChoiceField(label=_("类型"), choices=BulletinKind.choices)
    number = forms.CharField(
        label=_("文号"),
        max_length=64,
        required=False,
        help_text=_("选填，如：中牟精细办通〔2026〕3号"),
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    period_start = forms.DateField(
        label=_("通报期间起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("通报期间止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    body = forms.CharField(
        label=_("正文"),
        max_length=bulletin_services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("纯文本，空一行另起一段"),
    )
    pdf = forms.FileField(
        label=_("PDF 文件"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    remove_pdf = forms.BooleanField(label=_("删除已上传的 PDF 文件"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["remove_pdf"]
        limit = size_text(bulletin_services.max_pdf_bytes())
        self.fields["pdf"].help_text = _("选填，仅限 PDF，不超过 %(limit)s") % {"limit": limit}

    def clean_pdf(self) -> bulletin_services.Pdf | None:
        upload = self.cleaned_data.get("pdf")
        if not upload:
            return None
        try:
            return bulletin_services.pdf_read(file=upload, size=upload.size)
        except bulletin_services.BulletinInputError as exc:
            raise forms.ValidationError(str(exc)) from None

    def bulletin_text(self) -> bulletin_services.BulletinText:
        """The cleaned text fields, for the services."""
        data = self.cleaned_data
        return bulletin_services.BulletinText(
            **{name: data[name] for name in bulletin_services.TEXT_FIELDS}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("通报期间的结束日期不能早于开始日期"))
        return data


class WithdrawForm(ErrorTextMixin, forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200, required=False)
