from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jingxi.accounts"
    label = "accounts"
    verbose_name = _("账号与认证")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from jingxi.accounts.sessions import session_start

        # Every login (the login page, its code step, the test client) starts the
        # session's clocks; see jingxi.accounts.sessions.
        user_logged_in.connect(session_start, dispatch_uid="jingxi.accounts.session_start")
