"""Validity counts of period statistics (GB 3095 表4): months and years with too few valid daily values."""
from __future__ import annotations

import polars as pl

from publisher import standards
from publisher.evaluate.air.tables import _AUTO, _gb_value
from publisher.vocabulary import air as vocabulary_air


_ZH = vocabulary_air.ASCII
#: One validity shortfall as data (the notes' text says the same in words): the month ``YYYY-MM``
#: (null for the whole year), the indicator code, its valid daily values and the count required.
SHORTFALL = pl.Struct({"month": pl.String, "code": pl.String, "days": pl.Int64, "need": pl.Int64})


def _shortfall() -> pl.Expr:
    return pl.struct(pl.col("_ym").cast(pl.String).alias("month"), pl.col("_code").alias("code"),
                     pl.col("_n").cast(pl.Int64).alias("days"), pl.col("_need").cast(pl.Int64).alias("need"))


def _notes(df: pl.DataFrame, period: str, rules: standards.Standard) -> pl.DataFrame:
    """Validity notes per area and period: months or years with too few valid daily values, as text
    (``_notes``) and as data (``_shortfalls``, a list of :data:`SHORTFALL`, in the same order)."""
    codes = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")
    monthly = (df.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("_ym"),
                               pl.col("date").dt.month().alias("_mo"))
               .group_by("area", "period", "_ym", "_mo", "gb3095")
               .agg([pl.col(c).count().alias(c) for c in codes] + [pl.len().alias("_rows")]))
    min_month = _gb_value("gb3095", "monthly_min_days", _AUTO)
    min_feb = _gb_value("gb3095", "february_min_days", _AUTO)
    monthly = monthly.with_columns(pl.when(pl.col("_mo") == 2).then(min_feb).otherwise(min_month).alias("_need"))
    # months split by the 2026-03-01 switch cannot be: the switch falls on a month boundary
    monthly = monthly.group_by("area", "period", "_ym").agg(
        [pl.col(c).sum() for c in codes] + [pl.col("_need").max()])
    long = monthly.unpivot(index=["area", "period", "_ym", "_need"], on=list(codes), variable_name="_code",
                           value_name="_n")
    long = long.with_columns(pl.col("_code").replace_strict(_ZH, default=pl.col("_code")).alias("_zh"))
    per_month = (long.filter(pl.col("_n") < pl.col("_need"))
                 .sort("_ym", "_code")
                 .with_columns(pl.format("{} {}有效日数{}，少于{}", pl.col("_ym"), pl.col("_zh"), pl.col("_n"),
                                         pl.col("_need")).alias("_t"))
                 .group_by("area", "period").agg(pl.col("_t").str.join("；").alias("_month_notes"),
                                                 _shortfall().alias("_month_short")))
    base = df.select("area", "period").unique()
    out = base.join(per_month, on=["area", "period"], how="left")
    if period == "year":
        # annual_min_days of the GB 3095 table in force on the year's last day with data (gb3095-2026.yaml ›
        # annual_validity.decision)
        yearly = (df.group_by("area", "period").agg([pl.col(c).count().alias(c) for c in codes]
                                                    + [pl.col("gb3095").sort_by("date").last().alias("_gbl")])
                  .with_columns(_gb_value("_gbl", "annual_min_days", _AUTO).alias("_need"))
                  .unpivot(index=["area", "period", "_need"], on=list(codes), variable_name="_code", value_name="_n")
                  .filter(pl.col("_n") < pl.col("_need"))
                  .with_columns(pl.col("_code").replace_strict(_ZH, default=pl.col("_code")).alias("_zh"))
                  .sort("_code")
                  .with_columns(pl.format("全年{}有效日数{}，少于{}", pl.col("_zh"), pl.col("_n"), pl.col("_need")).alias("_t"),
                                pl.lit(None, dtype=pl.String).alias("_ym"))
                  .group_by("area", "period").agg(pl.col("_t").str.join("；").alias("_year_notes"),
                                                  _shortfall().alias("_year_short")))
        out = out.join(yearly, on=["area", "period"], how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("_year_notes"),
                               pl.lit(None, dtype=pl.List(SHORTFALL)).alias("_year_short"))
    none = pl.lit([], dtype=pl.List(SHORTFALL))
    return out.select("area", "period",
                      pl.concat_str([pl.col("_year_notes"), pl.col("_month_notes")], separator="；",
                                    ignore_nulls=True).replace("", None).alias("_notes"),
                      pl.concat_list([pl.col("_year_short").fill_null(none), pl.col("_month_short").fill_null(none)])
                      .alias("_shortfalls"))
