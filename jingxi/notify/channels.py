"""Delivery channels: how a notification row reaches a person outside the web page.

The in-app channel is the rows themselves (the bell and list read `Notification`).
Other channels deliver copies after the drain's transaction commits, best effort:
a failed e-mail is logged and not retried, and never undoes the in-app row.

- `EmailChannel`: Django's `send_mail` to users with an e-mail address; on when
  `JINGXI_NOTIFY_EMAIL` is true (default false). Mail settings are Django's own.
- `SmsChannel` / `WeChatChannel`: the interfaces a provider adapter implements.
  `LoggingSmsChannel` and `LoggingWeChatChannel` only write a log line each: no
  message leaves the machine. They exist to show the seam and to test it; a
  deployment with a provider plugs its own class in `channels_active`.

Each channel is one `Medium`, and says whom it can reach (`reaches`: an e-mail address,
a phone number). Each user chooses the media per kind of notification
(`NotificationPreference`); the drain tells `channels_deliver` which rows go by which
medium.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jingxi.notify.choices import Medium
from jingxi.notify.models import Notification
from jingxi.org.models import User

logger = logging.getLogger(__name__)


class Channel(Protocol):
    name: str
    medium: Medium

    def reaches(self, user: User) -> bool:
        """Whether the user has an address on this channel."""
        ...

    def deliver(self, notifications: Sequence[Notification]) -> int:
        """Deliver copies of these rows; return how many went out."""
        ...


class InAppChannel:
    """The rows are the in-app messages: nothing more to do."""

    name = "in_app"
    medium = Medium.IN_APP

    def reaches(self, user: User) -> bool:
        return True

    def deliver(self, notifications: Sequence[Notification]) -> int:
        return len(notifications)


class EmailChannel:
    name = "email"
    medium = Medium.EMAIL

    def reaches(self, user: User) -> bool:
        return bool(user.email)

    def deliver(self, notifications: Sequence[Notification]) -> int:
        sent = 0
        for n in notifications:
            address = n.recipient.email
            if not address:
                continue
            try:
                sent += send_mail(
                    subject=n.title,
                    message=n.body or n.title,
                    from_email=None,
                    recipient_list=[address],
                )
            except Exception:  # a mail server problem must not stop the other messages
                logger.exception("e-mail notification %s to %s failed", n.pk, address)
        return sent


class SmsChannel(Protocol):
    """A text-message provider: one short message to a phone number."""

    name: str
    medium: Medium

    def reaches(self, user: User) -> bool: ...

    def deliver(self, notifications: Sequence[Notification]) -> int: ...


class WeChatChannel(Protocol):
    """A WeChat template-message provider (needs the user's OpenID from the provider)."""

    name: str
    medium: Medium

    def reaches(self, user: User) -> bool: ...

    def deliver(self, notifications: Sequence[Notification]) -> int: ...


class LoggingSmsChannel:
    """Writes what an SMS provider would be asked to send. Sends nothing."""

    name = "sms_log"
    medium = Medium.SMS

    def reaches(self, user: User) -> bool:
        return bool(user.phone)

    def deliver(self, notifications: Sequence[Notification]) -> int:
        count = 0
        for n in notifications:
            if n.recipient.phone:
                logger.info("SMS (log only) to %s: %s", n.recipient.phone, n.title)
                count += 1
        return count


class LoggingWeChatChannel:
    """Writes what a WeChat provider would be asked to send. Sends nothing."""

    name = "wechat_log"
    medium = Medium.WECHAT

    def reaches(self, user: User) -> bool:
        return True  # a provider would look the user's OpenID up

    def deliver(self, notifications: Sequence[Notification]) -> int:
        for n in notifications:
            logger.info("WeChat (log only) to user %s: %s", n.recipient_id, n.title)
        return len(notifications)


def _flag(name: str) -> bool:
    """A boolean setting (config/settings.py reads it from JINGXI_<name>)."""
    return bool(getattr(settings, name, False))


def channels_active() -> list[Channel]:
    """In-app always; e-mail when NOTIFY_EMAIL; the logging SMS/WeChat when NOTIFY_LOG_SMS."""
    channels: list[Channel] = [InAppChannel()]
    if _flag("NOTIFY_EMAIL"):
        channels.append(EmailChannel())
    if _flag("NOTIFY_LOG_SMS"):
        channels.extend([LoggingSmsChannel(), LoggingWeChatChannel()])
    return channels


def channels_deliver(
    notifications: Sequence[Notification],
    channels: Sequence[Channel] | None = None,
    *,
    media: Mapping[int, Collection[str]] | None = None,
) -> dict[str, int]:
    """Hand the rows to every active channel; return how many each delivered.

    `media` (row id → media) says which rows go by which medium, as their recipients
    chose; without it every row goes by every channel.
    """
    result: dict[str, int] = {}
    for channel in channels if channels is not None else channels_active():
        rows = (
            notifications
            if media is None
            else [n for n in notifications if channel.medium in media.get(n.pk, ())]
        )
        try:
            result[channel.name] = channel.deliver(rows)
        except Exception:  # one broken channel must not stop the others
            logger.exception("notification channel %s failed", channel.name)
            result[channel.name] = 0
    return result


NO_ADDRESS: dict[str, str | Promise] = {
    Medium.EMAIL: _("未填写电子邮箱"),
    Medium.SMS: _("未填写手机号"),
    Medium.WECHAT: _("未绑定微信"),
}


def media_status(user: User) -> dict[Medium, str | Promise]:
    """Per medium, "" when an active channel of it reaches the user, else why not."""
    active = {channel.medium: channel for channel in channels_active()}
    status: dict[Medium, str | Promise] = {}
    for medium in Medium:
        channel = active.get(medium)
        if channel is None:
            status[medium] = _("本平台未开通")
        elif not channel.reaches(user):
            status[medium] = NO_ADDRESS.get(medium, _("无法送达"))
        else:
            status[medium] = ""
    return status
