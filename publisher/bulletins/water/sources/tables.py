"""The sources' data files: the main table and the results table (shared with the sections)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.water import common as wc
from publisher.evaluate import water


# --------------------------------------------------------------------------------------------- tables
MAIN_COLUMNS = ["序号", "县（市、区）", "水源名称", "水源类型", "水质目标", "水质类别", "达标情况",
                "超标指标及超标倍数", "取水量（万吨）", "取水量来源"]


def _main_table(rows: list[dict[str, Any]], volume_zh: str) -> pl.DataFrame:
    """The published table; every figure as the page prints it (取水量 with its one decimal, as text)."""
    data = [[r["seq"], r["county"], r["name"], r["type_zh"], r["target_zh"], r["class_zh"], r["compliance_zh"],
             r["exceedances_zh"], r["volume_zh"], r["volume_source_zh"]] for r in rows]
    schema = {"序号": pl.Int64, "县（市、区）": pl.String, "水源名称": pl.String, "水源类型": pl.String,
              "水质目标": pl.String, "水质类别": pl.String, "达标情况": pl.String,
              "超标指标及超标倍数": pl.String, volume_zh: pl.String, "取水量来源": pl.String}
    return pl.DataFrame(data, schema=schema, orient="row")


def results_table(values: pl.DataFrame, stations: list, day: dt.date) -> pl.DataFrame:
    """Every item of every source in the period: value as printed (``0.01L`` below DL), unit, class; groundwater
    indices by their GB/T 14848 names."""
    schema = {"水源名称": pl.String, "监测项目": pl.String, "单位": pl.String, "监测值": pl.String,
              "采样次数": pl.Int64, "单项水质类别": pl.String, "是否超标": pl.String}
    if values.height == 0:
        return pl.DataFrame(schema=schema)
    targets = {s.id: water.class_number(s.target_class) for s in stations}
    names = {s.id: s.name for s in stations}
    ground = {s.id for s in stations if s.waterbody_type == "groundwater"}
    order = {s.id: i for i, s in enumerate(stations)}
    classed = water.item_classes(values.with_columns(
        pl.col("station_id").replace_strict(targets, default=None, return_dtype=pl.Int8).alias("target_class")))
    cat_order = {c: i for i, c in enumerate(water.catalogue())}
    rows = []
    for r in sorted(classed.to_dicts(), key=lambda r: (order.get(r["station_id"], 99),
                                                      cat_order.get(r["item"], 9999), r["item"])):
        rows.append([
            names.get(r["station_id"], r["station_id"]), wc.item_label(r["item"], r["station_id"] in ground, day),
            wc.item_unit(r["item"]),
            water.format_value(r["value"], r["below_dl"], None if r["below_dl"] else
                               water.report_decimals(r["item"], day)),
            r["n_samples"], water.class_label(r["class"]) or "",
            "" if r["exceeds"] is None else ("超标" if r["exceeds"] else "否"),
        ])
    return pl.DataFrame(rows, schema=schema, orient="row")
