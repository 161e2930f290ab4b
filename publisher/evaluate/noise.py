"""Urban noise per GB 3096-2008 (limits by functional-zone class) and HJ 640-2012 (city grading).

Pure functions on polars frames: no I/O. Every limit, grade boundary, decimal and rounding rule is read
from ``publisher/standards/data/gb3096-2008.yaml`` and ``hj640-2012.yaml`` through
:func:`publisher.standards.in_force`, by the date of the results judged.

Input frames (column names are the contract):

* functional-zone points, one row per point and monitoring period (a quarter, usually):
  ``point_id: String, zone_class: String (0, 1, 2, 3, 4a, 4b; 1类/Ⅰ类… accepted), period: String,
  date: Date (measurement date; picks the tables), ld: Float64, ln: Float64`` (dB(A), null = not
  measured), optional ``lmax_night: Float64`` (the night's maximum level, for GB 3096's 15 dB rule);
* regional grid points: ``point_id, date, ld, ln``;
* road-traffic points: ``point_id, date, length_km: Float64 (the road length the point represents), ld, ln``.

Any other columns pass through; ``by`` names the columns to group on (e.g. ``year``, ``area``).

Means are exact: the Leq values, taken as the decimals they print as, are summed as fractions, then
rounded half to even (GB/T 8170) to one decimal, and the grade is read from the rounded mean, so a
printed mean and its grade always agree (HJ 640's ranges ``≤50.0 | 50.1~55.0`` leave no gap that way).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable

import polars as pl

from publisher import rounding, standards

PERIODS = ("day", "night")
_PERIOD_ZH = {"day": "昼间", "night": "夜间"}
_COL = {"day": "ld", "night": "ln"}


# --------------------------------------------------------------------------------------------------
# scalars
# --------------------------------------------------------------------------------------------------
def _day(on: dt.date | dt.datetime) -> dt.date:
    return on.date() if isinstance(on, dt.datetime) else on


def _exact(value: Any) -> Fraction:
    """A level as the decimal it prints as (54.3 -> 543/10), not its binary expansion."""
    return Fraction(Decimal(repr(float(value))))


def round_level(value: float | None, on: dt.date | dt.datetime) -> float | None:
    """A level (dB(A)) rounded as HJ 640 reports it: one decimal, half to even."""
    if value is None:
        return None
    rules = standards.in_force("hj640", _day(on))["evaluation"]
    return float(rounding.fraction(_exact(value), int(rules["decimals"])))


def zone_class(value: Any, on: dt.date | dt.datetime) -> str:
    """The canonical GB 3096 class (``0``, ``1``, ``2``, ``3``, ``4a``, ``4b``) of a class as written
    (``2``, ``2类``, ``Ⅱ类``, ``4A``…). Raises ValueError naming the value when it is not a class."""
    table = standards.in_force("gb3096", _day(on))["zone_classes"]
    text = str(value).strip().replace(" ", "") if value is not None else ""
    for canonical, aliases in table["aliases"].items():
        if text.lower() in {str(a).lower() for a in aliases}:
            return str(canonical)
    known = "、".join(str(c) for c in table["order"])
    raise ValueError(f"声环境功能区类别“{value}”不是GB 3096的类别（{known}）[NOISE_ZONE_CLASS]")


def limits(zone: Any, on: dt.date | dt.datetime) -> dict[str, float]:
    """``{"day": Ld limit, "night": Ln limit}`` of a zone class in the GB 3096 table in force on `on`."""
    table = standards.in_force("gb3096", _day(on))
    canonical = zone_class(zone, on)
    lim = table["limits"]
    return {"day": float(lim["day"][canonical]), "night": float(lim["night"][canonical])}


def grade(value: float | None, kind: str, period: str, on: dt.date | dt.datetime) -> dict[str, Any] | None:
    """The HJ 640 grade of a city mean: ``kind`` is ``regional`` or ``road``, ``period`` ``day`` or
    ``night``. Returns ``{"value", "level", "level_zh", "grade_zh"}`` with the value as graded (one
    decimal, half to even), or None when `value` is None."""
    if value is None:
        return None
    if kind not in ("regional", "road"):
        raise ValueError(f"kind must be 'regional' or 'road', not {kind!r}")
    if period not in PERIODS:
        raise ValueError(f"period must be 'day' or 'night', not {period!r}")
    table = standards.in_force("hj640", _day(on))
    rounded = rounding.fraction(_exact(value), int(table["evaluation"]["decimals"]))
    return _graded(rounded, table, kind, period)


def _graded(rounded: Fraction, table: standards.Standard, kind: str, period: str) -> dict[str, Any]:
    uppers = [_exact(u) for u in table[kind][period]["upper"]]
    levels = table["grades"]["levels"]
    level = levels[-1]
    for lvl, upper in zip(levels, uppers):
        if rounded <= upper:          # upper bounds inclusive (HJ 640: ≤50.0 | 50.1~55.0 …)
            level = lvl
            break
    return {"value": float(rounded), "level": int(level), "level_zh": table["grades"]["level_zh"][level],
            "grade_zh": table["grades"]["words_zh"][level]}


# --------------------------------------------------------------------------------------------------
# functional zones: compliance per point-period and rates per class
# --------------------------------------------------------------------------------------------------
def _require(frame: pl.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}缺少列：{', '.join(missing)} [NOISE_COLUMNS]")


def _require_finite(frame: pl.DataFrame, columns: Iterable[str]) -> None:
    """NaN or infinite levels (or lengths) are refused, naming the points: they are not measurements."""
    for col in columns:
        if col not in frame.columns or frame[col].dtype not in (pl.Float32, pl.Float64):
            continue
        bad = frame.filter(~pl.col(col).is_finite())
        if not bad.is_empty():
            ids = "、".join(str(p) for p in bad["point_id"].to_list())
            raise ValueError(f"列{col}有非数值（NaN或无穷）：点位{ids} [NOISE_VALUE]")


def point_compliance(results: pl.DataFrame) -> pl.DataFrame:
    """GB 3096 compliance of each functional-zone point-period, day and night.

    Adds ``zone_class`` (canonical), ``standard`` (the GB 3096 table id), ``ld_limit``, ``ln_limit``,
    ``ld_compliant``, ``ln_compliant`` (null when that period was not measured), ``ld_over``,
    ``ln_over`` (level minus limit, dB, when above the limit, else null) and ``night_max_compliant``
    (GB 3096's 15 dB rule on ``lmax_night``; null when no maximum was given). Levels are compared as
    reported, rounded to one decimal half to even.
    """
    _require(results, ("point_id", "zone_class", "period", "date", "ld", "ln"), "功能区监测结果")
    _require_finite(results, ("ld", "ln", "lmax_night"))
    rows = results.to_dicts()
    out: dict[str, list[Any]] = {k: [] for k in ("zone_class", "standard", "ld_limit", "ln_limit", "ld_compliant",
                                                  "ln_compliant", "ld_over", "ln_over", "night_max_compliant")}
    for i, row in enumerate(rows):
        on = row["date"]
        if on is None:
            raise ValueError(f"第{i + 1}行（点位{row['point_id']}）缺少监测日期 [NOISE_DATE]")
        table = standards.in_force("gb3096", _day(on))
        try:
            canonical = zone_class(row["zone_class"], on)
        except ValueError as exc:
            raise ValueError(f"第{i + 1}行（点位{row['point_id']}）：{exc}") from None
        decimals = int(table["evaluation"]["decimals"])
        out["zone_class"].append(canonical)
        out["standard"].append(table.id)
        for period in PERIODS:
            col = _COL[period]
            limit = Fraction(table["limits"][period][canonical])
            out[f"{col}_limit"].append(float(limit))
            value = row[col]
            if value is None:
                out[f"{col}_compliant"].append(None)
                out[f"{col}_over"].append(None)
                continue
            level = rounding.fraction(_exact(value), decimals)
            ok = level <= limit
            out[f"{col}_compliant"].append(ok)
            out[f"{col}_over"].append(None if ok else float(level - limit))
        lmax = row.get("lmax_night")
        if lmax is None:
            out["night_max_compliant"].append(None)
        else:
            rule = table["notes"]["night_maximum"]
            over = rounding.fraction(_exact(lmax), decimals) - Fraction(table["limits"]["night"][canonical])
            out["night_max_compliant"].append(over <= Fraction(rule["exceed_by_at_most"]))
    schema = {"zone_class": pl.String, "standard": pl.String, "ld_limit": pl.Float64, "ln_limit": pl.Float64,
              "ld_compliant": pl.Boolean, "ln_compliant": pl.Boolean, "ld_over": pl.Float64, "ln_over": pl.Float64,
              "night_max_compliant": pl.Boolean}
    added = pl.DataFrame(out, schema=schema)
    return results.drop([c for c in schema if c in results.columns]).hstack(added)


def zone_compliance_rates(compliance: pl.DataFrame, by: Iterable[str] = (), total: bool = True) -> pl.DataFrame:
    """达标率 per zone class, day and night: compliant point-periods / monitored point-periods × 100.

    `compliance` is the output of :func:`point_compliance`. One row per (``by``…, zone class) in the
    standard's class order, with ``zone_class_zh``, ``day_monitored``, ``day_compliant``, ``day_rate``,
    ``night_monitored``, ``night_compliant``, ``night_rate``. A class with nothing monitored in a period
    has a null rate (never 0). With ``total`` a row ``zone_class = "all"`` (合计) sums every class.
    """
    keys = list(by)
    _require(compliance, [*keys, "zone_class", "ld_compliant", "ln_compliant", "date"], "功能区达标结果")
    if compliance.is_empty():
        return pl.DataFrame(schema={**{k: compliance.schema[k] for k in keys}, "zone_class": pl.String,
                                    "zone_class_zh": pl.String, "day_monitored": pl.Int64,
                                    "day_compliant": pl.Int64, "day_rate": pl.Float64, "night_monitored": pl.Int64,
                                    "night_compliant": pl.Int64, "night_rate": pl.Float64})
    last = compliance["date"].max()
    gb = standards.in_force("gb3096", _day(last))
    hj = standards.in_force("hj640", _day(last))
    decimals = int(hj["functional"]["rate_decimals"])
    order = {str(c): i for i, c in enumerate(gb["zone_classes"]["order"])}

    def counts(frame: pl.DataFrame, group: list[str]) -> pl.DataFrame:
        return frame.group_by(group, maintain_order=True).agg(
            pl.col("ld_compliant").is_not_null().sum().cast(pl.Int64).alias("day_monitored"),
            pl.col("ld_compliant").fill_null(False).sum().cast(pl.Int64).alias("day_compliant"),
            pl.col("ln_compliant").is_not_null().sum().cast(pl.Int64).alias("night_monitored"),
            pl.col("ln_compliant").fill_null(False).sum().cast(pl.Int64).alias("night_compliant"))

    per_class = counts(compliance, [*keys, "zone_class"])
    if total:
        overall = counts(compliance, keys) if keys else counts(compliance.with_columns(pl.lit(1).alias("_all")),
                                                                ["_all"]).drop("_all")
        overall = overall.with_columns(pl.lit("all").alias("zone_class")).select(per_class.columns)
        per_class = pl.concat([per_class, overall])
    names = {**{str(k): str(v) for k, v in gb["zone_classes"]["names_zh"].items()}, "all": "合计"}
    rows = []
    for row in per_class.to_dicts():
        for period in PERIODS:
            n, ok = row[f"{period}_monitored"], row[f"{period}_compliant"]
            row[f"{period}_rate"] = (float(rounding.fraction(Fraction(100 * ok, n), decimals)) if n else None)
        row["zone_class_zh"] = names.get(row["zone_class"], row["zone_class"])
        row["_order"] = order.get(row["zone_class"], len(order))
        rows.append(row)
    frame = pl.DataFrame(rows).sort([*keys, "_order"]).drop("_order")
    return frame.select(*keys, "zone_class", "zone_class_zh", "day_monitored", "day_compliant", "day_rate",
                        "night_monitored", "night_compliant", "night_rate")


# --------------------------------------------------------------------------------------------------
# regional (grid) and road-traffic means, graded
# --------------------------------------------------------------------------------------------------
def _level_columns(prefix: str) -> dict[str, Any]:
    return {f"{prefix}_mean": pl.Float64, f"{prefix}_level": pl.Int64, f"{prefix}_level_zh": pl.String,
            f"{prefix}_grade_zh": pl.String}


def _city_level(frame: pl.DataFrame, by: Iterable[str], kind: str) -> pl.DataFrame:
    keys = list(by)
    need = [*keys, "point_id", "date", "ld", "ln"] + (["length_km"] if kind == "road" else [])
    _require(frame, need, "区域声环境监测结果" if kind == "regional" else "道路交通声环境监测结果")
    _require_finite(frame, ("ld", "ln", "length_km"))
    if kind == "road":
        bad = frame.filter(pl.col("length_km").is_null() | (pl.col("length_km") <= 0))
        if not bad.is_empty():
            ids = "、".join(str(p) for p in bad["point_id"].to_list())
            raise ValueError(f"道路交通点位缺少有效的路段长度（>0 km），无法长度加权：{ids} [NOISE_ROAD_LENGTH]")
    if frame["date"].null_count():
        raise ValueError("监测结果缺少监测日期 [NOISE_DATE]")
    groups = frame.group_by(keys, maintain_order=True) if keys else [((), frame)]
    rows = []
    for key, part in groups:
        key_values = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        table = standards.in_force("hj640", _day(part["date"].max()))
        decimals = int(table["evaluation"]["decimals"])
        row: dict[str, Any] = {**key_values, "standard": table.id}
        if kind == "road":
            row["length_km"] = float(sum(_exact(x) for x in part["length_km"].to_list()))
        for period in PERIODS:
            col = _COL[period]
            prefix = "day" if period == "day" else "night"
            values = part.filter(pl.col(col).is_not_null())
            row[f"{prefix}_points"] = values.height
            if kind == "road":
                row[f"{prefix}_length_km"] = float(sum((_exact(x) for x in values["length_km"].to_list()), Fraction(0)))
            if values.is_empty():
                row.update({f"{prefix}_mean": None, f"{prefix}_level": None, f"{prefix}_level_zh": None,
                            f"{prefix}_grade_zh": None})
                continue
            levels = [_exact(x) for x in values[col].to_list()]
            if kind == "road":
                weights = [_exact(x) for x in values["length_km"].to_list()]
                mean = sum((w * v for w, v in zip(weights, levels)), Fraction(0)) / sum(weights, Fraction(0))
            else:
                mean = sum(levels, Fraction(0)) / len(levels)
            graded = _graded(rounding.fraction(mean, decimals), table, kind, period)
            row.update({f"{prefix}_mean": graded["value"], f"{prefix}_level": graded["level"],
                        f"{prefix}_level_zh": graded["level_zh"], f"{prefix}_grade_zh": graded["grade_zh"]})
        rows.append(row)
    schema: dict[str, Any] = {**{k: frame.schema[k] for k in keys}, "standard": pl.String}
    if kind == "road":
        schema["length_km"] = pl.Float64
    for prefix in ("day", "night"):
        schema[f"{prefix}_points"] = pl.Int64
        if kind == "road":
            schema[f"{prefix}_length_km"] = pl.Float64
        schema.update(_level_columns(prefix))
    return pl.DataFrame(rows, schema=schema)


def regional_level(grid: pl.DataFrame, by: Iterable[str] = ()) -> pl.DataFrame:
    """HJ 640 regional noise: the arithmetic mean of the grid points' Ld and Ln (points without a value
    in a period are left out of that period), rounded to one decimal and graded 好…差, day and night.

    One row per ``by`` group: ``standard``, ``day_points``, ``day_mean``, ``day_level`` (1-5),
    ``day_level_zh`` (一级…), ``day_grade_zh`` (好…), and the same for ``night``."""
    return _city_level(grid, by, "regional")


def road_level(road: pl.DataFrame, by: Iterable[str] = ()) -> pl.DataFrame:
    """HJ 640 road-traffic noise: the mean of the points' Ld and Ln weighted by the road length each
    point represents, L = Σ(lᵢ·Lᵢ)/Σlᵢ, rounded to one decimal and graded 好…差, day and night.

    One row per ``by`` group with ``length_km`` (all sections) and per period ``*_points``,
    ``*_length_km`` (the sections with a value), ``*_mean``, ``*_level``, ``*_level_zh``,
    ``*_grade_zh``. A point without a positive length raises ValueError naming it."""
    return _city_level(road, by, "road")
