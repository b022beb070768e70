"""Emergency: remove a user's second factor (a lost phone, a locked-out administrator).

manage.py otp_reset USERNAME

The user then logs in with the password alone and, in production if their role needs
it, must enrol a new device before anything else. Also clear a lockout with
`manage.py axes_reset_username USERNAME`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingxi.accounts.totp import totp_reset
from jingxi.org.models import User


class Command(BaseCommand):
    help = "移除用户的动态口令设备（手机丢失等紧急情况）；该用户下次登录后须重新绑定。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为「{username}」的用户。")
        count = totp_reset(user=user)
        if count:
            self.stdout.write(f"已移除用户「{username}」的 {count} 个动态口令设备。")
        else:
            self.stdout.write(f"用户「{username}」没有动态口令设备。")
