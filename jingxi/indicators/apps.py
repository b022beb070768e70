from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """The registry of indicators (no models). Apps register theirs from ready()."""

    name = "jingxi.indicators"
    label = "indicators"
    verbose_name = _("指标")
