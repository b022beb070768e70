"""Reads of the disclosure portal: the published figures and the cases behind them, the grid
map, road-chief boards, consultations, suggestions and typical cases.

Every figure is an indicator of the registry (`jingxi.indicators`; the definitions are
those of the apps that own them: jingxi/cases/indicators.py and
jingxi/public/indicators.py), for a local month or year [start, end). Nothing is
counted here: `disclosure_trace` asks the registry for the cases behind a measure, so a
number on the portal can always be traced to its cases (staff only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.cases.choices import Status
from jingxi.cases.models import Case
from jingxi.indicators.registry import Value, Window, indicators_compute, measure_subjects
from jingxi.org.models import Jurisdiction
from jingxi.places import layers as map_layers
from jingxi.places.models import Road, RoadChief, Segment, Township
from jingxi.places.selectors import road_chief_list_current
from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    ConsultationStatus,
    Hearing,
    ModerationStatus,
    Suggestion,
    TypicalCase,
)

# The published counts: their labels, and the registry's measures whose cases they are.
MEASURES: Final = {
    "received": gettext_lazy("受理数"),
    "closed": gettext_lazy("结案数"),
    "on_time": gettext_lazy("按期结案数"),
    "due": gettext_lazy("应结案数"),
    "rated": gettext_lazy("评价数"),
    "satisfied": gettext_lazy("满意数（含基本满意）"),
    "problems": gettext_lazy("问题数"),
}
MEASURE_CODES: Final[dict[str, tuple[str, ...]]] = {
    "received": ("cases.reported",),
    "closed": ("cases.closed",),
    "on_time": ("cases.closed_on_time",),
    "due": ("cases.closed", "cases.late_open"),
    "rated": ("public.rated",),
    "satisfied": ("public.satisfied",),
    "problems": ("cases.problems",),
}
# The registry's indicators a figure row shows.
FIGURE_INDICATORS: Final = (
    "reported",
    "closure_rate",
    "on_time_closure_rate",
    "satisfaction_rate",
)
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100


class PeriodError(ValueError):
    """A year or month that is not a period the portal can show."""


# --- periods --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Period:
    year: int
    month: int | None
    start: dt.datetime
    end: dt.datetime

    @property
    def label(self) -> str:
        if self.month is None:
            return _("%(year)d年") % {"year": self.year}
        return _("%(year)d年%(month)d月") % {"year": self.year, "month": self.month}


def period_get(*, jurisdiction: Jurisdiction, year: int, month: int | None = None) -> Period:
    """The local calendar month (or year) as [start, end) aware datetimes."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(_("年份须在%(a)d至%(b)d之间") % {"a": MIN_YEAR, "b": MAX_YEAR})
    if month is not None and not 1 <= month <= 12:
        raise PeriodError(_("月份须在1至12之间"))
    tz = ZoneInfo(jurisdiction.time_zone)
    if month is None:
        start, end = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
    else:
        start = dt.datetime(year, month, 1, tzinfo=tz)
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return Period(year=year, month=month, start=start, end=end)


# --- figures ------------------------------------------------------------------------


def _window(period: Period, now: dt.datetime) -> Window:
    return Window(start=period.start, end=period.end, as_of=now)


EMPTY: Final = {
    "reported": Value(0),
    "closure_rate": Value(0, 0),
    "on_time_closure_rate": Value(0, 0),
    "satisfaction_rate": Value(0, 0),
}


@dataclass(kw_only=True)
class FigureRow:
    """The figures of one area (the county or a township) or one month: the registry's
    values of FIGURE_INDICATORS."""

    key: int | None
    name: str
    values: dict[str, Value] = field(default_factory=lambda: dict(EMPTY))

    @property
    def received(self) -> int:
        return self.values["reported"].numerator

    @property
    def on_time(self) -> int:
        return self.values["on_time_closure_rate"].numerator

    @property
    def due(self) -> int:
        return self.values["on_time_closure_rate"].denominator or 0

    @property
    def closed(self) -> int:
        return self.values["closure_rate"].numerator

    @property
    def rated(self) -> int:
        return self.values["satisfaction_rate"].denominator or 0

    @property
    def satisfied(self) -> int:
        return self.values["satisfaction_rate"].numerator

    @property
    def on_time_rate(self) -> float | None:
        """按期结案率 in percent, or None when nothing was due."""
        return self.values["on_time_closure_rate"].percent()

    @property
    def satisfaction_rate(self) -> float | None:
        return self.values["satisfaction_rate"].percent()


@dataclass(kw_only=True)
class Figures:
    period: Period
    total: FigureRow
    townships: list[FigureRow] = field(default_factory=list)
    township: Township | None = None


def _where(township: Township | None) -> dict[str, int]:
    return {} if township is None else {"township": township.pk}


def disclosure_figures(
    *,
    jurisdiction: Jurisdiction,
    year: int,
    month: int | None = None,
    township: Township | None = None,
    now: dt.datetime | None = None,
) -> Figures:
    """Received, closed, on-time closure rate and satisfaction for the county and each
    township (or one township), for a month or a year. Two queries."""
    now = now or timezone.now()
    period = period_get(jurisdiction=jurisdiction, year=year, month=month)
    if township is not None and township.jurisdiction_id != jurisdiction.pk:
        raise PeriodError(_("该乡镇/街道不属于本辖区"))
    townships = (
        [township]
        if township is not None
        else list(Township.objects.filter(jurisdiction=jurisdiction).only("id", "name", "code"))
    )
    (found,) = indicators_compute(
        codes=FIGURE_INDICATORS,
        jurisdiction_id=jurisdiction.pk,
        windows=[_window(period, now)],
        by="township",
        where=_where(township),
    )
    total = FigureRow(
        key=township.pk if township else None, name=township.name if township else jurisdiction.name
    )
    by_township = [FigureRow(key=t.pk, name=t.name) for t in townships]
    rows = {row.key: row for row in by_township}
    for code, per_key in found.items():
        for key, value in per_key.items():
            total.values[code] = total.values[code] + value
            if key in rows:
                rows[key].values[code] = value
    return Figures(period=period, total=total, townships=by_township, township=township)


def disclosure_series(
    *,
    jurisdiction: Jurisdiction,
    year: int,
    township: Township | None = None,
    now: dt.datetime | None = None,
) -> list[FigureRow]:
    """The year's figures month by month (for the charts). One query."""
    now = now or timezone.now()
    periods = [period_get(jurisdiction=jurisdiction, year=year, month=m) for m in range(1, 13)]
    found = indicators_compute(
        codes=FIGURE_INDICATORS,
        jurisdiction_id=jurisdiction.pk,
        windows=[_window(p, now) for p in periods],
        where=_where(township),
    )
    return [
        FigureRow(
            key=p.month,
            name=_("%(m)d月") % {"m": p.month},
            values={code: found[i][code][None] for code in FIGURE_INDICATORS},
        )
        for i, p in enumerate(periods)
    ]


def disclosure_trace(
    *,
    jurisdiction: Jurisdiction,
    measure: str,
    year: int,
    month: int | None = None,
    township: Township | None = None,
    grid_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases behind one published number (staff only: it names cases).

    Raises KeyError for an unknown measure and PeriodError for a bad period.
    """
    now = now or timezone.now()
    codes = MEASURE_CODES[measure]
    period = period_get(jurisdiction=jurisdiction, year=year, month=month)
    where = _where(township)
    if grid_id is not None:
        where["grid"] = grid_id
    behind = Q()
    for code in codes:
        behind |= Q(
            pk__in=measure_subjects(
                code=code,
                jurisdiction_id=jurisdiction.pk,
                window=_window(period, now),
                where=where,
            )
        )
    return (
        Case.objects.filter(jurisdiction=jurisdiction)
        .filter(behind)
        .select_related("category", "township", "unit", "grid")
        .defer("township__geometry", "grid__geometry")
        .order_by("-reported_at", "-id")
    )


# --- grid map -----------------------------------------------------------------------


def grid_counts(
    *, jurisdiction: Jurisdiction, year: int, month: int | None = None
) -> dict[int, int]:
    """Problems per grid in the period (grid id -> count). One query."""
    period = period_get(jurisdiction=jurisdiction, year=year, month=month)
    (found,) = indicators_compute(
        codes=["problems"],
        jurisdiction_id=jurisdiction.pk,
        windows=[_window(period, timezone.now())],
        by="grid",
    )
    return {
        key: value.numerator
        for key, value in found["problems"].items()
        if key is not None and value.numerator
    }


GRID_PUBLIC_PROPERTIES: Final = ("id", "code", "community", "township")


def grid_map_collection(
    *, jurisdiction: Jurisdiction, year: int, month: int | None = None
) -> dict[str, Any]:
    """Grid polygons with their problem counts only: no case, no position inside a grid."""
    counts = grid_counts(jurisdiction=jurisdiction, year=year, month=month)
    grids = map_layers.map_layer_get(jurisdiction=jurisdiction, layer="grids", bbox=None)
    features = []
    for feature in grids["features"]:
        props = feature["properties"]
        public = {k: props[k] for k in GRID_PUBLIC_PROPERTIES if k in props}
        public["count"] = counts.get(props["id"], 0)
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": public})
    period = period_get(jurisdiction=jurisdiction, year=year, month=month)
    return {
        "type": "FeatureCollection",
        "period": period.label,
        "max": max(counts.values(), default=0),
        "total": sum(counts.values()),
        "features": features,
    }


# --- road-chief boards --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BoardChief:
    name: str
    level: str
    level_label: str
    duty: str
    supervision_phone: str
    segments: list[str]


@dataclass(frozen=True, kw_only=True)
class RoadBoard:
    road_id: int
    name: str
    grade: str
    chiefs: list[BoardChief]


def _segment_label(segment: Segment) -> str:
    if segment.from_street and segment.to_street:
        return _("%(a)s至%(b)s段") % {"a": segment.from_street, "b": segment.to_street}
    return f"#{segment.seq}"


LEVEL_ORDER: Final = {"county": 0, "township": 1, "community": 2}


def road_board_list(
    *, jurisdiction: Jurisdiction, q: str = "", today: dt.date | None = None
) -> list[RoadBoard]:
    """Each road with its current chiefs (county, township, community level): name, level,
    duty and the public supervision phone, never a personal number. Three queries."""
    today = today or timezone.localdate()
    current = (
        road_chief_list_current(on=today)
        .select_related("user")
        .only(
            "id",
            "road_id",
            "level",
            "duty",
            "supervision_phone",
            "user__id",
            "user__full_name",
        )
        .prefetch_related("segments")
    )
    roads = Road.objects.filter(jurisdiction=jurisdiction).order_by("name")
    if q.strip():
        roads = roads.filter(name__icontains=q.strip())
    boards = []
    for road in roads.prefetch_related(Prefetch("chiefs", queryset=current, to_attr="current")):
        current_chiefs: list[RoadChief] = road.current
        chiefs = sorted(current_chiefs, key=lambda c: (LEVEL_ORDER.get(c.level, 9), c.pk))
        boards.append(
            RoadBoard(
                road_id=road.pk,
                name=road.name,
                grade=str(road.get_grade_display()),
                chiefs=[
                    BoardChief(
                        name=c.user.full_name or "—",
                        level=c.level,
                        level_label=str(c.get_level_display()),
                        duty=c.duty,
                        supervision_phone=c.supervision_phone,
                        segments=[_segment_label(s) for s in c.segments.all()],
                    )
                    for c in chiefs
                ],
            )
        )
    return boards


# --- consultations, suggestions, typical cases --------------------------------------


def consultation_list_public(*, jurisdiction: Jurisdiction) -> QuerySet[Consultation]:
    """Published consultations, newest first, with their approved-comment counts."""
    return (
        Consultation.objects.filter(jurisdiction=jurisdiction)
        .exclude(status=ConsultationStatus.DRAFT)
        .annotate(
            n_comments=Count("comments", filter=Q(comments__status=ModerationStatus.APPROVED))
        )
        .order_by("-opens_at", "-id")
    )


def consultation_get_public(*, jurisdiction: Jurisdiction, consultation_id: int) -> Consultation:
    """A published consultation; Consultation.DoesNotExist for a draft or another county's."""
    return (
        Consultation.objects.filter(jurisdiction=jurisdiction)
        .exclude(status=ConsultationStatus.DRAFT)
        .get(pk=consultation_id)
    )


def comment_list_approved(*, consultation: Consultation) -> QuerySet[ConsultationComment]:
    return consultation.comments.filter(status=ModerationStatus.APPROVED).order_by(
        "submitted_at", "id"
    )


def hearing_list_public(*, consultation: Consultation) -> QuerySet[Hearing]:
    return consultation.hearings.filter(is_published=True).order_by("held_on", "id")


def suggestion_list_public(*, jurisdiction: Jurisdiction) -> QuerySet[Suggestion]:
    """Answered suggestions the office published. Contact fields are read only to mask
    them inside the texts (`org.privacy`): pages never show them."""
    return (
        Suggestion.objects.filter(jurisdiction=jurisdiction, is_published=True)
        .exclude(answer="")
        .only(
            "id",
            "channel",
            "title",
            "text",
            "received_at",
            "answer",
            "answered_at",
            "contact_name",
            "contact_phone",
        )
        .order_by("-answered_at", "-id")
    )


def typical_case_list_public(*, jurisdiction: Jurisdiction) -> QuerySet[TypicalCase]:
    return (
        TypicalCase.objects.filter(jurisdiction=jurisdiction, is_published=True)
        .select_related("case__category", "case__township", "case__road")
        .defer("case__township__geometry")
        .order_by("-published_at", "-id")
    )


def typical_case_get_public(*, jurisdiction: Jurisdiction, typical_id: int) -> TypicalCase:
    return typical_case_list_public(jurisdiction=jurisdiction).get(pk=typical_id)


# --- staff --------------------------------------------------------------------------


def suggestion_queue(*, jurisdiction: Jurisdiction, state: str = "") -> QuerySet[Suggestion]:
    """The office's queue: unanswered first (oldest first), then answered."""
    rows = Suggestion.objects.filter(jurisdiction=jurisdiction)
    if state == "open":
        rows = rows.filter(answer="")
    elif state == "answered":
        rows = rows.exclude(answer="")
    elif state == "published":
        rows = rows.filter(is_published=True)
    return rows.select_related("answered_by").order_by(
        F("answered_at").desc(nulls_first=True), "received_at", "id"
    )


def consultation_list_staff(*, jurisdiction: Jurisdiction) -> QuerySet[Consultation]:
    return (
        Consultation.objects.filter(jurisdiction=jurisdiction)
        .annotate(
            n_pending=Count("comments", filter=Q(comments__status=ModerationStatus.PENDING)),
            n_comments=Count("comments"),
        )
        .order_by("-created_at", "-id")
    )


def typical_candidates(*, jurisdiction: Jurisdiction, q: str = "") -> QuerySet[Case]:
    """Closed cases with at least two photos, newest closure first (to choose from)."""
    cases = (
        Case.objects.filter(jurisdiction=jurisdiction, status=Status.CLOSED)
        .annotate(n_photos=Count("attachments"))
        .filter(n_photos__gte=2)
    )
    if q.strip():
        cases = cases.filter(Q(number__icontains=q.strip()) | Q(address__icontains=q.strip()))
    return (
        cases.select_related("category", "township")
        .defer("township__geometry")
        .order_by("-closed_at", "-id")
    )


def township_choices(*, jurisdiction: Jurisdiction) -> list[Township]:
    return list(
        Township.objects.filter(jurisdiction=jurisdiction)
        .only("id", "name", "code")
        .order_by("code")
    )
