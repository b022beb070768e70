"""One vocabulary of event kinds: `CaseEvent.action` is written and compared by the
members of `choices` (EventKind, Action, Record), never by string literals elsewhere."""

import ast
from pathlib import Path

from jingxi.cases.choices import EVENT_CHOICES, Action, EventKind, Record
from jingxi.cases.models import CaseEvent

ROOT = Path(__file__).resolve().parents[2]  # the jingxi package
KINDS = frozenset(value for value, _label in EVENT_CHOICES)
# Names that hold an event kind where they are compared or passed.
KIND_NAMES = frozenset({"action", "kind"})


def _kind_literals(node: ast.AST) -> list[str]:
    """The event-kind string literals in `node`, a constant or a collection of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value in KINDS else []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [kind for element in node.elts for kind in _kind_literals(element)]
    return []


def _names_a_kind(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in KIND_NAMES
    if isinstance(node, ast.Name):
        return node.id in KIND_NAMES
    return False


def kind_literals(source: str) -> list[tuple[int, str]]:
    """Where `source` writes or compares an event kind as a literal: `action=` (or
    `action__in=`) arguments, comparisons with an `action`/`kind`, and the kind argument
    of the deadline scan's `_event`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in ("action", "action__in"):
                    found += [(node.lineno, k) for k in _kind_literals(keyword.value)]
            func = node.func
            if isinstance(func, ast.Name) and func.id == "_event" and len(node.args) > 2:
                found += [(node.lineno, k) for k in _kind_literals(node.args[2])]
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_names_a_kind(side) for side in sides):
                for side in sides:
                    found += [(node.lineno, k) for k in _kind_literals(side)]
    return found


def test_the_vocabulary_is_the_fields_choices() -> None:
    choices = CaseEvent._meta.get_field("action").choices
    assert choices is not None
    assert [value for value, _label in choices] == [v for v, _l in EVENT_CHOICES]
    assert {*EventKind.values, *Action.values, *Record.values} == KINDS
    assert len(KINDS) == len(EventKind) + len(Action) + len(Record)  # no value twice


def test_the_scan_finds_literals() -> None:
    source = (
        'CaseEvent(action="report")\n'
        'x.filter(action__in=["warn", "dispatch"])\n'
        'if event.action == "escalate": pass\n'
        'if kind in ("overdue",): pass\n'
        '_event(ctx, case, "warn", note, data)\n'
        'parser.add_argument("--x", action="store_true")\n'
        'data = {"step": "warn"}\n'
    )
    assert kind_literals(source) == [
        (1, "report"),
        (2, "warn"),
        (2, "dispatch"),
        (3, "escalate"),
        (4, "overdue"),
        (5, "warn"),
    ]


def test_no_event_kind_literals_outside_choices() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        if relative == Path("cases/choices.py"):
            continue
        found += [(str(relative), *hit) for hit in kind_literals(path.read_text())]
    assert found == []
