"""Individual and overall air quality indices (HJ 633): IAQI, AQI, level, primary and exceeding
pollutants, and the real-time (hourly) AQI."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from publisher import rounding, standards
from publisher.evaluate.air._kernels import MILLI, _ceil_div, _scaled
from publisher.evaluate.air.tables import _AUTO, _by_table, _check_versions, _gb_value, _tables, _version_expr
from publisher.vocabulary.air import DAILY_INDICATORS, POLLUTANTS


_SOURCE = {"so2": "so2", "no2": "no2", "co": "co", "pm10": "pm10", "pm2_5": "pm2_5", "o3_8h": "o3", "o3_1h": "o3"}


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
    # SO2 1-h above the table's limit (800 μg/m³, HJ 633-2012 表1 注(2)) is indexed on the 24-h moving mean
    moving = [t["above_800"]["so2_1h"] for t in tables
              if ((t.get("above_800") or {}).get("so2_1h") or {}).get("action") == "use_indicator"]
    so2_24h: pl.Expr | None = None
    if moving and df.height and df.select(
            (pl.col("_so2") > min(int(round(r["above"] * MILLI)) for r in moving)).any()).item():
        # the 24-h mean's minimum count of hours: GB 3095 表4 of the table judging the hour's day
        gb_standard = "2012" if standard != _AUTO else _AUTO
        df = df.with_columns(
            _version_expr("gb3095", (pl.col("time") - pl.duration(hours=1)).dt.date(), gb_standard).alias("_gbv"))
        min_hours = _gb_value("_gbv", "daily_min_hours", gb_standard)
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
