"""The disclosure portal (信息公开): public pages, no login.

Figures, the grid map, typical cases, road-chief boards, consultations and suggestions;
the bulletins' public pages are in `bulletin_views.py`.
Nothing here shows a citizen's name or phone (not even a commenter's), a case's exact
position, or a photo other than the two chosen for a published typical case; personal
data inside free text is masked by the templates' `public_text` (`org.privacy.PUBLIC`),
except in the office's own announcements (a consultation's body, bulletins), which carry
the office's contact numbers on purpose. Staff who are logged in see, on the
figures page, links to the cases behind each number (`portal_staff.trace`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingxi.bulletins import selectors as bulletin_selectors
from jingxi.lib.numbers import BIGINT_MAX, BIGINT_MIN, int_or_none
from jingxi.lib.ratelimit import client_ip
from jingxi.org.models import Jurisdiction
from jingxi.org.privacy import PUBLIC
from jingxi.places.models import Township
from jingxi.public.photos import public_photo_response
from jingxi.public.portal import selectors, services
from jingxi.public.portal.forms import CommentForm, SuggestionForm
from jingxi.public.portal.models import Consultation, ConsultationStatus, TypicalCase
from jingxi.public.site import public_jurisdiction

PAGE_SIZE = 20
CHART_HEIGHT = 120


def _ip_hash(request: HttpRequest) -> str:
    return services.client_hash(address=client_ip(request))


def _is_office(request: HttpRequest, jurisdiction: Jurisdiction) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    return bool(services.office_roles(user=user, jurisdiction=jurisdiction))


def _figures_cached(
    jurisdiction: Jurisdiction, key: tuple[object, ...], compute: Any, *, live: bool
) -> Any:
    """`compute()`, kept in the cache for the public for JINGXI_PUBLIC_FIGURES_SECONDS:
    a period's figures aggregate every case of the period, a few hundred milliseconds at
    half a million cases a year, and citizens ask for them all day. The office sees
    them live (`live`), as the traces behind each number (`portal_staff.trace`) are."""
    seconds = settings.JINGXI_PUBLIC_FIGURES_SECONDS
    if seconds <= 0 or live:
        return compute()
    name = ":".join(str(part) for part in ("public-figures", jurisdiction.pk, get_language(), *key))
    found = cache.get(name)
    if found is None:
        found = compute()
        cache.set(name, found, timeout=seconds)
    return found


def _period_args(request: HttpRequest) -> tuple[int, int | None]:
    """(year, month) from the query; this year when absent; month None for the year."""
    today = timezone.localdate()
    # Any whole number: `period_get` says what is wrong with a year or month.
    year = int_or_none(request.GET.get("year"), low=BIGINT_MIN, high=BIGINT_MAX) or today.year
    month = int_or_none(request.GET.get("month"), low=BIGINT_MIN, high=BIGINT_MAX)
    return year, month


def _township(request: HttpRequest, jurisdiction: Jurisdiction) -> Township | None:
    township_id = int_or_none(request.GET.get("township"))
    if township_id is None:
        return None
    township = (
        Township.objects.filter(jurisdiction=jurisdiction, pk=township_id).defer("geometry").first()
    )
    if township is None:
        raise Http404(_("没有找到该乡镇/街道"))
    return township


def _bars(series: list[selectors.FigureRow], attr: str) -> list[dict[str, Any]]:
    """Bar heights (SVG units) for one figure of the monthly series."""
    values = [getattr(row, attr) or 0 for row in series]
    top = max(values, default=0) or 1
    return [
        {
            "label": row.name,
            "value": value,
            "height": round(CHART_HEIGHT * value / top, 1),
            "x": i * 40 + 10,
            "y": round(CHART_HEIGHT - CHART_HEIGHT * value / top, 1) + 10,
        }
        for i, (row, value) in enumerate(zip(series, values, strict=True))
    ]


# --- home and figures ---------------------------------------------------------------


@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    today = timezone.localdate()
    year_figures, month_figures = _figures_cached(
        jurisdiction,
        ("home", today.year, today.month),
        lambda: (
            selectors.disclosure_figures(jurisdiction=jurisdiction, year=today.year),
            selectors.disclosure_figures(
                jurisdiction=jurisdiction, year=today.year, month=today.month
            ),
        ),
        live=_is_office(request, jurisdiction),
    )
    context = {
        "jurisdiction": jurisdiction,
        "year_total": year_figures.total,
        "year_period": year_figures.period,
        "month_total": month_figures.total,
        "month_period": month_figures.period,
        "consultations": list(
            selectors.consultation_list_public(jurisdiction=jurisdiction).filter(
                status=ConsultationStatus.OPEN
            )[:5]
        ),
        "typicals": list(selectors.typical_case_list_public(jurisdiction=jurisdiction)[:4]),
        "bulletins": list(bulletin_selectors.bulletin_list_public(jurisdiction=jurisdiction)[:5]),
        "portal_section": "home",
    }
    return render(request, "public/portal_home.html", context)


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Monthly or yearly figures for the county and each township, with monthly charts."""
    jurisdiction = public_jurisdiction(request)
    year, month = _period_args(request)
    township = _township(request, jurisdiction)
    office = _is_office(request, jurisdiction)  # live figures, and links to their cases
    try:
        result, series = _figures_cached(
            jurisdiction,
            ("figures", year, month, township.pk if township else ""),
            lambda: (
                selectors.disclosure_figures(
                    jurisdiction=jurisdiction, year=year, month=month, township=township
                ),
                selectors.disclosure_series(
                    jurisdiction=jurisdiction, year=year, township=township
                ),
            ),
            live=office,
        )
    except selectors.PeriodError as exc:
        messages.error(request, str(exc))
        return redirect("public:figures")
    today = timezone.localdate()
    context = {
        "jurisdiction": jurisdiction,
        "figures": result,
        "series": series,
        "charts": [
            {"title": _("受理数"), "bars": _bars(series, "received")},
            {"title": _("结案数"), "bars": _bars(series, "closed")},
            {"title": _("按期结案率（%）"), "bars": _bars(series, "on_time_rate")},
            {"title": _("满意率（%）"), "bars": _bars(series, "satisfaction_rate")},
        ],
        "chart_height": CHART_HEIGHT + 30,
        "year": year,
        "month": month,
        "township": township,
        "townships": selectors.township_choices(jurisdiction=jurisdiction),
        "years": list(range(today.year, today.year - 6, -1)),
        "months": list(range(1, 13)),
        "show_trace": office,
        "portal_section": "figures",
    }
    return render(request, "public/figures.html", context)


# --- grid map -----------------------------------------------------------------------


@require_GET
def grid_map(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    year, month = _period_args(request)
    today = timezone.localdate()
    context = {
        "jurisdiction": jurisdiction,
        "year": year,
        "month": month,
        "years": list(range(today.year, today.year - 6, -1)),
        "months": list(range(1, 13)),
        "portal_section": "grid-map",
    }
    return render(request, "public/grid_map.html", context)


@require_GET
def grid_map_data(request: HttpRequest) -> JsonResponse:
    """Grid polygons with problem counts: `?year=2026&month=11` (month optional)."""
    jurisdiction = public_jurisdiction(request)
    year, month = _period_args(request)
    try:
        collection = selectors.grid_map_collection(
            jurisdiction=jurisdiction, year=year, month=month
        )
    except selectors.PeriodError as exc:
        return JsonResponse(
            {"error": str(exc)}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    response = JsonResponse(collection, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- typical cases ------------------------------------------------------------------


@require_GET
def typical_list(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    rows = selectors.typical_case_list_public(jurisdiction=jurisdiction)
    kind = request.GET.get("kind", "")
    if kind in ("positive", "negative"):
        rows = rows.filter(kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "kind": kind, "portal_section": "typical"}
    return render(request, "public/typical_list.html", context)


def _typical_or_404(request: HttpRequest, typical_id: int) -> TypicalCase:
    try:
        return selectors.typical_case_get_public(
            jurisdiction=public_jurisdiction(request), typical_id=typical_id
        )
    except TypicalCase.DoesNotExist:
        raise Http404(_("没有找到该典型案例")) from None


@require_GET
def typical_detail(request: HttpRequest, typical_id: int) -> HttpResponse:
    typical = _typical_or_404(request, typical_id)
    return render(
        request, "public/typical_detail.html", {"typical": typical, "portal_section": "typical"}
    )


@require_GET
def typical_photo(request: HttpRequest, typical_id: int, which: str) -> HttpResponse:
    """One of the two chosen photos of a published typical case; no other photo is public."""
    typical = _typical_or_404(request, typical_id)
    if which == "before":
        attachment = typical.before_photo
    elif which == "after":
        attachment = typical.after_photo
    else:
        raise Http404(_("没有该照片"))
    if attachment.case_id != typical.case_id:
        raise Http404(_("没有该照片"))
    return public_photo_response(request, attachment, cache_control="public, max-age=600")


# --- road-chief boards --------------------------------------------------------------


@require_GET
def road_boards(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    q = request.GET.get("q", "").strip()[:32]
    boards = selectors.road_board_list(jurisdiction=jurisdiction, q=q)
    return render(
        request,
        "public/road_boards.html",
        {"boards": boards, "q": q, "portal_section": "road-boards"},
    )


# --- consultations ------------------------------------------------------------------


@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    rows = selectors.consultation_list_public(jurisdiction=jurisdiction)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/consultation_list.html",
        {"page": page, "now": timezone.now(), "portal_section": "consultations"},
    )


@require_http_methods(["GET", "POST"])
def consultation_detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The matter, its approved comments (no names), the comment form while open, and
    once concluded the summary, the response and the hearings' minutes."""
    jurisdiction = public_jurisdiction(request)
    try:
        consultation = selectors.consultation_get_public(
            jurisdiction=jurisdiction, consultation_id=consultation_id
        )
    except Consultation.DoesNotExist:
        raise Http404(_("没有找到该公示或征求意见事项")) from None
    now = timezone.now()
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consultation_comment_submit(
                    consultation_id=consultation.pk,
                    text=form.cleaned_data["text"],
                    name=form.cleaned_data["name"],
                    ip_hash=_ip_hash(request),
                    now=now,
                )
            except services.RateLimited as exc:
                messages.error(request, str(exc))
                status = 429
            except services.PortalInputError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(request, _("感谢您的意见！审核通过后将在本页公开。"))
                return redirect("public:consultation-detail", consultation_id=consultation.pk)
        else:
            messages.error(request, form.error_text())
            status = 400
    comments = [
        {"text": PUBLIC.about(name=c.name).text(c.text), "at": c.submitted_at}
        for c in selectors.comment_list_approved(consultation=consultation)
    ]
    context = {
        "consultation": consultation,
        "comments": comments,
        "hearings": list(selectors.hearing_list_public(consultation=consultation)),
        "accepts": services.consultation_accepts_comments(consultation=consultation, now=now),
        "form": form,
        "now": now,
        "portal_section": "consultations",
    }
    return render(request, "public/consultation_detail.html", context, status=status)


# --- suggestions --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def suggestion_new(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    form = SuggestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.suggestion_receive(
                    jurisdiction=jurisdiction,
                    channel="web",
                    ip_hash=_ip_hash(request),
                    **form.cleaned_data,
                )
            except services.RateLimited as exc:
                messages.error(request, str(exc))
                status = 429
            except services.PortalInputError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(
                    request, _("您的意见建议已收到，我们会认真研究并答复。感谢您的参与！")
                )
                return redirect("public:suggestion-list")
        else:
            status = 400
    return render(
        request,
        "public/suggestion_new.html",
        {"form": form, "portal_section": "suggestions"},
        status=status,
    )


@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    jurisdiction = public_jurisdiction(request)
    rows = selectors.suggestion_list_public(jurisdiction=jurisdiction)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "public/suggestion_list.html", {"page": page, "portal_section": "suggestions"}
    )
