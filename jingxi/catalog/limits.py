"""The one-line text form of a category's time limits.

For example "一般:4工作时; 紧急:2工作时; 拆除:20工作日".

Pure Python, no ORM. The standard catalog (`data.py`), the XLSX export and the XLSX import
all use this form, so what the export writes the import reads back unchanged.

Grammar: entries separated by ";" (or "；"); each entry is `key:amount unit` (":" or "："):
- key: an urgency (一般/紧急/特急, or normal/urgent/critical): that urgency, no condition;
  or a condition (停止施工, 拆除, ...): the condition at normal urgency;
  or `urgency/condition`: the condition at that urgency.
- amount: a positive number with at most one decimal (0.5, 4, 20).
- unit: 工作时 or 工作日 (or working_hours / working_days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jingxi.catalog.choices import TimeUnit, Urgency

_SEPARATORS = re.compile(r"[;；\n]")
_ENTRY = re.compile(r"^(?P<key>[^:：]+)[:：]\s*(?P<amount>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>\S+)$")
MAX_CONDITION_LENGTH = 64


@dataclass(frozen=True)
class LimitSpec:
    urgency: str
    condition: str
    amount: Decimal
    unit: str


class LimitSyntaxError(ValueError):
    """The text does not follow the grammar; the message says which entry and why."""


def _lookup(choices: type[Urgency] | type[TimeUnit], text: str) -> str | None:
    for value, label in choices.choices:
        if text in (value, str(label)):
            return str(value)
    return None


def _amount_text(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    return text


def limits_format(specs: list[LimitSpec]) -> str:
    """The text form of the limits, normal urgency first, then conditions."""
    order = {value: index for index, value in enumerate(Urgency.values)}
    parts: list[str] = []
    for spec in sorted(specs, key=lambda s: (s.condition != "", order[s.urgency], s.condition)):
        urgency_label = str(Urgency(spec.urgency).label)
        if not spec.condition:
            key = urgency_label
        elif spec.urgency == Urgency.NORMAL:
            key = spec.condition
        else:
            key = f"{urgency_label}/{spec.condition}"
        unit_label = str(TimeUnit(spec.unit).label)
        parts.append(f"{key}:{_amount_text(spec.amount)}{unit_label}")
    return "; ".join(parts)


def limits_parse(text: str) -> list[LimitSpec]:
    """Parse the text form; raises LimitSyntaxError naming the bad entry."""
    specs: list[LimitSpec] = []
    seen: set[tuple[str, str]] = set()
    for raw in _SEPARATORS.split(text):
        entry = raw.strip()
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if match is None:
            raise LimitSyntaxError(
                _("“%(entry)s”格式不正确，应为“一般:4工作时”或“拆除:20工作日”") % {"entry": entry}
            )
        key = match["key"].strip()
        urgency = _lookup(Urgency, key)
        condition = ""
        if urgency is None:
            head, sep, tail = key.partition("/")
            head_urgency = _lookup(Urgency, head.strip()) if sep else None
            if head_urgency is not None:
                urgency, condition = head_urgency, tail.strip()
            else:
                urgency, condition = str(Urgency.NORMAL), key
            if not condition:
                raise LimitSyntaxError(_("“%(entry)s”缺少情形名称") % {"entry": entry})
            if len(condition) > MAX_CONDITION_LENGTH:
                raise LimitSyntaxError(
                    _("“%(entry)s”情形名称超过%(n)d个字")
                    % {"entry": entry, "n": MAX_CONDITION_LENGTH}
                )
        unit = _lookup(TimeUnit, match["unit"])
        if unit is None:
            raise LimitSyntaxError(
                _("“%(entry)s”的时间单位应为“工作时”或“工作日”") % {"entry": entry}
            )
        try:
            amount = Decimal(match["amount"])
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise LimitSyntaxError(_("“%(entry)s”时限不是数字") % {"entry": entry}) from exc
        if amount < Decimal("0.5") or amount >= Decimal("100000"):
            raise LimitSyntaxError(_("“%(entry)s”时限应在0.5到99999之间") % {"entry": entry})
        if amount != amount.quantize(Decimal("0.1")):
            raise LimitSyntaxError(_("“%(entry)s”时限最多一位小数") % {"entry": entry})
        if (urgency, condition) in seen:
            raise LimitSyntaxError(_("“%(entry)s”与前面的时限重复") % {"entry": entry})
        seen.add((urgency, condition))
        specs.append(LimitSpec(urgency=urgency, condition=condition, amount=amount, unit=unit))
    return specs
