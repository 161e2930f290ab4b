"""The bench's data set and baseline at a tiny scale: determinism and agreement, never timing."""
from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl
import pytest

from publisher.bench import national
from publisher.evaluate import air

SCALE = 0.01


def _digest(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


def test_layout_counts_and_registry_load(tmp_path):
    from publisher import registry

    lay = national.layout(SCALE, seed=7)
    n = national.counts(SCALE)
    assert lay.of_kind("air_station").height == n["air"]
    assert lay.of_kind("national_section").height == n["sections"]
    assert lay.cities.height == n["cities"]
    path = tmp_path / "stations.yaml"
    path.write_text(national.registry_yaml(lay), encoding="utf-8")
    reg = registry.load(path)  # the synthetic registry passes the real validation
    assert len(reg.stations) == lay.stations.height
    assert set(reg.air_areas()["area"]) <= set(lay.cities["city"])
    full = national.counts(1.0)
    assert (full["air"], full["sections"], full["city_sources"], full["county_sources"], full["cities"]) == \
        (1800, 3641, 900, 1900, 339)
    assert len(national.SECTION_ITEMS) == 24 and len(national.SOURCE_ITEMS) == 61


def test_generator_is_deterministic():
    a, b = national.layout(SCALE, seed=7), national.layout(SCALE, seed=7)
    assert _digest(a.stations.with_columns(pl.col("x_items").list.join(","))) == \
        _digest(b.stations.with_columns(pl.col("x_items").list.join(",")))
    m1, m2 = national.air_month(a, 2026, 2), national.air_month(b, 2026, 2)
    assert _digest(m1) == _digest(m2)
    other = national.air_month(national.layout(SCALE, seed=8), 2026, 2)
    assert _digest(other) != _digest(m1)
    w1 = national.water_values(a, ("city_source",), national.SOURCE_ITEMS)
    w2 = national.water_values(b, ("city_source",), national.SOURCE_ITEMS)
    assert _digest(w1) == _digest(w2)


def test_window_values_match_the_month():
    """A week asked on its own has the same values as inside its month (the files and the store agree)."""
    lay = national.layout(SCALE, seed=7)
    month = national.air_month(lay, 2026, 5)
    week = national.air_hours(lay, dt.datetime(2026, 5, 3, 1), 7 * 24)
    joined = week.join(month, on=["station_id", "time"], how="left", suffix="_m")
    assert joined.height == week.height
    for code in national.AIR_CODES:
        assert joined.filter(~pl.col(code).eq_missing(pl.col(f"{code}_m"))).height == 0


def test_month_has_every_hour_and_plausible_values():
    lay = national.layout(SCALE, seed=7)
    frame = national.air_month(lay, 2026, 3)
    stations = lay.of_kind("air_station").height
    assert frame.height == stations * 31 * 24
    assert frame["time"].min() == dt.datetime(2026, 3, 1, 1) and frame["time"].max() == dt.datetime(2026, 4, 1, 0)
    assert frame.filter(pl.col("pm2_5") > pl.col("pm10")).height == 0
    assert 0 < frame["pm2_5"].null_count() < frame.height * 0.1


def test_prepare_writes_ingestible_files(tmp_path):
    from publisher import registry
    from publisher.ingest.pipeline import ingest
    from publisher.paths import Workspace
    from publisher.store import Store

    folder = national.prepare(SCALE, seed=7, root=tmp_path, say=lambda _: None)
    assert (folder / "COMPLETE").exists()
    again = national.prepare(SCALE, seed=7, root=tmp_path, say=lambda _: None)
    assert again == folder  # cached
    store = Store(Workspace(folder / "home"))
    hourly = store.air_hourly(national.YEAR_START, national.YEAR_END)
    lay = national.layout(SCALE, seed=7)
    assert hourly.height == lay.of_kind("air_station").height * 365 * 24
    reg = registry.load(folder / "stations.yaml")
    home = tmp_path / "ws"
    home.mkdir()
    results = ingest(sorted((folder / "ingest").iterdir()), Workspace(home), registry=reg)
    assert [r.status for r in results] == ["accepted"] * 4, [r.errors[:2] for r in results]
    # the CSV week went through parsing and equals the values generated for those hours
    feed = Store(Workspace(home)).air_hourly("2026-05-01", "2026-05-07")
    expected = national.air_hours(lay, dt.datetime(2026, 5, 1, 1), 7 * 24)
    joined = expected.join(feed, on=["station_id", "time"], how="left", suffix="_f")
    for code in national.AIR_CODES:
        assert joined.filter(~pl.col(code).eq_missing(pl.col(f"{code}_f"))).height == 0


def test_baseline_agrees_with_evaluate_air():
    pytest.importorskip("pandas")
    from publisher.bench import baseline

    lay = national.layout(SCALE, seed=11)
    ids = lay.of_kind("air_station")["id"].to_list()[:3]
    # February and March 2026: both HJ 633 versions (the switch is 2026-03-01)
    hourly = pl.concat([national.air_month(lay, 2026, 2), national.air_month(lay, 2026, 3)]) \
        .filter(pl.col("station_id").is_in(ids))
    # a few harder days: an O3 8-hour value above the class-2 limit, a station-day with too few hours
    hourly = hourly.with_columns(
        pl.when((pl.col("time").dt.date() == dt.date(2026, 3, 5)) & (pl.col("station_id") == ids[0]))
        .then(pl.col("o3") * 4).otherwise(pl.col("o3")).alias("o3"),
        pl.when((pl.col("time").dt.date() == dt.date(2026, 2, 10)) & (pl.col("time").dt.hour() < 6)
                & (pl.col("station_id") == ids[1]))
        .then(None).otherwise(pl.col("pm2_5")).alias("pm2_5"))
    ours = air.daily_values(hourly)
    theirs = baseline.as_polars(baseline.daily_aqi(baseline.to_pandas(hourly)))
    assert set(ours["standard"].unique()) == {"HJ633-2012", "HJ633-2026"}
    cols = ["aqi", "primary_pollutant", "standard", "so2", "no2", "pm10", "pm2_5", "o3_8h", "o3_1h",
            *[f"iaqi_{c}" for c in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3_1h")]]
    joined = ours.select("station_id", "date", *cols, pl.col("co").round(1)).join(
        theirs.select("station_id", "date", *cols, pl.col("co").round(1)),
        on=["station_id", "date"], how="full", suffix="_b", coalesce=True)
    assert joined.height == ours.height == theirs.height
    for col in cols + ["co"]:
        bad = joined.filter(~pl.col(col).eq_missing(pl.col(f"{col}_b")))
        assert bad.height == 0, (col, bad.head(3))
    assert joined.filter(pl.col("aqi").is_not_null()).height > 0.9 * joined.height
    assert joined.filter(pl.col("aqi") > 100).height > 0  # not only easy days


# ------------------------------------------------------------------ the fast paths taken for the bench
def test_daily_values_same_from_a_lazy_scan_and_from_rearranged_rows(tmp_path):
    """The streamed one-pass route (a lazy store scan, hours unique) and the general route (shuffled
    rows, a repeated time whose last row wins, times off the hour) give the same station-days as the
    plain eager frame."""
    from publisher.paths import Workspace
    from publisher.store import Store

    folder = national.prepare(SCALE, seed=5, root=tmp_path, say=lambda _: None)
    store = Store(Workspace(folder / "home"))
    start, end = dt.date(2026, 2, 20), dt.date(2026, 3, 10)  # across the HJ 633 switch
    eager = store.air_hourly(start, end).select("station_id", "time", *air.POLLUTANTS, "not_monitored")
    expected = air.daily_values(eager)
    assert expected.height == eager.select("station_id").n_unique() * 19
    assert expected.equals(air.daily_values(store.air_scan(start, end)))
    assert expected.equals(air.daily_values(eager.sample(fraction=1.0, shuffle=True, seed=3)))
    # a repeated (station, time): the last row counts, as if the earlier one had not been there
    first = eager.head(1)
    repeated = pl.concat([first.with_columns(pl.col("pm2_5") + 50), eager])
    assert expected.equals(air.daily_values(repeated))
    # a row at half past an hour: a second row in that hour (counted, the hour keeps its first value)
    half = eager.head(1).with_columns(pl.col("time") + dt.timedelta(minutes=30))
    other = air.daily_values(pl.concat([eager, half]))
    key = (first["station_id"][0], (first["time"][0] - dt.timedelta(hours=1)).date())
    row = other.filter((pl.col("station_id") == key[0]) & (pl.col("date") == key[1]))
    assert row["hours_so2"][0] == expected.filter((pl.col("station_id") == key[0]) & (pl.col("date") == key[1]))[
        "hours_so2"][0] + (1 if first["so2"][0] is not None else 0)
    # a row without a time forms its own (null) day, keeping what its "/" list says
    timeless = eager.head(1).with_columns(pl.lit(None, dtype=eager.schema["time"]).alias("time"),
                                          pl.lit("o3, so2").alias("not_monitored"))
    lost = air.daily_values(pl.concat([eager, timeless])).filter(pl.col("date").is_null())
    assert lost.height == 1 and lost["not_monitored"][0] == "so2,o3"


def test_reported_values_are_the_doubles_nearest_their_decimals():
    """Integer reporting units become the double nearest the decimal value (0.6, never
    0.6000000000000001): every value up to ±10^7 units and a random sample up to ±10^14."""
    import random

    from publisher.evaluate.air._kernels import _from_units

    rng = random.Random(1)
    for decimals in (1, 2, 3):
        dense = pl.int_range(-10_000_000, 10_000_001, eager=True).alias("u")
        sample = pl.Series("u", [rng.randrange(-10 ** 14, 10 ** 14) for _ in range(20_000)])
        for units in (dense, sample):
            got = units.to_frame().select(_from_units(pl.col("u"), decimals)).to_series()
            text = units.to_frame().select(
                pl.concat_str([pl.when(pl.col("u") < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                               (pl.col("u").abs() // 10 ** decimals).cast(pl.String), pl.lit("."),
                               (pl.col("u").abs() % 10 ** decimals).cast(pl.String).str.zfill(decimals)])
                .cast(pl.Float64)).to_series()
            assert (got == text).all(), decimals
    for u, decimals, value in ((6, 1, 0.6), (3, 1, 0.3), (7, 1, 0.7), (-1, 1, -0.1), (12345, 3, 12.345)):
        out = pl.DataFrame({"u": [u]}).select(_from_units(pl.col("u"), decimals)).item()
        assert repr(out) == repr(value)


def test_a_month_reads_only_that_months_parts(tmp_path, monkeypatch):
    """The store is partitioned by month: a month's air and water reads open that month's folder only
    (air by the month of the hour's start, so the hour ending on the 1st at 00:00 stays in the month)."""
    from publisher.paths import Workspace
    from publisher.store import Store

    folder = national.prepare(SCALE, seed=5, root=tmp_path, say=lambda _: None)
    store = Store(Workspace(folder / "home"))
    opened: list[str] = []
    real = pl.scan_parquet

    def recording(source, *args, **kwargs):
        opened.extend(str(p) for p in (source if isinstance(source, list) else [source]))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(pl, "scan_parquet", recording)
    frame = store.air_scan("2026-05-01", "2026-05-31").collect()
    assert opened and all("year=2026/month=05" in p for p in opened), opened
    assert frame["time"].min() == dt.datetime(2026, 5, 1, 1) and frame["time"].max() == dt.datetime(2026, 6, 1, 0)
    opened.clear()
    store.water_samples("2026-05-01", "2026-05-31")
    assert opened and all("year=2026/month=05" in p for p in opened), opened
