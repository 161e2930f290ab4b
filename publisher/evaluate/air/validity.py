"""The minimum counts of valid daily values (GB 3095 表4; HJ 663-2013 for the annual percentiles), in one place.

:func:`minimums` is the one reading of the rule: at least 324 daily values a year, 27 each month, 25 in
February, from ``gb3095-*.yaml › validity`` (SO2, NO2, PM10, PM2.5: ``annual_validity``) and ``hj663-2013.yaml
› annual_percentile_validity`` (CO 95th, O3 8-h 90th percentiles). The period statistics' notes below, the annual
validity (:mod:`publisher.evaluate.annual`), the annual bulletin's readiness and ``publisher status`` all call it.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import polars as pl

from publisher import standards
from publisher.vocabulary import air as vocabulary_air


_ZH = vocabulary_air.ASCII
#: One validity shortfall as data (the notes' text says the same in words): the month ``YYYY-MM``
#: (null for the whole year), the indicator code, its valid daily values and the count required.
SHORTFALL = pl.Struct({"month": pl.String, "code": pl.String, "days": pl.Int64, "need": pl.Int64})


def _shortfall() -> pl.Expr:
    return pl.struct(pl.col("_ym").cast(pl.String).alias("month"), pl.col("_code").alias("code"),
                     pl.col("_n").cast(pl.Int64).alias("days"), pl.col("_need").cast(pl.Int64).alias("need"))


class Minimums(NamedTuple):
    """Valid daily values needed: ``annual`` in the year, ``monthly`` each month, ``february`` in February;
    ``table`` is the id of the table that sets them."""
    table: str
    annual: int
    monthly: int
    february: int

    def month(self, month: int) -> int:
        """The minimum of calendar month `month` (1–12): February's own, else the monthly one."""
        return self.february if month == 2 else self.monthly


def minimums(pollutant: str, day: dt.date, gb3095: str | None = None) -> Minimums:
    """The counts that hold `pollutant` (``so2, no2, pm10, pm2_5, co, o3_8h``; ``o3`` = ``o3_8h``) on `day`.

    SO2, NO2, PM10 and PM2.5 by the GB 3095 table in force on `day` (or the table `gb3095` names, when the
    daily values were judged by a chosen table), CO and O3 by HJ 663-2013's rule for the annual percentiles.
    """
    gb = standards.get(gb3095) if gb3095 else standards.in_force("gb3095", day)
    if pollutant in gb["annual_validity"]["pollutants"]:
        v = gb["validity"]
        return Minimums(gb.id, int(v["annual_min_days"]), int(v["monthly_min_days"]), int(v["february_min_days"]))
    hj = standards.in_force("hj663", day)
    rule = hj["annual_percentile_validity"]
    if {"o3": "o3_8h"}.get(pollutant, pollutant) in rule["pollutants"]:
        return Minimums(hj.id, int(rule["annual_min_days"]), int(rule["monthly_min_days"]),
                        int(rule["february_min_days"]))
    raise ValueError(f"no annual validity rule for pollutant {pollutant!r}")


def hours_with_a_value(hours: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """``station_id, day, hours``: per station and natural day, the hours (hour-END labels: the hour ending
    D+1 00:00 is of day D) with a value of any pollutant, as completeness counts them (``publisher status``,
    the annual bulletin's readiness)."""
    has_value = pl.any_horizontal([pl.col(c).is_not_null() for c in vocabulary_air.POLLUTANTS])
    return (hours.lazy().filter(has_value)
            .group_by("station_id", (pl.col("time") - pl.duration(hours=1)).dt.date().alias("day"))
            .agg(pl.len().cast(pl.UInt32).alias("hours")).collect())


def month_minimum(day: dt.date, pollutant: str = "pm2_5") -> int:
    """Valid daily values the month of `day` needs (27; 25 in February)."""
    return minimums(pollutant, day).month(day.month)


def _needs(pairs: pl.DataFrame, codes: tuple[str, ...], annual: bool) -> pl.DataFrame:
    """(table id, month, code) -> the minimum, for the distinct (gb3095, _ym) pairs of the period frame."""
    rows = []
    for table_id, ym in pairs.iter_rows():
        first = dt.date(int(ym[:4]), int(ym[5:7]), 1)
        for code in codes:
            m = minimums(code, first, table_id)
            rows.append({"gb3095": table_id, "_ym": ym, "_code": code,
                         "_need": m.annual if annual else m.month(first.month)})
    return pl.DataFrame(rows, schema={"gb3095": pl.String, "_ym": pl.String, "_code": pl.String, "_need": pl.Int64})


def _notes(df: pl.DataFrame, period: str, rules: standards.Standard) -> pl.DataFrame:
    """Validity notes per area and period: months or years with too few valid daily values, as text
    (``_notes``) and as data (``_shortfalls``, a list of :data:`SHORTFALL`, in the same order)."""
    codes = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")
    monthly = (df.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("_ym"))
               .group_by("area", "period", "_ym", "gb3095")
               .agg([pl.col(c).count().alias(c) for c in codes]))
    needs = _needs(monthly.select("gb3095", "_ym").unique().drop_nulls(), codes, annual=False)
    long = (monthly.unpivot(index=["area", "period", "_ym", "gb3095"], on=list(codes), variable_name="_code",
                            value_name="_n")
            .join(needs, on=["gb3095", "_ym", "_code"], how="left")
            # months split by the 2026-03-01 switch cannot be: the switch falls on a month boundary
            .group_by("area", "period", "_ym", "_code").agg(pl.col("_n").sum(), pl.col("_need").max()))
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
                                                    + [pl.col("gb3095").sort_by("date").last().alias("gb3095"),
                                                       pl.col("date").max().dt.strftime("%Y-%m").alias("_ym")]))
        needs = _needs(yearly.select("gb3095", "_ym").unique().drop_nulls(), codes, annual=True)
        yearly = (yearly.unpivot(index=["area", "period", "gb3095", "_ym"], on=list(codes), variable_name="_code",
                                 value_name="_n")
                  .join(needs, on=["gb3095", "_ym", "_code"], how="left")
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
