"""The exceedance-explanation gate through the command line: what each kind reports as exceeding, the
first review step refused until every exceedance is explained and printed, ``publisher explain`` and the
rebuild that prints 超标情况说明 on the page and in the PDF; the demo's desk accounts."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.bulletins import exceedances
from publisher.store import Store
from tests import desk_helpers as dh


# ----------------------------------------------------------------------------- what is reported
def test_water_sources_item_by_item():
    context = {"rows": [
        {"station_id": "s1", "name": "北庙水库", "missing": False, "compliant": False, "class_zh": "Ⅳ",
         "target": "Ⅲ", "exceedances": "总磷/0.5、pH值"},
        {"station_id": "s2", "name": "青龙水库", "missing": False, "compliant": True, "class_zh": "Ⅱ", "target": "Ⅲ",
         "exceedances": ""},
        {"station_id": "s3", "name": "未监测", "missing": True, "compliant": None}]}
    found = exceedances.water_sources(context)
    assert [e.key for e in found] == ["source:s1:tp", "source:s1:ph"]
    assert found[0].subject == "北庙水库" and "总磷超标0.5倍" in found[0].detail and "水质目标Ⅲ类" in found[0].detail


def test_water_sections_missing_target_or_worst_class():
    context = {"rows": [
        {"station_id": "a", "name": "甲断面", "missing": False, "compliant": False, "class_zh": "Ⅴ", "target_zh": "Ⅳ",
         "exceedances": "化学需氧量/0.1"},
        {"station_id": "b", "name": "乙断面", "missing": False, "compliant": None, "class_zh": "劣Ⅴ", "water_class": 6},
        {"station_id": "c", "name": "丙断面", "missing": False, "compliant": True, "class_zh": "Ⅱ"}],
        "lake_points": [{"station_id": "d", "name": "湖心", "missing": False, "compliant": False, "class_zh": "Ⅳ",
                         "target": "Ⅲ", "main_pollutants": "总磷/0.2"}]}
    found = exceedances.water_sections(context)
    assert [e.key for e in found] == ["section:a", "section:b", "section:d"]
    assert "化学需氧量（0.1倍）" in found[0].detail and "劣Ⅴ" in found[1].detail


def test_air_monthly_heavy_pollution_days():
    day = {"date": "2026-01-05", "aqi": 230, "category": "重度污染", "level": 5, "primary": "PM₂.₅", "invalid": ""}
    context = {"areas": [
        {"id": "baoshan", "name": "保山市", "days": [day, {**day, "date": "2026-01-06", "level": 4, "aqi": 180},
                                                      {**day, "date": "2026-01-07", "level": 6, "aqi": 320,
                                                       "category": "严重污染"}]},
        {"id": "tengchong", "name": "腾冲市", "days": [{**day, "level": 2, "aqi": 60}]}]}
    found = exceedances.air_monthly(context)
    assert [e.key for e in found] == ["heavy:baoshan"]
    assert "重污染天数2天" in found[0].detail and "1月5日" in found[0].detail and "1月7日" in found[0].detail


# ----------------------------------------------------------------------------- the gate, on the command line
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return dh.build_workspace(tmp_path_factory.mktemp("explain") / "home")


@pytest.fixture
def ws(built, tmp_path):
    return dh.clone(built, tmp_path / "home")


def _cli(ws, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PUBLISHER_HOME": str(ws.home)}
    env.pop("PUBLISHER_OUTPUT", None)
    program = Path(sys.executable).with_name("publisher")   # the installed console script
    return subprocess.run([str(program), *args], capture_output=True, text=True, env=env, cwd=ws.home, timeout=600)


def _approve(ws, by: str, role: str) -> subprocess.CompletedProcess:
    return _cli(ws, "approve", "--kind", dh.KIND, "--period", dh.PERIOD, "--by", by, "--role", role)


def test_first_step_refused_until_every_exceedance_is_explained_and_printed(ws):
    listed = _cli(ws, "explain", "--kind", dh.KIND, "--period", dh.PERIOD)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == dh.EXCEEDANCES
    assert listed.stdout.count("[未说明]") == 3

    refused = _approve(ws, "审核人甲", "保密审查员")
    assert refused.returncode == 1 and "[unexplained_exceedance]" in refused.stderr and "东河河图" in refused.stderr
    store = Store(ws)
    assert store.approvals() == []

    # bad explanations change nothing
    for args, code in ((["--key", "section:nowhere", "--cause", "a", "--measures", "b"], "unknown_exceedance"),
                       (["--key", dh.EXCEEDANCES[0], "--cause", " \u200b ", "--measures", "b"], "missing_cause"),
                       (["--key", dh.EXCEEDANCES[0], "--cause", "a", "--measures", "x" * 2001], "text_too_long")):
        result = _cli(ws, "explain", "--kind", dh.KIND, "--period", dh.PERIOD, *args)
        assert result.returncode == 1 and f"[{code}]" in result.stderr, result.stderr
    assert len(store.bulletins(kind=dh.KIND)) == 1

    for n, key in enumerate(dh.EXCEEDANCES[:2]):
        done = _cli(ws, "explain", "--kind", dh.KIND, "--period", dh.PERIOD, "--key", key,
                    "--cause", f"上游来水<i>{n}</i>偏差", "--measures", "已开展溯源排查")
        assert done.returncode == 0, done.stderr
        assert f"第{n + 2}版" in done.stdout
    last = _cli(ws, "explain", "--kind", dh.KIND, "--period", dh.PERIOD, "--key", dh.EXCEEDANCES[2],
                "--cause", "雨季面源污染", "--measures", "已督促整改", "--by", "监测站乙", "--no-build")
    assert last.returncode == 0, last.stderr
    refused = _approve(ws, "审核人甲", "保密审查员")
    assert refused.returncode == 1 and "[explanation_not_printed]" in refused.stderr
    assert store.approvals() == []

    built = _cli(ws, "build", "--period", dh.PERIOD, "--kind", dh.KIND)
    assert built.returncode == 0, built.stderr
    first = _approve(ws, "审核人甲", "保密审查员")
    assert first.returncode == 0, first.stderr
    second = _approve(ws, "审核人乙", "分管局领导")
    assert second.returncode == 0 and "审核已完成" in second.stdout

    latest = store.bulletins(kind=dh.KIND)[-1]
    assert latest["revision"] == 4
    decisions = store.approvals(int(latest["id"]))
    assert [d["via"] for d in decisions] == ["cli", "cli"] and all(d["os_user"] for d in decisions)
    folder = Path(latest["output_dir"])
    document = json.loads((folder / "bulletin.json").read_text(encoding="utf-8"))
    assert [e["key"] for e in document["explanations"]] == dh.EXCEEDANCES
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert page.index("超标情况说明") < page.index("雨季面源污染")
    assert "&lt;i&gt;0&lt;/i&gt;" in page and "<i>0</i>" not in page
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(folder / "bulletin.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "超标情况说明" in text and "雨季面源污染" in text
    from publisher.publishing import explanations

    entries = {e["key"]: e for e in explanations.entries(store)}
    assert entries[dh.EXCEEDANCES[2]]["entered_by"] == "监测站乙" and entries[dh.EXCEEDANCES[2]]["via"] == "cli"
    # the listing now says every one is explained
    listed = _cli(ws, "explain", "--kind", dh.KIND, "--period", dh.PERIOD)
    assert listed.stdout.count("[已说明]") == 3


def test_a_bulletin_without_exceedances_is_not_held(tmp_path):
    from tests import publishing_helpers as ph

    ws = ph.build_workspace(tmp_path / "home")
    document = json.loads((ph.folder(ws) / "bulletin.json").read_text(encoding="utf-8"))
    assert document["exceedances"] == [] and document["explanations"] == []
    assert "超标情况说明" not in (ph.folder(ws) / "index.html").read_text(encoding="utf-8")
    from publisher.publishing.approval import decide

    assert decide(ws, ph.KIND, ph.PERIOD, by="甲", role="保密审查员").recorded


# ----------------------------------------------------------------------------- the demo's accounts
def test_demo_prints_a_desk_account_per_role_that_signs_in(built, tmp_path, capsys):
    from publisher.demo import DEMO_ACCOUNTS, _desk
    from publisher.desk import create_app

    ws = dh.clone(built, tmp_path / "demo")
    _desk(ws, f"PUBLISHER_HOME={ws.home}")
    out = capsys.readouterr().out
    assert "publisher desk serve" in out
    app = create_app(ws)
    for name, role in DEMO_ACCOUNTS:
        found = re.search(rf"{role}\s+账户 {name}  密码 (\S+)", out)
        assert found, (name, out)
        assert dh.login(app.test_client(), name, found.group(1)).status_code == 302


def test_the_alerts_page_lists_the_alerts_of_the_ingest(built):
    """预警: the alerts the ingest raised (publisher.operations.alerts.listing), open ones by default."""
    from publisher.desk import create_app
    from publisher.operations import alerts

    rows = alerts.listing(built, open_only=True)
    assert rows, "the sample sections that miss their targets raise alerts at ingest"
    client = create_app(built).test_client()
    assert dh.login(client, dh.REVIEWER).status_code == 302
    page = client.get("/alerts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ">预警</a>" in html
    assert html.count("<tr class=\"open\">") == len(rows)
    for row in rows[:5]:
        assert str(row["station_name"]) in html
    assert client.get("/alerts?all=1").status_code == 200
