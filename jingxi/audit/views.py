"""The auditor's pages: the trail with filters, one entry with its before/after, the export.

Only the auditor (`Perm.AUDIT`) gets in; for every other logged-in user these pages do
not exist (404). Nothing here writes but the export's own record.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingxi.audit import export
from jingxi.audit.choices import ChangeAction
from jingxi.audit.forms import MAX_ID, AuditExportForm, AuditFilterForm
from jingxi.audit.models import AuditEntry
from jingxi.audit.requests import client_address
from jingxi.audit.selectors import audit_entry_get_for, audit_entry_list_for

PAGE_SIZE = 50


def _entries_or_404(request: HttpRequest, form: AuditFilterForm | None) -> Any:
    try:
        return audit_entry_list_for(
            user=request.user, filters=form.filters() if form is not None else None
        )
    except AuditEntry.DoesNotExist:
        raise Http404 from None


@require_GET
@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        _entries_or_404(request, None)  # 404 before telling anyone what is wrong
        context = {"form": form, "entries": [], "error": form.error_text()}
        return render(request, "audit/entry_list.html", context, status=400)
    entries = _entries_or_404(request, form)
    before = form.cleaned_data.get("before")
    if before:
        entries = entries.filter(id__lt=before)
    rows = list(entries[: PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("before", None)
    older = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        query["before"] = str(rows[-1].id)
        older = query.urlencode()
        query.pop("before")
    context = {
        "form": form,
        "entries": rows,
        "older": older,
        "newest": query.urlencode() if before else "",
        "filter_query": query.urlencode(),
    }
    return render(request, "audit/entry_list.html", context)


def _diff_rows(details: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    before, after = details.get("before") or {}, details.get("after") or {}
    return [(name, before.get(name, ""), after.get(name, "")) for name in details["changed"]]


@require_GET
@login_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    if entry_id > MAX_ID:
        raise Http404
    try:
        entry = audit_entry_get_for(user=request.user, entry_id=entry_id)
    except AuditEntry.DoesNotExist:
        raise Http404 from None
    details = entry.details if isinstance(entry.details, dict) else {}
    is_change = isinstance(details.get("changed"), list) and details.get("action") in (
        ChangeAction.values
    )
    context = {
        "entry": entry,
        "details": details,
        "action_label": ChangeAction(details["action"]).label if is_change else "",
        "diff": _diff_rows(details) if is_change else [],
        "details_json": _pretty(details),
    }
    return render(request, "audit/entry_detail.html", context)


def _pretty(details: Any) -> str:
    return json.dumps(details, ensure_ascii=False, indent=2, sort_keys=True)


@require_GET
@login_required
def entry_export(request: HttpRequest) -> HttpResponse:
    form = AuditExportForm(request.GET)
    if not form.is_valid():
        _entries_or_404(request, None)
        context = {"form": form, "entries": [], "error": form.error_text()}
        return render(request, "audit/entry_list.html", context, status=400)
    try:
        result = export.audit_export(
            user=request.user,
            filters=form.filters(),
            fmt=form.cleaned_data["format"],
            client_address=client_address(request),
        )
    except AuditEntry.DoesNotExist:
        raise Http404 from None
    except export.ExportTooLarge as exc:
        context = {"form": form, "entries": [], "error": str(exc)}
        return render(request, "audit/entry_list.html", context, status=400)
    response = HttpResponse(result.body, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response
