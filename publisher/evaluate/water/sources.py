"""Drinking-water sources: compliance rates by count and by volume."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import polars as pl

from publisher import rounding
from publisher.evaluate.water.items import _eval_rules, _frame_day


# --------------------------------------------------------------------------------------------- drinking rates
def compliance_rates(frame: pl.DataFrame, by: Iterable[str] = (), on: dt.date | None = None) -> pl.DataFrame:
    """水源达标率 and 水量达标率 of drinking-water sources.

    Parameters
    ----------
    frame : pl.DataFrame
        One row per source and period: ``compliant`` (Boolean) and ``volume`` (取水量, 万吨).
    by : grouping columns (e.g. ``city``); none = one row for all.

    Returns
    -------
    pl.DataFrame
        ``n_sources, n_compliant, count_rate, volume_total, volume_compliant, volume_rate`` (rates in %,
        rounded half-even to ``water_eval › drinking_source.rate_decimals``). Sources without a compliance
        result are not counted as monitored; a rate with a zero denominator is null.
    """
    rules = _eval_rules(on or _frame_day(frame))["drinking_source"]
    dec = int(rules["rate_decimals"])
    by = list(by)
    data = frame.filter(pl.col("compliant").is_not_null())
    aggs = [
        pl.len().cast(pl.Int64).alias("n_sources"),
        pl.col("compliant").sum().cast(pl.Int64).alias("n_compliant"),
        pl.col("volume").sum().alias("volume_total"),
        pl.col("volume").filter(pl.col("compliant")).sum().alias("volume_compliant"),
    ]
    out = data.group_by(by, maintain_order=True).agg(aggs) if by else data.select(aggs)
    return out.with_columns(
        rounding.float_stat(pl.when(pl.col("n_sources") > 0).then(pl.col("n_compliant") / pl.col("n_sources") * 100)
                            .otherwise(None), dec, noise=12).alias("count_rate"),
        rounding.float_stat(pl.when(pl.col("volume_total") > 0).then(pl.col("volume_compliant") / pl.col("volume_total") * 100)
                            .otherwise(None), dec, noise=12).alias("volume_rate"),
    ).select(*by, "n_sources", "n_compliant", "count_rate", "volume_total", "volume_compliant", "volume_rate")
