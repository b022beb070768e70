"""Which unit must act at a point: the responsibility index's unit rules.

Most specific first: responsibility rule (minor, township) > (minor, anywhere) > (major
parent, township) > (major, anywhere) > the category's responsibility (unit → its
default unit, else the office; township → the township's unit; segment_maintainer → the
nearest segment's maintainer, else the township's unit; component_maintainer → the
maintainer of the nearest maintained component of that category within 30 m, else the
segment maintainer, else the township's unit) > the office (kind office, code JXB first,
else any office).

`UnitChoice` holds these rules as a base of `ResponsibilityIndex`
(`places.responsibility_index`), which builds the tables it reads; the lookup API is
`places.responsibility`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import shapely
from django.utils.translation import gettext as _
from shapely import STRtree

from jingxi.catalog.choices import Responsibility
from jingxi.lib.geo import FloatArray, MetricProjection

if TYPE_CHECKING:
    from jingxi.places.snapshot import CategoryRow, GeoSnapshot, TownshipRow

IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

NONE: Final = -1  # the index of "no row" in the index's arrays


class UnknownCategory(ValueError):
    def __init__(self, category_id: int) -> None:
        self.category_id = category_id
        super().__init__(_("问题类别 %(id)s 不属于本辖区") % {"id": category_id})


class UnitRule:
    """How the responsible unit was chosen (PointResponsibility.unit_rule)."""

    RULE_MINOR_TOWNSHIP: Final = "rule_minor_township"
    RULE_MINOR: Final = "rule_minor"
    RULE_MAJOR_TOWNSHIP: Final = "rule_major_township"
    RULE_MAJOR: Final = "rule_major"
    DEFAULT_UNIT: Final = "default_unit"
    TOWNSHIP: Final = "township"
    SEGMENT_MAINTAINER: Final = "segment_maintainer"
    COMPONENT_MAINTAINER: Final = "component_maintainer"
    OFFICE: Final = "office"
    NONE: Final = ""


def points_array(x: FloatArray, y: FloatArray) -> ObjArray:
    """An array of shapely points (shapely's stubs type the result as Point | ndarray)."""
    return np.asarray(shapely.points(x, y), dtype=np.object_)


def first_hits(pairs: IntArray, n: int) -> IntArray:
    """From (input index, tree index) pairs, the smallest tree index per input, -1 if none."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    if pairs.shape[1]:
        np.minimum.at(out, pairs[0], pairs[1])
    out[out == np.iinfo(np.int64).max] = NONE
    return out


class UnitChoice:
    """The unit rules over tables that `ResponsibilityIndex.__init__` fills."""

    snapshot: GeoSnapshot
    projection: MetricProjection
    component_distance_m: float
    townships: list[TownshipRow]
    categories: dict[int, CategoryRow]
    office_unit_id: int | None
    _rules: dict[tuple[int, int | None], int]
    _segment_maintainer: list[int | None]
    _township_unit: list[int | None]
    # (category id, township index) → (unit id, rule) or None when it depends on the point.
    _static_units: dict[tuple[int, int], tuple[int | None, str] | None]
    # category id → (tree over projected component points, maintainer ids)
    _component_trees: dict[int, tuple[STRtree, list[int]]]
    _lock: threading.Lock

    def _static_unit(self, category_id: int, ti: int) -> tuple[int | None, str] | None:
        key = (category_id, ti)
        if key in self._static_units:
            return self._static_units[key]
        category = self.categories.get(category_id)
        if category is None:
            raise UnknownCategory(category_id)
        township_id = self.townships[ti].id
        result: tuple[int | None, str] | None
        steps: list[tuple[tuple[int, int | None], str]] = [
            ((category_id, township_id), UnitRule.RULE_MINOR_TOWNSHIP),
            ((category_id, None), UnitRule.RULE_MINOR),
        ]
        if category.parent_id is not None:
            steps += [
                ((category.parent_id, township_id), UnitRule.RULE_MAJOR_TOWNSHIP),
                ((category.parent_id, None), UnitRule.RULE_MAJOR),
            ]
        for rule_key, rule in steps:
            unit_id = self._rules.get(rule_key)
            if unit_id is not None:
                result = (unit_id, rule)
                break
        else:
            responsibility = category.responsibility
            if responsibility == Responsibility.UNIT:
                # A fixed-unit category without its unit goes to the office, which decides.
                result = (
                    (category.default_unit_id, UnitRule.DEFAULT_UNIT)
                    if category.default_unit_id is not None
                    else (self.office_unit_id, UnitRule.OFFICE)
                )
            elif responsibility in (
                Responsibility.SEGMENT_MAINTAINER,
                Responsibility.COMPONENT_MAINTAINER,
            ):
                result = None
            else:
                result = self._township_or_office(ti)
        self._static_units[key] = result
        return result

    def _township_or_office(self, ti: int) -> tuple[int | None, str]:
        unit_id = self._township_unit[ti]
        if unit_id is not None:
            return unit_id, UnitRule.TOWNSHIP
        return self.office_unit_id, UnitRule.OFFICE

    def _component_index(self, category_id: int) -> tuple[STRtree, list[int]]:
        found = self._component_trees.get(category_id)
        if found is not None:
            return found
        with self._lock:
            found = self._component_trees.get(category_id)
            if found is not None:
                return found
            table = self.snapshot.components
            picked = [
                i
                for i, (cid, mid) in enumerate(
                    zip(table.category_ids, table.maintainer_ids, strict=True)
                )
                if cid == category_id and mid is not None
            ]
            lngs = np.array([table.lngs[i] for i in picked], dtype=np.float64)
            lats = np.array([table.lats[i] for i in picked], dtype=np.float64)
            x, y = self.projection.forward_xy(lngs, lats)
            maintainers = [int(table.maintainer_ids[i] or 0) for i in picked]
            found = (STRtree(points_array(x, y)), maintainers)
            self._component_trees[category_id] = found
            return found

    def _dynamic_unit(
        self, category_id: int, ti: int, si: int, x: float, y: float
    ) -> tuple[int | None, str]:
        category = self.categories[category_id]
        if category.responsibility == Responsibility.COMPONENT_MAINTAINER:
            tree, maintainers = self._component_index(category_id)
            if len(maintainers):
                hit = tree.query_nearest(
                    shapely.Point(x, y), max_distance=self.component_distance_m
                )
                if len(hit):
                    return maintainers[int(hit.min())], UnitRule.COMPONENT_MAINTAINER
        if si != NONE:
            maintainer = self._segment_maintainer[si]
            if maintainer is not None:
                return maintainer, UnitRule.SEGMENT_MAINTAINER
        return self._township_or_office(ti)

    def unit_for(
        self, category_id: int, ti: int, si: int, x: float, y: float
    ) -> tuple[int | None, str]:
        static = self._static_unit(category_id, ti)
        if static is not None:
            return static
        return self._dynamic_unit(category_id, ti, si, x, y)

    def _units_many(
        self,
        category_id: int,
        ti: IntArray,
        si: IntArray,
        x: FloatArray,
        y: FloatArray,
    ) -> tuple[list[int | None], list[str]]:
        """Vectorised unit_for over points that all have a township."""
        n = len(ti)
        unit_ids: list[int | None] = [None] * n
        rules: list[str] = [UnitRule.NONE] * n
        ti_list = ti.tolist()
        si_list = si.tolist()
        dynamic: list[int] = []
        for i in range(n):
            t = ti_list[i]
            if t == NONE:
                continue
            static = self._static_unit(category_id, t)
            if static is None:
                dynamic.append(i)
            else:
                unit_ids[i], rules[i] = static
        if not dynamic:
            return unit_ids, rules
        category = self.categories[category_id]
        component_hit: dict[int, int] = {}
        if category.responsibility == Responsibility.COMPONENT_MAINTAINER:
            tree, maintainers = self._component_index(category_id)
            if maintainers:
                idx = np.array(dynamic, dtype=np.int64)
                pairs = tree.query_nearest(
                    points_array(x[idx], y[idx]), max_distance=self.component_distance_m
                )
                first = first_hits(pairs, len(idx))
                for k, hit in enumerate(first.tolist()):
                    if hit != NONE:
                        component_hit[dynamic[k]] = maintainers[hit]
        for i in dynamic:
            if i in component_hit:
                unit_ids[i], rules[i] = component_hit[i], UnitRule.COMPONENT_MAINTAINER
                continue
            s = si_list[i]
            maintainer = self._segment_maintainer[s] if s != NONE else None
            if maintainer is not None:
                unit_ids[i], rules[i] = maintainer, UnitRule.SEGMENT_MAINTAINER
            else:
                unit_ids[i], rules[i] = self._township_or_office(ti_list[i])
        return unit_ids, rules
