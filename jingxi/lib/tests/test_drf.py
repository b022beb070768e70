from typing import Any

from django.utils import translation
from rest_framework import serializers

from jingxi.catalog.models import Category
from jingxi.lib.drf import CachedFieldsMixin


class CategoryOut(CachedFieldsMixin, serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ["id", "code", "name"]


def test_each_instance_binds_fields_of_its_own() -> None:
    first, second = CategoryOut(), CategoryOut()
    assert set(first.fields) == {"id", "code", "name"}
    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first
    assert second.fields["name"].parent is second


def test_cached_labels_follow_the_active_language() -> None:
    def label() -> Any:
        return str(CategoryOut().fields["name"].label)

    with translation.override("zh-hans"):
        chinese = label()
    with translation.override("en"):
        english = label()
    assert chinese != english
    assert "CachedFieldsMixin" not in CategoryOut.__dict__
    assert "_cached_fields" in CategoryOut.__dict__
