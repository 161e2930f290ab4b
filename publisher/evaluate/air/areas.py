"""Daily values of areas (cities, counties) from their stations' unrounded daily values."""
from __future__ import annotations

import polars as pl

from publisher import rounding
from publisher.evaluate.air._kernels import MILLI, _abs_max, _big, _check_exact, _lcm_of, _scaled
from publisher.evaluate.air.daily import _by_version, _daily_indices
from publisher.evaluate.air.tables import _AUTO, _by_table, _tables, _version_expr
from publisher.vocabulary.air import DAILY_INDICATORS


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
