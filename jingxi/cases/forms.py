"""Forms of the case pages. They parse and check shapes; the services decide the rest."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from jingxi.cases.access import PATROL_SOURCES
from jingxi.cases.choices import Action, Source
from jingxi.catalog.choices import CategoryLevel, Urgency
from jingxi.catalog.models import Category
from jingxi.lib.numbers import id_form_field
from jingxi.org.models import Jurisdiction

MAX_PHOTOS = 6


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Zero or more files; their content is checked by the evidence service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/heic"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("一次最多上传%(n)d张照片") % {"n": MAX_PHOTOS})
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


def category_choices(categories: Sequence[Category]) -> list[tuple[str, Any]]:
    """Minor categories grouped under "部件 · 01 公用设施"-style major headings."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for c in categories:
        major = c.parent
        heading = f"{c.get_kind_display()} · {major.code} {major.name}" if major else ""
        groups.setdefault(heading, []).append((c.pk, f"{c.code} {c.name}"))
    return [("", _("请选择问题类别")), *groups.items()]


class CaseReportForm(forms.Form):
    # A select for a browser without script; the page's category picker hides it.
    category = forms.TypedChoiceField(
        label=_("问题类别"),
        coerce=int,
        widget=forms.Select(attrs={"aria-labelledby": "category-label"}),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lng = forms.FloatField(label=_("经度"), min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90, widget=forms.HiddenInput)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    source = forms.ChoiceField(label=_("信息来源"), required=False)
    reporter_name = forms.CharField(label=_("反映人姓名"), max_length=64, required=False)
    reporter_phone = forms.CharField(label=_("反映人电话"), max_length=32, required=False)
    # In the street: the camera first (`capture`); the service checks the type by content.
    photos = MultiplePhotoField(
        label=_("现场照片"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    file_directly = forms.BooleanField(label=_("直接立案（巡查发现、事实清楚）"), required=False)

    def __init__(
        self,
        *args: Any,
        jurisdiction: Jurisdiction,
        sources: Sequence[Source],
        **kwargs: Any,
    ) -> None:
        """`sources`: those the user may claim (`access.report_sources_for`). A user
        who claims one patrol source only reports as themselves: no source or caller
        fields; a desk's sources come with the caller's name and phone."""
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
        patrol = [s for s in sources if s in PATROL_SOURCES]
        self.patrol_source = str(sources[0]) if len(sources) == 1 and patrol else ""
        if self.patrol_source:
            # A patrol report's source is who made it; the desk fields do not apply.
            for name in ("source", "reporter_name", "reporter_phone"):
                del self.fields[name]
        else:
            cast(forms.ChoiceField, self.fields["source"]).choices = [
                (s.value, s.label) for s in sources
            ]
            self.fields["source"].required = True
        if not patrol:
            del self.fields["file_directly"]
        self.fields["lng"].error_messages["required"] = _("请在地图上点选问题位置，或搜索地址")
        self.fields["lat"].error_messages["required"] = _("请在地图上点选问题位置，或搜索地址")

    def clean_category(self) -> Category:
        value = self.cleaned_data["category"]
        category = self.categories.get(value)
        if category is None:
            raise forms.ValidationError(_("请选择本辖区启用的小类"))
        return category

    @property
    def source_value(self) -> str:
        return self.patrol_source or str(self.cleaned_data.get("source", ""))


class CaseActionForm(forms.Form):
    action = forms.ChoiceField(label=_("动作"), choices=Action.choices)
    note = forms.CharField(label=_("意见"), max_length=2000, required=False)
    unit = id_form_field(label=_("责任单位"), required=False)
    merge_into = id_form_field(label=_("合并至"), required=False)
    extension_hours = forms.DecimalField(
        label=_("延期工作时数"),
        max_digits=6,
        decimal_places=1,
        required=False,
        min_value=Decimal("0.5"),
    )
    photos = MultiplePhotoField(label=_("照片"))

    def error_text(self) -> str:
        parts = []
        for name, errors in self.errors.items():
            text = " ".join(str(e) for e in errors)
            label = self.fields[name].label if name in self.fields else ""
            parts.append(f"{label}：{text}" if label else text)
        return "；".join(parts)
