"""The report's context: what `report.case_report` reads before it writes a case.

A report needs its jurisdiction's current row (whose geo and calendar versions stand for
the report), the jurisdiction's loop settings and the category asked for, if it is the
jurisdiction's. Three doors read these in a statement of their own, each joined to what
that door reads besides (`report` alone; `intake` with the API token's user and roles;
`open311.selectors.post_context` with the client and the service's limits and
attributes), so the shared part is written here once: the columns
(`context_columns`), the joins from a jurisdiction `j` (`context_joins`), and the way
back from a row (`context_read`). A caller brings `j` into its statement (FROM, or a
LEFT JOIN on its own key) and says which category; it caches the statement it builds.

Whether the category has a handling time limit for the report's urgency and condition is
asked in the same statement with `catalog.timelimits.limit_applies_sql`, the one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection

from jingxi.cases.models import LoopSettings
from jingxi.catalog.models import Category
from jingxi.lib.rows import Selection, selection
from jingxi.org.models import Jurisdiction


@dataclass(frozen=True)
class ReportContext:
    """What a report needs from the database, read in one statement."""

    settings: LoopSettings
    jurisdiction: Jurisdiction  # the current row: its versions stand for this report
    category: Category | None  # None when not of this jurisdiction
    has_limit: bool  # the category has a handling time limit for the urgency/condition


class ContextRow(NamedTuple):
    """The context's rows as read; each None when its row is missing."""

    jurisdiction: Jurisdiction | None
    settings: LoopSettings | None
    category: Category | None
    end: int  # the index in the row after the context's columns


def _selections() -> tuple[Selection, Selection, Selection]:
    return (
        selection(Jurisdiction, "j"),
        selection(LoopSettings, "s"),
        selection(Category, "c"),
    )


def context_columns() -> str:
    """The SELECT list of the context: jurisdiction `j`, settings `s`, category `c`."""
    return ", ".join(sel.sql for sel in _selections())


def context_joins(category: str) -> str:
    """The joins from a jurisdiction `j` already in the statement to its settings `s`
    and to the category `c` matching `category` (a condition on `c`, with its own
    parameters) among the jurisdiction's."""
    quote = connection.ops.quote_name
    return (
        f"LEFT JOIN {quote(LoopSettings._meta.db_table)} s ON s.jurisdiction_id = j.id "
        f"LEFT JOIN {quote(Category._meta.db_table)} c "
        f"ON c.jurisdiction_id = j.id AND {category}"
    )


def context_read(row: Any, start: int) -> ContextRow:
    """The context's instances from `row`, its columns starting at `start`."""
    j, s, c = _selections()
    jurisdiction: Jurisdiction | None = j.instance(row, start)
    start += j.width
    settings: LoopSettings | None = s.instance(row, start)
    start += s.width
    category: Category | None = c.instance(row, start)
    if settings is not None and jurisdiction is not None:
        settings.jurisdiction = jurisdiction
    return ContextRow(jurisdiction, settings, category, start + c.width)


def loop_settings_get(*, jurisdiction: Jurisdiction) -> LoopSettings:
    """The jurisdiction's loop settings, made with their defaults on first use."""
    settings, _created = LoopSettings.objects.get_or_create(jurisdiction=jurisdiction)
    return settings
