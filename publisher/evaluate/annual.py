"""Annual rules as pure functions on polars frames (no I/O): the validity of a year's air statistics.

GB 3095 表4 (2012 and 2026 texts alike): an annual mean needs at least 324 daily values in the year,
at least 27 in each month and at least 25 in February. HJ 663-2013 holds the annual CO 95th and O3 8-h
90th percentiles to the same counts. The numbers are read by :func:`publisher.evaluate.air.validity.minimums`
(the one reading of the rule, from ``gb3095-*.yaml › validity`` with ``annual_validity`` saying which pollutants
the row covers, and ``hj663-2013.yaml › annual_percentile_validity``); nothing is written here.

Which table judges: each month by the GB 3095 table in force in that month (the 2026-03-01 switch
falls on a month boundary), the annual count by the table in force on 31 December. A year that
straddles 2026-03-01 is therefore judged by both, and says so in ``standard``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import polars as pl

from publisher.evaluate.air import validity
from publisher.vocabulary import air as vocabulary_air

AIR_POLLUTANTS = ("so2", "no2", "pm10", "pm2_5", "co", "o3_8h")
_ZH = vocabulary_air.ASCII
RULE_ZH = {"annual": "全年日均值个数", "monthly": "月日均值个数", "february": "二月日均值个数"}


def _rule_source(pollutant: str, day: dt.date) -> tuple[str, dict[str, int]]:
    """(table id, {annual, monthly, february}) of the rule that holds `pollutant` on `day`
    (:func:`publisher.evaluate.air.validity.minimums`, the one reading of the rule)."""
    m = validity.minimums(pollutant, day)
    return m.table, {"annual": m.annual, "monthly": m.monthly, "february": m.february}


def _checked(daily: pl.DataFrame, year: int, keys: list[str], pollutants: list[str]) -> pl.DataFrame:
    missing = [c for c in ["date", *keys] if c not in daily.columns]
    if missing:
        raise ValueError(f"日均值数据缺少列：{', '.join(missing)} [ANNUAL_COLUMNS]")
    if not pollutants:
        raise ValueError(f"日均值数据没有污染物列（{', '.join(AIR_POLLUTANTS)}） [ANNUAL_COLUMNS]")
    frame = daily.filter(pl.col("date").dt.year() == year)
    for pollutant in pollutants:
        if frame[pollutant].dtype in (pl.Float32, pl.Float64):
            bad = frame.filter(~pl.col(pollutant).is_finite())
            if not bad.is_empty():
                raise ValueError(f"{_ZH[pollutant]}日均值有非数值（NaN或无穷）：{bad['date'].min()}起{bad.height}天"
                                 " [ANNUAL_VALUE]")
    dup = frame.group_by([*keys, "date"]).len().filter(pl.col("len") > 1)
    if not dup.is_empty():
        first = dup.sort([*keys, "date"]).row(0, named=True)
        where = "，".join(f"{k}={first[k]}" for k in keys)
        raise ValueError(f"同一日期有多行日均值：{where + '，' if where else ''}{first['date']}（共{first['len']}行）"
                         " [ANNUAL_DUPLICATE_DAY]")
    return frame


def air_month_counts(daily: pl.DataFrame, year: int, by: Iterable[str] = ()) -> pl.DataFrame:
    """Valid daily values per month and pollutant, with the month's minimum and its source.

    `daily` has ``date: Date``, the ``by`` columns and pollutant columns among ``so2, no2, pm10, pm2_5,
    co, o3_8h`` holding valid daily values (null = no valid value that day). Rows of other years are
    ignored; two rows for one date (in one group) raise ValueError. One row per (``by``…, pollutant,
    month 1-12): ``days``, ``need`` (27, or 25 in February), ``ok``, ``standard``.
    """
    keys = list(by)
    pollutants = [p for p in AIR_POLLUTANTS if p in daily.columns]
    frame = _checked(daily, year, keys, pollutants)
    long = (frame.select(*keys, pl.col("date").dt.month().cast(pl.Int64).alias("month"), *pollutants)
            .unpivot(index=[*keys, "month"], on=pollutants, variable_name="pollutant", value_name="value"))
    counted = (long.group_by([*keys, "pollutant", "month"])
               .agg(pl.col("value").is_not_null().sum().cast(pl.Int64).alias("days")))
    groups = frame.select(keys).unique() if keys else pl.DataFrame({"_": [0]})
    months = pl.DataFrame({"month": list(range(1, 13))}, schema={"month": pl.Int64})
    rules = []
    for pollutant in pollutants:
        for month in range(1, 13):
            table_id, need = _rule_source(pollutant, dt.date(year, month, 1))
            rules.append({"pollutant": pollutant, "month": month, "standard": table_id,
                          "need": need["february"] if month == 2 else need["monthly"]})
    rule_frame = pl.DataFrame(rules, schema={"pollutant": pl.String, "month": pl.Int64, "standard": pl.String,
                                             "need": pl.Int64})
    grid = groups.join(pl.DataFrame({"pollutant": pollutants}), how="cross").join(months, how="cross")
    if not keys:
        grid = grid.drop("_")
    out = (grid.join(counted, on=[*keys, "pollutant", "month"], how="left")
           .with_columns(pl.col("days").fill_null(0))
           .join(rule_frame, on=["pollutant", "month"], how="left")
           .with_columns((pl.col("days") >= pl.col("need")).alias("ok"))
           .with_columns(pl.col("pollutant").replace_strict({p: i for i, p in enumerate(AIR_POLLUTANTS)},
                                                             return_dtype=pl.Int64).alias("_order"))
           .sort([*keys, "_order", "month"]).drop("_order"))
    return out.select(*keys, "pollutant", "month", "days", "need", "ok", "standard")


def air_validity(daily: pl.DataFrame, year: int, by: Iterable[str] = ()) -> pl.DataFrame:
    """Whether each pollutant's annual statistic of `year` is valid, and if not which rule failed.

    Same input as :func:`air_month_counts`. One row per (``by``…, pollutant): ``valid_days``,
    ``annual_need`` (324), ``annual_ok``, ``month_days`` (12 counts, January first), ``short_months``
    (the months below their minimum, e.g. ``2025-02``), ``failed_rules`` (any of ``annual``,
    ``monthly``, ``february``), ``valid``, ``standard`` (the table ids that judged, ``+``-joined) and
    ``message_zh`` (every failure with its counts, or null when valid).
    """
    keys = list(by)
    months = air_month_counts(daily, year, keys)
    dec31 = dt.date(year, 12, 31)
    annual = []
    for pollutant in months["pollutant"].unique(maintain_order=True).to_list():
        table_id, need = _rule_source(pollutant, dec31)
        annual.append({"pollutant": pollutant, "annual_need": need["annual"], "_annual_table": table_id})
    annual_frame = pl.DataFrame(annual, schema={"pollutant": pl.String, "annual_need": pl.Int64,
                                                "_annual_table": pl.String})
    grouped = (months.group_by([*keys, "pollutant"], maintain_order=True)
               .agg(pl.col("days").sum().alias("valid_days"),
                    pl.col("days").alias("month_days"),
                    pl.col("month").filter(~pl.col("ok")).alias("_bad_months"),
                    pl.col("days").filter(~pl.col("ok")).alias("_bad_days"),
                    pl.col("need").filter(~pl.col("ok")).alias("_bad_need"),
                    pl.col("standard").unique(maintain_order=True).alias("_tables")))
    grouped = grouped.join(annual_frame, on="pollutant", how="left")
    rows: list[dict[str, Any]] = []
    for row in grouped.to_dicts():
        failed: list[str] = []
        notes: list[str] = []
        name = _ZH.get(row["pollutant"], row["pollutant"])
        annual_ok = row["valid_days"] >= row["annual_need"]
        if not annual_ok:
            failed.append("annual")
            notes.append(f"{year}年{name}有效日均值{row['valid_days']}个，少于{row['annual_need']}个")
        short = []
        for month, days, need in zip(row["_bad_months"], row["_bad_days"], row["_bad_need"]):
            rule = "february" if month == 2 else "monthly"
            if rule not in failed:
                failed.append(rule)
            short.append(f"{year}-{month:02d}")
            notes.append(f"{year}年{month}月{name}有效日均值{days}个，少于{need}个")
        tables = list(dict.fromkeys([*row["_tables"], row["_annual_table"]]))
        rows.append({**{k: row[k] for k in keys}, "pollutant": row["pollutant"], "valid_days": row["valid_days"],
                     "annual_need": row["annual_need"], "annual_ok": annual_ok, "month_days": row["month_days"],
                     "short_months": short, "failed_rules": failed, "valid": not failed,
                     "standard": "+".join(tables), "message_zh": "；".join(notes) or None})
    schema: dict[str, Any] = {**{k: months.schema[k] for k in keys}, "pollutant": pl.String,
                              "valid_days": pl.Int64, "annual_need": pl.Int64, "annual_ok": pl.Boolean,
                              "month_days": pl.List(pl.Int64), "short_months": pl.List(pl.String),
                              "failed_rules": pl.List(pl.String), "valid": pl.Boolean, "standard": pl.String,
                              "message_zh": pl.String}
    return pl.DataFrame(rows, schema=schema)
