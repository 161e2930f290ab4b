"""The sample-data generator: deterministic, complete over the window, in the staff layouts."""
from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

from publisher.demo import sample
from publisher.cli import cli

MONTHS = sample._months(*sample.WINDOW)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    sample.generate(folder)
    return folder


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def read_csv(path: Path, encoding: str = "utf-8") -> pl.DataFrame:
    text = path.read_bytes().decode(encoding)
    return pl.read_csv(io.StringIO(text), infer_schema_length=0)


def test_window_is_twenty_two_months_across_the_standard_change():
    assert MONTHS[0] == "2025-01" and MONTHS[-1] == "2026-10" and len(MONTHS) == 22
    assert "2026-02" in MONTHS and "2026-03" in MONTHS


def test_two_runs_write_identical_bytes(out, tmp_path):
    sample.generate(tmp_path)
    assert files(tmp_path) == files(out)


def test_a_sub_range_writes_the_same_bytes_as_the_full_run(out, tmp_path):
    sample.generate(tmp_path, "2026-05", "2026-05", with_real_air=False)
    written = files(tmp_path)
    assert written and all("2026-05" in name for name in written)
    full = files(out)
    assert all(full[name] == data for name, data in written.items())


def test_every_month_is_covered_and_every_file_is_labelled(out):
    names = [p.name for p in out.iterdir()]
    for month in MONTHS:
        for kind in ("地表水_国控断面.csv", "地表水_省控断面.csv", "湖库_北海湖.xlsx", "饮用水源_城市地表水.xlsx",
                     "饮用水源_城市地下水_长表.csv", "空气_县城站.csv", "空气_腾冲市城区站.csv"):
            assert f"样例数据_{month}_{kind}" in names, (month, kind)
    quarterly = sorted(n[5:12] for n in names if "饮用水源_县级" in n)
    assert quarterly == ["2025-02", "2025-05", "2025-08", "2025-11", "2026-02", "2026-05", "2026-08"]
    # the suppliers' intake: every month for the city sources, after each quarter for the county sources
    assert all(f"样例数据_{month}_取水量_城市水源.csv" in names for month in MONTHS)
    county = sorted(n for n in names if "取水量_县级水源" in n)
    assert county == ["样例数据_2025-03_取水量_县级水源_第1季度.xlsx", "样例数据_2025-06_取水量_县级水源_第2季度.xlsx",
                      "样例数据_2025-09_取水量_县级水源_第3季度.xlsx", "样例数据_2025-12_取水量_县级水源_第4季度.xlsx",
                      "样例数据_2026-03_取水量_县级水源_第1季度.xlsx", "样例数据_2026-06_取水量_县级水源_第2季度.xlsx",
                      "样例数据_2026-09_取水量_县级水源_第3季度.xlsx"]
    assert all(n.startswith("样例数据_") for n in names if not n.endswith(".gz"))
    assert "air_cnemc_seed_cities_2026.csv.gz" in names


def test_gbk_csv_with_chinese_headers(out):
    path = out / "样例数据_2026-05_地表水_省控断面.csv"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    frame = read_csv(path, "gbk")
    assert frame.columns[:5] == ["断面名称", "采样时间", "水温(℃)", "pH值", "溶解氧(mg/L)"]
    assert "氨氮(mg/L)" in frame.columns and frame["备注"].unique().to_list() == ["样例数据"]
    assert frame.height == 7


def test_xlsx_has_a_merged_title_row_above_the_header(out):
    book = openpyxl.load_workbook(out / "样例数据_2026-05_饮用水源_城市地表水.xlsx")
    sheet = book.active
    assert sheet["A1"].value == "保山市中心城市集中式生活饮用水水源水质监测数据（样例数据）2026年5月"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert any(r.startswith("A1:") for r in merged) and any(r.startswith("A3:") for r in merged)
    header = [c.value for c in sheet[4]]
    # current plans: Table 1 without 化学需氧量 (23), Table 2 (5), the 33 优选特定项目 = 61; lake and reservoir sources
    # add chlorophyll a and transparency
    assert header[:2] == ["点位名称", "采样时间"] and len(header) == 2 + 23 + 2 + 5 + 33
    assert "锰(mg/L)" in header and "苯并(a)芘(mg/L)" in header
    assert "化学需氧量(mg/L)" not in header and "叶绿素a(mg/m³)" in header and "透明度(m)" in header
    assert {sheet.cell(row, 1).value for row in (5, 6)} == {"北庙水库", "龙王塘"}


def test_below_detection_limits_are_written_with_L(out):
    text = (out / "样例数据_2026-05_地表水_国控断面.csv").read_text(encoding="utf-8")
    assert re.search(r",0\.0+\d+L,", text)
    long = read_csv(out / "样例数据_2026-05_饮用水源_城市地下水_长表.csv")
    assert long.columns == ["station", "time", "item", "value", "unit"]
    assert long["value"].str.ends_with("L").any() and long["station"].unique().to_list() == ["龙泉门"]
    county = (out / "样例数据_2026-05_饮用水源_县级_第2季度.csv").read_bytes().decode("gbk")
    assert ",/," in county and "L," in county


def value(frame: pl.DataFrame, station_col: str, station: str, column: str) -> str:
    return frame.filter(pl.col(station_col) == station)[column].item()


def test_water_events(out):
    hetu = read_csv(out / "样例数据_2025-08_地表水_国控断面.csv")
    assert float(value(hetu, "station_id", "sec-donghe-hetu", "nh3_n")) > 1.5  # above Ⅳ
    assert float(value(hetu, "station_id", "sec-donghe-hetu", "tp")) > 0.3
    sheet = openpyxl.load_workbook(out / "样例数据_2025-09_饮用水源_城市地表水.xlsx").active
    header = [c.value for c in sheet[4]]
    mn = {sheet.cell(r, 1).value: sheet.cell(r, header.index("锰(mg/L)") + 1).value for r in (5, 6)}
    assert mn["北庙水库"] > 0.1


def tli(chla: float, tp: float, tn: float, sd: float, codmn: float) -> float:
    parts = {"chla": (0.2663, 10 * (2.5 + 1.086 * math.log(chla))),
             "tp": (0.1879, 10 * (9.436 + 1.624 * math.log(tp))),
             "tn": (0.1790, 10 * (5.453 + 1.694 * math.log(tn))),
             "sd": (0.1834, 10 * (5.118 - 1.94 * math.log(sd))),
             "codmn": (0.1834, 10 * (0.109 + 2.661 * math.log(codmn)))}
    return sum(w * v for w, v in parts.values())


def test_one_lake_point_is_light_eutrophic_in_summer(out):
    sheet = openpyxl.load_workbook(out / "样例数据_2026-07_湖库_北海湖.xlsx").active
    header = [c.value for c in sheet[3]]
    col = {name: header.index(name) for name in header}
    found = {}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        found[row[0]] = tli(row[col["叶绿素a(mg/m³)"]], row[col["总磷(mg/L)"]], row[col["总氮(mg/L)"]],
                            row[col["透明度(m)"]], row[col["高锰酸盐指数(mg/L)"]])
    assert 50 <= found.pop("北海湖码头") < 60
    assert all(30 <= v < 50 for v in found.values())


def air(out: Path) -> pl.DataFrame:
    frames = []
    for path in sorted(out.glob("样例数据_*_空气_县城站.csv")):
        frames.append(read_csv(path))
    for path in sorted(out.glob("样例数据_*_空气_腾冲市城区站.csv")):
        frame = read_csv(path, "gbk").rename({"站点名称": "station_id", "监测时间": "time"})
        frame = frame.rename(dict(zip(frame.columns[2:8], ["so2", "no2", "co", "o3", "pm10", "pm2_5"])))
        frames.append(frame.select("station_id", "time", "so2", "no2", "co", "o3", "pm10", "pm2_5"))
    return (pl.concat(frames)
            .with_columns(pl.col("time").str.to_datetime("%Y-%m-%d %H:%M"),
                          *[pl.col(c).replace({"--": None, "": None}).cast(pl.Float64)
                            for c in ("so2", "no2", "co", "o3", "pm10", "pm2_5")])
            .with_columns((pl.col("time") - pl.duration(hours=1)).dt.date().alias("day")))


@pytest.fixture(scope="module")
def air_frame(out) -> pl.DataFrame:
    return air(out)


def test_air_covers_the_window_hour_ending(air_frame):
    assert air_frame["station_id"].n_unique() == 4
    assert str(air_frame["time"].min()) == "2025-01-01 01:00:00"
    assert str(air_frame["time"].max()) == "2026-11-01 00:00:00"
    per_station = air_frame.group_by("station_id").len()["len"].to_list()
    assert set(per_station) == {(365 + 304) * 24}  # every hour has a row, values may be missing


def test_air_episodes_and_gaps(air_frame):
    daily = air_frame.group_by("station_id", "day").agg(
        pl.col("pm2_5").mean(), pl.col("pm10").mean(), pl.col("pm2_5").count().alias("n"),
        pl.col("o3").count().alias("n_o3"))
    haze = daily.filter(pl.col("day") == dt.date(2026, 1, 15))
    assert haze.height == 4 and (haze["pm2_5"] > 150).all()
    dust = daily.filter(pl.col("day") == dt.date(2026, 4, 8))
    assert (dust["pm10"] > 250).all() and (dust["pm2_5"] / dust["pm10"] < 0.4).all()
    day = daily.filter(pl.col("station_id") == "air-ll-s1")
    assert day.filter(pl.col("day") == dt.date(2025, 11, 12))["n"].item() < 20
    o3 = daily.filter((pl.col("station_id") == "air-sd-s1") & (pl.col("day") == dt.date(2026, 2, 10)))
    assert o3["n_o3"].item() == 0
    # summer is clean, winter is not
    month = air_frame.group_by(pl.col("day").dt.month().alias("m")).agg(pl.col("pm2_5").mean())
    means = dict(month.iter_rows())
    assert means[7] < 15 < means[1]
    # ozone peaks in the afternoon
    hours = air_frame.group_by(pl.col("time").dt.hour().alias("h")).agg(pl.col("o3").mean()).sort("o3")
    assert 13 <= hours["h"][-1] <= 17


def test_cli_writes_a_month(tmp_path):
    result = CliRunner().invoke(cli, ["sample", "--out", str(tmp_path), "--start", "2026-03", "--end", "2026-03",
                                      "--no-real-air"])
    assert result.exit_code == 0, result.output
    assert "样例数据" in result.output
    assert not list(tmp_path.glob("*.gz")) and list(tmp_path.glob("样例数据_2026-03_*"))
    bad = CliRunner().invoke(cli, ["sample", "--out", str(tmp_path), "--start", "2024-01"])
    assert bad.exit_code != 0


def test_intake_files_are_the_suppliers_figures(out):
    # monthly: one row per city source, its month and 取水量(万吨); GBK like the other Chinese CSVs
    frame = read_csv(out / "样例数据_2026-10_取水量_城市水源.csv", "gbk")
    assert frame.columns == ["水源名称", "月份", "取水量(万吨)", "备注"]
    assert set(frame["水源名称"]) == {"北庙水库", "龙王塘", "龙泉门"} and set(frame["月份"]) == {"2026-10"}
    assert frame["备注"].unique().to_list() == ["样例数据"]
    # the volumes move from month to month around the registry's value (not a constant)
    months = [read_csv(out / f"样例数据_{m}_取水量_城市水源.csv", "gbk") for m in MONTHS]
    beimiao = [float(value(f, "水源名称", "北庙水库", "取水量(万吨)")) for f in months]
    assert len(set(beimiao)) > 5 and all(120 < v < 180 for v in beimiao)
    # quarterly: the county sources' quarter, which is the sum of the months the model gives
    sheet = openpyxl.load_workbook(out / "样例数据_2026-09_取水量_县级水源_第3季度.xlsx").active
    assert "样例数据" in sheet["A1"].value
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 8 and rows["大海坝水库"][1] == "2026年第三季度"
    assert 3 * 45 * 0.8 < rows["大海坝水库"][2] < 3 * 45 * 1.2
