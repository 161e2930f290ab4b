"""The annual layer end to end: noise results in, the 2025 annual bulletin (HTML, PDF, DOCX…) and the disclosure
report out, through the command line on a real workspace (SQLite ledger, Parquet store).

The rules themselves are pinned elsewhere and not repeated here: the 323/324-day, February and 2026-03-01 validity
rules in tests/test_annual_validity.py, every noise limit and grade boundary in tests/test_noise.py, every
disclosure identity in tests/test_disclosure.py. This file pins what the annual layer adds on top: the lake's annual
TLI worked by hand, the one sentence on a year across 2026-03-01, the sample year's planned faults as the bulletin
prints them, and a form that does not add up refused with its cell named.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from docx import Document

from publisher import registry as registry_mod
from publisher.bulletins.annual import air as annual_air
from publisher.cli import cli
from publisher.demo import city_air, sample
from publisher.ingest import parse_file
from publisher.paths import PROJECT_DIR, Workspace
from publisher.store import Store


def run(*args: str, home: Path) -> "CliRunner.Result":
    return CliRunner().invoke(cli, list(args), env={"PUBLISHER_HOME": str(home)}, catch_exceptions=False)


@pytest.fixture(scope="module")
def year_ws(tmp_path_factory) -> Workspace:
    """A workspace holding the sample year 2025 (water, city and county air, noise), ingested through the CLI."""
    home = tmp_path_factory.mktemp("annual")
    sample.generate(home / "inbox", "2025-01", "2025-12", with_real_air=False)
    result = run("ingest", home=home)
    assert result.exit_code == 0, result.output
    return Workspace(home)


@pytest.fixture(scope="module")
def built(year_ws) -> Path:
    result = run("build", "--period", "2025", "--kind", "annual", home=year_ws.home)
    assert result.exit_code == 0, result.output
    return year_ws.output / "annual" / "2025"


# --------------------------------------------------------------------------------------------- noise data kind
def test_noise_results_are_stored_with_their_period(year_ws):
    noise = Store(year_ws).noise("2025-01-01", "2025-12-31")
    zones = noise.filter(pl.col("station_id").str.starts_with("nz-"))
    assert sorted(zones["period"].unique().to_list()) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert zones.filter((pl.col("station_id") == "nz-06") & (pl.col("period") == "2025-Q1"))["ln"].to_list() == [57.4]
    grid = noise.filter(pl.col("station_id").str.starts_with("ng-"))
    assert grid.height == 24 and grid.filter(pl.col("station_id") == "ng-17")["ln"].to_list() == [None]
    assert set(noise.filter(pl.col("station_id").str.starts_with("nr-"))["period"]) == {"2025"}


def _noise_csv(tmp_path: Path, body: str, header: str = "点位名称,监测日期,昼间等效声级(dB(A)),夜间等效声级(dB(A)),季度") -> Path:
    path = tmp_path / "噪声.csv"
    path.write_text(header + "\n" + body + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("body, header, code, where", [
    ("市环保局x,2025-02-18,60.1,50.2,", None, "unknown_station", "点位名称"),
    ("北庙水库,2025-02-18,60.1,50.2,", None, "wrong_station_kind", "点位名称"),
    ("功能区九龙路口,2025-02-18,160.1,50.2,", None, "impossible_value", "昼间等效声级(dB(A))"),
    ("功能区九龙路口,2025-02-18,abc,50.2,", None, "non_numeric", "昼间等效声级(dB(A))"),
    ("功能区九龙路口,2025-05-18,60.1,50.2,2025年第一季度", None, "bad_layout_value", "季度"),
    ("功能区九龙路口,2025-02-18,,,", None, "missing_value", "昼间等效声级(dB(A))"),
    ("功能区九龙路口,2025-02-18,60.1,50.2", "点位名称,监测日期,昼间等效声级(mg/L),夜间等效声级(dB(A))", "bad_unit",
     "昼间等效声级(mg/L)"),
])
def test_bad_noise_rows_are_named_by_row_and_column(tmp_path, body, header, code, where):
    path = _noise_csv(tmp_path, body, header or "点位名称,监测日期,昼间等效声级(dB(A)),夜间等效声级(dB(A)),季度")
    parsed = parse_file(path, registry=registry_mod.load())
    errors = [f for f in parsed.findings.errors if f.code == code]
    assert errors, [f.message for f in parsed.findings.errors]
    assert errors[0].column == where and f"[{code}]" in errors[0].message


def test_a_bad_noise_file_is_quarantined_and_the_store_unchanged(year_ws, tmp_path):
    before = Store(year_ws).state_key()
    bad = year_ws.inbox / "噪声_错误.csv"
    bad.write_text("点位名称,监测日期,昼间等效声级(dB(A)),夜间等效声级(dB(A))\n功能区九龙路口,2025-02-18,60.1,abc\n",
                   encoding="utf-8")
    result = run("ingest", home=year_ws.home)
    assert "“夜间等效声级(dB(A))”列：数值 'abc' 无法识别 [non_numeric]" in result.output, result.output
    assert list(year_ws.quarantine.glob("*-噪声_错误.csv")) and not bad.exists()
    assert Store(year_ws).state_key() == before


def _with_station(text: str, line: str) -> str:
    """The registry text with one more station, first in the ``stations:`` list (the file goes on with
    other sections after that list)."""
    head, sep, tail = text.partition("\nstations:\n")
    assert sep, "stations.yaml has a top-level stations: list"
    return head + sep + line + tail


@pytest.mark.parametrize("fields, problem", [
    ("zone_class: \"4\"", "NOISE_ZONE_CLASS"),
    ("", "missing field 'zone_class'"),
])
def test_registry_checks_the_zone_class(tmp_path, fields, problem):
    text = (PROJECT_DIR / "stations.yaml").read_text(encoding="utf-8")
    line = ("  - {id: nz-x, name: 测试功能区点, kind: noise_zone_point, " + (fields + ", " if fields else "")
            + "city: 保山市, county: 隆阳区, unit: 站, cadence: quarterly}\n")
    path = tmp_path / "stations.yaml"
    path.write_text(_with_station(text, line), encoding="utf-8")
    with pytest.raises(Exception, match=problem):
        registry_mod.load(path)


def test_registry_refuses_a_road_point_without_a_positive_length(tmp_path):
    text = (PROJECT_DIR / "stations.yaml").read_text(encoding="utf-8")
    line = "  - {id: nr-x, name: 测试道路, kind: noise_road_point, road_name: 测试路, road_length_km: 0, city: 保山市, unit: 站, cadence: yearly}\n"
    path = tmp_path / "stations.yaml"
    path.write_text(_with_station(text, line), encoding="utf-8")
    with pytest.raises(Exception, match="road_length_km must be a positive number"):
        registry_mod.load(path)


# --------------------------------------------------------------------------------------------- the bulletin
def test_every_file_a_bulletin_has_and_the_docx_is_in_the_manifest(built):
    names = {p.name for p in built.iterdir()}
    assert {"index.html", "bulletin.pdf", "data.csv", "data.xlsx", "bulletin.json", "manifest.json",
            "bulletin.docx"} <= names
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["bulletin.docx"] == hashlib.sha256((built / "bulletin.docx").read_bytes()).hexdigest()


def test_the_planned_faults_of_the_sample_year_are_reported(built):
    doc = json.loads((built / "bulletin.json").read_text(encoding="utf-8"))
    figures = doc["figures"]
    # 龙陵's analysers away for most of May: 20 valid days < 27, the annual statistics fail the monthly rule
    longling = next(a for a in figures["air"] if a["area"] == "龙陵县")
    assert longling["validity"]["so2"]["valid"] is False
    assert "2025年5月SO2有效日均值20个，少于27个" in longling["validity"]["so2"]["message_zh"]
    assert all(v["valid"] for a in figures["air"] if a["area"] != "龙陵县" for v in a["validity"].values())
    # 东河河图 misses its target (Ⅳ) on the annual means
    hetu = next(s for s in figures["water"]["sections"] if s["station_id"] == "sec-donghe-hetu")
    assert hetu["compliant"] is False and hetu["class"] == 5
    # 北庙水库 exceeds manganese in two months
    beimiao = next(s for s in figures["water"]["sources"] if s["station_id"] == "src-beimiao")
    assert beimiao["exceeding"] == {"锰": [3, 9]} and (beimiao["met"], beimiao["monitored"]) == (10, 12)
    keys = {e["key"] for e in doc["exceedances"]}
    assert {"annual-section:sec-donghe-hetu", "annual-source:src-beimiao", "annual-noise:nz-06:2025-Q1"} <= keys
    # noise: nz-06 (4a) exceeds at night in Q1 and Q3, nz-02 (class 1) in Q3: 7 of 8 point-periods of 1类, 6 of 8 of 4a
    zones = {r["zone_class"]: r for r in figures["noise"]["zones"]}
    assert (zones["1"]["night_compliant"], zones["1"]["night_monitored"], zones["1"]["night_rate"]) == (7, 8, 87.5)
    assert (zones["4a"]["night_compliant"], zones["4a"]["night_rate"]) == (6, 75.0)
    assert figures["noise"]["regional"]["night_points"] == 23     # ng-17 has no night value


def _city_recomputed(files: list[Path]) -> dict[str, object]:
    """The city's 2025 figures recomputed from the sample files alone, by the documented method with exact
    fractions: a station's daily value is the mean of its hourly values on a day with ≥ 20 of them (GB 3095 表4),
    the city's daily value the mean of its stations' valid daily values (HJ 663: city = mean of its stations), the
    annual mean the mean of the city's daily values, the CO 95th percentile HJ 663's k = 1 + (n − 1)·p/100,
    each rounded once, half to even (GB/T 8170)."""
    hours: dict[tuple[str, dt.date, str], list[Fraction]] = {}
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                assert row["备注"] == "样例数据"
                day = (dt.datetime.fromisoformat(row["time"]) - dt.timedelta(hours=1)).date()
                for code in ("so2", "no2", "pm10", "pm2_5", "co"):
                    if row[code] != "":
                        hours.setdefault((row["station_id"], day, code), []).append(Fraction(row[code]))
    city: dict[tuple[dt.date, str], list[Fraction]] = {}
    for (station, day, code), values in hours.items():
        if len(values) >= 20:
            city.setdefault((day, code), []).append(sum(values) / len(values))
    daily = {key: sum(v) / len(v) for key, v in city.items()}
    out: dict[str, object] = {}
    for code in ("so2", "no2", "pm10", "pm2_5"):
        values = [v for (day, c), v in daily.items() if c == code]
        out[code] = round(sum(values) / len(values))          # Fraction.__round__ rounds half to even
    co = sorted(v for (day, c), v in daily.items() if c == "co")
    k = 1 + Fraction(len(co) - 1) * 95 / 100
    s = int(k)
    p95 = co[s - 1] + (co[s] - co[s - 1]) * (k - s) if s < len(co) else co[-1]
    out["co_p95"] = float(round(p95, 1))
    out["valid_days"] = {code: sum(1 for (day, c) in daily if c == code) for code in ("so2", "no2", "pm10", "pm2_5")}
    return out


def test_the_city_comes_first_and_its_figures_are_recomputed_from_the_sample_files(built, tmp_path):
    """The city's 2025 air (sample hours of its two national stations) is listed before the counties, says it is
    sample data, and its figures equal a recomputation from the files by the monthly method."""
    doc = json.loads((built / "bulletin.json").read_text(encoding="utf-8"))
    areas = [a["area"] for a in doc["figures"]["air"]]
    # 隆阳区 (the central district) is measured by the same two national stations
    assert areas[0] == "保山市" and set(areas[1:]) == {"隆阳区", "施甸县", "龙陵县", "昌宁县", "腾冲市"}
    files = [path for path, _ in city_air.write(registry_mod.load(), tmp_path, [f"2025-{m:02d}" for m in range(1, 13)])]
    assert len(files) == 12 and all(p.name.startswith("样例数据_2025-") for p in files)
    expected = _city_recomputed(files)
    city = doc["figures"]["air"][0]
    assert {k: city[k] for k in ("so2", "no2", "pm10", "pm2_5", "co_p95")} == \
        {k: expected[k] for k in ("so2", "no2", "pm10", "pm2_5", "co_p95")}
    assert {p: city["validity"][p]["valid_days"] for p in ("so2", "no2", "pm10", "pm2_5")} == expected["valid_days"]
    assert all(v["valid"] for v in city["validity"].values())
    words = [b["text"] for c in doc["figures"]["chapters"] for b in c["blocks"] if b["type"] in ("p", "note")]
    assert any("保山市" in w and "样例数据" in w for w in words)
    assert not any("没有可用的空气监测数据" in w for w in words)


def test_areas_resting_on_sample_files_are_named(year_ws):
    """The city's stations are real, its 2025 hours come from sample files: the city (and 隆阳区, the same stations)
    rest on sample data in 2025, so the chapter says so and the monthly bulletins of 2026 do not compare measured
    months with them; without those hours only the areas of invented stations do."""
    from publisher.bulletins.air import common as ac

    reg, store = registry_mod.load(), Store(year_ws)
    names = ["保山市", "隆阳区", "施甸县"]
    ids = sorted(set(reg.air_areas().filter(pl.col("area").is_in(names))["station_id"].to_list()))
    first, last = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    hourly = ac.read_hourly(store, first, last, ids)
    assert ac.sample_areas(reg, names, hourly, store, first, last) == names
    assert ac.sample_areas(reg, names, hourly.clear(), store, first, last) == ["施甸县"]


def test_the_lake_tli_is_the_tli_of_the_annual_means_worked_by_hand(built, year_ws):
    """TLI(Σ) of 北海湖 from the annual means of its three points (总站生字〔2001〕090号: TLI(j) = 10(a + b ln C),
    W_j = r_j² / Σ r_j², r = chla 1, TP 0.84, TN 0.82, SD −0.83, CODMn 0.83), worked here from the stored samples."""
    samples = Store(year_ws).water_samples("2025-01-01", "2025-12-31",
                                           ["lake-beihai-center", "lake-beihai-outlet", "lake-beihai-wharf"],
                                           ["chla", "tp", "tn", "sd", "codmn"])
    assert samples["below_dl"].sum() == 0
    per_point = samples.group_by("station_id", "item").agg(pl.col("value").mean())
    lake = dict(per_point.group_by("item").agg(pl.col("value").mean()).iter_rows())
    ab = {"chla": (2.5, 1.086), "tp": (9.436, 1.624), "tn": (5.453, 1.694), "sd": (5.118, -1.94),
          "codmn": (0.109, 2.661)}
    r = {"chla": 1.0, "tp": 0.84, "tn": 0.82, "sd": -0.83, "codmn": 0.83}
    total = sum(v * v for v in r.values())
    tli = sum(r[k] ** 2 / total * 10 * (a + b * math.log(lake[k])) for k, (a, b) in ab.items())
    doc = json.loads((built / "bulletin.json").read_text(encoding="utf-8"))
    printed = doc["figures"]["water"]["lakes"][0]
    assert printed["tli"] == round(tli, 1)
    assert printed["trophic_state"] == ("中营养" if 30 <= round(tli, 1) <= 50 else printed["trophic_state"])


def test_a_year_across_2026_03_01_says_how_the_rules_were_combined():
    text = annual_air.combination_sentence(2026)
    assert "2026年3月1日" in text and "GB 3095-2012" in text and "GB 3095-2026" in text
    assert "逐日评价结果合并" in text and "12月31日执行的GB 3095-2026" in text
    assert "跨越" not in annual_air.combination_sentence(2025) and "GB 3095-2012" in annual_air.combination_sentence(2025)


def test_tables_and_figures_are_numbered_alike_in_the_page_and_the_docx(built):
    doc = json.loads((built / "bulletin.json").read_text(encoding="utf-8"))
    blocks = [b for c in doc["figures"]["chapters"] for b in c["blocks"]]
    tables = [b for b in blocks if b["type"] == "table"]
    figures = [b for b in blocks if b["type"] == "figure"]
    assert [t["no"] for t in tables] == list(range(1, len(tables) + 1)) and len(tables) >= 7
    assert [f["no"] for f in figures] == list(range(1, len(figures) + 1)) and len(figures) == 2
    html = (built / "index.html").read_text(encoding="utf-8")
    word = Document(str(built / "bulletin.docx"))
    texts = [p.text for p in word.paragraphs]
    for t in tables:
        assert f'<span class="label">表{t["no"]}</span>{t["caption"]}' in html
        assert f"表{t['no']}　{t['caption']}" in texts
    for f in figures:
        assert f"图{f['no']}　{f['caption']}" in texts
    assert len(word.tables) == len(tables) and len(word.inline_shapes) == len(figures)
    # every run names its East Asian (CJK) font
    from docx.oxml.ns import qn
    runs = [r for p in word.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(r._element.rPr.rFonts.get(qn("w:eastAsia")) in ("宋体", "黑体") for r in runs)


def test_the_docx_is_laid_out_as_a_bureau_edits_it(built):
    """Header (bureau, title) and footer (第N页 共M页 as fields) on the page; every table in fixed columns that
    add up to the text width (A4 less the GB/T 9704 margins: 210 − 28 − 26 = 156 mm), numbers never narrower than
    their digits; every table and figure named in the text before it (见表N / 见图N)."""
    from docx.oxml.ns import qn
    from docx.shared import Mm
    from publisher.bulletins.annual import docx as docx_writer

    word = Document(str(built / "bulletin.docx"))
    section = word.sections[0]
    assert section.header.paragraphs[0].text == "保山市生态环境局　保山市2025年环境状况公报（环境质量部分）"
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and section.footer.paragraphs[0].text.startswith("第")
    for table in word.tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert abs(sum(grid) - Mm(156).twips) <= len(grid)                     # twentieths of a point
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    doc = json.loads((built / "bulletin.json").read_text(encoding="utf-8"))
    for chapter in doc["figures"]["chapters"]:
        seen = ""
        for block in chapter["blocks"]:
            if block["type"] in ("p", "note"):
                seen += block["text"]
            elif block["type"] in ("table", "figure"):
                assert f"{'表' if block['type'] == 'table' else '图'}{block['no']}" in seen
    # widths: a 3-digit column keeps 3 digits + slack at the table's size; 11 columns of air levels fit at ≥ 7.5 pt
    header = ["区域", "有效天数", "优", "良", "轻度污染", "中度污染", "重度污染", "严重污染", "优良天数比例（%）",
              "重污染天数", "首要污染物天数"]
    rows = [["保山市", "365", "228", "135", "2", "0", "0", "0", "99.5", "0", "O₃-8h 76天、PM₁₀ 51天、PM₂.₅ 12天"]]
    widths, size = docx_writer.column_widths(header, rows, Mm(156))
    assert sum(widths) == Mm(156) and 7.5 <= size <= 9
    assert widths[2] >= 4 * docx_writer.Pt(size / 2) + 2 * docx_writer.CELL_MARGIN
    assert widths[-1] == max(widths)                                        # the long text takes the room


def test_rebuilding_gives_the_same_docx_bytes(built, year_ws):
    first = (built / "bulletin.docx").read_bytes()
    result = run("build", "--period", "2025", "--kind", "annual", "--force", home=year_ws.home)
    assert result.exit_code == 0, result.output
    assert (built / "bulletin.docx").read_bytes() == first


def test_a_month_period_is_refused_for_the_annual_kind(year_ws):
    result = run("build", "--period", "2025-05", "--kind", "annual", home=year_ws.home)
    assert result.exit_code == 2 and "2025" in result.output


# --------------------------------------------------------------------------------------------- due by 5 June
def test_the_annual_bulletin_is_due_by_5_june(year_ws):
    from publisher.operations.scheduler import due_period
    from publisher.operations.status import deadline, status
    from publisher.periods import Period

    assert deadline("annual", Period.parse("2025")) == (dt.date(2026, 6, 5), False)
    assert due_period("annual", dt.date(2026, 3, 2)).label == "2025"
    report = status(year_ws, registry_mod.load(), Period.parse("2026-01"), today=dt.date(2026, 2, 2), aqi_check=False)
    entry = next(b for b in report["bulletins"] if b["kind"] == "annual")
    assert entry["period"] == "2025" and entry["deadline"] == "2026-06-05"
    waiting = {w["station_id"] for w in entry["waiting_for"]}
    assert not {"air-2594A", "air-2595A"} & waiting    # the city's national stations hold a sample year 2025
    assert not any(w.startswith(("sec-", "src-", "nz-", "nr-", "ng-")) for w in waiting)
    later = status(year_ws, registry_mod.load(), Period.parse("2026-09"), today=dt.date(2026, 10, 2), aqi_check=False)
    assert not any(b["kind"] == "annual" for b in later["bulletins"])


# --------------------------------------------------------------------------------------------- disclosure report
def test_the_disclosure_report_from_the_shipped_sample_form(tmp_path):
    home = tmp_path / "ws"
    (home / "disclosure-report").mkdir(parents=True)
    (home / "disclosure-report" / "2025.yaml").write_bytes((PROJECT_DIR / "sample" / "disclosure-report-2025.yaml").read_bytes())
    result = run("disclosure-report", "--year", "2025", home=home)
    assert result.exit_code == 0, result.output
    out = home / "output" / "disclosure-report" / "2025"
    assert {p.name for p in out.iterdir()} == {"index.html", "report.pdf", "report.docx", "report.json"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["format"]["id"] == "GIP-REPORT-2021"
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "三、收到和处理政府信息公开申请情况" in html and 'colspan="5"' in html
    word = Document(str(out / "report.docx"))
    assert len(word.tables) == 3


def test_a_form_that_does_not_add_up_is_refused_with_the_cell_named(tmp_path):
    home = tmp_path / "ws"
    text = (PROJECT_DIR / "sample" / "disclosure-report-2025.yaml").read_text(encoding="utf-8")
    # one more application carried forward by a natural person than the balance allows
    text = text.replace("carried_forward: {natural_person: 1,", "carried_forward: {natural_person: 2,")
    form = tmp_path / "form.yaml"
    form.write_text(text, encoding="utf-8")
    result = run("disclosure-report", "--year", "2025", "--form", str(form), home=home)
    assert result.exit_code == 1
    assert "表“三、收到和处理政府信息公开申请情况”列“自然人”" in result.output
    assert "左边 一、本年新收政府信息公开申请数量（9） + 二、上年结转政府信息公开申请数量（1） = 10" in result.output
    assert "四、结转下年度继续办理（2） = 11" in result.output and "[GIP_IDENTITY]" in result.output
    assert not (home / "output" / "disclosure-report").exists()


def test_the_template_round_trips_as_yaml_and_xlsx(tmp_path):
    home = tmp_path / "ws"
    assert run("disclosure-report", "--year", "2025", "--template", home=home).exit_code == 0
    assert run("disclosure-report", "--year", "2025", "--template", home=home).exit_code == 1   # never overwritten
    assert run("disclosure-report", "--year", "2025", home=home).exit_code == 0                 # all zeros add up
    other = tmp_path / "ws2"
    assert run("disclosure-report", "--year", "2025", "--template", "--xlsx", home=other).exit_code == 0
    import openpyxl
    book = openpyxl.load_workbook(other / "disclosure-report" / "2025.xlsx")
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=3):
        if row[5].value == "new_received" and row[6].value == "natural_person":
            row[3].value = 3        # 3 new applications, nowhere else: the balance and the totals fail
    book.save(other / "disclosure-report" / "2025.xlsx")
    result = run("disclosure-report", "--year", "2025", home=other)
    assert result.exit_code == 1 and "列“自然人”" in result.output and "相差3" in result.output
