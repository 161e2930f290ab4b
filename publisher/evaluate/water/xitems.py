""""X" from the data: the Table 1 items a national section's own data show above its reference class."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate.water.classes import item_classes
from publisher.evaluate.water.items import _eval_rules, _frame_day, catalogue
from publisher.evaluate.water.stations import _meta


# --------------------------------------------------------------------------------------------- "X" from the data
_X_SCHEMA = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String, "value": pl.Float64,
             "reference_class": pl.Int8, "class": pl.Int8}


def _x_rules(day: dt.date) -> dict[str, dict[str, Any]]:
    """assessment name -> its ``x_from_data`` rule, for the item-set table in force on `day` (empty before 2021)."""
    try:
        table = standards.in_force("water_assessment", day)
    except StandardNotFound:
        return {}
    return {name: {**spec["x_from_data"], "base": list(spec["class_items"])} for name, spec in table["sets"].items()
            if spec.get("station_x") and spec.get("x_from_data")}


def _assessment_of(meta: pl.DataFrame, day: dt.date) -> dict[str, str | None]:
    """station_id -> its assessment on `day` (own field, else by kind, else the table's default)."""
    try:
        table = standards.in_force("water_assessment", day)
    except StandardNotFound:
        return {}
    by_kind, default = dict(table["by_kind"]), table["default_assessment"]
    return {r["station_id"]: r["assessment"] or by_kind.get(r["kind"] or "") or default
            for r in meta.select("station_id", "assessment", "kind").to_dicts()}


def x_exceedances(values: pl.DataFrame, stations: pl.DataFrame | None) -> pl.DataFrame:
    """The period values that put an item in a station's "X" ("十四五" national assessment: "5+X").

    "X为表1基本项目中上一年及当年出现过超过Ⅲ类标准限值的指标（考核目标为Ⅰ或Ⅱ类的，为超过Ⅰ或Ⅱ类标准限值的指标）"
    (``water_assessment › sets.national.x_from_data``): for the stations judged on "5+X" on the day of each value,
    every candidate item (a Table 1 class item other than the five always judged) whose period value is above the
    limit of Ⅲ, or of the target class when the target is Ⅰ or Ⅱ. A value below the detection limit never counts.

    Returns ``station_id, sampled_at, item, value, reference_class, class`` (one row per exceeding period value).
    """
    if values.height == 0:
        return pl.DataFrame(schema=_X_SCHEMA)
    meta = _meta(stations)
    days = sorted(set(values.get_column("sampled_at").dt.date().unique().to_list()))
    rows = []
    for day in days:
        rules = _x_rules(day)
        if not rules:
            continue
        assessment = _assessment_of(meta, day)
        for sid, name in assessment.items():
            rule = rules.get(name or "")
            if rule:
                for item in (c for c in rule["candidates"] if c not in rule["base"]):
                    rows.append({"day": day, "station_id": sid, "item": item,
                                 "_below": bool(rule.get("below_dl_counts", False))})
    if not rows:
        return pl.DataFrame(schema=_X_SCHEMA)
    wanted = pl.DataFrame(rows, schema={"day": pl.Date, "station_id": pl.String, "item": pl.String,
                                        "_below": pl.Boolean})
    default_ref = int(_eval_rules(_frame_day(values))["exceedance"]["reference_class"]["default"])
    targets = meta.select("station_id", pl.min_horizontal(pl.col("target_class").fill_null(default_ref),
                                                          pl.lit(default_ref, pl.Int8)).cast(pl.Int8)
                          .alias("reference_class"))
    frame = (values.select("station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type")
             .with_columns(pl.col("sampled_at").dt.date().alias("day"))
             .join(wanted, on=["day", "station_id", "item"], how="inner")
             .join(targets, on="station_id", how="left")
             .with_columns(pl.col("reference_class").fill_null(default_ref)))
    if frame.height == 0:
        return pl.DataFrame(schema=_X_SCHEMA)
    classed = item_classes(frame.with_columns(pl.col("reference_class").alias("target_class")))
    hit = classed.filter((pl.col("table") == "gb3838_t1") & (pl.col("class") > pl.col("reference_class"))
                         & (pl.col("_below") | ~pl.col("below_dl")))
    return hit.select(list(_X_SCHEMA)).cast(_X_SCHEMA).sort("station_id", "sampled_at", "item")


def x_items_from_data(values: pl.DataFrame, stations: pl.DataFrame | None) -> pl.DataFrame:
    """The "X" of each station and period of `values`: its official list (``x_items``) plus the items of
    :func:`x_exceedances` of the previous and the current year up to that period (the period itself included).

    Returns ``station_id, sampled_at, x_items`` (List[String], catalogue order) and ``x_data`` (the items the data
    added to the official list). Stations not judged on "5+X" keep their official list and add nothing.
    """
    schema = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "x_items": pl.List(pl.String),
              "x_data": pl.List(pl.String)}
    if values.height == 0:
        return pl.DataFrame(schema=schema)
    units = values.select("station_id", pl.col("sampled_at").cast(pl.Datetime("us"))).unique() \
        .sort("station_id", "sampled_at")
    meta = _meta(stations)
    official = units.join(meta.select("station_id", "x_items"), on="station_id", how="left").with_columns(
        pl.col("x_items").fill_null(pl.lit([], pl.List(pl.String))))
    hits = x_exceedances(values, stations).select("station_id", pl.col("sampled_at").alias("_when"), "item")
    years = {}
    for day in sorted(set(units.get_column("sampled_at").dt.date().to_list())):
        rule = next(iter(_x_rules(day).values()), None)
        years[day] = rule.get("years", ["previous", "current"]) if rule else []
    first_year = pl.col("sampled_at").dt.year() - pl.when(
        pl.col("sampled_at").dt.date().replace_strict({d: "previous" in y for d, y in years.items()},
                                                      default=False, return_dtype=pl.Boolean)).then(1).otherwise(0)
    found = (units.join(hits, on="station_id", how="inner")
             .filter((pl.col("_when") <= pl.col("sampled_at")) & (pl.col("_when").dt.year() >= first_year))
             .group_by("station_id", "sampled_at").agg(pl.col("item").unique().alias("_data")))
    order = {c: i for i, c in enumerate(catalogue())}
    out = official.join(found, on=["station_id", "sampled_at"], how="left").with_columns(
        pl.col("_data").fill_null(pl.lit([], pl.List(pl.String))))
    rows = []
    for r in out.to_dicts():
        own = list(dict.fromkeys(r["x_items"]))
        data = [c for c in r["_data"] if c not in own]
        key = lambda c: (order.get(c, len(order)), c)  # noqa: E731
        rows.append({"station_id": r["station_id"], "sampled_at": r["sampled_at"],
                     "x_items": sorted(set(own) | set(data), key=key), "x_data": sorted(data, key=key)})
    return pl.DataFrame(rows, schema=schema)


def with_x_items(values: pl.DataFrame, stations: pl.DataFrame | None) -> pl.DataFrame:
    """`values` with a per-row ``x_items`` column (:func:`x_items_from_data`), which :func:`evaluate` then uses
    instead of the stations' official lists."""
    x = x_items_from_data(values, stations).select("station_id", "sampled_at", "x_items")
    base = values.drop("x_items") if "x_items" in values.columns else values
    return base.join(x, on=["station_id", "sampled_at"], how="left", maintain_order="left").with_columns(
        pl.col("x_items").fill_null(pl.lit([], pl.List(pl.String))))
