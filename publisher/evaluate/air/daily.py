"""Daily values per station and natural day (HJ 633, HJ 663, GB 3095 表4)."""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher import rounding, standards
from publisher.evaluate.air._kernels import MILLI, _from_units, _o3_8h, _sort_by_id_and_date, _station_days
from publisher.evaluate.air.aqi import _SOURCE, _aqi_columns, _nm_contains, _with_nm, iaqi
from publisher.evaluate.air.tables import (
    _AUTO, _by_table, _check_versions, _gb_value, _limit_expr, _split_by_table, _tables, _version_expr)
from publisher.vocabulary.air import DAILY_INDICATORS, POLLUTANTS


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
    return _daily_from_station_days(_station_days(frame.lazy()), standard)


def _daily_from_station_days(day: pl.DataFrame, standard: str = _AUTO) -> pl.DataFrame:
    """:func:`daily_values` from the station-day aggregates of ``_station_days`` (what the store keeps,
    ``publisher/evaluate/air/station_days.py``): each row's result depends on that row alone."""
    day = day.with_columns(
        _version_expr("hj633", pl.col("date"), standard).alias("standard"),
        _version_expr("gb3095", pl.col("date"), standard).alias("gb3095"),
        _version_expr("hj663", pl.col("date")).alias("_hj663"))
    _check_versions(day, "standard", "date", "hj633")
    _check_versions(day, "gb3095", "date", "gb3095")
    _check_versions(day, "_hj663", "date", "hj663")
    tables = [t for t in _tables("hj633", standard) if t.id in set(day.get_column("standard").unique())] \
        or _tables("hj633", standard)[:1]
    # the day's GB 3095 validity counts as columns, so the expressions below refer to them cheaply
    day = day.with_columns(
        _gb_value("gb3095", "daily_min_hours", standard).alias("_min_hours"),
        _gb_value("gb3095", "o3_8h_window_hours", standard).alias("_win"),
        _gb_value("gb3095", "o3_8h_min_hours", standard).alias("_win_min"),
        _limit_expr(pl.col("date"), "gb3095", "o3", "daily_max_8h", standard).alias("_o3_limit"))
    keys = ["station_id", "date"]
    parts = []
    # the O3 windows and the O3 validity rules of the HJ 663 table in force on each day (one pass when
    # one table judges every day)
    for rows, hj663 in _split_by_table(day, "_hj663", "hj663"):
        o3_rule, o3_1h_rule = hj663["o3_8h_daily_max"], hj663["o3_1h_daily_max"]
        first, last = int(o3_rule["first_window_end_hour"]), int(o3_rule["last_window_end_hour"])
        largest = rows.select(pl.max_horizontal([pl.col(f"_o3h{h}").abs().max() for h in range(1, last + 1)])).item()
        rows = _o3_8h(rows, first, last, each_window=largest is not None and largest >= 2 ** 41)
        # each HJ 633 table's days apart (the data are split by date once), so no expression below is
        # evaluated under a table that does not judge the row; one lazy plan per version, collected
        # together, whose steps run in parallel over chunks of the station-days
        parts += [_station_day_values(sub, table_set, o3_rule, o3_1h_rule, keys)
                  for sub, table_set in _by_version(rows, tables, rows.lazy())]
    return _sort_by_id_and_date((parts[0] if len(parts) == 1 else pl.concat(parts)).collect(), *keys)


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
    nm = [pl.when(pl.col(f"_nm_{p}")).then(pl.lit(p)) for p in POLLUTANTS]
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
