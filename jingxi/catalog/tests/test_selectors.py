from __future__ import annotations

from decimal import Decimal

from pytest_django import DjangoAssertNumQueries

from jingxi.catalog.choices import CategoryKind, CategoryLevel, TimeUnit, Urgency
from jingxi.catalog.data import MAJORS, MINORS
from jingxi.catalog.models import Category
from jingxi.catalog.selectors import category_suggest, category_tree, time_limit_for
from jingxi.catalog.tests.factories import MinorCategoryFactory
from jingxi.org.models import Jurisdiction


def test_tree_groups_minors_under_majors_in_one_query(
    county: Jurisdiction, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        tree = category_tree(jurisdiction=county)
    assert len(tree) == len(MAJORS)
    assert sum(len(b.minors) for b in tree) == len(MINORS)
    first = tree[0]
    assert (first.major.kind, first.major.code) == (CategoryKind.COMPONENT, "01")
    assert [m.code for m in first.minors] == sorted(m.code for m in first.minors)
    assert all(m.code.startswith(b.major.code) for b in tree for m in b.minors)


def test_tree_leaves_out_inactive_categories_unless_asked(county: Jurisdiction) -> None:
    Category.objects.filter(jurisdiction=county, name="店外经营").update(is_active=False)
    names = {m.name for b in category_tree(jurisdiction=county) for m in b.minors}
    assert "店外经营" not in names
    every = {
        m.name for b in category_tree(jurisdiction=county, active_only=False) for m in b.minors
    }
    assert "店外经营" in every


def _top(county: Jurisdiction, text: str) -> list[str]:
    return [s.category.name for s in category_suggest(jurisdiction=county, text=text)]


def test_suggest_finds_the_category_a_citizen_describes(county: Jurisdiction) -> None:
    assert _top(county, "小区门口路边有一堆生活垃圾好几天没人清理")[0] == "暴露垃圾"
    assert _top(county, "饭店在门口摆桌子，店外经营占了人行道")[0] == "店外经营"
    assert _top(county, "有辆汽车长期乱停车在盲道上，违停")[0] == "机动车乱停放"
    assert _top(county, "工地没有洒水，扬尘很大")[0] == "工地扬尘"
    assert "井盖缺失致险" in _top(county, "路口井盖丢了，有个敞口很危险")


def test_suggest_scores_and_limits(county: Jurisdiction) -> None:
    suggestions = category_suggest(jurisdiction=county, text="垃圾桶满了溢出来", limit=2)
    assert len(suggestions) == 2
    assert suggestions[0].category.name == "垃圾满溢"
    assert suggestions[0].score >= suggestions[1].score
    assert "垃圾桶满" in suggestions[0].matched


def test_suggest_returns_nothing_for_empty_or_unrelated_text(county: Jurisdiction) -> None:
    assert category_suggest(jurisdiction=county, text="   ") == []
    assert category_suggest(jurisdiction=county, text="今天天气不错") == []


def test_suggest_skips_inactive_and_other_jurisdictions(
    county: Jurisdiction, other_county: Jurisdiction
) -> None:
    Category.objects.filter(jurisdiction=county, name="暴露垃圾").update(is_active=False)
    assert "暴露垃圾" not in _top(county, "暴露垃圾")
    assert category_suggest(jurisdiction=other_county, text="暴露垃圾") == []


def test_time_limit_for_prefers_the_condition_then_falls_back_to_normal(
    county: Jurisdiction,
) -> None:
    illegal = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0101")
    demolition = time_limit_for(category=illegal, urgency=Urgency.NORMAL, condition="拆除")
    assert demolition is not None
    assert (demolition.amount, demolition.unit) == (Decimal("20.0"), TimeUnit.WORKING_DAYS)
    # No critical limit for this category: the normal one applies.
    critical = time_limit_for(category=illegal, urgency=Urgency.CRITICAL)
    assert critical is not None and critical.condition == "" and critical.urgency == Urgency.NORMAL
    # An unknown condition falls back too.
    unknown = time_limit_for(category=illegal, condition="没有这种情形")
    assert unknown is not None and unknown.amount == Decimal("4.0")


def test_time_limit_for_uses_the_urgency_when_it_is_set(county: Jurisdiction) -> None:
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    urgent = time_limit_for(category=garbage, urgency=Urgency.URGENT)
    assert urgent is not None and urgent.amount == Decimal("2.0")


def test_time_limit_for_is_none_without_limits(db: None) -> None:
    category = MinorCategoryFactory()
    assert category.level == CategoryLevel.MINOR
    assert time_limit_for(category=category) is None
