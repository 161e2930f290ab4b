"""The station-day pass over hours (issue 20): hours that come as whole station-days in order (as the
store keeps them) are reshaped instead of grouped; the result must equal the group-by's whatever the
rows, and any other arrangement of rows must go to the group-by."""
from __future__ import annotations

import polars as pl
import pytest

from publisher.evaluate import air
from publisher.evaluate.air import _kernels
from publisher.evaluate.air import station_days as sd
from publisher.paths import PROJECT_DIR

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
POLLUTANTS = ["so2", "no2", "co", "o3", "pm10", "pm2_5"]


@pytest.fixture(scope="module")
def hours() -> pl.DataFrame:
    """The real feed's hours of the station-days it has whole (24 hours), ordered by station and time,
    with a few "/" flags."""
    raw = pl.read_csv(FEED, infer_schema_length=0)
    frame = raw.select(("air-" + pl.col("stationcode")).alias("station_id"),
                       pl.col("timepoint").str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H%M").alias("time"),
                       *[pl.col(p).cast(pl.Float64, strict=False) for p in POLLUTANTS])
    frame = frame.unique(["station_id", "time"], keep="first").sort("station_id", "time")
    day = (pl.col("time") - pl.duration(hours=1)).dt.date()
    whole = frame.filter(pl.len().over("station_id", day) == 24)
    flagged = (pl.col("time").dt.hour() == 5) & (pl.col("station_id") == whole.get_column("station_id")[0])
    return whole.with_columns(pl.when(flagged).then(pl.lit("so2")).otherwise(pl.lit("")).alias("not_monitored"))


def _by_groups(frame: pl.DataFrame) -> pl.DataFrame:
    """The group-by path's aggregates, in (station, date) order, as the store keeps them."""
    day = _kernels._station_days_general(frame.lazy().unique(["station_id", "time"], keep="last", maintain_order=True))
    return sd.sort(day.select([pl.col(c).cast(t) for c, t in sd.AGGREGATES.items()]))


def _kept(day: pl.DataFrame) -> pl.DataFrame:
    return sd.sort(day.select([pl.col(c).cast(t) for c, t in sd.AGGREGATES.items()]))


def test_whole_station_days_in_order_are_reshaped_and_equal_the_group_by(hours):
    assert hours.height >= 24 * 100 and hours.height % 24 == 0
    assert hours.get_column("o3").null_count() > 0 or hours.get_column("so2").null_count() > 0
    blocks = _kernels._station_days_blocks(hours.lazy())
    assert blocks is not None
    expected = _by_groups(hours)
    assert _kept(blocks).equals(expected)
    assert expected.get_column("_nm_so2").any()
    assert sd.sort(sd.aggregate(hours)).equals(expected)
    # and the daily values through the public function, from the hours in any order
    assert air.daily_values(hours).equals(air.daily_values(hours.sample(fraction=1.0, shuffle=True, seed=7)))


@pytest.mark.parametrize("change", ["shuffled", "hour_missing", "day_twice", "off_the_hour", "zoned", "hour_moved"])
def test_any_other_arrangement_goes_to_the_group_by_with_the_same_result(hours, change):
    frame = hours
    if change == "shuffled":
        frame = hours.sample(fraction=1.0, shuffle=True, seed=3)
    elif change == "hour_missing":
        frame = hours.slice(1)          # the first station-day lacks its first hour
    elif change == "day_twice":
        frame = pl.concat([hours.slice(0, 24), hours])          # a whole station-day twice
    elif change == "off_the_hour":
        frame = hours.with_columns(pl.when(pl.int_range(pl.len()) == 30).then(pl.col("time") + pl.duration(minutes=30))
                                   .otherwise(pl.col("time")).alias("time"))
    elif change == "zoned":
        frame = hours.with_columns(pl.col("time").dt.replace_time_zone("Asia/Shanghai"))
    elif change == "hour_moved":        # 24 rows of one station whose last hour belongs to the next day
        frame = hours.with_columns(pl.when(pl.int_range(pl.len()) == 23).then(pl.col("time") + pl.duration(hours=24))
                                   .otherwise(pl.col("time")).alias("time"))
    assert _kernels._station_days_blocks(frame.lazy()) is None
    assert _kept(_kernels._station_days(frame.lazy())).equals(_by_groups(frame))


@pytest.mark.parametrize("batch", [24 * 7 + 5, 1_000])
def test_batches_that_cut_station_days_give_the_same_result(hours, monkeypatch, batch):
    """The hours are read in batches whose ends fall inside station-days: what is left is carried over."""
    monkeypatch.setattr(_kernels, "_BATCH_ROWS", batch)
    blocks = _kernels._station_days_blocks(hours.lazy())
    assert blocks is not None
    assert _kept(blocks).equals(_by_groups(hours))


def test_hours_without_a_not_monitored_column(hours):
    frame = hours.drop("not_monitored")
    blocks = _kernels._station_days_blocks(frame.lazy())
    assert blocks is not None
    expected = _by_groups(frame)
    assert _kept(blocks).equals(expected) and not expected.get_column("_nm_so2").any()
