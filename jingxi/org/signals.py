"""Security events of staff accounts that Django sends no signal for.

Django sends `user_logged_in`, `user_logged_out` and `user_login_failed`; django-axes
sends `user_locked_out`. These complete the set, so the audit trail can record every
security event from signals. They are sent by the doors that do the change (the
`jingxi.accounts` views and services and its commands); no business logic listens.

Every signal is sent with `sender=User` and the keyword arguments `user` (whose account
changed) and `request` (the request that changed it, or None from a command).
"""

from __future__ import annotations

from django.dispatch import Signal

#: A user's password was changed or reset (the user's own change page, a forced change
#: after expiry, an administrator in the admin). Also `by`: who changed it.
password_changed = Signal()
#: A second-factor (TOTP) device was confirmed for `user`. Also `device`.
second_factor_added = Signal()
#: A user's second-factor devices were removed (by the user with a code, by a security
#: administrator in the admin or the `otp_reset` command). Also `by` (None: a command).
second_factor_removed = Signal()
