"""The annual bulletin's noise chapter: functional zones (GB 3096-2008), regional and road-traffic noise (HJ 640-2012).

Results come from the store (``Store.noise``, ingested by :mod:`publisher.ingest.noise`), the points' zone class and
road length from the registry; every limit, grade and rounding rule is :mod:`publisher.evaluate.noise`'s.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins.annual.document import DASH, Document, fmt
from publisher.bulletins.base import Exceedance, Job
from publisher.bulletins.water import common as wc
from publisher.evaluate import noise
from publisher.periods import Period


def _frame(results: pl.DataFrame, points: dict[str, Any], kind: str) -> pl.DataFrame:
    mine = results.filter(pl.col("station_id").is_in([p for p, s in points.items() if s.kind == kind]))
    return mine.with_columns(pl.col("date").dt.date(), pl.col("station_id").alias("point_id"))


def chapter(doc: Document, job: Job, number: str) -> dict[str, Any]:
    period: Period = job.period
    year = period.start.year
    reg = job.registry
    chap = doc.chapter(f"{number}、声环境质量")
    out: dict[str, Any] = {"charts": [], "tables": {}, "inputs": [], "standards": [], "exceedances": [],
                           "review": [], "summary": {}}
    points = {s.id: s for s in reg.by_kind("noise_zone_point", "noise_road_point", "noise_grid_point")}
    if not points:
        chap.para("站点名录中没有噪声监测点位。")
        return out
    results = job.store.noise(dt.date(year, 1, 1), dt.date(year, 12, 31), list(points))
    if results.height == 0:
        chap.para(f"{year}年没有噪声监测结果。")
        return out
    out["inputs"] = wc.provenance(results, job.store, time="date")
    sample = any(points[p].sample for p in results["station_id"].unique().to_list())
    if sample:
        chap.note(f"注意：本章的噪声监测点位和{year}年监测结果为样例数据（非实测），仅用于演示。")
    last = results["date"].max().date()
    out["standards"] = [standards.in_force("gb3096", last).id, standards.in_force("hj640", last).id]

    # --- regional (grid)
    grid = _frame(results, points, "noise_grid_point")
    road = _frame(results, points, "noise_road_point")
    words = []
    table_rows = []
    if grid.height:
        r = noise.regional_level(grid).to_dicts()[0]
        out["summary"]["regional"] = r
        words.append(f"城市区域声环境昼间平均等效声级为{fmt(r['day_mean'], 1)} dB(A)，质量等级为{r['day_level_zh']}"
                     f"（{r['day_grade_zh']}）" + (f"；夜间为{fmt(r['night_mean'], 1)} dB(A)，{r['night_level_zh']}"
                                                  f"（{r['night_grade_zh']}）" if r["night_mean"] is not None else ""))
        table_rows.append(["区域声环境", f"{r['day_points']}个网格", fmt(r["day_mean"], 1), f"{r['day_level_zh']}（{r['day_grade_zh']}）",
                           fmt(r["night_mean"], 1),
                           f"{r['night_level_zh']}（{r['night_grade_zh']}）" if r["night_mean"] is not None else DASH])
    if road.height:
        lengths = pl.DataFrame({"station_id": list(points), "length_km": [points[p].road_length_km for p in points]},
                               schema={"station_id": pl.String, "length_km": pl.Float64})
        road = road.join(lengths, on="station_id", how="left")
        r = noise.road_level(road).to_dicts()[0]
        out["summary"]["road"] = r
        words.append(f"道路交通声环境昼间长度加权平均等效声级为{fmt(r['day_mean'], 1)} dB(A)，质量等级为{r['day_level_zh']}"
                     f"（{r['day_grade_zh']}）" + (f"；夜间为{fmt(r['night_mean'], 1)} dB(A)，{r['night_level_zh']}"
                                                  f"（{r['night_grade_zh']}）" if r["night_mean"] is not None else ""))
        table_rows.append(["道路交通声环境", f"{r['day_points']}个路段，{fmt(r['length_km'], 1)} km", fmt(r["day_mean"], 1),
                           f"{r['day_level_zh']}（{r['day_grade_zh']}）", fmt(r["night_mean"], 1),
                           f"{r['night_level_zh']}（{r['night_grade_zh']}）" if r["night_mean"] is not None else DASH])
    if words:
        chap.para(f"{year}年，" + "；".join(words) + "。")
    if table_rows:
        notes = ["等级按HJ 640-2012划分：一级（好）、二级（较好）、三级（一般）、四级（较差）、五级（差）；平均等效声级保留一位小数，"
                 "按修约后的数值定级。区域声环境为各网格测点等效声级的算术平均，道路交通声环境为各路段等效声级按路段长度加权的平均。"]
        if grid.height and grid["ln"].null_count():
            notes.append(f"{grid['ln'].null_count()}个网格测点无夜间监测结果，不参加夜间平均。")
        chap.table(f"{year}年城市区域及道路交通声环境质量", ["类别", "监测规模", "昼间（dB(A)）", "昼间等级", "夜间（dB(A)）",
                                                "夜间等级"], table_rows, notes)

    # --- functional zones
    zones = _frame(results, points, "noise_zone_point")
    if zones.height:
        zones = zones.with_columns(pl.col("station_id").replace_strict(
            {p: points[p].zone_class for p in points if points[p].kind == "noise_zone_point"},
            default=None).alias("zone_class"))
        checked = noise.point_compliance(zones)
        rates = noise.zone_compliance_rates(checked)
        rows = []
        for r in rates.to_dicts():
            rows.append([r["zone_class_zh"], f"{r['day_compliant']}/{r['day_monitored']}", fmt(r["day_rate"], 1),
                         f"{r['night_compliant']}/{r['night_monitored']}", fmt(r["night_rate"], 1)])
        total = rates.filter(pl.col("zone_class") == "all").to_dicts()
        over = checked.filter((pl.col("ld_compliant") == False) | (pl.col("ln_compliant") == False))  # noqa: E712
        if total:
            t = total[0]
            chap.para(f"{year}年功能区声环境监测{zones['station_id'].n_unique()}个点位，昼间达标率{fmt(t['day_rate'], 1)}%，"
                      f"夜间达标率{fmt(t['night_rate'], 1)}%。"
                      + "".join(f"{points[r['station_id']].name}（{r['zone_class_zh'] if 'zone_class_zh' in r else r['zone_class']}类）"
                                f"{r['period']}" + ("昼间" + fmt(r["ld"], 1) + " dB(A)超过限值" + fmt(r["ld_limit"], 0)
                                                     if r["ld_compliant"] is False else "")
                                + ("夜间" + fmt(r["ln"], 1) + " dB(A)超过限值" + fmt(r["ln_limit"], 0)
                                   if r["ln_compliant"] is False else "") + "。"
                                for r in over.to_dicts()))
        chap.table(f"{year}年各类功能区声环境达标情况", ["功能区类别", "昼间达标点次/监测点次", "昼间达标率（%）",
                                             "夜间达标点次/监测点次", "夜间达标率（%）"], rows,
                   ["限值按GB 3096-2008表1：0类昼50/夜40，1类55/45，2类60/50，3类65/55，4a类70/55，4b类70/60 dB(A)；"
                    "等于限值为达标。达标率=达标点次/监测点次×100%（HJ 640-2012）；某类无监测时达标率记“—”。"])
        for r in over.to_dicts():
            what = "、".join(w for w, ok in (("昼间", r["ld_compliant"]), ("夜间", r["ln_compliant"])) if ok is False)
            out["exceedances"].append(Exceedance(f"annual-noise:{r['station_id']}:{r['period']}",
                                                 points[r["station_id"]].name,
                                                 f"{r['period']}{what}等效声级超过{r['zone_class']}类功能区限值"))
        out["summary"]["zones"] = rates.to_dicts()
        out["tables"]["功能区噪声达标"] = rates
    return out
