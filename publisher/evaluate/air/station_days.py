"""Station-day aggregates: what every later air statistic needs from a station's hours of one day.

The store keeps them (``publisher/store/days.py``), written in the transaction that stores the hours and
brought up to date when a later ingest corrects an hour, so that monthly, quarterly, annual and
year-to-date figures read one row per station and day instead of 24.

A row holds, per station and natural day (hours ending D 01:00 … D+1 00:00):

- the aggregates, columns starting with ``_``: the exact integer sums of the valid hours of SO2, NO2, CO,
  PM10 and PM2.5 in milli-units (``_sum_<p>``), the O3 value of each hour 1..24 (``_o3h<h>``, milli-units,
  from which the O3 8-hour windows are formed), the largest hourly O3 (``_max_o3``), and the "/" flags
  of the day (``_nm_<p>``); with ``hours_<p>`` (valid hours per pollutant);
- the daily values of :func:`publisher.evaluate.air.daily_values` computed from them under the tables
  in force on that day (values, IAQIs, AQI, level, primary pollutant, validity, and the unrounded values
  as exact fractions ``num_<indicator>/den_<indicator>``).

Every row depends on that station-day's hours alone, so a month's rows can be updated station-day by
station-day. The daily values also depend on the program's method and tables: :func:`rules_key` names
them, and rows made under another key are evaluated again from their aggregates.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import polars as pl

from publisher.evaluate import air as _air
from publisher.evaluate.air._kernels import _sort_by_id_and_date, _station_days
from publisher.evaluate.air.daily import _daily_from_station_days

POLLUTANTS = _air.POLLUTANTS
_SUMMED = ("so2", "no2", "co", "pm10", "pm2_5")
#: The aggregates: the part of a row computed from the hours (the rest follows from it and the tables).
AGGREGATES: dict[str, pl.DataType] = {
    "station_id": pl.String, "date": pl.Date,
    **{f"_sum_{p}": pl.Int64 for p in _SUMMED},
    **{f"hours_{p}": pl.UInt32 for p in (*_SUMMED, "o3")},
    **{f"_o3h{h}": pl.Int64 for h in range(1, 25)},
    "_max_o3": pl.Int64,
    **{f"_nm_{p}": pl.Boolean for p in POLLUTANTS},
}
KEYS = ["station_id", "date"]


def aggregate(hourly: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The aggregates of every station-day of the canonical hourly frame (lazy frames are streamed)."""
    day = _station_days(hourly.lazy())
    return day.select([pl.col(c).cast(t) for c, t in AGGREGATES.items()])


def evaluate(aggregates: pl.DataFrame, standard: str = "auto") -> pl.DataFrame:
    """The daily values of :func:`publisher.evaluate.air.daily_values` from aggregates: equal, row for row,
    to ``daily_values`` of the hours they were made from."""
    if aggregates.height == 0:
        return _air.daily_values(pl.DataFrame(schema={"station_id": pl.String, "time": pl.Datetime("us"),
                                                      **{p: pl.Float64 for p in POLLUTANTS}}), standard)
    return _daily_from_station_days(aggregates.select(list(AGGREGATES)), standard)


def station_days(hourly: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """What the store keeps: the aggregates and the daily values of each station-day, by station and date."""
    agg = sort(aggregate(hourly))
    return combine(agg, evaluate(agg))


def combine(agg: pl.DataFrame, daily: pl.DataFrame) -> pl.DataFrame:
    """The daily values of station-days, then their aggregates (columns ``_…``; both in (station, date) order)."""
    if not agg.select(KEYS).equals(daily.select(KEYS)):
        daily = agg.select(KEYS).join(daily, on=KEYS, how="left", maintain_order="left")
    return pl.concat([daily, agg.drop([c for c in agg.columns if c in daily.columns])], how="horizontal")


def mark_absent(rows: pl.DataFrame, standard: str = "auto") -> pl.DataFrame:
    """:func:`publisher.evaluate.air.mark_not_monitored` on station-day rows: a pollutant a station has no
    valid hour of in all of `rows` is taken as not monitored on each of its days. Only the rows whose
    flags change are evaluated again (from their aggregates)."""
    if rows.height == 0:
        return rows
    absent = rows.group_by("station_id").agg([(pl.col(f"hours_{p}").sum() == 0).alias(f"_abs_{p}")
                                              for p in POLLUTANTS])
    flagged = absent.filter(pl.any_horizontal([pl.col(f"_abs_{p}") for p in POLLUTANTS]))
    if flagged.height == 0:
        return rows
    marked = rows.join(flagged, on="station_id", how="inner")
    changed = marked.filter(pl.any_horizontal([pl.col(f"_abs_{p}") & ~pl.col(f"_nm_{p}") for p in POLLUTANTS]))
    if changed.height == 0:
        return rows
    agg = changed.select([(pl.col(c) | pl.col(f"_abs_{c[4:]}")).alias(c) if c.startswith("_nm_") else pl.col(c)
                          for c in AGGREGATES])
    again = combine(agg, evaluate(agg)).select(rows.columns)
    kept = rows.join(again.select(KEYS), on=KEYS, how="anti")
    return sort(pl.concat([kept, again]))


def daily_columns(rows: pl.DataFrame) -> pl.DataFrame:
    """The daily values of station-day rows, as :func:`publisher.evaluate.air.daily_values` returns them."""
    return rows.select([c for c in rows.columns if not c.startswith("_")])


@lru_cache(maxsize=1)
def rules_key() -> str:
    """A hash of what the daily values follow besides the hours: the air method's code and every
    standards table the program ships (a change to either makes stored daily values be evaluated again)."""
    base = Path(__file__).resolve().parents[2]   # the publisher package
    digest = hashlib.sha256()
    files = sorted([*(base / "evaluate" / "air").rglob("*.py"), *(base / "standards").rglob("*.py"),
                    *(base / "standards").rglob("*.yaml"), *base.glob("rounding*.py"),
                    *(base / "vocabulary").rglob("*.py")])
    for path in files:
        digest.update(path.relative_to(base).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def sort(rows: pl.DataFrame) -> pl.DataFrame:
    """Station-day rows in (station, date) order, as ``daily_values`` gives them."""
    return rows if rows.height == 0 else _sort_by_id_and_date(rows, "station_id", "date")
