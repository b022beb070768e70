"""Forms of the citizens' pages. They parse and check shapes; the services decide the rest."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from jingxi.cases.forms import MultiplePhotoField
from jingxi.cases.services import MAX_DESCRIPTION
from jingxi.catalog.choices import CategoryLevel
from jingxi.catalog.models import Category
from jingxi.lib.numbers import id_form_field
from jingxi.org.models import Jurisdiction
from jingxi.public.citizen.choices import Rating
from jingxi.public.citizen.services import MAX_COMMENT

# Mainland mobile: 1[3-9] + 9 digits. Landline: area code 0 + 2-3 digits, 7-8 digits,
# optional extension. Both after removing spaces, dashes and a +86 / 0086 prefix.
MOBILE: Final = re.compile(r"1[3-9]\d{9}")
LANDLINE: Final = re.compile(r"(0\d{2,3})(\d{7,8})(?:[#*转](\d{1,6}))?")
FORM_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{16,48}")


def phone_normalize(raw: str) -> str:
    """A mainland mobile ("13812341234") or landline ("0371-62123456") number, or
    ValidationError saying what is expected."""
    text = unicodedata.normalize("NFKC", raw).strip()
    compact = re.sub(r"[\s\-()（）]", "", text)
    for prefix in ("+86", "0086", "86"):
        if compact.startswith(prefix) and len(compact) - len(prefix) >= 10:
            compact = compact[len(prefix) :]
            break
    if MOBILE.fullmatch(compact):
        return compact
    match = LANDLINE.fullmatch(compact)
    if match:
        area, number, extension = match.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise forms.ValidationError(
        _("请填写正确的手机号（11位，如 13812341234）或固定电话（含区号，如 0371-62123456）")
    )


class CitizenReportForm(forms.Form):
    lng = forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("位置描述"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：青年路与建设路交叉口东北角")}),
    )
    category = id_form_field(widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "maxlength": MAX_DESCRIPTION,
                "placeholder": _("请描述看到的问题，如：人行道上有一堆垃圾，已有异味"),
            }
        ),
    )
    photos = MultiplePhotoField(label=_("现场照片"))
    reporter_name = forms.CharField(
        label=_("您的称呼"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("选填")}),
    )
    reporter_phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "placeholder": _("选填，便于回访")}
        ),
    )
    consent = forms.BooleanField(
        label=_("我同意将所填联系方式仅用于处理和回访本问题"), required=False
    )
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        place = _("请在地图上点选问题位置，或搜索地址后选择")
        self.fields["lng"].error_messages.update(required=place, invalid=place)
        self.fields["lat"].error_messages.update(required=place, invalid=place)
        self.fields["category"].error_messages.update(
            required=_("请选择问题类别"), invalid=_("请选择问题类别")
        )
        self.fields["description"].error_messages["required"] = _("请填写问题描述")
        self.fields["form_token"].error_messages["required"] = _("表单已失效，请刷新页面后重新提交")

    def clean_category(self) -> Category:
        category = Category.objects.filter(
            pk=self.cleaned_data["category"],
            jurisdiction=self.jurisdiction,
            level=CategoryLevel.MINOR,
            is_active=True,
        ).first()
        if category is None:
            raise forms.ValidationError(_("请选择问题类别"))
        return category

    def clean_description(self) -> str:
        text = str(self.cleaned_data["description"]).strip()
        if not text:
            raise forms.ValidationError(_("请填写问题描述"))
        if len(text) > MAX_DESCRIPTION:
            raise forms.ValidationError(
                _("问题描述不能超过%(n)d字（现有%(m)d字）") % {"n": MAX_DESCRIPTION, "m": len(text)}
            )
        return text

    def clean_reporter_name(self) -> str:
        return str(self.cleaned_data.get("reporter_name", "")).strip()

    def clean_reporter_phone(self) -> str:
        raw = str(self.cleaned_data.get("reporter_phone", "")).strip()
        return phone_normalize(raw) if raw else ""

    def clean_form_token(self) -> str:
        token = str(self.cleaned_data["form_token"])
        if not FORM_TOKEN.fullmatch(token):
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新提交"))
        return token

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The place is one answer kept in two hidden fields: one message, on `lng` (shown
        # by the map), however many of the two are missing or wrong.
        if "lat" in self.errors:
            lat_errors = self.errors.pop("lat")
            self.errors.setdefault("lng", lat_errors)
        gave_contact = data.get("reporter_name") or data.get("reporter_phone")
        if gave_contact and not data.get("consent"):
            self.add_error("consent", _("留下联系方式时，请勾选同意其用途"))
        return data


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("您对处理结果是否满意"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见（选填）"),
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COMMENT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].error_messages["required"] = _("请选择满意、基本满意或不满意")


class NotFixedForm(forms.Form):
    reason = forms.CharField(
        label=_("哪里没有解决"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "maxlength": MAX_COMMENT,
                "placeholder": _("如：垃圾清走后当天又堆上了"),
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("请说明问题哪里没有解决")


class TrackSearchForm(forms.Form):
    number = forms.CharField(
        label=_("查询编号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "202611250001"}
        ),
    )

    def clean_number(self) -> str:
        number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", self.cleaned_data["number"]))
        if not re.fullmatch(r"\d{8,20}", number):
            raise forms.ValidationError(_("编号由数字组成，如 202611250001"))
        return number


class ReopenDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])
    note = forms.CharField(max_length=MAX_COMMENT, required=False)
