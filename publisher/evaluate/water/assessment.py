"""Station classes, status words, main pollutants and compliance (GB 3838-2002, GB/T 14848-2017,
环办〔2011〕22号)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.evaluate.water._codes import (
    _CLASS_TABLE_CODES, _GROUND, _LIMIT_COLS, _Rows, _SINGLE_TABLE_CODES, _TABLE_CODE, _WB_CODE, _WB_NAMES,
    _first_table, _groups, _in_x_items, _item_codes, _limit_lookup, _no_multiple, _remember, _time_tables,
    _wb_codes)
from publisher.evaluate.water.classes import _classify
from publisher.evaluate.water.items import _eval_rules, _frame_day, catalogue, item_name
from publisher.evaluate.water.multiples import _pollutant_text
from publisher.evaluate.water.stations import _assessment_rows, _kind_assessment, _meta
from publisher.evaluate.water.trophic import trophic_state


def evaluate(samples: pl.DataFrame, stations: pl.DataFrame | None = None,
             assessment: str | None = None, *, multiple_decimals: int | None = None) -> pl.DataFrame:
    """Class, status, compliance and main pollutants of each station and sampling time (or period).

    Parameters
    ----------
    samples : pl.DataFrame
        Long water frame (single samples or :func:`period_values`), ``waterbody_type`` resolved.
    stations : pl.DataFrame, optional
        Station metadata (see module docstring). Stations missing from it are evaluated with the default
        assessment of the item-set table and no target class.
    assessment : str, optional
        Force one assessment (``national | provincial | source``) for every station.
    multiple_decimals : int, optional
        Print every 超标倍数 of the texts with this many decimals (a value still too small prints as ``<0.01``);
        default: ``water_eval › exceedance`` (1 decimal, 2 for a multiple that would print as zero). A bulletin
        passes the one precision it prints all its multiples with (:func:`multiple_places`).

    Returns
    -------
    pl.DataFrame
        One row per ``station_id, sampled_at``: ``water_class`` (Int8), ``status``, ``target_class`` (Int8),
        ``compliant``, ``main_pollutants``, ``exceedances``, ``assessment``, ``waterbody_type``,
        ``items_evaluated``, ``n_items``, ``class_items`` (items at the worst class), ``tn_class``,
        ``tli``, ``trophic_state``, ``notes``.

    Notes
    -----
    * Item set (``water_assessment`` in force on the day): ``national`` from 2021-01-01 = pH, DO, CODMn,
      NH3-N, TP + the station's X items; ``provincial`` = the 21 items of 环办〔2011〕22号; ``source`` = the
      21 items + Table 2 + Table 3 items measured. Groundwater: every GB/T 14848-2017 index measured. Only
      items present are evaluated (listed in ``items_evaluated``).
    * Class: single-factor method, the worst item class. Status: ``water_eval › status``.
    * Compliance: class ≤ target and no Table 2/3 exceedance; drinking sources without a target use Ⅲ
      (``water_eval › drinking_source``); other stations without a target: null.
    * Main pollutants (class worse than Ⅲ only): up to three items worse than Ⅲ, worst class first, then larger
      超标倍数, written ``氨氮/1.3、总磷/0.6`` (pH, DO: name only; multiples by :func:`format_multiple`).
      ``exceedances`` lists every item above the target-class (or Ⅲ, or Table 2/3) limit in the same order and
      format.
    """
    if samples.height == 0:
        return _empty_result()
    rows = _evaluated_rows(samples, stations, assessment)
    out = _summarise(rows, multiple_decimals, _frame_day(samples))
    _remember(out, samples, rows.bad)
    return out


def _unit_context(units: pl.DataFrame, stations: pl.DataFrame | None, assessment: str | None) -> pl.DataFrame:
    """Target class, assessment, assessment table and the tables in force, for each row of `units` (station,
    time and any per-row ``target_class / assessment / kind / x_items`` of the samples)."""
    frame = units.join(_meta(stations), on="station_id", how="left", maintain_order="left")
    days = frame.select(pl.col("sampled_at").dt.date().unique())["sampled_at"].to_list()
    days_frame, _ = _assessment_rows(days)
    kind_map = _kind_assessment(days)
    frame = frame.with_columns(pl.col("sampled_at").dt.date().alias("day")).join(
        days_frame, on="day", how="left", maintain_order="left")
    kind_assess = pl.col("kind").replace_strict(kind_map, default=None, return_dtype=pl.String) \
        if kind_map else pl.lit(None, pl.String)
    chosen = pl.lit(assessment, pl.String) if assessment else \
        pl.coalesce(pl.col("assessment"), kind_assess, pl.col("default_assessment"))
    frame = frame.with_columns(chosen.alias("assessment"))
    src_rules = _eval_rules(_frame_day(units))["drinking_source"]
    tables = _time_tables(frame.get_column("sampled_at"))
    return frame.with_columns(
        pl.when(pl.col("target_class").is_null() & (pl.col("assessment") == "source"))
        .then(pl.lit(int(src_rules["default_target_class"]), pl.Int8))
        .otherwise(pl.col("target_class")).cast(pl.Int8).alias("target_class"),
        tables.get_column("surface"), tables.get_column("ground"),
    ).select("target_class", "assessment", "assess_id", "x_items", "surface", "ground")


def _evaluated_rows(samples: pl.DataFrame, stations: pl.DataFrame | None, assessment: str | None,
                    summaries: bool = True) -> _Rows:
    """Classify the items of `samples` as :func:`evaluate` judges them.

    The context of a row (target class, assessment, item sets, tables in force) depends on its station and
    time only (or on the samples' own ``target_class / assessment / kind / x_items`` columns, when they have
    them); it is worked out once per (station, time) group, the groups with the same context share a profile,
    and a row's profile, water-body type and item code give its position in a lookup table of limits and
    item-set roles. Only the rows that are evaluated, or that carry a lake's TN, are classified.
    """
    n = samples.height
    gid, groups, first_row = _groups(samples, ["station_id", "sampled_at"])
    item, vocab = _item_codes(samples.get_column("item"))
    ni = len(vocab)
    wb = _wb_codes(samples.get_column("waterbody_type"), normalise=True)

    # the context of each unit: a (station, time) group, or each row when the samples carry their own
    own = [c for c in ("target_class", "assessment", "kind", "x_items") if c in samples.columns]
    if own:
        units = samples.select("station_id", "sampled_at", *own)
        unit = pl.int_range(n, dtype=pl.UInt32, eager=True)
    else:
        units, unit = groups, gid
    context = _unit_context(units, stations, assessment)
    days = units.select(pl.col("sampled_at").dt.date().unique())["sampled_at"].to_list()
    _, sets = _assessment_rows(days)
    profile_cols = ["assess_id", "assessment", "target_class", "surface", "ground"]
    profile_of_unit, profiles, _ = _groups(context, profile_cols)
    std_ids = sorted({s for c in ("surface", "ground") for s in profiles.get_column(c).to_list() if s})
    std_code = {s: i for i, s in enumerate(std_ids)}

    # lookup table: one row per (profile, water-body code 0..3, item code), at that position
    rules = _eval_rules(_frame_day(samples))
    no_multiple = _no_multiple(vocab, rules["exceedance"])
    tn_for = [_WB_CODE[w] for w in rules["reference_items"]["tn_separately_for"] if w in _WB_CODE]
    tli_items = list(rules["trophic_state"]["items"])
    table = (
        profiles.with_row_index("_p")
        .join(pl.DataFrame({"_wb": pl.Series(range(4), dtype=pl.UInt8)}), how="cross")
        .join(pl.DataFrame({"_item": pl.Series(range(ni), dtype=pl.UInt32),
                            "item": pl.Series(vocab, dtype=pl.String), "_nomult": no_multiple}), how="cross")
        .with_columns(((pl.col("_p").cast(pl.Int64) * 4 + pl.col("_wb")) * ni + pl.col("_item")).alias("_key"))
        .sort("_key")
    )
    std = pl.when(pl.col("_wb") == _GROUND).then(pl.col("ground")).otherwise(pl.col("surface")) \
        .replace_strict(std_code, default=None, return_dtype=pl.Int64)
    limit_key = table.select(pl.when(pl.col("_wb") < 3).then((std * 3 + pl.col("_wb")) * ni + pl.col("_item"))) \
        .to_series()
    table = table.hstack(_limit_lookup(tuple(std_ids), tuple(vocab)).select(pl.all().gather(pl.lit(limit_key))))
    class_sets = sets.filter(pl.col("role") == "class").select(
        "assess_id", "assessment", "item", pl.lit(True).alias("_in_set"))
    single_sets = sets.filter(pl.col("role") == "single").select(
        "assess_id", "assessment", pl.col("item").str.slice(1).replace_strict(_TABLE_CODE, return_dtype=pl.UInt8)
        .alias("table"), pl.lit(True).alias("_single"))
    x_sets = sets.filter(pl.col("role") == "x").select("assess_id", "assessment", pl.lit(True).alias("_x"))
    table = (
        table.join(class_sets, on=["assess_id", "assessment", "item"], how="left", maintain_order="left")
        .join(single_sets, on=["assess_id", "assessment", "table"], how="left", maintain_order="left")
        .join(x_sets, on=["assess_id", "assessment"], how="left", maintain_order="left")
    )
    ground_wb = pl.col("_wb") == _GROUND
    t1 = pl.col("table") == _TABLE_CODE["gb3838_t1"]
    table = table.with_columns(
        pl.when(ground_wb).then(pl.col("table") == _TABLE_CODE["gb14848"])
        .otherwise((t1 & pl.col("_in_set").fill_null(False)) | pl.col("_single").fill_null(False))
        .fill_null(False).alias("_base_ev"),
        (~ground_wb & t1 & pl.col("_x").fill_null(False)).fill_null(False).alias("_x_ev"),
        ((pl.col("item") == "tn") & pl.col("_wb").is_in(tn_for)).fill_null(False).alias("_tn"),
        ((pl.col("_wb") == _WB_CODE["lake"]) & pl.col("item").is_in(tli_items)).fill_null(False).alias("_tli"),
    )

    # each row: its position in the table, whether it is evaluated (X items: the station's list), kept rows
    profile = profile_of_unit.gather(unit)
    key = pl.select((pl.lit(profile).cast(pl.Int64) * 4 + pl.lit(wb)) * ni + pl.lit(item)).to_series()
    flags = table.select(pl.col("_base_ev", "_x_ev", "_tn", "_tli").gather(pl.lit(key)))
    evaluated = flags.get_column("_base_ev")
    if flags.get_column("_x_ev").any():
        evaluated = evaluated | (flags.get_column("_x_ev") & _in_x_items(context, unit, item, vocab))
    rows = pl.DataFrame([gid.alias("gid"), key.alias("_key"), item.alias("_item"),
                         samples.get_column("value"), samples.get_column("below_dl"), evaluated.alias("ev"),
                         flags.get_column("_tn")])
    rows = rows.filter(pl.col("ev") | pl.col("_tn"))
    rows = rows.hstack(table.select(pl.col("target_class", "_nomult", *_LIMIT_COLS)
                                    .gather(pl.lit(rows.get_column("_key")))))
    rows = _classify(rows, rules["exceedance"]).select("gid", "_item", "ev", "_tn", "table", "class", "exceeds", "multiple",
                                  "main_multiple")
    limit_class = int(rules["main_pollutants"]["when_class_worse_than"])
    ev = rows.filter(pl.col("ev"))
    cand = ev.filter(pl.col("table").is_in(_CLASS_TABLE_CODES) & (pl.col("class") > limit_class))
    bad = groups.select(pl.all().gather(pl.lit(cand.get_column("gid")))) \
        .with_columns(pl.Series(vocab, dtype=pl.String).gather(cand.get_column("_item")).alias("item"),
                      cand.get_column("class"), cand.get_column("main_multiple")) \
        .drop_nulls(["station_id", "sampled_at"])
    if not summaries:
        return _Rows(bad=bad)

    # group level: the first row's water-body type, target class and assessment; the first table in force
    first_unit = unit.gather(first_row)
    first_wb = wb.gather(first_row)
    ctx_first = context.select(pl.all().gather(pl.lit(first_unit)))
    std_first = ctx_first.select(pl.when(pl.lit(first_wb) == _GROUND).then(pl.col("ground"))
                                 .otherwise(pl.col("surface"))).to_series()
    if std_first.null_count() and wb.n_unique() > 1:
        std_first = _first_table(std_first, gid, wb, context, unit)
    base = groups.with_columns(
        pl.Series(_WB_NAMES, dtype=pl.String).gather(first_wb).alias("waterbody_type"),
        ctx_first.get_column("target_class"), ctx_first.get_column("assessment"), std_first.alias("std_id"),
    ).with_row_index("gid")
    tli = samples.filter(flags.get_column("_tli"))
    return _Rows(base=base, rows=rows, ev=ev, cand=cand, bad=bad, tli=tli, vocab=vocab)


def _empty_result() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "station_id": pl.String, "sampled_at": pl.Datetime("us"), "water_class": pl.Int8, "status": pl.String,
        "target_class": pl.Int8, "compliant": pl.Boolean, "main_pollutants": pl.String,
        "exceedances": pl.String, "assessment": pl.String, "waterbody_type": pl.String,
        "items_evaluated": pl.String, "n_items": pl.Int64, "class_items": pl.String, "tn_class": pl.Int8,
        "tli": pl.Float64, "trophic_state": pl.String, "notes": pl.String})


def _summarise(parts: _Rows, places: int | None = None, day: dt.date | None = None) -> pl.DataFrame:
    rules = _eval_rules(day)
    exc, mp = rules["exceedance"], rules["main_pollutants"]
    sep = exc["separator"]
    keys = ["station_id", "sampled_at"]
    vocab = parts.vocab
    n_cat = len(catalogue())
    codes = pl.Series(vocab, dtype=pl.String)
    order = pl.Series([min(i, n_cat) for i in range(len(vocab))], dtype=pl.UInt32)
    names = pl.Series([item_name(c) if c is not None else None for c in vocab], dtype=pl.String)
    is_class = pl.col("table").is_in(_CLASS_TABLE_CODES)
    # evaluated items of each group in catalogue order: items_evaluated, the worst class and the items at it
    ev = parts.ev.with_columns(pl.lit(order).gather(pl.col("_item")).alias("_ord"),
                               pl.lit(codes).gather(pl.col("_item")).alias("item"))
    ev = ev.sort(pl.col("gid").cast(pl.Int64) * (n_cat + 1) + pl.col("_ord"))
    agg = ev.group_by("gid").agg(
        pl.col("item").alias("items_evaluated"), pl.len().cast(pl.Int64).alias("n_items"),
        pl.col("class").filter(is_class).max().alias("water_class"),
        pl.col("exceeds").filter(pl.col("table").is_in(_SINGLE_TABLE_CODES)).any().alias("_single_exceeds"),
    )
    group_class = pl.Series([None] * parts.base.height, dtype=pl.Int8).scatter(
        agg.get_column("gid"), agg.get_column("water_class"))
    worst = ev.filter(is_class & (pl.col("class") == pl.lit(group_class).gather(pl.col("gid")))) \
        .group_by("gid").agg(pl.col("item").alias("class_items"))
    agg = agg.join(worst, on="gid", how="left").with_columns(
        pl.col("items_evaluated").list.join(","), pl.col("class_items").list.join(","))
    # main pollutants: class worse than Ⅲ; top N by class desc, multiple desc, then catalogue order. A group without
    # a station id or a time matches no evaluated item (its results stay empty): its texts are not written
    keyed = pl.col("station_id").is_not_null() & pl.col("sampled_at").is_not_null()
    written = pl.lit(parts.base.select(keyed).to_series()).gather(pl.col("gid"))
    named = [pl.lit(names).gather(pl.col("_item")).alias("_name"), pl.lit(order).gather(pl.col("_item")).alias("_ord")]
    cand = parts.cand.filter(written).with_columns(
        *named, pl.lit(codes).gather(pl.col("_item")).is_in(list(mp["priority_items"])).alias("_prio")
        if mp.get("apply_priority") else pl.lit(False).alias("_prio"))
    main = cand.sort(["gid", "_prio", "class", "main_multiple", "_ord"],
                     descending=[False, True, True, True, False], nulls_last=True) \
        .group_by("gid", maintain_order=True).head(int(mp["max_items"]))
    exceed = parts.ev.filter(pl.col("exceeds").fill_null(False) & written).with_columns(*named).sort(
        ["gid", "class", "multiple", "_ord"], descending=[False, True, True, False], nulls_last=True)
    out = (
        parts.base.join(agg, on="gid", how="left", maintain_order="left")
        .join(_pollutant_text(main, "main_multiple", sep, places, on=day).rename({"text": "main_pollutants"}), on="gid",
              how="left", maintain_order="left")
        .join(_pollutant_text(exceed, "multiple", sep, places, on=day).rename({"text": "exceedances"}), on="gid",
              how="left", maintain_order="left")
    )
    out = out.with_columns(
        *[pl.when(keyed).then(pl.col(c)).alias(c) for c in
          ("water_class", "_single_exceeds", "items_evaluated", "n_items", "class_items")],
        *[pl.when(keyed).then(pl.col(c)).fill_null("").alias(c) for c in ("main_pollutants", "exceedances")],
    )

    # compliance
    out = out.with_columns(
        pl.when(pl.col("target_class").is_null() | pl.col("water_class").is_null()).then(None)
        .otherwise((pl.col("water_class") <= pl.col("target_class"))
                   & ~pl.col("_single_exceeds").fill_null(False)).alias("compliant")
    ).drop("_single_exceeds")

    # status words (by the water_eval table in force on the day)
    out = out.with_columns(_status_expr(out))

    # reference items: TN class of lakes (单独评价)
    tn = parts.rows.filter(pl.col("_tn")).group_by("gid").agg(pl.col("class").max().alias("tn_class"))
    out = out.join(tn, on="gid", how="left", maintain_order="left").with_columns(
        pl.when(keyed).then(pl.col("tn_class")).alias("tn_class"))

    # trophic state of lakes
    # below-DL results enter the index at ½ DL, like any calculation (环办监测函〔2020〕82号 第七点)
    half = float(rules["below_detection_limit"]["statistic_factor"])
    tli_items = list(rules["trophic_state"]["items"])
    wide = parts.tli.with_columns(
        pl.when(pl.col("below_dl")).then(pl.col("value") * half).otherwise(pl.col("value")).alias("_v")
    ).pivot(on="item", index=keys, values="_v", aggregate_function="first")
    for code in tli_items:
        if code not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(code))
    if wide.height:
        wide = trophic_state(wide).select(*keys, "tli", "trophic_state")
        out = out.join(wide, on=keys, how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("tli"), pl.lit(None, pl.String).alias("trophic_state"))

    # notes
    out = out.with_columns(
        pl.when(pl.col("std_id").is_null() & (pl.col("waterbody_type") == "groundwater"))
        .then(pl.lit("地下水质量标准：该日期无在用版本（GB/T 14848-93 未收录），未评价"))
        .when(pl.col("waterbody_type").is_null()).then(pl.lit("水体类型未知，未评价"))
        .when(pl.col("water_class").is_null()).then(pl.lit("无评价项目"))
        .otherwise(pl.lit("")).alias("notes")
    )
    cols = ["station_id", "sampled_at", "water_class", "status", "target_class", "compliant", "main_pollutants",
            "exceedances", "assessment", "waterbody_type", "items_evaluated", "n_items", "class_items",
            "tn_class", "tli", "trophic_state", "notes"]
    return out.select(cols).sort(keys)


def _status_expr(out: pl.DataFrame) -> pl.Expr:
    """Status word of `water_class` by the water_eval table in force on each day (null before 2011-03-09)."""
    days = out.select(pl.col("sampled_at").dt.date().unique())["sampled_at"].to_list()
    expr: Any = None
    for version in standards.versions("water_eval"):
        mapping = {int(k): v for k, v in version["status"]["by_class"].items()}
        covered = [d for d in days if version.covers(d)]
        if not covered:
            continue
        cond = pl.col("sampled_at").dt.date().is_in(covered)
        word = pl.col("water_class").replace_strict(mapping, default=None, return_dtype=pl.String)
        expr = pl.when(cond).then(word) if expr is None else expr.when(cond).then(word)
    if expr is None:
        return pl.lit(None, pl.String).alias("status")
    return expr.otherwise(None).alias("status")


def status_of(water_class: int | None, on: dt.date) -> str | None:
    """The status word (优 / 良好 / 轻度污染 / 中度污染 / 重度污染) of a class on a day (环办〔2011〕22号)."""
    if water_class is None:
        return None
    rules = standards.in_force("water_eval", on)
    return rules["status"]["by_class"][int(water_class)]
