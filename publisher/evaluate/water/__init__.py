"""Water-quality evaluation: GB 3838-2002, GB/T 14848-2017 and the 地表水环境质量评价办法（试行）(环办〔2011〕22号).

Pure functions on polars frames; no I/O beyond reading the standards tables through
:func:`publisher.standards.in_force`. Every limit, item list, word and rounding rule comes from the YAML
files of ``publisher/standards/data`` (families ``gb3838``, ``gb14848``, ``water_assessment``,
``water_eval``); the method with its citations is in ``docs/water-method.md``.

Frames
------
samples
    The long water frame of ``docs/architecture.md``: ``station_id, sampled_at, item, value, below_dl,
    waterbody_type`` (``river | lake | groundwater``). A below-detection-limit result has ``below_dl`` true
    and ``value`` = the detection limit (DL).
stations
    Optional station metadata: ``station_id`` and any of ``target_class`` (``Ⅰ``..``Ⅴ`` or 1..5),
    ``assessment`` (``national | provincial | source``), ``x_items`` (list of codes or comma-joined text),
    ``kind``, ``waterbody_type``, ``name``, ``river``, ``basin``, ``water_body``, ``volume``.
    :func:`stations_frame` builds it from a loaded registry.

Classes are integers 1..6 (Ⅰ..Ⅴ, 6 = 劣Ⅴ; groundwater 1..5) inside frames; :func:`class_label` turns them
into the printed ``Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ``.
"""
from __future__ import annotations

import datetime as dt
import math
import weakref
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import polars as pl

from publisher import rounding, standards
from publisher.errors import StandardNotFound
from publisher.vocabulary import water as vocabulary_water
from publisher.vocabulary.water import CLASS_LABELS, class_label, class_number  # re-exported: public names of this module

CLASS_TABLES = ("gb3838_t1", "gb14848")
SINGLE_TABLES = {"table2": "gb3838_t2", "table3": "gb3838_t3"}

SAMPLE_SCHEMA = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String,
                 "value": pl.Float64, "below_dl": pl.Boolean, "waterbody_type": pl.String}


# --------------------------------------------------------------------------------------------- catalogue
def catalogue() -> dict[str, dict[str, Any]]:
    """The water item catalogue (``water-items.yaml``) by code."""
    return standards.catalogue("water-items")


def item_name(code: str) -> str:
    """The Chinese name reports print for an item code (the code itself when unknown)."""
    return catalogue().get(code, {}).get("name_zh", code)


# --------------------------------------------------------------------------------------------- display
def _plain(value: float) -> str:
    """A float as plain decimal text, no exponent, no trailing zeros (0.00005 -> '0.00005')."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: float | None, below_dl: bool = False, decimals: int | None = None) -> str:
    """A measured value as reports print it: ``0.01L`` below the detection limit, '' when missing.

    Below-DL values are printed as their detection limit followed by ``L`` (HJ/T 91), unrounded. Other
    values are rounded half-even to `decimals` when given, else printed as they are. Never invents a number.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if below_dl:
        return _plain(value) + "L"
    if decimals is None:
        return _plain(value)
    return f"{rounding.half_even(value, decimals):.{decimals}f}"


def report_decimals(code: str, on: dt.date | None = None) -> int | None:
    """Decimals of an item's evaluation value (环办监测函〔2020〕82号 as encoded; single source), or None."""
    rules = standards.in_force("water_eval", on or dt.date.today())
    return rules["report_decimals"]["items"].get(code)


# --------------------------------------------------------------------------------------------- limits
def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _table_id(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.id


INF = float("inf")


def _limit_rows(std: standards.Standard) -> list[dict[str, Any]]:
    """One row per (waterbody type, item) of a standards table, with per-class [lo, hi] bounds."""
    rows: list[dict[str, Any]] = []

    def row(wb: str, item: str, table: str, bounds: list[tuple[float | None, float | None]] | None,
            worst: int | None, single: float | None, kind: str, class1_below_dl: bool = False) -> None:
        r: dict[str, Any] = {"std_id": std.id, "waterbody_type": wb, "item": item, "table": table,
                             "worst": worst, "single_limit": single, "direction": kind,
                             "class1_only_below_dl": class1_below_dl}
        for k in range(1, 6):
            lo, hi = bounds[k - 1] if bounds and k <= len(bounds) else (None, None)
            r[f"lo{k}"], r[f"hi{k}"] = lo, hi
        rows.append(r)

    if std.family == "gb3838":
        worst = len(std["classes"]) + 1
        for item, spec in std["table1"]["items"].items():
            direction = spec["direction"]
            if direction == "narrative":
                continue
            for wb in ("river", "lake"):
                if direction == "range":
                    lo, hi = spec["range"]
                    bounds = [(float(lo), float(hi))] * 5
                    row(wb, item, "gb3838_t1", bounds, int(spec["outside"]), None, "range")
                    continue
                limits = spec["limits"]
                if isinstance(limits, dict):
                    if wb not in limits:
                        continue
                    limits = limits[wb]
                if direction == "min":
                    bounds = [(float(v), INF) for v in limits]
                else:
                    bounds = [(-INF, float(v)) for v in limits]
                row(wb, item, "gb3838_t1", bounds, worst, None, direction)
        for key, table in SINGLE_TABLES.items():
            for item, spec in std[key]["items"].items():
                for wb in ("river", "lake"):
                    row(wb, item, table, None, None, float(spec["limit"]), "single")
    elif std.family == "gb14848":
        worst = len(std["classes"])
        for item, spec in std["items"].items():
            direction = spec["direction"]
            if direction == "text" or spec.get("evaluated") is False:
                continue
            if direction == "range":
                bounds = [(float(lo), float(hi)) for lo, hi in spec["ranges"]]
                row("groundwater", item, "gb14848", bounds, int(spec["outside"]), None, "range")
                continue
            bounds = [(-INF, None if v is None else float(v)) for v in spec["limits"]]
            row("groundwater", item, "gb14848", bounds, worst, None, direction,
                bool(spec.get("class1_only_below_dl", False)))
    return rows


@lru_cache(maxsize=16)
def _limits_frame(std_ids: tuple[str, ...]) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for std_id in std_ids:
        rows.extend(_limit_rows(standards.get(std_id)))
    schema = {"std_id": pl.String, "waterbody_type": pl.String, "item": pl.String, "table": pl.String,
              "worst": pl.Int8, "single_limit": pl.Float64, "direction": pl.String,
              "class1_only_below_dl": pl.Boolean}
    for k in range(1, 6):
        schema[f"lo{k}"] = pl.Float64
        schema[f"hi{k}"] = pl.Float64
    return pl.DataFrame(rows, schema=schema)


def normalize_waterbody(expr: pl.Expr) -> pl.Expr:
    """Map ``河流 / 湖库 / 地下水`` (and English) to ``river / lake / groundwater``; unknown -> null."""
    return vocabulary_water.waterbody_expr(expr)


# --------------------------------------------------------------------------------------------- codes
# The long frame (one row per station, period and item: a million rows for the country's sections over a year)
# is neither joined nor grouped on its text columns. Items, water-body types, sampling times and (station, time)
# groups become small integer codes, and whatever depends only on codes (limits, item sets, target class) is
# looked up by position in tables of a few thousand rows.
_WB_CODE = {"river": 0, "lake": 1, "groundwater": 2}          # 3: any other type, or none
_WB_NAMES = ["river", "lake", "groundwater", None]
_GROUND = _WB_CODE["groundwater"]
_TABLE_NAMES = ["gb3838_t1", "gb3838_t2", "gb3838_t3", "gb14848"]
_TABLE_CODE = {t: i for i, t in enumerate(_TABLE_NAMES)}
_CLASS_TABLE_CODES = [_TABLE_CODE[t] for t in CLASS_TABLES]
_SINGLE_TABLE_CODES = [_TABLE_CODE[t] for t in SINGLE_TABLES.values()]
_DIRECTION_CODE = {"max": 0, "min": 1, "range": 2, "single": 3}
_LIMIT_COLS = ["table", "direction", "worst", "single_limit", "class1_only_below_dl",
               *[f"{p}{k}" for k in range(1, 6) for p in ("lo", "hi")]]


def _item_codes(items: pl.Series) -> tuple[pl.Series, list[str | None]]:
    """Codes of an item column and the item of each code: catalogued items first, at their catalogue position
    (so a code below ``len(catalogue())`` is also the catalogue order), then unknown items, then null."""
    vocab: list[str | None] = list(catalogue())
    index = {c: i for i, c in enumerate(vocab)}
    codes = items.replace_strict(index, default=None, return_dtype=pl.UInt32)
    if codes.null_count() > items.null_count():
        unknown = items.filter(codes.is_null() & items.is_not_null()).unique().sort().to_list()
        vocab.extend(unknown)
        index = {c: i for i, c in enumerate(vocab)}
        codes = items.replace_strict(index, default=None, return_dtype=pl.UInt32)
    if items.null_count():
        codes = codes.fill_null(len(vocab))
        vocab.append(None)
    return codes, vocab


def _run_starts(rid: pl.Series) -> pl.Series:
    """Row index of the first row of each run, from run ids (``rle_id``)."""
    return (rid != rid.shift(1)).fill_null(True).arg_true()


def _mapped(series: pl.Series, fn: Any) -> pl.Series:
    """`fn` (an elementwise Series -> Series) of `series`, computed on the first value of each run of equal
    consecutive values only and spread back (a water-body type costs a comparison per row)."""
    rid = series.rle_id()
    return fn(series.gather(_run_starts(rid))).gather(rid)


def _groups(frame: pl.DataFrame, keys: list[str]) -> tuple[pl.Series, pl.DataFrame, pl.Series]:
    """Number the distinct values of `keys` in order of first appearance (nulls equal), as
    ``group_by(keys, maintain_order=True)`` orders its groups.

    Returns the code of each row (UInt32), the keys of each code and the first row of each code. Runs of equal
    consecutive keys are found by comparing neighbours; only the first rows of the runs are hashed, and only
    when some group is split over several runs.
    """
    if frame.height == 0:
        return pl.Series([], dtype=pl.UInt32), frame.select(keys), pl.Series([], dtype=pl.UInt32)
    key = pl.struct(keys) if len(keys) > 1 else pl.col(keys[0])
    rid = frame.select(key.rle_id()).to_series()
    starts = _run_starts(rid)
    heads = frame.select(keys).gather(starts)
    if not heads.is_duplicated().any():
        return rid, heads, starts
    runs = heads.with_row_index("_run")
    firsts = runs.unique(keys, keep="first", maintain_order=True).with_row_index("_g")
    run_group = runs.join(firsts.select(*keys, "_g"), on=keys, how="left", nulls_equal=True,
                          maintain_order="left").get_column("_g")
    return run_group.gather(rid), firsts.select(keys), starts.gather(firsts.get_column("_run"))


def _wb_codes(types: pl.Series, normalise: bool) -> pl.Series:
    """Water-body type codes (``_WB_CODE``; 3 for any other or none) of a column, after
    :func:`normalize_waterbody` when `normalise`."""
    def code(heads: pl.Series) -> pl.Series:
        frame = heads.to_frame("w")
        if normalise:
            frame = frame.select(normalize_waterbody(pl.col("w")))
        return frame.to_series().replace_strict(_WB_CODE, default=3, return_dtype=pl.UInt8)
    return _mapped(types, code)


def _time_tables(times: pl.Series) -> pl.DataFrame:
    """The GB 3838 and GB/T 14848 tables in force on the day of each time of `times` (``surface``, ``ground``)."""
    days = times.dt.date().alias("day")
    distinct = days.unique().drop_nulls().to_list()
    tables = pl.DataFrame({"day": distinct, "surface": [_table_id("gb3838", d) for d in distinct],
                           "ground": [_table_id("gb14848", d) for d in distinct]},
                          schema={"day": pl.Date, "surface": pl.String, "ground": pl.String})
    return days.to_frame().join(tables, on="day", how="left", maintain_order="left").select("surface", "ground")


@lru_cache(maxsize=32)
def _limit_lookup(std_ids: tuple[str, ...], vocab: tuple[str | None, ...]) -> pl.DataFrame:
    """The limit columns of :func:`_limits_frame` at position ``(std·3 + water body)·len(vocab) + item`` (std: the
    position in `std_ids`; water body: ``_WB_CODE``; item: the position in `vocab`), with codes for ``table`` and
    ``direction``; null where the item has no limit there."""
    ni = len(vocab)
    keys = pl.DataFrame({"_key": pl.int_range(max(len(std_ids) * 3 * ni, 1), dtype=pl.Int64, eager=True)})
    lim = _limits_frame(tuple(sorted(set(std_ids))))
    std_code = {s: i for i, s in enumerate(std_ids)}
    item_code = {c: i for i, c in enumerate(vocab) if c is not None}
    lim = lim.filter(pl.col("item").is_in(list(item_code)))
    if lim.height == 0:
        return keys.join(lim.select(pl.lit(0, pl.Int64).alias("_key"), *_LIMIT_COLS), on="_key", how="left") \
            .drop("_key").with_columns(pl.col("table", "direction").cast(pl.UInt8))
    lim = lim.with_columns(
        ((pl.col("std_id").replace_strict(std_code, return_dtype=pl.Int64) * 3
          + pl.col("waterbody_type").replace_strict(_WB_CODE, return_dtype=pl.Int64)) * ni
         + pl.col("item").replace_strict(item_code, return_dtype=pl.Int64)).alias("_key"),
        pl.col("table").replace_strict(_TABLE_CODE, return_dtype=pl.UInt8),
        pl.col("direction").replace_strict(_DIRECTION_CODE, return_dtype=pl.UInt8),
    )
    if not lim.get_column("_key").is_unique().all():
        raise ValueError("a standards table lists an item twice for one water-body type")
    return keys.join(lim.select("_key", *_LIMIT_COLS), on="_key", how="left", maintain_order="left").drop("_key")


def _no_multiple(vocab: list[str | None]) -> pl.Series:
    """Per item code: true for the items that take no 超标倍数 (水温, pH, DO); null for the null item."""
    no_multiple = set(_eval_rules_any()["exceedance"]["not_computed_for"])
    return pl.Series([None if c is None else c in no_multiple for c in vocab], dtype=pl.Boolean)


def _classify(frame: pl.DataFrame) -> pl.DataFrame:
    """``class``, ``ref_limit``, ``exceeds``, ``multiple`` and ``main_multiple`` of rows carrying ``value``,
    ``below_dl``, ``target_class`` (Int8), ``_nomult`` and the limit columns (:func:`_limit_lookup`)."""
    exc_rules = _eval_rules_any()["exceedance"]
    default_ref = 3 if exc_rules["reference_class"] == "target_or_3" else int(exc_rules["reference_class"])
    v = pl.col("value")
    is_class = pl.col("table").is_in(_CLASS_TABLE_CODES)
    is_max = pl.col("direction") == _DIRECTION_CODE["max"]
    is_single = pl.col("direction") == _DIRECTION_CODE["single"]
    klass: Any = pl.when(pl.col("class1_only_below_dl") & pl.col("below_dl")).then(pl.lit(1, pl.Int8))
    for k in range(1, 6):
        klass = klass.when((v >= pl.col(f"lo{k}")) & (v <= pl.col(f"hi{k}"))).then(pl.lit(k, pl.Int8))
    klass = klass.otherwise(pl.col("worst"))
    frame = frame.with_columns(pl.when(is_class).then(klass).otherwise(None).cast(pl.Int8).alias("class"))
    ref = pl.coalesce(pl.col("target_class"), pl.lit(default_ref, pl.Int8))
    hi_at_ref = pl.when(ref == 1).then(pl.col("hi1")).when(ref == 2).then(pl.col("hi2")) \
        .when(ref == 3).then(pl.col("hi3")).when(ref == 4).then(pl.col("hi4")).otherwise(pl.col("hi5"))
    frame = frame.with_columns(
        pl.when(is_class & is_max).then(hi_at_ref)
        .when(is_single).then(pl.col("single_limit"))
        .otherwise(None).alias("ref_limit"),
        pl.when(is_class).then(pl.col("class") > ref)
        .when(is_single).then(v > pl.col("single_limit"))
        .otherwise(None).alias("exceeds"),
    )
    # main pollutants are a method concept (worse than Ⅲ): their multiple is against Ⅲ, or against a stricter
    # (Ⅰ/Ⅱ) target; `multiple` (exceedances of the target) is against the target class itself
    main_ref = pl.min_horizontal(ref, pl.lit(default_ref, pl.Int8))
    hi_at_main = pl.when(main_ref == 1).then(pl.col("hi1")).when(main_ref == 2).then(pl.col("hi2")) \
        .otherwise(pl.col("hi3"))
    can = ~pl.col("below_dl") & ~pl.col("_nomult")
    return frame.with_columns(
        pl.when(pl.col("exceeds") & can & pl.col("ref_limit").is_not_null() & (pl.col("ref_limit") > 0)
                & pl.col("ref_limit").is_finite())
        .then(v / pl.col("ref_limit") - 1).otherwise(None).alias("multiple"),
        pl.when(is_class & is_max & can & (v > hi_at_main) & (hi_at_main > 0))
        .then(v / hi_at_main - 1).otherwise(None).alias("main_multiple"),
    )


# --------------------------------------------------------------------------------------------- item classes
def item_classes(samples: pl.DataFrame) -> pl.DataFrame:
    """Class of every item of every sample (GB 3838-2002 Table 1 / GB/T 14848-2017), and exceedances.

    Parameters
    ----------
    samples : pl.DataFrame
        ``station_id, sampled_at, item, value, below_dl, waterbody_type`` and optionally ``target_class``
        (Int, 1..5). `waterbody_type` must be resolved (``river | lake | groundwater``).

    Returns
    -------
    pl.DataFrame
        The input plus ``std_id`` (table in force on the day), ``table`` (``gb3838_t1 | gb3838_t2 |
        gb3838_t3 | gb14848``; null when the item has no limit for that water body), ``class`` (Int8: 1..6 for
        surface water, 6 = 劣Ⅴ; 1..5 for groundwater; null for single-limit and unclassified items),
        ``ref_limit`` (the limit S the 超标倍数 is computed against), ``exceeds`` (Boolean) and ``multiple``
        (超标倍数 = C/S − 1, null when not exceeding, for items without multiple, or below DL).

    Notes
    -----
    * GB 3838-2002 Table 1: a value belongs to the best class whose limit it meets (equal limits → the
      better class, 从优不从劣); DO is a minimum; pH outside 6–9 is 劣Ⅴ; TP has river and lake rows; TN has
      lake limits only (rivers get no TN class).
    * GB/T 14848-2017: classes Ⅰ–Ⅳ by limit, Ⅴ beyond Ⅳ; pH by ranges; 阴离子表面活性剂 Ⅰ only when not
      detected.
    * A below-DL result is classified by its DL (``water_eval › below_detection_limit``).
    * S = the limit of the station's target class (``target_class``), Ⅲ when none (``water_eval ›
      exceedance``); Table 2/3 items: their single limit. No multiple for 水温, pH, DO.
    """
    frame = samples
    if "target_class" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int8).alias("target_class"))
    frame = frame.with_columns(pl.col("target_class").cast(pl.Int8))
    added = {"std_id": pl.String, "table": pl.String, "class": pl.Int8, "ref_limit": pl.Float64,
             "exceeds": pl.Boolean, "multiple": pl.Float64, "main_multiple": pl.Float64}
    if frame.height == 0:
        return frame.with_columns([pl.lit(None, dtype).alias(c) for c, dtype in added.items()])
    time_code, times, _ = _groups(frame, ["sampled_at"])
    tables = _time_tables(times.get_column("sampled_at"))
    std_ids = sorted({s for s in tables.get_column("surface").to_list() + tables.get_column("ground").to_list() if s})
    std_code = {s: i for i, s in enumerate(std_ids)}
    surface = tables.get_column("surface").replace_strict(std_code, default=None, return_dtype=pl.UInt32)
    ground = tables.get_column("ground").replace_strict(std_code, default=None, return_dtype=pl.UInt32)
    wb = _wb_codes(frame.get_column("waterbody_type"), normalise=False)
    item, vocab = _item_codes(frame.get_column("item"))
    std = pl.select(pl.when(pl.lit(wb) == _GROUND).then(ground.gather(time_code))
                    .otherwise(surface.gather(time_code))).to_series()
    key = pl.select(pl.when(pl.lit(wb) < 3).then((pl.lit(std).cast(pl.Int64) * 3 + pl.lit(wb)) * len(vocab)
                                                 + pl.lit(item))).to_series()
    limits = _limit_lookup(tuple(std_ids), tuple(vocab)).select(pl.all().gather(pl.lit(key)))
    work = pl.DataFrame([frame.get_column("value"), frame.get_column("below_dl"),
                         frame.get_column("target_class"), _no_multiple(vocab).gather(item).alias("_nomult")]) \
        .hstack(limits)
    work = _classify(work)
    std_names = pl.Series(std_ids, dtype=pl.String)
    return frame.with_columns(
        std_names.gather(std).alias("std_id"),
        pl.Series(_TABLE_NAMES, dtype=pl.String).gather(work.get_column("table")).alias("table"),
        *[work.get_column(c) for c in ("class", "ref_limit", "exceeds", "multiple", "main_multiple")],
    )


@lru_cache(maxsize=1)
def _eval_rules_any() -> standards.Standard:
    """The latest water_eval table (for rules that are the same in every version, e.g. exceedance)."""
    return standards.versions("water_eval")[-1]


# --------------------------------------------------------------------------------------------- periods
PERIODS = {"sample": None, "month": "1mo", "quarter": "1q", "year": "1y"}


def period_values(samples: pl.DataFrame, period: str = "month", by: Iterable[str] = ("station_id",),
                  ph_mean: str | None = None) -> pl.DataFrame:
    """Values of each station (or group) and period, as the evaluation method aggregates them.

    Parameters
    ----------
    samples : pl.DataFrame
        The long water frame.
    period : {"sample", "month", "quarter", "year"}
        ``sample`` keeps each sampling time (duplicates at one time are averaged).
    by : columns identifying a station or group (default ``station_id``).
    ph_mean : {"arithmetic", "hydrogen_ion"}, optional
        Override of ``water_eval › time_aggregation.ph_mean``.

    Returns
    -------
    pl.DataFrame
        ``*by, sampled_at`` (period start), ``item, value, below_dl, waterbody_type, n_samples, min, max``.

    Notes
    -----
    环办〔2011〕22号 (time aggregation): a month is evaluated on its single sampling or on the arithmetic mean of
    several; quarters and years on the mean. Below-DL results enter the mean at ½ DL (环办监测函〔2020〕82号
    第七点); when every result of the period is below DL the period value is the largest DL, still flagged
    below DL. pH: arithmetic mean unless the table says ``hydrogen_ion`` (mean of 10^-pH, then −log10).
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    by = list(by)
    day = samples["sampled_at"].min() if samples.height else dt.datetime.now()
    try:
        rules = standards.in_force("water_eval", day)
    except StandardNotFound:
        rules = standards.versions("water_eval")[0]
    factor = float(rules["below_detection_limit"]["statistic_factor"])
    mode = ph_mean or rules["time_aggregation"]["ph_mean"]
    frame = samples.filter(pl.col("value").is_not_null())
    every = PERIODS[period]
    stat = pl.when(pl.col("below_dl")).then(pl.col("value") * factor).otherwise(pl.col("value"))
    if mode == "hydrogen_ion":
        stat = pl.when(pl.col("item") == "ph").then(pl.lit(10.0).pow(-pl.col("value"))).otherwise(stat)
    elif mode != "arithmetic":
        raise ValueError(f"unknown pH averaging {mode!r}")
    start = frame.get_column("sampled_at")
    if every is not None:   # the period start of each sampling time, computed once per run of equal times
        start = _mapped(start, lambda s: s.dt.truncate(every))
    frame = frame.with_columns(start.alias("_start"), stat.alias("_stat"))
    out = [*by, "sampled_at", "item", "value", "below_dl", "waterbody_type", "n_samples", "min", "max"]
    if frame.schema["value"] == pl.Float64 and frame.schema["item"] == pl.String \
            and _one_row_each(frame, [*by, "_start"]):
        # every (group, period, item) has one row: its mean, minimum and maximum are its value (the mean of
        # one float is that float), exactly what the group-by below gives, without grouping a million rows
        value = pl.col("_stat")
        if mode == "hydrogen_ion":
            value = pl.when(pl.col("item") == "ph").then(-pl.col("_stat").log10()).otherwise(value)
        below = pl.col("below_dl").fill_null(True)       # all() of a lone null is true, as in the group-by
        return frame.select(
            *by, pl.col("_start").alias("sampled_at"), "item",
            pl.when(below).then(pl.when(pl.col("below_dl")).then(pl.col("value"))).otherwise(value).alias("value"),
            below.alias("below_dl"), "waterbody_type", pl.lit(1, pl.Int64).alias("n_samples"),
            pl.col("value").alias("min"), pl.col("value").alias("max"),
        )
    grouped = (
        frame.group_by([*by, "_start", "item"], maintain_order=True)
        .agg(
            pl.col("_stat").mean().alias("_mean"),
            pl.col("value").filter(pl.col("below_dl")).max().alias("_dl"),
            pl.col("below_dl").all().alias("below_dl"),
            pl.col("waterbody_type").drop_nulls().first().alias("waterbody_type"),
            pl.len().cast(pl.Int64).alias("n_samples"),
            pl.col("value").min().alias("min"),
            pl.col("value").max().alias("max"),
        )
    )
    mean = pl.col("_mean")
    if mode == "hydrogen_ion":
        mean = pl.when(pl.col("item") == "ph").then(-pl.col("_mean").log10()).otherwise(mean)
    return (
        grouped.with_columns(pl.when(pl.col("below_dl")).then(pl.col("_dl")).otherwise(mean).alias("value"))
        .rename({"_start": "sampled_at"})
        .select(out)
    )


def _one_row_each(frame: pl.DataFrame, keys: list[str]) -> bool:
    """Whether no two rows share `keys` and ``item``: each row writes its row number at the slot of its (group,
    item) code and reads it back; a slot written twice reads another row's number."""
    if frame.height < 2:
        return True
    group, groups, _ = _groups(frame, keys)
    item, vocab = _item_codes(frame.get_column("item"))
    slots = groups.height * len(vocab)
    if slots > max(8 * frame.height, 1 << 22):
        return frame.select(pl.struct(*keys, "item").n_unique()).item() == frame.height
    slot = group.cast(pl.Int64) * len(vocab) + item
    rows = pl.int_range(frame.height, dtype=pl.UInt32, eager=True)
    written = pl.zeros(slots, dtype=pl.UInt32, eager=True).scatter(slot, rows)
    return bool((written.gather(slot) == rows).all())


# --------------------------------------------------------------------------------------------- stations
def stations_frame(registry: Any) -> pl.DataFrame:
    """Station metadata for :func:`evaluate` from a loaded :class:`publisher.registry.Registry`."""
    rows = []
    for s in registry.stations:
        if s.kind == "air_station":
            continue
        rows.append({"station_id": s.id, "name": s.name, "kind": s.kind, "assessment": s.assessment,
                     "x_items": ",".join(s.x_items), "target_class": s.target_class,
                     "waterbody_type": s.waterbody_type, "river": s.river, "basin": s.basin,
                     "water_body": s.water_body, "volume": s.volume, "city": s.city, "county": s.county})
    schema = {"station_id": pl.String, "name": pl.String, "kind": pl.String, "assessment": pl.String,
              "x_items": pl.String, "target_class": pl.String, "waterbody_type": pl.String,
              "river": pl.String, "basin": pl.String, "water_body": pl.String, "volume": pl.Float64,
              "city": pl.String, "county": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _meta(stations: pl.DataFrame | None) -> pl.DataFrame:
    base = {"station_id": pl.String, "target_class": pl.Int8, "assessment": pl.String,
            "x_items": pl.List(pl.String), "kind": pl.String}
    if stations is None or stations.height == 0:
        return pl.DataFrame(schema=base)
    meta = stations
    for col, dtype in base.items():
        if col not in meta.columns:
            meta = meta.with_columns(pl.lit(None, dtype=dtype if dtype != pl.List(pl.String) else pl.String)
                                     .alias(col))
    if meta.schema["target_class"] != pl.Int8:
        # parsed once per distinct label (``Ⅲ``, ``Ⅲ类``, ``III``, ``3``)
        labels = meta.get_column("target_class").drop_nulls().unique().to_list()
        mapping = {label: class_number(label) for label in labels}
        meta = meta.with_columns(
            pl.col("target_class").replace_strict(mapping, default=None, return_dtype=pl.Int8) if mapping
            else pl.lit(None, pl.Int8).alias("target_class"))
    if meta.schema["x_items"] == pl.String:
        meta = meta.with_columns(
            pl.col("x_items").fill_null("").str.split(",")
            .list.eval(pl.element().str.strip_chars().filter(pl.element() != "")).alias("x_items"))
    return meta.select(list(base)).unique("station_id", keep="first")


# --------------------------------------------------------------------------------------------- "X" from the data
_X_SCHEMA = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String, "value": pl.Float64,
             "reference_class": pl.Int8, "class": pl.Int8}


def _x_rules(day: dt.date) -> dict[str, dict[str, Any]]:
    """assessment name -> its ``x_from_data`` rule, for the item-set table in force on `day` (empty before 2021)."""
    try:
        table = standards.in_force("water_assessment", day)
    except StandardNotFound:
        return {}
    return {name: {**spec["x_from_data"], "base": list(spec["class_items"])} for name, spec in table["sets"].items()
            if spec.get("station_x") and spec.get("x_from_data")}


def _assessment_of(meta: pl.DataFrame, day: dt.date) -> dict[str, str | None]:
    """station_id -> its assessment on `day` (own field, else by kind, else the table's default)."""
    try:
        table = standards.in_force("water_assessment", day)
    except StandardNotFound:
        return {}
    by_kind, default = dict(table["by_kind"]), table["default_assessment"]
    return {r["station_id"]: r["assessment"] or by_kind.get(r["kind"] or "") or default
            for r in meta.select("station_id", "assessment", "kind").to_dicts()}


def x_exceedances(values: pl.DataFrame, stations: pl.DataFrame | None) -> pl.DataFrame:
    """The period values that put an item in a station's "X" ("十四五" national assessment: "5+X").

    "X为表1基本项目中上一年及当年出现过超过Ⅲ类标准限值的指标（考核目标为Ⅰ或Ⅱ类的，为超过Ⅰ或Ⅱ类标准限值的指标）"
    (``water_assessment › sets.national.x_from_data``): for the stations judged on "5+X" on the day of each value,
    every candidate item (a Table 1 class item other than the five always judged) whose period value is above the
    limit of Ⅲ, or of the target class when the target is Ⅰ or Ⅱ. A value below the detection limit never counts.

    Returns ``station_id, sampled_at, item, value, reference_class, class`` (one row per exceeding period value).
    """
    if values.height == 0:
        return pl.DataFrame(schema=_X_SCHEMA)
    meta = _meta(stations)
    days = sorted(set(values.get_column("sampled_at").dt.date().unique().to_list()))
    rows = []
    for day in days:
        rules = _x_rules(day)
        if not rules:
            continue
        assessment = _assessment_of(meta, day)
        for sid, name in assessment.items():
            rule = rules.get(name or "")
            if rule:
                for item in (c for c in rule["candidates"] if c not in rule["base"]):
                    rows.append({"day": day, "station_id": sid, "item": item,
                                 "_below": bool(rule.get("below_dl_counts", False))})
    if not rows:
        return pl.DataFrame(schema=_X_SCHEMA)
    wanted = pl.DataFrame(rows, schema={"day": pl.Date, "station_id": pl.String, "item": pl.String,
                                        "_below": pl.Boolean})
    default_ref = 3
    targets = meta.select("station_id", pl.min_horizontal(pl.col("target_class").fill_null(default_ref),
                                                          pl.lit(default_ref, pl.Int8)).cast(pl.Int8)
                          .alias("reference_class"))
    frame = (values.select("station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type")
             .with_columns(pl.col("sampled_at").dt.date().alias("day"))
             .join(wanted, on=["day", "station_id", "item"], how="inner")
             .join(targets, on="station_id", how="left")
             .with_columns(pl.col("reference_class").fill_null(default_ref)))
    if frame.height == 0:
        return pl.DataFrame(schema=_X_SCHEMA)
    classed = item_classes(frame.with_columns(pl.col("reference_class").alias("target_class")))
    hit = classed.filter((pl.col("table") == "gb3838_t1") & (pl.col("class") > pl.col("reference_class"))
                         & (pl.col("_below") | ~pl.col("below_dl")))
    return hit.select(list(_X_SCHEMA)).cast(_X_SCHEMA).sort("station_id", "sampled_at", "item")


def x_items_from_data(values: pl.DataFrame, stations: pl.DataFrame | None) -> pl.DataFrame:
    """The "X" of each station and period of `values`: its official list (``x_items``) plus the items of
    :func:`x_exceedances` of the previous and the current year up to that period (the period itself included).

    Returns ``station_id, sampled_at, x_items`` (List[String], catalogue order) and ``x_data`` (the items the data
    added to the official list). Stations not judged on "5+X" keep their official list and add nothing.
    """
    schema = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "x_items": pl.List(pl.String),
              "x_data": pl.List(pl.String)}
    if values.height == 0:
        return pl.DataFrame(schema=schema)
    units = values.select("station_id", pl.col("sampled_at").cast(pl.Datetime("us"))).unique() \
        .sort("station_id", "sampled_at")
    meta = _meta(stations)
    official = units.join(meta.select("station_id", "x_items"), on="station_id", how="left").with_columns(
        pl.col("x_items").fill_null(pl.lit([], pl.List(pl.String))))
    hits = x_exceedances(values, stations).select("station_id", pl.col("sampled_at").alias("_when"), "item")
    years = {}
    for day in sorted(set(units.get_column("sampled_at").dt.date().to_list())):
        rule = next(iter(_x_rules(day).values()), None)
        years[day] = rule.get("years", ["previous", "current"]) if rule else []
    first_year = pl.col("sampled_at").dt.year() - pl.when(
        pl.col("sampled_at").dt.date().replace_strict({d: "previous" in y for d, y in years.items()},
                                                      default=False, return_dtype=pl.Boolean)).then(1).otherwise(0)
    found = (units.join(hits, on="station_id", how="inner")
             .filter((pl.col("_when") <= pl.col("sampled_at")) & (pl.col("_when").dt.year() >= first_year))
             .group_by("station_id", "sampled_at").agg(pl.col("item").unique().alias("_data")))
    order = {c: i for i, c in enumerate(catalogue())}
    out = official.join(found, on=["station_id", "sampled_at"], how="left").with_columns(
        pl.col("_data").fill_null(pl.lit([], pl.List(pl.String))))
    rows = []
    for r in out.to_dicts():
        own = list(dict.fromkeys(r["x_items"]))
        data = [c for c in r["_data"] if c not in own]
        key = lambda c: (order.get(c, len(order)), c)  # noqa: E731
        rows.append({"station_id": r["station_id"], "sampled_at": r["sampled_at"],
                     "x_items": sorted(set(own) | set(data), key=key), "x_data": sorted(data, key=key)})
    return pl.DataFrame(rows, schema=schema)


def with_x_items(values: pl.DataFrame, stations: pl.DataFrame | None) -> pl.DataFrame:
    """`values` with a per-row ``x_items`` column (:func:`x_items_from_data`), which :func:`evaluate` then uses
    instead of the stations' official lists."""
    x = x_items_from_data(values, stations).select("station_id", "sampled_at", "x_items")
    base = values.drop("x_items") if "x_items" in values.columns else values
    return base.join(x, on=["station_id", "sampled_at"], how="left", maintain_order="left").with_columns(
        pl.col("x_items").fill_null(pl.lit([], pl.List(pl.String))))


def multiple_places(texts: Iterable[str | None]) -> int | None:
    """The one precision a bulletin prints all its 超标倍数 with, from the texts :func:`evaluate` wrote by the
    table's rule: None (keep the rule: ``exceedance.decimals``) when every multiple printed with those decimals,
    else ``exceedance.small_decimals`` (some multiple needed more, or printed as ``<0.01``), so that one bulletin
    never prints ``0.1倍`` beside ``0.05倍``. Pass the result to :func:`evaluate` as ``multiple_decimals``."""
    exc = _eval_rules_any()["exceedance"]
    decimals = int(exc["decimals"])
    small = int(exc.get("small_decimals", decimals))
    below = str(exc.get("small_below", "<"))
    for text in texts:
        for piece in str(text or "").split(exc["separator"]):
            if "/" not in piece:
                continue
            multiple = piece.rsplit("/", 1)[1].strip()
            if multiple.startswith(below) or len(multiple.partition(".")[2]) > decimals:
                return small if small > decimals else None
    return None


# --------------------------------------------------------------------------------------------- evaluation
def _assessment_rows(days: list[dt.date]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(day -> assessment table id, default assessment, kind mapping) and (table id, assessment, item, role)."""
    day_rows, set_rows = [], []
    seen: set[str] = set()
    for day in days:
        try:
            table = standards.in_force("water_assessment", day)
        except StandardNotFound:
            day_rows.append({"day": day, "assess_id": None, "default_assessment": None, "kind_map": None})
            continue
        day_rows.append({"day": day, "assess_id": table.id, "default_assessment": table["default_assessment"],
                         "kind_map": None})
        if table.id in seen:
            continue
        seen.add(table.id)
        for name, spec in table["sets"].items():
            for item in spec["class_items"]:
                set_rows.append({"assess_id": table.id, "assessment": name, "item": item, "role": "class"})
            for key in spec.get("single_limit_tables") or []:
                set_rows.append({"assess_id": table.id, "assessment": name, "item": f"*{SINGLE_TABLES[key]}",
                                 "role": "single"})
            if spec.get("station_x"):
                set_rows.append({"assess_id": table.id, "assessment": name, "item": "*x", "role": "x"})
    days_frame = pl.DataFrame(day_rows, schema={"day": pl.Date, "assess_id": pl.String,
                                                "default_assessment": pl.String, "kind_map": pl.String})
    sets = pl.DataFrame(set_rows, schema={"assess_id": pl.String, "assessment": pl.String, "item": pl.String,
                                          "role": pl.String})
    return days_frame, sets


def _kind_assessment(days: list[dt.date]) -> dict[str, str]:
    for day in days:
        try:
            return dict(standards.in_force("water_assessment", day)["by_kind"])
        except StandardNotFound:
            continue
    return {}


def format_multiple(multiple: float, decimals: int | None = None, small_decimals: int | None = None,
                    below: str | None = None) -> str:
    """An exceedance multiple (超标倍数, > 0) as bulletins print it.

    Rounded half-even to `decimals` (1: ``1.3``). A multiple that would print as zero, i.e. a value just
    above its limit, is printed with `small_decimals` (2: ``0.05``), and one too small even for that as
    `below` plus the smallest printable step (``<0.01``): a value above the limit never reads ``0.0`` and
    is never rounded up to a larger multiple. Defaults come from ``water_eval › exceedance``.
    """
    if not multiple > 0:
        raise ValueError(f"an exceedance multiple is above zero, got {multiple!r}")
    exc = _eval_rules_any()["exceedance"]
    decimals = int(exc["decimals"]) if decimals is None else decimals
    small_decimals = int(exc.get("small_decimals", decimals)) if small_decimals is None else small_decimals
    below = str(exc.get("small_below", "<")) if below is None else below
    for places in dict.fromkeys((decimals, max(decimals, small_decimals))):
        rounded = rounding.half_even(multiple, places)
        if rounded is not None and rounded > 0:
            return f"{rounded:.{places}f}"
    places = max(decimals, small_decimals)
    return f"{below}{Decimal(1).scaleb(-places):.{places}f}"


def format_multiples(multiples: pl.Series, decimals: int | None = None, small_decimals: int | None = None,
                     below: str | None = None) -> pl.Series:
    """:func:`format_multiple` of every value of a column, vectorised: the same text for every value.

    Null for null and NaN, and for the values :func:`format_multiple` refuses (not above zero, infinite, or from
    10^16 on, where stripping the binary noise to 12 decimals exceeds the decimal precision).
    """
    frame = multiples.cast(pl.Float64).to_frame("_m")
    return _with_multiple_text(frame, "_m", "_text", decimals, small_decimals, below).get_column("_text") \
        .alias(multiples.name)


def _with_multiple_text(frame: pl.DataFrame, column: str, out: str, decimals: int | None = None,
                        small_decimals: int | None = None, below: str | None = None) -> pl.DataFrame:
    """`frame` plus `out`, the text of the multiples in `column` (see :func:`format_multiples`).

    The decimal digits of each value (its shortest round-trip text, as ``repr`` gives) are read as an integer
    and a power of ten, then rounded in integers: half-even to 12 decimals (the binary noise), then half-even
    to `decimals`, else to `small_decimals`, else ``<`` and the smallest step.
    """
    exc = _eval_rules_any()["exceedance"]
    decimals = int(exc["decimals"]) if decimals is None else decimals
    small_decimals = int(exc.get("small_decimals", decimals)) if small_decimals is None else small_decimals
    below = str(exc.get("small_below", "<")) if below is None else below
    if not 0 <= max(decimals, small_decimals) <= 12:
        raise ValueError("multiples are printed with 0 to 12 decimals")
    m = pl.col(column).cast(pl.Float64)
    work = frame.select(pl.when((m > 0) & (m < 1e16)).then(m).cast(pl.String).str.split_exact("e", 1).alias("_e"))
    work = work.select(pl.col("_e").struct.field("field_0").str.split_exact(".", 1).alias("_m"),
                       pl.col("_e").struct.field("field_1").cast(pl.Int32).fill_null(0).alias("_exp"))
    work = work.select(
        (pl.col("_m").struct.field("field_0") + pl.col("_m").struct.field("field_1").fill_null(""))
        .cast(pl.Int128).alias("_digits"),
        (pl.col("_exp") - pl.col("_m").struct.field("field_1").fill_null("").str.len_chars().cast(pl.Int32)
         + 12).alias("_shift"))
    # the value is _digits · 10^(_shift − 12) exactly; first strip the binary noise: half-even to 12 decimals
    work = work.select(
        pl.when(pl.col("_shift") >= 0).then(pl.col("_digits") * rounding.pow10(pl.col("_shift")))
        .when(pl.col("_shift") < -38).then(pl.lit(0, pl.Int128))
        .otherwise(rounding.div_half_even_nonneg(pl.col("_digits"), rounding.pow10(-pl.col("_shift")))).alias("_n12"))
    conditions = []
    for k, places in enumerate(dict.fromkeys((decimals, max(decimals, small_decimals)))):
        n, text = f"_n{k}", f"_t{k}"
        work = work.with_columns(rounding.div_half_even_nonneg(pl.col("_n12"), pl.lit(10 ** (12 - places), pl.Int128)).alias(n))
        work = work.with_columns(rounding.fixed_text(pl.col(n), places).alias(text))
        if k == 0:
            # beyond 15 significant digits the float of the rounded decimal does not print back as that decimal:
            # print it as Python prints the float, rounding its exact binary value (a multiple of 2^-40 here)
            exact = (pl.col(text).cast(pl.Float64) * float(2 ** 40)).cast(pl.Int128)
            work = work.with_columns(_exact=exact).with_columns(
                pl.when(pl.col(n) < 10 ** 15).then(pl.col(text)).otherwise(
                    rounding.fixed_text(rounding.div_half_even_nonneg(pl.col("_exact") * 10 ** places, pl.lit(2 ** 40, pl.Int128)), places))
                .alias(text))
        conditions.append((pl.col(n) > 0, pl.col(text)))
    places = max(decimals, small_decimals)
    text: Any = pl.when(conditions[0][0]).then(conditions[0][1])
    for cond, value in conditions[1:]:
        text = text.when(cond).then(value)
    text = text.otherwise(pl.lit(f"{below}{Decimal(1).scaleb(-places):.{places}f}"))
    return frame.with_columns(work.select(pl.when(pl.col("_n12").is_not_null()).then(text).alias(out)).to_series())


def _pollutant_text(frame: pl.DataFrame, multiple: str, sep: str, places: int | None = None) -> pl.DataFrame:
    """``gid`` and the text ``name/multiple、name`` of its rows, in row order (pH, DO, or no multiple: the name).
    `places`: print every multiple with that many decimals (default: the table's rule, see :func:`format_multiple`)."""
    m = pl.col(multiple)
    plain = m.is_null() | m.is_nan()
    frame = _with_multiple_text(frame, multiple, "_text", places, places)
    bad = frame.filter(~plain & pl.col("_text").is_null())
    if bad.height:
        raise ValueError(f"an exceedance multiple is above zero and below 1e16, got {bad[multiple][0]!r}")
    return frame.select(
        "gid", pl.when(plain).then(pl.col("_name")).otherwise(pl.col("_name") + "/" + pl.col("_text")).alias("text")
    ).group_by("gid", maintain_order=True).agg("text").with_columns(pl.col("text").list.join(sep))


def evaluate(samples: pl.DataFrame, stations: pl.DataFrame | None = None,
             assessment: str | None = None, *, multiple_decimals: int | None = None) -> pl.DataFrame:
    """Class, status, compliance and main pollutants of each station and sampling time (or period).

    Parameters
    ----------
    samples : pl.DataFrame
        Long water frame (single samples or :func:`period_values`), ``waterbody_type`` resolved.
    stations : pl.DataFrame, optional
        Station metadata (see module docstring). Stations missing from it are evaluated with the default
        assessment of the item-set table and no target class.
    assessment : str, optional
        Force one assessment (``national | provincial | source``) for every station.
    multiple_decimals : int, optional
        Print every 超标倍数 of the texts with this many decimals (a value still too small prints as ``<0.01``);
        default: ``water_eval › exceedance`` (1 decimal, 2 for a multiple that would print as zero). A bulletin
        passes the one precision it prints all its multiples with (:func:`multiple_places`).

    Returns
    -------
    pl.DataFrame
        One row per ``station_id, sampled_at``: ``water_class`` (Int8), ``status``, ``target_class`` (Int8),
        ``compliant``, ``main_pollutants``, ``exceedances``, ``assessment``, ``waterbody_type``,
        ``items_evaluated``, ``n_items``, ``class_items`` (items at the worst class), ``tn_class``,
        ``tli``, ``trophic_state``, ``notes``.

    Notes
    -----
    * Item set (``water_assessment`` in force on the day): ``national`` from 2021-01-01 = pH, DO, CODMn,
      NH3-N, TP + the station's X items; ``provincial`` = the 21 items of 环办〔2011〕22号; ``source`` = the
      21 items + Table 2 + Table 3 items measured. Groundwater: every GB/T 14848-2017 index measured. Only
      items present are evaluated (listed in ``items_evaluated``).
    * Class: single-factor method, the worst item class. Status: ``water_eval › status``.
    * Compliance: class ≤ target and no Table 2/3 exceedance; drinking sources without a target use Ⅲ
      (``water_eval › drinking_source``); other stations without a target: null.
    * Main pollutants (class worse than Ⅲ only): up to three items worse than Ⅲ, worst class first, then larger
      超标倍数, written ``氨氮/1.3、总磷/0.6`` (pH, DO: name only; multiples by :func:`format_multiple`).
      ``exceedances`` lists every item above the target-class (or Ⅲ, or Table 2/3) limit in the same order and
      format.
    """
    if samples.height == 0:
        return _empty_result()
    rows = _evaluated_rows(samples, stations, assessment)
    out = _summarise(rows, multiple_decimals)
    _remember(out, samples, rows.bad)
    return out


class _Rows:
    """The item rows of an evaluation that its results are made of (see :func:`_evaluated_rows`)."""

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)


def _unit_context(units: pl.DataFrame, stations: pl.DataFrame | None, assessment: str | None) -> pl.DataFrame:
    """Target class, assessment, assessment table and the tables in force, for each row of `units` (station,
    time and any per-row ``target_class / assessment / kind / x_items`` of the samples)."""
    frame = units.join(_meta(stations), on="station_id", how="left", maintain_order="left")
    days = frame.select(pl.col("sampled_at").dt.date().unique())["sampled_at"].to_list()
    days_frame, _ = _assessment_rows(days)
    kind_map = _kind_assessment(days)
    frame = frame.with_columns(pl.col("sampled_at").dt.date().alias("day")).join(
        days_frame, on="day", how="left", maintain_order="left")
    kind_assess = pl.col("kind").replace_strict(kind_map, default=None, return_dtype=pl.String) \
        if kind_map else pl.lit(None, pl.String)
    chosen = pl.lit(assessment, pl.String) if assessment else \
        pl.coalesce(pl.col("assessment"), kind_assess, pl.col("default_assessment"))
    frame = frame.with_columns(chosen.alias("assessment"))
    src_rules = _eval_rules_any()["drinking_source"]
    tables = _time_tables(frame.get_column("sampled_at"))
    return frame.with_columns(
        pl.when(pl.col("target_class").is_null() & (pl.col("assessment") == "source"))
        .then(pl.lit(int(src_rules["default_target_class"]), pl.Int8))
        .otherwise(pl.col("target_class")).cast(pl.Int8).alias("target_class"),
        tables.get_column("surface"), tables.get_column("ground"),
    ).select("target_class", "assessment", "assess_id", "x_items", "surface", "ground")


def _evaluated_rows(samples: pl.DataFrame, stations: pl.DataFrame | None, assessment: str | None,
                    summaries: bool = True) -> _Rows:
    """Classify the items of `samples` as :func:`evaluate` judges them.

    The context of a row (target class, assessment, item sets, tables in force) depends on its station and
    time only (or on the samples' own ``target_class / assessment / kind / x_items`` columns, when they have
    them); it is worked out once per (station, time) group, the groups with the same context share a profile,
    and a row's profile, water-body type and item code give its position in a lookup table of limits and
    item-set roles. Only the rows that are evaluated, or that carry a lake's TN, are classified.
    """
    n = samples.height
    gid, groups, first_row = _groups(samples, ["station_id", "sampled_at"])
    item, vocab = _item_codes(samples.get_column("item"))
    ni = len(vocab)
    wb = _wb_codes(samples.get_column("waterbody_type"), normalise=True)

    # the context of each unit: a (station, time) group, or each row when the samples carry their own
    own = [c for c in ("target_class", "assessment", "kind", "x_items") if c in samples.columns]
    if own:
        units = samples.select("station_id", "sampled_at", *own)
        unit = pl.int_range(n, dtype=pl.UInt32, eager=True)
    else:
        units, unit = groups, gid
    context = _unit_context(units, stations, assessment)
    days = units.select(pl.col("sampled_at").dt.date().unique())["sampled_at"].to_list()
    _, sets = _assessment_rows(days)
    profile_cols = ["assess_id", "assessment", "target_class", "surface", "ground"]
    profile_of_unit, profiles, _ = _groups(context, profile_cols)
    std_ids = sorted({s for c in ("surface", "ground") for s in profiles.get_column(c).to_list() if s})
    std_code = {s: i for i, s in enumerate(std_ids)}

    # lookup table: one row per (profile, water-body code 0..3, item code), at that position
    no_multiple = _no_multiple(vocab)
    rules = _eval_rules_any()
    tn_for = [_WB_CODE[w] for w in rules["reference_items"]["tn_separately_for"] if w in _WB_CODE]
    tli_items = list(rules["trophic_state"]["items"])
    table = (
        profiles.with_row_index("_p")
        .join(pl.DataFrame({"_wb": pl.Series(range(4), dtype=pl.UInt8)}), how="cross")
        .join(pl.DataFrame({"_item": pl.Series(range(ni), dtype=pl.UInt32),
                            "item": pl.Series(vocab, dtype=pl.String), "_nomult": no_multiple}), how="cross")
        .with_columns(((pl.col("_p").cast(pl.Int64) * 4 + pl.col("_wb")) * ni + pl.col("_item")).alias("_key"))
        .sort("_key")
    )
    std = pl.when(pl.col("_wb") == _GROUND).then(pl.col("ground")).otherwise(pl.col("surface")) \
        .replace_strict(std_code, default=None, return_dtype=pl.Int64)
    limit_key = table.select(pl.when(pl.col("_wb") < 3).then((std * 3 + pl.col("_wb")) * ni + pl.col("_item"))) \
        .to_series()
    table = table.hstack(_limit_lookup(tuple(std_ids), tuple(vocab)).select(pl.all().gather(pl.lit(limit_key))))
    class_sets = sets.filter(pl.col("role") == "class").select(
        "assess_id", "assessment", "item", pl.lit(True).alias("_in_set"))
    single_sets = sets.filter(pl.col("role") == "single").select(
        "assess_id", "assessment", pl.col("item").str.slice(1).replace_strict(_TABLE_CODE, return_dtype=pl.UInt8)
        .alias("table"), pl.lit(True).alias("_single"))
    x_sets = sets.filter(pl.col("role") == "x").select("assess_id", "assessment", pl.lit(True).alias("_x"))
    table = (
        table.join(class_sets, on=["assess_id", "assessment", "item"], how="left", maintain_order="left")
        .join(single_sets, on=["assess_id", "assessment", "table"], how="left", maintain_order="left")
        .join(x_sets, on=["assess_id", "assessment"], how="left", maintain_order="left")
    )
    ground_wb = pl.col("_wb") == _GROUND
    t1 = pl.col("table") == _TABLE_CODE["gb3838_t1"]
    table = table.with_columns(
        pl.when(ground_wb).then(pl.col("table") == _TABLE_CODE["gb14848"])
        .otherwise((t1 & pl.col("_in_set").fill_null(False)) | pl.col("_single").fill_null(False))
        .fill_null(False).alias("_base_ev"),
        (~ground_wb & t1 & pl.col("_x").fill_null(False)).fill_null(False).alias("_x_ev"),
        ((pl.col("item") == "tn") & pl.col("_wb").is_in(tn_for)).fill_null(False).alias("_tn"),
        ((pl.col("_wb") == _WB_CODE["lake"]) & pl.col("item").is_in(tli_items)).fill_null(False).alias("_tli"),
    )

    # each row: its position in the table, whether it is evaluated (X items: the station's list), kept rows
    profile = profile_of_unit.gather(unit)
    key = pl.select((pl.lit(profile).cast(pl.Int64) * 4 + pl.lit(wb)) * ni + pl.lit(item)).to_series()
    flags = table.select(pl.col("_base_ev", "_x_ev", "_tn", "_tli").gather(pl.lit(key)))
    evaluated = flags.get_column("_base_ev")
    if flags.get_column("_x_ev").any():
        evaluated = evaluated | (flags.get_column("_x_ev") & _in_x_items(context, unit, item, vocab))
    rows = pl.DataFrame([gid.alias("gid"), key.alias("_key"), item.alias("_item"),
                         samples.get_column("value"), samples.get_column("below_dl"), evaluated.alias("ev"),
                         flags.get_column("_tn")])
    rows = rows.filter(pl.col("ev") | pl.col("_tn"))
    rows = rows.hstack(table.select(pl.col("target_class", "_nomult", *_LIMIT_COLS)
                                    .gather(pl.lit(rows.get_column("_key")))))
    rows = _classify(rows).select("gid", "_item", "ev", "_tn", "table", "class", "exceeds", "multiple",
                                  "main_multiple")
    limit_class = int(rules["main_pollutants"]["when_class_worse_than"])
    ev = rows.filter(pl.col("ev"))
    cand = ev.filter(pl.col("table").is_in(_CLASS_TABLE_CODES) & (pl.col("class") > limit_class))
    bad = groups.select(pl.all().gather(pl.lit(cand.get_column("gid")))) \
        .with_columns(pl.Series(vocab, dtype=pl.String).gather(cand.get_column("_item")).alias("item"),
                      cand.get_column("class"), cand.get_column("main_multiple")) \
        .drop_nulls(["station_id", "sampled_at"])
    if not summaries:
        return _Rows(bad=bad)

    # group level: the first row's water-body type, target class and assessment; the first table in force
    first_unit = unit.gather(first_row)
    first_wb = wb.gather(first_row)
    ctx_first = context.select(pl.all().gather(pl.lit(first_unit)))
    std_first = ctx_first.select(pl.when(pl.lit(first_wb) == _GROUND).then(pl.col("ground"))
                                 .otherwise(pl.col("surface"))).to_series()
    if std_first.null_count() and wb.n_unique() > 1:
        std_first = _first_table(std_first, gid, wb, context, unit)
    base = groups.with_columns(
        pl.Series(_WB_NAMES, dtype=pl.String).gather(first_wb).alias("waterbody_type"),
        ctx_first.get_column("target_class"), ctx_first.get_column("assessment"), std_first.alias("std_id"),
    ).with_row_index("gid")
    tli = samples.filter(flags.get_column("_tli"))
    return _Rows(base=base, rows=rows, ev=ev, cand=cand, bad=bad, tli=tli, vocab=vocab)


def _first_table(std_first: pl.Series, gid: pl.Series, wb: pl.Series, context: pl.DataFrame,
                 unit: pl.Series) -> pl.Series:
    """The first non-null table in force over the rows of each group (a group whose rows disagree on the
    water-body type), where the first row has none."""
    missing = std_first.is_null()
    rows = pl.DataFrame([gid.alias("gid"), wb.alias("wb"), unit.alias("unit")]).filter(
        pl.lit(missing).gather(pl.col("gid")))
    ctx = context.select(pl.col("surface", "ground").gather(pl.lit(rows.get_column("unit"))))
    found = rows.hstack(ctx).select(
        "gid", pl.when(pl.col("wb") == _GROUND).then(pl.col("ground")).otherwise(pl.col("surface")).alias("std")
    ).drop_nulls("std").group_by("gid", maintain_order=True).agg(pl.col("std").first())
    fill = pl.DataFrame({"gid": pl.int_range(std_first.len(), dtype=pl.UInt32, eager=True)}).join(
        found, on="gid", how="left", maintain_order="left").get_column("std")
    return std_first.fill_null(fill)


def _in_x_items(context: pl.DataFrame, unit: pl.Series, item: pl.Series, vocab: list[str | None]) -> pl.Series:
    """Whether each row's item is in its unit's X items (``x_items``)."""
    ni = len(vocab)
    codes = {c: i for i, c in enumerate(vocab) if c is not None}
    pairs = context.select(pl.col("x_items").alias("_x")).with_row_index("_u").explode("_x").filter(
        pl.col("_x").is_in(list(codes))).select(
        (pl.col("_u").cast(pl.Int64) * ni + pl.col("_x").replace_strict(codes, return_dtype=pl.Int64)).alias("k"))
    slot = pl.select(pl.lit(unit).cast(pl.Int64) * ni + pl.lit(item)).to_series()
    if context.height * ni <= 1 << 26:
        table = pl.zeros(context.height * ni, dtype=pl.Boolean, eager=True)
        if pairs.height:
            table = table.scatter(pairs.get_column("k"), True)
        return table.gather(slot)
    return slot.is_in(pairs.get_column("k").implode())


# the item rows behind each result of evaluate(), for river_summary(sections=...): result id -> (result, samples,
# rows); an entry goes when its result is freed
_EVALUATIONS: dict[int, tuple[Any, Any, pl.DataFrame]] = {}


def _remember(result: pl.DataFrame, samples: pl.DataFrame, bad: pl.DataFrame) -> None:
    key = id(result)
    _EVALUATIONS[key] = (weakref.ref(result, lambda _ref: _EVALUATIONS.pop(key, None)), weakref.ref(samples), bad)


def _recalled(result: pl.DataFrame, samples: pl.DataFrame) -> pl.DataFrame | None:
    entry = _EVALUATIONS.get(id(result))
    if entry is None or entry[0]() is not result or entry[1]() is not samples:
        return None
    return entry[2]


def _empty_result() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "station_id": pl.String, "sampled_at": pl.Datetime("us"), "water_class": pl.Int8, "status": pl.String,
        "target_class": pl.Int8, "compliant": pl.Boolean, "main_pollutants": pl.String,
        "exceedances": pl.String, "assessment": pl.String, "waterbody_type": pl.String,
        "items_evaluated": pl.String, "n_items": pl.Int64, "class_items": pl.String, "tn_class": pl.Int8,
        "tli": pl.Float64, "trophic_state": pl.String, "notes": pl.String})


def _summarise(parts: _Rows, places: int | None = None) -> pl.DataFrame:
    rules = _eval_rules_any()
    exc, mp = rules["exceedance"], rules["main_pollutants"]
    sep = exc["separator"]
    keys = ["station_id", "sampled_at"]
    vocab = parts.vocab
    n_cat = len(catalogue())
    codes = pl.Series(vocab, dtype=pl.String)
    order = pl.Series([min(i, n_cat) for i in range(len(vocab))], dtype=pl.UInt32)
    names = pl.Series([item_name(c) if c is not None else None for c in vocab], dtype=pl.String)
    is_class = pl.col("table").is_in(_CLASS_TABLE_CODES)
    # evaluated items of each group in catalogue order: items_evaluated, the worst class and the items at it
    ev = parts.ev.with_columns(pl.lit(order).gather(pl.col("_item")).alias("_ord"),
                               pl.lit(codes).gather(pl.col("_item")).alias("item"))
    ev = ev.sort(pl.col("gid").cast(pl.Int64) * (n_cat + 1) + pl.col("_ord"))
    agg = ev.group_by("gid").agg(
        pl.col("item").alias("items_evaluated"), pl.len().cast(pl.Int64).alias("n_items"),
        pl.col("class").filter(is_class).max().alias("water_class"),
        pl.col("exceeds").filter(pl.col("table").is_in(_SINGLE_TABLE_CODES)).any().alias("_single_exceeds"),
    )
    group_class = pl.Series([None] * parts.base.height, dtype=pl.Int8).scatter(
        agg.get_column("gid"), agg.get_column("water_class"))
    worst = ev.filter(is_class & (pl.col("class") == pl.lit(group_class).gather(pl.col("gid")))) \
        .group_by("gid").agg(pl.col("item").alias("class_items"))
    agg = agg.join(worst, on="gid", how="left").with_columns(
        pl.col("items_evaluated").list.join(","), pl.col("class_items").list.join(","))
    # main pollutants: class worse than Ⅲ; top N by class desc, multiple desc, then catalogue order. A group without
    # a station id or a time matches no evaluated item (its results stay empty): its texts are not written
    keyed = pl.col("station_id").is_not_null() & pl.col("sampled_at").is_not_null()
    written = pl.lit(parts.base.select(keyed).to_series()).gather(pl.col("gid"))
    named = [pl.lit(names).gather(pl.col("_item")).alias("_name"), pl.lit(order).gather(pl.col("_item")).alias("_ord")]
    cand = parts.cand.filter(written).with_columns(
        *named, pl.lit(codes).gather(pl.col("_item")).is_in(list(mp["priority_items"])).alias("_prio")
        if mp.get("apply_priority") else pl.lit(False).alias("_prio"))
    main = cand.sort(["gid", "_prio", "class", "main_multiple", "_ord"],
                     descending=[False, True, True, True, False], nulls_last=True) \
        .group_by("gid", maintain_order=True).head(int(mp["max_items"]))
    exceed = parts.ev.filter(pl.col("exceeds").fill_null(False) & written).with_columns(*named).sort(
        ["gid", "class", "multiple", "_ord"], descending=[False, True, True, False], nulls_last=True)
    out = (
        parts.base.join(agg, on="gid", how="left", maintain_order="left")
        .join(_pollutant_text(main, "main_multiple", sep, places).rename({"text": "main_pollutants"}), on="gid",
              how="left", maintain_order="left")
        .join(_pollutant_text(exceed, "multiple", sep, places).rename({"text": "exceedances"}), on="gid",
              how="left", maintain_order="left")
    )
    out = out.with_columns(
        *[pl.when(keyed).then(pl.col(c)).alias(c) for c in
          ("water_class", "_single_exceeds", "items_evaluated", "n_items", "class_items")],
        *[pl.when(keyed).then(pl.col(c)).fill_null("").alias(c) for c in ("main_pollutants", "exceedances")],
    )

    # compliance
    out = out.with_columns(
        pl.when(pl.col("target_class").is_null() | pl.col("water_class").is_null()).then(None)
        .otherwise((pl.col("water_class") <= pl.col("target_class"))
                   & ~pl.col("_single_exceeds").fill_null(False)).alias("compliant")
    ).drop("_single_exceeds")

    # status words (by the water_eval table in force on the day)
    out = out.with_columns(_status_expr(out))

    # reference items: TN class of lakes (单独评价)
    tn = parts.rows.filter(pl.col("_tn")).group_by("gid").agg(pl.col("class").max().alias("tn_class"))
    out = out.join(tn, on="gid", how="left", maintain_order="left").with_columns(
        pl.when(keyed).then(pl.col("tn_class")).alias("tn_class"))

    # trophic state of lakes
    # below-DL results enter the index at ½ DL, like any calculation (环办监测函〔2020〕82号 第七点)
    half = float(rules["below_detection_limit"]["statistic_factor"])
    tli_items = list(rules["trophic_state"]["items"])
    wide = parts.tli.with_columns(
        pl.when(pl.col("below_dl")).then(pl.col("value") * half).otherwise(pl.col("value")).alias("_v")
    ).pivot(on="item", index=keys, values="_v", aggregate_function="first")
    for code in tli_items:
        if code not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(code))
    if wide.height:
        wide = trophic_state(wide).select(*keys, "tli", "trophic_state")
        out = out.join(wide, on=keys, how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("tli"), pl.lit(None, pl.String).alias("trophic_state"))

    # notes
    out = out.with_columns(
        pl.when(pl.col("std_id").is_null() & (pl.col("waterbody_type") == "groundwater"))
        .then(pl.lit("地下水质量标准：该日期无在用版本（GB/T 14848-93 未收录），未评价"))
        .when(pl.col("waterbody_type").is_null()).then(pl.lit("水体类型未知，未评价"))
        .when(pl.col("water_class").is_null()).then(pl.lit("无评价项目"))
        .otherwise(pl.lit("")).alias("notes")
    )
    cols = ["station_id", "sampled_at", "water_class", "status", "target_class", "compliant", "main_pollutants",
            "exceedances", "assessment", "waterbody_type", "items_evaluated", "n_items", "class_items",
            "tn_class", "tli", "trophic_state", "notes"]
    return out.select(cols).sort(keys)


def _status_expr(out: pl.DataFrame) -> pl.Expr:
    """Status word of `water_class` by the water_eval table in force on each day (null before 2011-03-09)."""
    days = out.select(pl.col("sampled_at").dt.date().unique())["sampled_at"].to_list()
    expr: Any = None
    for version in standards.versions("water_eval"):
        mapping = {int(k): v for k, v in version["status"]["by_class"].items()}
        covered = [d for d in days if version.covers(d)]
        if not covered:
            continue
        cond = pl.col("sampled_at").dt.date().is_in(covered)
        word = pl.col("water_class").replace_strict(mapping, default=None, return_dtype=pl.String)
        expr = pl.when(cond).then(word) if expr is None else expr.when(cond).then(word)
    if expr is None:
        return pl.lit(None, pl.String).alias("status")
    return expr.otherwise(None).alias("status")


def status_of(water_class: int | None, on: dt.date) -> str | None:
    """The status word (优 / 良好 / 轻度污染 / 中度污染 / 重度污染) of a class on a day (环办〔2011〕22号)."""
    if water_class is None:
        return None
    rules = standards.in_force("water_eval", on)
    return rules["status"]["by_class"][int(water_class)]


# --------------------------------------------------------------------------------------------- trophic state
def trophic_state(frame: pl.DataFrame, require_all: bool | None = None,
                  on: dt.date | None = None) -> pl.DataFrame:
    """综合营养状态指数 TLI(Σ) and the trophic state (总站生字〔2001〕090号, adopted by 环办〔2011〕22号).

    Parameters
    ----------
    frame : pl.DataFrame
        Columns ``chla`` (mg/m³), ``tp``, ``tn``, ``codmn`` (mg/L), ``sd`` (m).
    require_all : bool, optional
        Compute only when all five are present (default from the table); False recomputes the weights
        W_j = r_j²/Σr_j² over the items present.

    Returns
    -------
    pl.DataFrame
        `frame` plus ``tli_<item>`` components, ``tli`` (rounded to the table's decimals, half-even) and
        ``trophic_state`` (贫营养 / 中营养 / 轻度富营养 / 中度富营养 / 重度富营养).

    Notes
    -----
    TLI(j) = 10(a_j + b_j ln C_j); TLI(Σ) = Σ W_j TLI(j), W_j = r_j²/Σ r_j² with r = chla 1, TP 0.84,
    TN 0.82, SD −0.83, CODMn 0.83. Classes: <30 贫营养; 30–50 中营养; 50<TLI≤60 轻度; 60<TLI≤70 中度;
    >70 重度富营养 (boundaries of the 总站 text).
    """
    rules = (standards.in_force("water_eval", on) if on else _eval_rules_any())["trophic_state"]
    need_all = rules["require_all"] if require_all is None else require_all
    items = list(rules["items"])
    r2 = {k: float(rules["r"][k]) ** 2 for k in items}
    comps = []
    for k in items:
        a, b = float(rules["components"][k]["a"]), float(rules["components"][k]["b"])
        x = pl.col(k).cast(pl.Float64)
        comps.append(pl.when(x > 0).then(10 * (a + b * x.log())).otherwise(None).alias(f"tli_{k}"))
    out = frame.with_columns(comps)
    present = [pl.col(f"tli_{k}").is_not_null() for k in items]
    weight_sum = pl.sum_horizontal([pl.when(p).then(pl.lit(r2[k])).otherwise(0.0) for p, k in zip(present, items)])
    total = pl.sum_horizontal([pl.col(f"tli_{k}").fill_null(0.0) * r2[k] for k in items]) / weight_sum
    n_present = pl.sum_horizontal([p.cast(pl.Int32) for p in present])
    ok = (n_present == len(items)) if need_all else (n_present > 0)
    decimals = int(rules["decimals"])
    out = out.with_columns(pl.when(ok).then(total).otherwise(None).alias("_tli"))
    value = pl.col("_tli").round(decimals) if rules["classify_rounded"] else pl.col("_tli")
    state: Any = None
    for cls in rules["classes"]:
        if "below" in cls:
            cond = value < float(cls["below"])
        elif "max" in cls:
            cond = value <= float(cls["max"])
        else:
            cond = value.is_not_null()
        state = pl.when(cond).then(pl.lit(cls["state"])) if state is None else state.when(cond).then(
            pl.lit(cls["state"]))
    return out.with_columns(state.otherwise(None).alias("trophic_state"),
                            pl.col("_tli").round(decimals).alias("tli")).drop("_tli")


def trophic_weights(on: dt.date | None = None) -> dict[str, float]:
    """W_j = r_j² / Σ r_j² from the table's correlation coefficients."""
    rules = (standards.in_force("water_eval", on) if on else _eval_rules_any())["trophic_state"]
    r2 = {k: float(v) ** 2 for k, v in rules["r"].items()}
    total = sum(r2.values())
    return {k: v / total for k, v in r2.items()}


# --------------------------------------------------------------------------------------------- groups
def aggregate_points(values: pl.DataFrame, group: str, group_meta: pl.DataFrame) -> pl.DataFrame:
    """Arithmetic mean of each item over the stations of a group (river, lake, basin) and period.

    `values` are period values (:func:`period_values`); `group_meta` maps ``station_id`` to `group`. Below-DL
    values enter at ½ DL unless all are below DL (then the largest DL, still below DL). The group becomes
    the ``station_id`` of the result so that :func:`evaluate` can classify it.
    """
    joined = values.join(group_meta.select("station_id", group), on="station_id", how="inner")
    averaged = period_values(joined.drop("station_id").rename({group: "station_id"}), period="sample")
    return averaged.select("station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type")


def river_summary(values: pl.DataFrame, stations: pl.DataFrame, by: str = "river",
                  assessment: str | None = None, sections: pl.DataFrame | None = None, *,
                  multiple_decimals: int | None = None) -> pl.DataFrame:
    """Status of rivers or basins (环办〔2011〕22号: 河流、流域（水系）水质评价).

    Parameters
    ----------
    values : pl.DataFrame
        Period values of the sections (:func:`period_values`), one period.
    stations : pl.DataFrame
        Station metadata with ``station_id`` and the `by` column.
    sections : pl.DataFrame, optional
        ``evaluate(values, stations, assessment)`` when the caller has it already (it is not computed again), or
        its rows of these values. When it is the very frame :func:`evaluate` returned for this `values` frame,
        the item classes that evaluation found are reused too.
    multiple_decimals : int, optional
        As in :func:`evaluate`, for the main pollutants of the averaged groups.

    Returns
    -------
    pl.DataFrame
        One row per group and period: ``n_sections``, ``share_good`` (Ⅰ–Ⅲ, %), ``share_bad`` (劣Ⅴ, %),
        ``method`` (``average`` below 5 sections, ``proportion`` from 5), ``water_class`` (average method
        only), ``status``, ``main_pollutants``, ``notes``.

    Notes
    -----
    Fewer than 5 sections: average each item over the sections, then the single-factor method. 5 or more:
    Ⅰ–Ⅲ ≥ 90% 优; ≥ 75% 良好; else 劣Ⅴ ≥ 40% 重度污染, ≥ 20% 中度污染, otherwise 轻度污染 (the 60%/40% wording
    disagreement is noted on the row). Main pollutants from 5 sections: items worse than Ⅲ by 断面超标率,
    top three (memory-only rule, see docs/water-method.md); items with the same rate are ordered by the worse
    exceedance (``river › main_pollutants_tie_break``): the worst class any section reached, then the largest
    超标倍数 (against Ⅲ, or a stricter target), then the catalogue order (GB 3838-2002 Table 1) — never by code.
    """
    rules = _eval_rules_any()
    river = rules["river"]
    shares_dec = int(rules["report_decimals"]["share_decimals"])
    good = set(int(c) for c in rules["status"]["good_group"])
    evaluated = evaluate(values, stations, assessment, multiple_decimals=multiple_decimals) \
        if sections is None else sections
    meta = stations.select("station_id", by)
    secs = evaluated.join(meta, on="station_id", how="inner")
    keys = [by, "sampled_at"]
    counts = secs.group_by(keys, maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("n_sections"),
        (pl.col("water_class").is_in(list(good)).sum() / pl.len() * 100).alias("_good"),
        ((pl.col("water_class") == 6).sum() / pl.len() * 100).alias("_bad"),
    )
    # average method, for the groups of fewer sections than the proportion method needs (the others' averages
    # would be replaced below)
    small = counts.filter(pl.col("n_sections") < int(river["proportion_from"])).select(keys)
    avg_eval = _empty_result().with_columns(pl.col("sampled_at").cast(counts.schema["sampled_at"]))
    if small.height:
        ids = meta.filter(pl.col(by).is_in(small.get_column(by).unique().implode())).get_column("station_id")
        averaged = aggregate_points(values.filter(pl.col("station_id").is_in(ids.implode())), by, stations).join(
            small.rename({by: "station_id"}), on=["station_id", "sampled_at"], how="semi")
        if averaged.height:
            avg_eval = evaluate(averaged, None, assessment or _first_assessment(secs),
                                multiple_decimals=multiple_decimals)
    avg_eval = avg_eval.rename({"station_id": by})
    out = counts.join(avg_eval.select(*keys, "water_class", "status", "main_pollutants"), on=keys, how="left")
    # proportion method
    cond = None
    for row in river["proportion_rules"]:
        test = pl.lit(True)
        if "good_min" in row:
            test = test & (pl.col("_good") >= float(row["good_min"]))
        if "bad_min" in row:
            test = test & (pl.col("_bad") >= float(row["bad_min"]))
        cond = pl.when(test).then(pl.lit(row["status"])) if cond is None else cond.when(test).then(
            pl.lit(row["status"]))
    prop_status = cond.otherwise(None)
    # exceedance rate of items (sections where the item is worse than Ⅲ)
    bad = _recalled(sections, values) if sections is not None else _recalled(evaluated, values)
    if bad is None:
        bad = _evaluated_rows(values, stations, assessment, summaries=False).bad if values.height else \
            pl.DataFrame(schema={"station_id": pl.String, "sampled_at": values.schema["sampled_at"],
                                 "item": pl.String, "class": pl.Int8, "main_multiple": pl.Float64})
    sep = rules["exceedance"]["separator"]
    names = {c: item_name(c) for c in catalogue()}
    order = {c: i for i, c in enumerate(catalogue())}
    rates = bad.join(meta, on="station_id", how="inner").group_by([*keys, "item"]).agg(
        pl.col("station_id").n_unique().alias("_bad_sections"), pl.col("class").max().alias("_worst"),
        pl.col("main_multiple").max().alias("_multiple"))
    # equal 断面超标率: the worse exceedance first (worst class, then larger multiple), then catalogue order
    rates = rates.join(counts.select(*keys, "n_sections"), on=keys).with_columns(
        (pl.col("_bad_sections") / pl.col("n_sections") * 100).alias("_rate"),
        pl.col("item").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_ord"),
    ).sort(["_rate", "_worst", "_multiple", "_ord", "item"], descending=[True, True, True, False, False],
           nulls_last=True).group_by(keys, maintain_order=True).agg(
        pl.col("item").head(int(river["main_pollutants_max"])).replace(names).str.join(sep).alias("_names"))
    out = out.join(rates, on=keys, how="left")
    big = pl.col("n_sections") >= int(river["proportion_from"])
    note_at = river["heavy_row_note_at"]
    out = out.with_columns(
        pl.when(big).then(pl.lit("proportion")).otherwise(pl.lit("average")).alias("method"),
        pl.when(big).then(None).otherwise(pl.col("water_class")).alias("water_class"),
        pl.when(big).then(prop_status).otherwise(pl.col("status")).alias("status"),
        pl.when(big).then(pl.col("_names")).otherwise(pl.col("main_pollutants"))
        .fill_null("").alias("main_pollutants"),
        rounding.float_stat(pl.col("_good"), shares_dec, noise=12).alias("share_good"),
        rounding.float_stat(pl.col("_bad"), shares_dec, noise=12).alias("share_bad"),
        pl.when(big & (pl.col("_good") == float(note_at["good"])) & (pl.col("_bad") == float(note_at["bad"])))
        .then(pl.lit("Ⅰ~Ⅲ类=60%且劣Ⅴ类=40%：“<60%”与“<75%”两种表述在此不一致，按劣Ⅴ≥40%评为重度污染"))
        .otherwise(pl.lit("")).alias("notes"),
    )
    return out.select(by, "sampled_at", "n_sections", "share_good", "share_bad", "method", "water_class",
                      "status", "main_pollutants", "notes").sort(keys)


def _first_assessment(sections: pl.DataFrame) -> str | None:
    values = sections["assessment"].drop_nulls().unique().to_list()
    return values[0] if len(values) == 1 else None


def lake_summary(values: pl.DataFrame, stations: pl.DataFrame, by: str = "water_body",
                 assessment: str | None = None, *, multiple_decimals: int | None = None) -> pl.DataFrame:
    """Lake/reservoir evaluation: spatial mean of the points' period values, then the section method and TLI.

    Returns :func:`evaluate` columns with the lake (`by`) as ``station_id``, plus ``n_points``.
    Aggregation order (time mean per point, then spatial mean) is memory-only in the digest.
    """
    averaged = aggregate_points(values, by, stations)
    n_points = values.join(stations.select("station_id", by), on="station_id").group_by(
        by, "sampled_at").agg(pl.col("station_id").n_unique().alias("n_points"))
    out = evaluate(averaged, None, assessment, multiple_decimals=multiple_decimals)
    return out.join(n_points.rename({by: "station_id"}), on=["station_id", "sampled_at"], how="left")


# --------------------------------------------------------------------------------------------- change wording
def status_change(before: str | None, after: str | None, on: dt.date | None = None) -> str | None:
    """Change wording by status level (环办〔2011〕22号): 无明显变化 / 有所好转|变差 / 明显好转|变差.

    The steps are the five status levels (优, 良好, 轻度污染, 中度污染, 重度污染), not the six classes:
    Ⅰ→Ⅱ is 无明显变化; Ⅲ→Ⅴ is two levels, 明显变差.
    """
    if before is None or after is None:
        return None
    rules = (standards.in_force("water_eval", on) if on else _eval_rules_any())
    levels = list(rules["status"]["levels"])
    wording = rules["trend"]["by_status_level"]
    step = levels.index(after) - levels.index(before)
    if step == 0:
        return wording["same"]
    direction = "better" if step < 0 else "worse"
    return wording["one_level"][direction] if abs(step) == 1 else wording["two_or_more"][direction]


def proportion_change(good_before: float, bad_before: float, good_after: float, bad_after: float,
                      on: dt.date | None = None) -> dict[str, Any]:
    """Combined-proportion change (环办〔2011〕22号): ΔG = G2 − G1, ΔD = D2 − D1 in percentage points.

    ΔG − ΔD > 0 better, < 0 worse; |ΔG − ΔD| ≤ 10 无明显变化, ≤ 20 有所好转/变差, > 20 明显好转/变差.
    Returns ``delta_good, delta_bad, delta, wording`` (deltas rounded half-even to the table's decimals).
    """
    rules = (standards.in_force("water_eval", on) if on else _eval_rules_any())["trend"]
    bands = rules["by_proportion"]
    dec = int(rules["change_decimals"])
    d_good = float(Decimal(repr(good_after)) - Decimal(repr(good_before)))
    d_bad = float(Decimal(repr(bad_after)) - Decimal(repr(bad_before)))
    delta = float(Decimal(repr(d_good)) - Decimal(repr(d_bad)))
    size = abs(delta)
    words = bands["wording"]
    if size <= float(bands["no_change_max"]):
        wording = words["same"]
    elif size <= float(bands["some_change_max"]):
        wording = words["some_better"] if delta > 0 else words["some_worse"]
    else:
        wording = words["clear_better"] if delta > 0 else words["clear_worse"]
    return {"delta_good": rounding.half_even(d_good, dec), "delta_bad": rounding.half_even(d_bad, dec),
            "delta": rounding.half_even(delta, dec), "wording": wording}


def share_change(current: float | None, previous: float | None, decimals: int = 1) -> float | None:
    """Change of a share in percentage points (current − previous), half-even rounded; None if either is."""
    if current is None or previous is None:
        return None
    return rounding.half_even(float(Decimal(repr(current)) - Decimal(repr(previous))), decimals)


# --------------------------------------------------------------------------------------------- drinking rates
def compliance_rates(frame: pl.DataFrame, by: Iterable[str] = ()) -> pl.DataFrame:
    """水源达标率 and 水量达标率 of drinking-water sources.

    Parameters
    ----------
    frame : pl.DataFrame
        One row per source and period: ``compliant`` (Boolean) and ``volume`` (取水量, 万吨).
    by : grouping columns (e.g. ``city``); none = one row for all.

    Returns
    -------
    pl.DataFrame
        ``n_sources, n_compliant, count_rate, volume_total, volume_compliant, volume_rate`` (rates in %,
        rounded half-even to ``water_eval › drinking_source.rate_decimals``). Sources without a compliance
        result are not counted as monitored; a rate with a zero denominator is null.
    """
    rules = _eval_rules_any()["drinking_source"]
    dec = int(rules["rate_decimals"])
    by = list(by)
    data = frame.filter(pl.col("compliant").is_not_null())
    aggs = [
        pl.len().cast(pl.Int64).alias("n_sources"),
        pl.col("compliant").sum().cast(pl.Int64).alias("n_compliant"),
        pl.col("volume").sum().alias("volume_total"),
        pl.col("volume").filter(pl.col("compliant")).sum().alias("volume_compliant"),
    ]
    out = data.group_by(by, maintain_order=True).agg(aggs) if by else data.select(aggs)
    return out.with_columns(
        rounding.float_stat(pl.when(pl.col("n_sources") > 0).then(pl.col("n_compliant") / pl.col("n_sources") * 100)
                            .otherwise(None), dec, noise=12).alias("count_rate"),
        rounding.float_stat(pl.when(pl.col("volume_total") > 0).then(pl.col("volume_compliant") / pl.col("volume_total") * 100)
                            .otherwise(None), dec, noise=12).alias("volume_rate"),
    ).select(*by, "n_sources", "n_compliant", "count_rate", "volume_total", "volume_compliant", "volume_rate")
