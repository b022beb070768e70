"""Reads of notifications. Each takes the user whose messages they are."""

from __future__ import annotations

from django.db.models import QuerySet

from jingxi.notify.models import Notification
from jingxi.org.models import User


def notification_list_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
