"""One door: documents are numbered by one counter and issued by one service.

The sources are scanned: a second counter (a `last` bumped elsewhere), a second place that
formats numbers (〔{year}〕 outside a kind's registration) or a second code path that
creates a registered kind's rows fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from jingxi.documents.registry import document_kinds

ROOT = Path(__file__).resolve().parents[2]  # jingxi/
SERVICES = ROOT / "documents" / "services.py"
NUMBERING = ROOT / "documents" / "numbering.py"
# Case numbers (案卷编号) are a different thing: one per case, counted per day.
CASE_NUMBERS = ROOT / "cases" / "insert.py"


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_only_numbering_bumps_a_document_counter() -> None:
    bump = re.compile(r"DocumentCounter|\.last\s*\+=|F\(\s*[\"']last[\"']\s*\)")
    found = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if path not in (NUMBERING, CASE_NUMBERS, ROOT / "documents" / "models.py")
        and bump.search(path.read_text())
    ]
    assert found == []


def test_numbers_are_formatted_only_where_kinds_are_registered() -> None:
    formats = re.compile(r"〔\{")
    found = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if formats.search(path.read_text()) and "kind_register(" not in path.read_text()
    ]
    assert found == []


def test_only_the_issuing_service_creates_documents() -> None:
    kinds = document_kinds()
    assert {kind.key for kind in kinds} >= {"notice", "supervision"}
    names = "|".join(re.escape(kind.model.__name__) for kind in kinds)
    creates = re.compile(
        rf"(?<!class )\b({names})\s*\(|\b({names})\.objects\.(create|bulk_create|get_or_create|"
        rf"update_or_create)\b"
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _sources()
        if path != SERVICES
        for match in creates.finditer(path.read_text())
    ]
    assert found == []
