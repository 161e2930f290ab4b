"""Year-on-year and month-on-month comparison of period statistics."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import polars as pl

from publisher import rounding, standards
from publisher.evaluate.air.tables import _undated_table
from publisher.periods import Period


# --------------------------------------------------------------------------------------------------
# change helpers
# --------------------------------------------------------------------------------------------------
def previous_period(label: str, kind: str = "yoy") -> str:
    """The comparison period of a period label: same period last year (``yoy``) or the previous
    month/quarter (``mom``). Labels as produced by :func:`period_stats`."""
    if kind not in ("yoy", "mom"):
        raise ValueError("kind must be 'yoy' or 'mom'")
    if "~" in label:  # ytd YYYY-01~MM
        year, rest = label.split("-", 1)
        if kind == "mom":
            raise ValueError("a year-to-date period has only a year-on-year comparison")
        return f"{int(year) - 1}-{rest}"
    if "Q" in label:
        year, q = label.split("Q")
        if kind == "yoy":
            return f"{int(year) - 1}Q{q}"
        y, qq = (int(year), int(q) - 1) if int(q) > 1 else (int(year) - 1, 4)
        return f"{y}Q{qq}"
    if "-" in label:
        year, month = (int(x) for x in label.split("-"))
        if kind == "yoy":
            return f"{year - 1}-{month:02d}"
        first = dt.date(year, month, 1) - dt.timedelta(days=1)
        return f"{first.year}-{first.month:02d}"
    if kind == "mom":
        raise ValueError("a year has only a year-on-year comparison")
    return str(int(label) - 1)


def period_end(label: str) -> dt.date:
    """The last day of a period label of :func:`period_stats` (``2026-03``, ``2026Q1``, ``2026-01~05``, ``2026``)."""
    if "~" in label:  # ytd YYYY-01~MM
        year, rest = label.split("-", 1)
        return Period.month(int(year), int(rest.split("~")[1])).end
    if "Q" in label:
        year, q = label.split("Q")
        return Period.quarter(int(year), int(q)).end
    if "-" in label:
        year, month = label.split("-")
        return Period.month(int(year), int(month)).end
    return dt.date(int(label), 12, 31)


def change(current: pl.DataFrame, previous: pl.DataFrame, *,
           concentrations: Iterable[str] = ("so2", "no2", "pm10", "pm2_5", "co_p95", "o3_8h_p90", "composite_index"),
           ratios: Iterable[str] = ("good_day_ratio",), keys: Sequence[str] = ("area", "dust")) -> pl.DataFrame:
    """Year-on-year or month-on-month change between two period-statistics frames.

    Parameters
    ----------
    current, previous : pl.DataFrame
        Outputs of :func:`period_stats` for the period and its comparison period.
    concentrations : iterable of str
        Columns compared as relative change [%]: ``(C - C_prev) / C_prev × 100``, 1 decimal
        (null when the previous value is missing or 0).
    ratios : iterable of str
        Columns compared as differences [percentage points]: ``R - R_prev``, 1 decimal.
    keys : sequence of str
        Join keys (area and dust mode).

    Returns
    -------
    pl.DataFrame
        ``keys``, ``period``, ``previous_period`` and ``<column>_change`` for each column.

    Notes
    -----
    The composite-index rate is the change-ranking rate of 环办监测函〔2017〕197号 (> 0 worse).
    Relative changes use the rounded published values of both periods.

    References
    ----------
    环办监测函〔2017〕197号 城市环境空气质量变化程度排名方案.
    """
    concentrations, ratios = list(concentrations), list(ratios)
    # the change rules of the HJ 663 table in force on each current period's last day
    labels = current.get_column("period").unique().sort().to_list()
    by_table: dict[str, list[str]] = {}
    for label in labels:
        by_table.setdefault(standards.in_force("hj663", period_end(label)).id, []).append(label)
    if len(by_table) > 1:
        return pl.concat([change(current.filter(pl.col("period").is_in(group)), previous,
                                 concentrations=concentrations, ratios=ratios, keys=keys)
                          for group in by_table.values()])
    rules = standards.rule("hj663", period_end(labels[0]), "change") if labels else \
        _undated_table("hj663")["change"]
    prev = previous.select([*keys, pl.col("period").alias("previous_period"),
                            *[pl.col(c).alias(f"_p_{c}") for c in concentrations + ratios]])
    out = current.select([*keys, "period", *concentrations, *ratios]).join(prev, on=list(keys), how="left")
    cols = [rounding.float_stat(pl.when(pl.col(f"_p_{c}") != 0)
                         .then((pl.col(c) - pl.col(f"_p_{c}")) / pl.col(f"_p_{c}") * 100),
                         int(rules["rate_decimals"])).alias(f"{c}_change") for c in concentrations]
    cols += [rounding.float_stat(pl.col(c) - pl.col(f"_p_{c}"), int(rules["points_decimals"])).alias(f"{c}_change")
             for c in ratios]
    return out.with_columns(cols).select([*keys, "period", "previous_period",
                                          *[f"{c}_change" for c in concentrations + ratios]])
