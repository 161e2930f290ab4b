"""Daily values of areas (cities, counties) from their stations' unrounded daily values."""
from __future__ import annotations

import polars as pl

from publisher import rounding
from publisher.evaluate.air._kernels import MILLI, _abs_max, _big, _check_exact, _lcm_of, _scaled
from publisher.evaluate.air.daily import _by_version, _daily_indices
from publisher.evaluate.air.tables import _AUTO, _by_table, _tables, _version_expr
from publisher.vocabulary.air import DAILY_INDICATORS, POLLUTANTS


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
    # areas and stations as integer codes (areas numbered in their sorted order, so that sorting on the
    # code sorts on the name): the join, group-by and sort below work on integers, not texts
    link = areas.select(pl.col("station_id").cast(pl.String), pl.col("area").cast(pl.String)).unique()
    names = link.get_column("area").unique().sort()
    link = link.with_columns(
        pl.col("area").replace_strict(names, pl.int_range(0, len(names), eager=True), return_dtype=pl.UInt32)
        .alias("_area"),
        pl.col("station_id").rank("dense").cast(pl.UInt32).alias("_sid")).drop("area")
    exact = all(f"{part}_{c}" in daily.columns for c in DAILY_INDICATORS for part in ("num", "den"))
    used = ["station_id", "date", *DAILY_INDICATORS, "not_monitored"]
    if exact:
        used += [f"{part}_{c}" for c in DAILY_INDICATORS for part in ("num", "den")]
    df = daily.select([c for c in used if c in daily.columns]).join(link, on="station_id", how="inner")
    if not exact:  # printed values: exact in milli-units (at most 3 decimals)
        df = df.with_columns([_scaled(pl.col(c)).alias(f"num_{c}") for c in DAILY_INDICATORS]
                             + [pl.when(pl.col(c).is_not_null()).then(pl.lit(1, dtype=pl.Int64)).alias(f"den_{c}")
                                for c in DAILY_INDICATORS])
    # per indicator, every station value over one common denominator L (the lcm of the counts present):
    # num/den = num·(L/den) / L, summed exactly
    common = {c: _lcm_of(df.get_column(f"den_{c}")) for c in DAILY_INDICATORS}
    largest = {c: _abs_max(df.get_column(f"num_{c}")) for c in DAILY_INDICATORS}
    # a station-day comes once (as daily_values gives them: sorted, unique): then the stations of an
    # area's day are counted without a distinct count
    sid, date = pl.col("station_id"), pl.col("date")
    once = daily.height < 2 or bool(daily.select(
        ((sid > sid.shift(1)) | ((sid == sid.shift(1)) & (date > date.shift(1)))).slice(1).all()).item())
    # Int64 when every term fits; the sums are then checked against the largest group (a sum that could
    # have wrapped is taken again as Int128)
    day = None
    if all(_fits_int64(largest[c], common[c], 1) for c in DAILY_INDICATORS):
        day = _area_groups(df, common, pl.Int64, once)
        most = int(day.select(pl.max_horizontal([pl.col(f"_n_{c}").max() for c in DAILY_INDICATORS])).item() or 0)
    if day is None or not all(_fits_int64(largest[c], common[c], most) for c in DAILY_INDICATORS):
        most = int(df.group_by("_area", "date").len().get_column("len").max() or 0) if df.height else 0
        for c in DAILY_INDICATORS:
            _check_exact(largest[c] * common[c] * max(most, 1), f"area daily {c}")
        day = _area_groups(df, common, pl.Int128, once)
    del df
    day = day.with_columns(_version_expr("hj633", pl.col("date"), standard).alias("standard"),
                           _version_expr("gb3095", pl.col("date"), standard).alias("gb3095"))
    tables = [t for t in tables_all if t.id in set(day.get_column("standard").unique())] or tables_all[:1]
    decimals = {t.id: t["rounding"]["concentration"]["decimals"] for t in tables}
    # the area value in reporting units (1/10^decimals), rounded once: Σ / (n · L · MILLI / 10^decimals)
    sum_type = day.schema[f"_s_{DAILY_INDICATORS[0]}"]
    step = {code: _by_table("standard", {tid: pl.lit(MILLI // 10 ** int(d.get(code, 0))) for tid, d in decimals.items()},
                            pl.Int64) for code in DAILY_INDICATORS}
    day = day.with_columns(
        [pl.when(pl.col(f"_n_{c}") > 0)
         .then(rounding.div_half_even(pl.col(f"_s_{c}"),
                                      pl.col(f"_n_{c}").cast(sum_type) * pl.lit(common[c], dtype=sum_type) * step[c])
               .cast(pl.Int64)).alias(f"_u_{c}") for c in DAILY_INDICATORS]
        + [pl.when(pl.col(f"_n_{c}") > 0).then(pl.col(f"_s_{c}").cast(pl.Int128)).alias(f"num_{c}")
           for c in DAILY_INDICATORS]
        + [pl.when(pl.col(f"_n_{c}") > 0).then(pl.col(f"_n_{c}").cast(pl.Int128) * _big(common[c])).alias(f"den_{c}")
           for c in DAILY_INDICATORS])
    keys = ["_area", "date"]
    parts = [_daily_indices(sub, ts, {t.id: decimals[t.id] for t in ts}, keys=keys, sort=False)
             for sub, ts in _by_version(day, tables)]
    out = parts[0] if len(parts) == 1 else pl.concat(parts)
    # (area code, date) in order, as one integer (a null date first, as sort() puts it)
    out = out.sort(pl.col("_area").cast(pl.Int64) * 2 ** 33
                   + pl.col("date").cast(pl.Int32).cast(pl.Int64).fill_null(-(2 ** 32)) + 2 ** 32)
    out = out.with_columns(names.gather(out.get_column("_area")).alias("_area")).rename({"_area": "area"})
    return out.drop([c for c in out.columns if c.startswith("hours_") or c == "o3_8h_windows"])


def _fits_int64(largest: int, common: int, most: int) -> bool:
    """Whether the exact sums of at most `most` station values ``num · (L / den)`` (|num| ≤ `largest`,
    den ≥ 1, L = `common`) and their rounding stay inside Int64.

    Every term is at most ``largest · L`` in magnitude, so every partial sum of a group at most
    ``most · largest · L``. The rounding (:func:`publisher.rounding.div_half_even`) forms
    ``2 · Σ + n · L · step`` and ``2 · n · L · step`` with ``step ≤ MILLI``: all are below
    ``most · L · (2 · largest + 2 · MILLI)``, which is required to be at most 2^62. Daily values of
    20–24 hours (L ≤ lcm(20..24) = 212,520) and O3 windows of 6–8 hours (L ≤ 168) of any measured
    concentration are far inside (a city of 1,000 stations at 10^9 milli-units: about 4·10^17)."""
    return max(most, 1) * common * (2 * largest + 2 * MILLI) <= 2 ** 62


def _area_groups(df: pl.DataFrame, common: dict[str, int], dtype: pl.DataType, once: bool) -> pl.DataFrame:
    """The sums over each area's stations of a day, as `dtype` (Int64 when :func:`_fits_int64` says so,
    else Int128): ``stations``, ``_s_<c>`` (Σ num·(L/den)), ``_n_<c>`` (stations with a value) and the
    day's "/" flags (``_nm_<p>``: every station of the area lists it). `once`: each (station, date)
    comes once in `df`."""
    terms = [(pl.col(f"num_{c}").cast(dtype) * (pl.lit(common[c], dtype=dtype) // pl.col(f"den_{c}").cast(dtype)))
             .alias(f"_t_{c}") for c in DAILY_INDICATORS]
    counted = [pl.col(f"den_{c}").is_not_null().cast(pl.UInt32).alias(f"_c_{c}") for c in DAILY_INDICATORS]
    # (computed on the rows before grouping: the aggregations are then plain sums, polars' fast path)
    valued = pl.any_horizontal([pl.col(c).is_not_null() for c in DAILY_INDICATORS])
    if once:
        rows, stations = [valued.cast(pl.UInt32).alias("_v")], pl.col("_v").sum()
    else:
        rows, stations = [pl.when(valued).then(pl.col("_sid")).alias("_v")], pl.col("_v").drop_nulls().n_unique()
    aggs: list[pl.Expr] = [stations.cast(pl.UInt32).alias("stations"), pl.len().alias("_rows")]
    for c in DAILY_INDICATORS:
        aggs += [pl.col(f"_t_{c}").sum().alias(f"_s_{c}"), pl.col(f"_c_{c}").sum().cast(pl.Int64).alias(f"_n_{c}")]
    day = df.lazy().select("_area", "date", *rows, *terms, *counted).group_by("_area", "date").agg(aggs).collect()
    # the "/" flags (an item of the comma-joined list, as str.split gives it) from the few rows listing any:
    # an area's day is flagged when each of its rows is
    listed = pl.concat_str([pl.lit(","), pl.col("not_monitored"), pl.lit(",")])
    flagged = (df.filter(pl.col("not_monitored").str.len_bytes() > 0)
               .group_by("_area", "date")
               .agg([listed.str.contains(f",{p},", literal=True).sum().alias(f"_f_{p}") for p in POLLUTANTS]))
    day = day.join(flagged, on=["_area", "date"], how="left", nulls_equal=True)
    return day.with_columns([(pl.col(f"_f_{p}").fill_null(0) == pl.col("_rows")).alias(f"_nm_{p}") for p in POLLUTANTS]) \
        .drop("_rows", *[f"_f_{p}" for p in POLLUTANTS])
