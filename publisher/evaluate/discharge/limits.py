"""Discharge limits as rows, outlets, and picking the limit that applies to an outlet and item
(GB 18918, GB 8978, GB 13223, GB 13271, GB 16297)."""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.periods import as_date


FAMILIES = ("gb18918", "gb8978", "gb13223", "gb13271", "gb16297")
CONDITION_DIMENSIONS = ("class", "fuel", "equipment", "gas_kind")

# Why a value was not judged: stable English code -> the Chinese text bulletins print. Words only, no thresholds.
REASONS: dict[str, str] = {
    "OUTLET_UNKNOWN": "排放口未登记",
    "STANDARD_UNKNOWN": "排放标准未识别",
    "STANDARD_NOT_IN_FORCE": "监测日期无在用的标准版本（旧版本限值未收录）",
    "ITEM_NOT_IN_STANDARD": "该标准未收录此项目的限值",
    "NO_MATCHING_LIMIT": "无适用于该排放口条件的限值（未收录）",
    "NO_LIMIT_FOR_COLUMN": "标准对该级别或燃料类型未规定此项目限值（表中为“—”）",
    "CLASS_UNKNOWN": "排放口未登记执行级别",
    "PERIOD_UNKNOWN": "排放口未登记建设时段或建设日期",
    "FUEL_UNKNOWN": "排放口未登记燃料类型",
    "EQUIPMENT_UNKNOWN": "排放口未登记设施类型",
    "GAS_KIND_UNKNOWN": "排放口未登记气体燃料种类",
    "CAPACITY_UNKNOWN": "锅炉未登记容量，无法确定表1执行日期",
    "LIMIT_NOT_YET_APPLICABLE": "监测日期早于该限值的执行日期（此前执行的限值未收录）",
    "SPECIAL_NOT_DEFINED": "该标准无特别排放限值",
    "AMBIGUOUS_LIMIT": "匹配到多条限值",
    "WATER_TEMP_MISSING": "缺少水温，两档限值判定结果不同",
    "O2_MISSING": "缺少实测含氧量，无法折算",
    "O2_OUT_OF_RANGE": "实测含氧量不在0～21%之间，无法折算",
    "O2_REFERENCE_NOT_ENCODED": "该设施类型的基准氧含量未收录",
    "DL_ABOVE_LIMIT": "未检出，但检出限高于限值，无法判定",
    "VALUE_MISSING": "无监测值",
}


# --------------------------------------------------------------------------------------------- catalogue
def catalogue() -> dict[str, dict[str, Any]]:
    """The discharge item catalogue (``discharge-items.yaml``) by code."""
    return standards.catalogue("discharge-items")


def item_name(code: str) -> str:
    """The Chinese name bulletins print for an item code (the code itself when unknown)."""
    return catalogue().get(code, {}).get("name_zh", code)


# --------------------------------------------------------------------------------------------- standards
_NUMBER = re.compile(r"^GB(?:/T)?(\d+)(?:[-—–]\d{2,4})?$")
_YEAR = re.compile(r"[-—–]\d{2,4}$")
#: the medium each shipped discharge family judges (a local standard states its own ``medium``)
FAMILY_MEDIUM = {"gb18918": "wastewater", "gb8978": "wastewater", "gb13223": "flue_gas", "gb13271": "flue_gas",
                 "gb16297": "flue_gas"}


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).replace("／", "/").replace("－", "-").upper()


@lru_cache(maxsize=4)
def _local_index(tables: tuple[standards.Standard, ...]) -> dict[str, str]:
    """Normalised names (family, number, number without its year) -> family, for the local discharge tables."""
    index: dict[str, str] = {}
    for table in tables:
        if table.family in FAMILIES or table.get("medium") not in ("wastewater", "flue_gas"):
            continue
        number = _normal(table["meta"].get("number", table.id))
        for key in (table.family.upper(), number, _YEAR.sub("", number), _normal(table.id)):
            index.setdefault(key, table.family)
    return index


def local_families() -> tuple[str, ...]:
    """The families of the local discharge standards the workspace holds (``<home>/standards/``)."""
    return tuple(sorted(set(_local_index(standards.local_tables()).values())))


def family_of(standard: str) -> str:
    """``GB 18918-2002`` / ``GB18918`` / ``gb18918`` -> ``gb18918``; a local standard by its number (``DB53/T
    1234-2023``, with or without the year) or family; StandardNotFound for anything else."""
    text = _normal(standard)
    if text.lower() in FAMILIES:
        return text.lower()
    match = _NUMBER.match(text)
    if match and f"gb{match.group(1)}" in FAMILIES:
        return f"gb{match.group(1)}"
    found = _local_index(standards.local_tables()).get(text)
    if found:
        return found
    known = ", ".join(FAMILIES + local_families())
    raise StandardNotFound(f"not a discharge standard publisher knows: {standard!r} (known: {known})")


def medium_of(family: str) -> str:
    """``wastewater`` or ``flue_gas``: what a discharge family judges."""
    if family in FAMILY_MEDIUM:
        return FAMILY_MEDIUM[family]
    media = {str(t.get("medium")) for t in standards.versions(family)}     # every version judges one medium
    if len(media) != 1:
        raise StandardNotFound(f"the versions of {family} judge different media: {', '.join(sorted(media))}")
    return media.pop()


@dataclass(frozen=True)
class LimitRow:
    """One limit of one table, flattened: the value and every condition that selects it."""

    standard_id: str
    table: str
    clause: str                         # the table's clause plus 序号, e.g. "GB 18918-2002 表1 … 序号8"
    seq: int | None
    item: str
    kind: str                           # max | range | grade | not_detected
    limit: float | None                 # max / grade; None with kind max = "—" (no limit set)
    low: float | None                   # range
    high: float | None
    unit: str
    conditions: tuple[tuple[str, str], ...]   # (dimension, value) for class/fuel/equipment/gas_kind
    period: str | None
    water_temp: str | None              # above_12 | at_or_below_12
    scopes: tuple[str, ...] | str | None    # tuple of terms, "all", "other" or None (no scope column)
    provinces: tuple[str, ...]
    flags: tuple[str, ...]
    special: bool | None
    applies_from: dt.date | None
    applies_from_by_size: tuple[tuple[str, dt.date], ...]
    applies_from_by_period: tuple[tuple[str, dt.date], ...]
    confidence: str
    sources: tuple[str, ...]
    note_zh: str | None = None

    def condition(self, name: str) -> str | None:
        return dict(self.conditions).get(name)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@lru_cache(maxsize=32)
def _rows_cached(table_id: str, sha256: str) -> tuple[LimitRow, ...]:
    table = standards.get(table_id)
    units = {code: item["unit"] for code, item in catalogue().items()}
    rows: list[LimitRow] = []
    for block in table["tables"]:
        columns = block.get("columns")
        column_values = list(columns["values"]) if columns else [None]
        for raw in block["rows"]:
            scopes = raw.get("scopes")
            if isinstance(scopes, list):
                scopes = tuple(str(s) for s in scopes)
            kinds = raw.get("kinds") or [raw.get("kind", "max")] * len(column_values)
            values = list(raw["limits"]) if "limits" in raw else [raw.get("limit")] * len(column_values)
            if len(values) != len(column_values) or len(kinds) != len(column_values):
                raise StandardNotFound(f"{table.id} {block['id']} seq {raw.get('seq')}: {len(values)} limits "
                                       f"for {len(column_values)} columns")
            seq = raw.get("seq")
            clause = f"{block['clause']} 序号{seq}" if seq is not None else block["clause"]
            for column, value, kind in zip(column_values, values, kinds):
                conditions = {k: str(raw[k]) for k in CONDITION_DIMENSIONS if raw.get(k) is not None}
                if column is not None:
                    if conditions.get(columns["dimension"], str(column)) != str(column):
                        continue        # a row naming its column (fuel: coal) exists for that column only
                    conditions[columns["dimension"]] = str(column)
                low = high = None
                if kind == "range":
                    low, high = (float(v) for v in raw["range"])
                rows.append(LimitRow(
                    standard_id=table.id, table=block["id"], clause=clause, seq=seq, item=raw["item"],
                    kind=kind, limit=None if kind in ("range", "not_detected") else _num(value),
                    low=low, high=high, unit=units.get(raw["item"], ""),
                    conditions=tuple(sorted(conditions.items())),
                    period=raw.get("period", block.get("period")),
                    water_temp=raw.get("water_temp"), scopes=scopes,
                    provinces=tuple(raw.get("provinces") or ()), flags=tuple(raw.get("flags") or ()),
                    special=block.get("special"),
                    applies_from=as_date(raw.get("applies_from", block.get("applies_from"))),
                    applies_from_by_size=tuple((k, as_date(v)) for k, v in (block.get("applies_from_by_size") or {}).items()),
                    applies_from_by_period=tuple((k, as_date(v)) for k, v in (block.get("applies_from_by_period") or {}).items()),
                    confidence=str(raw.get("confidence", block.get("confidence", table.confidence))),
                    sources=tuple(raw.get("sources", block.get("sources", table.sources)) or ()),
                    note_zh=raw.get("note_zh"),
                ))
    return tuple(rows)


def limit_rows(table: standards.Standard) -> tuple[LimitRow, ...]:
    """Every limit of a discharge table, one row per (item, conditions, column)."""
    return _rows_cached(table.id, table.sha256)


def limits_frame(table: standards.Standard) -> pl.DataFrame:
    """:func:`limit_rows` as a frame (for display and for checking the table as a whole)."""
    records = []
    for row in limit_rows(table):
        record = {"standard_id": row.standard_id, "table": row.table, "clause": row.clause, "seq": row.seq,
                  "item": row.item, "kind": row.kind, "limit": row.limit, "low": row.low, "high": row.high,
                  "unit": row.unit, "period": row.period, "water_temp": row.water_temp,
                  "scopes": row.scopes if isinstance(row.scopes, str) or row.scopes is None else "、".join(row.scopes),
                  "provinces": "、".join(row.provinces) or None, "flags": ",".join(row.flags) or None,
                  "special": row.special, "confidence": row.confidence}
        for name in CONDITION_DIMENSIONS:
            record[name] = row.condition(name)
        records.append(record)
    return pl.DataFrame(records, infer_schema_length=None)


# --------------------------------------------------------------------------------------------- outlets
def _terms(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, (list, tuple, pl.Series)):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return tuple(t.strip() for t in re.split(r"[,，;；|]", str(value)) if t.strip())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Outlet:
    """The registry's description of one outlet, as the limit lookup needs it."""

    outlet_id: str
    standard: str
    cls: str | None = None
    period: str | None = None
    built_on: dt.date | None = None
    scopes: tuple[str, ...] = ()
    fuel: str | None = None
    equipment: str | None = None
    gas_kind: str | None = None
    special: bool = False
    special_from: dt.date | None = None
    province: str | None = None
    flags: tuple[str, ...] = ()
    capacity_t_h: float | None = None
    capacity_mw: float | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Outlet":
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if _blank(value) else str(value).strip()

        def number(key: str) -> float | None:
            value = data.get(key)
            return None if _blank(value) else float(value)

        scopes = _terms(data.get("scopes"))
        if not scopes and not _blank(data.get("industry")):
            scopes = _terms(data.get("industry"))
        special = data.get("special")
        return cls(
            outlet_id=str(data["outlet_id"]), standard=str(data.get("standard") or ""),
            cls=text("class") or text("cls"), period=text("period"),
            built_on=None if _blank(data.get("built_on")) else as_date(data.get("built_on")),
            scopes=scopes, fuel=text("fuel"), equipment=text("equipment"), gas_kind=text("gas_kind"),
            special=bool(special) if not _blank(special) else False,
            special_from=None if _blank(data.get("special_from")) else as_date(data.get("special_from")),
            province=text("province"), flags=_terms(data.get("flags")),
            capacity_t_h=number("capacity_t_h"), capacity_mw=number("capacity_mw"),
        )

    def attribute(self, name: str) -> str | None:
        return {"class": self.cls, "fuel": self.fuel, "equipment": self.equipment, "gas_kind": self.gas_kind}[name]


def outlet_period(outlet: Outlet, table: standards.Standard) -> str | None:
    """The outlet's period name in this table: as registered, else from ``built_on`` and the table's windows."""
    periods = {k: v for k, v in (table.get("periods") or {}).items() if isinstance(v, dict)}
    if outlet.period:
        if outlet.period not in periods:
            raise StandardNotFound(f"{table.id}: no period {outlet.period!r} (known: {', '.join(periods)})")
        return outlet.period
    if outlet.built_on is None:
        return None
    for name, window in periods.items():
        start, end = as_date(window.get("from")), as_date(window.get("to"))
        if (start is None or start <= outlet.built_on) and (end is None or outlet.built_on <= end):
            return name
    return None


def boiler_size(outlet: Outlet, table: standards.Standard) -> str | None:
    """``large`` / ``small`` for GB 13271 4.1-4.2 (10 t/h steam, 7 MW hot water), None when unregistered."""
    sizes = table.get("sizes") or {}
    large = sizes.get("large", {})
    if outlet.capacity_t_h is not None:
        return "large" if outlet.capacity_t_h > float(large.get("steam_t_h_above", math.inf)) else "small"
    if outlet.capacity_mw is not None:
        return "large" if outlet.capacity_mw > float(large.get("hot_water_mw_above", math.inf)) else "small"
    return None


# --------------------------------------------------------------------------------------------- picking
@dataclass(frozen=True)
class Pick:
    """The limit that judges one (outlet, item, day): ``row`` or a ``reason``; ``alt`` when water temp is unknown."""

    row: LimitRow | None = None
    reason: str | None = None
    alt: LimitRow | None = None
    table: standards.Standard | None = None


def _water_band(water_temp: float | None, table: standards.Standard) -> str | None:
    if water_temp is None or (isinstance(water_temp, float) and math.isnan(water_temp)):
        return None
    bands = table.get("water_temp_bands") or {}
    for name, band in bands.items():
        if not isinstance(band, dict):
            continue
        if "above" in band and water_temp > float(band["above"]):
            return name
        if "at_or_below" in band and water_temp <= float(band["at_or_below"]):
            return name
    return None


def _scope_filter(rows: list[LimitRow], outlet: Outlet) -> list[LimitRow]:
    named = [r for r in rows if isinstance(r.scopes, tuple)]
    matched = [r for r in named if set(r.scopes) & set(outlet.scopes)]
    keep = [r for r in rows if r.scopes is None or r.scopes == "all"]
    if matched:
        return keep + matched
    return keep + [r for r in rows if r.scopes == "other"]


def _specific_filter(rows: list[LimitRow], outlet: Outlet) -> list[LimitRow]:
    """Rows with provinces/flags apply only when the outlet has them, and then replace the generic row."""
    applicable = [r for r in rows
                  if (not r.provinces or (outlet.province in r.provinces))
                  and (not r.flags or set(r.flags) <= set(outlet.flags))]
    specific = [r for r in applicable if r.provinces or r.flags]
    return specific or applicable


def pick_limit(outlet: Outlet, item: str, on: dt.date | dt.datetime, water_temp: float | None = None) -> Pick:
    """The limit row of ``item`` for ``outlet`` on day ``on``, or why there is none.

    The version is the table of the outlet's standard family in force on ``on``; within it the rows are narrowed
    by special-limit flag, period, class/fuel/equipment/gas kind, scope, province/flag notes and water
    temperature, then checked against the dates the text sets for applying them.
    """
    day = on.date() if isinstance(on, dt.datetime) else on
    try:
        family = family_of(outlet.standard)
    except StandardNotFound:
        return Pick(reason="STANDARD_UNKNOWN")
    try:
        table = standards.in_force(family, day)
    except StandardNotFound:
        return Pick(reason="STANDARD_NOT_IN_FORCE")
    rows = [r for r in limit_rows(table) if r.item == item]
    if not rows:
        return Pick(reason="ITEM_NOT_IN_STANDARD", table=table)
    has_special = any(r.special for r in limit_rows(table))
    special = outlet.special and (outlet.special_from is None or day >= outlet.special_from)
    if outlet.special and not has_special:
        return Pick(reason="SPECIAL_NOT_DEFINED", table=table)
    rows = [r for r in rows if bool(r.special) == bool(special)]
    for name in CONDITION_DIMENSIONS:
        if not any(r.condition(name) is not None for r in rows):
            continue
        value = outlet.attribute(name)
        if value is None:
            return Pick(reason=f"{name.upper()}_UNKNOWN", table=table)
        rows = [r for r in rows if r.condition(name) in (None, value)]
    try:
        period = outlet_period(outlet, table)
    except StandardNotFound:
        return Pick(reason="PERIOD_UNKNOWN", table=table)
    if any(r.period for r in rows):
        if period is None:
            return Pick(reason="PERIOD_UNKNOWN", table=table)
        rows = [r for r in rows if r.period in (None, period)]
    rows = _scope_filter(rows, outlet)
    rows = _specific_filter(rows, outlet)
    if not rows:
        return Pick(reason="NO_MATCHING_LIMIT", table=table)
    alt = None
    if any(r.water_temp for r in rows):
        band = _water_band(water_temp, table)
        if band is None:
            strict = [r for r in rows if r.water_temp is None or r.water_temp == "above_12"]
            loose = [r for r in rows if r.water_temp is None or r.water_temp == "at_or_below_12"]
            if len(strict) == 1 and len(loose) == 1:
                rows, alt = strict, loose[0]
        else:
            rows = [r for r in rows if r.water_temp in (None, band)]
    if len(rows) != 1:
        return Pick(reason="AMBIGUOUS_LIMIT", table=table)
    row = rows[0]
    # dates the text sets for applying the row (older limits are not encoded)
    if row.applies_from and day < row.applies_from:
        return Pick(reason="LIMIT_NOT_YET_APPLICABLE", table=table)
    by_period = dict(row.applies_from_by_period)
    if by_period:
        if period is None:
            if day < max(by_period.values()):
                return Pick(reason="PERIOD_UNKNOWN", table=table)
        elif period in by_period and day < by_period[period]:
            return Pick(reason="LIMIT_NOT_YET_APPLICABLE", table=table)
    by_size = dict(row.applies_from_by_size)
    if by_size:
        size = boiler_size(outlet, table)
        if size is None:
            if day < max(by_size.values()):
                return Pick(reason="CAPACITY_UNKNOWN", table=table)
        elif day < by_size[size]:
            return Pick(reason="LIMIT_NOT_YET_APPLICABLE", table=table)
    if row.kind == "max" and row.limit is None:
        return Pick(reason="NO_LIMIT_FOR_COLUMN", table=table)
    if alt is not None and alt.limit is None:
        return Pick(reason="WATER_TEMP_MISSING", table=table)
    return Pick(row=row, alt=alt, table=table)
