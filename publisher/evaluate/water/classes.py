"""Item classes: each measured value against the GB 3838-2002 / GB/T 14848-2017 limits in force on its
day (class, reference limit, exceedance, multiple)."""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher.evaluate.water._codes import (
    N_CLASSES, _CLASS_TABLE_CODES, _DIRECTION_CODE, _GROUND, _TABLE_NAMES, _groups, _item_codes, _limit_lookup,
    _no_multiple, _time_tables, _wb_codes)
from publisher.evaluate.water.items import _eval_rules, _frame_day


def _classify(frame: pl.DataFrame, exc_rules: Any) -> pl.DataFrame:
    """``class``, ``ref_limit``, ``exceeds``, ``multiple`` and ``main_multiple`` of rows carrying ``value``,
    ``below_dl``, ``target_class`` (Int8), ``_nomult`` and the limit columns (:func:`_limit_lookup`)."""
    default_ref = int(exc_rules["reference_class"]["default"])
    v = pl.col("value")
    is_class = pl.col("table").is_in(_CLASS_TABLE_CODES)
    is_max = pl.col("direction") == _DIRECTION_CODE["max"]
    is_single = pl.col("direction") == _DIRECTION_CODE["single"]
    klass: Any = pl.when(pl.col("class1_only_below_dl") & pl.col("below_dl")).then(pl.lit(1, pl.Int8))
    for k in range(1, N_CLASSES + 1):
        klass = klass.when((v >= pl.col(f"lo{k}")) & (v <= pl.col(f"hi{k}"))).then(pl.lit(k, pl.Int8))
    klass = klass.otherwise(pl.col("worst"))
    frame = frame.with_columns(pl.when(is_class).then(klass).otherwise(None).cast(pl.Int8).alias("class"))
    # the reference class: the station's target when the rule says so and there is one, else the default (Ⅲ)
    ref = pl.coalesce(pl.col("target_class"), pl.lit(default_ref, pl.Int8)) \
        if exc_rules["reference_class"].get("target") else pl.lit(default_ref, pl.Int8)
    hi_at_ref: Any = pl.col(f"hi{N_CLASSES}")
    for k in range(N_CLASSES - 1, 0, -1):
        hi_at_ref = pl.when(ref == k).then(pl.col(f"hi{k}")).otherwise(hi_at_ref)
    frame = frame.with_columns(
        pl.when(is_class & is_max).then(hi_at_ref)
        .when(is_single).then(pl.col("single_limit"))
        .otherwise(None).alias("ref_limit"),
        pl.when(is_class).then(pl.col("class") > ref)
        .when(is_single).then(v > pl.col("single_limit"))
        .otherwise(None).alias("exceeds"),
    )
    # main pollutants are a method concept (worse than Ⅲ): their multiple is against Ⅲ, or against a stricter
    # (Ⅰ/Ⅱ) target; `multiple` (exceedances of the target) is against the target class itself
    main_ref = pl.min_horizontal(ref, pl.lit(default_ref, pl.Int8))
    hi_at_main: Any = pl.col(f"hi{default_ref}")
    for k in range(default_ref - 1, 0, -1):
        hi_at_main = pl.when(main_ref == k).then(pl.col(f"hi{k}")).otherwise(hi_at_main)
    can = ~pl.col("below_dl") & ~pl.col("_nomult")
    return frame.with_columns(
        pl.when(pl.col("exceeds") & can & pl.col("ref_limit").is_not_null() & (pl.col("ref_limit") > 0)
                & pl.col("ref_limit").is_finite())
        .then(v / pl.col("ref_limit") - 1).otherwise(None).alias("multiple"),
        pl.when(is_class & is_max & can & (v > hi_at_main) & (hi_at_main > 0))
        .then(v / hi_at_main - 1).otherwise(None).alias("main_multiple"),
    )


# --------------------------------------------------------------------------------------------- item classes
def item_classes(samples: pl.DataFrame) -> pl.DataFrame:
    """Class of every item of every sample (GB 3838-2002 Table 1 / GB/T 14848-2017), and exceedances.

    Parameters
    ----------
    samples : pl.DataFrame
        ``station_id, sampled_at, item, value, below_dl, waterbody_type`` and optionally ``target_class``
        (Int, 1..5). `waterbody_type` must be resolved (``river | lake | groundwater``).

    Returns
    -------
    pl.DataFrame
        The input plus ``std_id`` (table in force on the day), ``table`` (``gb3838_t1 | gb3838_t2 |
        gb3838_t3 | gb14848``; null when the item has no limit for that water body), ``class`` (Int8: 1..6 for
        surface water, 6 = 劣Ⅴ; 1..5 for groundwater; null for single-limit and unclassified items),
        ``ref_limit`` (the limit S the 超标倍数 is computed against), ``exceeds`` (Boolean) and ``multiple``
        (超标倍数 = C/S − 1, null when not exceeding, for items without multiple, or below DL).

    Notes
    -----
    * GB 3838-2002 Table 1: a value belongs to the best class whose limit it meets (equal limits → the
      better class, 从优不从劣); DO is a minimum; pH outside 6–9 is 劣Ⅴ; TP has river and lake rows; TN has
      lake limits only (rivers get no TN class).
    * GB/T 14848-2017: classes Ⅰ–Ⅳ by limit, Ⅴ beyond Ⅳ; pH by ranges; 阴离子表面活性剂 Ⅰ only when not
      detected.
    * A below-DL result is classified by its DL (``water_eval › below_detection_limit``).
    * S = the limit of the station's target class (``target_class``), Ⅲ when none (``water_eval ›
      exceedance``); Table 2/3 items: their single limit. No multiple for 水温, pH, DO.
    """
    exceedance = _eval_rules(_frame_day(samples))["exceedance"]
    frame = samples
    if "target_class" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int8).alias("target_class"))
    frame = frame.with_columns(pl.col("target_class").cast(pl.Int8))
    added = {"std_id": pl.String, "table": pl.String, "class": pl.Int8, "ref_limit": pl.Float64,
             "exceeds": pl.Boolean, "multiple": pl.Float64, "main_multiple": pl.Float64}
    if frame.height == 0:
        return frame.with_columns([pl.lit(None, dtype).alias(c) for c, dtype in added.items()])
    time_code, times, _ = _groups(frame, ["sampled_at"])
    tables = _time_tables(times.get_column("sampled_at"))
    std_ids = sorted({s for s in tables.get_column("surface").to_list() + tables.get_column("ground").to_list() if s})
    std_code = {s: i for i, s in enumerate(std_ids)}
    surface = tables.get_column("surface").replace_strict(std_code, default=None, return_dtype=pl.UInt32)
    ground = tables.get_column("ground").replace_strict(std_code, default=None, return_dtype=pl.UInt32)
    wb = _wb_codes(frame.get_column("waterbody_type"), normalise=False)
    item, vocab = _item_codes(frame.get_column("item"))
    std = pl.select(pl.when(pl.lit(wb) == _GROUND).then(ground.gather(time_code))
                    .otherwise(surface.gather(time_code))).to_series()
    key = pl.select(pl.when(pl.lit(wb) < 3).then((pl.lit(std).cast(pl.Int64) * 3 + pl.lit(wb)) * len(vocab)
                                                 + pl.lit(item))).to_series()
    limits = _limit_lookup(tuple(std_ids), tuple(vocab)).select(pl.all().gather(pl.lit(key)))
    work = pl.DataFrame([frame.get_column("value"), frame.get_column("below_dl"),
                         frame.get_column("target_class"), _no_multiple(vocab, exceedance).gather(item).alias("_nomult")]) \
        .hstack(limits)
    work = _classify(work, exceedance)
    std_names = pl.Series(std_ids, dtype=pl.String)
    return frame.with_columns(
        std_names.gather(std).alias("std_id"),
        pl.Series(_TABLE_NAMES, dtype=pl.String).gather(work.get_column("table")).alias("table"),
        *[work.get_column(c) for c in ("class", "ref_limit", "exceeds", "multiple", "main_multiple")],
    )
