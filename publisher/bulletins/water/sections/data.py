"""The sections' and lakes' figures of one month: each section's evaluation, rivers, basins and the
whole city, the lakes, and the changes against another month."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.water import common as wc
from publisher.bulletins.water.sections.context import SectionRow
from publisher.evaluate import water
from publisher.periods import Period


KIND = "water-sections"
TEMPLATE = "water_sections.html"

SECTION_KINDS = ("national_section", "provincial_section")
LAKE_KINDS = ("lake_point",)
HISTORY = 13            # months in the trend charts
TREND_ITEMS = 3         # items followed in the trend charts
TREND_LINES = 6         # sections drawn per trend chart (those with the highest values this month)
SCOPE = "_scope"        # the column grouping every section into one (the whole city)


def _multiple_texts(snap: dict[str, Any]) -> list[str]:
    """Every text with 超标倍数 the bulletin prints for the month: sections, rivers, basins, lakes and lake points."""
    texts = [r["exceedances"] for r in snap["by_id"].values()] + [r["main_pollutants"] for r in snap["by_id"].values()]
    texts += [g["main_pollutants"] for g in snap["rivers"] + snap["basins"]]
    texts += [x["main_pollutants"] for x in snap["lakes"] + snap["lake_points"]]
    return texts


# --------------------------------------------------------------------------------------------- one month
def _snapshot(period: Period, sections: list, lakes: list, meta: pl.DataFrame, values: pl.DataFrame,
              evaluated: pl.DataFrame, day: dt.date, places: int | None = None) -> dict[str, Any]:
    start = wc.period_start(period)
    ev = {r["station_id"]: r for r in evaluated.filter(pl.col("sampled_at") == start).to_dicts()}
    sec_ids = [s.id for s in sections]
    month_values = values.filter(pl.col("sampled_at") == start)
    sec_values = month_values.filter(pl.col("station_id").is_in(sec_ids))

    by_id = {}
    for station in sections:
        row = ev.get(station.id)
        missing = row is None or row["water_class"] is None
        by_id[station.id] = {
            "water_class": None if missing else row["water_class"],
            "status": None if missing else row["status"],
            "compliant": None if missing else row["compliant"],
            "exceedances": "" if missing else (row["exceedances"] or ""),
            "main_pollutants": "" if missing else (row["main_pollutants"] or ""),
            "assessment": None if missing else row["assessment"],
            "items_evaluated": None if missing else row["items_evaluated"],
            "missing": missing,
            "reason": "" if not missing else (wc.NO_DATA_REASON if row is None else (row["notes"] or "无可评价的监测项目")),
        }

    sec_meta = meta.filter(pl.col("station_id").is_in(sec_ids))
    # the sections' evaluation of this month, reused by the river, basin and whole-city summaries
    sec_evaluated = evaluated.filter((pl.col("sampled_at") == start) & pl.col("station_id").is_in(sec_ids))
    overall = _groups(sec_values, sec_meta, SCOPE, sec_evaluated, places)
    rivers = _groups(sec_values, sec_meta, "river", sec_evaluated, places)
    basins = _groups(sec_values, sec_meta, "basin", sec_evaluated, places)

    classes = [r["water_class"] for r in by_id.values() if not r["missing"]]
    compliant = [r["compliant"] for r in by_id.values() if not r["missing"] and r["compliant"] is not None]
    rates = None
    if compliant:
        frame = pl.DataFrame({"compliant": compliant, "volume": [0.0] * len(compliant)},
                             schema={"compliant": pl.Boolean, "volume": pl.Float64})
        rates = water.compliance_rates(frame).select("n_sources", "n_compliant", "count_rate").to_dicts()[0]
    whole = overall[0] if overall else None
    by_level = {}
    for kind in SECTION_KINDS:
        ids = [s.id for s in sections if s.kind == kind]
        got = [by_id[i] for i in ids if not by_id[i]["missing"]]
        judged = [r["compliant"] for r in got if r["compliant"] is not None]
        n_good = sum(1 for r in got if r["water_class"] in _good_classes(day))
        n_bad = sum(1 for r in got if r["water_class"] == max(water.CLASS_LABELS))
        by_level[kind] = {
            "n_registered": len(ids), "n_monitored": len(got), "n_good": n_good,
            "share_good": wc.share(n_good, len(got), day), "n_bad": n_bad, "share_bad": wc.share(n_bad, len(got), day),
            "n_judged": len(judged), "n_compliant": sum(1 for c in judged if c),
            "count_rate": wc.share(sum(1 for c in judged if c), len(judged), day),
        }
    summary = {
        **wc.summary_head(period, len(sections), len(classes)),
        "n_rivers": len({s.river for s in sections}),
        "n_basins": len({s.basin for s in sections}),
        "n_national": sum(1 for s in sections if s.kind == "national_section"),
        "n_provincial": sum(1 for s in sections if s.kind == "provincial_section"),
        "class_counts": {water.class_label(k): n for k, n in wc.class_counts(classes).items()},
        "n_good": sum(1 for c in classes if c in _good_classes(day)),
        "n_bad": sum(1 for c in classes if c == max(water.CLASS_LABELS)),
        "share_good": whole["share_good"] if whole else None,
        "share_bad": whole["share_bad"] if whole else None,
        "status": whole["status"] if whole else None,
        "method": whole["method"] if whole else None,
        "main_pollutants": whole["main_pollutants"] if whole else "",
        "rates": rates,
        "by_level": by_level,
    }

    # lakes: each point, then the lake as the spatial mean of its points
    points = []
    for station in lakes:
        row = ev.get(station.id)
        missing = row is None or row["water_class"] is None
        points.append({
            "station_id": station.id, "name": station.name, "lake": station.water_body,
            "target": station.target_class, "target_zh": station.target_class or wc.DASH,
            "water_class": None if missing else row["water_class"],
            "class_zh": wc.DASH if missing else wc.class_plain(row["water_class"]),
            "status": None if missing else row["status"],
            "compliant": None if missing else row["compliant"],
            "tn_class": None if missing else row["tn_class"],
            "tli": None if missing else row["tli"],
            "tli_zh": wc.DASH if missing or row["tli"] is None else wc.num(row["tli"], 1),
            "trophic_state": None if missing else row["trophic_state"],
            "main_pollutants": "" if missing else (row["main_pollutants"] or ""),
            "main_pollutants_zh": wc.DASH if missing else wc.exceedance_cell(row["main_pollutants"]),
            "missing": missing,
            "reason": "" if not missing else wc.NO_DATA_REASON,
        })
    lake_rows = []
    lake_ids = [s.id for s in lakes]
    lake_values = month_values.filter(pl.col("station_id").is_in(lake_ids))
    if lake_values.height:
        summary_frame = water.lake_summary(lake_values, meta.filter(pl.col("station_id").is_in(lake_ids)),
                                           by="water_body", multiple_decimals=places)
        for r in summary_frame.to_dicts():
            lake_rows.append({
                "name": r["station_id"], "n_points": r["n_points"],
                "water_class": r["water_class"], "class_zh": wc.class_plain(r["water_class"]),
                "status": r["status"], "tn_class": r["tn_class"], "tli": r["tli"],
                "tli_zh": wc.DASH if r["tli"] is None else wc.num(r["tli"], 1),
                "trophic_state": r["trophic_state"], "main_pollutants": r["main_pollutants"] or "",
                "main_pollutants_zh": wc.exceedance_cell(r["main_pollutants"]),
            })
    return {"period": period, "by_id": by_id, "summary": summary, "rivers": rivers, "basins": basins,
            "lakes": lake_rows, "lake_points": points}


def _good_classes(day: dt.date) -> set[int]:
    return {int(c) for c in wc.eval_rules(day)["status"]["good_group"]}


def _groups(sec_values: pl.DataFrame, sec_meta: pl.DataFrame, by: str,
            sec_evaluated: pl.DataFrame, places: int | None = None) -> list[dict[str, Any]]:
    """River / basin / whole-city status from :func:`water.river_summary`, as plain rows (`sec_evaluated`: the
    sections' evaluation of these values, not computed again)."""
    if sec_values.height == 0:
        return []
    frame = water.river_summary(sec_values, sec_meta, by=by, sections=sec_evaluated, multiple_decimals=places)
    order = {name: i for i, name in enumerate(dict.fromkeys(sec_meta[by].to_list()))}
    frame = frame.sort(pl.col(by).replace_strict(order, default=len(order), return_dtype=pl.Int64))
    basin_of = dict(zip(sec_meta["river"].to_list(), sec_meta["basin"].to_list()))
    out = []
    for r in frame.to_dicts():
        out.append({
            "name": r[by], "basin": basin_of.get(r[by]) if by == "river" else None,
            "n_sections": r["n_sections"], "share_good": r["share_good"], "share_bad": r["share_bad"],
            "method": r["method"], "method_zh": "断面浓度平均" if r["method"] == "average" else "类别比例",
            "water_class": r["water_class"],
            "class_zh": wc.class_plain(r["water_class"]) if r["water_class"] is not None else wc.DASH,
            "status": r["status"], "main_pollutants": r["main_pollutants"] or "",
            "main_pollutants_zh": wc.exceedance_cell(r["main_pollutants"]), "notes": r["notes"] or "",
        })
    return out


# --------------------------------------------------------------------------------------------- rows
def _section_rows(sections: list, snaps: dict[str, dict[str, Any]]) -> list[SectionRow]:
    cur, prev, ly = snaps["current"]["by_id"], snaps["previous"]["by_id"], snaps["last_year"]["by_id"]
    rows = []
    for seq, s in enumerate(sections, 1):
        c, p, y = cur[s.id], prev[s.id], ly[s.id]
        missing = c["missing"]
        if missing:
            compliance = wc.NOT_MONITORED
        elif c["compliant"] is None:
            compliance = wc.DASH
        else:
            compliance = "达标" if c["compliant"] else "不达标"
        rows.append(SectionRow(
            seq=seq, station_id=s.id, name=s.name, river=s.river, basin=s.basin,
            level_zh=wc.LEVEL_ZH.get(s.kind, s.kind), kind=s.kind, target=s.target_class,
            target_zh=s.target_class or wc.DASH,
            basis_zh="5+X" if s.kind == "national_section" else "21项",
            water_class=c["water_class"], class_zh=wc.DASH if missing else wc.class_plain(c["water_class"]),
            prev_class=p["water_class"], prev_zh=wc.class_plain(p["water_class"]),
            ly_class=y["water_class"], ly_zh=wc.class_plain(y["water_class"]),
            status=c["status"], compliant=c["compliant"], compliance_zh=compliance,
            exceedances=c["exceedances"],
            exceedances_zh=wc.DASH if missing or c["compliant"] or not c["exceedances"]
            else wc.exceedance_cell(c["exceedances"]),
            main_pollutants=c["main_pollutants"], items_evaluated=c["items_evaluated"],
            missing=missing, reason=c["reason"],
        ))
    return rows


def _add_group_changes(cur: dict[str, Any], snaps: dict[str, dict[str, Any]]) -> None:
    """Each river / basin row gets its status last month and last year and the change wording."""
    for key in ("rivers", "basins"):
        for group in cur[key]:
            for when in ("previous", "last_year"):
                other = {g["name"]: g for g in snaps[when][key]}.get(group["name"])
                before = other["status"] if other else None
                group[f"{when}_status"] = before
                group[f"{when}_change"] = water.status_change(before, group["status"]) if before else None


def _changes(cur: dict[str, Any], other: dict[str, Any], word: str, period: Period) -> dict[str, Any]:
    a, b = cur["summary"], other["summary"]
    out: dict[str, Any] = {"word": word, "period": period.label, "period_zh": period.label_zh,
                           "available": a["share_good"] is not None and b["share_good"] is not None}
    if not out["available"]:
        return out
    out["proportion"] = water.proportion_change(b["share_good"], b["share_bad"], a["share_good"], a["share_bad"])
    out["status_before"], out["status_after"] = b["status"], a["status"]
    out["status_change"] = water.status_change(b["status"], a["status"])
    out["rate_before"] = b["rates"]["count_rate"] if b["rates"] else None
    out["rate_after"] = a["rates"]["count_rate"] if a["rates"] else None
    out["rate_points"] = water.share_change(out["rate_after"], out["rate_before"])
    sections = []
    for sid, now in cur["by_id"].items():
        then = other["by_id"][sid]
        if now["missing"] or then["missing"]:
            continue
        wording = water.status_change(then["status"], now["status"])
        sections.append({"station_id": sid, "before": then["water_class"], "after": now["water_class"],
                         "before_zh": wc.class_zh(then["water_class"]), "after_zh": wc.class_zh(now["water_class"]),
                         "wording": wording})
    out["sections"] = sections
    return out
