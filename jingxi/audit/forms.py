"""The audit pages' filter: kind, user, dates, and where a page starts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingxi.audit.choices import AuditKind
from jingxi.audit.selectors import AuditFilter

MAX_ID = 2**63 - 1
EXPORT_FORMATS = (("xlsx", "XLSX"), ("csv", "CSV"))


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *AuditKind.choices]
    )
    user = forms.CharField(label=_("用户名"), required=False, max_length=150)
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("截止日期"), required=False)
    # The page after the one ending at this id (newest first).
    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期"))
        return data

    def filters(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            kind=data.get("kind") or "",
            username=(data.get("user") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def error_text(self) -> str:
        parts = []
        for name, errors in self.errors.items():
            text = "，".join(str(e) for e in errors)
            field = self.fields.get(name)
            parts.append(f"{field.label}：{text}" if field is not None else text)
        return "；".join(parts)


class AuditExportForm(AuditFilterForm):
    format = forms.ChoiceField(label=_("格式"), choices=EXPORT_FORMATS, initial="xlsx")
