"""Judging discharge samples against their limits: status, reasons for not judging, printed limits."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

import polars as pl

from publisher.evaluate.discharge.limits import Outlet, REASONS, pick_limit
from publisher.evaluate.discharge.oxygen import oxygen_reference, reference_o2_expr


STATUS_ZH = {"compliant": "达标", "exceeding": "超标", "not_judged": "未判定"}

SAMPLE_SCHEMA = {"outlet_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String,
                 "value": pl.Float64, "below_dl": pl.Boolean, "o2": pl.Float64, "water_temp": pl.Float64}


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
