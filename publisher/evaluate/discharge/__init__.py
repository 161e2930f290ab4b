"""Discharge evaluation for supervisory monitoring (监督性监测): outlet results against discharge standards.

Pure functions on polars frames; no I/O beyond reading the standards tables through
:func:`publisher.standards.in_force`. Every limit, reference oxygen content, period date and scope comes from
the YAML files of ``publisher/standards/data`` (families ``gb18918``, ``gb8978``, ``gb13223``, ``gb13271``,
``gb16297``); the method, clauses, sources and decisions are in ``docs/discharge-method.md``.

Frames
------
samples
    ``outlet_id: String, sampled_at: Date|Datetime, item: String (discharge-items.yaml code), value: Float64``;
    optional ``below_dl: Boolean`` (value is then the detection limit), ``o2: Float64`` (measured O2, % by
    volume, dry flue gas), ``water_temp: Float64`` (℃, for the NH3-N limits of GB 18918).
outlets
    ``outlet_id: String, standard: String`` (``GB 18918-2002``, ``GB18918``, ``gb18918`` …: the family; the
    version is the one in force on the sample's day) and the attributes the standard selects a limit by:
    ``class`` (一级A/一级B/二级/三级, 一级/二级/三级), ``period`` (a period name of the table, e.g. ``new``,
    ``existing``, ``in_use``) or ``built_on: Date`` (construction / EIA approval date, mapped to a period),
    ``scopes`` (industry / source terms of the table, list or ``、``/``,``-joined text), ``fuel`` (coal/oil/gas),
    ``equipment`` (boiler/gas_turbine), ``gas_kind`` (natural_gas/other), ``special: Boolean`` (特别排放限值)
    with optional ``special_from: Date``, ``province``, ``flags`` (list or text), ``capacity_t_h`` /
    ``capacity_mw`` (boiler size, GB 13271 dates).

:func:`evaluate` returns one row per sample with the limit, its clause and confidence, the value converted to
the reference oxygen content where the standard requires it, and ``status`` ``compliant | exceeding |
not_judged`` (``status_zh`` 达标/超标/未判定) with ``exceed_multiple`` = C/limit − 1 or a ``reason`` code.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

import polars as pl

from publisher import standards
from publisher.periods import as_date
from publisher.errors import StandardNotFound

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
STATUS_ZH = {"compliant": "达标", "exceeding": "超标", "not_judged": "未判定"}

SAMPLE_SCHEMA = {"outlet_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String,
                 "value": pl.Float64, "below_dl": pl.Boolean, "o2": pl.Float64, "water_temp": pl.Float64}


# --------------------------------------------------------------------------------------------- catalogue
def catalogue() -> dict[str, dict[str, Any]]:
    """The discharge item catalogue (``discharge-items.yaml``) by code."""
    return standards.catalogue("discharge-items")


def item_name(code: str) -> str:
    """The Chinese name bulletins print for an item code (the code itself when unknown)."""
    return catalogue().get(code, {}).get("name_zh", code)


# --------------------------------------------------------------------------------------------- standards
_NUMBER = re.compile(r"^GB(?:/T)?(\d+)(?:[-—–]\d{2,4})?$")


def family_of(standard: str) -> str:
    """``GB 18918-2002`` / ``GB18918`` / ``gb18918`` -> ``gb18918``; StandardNotFound for anything else."""
    text = re.sub(r"\s+", "", str(standard or "")).upper()
    if text.lower() in FAMILIES:
        return text.lower()
    match = _NUMBER.match(text)
    if match and f"gb{match.group(1)}" in FAMILIES:
        return f"gb{match.group(1)}"
    raise StandardNotFound(f"not a discharge standard publisher knows: {standard!r} (known: {', '.join(FAMILIES)})")


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
                    special=block.get("special"), applies_from=as_date(block.get("applies_from")),
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


# --------------------------------------------------------------------------------------------- oxygen
@dataclass(frozen=True)
class OxygenReference:
    """Whether and how a flue-gas item is converted: ``percent`` None means judged as measured."""

    converts: bool
    percent: float | None = None
    clause: str | None = None
    confidence: str | None = None
    reason: str | None = None


def oxygen_reference(outlet: Outlet, table: standards.Standard, item: str) -> OxygenReference:
    """The reference O2 (基准氧含量) of the outlet's equipment for ``item``, as the table states it."""
    block = table.get("oxygen_reference")
    if not block or item not in (block.get("items") or ()):
        return OxygenReference(converts=False)
    for entry in block.get("values") or ():
        wanted = {k: entry[k] for k in ("fuel", "equipment", "gas_kind") if k in entry}
        if all(outlet.attribute(k) == v for k, v in wanted.items()):
            return OxygenReference(converts=True, percent=float(entry["percent"]), clause=block["clause"],
                                   confidence=str(entry.get("confidence", block.get("confidence", table.confidence))))
    return OxygenReference(converts=True, clause=block["clause"], reason="O2_REFERENCE_NOT_ENCODED")


def reference_o2_concentration(measured: float | None, o2_measured: float | None, o2_reference: float) -> float | None:
    """C = C' × (21 − O2_ref) / (21 − O2_measured); None when C' or O2 is missing or O2 is outside [0, 21)."""
    if measured is None or o2_measured is None or math.isnan(measured) or math.isnan(o2_measured):
        return None
    if o2_measured < 0 or o2_measured >= 21:
        return None
    return round(measured * (21 - o2_reference) / (21 - o2_measured), 9)


def reference_o2_expr(measured: pl.Expr, o2_measured: pl.Expr, o2_reference: pl.Expr) -> pl.Expr:
    """:func:`reference_o2_concentration` as a polars expression (null where it returns None).

    Rounded to 1e-9 so that binary noise (30 × 12 / 7.2 = 50.00000000000001) cannot turn a value at the limit
    into an exceedance; reported values have far fewer decimals.
    """
    valid = o2_measured.is_not_null() & (o2_measured >= 0) & (o2_measured < 21)
    return (pl.when(valid)
            .then((measured * (21 - o2_reference) / (21 - o2_measured)).round(9))
            .otherwise(None))


# --------------------------------------------------------------------------------------------- evaluate
_LIMIT_SCHEMA = {
    "outlet_id": pl.String, "_day": pl.Date, "item": pl.String, "_band": pl.String,
    "standard_id": pl.String, "standard_number": pl.String, "clause": pl.String, "limit_kind": pl.String,
    "limit": pl.Float64, "limit_low": pl.Float64, "limit_high": pl.Float64, "limit_alt": pl.Float64,
    "clause_alt": pl.String, "unit": pl.String, "limit_confidence": pl.String,
    "converts": pl.Boolean, "o2_reference": pl.Float64, "o2_clause": pl.String, "o2_confidence": pl.String,
    "_pick_reason": pl.String,
}


def _normalise_samples(samples: pl.DataFrame) -> pl.DataFrame:
    frame = samples
    for name, dtype in (("below_dl", pl.Boolean), ("o2", pl.Float64), ("water_temp", pl.Float64)):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    frame = frame.with_columns(
        pl.col("outlet_id").cast(pl.String), pl.col("item").cast(pl.String),
        pl.col("value").cast(pl.Float64), pl.col("below_dl").cast(pl.Boolean).fill_null(False),
        pl.col("o2").cast(pl.Float64), pl.col("water_temp").cast(pl.Float64),
    )
    day = pl.col("sampled_at").cast(pl.Date) if frame.schema["sampled_at"] != pl.Date else pl.col("sampled_at")
    # the join key of the water temperature (the table's bands decide, in pick_limit); "none" when missing
    return frame.with_columns(day.alias("_day"),
                              pl.col("water_temp").cast(pl.String).fill_null("none").alias("_band"))


def outlets_from_frame(outlets: pl.DataFrame | Iterable[Mapping[str, Any]]) -> dict[str, Outlet]:
    """Outlets by id from a frame (or an iterable of mappings) with the columns of the module docstring."""
    records = outlets.to_dicts() if isinstance(outlets, pl.DataFrame) else list(outlets)
    return {str(r["outlet_id"]): Outlet.from_mapping(r) for r in records}


def _limit_record(outlet: Outlet | None, outlet_id: str, day: dt.date, item: str, band: str) -> dict[str, Any]:
    record: dict[str, Any] = {k: None for k in _LIMIT_SCHEMA}
    record.update({"outlet_id": outlet_id, "_day": day, "item": item, "_band": band, "converts": False})
    if outlet is None:
        record["_pick_reason"] = "OUTLET_UNKNOWN"
        return record
    water_temp = None if band == "none" else float(band)
    pick = pick_limit(outlet, item, day, water_temp)
    if pick.table is not None:
        record["standard_id"] = pick.table.id
        record["standard_number"] = str(pick.table["meta"].get("number", pick.table.id))
    if pick.row is None:
        record["_pick_reason"] = pick.reason
        return record
    row = pick.row
    record.update({"clause": row.clause, "limit_kind": row.kind, "limit": row.limit, "limit_low": row.low,
                   "limit_high": row.high, "unit": row.unit, "limit_confidence": row.confidence})
    if pick.alt is not None:
        record["limit_alt"] = pick.alt.limit
        record["clause_alt"] = pick.alt.clause
    oxygen = oxygen_reference(outlet, pick.table, item)
    record.update({"converts": oxygen.converts, "o2_reference": oxygen.percent, "o2_clause": oxygen.clause,
                   "o2_confidence": oxygen.confidence})
    if oxygen.reason:
        record["_pick_reason"] = oxygen.reason
    return record


def limits_for(samples: pl.DataFrame, outlets: pl.DataFrame | Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """One limit record per distinct (outlet, day, item, water temperature) of ``samples``."""
    frame = _normalise_samples(samples)
    by_id = outlets_from_frame(outlets)
    keys = frame.select("outlet_id", "_day", "item", "_band").unique()
    records = [_limit_record(by_id.get(k["outlet_id"]), k["outlet_id"], k["_day"], k["item"], k["_band"])
               for k in keys.iter_rows(named=True)]
    return pl.DataFrame(records, schema=_LIMIT_SCHEMA)


def evaluate(samples: pl.DataFrame, outlets: pl.DataFrame | Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Judge every sample against the limit of its outlet's standard in force on the sample's day.

    Output columns: the sample's columns, then ``standard_id, standard_number, clause, limit_kind, limit,
    limit_low, limit_high, unit, limit_confidence, converts, o2_reference, o2_clause, o2_confidence,
    converted`` (the value judged: converted to the reference O2 where ``converts``, else the value),
    ``status, status_zh, exceed_multiple, reason, reason_zh``. ``limit``/``clause`` are the ones the verdict
    rests on (for NH3-N without water temperature, the ≤12℃ limit when the value exceeds both).
    """
    frame = _normalise_samples(samples)
    limits = limits_for(samples, outlets)
    joined = frame.join(limits, on=["outlet_id", "_day", "item", "_band"], how="left")
    value = pl.col("value")
    converted = (pl.when(pl.col("converts") & pl.col("o2_reference").is_not_null())
                 .then(reference_o2_expr(value, pl.col("o2"), pl.col("o2_reference")))
                 .otherwise(value))
    joined = joined.with_columns(converted.alias("converted"))
    c, lim, alt = pl.col("converted"), pl.col("limit"), pl.col("limit_alt")
    below = pl.col("below_dl")
    kind = pl.col("limit_kind")
    # the limit the verdict rests on: with two water-temperature limits, the strict one when the value meets
    # it, the loose one when it exceeds both; between them there is no verdict
    ambiguous = alt.is_not_null()
    joined = joined.with_columns(
        pl.when(ambiguous & (c > lim)).then(alt).otherwise(lim).alias("limit"),
        pl.when(ambiguous & (c > lim)).then(pl.col("clause_alt")).otherwise(pl.col("clause")).alias("clause"),
        (ambiguous & (c > lim) & (c <= alt)).alias("_between"),
    )
    lim = pl.col("limit")
    reason = (
        pl.when(pl.col("_pick_reason").is_not_null()).then(pl.col("_pick_reason"))
        .when(value.is_null()).then(pl.lit("VALUE_MISSING"))
        .when(pl.col("converts") & pl.col("o2").is_null()).then(pl.lit("O2_MISSING"))
        .when(pl.col("converts") & ((pl.col("o2") < 0) | (pl.col("o2") >= 21))).then(pl.lit("O2_OUT_OF_RANGE"))
        .when(pl.col("_between")).then(pl.lit("WATER_TEMP_MISSING"))
        .when(below & kind.is_in(["max", "grade"]) & (c > lim)).then(pl.lit("DL_ABOVE_LIMIT"))
        .otherwise(None)
    )
    joined = joined.with_columns(reason.alias("reason"))
    judged = pl.col("reason").is_null()
    exceeding = (
        pl.when(kind == "range").then((c < pl.col("limit_low")) | (c > pl.col("limit_high")))
        .when(kind == "not_detected").then(~below)
        .otherwise(~below & (c > lim))
    )
    status = pl.when(~judged).then(pl.lit("not_judged")).when(exceeding).then(pl.lit("exceeding")).otherwise(pl.lit("compliant"))
    joined = joined.with_columns(status.alias("status"))
    multiple = (pl.when((pl.col("status") == "exceeding") & (kind == "max") & (lim > 0))
                .then((c / lim - 1).round(9)).otherwise(None))
    joined = joined.with_columns(
        multiple.alias("exceed_multiple"),
        pl.col("status").replace_strict(STATUS_ZH, return_dtype=pl.String).alias("status_zh"),
        pl.col("reason").replace_strict(REASONS, default=None, return_dtype=pl.String).alias("reason_zh"),
    )
    return joined.drop("_day", "_band", "_pick_reason", "limit_alt", "clause_alt", "_between")


def format_limit(kind: str | None, limit: float | None, low: float | None = None, high: float | None = None) -> str:
    """A limit as bulletins print it: ``50``, ``6～9``, ``≤1级``, ``不得检出``; '' when there is none."""
    def plain(v: float) -> str:
        text = f"{v:.10f}".rstrip("0").rstrip(".")
        return text or "0"
    if kind == "range" and low is not None and high is not None:
        return f"{plain(low)}～{plain(high)}"
    if kind == "not_detected":
        return "不得检出"
    if kind == "grade" and limit is not None:
        return f"≤{plain(limit)}级"
    if limit is None:
        return ""
    return plain(limit)
