"""Published bulletins without a number take the next of their kind and year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from conftest import Cast, World
from jingxi.bulletins import services
from jingxi.bulletins.models import Bulletin

TZ = ZoneInfo("Asia/Shanghai")


def publish(world: World, cast: Cast, kind: str, at: dt.datetime, number: str = "") -> Bulletin:
    bulletin = services.bulletin_create(
        jurisdiction=world.jurisdiction,
        actor=cast.dispatcher,
        text=services.BulletinText(kind=kind, title="通报", body="正文", number=number),
    )
    return services.bulletin_publish(bulletin_id=bulletin.pk, actor=cast.dispatcher, now=at)


def test_each_kind_is_numbered_per_year_and_typed_numbers_stay(world: World, cast: Cast) -> None:
    nov = dt.datetime(2026, 11, 2, 9, tzinfo=TZ)
    assert publish(world, cast, "monthly", nov).number == "月度通报〔2026〕第1期"
    assert publish(world, cast, "monthly", nov).number == "月度通报〔2026〕第2期"
    assert publish(world, cast, "special", nov).number == "专项通报〔2026〕第1期"
    typed = publish(world, cast, "monthly", nov, number="中牟精细办通〔2026〕3号")
    assert typed.number == "中牟精细办通〔2026〕3号"
    next_year = dt.datetime(2027, 1, 4, 9, tzinfo=TZ)
    assert publish(world, cast, "monthly", next_year).number == "月度通报〔2027〕第1期"
