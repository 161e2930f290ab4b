"""Reproduce the official AQI figures of the three reference air files (copies in tests/data/reference and
sample/, sources in tests/data/README.md).

Expected values are the platforms' own published outputs, read from the files; nothing here is
computed by the code under test.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from publisher import standards
from publisher.evaluate import air

from publisher.paths import PROJECT_DIR

REF = Path(__file__).resolve().parent / "data" / "reference"
# the seed feed is the repository's own demo copy (byte-identical to the reference file)
SEED_FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"

P = ["so2", "no2", "co", "o3", "pm10", "pm2_5"]

# Hours where the platform published AQI 8 while the six rounded IAQIs give 6 or 7 (a platform quirk at
# the bottom of the scale, named in reference-data/README.md). No other published AQI may differ.
SEED_EXCEPTIONS = {
    ("2026-03-08T0100", "1447A"), ("2026-03-08T2300", "1439A"), ("2026-03-09T0000", "1439A"),
    ("2026-03-09T0300", "1447A"), ("2026-03-16T0100", "4230A"), ("2026-03-16T0200", "4230A"),
    ("2026-07-01T0500", "1439A"), ("2026-07-07T0700", "1406A"), ("2026-07-09T0300", "2594A"),
    ("2026-07-11T0800", "4153A"),
}
SEED_PRIMARY = {"细颗粒物(PM2.5)": "pm2_5", "颗粒物(PM10)": "pm10", "臭氧1小时(O3_1h)": "o3",
                "二氧化氮(NO2)": "no2", "二氧化硫(SO2)": "so2", "一氧化碳(CO)": "co"}
SNAPSHOT_PRIMARY = {"细颗粒物(PM2.5)": "pm2_5", "颗粒物(PM10)": "pm10", "臭氧1小时": "o3", "二氧化硫": "so2",
                    "二氧化氮": "no2", "一氧化碳": "co"}


def _codes(text: str | None, mapping: dict[str, str]) -> frozenset[str]:
    if text is None or text in ("", "NA", "-;", "--"):
        return frozenset()
    return frozenset(mapping[t] for t in text.replace('"', "").split(","))


def _ours_primary(row: dict, aqi: int) -> frozenset[str]:
    """Pollutants whose rounded IAQI equals the AQI, when AQI > 50 (the rule is the test's own)."""
    if aqi <= 50:
        return frozenset()
    return frozenset(p for p in P if row[f"iaqi_{p}"] == aqi)


@pytest.fixture(scope="module")
def seed() -> pl.DataFrame:
    raw = pl.read_csv(SEED_FEED, infer_schema_length=0)
    not_monitored = pl.concat_str([pl.when(pl.col(p) == "/").then(pl.lit(p)) for p in P], separator=",",
                                  ignore_nulls=True)
    frame = raw.with_columns(
        pl.col("timepoint").str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H%M").alias("time"),
        pl.col("stationcode").alias("station_id"), not_monitored.alias("not_monitored"),
        *[pl.col(p).cast(pl.Float64, strict=False) for p in P],
        pl.col("aqi").cast(pl.Int64, strict=False).alias("official"))
    return air.hourly_aqi(frame)


def test_seed_feed_every_official_aqi(seed):
    published = seed.filter(pl.col("official").is_not_null())
    assert published.height == 127_258
    differ = published.filter(pl.col("aqi_available").is_null() | (pl.col("aqi_available") != pl.col("official")))
    keys = {(r["timepoint"], r["station_id"]) for r in differ.iter_rows(named=True)}
    assert keys == SEED_EXCEPTIONS
    assert (differ.get_column("official") == 8).all()
    assert published.height - differ.height == 127_248


def test_seed_feed_primary_pollutants_and_levels(seed):
    published = seed.filter(pl.col("official").is_not_null())
    mismatched = []
    for row in published.iter_rows(named=True):
        if (row["timepoint"], row["station_id"]) in SEED_EXCEPTIONS:
            continue
        official = _codes(row["primarypollutant"], SEED_PRIMARY)
        if official != _ours_primary(row, row["official"]):
            mismatched.append((row["timepoint"], row["station_id"], row["primarypollutant"]))
        if row["aqi"] is not None and row["primary_pollutant"] is not None:
            assert frozenset(filter(None, row["primary_pollutant"].split(","))) == official
    assert mismatched == []


def test_seed_feed_switch_at_2026_03_01(seed):
    """The feed switched tables at the hour ending 2026-03-01 01:00."""
    at = seed.filter(pl.col("timepoint").is_in(["2026-03-01T0000", "2026-03-01T0100"]))
    ids = dict(at.group_by("timepoint").agg(pl.col("standard").unique()).iter_rows())
    assert ids == {"2026-03-01T0000": ["HJ633-2012"], "2026-03-01T0100": ["HJ633-2026"]}


def test_seed_feed_missing_pollutant_rule(seed):
    """HJ 633-2026 5.3.1: with a missing pollutant the AQI is published only above 100. Every official
    AQI > 100 published with a missing pollutant is reproduced as published; the only hours the
    platform published at or below 100 with a missing pollutant are hours with only PM10 missing."""
    after = seed.filter(pl.col("time") > pl.datetime(2026, 3, 1, 0))
    missing = pl.concat_str([pl.when(pl.col(p).is_null() & ~pl.col("not_monitored").str.contains(p))
                             .then(pl.lit(p)) for p in P], separator=",", ignore_nulls=True)
    after = after.with_columns(missing.alias("missing"))
    with_missing = after.filter((pl.col("missing") != "") & pl.col("official").is_not_null())
    high = with_missing.filter(pl.col("official") > 100)
    assert high.height > 0 and (high.get_column("aqi") == high.get_column("official")).all()
    low = with_missing.filter(pl.col("official") <= 100)
    assert set(low.get_column("missing").unique()) == {"pm10"}
    assert low.get_column("aqi").is_null().all()
    # stations marking CO "/" (not in the monitoring plan) publish AQIs of every level
    slash = after.filter(pl.col("not_monitored") == "co", pl.col("missing") == "", pl.col("official").is_not_null())
    assert slash.height > 10_000 and (slash.get_column("aqi") == slash.get_column("aqi_available")).all()


def test_snapshot_2017_every_row():
    raw = pl.read_csv(REF / "air_cnemc_station_snapshot_20170707T16_HJ633-2012.csv.gz", infer_schema_length=0)
    cols = {"so2": "so2", "no2": "no2", "co": "co", "o3": "o3_24h", "pm10": "pm10", "pm2_5": "pm2_5"}
    frame = raw.with_columns(
        pl.col("timepoint").str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S").alias("time"),
        pl.col("stationcode").alias("station_id"),
        *[pl.col(src).replace("-;", None).cast(pl.Float64).alias(p) for p, src in cols.items()],
        pl.col("aqi").replace("-;", None).cast(pl.Int64).alias("official"))
    out = air.hourly_aqi(frame)
    assert set(out.get_column("standard").unique()) == {"HJ633-2012"}
    checked = 0
    for row in out.iter_rows(named=True):
        if row["official"] is None:
            assert row["quality"] == "-;"
            continue
        checked += 1
        assert row["aqi"] == row["official"], row["station_id"]
        assert row["category"] == row["quality"], row["station_id"]
        assert frozenset(filter(None, row["primary_pollutant"].split(","))) == _codes(
            row["primarypollutant"], SNAPSHOT_PRIMARY), row["station_id"]
        level = next(i for i in standards.get("HJ633-2012")["levels"]["items"] if i["category_zh"] == row["quality"])
        assert level["advice_zh"] == row["measure"] and level["health_effect_zh"] == row["unheathful"]
    assert checked == 1495 - 33


def test_zhejiang_2026_aqi_levels_and_pollutant_levels():
    raw = pl.read_csv(REF / "air_zjemc_site_hourly_selected_hours_2026_HJ633-2026.csv.gz", infer_schema_length=0)
    src = {"so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3", "pm10": "PM10", "pm2_5": "PM25"}
    num = lambda c: pl.col(c).replace("--", None).cast(pl.Float64)  # noqa: E731
    frame = raw.with_columns(
        pl.col("time").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S").alias("time"),
        pl.col("sitecode").alias("station_id"),
        *[num(s).alias(p) for p, s in src.items()],
        pl.col("AQI").replace("--", None).cast(pl.Int64).alias("official"))
    out = air.hourly_aqi(frame)
    table = standards.get("HJ633-2026")
    assert set(out.get_column("standard").unique()) == {table.id}
    # per-pollutant levels: 1-h values on the real-time columns, 24-h PM and 8-h O3 on their own
    extra = {"PM25H24": "pm2_5_24h", "PM10H24": "pm10_24h", "O3H8": "o3_8h"}
    out = out.with_columns(
        [air.level_of(pl.col(f"iaqi_{p}"), table, "category_zh").alias(f"_lvl_{src[p]}") for p in P]
        + [air.level_of(air.iaqi((num(c) * 1000).round(0).cast(pl.Int64), table, ind), table, "category_zh")
           .alias(f"_lvl_{c}") for c, ind in extra.items()])
    checked = 0
    for row in out.iter_rows(named=True):
        if row["official"] is not None:
            checked += 1
            assert row["aqi"] == row["official"], (row["station_id"], row["time"])
            assert row["category"] == row["AQI_level"]
            assert row["color"].upper() == row["AQI_color"].upper()
            official = frozenset() if row["SYWRW"] == "--" else frozenset(
                {"O₃": "o3", "PM₁₀": "pm10", "PM₂.₅": "pm2_5", "NO₂": "no2", "SO₂": "so2", "CO": "co"}[t]
                for t in row["SYWRW"].split(","))
            assert frozenset(filter(None, row["primary_pollutant"].split(","))) == official
        for name in list(src.values()) + list(extra):
            if row[f"{name}_level"] not in (None, "--"):
                assert row[f"_lvl_{name}"] == row[f"{name}_level"], (row["station_id"], name)
    assert checked == raw.filter(pl.col("AQI") != "--").height > 900


@pytest.fixture(scope="module")
def seed_daily(seed) -> tuple[pl.DataFrame, pl.DataFrame]:
    return seed, air.daily_values(seed.select("station_id", "time", *P, "not_monitored"))


def test_seed_daily_means_match_feed_moving_means(seed_daily):
    """Daily SO2/NO2 = the feed's 24-h moving mean at the hour ending D+1 00:00 (24 valid hours);
    PM and CO within one unit; O3 daily max 8-h = the feed's o3_8h at D+1 00:00 (complete days)."""
    hourly, daily = seed_daily
    end = hourly.filter(pl.col("timepoint").str.ends_with("T0000")).select(
        "station_id", (pl.col("time").dt.date() - pl.duration(days=1)).cast(pl.Date).alias("date"),
        *[pl.col(f"{p}_24h").cast(pl.Float64, strict=False).alias(f"feed_{p}") for p in ("so2", "no2", "co", "pm10", "pm2_5")],
        pl.col("o3_8h").cast(pl.Float64, strict=False).alias("feed_o3_8h"))
    both = daily.join(end, on=["station_id", "date"])
    full = both.filter(pl.col("hours_so2") == 24, pl.col("hours_no2") == 24)
    assert full.height > 2000
    assert (full.get_column("so2") == full.get_column("feed_so2")).all()
    assert (full.get_column("no2") == full.get_column("feed_no2")).all()
    # The feed shows low 1-h PM values as a floor (PM10 6, PM2.5 3 µg/m³; days holding such values) while its moving means use the
    # underlying values, and one PM2.5 spike (118 at 3340A, hour ending 2026-03-25 13:00) is left out of
    # its 24-h mean. Those days may differ by more than one unit; no other day may.
    floor = {"pm10": 6.0, "pm2_5": 3.0}
    spikes = {("3340A", "2026-03-25", "pm2_5")}
    day_min = hourly.with_columns((pl.col("time") - pl.duration(hours=1)).dt.date().alias("date")).group_by(
        "station_id", "date").agg([pl.col(p).min().alias(f"min_{p}") for p in floor])
    both = both.join(day_min, on=["station_id", "date"], how="left")
    for p, tol in (("pm10", 1.0), ("pm2_5", 1.0), ("co", 0.1 + 1e-9)):
        sub = both.filter(pl.col(f"hours_{p}") == 24, pl.col(f"feed_{p}").is_not_null())
        assert sub.height > 2000
        off = sub.filter((pl.col(p) - pl.col(f"feed_{p}")).abs() > tol)
        for row in off.iter_rows(named=True):
            assert (row[f"min_{p}"] is not None and p in floor and row[f"min_{p}"] <= floor[p]) or (row["station_id"], str(row["date"]), p) in spikes, row
        assert off.height <= 0.005 * sub.height
    o3 = both.filter(pl.col("hours_o3") == 24, pl.col("feed_o3_8h").is_not_null())
    assert o3.height > 2000
    assert (o3.get_column("o3_8h") == o3.get_column("feed_o3_8h")).all()


def test_seed_daily_o3_8h_windows_match_feed(seed_daily):
    """Every 8-h window the feed publishes (o3_8h_24h, hours 08-24) with 8 valid hours equals ours:
    our daily maximum is never below a published complete window and equals the largest one."""
    hourly, daily = seed_daily
    win = hourly.with_columns(pl.col("o3_8h_24h").cast(pl.Float64, strict=False).alias("w"),
                              (pl.col("time") - pl.duration(hours=1)).dt.date().alias("date"))
    per_day = win.group_by("station_id", "date").agg(pl.col("w").max().alias("feed_max"),
                                                      pl.col("o3").count().alias("n"))
    both = daily.join(per_day, on=["station_id", "date"]).filter(pl.col("n") == 24, pl.col("feed_max").is_not_null())
    assert both.height > 2000
    assert (both.get_column("o3_8h") == both.get_column("feed_max")).all()
