"""Point responsibility: where is this point, whose road is it, which unit must act.

The lookup API: `point_responsibility` and `points_responsibility` answer from this
process's `ResponsibilityIndex` of the jurisdiction (`places.responsibility_index`, whose
docstring gives the rules on borders, segments and chiefs; the unit rules are in
`places.responsibility_units`).

Each process keeps one ResponsibilityIndex per jurisdiction (`responsibility_index_for`)
and checks `Jurisdiction.geo_version` in the database on every use, rebuilding when it
moved. A PostGIS implementation can stand behind the same `ResponsibilityBackend`
protocol later.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

from jingxi.lib.geo import gcj02_to_wgs84, gcj02_to_wgs84_many
from jingxi.places.responsibility_index import OutsideJurisdiction as OutsideJurisdiction
from jingxi.places.responsibility_index import PointResponsibility as PointResponsibility
from jingxi.places.responsibility_index import ResponsibilityIndex
from jingxi.places.responsibility_units import UnitRule as UnitRule
from jingxi.places.responsibility_units import UnknownCategory as UnknownCategory
from jingxi.places.selectors import geo_snapshot_load, geo_version_get
from jingxi.places.versioned import VersionedCache, versioned_caches_clear

if TYPE_CHECKING:
    from jingxi.catalog.models import Category
    from jingxi.org.models import Jurisdiction

Crs = Literal["wgs84", "gcj02"]


class ResponsibilityBackend(Protocol):
    """What callers need from a responsibility index; `ResponsibilityIndex` is the in-memory
    (shapely) one.
    """

    @property
    def geo_version(self) -> int: ...

    def resolve(
        self, lng: float, lat: float, category_id: int | None = None
    ) -> PointResponsibility: ...

    def resolve_many(
        self,
        lngs: npt.ArrayLike,
        lats: npt.ArrayLike,
        category_id: int | None = None,
    ) -> list[PointResponsibility | None]: ...


# --- per-process cache -----------------------------------------------------------------

_indexes: VersionedCache[int, ResponsibilityIndex] = VersionedCache()


def gc_freeze_long_lived() -> None:
    """Move every object alive now out of the cyclic GC's reach (`gc.freeze`).

    An index is hundreds of thousands of long-lived objects; without this each full
    collection walks them all, a pause of several milliseconds that lands on some
    unlucky request (it was the whole of the single-point p99). Frozen objects are
    still freed by reference counting when the index is replaced.
    """
    gc.freeze()


def _index_build(jurisdiction: Jurisdiction) -> ResponsibilityIndex:
    index = ResponsibilityIndex(geo_snapshot_load(jurisdiction=jurisdiction))
    gc_freeze_long_lived()
    return index


def responsibility_index_for(
    *, jurisdiction: Jurisdiction, geo_version: int | None = None
) -> ResponsibilityIndex:
    """This process's ResponsibilityIndex for the jurisdiction, rebuilt when geo_version moved.

    One small query per call reads the current version, so a change made by any
    process (after `geo_version_bump`) is seen by every other on its next call.
    A caller that has just read the jurisdiction's row (in this request) passes its
    `geo_version` and saves the query; a version from an older object would be stale.
    """
    version = (
        geo_version_get(jurisdiction_id=jurisdiction.pk) if geo_version is None else geo_version
    )
    return _indexes.get(jurisdiction.pk, version, lambda: _index_build(jurisdiction))


def geo_cache_clear() -> None:
    """Forget every per-process geo cache (`places.versioned`).

    Needed by tests: a rolled-back database hands out the same ids and versions
    again, with other data behind them.
    """
    versioned_caches_clear()


def _category_id(category: Category | int | None) -> int | None:
    if category is None or isinstance(category, int):
        return category
    return category.pk


def point_responsibility(
    *,
    jurisdiction: Jurisdiction,
    lng: float,
    lat: float,
    crs: Crs = "wgs84",
    category: Category | int | None = None,
    geo_version: int | None = None,
) -> PointResponsibility:
    """Resolve one point given in WGS84 or GCJ-02; the result carries the WGS84 point.

    `geo_version`: as for `responsibility_index_for`. Raises OutsideJurisdiction (naming the
    point as given) or UnknownCategory.
    """
    if crs not in ("wgs84", "gcj02"):
        raise ValueError(_("坐标系只能是 wgs84 或 gcj02"))
    wlng, wlat = gcj02_to_wgs84(lng, lat) if crs == "gcj02" else (lng, lat)
    index = responsibility_index_for(jurisdiction=jurisdiction, geo_version=geo_version)
    try:
        return index.resolve(wlng, wlat, _category_id(category))
    except OutsideJurisdiction as exc:
        raise OutsideJurisdiction(lng, lat, crs) from exc


def points_responsibility(
    *,
    jurisdiction: Jurisdiction,
    lngs: Sequence[float] | npt.ArrayLike,
    lats: Sequence[float] | npt.ArrayLike,
    crs: Crs = "wgs84",
    category: Category | int | None = None,
) -> list[PointResponsibility | None]:
    """Resolve many points; None for each point outside the jurisdiction."""
    if crs not in ("wgs84", "gcj02"):
        raise ValueError(_("坐标系只能是 wgs84 或 gcj02"))
    lng = np.asarray(lngs, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    if crs == "gcj02":
        lng, lat = gcj02_to_wgs84_many(lng, lat)
    return responsibility_index_for(jurisdiction=jurisdiction).resolve_many(
        lng, lat, _category_id(category)
    )
