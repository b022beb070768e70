"""Forms of the planning pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingxi.org.models import User


class RegenerateForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=255)


class DutyChangeForm(forms.Form):
    ACTIONS = (
        ("absent", _("请假/缺勤")),
        ("return", _("销假")),
        ("swap", _("换班")),
    )
    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS)
    inspector = forms.ModelChoiceField(label=_("督导员"), queryset=User.objects.none())
    day = forms.DateField(label=_("日期"))
    other = forms.ModelChoiceField(
        label=_("换班对象"), queryset=User.objects.none(), required=False
    )
    other_day = forms.DateField(label=_("对方日期"), required=False)
    reason = forms.CharField(label=_("原因"), max_length=255)

    def __init__(self, *args: Any, inspectors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["other"].queryset = inspectors  # type: ignore[attr-defined]  # ModelChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "swap" and not data.get("other"):
            self.add_error("other", _("换班须选择换班对象"))
        return data
