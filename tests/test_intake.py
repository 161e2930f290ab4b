"""The water suppliers' intake files (取水量 per source and month or quarter): read, validated, stored or quarantined
through the ordinary ingest path, with a real SQLite ledger and Parquet store."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import xlsxwriter

from publisher import registry as registry_mod
from publisher.ingest.intake import parse_period
from publisher.ingest.pipeline import ingest
from publisher.paths import Workspace
from publisher.store import Store


@pytest.fixture()
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.inbox.mkdir(parents=True)
    return ws


def write(ws: Workspace, name: str, text: str, encoding: str = "gbk"):
    path = ws.inbox / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("text,unit,expected", [
    ("2026-10", "month", dt.datetime(2026, 10, 1)), ("2026/10", "month", dt.datetime(2026, 10, 1)),
    ("2026年10月", "month", dt.datetime(2026, 10, 1)), ("202610", "month", dt.datetime(2026, 10, 1)),
    ("2026-10-01 00:00:00", "month", dt.datetime(2026, 10, 1)), ("２０２６年１月", "month", dt.datetime(2026, 1, 1)),
    ("2026-Q3", "quarter", dt.datetime(2026, 7, 1)), ("2026Q3", "quarter", dt.datetime(2026, 7, 1)),
    ("2026年第三季度", "quarter", dt.datetime(2026, 7, 1)), ("2026年3季度", "quarter", dt.datetime(2026, 7, 1)),
    ("2026年第一季度", "quarter", dt.datetime(2026, 1, 1)),
    ("2026-13", "month", None), ("十月", "month", None), ("2026-Q5", "quarter", None), ("", "month", None),
])
def test_periods_as_staff_write_them(text, unit, expected):
    assert parse_period(text, unit) == expected


def test_monthly_csv_and_quarterly_xlsx_are_stored(ws):
    write(ws, "取水量_2026-09.csv", "水源名称,月份,取水量(万吨),备注\n北庙水库,2026-09,152.3,\n龙王塘,2026年9月,61.0,\n"
                                  "龙泉门,202609,\"1,029.5\",\n")
    book = xlsxwriter.Workbook(str(ws.inbox / "县级取水量.xlsx"))
    sheet = book.add_worksheet("三季度")
    sheet.merge_range(0, 0, 0, 2, "县级水源取水量统计")
    sheet.write_row(1, 0, ["水源名称", "季度", "取水量(吨)"])
    sheet.write_row(2, 0, ["大海坝水库", "2026年第三季度"])
    sheet.write_number(2, 2, 1386000)          # 吨 -> 138.6 万吨
    book.close()
    results = ingest(None, ws, registry_mod.load())
    assert [(r.name, r.status, r.kind) for r in results] == [("县级取水量.xlsx", "accepted", "intake"),
                                                             ("取水量_2026-09.csv", "accepted", "intake")]
    stored = Store(ws).intake("2026-07-01", "2026-09-30").sort("station_id")
    rows = {(r["station_id"], r["unit"]): r for r in stored.to_dicts()}
    assert rows[("src-beimiao", "month")]["volume"] == 152.3
    assert rows[("src-longquanmen", "month")]["volume"] == 1029.5
    assert rows[("src-dahaiba", "quarter")]["volume"] == pytest.approx(138.6)
    assert rows[("src-dahaiba", "quarter")]["period_start"] == dt.datetime(2026, 7, 1)
    assert rows[("src-beimiao", "month")]["source_row"] == 2 and rows[("src-beimiao", "month")]["source_sha256"]
    # a corrected file replaces the month's value; the earlier version stays in the store
    write(ws, "取水量_2026-09_更正.csv", "水源名称,月份,取水量(万吨)\n北庙水库,2026-09,150.1\n")
    assert [r.status for r in ingest(None, ws, registry_mod.load())] == ["accepted"]
    now = Store(ws).intake("2026-09-01", "2026-09-30", ["src-beimiao"])
    assert now["volume"].to_list() == [150.1]
    assert Store(ws).intake("2026-09-01", "2026-09-30", ["src-beimiao"], all_versions=True).height == 2


BAD = [
    ("水源名称,月份,取水量(万吨)\n北庙水库,2026-09,abc\n", "non_numeric", "第 2 行，“取水量(万吨)”列"),
    ("水源名称,月份,取水量(万吨)\n北庙水库,2026-09,-3\n", "negative_value", "第 2 行"),
    ("水源名称,月份,取水量(万吨)\n北庙水库,2026-09,\n", "missing_value", "第 2 行"),
    ("水源名称,月份,取水量(万吨)\n北庙水库,九月,150\n", "bad_period", "“月份”列"),
    ("水源名称,月份,取水量(万吨)\n北庙水库,2099-09,150\n", "future_time", "“月份”列"),
    ("水源名称,月份,取水量(万吨)\n北苗水库,2026-09,150\n", "unknown_station", "“水源名称”列"),
    ("水源名称,月份,取水量(万吨)\n东河河图,2026-09,150\n", "wrong_station_kind", "国控断面"),
    ("水源名称,月份,取水量\n北庙水库,2026-09,150\n", "bad_unit", "“取水量”列"),
    ("水源名称,月份,取水量(升)\n北庙水库,2026-09,150\n", "bad_unit", "“取水量(升)”列"),
    ("水源名称,月份,季度,取水量(万吨)\n北庙水库,2026-09,2026-Q3,150\n", "bad_layout_value", "期间列"),
    ("水源名称,月份,取水量(万吨)\n北庙水库,2026-09,150\n北庙水库,2026年9月,151\n", "duplicate_conflict", "第 3 行"),
    ("水源名称,月份,取水量(万吨)\n北庙水库,2026-09,=1+1\n", "formula_cell", "第 2 行"),
]


@pytest.mark.parametrize("text,code,where", BAD)
def test_bad_intake_files_are_quarantined_with_the_reason(ws, text, code, where):
    # an earlier good file is in the store: a rejected file changes nothing of it
    write(ws, "good.csv", "水源名称,月份,取水量(万吨)\n龙王塘,2026-08,60.2\n")
    ingest(None, ws, registry_mod.load())
    before = Store(ws).state_key()
    write(ws, "bad.csv", text)
    [result] = ingest(None, ws, registry_mod.load())
    assert result.status == "rejected"
    codes = [e["code"] for e in result.errors]
    assert code in codes, result.errors
    message = next(e["message"] for e in result.errors if e["code"] == code)
    assert "bad.csv" in message and where in message
    quarantined = ws.home / result.destination
    assert quarantined.exists() and not (ws.inbox / "bad.csv").exists()
    report = (ws.home / result.report).read_text(encoding="utf-8")
    assert code in report and "没有写入" in report
    errors = json.loads(quarantined.with_name(quarantined.name + ".errors.json").read_text(encoding="utf-8"))
    assert errors["status"] == "rejected"
    assert Store(ws).state_key() == before
    assert Store(ws).intake("2026-01-01", "2026-12-31")["volume"].to_list() == [60.2]


def test_a_large_volume_is_accepted_with_a_warning(ws):
    write(ws, "big.csv", "水源名称,月份,取水量(万吨)\n北庙水库,2026-09,80000\n")
    [result] = ingest(None, ws, registry_mod.load())
    assert result.status == "accepted"
    assert [w["code"] for w in result.warnings] == ["suspicious_value"]
