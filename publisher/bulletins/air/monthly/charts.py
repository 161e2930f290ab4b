"""The month's charts of the region: good-day ratios, level days, concentrations, the ranking."""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher.bulletins.air import common as ac
from publisher.bulletins.air.monthly.context import AreaMonth, ComparisonRow
from publisher.periods import Period
from publisher.bulletins.air.monthly.words import STAT_SHORT_ZH, _md


def _region_charts(areas: list[AreaMonth], comparison: list[ComparisonRow], ly_month: dict, region: str,
                   period: Period, last_year: Period, source: str, levels: list[dict[str, Any]]) -> list[Any]:
    charts = []
    # a bar of the year to date that starts after 1 January says from when (the rows cover different days)
    ratio = pl.DataFrame([{"area": a.name if a.ytd_full or not a.ytd_first else
                           f"{a.name}\n（累计自{_md(a.ytd_first)}起）",
                           "month": (a.month or {}).get("good_day_ratio") if a.valid else None,
                           "ytd": (a.ytd or {}).get("good_day_ratio")} for a in areas if not a.same_as_region],
                         schema={"area": pl.String, "month": pl.Float64, "ytd": pl.Float64})
    charts.append(ac.chart("good-day-ratio", "good_day_ratio", {
        "frame": ratio, "labels": (f"{period.start.month}月", f"1—{period.start.month}月累计"),
        "title": f"{region}及所辖县（市、区）优良天数比例", "source": source}))
    level_rows = []
    for a in areas:
        if a.same_as_region:
            continue
        r = a.month or {}
        for k in range(1, 7):
            level_rows.append({"area": a.name, "level": k, "days": int(r.get(f"days_level{k}") or 0)})
        level_rows.append({"area": a.name, "level": 0, "days": a.days_without_valid_aqi})
    charts.append(ac.chart("level-days", "level_days_stacked", {
        "frame": pl.DataFrame(level_rows, schema={"area": pl.String, "level": pl.Int64, "days": pl.Int64}),
        "levels": levels, "title": f"{period.label_zh}各级别天数", "source": source}))
    reg_row = areas[0].month
    if reg_row:
        conc = []
        for c in areas[0].concentrations:
            if c["value"] is None:
                continue  # a statistic without enough valid days is not drawn
            item = {"pollutant": c["code"].replace("_p95", "").replace("_p90", ""), "value": c["value"],
                    "limit": c["limit"], "previous": (ly_month.get(region) or {}).get(c["code"])}
            item["label"] = {"co_p95": "CO", "o3_8h_p90": "O₃-8h"}.get(c["code"])
            item["unit"] = f"{STAT_SHORT_ZH[c['code']]}\n{c['unit']}"
            conc.append(item)
        schema = {"pollutant": pl.String, "value": pl.Float64, "limit": pl.Float64, "previous": pl.Float64,
                  "label": pl.String, "unit": pl.String}
        frame = pl.DataFrame(conc, schema=schema)
        if not ly_month.get(region):  # no bar, and no legend entry, for a year without data
            frame = frame.drop("previous")
        if frame.height:
            charts.append(ac.chart("concentrations", "pollutant_concentrations", {
                "frame": frame, "labels": (period.label_zh, last_year.label_zh),
                "title": f"{region}{period.label_zh}各项污染物浓度与二级标准限值", "source": source}))
    ranked = [{"area": c.name, "index": c.row["composite_index"], "rank": c.rank} for c in comparison
              if c.rank_value is not None]
    if ranked:
        charts.append(ac.chart("ranking", "composite_index_ranking", {
            "frame": pl.DataFrame(ranked, schema={"area": pl.String, "index": pl.Float64, "rank": pl.String}),
            "highlight": region,
            "title": f"{period.label_zh}环境空气质量综合指数排名（由小到大）", "source": source}))
    return charts
