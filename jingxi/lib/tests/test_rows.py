import datetime as dt

from django.forms.models import model_to_dict
from django.utils import timezone

from conftest import Cast, World
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.services import case_report
from jingxi.lib.rows import row_insert


def test_row_insert_stores_what_save_stores(world: World, cast: Cast) -> None:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source="inspector",
        actor=cast.inspector,
    )
    at = timezone.now() - dt.timedelta(minutes=5)
    fields = {
        "case": case,
        "action": "file",
        "actor": cast.dispatcher,
        "at": at,
        "from_status": "reported",
        "to_status": "filed",
        "note": "立案：符合条件",
        "data": {"unit": 7, "names": ["青年路", "文化路"], "ok": True},
    }
    saved = CaseEvent.objects.create(**fields)
    inserted = CaseEvent(**fields)
    row_insert(inserted)
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding
    stored = model_to_dict(CaseEvent.objects.get(pk=inserted.pk), exclude=["id"])
    expected = model_to_dict(CaseEvent.objects.get(pk=saved.pk), exclude=["id"])
    assert stored == expected


def test_row_insert_applies_auto_now(world: World, cast: Cast) -> None:
    before = timezone.now()
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="暴露垃圾",
        source="inspector",
        actor=cast.inspector,
    )
    stored = Case.objects.get(pk=case.pk)
    assert stored.updated_at >= before
    assert stored.updated_at == case.updated_at
