"""The annual validity rule of GB 3095 表4 (both texts) and HJ 663's rule for the annual percentiles:
324 daily values in the year, 27 in each month, 25 in February — pinned at 323/324, 24/25, 26/27, in a
leap year and across the 2026-03-01 switch. Daily series are built here day by day."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from publisher import standards
from publisher.evaluate import annual


def year_days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def series(year: int, missing: dict[int, int], column: str = "pm2_5") -> pl.DataFrame:
    """Every day of `year` valid except the last `missing[month]` days of each month given."""
    days = year_days(year)
    last = {m: max(d.day for d in days if d.month == m) for m in range(1, 13)}
    values = [None if d.day > last[d.month] - missing.get(d.month, 0) else 35.0 for d in days]
    return pl.DataFrame({"date": days, column: values}, schema={"date": pl.Date, column: pl.Float64})


# The most days a 365-day year can miss with every month still at its minimum: February 3 (28 -> 25),
# 31-day months 4 (-> 27), 30-day months 3 (-> 27): 3 + 7*4 + 4*3 = 43, i.e. 322 valid days.
MAX_MONTH_GAPS = {1: 4, 2: 3, 3: 4, 4: 3, 5: 4, 6: 3, 7: 4, 8: 4, 9: 3, 10: 4, 11: 3, 12: 4}


def with_total_missing(total: int) -> dict[int, int]:
    """Spread `total` missing days over the months without breaking any month's minimum."""
    out, left = {}, total
    for month, room in MAX_MONTH_GAPS.items():
        take = min(room, left)
        out[month], left = take, left - take
    assert left == 0
    return out


def result(frame: pl.DataFrame, year: int, pollutant: str = "pm2_5") -> dict:
    return annual.air_validity(frame, year).filter(pl.col("pollutant") == pollutant).row(0, named=True)


def test_the_rule_is_data_in_both_gb3095_texts_and_hj663():
    for table_id in ("GB3095-2012", "GB3095-2026"):
        table = standards.get(table_id)
        v = table["validity"]
        assert (v["annual_min_days"], v["monthly_min_days"], v["february_min_days"]) == (324, 27, 25)
        rule = table["annual_validity"]
        assert rule["pollutants"] == ["so2", "no2", "pm10", "pm2_5"]
        assert rule["thresholds"] == "validity"
        assert "324" in rule["quote_zh"] and "二月至少有25个" in rule["quote_zh"]
        assert "表4" in rule["clause"]
    assert standards.get("GB3095-2026")["annual_validity"]["confidence"] == "confirmed_2plus"
    percentiles = standards.get("HJ663-2013")["annual_percentile_validity"]
    assert percentiles["pollutants"] == ["co", "o3_8h"]
    assert (percentiles["annual_min_days"], percentiles["monthly_min_days"], percentiles["february_min_days"]) == \
        (324, 27, 25)


def test_324_days_is_valid_and_323_is_not():
    ok = result(series(2025, with_total_missing(365 - 324)), 2025)
    assert (ok["valid_days"], ok["annual_need"], ok["annual_ok"], ok["valid"]) == (324, 324, True, True)
    assert ok["failed_rules"] == [] and ok["short_months"] == [] and ok["message_zh"] is None
    bad = result(series(2025, with_total_missing(365 - 323)), 2025)
    assert (bad["valid_days"], bad["annual_ok"], bad["valid"]) == (323, False, False)
    assert bad["failed_rules"] == ["annual"] and bad["short_months"] == []   # every month still meets its minimum
    assert bad["message_zh"] == "2025年PM2.5有效日均值323个，少于324个"


def test_february_needs_25_and_24_fails_even_with_a_full_year():
    ok = result(series(2025, {2: 3}), 2025)
    assert ok["month_days"][1] == 25 and ok["valid"]
    bad = result(series(2025, {2: 4}), 2025)
    assert bad["month_days"][1] == 24 and bad["valid_days"] == 361
    assert bad["failed_rules"] == ["february"] and bad["short_months"] == ["2025-02"]
    assert bad["message_zh"] == "2025年2月PM2.5有效日均值24个，少于25个"


def test_february_of_a_leap_year_also_needs_25():
    ok = result(series(2024, {2: 4}), 2024)        # 29 - 4 = 25
    assert ok["month_days"][1] == 25 and ok["valid"]
    bad = result(series(2024, {2: 5}), 2024)
    assert bad["month_days"][1] == 24 and bad["failed_rules"] == ["february"]


def test_other_months_need_27_and_26_fails():
    ok = result(series(2025, {7: 4, 9: 3}), 2025)   # 27 and 27
    assert ok["month_days"][6] == 27 and ok["month_days"][8] == 27 and ok["valid"]
    bad = result(series(2025, {7: 5, 9: 4, 2: 4}), 2025)
    assert bad["failed_rules"] == ["february", "monthly"]
    assert bad["short_months"] == ["2025-02", "2025-07", "2025-09"]
    assert bad["message_zh"] == ("2025年2月PM2.5有效日均值24个，少于25个；2025年7月PM2.5有效日均值26个，少于27个；"
                                 "2025年9月PM2.5有效日均值26个，少于27个")


def test_every_rule_failing_at_once_is_reported_with_counts():
    frame = series(2025, {m: 10 for m in range(1, 13)})
    r = result(frame, 2025)
    assert r["valid_days"] == 365 - 120 and r["failed_rules"] == ["annual", "monthly", "february"]
    assert len(r["short_months"]) == 12


def test_a_year_across_2026_03_01_is_judged_month_by_month_by_both_texts():
    months = annual.air_month_counts(series(2026, {2: 4}), 2026)
    standard_by_month = dict(zip(months["month"].to_list(), months["standard"].to_list()))
    assert standard_by_month[1] == standard_by_month[2] == "GB3095-2012"
    assert all(standard_by_month[m] == "GB3095-2026" for m in range(3, 13))
    r = result(series(2026, {2: 4}), 2026)
    assert r["standard"] == "GB3095-2012+GB3095-2026" and r["failed_rules"] == ["february"]
    assert result(series(2025, {}), 2025)["standard"] == "GB3095-2012"
    assert result(series(2027, {}), 2027)["standard"] == "GB3095-2026"


def test_co_and_o3_percentiles_follow_hj663():
    frame = series(2025, {3: 5}, "o3_8h").join(series(2025, with_total_missing(42), "co"), on="date")
    out = {r["pollutant"]: r for r in annual.air_validity(frame, 2025).to_dicts()}
    assert out["o3_8h"]["standard"] == "HJ663-2013" and out["o3_8h"]["failed_rules"] == ["monthly"]
    assert out["co"]["valid_days"] == 323 and out["co"]["failed_rules"] == ["annual"]


def test_groups_and_pollutants_in_one_frame():
    a = series(2025, {}).with_columns(pl.lit("保山市").alias("area"), pl.lit(20.0).alias("so2"))
    b = series(2025, {5: 5}).with_columns(pl.lit("楚雄州").alias("area"), pl.lit(None, pl.Float64).alias("so2"))
    out = annual.air_validity(pl.concat([a, b]), 2025, by=["area"])
    got = {(r["area"], r["pollutant"]): (r["valid_days"], r["valid"]) for r in out.to_dicts()}
    assert got == {("保山市", "so2"): (365, True), ("保山市", "pm2_5"): (365, True),
                   ("楚雄州", "so2"): (0, False), ("楚雄州", "pm2_5"): (360, False)}
    assert out["pollutant"].to_list() == ["so2", "pm2_5", "so2", "pm2_5"]


def test_days_of_other_years_are_not_counted_and_a_repeated_day_is_refused():
    frame = pl.concat([series(2024, {}), series(2025, {2: 4})])
    assert result(frame, 2025)["valid_days"] == 361
    twice = pl.concat([series(2025, {}), series(2025, {}).head(1)])
    with pytest.raises(ValueError, match="2025-01-01（共2行） \\[ANNUAL_DUPLICATE_DAY\\]"):
        annual.air_validity(twice, 2025)
    with pytest.raises(ValueError, match="ANNUAL_COLUMNS"):
        annual.air_validity(pl.DataFrame({"date": [dt.date(2025, 1, 1)], "x": [1.0]}), 2025)


def test_a_station_with_no_day_in_a_month_reports_zero_for_it():
    days = [d for d in year_days(2025) if d.month != 8]
    frame = pl.DataFrame({"date": days, "no2": [30.0] * len(days)})
    r = result(frame, 2025, "no2")
    assert r["month_days"][7] == 0 and r["short_months"] == ["2025-08"] and r["valid_days"] == 334


def test_a_nan_daily_value_is_refused_not_counted():
    frame = series(2025, {}).with_columns(
        pl.when(pl.col("date") == dt.date(2025, 3, 3)).then(float("nan")).otherwise(pl.col("pm2_5")).alias("pm2_5"))
    with pytest.raises(ValueError, match="PM2.5日均值有非数值（NaN或无穷）：2025-03-03起1天 \\[ANNUAL_VALUE\\]"):
        annual.air_validity(frame, 2025)
