"""Indicators are computed in the registry only: a source scan that fails when a
module outside the indicators' owners counts a rate or picks which ratings are
satisfied, or when the portal counts cases itself."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the jingxi package
# Where an indicator is defined (and the registry's one rate).
OWNERS = {
    "indicators/registry.py",
    "cases/indicators.py",
    "public/indicators.py",
}
# Percentages that are not indicators, each with its reason.
NOT_INDICATORS = {
    "demo/generator.py": "the number of communities of a generated county, not a rate",
}
RATE_ARITHMETIC = re.compile(r"\b100(\.0)?\s*\*|\*\s*100(\.0)?\b")
SATISFIED_SET = re.compile(r"Rating\.(SATISFIED|BASICALLY_SATISFIED)\b")
# What the portal's figures counted from Case columns before the registry.
PORTAL_COUNTING = re.compile(
    r"(closed_at|deadline|reported_at|feedback)__|Count\(\s*\"pk\"|F\(\"deadline\"\)"
)


def _modules() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in rel or rel in OWNERS:
            continue
        found.append((rel, path.read_text(encoding="utf-8")))
    return found


def test_no_rate_is_computed_outside_the_registry() -> None:
    offenders = [
        rel
        for rel, text in _modules()
        if rel not in NOT_INDICATORS and RATE_ARITHMETIC.search(text)
    ]
    assert offenders == [], "compute rates with jingxi.indicators (Value.value)"


def test_which_ratings_are_satisfied_is_said_once() -> None:
    offenders = [
        rel
        for rel, text in _modules()
        if rel.startswith("public/") and rel != "public/models.py" and SATISFIED_SET.search(text)
    ]
    assert offenders == [], "use jingxi.public.indicators.SATISFIED_RATINGS"


def test_the_portal_reads_its_figures_from_the_registry() -> None:
    text = (ROOT / "public/portal/selectors.py").read_text(encoding="utf-8")
    assert "from jingxi.indicators.registry import" in text
    assert "indicators_compute(" in text
    assert PORTAL_COUNTING.findall(text) == []


def test_the_scan_sees_a_rate_and_a_column_count() -> None:
    assert RATE_ARITHMETIC.search("round(100 * a / b)")
    assert PORTAL_COUNTING.search("Q(closed_at__gte=start)")
    assert SATISFIED_SET.search("(Rating.SATISFIED, Rating.BASICALLY_SATISFIED)")
