"""The indicators the public app owns: citizens' satisfaction with closed cases.

Registered with `jingxi.indicators` from PublicConfig.ready(). The ratings live here
(`Feedback`, one per case); the closure they rate is cases' definition (结案数), so a
case counts in the period in which it counts as closed.

- 评价数 (rated): cases closed in the period (cases' 结案数) rated by `as_of`;
- 满意数 (satisfied): of those, rated 满意 or 基本满意;
- 满意率 = 满意数 / 评价数.
"""

from __future__ import annotations

from typing import Final

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingxi.cases.indicators import EVENTS, closed_q
from jingxi.indicators.registry import (
    Indicator,
    Measure,
    Unit,
    Window,
    indicator_register,
)
from jingxi.public.citizen.choices import Rating

# Ratings that count as satisfied (满意, 基本满意).
SATISFIED_RATINGS: Final = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


def rated_q(w: Window) -> Q:
    return closed_q(w) & Q(case__feedback__isnull=False, case__feedback__at__lte=w.as_of)


def satisfied_q(w: Window) -> Q:
    return rated_q(w) & Q(case__feedback__rating__in=SATISFIED_RATINGS)


RATED: Final = Measure(
    code="public.rated",
    name=_("评价数"),
    description=_("期内结案且已有市民评价的案卷"),
    source=EVENTS,
    q=rated_q,
)
SATISFIED: Final = Measure(
    code="public.satisfied",
    name=_("满意数（含基本满意）"),
    description=_("评价为满意或基本满意的案卷"),
    source=EVENTS,
    q=satisfied_q,
)
SATISFACTION_RATE: Final = Indicator(
    code="satisfaction_rate",
    name=_("满意率"),
    description=_("满意数（含基本满意） / 评价数"),
    owner="public",
    unit=Unit.PERCENT,
    numerator=(SATISFIED,),
    denominator=(RATED,),
)


def register() -> None:
    """Called once from PublicConfig.ready()."""
    indicator_register(SATISFACTION_RATE)
