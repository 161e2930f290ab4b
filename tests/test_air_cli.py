"""``publisher evaluate air`` end to end: real CSV files in, real CSV files out, numbers equal to the
evaluate.air functions' own results."""
from __future__ import annotations

import datetime as dt
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
