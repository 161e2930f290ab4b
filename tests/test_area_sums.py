"""Area days sum their stations' exact daily values in Int64 when the sums provably fit (issue 20), and in
Int128 otherwise: the figures are the same either way, and a sum that would not fit Int64 is exact."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import polars as pl
import pytest

from publisher import rounding
from publisher.evaluate import air
from publisher.evaluate.air import areas as areas_mod
from publisher.evaluate.air._kernels import MILLI
from publisher.paths import PROJECT_DIR
from publisher.vocabulary.air import DAILY_INDICATORS

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
POLLUTANTS = ["so2", "no2", "co", "o3", "pm10", "pm2_5"]


@pytest.fixture(scope="module")
def feed_days() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Daily values of the real feed's stations and their cities (``station_id, area``)."""
    raw = pl.read_csv(FEED, infer_schema_length=0)
    hours = raw.select(("air-" + pl.col("stationcode")).alias("station_id"),
                       pl.col("timepoint").str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H%M").alias("time"),
                       *[pl.col(p).cast(pl.Float64, strict=False) for p in POLLUTANTS])
    hours = hours.unique(["station_id", "time"], keep="first")
    links = raw.select(("air-" + pl.col("stationcode")).alias("station_id"), pl.col("area")).unique()
    return air.daily_values(hours), links


def test_the_bound_that_decides_int64():
    # daily values of 20-24 hours and O3 windows of 6-8: the common denominators the store's days have
    assert areas_mod._fits_int64(largest=10 ** 9, common=212_520, most=1_000)
    assert areas_mod._fits_int64(largest=10 ** 9, common=168, most=10 ** 6)
    # a term alone past 2^62, or a sum of many: Int128
    assert not areas_mod._fits_int64(largest=2 ** 40, common=2 ** 22, most=1)
    assert not areas_mod._fits_int64(largest=10 ** 9, common=212_520, most=25_000)
    # the bound covers the rounding's 2·Σ + n·L·step: at the bound the largest intermediate stays below 2^63
    largest, common = 10 ** 7, 212_520
    most = 2 ** 62 // (common * (2 * largest + 2 * MILLI))
    assert areas_mod._fits_int64(largest, common, most) and not areas_mod._fits_int64(largest, common, most + 1)
    assert 2 * most * largest * common + most * common * MILLI < 2 ** 63


def test_int64_and_int128_sums_give_the_same_area_days(feed_days, monkeypatch):
    daily, links = feed_days
    fast = air.area_daily(daily, links)
    assert fast.height > 500 and fast.get_column("stations").max() > 1
    assert {fast.schema[f"num_{c}"] for c in DAILY_INDICATORS} == {pl.Int128}
    monkeypatch.setattr(areas_mod, "_fits_int64", lambda largest, common, most: False)
    assert air.area_daily(daily, links).equals(fast)
    # and from the daily values in another order (a station-day counted once either way)
    assert air.area_daily(daily.sample(fraction=1.0, shuffle=True, seed=5), links).equals(fast)


@pytest.mark.parametrize("big", [2 ** 61, 4 * 10 ** 15])
def test_a_sum_past_the_int64_bound_is_exact(big):
    """Two stations whose exact daily values over the common denominator pass 2^63 together (`big` =
    2^61), or whose terms each fit Int64 but not the bound of their sum (summed in Int64, then again)."""
    date = dt.date(2026, 5, 1)
    nums = {"a": big + 12_345, "b": big + 67_891}
    dens = {"a": 23, "b": 24}
    rows = []
    for sid in ("a", "b"):
        row = {"station_id": sid, "date": date, "not_monitored": ""}
        for c in DAILY_INDICATORS:
            row[c] = 1.0
            row[f"num_{c}"] = nums[sid] if c == "pm10" else 1_000 * dens[sid]
            row[f"den_{c}"] = dens[sid]
        rows.append(row)
    daily = pl.DataFrame(rows)
    out = air.area_daily(daily, pl.DataFrame({"station_id": ["a", "b"], "area": ["X", "X"]}))
    common = 23 * 24
    exact = Fraction(nums["a"] * (common // 23) + nums["b"] * (common // 24), 2 * common * MILLI)
    assert out.get_column("num_pm10").item() == nums["a"] * 24 + nums["b"] * 23
    assert out.get_column("den_pm10").item() == 2 * common
    assert abs(Fraction(out.get_column("num_pm10").item(), out.get_column("den_pm10").item() * MILLI) - exact) == 0
    expected = pl.select(rounding.div_half_even(pl.lit(exact.numerator, dtype=pl.Int128),
                                                pl.lit(exact.denominator, dtype=pl.Int128))).item()
    assert out.get_column("pm10").item() == float(expected)
