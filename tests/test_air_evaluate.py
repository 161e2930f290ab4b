"""Worked examples for publisher.evaluate.air: daily validity, rounding, O3 8-h windows, area values,
period statistics, composite index, sand-dust deduction and change helpers.

Each expected value is worked out in the test from the rule it cites (HJ 633 tables, GB 3095 表4,
HJ 663), not taken from the code under test.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from fractions import Fraction

import polars as pl
import pytest

from publisher.evaluate import air

POLL = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
BASE = {"so2": 10.0, "no2": 20.0, "co": 0.5, "o3": 60.0, "pm10": 40.0, "pm2_5": 20.0}


def day_hours(station: str, day: dt.date, values: dict | None = None, skip: set[int] = frozenset(),
              per_hour: dict[str, list] | None = None) -> list[dict]:
    """24 rows for natural day `day` (hours ending day 01:00 .. day+1 00:00), hour index 1..24."""
    rows = []
    start = dt.datetime.combine(day, dt.time(0))
    for h in range(1, 25):
        row = {"station_id": station, "time": start + dt.timedelta(hours=h)}
        for p in POLL:
            v = (values or BASE).get(p, BASE[p])
            if per_hour and p in per_hour:
                v = per_hour[p][h - 1]
            row[p] = None if h in skip else v
        rows.append(row)
    return rows


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"station_id": pl.String, "time": pl.Datetime("us"),
                                      **{p: pl.Float64 for p in POLL}})


def days(station: str, first: dt.date, n: int, values: dict | None = None) -> list[dict]:
    rows = []
    for k in range(n):
        rows += day_hours(station, first + dt.timedelta(days=k), values)
    return rows


def test_day_boundary_hour_ending_labels():
    rows = day_hours("A", dt.date(2025, 5, 1))
    out = air.daily_values(frame(rows))
    assert out.get_column("date").to_list() == [dt.date(2025, 5, 1)]
    assert out.get_column("hours_pm2_5").to_list() == [24]


def test_missing_hour_block_drops_day_below_20_hours():
    """GB 3095 表4: a 24-h mean needs 20 hourly values. 5 missing hours (19 left) make the day invalid;
    4 missing hours (20 left) keep it."""
    rows = day_hours("A", dt.date(2025, 5, 1), skip={3, 4, 5, 6, 7}) + day_hours("B", dt.date(2025, 5, 1), skip={3, 4, 5, 6})
    out = air.daily_values(frame(rows)).sort("station_id")
    a, b = out.row(0, named=True), out.row(1, named=True)
    assert a["hours_pm2_5"] == 19 and a["pm2_5"] is None and a["iaqi_pm2_5"] is None and not a["valid"]
    # O3: 19 hours (daily max 1-h needs 20); hours 3-7 missing leave 12 windows with >= 6 hours (ending
    # 08 with 3 hours ... 12 with 7): below 14 and not above 160, so the daily max 8-h is invalid too
    assert set(a["invalid"].split(",")) == {"so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3_1h"}
    assert a["o3_8h"] is None and a["o3_8h_windows"] == 12 and a["aqi"] is None
    assert b["hours_pm2_5"] == 20 and b["pm2_5"] == 20 and b["iaqi_pm2_5"] is not None
    # hours 3-6 missing: windows ending 08..11 have 4-5 hours, 13 valid windows remain -> O3 8-h invalid;
    # under HJ 633-2012 the AQI is still computed from the valid indicators
    assert b["o3_8h_windows"] == 13 and b["invalid"] == "o3_8h" and not b["valid"]
    assert b["aqi"] == max(v for k, v in b.items() if k.startswith("iaqi_") and v is not None)


def test_half_even_rounding_and_order_independence():
    """Mean 36.5 rounds to 36, 37.5 to 38 (GB/T 8170 half to even); CO mean 0.45 -> 0.4, 0.55 -> 0.6."""
    per = {"pm2_5": [36.0] * 12 + [37.0] * 12, "pm10": [37.0] * 12 + [38.0] * 12,
           "co": [0.4] * 12 + [0.5] * 12, "no2": [0.5] * 12 + [0.6] * 12}
    rows = day_hours("A", dt.date(2025, 5, 1), per_hour=per)
    per2 = {"co": [0.5] * 12 + [0.6] * 12}
    rows += day_hours("B", dt.date(2025, 5, 1), per_hour=per2)
    out = air.daily_values(frame(rows)).sort("station_id")
    a, b = out.row(0, named=True), out.row(1, named=True)
    assert (a["pm2_5"], a["pm10"], a["co"], b["co"]) == (36, 38, 0.4, 0.6)
    assert a["no2"] == 1  # 0.55 -> 1 (µg/m³ integer)
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    assert air.daily_values(frame(shuffled)).sort("station_id").equals(out)


def test_day_with_exactly_aqi_100_counts_as_good():
    """HJ 633-2012: PM2.5 24-h 75 = IAQI 100 -> AQI 100, 良 (level 2), counted as a good day; 76 -> 102,
    轻度污染. HJ 633-2026: 60 -> 100."""
    rows = []
    for k in range(28):
        pm = 75.0 if k == 0 else (76.0 if k == 1 else 30.0)
        rows += day_hours("A", dt.date(2025, 2, 1) + dt.timedelta(days=k), {"pm2_5": pm})
    rows += day_hours("A", dt.date(2026, 3, 2), {"pm2_5": 60.0})
    daily = air.daily_values(frame(rows))
    first = daily.filter(pl.col("date") == dt.date(2025, 2, 1)).row(0, named=True)
    assert (first["aqi"], first["level"], first["category"], first["primary_pollutant"]) == (100, 2, "良", "pm2_5")
    assert first["exceeding_pollutants"] == ""
    second = daily.filter(pl.col("date") == dt.date(2025, 2, 2)).row(0, named=True)
    assert second["aqi"] == math.ceil(100 + Fraction(50, 40) * 1) == 102 and second["category"] == "轻度污染"
    assert second["exceeding_pollutants"] == "pm2_5"
    march = daily.filter(pl.col("date") == dt.date(2026, 3, 2)).row(0, named=True)
    assert march["aqi"] == 100 and march["exceeding_pollutants"] is None and march["o3_1h"] is None
    area = air.area_daily(daily, pl.DataFrame({"station_id": ["A"], "area": ["甲市"]}))
    month = air.period_stats(area.filter(pl.col("date") < dt.date(2025, 3, 1)), "month").row(0, named=True)
    assert month["valid_days"] == 28 and month["good_days"] == 27 and month["days_level3"] == 1
    assert month["good_day_ratio"] == round(27 / 28 * 100, 1) == 96.4


def test_o3_8h_windows_validity():
    """Windows end at 08..24 h; each needs 6 of 8 hours; the daily max needs 14 valid windows unless it
    exceeds the class-2 limit (160)."""
    o3 = [50.0] * 24
    o3[11] = 140.0  # hour ending 12:00
    rows = day_hours("A", dt.date(2025, 6, 1), per_hour={"o3": o3})
    out = air.daily_values(frame(rows)).row(0, named=True)
    # the best window holds 140 and seven 50s: (140 + 350) / 8 = 61.25 -> 61
    assert out["o3_8h"] == 61 and out["o3_8h_windows"] == 17 and out["o3_1h"] == 140
    # hours ending 13..16 missing: windows ending 13..20 keep at most 4..7 hours
    hole = [None if 13 <= h <= 16 else 50.0 for h in range(1, 25)]
    out = air.daily_values(frame(day_hours("A", dt.date(2025, 6, 1), per_hour={"o3": hole}))).row(0, named=True)
    kept = sum(1 for t in range(8, 25) if sum(1 for h in range(t - 7, t + 1) if not 13 <= h <= 16) >= 6)
    assert out["o3_8h_windows"] == kept == 10 and out["o3_8h"] is None
    # same hole but high ozone: maximum exceeds 160 -> valid despite fewer than 14 windows
    high = [None if 13 <= h <= 16 else 200.0 for h in range(1, 25)]
    out = air.daily_values(frame(day_hours("A", dt.date(2025, 6, 1), per_hour={"o3": high}))).row(0, named=True)
    assert out["o3_8h"] == 200 and out["o3_8h_windows"] == 10


def test_station_without_co():
    """A station that never reports CO: in the 2026 era the AQI is withheld when <= 100 (HJ 633-2026
    5.3.1) unless CO is outside its monitoring plan (5.3.2), which mark_not_monitored infers."""
    rows = [r | {"co": None} for r in days("X", dt.date(2026, 4, 1), 2)]
    rows += days("Y", dt.date(2026, 4, 1), 2)
    raw = frame(rows)
    plain = air.daily_values(raw).sort("station_id", "date")
    x = plain.filter(pl.col("station_id") == "X")
    assert x.get_column("aqi").is_null().all() and x.get_column("invalid").to_list() == ["co", "co"]
    marked = air.daily_values(air.mark_not_monitored(raw)).sort("station_id", "date")
    x = marked.filter(pl.col("station_id") == "X").row(0, named=True)
    assert x["not_monitored"] == "co" and x["valid"] and x["aqi"] is not None and x["co"] is None
    # area of X and Y: CO from Y only, the area AQI is complete
    area = air.area_daily(marked, pl.DataFrame({"station_id": ["X", "Y"], "area": ["甲市", "甲市"]}))
    first = area.row(0, named=True)
    assert first["co"] == 0.5 and first["stations"] == 2 and first["valid"]
    # hourly: a station marking CO "/" publishes; one with CO merely missing does not (AQI <= 100)
    hourly = air.hourly_aqi(air.mark_not_monitored(raw)).filter(pl.col("station_id") == "X")
    assert hourly.get_column("aqi").is_not_null().all()
    assert air.hourly_aqi(raw).filter(pl.col("station_id") == "X").get_column("aqi").is_null().all()


def test_area_mean_of_station_daily_values():
    """Area value = mean of the stations' daily values, rounded half to even: (34 + 35)/2 = 34.5 -> 34,
    (35 + 36)/2 = 35.5 -> 36; a station can belong to two areas."""
    rows = days("A", dt.date(2025, 5, 1), 1, BASE | {"pm2_5": 34.0, "pm10": 35.0})
    rows += days("B", dt.date(2025, 5, 1), 1, BASE | {"pm2_5": 35.0, "pm10": 36.0})
    daily = air.daily_values(frame(rows))
    link = pl.DataFrame({"station_id": ["A", "B", "A"], "area": ["城区", "城区", "甲县"]})
    area = air.area_daily(daily, link).sort("area")
    town = area.filter(pl.col("area") == "城区").row(0, named=True)
    assert (town["pm2_5"], town["pm10"], town["stations"]) == (34, 36, 2)
    county = area.filter(pl.col("area") == "甲县").row(0, named=True)
    assert (county["pm2_5"], county["stations"]) == (34, 1)


def test_february_with_25_valid_days():
    """GB 3095 表4: February needs 25 daily values. 25 days: no note; 24 days: a note."""
    rows25 = days("A", dt.date(2025, 2, 1), 25)
    rows24 = days("B", dt.date(2025, 2, 1), 24)
    daily = air.daily_values(frame(rows25 + rows24))
    area = air.area_daily(daily, pl.DataFrame({"station_id": ["A", "B"], "area": ["甲", "乙"]}))
    stats = {r["area"]: r for r in air.period_stats(area, "month").iter_rows(named=True)}
    assert stats["甲"]["valid_days"] == 25 and stats["甲"]["notes"] is None
    assert stats["乙"]["valid_days"] == 24 and "2025-02 PM2.5有效日数24，少于25" in stats["乙"]["notes"]


def test_quarter_across_2026_03_01():
    """Each day under its own version: PM2.5 70 is 良 (IAQI 94) on 2026-02-28 and 轻度污染 (110) on
    2026-03-01; the quarter is labelled 2012+2026 and carries the HJ 663-2026 pending note."""
    rows = days("A", dt.date(2026, 1, 1), 90, BASE | {"pm2_5": 70.0})
    daily = air.daily_values(frame(rows))
    feb28 = daily.filter(pl.col("date") == dt.date(2026, 2, 28)).row(0, named=True)
    mar1 = daily.filter(pl.col("date") == dt.date(2026, 3, 1)).row(0, named=True)
    assert (feb28["aqi"], feb28["standard"], feb28["o3_1h"]) == (94, "HJ633-2012", 60)
    assert (mar1["aqi"], mar1["standard"], mar1["o3_1h"]) == (110, "HJ633-2026", None)
    area = air.area_daily(daily, pl.DataFrame({"station_id": ["A"], "area": ["甲"]}))
    q = air.period_stats(area, "quarter").row(0, named=True)
    assert q["period"] == "2026Q1" and q["standard"] == "2012+2026"
    assert q["valid_days"] == 90 and q["good_days"] == 59 and q["days_level3"] == 31
    assert "HJ 663-2026" in q["notes"]
    # composite index denominators: GB 3095-2026 transition class 2 in force on 2026-03-31
    expected = Fraction(10, 60) + Fraction(20, 40) + Fraction(40, 60) + Fraction(70, 30) + Fraction(5, 10) / 4 + Fraction(60, 160)
    assert q["composite_index"] == round(float(expected), 2)
    assert q["over_pm2_5"] == 31 and q["over_pm10"] == 0


def test_composite_index_rank_ties_and_percentiles():
    """I = Σ C_i/S_i (GB 3095-2012 class 2: 60, 40, 70, 35, 4, 160); equal indices share a rank (并列)."""
    rows = days("A", dt.date(2025, 5, 1), 31, BASE) + days("B", dt.date(2025, 5, 1), 31, BASE)
    rows += days("C", dt.date(2025, 5, 1), 31, BASE | {"pm2_5": 35.0})
    daily = air.daily_values(frame(rows))
    area = air.area_daily(daily, pl.DataFrame({"station_id": ["A", "B", "C"], "area": ["甲", "乙", "丙"]}))
    stats = {r["area"]: r for r in air.period_stats(area, "month").iter_rows(named=True)}
    base = Fraction(10, 60) + Fraction(20, 40) + Fraction(40, 70) + Fraction(1, 8) + Fraction(60, 160)
    assert stats["甲"]["composite_index"] == round(float(base + Fraction(20, 35)), 2)
    assert stats["丙"]["composite_index"] == round(float(base + 1), 2)
    assert stats["甲"]["rank"] == stats["乙"]["rank"] == "1（并列）" and stats["丙"]["rank"] == "3"
    assert stats["丙"]["composite_primary"] == "pm2_5"
    assert stats["甲"]["co_p95"] == 0.5 and stats["甲"]["o3_8h_p90"] == 60


def test_percentile_formula_example():
    """HJ 663: {3,4,8,2,5,4}, p90: k = 1 + 5·0.9 = 5.5 -> 5 + (8 - 5)·0.5 = 6.5."""
    df = pl.DataFrame({"x": [3, 4, 8, 2, 5, 4]})
    assert df.select(air.percentile(pl.col("x"), 90)).item() == 6.5
    co = pl.DataFrame({"x": [0.4, 0.9, 0.5, 0.7]})
    # k = 1 + 3·0.95 = 3.85 -> 0.7 + (0.9 - 0.7)·0.85 = 0.87
    assert co.select(air.percentile(pl.col("x"), 95, unit=10)).item() == pytest.approx(0.87, abs=1e-12)


def test_dust_day_reported_both_ways():
    """扣沙: PM10/PM2.5 means and the composite index leave out the dust day; valid and good days keep it."""
    rows = days("A", dt.date(2025, 4, 1), 30)
    storm = dt.date(2025, 4, 10)
    rows = [r | ({"pm10": 600.0, "pm2_5": 150.0} if (r["time"] - dt.timedelta(hours=1)).date() == storm else {})
            for r in rows]
    daily = air.daily_values(frame(rows))
    area = air.area_daily(daily, pl.DataFrame({"station_id": ["A"], "area": ["甲"]}))
    kept = air.period_stats(area, "month").row(0, named=True)
    cut = air.period_stats(area, "month", dust=pl.DataFrame({"area": ["甲"], "date": [storm]})).row(0, named=True)
    assert (kept["dust"], cut["dust"]) == ("不扣沙", "扣沙")
    assert kept["pm10"] == round((29 * 40 + 600) / 30) == 59 and cut["pm10"] == 40
    assert kept["pm2_5"] == round((29 * 20 + 150) / 30) and cut["pm2_5"] == 20
    assert kept["valid_days"] == cut["valid_days"] == 30
    assert kept["good_days"] == cut["good_days"] == 29 and kept["good_day_ratio"] == cut["good_day_ratio"] == 96.7
    assert cut["composite_index"] < kept["composite_index"]
    assert kept["days_level6"] == cut["days_level6"] == 1


def test_periods_and_change_helpers():
    rows = days("A", dt.date(2025, 3, 1), 61) + days("A", dt.date(2026, 3, 1), 61, BASE | {"pm2_5": 30.0})
    daily = air.daily_values(frame(rows))
    area = air.area_daily(daily, pl.DataFrame({"station_id": ["A"], "area": ["甲"]}))
    months = air.period_stats(area, "month")
    assert months.get_column("period").to_list() == ["2025-03", "2025-04", "2026-03", "2026-04"]
    ytd = air.period_stats(area, "ytd")
    assert set(ytd.get_column("period")) == {"2025-01~03", "2025-01~04", "2026-01~03", "2026-01~04"}
    assert ytd.filter(pl.col("period") == "2026-01~04").get_column("valid_days").item() == 61
    years = air.period_stats(area, "year")
    assert "全年PM2.5有效日数61，少于324" in years.filter(pl.col("period") == "2026").get_column("notes").item()
    assert air.previous_period("2026-03", "yoy") == "2025-03"
    assert air.previous_period("2026-01", "mom") == "2025-12"
    assert air.previous_period("2026Q1", "mom") == "2025Q4"
    assert air.previous_period("2026-01~04", "yoy") == "2025-01~04"
    cur = months.filter(pl.col("period") == "2026-03")
    prev = months.filter(pl.col("period") == air.previous_period("2026-03"))
    ch = air.change(cur, prev).row(0, named=True)
    assert ch["pm2_5_change"] == round((30 - 20) / 20 * 100, 1) == 50.0
    assert ch["good_day_ratio_change"] == 0.0 and ch["previous_period"] == "2025-03"


def test_hourly_so2_above_800_2012_uses_24h_mean():
    """HJ 633-2012 表1注(2): SO2 1-h > 800 -> IAQI of the 24-h mean; 2026 注b: 200."""
    so2 = [100.0] * 23 + [900.0]
    rows = day_hours("A", dt.date(2025, 1, 5), per_hour={"so2": so2}) + \
        day_hours("A", dt.date(2026, 5, 5), per_hour={"so2": so2})
    out = air.hourly_aqi(frame(rows)).filter(pl.col("so2") == 900.0).sort("time")
    mean = Fraction(23 * 100 + 900, 24)  # 133.33 -> rounded 133 -> 50 + 50/100·83 = 91.5 -> 92
    assert out.get_column("iaqi_so2").to_list() == [math.ceil(50 + Fraction(50, 100) * (round(mean) - 50)), 200]
