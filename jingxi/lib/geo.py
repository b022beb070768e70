"""Geographic helpers: GCJ-02 ↔ WGS84, a local metric projection, haversine.

No Django here. Coordinates are always (longitude, latitude) in that order.

GCJ-02 ("Mars coordinates") is the obfuscated datum Chinese map apps (AMap,
Tencent, WeChat location) report. The forward formula is the public
eviltransform one; the inverse has no closed form and is solved by fixed-point
iteration to well under 1e-7 degrees. Points outside China's rough bounding box
are left unchanged, as the apps do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, used by the GCJ-02 formulas.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
EARTH_RADIUS_M: Final = 6371008.8
# Stop iterating the inverse when the correction is this small (degrees).
_INVERSE_EPS: Final = 1e-10
_INVERSE_MAX_ITERATIONS: Final = 30


def out_of_china(lng: float, lat: float) -> bool:
    """The rough box eviltransform uses: outside it GCJ-02 equals WGS84."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lng: float, lat: float) -> tuple[float, float]:
    x = lng - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += common
    dlat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * pi) + 320.0 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlng += common
    dlng += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    dlng, dlat = _delta(lng, lat)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The WGS84 point whose GCJ-02 image is (lng, lat), by iteration."""
    if out_of_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _ in range(_INVERSE_MAX_ITERATIONS):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = lng - glng, lat - glat
        wlng += dlng
        wlat += dlat
        if abs(dlng) < _INVERSE_EPS and abs(dlat) < _INVERSE_EPS:
            break
    return wlng, wlat


def _delta_many(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lng - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat = dlat + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlng = dlng + common
    dlng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * np.cos(radlat) * pi)
    return dlng, dlat


def _in_china_many(lng: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lng >= 72.004) & (lng <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def wgs84_to_gcj02_many(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lng = np.asarray(lngs, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    inside = _in_china_many(lng, lat)
    dlng, dlat = _delta_many(lng, lat)
    return np.where(inside, lng + dlng, lng), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84_many(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lng = np.asarray(lngs, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    inside = _in_china_many(lng, lat)
    wlng, wlat = lng.copy(), lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        dlng, dlat = _delta_many(wlng, wlat)
        clng = np.where(inside, lng - (wlng + dlng), 0.0)
        clat = np.where(inside, lat - (wlat + dlat), 0.0)
        wlng += clng
        wlat += clat
        if not clng.size or (
            float(np.abs(clng).max()) < _INVERSE_EPS and float(np.abs(clat).max()) < _INVERSE_EPS
        ):
            break
    return wlng, wlat


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres on the mean Earth sphere."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    h = math.sin(dp / 2.0) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def cgcs2000_gk3_epsg(lng: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (no zone prefix) for a longitude.

    EPSG:4534 is CM 75E ... EPSG:4554 is CM 135E; 中牟县 (113.9E) falls in CM 114E, EPSG:4547.
    """
    cm = min(135, max(75, round(lng / 3.0) * 3))
    return 4534 + (cm - 75) // 3


def geometries_from_geojson(texts: Sequence[str]) -> npt.NDArray[np.object_]:
    """GeoJSON geometry texts → an array of shapely geometries, parsed in one C call."""
    if not len(texts):
        return np.empty(0, dtype=np.object_)
    parsed = shapely.from_geojson(np.asarray(texts, dtype=np.object_))
    return np.asarray(parsed, dtype=np.object_)


G = TypeVar("G", bound=BaseGeometry)


class MetricProjection:
    """WGS84 ↔ a local projected CRS in metres, for distances, buffers and areas.

    Vectorised: coordinates go through pyproj as numpy arrays, geometries through
    `shapely.transform` (one call for a whole array of geometries).
    """

    def __init__(self, *, epsg: int = 4547) -> None:
        self.epsg = epsg
        self._forward = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
        self._inverse = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)

    @classmethod
    def for_lng(cls, lng: float) -> MetricProjection:
        return cls(epsg=cgcs2000_gk3_epsg(lng))

    def forward_xy(self, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        x, y = self._forward.transform(
            np.asarray(lngs, dtype=np.float64), np.asarray(lats, dtype=np.float64)
        )
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse_xy(self, xs: npt.ArrayLike, ys: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        lng, lat = self._inverse.transform(
            np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        )
        return np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def forward_point(self, lng: float, lat: float) -> tuple[float, float]:
        x, y = self._forward.transform(lng, lat)
        return float(x), float(y)

    def inverse_point(self, x: float, y: float) -> tuple[float, float]:
        lng, lat = self._inverse.transform(x, y)
        return float(lng), float(lat)

    def _forward_coords(self, coords: FloatArray) -> FloatArray:
        x, y = self._forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack((x, y))

    def _inverse_coords(self, coords: FloatArray) -> FloatArray:
        lng, lat = self._inverse.transform(coords[:, 0], coords[:, 1])
        return np.column_stack((lng, lat))

    def forward(self, geometry: G) -> G:
        result: G = shapely.transform(geometry, self._forward_coords)
        return result

    def inverse(self, geometry: G) -> G:
        result: G = shapely.transform(geometry, self._inverse_coords)
        return result

    def forward_many(self, geometries: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
        result: npt.NDArray[np.object_] = shapely.transform(geometries, self._forward_coords)
        return result
