from django.db import models
from django.utils.translation import gettext_lazy as _


class Datatype(models.TextChoices):
    """The six attribute datatypes of a GeoReport v2 service definition."""

    STRING = "string", _("单行文字")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文字")
    SINGLEVALUELIST = "singlevaluelist", _("单选")
    MULTIVALUELIST = "multivaluelist", _("多选")


LIST_DATATYPES = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})
