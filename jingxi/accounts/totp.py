"""The second factor: TOTP devices (django-otp), one per user.

- `totp_enrol_start` gives the user's unconfirmed device (made on first call, the same
  one afterwards, so the code on the phone keeps matching while the page reloads);
  `totp_qr_svg` draws its otpauth:// address as an SVG QR code (segno, no script, no
  image service); `totp_enrol_confirm` confirms it with a first code.
- `totp_device_for` is the user's confirmed device, if any: login asks for a code
  after the password exactly when there is one (`views.login_code`).
- `totp_verify` checks a code against the confirmed device, row-locked, with
  django-otp's throttling (each failure doubles the wait) and replay refusal (a code is
  accepted once).
- `totp_remove` (the user, with a current code) and `totp_reset` (a security
  administrator, or the `otp_reset` command) delete a user's devices.

Each change sends its `jingxi.org.signals` signal for the audit trail.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingxi.org import signals
from jingxi.org.models import User

DEVICE_NAME = "TOTP"


def totp_device_for(*, user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, or None."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def totp_enrol_start(*, user: User) -> TOTPDevice:
    """The user's device waiting for its first code (made if there is none)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The device's key as authenticator apps take it typed in: base32, in groups of 4."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (paths only: no script,
    no style attribute)."""
    code = segno.make(device.config_url, error="m")
    svg = code.svg_inline(scale=5, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 segno's own markup; the address is encoded, not embedded


def _verified(device: TOTPDevice, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != device.digits:
        device.throttle_increment(commit=True)  # a wrong shape is a wrong code
        return False
    return bool(device.verify_token(code))


def totp_verify(*, user: User, code: str) -> TOTPDevice | None:
    """The user's confirmed device if `code` is its current code, else None."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None or not _verified(device, code):
            return None
        return device


def totp_enrol_confirm(
    *, user: User, code: str, request: HttpRequest | None = None
) -> TOTPDevice | None:
    """Confirm the user's waiting device with its first code; None if the code is wrong.
    Other devices of the user are removed: one device per user."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or not _verified(device, code):
            return None
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    signals.second_factor_added.send(sender=User, user=user, request=request, device=device)
    return device


def totp_remove(*, user: User, code: str, request: HttpRequest | None = None) -> bool:
    """The user removes their own device, proving it with a current code."""
    device = totp_verify(user=user, code=code)
    if device is None:
        return False
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    signals.second_factor_removed.send(sender=User, user=user, request=request, by=user)
    return True


def totp_reset(*, user: User, by: User | None = None, request: HttpRequest | None = None) -> int:
    """Remove every TOTP device of `user` (a security administrator's reset, or the
    emergency command); the user logs in with the password alone and enrols again."""
    count: int = TOTPDevice.objects.filter(user_id=user.pk).delete()[0]
    if count:
        signals.second_factor_removed.send(sender=User, user=user, request=request, by=by)
    return count
