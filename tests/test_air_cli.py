"""``publisher evaluate air`` end to end: real CSV files in, real CSV files out, numbers equal to the
evaluate.air functions' own results."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.evaluate import air
from publisher.ingest import read_air_files

HOURLY = "station_id,time,aqi,level,category,primary_pollutant,iaqi_so2,iaqi_no2,iaqi_co,iaqi_o3,iaqi_pm10,iaqi_pm2_5"
DAILY_2012 = ("station_id,date,aqi,level,category,primary_pollutant,valid,so2,no2,co,pm10,pm2_5,o3_8h,o3_1h,"
              "iaqi_so2,iaqi_no2,iaqi_co,iaqi_pm10,iaqi_pm2_5,iaqi_o3_8h,iaqi_o3_1h")
AREA_2012 = "area,date,stations,so2,no2,co,pm10,pm2_5,o3_8h,o3_1h,aqi,level,category,primary_pollutant,valid,standard"
PERIOD = ("area,period,standard,valid_days,so2,no2,pm10,pm2_5,co_p95,o3_8h_p90,good_days,good_day_ratio,"
          "days_level1,days_level2,days_level3,days_level4,days_level5,days_level6,composite_index,"
          "composite_primary,rank,dust,notes")


def write_input(path: Path, label: str = "end") -> None:
    """Two stations, 2026-02-20 .. 2026-03-10 hour by hour; B measures no CO; PM2.5 varies by day."""
    lines = ["station_id,time,so2,no2,co,o3,pm10,pm2_5"]
    start = dt.datetime(2026, 2, 20, 1)
    for k in range(24 * 19):
        t = start + dt.timedelta(hours=k)
        shown = t - dt.timedelta(hours=1) if label == "start" else t
        day = (t - dt.timedelta(hours=1)).day
        pm = 30 + (day * 7) % 50
        o3 = 40 + (t.hour * 5)
        lines.append(f"A,{shown:%Y-%m-%d %H:%M},8,25,0.6,{o3},{pm + 20},{pm}")
        lines.append(f"B,{shown:%Y-%m-%d %H:%M},6,30,,{o3 + 10},{pm + 30},{pm + 5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    write_input(tmp_path / "in.csv")
    (tmp_path / "areas.csv").write_text("station_id,area\nA,甲市\nB,甲市\nB,乙县\n", encoding="utf-8")
    (tmp_path / "dust.csv").write_text("area,date\n甲市,2026-03-03\n", encoding="utf-8")
    return {"in": tmp_path / "in.csv", "areas": tmp_path / "areas.csv", "dust": tmp_path / "dust.csv",
            "dir": tmp_path}


def run(*args: str):
    result = CliRunner().invoke(cli, ["evaluate", "air", *args], catch_exceptions=False)
    return result


def test_all_outputs_and_their_columns(files):
    d = files["dir"]
    result = run(str(files["in"]), "--hourly", str(d / "h.csv"), "--daily", str(d / "d.csv"),
                 "--areas", str(files["areas"]), "--area-daily", str(d / "ad.csv"),
                 "--period-stats", str(d / "ps.csv"), "--period", "month", "--dust", str(files["dust"]))
    assert result.exit_code == 0, result.output
    heads = {n: (d / n).read_text(encoding="utf-8").splitlines()[0] for n in ("h.csv", "d.csv", "ad.csv", "ps.csv")}
    assert heads == {"h.csv": HOURLY, "d.csv": DAILY_2012, "ad.csv": AREA_2012, "ps.csv": PERIOD}
    hourly = pl.read_csv(d / "h.csv", infer_schema_length=0)
    assert hourly.height == 2 * 24 * 19
    b = hourly.filter(pl.col("station_id") == "B")
    assert b.get_column("iaqi_co").is_null().all() and b.get_column("aqi").is_not_null().all()

    # the period statistics equal the library's own results for the same files
    frame = air.mark_not_monitored(read_air_files([files["in"]]))
    area = air.area_daily(air.daily_values(frame), pl.read_csv(files["areas"]))
    dust = pl.DataFrame({"area": ["甲市"], "date": [dt.date(2026, 3, 3)]})
    expected = pl.concat([air.period_stats(area, "month"), air.period_stats(area, "month", dust=dust)])
    written = pl.read_csv(d / "ps.csv", infer_schema_length=0)
    assert written.height == expected.height == 8
    for got, want in zip(written.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        assert (got["area"], got["period"], got["dust"]) == (want["area"], want["period"], want["dust"])
        for col in ("valid_days", "good_days", *[f"days_level{k}" for k in range(1, 7)]):
            assert int(got[col]) == want[col], col
        for col, fmt in (("so2", ".0f"), ("no2", ".0f"), ("pm10", ".0f"), ("pm2_5", ".0f"), ("o3_8h_p90", ".0f"),
                         ("co_p95", ".1f"), ("good_day_ratio", ".1f"), ("composite_index", ".2f")):
            assert got[col] == (None if want[col] is None else format(want[col], fmt)), col
        assert (got["rank"], got["composite_primary"], got["standard"]) == (want["rank"], want["composite_primary"],
                                                                            want["standard"])
        assert (got["notes"] or None) == want["notes"]
    feb = written.filter(pl.col("period") == "2026-02", pl.col("area") == "甲市", pl.col("dust") == "不扣沙").row(0, named=True)
    assert feb["standard"] == "2012" and "2026-02 PM2.5有效日数9，少于25" in feb["notes"]
    mar = written.filter(pl.col("period") == "2026-03", pl.col("area") == "甲市")
    assert set(mar.get_column("dust")) == {"扣沙", "不扣沙"}
    assert mar.get_column("good_day_ratio").n_unique() == 1  # dust days stay in the good-day ratio
    county = written.filter(pl.col("area") == "乙县", pl.col("period") == "2026-03").row(0, named=True)
    # station B measures no CO: no CO statistic, no composite index, no rank, and the notes say why
    assert county["co_p95"] is None and county["composite_index"] is None and county["rank"] is None
    assert "缺少CO统计值，综合指数未计算" in county["notes"]
    area_rows = pl.read_csv(d / "ad.csv", infer_schema_length=0)
    switch = area_rows.filter(pl.col("area") == "甲市", pl.col("date").is_in(["2026-02-28", "2026-03-01"]))
    assert switch.get_column("standard").to_list() == ["2012", "2026"]
    assert switch.get_column("o3_1h").to_list()[1] is None


def test_hour_label_start_gives_the_same_days(files):
    d = files["dir"]
    write_input(d / "start.csv", label="start")
    assert run(str(files["in"]), "--daily", str(d / "end.csv")).exit_code == 0
    assert run(str(d / "start.csv"), "--hour-label", "start", "--daily", str(d / "s.csv")).exit_code == 0
    assert (d / "end.csv").read_text(encoding="utf-8") == (d / "s.csv").read_text(encoding="utf-8")


def test_standard_option_forces_a_version(files):
    d = files["dir"]
    assert run(str(files["in"]), "--standard", "2026", "--daily", str(d / "d26.csv")).exit_code == 0
    head = (d / "d26.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "o3_1h" not in head


def test_bad_areas_file_is_one_line_error(files):
    d = files["dir"]
    (d / "bad.csv").write_text("station,area\nA,甲市\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", "air", str(files["in"]), "--areas", str(d / "bad.csv"),
                                      "--area-daily", str(d / "x.csv")])
    assert result.exit_code == 1 and "station_id" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["evaluate", "air", str(files["in"])])
    assert result.exit_code == 2


# ==================================================================================================
# Worked examples of the command-line contract (issue 11). Each input is written out hour by hour,
# run through `publisher evaluate air`, and each expected figure is worked out here from the clause
# cited next to it (HJ 633 breakpoint tables, GB 3095 表4, HJ 663), not taken from the code.
# ==================================================================================================
#: 24-hour IAQI breakpoints (HJ 633-2012 表1; HJ 633-2026 表3): IAQI 0, 50, 100, 150, 200, 300, 400, 500.
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS = {
    "so2": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "no2": (0, 40, 80, 180, 280, 565, 750, 940),
    "co": (0, 2, 4, 14, 24, 36, 48, 60),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm10_2012": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm10_2026": (0, 50, 120, 250, 350, 420, 500, 600),
    "pm2_5_2012": (0, 35, 75, 115, 150, 250, 350, 500),
    "pm2_5_2026": (0, 35, 60, 115, 150, 250, 350, 500),
}
#: One ordinary hour: every daily value equals it (µg/m³, CO mg/m³).
PLAIN = {"so2": 10, "no2": 20, "co": 0.5, "o3": 60, "pm10": 40, "pm2_5": 20}


def iaqi_of(value, table: str) -> int:
    """IAQI = ceil((IAQI_hi - IAQI_lo) / (BP_hi - BP_lo) × (C - BP_lo) + IAQI_lo), HJ 633 5.2 / 4.2."""
    points = BREAKPOINTS[table]
    c = Fraction(str(value))
    for k in range(1, len(points)):
        if c <= points[k]:
            exact = Fraction(IAQI_STEPS[k] - IAQI_STEPS[k - 1], points[k] - points[k - 1]) * (c - points[k - 1]) \
                + IAQI_STEPS[k - 1]
            return -(-exact.numerator // exact.denominator)
    return 500


def daily_aqi(values: dict, version: str) -> int:
    """Daily AQI of a day whose hours are all `values` (24-h means and the O3 8-h maximum equal them)."""
    return max(iaqi_of(values["so2"], "so2"), iaqi_of(values["no2"], "no2"), iaqi_of(values["co"], "co"),
               iaqi_of(values["o3"], "o3_8h"), iaqi_of(values["pm10"], f"pm10_{version}"),
               iaqi_of(values["pm2_5"], f"pm2_5_{version}"))


def write_days(path: Path, stations: dict[str, list[tuple[dt.date, dict, set[int]]]]) -> None:
    """English wide CSV: for each station, each (day, values, hours left out); hours labelled by their end."""
    lines = ["station_id,time,so2,no2,co,o3,pm10,pm2_5"]
    for station, days in stations.items():
        for day, values, skip in days:
            for h in range(1, 25):
                if h in skip:
                    continue
                t = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=h)
                cells = ["" if values[p] is None else str(values[p]) for p in ("so2", "no2", "co", "o3", "pm10", "pm2_5")]
                lines.append(f"{station},{t:%Y-%m-%d %H:%M}," + ",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def month_days(first: dt.date, last: dt.date, values: dict = PLAIN, special: dict | None = None,
               skip: dict | None = None) -> list[tuple[dt.date, dict, set[int]]]:
    out, day = [], first
    while day <= last:
        out.append((day, PLAIN | values | (special or {}).get(day, {}), set((skip or {}).get(day, ()))))
        day += dt.timedelta(days=1)
    return out


def evaluate(d: Path, stations: dict, areas: str, period: str = "month", *extra: str) -> tuple[dict, dict]:
    """Run the command; (area-daily rows by (area, date), period rows by (area, period, dust)), all as text."""
    write_days(d / "in.csv", stations)
    (d / "areas.csv").write_text("station_id,area\n" + areas, encoding="utf-8")
    result = run(str(d / "in.csv"), "--areas", str(d / "areas.csv"), "--area-daily", str(d / "ad.csv"),
                 "--period-stats", str(d / "ps.csv"), "--period", period, *extra)
    assert result.exit_code == 0, result.output
    area = pl.read_csv(d / "ad.csv", infer_schema_length=0).to_dicts()
    stats = pl.read_csv(d / "ps.csv", infer_schema_length=0).to_dicts()
    return ({(r["area"], r["date"]): r for r in area}, {(r["area"], r["period"], r["dust"]): r for r in stats})


def ratio(good: int, valid: int) -> str:
    """优良天数比例 = good days / valid days × 100, one decimal (HJ 663; GB/T 8170 half to even)."""
    return format(float(round(Fraction(good * 100, valid), 1)), ".1f")  # Fraction rounds half to even


def test_worked_month_with_a_day_of_exactly_aqi_100(tmp_path):
    """May 2026 (HJ 633-2026 表3: PM2.5 24-h 60 µg/m³ is IAQI 100). 10 May: PM2.5 60 → AQI 100, 良 (level 2,
    51–100), a good day (HJ 663: AQI ≤ 100). 11 May: 61 → 101, 轻度污染, not good. Under HJ 633-2012 (表1:
    75 is IAQI 100) the same 60 would be IAQI 82."""
    ten, eleven = dt.date(2026, 5, 10), dt.date(2026, 5, 11)
    days = month_days(dt.date(2026, 5, 1), dt.date(2026, 5, 31), special={ten: {"pm2_5": 60}, eleven: {"pm2_5": 61}})
    area, stats = evaluate(tmp_path, {"A": days}, "A,甲市\n")
    plain = daily_aqi(PLAIN, "2026")
    assert plain <= 50
    day10 = area[("甲市", "2026-05-10")]
    assert iaqi_of(60, "pm2_5_2026") == 100
    assert (day10["aqi"], day10["level"], day10["category"], day10["primary_pollutant"], day10["standard"]) == \
        ("100", "2", "良", "pm2_5", "2026")
    day11 = area[("甲市", "2026-05-11")]
    assert int(day11["aqi"]) == iaqi_of(61, "pm2_5_2026") == 101 and day11["category"] == "轻度污染"
    may = stats[("甲市", "2026-05", "不扣沙")]
    assert (may["valid_days"], may["good_days"]) == ("31", "30")
    assert may["good_day_ratio"] == ratio(30, 31) == "96.8"
    assert (may["days_level1"], may["days_level2"], may["days_level3"]) == ("29", "1", "1")
    # period mean of the daily values, half to even (GB/T 8170): (29·20 + 60 + 61) / 31 = 22.6 → 23
    assert may["pm2_5"] == str(round(Fraction(29 * 20 + 60 + 61, 31))) == "23"
    # the same hours judged by HJ 633-2012 (--standard 2012): 60 is only IAQI 82, so 10 May stays 良 by a margin
    area12, _ = evaluate(tmp_path, {"A": days}, "A,甲市\n", "month", "--standard", "2012")
    assert int(area12[("甲市", "2026-05-10")]["aqi"]) == iaqi_of(60, "pm2_5_2012") == 82


def test_worked_month_with_a_missing_hour_block(tmp_path):
    """June 2026. GB 3095 表4: a 24-hour mean needs at least 20 hourly values. 5 June misses the hours ending
    01:00–05:00 (19 left): every 24-h mean is invalid, while the O3 8-h windows ending 11:00–24:00 keep 6 of
    8 hours, 14 valid windows (HJ 663-2013: ≥ 14), so O3 8-h stays valid. HJ 633-2026 5.3.1: with pollutants
    missing and the AQI of the rest ≤ 100, no AQI is published — the day is not a valid day. 6 June misses
    01:00–04:00 (20 left): valid. Under HJ 633-2012 (no such rule) 5 June gets the AQI of its O3 alone."""
    five, six = dt.date(2026, 6, 5), dt.date(2026, 6, 6)
    days = month_days(dt.date(2026, 6, 1), dt.date(2026, 6, 30), skip={five: range(1, 6), six: range(1, 5)})
    windows = [t for t in range(8, 25) if sum(1 for h in range(t - 7, t + 1) if h > 5) >= 6]
    assert len(windows) == 14
    area, stats = evaluate(tmp_path, {"A": days}, "A,甲市\n")
    d5 = area[("甲市", "2026-06-05")]
    assert all(d5[c] is None for c in ("so2", "no2", "co", "pm10", "pm2_5"))
    assert d5["o3_8h"] == "60" and d5["aqi"] is None and d5["valid"] == "false" and d5["stations"] == "1"
    d6 = area[("甲市", "2026-06-06")]
    assert d6["valid"] == "true" and int(d6["aqi"]) == daily_aqi(PLAIN, "2026")
    june = stats[("甲市", "2026-06", "不扣沙")]
    assert (june["valid_days"], june["good_days"], june["good_day_ratio"]) == ("29", "29", ratio(29, 29))
    assert june["days_level1"] == "29"
    assert "少于27" not in (june["notes"] or "")  # 29 valid daily values ≥ 27 (GB 3095 表4)
    _, stats12 = evaluate(tmp_path, {"A": days}, "A,甲市\n", "month", "--standard", "2012")
    assert stats12[("甲市", "2026-06", "不扣沙")]["valid_days"] == "30"


def test_worked_february_with_25_valid_days(tmp_path):
    """GB 3095 表4: a monthly statistic needs 27 daily values, 25 in February. February 2026 (HJ 633-2012 and
    GB 3095-2012 in force): station A reports 1–25 February (25 days: no validity note), station B 1–24 (24:
    noted). March 2026 (2026 texts): 26 days fall short of 27."""
    a = month_days(dt.date(2026, 2, 1), dt.date(2026, 2, 25))
    b = month_days(dt.date(2026, 2, 1), dt.date(2026, 2, 24)) + month_days(dt.date(2026, 3, 1), dt.date(2026, 3, 26))
    _, stats = evaluate(tmp_path, {"A": a, "B": b}, "A,甲市\nB,乙县\n")
    fa, fb = stats[("甲市", "2026-02", "不扣沙")], stats[("乙县", "2026-02", "不扣沙")]
    assert (fa["standard"], fa["valid_days"], fa["notes"]) == ("2012", "25", None)
    assert fb["valid_days"] == "24" and "2026-02 PM2.5有效日数24，少于25" in fb["notes"]
    march = stats[("乙县", "2026-03", "不扣沙")]
    assert march["standard"] == "2026" and "2026-03 PM2.5有效日数26，少于27" in march["notes"]
    assert "HJ 663-2026" in march["notes"] and "HJ 663-2026" not in (fb["notes"] or "")


def test_worked_quarter_across_the_switch(tmp_path):
    """2026Q1 with PM2.5 70 µg/m³ every day: HJ 633-2012 (to 2026-02-28): IAQI 94, 良; HJ 633-2026 (from
    2026-03-01): IAQI 110, 轻度污染. The quarter is labelled 2012+2026, 59 good days of 90. Composite index
    (城市环境空气质量排名技术规定: Σ C_i/S_i): S from GB 3095-2026 transition class 2 in force on 31 March
    (SO2 60, NO2 40, PM10 60, PM2.5 30 annual; CO 4; O3 160)."""
    values = {"pm2_5": 70}
    days = month_days(dt.date(2026, 1, 1), dt.date(2026, 3, 31), values=values)
    area, stats = evaluate(tmp_path, {"A": days}, "A,甲市\n", "quarter")
    feb28, mar1 = area[("甲市", "2026-02-28")], area[("甲市", "2026-03-01")]
    assert (int(feb28["aqi"]), feb28["category"], feb28["standard"]) == (iaqi_of(70, "pm2_5_2012"), "良", "2012")
    assert (int(mar1["aqi"]), mar1["category"], mar1["standard"]) == (iaqi_of(70, "pm2_5_2026"), "轻度污染", "2026")
    assert (iaqi_of(70, "pm2_5_2012"), iaqi_of(70, "pm2_5_2026")) == (94, 110)
    assert feb28["o3_1h"] == "60" and mar1["o3_1h"] is None  # the O3 1-h maximum left the 2026 daily report
    q = stats[("甲市", "2026Q1", "不扣沙")]
    assert (q["standard"], q["valid_days"], q["good_days"]) == ("2012+2026", "90", "59")
    assert q["good_day_ratio"] == ratio(59, 90) and (q["days_level2"], q["days_level3"]) == ("59", "31")
    index = Fraction(10, 60) + Fraction(20, 40) + Fraction(40, 60) + Fraction(70, 30) + Fraction(1, 2) / 4 \
        + Fraction(60, 160)
    assert q["composite_index"] == format(float(round(index, 2)), ".2f") and q["composite_primary"] == "pm2_5"
    _, ytd = evaluate(tmp_path, {"A": days}, "A,甲市\n", "ytd")
    assert ytd[("甲市", "2026-01~02", "不扣沙")]["standard"] == "2012"
    assert ytd[("甲市", "2026-01~03", "不扣沙")]["standard"] == "2012+2026"


def test_worked_station_without_co(tmp_path):
    """Station B has no CO at any hour (as many stations: "/" in the national feed). HJ 633-2026 5.3.2: a
    pollutant outside the monitoring plan does not withhold the AQI; the CLI takes a pollutant a station never
    reports as not monitored (docs/cli.md). An area of B alone has no CO statistic, hence no composite index
    and no rank (城市环境空气质量排名技术规定 needs all six); an area of A and B takes CO from A only."""
    a = month_days(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    b = month_days(dt.date(2026, 4, 1), dt.date(2026, 4, 30), values={"co": None, "pm2_5": 30})
    area, stats = evaluate(tmp_path, {"A": a, "B": b}, "A,甲市\nB,甲市\nB,乙县\n")
    county = area[("乙县", "2026-04-15")]
    assert county["co"] is None and int(county["aqi"]) == daily_aqi(PLAIN | {"co": 0, "pm2_5": 30}, "2026")
    assert county["valid"] == "true"
    city = area[("甲市", "2026-04-15")]
    assert city["co"] == "0.5" and city["pm2_5"] == "25" and city["stations"] == "2"  # (20 + 30) / 2
    q = stats[("乙县", "2026-04", "不扣沙")]
    assert q["valid_days"] == "30" and q["co_p95"] is None and q["composite_index"] is None and q["rank"] is None
    assert "缺少CO统计值，综合指数未计算" in q["notes"]
    c = stats[("甲市", "2026-04", "不扣沙")]
    assert c["co_p95"] == "0.5" and c["rank"] == "1"


def test_worked_dust_day_reported_both_ways(tmp_path):
    """April 2026, 10 April flagged as a sand-dust day (--dust). 环办监测〔2016〕120号 and the national monthly
    reports: PM10, PM2.5 and the composite index are given without the dust day (扣沙) and with it (不扣沙);
    the good-day ratio and the level counts keep it. 10 April: PM10 600 (IAQI 500), PM2.5 150 (IAQI 200)."""
    storm = dt.date(2026, 4, 10)
    days = month_days(dt.date(2026, 4, 1), dt.date(2026, 4, 30), special={storm: {"pm10": 600, "pm2_5": 150}})
    (tmp_path / "dust.csv").write_text("area,date\n甲市,2026-04-10\n", encoding="utf-8")
    area, stats = evaluate(tmp_path, {"A": days}, "A,甲市\n", "month", "--dust", str(tmp_path / "dust.csv"))
    assert int(area[("甲市", "2026-04-10")]["aqi"]) == iaqi_of(600, "pm10_2026") == 500
    kept, cut = stats[("甲市", "2026-04", "不扣沙")], stats[("甲市", "2026-04", "扣沙")]
    pm10_kept, pm25_kept = Fraction(29 * 40 + 600, 30), Fraction(29 * 20 + 150, 30)
    assert (kept["pm10"], kept["pm2_5"]) == (str(round(pm10_kept)), str(round(pm25_kept))) == ("59", "24")
    assert (cut["pm10"], cut["pm2_5"]) == ("40", "20")
    for row in (kept, cut):
        assert (row["valid_days"], row["good_days"], row["good_day_ratio"], row["days_level6"]) == \
            ("30", "29", ratio(29, 30), "1")
    rest = Fraction(10, 60) + Fraction(20, 40) + Fraction(1, 2) / 4 + Fraction(60, 160)  # SO2, NO2, CO p95, O3 p90
    assert kept["composite_index"] == format(float(round(rest + pm10_kept / 60 + pm25_kept / 30, 2)), ".2f") == "2.96"
    assert cut["composite_index"] == format(float(round(rest + Fraction(40, 60) + Fraction(20, 30), 2)), ".2f") == "2.50"
    assert (kept["so2"], kept["co_p95"], kept["o3_8h_p90"]) == (cut["so2"], cut["co_p95"], cut["o3_8h_p90"])


def test_default_area_mapping_is_the_registry_and_resolves_feed_codes(tmp_path):
    """Without --areas the registry's mapping is used (docs/cli.md); the feed's station codes (2594A) are
    resolved to the registry's ids, and an --areas file written with codes gives the same figures."""
    feed = Path(__file__).resolve().parents[1] / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
    assert run(str(feed), "--period-stats", str(tmp_path / "default.csv")).exit_code == 0
    default = pl.read_csv(tmp_path / "default.csv", infer_schema_length=0)
    baoshan = default.filter(pl.col("area") == "保山市", pl.col("period") == "2026-05")
    assert baoshan.height == 1 and baoshan.get_column("valid_days").item() == "31"
    (tmp_path / "codes.csv").write_text("station_id,area\n2594A,保山市\n2595A,保山市\n", encoding="utf-8")
    stations = Path(__file__).resolve().parents[1] / "stations.yaml"
    assert run(str(feed), "--areas", str(tmp_path / "codes.csv"), "--stations", str(stations),
               "--period-stats", str(tmp_path / "codes_out.csv")).exit_code == 0
    codes = pl.read_csv(tmp_path / "codes_out.csv", infer_schema_length=0).filter(pl.col("period") == "2026-05")
    cols = ["valid_days", "so2", "no2", "pm10", "pm2_5", "co_p95", "o3_8h_p90", "good_days", "good_day_ratio",
            "composite_index"]
    assert codes.select(cols).row(0) == baoshan.select(cols).row(0)


def test_printed_decimals_come_from_the_standards_tables(files, tmp_path, monkeypatch):
    """The CLI writes each figure with the decimals its standards table gives (HJ 633
    ``rounding.concentration``, HJ 663 statistics, good-day ratio and composite index), not with a literal
    of its own: an overlay of HJ 663-2013 saying 3 decimals for the composite index and 2 for the
    good-day ratio changes what is written, and nothing else."""
    from publisher import standards
    from publisher.standards import DATA_DIR

    d = files["dir"]

    def period_rows() -> list[dict[str, str]]:
        out = d / "ps.csv"
        result = run(str(files["in"]), "--areas", str(files["areas"]), "--period-stats", str(out), "--period", "month")
        assert result.exit_code == 0, result.output
        return pl.read_csv(out, infer_schema_length=0).to_dicts()

    shipped = period_rows()
    assert all(len(r["composite_index"].split(".")[1]) == 2 for r in shipped if r["composite_index"])
    assert all(len(r["good_day_ratio"].split(".")[1]) == 1 for r in shipped if r["good_day_ratio"])
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    text = (DATA_DIR / "hj663-2013.yaml").read_text(encoding="utf-8")
    assert "  ratio_decimals: 1\n" in text and "  decimals: 2\n  components:" in text
    (overlay / "hj663-2013.yaml").write_text(text.replace("  ratio_decimals: 1\n", "  ratio_decimals: 2\n")
                                             .replace("  decimals: 2\n  components:", "  decimals: 3\n  components:"),
                                             encoding="utf-8")
    monkeypatch.setenv(standards.EXTRA_ENV, str(overlay))
    standards.reload()
    try:
        changed = period_rows()
    finally:
        monkeypatch.delenv(standards.EXTRA_ENV)
        standards.reload()
    assert [r["composite_index"] for r in changed if r["composite_index"]] and \
        all(len(r["composite_index"].split(".")[1]) == 3 for r in changed if r["composite_index"])
    assert all(len(r["good_day_ratio"].split(".")[1]) == 2 for r in changed if r["good_day_ratio"])
    for before, after in zip(shipped, changed):
        assert {k: v for k, v in before.items() if k not in ("composite_index", "good_day_ratio")} == \
            {k: v for k, v in after.items() if k not in ("composite_index", "good_day_ratio")}
        if before["composite_index"]:   # the same figure, one more decimal
            assert abs(float(before["composite_index"]) - float(after["composite_index"])) <= 0.005
