"""Reads of cases, their evidence and their documents.

Fetches that check permission say so in their name (`*_get_for`) and raise Http404 when
the user may not see the row, so no view can forget the check and no one learns that a
row they may not see exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingxi.cases.access import case_list_for
from jingxi.cases.documents import NOTICE, SUPERVISION
from jingxi.cases.models import Attachment, Case, Notice, SupervisionOrder
from jingxi.documents.access import document_visibility_filter
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.org.roles import RoleSet, roles_for
from jingxi.places.models import Road, Township

# --- cases --------------------------------------------------------------------------
# Who sees which case is decided in `access.py` (`case_get_for`, `case_list_for`).


def case_list_at_unit(*, unit: Unit) -> QuerySet[Case]:
    """Open cases currently with the unit: the ones a notice may list."""
    from jingxi.cases.workflow import OPEN

    return (
        Case.objects.filter(jurisdiction_id=unit.jurisdiction_id, unit=unit, status__in=OPEN)
        .select_related("category")
        .order_by("deadline", "number")
    )


# --- evidence -----------------------------------------------------------------------

# Warnings are stored as a code and its figures; the sentence is made when read, in the
# reader's language. `message` keeps the Chinese sentence of upload time as a fallback.
WARNING_TEXT = {
    "gps_far": gettext_noop("照片拍摄位置距案卷位置约%(distance_m)d米"),
    "taken_old": gettext_noop("照片拍摄于上传前%(hours)d小时（%(taken_at)s）"),
    "taken_future": gettext_noop("照片拍摄时间晚于上传时间（%(taken_at)s）"),
    "duplicate": gettext_noop("同一照片已用于案卷%(case_number)s"),
}


def attachment_warning_text(warning: dict[str, Any]) -> str:
    """One stored warning as a sentence in the current language."""
    template = WARNING_TEXT.get(str(warning.get("code", "")))
    if template is None:
        return str(warning.get("message", ""))
    try:
        return _(template) % warning
    except (KeyError, TypeError, ValueError):
        return str(warning.get("message", ""))


def attachment_warnings_for_case(*, case: Case) -> list[str]:
    """The anti-fraud warnings of the case's photos, one line each, oldest photo first."""
    lines: list[str] = []
    for attachment in case.attachments.order_by("id").only("id", "kind", "warnings"):
        label = attachment.get_kind_display()
        for warning in attachment.warnings or []:
            text = attachment_warning_text(warning) if isinstance(warning, dict) else str(warning)
            lines.append(
                _("%(kind)s照片#%(id)d：%(text)s")
                % {
                    "kind": label,
                    "id": attachment.pk,
                    "text": text,
                }
            )
    return lines


def attachment_get_for(*, user: User, attachment_id: int) -> Attachment:
    """The photo if the user may see its case."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or not case_list_for(user=user).filter(pk=attachment.case_id).exists():
        raise Http404(_("没有找到该照片"))
    return attachment


# --- documents ----------------------------------------------------------------------


def _documents_visible_q(*, user: User, roles: RoleSet, kind: str) -> Q | None:
    """The documents of `kind` `user` may see: `jingxi.documents.access`' one rule."""
    return document_visibility_filter(kind=kind, user=user, roles=roles)


def notice_get_for(*, user: User, notice_id: int) -> Notice:
    """The notice, if the user may see it (`_documents_visible_q`); Http404 otherwise."""
    scope = _documents_visible_q(user=user, roles=roles_for(user=user), kind=NOTICE)
    notice = None
    if scope is not None:
        notice = (
            Notice.objects.filter(scope, pk=notice_id)
            .select_related("unit", "issued_by", "signed_by", "jurisdiction")
            .first()
        )
    if notice is None:
        raise Http404(_("没有找到该整改通知单"))
    return notice


def supervision_order_get_for(*, user: User, order_id: int) -> SupervisionOrder:
    """The order, if the user may see it (`_documents_visible_q`); Http404 otherwise."""
    scope = _documents_visible_q(user=user, roles=roles_for(user=user), kind=SUPERVISION)
    order = None
    if scope is not None:
        order = (
            SupervisionOrder.objects.filter(scope, pk=order_id)
            .select_related(
                "unit", "issued_by", "signed_by", "jurisdiction", "case", "case__category"
            )
            .first()
        )
    if order is None:
        raise Http404(_("没有找到该督办单"))
    return order


def notice_search(
    *,
    jurisdiction: Jurisdiction,
    q: str = "",
    unit: Unit | None = None,
    signed: bool | None = None,
    year: int | None = None,
) -> QuerySet[Notice]:
    """The notice archive: by number, unit name or case number; newest first."""
    notices = Notice.objects.filter(jurisdiction=jurisdiction)
    q = q.strip()
    if q:
        notices = notices.filter(
            Q(number__icontains=q)
            | Q(unit__name__icontains=q)
            | Q(unit__short_name__icontains=q)
            | Q(cases__number__icontains=q)
        ).distinct()
    if unit is not None:
        notices = notices.filter(unit=unit)
    if signed is not None:
        notices = notices.filter(signed_at__isnull=not signed)
    if year is not None:
        notices = notices.filter(year=year)
    return notices.select_related("unit", "issued_by", "signed_by").order_by("-year", "-serial")


def notice_list_for(
    *,
    user: User,
    q: str = "",
    unit: Unit | None = None,
    signed: bool | None = None,
    year: int | None = None,
) -> QuerySet[Notice]:
    """`notice_search` limited to what the user may see (`_documents_visible_q`)."""
    roles = roles_for(user=user)
    scope = _documents_visible_q(user=user, roles=roles, kind=NOTICE)
    if scope is None or user.jurisdiction is None:
        return Notice.objects.none()
    notices = notice_search(
        jurisdiction=user.jurisdiction, q=q, unit=unit, signed=signed, year=year
    )
    return notices.filter(scope)


def supervision_order_list_for(*, user: User) -> QuerySet[SupervisionOrder]:
    """The supervision orders the user may see (`_documents_visible_q`), newest first."""
    scope = _documents_visible_q(user=user, roles=roles_for(user=user), kind=SUPERVISION)
    if scope is None:
        return SupervisionOrder.objects.none()
    orders = SupervisionOrder.objects.filter(scope)
    return orders.select_related("unit", "case").order_by("-year", "-serial")


def places_select_sql() -> str:
    """SELECT list and joins for a case's places: the township, road and proposed unit
    whose ids are the three parameters, for `case_places_set`; the caller adds FROM."""
    quote = connection.ops.quote_name
    return (
        "SELECT t.id, t.name, r.id, r.name, u.id, u.code, u.name FROM {source} "  # noqa: S608 quoted table names, %s params
        f"LEFT JOIN {quote(Township._meta.db_table)} t ON t.id = %s "
        f"LEFT JOIN {quote(Road._meta.db_table)} r ON r.id = %s "
        f"LEFT JOIN {quote(Unit._meta.db_table)} u ON u.id = %s"
    )


def case_places_set(case: Case, values: Sequence[Any]) -> None:
    """Give `case` the places read by `places_select_sql` (seven values, in its order)."""
    tid, tname, rid, rname, uid, ucode, uname = values
    db = connection.alias
    case.township = Township.from_db(db, ["id", "name"], [tid, tname]) if tid else None
    case.road = Road.from_db(db, ["id", "name"], [rid, rname]) if rid else None
    case.proposed_unit = (
        Unit.from_db(db, ["id", "code", "name"], [uid, ucode, uname]) if uid else None
    )


def case_places_attach(*, case: Case) -> None:
    """Give a case just written its township, road and proposed unit, with the fields a
    case's representation shows (names, the unit's code), read in one statement.

    For the answer to a create, where a join over the case's relations costs the
    planner more than the whole insert. The instances hold only those fields; any other
    field is loaded on access, as with `QuerySet.only`.
    """
    sql = places_select_sql().format(source="(SELECT 1 AS one) x")
    with connection.cursor() as cursor:
        cursor.execute(sql, [case.township_id, case.road_id, case.proposed_unit_id])
        case_places_set(case, cursor.fetchone())
