from django.db import models
from django.utils.translation import gettext_lazy as _


class CallOutcome(models.TextChoices):
    """What became of a hotline call (来电处理结果)."""

    NEW_CASE = "new_case", _("新建案卷")
    MERGED_INTO_EXISTING = "merged_into_existing", _("并入已有案卷")
    SUGGESTION = "suggestion", _("意见建议")
    INFO_ONLY = "info_only", _("咨询/仅记录")


class Satisfaction(models.TextChoices):
    """The caller's answer when called back (回访满意度)."""

    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    UNREACHED = "unreached", _("未回访成功")
