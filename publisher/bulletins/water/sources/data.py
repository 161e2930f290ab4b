"""The sources' figures of one period: intake volumes, the evaluation of each source, the rates and
the changes against another period."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.water import common as wc
from publisher.evaluate import water
from publisher.periods import Period
from publisher.bulletins.water.sources.scope import REGISTRY, REPORTED


def _tables_measured(snapshot: dict[str, Any], values: pl.DataFrame) -> None:
    """Each row gets ``tables_measured``: the single-limit tables (GB 3838 表2, 表3) of which it measured an item."""
    cat = water.catalogue()
    measured: dict[str, set[str]] = {}
    for sid, item in values.select("station_id", "item").unique().iter_rows():
        for table in cat.get(item, {}).get("tables") or []:
            if table in ("gb3838_t2", "gb3838_t3"):
                measured.setdefault(sid, set()).add(table)
    for row in snapshot["rows"]:
        row["tables_measured"] = sorted(measured.get(row["station_id"], set()))


def _volumes(intake: pl.DataFrame, stations: list, period: Period) -> dict[str, tuple[float | None, str]]:
    """station id -> (取水量 of `period` in 万吨, where it comes from): the supplier's figure for the period (a quarter:
    its quarterly figure, else the sum of its three months when all three were reported), else the registry's monthly
    volume times the months of the period."""
    start = wc.period_start(period)
    months = [wc.period_start(m) for m in wc.month_periods(period.start, period.end)]
    mine = intake.filter(pl.col("period_start").is_between(start, wc.period_start(period.shift(1)), closed="left"))
    out: dict[str, tuple[float | None, str]] = {}
    for station in stations:
        rows = mine.filter(pl.col("station_id") == station.id)
        own = rows.filter((pl.col("unit") == period.unit) & (pl.col("period_start") == start))
        monthly = rows.filter(pl.col("unit") == "month")
        if own.height:
            out[station.id] = (float(own["volume"][0]), REPORTED)
        elif period.unit != "month" and set(monthly["period_start"].to_list()) >= set(months):
            out[station.id] = (float(monthly.filter(pl.col("period_start").is_in(months))["volume"].sum()), REPORTED)
        elif station.volume is not None:
            out[station.id] = (float(station.volume) * len(months), REGISTRY)
        else:
            out[station.id] = (None, REGISTRY)
    return out


# --------------------------------------------------------------------------------------------- one period
def _snapshot(period: Period, stations: list, evaluated: pl.DataFrame, day: dt.date,
              volumes: dict[str, tuple[float | None, str]]) -> dict[str, Any]:
    """Rows, counts and rates of one period (evaluate's figures, one row per registered source)."""
    start = wc.period_start(period)
    ev = evaluated.filter(pl.col("sampled_at") == start)
    by_id = {row["station_id"]: row for row in ev.to_dicts()}
    rows = []
    for seq, station in enumerate(stations, 1):
        row = by_id.get(station.id)
        missing = row is None or row["water_class"] is None
        reason = wc.NO_DATA_REASON if row is None else (row.get("notes") or "无可评价的监测项目")
        ground = station.waterbody_type == "groundwater"
        exceedances = "" if missing else (row["exceedances"] or "")
        if ground:
            exceedances = wc.gw_text(exceedances, day)
        volume, source = volumes.get(station.id, (None, REGISTRY))
        target = water.class_label(water.class_number(station.target_class)) if station.target_class else None
        rows.append({
            "seq": seq,
            "station_id": station.id,
            "county": station.county or station.city,
            "name": station.name,
            "type": station.waterbody_type,
            "type_zh": wc.SOURCE_TYPE_ZH.get(station.waterbody_type or "", wc.DASH),
            "target": target,
            "target_zh": target or wc.DASH,
            "water_class": None if missing else row["water_class"],
            "class_zh": wc.DASH if missing else wc.class_plain(row["water_class"]),
            "status": None if missing else row["status"],
            "compliant": None if missing else row["compliant"],
            "compliance_zh": wc.NOT_MONITORED if missing else ("达标" if row["compliant"] else "不达标"),
            "exceedances": exceedances,
            "exceedances_zh": wc.DASH if missing else wc.exceedance_cell(exceedances),
            "tn_class": None if missing else row.get("tn_class"),
            "tn_zh": wc.class_plain(None if missing else row.get("tn_class")),
            "tli": None if missing else row.get("tli"),
            "tli_zh": wc.DASH if missing or row.get("tli") is None else wc.num(row["tli"], 1),
            "trophic_state": None if missing else row.get("trophic_state"),
            "volume": volume,
            "volume_zh": wc.num(volume, 1) if volume is not None else wc.DASH,
            "volume_source": source,
            "volume_source_zh": "供水单位报送" if source == REPORTED else ("名录登记值（未报送）" if volume is not None
                                                                         else wc.DASH),
            "n_items": None if missing else row["n_items"],
            "missing": missing,
            "reason": reason if missing else "",
        })
    monitored = [r for r in rows if not r["missing"]]
    rate_frame = pl.DataFrame(
        {"compliant": [r["compliant"] for r in monitored],
         "volume": [float(r["volume"] or 0.0) for r in monitored],
         "county": [r["county"] for r in monitored]},
        schema={"compliant": pl.Boolean, "volume": pl.Float64, "county": pl.String},
    )
    rates = water.compliance_rates(rate_frame).to_dicts()[0] if monitored else None
    counties = water.compliance_rates(rate_frame, by=["county"]).to_dicts() if monitored else []
    target_default = int(wc.eval_rules(day)["drinking_source"]["default_target_class"])
    classes = [r["water_class"] for r in monitored]
    summary = {
        **wc.summary_head(period, len(rows), len(monitored)),
        "n_surface": sum(1 for r in monitored if r["type"] in ("river", "lake")),
        "n_lake": sum(1 for r in monitored if r["type"] == "lake"),
        "n_river": sum(1 for r in monitored if r["type"] == "river"),
        "n_ground": sum(1 for r in monitored if r["type"] == "groundwater"),
        "class_counts": {water.class_label(k): n for k, n in wc.class_counts(classes).items()},
        "default_target": water.class_label(target_default),
        "n_meet_default": sum(1 for c in classes if c <= target_default),
        "rates": rates,
        "n_volume_registry": sum(1 for r in monitored if r["volume_source"] == REGISTRY),
    }
    return {"rows": rows, "summary": summary, "counties": counties}


def _changes(current: dict[str, Any], other: dict[str, Any], word: str, period: Period) -> dict[str, Any]:
    """Change of the rates (percentage points) and of each source's status level since `period`."""
    cur, old = current["summary"]["rates"], other["summary"]["rates"]
    out: dict[str, Any] = {"word": word, "period": period.label, "period_zh": period.label_zh,
                           "available": old is not None and cur is not None}
    if not out["available"]:
        return out
    for key in ("count_rate", "volume_rate"):
        points = water.share_change(cur[key], old[key])
        out[key] = {"before": old[key], "after": cur[key], "points": points,
                    "points_zh": wc.points_change(points) if points is not None else wc.DASH}
    out["n_monitored"] = current["summary"]["n_monitored"]
    out["n_monitored_before"] = other["summary"]["n_monitored"]
    out["same_sources"] = ({r["station_id"] for r in current["rows"] if not r["missing"]}
                           == {r["station_id"] for r in other["rows"] if not r["missing"]})
    before = {r["station_id"]: r for r in other["rows"]}
    sources = []
    for row in current["rows"]:
        prior = before.get(row["station_id"])
        if row["missing"] or prior is None or prior["missing"]:
            continue
        surface = row["type"] in ("river", "lake")
        wording = water.status_change(prior["status"], row["status"]) if surface else None
        sources.append({"name": row["name"], "before": prior["water_class"], "after": row["water_class"],
                        "before_zh": wc.class_zh(prior["water_class"]), "after_zh": wc.class_zh(row["water_class"]),
                        "status_before": prior["status"] if surface else None,
                        "status_after": row["status"] if surface else None,
                        "wording": wording, "compliant_before": prior["compliant"],
                        "compliant_after": row["compliant"]})
    out["sources"] = sources
    return out
