"""Period statistics of areas (HJ 663): means, percentiles, good days, levels, composite index,
compliance and ranking."""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher import rounding, standards
from publisher.evaluate.air import ranking
from publisher.evaluate.air._kernels import MILLI, _abs_max, _big, _check_exact, _from_units, _lcm_of, _scaled
from publisher.evaluate.air.tables import _AUTO, _check_versions, _limit_expr, _split_by_table, _version_expr
from publisher.evaluate.air.validity import _ZH, _notes
from publisher.periods import as_date
from publisher.vocabulary import air as vocabulary_air


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
    return _percentile_numerator(length, get, p) / (100 * unit)


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
                 weighted: bool | None = None, standard: str = _AUTO, shortfalls: bool = False) -> pl.DataFrame:
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
    shortfalls : bool
        Add the column ``shortfalls``: the validity shortfalls of ``notes`` as data, a list of
        ``{month, code, days, need}`` (``month`` ``YYYY-MM``, null for the whole year), so that a
        page can word them without reading the text back.

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
    framed = _period_frame(area_daily_frame, period)
    # the HJ 663 table in force on each period's last day (the last day with data, over all areas, so the
    # areas of one period are ranked under one table); periods of different tables are computed apart
    framed = framed.with_columns(_version_expr("hj663", pl.col("date").max().over("period")).alias("_hj663"))
    _check_versions(framed, "_hj663", "date", "hj663")
    parts = [_period_stats_under(rules, rows.drop("_hj663"), period, dust, weighted, standard)
             for rows, rules in _split_by_table(framed, "_hj663", "hj663")]
    out = parts[0] if len(parts) == 1 else pl.concat(parts)
    out = out if shortfalls else out.drop("shortfalls")
    return out.sort("period", "rank_value", "area", nulls_last=True) if len(parts) > 1 else out


def _weighted_note(weights: dict[str, float]) -> str:
    """The note naming the weights of a weighted composite index (those other than 1, largest first)."""
    terms = sorted(((n, w) for n, w in weights.items() if float(w) != 1), key=lambda nw: -float(nw[1]))
    shown = "、".join(f"{vocabulary_air.ASCII[vocabulary_air.POLLUTANT_OF[n]]}×{w:g}" for n, w in terms)
    return f"综合指数按未经核实的加权方法（{shown}）计算"


def _period_stats_under(rules: standards.Standard, df: pl.DataFrame, period: str, dust: pl.DataFrame | None,
                        weighted: bool | None, standard: str) -> pl.DataFrame:
    """:func:`period_stats` of the periods judged by the HJ 663 table `rules` (`df` has its ``period``)."""
    stats_rule, comp, sand = rules["statistics"], rules["composite_index"], rules["sand_dust"]
    if weighted is None:
        weighted = bool(comp["weighted_variant_2026"]["enabled"])
    weights = comp["weighted_variant_2026"]["weights"] if weighted else comp["weights"]
    dec = stats_rule["decimals"]
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
    for k in vocabulary_air.AQI_LEVELS:
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
    limits = stats_rule["daily_limits"]
    df = df.with_columns([_limit_expr(pl.col("date"), "gb3095", spec["pollutant"], spec["averaging"], standard)
                          .alias(f"_lim_{c}") for c, spec in limits.items()])
    for code in limits:
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
    names = [pl.when(pl.col(f"_i_{n}") == pl.col("_imax")).then(pl.lit(vocabulary_air.INDICATOR_OF[n]))
             for n in comp["components"]]
    out = out.with_columns(pl.when(complete).then(pl.concat_str(names, separator=",", ignore_nulls=True))
                           .alias("composite_primary"))
    # compliance against class-2 limits in force on the last day
    checks, annual = rules["compliance"]["checks"], rules["compliance"]["annual_percentiles"]
    comp_cols = []
    for stat, spec in checks.items():
        pollutant = spec["pollutant"]
        ok = pl.col(stat) <= _limit_expr(last, "_gb", pollutant, spec["averaging"], standard)
        if period == "year" and stat in annual:
            ok = ok & (pl.col(annual[stat]["statistic"])
                       <= _limit_expr(last, "_gb", pollutant, annual[stat]["averaging"], standard))
        comp_cols.append(ok.alias(f"compliant_{stat}"))
    out = out.with_columns(comp_cols)
    out = out.with_columns(pl.all_horizontal([pl.col(f"compliant_{s}") for s in checks]).alias("compliant"))
    # rank: only areas whose statistics meet the validity counts (GB 3095 表4) take part; an area whose
    # data fall short keeps its index but is left out, and its notes say what is missing (城市环境空气质量
    # 排名技术规定 / 环办监测函〔2017〕197号: "数据不满足统计有效性规定的城市公布其数据缺失情况")
    out = out.join(_notes(df, period, rules), on=["area", "period"], how="left")
    out = out.with_columns((pl.col("_notes").is_null() & pl.col("composite_index").is_not_null()).alias("complete"))
    ranked = pl.when(pl.col("complete")).then(pl.col("composite_index"))
    for stage in ranking.rank_columns(ranked, "period", str(comp["tie_label_zh"])):
        out = out.with_columns(stage)
    out = out.with_columns(pl.lit(sand["label_deducted_zh"] if deducted else sand["label_kept_zh"]).alias("dust"))
    missing_note = [pl.when(pl.col(f"_c_{n}").is_null()).then(pl.lit(f"缺少{_ZH.get(n, n)}统计值，综合指数未计算"))
                    for n in comp["components"]]
    missing_note.append(pl.when(pl.col("_notes").is_not_null() & pl.col("composite_index").is_not_null())
                        .then(pl.lit("数据不满足统计有效性要求，不参与排名")))
    pending = rules.get("pending") or {}
    pend = pl.lit(False)
    if pending:
        pend = pl.col("_last") >= pl.lit(as_date(pending["from"]))
    weighted_note = pl.lit(_weighted_note(weights) if weighted else None, dtype=pl.String)
    out = out.with_columns(pl.concat_str(
        [pl.col("_notes"), pl.concat_str(missing_note, separator="；", ignore_nulls=True).replace("", None),
         weighted_note, pl.when(pend).then(pl.lit(pending.get("note_zh")))],
        separator="；", ignore_nulls=True).alias("notes"))
    out = out.with_columns(pl.when(pl.col("notes") == "").then(None).otherwise(pl.col("notes")).alias("notes"))
    first = ["area", "period", "standard", "valid_days", "so2", "no2", "pm10", "pm2_5", "co_p95", "o3_8h_p90",
             "good_days", "good_day_ratio", *[f"days_level{k}" for k in vocabulary_air.AQI_LEVELS], "composite_index",
             "composite_primary", "rank", "dust", "notes"]
    rest = ["co", "so2_p98", "no2_p98", "pm10_p95", "pm2_5_p95",
            *[f"days_{c}" for c in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")],
            *[f"over_{c}" for c in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")],
            *[f"compliant_{s}" for s in checks], "compliant", "complete", "rank_value"]
    return out.select(first + rest + [pl.col("_shortfalls").alias("shortfalls")]).sort("period", "rank_value", "area", nulls_last=True)
