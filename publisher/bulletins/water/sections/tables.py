"""The sections' data files: sections, rivers, basins, lakes and the results of the month."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.water import common as wc
from publisher.bulletins.water.sections.context import SectionRow
from publisher.bulletins.water import sources


# --------------------------------------------------------------------------------------------- tables
def _sections_table(rows: list[SectionRow]) -> pl.DataFrame:
    schema = {"序号": pl.Int64, "河流": pl.String, "流域": pl.String, "断面名称": pl.String, "断面级别": pl.String,
              "评价指标": pl.String, "水质目标": pl.String, "本月水质类别": pl.String, "上月水质类别": pl.String,
              "上年同期水质类别": pl.String, "达标情况": pl.String, "超标指标及超标倍数": pl.String}
    data = [[r.seq, r.river, r.basin, r.name, r.level_zh, r.basis_zh, r.target_zh, r.class_zh,
             r.prev_zh, r.ly_zh, r.compliance_zh, r.exceedances_zh] for r in rows]
    return pl.DataFrame(data, schema=schema, orient="row")


def _share_text(value: float | None) -> str:
    """A share as the page prints it: one decimal, ``—`` when there is none."""
    return wc.DASH if value is None else f"{value:.1f}"


def _groups_table(groups: list[dict[str, Any]], label: str) -> pl.DataFrame:
    schema = {label: pl.String, "断面数（个）": pl.Int64, "Ⅰ～Ⅲ类断面比例（%）": pl.String, "劣Ⅴ类断面比例（%）": pl.String,
              "评价方法": pl.String, "水质类别": pl.String, "水质状况": pl.String, "主要污染指标": pl.String,
              "上月水质状况": pl.String, "与上月比较": pl.String, "上年同期水质状况": pl.String,
              "与上年同期比较": pl.String}
    data = [[g["name"], g["n_sections"], _share_text(g["share_good"]), _share_text(g["share_bad"]), g["method_zh"],
             g["class_zh"], g["status"], g["main_pollutants_zh"], g.get("previous_status") or wc.DASH,
             g.get("previous_change") or wc.DASH, g.get("last_year_status") or wc.DASH,
             g.get("last_year_change") or wc.DASH] for g in groups]
    return pl.DataFrame(data, schema=schema, orient="row")


def _lakes_table(cur: dict[str, Any]) -> pl.DataFrame:
    schema = {"湖库": pl.String, "点位": pl.String, "水质目标": pl.String, "水质类别": pl.String, "水质状况": pl.String,
              "总氮水质类别（单独评价）": pl.String, "综合营养状态指数": pl.String, "营养状态": pl.String,
              "主要污染指标": pl.String}
    data = []
    for p in cur["lake_points"]:
        data.append([p["lake"], p["name"], p["target_zh"], p["class_zh"],
                     p["status"] or (wc.NOT_MONITORED if p["missing"] else ""),
                     wc.class_plain(p["tn_class"]), p["tli_zh"], p["trophic_state"] or wc.DASH,
                     p["main_pollutants_zh"]])
    for lake in cur["lakes"]:
        data.append([lake["name"], f"全湖平均（{lake['n_points']}个点位）", wc.DASH, lake["class_zh"], lake["status"],
                     wc.class_plain(lake["tn_class"]), lake["tli_zh"], lake["trophic_state"] or wc.DASH,
                     lake["main_pollutants_zh"]])
    return pl.DataFrame(data, schema=schema, orient="row")


def _results_table(values: pl.DataFrame, stations: list, day: dt.date) -> pl.DataFrame:
    """The sources' results table (one layout for both), its name column named for sections and lakes."""
    return sources.results_table(values.drop("x_items", strict=False), stations, day).rename({"水源名称": "断面（点位）名称"})
