"""The station registry: ``stations.yaml``, every monitored site of the region.

A station has a stable id, a Chinese name, a kind, its administrative area and, by kind, its water
body, target class, water volume taken or air-quality area. Loading validates the whole file and
reports every problem at once, each with its line. See docs/registry.md for the fields.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from publisher import polluters
from publisher.errors import RegistryError
from publisher.evaluate import noise as noise_eval
from publisher.paths import DEFAULT_STATIONS
from publisher import vocabulary
from publisher.vocabulary import water as vocabulary_water
from publisher.periods import as_date

KINDS = vocabulary.STATION_KINDS
WATER_KINDS = vocabulary.WATER_KINDS
SOURCE_KINDS = vocabulary.SOURCE_KINDS
SECTION_KINDS = vocabulary.SECTION_KINDS
#: noise monitoring points (GB 3096 functional zones, HJ 640 road traffic and regional grid)
NOISE_KINDS = vocabulary.NOISE_KINDS
WATERBODY_TYPES = vocabulary_water.WATERBODY_TYPES
CLASSES = vocabulary_water.TARGET_LABELS
CADENCES = {"hourly", "monthly", "quarterly", "yearly"}
AREA_LEVELS = {"province", "city", "county"}
ASSESSMENTS = {"national": "国考（5+X）", "provincial": "省考（21项）"}

REQUIRED = {
    "all": ("id", "name", "kind", "city", "cadence", "unit"),
    "water": ("water_body", "waterbody_type", "target_class"),
    "source": ("volume",),
    "section": ("river", "basin"),
    "air": ("area",),
    "noise_zone_point": ("zone_class",),
    "noise_road_point": ("road_name", "road_length_km"),
}
AREA_FIELDS = {"id", "name", "level", "city"}
# every key a station may carry; anything else is reported (usually a typo)
STATION_FIELDS = {
    "id", "name", "kind", "city", "cadence", "unit", "county", "area", "extra_areas", "water_body",
    "river", "basin", "waterbody_type", "target_class", "volume", "assessment", "x_items", "code",
    "lon", "lat", "active_from", "active_to", "sample", "sample_fields", "note",
    "zone_class", "road_name", "road_length_km",
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
    sample_fields: tuple[str, ...] = ()
    extra_areas: tuple[str, ...] = ()
    note: str | None = None
    zone_class: str | None = None        # noise functional-zone points: GB 3096 class 0, 1, 2, 3, 4a, 4b
    road_name: str | None = None         # road-traffic noise points: the road
    road_length_km: float | None = None  # road-traffic noise points: the road length the point represents
    line: int = field(default=0, compare=False)

    @property
    def kind_zh(self) -> str:
        return KINDS[self.kind]

    @property
    def waterbody_type_zh(self) -> str | None:
        return WATERBODY_TYPES.get(self.waterbody_type) if self.waterbody_type else None

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas whose figures this station counts in: its own area (or city), then extra_areas."""
        own = self.area or self.county or self.city
        return (own, *[a for a in self.extra_areas if a != own])

    def is_sample(self, field_name: str | None = None) -> bool:
        """True if the station is invented, or (given a field name) if that field's value is invented."""
        return self.sample or (field_name is not None and field_name in self.sample_fields)

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
    #: key polluting units (重点排污单位) with their outlets (publisher.polluters)
    units: tuple[Any, ...] = ()

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the region, areas, stations and units (everything a bulletin may read of the registry)."""
        return hashlib.sha256(repr((self.region, self.areas, self.stations, self.units)).encode()).hexdigest()

    def unit(self, text: str) -> Any | None:
        """The key polluting unit whose id, name or 统一社会信用代码 is exactly `text` (trimmed), or None."""
        text = text.strip()
        return next((u for u in self.units if text in (u.id, u.name, u.credit_code)), None)

    @functools.cached_property
    def _by_id(self) -> dict[str, Station]:
        found: dict[str, Station] = {}
        for station in self.stations:
            found.setdefault(station.id, station)
        return found

    @functools.cached_property
    def _named(self) -> dict[str, list[Station]]:
        found: dict[str, list[Station]] = {}
        for station in self.stations:
            found.setdefault(station.name, []).append(station)
        return found

    @functools.cached_property
    def _by_text(self) -> dict[str, Station]:
        """Each id, code and name → the first station (in file order) that has it; a name that stations of
        several cities share names none of them (it is ambiguous: files name those stations by code)."""
        found: dict[str, Station] = {}
        for station in self.stations:
            for text in (station.id, station.code):
                if text is not None:
                    found.setdefault(text, station)
        for name, stations in self._named.items():
            if len(stations) == 1:
                found.setdefault(name, stations[0])
        return found

    def named(self, name: str) -> list[Station]:
        """Every station called `name` (several when stations of different cities share a name)."""
        return list(self._named.get(name.strip(), []))

    def get(self, station_id: str) -> Station:
        try:
            return self._by_id[station_id]
        except KeyError:
            raise KeyError(station_id) from None

    def by_kind(self, *kinds: str) -> list[Station]:
        return [s for s in self.stations if s.kind in kinds]

    def area(self, name_or_id: str) -> Area:
        for area in self.areas:
            if name_or_id in (area.id, area.name):
                return area
        raise KeyError(name_or_id)

    def resolve(self, text: str) -> Station | None:
        """The station whose id, code or name is exactly `text`; None for a name several stations share."""
        return self._by_text.get(text.strip())

    def suggest(self, text: str) -> str | None:
        """The closest id or name to `text`, for "did you mean" messages."""
        candidates = [s.id for s in self.stations] + [s.name for s in self.stations]
        found = difflib.get_close_matches(text.strip(), candidates, n=1, cutoff=0.4)
        return found[0] if found else None

    def frame(self) -> pl.DataFrame:
        """One row per station, the registry's fields as columns."""
        tuples = ("x_items", "sample_fields", "extra_areas")
        rows = [
            {k: v for k, v in station.__dict__.items() if k not in ("line", *tuples)}
            | {name: ",".join(getattr(station, name)) for name in tuples}
            for station in self.stations
        ]
        return pl.DataFrame(rows, infer_schema_length=None)

    def air_areas(self) -> pl.DataFrame:
        """``station_id, area`` for every air station: each area whose figures the station counts in.

        That is the station's ``area`` plus its ``extra_areas``. A county station does not count in
        its city's figure unless the city is listed in ``extra_areas``: a city's ambient air quality is
        assessed on the city's own (national) stations, the counties are reported on their own.
        (Made once per registry: a bulletin asks for it many times.)
        """
        return self._air_areas

    @functools.cached_property
    def _air_areas(self) -> pl.DataFrame:
        pairs = [
            {"station_id": station.id, "area": self.area(name).name}
            for station in self.by_kind("air_station")
            for name in station.areas
        ]
        return pl.DataFrame(pairs, schema={"station_id": pl.String, "area": pl.String}).unique(
            maintain_order=True
        )


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: ~5× faster


def _parse(text: str) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree, from one parse (the tree gives the line of every item and key)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _line_numbers(node: yaml.Node | None, section: str) -> list[tuple[int, dict[str, int]]]:
    """For each item of the top-level list `section`: its 1-based line and the line of each of its keys."""
    if node is None or not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == section and isinstance(value, yaml.SequenceNode):
            found = []
            for item in value.value:
                keys = {}
                if isinstance(item, yaml.MappingNode):
                    keys = {k.value: k.start_mark.line + 1 for k, _ in item.value if isinstance(k, yaml.ScalarNode)}
                found.append((item.start_mark.line + 1, keys))
            return found
    return []


def _strings(value: Any) -> tuple[str, ...]:
    """A YAML list (or one scalar) of names as a tuple of strings."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


#: (path as given, sha256 of the text, day) -> the registry loaded from it; a registry is immutable, and
#: a build reads the same file several times (its stations, the site's region, the batch worker's cache)
_LOADED: dict[tuple[str, str, dt.date], Registry] = {}
_KEEP_LOADED = 8


def load(path: str | Path | None = None) -> Registry:
    """Load and validate ``stations.yaml``; raise RegistryError listing every problem with its line.

    The same text at the same path (on the same day: a zone class is checked against today's tables)
    gives the registry loaded before, without parsing the file again."""
    path = Path(path) if path else DEFAULT_STATIONS
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the registry: {exc}") from exc
    key = (str(path), hashlib.sha256(text.encode("utf-8")).hexdigest(), dt.date.today())
    found = _LOADED.get(key)
    if found is None:
        found = _load(path, text)
        if len(_LOADED) >= _KEEP_LOADED:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = found
    return found


def _load(path: Path, text: str) -> Registry:
    try:
        doc, root = _parse(text)
        doc = doc or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read the registry: {exc}") from exc
    if not isinstance(doc, dict):
        raise RegistryError(f"{path}: the registry must be a mapping with 'region', 'areas' and 'stations'")
    problems: list[str] = []

    area_lines = _line_numbers(root, "areas")
    areas: list[Area] = []
    area_seen: dict[str, int] = {}
    for index, raw in enumerate(doc.get("areas") or []):
        line = area_lines[index][0] if index < len(area_lines) else 0
        where = f"{path}:{line}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: an area must be a mapping")
            continue
        for name in ("id", "name", "level"):
            if raw.get(name) in (None, ""):
                problems.append(f"{where}: area {raw.get('name', raw.get('id', '?'))!r}: missing field {name!r}")
        if raw.get("level") is not None and raw.get("level") not in AREA_LEVELS:
            problems.append(f"{where}: area {raw.get('name')!r}: unknown level {raw.get('level')!r} "
                            f"(one of {', '.join(sorted(AREA_LEVELS))})")
        for extra in sorted(set(raw) - AREA_FIELDS):
            problems.append(f"{where}: area {raw.get('name')!r}: unknown field {extra!r}")
        for name in ("id", "name"):
            value = str(raw.get(name))
            if raw.get(name) is not None and value in area_seen:
                problems.append(f"{where}: duplicate area {name} {value!r} (first at line {area_seen[value]})")
            area_seen.setdefault(value, line)
        areas.append(Area(id=str(raw.get("id")), name=str(raw.get("name")), level=str(raw.get("level")),
                          city=raw.get("city")))
    area_names = {a.name for a in areas} | {a.id for a in areas}
    for area, (line, _) in zip(areas, area_lines):
        if area.city is not None and area.city not in area_names:
            problems.append(f"{path}:{line}: area {area.name!r}: unknown city {area.city!r}")

    station_lines = _line_numbers(root, "stations")
    stations: list[Station] = []
    seen: dict[str, dict[str, int]] = {"id": {}, "name": {}, "code": {}}
    for index, raw in enumerate(doc.get("stations") or []):
        line, key_lines = station_lines[index] if index < len(station_lines) else (0, {})
        where = f"{path}:{line}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: a station must be a mapping")
            continue
        sid = str(raw.get("id", "?"))

        def at(key: str, _lines: dict[str, int] = key_lines, _line: int = line) -> str:
            return f"{path}:{_lines.get(key, _line)}: station {sid}"

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
        needed += REQUIRED.get(str(kind), ())
        for name in needed:
            if raw.get(name) in (None, ""):
                problems.append(f"{where}: station {sid}: missing field {name!r}")
        if kind is not None and kind not in KINDS:
            problems.append(f"{at('kind')}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        for extra in sorted(set(raw) - STATION_FIELDS):
            problems.append(f"{at(extra)}: unknown field {extra!r}")
        for name in ("id", "name", "code"):
            value = raw.get(name)
            if value in (None, ""):
                continue
            value = str(value)
            # names are unique within a city (the national network has a 市环保局 in several cities)
            key = f"{raw.get('city')}/{value}" if name == "name" else value
            if key in seen[name]:
                scope = f" in city {raw.get('city')!r}" if name == "name" else ""
                problems.append(f"{at(name)}: duplicate {name} {value!r}{scope} (first at line {seen[name][key]}; "
                                f"ids and codes must be unique, names unique within a city)")
            else:
                seen[name][key] = key_lines.get(name, line)
        if raw.get("id") is not None and not str(raw["id"]).isascii():
            problems.append(f"{at('id')}: the id must be ASCII")
        target = raw.get("target_class")
        if target is not None and target not in CLASSES:
            problems.append(f"{at('target_class')}: bad target class {target!r} (one of {' '.join(CLASSES)})")
        wtype = raw.get("waterbody_type")
        if wtype is not None and wtype not in WATERBODY_TYPES:
            problems.append(f"{at('waterbody_type')}: unknown waterbody_type {wtype!r} "
                            f"(one of {', '.join(WATERBODY_TYPES)})")
        if raw.get("cadence") not in CADENCES and raw.get("cadence") is not None:
            problems.append(f"{at('cadence')}: unknown cadence {raw.get('cadence')!r} "
                            f"(one of {', '.join(sorted(CADENCES))})")
        assessment = raw.get("assessment")
        if assessment is not None and assessment not in ASSESSMENTS:
            problems.append(f"{at('assessment')}: unknown assessment {assessment!r} (national or provincial)")
        for key in ("city", "county", "area"):
            value = raw.get(key)
            if value is not None and value not in area_names:
                problems.append(f"{at(key)}: unknown {key} {value!r}")
        extra_areas = _strings(raw.get("extra_areas"))
        for value in extra_areas:
            if value not in area_names:
                problems.append(f"{at('extra_areas')}: unknown area {value!r} in extra_areas")
        sample_fields = _strings(raw.get("sample_fields"))
        for value in sample_fields:
            if value not in STATION_FIELDS:
                problems.append(f"{at('sample_fields')}: unknown field {value!r} in sample_fields")
        if kind == "noise_zone_point" and raw.get("zone_class") not in (None, ""):
            try:
                noise_eval.zone_class(raw.get("zone_class"), dt.date.today())
            except ValueError as exc:
                problems.append(f"{at('zone_class')}: {exc}")
            except Exception:  # noqa: BLE001 - no GB 3096 table for that date: reported by the evaluation
                pass
        length = raw.get("road_length_km")
        if length is not None and (isinstance(length, bool) or not isinstance(length, (int, float)) or length <= 0):
            problems.append(f"{at('road_length_km')}: road_length_km must be a positive number (km), not {length!r}")
        for key in ("lon", "lat", "volume"):
            value = raw.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                problems.append(f"{at(key)}: {key} must be a number, not {value!r}")
        dates: dict[str, dt.date | None] = {}
        for key in ("active_from", "active_to"):
            try:
                dates[key] = as_date(raw.get(key))
            except ValueError:
                problems.append(f"{at(key)}: {key} must be a date YYYY-MM-DD, not {raw.get(key)!r}")
                dates[key] = None
        if dates["active_from"] and dates["active_to"] and dates["active_to"] < dates["active_from"]:
            problems.append(f"{at('active_to')}: active_to is before active_from")
        if raw.get("sample") is not None and not isinstance(raw.get("sample"), bool):
            problems.append(f"{at('sample')}: sample must be true or false")

        def number(key: str) -> float | None:
            value = raw.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        stations.append(Station(
            id=sid, name=str(raw.get("name", "")), kind=str(kind), city=str(raw.get("city", "")),
            cadence=str(raw.get("cadence", "")), unit=str(raw.get("unit", "")),
            county=raw.get("county"), area=raw.get("area"), water_body=raw.get("water_body"),
            river=raw.get("river"), basin=raw.get("basin"), waterbody_type=wtype,
            target_class=target, volume=number("volume"), assessment=assessment,
            x_items=_strings(raw.get("x_items")),
            code=None if raw.get("code") is None else str(raw["code"]),
            lon=number("lon"), lat=number("lat"),
            active_from=dates["active_from"], active_to=dates["active_to"],
            sample=bool(raw.get("sample", False)), sample_fields=sample_fields, extra_areas=extra_areas,
            note=raw.get("note"), line=line,
            zone_class=None if raw.get("zone_class") in (None, "") else str(raw.get("zone_class")),
            road_name=raw.get("road_name"), road_length_km=number("road_length_km"),
        ))
    units, unit_problems = polluters.parse_units(doc, root, path, area_names, doc.get("region") or {})
    problems += unit_problems
    if problems:
        raise RegistryError(f"{path.name} has {len(problems)} problem(s):\n" + "\n".join(problems))
    return Registry(region=doc.get("region") or {}, areas=tuple(areas), stations=tuple(stations), path=path,
                    units=tuple(units))
