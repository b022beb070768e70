"""Reads of notifications and of a user's choice of media. Each takes the user whose
messages they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.utils.functional import Promise

from jingxi.notify.channels import media_status
from jingxi.notify.choices import Medium
from jingxi.notify.models import PENDING, Notification, NotificationPreference
from jingxi.notify.services import preference_default
from jingxi.notify.sources import Kind, sources_registered
from jingxi.org.models import User


def notification_list_for(*, user: User, pending_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications: those that still need action first, then the others
    (read, or cleared by their object's moving on); newest first within each."""
    qs = Notification.objects.filter(recipient=user)
    if pending_only:
        qs = qs.filter(PENDING)
    return qs.annotate(
        needs_action=ExpressionWrapper(PENDING, output_field=BooleanField())
    ).order_by("-needs_action", "-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    """What the badge shows: unread notifications that still need action (not cleared).

    One range of the partial index `notification_pending`."""
    return Notification.objects.filter(PENDING, recipient=user).count()


@dataclass(frozen=True)
class MediumColumn:
    """A medium on the preferences page; `unavailable` says why it cannot be chosen."""

    medium: Medium
    unavailable: str | Promise


@dataclass(frozen=True)
class PreferenceCell:
    medium: Medium
    key: str  # the form field's value: "source:kind:medium"
    enabled: bool
    available: bool


@dataclass(frozen=True)
class PreferenceRow:
    source: str
    kind: Kind
    cells: list[PreferenceCell]


def preference_key(source: str, kind: str, medium: str) -> str:
    return f"{source}:{kind}:{medium}"


def notification_preferences_for(*, user: User) -> tuple[list[MediumColumn], list[PreferenceRow]]:
    """Every registered kind × medium, as the user chose or by default; the media no
    active channel reaches the user by are shown, not offered."""
    status = media_status(user)
    columns = [MediumColumn(medium=m, unavailable=status[m]) for m in Medium]
    chosen = {
        (source, kind, medium): enabled
        for source, kind, medium, enabled in NotificationPreference.objects.filter(
            user=user
        ).values_list("source", "kind", "medium", "enabled")
    }
    rows = [
        PreferenceRow(
            source=source.name,
            kind=kind,
            cells=[
                PreferenceCell(
                    medium=m,
                    key=preference_key(source.name, kind.name, m),
                    enabled=chosen.get(
                        (source.name, kind.name, m), preference_default(kind=kind, medium=m)
                    ),
                    available=not status[m],
                )
                for m in Medium
            ],
        )
        for source in sources_registered()
        for kind in source.kinds
    ]
    return columns, rows
