"""The office's pages of daily inspection: overview, coverage reports, the gap list, the
coverage map, live positions. Readers hold `Perm.INSPECTION_READ`; positions (personal
data) only `Perm.POSITIONS`. What a user may not see answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingxi.inspections import compliance, livemap, reports
from jingxi.inspections.exports import coverage_xlsx
from jingxi.inspections.reports import Grouping, Period
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, roles_of


def _jurisdiction_for(request: HttpRequest, perm: Perm) -> Jurisdiction:
    """The user's jurisdiction when their roles grant `perm`; else 404."""
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    if user.jurisdiction is None or not roles_of(request).may(perm):
        raise Http404(_("没有找到该页面"))
    return user.jurisdiction


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render an office page; its tabs offer positions to whom may see them."""
    context["positions"] = roles_of(request).may(Perm.POSITIONS)
    return render(request, template, context)


def _day(request: HttpRequest, default: dt.date) -> dt.date:
    """`?day=YYYY-MM-DD`, or the default when absent or not a date."""
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return default


def _period(request: HttpRequest) -> Period:
    value = request.GET.get("period", "")
    return Period(value) if value in Period._value2member_map_ else Period.DAY


def _grouping(request: HttpRequest) -> Grouping:
    value = request.GET.get("group", "")
    return Grouping(value) if value in Grouping._value2member_map_ else Grouping.INSPECTOR


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Today's progress per inspector, the open rounds, yesterday's gap count."""
    jurisdiction = _jurisdiction_for(request, Perm.INSPECTION_READ)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    gaps, gaps_m = reports.gap_count(jurisdiction=jurisdiction, day=yesterday)
    context: dict[str, Any] = {
        "today": today,
        "yesterday": yesterday,
        "report": livemap.today_progress(jurisdiction=jurisdiction, day=today),
        "open_rounds": livemap.open_rounds(jurisdiction=jurisdiction),
        "gaps": gaps,
        "gaps_km": gaps_m / 1000,
    }
    return _page(request, "inspections/overview.html", context)


def _report_args(request: HttpRequest) -> tuple[Period, Grouping, dt.date]:
    period, grouping = _period(request), _grouping(request)
    day = _day(request, timezone.localdate() - dt.timedelta(days=1))
    return period, grouping, day


@require_GET
@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Coverage per day, week or month, grouped by inspector, township or road."""
    jurisdiction = _jurisdiction_for(request, Perm.INSPECTION_READ)
    period, grouping, day = _report_args(request)
    report = reports.coverage_report(
        jurisdiction=jurisdiction, period=period, day=day, grouping=grouping
    )
    behind = compliance.compliance_report(
        jurisdiction=jurisdiction, period=period, day=day, grouping=grouping
    )
    context = {
        "report": report,
        "compliance": behind,
        "day": day,
        "periods": [(p.value, reports.PERIOD_LABELS[p]) for p in Period],
        "groupings": [(g.value, reports.GROUPING_LABELS[g]) for g in Grouping],
        "compliance_label": reports.GROUPING_LABELS[
            Grouping.ROAD if grouping == Grouping.ROAD else Grouping.TOWNSHIP
        ],
    }
    return _page(request, "inspections/coverage.html", context)


@require_GET
@login_required
def coverage_export(request: HttpRequest) -> HttpResponse:
    """The coverage report as XLSX (the same arguments as the page)."""
    jurisdiction = _jurisdiction_for(request, Perm.INSPECTION_READ)
    period, grouping, day = _report_args(request)
    report = reports.coverage_report(
        jurisdiction=jurisdiction, period=period, day=day, grouping=grouping
    )
    response = HttpResponse(
        coverage_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"coverage-{period.value}-{grouping.value}-{report.start.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def gaps(request: HttpRequest) -> HttpResponse:
    """The gap list: a day's planned segments not walked (yesterday by default)."""
    jurisdiction = _jurisdiction_for(request, Perm.INSPECTION_READ)
    today = timezone.localdate()
    day = _day(request, today - dt.timedelta(days=1))
    rows = reports.gap_list(jurisdiction=jurisdiction, day=day, today=max(today, day))
    context = {
        "day": day,
        "gaps": rows,
        "total_km": sum(g.length_m for g in rows) / 1000,
    }
    return _page(request, "inspections/gaps.html", context)


@require_GET
@login_required
def coverage_map(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction_for(request, Perm.INSPECTION_READ)
    day = _day(request, timezone.localdate() - dt.timedelta(days=1))
    return _page(
        request, "inspections/coverage_map.html", {"day": day, "jurisdiction": jurisdiction}
    )


def _json(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_GET
@login_required
def coverage_geojson(request: HttpRequest) -> JsonResponse:
    """The day's segments coloured walked, partly walked, missed (and walked unplanned)."""
    jurisdiction = _jurisdiction_for(request, Perm.INSPECTION_READ)
    day = _day(request, timezone.localdate() - dt.timedelta(days=1))
    return _json(livemap.coverage_geojson(jurisdiction=jurisdiction, day=day))


@require_GET
@login_required
def positions(request: HttpRequest) -> HttpResponse:
    """The live positions' page (personal data: `Perm.POSITIONS` only)."""
    jurisdiction = _jurisdiction_for(request, Perm.POSITIONS)
    return render(request, "inspections/positions.html", {"jurisdiction": jurisdiction})


@require_GET
@login_required
def positions_data(request: HttpRequest) -> JsonResponse:
    """The last position of each open round (personal data: `Perm.POSITIONS` only)."""
    jurisdiction = _jurisdiction_for(request, Perm.POSITIONS)
    return _json(livemap.positions_geojson(livemap.positions_live(jurisdiction=jurisdiction)))
