"""Ambient-air evaluation: real-time and daily AQI (HJ 633), daily and period statistics (HJ 663, GB 3095).

Every function is a pure, vectorised polars transformation of the canonical hourly air frame of
``docs/architecture.md`` (``station_id, time`` hour-END label in Beijing time, ``so2, no2, o3, pm10,
pm2_5`` [μg/m³], ``co`` [mg/m³], optional ``not_monitored``) or of the frames these functions return.
No threshold is written here: breakpoints, limits, validity counts and rounding rules come from the
dated tables of :mod:`publisher.standards` (families ``hj633``, ``gb3095``, ``hj663``), chosen per
row by the date the data belongs to.

Exactness
---------
Concentrations are carried as integers: hourly values in milli-units (0.001 μg/m³, 0.001 mg/m³) and
reported daily and period values in their reporting unit (1 μg/m³, 0.1 mg/m³ CO). Means are integer
sums divided with GB/T 8170 half-to-even rounding, and IAQIs are integer ceilings of exact
fractions, so no result depends on float summation order or on float error at a breakpoint.

The method, its order of averaging and rounding and the decisions where the texts are silent are
described in ``docs/air-method.md``.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from publisher import rounding, standards
from publisher.errors import StandardNotFound
from publisher.periods import as_date
from publisher.vocabulary import air as vocabulary_air
from publisher.vocabulary.air import DAILY_INDICATORS, POLLUTANTS

__all__ = [
    "POLLUTANTS",
    "DAILY_INDICATORS",
    "hourly_aqi",
    "daily_values",
    "area_daily",
    "period_stats",
    "change",
    "previous_period",
    "mark_not_monitored",
    "iaqi",
    "level_of",
    "percentile",
]

#: Integer milli-units used for exact arithmetic on measured values.
MILLI = 1000
_SOURCE = {"so2": "so2", "no2": "no2", "co": "co", "pm10": "pm10", "pm2_5": "pm2_5", "o3_8h": "o3", "o3_1h": "o3"}
_AUTO = "auto"


# --------------------------------------------------------------------------------------------------
# standards tables by date
# --------------------------------------------------------------------------------------------------
def _pick(family: str, standard: str) -> standards.Standard:
    """The table of `family` labelled `standard` ("2012", "2026"), or the only one of the family."""
    tables = standards.versions(family)
    labelled = [t for t in tables if str(t.get("label", "")) == str(standard)]
    if labelled:
        return labelled[0]
    if len(tables) == 1:
        return tables[0]
    known = ", ".join(str(t.get("label", t.id)) for t in tables)
    raise StandardNotFound(f"no {family} table labelled {standard!r}; known: {known}")


def _tables(family: str, standard: str) -> list[standards.Standard]:
    return list(standards.versions(family)) if standard == _AUTO else [_pick(family, standard)]


def _version_expr(family: str, day: pl.Expr, standard: str = _AUTO) -> pl.Expr:
    """The id of the `family` table judging each row's `day` (null when none is in force)."""
    if standard != _AUTO:
        return pl.lit(_pick(family, standard).id)
    expr: Any = None
    for table in standards.versions(family):
        cond = day >= pl.lit(table.effective_from)
        if table.effective_to is not None:
            cond = cond & (day <= pl.lit(table.effective_to))
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(pl.lit(table.id))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def _by_table(column: str, parts: dict[str, pl.Expr], dtype: pl.DataType | None = None) -> pl.Expr:
    """``parts[table id]`` on the rows whose `column` holds that id."""
    if len(parts) == 1:
        (table_id, part), = parts.items()
        return pl.when(pl.col(column) == table_id).then(part).otherwise(pl.lit(None, dtype=dtype))
    expr: Any = None
    for table_id, part in parts.items():
        cond = pl.col(column) == table_id
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(part)
    if expr is None:
        return pl.lit(None, dtype=dtype)
    return expr.otherwise(pl.lit(None, dtype=dtype))


def _check_versions(frame: pl.DataFrame, column: str, day_column: str, family: str) -> None:
    lacking = pl.col(column).is_null() & pl.col(day_column).is_not_null()
    if frame.select(lacking.any()).item():
        missing = frame.filter(lacking)
        first = missing.get_column(day_column).min()
        raise StandardNotFound(f"no {family} table in force on {first}")


def _phase_limit(table: standards.Standard, day: pl.Expr, pollutant: str, averaging: str,
                 klass: str = "class2") -> pl.Expr:
    """GB 3095 limit of `pollutant`/`averaging` in the phase of `table` covering `day`."""
    phases = table["phases"]
    expr: Any = None
    for phase in phases[:-1]:
        cond = day <= pl.lit(as_date(phase["to"]))
        value = phase[klass][pollutant].get(averaging)
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(pl.lit(value, dtype=pl.Float64))
    last = pl.lit(phases[-1][klass][pollutant].get(averaging), dtype=pl.Float64)
    return last if expr is None else expr.otherwise(last)


def _limit_expr(day: pl.Expr, gb_version: str, pollutant: str, averaging: str, standard: str) -> pl.Expr:
    """Class-2 GB 3095 limit [μg/m³; CO mg/m³] in force on `day` (table id in column `gb_version`)."""
    return _by_table(gb_version, {t.id: _phase_limit(t, day, pollutant, averaging)
                                  for t in _tables("gb3095", standard)}, pl.Float64)


def _gb_value(gb_version: str, key: str, standard: str) -> pl.Expr:
    return _by_table(gb_version, {t.id: pl.lit(t["validity"][key]) for t in _tables("gb3095", standard)},
                     pl.Int64)


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


def _iaqi_segments(c: pl.Expr, points: Sequence[float | None], levels: Sequence[int], unit: int,
                   above: pl.Expr) -> pl.Expr:
    """IAQI of the Int64 concentration `c` (in 1/`unit` of the table's unit); `above` past the last point."""
    bp = [None if p is None else int(round(p * unit)) for p in points]
    expr: Any = pl.when(c.is_null() | (c < 0)).then(pl.lit(None, dtype=pl.Int64))
    for i in range(1, len(bp)):
        lo, hi = bp[i - 1], bp[i]
        if hi is None or lo is None:
            break
        span = hi - lo
        value = levels[i - 1] + _ceil_div((levels[i] - levels[i - 1]) * (c - lo), span)
        expr = expr.when(c <= hi).then(value)
    return expr.otherwise(above)


def iaqi(concentration: pl.Expr, table: standards.Standard, indicator: str, *, unit: int = MILLI,
         above_800: pl.Expr | None = None) -> pl.Expr:
    """Individual air quality index of one indicator, rounded up.

    Parameters
    ----------
    concentration : pl.Expr
        Int64 concentration in 1/`unit` of [μg/m³] (CO [mg/m³]); null = missing.
    table : Standard
        An ``hj633`` table.
    indicator : str
        Breakpoint column, e.g. ``"so2_1h"``, ``"pm2_5_24h"``, ``"o3_8h"``.
    unit : int
        Denominator of `concentration`'s unit (1000 for milli-units, 10 for 0.1 mg/m³).
    above_800 : pl.Expr, optional
        For ``so2_1h`` and ``o3_8h`` under a table whose rule is ``use_indicator``: the IAQI of the
        replacement indicator (SO2 24-h mean, O3 1-h value). Null when not given.

    Returns
    -------
    pl.Expr
        Int64 IAQI [-]; null for a missing or negative concentration.

    Notes
    -----
    ``IAQI = ceil((IAQI_Hi - IAQI_Lo) / (BP_Hi - BP_Lo) * (C - BP_Lo) + IAQI_Lo)`` for
    ``BP_Lo <= C <= BP_Hi``, evaluated in integers. Above the top breakpoint IAQI is
    ``above_top_breakpoint.iaqi`` (500), except for the ``above_800`` rules of the table.

    References
    ----------
    HJ 633-2012 表1, 6.2; HJ 633-2026 表3 (注b, 注c), 4.2.6.
    """
    points = table["breakpoints"][indicator]
    levels = table["iaqi_levels"]["values"]
    rule = (table.get("above_800") or {}).get(indicator)
    above: pl.Expr = pl.lit(int(table["above_top_breakpoint"]["iaqi"]), dtype=pl.Int64)
    if rule:
        limit = int(round(rule["above"] * unit))
        if rule["action"] == "fixed":
            special = pl.lit(int(rule["iaqi"]), dtype=pl.Int64)
        else:
            special = above_800 if above_800 is not None else pl.lit(None, dtype=pl.Int64)
        return pl.when(concentration > limit).then(special).otherwise(
            _iaqi_segments(concentration, points, levels, unit, above))
    return _iaqi_segments(concentration, points, levels, unit, above)


def _nm_contains(code: str) -> pl.Expr:
    """True where the row's ``not_monitored`` list holds `code`."""
    return pl.col("_nm").list.contains(code).fill_null(False)


def level_of(aqi: pl.Expr, table: standards.Standard, field: str = "level") -> pl.Expr:
    """Level (1-6), ``category_zh``, ``color_zh`` or ``hex`` of an AQI or IAQI expression under `table`.

    References
    ----------
    HJ 633-2012 表2、附录A; HJ 633-2026 表1、附录A.
    """
    items = table["levels"]["items"]
    dtype = pl.Int64 if field == "level" else pl.String
    expr: Any = pl.when(aqi.is_null()).then(pl.lit(None, dtype=dtype))
    for item in items[:-1]:
        expr = expr.when(aqi <= item["aqi_to"]).then(pl.lit(item[field], dtype=dtype))
    return expr.otherwise(pl.lit(items[-1][field], dtype=dtype))


def _level_columns(table_col: str, tables: list[standards.Standard], aqi: str = "aqi") -> list[list[pl.Expr]]:
    """Stages computing level (1-6) of the AQI column, then its category (类别) and colour (hex), from the
    table of each row (the level by the AQI ranges, the other two looked up from the level)."""
    parts = {}
    for table in tables:
        expr: Any = None
        for item in table["levels"]["items"]:
            value = pl.lit(item["level"], dtype=pl.Int64)
            if item["aqi_to"] is None:
                expr = value if expr is None else expr.otherwise(value)
            else:
                cond = pl.col(aqi) <= item["aqi_to"]
                expr = (pl.when(cond) if expr is None else expr.when(cond)).then(value)
        parts[table.id] = pl.when(pl.col(aqi).is_null()).then(pl.lit(None, dtype=pl.Int64)).otherwise(expr)
    looked_up = []
    for field, name in (("category_zh", "category"), ("hex", "color")):
        by_level = {t.id: pl.col("level").replace_strict({int(i["level"]): i[field] for i in t["levels"]["items"]},
                                                        default=None, return_dtype=pl.String) for t in tables}
        looked_up.append(_by_table(table_col, by_level, pl.String).alias(name))
    return [[_by_table(table_col, parts, pl.Int64).alias("level")], looked_up]


def _codes_where(codes: Sequence[str], conditions: Sequence[pl.Expr]) -> pl.Expr:
    """The codes whose condition holds, joined by "," in `codes` order (via a bit mask and a lookup)."""
    mask = pl.sum_horizontal([c.fill_null(False).cast(pl.Int64) * (1 << i) for i, c in enumerate(conditions)])
    names = {m: ",".join(code for i, code in enumerate(codes) if m >> i & 1) for m in range(1 << len(codes))}
    return mask.replace_strict(names, return_dtype=pl.String)


def _aqi_columns(codes: Sequence[str], table_col: str, tables: list[standards.Standard],
                 exceeding: bool = False, not_monitored: Any = None) -> list[list[pl.Expr]]:
    """Stages computing aqi, primary_pollutant (and exceeding_pollutants) from ``iaqi_<code>`` columns.

    The AQI is the maximum IAQI. A pollutant that is missing (null and not in ``_nm``) withholds the
    AQI unless the table's ``missing_data.publish_only_above`` is null or the AQI exceeds it
    (HJ 633-2026 5.3.1); a pollutant outside the monitoring plan does not (5.3.2). `not_monitored`
    maps a pollutant code to the expression saying it is outside the plan (default: listed in ``_nm``).
    """
    outside = not_monitored or _nm_contains
    iaqis = [pl.col(f"iaqi_{c}") for c in codes]
    raw = pl.max_horizontal(iaqis)
    parts = {}
    for table in tables:
        # only the indicators this table's report uses can be missing (HJ 633-2026 dropped O3 1-h
        # from the daily report, so its empty column must not withhold a 2026 daily AQI)
        daily = set((table.get("daily") or {}).get("indicators") or ())
        used = [c for c in codes if c not in DAILY_INDICATORS or c in daily] if daily else list(codes)
        n_missing = pl.sum_horizontal([(pl.col(f"iaqi_{c}").is_null() & ~outside(_SOURCE.get(c, c)))
                                       .cast(pl.Int64) for c in used])
        above = (table.get("missing_data") or {}).get("publish_only_above")
        if above is None:
            parts[table.id] = raw
        else:
            parts[table.id] = pl.when((n_missing == 0) | (raw > above)).then(raw)
    stage1 = [_by_table(table_col, parts, pl.Int64).alias("aqi"), raw.alias("aqi_available")]
    prim_parts, exc_parts = {}, {}
    for table in tables:
        cut = table["primary_pollutant"]["aqi_above"]
        prim_parts[table.id] = (pl.when(pl.col("aqi") > cut)
                                .then(_codes_where(codes, [pl.col(f"iaqi_{c}") == pl.col("aqi") for c in codes]))
                                .otherwise(pl.lit("")))
        rule = table.get("exceeding_pollutant")
        if rule:
            exc_parts[table.id] = _codes_where(codes, [pl.col(f"iaqi_{c}") > rule["iaqi_above"] for c in codes])
    stage2 = [pl.when(pl.col("aqi").is_null()).then(pl.lit(None, dtype=pl.String))
              .otherwise(_by_table(table_col, prim_parts, pl.String)).alias("primary_pollutant")]
    if exceeding:
        stage2.append(_by_table(table_col, exc_parts, pl.String).alias("exceeding_pollutants"))
    levels, looked_up = _level_columns(table_col, tables)
    return [stage1, stage2 + levels, looked_up]


def _with_nm(frame: pl.DataFrame) -> pl.DataFrame:
    if "not_monitored" in frame.columns:
        return frame.with_columns(
            pl.col("not_monitored").cast(pl.String).str.replace_all(" ", "").str.split(",").alias("_nm"))
    return frame.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias("_nm"))


# --------------------------------------------------------------------------------------------------
# hourly (real-time) AQI
# --------------------------------------------------------------------------------------------------
def hourly_aqi(frame: pl.DataFrame, standard: str = _AUTO) -> pl.DataFrame:
    """Real-time (hourly) AQI as the national platform publishes it.

    Parameters
    ----------
    frame : pl.DataFrame
        Canonical hourly air frame: ``station_id``, ``time`` (hour END, Beijing), ``so2, no2, o3,
        pm10, pm2_5`` [μg/m³], ``co`` [mg/m³]; optional ``not_monitored`` (comma-joined codes
        outside the monitoring plan, "/" in the feeds).
    standard : {"auto", "2012", "2026"}
        ``auto`` chooses the HJ 633 table by the hour's START date (the hour ending
        2026-03-01 00:00 is judged by HJ 633-2012, the one ending 01:00 by HJ 633-2026).

    Returns
    -------
    pl.DataFrame
        `frame` plus ``iaqi_so2 … iaqi_pm2_5`` [-], ``aqi`` [-] (null when withheld),
        ``level`` (1-6), ``category``, ``color`` (hex), ``primary_pollutant`` (codes joined by
        ",", "" when AQI <= 50), ``standard`` (table id).

    Notes
    -----
    Each 1-hour value is indexed on the table's ``realtime.indicators`` column: SO2, NO2, CO, O3 on
    their 1-hour breakpoints, PM10 and PM2.5 1-hour values on the 24-hour PM breakpoints. Each IAQI
    is rounded up; AQI = max IAQI. SO2 1-h > 800 μg/m³: HJ 633-2012 reports the IAQI of the SO2
    24-hour moving mean (24 hours ending at that hour, at least ``daily_min_hours`` valid values),
    HJ 633-2026 reports 200. Missing pollutants follow ``missing_data`` of the table.

    References
    ----------
    HJ 633-2012 5.1, 6.1, 6.2, 表1 注(1)(2); HJ 633-2026 4.2, 5.3, 表3 注a、b.
    """
    df = _with_nm(frame).with_columns(
        _version_expr("hj633", (pl.col("time") - pl.duration(hours=1)).dt.date(), standard).alias("standard"))
    _check_versions(df, "standard", "time", "hj633")
    present = set(df.get_column("standard").unique().drop_nulls())
    tables = [t for t in _tables("hj633", standard) if t.id in present] or _tables("hj633", standard)[:1]
    df = df.with_columns([_scaled(pl.col(p)).alias(f"_{p}") for p in POLLUTANTS])
    needs_moving = any(
        ((t.get("above_800") or {}).get("so2_1h") or {}).get("action") == "use_indicator" for t in tables)
    so2_24h: pl.Expr | None = None
    if needs_moving and df.height and df.select((pl.col("_so2") > 800 * MILLI).any()).item():
        gb = _pick("gb3095", "2012") if standard != _AUTO else standards.versions("gb3095")[0]
        min_hours = int(gb["validity"]["daily_min_hours"])
        df = df.sort("station_id", "time").with_columns(
            pl.col("_so2").rolling_sum_by("time", window_size="24h", closed="right").over("station_id").alias("_s24"),
            pl.col("_so2").is_not_null().cast(pl.Int64)
            .rolling_sum_by("time", window_size="24h", closed="right").over("station_id").alias("_n24"))
        df = df.with_columns(pl.when(pl.col("_n24") >= min_hours)
                             .then(rounding.div_half_even(pl.col("_s24"), pl.col("_n24") * MILLI)).alias("_so2_24h"))
        so2_24h = pl.col("_so2_24h")
    iaqi_cols = []
    for p in POLLUTANTS:
        parts = {}
        for table in tables:
            indicator = table["realtime"]["indicators"][p]
            extra = None
            if p == "so2" and so2_24h is not None:
                extra = iaqi(so2_24h, table, "so2_24h", unit=1)
            parts[table.id] = iaqi(pl.col(f"_{p}"), table, indicator, above_800=extra)
        iaqi_cols.append(_by_table("standard", parts, pl.Int64).alias(f"iaqi_{p}"))
    df = df.with_columns(iaqi_cols)
    for stage in _aqi_columns(POLLUTANTS, "standard", tables):
        df = df.with_columns(stage)
    helpers = [c for c in df.columns if c.startswith("_")]
    return df.drop(helpers)


# --------------------------------------------------------------------------------------------------
# daily values per station
# --------------------------------------------------------------------------------------------------
def mark_not_monitored(frame: pl.DataFrame) -> pl.DataFrame:
    """Add to ``not_monitored`` every pollutant a station reports no value for in the whole frame.

    HJ 633-2026 5.3.2 lets a pollutant outside the station's monitoring plan ("/") not block the
    AQI. Inputs that cannot say "/" (an empty column of the English CSV) are read this way: a
    station that has no value of a pollutant anywhere in the input is taken as not monitoring it.
    A pollutant with values at some hours stays "missing" at the other hours.
    """
    df = _with_nm(frame)
    absent = df.group_by("station_id").agg(
        [pl.col(p).is_null().all().alias(f"_absent_{p}") for p in POLLUTANTS])
    df = df.join(absent, on="station_id", how="left")
    listed = [pl.when(_nm_contains(p) | pl.col(f"_absent_{p}")).then(pl.lit(p)) for p in POLLUTANTS]
    df = df.with_columns(pl.concat_str(listed, separator=",", ignore_nulls=True).alias("not_monitored"))
    return df.drop([c for c in df.columns if c.startswith("_")])


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
        return _station_days_narrow(lf)
    except pl.exceptions.InvalidOperationError:
        return _station_days_general(lf.unique(["station_id", "time"], keep="last", maintain_order=True))


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


def daily_values(frame: pl.DataFrame | pl.LazyFrame, standard: str = _AUTO) -> pl.DataFrame:
    """Daily concentrations, IAQIs and AQI per station and natural day.

    Parameters
    ----------
    frame : pl.DataFrame or pl.LazyFrame
        Canonical hourly air frame (hour-END labels, Beijing time). Duplicate (station, time) rows:
        the last one is used. A lazy frame (e.g. :meth:`publisher.store.Store.air_scan`) is read in
        one streamed pass, without holding the hourly rows in memory.
    standard : {"auto", "2012", "2026"}
        Table choice; ``auto`` judges each day by the HJ 633 / GB 3095 table in force that day.

    Returns
    -------
    pl.DataFrame
        One row per ``station_id, date``: ``so2, no2, co, pm10, pm2_5, o3_8h, o3_1h`` [μg/m³, CO
        mg/m³] rounded half to even (integers; CO 0.1), null when invalid; ``hours_<p>`` (valid hours),
        ``o3_8h_windows`` (valid 8-h windows); ``iaqi_<indicator>``, ``aqi``, ``level``,
        ``category``, ``color``, ``primary_pollutant``, ``exceeding_pollutants`` (HJ 633-2012 days
        only); ``valid`` (every indicator of the version valid or outside the monitoring plan),
        ``invalid`` (codes of invalid indicators), ``not_monitored``, ``standard`` (HJ 633 id),
        ``gb3095`` (GB 3095 id). ``o3_1h`` and ``iaqi_o3_1h`` are null on HJ 633-2026 days.

    Notes
    -----
    Day D covers the hours ending D 01:00 … D+1 00:00. 24-hour mean = Σ hourly values / n with
    ``n >= validity.daily_min_hours`` (20). O3 8-hour means for the windows ending 08:00 … 24:00
    (``hj663 o3_8h_daily_max``), each with at least ``o3_8h_min_hours`` (6) of its 8 hours, each
    rounded; the daily maximum is valid with at least ``min_valid_windows`` (14) valid windows or
    when it exceeds the class-2 8-hour limit. O3 daily maximum 1-hour (2012 days) needs
    ``o3_1h_daily_max.min_hours`` (20) hourly values. Sums are exact integers (milli-units); each
    mean is rounded half to even to the table's decimals and the IAQI is computed from the rounded
    value (HJ 633-2026: "浓度…按照GB/T 8170要求修约"). Above 800 μg/m³ for O3 8-h: 2012 uses the O3
    1-h IAQI, 2026 reports 300.

    References
    ----------
    GB 3095-2012/2026 表4; HJ 633-2012 5.1, 6.1; HJ 633-2026 4.2, 5.3; HJ 663-2013 (O3 8-h validity).
    """
    # HJ 663-2013 is the only statistics table (HJ 663-2026 text pending): its rules apply to all days
    hj663 = standards.versions("hj663")[-1]
    o3_rule, o3_1h_rule = hj663["o3_8h_daily_max"], hj663["o3_1h_daily_max"]
    first, last = int(o3_rule["first_window_end_hour"]), int(o3_rule["last_window_end_hour"])
    day = _station_days(frame.lazy())
    day = day.with_columns(
        _version_expr("hj633", pl.col("date"), standard).alias("standard"),
        _version_expr("gb3095", pl.col("date"), standard).alias("gb3095"))
    _check_versions(day, "standard", "date", "hj633")
    _check_versions(day, "gb3095", "date", "gb3095")
    tables = [t for t in _tables("hj633", standard) if t.id in set(day.get_column("standard").unique())] \
        or _tables("hj633", standard)[:1]
    largest = day.select(pl.max_horizontal([pl.col(f"_o3h{h}").abs().max() for h in range(1, last + 1)])).item()
    # the day's GB 3095 validity counts as columns, so the expressions below refer to them cheaply
    day = day.with_columns(
        _gb_value("gb3095", "daily_min_hours", standard).alias("_min_hours"),
        _gb_value("gb3095", "o3_8h_window_hours", standard).alias("_win"),
        _gb_value("gb3095", "o3_8h_min_hours", standard).alias("_win_min"),
        _limit_expr(pl.col("date"), "gb3095", "o3", "daily_max_8h", standard).alias("_o3_limit"))
    day = _o3_8h(day, first, last, each_window=largest is not None and largest >= 2 ** 41)
    # each HJ 633 table's days apart (the data are split by date once), so no expression below is
    # evaluated under a table that does not judge the row; one lazy plan per version, collected
    # together, whose steps run in parallel over chunks of the station-days
    keys = ["station_id", "date"]
    parts = [_station_day_values(sub, table_set, o3_rule, o3_1h_rule, keys)
             for sub, table_set in _by_version(day, tables, day.lazy())]
    return _sort_by_id_and_date((parts[0] if len(parts) == 1 else pl.concat(parts)).collect(), *keys)


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


def _by_version(day: pl.DataFrame, tables: list[standards.Standard], rows: Any = None) -> list[tuple[Any, list[standards.Standard]]]:
    """The rows of `day` judged by each table of `tables` (column ``standard``), each with its table;
    rows of no listed table (a null day) go together with every table, as before the split. `rows`
    (default `day`) is what is split: `day` itself or a lazy frame of the same rows."""
    rows = day if rows is None else rows
    if len(tables) == 1:
        return [(rows, tables)]
    ids = [t.id for t in tables]
    present = set(day.get_column("standard").drop_nulls().unique())
    out = [(rows.filter(pl.col("standard") == t.id), [t]) for t in tables if t.id in present]
    rest = ~pl.col("standard").is_in(ids) | pl.col("standard").is_null()
    if day.select(rest.any()).item():
        out.append((rows.filter(rest), tables))
    return out or [(rows, tables[:1])]


def _o3_8h(day: Any, first: int, last: int, each_window: bool = False) -> Any:
    """``_o3_8h_max`` (largest valid 8-h mean, integer μg/m³, rounded once), ``_wsmax`` and ``_wnmax``
    (that window's exact sum in milli-units and its count of hours: the unrounded daily value) and
    ``o3_8h_windows`` (valid windows) from the hourly O3 columns ``_o3h1..`` (milli-units) and the
    validity columns ``_win``, ``_win_min`` (eager or lazy). `each_window`: compare the windows exactly
    (needed once an hourly value reaches 2^41, where float means no longer tell them apart)."""
    # O3 8-h windows ending at hour t of the day: hours t-7 .. t (window length from the table: 8).
    # Sums and counts come from running sums over the hours (window = C[t] - C[t-8]), so the rounding
    # below works on plain columns.
    window_hours = int(standards.versions("gb3095")[-1]["validity"]["o3_8h_window_hours"])
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


def _station_day_values(day: pl.DataFrame, tables: list[standards.Standard], o3_rule: standards.Standard,
                        o3_1h_rule: standards.Standard, keys: list[str]) -> pl.DataFrame:
    """Daily values (reporting units) and the indices of station-days judged by `tables`."""
    decimals = {t.id: t["rounding"]["concentration"]["decimals"] for t in tables}
    min_hours = pl.col("_min_hours")
    units: list[pl.Expr] = []
    for code in ("so2", "no2", "co", "pm10", "pm2_5"):
        parts = {tid: rounding.div_half_even(pl.col(f"_sum_{code}"),
                                     pl.col(f"hours_{code}") * (MILLI // 10 ** int(d[code])))
                 for tid, d in decimals.items()}
        units.append(pl.when(pl.col(f"hours_{code}") >= min_hours)
                     .then(_by_table("standard", parts, pl.Int64)).alias(f"_u_{code}"))
    o3_ok = ((pl.col("o3_8h_windows") >= int(o3_rule["min_valid_windows"]))
             | (pl.lit(bool(o3_rule["exceedance_keeps_valid"]))
                & (pl.col("_o3_8h_max") > pl.col("_o3_limit") * 1)))
    units.append(pl.when(o3_ok & pl.col("_o3_8h_max").is_not_null()).then(pl.col("_o3_8h_max")).alias("_u_o3_8h"))
    has_1h = {t.id: "o3_1h" in t["daily"]["indicators"] for t in tables}
    o3_1h = rounding.div_half_even(pl.col("_max_o3"), pl.lit(MILLI))
    units.append(pl.when((pl.col("hours_o3") >= int(o3_1h_rule["min_hours"]))
                         & _by_table("standard", {k: pl.lit(v) for k, v in has_1h.items()}, pl.Boolean))
                 .then(o3_1h).alias("_u_o3_1h"))
    day = day.with_columns(units)
    # the unrounded daily values as exact fractions num / (den · MILLI), where the value is valid: what
    # area values and period statistics are computed from (only published figures are rounded)
    exact = [(f"_sum_{c}", f"hours_{c}", c) for c in ("so2", "no2", "co", "pm10", "pm2_5")]
    exact += [("_wsmax", "_wnmax", "o3_8h"), ("_max_o3", None, "o3_1h")]
    day = day.with_columns(
        [pl.when(pl.col(f"_u_{c}").is_not_null()).then(pl.col(num).cast(pl.Int64)).alias(f"num_{c}")
         for num, _, c in exact]
        + [pl.when(pl.col(f"_u_{c}").is_not_null()).then(pl.col(den).cast(pl.Int64) if den else pl.lit(1, dtype=pl.Int64))
           .alias(f"den_{c}") for _, den, c in exact])
    return _daily_indices(day, tables, decimals, keys=keys, sort=False)


def _daily_indices(day: pl.DataFrame, tables: list[standards.Standard], decimals: dict[str, dict],
                   keys: list[str], sort: bool = True) -> pl.DataFrame:
    """From ``_u_<code>`` integer values (reporting units) and ``_nm_<pollutant>`` flags: values,
    IAQIs, AQI, level, primary and exceeding pollutants, validity."""
    values = []
    for code in DAILY_INDICATORS:
        parts = {tid: _from_units(pl.col(f"_u_{code}"), int(d.get(code, 0))) for tid, d in decimals.items()}
        values.append(_by_table("standard", parts, pl.Float64).alias(code))
    day = day.with_columns(values)
    # not monitored on this day: flagged "/" and no value at all
    nm = [pl.when(pl.col(f"_nm_{p}")).then(pl.lit(p)) for p in ("so2", "no2", "co", "o3", "pm10", "pm2_5")]
    day = day.with_columns(pl.concat_str(nm, separator=",", ignore_nulls=True).alias("not_monitored"))

    def outside(p: str) -> pl.Expr:  # the day's "/" flag (what the not_monitored list says)
        return pl.col(f"_nm_{p}").fill_null(False)
    iaqi_cols = []
    for code in DAILY_INDICATORS:
        parts = {}
        for table in tables:
            indicators = table["daily"]["indicators"]
            if code not in indicators:
                continue
            unit = 10 ** int(decimals[table.id].get(code, 0))
            extra = None
            rule = (table.get("above_800") or {}).get(indicators[code])
            if rule and rule["action"] == "use_indicator":
                other = next(c for c, ind in indicators.items() if ind == rule["indicator"])
                extra = iaqi(pl.col(f"_u_{other}"), table, rule["indicator"],
                             unit=10 ** int(decimals[table.id].get(other, 0)))
            parts[table.id] = iaqi(pl.col(f"_u_{code}"), table, indicators[code], unit=unit, above_800=extra)
        iaqi_cols.append(_by_table("standard", parts, pl.Int64).alias(f"iaqi_{code}"))
    day = day.with_columns(iaqi_cols)
    # indicators not part of a row's version do not count as missing
    in_version = {code: {t.id: code in t["daily"]["indicators"] for t in tables} for code in DAILY_INDICATORS}
    missing = []
    for code in DAILY_INDICATORS:
        part = _by_table("standard", {k: pl.lit(v) for k, v in in_version[code].items()}, pl.Boolean)
        missing.append(pl.when(part & pl.col(code).is_null() & ~outside(_SOURCE[code])).then(pl.lit(code)))
    day = day.with_columns(pl.concat_str(missing, separator=",", ignore_nulls=True).alias("invalid"))
    day = day.with_columns((pl.col("invalid") == "").alias("valid"))
    exceeding = any(t.get("exceeding_pollutant") for t in tables)
    for stage in _aqi_columns(DAILY_INDICATORS, "standard", tables, exceeding=exceeding, not_monitored=outside):
        day = day.with_columns(stage)
    if not exceeding:
        day = day.with_columns(pl.lit(None, dtype=pl.String).alias("exceeding_pollutants"))
    names = day.collect_schema().names()
    hours = [c for c in names if c.startswith("hours_") or c == "o3_8h_windows"]
    order = (keys + ["aqi", "level", "category", "color", "primary_pollutant", "exceeding_pollutants", "valid",
                     "invalid", "not_monitored", *DAILY_INDICATORS, *[f"iaqi_{c}" for c in DAILY_INDICATORS],
                     *hours, "standard", "gb3095"])
    extra = [c for c in names if c in ("stations",)]
    exact = [f"{part}_{c}" for c in DAILY_INDICATORS for part in ("num", "den") if f"{part}_{c}" in names]
    out = day.select(order[:len(keys)] + extra + order[len(keys):] + exact)
    return out.sort(keys) if sort else out


# --------------------------------------------------------------------------------------------------
# area daily values
# --------------------------------------------------------------------------------------------------
def area_daily(daily: pl.DataFrame, areas: pl.DataFrame, standard: str = _AUTO) -> pl.DataFrame:
    """Daily concentrations and AQI of areas (cities, counties) from their stations' daily values.

    Parameters
    ----------
    daily : pl.DataFrame
        Output of :func:`daily_values`. Its ``num_<indicator>``, ``den_<indicator>`` columns (the
        unrounded daily values) are used; a frame without them (e.g. daily values read back from a
        CSV) is taken at its printed values.
    areas : pl.DataFrame
        ``station_id, area``; a station may belong to several areas.
    standard : {"auto", "2012", "2026"}
        Table choice, as in :func:`daily_values`.

    Returns
    -------
    pl.DataFrame
        One row per ``area, date``: ``stations`` (stations with at least one valid daily value that
        day), the indicators [μg/m³, CO mg/m³] rounded once, their IAQIs, ``aqi``, ``level``,
        ``category``, ``color``, ``primary_pollutant``, ``exceeding_pollutants``, ``valid``,
        ``invalid``, ``not_monitored``, ``standard``, ``gb3095``, and the unrounded area values as
        exact fractions ``num_<indicator> / (den_<indicator> · 1000)`` (Int128 columns).

    Notes
    -----
    ``C_area = Σ C_station / n`` over the stations whose daily value of that indicator is valid, at
    statistical precision: the stations' unrounded daily values are summed exactly (over a common
    denominator) and only the area value is rounded, half to even (GB/T 8170), to the reporting
    decimals. IAQI, AQI and primary pollutant are then computed from the rounded area concentrations
    under the HJ 633 table in force that day (not from the stations' AQIs). An indicator is "not
    monitored" in the area only when no station of the area monitors it.

    References
    ----------
    HJ 663-2013 (城市浓度为评价点位浓度的算术平均); HJ 633-2012 5/6, HJ 633-2026 4.2, 5.3; GB/T 8170.
    """
    tables_all = _tables("hj633", standard)
    link = areas.select(pl.col("station_id").cast(pl.String), pl.col("area").cast(pl.String)).unique()
    exact = all(f"{part}_{c}" in daily.columns for c in DAILY_INDICATORS for part in ("num", "den"))
    used = ["station_id", "date", *DAILY_INDICATORS, "not_monitored"]
    if exact:
        used += [f"{part}_{c}" for c in DAILY_INDICATORS for part in ("num", "den")]
    df = daily.select([c for c in used if c in daily.columns]).join(link, on="station_id", how="inner")
    if not exact:  # printed values: exact in milli-units (at most 3 decimals)
        df = df.with_columns([_scaled(pl.col(c)).alias(f"num_{c}") for c in DAILY_INDICATORS]
                             + [pl.when(pl.col(c).is_not_null()).then(pl.lit(1, dtype=pl.Int64)).alias(f"den_{c}")
                                for c in DAILY_INDICATORS])
    df = df.with_columns(_version_expr("hj633", pl.col("date"), standard).alias("standard"),
                         _version_expr("gb3095", pl.col("date"), standard).alias("gb3095"))
    tables = [t for t in tables_all if t.id in set(df.get_column("standard").unique())] or tables_all[:1]
    decimals = {t.id: t["rounding"]["concentration"]["decimals"] for t in tables}
    # per indicator, every station value over one common denominator L (the lcm of the counts present):
    # num/den = num·(L/den) / L, summed exactly as Int128
    common = {c: _lcm_of(df.get_column(f"den_{c}")) for c in DAILY_INDICATORS}
    largest = {c: _abs_max(df.get_column(f"num_{c}")) for c in DAILY_INDICATORS}
    most = int(df.group_by("area", "date").len().get_column("len").max() or 0) if df.height else 0
    for c in DAILY_INDICATORS:
        _check_exact(largest[c] * common[c] * max(most, 1), f"area daily {c}")
    df = df.with_columns([(pl.col(f"num_{c}").cast(pl.Int128) * (_big(common[c]) // pl.col(f"den_{c}"))).alias(f"_t_{c}")
                          for c in DAILY_INDICATORS])
    df = df.with_columns(pl.col("not_monitored").fill_null("").str.split(",").alias("_nml"))
    aggs: list[pl.Expr] = [
        pl.col("station_id").filter(pl.any_horizontal([pl.col(c).is_not_null() for c in DAILY_INDICATORS]))
        .n_unique().alias("stations")]
    for c in DAILY_INDICATORS:
        aggs += [pl.col(f"_t_{c}").sum().alias(f"_s_{c}"), pl.col(f"_t_{c}").count().cast(pl.Int64).alias(f"_n_{c}")]
    for p in ("so2", "no2", "co", "o3", "pm10", "pm2_5"):
        aggs.append(pl.col("_nml").list.contains(p).all().alias(f"_nm_{p}"))
    # the tables are functions of the date: grouping by (area, date) gives the same groups, cheaper
    aggs += [pl.col("standard").first(), pl.col("gb3095").first()]
    day = df.group_by("area", "date").agg(aggs)
    # the area value in reporting units (1/10^decimals), rounded once: Σ / (n · L · MILLI / 10^decimals)
    step = {code: _by_table("standard", {tid: pl.lit(MILLI // 10 ** int(d.get(code, 0))) for tid, d in decimals.items()},
                            pl.Int64) for code in DAILY_INDICATORS}
    day = day.with_columns(
        [pl.when(pl.col(f"_n_{c}") > 0)
         .then(rounding.div_half_even(pl.col(f"_s_{c}"), pl.col(f"_n_{c}").cast(pl.Int128) * _big(common[c]) * step[c])
               .cast(pl.Int64)).alias(f"_u_{c}") for c in DAILY_INDICATORS]
        + [pl.when(pl.col(f"_n_{c}") > 0).then(pl.col(f"_s_{c}")).alias(f"num_{c}") for c in DAILY_INDICATORS]
        + [pl.when(pl.col(f"_n_{c}") > 0).then(pl.col(f"_n_{c}").cast(pl.Int128) * _big(common[c])).alias(f"den_{c}")
           for c in DAILY_INDICATORS])
    keys = ["area", "date"]
    parts = [_daily_indices(sub, ts, {t.id: decimals[t.id] for t in ts}, keys=keys, sort=False)
             for sub, ts in _by_version(day, tables)]
    out = (parts[0] if len(parts) == 1 else pl.concat(parts)).sort(keys)
    return out.drop([c for c in out.columns if c.startswith("hours_") or c == "o3_8h_windows"])


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


# --------------------------------------------------------------------------------------------------
# period statistics
# --------------------------------------------------------------------------------------------------
def _period_frame(daily: pl.DataFrame, period: str) -> pl.DataFrame:
    d = pl.col("date")
    if period == "month":
        return daily.with_columns(d.dt.strftime("%Y-%m").alias("period"))
    if period == "quarter":
        return daily.with_columns(pl.format("{}Q{}", d.dt.year(), d.dt.quarter()).alias("period"))
    if period == "year":
        return daily.with_columns(d.dt.year().cast(pl.String).alias("period"))
    if period == "ytd":
        months = daily.select(d.dt.year().alias("_y"), d.dt.month().alias("_m")).unique()
        joined = daily.with_columns(d.dt.year().alias("_y"), d.dt.month().alias("_dm")).join(months, on="_y")
        return (joined.filter(pl.col("_dm") <= pl.col("_m"))
                .with_columns(pl.format("{}-01~{}", pl.col("_y"), pl.col("_m").cast(pl.String).str.zfill(2))
                              .alias("period"))
                .drop("_y", "_m", "_dm"))
    raise ValueError(f"unknown period {period!r}: month, quarter, ytd or year")


def percentile(values: pl.Expr, p: int, unit: int = 1) -> pl.Expr:
    """p-th percentile of a group's values by HJ 663, exact on values with 1/`unit` resolution.

    Parameters
    ----------
    values : pl.Expr
        Daily values [μg/m³; CO mg/m³] (nulls ignored).
    p : int
        Percentile [%], 0-100.
    unit : int
        Resolution of the values (1 for integers, 10 for 0.1 mg/m³).

    Returns
    -------
    pl.Expr
        Float64 percentile (unrounded, exact to 1/(100·unit)).

    Notes
    -----
    Ascending order X(1..n); ``k = 1 + (n - 1)·p/100``; ``s = int(k)``;
    ``m_p = X(s) + (X(s+1) - X(s))·(k - s)`` (numpy "linear", Excel PERCENTILE.INC). Evaluated as
    integers: ``100·m_p·unit = 100·X(s) + (X(s+1) - X(s))·((n-1)·p mod 100)``.

    References
    ----------
    HJ 663-2013 (百分位数计算方法).
    """
    x = _sorted_units(values, unit)
    return _percentile_of_sorted(x.len(), lambda i: x.get(i, null_on_oob=True), p, unit)


def _sorted_units(values: pl.Expr, unit: int) -> pl.Expr:
    """A group's non-null values as ascending Int64 counts of 1/`unit`."""
    return (values * unit).round(0).cast(pl.Int64).drop_nulls().sort()


def _percentile_of_sorted(length: pl.Expr, get: Any, p: int, unit: int) -> pl.Expr:
    """:func:`percentile` of ascending integer values given by their count and an element getter (the
    same arithmetic on a group's values or on a list column of them)."""
    n = length.cast(pl.Int64)
    pos = (n - 1) * p
    s0 = pos // 100
    s1 = pl.min_horizontal(s0 + 1, n - 1)
    frac = pos % 100
    lo, hi = get(s0), get(s1)
    return pl.when(n > 0).then((lo * 100 + (hi - lo) * frac) / (100 * unit))


def _percentile_numerator(length: pl.Expr, get: Any, p: int) -> pl.Expr:
    """``100 · m_p`` of the HJ 663 percentile of ascending integers given by their count and an element
    getter: ``100·X(s) + (X(s+1) − X(s))·((n−1)·p mod 100)``, exact (null when there are none)."""
    n = length.cast(pl.Int64)
    pos = (n - 1) * p
    s0 = pos // 100
    s1 = pl.min_horizontal(s0 + 1, n - 1)
    frac = pos % 100
    lo, hi = get(s0), get(s1)
    return pl.when(n > 0).then(lo * 100 + (hi - lo) * frac)


def period_stats(area_daily_frame: pl.DataFrame, period: str = "month", dust: pl.DataFrame | None = None,
                 weighted: bool | None = None, standard: str = _AUTO) -> pl.DataFrame:
    """Period statistics, composite index and ranking of areas (HJ 663, GB 3095, ranking rules).

    Parameters
    ----------
    area_daily_frame : pl.DataFrame
        Output of :func:`area_daily`.
    period : {"month", "quarter", "ytd", "year"}
        Calendar periods (Beijing). ``ytd`` gives, for every month M with data, January..M of that
        year (label ``YYYY-01~MM``).
    dust : pl.DataFrame, optional
        ``area, date`` of sand-dust-affected days. When given the result is "扣沙": those days'
        PM10 and PM2.5 values are left out of the period concentrations and the composite index,
        while valid days, good days and level counts keep them. Without it: "不扣沙".
    weighted : bool, optional
        Use the unverified weighted 2026 composite index; default from the hj663 table (off).
    standard : {"auto", "2012", "2026"}
        Table choice for the composite-index denominators and limits.

    Returns
    -------
    pl.DataFrame
        One row per ``area, period``: ``standard`` ("2012", "2026" or "2012+2026"), ``valid_days``,
        ``so2, no2, pm10, pm2_5`` (means) and ``co`` (mean), ``co_p95``, ``o3_8h_p90``,
        ``so2_p98, no2_p98, pm10_p95, pm2_5_p95`` [μg/m³; CO mg/m³] rounded half to even;
        ``days_<indicator>`` (valid days per indicator), ``good_days``, ``good_day_ratio`` [%],
        ``days_level1..6``, ``over_<indicator>`` (days above the class-2 24-h limit of the day's
        table), ``compliant_<statistic>`` and ``compliant`` (class-2 limits of the table/phase in
        force on the period's last day), ``composite_index``, ``composite_primary``, ``complete``
        (every indicator has enough valid daily values in each month of the period, and in the year),
        ``rank``, ``rank_value``, ``dust``, ``notes``.

    Notes
    -----
    Means are arithmetic means of valid daily values; ``co_p95`` and ``o3_8h_p90`` are percentiles
    by :func:`percentile`. ``I_i = C_i / S_i`` with C at statistical precision (unrounded means and
    percentiles) and S the class-2 limits named in ``hj663 composite_index.components``;
    ``composite_index = Σ w_i·I_i`` rounded to 2 decimals; ``composite_primary`` = largest I_i.
    Areas are ranked ascending on the rounded index within each period; equal indices share the
    smaller rank, written "n（并列）". The index is null (and unranked) when a component is
    missing; an area whose data fall short of the validity counts keeps its index but is not ranked
    (its notes say what is missing). ``good_day_ratio = good_days / valid_days × 100`` (1 decimal); a valid day is a day
    with an area AQI. Notes list validity shortfalls (per month: 27 days, 25 in February; per
    year: 324) and the HJ 663-2026 pending notice.

    References
    ----------
    GB 3095-2012/2026 表1, 表4; HJ 663-2013; 城市环境空气质量排名技术规定 (环办〔2014〕64号);
    环办监测〔2016〕120号 (扣沙).
    """
    rules = standards.versions("hj663")[-1]
    stats_rule, comp, sand = rules["statistics"], rules["composite_index"], rules["sand_dust"]
    if weighted is None:
        weighted = bool(comp["weighted_variant_2026"]["enabled"])
    weights = comp["weighted_variant_2026"]["weights"] if weighted else comp["weights"]
    dec = stats_rule["decimals"]
    df = _period_frame(area_daily_frame, period)
    deducted = dust is not None
    if deducted:
        flags = dust.select(pl.col("area").cast(pl.String), pl.col("date").cast(pl.Date)).unique() \
            .with_columns(pl.lit(True).alias("_dust"))
        df = df.join(flags, on=["area", "date"], how="left").with_columns(pl.col("_dust").fill_null(False))
    else:
        df = df.with_columns(pl.lit(False).alias("_dust"))
    label_of = {t.id: str(t.get("label", t.id)) for t in standards.versions("hj633")}
    df = df.with_columns(pl.col("standard").replace_strict(label_of, default=pl.col("standard")).alias("_label"))

    def kept(code: str, column: str | None = None) -> pl.Expr:
        col = pl.col(column or code)
        return col.filter(~pl.col("_dust")) if code in sand["deduct"] else col

    # the unrounded daily values over one common denominator K per indicator: value = X / (K · MILLI)
    pct_specs = {**stats_rule["percentiles"], **stats_rule["annual_percentiles"]}
    codes = list(dict.fromkeys(stats_rule["means"] + ["co"] + [spec["indicator"] for spec in pct_specs.values()]))
    if not all(f"{part}_{c}" in df.columns for c in codes for part in ("num", "den")):
        df = df.with_columns([_scaled(pl.col(c)).alias(f"num_{c}") for c in codes]
                             + [pl.when(pl.col(c).is_not_null()).then(pl.lit(1, dtype=pl.Int64)).alias(f"den_{c}")
                                for c in codes])
    common = {c: _lcm_of(df.get_column(f"den_{c}")) for c in codes}
    most = int(df.group_by("area", "period").len().get_column("len").max() or 0) if df.height else 0
    for c in codes:
        smallest = int(df.get_column(f"den_{c}").drop_nulls().min() or 1) if df.height else 1
        _check_exact(_abs_max(df.get_column(f"num_{c}")) * (common[c] // max(smallest, 1)) * max(most, 1) * 100,
                     f"period statistics {c}")
    df = df.with_columns([(pl.col(f"num_{c}").cast(pl.Int128) * (_big(common[c]) // pl.col(f"den_{c}").cast(pl.Int128)))
                          .alias(f"_X_{c}") for c in codes])

    aggs: list[pl.Expr] = [
        pl.col("_label").unique().sort().str.join("+").alias("standard"),
        pl.col("aqi").count().alias("valid_days"),
        (pl.col("aqi") <= rules["good_days"]["aqi_at_most"]).sum().cast(pl.Int64).alias("good_days"),
        pl.col("date").max().alias("_last"),
        pl.col("date").min().alias("_first"),
        pl.col("gb3095").sort_by("date").last().alias("_gb"),
    ]
    for k in range(1, 7):
        aggs.append((pl.col("level") == k).sum().cast(pl.Int64).alias(f"days_level{k}"))
    for code in stats_rule["means"] + ["co"]:
        aggs += [kept(code, f"_X_{code}").sum().alias(f"_sx_{code}"),
                 kept(code, f"_X_{code}").count().cast(pl.Int64).alias(f"_nx_{code}")]
    for code in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h"):
        aggs.append(kept(code).count().alias(f"days_{code}"))
    # each percentile's indicator sorted once per group (as a list of exact numerators); the
    # percentiles are read from the lists after the group-by, with the arithmetic of percentile()
    indicators = list(dict.fromkeys(spec["indicator"] for spec in pct_specs.values()))
    for ind in indicators:
        aggs.append(kept(ind, f"_X_{ind}").drop_nulls().sort().alias(f"_x_{ind}"))
    limits = {"so2": "daily", "no2": "daily", "co": "daily", "pm10": "daily", "pm2_5": "daily"}
    df = df.with_columns(
        [_limit_expr(pl.col("date"), "gb3095", c, a, standard).alias(f"_lim_{c}") for c, a in limits.items()]
        + [_limit_expr(pl.col("date"), "gb3095", "o3", "daily_max_8h", standard).alias("_lim_o3_8h")])
    for code in list(limits) + ["o3_8h"]:
        aggs.append((pl.col(code) > pl.col(f"_lim_{code}")).sum().cast(pl.Int64).alias(f"over_{code}"))
    out = df.group_by("area", "period").agg(aggs)
    # each statistic as an exact numerator over its denominator (means: Σ X / (n · K · MILLI);
    # percentiles: (100·X(s) + (X(s+1) − X(s))·frac) / (100 · K · MILLI)), then as a float at statistical
    # precision (the composite index) and rounded once, half to even, to the published decimals
    exact: dict[str, tuple[pl.Expr, pl.Expr]] = {}
    for code in stats_rule["means"] + ["co"]:
        exact[code] = (pl.col(f"_sx_{code}"), pl.col(f"_nx_{code}").cast(pl.Int128) * _big(common[code] * MILLI))
    for name, spec in pct_specs.items():
        ind = spec["indicator"]
        x = pl.col(f"_x_{ind}")
        exact[name] = (_percentile_numerator(x.list.len(), lambda i, x=x: x.list.get(i, null_on_oob=True), int(spec["p"])),
                       _big(100 * common[ind] * MILLI))
    out = out.with_columns([num.alias(f"_pn_{name}") for name, (num, _) in exact.items()])
    stats = {name: (pl.col(f"_pn_{name}"), den) for name, (_, den) in exact.items()}
    decimals_of = {**{c: int(dec.get(c, 1)) for c in stats_rule["means"] + ["co"]},
                   **{n: int(dec.get(n, 0)) for n in pct_specs}}
    out = out.with_columns(
        [pl.when(den > 0).then(num.cast(pl.Float64) / den.cast(pl.Float64)).alias(f"_c_{name}")
         for name, (num, den) in stats.items()]
        + [pl.when(den > 0).then(_from_units(rounding.div_half_even(num * 10 ** decimals_of[name], den).cast(pl.Int64),
                                             decimals_of[name])).alias(name)
           for name, (num, den) in stats.items()])
    out = out.drop([f"_x_{ind}" for ind in indicators] + [f"_pn_{name}" for name in stats])
    ratio_dec = int(rules["good_days"]["ratio_decimals"])
    out = out.with_columns(
        pl.when(pl.col("valid_days") > 0)
        .then(rounding.div_half_even(pl.col("good_days") * 100 * 10 ** ratio_dec, pl.col("valid_days")) / 10 ** ratio_dec)
        .alias("good_day_ratio"))

    # composite index with denominators of the GB 3095 table/phase in force on the last day
    last = pl.col("_last")
    parts = []
    for name, spec in comp["components"].items():
        s = _limit_expr(last, "_gb", spec["pollutant"], spec["averaging"], standard)
        parts.append((float(weights.get(name, 1)) * pl.col(f"_c_{name}") / s).alias(f"_i_{name}"))
        out = out.with_columns(s.alias(f"_s_{name}"))
    out = out.with_columns(parts)
    idx = [pl.col(f"_i_{n}") for n in comp["components"]]
    complete = pl.all_horizontal([c.is_not_null() for c in idx])
    out = out.with_columns(
        pl.when(complete).then(rounding.float_stat(pl.sum_horizontal(idx), int(comp["decimals"]))).alias("composite_index"),
        pl.when(complete).then(pl.max_horizontal(idx)).alias("_imax"))
    names = [pl.when(pl.col(f"_i_{n}") == pl.col("_imax")).then(pl.lit("o3_8h" if n.startswith("o3") else
                                                                        n.split("_p")[0])) for n in comp["components"]]
    out = out.with_columns(pl.when(complete).then(pl.concat_str(names, separator=",", ignore_nulls=True))
                           .alias("composite_primary"))
    # compliance against class-2 limits in force on the last day
    checks = {"so2": ("so2", "annual"), "no2": ("no2", "annual"), "pm10": ("pm10", "annual"),
              "pm2_5": ("pm2_5", "annual"), "co_p95": ("co", "daily"), "o3_8h_p90": ("o3", "daily_max_8h")}
    annual = {"so2": "so2_p98", "no2": "no2_p98", "pm10": "pm10_p95", "pm2_5": "pm2_5_p95"}
    comp_cols = []
    for stat, (pollutant, averaging) in checks.items():
        ok = pl.col(stat) <= _limit_expr(last, "_gb", pollutant, averaging, standard)
        if period == "year" and stat in annual:
            ok = ok & (pl.col(annual[stat]) <= _limit_expr(last, "_gb", pollutant, "daily", standard))
        comp_cols.append(ok.alias(f"compliant_{stat}"))
    out = out.with_columns(comp_cols)
    out = out.with_columns(pl.all_horizontal([pl.col(f"compliant_{s}") for s in checks]).alias("compliant"))
    # rank: only areas whose statistics meet the validity counts (GB 3095 表4) take part; an area whose
    # data fall short keeps its index but is left out, and its notes say what is missing (城市环境空气质量
    # 排名技术规定 / 环办监测函〔2017〕197号: "数据不满足统计有效性规定的城市公布其数据缺失情况")
    out = out.join(_notes(df, period, rules), on=["area", "period"], how="left")
    out = out.with_columns((pl.col("_notes").is_null() & pl.col("composite_index").is_not_null()).alias("complete"))
    ranked = pl.when(pl.col("complete")).then(pl.col("composite_index"))
    out = out.with_columns(
        ranked.rank(method="min").over("period").cast(pl.Int64).alias("rank_value"),
        ranked.count().over(["period", ranked]).alias("_ties"))
    out = out.with_columns(
        pl.when(pl.col("rank_value").is_null()).then(pl.lit(None, dtype=pl.String))
        .when(pl.col("_ties") > 1).then(pl.format("{}（{}）", pl.col("rank_value"), pl.lit(comp["tie_label_zh"])))
        .otherwise(pl.col("rank_value").cast(pl.String)).alias("rank"),
        pl.lit(sand["label_deducted_zh"] if deducted else sand["label_kept_zh"]).alias("dust"))
    missing_note = [pl.when(pl.col(f"_c_{n}").is_null()).then(pl.lit(f"缺少{_ZH.get(n, n)}统计值，综合指数未计算"))
                    for n in comp["components"]]
    missing_note.append(pl.when(pl.col("_notes").is_not_null() & pl.col("composite_index").is_not_null())
                        .then(pl.lit("数据不满足统计有效性要求，不参与排名")))
    pending = rules.get("pending") or {}
    pend = pl.lit(False)
    if pending:
        pend = pl.col("_last") >= pl.lit(as_date(pending["from"]))
    weighted_note = pl.lit("综合指数按未经核实的加权方法（PM2.5×3、NO2×2、O3×2）计算" if weighted else None,
                           dtype=pl.String)
    out = out.with_columns(pl.concat_str(
        [pl.col("_notes"), pl.concat_str(missing_note, separator="；", ignore_nulls=True).replace("", None),
         weighted_note, pl.when(pend).then(pl.lit(pending.get("note_zh")))],
        separator="；", ignore_nulls=True).alias("notes"))
    out = out.with_columns(pl.when(pl.col("notes") == "").then(None).otherwise(pl.col("notes")).alias("notes"))
    first = ["area", "period", "standard", "valid_days", "so2", "no2", "pm10", "pm2_5", "co_p95", "o3_8h_p90",
             "good_days", "good_day_ratio", *[f"days_level{k}" for k in range(1, 7)], "composite_index",
             "composite_primary", "rank", "dust", "notes"]
    rest = ["co", "so2_p98", "no2_p98", "pm10_p95", "pm2_5_p95",
            *[f"days_{c}" for c in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")],
            *[f"over_{c}" for c in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")],
            *[f"compliant_{s}" for s in checks], "compliant", "complete", "rank_value"]
    return out.select(first + rest).sort("period", "rank_value", "area", nulls_last=True)


_ZH = vocabulary_air.ASCII


def _notes(df: pl.DataFrame, period: str, rules: standards.Standard) -> pl.DataFrame:
    """Validity notes per area and period: months or years with too few valid daily values."""
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
                 .group_by("area", "period").agg(pl.col("_t").str.join("；").alias("_month_notes")))
    base = df.select("area", "period").unique()
    out = base.join(per_month, on=["area", "period"], how="left")
    if period == "year":
        need = int(standards.versions("gb3095")[-1]["validity"]["annual_min_days"])
        yearly = (df.group_by("area", "period").agg([pl.col(c).count().alias(c) for c in codes])
                  .unpivot(index=["area", "period"], on=list(codes), variable_name="_code", value_name="_n")
                  .filter(pl.col("_n") < need)
                  .with_columns(pl.col("_code").replace_strict(_ZH, default=pl.col("_code")).alias("_zh"))
                  .sort("_code")
                  .with_columns(pl.format("全年{}有效日数{}，少于{}", pl.col("_zh"), pl.col("_n"), pl.lit(need)).alias("_t"))
                  .group_by("area", "period").agg(pl.col("_t").str.join("；").alias("_year_notes")))
        out = out.join(yearly, on=["area", "period"], how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("_year_notes"))
    return out.select("area", "period",
                      pl.concat_str([pl.col("_year_notes"), pl.col("_month_notes")], separator="；",
                                    ignore_nulls=True).replace("", None).alias("_notes"))


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
    rules = standards.versions("hj663")[-1]["change"]
    concentrations, ratios = list(concentrations), list(ratios)
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
