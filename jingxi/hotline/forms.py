"""Forms of the hotline pages. They parse shapes only; the services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingxi.catalog.choices import CategoryLevel, Urgency
from jingxi.catalog.models import Category
from jingxi.hotline.choices import CallOutcome, Satisfaction
from jingxi.hotline.models import Call
from jingxi.lib.numbers import column_form_field, id_form_field
from jingxi.org.models import Jurisdiction


class CallForm(forms.Form):
    """What the operator typed while on the phone (rendered by hand in the console)."""

    caller_phone = forms.CharField(label=_("来电号码"), max_length=32, required=False)
    caller_name = forms.CharField(label=_("来电人"), max_length=64, required=False)
    text = forms.CharField(label=_("来电内容"), max_length=2000, required=False)
    category = forms.ModelChoiceField(
        label=_("问题类别"), queryset=Category.objects.none(), required=False
    )
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    lng = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, required=False, initial=Urgency.NORMAL
    )
    duration_seconds = column_form_field(
        Call._meta.get_field("duration_seconds"), label=_("通话时长（秒）"), required=False
    )

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Category.objects.filter(
            jurisdiction=jurisdiction, level=CategoryLevel.MINOR, is_active=True
        )

    def error_text(self) -> str:
        """Every field error in one line, each after its field's label."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            parts.append(f"{label}：{' '.join(str(e) for e in errors)}" if label else errors[0])
        return "；".join(str(p) for p in parts)


class CallLogForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (CallOutcome.SUGGESTION.value, CallOutcome.SUGGESTION.label),
            (CallOutcome.INFO_ONLY.value, CallOutcome.INFO_ONLY.label),
        ]
    )


class CallbackForm(forms.Form):
    case = id_form_field()
    call = id_form_field(required=False)
    reached = forms.TypedChoiceField(
        label=_("是否接通"),
        choices=[("1", _("已接通")), ("0", _("未接通"))],
        coerce=lambda v: v == "1",
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=[("", "—"), *Satisfaction.choices], required=False
    )
    note = forms.CharField(label=_("回访记录"), max_length=2000, required=False)
