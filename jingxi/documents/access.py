"""Who may see and who may sign a document, for every kind.

A document is seen by its issuer, by the staff of the unit it is addressed to, and by
whoever may see every one of its subjects, as each subject's own app decides (its rule
in `registry.subject_register`). A rule of the documents' own would disagree with it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from jingxi.documents.registry import document_kind_get, subject_visibility
from jingxi.org.models import Unit, User
from jingxi.org.roles import RoleSet, roles_for


def is_unit_staff(*, user: User, unit: Unit) -> bool:
    """Whether `user` holds a role at `unit` (its handlers and heads sign for it)."""
    roles = roles_for(user=user, jurisdiction_id=unit.jurisdiction_id)
    return unit.pk in roles.unit_ids()


def document_can_sign(*, document: Any, user: User) -> bool:
    """Whether `user` may sign for `document` (of any kind) when it is unsigned."""
    return is_unit_staff(user=user, unit=document.unit)


def document_visibility_filter(*, kind: str, user: User, roles: RoleSet | None = None) -> Q | None:
    """A Q on the kind's model selecting the documents `user` may see; None for none."""
    document_kind = document_kind_get(kind)
    roles = roles if roles is not None else roles_for(user=user)
    if not roles.is_staff or roles.jurisdiction_id is None:
        return None
    own = Q(jurisdiction_id=roles.jurisdiction_id)
    theirs = Q(issued_by_id=user.pk) | Q(unit_id__in=roles.unit_ids())
    subject_model = document_kind.subject_model
    visible = subject_visibility(subject_model)(user, roles)
    if visible is None:
        return own & theirs
    back = document_kind.subject_field.related_query_name()
    listed = subject_model._default_manager.filter(**{back: OuterRef("pk")})
    seen = subject_model._default_manager.filter(visible).values("pk")
    every_subject_seen = Exists(listed) & ~Exists(listed.exclude(pk__in=seen))
    return own & (theirs | every_subject_seen)
