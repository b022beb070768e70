from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import World, box
from jingxi.places.models import Community, Grid
from jingxi.places.quality import grid_quality_check


def _reshape(grid: Grid, west: float, south: float, east: float, north: float) -> None:
    grid.geometry = box(west, south, east, north)
    grid.save()


def test_clean_world_has_no_problems(world: World) -> None:
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    assert report.ok
    assert report.problem_count == 0
    assert (report.township_count, report.community_count, report.grid_count) == (2, 4, 8)
    assert "检查通过" in report.summary()


def test_gap_inside_a_community_is_found(world: World) -> None:
    # Grid A-north-1 loses its eastern 0.001 degree: a 91 m x 1109 m strip is uncovered.
    _reshape(world.grids["A-north-1"], 113.95, 34.71, 113.959, 34.72)
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    (gap,) = report.community_gaps
    assert gap.code == world.communities["A-north"].code
    assert gap.name == "青年路街道北社区"
    assert gap.area_m2 == pytest.approx(91.6 * 1109.2, rel=0.01)
    assert 113.959 < gap.lng < 113.96 and 34.71 < gap.lat < 34.72
    assert not report.grid_overlaps and not report.grids_outside
    assert report.problem_count == 1
    assert "社区缝隙1处" in report.summary()


def test_gap_inside_a_township_is_found(world: World) -> None:
    community = world.communities["B-south"]
    community.geometry = box(113.97, 34.70, 113.99, 34.709)
    community.save()
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    (gap,) = report.township_gaps
    assert gap.code == "410122002"
    assert gap.area_m2 == pytest.approx(1831.6 * 111.0, rel=0.01)
    # The community's grids now stick out of it.
    assert {g.code for g in report.grids_outside} == {
        "410122002002001",
        "410122002002002",
    }


def test_overlap_between_grids_is_found_with_its_area(world: World) -> None:
    _reshape(world.grids["A-south-1"], 113.95, 34.70, 113.9605, 34.71)
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    (overlap,) = report.grid_overlaps
    assert (overlap.code_a, overlap.code_b) == ("410122001002001", "410122001002002")
    assert overlap.area_m2 == pytest.approx(45.8 * 1109.2, rel=0.01)
    assert report.problem_count == 1


def test_shared_edges_are_not_overlaps(world: World) -> None:
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    assert report.grid_overlaps == ()
    assert report.community_overlaps == ()
    assert report.township_overlaps == ()


def test_grid_outside_its_community_is_found(world: World) -> None:
    _reshape(world.grids["B-north-2"], 113.98, 34.71, 113.99, 34.7205)
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    (outside,) = report.grids_outside
    assert outside.code == "410122002001002"
    assert outside.parent_code == "410122002001"
    assert outside.area_m2 == pytest.approx(915.8 * 55.5, rel=0.01)
    assert outside.lat > 34.72


def test_overlap_and_gap_in_one_community_are_both_found(world: World) -> None:
    _reshape(world.grids["A-south-1"], 113.95, 34.70, 113.9605, 34.71)
    _reshape(world.grids["A-south-2"], 113.96, 34.70, 113.969, 34.71)
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    assert [(o.code_a, o.code_b) for o in report.grid_overlaps] == [
        ("410122001002001", "410122001002002")
    ]
    (gap,) = report.community_gaps
    assert gap.code == "410122001002"
    assert gap.area_m2 == pytest.approx(91.6 * 1109.2, rel=0.01)


def test_grid_drawn_in_the_wrong_community_is_outside_and_leaves_a_gap(world: World) -> None:
    grid = world.grids["A-north-1"]
    grid.community = world.communities["B-north"]
    grid.save()
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    assert [g.code for g in report.grids_outside] == ["410122001001001"]
    assert [g.code for g in report.community_gaps] == ["410122001001"]


def test_tiny_slivers_below_tolerance_are_ignored(world: World) -> None:
    # 5e-9 degree is about 0.5 mm: a 0.5 mm x 1109 m sliver is about 0.5 m².
    _reshape(world.grids["A-north-1"], 113.95, 34.71, 113.96 - 5e-9, 34.72)
    assert grid_quality_check(jurisdiction=world.jurisdiction).ok
    assert not grid_quality_check(jurisdiction=world.jurisdiction, tolerance_m2=0.1).ok


def test_invalid_geometry_is_reported(world: World) -> None:
    grid = world.grids["A-north-1"]
    ring = [[113.95, 34.71], [113.96, 34.72], [113.96, 34.71], [113.95, 34.72], [113.95, 34.71]]
    grid.geometry = {"type": "Polygon", "coordinates": [ring]}
    grid.save()
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    assert [(i.level, i.code) for i in report.invalid] == [("grid", "410122001001001")]
    assert "Self-intersection" in report.invalid[0].reason


def test_community_without_grids_is_one_big_gap(world: World) -> None:
    Community.objects.create(
        township=world.township_b,
        code="410122002009",
        name="新社区",
        geometry=box(113.985, 34.715, 113.986, 34.716),
    )
    report = grid_quality_check(jurisdiction=world.jurisdiction)
    assert [g.code for g in report.community_gaps] == ["410122002009"]
    assert [o.code_b for o in report.community_overlaps] == ["410122002009"]


def test_grid_check_command_passes_on_clean_world(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("grid_check", jurisdiction="410122")
    out = capsys.readouterr().out
    assert "检查通过" in out
    assert "8个网格" in out


def test_grid_check_command_fails_with_a_listing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    _reshape(world.grids["A-south-1"], 113.95, 34.70, 113.9605, 34.71)
    _reshape(world.grids["B-north-2"], 113.98, 34.71, 113.99, 34.7205)
    with pytest.raises(CommandError) as excinfo:
        call_command("grid_check", jurisdiction="410122")
    assert excinfo.value.returncode == 1
    assert "发现2处问题" in str(excinfo.value)
    out = capsys.readouterr().out
    assert "网格重叠（1）" in out
    assert "410122001002001 ∩ 410122001002002" in out
    assert "网格越出所属社区（1）" in out
    assert "410122002001002 ⊄ 410122002001" in out


def test_grid_check_command_unknown_jurisdiction(world: World) -> None:
    with pytest.raises(CommandError, match="不存在"):
        call_command("grid_check", jurisdiction="999999")
