"""GeoJSON geometry checks and geodesic measures: the one rule for a storable geometry.

`geometry_validate` accepts a GeoJSON geometry object in WGS84 (longitude, latitude)
of an allowed type inside a box around China, or raises `GeometryInvalid` saying why in
Chinese; the importers and the admin both ask here. Areas and lengths are measured on the
WGS84 ellipsoid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from django.utils.translation import gettext as _
from pyproj import Geod
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

POLYGONAL: Final = ("Polygon", "MultiPolygon")
LINEAR: Final = ("LineString", "MultiLineString")
PUNCTUAL: Final = ("Point",)

# A generous box around China: coordinates outside it are almost always swapped
# longitude/latitude, projected metres, or a typo.
PLAUSIBLE_LNG: Final = (73.0, 136.0)
PLAUSIBLE_LAT: Final = (3.0, 54.0)

_GEOD: Final = Geod(ellps="WGS84")


class GeometryInvalid(ValueError):
    """A GeoJSON geometry that cannot be stored; the message says why, in Chinese."""


def _numbers_only(coordinates: object, depth: int) -> bool:
    """Whether `coordinates` is nested `depth` lists deep ending in [number, number(, number)]."""
    if not isinstance(coordinates, list):
        return False
    if depth == 0:
        return 2 <= len(coordinates) <= 3 and all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
            for c in coordinates
        )
    return all(_numbers_only(c, depth - 1) for c in coordinates)


_DEPTH: Final = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 2,
    "MultiLineString": 2,
    "MultiPolygon": 3,
}


def _rings(geometry: Mapping[str, Any]) -> Iterable[list[Any]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def geometry_validate(geometry: object, *, allowed: Sequence[str]) -> BaseGeometry:
    """Check a GeoJSON geometry object and return it as a shapely geometry.

    Raises `GeometryInvalid` when it is not a mapping, has another type than
    `allowed`, has malformed or non-numeric coordinates, an unclosed ring, lies
    outside plausible WGS84 coordinates for China, or is not valid (self-crossing
    rings and the like, explained by GEOS).
    """
    if not isinstance(geometry, dict):
        raise GeometryInvalid(_("缺少几何对象（geometry）"))
    kind = geometry.get("type")
    if kind not in allowed:
        raise GeometryInvalid(
            _("几何类型应为 %(allowed)s，实为 %(kind)s")
            % {"allowed": "/".join(allowed), "kind": kind or _("空")}
        )
    coordinates = geometry.get("coordinates")
    if not _numbers_only(coordinates, _DEPTH[str(kind)]):
        raise GeometryInvalid(_("坐标格式错误：应为数字组成的 [经度, 纬度] 坐标"))
    for ring in _rings(geometry):
        if len(ring) < 4:
            raise GeometryInvalid(_("多边形的环至少需要4个坐标点"))
        if ring[0] != ring[-1]:
            raise GeometryInvalid(_("多边形的环未闭合（首尾坐标不同）"))
    try:
        shaped = shape(geometry)
    except (GEOSException, ValueError, TypeError, IndexError) as exc:
        raise GeometryInvalid(_("几何无法解析：%(e)s") % {"e": exc}) from exc
    if shaped.is_empty:
        raise GeometryInvalid(_("几何为空"))
    west, south, east, north = shaped.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise GeometryInvalid(_("坐标超出 WGS84 经纬度范围（经度±180，纬度±90）"))
    if not (
        PLAUSIBLE_LNG[0] <= west <= east <= PLAUSIBLE_LNG[1]
        and PLAUSIBLE_LAT[0] <= south <= north <= PLAUSIBLE_LAT[1]
    ):
        raise GeometryInvalid(
            _(
                "坐标不在中国范围内（经度%(w)s–%(e)s，纬度%(s)s–%(n)s）："
                "是否经纬度颠倒，或使用了投影坐标？"
            )
            % {
                "w": PLAUSIBLE_LNG[0],
                "e": PLAUSIBLE_LNG[1],
                "s": PLAUSIBLE_LAT[0],
                "n": PLAUSIBLE_LAT[1],
            }
        )
    if not shaped.is_valid:
        raise GeometryInvalid(_("几何无效：%(reason)s") % {"reason": explain_validity(shaped)})
    return shaped


def geometry_area_m2(geometry: BaseGeometry) -> float:
    """Geodesic area on the WGS84 ellipsoid, in square metres."""
    area, _perimeter = _GEOD.geometry_area_perimeter(geometry)
    return round(abs(float(area)), 1)


def geometry_length_m(geometry: BaseGeometry) -> float:
    """Geodesic length on the WGS84 ellipsoid, in metres."""
    return round(float(_GEOD.geometry_length(geometry)), 1)
