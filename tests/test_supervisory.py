"""Supervisory monitoring of key polluting units (监督性监测): the units and outlets of the registry, the result
file through the ordinary ingest (real SQLite ledger and Parquet store), and the quarterly bulletin built through
the CLI, its limits, oxygen conversions, multiples, rates and exceedances pinned to worked numbers."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner

from publisher import polluters, registry as registry_mod
from publisher.bulletins.supervisory import results as sv
from publisher.cli import cli
from publisher.errors import RegistryError
from publisher.ingest.pipeline import ingest
from publisher.paths import DEFAULT_STATIONS, Workspace
from publisher.render import fonts
from publisher.store import Store

HEADER = "单位名称,排放口,监测日期,项目,实测浓度,含氧量,流量,单位,水温\n"
#: one result file of 2026-Q3 whose every figure is worked by hand below
Q3 = HEADER + "\n".join([
    # 一级A municipal plant (GB 18918-2002 表1, built 2010: TP 0.5); NH3-N at 23 ℃ takes the >12℃ limit 5
    "保山市中心城区污水处理厂（样例）,污水总排放口,2026-08-05,pH值,7.10,,21000,无量纲,23",
    "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,化学需氧量,50,,21000,mg/L,23",        # = limit: compliant
    "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,0.52,,21000,mg/L,23",
    "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,总磷,0.32,,21000,mg/L,23",
    "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,阴离子表面活性剂,0.05L,,21000,mg/L,23",
    "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,粪大肠菌群数,460,,21000,个/L,23",
    # 一级B plant built 2005: NH3-N 8 (>12℃) -> 9.6 exceeds by 9.6/8 − 1 = 0.2
    "腾冲市城区污水处理厂（样例）,污水总排放口,2026-08-07,氨氮,9.6,,12000,mg/L,22",
    "腾冲市城区污水处理厂（样例）,污水总排放口,2026-08-07,总磷,1.2,,12000,mg/L,22",          # TP 1.5 (built to 2005)
    # coal power unit, existing (GB 13223-2011 表1): SO2 200, NOx 100, 烟尘 30, reference O2 6 %
    # SO2 180 at O2 9 % -> 180 × 15 / 12 = 225 > 200: 0.125 -> printed 0.12 (half to even)
    "91530500000000004P,1号锅炉烟囱,2026-08-13,二氧化硫,180,9.0,412000,mg/m3,",
    "91530500000000004P,DA001,2026-08-13,氮氧化物,70,9.0,412000,mg/m3,",                 # 87.5 ≤ 100
    "91530500000000004P,DA001,2026-08-13,颗粒物,12.0,9.0,412000,mg/m3,",                 # 15.0 ≤ 30
    # gas boiler, new (GB 13271-2014 表2, gas): NOx 200, reference O2 3.5 %: 145 × 17.5 / 15.5 = 163.709…
    "保山市某食品有限公司（样例）,燃气锅炉烟囱,2026-08-21,氮氧化物,145,5.5,5200,mg/m3,",
    "保山市某食品有限公司（样例）,燃气锅炉烟囱,2026-08-21,烟气黑度,<1,5.5,5200,级,",
    # process stack, new source (GB 16297-1996 表2): no conversion; particulate 120, HCl 100
    "施甸县某化工有限公司（样例）,工艺废气排气筒,2026-08-19,颗粒物,35,17.0,26000,mg/m3,",
    "施甸县某化工有限公司（样例）,工艺废气排气筒,2026-08-19,氯化氢,12000,,26000,μg/m3,",    # 12 mg/m3
    # the mine's process water (GB 8978-1996 一级, built 2008: 表1 + 表4 选矿): Pb 1.0 -> 1.32: 0.32
    "龙陵县某矿业有限公司（样例）,DW001,2026-08-12,总铅,1.32,,1800,mg/L,",
    "龙陵县某矿业有限公司（样例）,DW001,2026-08-12,悬浮物,45,,1800,mg/L,",                  # 表4 选矿 70
]) + "\n"


@pytest.fixture()
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "home")
    ws.inbox.mkdir(parents=True)
    return ws


def write(ws: Workspace, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = ws.inbox / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------------------------- registry
def test_sample_units_and_outlets_load_marked_sample():
    reg = registry_mod.load()
    assert [u.id for u in reg.units] == ["wwtp-longyang", "wwtp-tengchong", "mine-longling", "power-longyang",
                                         "chem-shidian", "food-longyang"]
    assert all(u.sample and "样例" in u.name for u in reg.units)
    chem = reg.unit("施甸县某化工有限公司（样例）")
    assert [(o.key, o.type) for o in chem.outlets] == [("chem-shidian/DA001", "flue_gas"),
                                                       ("chem-shidian/DW001", "wastewater")]
    assert reg.unit("91530500000000004P").id == reg.unit("power-longyang").id == "power-longyang"
    assert chem.outlet("废水总排放口") is chem.outlet("DW001")
    outlet = reg.unit("wwtp-longyang").outlet("DW001")
    assert outlet.assignment_on(dt.date(2024, 12, 31)) is None
    index, assignment = outlet.assignment_on(dt.date(2026, 8, 5))
    assert (index, assignment.standard, assignment.cls) == (0, "GB 18918-2002", "一级A")


@pytest.mark.parametrize("code,ok", [
    ("91330100799655058B", True), ("9144030071526726XG", True), ("91110000802100433B", True),
    ("91530500000000001E", True), ("91530500000000001F", False), ("9153050000000000IE", False),
    ("9153050000000001E", False),
])
def test_credit_code_check_character_gb32100(code, ok):
    assert (polluters.credit_code_problem(code) is None) is ok


def _registry_with(tmp_path: Path, units_yaml: str) -> Path:
    text = DEFAULT_STATIONS.read_text(encoding="utf-8")
    head = text[:text.index("\nunits:")]
    path = tmp_path / "stations.yaml"
    path.write_text(head + "\nunits:\n" + units_yaml, encoding="utf-8")
    return path


def test_every_unit_problem_is_reported_with_its_line(tmp_path):
    path = _registry_with(tmp_path, """\
  - id: a
    name: 甲单位
    credit_code: "91530500000000001F"
    industry: 城镇污水处理
    city: 保山市
    county: 火星县
    lists: [水, 海]
    outlets:
      - {id: DW001, name: 排口, type: wastewater,
         standards: [{standard: GB 13271-2014, from: 2025-01-01}]}
      - {id: DW001, name: 排口二, type: wastewater, standards: [{standard: GB 18918-2002, class: 一级C, from: 2025-01-01}]}
      - {id: DW003, name: 排口三, type: wastewater, standards: [{standard: GB 18918-2002, class: 一级A, from: 2025-01-01},
                                                            {standard: GB 18918-2002, class: 一级B, from: 2025-06-01}]}
      - {id: DA001, name: 烟囱, type: flue_gas, fuel: wood, standards: [{standard: GB 9999-2020, from: 2025-01-01}]}
      - {id: DA002, name: 烟囱二, type: flue_gas, fuel: coal, standards: [{standard: GB 16297-1996, special: true, from: 2025-01-01}]}
      - {id: DA003, name: 烟囱三, type: flue_gas, fuel: coal, equipment: boiler, standards: [{standard: GB 13223-2011, from: 2025-01-01}]}
""")
    with pytest.raises(RegistryError) as caught:
        registry_mod.load(path)
    text = str(caught.value)
    expected = [
        "credit_code '91530500000000001F' is not a 统一社会信用代码: 校验码应为 E",
        "unknown county '火星县'", "unknown list type '海'",
        "GB 13271-2014 judges 废气, but the outlet is 废水",
        "duplicate outlet id 'DW001'", "class '一级C' is not one of GB18918-2002's",
        "standard assignments overlap", "unknown discharge standard 'GB 9999-2020'",
        "GB16297-1996 sets no special limits",
        "GB13223-2011 sets limits by construction date: give the outlet's built_on",
    ]
    for fragment in expected:
        assert fragment in text, fragment
    lines = text.splitlines()[1:]
    assert all(line.startswith(f"{path}:") and int(line.split(":")[1]) > 0 for line in lines)
    # publisher check names the same problems and fails
    result = CliRunner().invoke(cli, ["check", "--stations", str(path)])
    assert result.exit_code == 1
    assert "duplicate outlet id 'DW001'" in result.output


# --------------------------------------------------------------------------------------------- ingest
def test_result_file_is_stored_with_conversions_and_history(ws):
    write(ws, "监督性监测_2026Q3.csv", Q3)
    [result] = ingest(None, ws, registry_mod.load())
    assert (result.status, result.kind, result.rows) == ("accepted", "supervisory", Q3.count("\n") - 1)
    stored = Store(ws).supervisory("2026-07-01", "2026-09-30")
    row = stored.filter((pl.col("outlet_id") == "chem-shidian/DA001") & (pl.col("item") == "hcl")).row(0, named=True)
    assert (row["value"], row["raw"], row["unit_written"]) == (12.0, "12000", "μg/m3")       # μg/m3 -> mg/m3
    las = stored.filter(pl.col("item") == "las").row(0, named=True)
    assert (las["value"], las["below_dl"]) == (0.05, True)
    so2 = stored.filter((pl.col("outlet_id") == "power-longyang/DA001") & (pl.col("item") == "so2")).row(0, named=True)
    assert (so2["unit_id"], so2["o2"], so2["flow"], so2["flow_unit"]) == ("power-longyang", 9.0, 412000.0, None)
    assert stored.filter(pl.col("item") == "nh3_n").sort("outlet_id")["water_temp"].to_list() == [23.0, 22.0]
    assert Store(ws).files()["kind"].to_list() == ["supervisory"]
    # a corrected file restates one result: the latest ingest is current, the first stays as history
    write(ws, "监督性监测_2026Q3_更正.csv", HEADER + "腾冲市城区污水处理厂（样例）,DW001,2026-08-07,氨氮,7.9,,12000,mg/L,22\n")
    [again] = ingest(None, ws, registry_mod.load())
    assert (again.status, again.superseded) == ("accepted", 1)
    now = Store(ws).supervisory("2026-07-01", "2026-09-30")
    assert now.filter((pl.col("outlet_id") == "wwtp-tengchong/DW001") & (pl.col("item") == "nh3_n"))["value"].to_list() == [7.9]
    every = Store(ws).supervisory("2026-07-01", "2026-09-30", all_versions=True)
    assert every.filter(pl.col("item") == "nh3_n").height == 3


def test_o2_as_its_own_row_and_xlsx_with_a_title_row(ws):
    book = xlsxwriter.Workbook(str(ws.inbox / "热电监督性监测.xlsx"))
    sheet = book.add_worksheet("8月")
    sheet.write(0, 0, "保山市重点排污单位监督性监测结果（2026年8月）")
    sheet.write_row(1, 0, ["排污单位名称", "排放口编号", "采样日期", "监测项目", "监测结果", "计量单位"])
    sheet.write_row(2, 0, ["保山市某热电有限公司（样例）", "DA001", "2026-08-13", "SO2", "180", "mg/Nm3"])
    sheet.write_row(3, 0, ["保山市某热电有限公司（样例）", "DA001", "2026-08-13", "含氧量", "9.0", "%"])
    book.close()
    [result] = ingest(None, ws, registry_mod.load())
    assert (result.status, result.rows) == ("accepted", 1), result.errors
    stored = Store(ws).supervisory("2026-08-01", "2026-08-31")
    assert stored.select("item", "value", "o2").rows() == [("so2", 180.0, 9.0)]


@pytest.mark.parametrize("line,code,column", [
    ("某不存在的公司,DW001,2026-08-05,氨氮,1,,,mg/L,", "unknown_unit", "单位名称"),
    (",DW001,2026-08-05,氨氮,1,,,mg/L,", "missing_unit", "单位名称"),
    ("保山市中心城区污水处理厂（样例）,DW009,2026-08-05,氨氮,1,,,mg/L,", "unknown_outlet", "排放口"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,二氧化硫,1,,,mg/L,", "item_wrong_medium", "项目"),
    ("保山市某热电有限公司（样例）,DA001,2026-08-13,二氧化硫,180,21.5,,mg/m3,", "bad_o2", "含氧量"),
    ("保山市某热电有限公司（样例）,DA001,2026-08-13,二氧化硫,,9,,mg/m3,", "missing_result", "实测浓度"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,1,,,kg,", "bad_unit", "单位"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,abc,,,mg/L,", "non_numeric", "实测浓度"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,pH值,15,,,无量纲,", "impossible_value", "实测浓度"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,-1,,,mg/L,", "negative_value", "实测浓度"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,=1+1,,,mg/L,", "formula_cell", "实测浓度"),
    ("保山市中心城区污水处理厂（样例）,DW001,2099-08-05,氨氮,1,,,mg/L,", "future_time", "监测日期"),
    ("保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨化物,1,,,mg/L,", "unknown_item", "项目"),
])
def test_bad_rows_quarantine_the_file_and_leave_the_store_unchanged(ws, line, code, column):
    from tests.ingest_helpers import tree_hash

    write(ws, "good.csv", HEADER + "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,0.5,,,mg/L,23\n")
    ingest(None, ws, registry_mod.load())
    before = tree_hash(ws.store)
    write(ws, "bad.csv", HEADER + "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,总磷,0.3,,,mg/L,23\n" + line + "\n")
    [result] = ingest(None, ws, registry_mod.load())
    assert result.status == "rejected"
    found = [e for e in result.errors if e["code"] == code]
    assert found, result.errors
    assert (found[0]["row"], found[0]["column"]) == (3, column)
    assert f"[{code}]" in found[0]["message"] and "bad.csv" in found[0]["message"]
    assert tree_hash(ws.store) == before
    assert (ws.quarantine / f"{result.sha256[:12]}-bad.csv").is_file()
    report = (ws.home / result.report).read_text(encoding="utf-8")
    assert "第 3 行" in report


def test_conflicting_duplicates_are_refused_and_missing_o2_is_a_warning(ws):
    write(ws, "dup.csv", HEADER + "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,氨氮,0.5,,,mg/L,23\n"
                                  "保山市中心城区污水处理厂（样例）,污水总排放口,2026-08-05,NH3-N,0.6,,,mg/L,23\n")
    [dup] = ingest(None, ws, registry_mod.load())
    assert dup.status == "rejected" and [e["code"] for e in dup.errors] == ["duplicate_conflict"]
    write(ws, "no_o2.csv", HEADER + "保山市某热电有限公司（样例）,DA001,2026-08-13,二氧化硫,180,,,mg/m3,\n"
                                    "施甸县某化工有限公司（样例）,DA001,2026-08-19,二氧化硫,120,,,mg/m3,\n")
    [warned] = ingest(None, ws, registry_mod.load())
    assert warned.status == "accepted"
    # GB 13223 converts SO2, GB 16297 does not: only the power unit's row lacks what it needs
    assert [(w["code"], w["row"]) for w in warned.warnings] == [("o2_missing", 2)]


# --------------------------------------------------------------------------------------------- judging
def _judged(ws: Workspace) -> pl.DataFrame:
    return sv.judge(Store(ws).supervisory("2026-07-01", "2026-09-30"), registry_mod.load())


def test_every_sample_outlet_limit_and_conversion_by_worked_numbers(ws):
    """The limit, clause and reference O2 the bulletin applies to each demo outlet, and the conversions."""
    write(ws, "q3.csv", Q3)
    ingest(None, ws, registry_mod.load())
    judged = _judged(ws)
    got = {(r["outlet_id"], r["item"]): r for r in judged.to_dicts()}

    def check(outlet, item, limit, clause, converted, status, multiple=None, o2_ref=None):
        r = got[(outlet, item)]
        assert r["limit"] == limit, (outlet, item)
        assert r["clause"] == clause
        assert r["converted"] == pytest.approx(converted, abs=1e-9)
        assert r["status"] == status
        assert (r["exceed_multiple"] is None and multiple is None) or r["exceed_multiple"] == pytest.approx(multiple)
        assert r["o2_reference"] == o2_ref

    t1 = "GB 18918-2002 表1 基本控制项目最高允许排放浓度（日均值）"
    check("wwtp-longyang/DW001", "cod", 50, f"{t1} 序号1", 50, "compliant")
    check("wwtp-longyang/DW001", "nh3_n", 5, f"{t1} 序号8", 0.52, "compliant")
    check("wwtp-longyang/DW001", "tp", 0.5, f"{t1} 序号9", 0.32, "compliant")
    check("wwtp-longyang/DW001", "las", 0.5, f"{t1} 序号6", 0.05, "compliant")
    check("wwtp-longyang/DW001", "fecal_coliform", 1000, f"{t1} 序号12", 460, "compliant")
    assert (got[("wwtp-longyang/DW001", "ph")]["limit_low"], got[("wwtp-longyang/DW001", "ph")]["limit_high"]) == (6, 9)
    check("wwtp-tengchong/DW001", "nh3_n", 8, f"{t1} 序号8", 9.6, "exceeding", 0.2)
    check("wwtp-tengchong/DW001", "tp", 1.5, f"{t1} 序号9", 1.2, "compliant")
    t13223 = "GB 13223-2011 表1 火力发电锅炉及燃气轮机组大气污染物排放浓度限值 序号1"
    check("power-longyang/DA001", "so2", 200, t13223, 225, "exceeding", 0.125, 6.0)
    check("power-longyang/DA001", "nox", 100, t13223, 87.5, "compliant", None, 6.0)
    check("power-longyang/DA001", "particulate", 30, t13223, 15, "compliant", None, 6.0)
    t13271 = "GB 13271-2014 表2 新建锅炉大气污染物排放浓度限值"
    check("food-longyang/DA001", "nox", 200, t13271, 145 * 17.5 / 15.5, "compliant", None, 3.5)
    check("food-longyang/DA001", "opacity", 1, t13271, 1, "compliant")
    t16297 = "GB 16297-1996 表2 新污染源大气污染物排放限值（最高允许排放浓度） 序号"
    check("chem-shidian/DA001", "particulate", 120, f"{t16297}3", 35, "compliant")   # measured, O2 ignored
    check("chem-shidian/DA001", "hcl", 100, f"{t16297}4", 12, "compliant")
    check("mine-longling/DW001", "total_pb", 1.0, "GB 8978-1996 表1 第一类污染物最高允许排放浓度（4.2.1.1 在车间或车间处理设施排放口采样） 序号7",
          1.32, "exceeding", 0.32)
    check("mine-longling/DW001", "ss", 70, "GB 8978-1996 表4 第二类污染物最高允许排放浓度（1998年1月1日后建设的单位） 序号3",
          45, "compliant")


@pytest.mark.parametrize("multiple,text", [(0.125, "0.12"), (0.135, "0.14"), (0.2, "0.20"), (0.004, "<0.01"),
                                           (0.005, "<0.01"), (0.0051, "0.01"), (2.345, "2.34"), (None, None)])
def test_multiples_print_two_decimals_half_to_even(multiple, text):
    assert sv.multiple_text(multiple) == text


@pytest.mark.parametrize("converted,raw,limit,text", [
    (225.0, "180", 200.0, "225"), (163.70967741935485, "145", 200.0, "164"), (15.0, "12.0", 30.0, "15.0"),
    (200.4, "160", 200.0, "200.4"), (200.0, "160", 200.0, "200"), (50.04, "40.0", 50.0, "50.04"),
])
def test_converted_values_keep_the_measured_decimals_and_never_look_equal_to_the_limit(converted, raw, limit, text):
    assert sv.converted_text(converted, raw, limit) == text


def test_results_without_a_standard_on_their_day_are_not_judged(tmp_path, ws):
    path = _registry_with(tmp_path, """\
  - {id: late, name: 乙单位, credit_code: "91530500000000001E", industry: 食品制造, city: 保山市, county: 隆阳区,
     lists: [水], outlets: [{id: DW001, name: 排口, type: wastewater, built_on: 2010-01-01,
       standards: [{standard: GB 8978-1996, class: 一级, from: 2026-09-01}]}]}
""")
    reg = registry_mod.load(path)
    write(ws, "r.csv", HEADER + "乙单位,DW001,2026-08-05,化学需氧量,30,,,mg/L,\n乙单位,DW001,2026-09-05,化学需氧量,130,,,mg/L,\n")
    [result] = ingest(None, ws, reg)
    assert result.status == "accepted"
    assert [w["code"] for w in result.warnings] == ["outlet_no_standard"]
    judged = sv.judge(Store(ws).supervisory("2026-07-01", "2026-09-30"), reg).sort("sampled_at")
    assert judged.select("status", "reason").rows() == [("not_judged", sv.NO_ASSIGNMENT), ("exceeding", None)]
    assert judged["limit"].to_list()[1] == 100     # 表4 COD 其他排污单位 一级: 130 / 100 − 1 = 0.3
    assert judged["exceed_multiple"].to_list()[1] == pytest.approx(0.3)


# --------------------------------------------------------------------------------------------- bulletin
def test_quarterly_bulletin_through_the_cli(ws):
    write(ws, "q3.csv", Q3)
    ingest(None, ws, registry_mod.load())
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--home", str(ws.home), "--period", "2026-Q3", "--kind", "supervisory"])
    assert result.exit_code == 0, result.output
    folder = ws.output / "supervisory" / "2026-Q3"
    doc = json.loads((folder / "bulletin.json").read_text(encoding="utf-8"))
    figures = doc["figures"]
    assert doc["title"] == "保山市2026年第三季度重点排污单位监督性监测结果"
    # 6 units, 6 outlets monitored; exceeding: the 一级B plant, the power unit, the mine
    assert figures["summary"]["units"] == {"monitored": 6, "judged": 6, "compliant": 3, "exceeding": 3,
                                           "not_judged": 0, "rate": 50.0}
    assert figures["summary"]["outlets"]["monitored"] == 6 and figures["summary"]["outlets"]["compliant"] == 3
    assert [e["key"] for e in doc["exceedances"]] == [
        "supervisory:wwtp-tengchong:DW001:nh3_n:2026-08-07",
        "supervisory:mine-longling:DW001:total_pb:2026-08-12",
        "supervisory:power-longyang:DA001:so2:2026-08-13"]
    power = next(e for e in doc["exceedances"] if "power" in e["key"])
    assert "折算浓度225mg/m³" in power["detail"] and "标准限值200" in power["detail"] and "超标0.12倍" in power["detail"]
    assert "超标单位3家" in figures["findings"][2]
    rows = pl.read_csv(folder / "data.csv", infer_schema=False)
    so2 = rows.filter((pl.col("单位名称") == "保山市某热电有限公司（样例）") & (pl.col("项目") == "二氧化硫")).row(0, named=True)
    assert (so2["实测浓度"], so2["含氧量（%）"], so2["基准含氧量（%）"], so2["折算浓度"], so2["标准限值"], so2["达标情况"],
            so2["超标倍数"]) == ("180", "9", "6", "225", "200", "超标", "0.12")
    assert (folder / "data.xlsx").is_file() and (folder / "bulletin.pdf").stat().st_size > 10_000
    text = subprocess.run(["pdftotext", "-layout", str(folder / "bulletin.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    for words in ("重点排污单位监督性监测结果", "超标单位名单", "按排放口", "腾冲市城区污水处理厂（样例）", "0.12"):
        assert words in text
    html = (folder / "index.html").read_text(encoding="utf-8")
    page_text = re.sub(r"<[^>]+>", "", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    for line in figures["findings"]:
        assert line in page_text
    assert fonts.find("sans").missing(page_text) == ""          # every character has a glyph in the CJK face
    # as a reader sees it, in a real browser: a drawn page with the red masthead and the red exceedances
    from tests.browser import colour_fraction, ink_fraction, screenshot

    png = screenshot(folder / "index.html", ws.home / "page.png", width=1000, height=3000)
    assert ink_fraction(png) > 0.05, "the page looks blank"
    assert colour_fraction(png, "#B5121B") > 0.0005, "the red masthead is missing"
    # the ledger records it as any bulletin: approval and publication take it from there
    assert [b["kind"] for b in Store(ws).bulletins()] == ["supervisory"]
    again = runner.invoke(cli, ["build", "--home", str(ws.home), "--period", "2026-Q3", "--kind", "supervisory"])
    assert "第1版" in again.output
    base = ["--home", str(ws.home), "--kind", "supervisory", "--period", "2026-Q3"]
    held = runner.invoke(cli, ["approve", *base, "--by", "审核人甲", "--role", "保密审查员"])
    assert held.exit_code == 1 and "[unexplained_exceedance]" in held.output   # the explanation gate
    doc = json.loads((folder / "bulletin.json").read_text(encoding="utf-8"))
    for item in doc["exceedances"]:
        explained = runner.invoke(cli, ["explain", *base, "--key", item["key"], "--cause", "处理设施运行异常",
                                        "--measures", "已责令限期整改并复测", "--no-build"])
        assert explained.exit_code == 0, explained.output
    assert runner.invoke(cli, ["build", *base[:2], "--period", "2026-Q3", "--kind", "supervisory"]).exit_code == 0
    approved = runner.invoke(cli, ["approve", *base, "--by", "审核人甲", "--role", "保密审查员"])
    assert approved.exit_code == 0, approved.output
    history = runner.invoke(cli, ["history", "--home", str(ws.home), "--kind", "supervisory", "--json"])
    assert json.loads(history.output)["revisions"][0]["kind"] == "supervisory"


def test_a_quarter_without_results_still_builds_and_says_so(ws):
    result = CliRunner().invoke(cli, ["build", "--home", str(ws.home), "--period", "2026-Q2", "--kind", "supervisory"])
    assert result.exit_code == 0, result.output
    doc = json.loads((ws.output / "supervisory" / "2026-Q2" / "bulletin.json").read_text(encoding="utf-8"))
    assert doc["figures"]["findings"] == ["2026年第二季度未收到重点排污单位监督性监测结果。"]
    assert doc["exceedances"] == []
    monthly = CliRunner().invoke(cli, ["build", "--home", str(ws.home), "--period", "2026-08", "--kind", "supervisory"])
    assert monthly.exit_code != 0 and "quarterly" in monthly.output


def test_demo_sample_files_give_the_demo_bulletin(ws):
    from publisher.demo import sample

    reg = registry_mod.load()
    written = [w for w in sample.generate(ws.inbox, "2026-07", "2026-09", registry=reg, with_real_air=False)
               if w.what == "supervisory"]
    for other in ws.inbox.iterdir():
        if other not in [w.path for w in written]:
            other.unlink() if other.is_file() else shutil.rmtree(other)
    [result] = ingest(None, ws, reg)
    assert (result.status, result.warnings) == ("accepted", [])
    from publisher.bulletins.build import build

    built = build("supervisory", "2026-Q3", ws, registry=reg)
    doc = json.loads((built.path / "bulletin.json").read_text(encoding="utf-8"))
    assert len(doc["exceedances"]) == 3
    assert doc["figures"]["summary"]["outlets"]["monitored"] == 7
    assert doc["figures"]["sample_banner"].startswith("注意：本期使用的监测数据为样例数据")
