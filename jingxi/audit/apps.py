from django.apps import AppConfig
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
        from jingxi.org import signals as org_signals

        org_signals.password_changed.connect(
            receivers.on_password_changed, dispatch_uid="jingxi.audit"
        )
        org_signals.second_factor_added.connect(
            receivers.on_second_factor_added, dispatch_uid="jingxi.audit"
        )
        org_signals.second_factor_removed.connect(
            receivers.on_second_factor_removed, dispatch_uid="jingxi.audit"
        )
        from axes.signals import user_locked_out

        user_locked_out.connect(receivers.on_locked_out, dispatch_uid="jingxi.audit")
