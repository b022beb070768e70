from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "jingxi.inspections"
    label = "inspections"
    verbose_name = _("日常巡查")

    def ready(self) -> None:
        # The morning gap list reaches the office through notify (which never imports us).
        from jingxi.inspections.notifications import GapNoticeSource
        from jingxi.notify.sources import source_register

        source_register(GapNoticeSource())
