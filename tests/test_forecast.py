"""The air-quality forecast the bureau receives: an ingest format like the others (docs/data-formats.md).

A valid file is stored (kind ``forecast``) and read back by day; a file with any wrong row is rejected
whole, quarantined with a report naming the file, row, column and reason, and nothing stored changes.
The daily report shows the latest forecast issued on or before its day.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.ingest import parse_file
from publisher.ingest.pipeline import ingest
from publisher.store import Store

from ingest_helpers import make_ws, reg, tree_hash

HEAD = "发布日期,预报日期,地区,AQI范围,级别,首要污染物\n"
GOOD = HEAD + ("2026-06-10,2026-06-11,保山市,25～45,一级,—\n"
               "2026-06-10,2026-06-12,保山市,30～55,一级～二级,O₃\n"
               "2026-06-10,2026-06-13,保山市,40-60,优～良,臭氧\n"
               "2026-06-10,2026-06-11,腾冲市,20～40,一级,\n")


def _write(ws, name: str, text: str, encoding: str = "utf-8"):
    path = ws.inbox / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_forecast_file_is_stored_and_read_back_by_day(tmp_path):
    ws = make_ws(tmp_path)
    _write(ws, "预报.csv", GOOD)
    [result] = ingest(None, ws, reg())
    assert (result.status, result.kind, result.rows) == ("accepted", "forecast", 4)
    frame = Store(ws).forecasts(dt.date(2026, 6, 11), dt.date(2026, 6, 13))
    rows = {(r["area"], r["date"].date()): r for r in frame.to_dicts()}
    assert rows[("保山市", dt.date(2026, 6, 12))]["aqi_low"] == 30
    assert rows[("保山市", dt.date(2026, 6, 12))]["level_low"] == 1
    assert rows[("保山市", dt.date(2026, 6, 12))]["level_high"] == 2
    assert rows[("保山市", dt.date(2026, 6, 13))]["primary_pollutant"] == "o3"
    assert rows[("腾冲市", dt.date(2026, 6, 11))]["primary_pollutant"] == ""
    # a later forecast for the same days: the daily report of a day shows the one issued on or before it
    later = HEAD + "2026-06-11,2026-06-12,保山市,60～80,二级,O₃\n"
    _write(ws, "预报2.csv", later)
    [second] = ingest(None, ws, reg())
    assert second.status == "accepted"
    store = Store(ws)
    by_10 = store.forecasts(dt.date(2026, 6, 12), dt.date(2026, 6, 12), issued_by=dt.date(2026, 6, 10))
    by_11 = store.forecasts(dt.date(2026, 6, 12), dt.date(2026, 6, 12), issued_by=dt.date(2026, 6, 11))
    assert by_10.filter(by_10["area"] == "保山市")["aqi_low"].to_list() == [30]
    assert by_11.filter(by_11["area"] == "保山市")["aqi_low"].to_list() == [60]


@pytest.mark.parametrize("row, code, column", [
    ("2026-06-10,2026-06-11,保山市,60～40,二级,O₃", "bad_aqi_range", "AQI范围"),
    ("2026-06-10,2026-06-11,保山市,40～600,二级,O₃", "bad_aqi_range", "AQI范围"),
    ("2026-06-10,2026-06-11,保山市,很好,二级,O₃", "bad_aqi_range", "AQI范围"),
    ("2026-06-10,2026-06-11,保山市,40～60,二级,O₃", "forecast_level_mismatch", "级别"),
    ("2026-06-10,2026-06-11,保山市,40～60,好,O₃", "bad_level", "级别"),
    ("2026-06-10,2026-06-11,火星市,40～60,一级～二级,O₃", "unknown_area", "地区"),
    ("2026-06-10,2026-06-11,,40～60,一级～二级,O₃", "missing_area", "地区"),
    ("2026-06-10,2026-06-11,保山市,40～60,一级～二级,沙子", "unknown_pollutant", "首要污染物"),
    ("2026-06-10,2026-06-11,保山市,20～40,一级,O₃", "forecast_primary_when_good", "首要污染物"),
    ("2026-06-10,2026-06-10,保山市,20～40,一级,—", "forecast_not_ahead", "预报日期"),
    ("2026-06-10,2026-13-11,保山市,20～40,一级,—", "bad_time", "预报日期"),
    (",2026-06-11,保山市,20～40,一级,—", "missing_time", "发布日期"),
])
def test_a_wrong_row_rejects_the_file_naming_row_column_and_reason(tmp_path, row, code, column):
    ws = make_ws(tmp_path)
    _write(ws, "good.csv", GOOD)
    ingest(None, ws, reg())
    before = tree_hash(ws.store)
    _write(ws, "bad.csv", GOOD.replace("2026-06-10,2026-06-11,腾冲市,20～40,一级,\n", "") + row + "\n")
    [result] = ingest(None, ws, reg())
    assert result.status == "rejected"
    found = [e for e in result.errors if e["code"] == code]
    assert found, result.errors
    assert found[0]["row"] == 5 and found[0]["column"] == column
    assert "bad.csv" in found[0]["message"] and "第 5 行" in found[0]["message"]
    assert tree_hash(ws.store) == before                       # nothing stored changes
    quarantined = list(ws.quarantine.glob("*bad.csv"))
    assert quarantined and quarantined[0].with_name(quarantined[0].name + ".错误报告.txt").exists()


def test_a_forecast_without_its_issue_day_or_level_is_refused(tmp_path):
    ws = make_ws(tmp_path)
    path = _write(ws, "f.csv", "预报日期,地区,AQI范围,首要污染物\n2026-06-11,保山市,20～40,—\n")
    parsed = parse_file(path, registry=reg(), unknown_stations="error")
    assert [f.code for f in parsed.findings.errors] == ["forecast_missing_column"]
    assert "发布日期、级别" in parsed.findings.errors[0].message


def test_conflicting_rows_of_one_forecast_are_refused(tmp_path):
    ws = make_ws(tmp_path)
    path = _write(ws, "f.csv", GOOD + "2026-06-10,2026-06-11,保山市,30～50,一级,—\n")
    parsed = parse_file(path, registry=reg(), unknown_stations="error")
    assert [f.code for f in parsed.findings.errors] == ["duplicate_conflict"]
    assert parsed.findings.errors[0].row == 6 and parsed.findings.errors[0].other == 2


def test_gbk_file_and_english_headers_through_the_command(tmp_path, monkeypatch):
    ws = make_ws(tmp_path)
    _write(ws, "预报_gbk.csv", GOOD.replace("O₃", "O3").replace("～", "-"), encoding="gbk")
    _write(ws, "forecast_en.csv", "issued,date,area,aqi_low,aqi_high,level,primary_pollutant\n"
                                  "2026-06-10,2026-06-14,施甸县,55,80,二级,PM2.5\n")
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    out = CliRunner().invoke(cli, ["ingest", "--json", "-q"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["summary"]["accepted"] == 2
    frame = Store(ws).forecasts(dt.date(2026, 6, 14), dt.date(2026, 6, 14))
    assert frame.to_dicts()[0]["primary_pollutant"] == "pm2_5"


def test_monitoring_data_with_area_and_aqi_columns_is_not_taken_for_a_forecast(tmp_path):
    """The national feed has ``area`` and ``aqi`` columns too: its station column says it is monitoring data."""
    ws = make_ws(tmp_path)
    path = _write(ws, "feed.csv", "timepoint,stationcode,area,date,aqi,so2\n2026-06-10T0100,2594A,保山市,2026-06-10,20,5\n")
    parsed = parse_file(path, registry=reg(), unknown_stations="error")
    assert parsed.kind == "air"
