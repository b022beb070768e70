from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "jingxi.public"
    label = "public"
    verbose_name = _("公众服务与信息公开")

    def ready(self) -> None:
        from jingxi.public import indicators

        indicators.register()
