"""GB/T 8170 rounding (四舍六入五成双, round half to even): the one implementation, in each arithmetic mode.

GB/T 8170-2008 3.3 rounds a value to a given number of places with ties going to the even digit. The
numbers publisher rounds come in different forms, and each form keeps its own exact arithmetic so that
no published figure depends on how a float happens to be stored:

==========================  ==============================================================================
function                    for
==========================  ==============================================================================
:func:`decimal_of`,         a number as its decimal text: a float is read as its shortest round-trip text
:func:`quantize`,           (``repr``: 2.675 is 2.675, not 2.67499…), then rounded half to even in decimal
:func:`text`                arithmetic. Pages (``render.fmt_num``) and the chart's rank keys.
:func:`half_even`           a float value as above after cutting binary noise beyond 10^-12
                            (0.35/0.2 − 1 = 0.7499999999999998 is 0.75): water values and multiples.
:func:`fraction`            an exact :class:`fractions.Fraction` (noise levels).
:func:`div_half_even`       polars integers: round(num / den) for Int64/Int128 columns, any sign of num,
                            den > 0 (air daily, area and period values in integer units).
:func:`div_half_even_nonneg`  the same for num ≥ 0 without doubling num (Int128 near its range: the digits
                            of a water multiple's text).
:func:`fixed_text`,         text of an Int128 count of 10^-places with exactly `places` decimals, and the
:func:`pow10`               powers of ten as Int128 (the water multiples' text, vectorised).
:func:`float_stat`          a polars Float64 statistic: noise cut at 10^-`noise` places, then half to even
                            (air composite index and changes: noise 9; water shares and rates: noise 12).
==========================  ==============================================================================

Known difference, kept as it is and listed here to be checked: the trophic-state index (TLI) is rounded
with polars' binary ``round`` (half to even on the stored double, no noise cut), in
``publisher.evaluate.water.trophic``.

``publisher.bench.baseline.half_even`` is an independent second implementation on purpose (the bench
checks the library against it) and does not import this module.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

__all__ = ["decimal_of", "quantize", "text", "half_even", "fraction", "div_half_even",
           "div_half_even_nonneg", "fixed_text", "pow10", "float_stat"]


# --------------------------------------------------------------------------------------------- decimal text
def decimal_of(value: Any) -> Decimal:
    """`value` as a Decimal: a float by its shortest round-trip text, anything else by ``str``."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def quantize(value: Any, decimals: int) -> Decimal:
    """`value` (see :func:`decimal_of`) rounded half to even to `decimals` places."""
    return decimal_of(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def text(value: Any, decimals: int) -> str:
    """`value` rounded half to even to `decimals` places, as plain text (never ``-0``)."""
    rounded = quantize(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)
    return format(rounded, "f")


def half_even(value: float | None, decimals: int) -> float | None:
    """GB/T 8170 on the decimal form of `value` after stripping binary noise beyond 12 places; None and NaN
    give None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    quantum = Decimal(1).scaleb(-decimals)
    clean = Decimal(repr(float(value))).quantize(Decimal("1e-12"))
    return float(clean.quantize(quantum, rounding=ROUND_HALF_EVEN))


# --------------------------------------------------------------------------------------------- exact fractions
def fraction(value: Fraction, decimals: int) -> Fraction:
    """Round an exact fraction half to even at `decimals` places."""
    scaled = value * 10 ** decimals
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Fraction(floor, 10 ** decimals)


# --------------------------------------------------------------------------------------------- polars integers
def div_half_even(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``round(num / den)`` with ties to even, for integer ``num`` (any sign) and ``den > 0``."""
    # floor((2·num + den) / (2·den)) rounds half up; an exact tie (no remainder) that landed on an
    # odd number steps back to the even one. Few operations and no when/then: this runs on every
    # station-day several times.
    u = 2 * num + den
    d2 = 2 * den
    q = u // d2
    return q - ((u % d2 == 0) & (q % 2 != 0)).cast(pl.Int64)


def div_half_even_nonneg(n: pl.Expr, d: pl.Expr) -> pl.Expr:
    """``round(n / d)`` with ties to even for ``n ≥ 0``, ``d > 0`` (Int128), without forming ``2·n``."""
    q, r = n // d, n % d
    return q + ((2 * r > d) | ((2 * r == d) & (q % 2 == 1))).cast(pl.Int128)


_POW10 = pl.Series([10 ** k for k in range(39)], dtype=pl.Int128)


def pow10(exponent: pl.Expr) -> pl.Expr:
    """10 ** `exponent` as Int128 (exponent clipped to 0..38)."""
    return pl.lit(_POW10).gather(exponent.clip(0, 38))


def fixed_text(n: pl.Expr, places: int) -> pl.Expr:
    """The text of n / 10**places with exactly `places` decimals (n ≥ 0, Int128)."""
    if places == 0:
        return n.cast(pl.String)
    unit = 10 ** places
    return (n // unit).cast(pl.String) + "." + (n % unit).cast(pl.String).str.zfill(places)


# --------------------------------------------------------------------------------------------- polars floats
def float_stat(expr: pl.Expr, decimals: int, noise: int = 9) -> pl.Expr:
    """GB/T 8170 rounding of a Float64 statistic after removing float noise beyond `noise` places."""
    return expr.round(noise).round(decimals, mode="half_to_even")

