from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from jingxi.lib.geo import (
    MetricProjection,
    cgcs2000_gk3_epsg,
    gcj02_to_wgs84,
    gcj02_to_wgs84_many,
    haversine_m,
    out_of_china,
    wgs84_to_gcj02,
    wgs84_to_gcj02_many,
)

# Reference values of the public eviltransform test suite: (wgs lng, lat) → (gcj lng, lat).
REFERENCE = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]

china_lng = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=3.9, max_value=53.5, allow_nan=False)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_reference(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_to_wgs84_inverts_reference(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-7)


def test_offset_in_zhongmou_is_hundreds_of_metres() -> None:
    glng, glat = wgs84_to_gcj02(113.97, 34.71)
    assert 300 < haversine_m(113.97, 34.71, glng, glat) < 1000


@given(lng=china_lng, lat=china_lat)
@settings(max_examples=300)
def test_gcj02_round_trip_is_within_1e_7_degrees(lng: float, lat: float) -> None:
    glng, glat = wgs84_to_gcj02(lng, lat)
    wlng, wlat = gcj02_to_wgs84(glng, glat)
    assert abs(wlng - lng) < 1e-7
    assert abs(wlat - lat) < 1e-7


@given(
    lng=st.floats(min_value=-180.0, max_value=180.0, allow_nan=False),
    lat=st.floats(min_value=-90.0, max_value=90.0, allow_nan=False),
)
def test_points_outside_china_are_unchanged(lng: float, lat: float) -> None:
    if out_of_china(lng, lat):
        assert wgs84_to_gcj02(lng, lat) == (lng, lat)
        assert gcj02_to_wgs84(lng, lat) == (lng, lat)


def test_outside_china_examples() -> None:
    assert out_of_china(2.35, 48.85)  # Paris
    assert out_of_china(-74.0, 40.7)  # New York
    assert not out_of_china(113.97, 34.71)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


@given(
    st.lists(st.tuples(china_lng, china_lat), min_size=1, max_size=20),
)
@settings(max_examples=50)
def test_vectorised_conversions_agree_with_scalar(points: list[tuple[float, float]]) -> None:
    lngs = np.array([p[0] for p in points] + [2.35])
    lats = np.array([p[1] for p in points] + [48.85])
    glngs, glats = wgs84_to_gcj02_many(lngs, lats)
    for i in range(len(lngs)):
        assert (glngs[i], glats[i]) == pytest.approx(wgs84_to_gcj02(lngs[i], lats[i]), abs=1e-12)
    wlngs, wlats = gcj02_to_wgs84_many(glngs, glats)
    assert np.abs(wlngs - lngs).max() < 1e-7
    assert np.abs(wlats - lats).max() < 1e-7


def test_vectorised_conversions_accept_empty_arrays() -> None:
    lngs, lats = gcj02_to_wgs84_many(np.array([]), np.array([]))
    assert lngs.shape == (0,) and lats.shape == (0,)


def test_haversine_known_distances() -> None:
    assert haversine_m(113.97, 34.71, 113.97, 34.71) == 0.0
    # One degree of latitude on the mean sphere.
    assert haversine_m(113.97, 34.0, 113.97, 35.0) == pytest.approx(111_195, rel=1e-4)
    # 0.02 degrees of longitude at 34.71N.
    assert haversine_m(113.95, 34.71, 113.97, 34.71) == pytest.approx(1828.1, abs=1.0)


def test_gauss_kruger_zone_for_zhongmou_is_cm_114() -> None:
    assert cgcs2000_gk3_epsg(113.97) == 4547
    assert cgcs2000_gk3_epsg(75.0) == 4534
    assert cgcs2000_gk3_epsg(135.0) == 4554


def test_metric_projection_distances_match_haversine() -> None:
    p = MetricProjection.for_lng(113.97)
    x1, y1 = p.forward_point(113.95, 34.71)
    x2, y2 = p.forward_point(113.97, 34.71)
    # The projection is on the ellipsoid (1832.2 m here), haversine on a sphere: 0.3% apart.
    assert float(np.hypot(x2 - x1, y2 - y1)) == pytest.approx(1832.2, abs=0.5)
    assert float(np.hypot(x2 - x1, y2 - y1)) == pytest.approx(
        haversine_m(113.95, 34.71, 113.97, 34.71), rel=3e-3
    )
    assert p.inverse_point(x1, y1) == pytest.approx((113.95, 34.71), abs=1e-9)


def test_metric_projection_is_vectorised_over_arrays_and_geometries() -> None:
    p = MetricProjection(epsg=4547)
    xs, ys = p.forward_xy([113.95, 113.97], [34.70, 34.71])
    assert xs.shape == (2,)
    lngs, lats = p.inverse_xy(xs, ys)
    assert lngs.tolist() == pytest.approx([113.95, 113.97], abs=1e-9)
    assert lats.tolist() == pytest.approx([34.70, 34.71], abs=1e-9)
    square = shapely.box(113.95, 34.70, 113.96, 34.71)
    projected = p.forward(square)
    # 0.01 x 0.01 degrees at 34.7N: about 915 m x 1109 m.
    assert projected.area == pytest.approx(915.0 * 1109.0, rel=0.01)
    assert p.inverse(projected).equals_exact(square, tolerance=1e-9)
    many = p.forward_many(np.array([square, shapely.Point(113.97, 34.71)], dtype=object))
    assert many[1].x == pytest.approx(xs[1])
