"""GeoJSON export of townships, communities, grids, roads, components and landmarks.

Every exporter returns exactly the FeatureCollection its importer in `places/imports.py`
reads (the properties are listed there), so an export can be edited and imported back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from django.db import models

from jingxi.org.models import Jurisdiction, Unit
from jingxi.places.models import Community, Component, Grid, Landmark, Segment, Township

FeatureCollection = dict[str, Any]

_BATCH: Final = 2000  # rows fetched per round trip


def _collection(features: Iterable[dict[str, Any]]) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry: Mapping[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": dict(geometry), "properties": properties}


def _code(unit: Unit | None) -> str:
    return unit.code if unit is not None else ""


def townships_export_geojson(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Township] | None = None
) -> FeatureCollection:
    rows = (queryset if queryset is not None else Township.objects.all()).filter(
        jurisdiction=jurisdiction
    )
    return _collection(
        _feature(
            t.geometry,
            {"code": t.code, "name": t.name, "kind": t.kind, "unit_code": _code(t.unit)},
        )
        for t in rows.select_related("unit").order_by("code")
    )


def communities_export_geojson(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Community] | None = None
) -> FeatureCollection:
    rows = (queryset if queryset is not None else Community.objects.all()).filter(
        township__jurisdiction=jurisdiction
    )
    return _collection(
        _feature(
            c.geometry,
            {"code": c.code, "name": c.name, "kind": c.kind, "unit_code": _code(c.unit)},
        )
        for c in rows.select_related("unit").order_by("code")
    )


def grids_export_geojson(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Grid] | None = None
) -> FeatureCollection:
    rows = (queryset if queryset is not None else Grid.objects.all()).filter(
        community__township__jurisdiction=jurisdiction
    )
    return _collection(
        _feature(g.geometry, {"code": g.code, "area_class": g.area_class})
        for g in rows.order_by("code")
    )


def roads_export_geojson(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Segment] | None = None
) -> FeatureCollection:
    """Every segment as a feature carrying its road's code, name and grade."""
    rows = (queryset if queryset is not None else Segment.objects.all()).filter(
        road__jurisdiction=jurisdiction
    )
    return _collection(
        _feature(
            s.geometry,
            {
                "road_code": s.road.code,
                "road_name": s.road.name,
                "road_grade": s.road.grade,
                "seq": s.seq,
                "from_street": s.from_street,
                "to_street": s.to_street,
                "township_code": s.township.code if s.township else "",
                "maintainer_code": _code(s.maintainer),
                "number_from": s.number_from,
                "number_to": s.number_to,
            },
        )
        for s in rows.select_related("road", "township", "maintainer").order_by("road__code", "seq")
    )


def components_export_geojson(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Component] | None = None
) -> FeatureCollection:
    rows = (queryset if queryset is not None else Component.objects.all()).filter(
        jurisdiction=jurisdiction
    )
    values = rows.order_by("object_id").values_list(
        "object_id",
        "category__code",
        "name",
        "grid__code",
        "owner__code",
        "maintainer__code",
        "state",
        "accuracy_class",
        "lng",
        "lat",
        "material",
        "location_note",
        "data_source",
        "recorded_on",
        "changed_on",
    )
    return _collection(
        _feature(
            {"type": "Point", "coordinates": [lng, lat]},
            {
                "object_id": object_id,
                "category_code": category_code,
                "name": name,
                "grid_code": grid_code or "",
                "owner_code": owner_code or "",
                "maintainer_code": maintainer_code or "",
                "state": state,
                "accuracy_class": accuracy,
                "material": material,
                "location_note": note,
                "data_source": data_source,
                "recorded_on": recorded_on.isoformat() if recorded_on else "",
                "changed_on": changed_on.isoformat() if changed_on else "",
            },
        )
        for (
            object_id,
            category_code,
            name,
            grid_code,
            owner_code,
            maintainer_code,
            state,
            accuracy,
            lng,
            lat,
            material,
            note,
            data_source,
            recorded_on,
            changed_on,
        ) in values.iterator(chunk_size=_BATCH)
    )


def landmarks_export_geojson(
    *, jurisdiction: Jurisdiction, queryset: models.QuerySet[Landmark] | None = None
) -> FeatureCollection:
    rows = (queryset if queryset is not None else Landmark.objects.all()).filter(
        jurisdiction=jurisdiction
    )
    return _collection(
        _feature(
            {"type": "Point", "coordinates": [lm.lng, lm.lat]},
            {"name": lm.name, "aliases": lm.aliases, "kind": lm.kind},
        )
        for lm in rows.order_by("name", "pk")
    )


GEOJSON_EXPORTERS: Final[Mapping[str, Callable[..., FeatureCollection]]] = {
    "townships": townships_export_geojson,
    "communities": communities_export_geojson,
    "grids": grids_export_geojson,
    "roads": roads_export_geojson,
    "components": components_export_geojson,
    "landmarks": landmarks_export_geojson,
}
