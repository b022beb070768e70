from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "jingxi.wechat"
    label = "wechat"
    verbose_name = _("微信公众号")

    def ready(self) -> None:
        from jingxi.wechat import checks  # noqa: F401  # registers the settings check
