from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jingxi.cases"
    label = "cases"
    verbose_name = _("案卷")

    def ready(self) -> None:
        from jingxi.cases import indicators

        indicators.register()

        # The cases' document kinds (notice, supervision order) and who sees which case,
        # for jingxi.documents, which never imports cases.
        from jingxi.cases.documents import register

        register()

        from jingxi.cases.notifications import CaseEventSource
        from jingxi.notify.sources import source_register

        source_register(CaseEventSource())
