"""A plain, ORM-free copy of one jurisdiction's geographic data.

`selectors.geo_snapshot_load` reads it in a few queries; `responsibility_index.ResponsibilityIndex`,
`geocode` and `quality` build their in-memory indexes from it. Geometries stay
GeoJSON *text* in WGS84 here, as the database returns it: parsing 50,000 of them
into Python dicts costs seconds and hundreds of thousands of objects the garbage
collector then walks, while `shapely.from_geojson` reads the text in one C call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingxi.places.chiefs import road_chief_in_office

GeoJSONText = str


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class TownshipRow:
    id: int
    code: str
    name: str
    unit_id: int | None
    geometry: GeoJSONText


@dataclass(frozen=True, slots=True)
class CommunityRow:
    id: int
    township_id: int
    code: str
    name: str
    unit_id: int | None
    geometry: GeoJSONText


@dataclass(frozen=True, slots=True)
class GridRow:
    id: int
    community_id: int
    code: str
    geometry: GeoJSONText


@dataclass(frozen=True, slots=True)
class RoadRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class SegmentRow:
    id: int
    road_id: int
    seq: int
    from_street: str
    to_street: str
    township_id: int | None
    maintainer_id: int | None
    number_from: int | None
    number_to: int | None
    geometry: GeoJSONText


@dataclass(frozen=True, slots=True)
class RoadChiefRow:
    """A road-chief post; an empty `segment_ids` means the whole road."""

    id: int
    road_id: int
    user_id: int
    name: str
    level: str
    phone: str
    start_date: dt.date
    end_date: dt.date | None
    segment_ids: tuple[int, ...]

    def is_current(self, day: dt.date) -> bool:
        return road_chief_in_office(start_date=self.start_date, end_date=self.end_date, on=day)


@dataclass(frozen=True, slots=True)
class CategoryRow:
    id: int
    kind: str
    level: str
    code: str
    name: str
    parent_id: int | None
    responsibility: str
    default_unit_id: int | None


@dataclass(frozen=True, slots=True)
class ResponsibilityRuleRow:
    category_id: int
    township_id: int | None
    unit_id: int


@dataclass(frozen=True, slots=True)
class LandmarkRow:
    id: int
    name: str
    aliases: tuple[str, ...]
    kind: str
    lng: float
    lat: float


@dataclass(frozen=True)
class ComponentTable:
    """Components as columns (there can be hundreds of thousands): index i is one component."""

    ids: tuple[int, ...] = ()
    object_ids: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()
    names: tuple[str, ...] = ()
    maintainer_ids: tuple[int | None, ...] = ()
    lngs: tuple[float, ...] = ()
    lats: tuple[float, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class GeoSnapshot:
    jurisdiction_id: int
    jurisdiction_code: str
    jurisdiction_name: str
    geo_version: int
    center_lng: float
    center_lat: float
    units: tuple[UnitRow, ...] = ()
    townships: tuple[TownshipRow, ...] = ()
    communities: tuple[CommunityRow, ...] = ()
    grids: tuple[GridRow, ...] = ()
    roads: tuple[RoadRow, ...] = ()
    segments: tuple[SegmentRow, ...] = ()
    chiefs: tuple[RoadChiefRow, ...] = ()
    categories: tuple[CategoryRow, ...] = ()
    rules: tuple[ResponsibilityRuleRow, ...] = ()
    landmarks: tuple[LandmarkRow, ...] = ()
    components: ComponentTable = field(default_factory=ComponentTable)
