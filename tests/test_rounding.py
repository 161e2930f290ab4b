"""GB/T 8170 (四舍六入五成双) in each arithmetic mode of publisher.rounding, against exact fractions."""
from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from publisher import rounding


def _exact_half_even(value: Fraction, decimals: int) -> Fraction:
    """Independent reference: nearest multiple of 10^-decimals, ties to the even multiple."""
    scaled = value * 10 ** decimals
    low = scaled.numerator // scaled.denominator
    rest = scaled - low
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and low % 2):
        low += 1
    return Fraction(low, 10 ** decimals)


@pytest.mark.parametrize("value, decimals, expected", [
    ("2.675", 2, "2.68"),     # decimal text, not the binary 2.67499999…
    ("0.125", 2, "0.12"),     # tie to even
    ("0.135", 2, "0.14"),
    ("-0.5", 0, "0"),         # never -0
    ("35.05", 1, "35.0"),
    ("35.15", 1, "35.2"),
], ids=lambda v: str(v))
def test_text_rounds_the_decimal_text_half_to_even(value, decimals, expected):
    assert rounding.text(float(value), decimals) == expected
    assert rounding.text(Decimal(value), decimals) == expected


def test_half_even_strips_binary_noise_first():
    assert 0.35 / 0.2 - 1 == 0.7499999999999998
    assert rounding.half_even(0.35 / 0.2 - 1, 1) == 0.8      # 0.75 → 0.8
    assert rounding.half_even(0.65, 1) == 0.6
    assert rounding.half_even(None, 1) is None
    assert rounding.half_even(float("nan"), 1) is None


def test_fraction_is_exact():
    rng = random.Random(8170)
    for _ in range(2000):
        value = Fraction(rng.randint(-10 ** 6, 10 ** 6), rng.choice([1, 2, 4, 8, 10, 20, 40, 1000, 3, 7]))
        decimals = rng.randint(0, 3)
        assert rounding.fraction(value, decimals) == _exact_half_even(value, decimals)


@pytest.mark.parametrize("dtype", [pl.Int64, pl.Int128])
def test_div_half_even_matches_exact_fractions(dtype):
    rng = random.Random(dtype.__name__ if hasattr(dtype, "__name__") else str(dtype))
    nums = [rng.randint(-10 ** 9, 10 ** 9) for _ in range(3000)] + [5, 15, 25, -5, -15, 0]
    dens = [rng.choice([1, 2, 10, 20, 24, 1000, 7]) for _ in range(3000)] + [10, 10, 10, 10, 10, 3]
    frame = pl.DataFrame({"n": nums, "d": dens}, schema={"n": dtype, "d": dtype})
    got = frame.select(rounding.div_half_even(pl.col("n"), pl.col("d"))).to_series().to_list()
    want = [int(_exact_half_even(Fraction(n, d), 0)) for n, d in zip(nums, dens)]
    assert got == want
    positive = frame.filter(pl.col("n") >= 0)
    got = positive.select(rounding.div_half_even_nonneg(pl.col("n").cast(pl.Int128), pl.col("d").cast(pl.Int128)))
    want = [int(_exact_half_even(Fraction(n, d), 0)) for n, d in positive.iter_rows()]
    assert got.to_series().to_list() == want


def test_div_half_even_nonneg_near_the_top_of_int128():
    n = 10 ** 38 + 5 * 10 ** 20
    frame = pl.DataFrame({"n": [n]}, schema={"n": pl.Int128})
    got = frame.select(rounding.div_half_even_nonneg(pl.col("n"), rounding.pow10(pl.lit(21)))).item()
    assert got == int(_exact_half_even(Fraction(n, 10 ** 21), 0))


def test_fixed_text_and_pow10():
    frame = pl.DataFrame({"n": [0, 5, 123, 100000]}, schema={"n": pl.Int128})
    assert frame.select(rounding.fixed_text(pl.col("n"), 2)).to_series().to_list() == ["0.00", "0.05", "1.23", "1000.00"]
    assert frame.select(rounding.fixed_text(pl.col("n"), 0)).to_series().to_list() == ["0", "5", "123", "100000"]
    assert pl.select(rounding.pow10(pl.lit(3))).item() == 1000


def test_float_stat_cuts_noise_then_rounds_half_to_even():
    values = pl.Series("v", [0.125, 2.675, 1.0000000000049, 0.1 + 0.2, 12.345, None])
    got = pl.select(rounding.float_stat(pl.lit(values), 2)).to_series().to_list()
    assert got == [0.12, 2.68, 1.0, 0.3, 12.34, None]
    shares = pl.select(rounding.float_stat(pl.lit(pl.Series([100 / 3 * 1.5]), dtype=pl.Float64), 1, noise=12))
    assert shares.item() == 50.0
