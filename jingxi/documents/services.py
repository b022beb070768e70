"""The one door for issuing and signing numbered documents of every registered kind.

`document_issue` numbers a batch of documents of one kind from one bump of its counter,
stores them with their subjects and hands them to the kind's app (which writes, e.g.,
the cases' timeline); `document_sign` records the receiving unit's signature once. The
issuing app checks first who may issue what for which subjects (a notice's cases must be
at its unit; an overdue order's case must be overdue), then calls these, inside the
transaction that holds its subjects locked. A test fails if another code path creates a
registered kind's rows or bumps a counter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.documents.access import is_unit_staff
from jingxi.documents.numbering import number_next
from jingxi.documents.pdf import local_text
from jingxi.documents.registry import document_kind_get
from jingxi.org.models import Jurisdiction, User

MAX_CONTENT: Final = 2000


class DocumentError(ValueError):
    """Bad input to a document service; the message says what is wrong, in Chinese."""


def content_clean(content: str) -> str:
    """A document's requirement, trimmed: present and at most MAX_CONTENT characters."""
    content = content.strip()
    if not content:
        raise DocumentError(_("请填写整改要求"))
    if len(content) > MAX_CONTENT:
        raise DocumentError(_("要求不能超过%(n)d字") % {"n": MAX_CONTENT})
    return content


@dataclass(frozen=True, kw_only=True)
class Draft:
    """One document to issue: to whom, what, by when, about which subjects (rows of the
    kind's subject model, locked by the caller) and the kind's own columns."""

    unit_id: int
    content: str
    deadline: dt.datetime
    subjects: Sequence[models.Model]
    fields: Mapping[str, Any] = field(default_factory=dict)


def document_issue(
    *,
    kind: str,
    jurisdiction: Jurisdiction,
    drafts: Sequence[Draft],
    actor: User | None,
    now: dt.datetime | None = None,
    record: bool = True,
) -> list[Any]:
    """Issue `drafts` as documents of `kind`, numbered in order; `actor` None is the
    system (the deadline scan). All or nothing: on DocumentError no number is used.
    `record` False: the caller writes the subjects' record of the issue itself (the
    deadline scan's "escalate" event names its order), so the kind's app adds none."""
    now = now or timezone.now()
    document_kind = document_kind_get(kind)
    subject_field = document_kind.subject_field
    contents = [content_clean(draft.content) for draft in drafts]
    for draft in drafts:
        if draft.deadline <= now:
            raise DocumentError(
                _("%(label)s必须晚于签发时间") % {"label": document_kind.deadline_label}
            )
        if not draft.subjects:
            raise ValueError(f"a {kind} lists at least one subject")
        if subject_field.many_to_one and len(draft.subjects) != 1:
            raise ValueError(f"a {kind} lists exactly one subject")
    if not drafts:
        return []
    year = timezone.localtime(now, ZoneInfo(jurisdiction.time_zone)).year
    with transaction.atomic(savepoint=False):  # no savepoint: callers hold a transaction
        numbers = number_next(jurisdiction=jurisdiction, kind=kind, year=year, count=len(drafts))
        documents = []
        for (serial, number), draft, content in zip(numbers, drafts, contents, strict=True):
            document = document_kind.model(
                jurisdiction=jurisdiction,
                number=number,
                year=year,
                serial=serial,
                unit_id=draft.unit_id,
                content=content,
                deadline=draft.deadline,
                issued_by=actor,
                issued_at=now,
                **draft.fields,
            )
            if subject_field.many_to_one:
                setattr(document, subject_field.attname, draft.subjects[0].pk)
            documents.append(document)
        # bulk_create sets primary keys on PostgreSQL and SQLite (RETURNING).
        document_kind.model._default_manager.bulk_create(documents)
        if subject_field.many_to_many:
            through = subject_field.remote_field.through
            own, other = subject_field.m2m_field_name(), subject_field.m2m_reverse_field_name()
            through.objects.bulk_create(
                through(**{f"{own}_id": document.pk, f"{other}_id": subject.pk})
                for document, draft in zip(documents, drafts, strict=True)
                for subject in draft.subjects
            )
        document_kind.on_issued(
            documents=documents,
            subjects=[draft.subjects for draft in drafts],
            actor=actor,
            now=now,
            record=record,
        )
    return documents


def document_sign(
    *, kind: str, document_id: int, actor: User, now: dt.datetime | None = None
) -> Any:
    """The receiving unit signs for the document (签收): once, by its handler or head."""
    now = now or timezone.now()
    document_kind = document_kind_get(kind)
    label = document_kind.label
    with transaction.atomic():
        document: Any = (  # a registered kind's model: it has the columns documents need
            document_kind.model._default_manager.select_for_update()
            .select_related("unit", "unit__jurisdiction", "jurisdiction")
            .get(pk=document_id)
        )
        if not is_unit_staff(user=actor, unit=document.unit):
            raise PermissionDenied(
                _("只有%(unit)s的人员可以签收该%(label)s") % {"unit": document.unit, "label": label}
            )
        if document.signed_at is not None:
            raise DocumentError(
                _("该%(label)s已于%(at)s由%(who)s签收")
                % {
                    "label": label,
                    "at": local_text(document.signed_at, document.jurisdiction),
                    "who": document.signed_by,
                }
            )
        document.signed_by = actor
        document.signed_at = now
        document.save(update_fields=["signed_by", "signed_at"])
        document_kind.on_signed(document=document, actor=actor, now=now)
    return document
