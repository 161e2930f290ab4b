"""Ranking of areas (城市环境空气质量排名技术规定, 环办〔2014〕64号): ascending competition ranks, equal values
sharing the smaller rank and marked as tied, the rank after k tied values skipping k − 1.

One implementation for the period statistics (polars, over the rows of a period) and for a list of
values (a chart drawing areas that carry no rank of their own).
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from publisher import rounding


def rank_columns(value: pl.Expr, over: str | list[str], tie_label: str) -> list[list[pl.Expr]]:
    """Stages computing ``rank_value`` (Int64 competition rank of `value` ascending within `over`, null
    where `value` is null) and ``rank`` (text, ``n（<tie_label>）`` when several rows share the value)."""
    keys = [over] if isinstance(over, str) else list(over)
    first = [value.rank(method="min").over(keys).cast(pl.Int64).alias("rank_value"),
             value.count().over([*keys, value]).alias("_ties")]
    second = [pl.when(pl.col("rank_value").is_null()).then(pl.lit(None, dtype=pl.String))
              .when(pl.col("_ties") > 1).then(pl.format("{}（{}）", pl.col("rank_value"), pl.lit(tie_label)))
              .otherwise(pl.col("rank_value").cast(pl.String)).alias("rank")]
    return [first, second]


def shared_ranks(values: Sequence[float], decimals: int, tie_label: str) -> list[str]:
    """Ranks (text) of ascending `values` compared at `decimals` places (GB/T 8170), as :func:`rank_columns`."""
    keys = [rounding.quantize(float(v), decimals) for v in values]
    out = []
    for key in keys:
        rank = 1 + sum(1 for other in keys if other < key)
        out.append(f"{rank}（{tie_label}）" if keys.count(key) > 1 else str(rank))
    return out
