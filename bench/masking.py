"""Masking benchmark: the one masking rule (`org.privacy`) over realistic descriptions.

    .venv/bin/python bench/masking.py [--rows 1000] [--repeat 7]

Builds `--rows` cases as the demo county's generator writes them (its description
templates and places, a citizen's name and mobile), then puts personal data into some
of the descriptions as citizens type it: 15% a mobile (plain, spaced or +86), 5% a
landline, 3% an ID number, 3% an e-mail, 10% the reporter's own name; and case numbers
into another 10%. Times, best of `--repeat` runs, single-threaded, CPU time of this
thread (which other processes on a shared machine cannot inflate):

- `mask_text` over the descriptions and addresses (what a staff list without contact
  rights, or a public page, masks), and with the record's name and phone (`about`);
- references on the same texts: a plain `str.replace` pass (the floor of touching each
  text once) and the phone-only regex Open311 used before the one rule;
- `open311.serializers.request_document` for the rows: the Open311 GET's per-request
  work for a page of 1,000 results, with the one rule and with the masking Open311 did
  before it (bench/open311.py measures the whole GET over HTTP on PostgreSQL with a
  million cases: p95 36 ms JSON, 41 ms XML before this module).

No database is used (Django runs on an in-memory SQLite it never opens). Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from support import django_setup

ROOT = Path(__file__).resolve().parent.parent


def _rows(count: int, seed: int = 20261205) -> list[dict[str, Any]]:
    from jingxi.demo import names
    from jingxi.demo.case_plan import GENERIC, TEMPLATES
    from jingxi.org.privacy import id_check_character

    rng = random.Random(seed)
    places = [
        "青年路128号",
        "文化路与建设路交叉口",
        "东风路南段",
        "县第一实验小学东侧",
        "商都大道88号",
    ]
    templates = [t for group in TEMPLATES.values() for t in group] + list(GENERIC)
    now = dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)
    rows = []
    for i in range(count):
        name = rng.choice(names.SURNAMES) + "".join(
            rng.choice(names.GIVEN_CHARS) for _ in range(rng.choice((1, 2)))
        )
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        text = rng.choice(templates).format(place=rng.choice(places), name="暴露垃圾")
        draw = rng.random()
        if draw < 0.15:
            form = rng.choice(["{}", "{} {} {}", "+86 {}"])
            typed = (
                form.format(phone, phone[:3], phone[3:7], phone[7:])
                if "{} {}" in form
                else (form.format(phone))
            )
            text += f"，联系电话{typed}"
        elif draw < 0.20:
            text += f"，座机0371-6{rng.randrange(10**7):07d}"
        elif draw < 0.23:
            first17 = (
                f"410122{rng.randrange(1950, 2005)}0{rng.randrange(1, 10)}1{rng.randrange(10)}"
            )
            first17 += f"{rng.randrange(1000):03d}"
            text += f"，身份证{first17}{id_check_character(first17)}"
        elif draw < 0.26:
            text += f"，邮箱wang{i}@example.com"
        elif draw < 0.36:
            text = f"我是{name}，" + text
        elif draw < 0.46:
            text += f"，与案卷{now:%Y%m%d}{rng.randrange(1, 9999):04d}同一处"
        rows.append(
            {
                "id": i + 1,
                "number": f"{now:%Y%m%d}{i + 1:04d}",
                "status": "handling",
                "source": "citizen_web",
                "category_id": 1,
                "category__kind": "event",
                "category__code": "0102",
                "category__name": "暴露垃圾",
                "urgency": "normal",
                "condition": "",
                "description": text,
                "unit__name": "县环卫中心",
                "merged_into__number": None,
                "reported_at": now,
                "updated_at": now,
                "closed_at": None,
                "deadline": now + dt.timedelta(hours=4),
                "address": rng.choice(places),
                "lng": 113.955,
                "lat": 34.7102,
                "reporter_name": name,
                "reporter_phone": phone,
            }
        )
    return rows


_OLD_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def _old_open311_text(text: str) -> str:
    """The Open311 masking before the one rule: any phone number, nothing else."""
    return _OLD_PHONE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)


class _OldPublic:
    """Stands in for `PUBLIC` in the Open311 serializer: the masking it did before."""

    def about(self, *, name: str = "", phone: str = "") -> _OldPublic:
        self.name, self.phone = name, phone
        return self

    def text(self, text: str) -> str:
        if self.name and len(self.name) >= 2 and self.name in text:
            text = text.replace(self.name, self.name[0] + "*" * (len(self.name) - 1))
        if self.phone and self.phone in text:
            text = text.replace(self.phone, self.phone[:3] + "****" + self.phone[-4:])
        return _old_open311_text(text)


def _best(run: Callable[[], object], repeat: int) -> float:
    """The least CPU time of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        run()
        best = min(best, time.thread_time() - start)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    django_setup("sqlite://:memory:")

    from zoneinfo import ZoneInfo

    from jingxi.open311.serializers import Labels, request_document
    from jingxi.org.privacy import MASKED, PUBLIC, mask_text

    rows = _rows(args.rows)
    texts = [text for row in rows for text in (row["description"], row["address"])]
    tz = ZoneInfo("Asia/Shanghai")
    n = len(texts)

    def per(seconds: float, count: int) -> str:
        return f"{seconds * 1000:7.2f} ms  ({seconds / count * 1e6:5.1f} µs each)"

    figures = {
        "str.replace pass (reference)": _best(
            lambda: [t.replace("垃圾", "垃圾") for t in texts], args.repeat
        ),
        "old Open311 phone regex (reference)": _best(
            lambda: [_old_open311_text(t) for t in texts], args.repeat
        ),
        "mask_text": _best(lambda: [mask_text(t) for t in texts], args.repeat),
        "MASKED.about(name, phone).text": _best(
            lambda: [
                MASKED.about(name=r["reporter_name"], phone=r["reporter_phone"]).text(t)
                for r in rows
                for t in (r["description"], r["address"])
            ],
            args.repeat,
        ),
    }
    changed = sum(PUBLIC.text(t) != t for t in texts)
    print(
        f"{args.rows} cases: {n} texts (descriptions and addresses), {changed} with personal data"
    )
    for label, seconds in figures.items():
        print(f"  {label:<38} {per(seconds, n)}")
    labels = Labels()

    def documents() -> object:
        return [request_document(r, tz=tz, limits={}, labels=labels) for r in rows]

    document = _best(documents, args.repeat)
    with mock.patch("jingxi.open311.serializers.PUBLIC", _OldPublic()):
        before = _best(documents, args.repeat)
    print(f"Open311 GET, {len(rows)} documents (request_document):")
    print(f"  {'with the one rule':<38} {per(document, len(rows))}")
    print(f"  {'with the phone regex before it':<38} {per(before, len(rows))}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
