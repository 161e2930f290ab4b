"""Reading files into the canonical frames: layouts, encodings, workbooks, value forms, findings."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from publisher.errors import InputError
from publisher.paths import PROJECT_DIR
from publisher.ingest import FileRejected, parse_file, read_air_files, read_water_files
from tests.ingest_helpers import reg

# the repository keeps a copy of the real feed; the water reference file is copied into tests/data/reference
FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
WATER_REF = Path(__file__).resolve().parent / "data" / "reference" / "water_cnemc_auto_surface_20260204_part_a.csv"


def test_english_wide_air_and_hour_label(tmp_path):
    p = tmp_path / "air.csv"
    p.write_text("station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
                 "air-2594A,2026-05-01 00:00,5,10,0.5,60,40,20\n"
                 "air-2594A,2026-05-01 01:00,6,11,0.6,61,/,NA\n", encoding="utf-8")
    end = read_air_files([p])
    assert end.columns[:8] == ["station_id", "time", "so2", "no2", "co", "o3", "pm10", "pm2_5"]
    assert end["time"].to_list() == [dt.datetime(2026, 5, 1, 0), dt.datetime(2026, 5, 1, 1)]
    assert end.schema["co"] == pl.Float64
    assert end["not_monitored"].to_list() == [None, "pm10"]
    assert end["pm2_5"].to_list() == [20.0, None]
    start = read_air_files(p, hour_label="start")
    assert start["time"].to_list() == [dt.datetime(2026, 5, 1, 1), dt.datetime(2026, 5, 1, 2)]


def test_chinese_air_headers_and_unit_conversion(tmp_path):
    p = tmp_path / "空气.csv"
    p.write_text("站点名称,监测时间,二氧化硫(μg/m³),二氧化氮(μg/m³),一氧化碳(μg/m³),臭氧(μg/m³),PM₁₀(mg/m³),PM2.5\n"
                 "市环境监测站,2026/5/1 10:00,5,10,800,60,0.04,20\n", encoding="utf-8")
    df = read_air_files(p, registry=reg())
    row = df.row(0, named=True)
    assert row["station_id"] == "air-2594A"  # resolved from the station's name
    assert row["co"] == pytest.approx(0.8) and row["pm10"] == pytest.approx(40)


def test_real_feed_read():
    df = read_air_files(FEED, registry=reg())
    assert df.height == 133_444
    assert df["platform_aqi"].count() == 127_258
    assert df["station_id"].str.starts_with("air-").all()
    first = df.filter((pl.col("station_id") == "air-2594A") & (pl.col("time") == dt.datetime(2026, 2, 26, 20)))
    assert first.select("pm10", "pm2_5", "o3", "no2", "so2", "co", "platform_aqi").row(0) == (
        50.0, 40.0, 89.0, 8.0, 7.0, 0.4, 57)
    assert first["platform_primary"][0] == "细颗粒物(PM2.5)"
    assert df.filter(pl.col("not_monitored").is_not_null())["not_monitored"].unique().to_list() == ["co"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_water_encodings(tmp_path, encoding):
    p = tmp_path / "水质.csv"  # the name says nothing about the encoding
    text = ("断面名称,采样时间,水体类型,氨氮(mg/L),pH值,总磷（mg/L）,铜(μg/L)\n"
            "北庙水库,2026-05-08 09:30,湖库,0.02L,7.6,<0.01,5\n")
    if encoding == "gb18030":
        text = text.replace("北庙水库", "北庙水库") + "龙王塘,2026-05-08,湖库,0.1,7.1,0.02,ND\n"
        text = text.replace("pH值", "pH值")
    p.write_bytes(text.encode(encoding))
    df = read_water_files(p, registry=reg())
    rows = {(r["station_id"], r["item"]): r for r in df.iter_rows(named=True)}
    nh3 = rows[("src-beimiao", "nh3_n")]
    assert nh3["below_dl"] and nh3["value"] == pytest.approx(0.02)
    assert rows[("src-beimiao", "tp")]["below_dl"]
    assert rows[("src-beimiao", "cu")]["value"] == pytest.approx(0.005)  # µg/L → mg/L
    assert rows[("src-beimiao", "ph")]["value"] == 7.6
    assert nh3["waterbody_type"] == "lake"


def test_gb18030_only_characters(tmp_path):
    # 𠀀 is outside GBK: only GB18030 decodes it
    p = tmp_path / "x.csv"
    p.write_bytes("断面名称,采样时间,氨氮(mg/L),备注\n北庙水库,2026-05-08,0.1,𠀀\n".encode("gb18030"))
    parsed = parse_file(p, registry=reg())
    assert parsed.encoding == "gb18030" and not parsed.findings.errors


def test_english_wide_water_layout(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("station_id,sampled_at,waterbody_type,ph,do,codmn,nh3_n,tp\n"
                 "src-beimiao,2026-05-08,lake,7.5,8.1,2.0,0.15,0.02\n", encoding="utf-8")
    df = read_water_files(p)
    assert sorted(df["item"].to_list()) == ["codmn", "do", "nh3_n", "ph", "tp"]
    assert df.columns == ["station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type"]


def test_long_layout_with_units_and_detection_limit(tmp_path):
    p = tmp_path / "long.csv"
    p.write_text("点位名称,监测时间,监测项目,监测值,单位,检出限\n"
                 "北庙水库,2026-05-08,氨氮,0.5,mg/L,\n"
                 "北庙水库,2026-05-08,铜,ND,μg/L,1\n"
                 "北庙水库,2026-05-08,总磷,未检出,,\n", encoding="utf-8")
    parsed = parse_file(p, registry=reg())
    assert not parsed.findings.errors
    assert [w.code for w in parsed.findings.warnings] == ["below_dl_no_limit"]
    rows = {r["item"]: r for r in parsed.frame.iter_rows(named=True)}
    assert rows["cu"]["below_dl"] and rows["cu"]["value"] == pytest.approx(0.001)
    assert rows["tp"]["below_dl"] and rows["tp"]["value"] is None
    assert rows["nh3_n"]["source_row"] == 2


def test_xlsx_title_rows_merged_cells_two_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws1 = wb.active
    ws1.title = "五月"
    ws1.append(["保山市集中式饮用水水源水质监测结果"])
    ws1.merge_cells("A1:F1")
    ws1.append(["监测单位：保山站", None, None, "报送日期：2026-06-02"])
    ws1.merge_cells("A2:C2")
    ws1.append(["断面名称", "采样时间", "水体类型", "氨氮(mg/L)", "pH值", "总磷(mg/L)"])
    ws1.append(["北庙水库", dt.datetime(2026, 5, 8, 10), "湖库", 0.05, 7.2, "0.01L"])
    ws1.append(["龙王塘", "2026-05-09", "湖库", 0.12, 7.9, 0.02])
    ws2 = wb.create_sheet("补充")
    ws2.append(["补充监测"])
    ws2.append(["点位名称", "采样日期", "溶解氧(mg/L)"])
    ws2.append(["龙泉门", "2026-05-10", 8.4])
    wb.create_sheet("说明").append(["本表由监测站填报"])
    p = tmp_path / "水源.xlsx"
    wb.save(p)
    parsed = parse_file(p, registry=reg())
    assert not parsed.findings.errors, [f.message for f in parsed.findings.errors]
    df = parsed.frame
    assert set(df["station_id"]) == {"src-beimiao", "src-longwangtang", "src-longquanmen"}
    nh3 = df.filter((pl.col("station_id") == "src-beimiao") & (pl.col("item") == "nh3_n")).row(0, named=True)
    assert nh3["source_row"] == 4 and nh3["source_sheet"] == "五月"
    assert nh3["sampled_at"] == dt.datetime(2026, 5, 8, 10)
    do = df.filter(pl.col("item") == "do").row(0, named=True)
    assert do["source_sheet"] == "补充" and do["source_row"] == 3
    assert "skipped_sheet" in [w.code for w in parsed.findings.warnings]


def test_error_message_names_file_sheet_row_column_reason_and_code(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["断面名称", "采样时间", "氨氮(mg/L)"])
    ws.append(["北庙水库", "2026-05-08", "0.1"])
    ws.append(["北庙水库", "2026-05-09", "高"])
    p = tmp_path / "错.xlsx"
    wb.save(p)
    with pytest.raises(InputError) as info:
        read_water_files(p, registry=reg())
    message = str(info.value)
    for part in ("错.xlsx", "工作表“数据”", "第 3 行", "“氨氮(mg/L)”列", "无法识别", "[non_numeric]"):
        assert part in message
    assert isinstance(info.value, FileRejected) and info.value.codes == ["non_numeric"]


def test_unknown_station_kept_for_evaluation_but_rejected_for_the_store(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("station_id,time,so2,no2,co,o3,pm10,pm2_5\nMY-SITE,2026-05-01 01:00,5,10,0.5,60,40,20\n")
    assert read_air_files(p, registry=reg())["station_id"].to_list() == ["MY-SITE"]
    strict = parse_file(p, registry=reg(), unknown_stations="error")
    assert [f.code for f in strict.findings.errors] == ["unknown_station"]


def test_unknown_station_suggests_the_closest(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("断面名称,采样时间,氨氮(mg/L)\n北庙水车,2026-05-08,0.1\n")
    found = parse_file(p, registry=reg(), unknown_stations="error").findings.errors[0]
    assert found.code == "unknown_station" and "北庙水库" in found.message


def test_value_forms_and_platform_tokens(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text("station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
                 "air-2594A,2026-05-01 01:00,--,—,NA,/,,１２\n", encoding="utf-8")
    row = read_air_files(p).row(0, named=True)
    assert [row[c] for c in ("so2", "no2", "co", "o3", "pm10")] == [None] * 5
    assert row["pm2_5"] == 12.0 and row["not_monitored"] == "o3"


def test_warnings_are_kept_apart_from_errors(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
                 "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,80\n"
                 "air-2594A,2026-05-01 02:00,5,10,0.5,60,40,1200\n"
                 "air-2594A,2026-05-01 02:00,5,10,0.5,60,40,1200\n")
    parsed = parse_file(p)
    assert not parsed.findings.errors
    assert {w.code for w in parsed.findings.warnings} == {"suspicious_value", "duplicate_same", "pm25_gt_pm10"}
    assert parsed.frame.height == 2


def test_reference_water_file_reports_its_yearless_times():
    parsed = parse_file(WATER_REF)
    codes = {f.code for f in parsed.findings.errors}
    assert codes == {"bad_time"}  # "02-04 11:00" has no year: refused, not guessed
    assert "02-04 11:00" in parsed.findings.errors[0].message
