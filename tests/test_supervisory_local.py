"""A local discharge standard kept as data in the workspace (``<home>/standards/``): it judges a unit's results
through the ordinary registry, ingest and quarterly bulletin, the bulletin cites it, and a malformed file is
refused with the file, the key, the reason and a stable code. The standard below is a test fixture (its number
and values are made up for the test), not a real provincial standard."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from publisher import paths, registry as registry_mod, standards
from publisher.cli import cli
from publisher.errors import RegistryError
from publisher.evaluate import discharge
from publisher.ingest.pipeline import ingest
from publisher.paths import DEFAULT_STATIONS, Workspace
from publisher.standards.local import LocalStandardError

LOCAL = """\
meta:
  id: DB53-T0001-2026
  family: db53-t0001
  number: DB53/T 0001-2026
  title_zh: 某行业水污染物排放标准（测试样例）
  effective_from: 2026-01-01
  effective_to: null
  sources: []
  confidence: confirmed_2plus
medium: wastewater
dimensions:
  class: [直接排放, 间接排放]
tables:
  - id: table1
    clause: DB53/T 0001-2026 表1 水污染物排放限值
    columns: {dimension: class, values: [直接排放, 间接排放]}
    rows:
      - {seq: 1, item: ph, kind: range, range: [6, 9]}
      - {seq: 2, item: cod, limits: [60, 300]}
      - {seq: 3, item: nh3_n, limits: [8, 25]}
      - {seq: 4, item: tp, limits: [1, null]}
"""

UNIT = """\
  - id: dairy-test
    name: 保山市某乳业有限公司（测试）
    credit_code: "91530500000000001E"
    industry: 乳制品制造
    city: 保山市
    county: 隆阳区
    lists: [水]
    outlets:
      - {id: DW001, name: 废水总排放口, type: wastewater,
         standards: [{standard: DB53/T 0001-2026, class: 直接排放, from: 2026-01-01}]}
"""

HEADER = "单位名称,排放口,监测日期,项目,实测浓度,含氧量,流量,单位,水温\n"
RESULTS = HEADER + "\n".join([
    "保山市某乳业有限公司（测试）,DW001,2026-08-11,pH值,7.2,,800,无量纲,",
    "保山市某乳业有限公司（测试）,DW001,2026-08-11,化学需氧量,60,,800,mg/L,",       # = 60: compliant
    "保山市某乳业有限公司（测试）,DW001,2026-08-11,氨氮,9.2,,800,mg/L,",            # 9.2 / 8 − 1 = 0.15
]) + "\n"


@pytest.fixture()
def home(tmp_path) -> Path:
    """A workspace with the local standard, a registry naming it, and an inbox."""
    home = tmp_path / "home"
    (home / "standards").mkdir(parents=True)
    (home / "inbox").mkdir()
    (home / "standards" / "db53-t0001-2026.yaml").write_text(LOCAL, encoding="utf-8")
    text = DEFAULT_STATIONS.read_text(encoding="utf-8")
    (home / "stations.yaml").write_text(text[:text.index("\nunits:")] + "\nunits:\n" + UNIT, encoding="utf-8")
    yield home
    paths._ACTIVE.pop("home", None)     # later tests open their own workspaces
    standards.reload()


def test_the_local_table_is_found_by_its_number_and_judges_at_its_limits(home):
    Workspace(home)
    standards.reload()
    (table,) = standards.local_tables()
    assert (table.id, table.family, table.citation) == (
        "DB53-T0001-2026", "db53-t0001", "DB53/T 0001-2026《某行业水污染物排放标准（测试样例）》")
    for name in ("DB53/T 0001-2026", "DB53/T0001-2026", "db53/t 0001", "DB53／T 0001-2026", "db53-t0001"):
        assert discharge.family_of(name) == "db53-t0001", name
    assert discharge.medium_of("db53-t0001") == "wastewater"
    outlet = {"outlet_id": "o", "standard": "DB53/T 0001-2026", "class": "直接排放"}
    samples = pl.DataFrame([
        {"outlet_id": "o", "sampled_at": dt.datetime(2026, 8, 11, 10), "item": item, "value": value}
        for item, value in [("cod", 60.0), ("cod", 60.1), ("nh3_n", 8.0), ("nh3_n", 9.2), ("ph", 9.0), ("ph", 9.1),
                            ("tp", 1.0)]])
    judged = discharge.evaluate(samples, [outlet])
    assert judged["status"].to_list() == ["compliant", "exceeding", "compliant", "exceeding", "compliant",
                                          "exceeding", "compliant"]
    assert judged["exceed_multiple"][3] == pytest.approx(0.15)
    assert judged["clause"][0] == "DB53/T 0001-2026 表1 水污染物排放限值 序号2"
    assert judged["standard_number"][0] == "DB53/T 0001-2026"
    # 间接排放 sets no TP limit ("null"): not judged, as a "—" in a shipped table
    indirect = discharge.evaluate(samples.tail(1), [{**outlet, "class": "间接排放"}])
    assert indirect["reason"].to_list() == ["NO_LIMIT_FOR_COLUMN"]
    # before the table's effective date there is no version to judge by
    early = discharge.evaluate(samples.head(1).with_columns(pl.lit(dt.datetime(2025, 12, 31)).alias("sampled_at")),
                               [outlet])
    assert early["reason"].to_list() == ["STANDARD_NOT_IN_FORCE"]


def test_a_unit_on_a_local_standard_through_ingest_and_the_quarterly_bulletin(home):
    (home / "inbox" / "监督性监测_2026Q3.csv").write_text(RESULTS, encoding="utf-8")
    ws = Workspace(home)
    standards.reload()
    reg = registry_mod.load(ws.stations)
    [result] = ingest(None, ws, reg)
    assert result.status == "accepted", result.errors
    runner = CliRunner()
    built = runner.invoke(cli, ["build", "--home", str(home), "--period", "2026-Q3", "--kind", "supervisory",
                                "--workers", "1"])
    assert built.exit_code == 0, built.output
    folder = home / "output" / "supervisory" / "2026-Q3"
    doc = json.loads((folder / "bulletin.json").read_text(encoding="utf-8"))
    assert [e["key"] for e in doc["exceedances"]] == ["supervisory:dairy-test:DW001:nh3_n:2026-08-11"]
    assert "DB53/T 0001-2026" in doc["exceedances"][0]["detail"] and "超标0.15倍" in doc["exceedances"][0]["detail"]
    rows = pl.read_csv(folder / "data.csv", infer_schema=False)
    cod = rows.filter(pl.col("项目") == "化学需氧量").row(0, named=True)
    assert (cod["标准限值"], cod["达标情况"], cod["执行标准"]) == ("60", "达标", "DB53/T 0001-2026")
    html = (folder / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert "DB53/T 0001-2026《某行业水污染物排放标准（测试样例）》" in text     # the bulletin cites it
    checked = runner.invoke(cli, ["check"], env={"PUBLISHER_HOME": str(home)})
    assert "standards: local DB53/T 0001-2026《某行业水污染物排放标准（测试样例）》" in checked.output


BAD = [
    ("replace: {a: [1, 2}", "", "local_standard_unreadable"),
    (LOCAL.replace("  number: DB53/T 0001-2026\n", ""), "meta.number", "local_standard_missing_key"),
    (LOCAL.replace("  id: DB53-T0001-2026", "  id: GB13271-2014"), "meta.id", "local_standard_replaces_shipped"),
    (LOCAL.replace("  family: db53-t0001", "  family: gb18918"), "meta.family", "local_standard_replaces_shipped"),
    (LOCAL.replace("item: nh3_n", "item: ammonia"), "tables[0].rows[2].item", "local_standard_unknown_item"),
    (LOCAL.replace("item: nh3_n", "item: so2"), "tables[0].rows[2].item", "local_standard_unknown_item"),
    (LOCAL.replace("limits: [60, 300]", "limits: [六十, 300]"), "tables[0].rows[1].limit", "local_standard_bad_value"),
    (LOCAL.replace("limits: [60, 300]", "limits: [60]"), "tables[0].rows[1].limits", "local_standard_bad_value"),
    (LOCAL.replace("range: [6, 9]", "range: [9, 6]"), "tables[0].rows[0].range", "local_standard_bad_value"),
    (LOCAL.replace("{seq: 2,", "{seq: 2, colour: red,"), "tables[0].rows[1].colour", "local_standard_unknown_key"),
    (LOCAL.replace("effective_from: 2026-01-01", "effective_from: 下月"), "meta.effective_from",
     "local_standard_bad_value"),
    (LOCAL.replace("medium: wastewater", "medium: noise"), "medium", "local_standard_bad_value"),
]


@pytest.mark.parametrize("text,key,code", BAD, ids=[b[2] + ":" + (b[1] or "yaml") for b in BAD])
def test_a_malformed_local_standard_is_refused_naming_file_key_and_code(home, text, key, code):
    path = home / "standards" / "db53-t0001-2026.yaml"
    path.write_text(text, encoding="utf-8")
    Workspace(home)
    standards.reload()
    with pytest.raises(LocalStandardError) as caught:
        standards.all_tables()
    error = caught.value
    assert (error.path, error.key, error.code) == (path, key, code)
    assert str(path) in str(error) and f"({code})" in str(error) and "本地排放标准" in str(error)
    assert re.search(r"[\u4e00-\u9fff]", error.reason)          # the reason is in Chinese
    if key != "meta.id":
        return
    # the command line refuses it in one line, exit status 1, and builds nothing
    result = CliRunner().invoke(cli, ["build", "--home", str(home), "--period", "2026-Q3", "--kind", "supervisory",
                                      "--workers", "1"])
    assert result.exit_code == 1 and f"({code})" in result.output and str(path) in result.output
    assert not (home / "output" / "supervisory" / "2026-Q3" / "bulletin.json").exists()


def test_an_oversized_local_standard_is_refused_unread(home):
    path = home / "standards" / "big.yaml"
    path.write_text("# " + "x" * (300 * 1024) + "\n" + LOCAL, encoding="utf-8")
    Workspace(home)
    standards.reload()
    with pytest.raises(LocalStandardError) as caught:
        standards.all_tables()
    assert caught.value.code == "local_standard_unreadable" and "过大" in caught.value.reason


# --------------------------------------------------------------------------------------------- status, schedule
DEMO_Q3 = HEADER + "\n".join([
    "保山市中心城区污水处理厂（样例）,DW001,2026-08-05,化学需氧量,30,,21000,mg/L,23",
    "91530500000000004P,DA001,2026-08-13,二氧化硫,80,9.0,412000,mg/m3,",
]) + "\n"


def test_status_and_the_schedule_plan_the_quarter_of_the_registry_units(tmp_path, monkeypatch):
    home = tmp_path / "ws"
    (home / "inbox").mkdir(parents=True)
    (home / "schedule.yaml").write_text("kinds: [supervisory]\n", encoding="utf-8")
    (home / "inbox" / "监督性监测_2026Q3.csv").write_text(DEMO_Q3, encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_HOME", str(home))
    runner = CliRunner()
    try:
        # before the ingest the plan lists the quarterly job: ingest, then remind the monitoring stations
        planned = runner.invoke(cli, ["schedule", "plan", "--now", "2026-10-09 10:00", "--json"])
        assert planned.exit_code == 0, planned.output
        actions = json.loads(planned.stdout)
        assert [(a["kind"], a.get("bulletin"), a.get("period")) for a in actions] == [
            ("ingest", None, None), ("remind", "supervisory", "2026-Q3"), ("build", "supervisory", "2026-Q3")]
        assert "7 个排放口缺数据" in actions[1]["reason"]
        assert runner.invoke(cli, ["ingest"]).exit_code == 0
        shown = runner.invoke(cli, ["status", "--period", "2026-Q3", "--json"])
        assert shown.exit_code == 0, shown.output
        report = json.loads(shown.stdout)
        entry = next(b for b in report["bulletins"] if b["kind"] == "supervisory")
        # the deadline is the catalogue's (next_month_day: 10 → 2026-10-10, a Saturday that is a working day)
        assert (entry["period"], entry["deadline"], entry["stations"], entry["ready"]) == ("2026-Q3", "2026-10-10", 7, False)
        assert sorted(w["station_id"] for w in entry["waiting_for"]) == sorted([
            "wwtp-tengchong/DW001", "mine-longling/DW001", "chem-shidian/DA001", "chem-shidian/DW001",
            "food-longyang/DA001"])
        assert {k: report["supervisory"][k] for k in ("units", "outlets", "units_monitored", "outlets_monitored")} \
            == {"units": 6, "outlets": 7, "units_monitored": 2, "outlets_monitored": 2}
        text = runner.invoke(cli, ["status", "--period", "2026-Q3"]).output
        assert "等待 5 个排放口" in text and "名录 6 家 7 个排放口，已有结果 2 家 2 个排放口" in text
        # a month of the quarter shows the same quarter's supervisory plan
        monthly = json.loads(runner.invoke(cli, ["status", "--period", "2026-08", "--json"]).stdout)
        assert next(b for b in monthly["bulletins"] if b["kind"] == "supervisory")["period"] == "2026-Q3"
    finally:
        paths._ACTIVE.pop("home", None)
        standards.reload()


# --------------------------------------------------------------------------------------------- alerts
def test_supervisory_exceedances_raise_alerts_at_ingest_and_a_correction_closes_one(tmp_path):
    from publisher.operations import alerts
    from tests.test_supervisory import HEADER as SV_HEADER, Q3

    ws = Workspace(tmp_path / "home")
    ws.inbox.mkdir(parents=True)
    try:
        (ws.inbox / "q3.csv").write_text(Q3, encoding="utf-8")
        [result] = ingest(None, ws, registry_mod.load())
        assert result.status == "accepted"
        rows = [r for r in alerts.listing(ws) if r["rule"] == "supervisory_exceedance"]
        assert sorted((r["station_id"], r["time"], r["state"]) for r in rows) == [
            ("mine-longling/DW001", "2026-08-12 00:00", "open"),
            ("power-longyang/DA001", "2026-08-13 00:00", "open"),
            ("wwtp-tengchong/DW001", "2026-08-07 00:00", "open")]
        power = next(r for r in rows if r["station_id"] == "power-longyang/DA001")
        # the alert says what the bulletin says: converted 225 against GB 13223-2011's 200, 0.12 times over
        assert "二氧化硫折算浓度225mg/m³，超过GB 13223-2011限值200mg/m³，超标0.12倍" in power["message_zh"]
        assert (power["value"], power["limit"]) == (225.0, 200.0)
        # the same file again raises nothing new; a correction of the power unit's SO2 closes its alert
        (ws.inbox / "更正.csv").write_text(
            SV_HEADER + "91530500000000004P,DA001,2026-08-13,二氧化硫,150,9.0,412000,mg/m3,\n", encoding="utf-8")
        [again] = ingest(None, ws, registry_mod.load())
        assert again.status == "accepted"
        after = {r["station_id"]: r["state"] for r in alerts.listing(ws) if r["rule"] == "supervisory_exceedance"}
        assert after == {"mine-longling/DW001": "open", "power-longyang/DA001": "closed",
                         "wwtp-tengchong/DW001": "open"}
    finally:
        paths._ACTIVE.pop("home", None)


# --------------------------------------------------------------------------------------------- the public site
def test_the_published_supervisory_bulletin_appears_in_its_site_column(tmp_path, monkeypatch):
    from publisher.publishing import signing
    from tests.publishing_helpers import LEADER, LEADER_ROLE, REVIEW_ROLE, REVIEWER, TOKEN, running_portal

    monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
    monkeypatch.delenv("PUBLISHER_PORTAL", raising=False)
    monkeypatch.delenv("PUBLISHER_OUTPUT", raising=False)
    ws = Workspace(tmp_path / "home")
    ws.inbox.mkdir(parents=True)
    try:
        (ws.inbox / "q3.csv").write_text(DEMO_Q3, encoding="utf-8")
        assert [r.status for r in ingest(None, ws, registry_mod.load())] == ["accepted"]
        signing.instance_key(ws.home)

        def run(*args: str) -> str:
            result = CliRunner().invoke(cli, [*args, "--home", str(ws.home)], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            return result.output

        base = ("--kind", "supervisory", "--period", "2026-Q3")
        run("build", "--period", "2026-Q3", "--kind", "supervisory", "--workers", "1")
        with running_portal(tmp_path / "portal", ws, site_root=ws.output / "site") as portal:
            run("approve", *base, "--by", REVIEWER, "--role", REVIEW_ROLE)
            run("approve", *base, "--by", LEADER, "--role", LEADER_ROLE)
            assert "已发布" in run("publish", *base, "--portal", portal.url)
            assert "未发现失效链接" in run("site", "build")
        index = json.loads((ws.output / "site" / "index.json").read_text(encoding="utf-8"))
        (item,) = index["items"]
        assert (item["kind"], item["period"]) == ("supervisory", "2026-Q3")
        assert item["disclosure"]["topic"] == "生态环境／污染源监管"
        column = (ws.output / "site" / "pollution-sources" / "index.html").read_text(encoding="utf-8")
        assert "监督性监测季报" in column and "重点排污单位监督性监测结果" in column
    finally:
        paths._ACTIVE.pop("home", None)


@pytest.mark.parametrize("raw,value,text", [("12000", 12.0, "12"), ("180", 180.0, "180"), ("0.05L", 0.05, "0.05L"),
                                            ("<1", 1.0, "<1"), ("12.0", 12.0, "12.0"), ("", 0.5, "0.5"),
                                            ("350", 0.35, "0.35")])
def test_the_measured_value_prints_in_the_standards_unit(raw, value, text):
    """A value the ingest converted (μg/m³ → mg/m³) prints in the unit of the limit beside it, never as written."""
    from publisher.bulletins.supervisory import results as sv

    assert sv.measured_text(raw, value) == text


def test_the_demo_power_unit_reports_mercury_and_opacity_and_every_result_is_judged(tmp_path):
    """The sample power unit's 汞 and 烟气黑度 are judged against GB 13223-2011 (no longer 未判定)."""
    from publisher.bulletins.supervisory import results as sv
    from publisher.demo import supervisory as demo_supervisory
    from publisher.store import Store

    reg = registry_mod.load()
    ws = Workspace(tmp_path / "home")
    ws.inbox.mkdir(parents=True)
    try:
        demo_supervisory.write(ws.inbox, reg, ["2026-08"], "样例_", "样例数据", 1)
        assert [r.status for r in ingest(None, ws, reg)] == ["accepted"]
        judged = sv.judge(Store(ws).supervisory("2026-07-01", "2026-09-30"), reg)
        assert judged.filter(pl.col("status") == "not_judged").is_empty()
        power = {r["item"]: r for r in judged.filter(pl.col("outlet_id") == "power-longyang/DA001").to_dicts()}
        assert (power["mercury_air"]["converted"], power["mercury_air"]["limit"], power["mercury_air"]["status"]) == \
            (pytest.approx(0.0042 * 15 / 12), 0.03, "compliant")
        assert (power["opacity"]["limit_kind"], power["opacity"]["converts"], power["opacity"]["status"]) == \
            ("grade", False, "compliant")
    finally:
        paths._ACTIVE.pop("home", None)


LOCAL_AIR = """\
meta:
  id: DB53-T0002-2026
  family: db53-t0002
  number: DB53/T 0002-2026
  title_zh: 某地锅炉大气污染物排放标准（测试样例）
  effective_from: 2026-03-01
  confidence: single_source
medium: flue_gas
dimensions:
  fuel: [coal, gas]
oxygen_reference:
  clause: "DB53/T 0002-2026 5.2 基准含氧量"
  items: [particulate, nox]
  values:
    - {fuel: gas, percent: 3.5}
tables:
  - id: table1
    clause: DB53/T 0002-2026 表1 锅炉大气污染物排放浓度限值
    columns: {dimension: fuel, values: [coal, gas]}
    rows:
      - {seq: 1, item: particulate, limits: [10, 5]}
      - {seq: 2, item: nox, limits: [null, 50]}
      - {seq: 3, item: opacity, kind: grade, limit: 1}
"""


def test_a_local_flue_gas_standard_converts_to_its_own_reference_oxygen(home):
    (home / "standards" / "db53-t0002-2026.yaml").write_text(LOCAL_AIR, encoding="utf-8")
    Workspace(home)
    standards.reload()
    assert discharge.medium_of(discharge.family_of("DB53/T 0002-2026")) == "flue_gas"
    outlet = {"outlet_id": "b", "standard": "DB53/T 0002-2026", "fuel": "gas"}
    samples = pl.DataFrame([
        {"outlet_id": "b", "sampled_at": dt.datetime(2026, 8, 11, 10), "item": item, "value": value, "o2": o2}
        for item, value, o2 in [("nox", 40.0, 7.0), ("nox", 41.0, 7.0), ("particulate", 4.0, 3.5), ("opacity", 2.0, 7.0)]])
    judged = discharge.evaluate(samples, [outlet])
    # 40 × (21 − 3.5)/(21 − 7) = 50 = the limit; 41 × 1.25 = 51.25 → 0.025; opacity is a grade, never converted
    assert judged["converted"].to_list() == [pytest.approx(50.0), pytest.approx(51.25), pytest.approx(4.0), 2.0]
    assert judged["status"].to_list() == ["compliant", "exceeding", "compliant", "exceeding"]
    assert judged["exceed_multiple"][1] == pytest.approx(0.025)
    assert judged["o2_reference"].to_list()[:3] == [3.5, 3.5, 3.5]
    # a wastewater outlet may not be assigned a flue-gas standard
    text = DEFAULT_STATIONS.read_text(encoding="utf-8")
    bad = UNIT.replace("DB53/T 0001-2026, class: 直接排放", "DB53/T 0002-2026")
    (home / "stations.yaml").write_text(text[:text.index("\nunits:")] + "\nunits:\n" + bad, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        registry_mod.load(home / "stations.yaml")
    assert "DB53/T 0002-2026 judges 废气, but the outlet is 废水" in str(caught.value)


def test_a_local_standard_that_expands_through_yaml_aliases_is_refused(home):
    """A few kilobytes of aliases would otherwise stand for thousands of rows to check and to judge with."""
    columns = "columns: {dimension: class, values: [直接排放, 间接排放]}"
    first = f"  - {{id: t, clause: x, {columns}, rows: &r [" + ", ".join(["{item: cod, limits: [60, 300]}"] * 200) + "]}"
    more = "\n".join(f"  - {{id: t{n}, clause: x, {columns}, rows: *r}}" for n in range(30))
    path = home / "standards" / "db53-t0001-2026.yaml"
    path.write_text(LOCAL[:LOCAL.index("tables:")] + "tables:\n" + first + "\n" + more + "\n", encoding="utf-8")
    assert path.stat().st_size < 16 * 1024            # 31 tables of 200 rows: 6200 rows from 10 KB
    Workspace(home)
    standards.reload()
    with pytest.raises(LocalStandardError) as caught:
        standards.all_tables()
    assert (caught.value.key, caught.value.code) == ("tables", "local_standard_too_large")
    assert "6200 行" in caught.value.reason
