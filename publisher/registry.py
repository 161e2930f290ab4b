"""The station registry: ``stations.yaml``, every monitored site of the region.

A station has a stable id, a Chinese name, a kind, its administrative area and, by kind, its water
body, target class, water volume taken or air-quality area. Loading validates the whole file and
reports every problem at once, each with its line. See docs/registry.md for the fields.
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from publisher.errors import RegistryError
from publisher.paths import DEFAULT_STATIONS

KINDS = {
    "city_source": "城市集中式生活饮用水水源",
    "county_source": "县级集中式生活饮用水水源",
    "national_section": "国控断面",
    "provincial_section": "省控断面",
    "lake_point": "湖库点位",
    "air_station": "空气质量监测站点",
}
WATER_KINDS = {"city_source", "county_source", "national_section", "provincial_section", "lake_point"}
SOURCE_KINDS = {"city_source", "county_source"}
SECTION_KINDS = {"national_section", "provincial_section", "lake_point"}
WATERBODY_TYPES = {"river": "河流", "lake": "湖库", "groundwater": "地下水"}
CLASSES = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ")
CADENCES = {"hourly", "monthly", "quarterly"}
AREA_LEVELS = {"province", "city", "county"}

REQUIRED = {
    "all": ("id", "name", "kind", "city", "cadence", "unit"),
    "water": ("water_body", "waterbody_type", "target_class"),
    "source": ("volume",),
    "section": ("river", "basin"),
    "air": ("area",),
}


@dataclass(frozen=True)
class Area:
    """An administrative area a bulletin reports on (a city, or a county of a city)."""

    id: str
    name: str
    level: str
    city: str | None = None


@dataclass(frozen=True)
class Station:
    """One monitored site. Fields not used by its kind are None."""

    id: str
    name: str
    kind: str
    city: str
    cadence: str
    unit: str
    county: str | None = None
    area: str | None = None
    water_body: str | None = None
    river: str | None = None
    basin: str | None = None
    waterbody_type: str | None = None
    target_class: str | None = None
    volume: float | None = None
    assessment: str | None = None
    x_items: tuple[str, ...] = ()
    code: str | None = None
    lon: float | None = None
    lat: float | None = None
    active_from: dt.date | None = None
    active_to: dt.date | None = None
    sample: bool = False
    note: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def kind_zh(self) -> str:
        return KINDS[self.kind]

    def active_on(self, day: dt.date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or day <= self.active_to
        )


@dataclass(frozen=True)
class Registry:
    """The loaded registry: the region, its areas and its stations."""

    region: dict[str, Any]
    areas: tuple[Area, ...]
    stations: tuple[Station, ...]
    path: Path

    def get(self, station_id: str) -> Station:
        for station in self.stations:
            if station.id == station_id:
                return station
        raise KeyError(station_id)

    def by_kind(self, *kinds: str) -> list[Station]:
        return [s for s in self.stations if s.kind in kinds]

    def area(self, name_or_id: str) -> Area:
        for area in self.areas:
            if name_or_id in (area.id, area.name):
                return area
        raise KeyError(name_or_id)

    def resolve(self, text: str) -> Station | None:
        """The station whose id, code or name is exactly `text` (names are unique per registry)."""
        text = text.strip()
        for station in self.stations:
            if text in (station.id, station.code, station.name):
                return station
        return None

    def suggest(self, text: str) -> str | None:
        """The closest id or name to `text`, for "did you mean" messages."""
        candidates = [s.id for s in self.stations] + [s.name for s in self.stations]
        found = difflib.get_close_matches(text.strip(), candidates, n=1, cutoff=0.4)
        return found[0] if found else None

    def frame(self) -> pl.DataFrame:
        """One row per station, the registry's fields as columns."""
        rows = [
            {k: v for k, v in station.__dict__.items() if k not in ("line", "x_items")}
            | {"x_items": ",".join(station.x_items)}
            for station in self.stations
        ]
        return pl.DataFrame(rows, infer_schema_length=None)

    def air_areas(self) -> pl.DataFrame:
        """``station_id, area`` for every air station: its own area and, for a county, its city too."""
        pairs: list[dict[str, str]] = []
        for station in self.by_kind("air_station"):
            area = self.area(station.area or station.city)
            pairs.append({"station_id": station.id, "area": area.name})
            if area.level == "county" and area.city:
                pairs.append({"station_id": station.id, "area": area.city})
        return pl.DataFrame(pairs, schema={"station_id": pl.String, "area": pl.String}).unique(
            maintain_order=True
        )


def _line_numbers(text: str) -> list[int]:
    """The 1-based line of each item of the top-level ``stations`` list."""
    node = yaml.compose(text)
    if node is None or not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "stations" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def load(path: str | Path | None = None) -> Registry:
    """Load and validate ``stations.yaml``; raise RegistryError listing every problem with its line."""
    path = Path(path) if path else DEFAULT_STATIONS
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read the registry: {exc}") from exc
    lines = _line_numbers(text)
    problems: list[str] = []
    areas = []
    for raw in doc.get("areas") or []:
        if raw.get("level") not in AREA_LEVELS:
            problems.append(f"{path}: area {raw.get('name')!r}: unknown level {raw.get('level')!r}")
        areas.append(Area(id=str(raw.get("id")), name=str(raw.get("name")), level=str(raw.get("level")),
                          city=raw.get("city")))
    area_names = {a.name for a in areas} | {a.id for a in areas}
    stations: list[Station] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc.get("stations") or []):
        line = lines[index] if index < len(lines) else 0
        where = f"{path}:{line}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: a station must be a mapping")
            continue
        kind = raw.get("kind")
        needed = list(REQUIRED["all"])
        if kind in WATER_KINDS:
            needed += REQUIRED["water"]
        if kind in SOURCE_KINDS:
            needed += REQUIRED["source"]
        if kind in SECTION_KINDS - {"lake_point"}:
            needed += REQUIRED["section"]
        if kind == "air_station":
            needed += REQUIRED["air"]
        for name in needed:
            if raw.get(name) in (None, ""):
                problems.append(f"{where}: station {raw.get('id', '?')}: missing field {name!r}")
        if kind not in KINDS:
            problems.append(f"{where}: station {raw.get('id', '?')}: unknown kind {kind!r} "
                            f"(one of {', '.join(KINDS)})")
        sid = str(raw.get("id", ""))
        if sid in seen:
            problems.append(f"{where}: duplicate id {sid!r} (first at line {seen[sid]})")
        seen[sid] = line
        target = raw.get("target_class")
        if target is not None and target not in CLASSES:
            problems.append(f"{where}: station {sid}: bad target class {target!r} (one of {' '.join(CLASSES)})")
        wtype = raw.get("waterbody_type")
        if wtype is not None and wtype not in WATERBODY_TYPES:
            problems.append(f"{where}: station {sid}: unknown waterbody_type {wtype!r}")
        if raw.get("cadence") not in CADENCES and raw.get("cadence") is not None:
            problems.append(f"{where}: station {sid}: unknown cadence {raw.get('cadence')!r}")
        for key in ("city", "county", "area"):
            value = raw.get(key)
            if value is not None and value not in area_names:
                problems.append(f"{where}: station {sid}: unknown {key} {value!r}")
        try:
            stations.append(Station(
                id=sid, name=str(raw.get("name", "")), kind=str(kind), city=str(raw.get("city", "")),
                cadence=str(raw.get("cadence", "")), unit=str(raw.get("unit", "")),
                county=raw.get("county"), area=raw.get("area"), water_body=raw.get("water_body"),
                river=raw.get("river"), basin=raw.get("basin"), waterbody_type=wtype,
                target_class=target, volume=None if raw.get("volume") is None else float(raw["volume"]),
                assessment=raw.get("assessment"), x_items=tuple(raw.get("x_items") or ()),
                code=None if raw.get("code") is None else str(raw["code"]),
                lon=raw.get("lon"), lat=raw.get("lat"),
                active_from=_date(raw.get("active_from")), active_to=_date(raw.get("active_to")),
                sample=bool(raw.get("sample", False)), note=raw.get("note"), line=line,
            ))
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: station {sid}: {exc}")
    if problems:
        raise RegistryError("stations.yaml has problems:\n" + "\n".join(problems))
    return Registry(region=doc.get("region") or {}, areas=tuple(areas), stations=tuple(stations), path=path)
