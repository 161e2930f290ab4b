"""Private exact-arithmetic kernels of the air evaluation: milli-unit scaling, the station-day pass over
hourly rows, the O3 8-hour windows, Int128 exact sums."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from publisher import rounding
from publisher.evaluate.air.tables import _undated_table
from publisher.vocabulary.air import POLLUTANTS


#: Integer milli-units used for exact arithmetic on measured values.
MILLI = 1000


# --------------------------------------------------------------------------------------------------
# exact arithmetic helpers
# --------------------------------------------------------------------------------------------------
def _scaled(expr: pl.Expr, factor: int = MILLI) -> pl.Expr:
    """A Float64 concentration as an Int64 count of 1/`factor` units (exact for ≤3 decimals)."""
    return (expr.cast(pl.Float64) * factor).round(0).cast(pl.Int64)


def _from_units(units: pl.Expr, decimals: int) -> pl.Expr:
    """Int64 count of 10^-`decimals` units as the Float64 nearest the decimal value (0.6, not 0.6000000000000001)."""
    if decimals == 0:
        return units.cast(pl.Float64)
    # the quotient is within an ulp or two of the decimal value; rounding it to `decimals` (an exact
    # integer divided by 10^decimals) gives the double nearest the decimal, as parsing its text would
    # (checked against the text for every |units| <= 10^7 and at random up to 10^14: tests/test_bench.py)
    return (units.cast(pl.Float64) / float(10 ** decimals)).round(decimals)


def _ceil_div(num: pl.Expr, den: int) -> pl.Expr:
    return -((-num) // den)


def _day_index(time: pl.Expr, dtype: pl.DataType | None = None) -> tuple[pl.Expr, pl.Expr]:
    """``date`` and ``_h`` (1..24) of hour-END labels: the hour ending D+1 00:00 is hour 24 of day D."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        # naive wall-clock labels: the same from integer microseconds, at half the cost
        start = time.dt.epoch("us") - 3_600_000_000
        return ((start // 86_400_000_000).cast(pl.Int32).cast(pl.Date).alias("date"),
                (start % 86_400_000_000 // 3_600_000_000 + 1).alias("_h"))
    start = time - pl.duration(hours=1)
    return start.dt.date().alias("date"), (start.dt.hour().cast(pl.Int64) + 1).alias("_h")


_NO_VALUE = -(2 ** 31)  # an hour whose row is there but has no O3 value (kept apart from "no row")


def _station_days(lf: pl.LazyFrame) -> pl.DataFrame:
    """:func:`_station_days_narrow`, whose hourly O3 slots are Int32 milli-units (any value below
    2,147 mg/m³); a value beyond that (or not finite) fails the strict cast, and the general path is
    taken instead (which fails on a value that is not finite, as before)."""
    try:
        day = _station_days_blocks(lf)
        return _station_days_narrow(lf) if day is None else day
    except pl.exceptions.InvalidOperationError:
        return _station_days_general(lf.unique(["station_id", "time"], keep="last", maintain_order=True))


_HOUR_US, _DAY_US = 3_600_000_000, 86_400_000_000
_SUMMED = ("so2", "no2", "co", "pm10", "pm2_5")


def _station_days_blocks(lf: pl.LazyFrame) -> pl.DataFrame | None:
    """:func:`_station_days_narrow` for hours that come as whole station-days in order, as the store
    keeps them (each month part sorted by station and time, every station reporting every hour): rows
    24k+1 .. 24k+24 are the hours 01:00 .. 24:00 of one station-day. Then no rows are grouped: the
    hourly columns are reshaped to (station-day × 24), the sums and counts are taken along the rows
    and hour h's O3 is every 24th value. ``None`` when the rows are not so (then the group-by path runs).

    The check, on every row i (position ``i mod 24 + 1`` in its block): its time is that hour of a day
    (naive wall-clock labels), and but for the first row of a block its station is the previous row's
    and its time one hour after it; so a block is the 24 hours of one station-day. The blocks'
    (station, day) must also be unique. The sums and counts are those of the group-by (sums of
    integer-valued floats, exact below 2**53: a larger one goes to the general path as there)."""
    schema = lf.collect_schema()
    time_type = schema.get("time")
    if not isinstance(time_type, pl.Datetime) or time_type.time_zone is not None:
        return None
    scaled = [(pl.col(p).cast(pl.Float64) * MILLI).round(0).alias(f"_{p}") for p in _SUMMED]
    o3 = (pl.col("o3").cast(pl.Float64) * MILLI).round(0).cast(pl.Int32).alias("_o3")  # strict: as narrow
    # read in batches (a year of hours is never held at once); each batch's whole blocks are reshaped and
    # the rest carried to the next (blocks are fixed by the row number, so they line up across batches)
    # the rows that list "/" codes (few) are kept for the flags, so the hours are read once
    # (by the row's place in the stream: row r belongs to the station-day r // 24, so no join is needed)
    listed = ["not_monitored"] if "not_monitored" in schema.names() else []
    listing = (pl.col("not_monitored").cast(pl.String).str.len_bytes() > 0).arg_true()
    days, flagged, carry, seen = [], [], None, 0
    for batch in lf.select("station_id", "time", *scaled, o3, *listed).collect_batches(chunk_size=_BATCH_ROWS):
        if listed:
            where = batch.select(listing).to_series()
            if where.len():
                flagged.append(pl.DataFrame({"_day": (where.cast(pl.Int64) + seen) // 24,
                                             "not_monitored": batch.get_column("not_monitored").gather(where)
                                             .cast(pl.String)}))
            batch = batch.drop("not_monitored")
        seen += batch.height
        rows = batch if carry is None else pl.concat([carry, batch])
        whole = rows.height - rows.height % 24
        if whole == 0:
            carry = rows
            continue
        day = _blocks_of(rows.slice(0, whole))
        if day is None:
            return None
        days.append(day)
        carry = rows.slice(whole)
    if carry is not None and carry.height or not days:
        return None
    day = pl.concat(days)
    if not day.select(pl.struct("station_id", "date").is_unique().all()).item():
        return None
    sums = [pl.col(f"_sum_{p}") for p in _SUMMED]
    if day.select(pl.any_horizontal([c.abs() >= 2.0 ** 53 for c in sums]).any()).item():
        return None
    day = day.with_columns([c.cast(pl.Int64) for c in sums])
    names = [f"_nm_{p}" for p in POLLUTANTS]
    if not flagged:
        return day.with_columns([pl.lit(False).alias(c) for c in names])
    listed_text = pl.concat_str([pl.lit(","), pl.col("not_monitored").str.replace_all(" ", "", literal=True), pl.lit(",")])
    flags = (pl.concat(flagged).group_by("_day")
             .agg([listed_text.str.contains(f",{p},", literal=True).any().alias(f"_nm_{p}") for p in POLLUTANTS]))
    columns = []
    for name in names:
        marked = flags.filter(pl.col(name)).get_column("_day")
        column = pl.Series(name, [], pl.Boolean).extend_constant(False, day.height)
        columns.append(column.scatter(marked, True) if marked.len() else column)
    return day.with_columns(columns)


_BATCH_ROWS = 24 * 50_000


def _blocks_of(rows: pl.DataFrame) -> pl.DataFrame | None:
    """The station-days of `rows` (24k of them, checked to be whole station-days in order, see
    :func:`_station_days_blocks`): keys, sums, counts, hourly O3 slots and the O3 maximum and count;
    ``None`` when they are not.

    The times are checked on their integer microseconds as a (station-day × 24) array: the first hour
    of every block is 01:00 of a day and each next one an hour later; the station on the run ids of
    the station column (the same id across each block). The columns are then taken in one ``select``,
    so polars computes them side by side."""
    n = rows.height // 24
    rows = rows.rechunk()   # the reader's batches come in many chunks: one copy, not one per reshape
    time = rows.get_column("time")
    if time.null_count():
        return None
    epoch = time.dt.epoch("us").to_numpy().reshape(n, 24)
    if not ((epoch[:, 0] % _DAY_US == _HOUR_US).all() and (np.diff(epoch, axis=1) == _HOUR_US).all()):
        return None
    station = pl.col("station_id")
    runs = rows.select(station.rle_id()).to_series().to_numpy().reshape(n, 24)   # a new id where the station changes
    if not (runs == runs[:, :1]).all():
        return None
    columns: list[pl.Expr] = [
        station.gather_every(24),
        ((pl.col("time").gather_every(24).dt.epoch("us") - _HOUR_US) // _DAY_US).cast(pl.Int32).cast(pl.Date)
        .alias("date")]
    for p in _SUMMED:
        values = pl.col(f"_{p}")
        columns += [values.fill_null(0).reshape((n, 24)).arr.sum().alias(f"_sum_{p}"),
                    values.is_not_null().cast(pl.UInt32).reshape((n, 24)).arr.sum().alias(f"hours_{p}")]
    o3 = pl.col("_o3").cast(pl.Int64)
    columns += [o3.gather_every(24, offset=h - 1).alias(f"_o3h{h}") for h in range(1, 25)]
    columns += [o3.reshape((n, 24)).arr.max().alias("_max_o3"),
                o3.is_not_null().cast(pl.UInt32).reshape((n, 24)).arr.sum().alias("hours_o3")]
    return rows.select(columns)


def _station_days_narrow(lf: pl.LazyFrame) -> pl.DataFrame:
    """One pass over the hourly rows, grouped by station and day: integer sums and counts of valid
    hours per pollutant, the O3 value of each hour 1..24 (``_o3h<h>``, milli-units), the O3 maximum
    and the "/" flags (``_nm_<p>``).

    Collected with polars' default engine, which streams the hourly rows (a lazy store scan is read,
    evaluated and dropped chunk by chunk). The hour columns come from one masked maximum per hour, which
    is the hour's value when each (station, time) comes once; a station-day with more rows than hours
    (a repeated time, or times off the hour) is computed again by :func:`_station_days_general` from
    the rows that remain once repeated times keep their last row. The "/" flags are read from the few
    rows that carry ``not_monitored`` and joined on, so the text is not parsed for every hour.
    """
    date, hour = _day_index(pl.col("time"), lf.collect_schema().get("time"))
    summed = ("so2", "no2", "co", "pm10", "pm2_5")
    aggs: list[pl.Expr] = []
    for p in summed:
        aggs += [pl.col(f"_{p}").sum().alias(f"_sum_{p}"), pl.col(f"_{p}").count().alias(f"hours_{p}")]
    aggs += [pl.when(pl.col("_h") == h).then(pl.col("_o3")).max().alias(f"_o3h{h}") for h in range(1, 25)]
    aggs.append(pl.len().alias("_rows"))
    # milli-units as integer-valued floats: their sums are exact below 2**53 and are made integers
    # once per station-day (a NaN or infinite value still fails there, as the per-row cast did)
    scaled = [(pl.col(p).cast(pl.Float64) * MILLI).round(0).alias(f"_{p}") for p in summed]
    o3 = (pl.col("o3").cast(pl.Float64) * MILLI).round(0)
    o3 = pl.when(o3 == _NO_VALUE).then(float("nan")).otherwise(o3)  # the marker itself: fail the cast too
    plan = (lf.select("station_id", "time", *POLLUTANTS)
            .with_columns(date, hour.cast(pl.Int8), *scaled, o3.cast(pl.Int32).fill_null(_NO_VALUE).alias("_o3"))
            .group_by("station_id", "date").agg(aggs))
    day, flags = plan.collect(), _nm_flags(lf).collect()  # apart: collect_all would cache the whole scan
    slots = [pl.col(f"_o3h{h}") for h in range(1, 25)]
    valued = [pl.when(c != _NO_VALUE).then(c.cast(pl.Int64)) for c in slots]
    sums = [pl.col(f"_sum_{p}") for p in summed]
    day = day.with_columns(
        pl.sum_horizontal([c.is_not_null().cast(pl.UInt32) for c in slots]).alias("_present"),
        (pl.any_horizontal([c.abs() >= 2.0 ** 53 for c in sums])).alias("_big"),
        pl.max_horizontal(valued).alias("_max_o3"),
        pl.sum_horizontal([v.is_not_null().cast(pl.UInt32) for v in valued]).alias("hours_o3"))
    if day.select(((pl.col("_rows") != pl.col("_present")) | pl.col("_big")).any()).item():
        return _station_days_general(lf.unique(["station_id", "time"], keep="last", maintain_order=True))
    day = day.drop("_rows", "_present", "_big").with_columns(
        [c.cast(pl.Int64) for c in sums] + [v.alias(f"_o3h{h}") for h, v in enumerate(valued, 1)])
    return _join_flags(day, flags)


def _station_days_general(lf: pl.LazyFrame) -> pl.DataFrame:
    """:func:`_station_days` for rows with unique (station, time) that may hold several rows in an hour:
    every row counts in the sums, counts and maximum, and an hour's value is its first row."""
    date, hour = _day_index(pl.col("time"), lf.collect_schema().get("time"))
    aggs: list[pl.Expr] = []
    for p in ("so2", "no2", "co", "pm10", "pm2_5", "o3"):
        aggs += [pl.col(f"_{p}").sum().alias(f"_sum_{p}"), pl.col(f"_{p}").count().alias(f"hours_{p}")]
    aggs.append(pl.col("_o3").max().alias("_max_o3"))
    aggs += [pl.col("_o3").filter(pl.col("_h") == h).first().alias(f"_o3h{h}") for h in range(1, 25)]
    plan = (lf.select("station_id", "time", *POLLUTANTS)
            .with_columns(date, hour, *[_scaled(pl.col(p)).alias(f"_{p}") for p in POLLUTANTS])
            .group_by("station_id", "date").agg(aggs))
    return _join_flags(plan.collect(), _nm_flags(lf).collect())


def _nm_flags(lf: pl.LazyFrame) -> pl.LazyFrame:
    """``station_id, date, _nm_<p>``: the codes listed in ``not_monitored`` on any hour of the day
    (comma-joined, spaces ignored, matched as whole items), from the rows that list any."""
    date, _ = _day_index(pl.col("time"), lf.collect_schema().get("time"))
    if "not_monitored" not in lf.collect_schema().names():
        return pl.LazyFrame(schema={"station_id": pl.String, "date": pl.Date,
                                    **{f"_nm_{p}": pl.Boolean for p in POLLUTANTS}})
    listed = pl.concat_str([pl.lit(","), pl.col("not_monitored").cast(pl.String)
                            .str.replace_all(" ", "", literal=True), pl.lit(",")])
    return (lf.select("station_id", "time", "not_monitored")
            .filter(pl.col("not_monitored").cast(pl.String).str.len_bytes() > 0)  # "" lists nothing either
            .group_by("station_id", date)
            .agg([listed.str.contains(f",{p},", literal=True).any().alias(f"_nm_{p}") for p in POLLUTANTS]))


def _join_flags(day: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    names = [f"_nm_{p}" for p in POLLUTANTS]
    if not flags.height:
        return day.with_columns([pl.lit(False).alias(c) for c in names])
    # the flags of each station-day, in the order of `day` (keys unique on both sides), put beside it
    found = day.select("station_id", "date").join(
        flags.with_columns(pl.col("station_id").cast(day.schema["station_id"])),
        on=["station_id", "date"], how="left", maintain_order="left", nulls_equal=True)  # a row without time too
    return day.with_columns([found.get_column(c).fill_null(False) for c in names])


def _sort_by_id_and_date(frame: pl.DataFrame, id_col: str, date_col: str) -> pl.DataFrame:
    """``frame.sort(id_col, date_col)`` for unique (text id, date) rows: the ids are ranked once and the
    rows sorted on one integer key, which costs about half of sorting on the text."""
    if frame.schema[id_col] != pl.String or frame.schema[date_col] != pl.Date or \
            frame.select(pl.col(id_col).is_null().any() | pl.col(date_col).is_null().any()).item():
        return frame.sort(id_col, date_col)
    ids = frame.get_column(id_col).unique().sort()
    rank = pl.col(id_col).replace_strict(ids, pl.int_range(0, len(ids), eager=True), return_dtype=pl.Int64)
    day = pl.col(date_col).cast(pl.Int32).cast(pl.Int64) + 2 ** 31
    return frame.sort(rank * 2 ** 32 + day)


def _o3_8h(day: Any, first: int, last: int, each_window: bool = False) -> Any:
    """``_o3_8h_max`` (largest valid 8-h mean, integer μg/m³, rounded once), ``_wsmax`` and ``_wnmax``
    (that window's exact sum in milli-units and its count of hours: the unrounded daily value) and
    ``o3_8h_windows`` (valid windows) from the hourly O3 columns ``_o3h1..`` (milli-units) and the
    validity columns ``_win``, ``_win_min`` (eager or lazy). `each_window`: compare the windows exactly
    (needed once an hourly value reaches 2^41, where float means no longer tell them apart)."""
    # O3 8-h windows ending at hour t of the day: hours t-7 .. t (window length from the table: 8).
    # Sums and counts come from running sums over the hours (window = C[t] - C[t-8]), so the rounding
    # below works on plain columns.
    # the window length is the GB 3095 表4 count of the rows' own tables (column _win); days of tables
    # with different lengths are computed apart
    found = (day.select(pl.col("_win").unique()).collect() if isinstance(day, pl.LazyFrame) else day.select(
        pl.col("_win").unique())).get_column("_win").drop_nulls().sort().to_list()
    if len(found) > 1:
        parts = [_o3_8h(day.filter(pl.col("_win") == n), first, last, each_window) for n in found]
        parts.append(_o3_8h(day.filter(pl.col("_win").is_null()), first, last, each_window))
        return pl.concat(parts)
    # rows without a table (no date) have no valid window whatever the length
    window_hours = int(found[0]) if found else int(_undated_table("gb3095")["validity"]["o3_8h_window_hours"])
    hours = [pl.col(f"_o3h{h}") for h in range(1, last + 1)]
    day = day.with_columns(pl.cum_sum_horizontal(*[c.fill_null(0) for c in hours]).alias("_cs"),
                           pl.cum_sum_horizontal(*[c.is_not_null().cast(pl.Int64) for c in hours]).alias("_cn"))

    def running(name: str, h: int) -> pl.Expr:
        return pl.col(name).struct[h - 1] if h >= 1 else pl.lit(0, dtype=pl.Int64)

    starts = range(first, last + 1)
    day = day.with_columns(
        [(running("_cs", t) - running("_cs", t - window_hours)).alias(f"_ws{t}") for t in starts]
        + [(running("_cn", t) - running("_cn", t - window_hours)).alias(f"_wn{t}") for t in starts])
    win, win_min = pl.col("_win"), pl.col("_win_min")
    valid = {t: (pl.col(f"_wn{t}") >= win_min) & (win == window_hours) & (pl.col(f"_wn{t}") > 0) for t in starts}
    count = pl.sum_horizontal([valid[t].cast(pl.Int64) for t in starts]).alias("o3_8h_windows")
    if not each_window:
        # Rounding is monotone, so the largest rounded mean is the rounded largest mean: the largest
        # window is found on float means, and only its exact sum and count are rounded. Two different
        # means of at most 8 values differ by at least 1/64 milli-unit, which float division keeps
        # apart while |sum| < 8 * 2**41 = 2**44 (error below 1/170); equal means may be told apart by
        # float error, but then either one gives the same result.
        day = day.with_columns([pl.when(valid[t]).then(pl.col(f"_ws{t}") / pl.col(f"_wn{t}")).alias(f"_wf{t}")
                                for t in starts] + [count])
        day = day.with_columns(pl.max_horizontal([pl.col(f"_wf{t}") for t in starts]).alias("_wfmax"))
        best = [pl.col(f"_wf{t}") == pl.col("_wfmax") for t in starts]
        day = day.with_columns(
            pl.coalesce([pl.when(b).then(pl.col(f"_ws{t}")) for b, t in zip(best, starts)]).alias("_wsmax"),
            pl.coalesce([pl.when(b).then(pl.col(f"_wn{t}")) for b, t in zip(best, starts)]).alias("_wnmax"))
        day = day.with_columns(rounding.div_half_even(pl.col("_wsmax"), pl.col("_wnmax") * MILLI).alias("_o3_8h_max"))
    else:  # values beyond any instrument: the largest window found by exact cross-multiplication
        day = day.with_columns(count)
        best_s, best_n = pl.lit(None, dtype=pl.Int128), pl.lit(None, dtype=pl.Int64)
        for t in starts:
            ws, wn = pl.col(f"_ws{t}").cast(pl.Int128), pl.col(f"_wn{t}")
            larger = valid[t] & (best_n.is_null() | (ws * best_n > best_s * wn))
            best_s, best_n = (pl.when(larger).then(ws).otherwise(best_s),
                              pl.when(larger).then(wn).otherwise(best_n))
            day = day.with_columns(best_s.alias("_bs"), best_n.alias("_bn"))
            best_s, best_n = pl.col("_bs"), pl.col("_bn")
        day = day.with_columns(pl.col("_bs").cast(pl.Int64).alias("_wsmax"), pl.col("_bn").alias("_wnmax"))
        day = day.with_columns(rounding.div_half_even(pl.col("_wsmax"), pl.col("_wnmax") * MILLI).alias("_o3_8h_max"))
    # the hourly and per-window columns are spent: later filters and sorts need not carry them (the
    # largest window's exact sum and count, _wsmax and _wnmax, are kept: the unrounded daily value)
    spent = {"_cs", "_cn", "_wfmax", "_bs", "_bn", *(f"_o3h{h}" for h in range(1, last + 1)),
             *(f"_{k}{t}" for k in ("ws", "wn", "w", "wf") for t in starts)}
    return day.drop([c for c in day.collect_schema().names() if c in spent])


#: The largest magnitude exact sums may reach (Int128 holds 2^127): far beyond any measured value.
_EXACT_LIMIT = 2 ** 120


def _big(value: int) -> pl.Expr:
    """An integer literal as Int128 (common denominators may pass 2^63)."""
    return pl.lit(value, dtype=pl.Int128)


def _lcm_of(dens: pl.Series) -> int:
    """The least common multiple of the distinct positive denominators of `dens` (1 when none)."""
    values = [int(v) for v in dens.drop_nulls().unique().to_list() if v]
    return math.lcm(*values) if values else 1


def _abs_max(values: pl.Series) -> int:
    found = values.drop_nulls()
    if found.len() == 0:
        return 0
    return int(max(abs(int(found.max())), abs(int(found.min()))))


def _check_exact(bound: int, what: str) -> None:
    """Exact sums are Int128: refuse (rather than overflow) inputs whose common denominators make them
    larger than that, e.g. data far finer than hourly with every count of values in one frame."""
    if bound > _EXACT_LIMIT:
        from publisher.errors import InputError

        raise InputError(f"{what}：精确计算超出128位整数范围（每日数值的个数种类过多，或数值过大），请先整理为小时值 "
                         f"(exact_overflow)")
