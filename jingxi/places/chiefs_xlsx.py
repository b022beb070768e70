"""XLSX import and export of road chiefs (路长): one row per term of office.

The sheet's columns are `ROAD_CHIEF_COLUMNS`; 负责路段 lists segment numbers ("1-3,5").
The import checks every row first and raises `ImportRejected` naming each bad row; only
when the whole sheet is good does it write, in one transaction (ending the terms the
new current chiefs replace), and bump the jurisdiction's geo version. A term's dates
mean what `places/chiefs.py` says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from jingxi.lib.tabular import (
    ImportRejected,
    RowError,
    TabularRow,
    XlsxSource,
    xlsx_read,
    xlsx_write,
)
from jingxi.org.imports import ImportSummary, RowInvalid, row_choice, row_text
from jingxi.org.models import Jurisdiction, User
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import Road, RoadChief, Segment
from jingxi.places.services import geo_version_bump

ROAD_CHIEF_COLUMNS: Final = (
    "道路",
    "级别",
    "路长账号",
    "负责路段",
    "职责",
    "监督电话",
    "任职日期",
    "卸任日期",
)


def seqs_parse(text: str) -> list[int]:
    """Segment numbers written as "1-3,5" (full-width commas and dashes allowed)."""
    normalized = (
        text.replace("，", ",")
        .replace("、", ",")
        .replace("－", "-")
        .replace("—", "-")
        .replace("~", "-")
    )
    seqs: set[int] = set()
    for part in normalized.split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
            raise ValueError(part)
        start, end = int(low), int(high) if dash else int(low)
        if end < start:
            raise ValueError(part)
        seqs.update(range(start, end + 1))
    return sorted(seqs)


def seqs_format(seqs: Iterable[int]) -> str:
    """The inverse of `seqs_parse`: [1, 2, 3, 5] -> "1-3,5"."""
    ordered = sorted(set(seqs))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def _row_date(row: TabularRow, column: str, *, required: bool) -> dt.date | None:
    text = row.get(column).strip()
    if not text:
        if required:
            raise RowInvalid(column, _("不能为空"))
        return None
    try:
        return dt.date.fromisoformat(text[:10].replace("/", "-"))
    except ValueError as exc:
        raise RowInvalid(column, _("日期格式应为 YYYY-MM-DD")) from exc


@dataclass
class _ChiefRow:
    number: int
    chief: RoadChief
    segments: list[Segment]
    replaces: RoadChief | None = None


def road_chiefs_import_xlsx(*, jurisdiction: Jurisdiction, source: XlsxSource) -> ImportSummary:
    """Assign road chiefs (路长): one row per (road, level, person, start date).

    A row without 卸任日期 is the current chief of the road at that level: if another
    person is the current one, that assignment ends on the new start date. A row
    matching an existing assignment (same road, level, person, start date; or the
    same current chief) updates it. 负责路段 lists segment numbers ("1-3,5"); empty
    means the whole road.
    """
    rows = xlsx_read(source, required_columns=("道路", "级别", "路长账号", "任职日期"))
    roads = list(Road.objects.filter(jurisdiction=jurisdiction))
    by_code = {r.code: r for r in roads}
    by_name = {r.name: r for r in roads}
    segments: dict[tuple[int, int], Segment] = {
        (s.road_id, s.seq): s for s in Segment.objects.filter(road__jurisdiction=jurisdiction)
    }
    usernames = {r.get("路长账号").strip() for r in rows}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    chiefs = list(
        RoadChief.objects.filter(road__jurisdiction=jurisdiction).select_related("road", "user")
    )
    current = {(c.road_id, c.level): c for c in chiefs if c.end_date is None}
    by_key = {(c.road_id, c.level, c.user_id, c.start_date): c for c in chiefs}
    current_in_file: dict[tuple[int, str], int] = {}
    keys_in_file: dict[tuple[int, str, int, dt.date], int] = {}
    planned: list[_ChiefRow] = []
    errors: list[RowError] = []

    for row in rows:
        try:
            road_text = row.get("道路").strip()
            road = by_code.get(road_text) or by_name.get(road_text)
            if road is None:
                raise RowInvalid("道路", _("未知的道路「%(road)s」") % {"road": road_text})
            level = row_choice(row, "级别", RoadChiefLevel, default=None)
            username = row.get("路长账号").strip()
            user = users.get(username)
            if user is None:
                raise RowInvalid("路长账号", _("未知的账号「%(u)s」") % {"u": username})
            if user.jurisdiction_id not in (None, jurisdiction.pk):
                raise RowInvalid("路长账号", _("该账号属于其他辖区"))
            try:
                seqs = seqs_parse(row.get("负责路段"))
            except ValueError as exc:
                raise RowInvalid(
                    "负责路段", _("「%(part)s」不是路段序号，应如“1-3,5”") % {"part": exc}
                ) from exc
            chosen: list[Segment] = []
            for seq in seqs:
                segment = segments.get((road.pk, seq))
                if segment is None:
                    raise RowInvalid(
                        "负责路段",
                        _("道路「%(road)s」没有路段%(seq)d") % {"road": road.name, "seq": seq},
                    )
                chosen.append(segment)
            start = _row_date(row, "任职日期", required=True)
            end = _row_date(row, "卸任日期", required=False)
            assert start is not None
            if end is not None and end < start:
                raise RowInvalid("卸任日期", _("早于任职日期"))
            key = (road.pk, level, user.pk, start)
            first = keys_in_file.setdefault(key, row.number)
            if first != row.number:
                raise RowInvalid("路长账号", _("与第%(n)d行重复") % {"n": first})
            replaces: RoadChief | None = None
            if end is None:
                first = current_in_file.setdefault((road.pk, level), row.number)
                if first != row.number:
                    raise RowInvalid(
                        "级别",
                        _("同一道路同一级别只能有一名现任路长，与第%(n)d行冲突") % {"n": first},
                    )
                now = current.get((road.pk, level))
                if now is not None and now.user_id == user.pk:
                    chief = now
                elif key in by_key:
                    chief = by_key[key]
                    replaces = now
                else:
                    chief = RoadChief(road=road, level=level, user=user)
                    replaces = now
                if replaces is not None and replaces.start_date > start:
                    raise RowInvalid(
                        "任职日期",
                        _("早于现任路长「%(name)s」的任职日期%(date)s")
                        % {"name": replaces.user, "date": replaces.start_date},
                    )
            else:
                chief = by_key.get(key) or RoadChief(road=road, level=level, user=user)
            chief.start_date = start
            chief.end_date = end
            chief.duty = row.get("职责").strip()
            chief.supervision_phone = row_text(row, "监督电话", max_length=32)
        except RowInvalid as exc:
            errors.append(row.error(exc.column, exc.message))
            continue
        planned.append(_ChiefRow(row.number, chief, chosen, replaces))
    if errors:
        raise ImportRejected(errors)

    created = updated = 0
    try:
        with transaction.atomic():
            for item in planned:
                if item.replaces is not None and item.replaces.end_date is None:
                    item.replaces.end_date = item.chief.start_date
                    item.replaces.save(update_fields=["end_date"])
            for item in planned:
                if item.chief.pk:
                    updated += 1
                else:
                    created += 1
                item.chief.save()
                item.chief.segments.set(item.segments)
            geo_version_bump(jurisdiction=jurisdiction)
    except IntegrityError as exc:
        raise ImportRejected(
            [RowError(None, None, _("数据库拒绝写入，未导入任何数据：%(e)s") % {"e": exc})]
        ) from exc
    return ImportSummary(kind="road_chiefs", created=created, updated=updated)


def road_chiefs_export_xlsx(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[RoadChief] | None = None
) -> bytes:
    chiefs = (queryset if queryset is not None else RoadChief.objects.all()).filter(
        road__jurisdiction=jurisdiction
    )
    rows = [
        (
            c.road.code,
            c.get_level_display(),
            c.user.username,
            seqs_format(s.seq for s in c.segments.all()),
            c.duty,
            c.supervision_phone,
            c.start_date,
            c.end_date,
        )
        for c in chiefs.select_related("road", "user")
        .prefetch_related("segments")
        .order_by("road__code", "level", "start_date", "pk")
    ]
    return xlsx_write([(str(_("路长")), ROAD_CHIEF_COLUMNS, rows)])
