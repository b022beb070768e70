"""XLSX import and export of units, staff and the work calendar.

An import reads the first sheet (header in the first non-empty row, Chinese column
names as the exporters write them), checks every row, and raises `ImportRejected`
with every row error found; only a file without errors is written, in one
transaction. Rows are matched by unit code / username: a match is updated, the rest
created; nothing is deleted. Each exporter writes exactly what its importer reads.

Road chiefs are assigned to roads, which live in `places`, so their import is
`jingxi.places.chiefs_xlsx.road_chiefs_import_xlsx`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from jingxi.audit.choices import AuditKind
from jingxi.audit.services import audit_change, audit_record, record_snapshot, subject_of
from jingxi.lib.tabular import (
    ImportRejected,
    RowError,
    TabularRow,
    XlsxSource,
    xlsx_read,
    xlsx_write,
)
from jingxi.org.choices import CalendarDayKind, RankingGroup, Role, UnitKind
from jingxi.org.duties import separation_error
from jingxi.org.models import CalendarDay, Jurisdiction, Membership, Unit, User
from jingxi.org.services import calendar_day_set


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote: rows created and rows updated."""

    kind: str
    created: int
    updated: int
    unchanged: int = 0  # matched rows the file leaves as they are

    def __str__(self) -> str:
        text = _("新建%(created)d条，更新%(updated)d条") % {
            "created": self.created,
            "updated": self.updated,
        }
        if self.unchanged:
            text += _("，%(n)d条无变化") % {"n": self.unchanged}
        return text


# --- shared helpers -----------------------------------------------------------


def choice_value(text: str, choices: type[models.TextChoices]) -> str | None:
    """The stored value of a choice given as its value or its Chinese label."""
    text = text.strip()
    for value, label in choices.choices:
        if text in (value, str(label)):
            return str(value)
    return None


def choice_options(choices: type[models.TextChoices]) -> str:
    return "、".join(str(label) for _value, label in choices.choices)


def yes_no(text: str) -> bool | None:
    """是/否 (and the usual spellings) as a bool; None when unrecognised."""
    lowered = text.strip().lower()
    if lowered in {"是", "y", "yes", "true", "1", "启用"}:
        return True
    if lowered in {"否", "n", "no", "false", "0", "停用"}:
        return False
    return None


class RowInvalid(ValueError):
    """One problem in one row; the importer turns it into a RowError."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def row_choice(
    row: TabularRow, column: str, choices: type[models.TextChoices], *, default: str | None
) -> str:
    text = row.get(column)
    if not text:
        if default is None:
            raise RowInvalid(column, _("不能为空"))
        return default
    value = choice_value(text, choices)
    if value is None:
        raise RowInvalid(
            column,
            _("「%(text)s」不是可选值（%(options)s）")
            % {"text": text, "options": choice_options(choices)},
        )
    return value


def row_text(row: TabularRow, column: str, *, max_length: int, required: bool = False) -> str:
    text = row.get(column).strip()
    if required and not text:
        raise RowInvalid(column, _("不能为空"))
    if len(text) > max_length:
        raise RowInvalid(column, _("过长（最多%(n)d个字符）") % {"n": max_length})
    return text


def _reject_on_integrity_error(exc: IntegrityError) -> ImportRejected:
    return ImportRejected(
        [RowError(None, None, _("数据库拒绝写入，未导入任何数据：%(e)s") % {"e": exc})]
    )


# --- units ------------------------------------------------------------------

UNIT_COLUMNS: Final = (
    "单位编码",
    "名称",
    "简称",
    "类型",
    "上级单位编码",
    "排名分组",
    "联系人",
    "联系电话",
    "地址",
    "第一责任人账号",
    "启用",
)


def units_import_xlsx(*, jurisdiction: Jurisdiction, source: XlsxSource) -> ImportSummary:
    """Create or update units by code; parents may be units of the same file."""
    rows = xlsx_read(source, required_columns=("单位编码", "名称", "类型"))
    existing = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    by_name = {u.name: u for u in existing.values()}
    file_codes: dict[str, int] = {}
    all_codes = {r.get("单位编码").strip() for r in rows}
    file_names: dict[str, int] = {}
    heads = {r.get("第一责任人账号").strip() for r in rows if r.get("第一责任人账号").strip()}
    users = {u.username: u for u in User.objects.filter(username__in=heads)}
    errors: list[RowError] = []
    planned: list[tuple[TabularRow, Unit, str]] = []  # row, unit, parent code

    for row in rows:
        try:
            code = row_text(row, "单位编码", max_length=32, required=True)
            first = file_codes.setdefault(code, row.number)
            if first != row.number:
                raise RowInvalid("单位编码", _("与第%(n)d行重复") % {"n": first})
            name = row_text(row, "名称", max_length=128, required=True)
            first = file_names.setdefault(name, row.number)
            if first != row.number:
                raise RowInvalid("名称", _("与第%(n)d行重复") % {"n": first})
            unit = existing.get(code) or Unit(jurisdiction=jurisdiction, code=code)
            holder = by_name.get(name)
            if holder is not None and holder.code != code and holder.code not in all_codes:
                raise RowInvalid("名称", _("已被单位「%(code)s」使用") % {"code": holder.code})
            unit.name = name
            unit.short_name = row_text(row, "简称", max_length=32)
            unit.kind = row_choice(row, "类型", UnitKind, default=None)
            unit.ranking_group = row_choice(
                row, "排名分组", RankingGroup, default=RankingGroup.NONE
            )
            unit.contact_name = row_text(row, "联系人", max_length=32)
            unit.contact_phone = row_text(row, "联系电话", max_length=32)
            unit.address = row_text(row, "地址", max_length=255)
            head = row.get("第一责任人账号").strip()
            unit.head = None
            if head:
                user = users.get(head)
                if user is None:
                    raise RowInvalid("第一责任人账号", _("未知的账号「%(u)s」") % {"u": head})
                unit.head = user
            active = row.get("启用")
            if active:
                flag = yes_no(active)
                if flag is None:
                    raise RowInvalid("启用", _("应为“是”或“否”"))
                unit.is_active = flag
            parent = row.get("上级单位编码").strip()
            if parent == code:
                raise RowInvalid("上级单位编码", _("不能是本单位"))
        except RowInvalid as exc:
            errors.append(row.error(exc.column, exc.message))
            continue
        planned.append((row, unit, parent))

    known = set(existing) | set(file_codes)
    parents = {
        u.code: (u.parent.code if u.parent_id and u.parent else "") for u in existing.values()
    }
    for _row, unit, parent in planned:
        parents[unit.code] = parent
    for row, unit, parent in planned:
        if parent and parent not in known:
            errors.append(
                row.error("上级单位编码", _("未知的单位编码「%(code)s」") % {"code": parent})
            )
            continue
        # Walk up: a cycle would come back to this unit.
        seen = {unit.code}
        step = parent
        while step:
            if step in seen:
                errors.append(row.error("上级单位编码", _("上级关系形成循环")))
                break
            seen.add(step)
            step = parents.get(step, "")
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row or 0))

    created = updated = 0
    try:
        with transaction.atomic():
            for _row, unit, _parent in planned:
                if unit.pk:
                    updated += 1
                else:
                    created += 1
                unit.save()
                existing[unit.code] = unit
            for _row, unit, parent in planned:
                new_parent = existing[parent] if parent else None
                if unit.parent_id != (new_parent.pk if new_parent else None):
                    unit.parent = new_parent
                    unit.save(update_fields=["parent"])
    except IntegrityError as exc:
        raise _reject_on_integrity_error(exc) from exc
    return ImportSummary(kind="units", created=created, updated=updated)


def units_export_xlsx(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Unit] | None = None
) -> bytes:
    units = (queryset if queryset is not None else Unit.objects.all()).filter(
        jurisdiction=jurisdiction
    )
    rows = [
        (
            u.code,
            u.name,
            u.short_name,
            u.get_kind_display(),
            u.parent.code if u.parent else "",
            u.get_ranking_group_display(),
            u.contact_name,
            u.contact_phone,
            u.address,
            u.head.username if u.head else "",
            "是" if u.is_active else "否",
        )
        for u in units.select_related("parent", "head").order_by("code")
    ]
    return xlsx_write([(str(_("单位")), UNIT_COLUMNS, rows)])


# --- staff ------------------------------------------------------------------

STAFF_COLUMNS: Final = ("账号", "姓名", "手机号", "单位编码", "角色", "职务", "密码")


@dataclass
class _StaffUser:
    user: User
    first_row: int
    password: str = ""


def staff_import_xlsx(
    *,
    jurisdiction: Jurisdiction,
    source: XlsxSource,
    actor: Any = None,
    client_address: str = "",
) -> ImportSummary:
    """Create or update staff and their roles: one row per (user, unit, role).

    A user may have several rows; name and phone, when given on several, must agree.
    A new user gets an unusable password unless the 密码 column is filled. Created
    and updated count users; memberships not in the file are kept. In production a
    user may not end up with two administrator roles (三员分立). Every user, role and
    password written is recorded in the audit trail as done by `actor` (None: a
    command) from `client_address`.
    """
    rows = xlsx_read(source, required_columns=("账号", "姓名"))
    units = {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}
    usernames = {r.get("账号").strip() for r in rows if r.get("账号").strip()}
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    memberships = {
        (m.user_id, m.unit_id, m.role): m
        for m in Membership.objects.filter(user__username__in=usernames)
    }
    users_before = {u.pk: record_snapshot(u, many_to_many=False) for u in existing.values()}
    people: dict[str, _StaffUser] = {}
    posts: dict[tuple[str, str, str], tuple[int, str]] = {}  # (user, unit, role) -> row, title
    errors: list[RowError] = []

    for row in rows:
        try:
            username = row_text(row, "账号", max_length=150, required=True)
            person = people.get(username)
            if person is None:
                user = existing.get(username) or User(username=username, jurisdiction=jurisdiction)
                if user.jurisdiction_id not in (None, jurisdiction.pk):
                    raise RowInvalid("账号", _("该账号属于其他辖区"))
                user.jurisdiction = jurisdiction
                person = people[username] = _StaffUser(user=user, first_row=row.number)
            user = person.user
            for column, attr, limit in (("姓名", "full_name", 64), ("手机号", "phone", 32)):
                value = row_text(row, column, max_length=limit, required=column == "姓名")
                if not value:
                    continue
                if person.first_row != row.number and getattr(user, attr) != value:
                    raise RowInvalid(column, _("与第%(n)d行给出的不一致") % {"n": person.first_row})
                setattr(user, attr, value)
            password = row.get("密码")
            if password:
                if person.password and person.password != password:
                    raise RowInvalid("密码", _("与第%(n)d行给出的不一致") % {"n": person.first_row})
                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    raise RowInvalid("密码", "；".join(exc.messages)) from exc
                person.password = password
            unit_code = row.get("单位编码").strip()
            role_text = row.get("角色").strip()
            if unit_code or role_text:
                if not unit_code:
                    raise RowInvalid("单位编码", _("填写了角色时不能为空"))
                if unit_code not in units:
                    raise RowInvalid(
                        "单位编码", _("未知的单位编码「%(code)s」") % {"code": unit_code}
                    )
                role = row_choice(row, "角色", Role, default=None)
                key = (username, unit_code, role)
                if key in posts:
                    raise RowInvalid("角色", _("与第%(n)d行重复") % {"n": posts[key][0]})
                posts[key] = (row.number, row_text(row, "职务", max_length=64))
        except RowInvalid as exc:
            errors.append(row.error(exc.column, exc.message))
    for username, person in people.items():
        held = {role for (user_id, _unit, role) in memberships if user_id == person.user.pk}
        held |= {role for (name, _unit, role) in posts if name == username}
        separation = separation_error(roles=held)
        if separation:
            errors.append(RowError(person.first_row, "角色", separation))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row or 0))

    def audit(kind: AuditKind, obj: models.Model, before: Any, after: Any) -> None:
        audit_change(
            kind=kind,
            actor=actor,
            client_address=client_address,
            model=type(obj),
            subject=subject_of(obj),
            before=before,
            after=after,
            via="import:staff",
        )

    created = updated = 0
    try:
        with transaction.atomic():
            for person in people.values():
                user = person.user
                if user.pk:
                    updated += 1
                else:
                    created += 1
                    if not person.password:
                        user.set_unusable_password()
                if person.password:
                    user.set_password(person.password)
                before = users_before.get(user.pk)
                user.save()
                audit(
                    AuditKind.USER_CHANGED, user, before, record_snapshot(user, many_to_many=False)
                )
                if person.password and before is not None:
                    audit_record(
                        kind=AuditKind.PASSWORD_CHANGED,
                        actor=actor,
                        client_address=client_address,
                        subject=user,
                        details={"via": "import:staff"},
                    )
            for (username, unit_code, role), (_number, title) in posts.items():
                user = people[username].user
                unit = units[unit_code]
                membership = memberships.get((user.pk, unit.pk, role))
                if membership is None:
                    membership = Membership.objects.create(
                        user=user, unit=unit, role=role, title=title
                    )
                    audit(
                        AuditKind.MEMBERSHIP_CHANGED, membership, None, record_snapshot(membership)
                    )
                elif membership.title != title:
                    before = record_snapshot(membership)
                    membership.title = title
                    membership.save(update_fields=["title"])
                    audit(
                        AuditKind.MEMBERSHIP_CHANGED,
                        membership,
                        before,
                        record_snapshot(membership),
                    )
    except IntegrityError as exc:
        raise _reject_on_integrity_error(exc) from exc
    return ImportSummary(kind="staff", created=created, updated=updated)


def staff_export_xlsx(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[User] | None = None
) -> bytes:
    """One row per role held in this jurisdiction's units; a user without one gets one row."""
    users = (queryset if queryset is not None else User.objects.all()).filter(
        models.Q(jurisdiction=jurisdiction) | models.Q(memberships__unit__jurisdiction=jurisdiction)
    )
    users = (
        users.distinct()
        .order_by("username")
        .prefetch_related(
            models.Prefetch(
                "memberships",
                queryset=Membership.objects.filter(unit__jurisdiction=jurisdiction)
                .select_related("unit")
                .order_by("unit__code", "role"),
            )
        )
    )
    rows: list[Sequence[str]] = []
    for user in users:
        posts = list(user.memberships.all())
        if not posts:
            rows.append((user.username, user.full_name, user.phone, "", "", "", ""))
        for m in posts:
            rows.append(
                (
                    user.username,
                    user.full_name,
                    user.phone,
                    m.unit.code,
                    m.get_role_display(),
                    m.title,
                    "",
                )
            )
    return xlsx_write([(str(_("人员")), STAFF_COLUMNS, rows)])


# --- work calendar ----------------------------------------------------------

CALENDAR_COLUMNS: Final = ("日期", "类型", "名称")


def _row_date(row: TabularRow, column: str) -> dt.date:
    text = row.get(column).strip()
    if not text:
        raise RowInvalid(column, _("不能为空"))
    try:
        return dt.date.fromisoformat(text[:10].replace("/", "-"))
    except ValueError:
        raise RowInvalid(
            column, _("「%(text)s」不是日期（如 2026-10-01）") % {"text": text}
        ) from None


def calendar_days_import_xlsx(*, jurisdiction: Jurisdiction, source: XlsxSource) -> ImportSummary:
    """Holidays and 调休 workdays, one row a date; each row goes through `calendar_day_set`."""
    rows = xlsx_read(source, required_columns=CALENDAR_COLUMNS)
    errors: list[RowError] = []
    parsed: dict[dt.date, tuple[str, str]] = {}
    for row in rows:
        try:
            date = _row_date(row, "日期")
            kind = row_choice(row, "类型", CalendarDayKind, default=None)
            name = row_text(row, "名称", max_length=64)
        except RowInvalid as exc:
            errors.append(row.error(exc.column, exc.message))
            continue
        if date in parsed:
            errors.append(row.error("日期", _("%(d)s 在文件中重复") % {"d": date}))
            continue
        parsed[date] = (kind, name)
    if errors:
        raise ImportRejected(errors)
    existing = {
        d.date: (d.kind, d.name)
        for d in CalendarDay.objects.filter(jurisdiction=jurisdiction, date__in=list(parsed))
    }
    created = updated = unchanged = 0
    with transaction.atomic():
        for date, (kind, name) in sorted(parsed.items()):
            before = existing.get(date)
            if before == (kind, name):
                unchanged += 1
                continue
            calendar_day_set(jurisdiction=jurisdiction, date=date, kind=kind, name=name)
            if before is None:
                created += 1
            else:
                updated += 1
    return ImportSummary("calendar_days", created, updated, unchanged)


def calendar_days_export_xlsx(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[CalendarDay] | None = None
) -> bytes:
    days = (queryset if queryset is not None else CalendarDay.objects.all()).filter(
        jurisdiction=jurisdiction
    )
    rows = [(d.date.isoformat(), d.get_kind_display(), d.name) for d in days.order_by("date")]
    return xlsx_write([(str(_("工作日历")), CALENDAR_COLUMNS, rows)])
