"""A route as GPX 1.1 (for a phone's navigation app): one track, and a waypoint per
pending check. Written with xml.etree: GPX is small XML, no library needed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any, Final

from jingxi.inspections.models import Route

GPX_NS: Final = "http://www.topografix.com/GPX/1/1"


def _lines(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "LineString":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def route_gpx(
    *, route: Route, name: str, waypoints: Iterable[tuple[str, float, float]] = ()
) -> bytes:
    """The route's walk as a GPX track (a segment per part), with named waypoints."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "jingxi"})
    meta = ET.SubElement(root, f"{{{GPX_NS}}}metadata")
    ET.SubElement(meta, f"{{{GPX_NS}}}name").text = name
    for label, lng, lat in waypoints:
        wpt = ET.SubElement(root, f"{{{GPX_NS}}}wpt", {"lat": f"{lat:.6f}", "lon": f"{lng:.6f}"})
        ET.SubElement(wpt, f"{{{GPX_NS}}}name").text = label
    trk = ET.SubElement(root, f"{{{GPX_NS}}}trk")
    ET.SubElement(trk, f"{{{GPX_NS}}}name").text = name
    for line in _lines(route.geometry):
        seg = ET.SubElement(trk, f"{{{GPX_NS}}}trkseg")
        for lng, lat, *_rest in line:
            ET.SubElement(seg, f"{{{GPX_NS}}}trkpt", {"lat": f"{lat:.6f}", "lon": f"{lng:.6f}"})
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
