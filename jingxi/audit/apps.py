from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jingxi.audit"
    label = "audit"
    verbose_name = _("安全审计")

    def ready(self) -> None:
        from django.contrib.auth import signals as auth_signals
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from jingxi.audit import checks, gate, receivers  # checks: registers them

        del checks
        connection_created.connect(gate.on_connection_created, dispatch_uid="jingxi.audit.gate")
        post_migrate.connect(gate.on_post_migrate, sender=self, dispatch_uid="jingxi.audit.gate")
        auth_signals.user_logged_in.connect(receivers.on_logged_in, dispatch_uid="jingxi.audit")
        auth_signals.user_logged_out.connect(receivers.on_logged_out, dispatch_uid="jingxi.audit")
        auth_signals.user_login_failed.connect(
            receivers.on_login_failed, dispatch_uid="jingxi.audit"
        )
        if apps.is_installed("axes"):  # added by the identity work; optional here
            from axes.signals import user_locked_out  # type: ignore[import-untyped]  # axes ships no types

            user_locked_out.connect(receivers.on_locked_out, dispatch_uid="jingxi.audit")
