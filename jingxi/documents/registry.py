"""What the documents app knows of other apps: the kinds they number or issue, and the
subjects their documents list.

Apps register in their `AppConfig.ready()`; documents never imports them.

- A *number kind* is a counter per jurisdiction and year with its format
  (`number_kind_register`): bulletins' issues are numbered this way.
- A *document kind* is an issued, signed document stored in its app's model
  (`document_kind_register`); it is also a number kind. Its model has the columns
  `jurisdiction`, `number`, `year`, `serial`, `unit`, `content`, `deadline`,
  `issued_by`, `issued_at`, `signed_by`, `signed_at`, and one relation to its subjects
  (a foreign key for one subject, a many-to-many for several).
- A *subject rule* says, for a model documents may list (a case; later a spot-check
  finding, a key task, an incident), which of its rows a user may see: the subject's own
  app decides, never the documents app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise

from jingxi.org.models import User
from jingxi.org.roles import RoleSet


class IssuedHook(Protocol):
    def __call__(
        self,
        *,
        documents: Sequence[Any],
        subjects: Sequence[Sequence[Any]],
        actor: User | None,
        now: Any,
        record: bool,
    ) -> None: ...


class SignedHook(Protocol):
    def __call__(self, *, document: Any, actor: User, now: Any) -> None: ...


@dataclass(frozen=True, kw_only=True)
class NumberKind:
    """A counter: `key` (at most 16 characters) and the format of its numbers, a
    `str.format` template of `office` (the office's short name), `year` and `serial`."""

    key: str
    number_format: str

    def number(self, *, office: str, year: int, serial: int) -> str:
        return self.number_format.format(office=office, year=year, serial=serial)


@dataclass(frozen=True, kw_only=True)
class DocumentKind:
    """An issued document: its number kind's key, its name (整改通知单), the name of its
    time limit (整改时限), its model, its subjects' relation and what its app does
    once documents are issued or signed (e.g. write the subjects' timeline)."""

    key: str
    label: str | Promise
    deadline_label: str | Promise
    model: type[models.Model]
    subjects: str
    on_issued: IssuedHook
    on_signed: SignedHook

    @property
    def subject_field(self) -> Any:
        return self.model._meta.get_field(self.subjects)

    @property
    def subject_model(self) -> type[models.Model]:
        related = self.subject_field.related_model
        assert isinstance(related, type)
        return related


#: Which rows of a subject model `user` (holding `roles`) may see, as a filter on that
#: model; None when they may see none.
SubjectVisibility = Callable[[User, RoleSet], Q | None]

_number_kinds: dict[str, NumberKind] = {}
_document_kinds: dict[str, DocumentKind] = {}
_subjects: dict[type[models.Model], SubjectVisibility] = {}


def _put(table: dict[Any, Any], key: Any, value: Any) -> None:
    if key in table and table[key] != value:
        raise ImproperlyConfigured(f"documents: {key!r} is registered twice")
    table[key] = value


def number_kind_register(*, key: str, number_format: str) -> NumberKind:
    if not 0 < len(key) <= 16:
        raise ImproperlyConfigured(f"documents: kind key {key!r} must be 1 to 16 characters")
    kind = NumberKind(key=key, number_format=number_format)
    _put(_number_kinds, key, kind)
    return kind


def document_kind_register(
    *,
    key: str,
    label: str | Promise,
    deadline_label: str | Promise,
    number_format: str,
    model: type[models.Model],
    subjects: str,
    on_issued: IssuedHook,
    on_signed: SignedHook,
) -> DocumentKind:
    number_kind_register(key=key, number_format=number_format)
    kind = DocumentKind(
        key=key,
        label=label,
        deadline_label=deadline_label,
        model=model,
        subjects=subjects,
        on_issued=on_issued,
        on_signed=on_signed,
    )
    field = kind.subject_field
    if not (field.many_to_many or field.many_to_one):
        raise ImproperlyConfigured(f"documents: {model.__name__}.{subjects} is no relation")
    _put(_document_kinds, key, kind)
    return kind


def subject_register(*, model: type[models.Model], visible: SubjectVisibility) -> None:
    _put(_subjects, model, visible)


def number_kind_get(key: str) -> NumberKind:
    try:
        return _number_kinds[key]
    except KeyError:
        raise ValueError(f"unknown document kind: {key!r}") from None


def document_kind_get(key: str) -> DocumentKind:
    try:
        return _document_kinds[key]
    except KeyError:
        raise ValueError(f"unknown document kind: {key!r}") from None


def document_kinds() -> list[DocumentKind]:
    return list(_document_kinds.values())


def subject_visibility(model: type[models.Model]) -> SubjectVisibility:
    try:
        return _subjects[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"documents: no subject rule for {model.__name__}; its app registers one"
        ) from None
