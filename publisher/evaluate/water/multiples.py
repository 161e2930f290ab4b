"""Exceedance multiples (超标倍数) as bulletins print them, scalar and vectorised."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

import polars as pl

from publisher import rounding
from publisher.evaluate.water.items import _eval_rules


def multiple_places(texts: Iterable[str | None], on: dt.date | None = None) -> int | None:
    """The one precision a bulletin prints all its 超标倍数 with, from the texts :func:`evaluate` wrote by the
    table's rule: None (keep the rule: ``exceedance.decimals``) when every multiple printed with those decimals,
    else ``exceedance.small_decimals`` (some multiple needed more, or printed as ``<0.01``), so that one bulletin
    never prints ``0.1倍`` beside ``0.05倍``. Pass the result to :func:`evaluate` as ``multiple_decimals``."""
    exc = _eval_rules(on)["exceedance"]
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


def format_multiple(multiple: float, decimals: int | None = None, small_decimals: int | None = None,
                    below: str | None = None, on: dt.date | None = None) -> str:
    """An exceedance multiple (超标倍数, > 0) as bulletins print it.

    Rounded half-even to `decimals` (1: ``1.3``). A multiple that would print as zero, i.e. a value just
    above its limit, is printed with `small_decimals` (2: ``0.05``), and one too small even for that as
    `below` plus the smallest printable step (``<0.01``): a value above the limit never reads ``0.0`` and
    is never rounded up to a larger multiple. Defaults come from ``water_eval › exceedance``.
    """
    if not multiple > 0:
        raise ValueError(f"an exceedance multiple is above zero, got {multiple!r}")
    exc = _eval_rules(on)["exceedance"]
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
                     below: str | None = None, on: dt.date | None = None) -> pl.Series:
    """:func:`format_multiple` of every value of a column, vectorised: the same text for every value.

    Null for null and NaN, and for the values :func:`format_multiple` refuses (not above zero, infinite, or from
    10^16 on, where stripping the binary noise to 12 decimals exceeds the decimal precision).
    """
    frame = multiples.cast(pl.Float64).to_frame("_m")
    return _with_multiple_text(frame, "_m", "_text", decimals, small_decimals, below, on).get_column("_text") \
        .alias(multiples.name)


def _with_multiple_text(frame: pl.DataFrame, column: str, out: str, decimals: int | None = None,
                        small_decimals: int | None = None, below: str | None = None,
                        on: dt.date | None = None) -> pl.DataFrame:
    """`frame` plus `out`, the text of the multiples in `column` (see :func:`format_multiples`).

    The decimal digits of each value (its shortest round-trip text, as ``repr`` gives) are read as an integer
    and a power of ten, then rounded in integers: half-even to 12 decimals (the binary noise), then half-even
    to `decimals`, else to `small_decimals`, else ``<`` and the smallest step.
    """
    exc = _eval_rules(on)["exceedance"]
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


def _pollutant_text(frame: pl.DataFrame, multiple: str, sep: str, places: int | None = None,
                    on: dt.date | None = None) -> pl.DataFrame:
    """``gid`` and the text ``name/multiple、name`` of its rows, in row order (pH, DO, or no multiple: the name).
    `places`: print every multiple with that many decimals (default: the table's rule, see :func:`format_multiple`)."""
    m = pl.col(multiple)
    plain = m.is_null() | m.is_nan()
    frame = _with_multiple_text(frame, multiple, "_text", places, places, on=on)
    bad = frame.filter(~plain & pl.col("_text").is_null())
    if bad.height:
        raise ValueError(f"an exceedance multiple is above zero and below 1e16, got {bad[multiple][0]!r}")
    return frame.select(
        "gid", pl.when(plain).then(pl.col("_name")).otherwise(pl.col("_name") + "/" + pl.col("_text")).alias("text")
    ).group_by("gid", maintain_order=True).agg("text").with_columns(pl.col("text").list.join(sep))
