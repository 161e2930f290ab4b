"""The month's data files (data.xlsx sheets, data.csv the first): full headers, numbers as printed."""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher.bulletins.air import common as ac
from publisher.bulletins.air.monthly.context import AreaMonth, ComparisonRow
from publisher.periods import Period
from publisher.bulletins.air.monthly.words import STAT_LABEL_ZH, _md


def _tables(areas: list[AreaMonth], comparison: list[ComparisonRow], period: Period,
            conf: ac.Settings) -> dict[str, pl.DataFrame]:
    """The data files: full column headers, numbers as the page prints them (text with fixed decimals)."""
    m = period.start.month
    stat_cols = {c: f"{STAT_LABEL_ZH[c]}（{ac.unit_of(c)}）" for c in ac.PERIOD_STATS}
    levels = ac.levels_table(period.end)
    rows = []
    for a in areas:
        r = a.month or {}
        y = a.ytd or {}
        ch = a.yoy or {}
        row: dict[str, Any] = {
            "地区": a.name, "统计时段": period.label_zh, "统计日期": a.span, "数据性质": ac.DATA_LABEL,
            "样例数据": "是" if a.sample else "否", "有效监测天数": r.get("valid_days"),
            "优良天数": r.get("good_days"),
            "优良天数比例（%）": ac.fmt(r.get("good_day_ratio"), 1) if r and a.valid else None}
        for item in levels:
            row[f"{item['category_zh']}天数"] = r.get(f"days_level{item['level']}")
        row["无有效AQI天数"] = a.days_without_valid_aqi if a.has_data else period.days
        for c in a.concentrations:
            row[stat_cols[c["code"]]] = None if c["text"] == "—" else c["text"]
        row["环境空气质量综合指数"] = None if a.composite_text == "—" else a.composite_text
        row["最大单项指数污染物"] = None if a.composite_primary == "—" or not a.valid else a.composite_primary
        row["排名"] = r.get("rank")
        row["排名范围"] = conf.ranking_name if a.is_region else ("县（市、区）" if r.get("rank") else None)
        row[f"1—{m}月累计统计日期"] = a.ytd_span if a.ytd else None
        row[f"1—{m}月累计有效监测天数"] = y.get("valid_days")
        row[f"1—{m}月累计优良天数比例（%）"] = ac.fmt(y.get("good_day_ratio"), 1) if y else None
        row["优良天数比例同比变化（百分点）"] = ac.fmt(ch.get("good_day_ratio_change"), 1) if ch else None
        row["综合指数同比变化（%）"] = ac.fmt(ch.get("composite_index_change"), 1) if ch else None
        row["沙尘"] = r.get("dust")
        row["数据有效性"] = "；".join(n.text for n in a.shortfalls) or ("满足" if a.has_data else "无监测数据")
        rows.append(row)
    summary = pl.DataFrame(rows, infer_schema_length=None)
    comp_rows = []
    for c in comparison:
        r = c.row or {}
        comp_rows.append({"排名": c.rank if c.rank_value is not None else None, "城市": c.name,
                          "环境空气质量综合指数": c.composite_index if r else None,
                          "最大单项指数污染物": None if c.composite_primary == "—" else c.composite_primary,
                          "优良天数比例（%）": c.good_day_ratio if r else None, "有效监测天数": r.get("valid_days"),
                          **{stat_cols[k]: (c.cells[k] if r else None) for k in ac.PERIOD_STATS},
                          "综合指数同比变化（%）": None if c.index_change == "—" else c.index_change,
                          "未参与排名原因": "；".join(n.text for n in c.lacking) or None})
    ranking = pl.DataFrame(comp_rows, infer_schema_length=None)
    daily_rows = []
    for a in areas:
        for d in a.days:
            daily_rows.append({"地区": a.name, "日期": f"{period.start.year}年{_md(d['date'])}", "AQI": d["aqi"],
                               "级别": ac.LEVEL_WORDS.get(d["level"]) if d["aqi"] is not None else None,
                               "类别": d["category"] if d["aqi"] is not None else None,
                               "首要污染物": d["primary"] if d["aqi"] is not None else None,
                               "状态": d["status"], "有效数据不足的项目": d.get("invalid_zh") or None})
    daily = pl.DataFrame(daily_rows, schema={"地区": pl.String, "日期": pl.String, "AQI": pl.Int64, "级别": pl.String,
                                             "类别": pl.String, "首要污染物": pl.String, "状态": pl.String,
                                             "有效数据不足的项目": pl.String})
    return {"各地区月统计": summary, f"{conf.ranking_name}综合指数排名"[:31]: ranking, "逐日AQI": daily}
