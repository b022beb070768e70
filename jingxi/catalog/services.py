"""Writes to the catalog: seeding the standard tree, saving categories and time limits,
and the XLSX export/import round trip.

The XLSX form is one sheet, 类别, one row per category (majors and minors), plus a 说明
sheet for people. Time limits sit in one column in the text form of `limits.py`.
Import validates every row before writing anything and raises `ImportRejected` with all
the problems; a clean file is written in one transaction, upserting by (kind, code).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _

from jingxi.catalog.choices import (
    CategoryKind,
    CategoryLevel,
    FocusArea,
    GovernanceArea,
    Responsibility,
    TimeUnit,
    Urgency,
)
from jingxi.catalog.data import MAJORS, MINORS
from jingxi.catalog.limits import LimitSpec, LimitSyntaxError, limits_format, limits_parse
from jingxi.catalog.models import Category, TimeLimit
from jingxi.lib.tabular import ImportRejected, RowError, TabularRow, xlsx_read, xlsx_write
from jingxi.org.models import Jurisdiction, Unit

# --- seeding -------------------------------------------------------------------------


def catalog_seed(*, jurisdiction: Jurisdiction) -> int:
    """Create the standard tree's missing categories (with their time limits).

    Idempotent: a category that exists (by kind and code) is left exactly as it is,
    edited or not. Default units are linked by unit code when the unit exists in the
    jurisdiction, otherwise left empty. Returns the number of categories created.
    """
    units = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    with transaction.atomic():
        existing = {(c.kind, c.code): c for c in Category.objects.filter(jurisdiction=jurisdiction)}
        new_majors = [
            Category(
                jurisdiction=jurisdiction,
                kind=m.kind,
                level=CategoryLevel.MAJOR,
                code=m.code,
                name=m.name,
                responsibility=Responsibility.TOWNSHIP,
            )
            for m in MAJORS
            if (m.kind, m.code) not in existing
        ]
        for major in Category.objects.bulk_create(new_majors):
            existing[(major.kind, major.code)] = major

        new_minors: list[Category] = []
        limits: list[tuple[Category, list[LimitSpec]]] = []
        for spec in MINORS:
            if (spec.kind, spec.code) in existing:
                continue
            unit = units.get(spec.unit) if spec.unit else None
            responsibility = spec.responsibility
            if responsibility == Responsibility.UNIT and unit is None:
                # The fixed unit does not exist here (yet): fall back to territory.
                responsibility = Responsibility.TOWNSHIP
            category = Category(
                jurisdiction=jurisdiction,
                kind=spec.kind,
                level=CategoryLevel.MINOR,
                parent=existing[(spec.kind, spec.code[:2])],
                code=spec.code,
                name=spec.name,
                filing_condition=spec.filing,
                closing_condition=spec.closing,
                governance_area=spec.governance,
                focus_area=spec.focus,
                responsibility=responsibility,
                default_unit=unit,
                keywords=spec.keywords,
            )
            new_minors.append(category)
            limits.append((category, limits_parse(spec.limits)))
        Category.objects.bulk_create(new_minors)
        TimeLimit.objects.bulk_create(
            TimeLimit(
                category=category,
                urgency=s.urgency,
                condition=s.condition,
                amount=s.amount,
                unit=s.unit,
            )
            for category, specs in limits
            for s in specs
        )
    return len(new_majors) + len(new_minors)


# --- single writes (admin) -----------------------------------------------------------


def category_save(*, category: Category) -> Category:
    """Validate (fields and tree shape) and save one category."""
    category.full_clean()
    category.save()
    return category


def time_limit_save(*, time_limit: TimeLimit) -> TimeLimit:
    if time_limit.category.level != CategoryLevel.MINOR:
        raise ValidationError(_("只有小类可以设置处置时限"))
    time_limit.full_clean()
    time_limit.save()
    return time_limit


def time_limit_delete(*, time_limit: TimeLimit) -> None:
    time_limit.delete()


def time_limit_set(
    *,
    category: Category,
    urgency: str = Urgency.NORMAL,
    condition: str = "",
    amount: Decimal | int | str,
    unit: str,
) -> TimeLimit:
    """Create or change the limit of one (urgency, condition) of a minor category."""
    time_limit = TimeLimit.objects.filter(
        category=category, urgency=urgency, condition=condition
    ).first() or TimeLimit(category=category, urgency=urgency, condition=condition)
    time_limit.amount = Decimal(str(amount))
    time_limit.unit = unit
    return time_limit_save(time_limit=time_limit)


# --- XLSX ----------------------------------------------------------------------------

SHEET: Final = "类别"
COL_KIND: Final = "部件/事件"
COL_CODE: Final = "编码"
COL_LEVEL: Final = "级别"
COL_NAME: Final = "名称"
COL_FILING: Final = "立案条件"
COL_CLOSING: Final = "结案条件"
COL_LIMITS: Final = "处置时限"
COL_GOVERNANCE: Final = "治理方面"
COL_FOCUS: Final = "重点方面"
COL_RESPONSIBILITY: Final = "责任单位规则"
COL_UNIT: Final = "默认责任单位编码"
COL_UNIT_NAME: Final = "默认责任单位名称"
COL_KEYWORDS: Final = "关键词"
COL_ACTIVE: Final = "启用"

COLUMNS: Final = (
    COL_KIND,
    COL_CODE,
    COL_LEVEL,
    COL_NAME,
    COL_FILING,
    COL_CLOSING,
    COL_LIMITS,
    COL_GOVERNANCE,
    COL_FOCUS,
    COL_RESPONSIBILITY,
    COL_UNIT,
    COL_UNIT_NAME,
    COL_KEYWORDS,
    COL_ACTIVE,
)
REQUIRED_COLUMNS: Final = (COL_KIND, COL_CODE, COL_NAME)

_YES: Final = "是"
_NO: Final = "否"
_TRUE_WORDS: Final = frozenset({"是", "1", "true", "yes", "y", "启用"})
_FALSE_WORDS: Final = frozenset({"否", "0", "false", "no", "n", "停用"})


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value else ""


def _help_rows() -> list[list[str]]:
    def options(choices: type[TextChoices]) -> str:
        return "、".join(str(label) for label in choices.labels)

    return [
        [COL_KIND, options(CategoryKind)],
        [
            COL_CODE,
            _("大类2位数字，小类4位数字（前2位为所属大类编码）；按部件/事件+编码更新或新增"),
        ],
        [COL_LEVEL, _("可留空，按编码位数判断：") + options(CategoryLevel)],
        [COL_NAME, _("必填，最多64字")],
        [
            COL_LIMITS,
            _("如“一般:4工作时; 紧急:2工作时; 拆除:20工作日; 紧急/拆除:10工作日”。")
            + _("紧急程度：")
            + options(Urgency)
            + _("；单位：")
            + options(TimeUnit)
            + _("。小类须有“一般”时限；导入时以本列替换该类别的全部时限"),
        ],
        [COL_GOVERNANCE, options(GovernanceArea) + _("，可留空")],
        [COL_FOCUS, options(FocusArea) + _("，留空为“其他”")],
        [COL_RESPONSIBILITY, options(Responsibility)],
        [COL_UNIT, _("本辖区单位编码；规则为“固定单位”时必填")],
        [COL_UNIT_NAME, _("仅供阅读，导入时忽略")],
        [COL_KEYWORDS, _("逗号分隔，用于从问题描述推荐类别")],
        [COL_ACTIVE, _("是/否，留空为“是”")],
    ]


def catalog_export_xlsx(*, jurisdiction: Jurisdiction) -> bytes:
    """The jurisdiction's whole catalog as an XLSX that `catalog_import_xlsx` reads back."""
    categories = (
        Category.objects.filter(jurisdiction=jurisdiction)
        .select_related("default_unit")
        .prefetch_related("time_limits")
        .order_by("kind", "code")
    )
    rows: list[list[Any]] = []
    for c in categories:
        specs = [LimitSpec(t.urgency, t.condition, t.amount, t.unit) for t in c.time_limits.all()]
        rows.append(
            [
                _label(CategoryKind, c.kind),
                c.code,
                _label(CategoryLevel, c.level),
                c.name,
                c.filing_condition,
                c.closing_condition,
                limits_format(specs),
                _label(GovernanceArea, c.governance_area),
                _label(FocusArea, c.focus_area),
                _label(Responsibility, c.responsibility),
                c.default_unit.code if c.default_unit else "",
                c.default_unit.name if c.default_unit else "",
                c.keywords,
                _YES if c.is_active else _NO,
            ]
        )
    return xlsx_write(
        [
            (SHEET, list(COLUMNS), rows),
            (_("说明"), [_("列"), _("填写说明")], _help_rows()),
        ]
    )


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    time_limits: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Parsed:
    row: int
    kind: str
    code: str
    level: str
    fields: dict[str, Any]
    limits: list[LimitSpec] = field(default_factory=list)


def _choice(choices: type[TextChoices], text: str) -> str | None:
    """The value of a choice given by its value or its Chinese label."""
    for value, label in choices.choices:
        if text in (value, str(label)):
            return str(value)
    return None


class _RowReader:
    """Validate one row, collecting errors instead of stopping at the first."""

    def __init__(self, row: TabularRow, errors: list[RowError]) -> None:
        self.row = row
        self.errors = errors
        self.ok = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.errors.append(self.row.error(column, message))

    def choice(self, column: str, choices: type[TextChoices], *, default: str | None = None) -> str:
        text = self.row.get(column)
        if not text:
            if default is None:
                self.fail(column, _("不能为空"))
                return ""
            return default
        value = _choice(choices, text)
        if value is None:
            options = "、".join(str(label) for label in choices.labels)
            self.fail(column, _("“%(v)s”无效，可选：%(o)s") % {"v": text, "o": options})
            return ""
        return value

    def text(self, column: str, *, max_length: int | None = None, required: bool = False) -> str:
        value = self.row.get(column)
        if required and not value:
            self.fail(column, _("不能为空"))
        if max_length is not None and len(value) > max_length:
            self.fail(column, _("不能超过%(n)d个字") % {"n": max_length})
        return value


def _parse_row(
    row: TabularRow, *, units: Mapping[str, Unit], errors: list[RowError]
) -> _Parsed | None:
    r = _RowReader(row, errors)
    kind = r.choice(COL_KIND, CategoryKind)
    code = r.text(COL_CODE, required=True)
    level = ""
    if code:
        if not code.isascii() or not code.isdigit() or len(code) not in (2, 4):
            r.fail(COL_CODE, _("“%(c)s”应为2位（大类）或4位（小类）数字") % {"c": code})
        else:
            level = CategoryLevel.MAJOR if len(code) == 2 else CategoryLevel.MINOR
            given = r.row.get(COL_LEVEL)
            if given and _choice(CategoryLevel, given) != level:
                r.fail(COL_LEVEL, _("与编码位数不符（大类2位、小类4位）"))
    name = r.text(COL_NAME, max_length=64, required=True)
    keywords = r.text(COL_KEYWORDS, max_length=255)
    governance = r.choice(COL_GOVERNANCE, GovernanceArea, default="")
    focus = r.choice(COL_FOCUS, FocusArea, default=FocusArea.NONE)
    responsibility = r.choice(COL_RESPONSIBILITY, Responsibility, default=Responsibility.TOWNSHIP)

    unit: Unit | None = None
    unit_code = r.row.get(COL_UNIT)
    if unit_code:
        unit = units.get(unit_code)
        if unit is None:
            r.fail(COL_UNIT, _("本辖区没有编码为“%(c)s”的单位") % {"c": unit_code})
    elif responsibility == Responsibility.UNIT and level == CategoryLevel.MINOR:
        r.fail(COL_UNIT, _("责任单位规则为“固定单位”时必填"))

    active_text = r.row.get(COL_ACTIVE).lower()
    is_active = True
    if active_text in _FALSE_WORDS:
        is_active = False
    elif active_text and active_text not in _TRUE_WORDS:
        r.fail(COL_ACTIVE, _("应为“是”或“否”"))

    limits: list[LimitSpec] = []
    limits_text = r.row.get(COL_LIMITS)
    try:
        limits = limits_parse(limits_text)
    except LimitSyntaxError as exc:
        r.fail(COL_LIMITS, str(exc))
    else:
        if level == CategoryLevel.MAJOR and limits:
            r.fail(COL_LIMITS, _("大类不设处置时限"))
        elif level == CategoryLevel.MINOR and not any(
            s.urgency == Urgency.NORMAL and not s.condition for s in limits
        ):
            r.fail(COL_LIMITS, _("小类须有“一般”时限，如“一般:4工作时”"))

    if not r.ok:
        return None
    return _Parsed(
        row=row.number,
        kind=kind,
        code=code,
        level=level,
        fields={
            "name": name,
            "filing_condition": r.row.get(COL_FILING),
            "closing_condition": r.row.get(COL_CLOSING),
            "governance_area": governance,
            "focus_area": focus,
            "responsibility": responsibility,
            "default_unit": unit,
            "keywords": keywords,
            "is_active": is_active,
        },
        limits=limits,
    )


def _limit_key(specs: Iterable[LimitSpec]) -> set[tuple[str, str, Decimal, str]]:
    return {(s.urgency, s.condition, s.amount.normalize(), s.unit) for s in specs}


def catalog_import_xlsx(*, jurisdiction: Jurisdiction, source: Any) -> ImportSummary:
    """Upsert categories (by kind and code) from an XLSX in the export's format.

    All or nothing: every row is validated first; any error raises `ImportRejected`
    listing every bad row, and nothing is written.
    """
    rows = xlsx_read(source, sheet=SHEET, required_columns=REQUIRED_COLUMNS)
    if not rows:
        raise ImportRejected([RowError(None, None, _("文件中没有类别数据"))])
    units = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    existing = {
        (c.kind, c.code): c
        for c in Category.objects.filter(jurisdiction=jurisdiction)
        .select_related("default_unit")
        .prefetch_related("time_limits")
    }

    errors: list[RowError] = []
    parsed: list[_Parsed] = []
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        item = _parse_row(row, units=units, errors=errors)
        if item is None:
            continue
        key = (item.kind, item.code)
        if key in first_row:
            errors.append(
                row.error(
                    COL_CODE,
                    _("与第%(n)d行重复（%(k)s %(c)s）")
                    % {"n": first_row[key], "k": _label(CategoryKind, item.kind), "c": item.code},
                )
            )
            continue
        first_row[key] = row.number
        parsed.append(item)

    majors_in_file = {(p.kind, p.code) for p in parsed if p.level == CategoryLevel.MAJOR}
    for p in parsed:
        if p.level != CategoryLevel.MINOR:
            continue
        major_key = (p.kind, p.code[:2])
        current = existing.get(major_key)
        if major_key not in majors_in_file and (
            current is None or current.level != CategoryLevel.MAJOR
        ):
            errors.append(
                RowError(
                    p.row,
                    COL_CODE,
                    _("所属大类%(k)s %(c)s不存在，也不在文件中")
                    % {"k": _label(CategoryKind, p.kind), "c": p.code[:2]},
                )
            )
    for p in parsed:
        current = existing.get((p.kind, p.code))
        if current is not None and current.level != p.level:
            errors.append(RowError(p.row, COL_CODE, _("已存在同编码的类别，级别不同")))
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise ImportRejected(errors)

    summary = ImportSummary()
    with transaction.atomic():
        # Majors first, so minors find their parents.
        for p in sorted(parsed, key=lambda p: (p.level != CategoryLevel.MAJOR, p.kind, p.code)):
            _import_one(p, jurisdiction=jurisdiction, existing=existing, summary=summary)
    return summary


def _import_one(
    p: _Parsed,
    *,
    jurisdiction: Jurisdiction,
    existing: dict[tuple[str, str], Category],
    summary: ImportSummary,
) -> None:
    category = existing.get((p.kind, p.code))
    created = category is None
    if category is None:
        category = Category(jurisdiction=jurisdiction, kind=p.kind, code=p.code, level=p.level)
    parent = existing[(p.kind, p.code[:2])] if p.level == CategoryLevel.MINOR else None

    changed = created or category.parent_id != (parent.pk if parent else None)
    for name, value in p.fields.items():
        if getattr(category, name) != value:
            setattr(category, name, value)
            changed = True
    category.parent = parent
    if changed:
        try:
            category_save(category=category)
        except ValidationError as exc:
            # The row checks above mirror the model's; this is a last line of defence
            # and rolls the whole import back.
            messages = "; ".join(exc.messages)
            raise ImportRejected([RowError(p.row, None, messages)]) from exc
    existing[(p.kind, p.code)] = category

    current = list(category.time_limits.all()) if not created else []
    limits_changed = _limit_key(
        LimitSpec(t.urgency, t.condition, t.amount, t.unit) for t in current
    ) != _limit_key(p.limits)
    if limits_changed:
        wanted = {(s.urgency, s.condition) for s in p.limits}
        for t in current:
            if (t.urgency, t.condition) not in wanted:
                time_limit_delete(time_limit=t)
        for s in p.limits:
            time_limit_set(
                category=category,
                urgency=s.urgency,
                condition=s.condition,
                amount=s.amount,
                unit=s.unit,
            )
    summary.time_limits += len(p.limits)
    if created:
        summary.created += 1
    elif changed or limits_changed:
        summary.updated += 1
    else:
        summary.unchanged += 1
