from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "jingxi.bulletins"
    label = "bulletins"
    verbose_name = _("通报公告")

    def ready(self) -> None:
        # Each kind's issues are numbered per year by jingxi.documents.
        from jingxi.bulletins.services import register

        register()
