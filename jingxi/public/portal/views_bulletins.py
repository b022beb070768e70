"""The portal's pages of bulletins (通报 / 公告), stored and written by `jingxi.bulletins`.

Public (no login): the list of published bulletins (newest first, by year and kind), a
bulletin's page and its PDF; a draft or withdrawn bulletin answers 404 on all three.
Office (`portal_staff.office_required`: dispatcher, leader, admin; others 404; writes
by the leader 403): the
archive with every status, drafting and editing drafts, publishing and withdrawing, and
the PDF of any bulletin. Leaders read; dispatchers and admins write (the services check).
Public pages never show who drafted, published or withdrew a bulletin.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingxi.bulletins import selectors
from jingxi.bulletins import services as services
from jingxi.bulletins.choices import BulletinKind, BulletinStatus
from jingxi.bulletins.models import Bulletin
from jingxi.bulletins.services import BulletinInputError
from jingxi.lib.numbers import YEAR_MAX, YEAR_MIN, int_or_none
from jingxi.public.portal.forms import BulletinForm, WithdrawForm
from jingxi.public.portal.views_staff import PAGE_SIZE as STAFF_PAGE_SIZE
from jingxi.public.portal.views_staff import (
    Office,
    get_or_404,
    office_required,
    office_writer_required,
)
from jingxi.public.site import public_jurisdiction

PAGE_SIZE = 20
# Characters a download's file name may not hold (path separators, controls, quotes).
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _pdf_response(bulletin: Bulletin, *, cache_control: str) -> FileResponse:
    name = bulletin.pdf.name
    if not name or not default_storage.exists(name):
        raise Http404(_("该通报没有 PDF 文件"))
    label = _UNSAFE_NAME.sub("_", bulletin.number or bulletin.title).strip() or "bulletin"
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"{label}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = cache_control
    return response


# --- public -----------------------------------------------------------------------------


@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """Published bulletins: `?year=2026&kind=monthly&page=2`, each optional."""
    jurisdiction = public_jurisdiction(request)
    year = int_or_none(request.GET.get("year"), low=YEAR_MIN, high=YEAR_MAX)
    kind = request.GET.get("kind", "")
    kind = kind if kind in BulletinKind.values else ""
    rows = selectors.bulletin_list_public(jurisdiction=jurisdiction, year=year, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "year": year,
        "kind": kind,
        "years": selectors.bulletin_years_public(jurisdiction=jurisdiction),
        "kinds": BulletinKind.choices,
        "query": query.urlencode(),
        "portal_section": "bulletins",
    }
    return render(request, "public/bulletin_list.html", context)


def _public_or_404(request: HttpRequest, bulletin_id: int) -> Bulletin:
    try:
        return selectors.bulletin_get_public(
            jurisdiction=public_jurisdiction(request), bulletin_id=bulletin_id
        )
    except Bulletin.DoesNotExist:
        raise Http404(_("没有找到该通报")) from None


@require_GET
def bulletin_detail(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    bulletin = _public_or_404(request, bulletin_id)
    return render(
        request,
        "public/bulletin_detail.html",
        {"bulletin": bulletin, "portal_section": "bulletins"},
    )


@require_GET
def bulletin_pdf(request: HttpRequest, bulletin_id: int) -> FileResponse:
    """The PDF of a published bulletin; nothing for a draft or a withdrawn one."""
    bulletin = _public_or_404(request, bulletin_id)
    return _pdf_response(bulletin, cache_control="public, max-age=300")


# --- office -----------------------------------------------------------------------------


def _staff_bulletin(office: Office, bulletin_id: int) -> Bulletin:
    found: Bulletin = get_or_404(
        Bulletin.objects.filter(jurisdiction=office.jurisdiction).select_related(
            "created_by", "published_by", "withdrawn_by"
        ),
        bulletin_id,
        _("没有找到该通报"),
    )
    return found


@require_GET
@office_required
def staff_bulletin_list(request: HttpRequest, office: Office) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in BulletinStatus.values else ""
    rows = selectors.bulletin_list_staff(jurisdiction=office.jurisdiction, status=status)
    page = Paginator(rows, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/staff/bulletin_list.html",
        {"office": office, "page": page, "status": status, "statuses": BulletinStatus.choices},
    )


def _form_page(
    request: HttpRequest, office: Office, form: BulletinForm, bulletin: Bulletin | None
) -> HttpResponse:
    status = 400 if form.is_bound else 200
    return render(
        request,
        "public/staff/bulletin_form.html",
        {"office": office, "form": form, "bulletin": bulletin},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@office_writer_required
def staff_bulletin_new(request: HttpRequest, office: Office) -> HttpResponse:
    """Draft a bulletin; a bad field or file is said on the form and nothing is stored."""
    form = BulletinForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = services.bulletin_create(
                jurisdiction=office.jurisdiction,
                actor=office.user,
                text=form.bulletin_text(),
                pdf=data["pdf"],
            )
        except BulletinInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存草稿，确认无误后发布"))
            return redirect("public:staff-bulletin-detail", bulletin_id=bulletin.pk)
    return _form_page(request, office, form, None)


@require_http_methods(["GET", "POST"])
@office_writer_required
def staff_bulletin_edit(request: HttpRequest, office: Office, bulletin_id: int) -> HttpResponse:
    """Change a draft (a published bulletin is withdrawn and issued anew instead)."""
    bulletin = _staff_bulletin(office, bulletin_id)
    if bulletin.status != BulletinStatus.DRAFT:
        messages.error(request, _("只有草稿可以修改；已发布的通报请撤回后另发"))
        return redirect("public:staff-bulletin-detail", bulletin_id=bulletin.pk)
    initial = {name: getattr(bulletin, name) for name in services.TEXT_FIELDS}
    form = BulletinForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.bulletin_update(
                bulletin_id=bulletin.pk,
                actor=office.user,
                text=form.bulletin_text(),
                pdf=data["pdf"],
                remove_pdf=data["remove_pdf"],
            )
        except BulletinInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存修改"))
            return redirect("public:staff-bulletin-detail", bulletin_id=bulletin.pk)
    return _form_page(request, office, form, bulletin)


@require_GET
@office_required
def staff_bulletin_detail(request: HttpRequest, office: Office, bulletin_id: int) -> HttpResponse:
    bulletin = _staff_bulletin(office, bulletin_id)
    return render(
        request,
        "public/staff/bulletin_detail.html",
        {"office": office, "bulletin": bulletin, "withdraw_form": WithdrawForm()},
    )


@require_POST
@office_required
def staff_bulletin_act(request: HttpRequest, office: Office, bulletin_id: int) -> HttpResponse:
    """publish a draft, or withdraw a published bulletin (with an optional reason)."""
    bulletin = _staff_bulletin(office, bulletin_id)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            services.bulletin_publish(bulletin_id=bulletin.pk, actor=office.user)
            messages.success(request, _("已发布，门户网站可见"))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                raise BulletinInputError(form.error_text())
            services.bulletin_withdraw(
                bulletin_id=bulletin.pk, actor=office.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已撤回，门户网站不再显示"))
        else:
            raise BulletinInputError(_("未知的操作"))
    except BulletinInputError as exc:
        messages.error(request, str(exc))
    return redirect("public:staff-bulletin-detail", bulletin_id=bulletin.pk)


@require_GET
@office_required
def staff_bulletin_pdf(request: HttpRequest, office: Office, bulletin_id: int) -> FileResponse:
    """The PDF of any bulletin of the county, drafts and withdrawn ones included."""
    bulletin = _staff_bulletin(office, bulletin_id)
    return _pdf_response(bulletin, cache_control="private, no-store")
