"""Rivers, basins and lakes as groups of sections (环办〔2011〕22号 proportions)."""
from __future__ import annotations

import polars as pl

from publisher import rounding
from publisher.evaluate.water._codes import _recalled
from publisher.evaluate.water.aggregation import aggregate_points
from publisher.evaluate.water.assessment import _empty_result, _evaluated_rows, evaluate
from publisher.evaluate.water.items import _eval_rules, _frame_day, catalogue, item_name


def river_summary(values: pl.DataFrame, stations: pl.DataFrame, by: str = "river",
                  assessment: str | None = None, sections: pl.DataFrame | None = None, *,
                  multiple_decimals: int | None = None) -> pl.DataFrame:
    """Status of rivers or basins (环办〔2011〕22号: 河流、流域（水系）水质评价).

    Parameters
    ----------
    values : pl.DataFrame
        Period values of the sections (:func:`period_values`), one period.
    stations : pl.DataFrame
        Station metadata with ``station_id`` and the `by` column.
    sections : pl.DataFrame, optional
        ``evaluate(values, stations, assessment)`` when the caller has it already (it is not computed again), or
        its rows of these values. When it is the very frame :func:`evaluate` returned for this `values` frame,
        the item classes that evaluation found are reused too.
    multiple_decimals : int, optional
        As in :func:`evaluate`, for the main pollutants of the averaged groups.

    Returns
    -------
    pl.DataFrame
        One row per group and period: ``n_sections``, ``share_good`` (Ⅰ–Ⅲ, %), ``share_bad`` (劣Ⅴ, %),
        ``method`` (``average`` below 5 sections, ``proportion`` from 5), ``water_class`` (average method
        only), ``status``, ``main_pollutants``, ``notes``.

    Notes
    -----
    Fewer than 5 sections: average each item over the sections, then the single-factor method. 5 or more:
    Ⅰ–Ⅲ ≥ 90% 优; ≥ 75% 良好; else 劣Ⅴ ≥ 40% 重度污染, ≥ 20% 中度污染, otherwise 轻度污染 (the 60%/40% wording
    disagreement is noted on the row). Main pollutants from 5 sections: items worse than Ⅲ by 断面超标率,
    top three (memory-only rule, see docs/water-method.md); items with the same rate are ordered by the worse
    exceedance (``river › main_pollutants_tie_break``): the worst class any section reached, then the largest
    超标倍数 (against Ⅲ, or a stricter target), then the catalogue order (GB 3838-2002 Table 1) — never by code.
    """
    rules = _eval_rules(_frame_day(values))
    river = rules["river"]
    shares_dec = int(rules["report_decimals"]["share_decimals"])
    good = set(int(c) for c in rules["status"]["good_group"])
    evaluated = evaluate(values, stations, assessment, multiple_decimals=multiple_decimals) \
        if sections is None else sections
    meta = stations.select("station_id", by)
    secs = evaluated.join(meta, on="station_id", how="inner")
    keys = [by, "sampled_at"]
    counts = secs.group_by(keys, maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("n_sections"),
        (pl.col("water_class").is_in(list(good)).sum() / pl.len() * 100).alias("_good"),
        (pl.col("water_class").is_in([int(c) for c in rules["status"]["bad_group"]]).sum() / pl.len() * 100)
        .alias("_bad"),
    )
    # average method, for the groups of fewer sections than the proportion method needs (the others' averages
    # would be replaced below)
    small = counts.filter(pl.col("n_sections") < int(river["proportion_from"])).select(keys)
    avg_eval = _empty_result().with_columns(pl.col("sampled_at").cast(counts.schema["sampled_at"]))
    if small.height:
        ids = meta.filter(pl.col(by).is_in(small.get_column(by).unique().implode())).get_column("station_id")
        averaged = aggregate_points(values.filter(pl.col("station_id").is_in(ids.implode())), by, stations).join(
            small.rename({by: "station_id"}), on=["station_id", "sampled_at"], how="semi")
        if averaged.height:
            avg_eval = evaluate(averaged, None, assessment or _first_assessment(secs),
                                multiple_decimals=multiple_decimals)
    avg_eval = avg_eval.rename({"station_id": by})
    out = counts.join(avg_eval.select(*keys, "water_class", "status", "main_pollutants"), on=keys, how="left")
    # proportion method
    cond = None
    for row in river["proportion_rules"]:
        test = pl.lit(True)
        if "good_min" in row:
            test = test & (pl.col("_good") >= float(row["good_min"]))
        if "bad_min" in row:
            test = test & (pl.col("_bad") >= float(row["bad_min"]))
        cond = pl.when(test).then(pl.lit(row["status"])) if cond is None else cond.when(test).then(
            pl.lit(row["status"]))
    prop_status = cond.otherwise(None)
    # exceedance rate of items (sections where the item is worse than Ⅲ)
    bad = _recalled(sections, values) if sections is not None else _recalled(evaluated, values)
    if bad is None:
        bad = _evaluated_rows(values, stations, assessment, summaries=False).bad if values.height else \
            pl.DataFrame(schema={"station_id": pl.String, "sampled_at": values.schema["sampled_at"],
                                 "item": pl.String, "class": pl.Int8, "main_multiple": pl.Float64})
    sep = rules["exceedance"]["separator"]
    names = {c: item_name(c) for c in catalogue()}
    order = {c: i for i, c in enumerate(catalogue())}
    rates = bad.join(meta, on="station_id", how="inner").group_by([*keys, "item"]).agg(
        pl.col("station_id").n_unique().alias("_bad_sections"), pl.col("class").max().alias("_worst"),
        pl.col("main_multiple").max().alias("_multiple"))
    # equal 断面超标率: the worse exceedance first (worst class, then larger multiple), then catalogue order
    rates = rates.join(counts.select(*keys, "n_sections"), on=keys).with_columns(
        (pl.col("_bad_sections") / pl.col("n_sections") * 100).alias("_rate"),
        pl.col("item").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_ord"),
    ).sort(["_rate", "_worst", "_multiple", "_ord", "item"], descending=[True, True, True, False, False],
           nulls_last=True).group_by(keys, maintain_order=True).agg(
        pl.col("item").head(int(river["main_pollutants_max"])).replace(names).str.join(sep).alias("_names"))
    out = out.join(rates, on=keys, how="left")
    big = pl.col("n_sections") >= int(river["proportion_from"])
    note_at = river["heavy_row_note_at"]
    out = out.with_columns(
        pl.when(big).then(pl.lit("proportion")).otherwise(pl.lit("average")).alias("method"),
        pl.when(big).then(None).otherwise(pl.col("water_class")).alias("water_class"),
        pl.when(big).then(prop_status).otherwise(pl.col("status")).alias("status"),
        pl.when(big).then(pl.col("_names")).otherwise(pl.col("main_pollutants"))
        .fill_null("").alias("main_pollutants"),
        rounding.float_stat(pl.col("_good"), shares_dec, noise=12).alias("share_good"),
        rounding.float_stat(pl.col("_bad"), shares_dec, noise=12).alias("share_bad"),
        pl.when(big & (pl.col("_good") == float(note_at["good"])) & (pl.col("_bad") == float(note_at["bad"])))
        .then(pl.lit(str(river["heavy_row_note_zh"]).format(good=note_at["good"], bad=note_at["bad"])))
        .otherwise(pl.lit("")).alias("notes"),
    )
    return out.select(by, "sampled_at", "n_sections", "share_good", "share_bad", "method", "water_class",
                      "status", "main_pollutants", "notes").sort(keys)


def _first_assessment(sections: pl.DataFrame) -> str | None:
    values = sections["assessment"].drop_nulls().unique().to_list()
    return values[0] if len(values) == 1 else None


def lake_summary(values: pl.DataFrame, stations: pl.DataFrame, by: str = "water_body",
                 assessment: str | None = None, *, multiple_decimals: int | None = None) -> pl.DataFrame:
    """Lake/reservoir evaluation: spatial mean of the points' period values, then the section method and TLI.

    Returns :func:`evaluate` columns with the lake (`by`) as ``station_id``, plus ``n_points``.
    Aggregation order (time mean per point, then spatial mean) is memory-only in the digest.
    """
    averaged = aggregate_points(values, by, stations)
    n_points = values.join(stations.select("station_id", by), on="station_id").group_by(
        by, "sampled_at").agg(pl.col("station_id").n_unique().alias("n_points"))
    out = evaluate(averaged, None, assessment, multiple_decimals=multiple_decimals)
    return out.join(n_points.rename({by: "station_id"}), on=["station_id", "sampled_at"], how="left")
