from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "jingxi.demo"
    label = "demo"
    verbose_name = _("演示数据")

    def ready(self) -> None:
        # The shell shows these logins and production refuses this password, without
        # importing the demo (jingxi.web.offers).
        from jingxi.demo.logins import demo_logins
        from jingxi.demo.plan import DEMO_PASSWORD
        from jingxi.web.offers import login_source_register, public_password_register

        login_source_register(demo_logins)
        public_password_register(DEMO_PASSWORD)
