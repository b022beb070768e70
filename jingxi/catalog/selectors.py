"""Reads of the catalog: the tree, the report forms' category picker (its items and
suggestions from a description), time limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jingxi.catalog.choices import CategoryKind, CategoryLevel, Urgency
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.timelimits import limit_pick
from jingxi.org.models import Jurisdiction

_KEYWORD_SEPARATORS = re.compile(r"[,，、;；/\s]+")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


@dataclass
class CategoryBranch:
    """A major category with its minors, in code order."""

    major: Category
    minors: list[Category] = field(default_factory=list)


def category_tree(*, jurisdiction: Jurisdiction, active_only: bool = True) -> list[CategoryBranch]:
    """Majors (部件 first, then 事件, by code) each with its minor categories. One query."""
    qs = Category.objects.filter(jurisdiction=jurisdiction).select_related("default_unit")
    if active_only:
        qs = qs.filter(is_active=True)
    branches: dict[int, CategoryBranch] = {}
    minors: list[Category] = []
    for category in qs.order_by("kind", "code"):
        if category.level == CategoryLevel.MAJOR:
            branches[category.pk] = CategoryBranch(major=category)
        else:
            minors.append(category)
    for minor in minors:
        branch = branches.get(minor.parent_id) if minor.parent_id is not None else None
        if branch is not None:
            branch.minors.append(minor)
    return list(branches.values())


def category_pick_items(*, jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    """Every active minor category for a report form's category search (the picker of
    catalog/static/catalog/category_pick.js), grouped by major. One query."""
    return [
        {
            "id": minor.pk,
            "name": minor.name,
            "code": minor.code,
            "kind": minor.get_kind_display(),
            "major": branch.major.name,
            "keywords": minor.keywords,
        }
        for branch in category_tree(jurisdiction=jurisdiction)
        for minor in branch.minors
    ]


@dataclass(frozen=True)
class CategorySuggestion:
    category: Category
    score: int
    matched: tuple[str, ...]


def category_terms(category: Category) -> set[str]:
    """The words that point at a category: its keywords, its name and its name's parts."""
    terms = {t for t in _KEYWORD_SEPARATORS.split(category.keywords) if t}
    name = category.name.strip()
    terms.add(name)
    bare = _BRACKETS.sub("", name).strip()
    if bare:
        terms.add(bare)
    terms.update(t for t in re.findall(r"[（(]([^）)]*)[）)]", name) if t)
    return {t for t in terms if len(t) >= 2}


def category_suggest(
    *, jurisdiction: Jurisdiction, text: str, limit: int = 5
) -> list[CategorySuggestion]:
    """Active minor categories whose words occur in the description, best first.

    A matched word scores its length (longer words are more specific); a matched
    category name scores double. Ties go to events (most reports are events), then code.
    """
    description = re.sub(r"\s+", "", text)
    if not description or limit <= 0:
        return []
    scored: list[CategorySuggestion] = []
    categories = Category.objects.filter(
        jurisdiction=jurisdiction, level=CategoryLevel.MINOR, is_active=True
    ).select_related("default_unit")
    for category in categories:
        matched = sorted(
            (t for t in category_terms(category) if t in description), key=lambda t: (-len(t), t)
        )
        if not matched:
            continue
        names = {category.name, _BRACKETS.sub("", category.name).strip()}
        score = sum(len(t) * (2 if t in names else 1) for t in matched)
        scored.append(CategorySuggestion(category, score, tuple(matched)))
    scored.sort(key=lambda s: (-s.score, s.category.kind != CategoryKind.EVENT, s.category.code))
    return scored[:limit]


def time_limit_for(
    *, category: Category, urgency: str = Urgency.NORMAL, condition: str = ""
) -> TimeLimit | None:
    """The time limit that applies, by the one rule (`catalog.timelimits.limit_pick`);
    None if none is set.

    Reads `category.time_limits.all()`, so a prefetch avoids the query.
    """
    return limit_pick(category.time_limits.all(), urgency=urgency, condition=condition)
