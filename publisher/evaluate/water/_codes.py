"""Private integer-coding machinery of the water evaluation: items, water bodies, standards tables and
limits as integer codes, run starts and groups, and the memo of recent evaluations."""
from __future__ import annotations

import weakref
from functools import lru_cache
from typing import Any

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate.water.items import _table_id, catalogue
from publisher.vocabulary import water as vocabulary_water


CLASS_TABLES = ("gb3838_t1", "gb14848")
SINGLE_TABLES = {"table2": "gb3838_t2", "table3": "gb3838_t3"}


INF = float("inf")
#: Classes with limits (Ⅰ..Ⅴ); a table with another count is refused rather than read wrongly.
N_CLASSES = len(vocabulary_water.TARGET_LABELS)


def _limit_rows(std: standards.Standard) -> list[dict[str, Any]]:
    """One row per (waterbody type, item) of a standards table, with per-class [lo, hi] bounds."""
    rows: list[dict[str, Any]] = []
    if len(std["classes"]) != N_CLASSES:
        raise StandardNotFound(f"{std.id}: {len(std['classes'])} classes; the evaluation reads {N_CLASSES}")

    def row(wb: str, item: str, table: str, bounds: list[tuple[float | None, float | None]] | None,
            worst: int | None, single: float | None, kind: str, class1_below_dl: bool = False) -> None:
        r: dict[str, Any] = {"std_id": std.id, "waterbody_type": wb, "item": item, "table": table,
                             "worst": worst, "single_limit": single, "direction": kind,
                             "class1_only_below_dl": class1_below_dl}
        for k in range(1, N_CLASSES + 1):
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
                    bounds = [(float(lo), float(hi))] * N_CLASSES
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


@standards.on_reload
@lru_cache(maxsize=16)
def _limits_frame(std_ids: tuple[str, ...]) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for std_id in std_ids:
        rows.extend(_limit_rows(standards.get(std_id)))
    schema = {"std_id": pl.String, "waterbody_type": pl.String, "item": pl.String, "table": pl.String,
              "worst": pl.Int8, "single_limit": pl.Float64, "direction": pl.String,
              "class1_only_below_dl": pl.Boolean}
    for k in range(1, N_CLASSES + 1):
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
               *[f"{p}{k}" for k in range(1, N_CLASSES + 1) for p in ("lo", "hi")]]


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


@standards.on_reload
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


def _no_multiple(vocab: list[str | None], exceedance: Any) -> pl.Series:
    """Per item code: true for the items that take no 超标倍数 (水温, pH, DO); null for the null item."""
    no_multiple = set(exceedance["not_computed_for"])
    return pl.Series([None if c is None else c in no_multiple for c in vocab], dtype=pl.Boolean)


class _Rows:
    """The item rows of an evaluation that its results are made of (see :func:`_evaluated_rows`)."""

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)


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
standards.on_reload(_EVALUATIONS.clear)


def _remember(result: pl.DataFrame, samples: pl.DataFrame, bad: pl.DataFrame) -> None:
    key = id(result)
    _EVALUATIONS[key] = (weakref.ref(result, lambda _ref: _EVALUATIONS.pop(key, None)), weakref.ref(samples), bad)


def _recalled(result: pl.DataFrame, samples: pl.DataFrame) -> pl.DataFrame | None:
    entry = _EVALUATIONS.get(id(result))
    if entry is None or entry[0]() is not result or entry[1]() is not samples:
        return None
    return entry[2]
