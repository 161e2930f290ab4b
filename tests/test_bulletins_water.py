"""The three water bulletins, built from a store filled through the ingest path with the sample data.

Every figure is checked against publisher.evaluate.water computed here, independently, on the same
store frames; stations whose data were left out must be reported as not monitored; builds must be
byte-identical.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import re
from pathlib import Path

import polars as pl
import pytest

from publisher import registry as registry_mod
from publisher import sample
from publisher.bulletins import module
from publisher.bulletins.base import Job
from publisher.errors import PublisherError
from publisher.evaluate import water
from publisher.paths import Workspace
from publisher.periods import Period
from publisher.store import Store

# Left out of the sample files before ingesting, so that these stations have no data in the period.
MISSING_SECTION = ("样例数据_2026-09_地表水_省控断面.csv", "龙川江曲石", "sec-longchuan-qushi")
MISSING_COUNTY = ("样例数据_2026-08_饮用水源_县级_第3季度.csv", "腾冲市城区北山水库", "src-tengchong-s2")
MISSING_CITY_FILE = "样例数据_2026-09_饮用水源_城市地下水_长表.csv"   # 龙泉门, the city's groundwater source


def _drop_rows(path: Path, name: str) -> None:
    """Remove the rows of one station from a GBK sample CSV (as if the station had not reported)."""
    lines = path.read_bytes().decode("gbk").splitlines(keepends=True)
    kept = [line for line in lines if name not in line]
    assert len(kept) < len(lines), f"{name} not in {path.name}"
    path.write_bytes("".join(kept).encode("gbk"))


def _ingest(files: list[Path], ws: Workspace, reg) -> None:
    """Ingest through the pipeline when it exists, else through parse_file + Store.commit_ingest."""
    if importlib.util.find_spec("publisher.ingest.pipeline") is not None:
        from publisher.ingest import pipeline

        results = pipeline.ingest(files, ws, reg)
        assert [r.name for r in results if r.status != "accepted"] == []
        return
    from publisher.ingest import parse_file

    store = Store(ws)
    for path in files:
        parsed = parse_file(path, registry=reg)
        assert parsed.frame is not None, path.name
        data = path.read_bytes()
        store.commit_ingest("water", parsed.frame, sha256=hashlib.sha256(data).hexdigest(), name=path.name,
                            size=len(data), archive_path=f"archive/{path.name}")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("water-bulletins")
    ws = Workspace(home)
    reg = registry_mod.load()
    inbox = home / "inbox"
    sample.generate(inbox, "2025-08", "2026-10")
    for path in inbox.iterdir():
        if "空气" in path.name or not path.name.startswith(sample.PREFIX) or path.name == MISSING_CITY_FILE:
            path.unlink()
    _drop_rows(inbox / MISSING_SECTION[0], MISSING_SECTION[1])
    _drop_rows(inbox / MISSING_COUNTY[0], MISSING_COUNTY[1])
    _ingest(sorted(inbox.iterdir()), ws, reg)
    return ws, reg


def _assemble(env, kind: str, period: str):
    ws, reg = env
    return module(kind).assemble(Job(kind=kind, period=Period.parse(period), workspace=ws, registry=reg))


def _independent(env, kinds: tuple[str, ...], period: Period, unit: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Period values and evaluation of the stations of `kinds`, straight from the store."""
    ws, reg = env
    stations = [s for s in reg.stations if s.kind in kinds]
    raw = Store(ws).water_samples(period.start, period.end, station_ids=[s.id for s in stations])
    types = pl.DataFrame({"station_id": [s.id for s in stations], "t": [s.waterbody_type for s in stations]})
    raw = raw.join(types, on="station_id").with_columns(
        pl.coalesce(water.normalize_waterbody(pl.col("waterbody_type")), pl.col("t")).alias("waterbody_type"))
    values = water.period_values(raw.drop("t"), unit)
    meta = water.stations_frame(reg).filter(pl.col("station_id").is_in([s.id for s in stations]))
    return values, water.evaluate(values, meta)


# --------------------------------------------------------------------------------------------- sources
def test_city_sources_figures_are_evaluate_figures(env):
    b = _assemble(env, "water-sources", "2026-08")
    _, ev = _independent(env, ("city_source",), Period.parse("2026-08"), "month")
    rows = {r["station_id"]: r for r in b.context["rows"]}
    assert len(rows) == 3
    for r in ev.to_dicts():
        assert rows[r["station_id"]]["water_class"] == r["water_class"]
        assert rows[r["station_id"]]["compliant"] == r["compliant"]
        assert rows[r["station_id"]]["class_zh"] == water.class_label(r["water_class"])
    # the volume rate weighs each source by the month's actual intake the suppliers reported (the store's intake)
    ws, _ = env
    intake = Store(ws).intake("2026-08-01", "2026-08-31").filter(pl.col("unit") == "month")
    volumes = dict(zip(intake["station_id"], intake["volume"]))
    assert set(volumes) == set(rows)
    frame = ev.select("compliant", pl.col("station_id").replace_strict(volumes, return_dtype=pl.Float64)
                      .alias("volume"))
    rates = water.compliance_rates(frame).to_dicts()[0]
    assert all(r["volume_source"] == "reported" for r in rows.values())
    assert b.context["summary"]["rates"] == rates
    text = "".join(b.context["findings"])
    assert f"水源达标率为{rates['count_rate']:.1f}%" in text
    assert f"水量达标率为{rates['volume_rate']:.1f}%" in text
    assert b.issued == dt.date(2026, 9, 10)
    assert b.context["issued"] == "2026-09-10"
    assert {"GB3838-2002", "GB/T14848-2017", "HBH-2011-22"} <= set(b.standards)


def test_city_source_without_data_is_listed_as_not_monitored(env):
    b = _assemble(env, "water-sources", "2026-09")
    row = next(r for r in b.context["rows"] if r["name"] == "龙泉门")
    assert row["missing"] and row["compliance_zh"] == "未监测" and row["class_zh"] == "—"
    assert row["reason"]
    assert b.context["summary"]["n_monitored"] == 2 and b.context["summary"]["n_registered"] == 3
    assert any("龙泉门" in line and "未监测" in line for line in b.context["findings"])
    assert any("龙泉门" in note and "不参与" in note for note in b.context["notes"])
    table = b.tables["水源水质状况"]
    assert table.filter(pl.col("水源名称") == "龙泉门")["达标情况"].to_list() == ["未监测"]
    # rates count the two monitored sources only
    assert b.context["summary"]["rates"]["n_sources"] == 2


def test_city_source_exceedance_is_worded_from_evaluate(env):
    b = _assemble(env, "water-sources", "2025-09")   # sample event: 北庙水库 manganese above Table 2
    _, ev = _independent(env, ("city_source",), Period.parse("2025-09"), "month")
    beimiao = ev.filter(pl.col("station_id") == "src-beimiao").to_dicts()[0]
    assert beimiao["compliant"] is False and beimiao["exceedances"].startswith("锰/")
    multiple = beimiao["exceedances"].split("、")[0].split("/")[1]
    row = next(r for r in b.context["rows"] if r["station_id"] == "src-beimiao")
    assert row["exceedances_zh"].startswith(f"锰（{multiple}倍）")
    assert any(f"锰超标{multiple}倍" in line for line in b.context["findings"])


def test_county_sources_by_quarter(env):
    b = _assemble(env, "water-sources-county", "2026-Q3")
    _, ev = _independent(env, ("county_source",), Period.parse("2026-Q3"), "quarter")
    rows = {r["station_id"]: r for r in b.context["rows"]}
    assert len(rows) == 8
    assert MISSING_COUNTY[2] not in ev["station_id"].to_list()
    for r in ev.to_dicts():
        assert rows[r["station_id"]]["water_class"] == r["water_class"]
    missing = rows[MISSING_COUNTY[2]]
    assert missing["missing"] and missing["compliance_zh"] == "未监测"
    assert b.context["summary"]["n_monitored"] == 7
    assert any(MISSING_COUNTY[1] in line for line in b.context["findings"])
    assert b.issued == dt.date(2026, 10, 10)
    counties = {c["county"] for c in b.context["counties"]}
    assert {"隆阳区", "施甸县", "龙陵县", "昌宁县", "腾冲市"} == counties


def test_notes_state_completeness_and_the_files_are_for_the_reviewers(env):
    complete = _assemble(env, "water-sources", "2026-08")
    assert any(n.startswith("数据完整性：") and "均有监测数据" in n for n in complete.context["notes"])
    b = _assemble(env, "water-sources", "2026-09")
    line = next(n for n in b.context["notes"] if n.startswith("数据完整性："))
    assert "应监测水源3个" in line and "有监测数据的2个" in line and "龙泉门" in line
    # the public page names its source in a bureau's words: the monitoring unit, the suppliers' intake
    source = next(n for n in b.context["notes"] if n.startswith("数据来源："))
    assert source == "数据来源：云南省生态环境厅驻保山生态环境监测站监测数据；取水量为各供水单位报送的实际取水量。"
    # the files behind this month's figures are named for the reviewers only; the earlier ones are counted
    files = [i["file"] for i in b.inputs if i["sampled_to"] >= "2026-09-01"]
    review = [n.text for n in b.review if n.topic == "provenance"]
    assert files and all(any(name in text for text in review) for name in files)
    assert not any(name in " ".join(b.context["notes"]) for name in files)
    earlier = len(b.inputs) - len(files)
    assert any(f"{earlier}个数据文件" in text for text in review)
    # the unmonitored source's reported volume is left out of the volume rate, and the page says so
    intake = Store(env[0]).intake("2026-09-01", "2026-09-30", ["src-longquanmen"])["volume"].item()
    assert any(f"未监测的龙泉门（{intake:.1f}万吨）不计入" in line for line in b.context["findings"])
    # rates of months with different monitored sources are compared with that said
    assert any(line.startswith("与上月相比") and "两期监测的水源不同：本月2个、上月3个" in line
               for line in b.context["findings"])


def test_county_charts_are_by_quarter_in_chinese(env):
    b = _assemble(env, "water-sources-county", "2026-Q3")
    specs = {spec.name: spec for spec in b.charts}
    matrix = specs["matrix"].data
    assert matrix["months"] == [1, 2, 3] and matrix["column_labels"] == ["一季度", "二季度", "三季度"]
    # the quarterly grid is the quarterly evaluation: the source left out has no class in Q3
    cells = {(c["section"], c["month"]): c["class"] for c in matrix["frame"]}
    assert cells[(MISSING_COUNTY[1], 3)] is None and cells[(MISSING_COUNTY[1], 2)] is not None
    trends = [spec for spec in b.charts if spec.chart == "water_trend"]
    assert trends
    for spec in trends:
        labels = spec.data["periods"]
        assert len(labels) == 5 and not any("Q" in label for label in labels)
        assert labels[0] == "三季度\n2025年" and labels[2] == "一季度\n2026年"
    # no chart draws its own title: the page prints number and title under each one
    assert all("title" not in spec.data for spec in b.charts)
    assert {c["name"] for c in b.context["charts"]} == set(specs)


def test_water_templates_have_no_style_blocks():
    templates = Path(__file__).resolve().parents[1] / "templates"
    for name in ("water_sources.html", "water_sources_county.html", "water_sections.html", "_water.html"):
        assert "<style" not in (templates / name).read_text(encoding="utf-8"), name


def test_source_bulletins_refuse_the_wrong_period_unit(env):
    with pytest.raises(PublisherError):
        _assemble(env, "water-sources", "2026-Q3")
    with pytest.raises(PublisherError):
        _assemble(env, "water-sources-county", "2026-09")


def test_small_multiples_are_worded_not_zeroed():
    # evaluate prints a multiple that would round to 0.0 with 2 decimals, and one below 0.005 as <0.01
    from publisher.bulletins import water_common as wc

    text = "总磷/0.05、氨氮/<0.01、铁/0.5、溶解氧"
    assert wc.exceedance_cell(text) == "总磷（0.05倍）、氨氮（不足0.01倍）、铁（0.5倍）、溶解氧"
    assert wc.exceedance_words(text) == "总磷超标0.05倍、氨氮超标不足0.01倍、铁超标0.5倍、溶解氧超标"


# --------------------------------------------------------------------------------------------- sections
def test_sections_figures_are_evaluate_figures(env):
    b = _assemble(env, "water-sections", "2026-07")
    values, ev = _independent(env, ("national_section", "provincial_section"), Period.parse("2026-07"), "month")
    rows = {r["station_id"]: r for r in b.context["rows"]}
    assert len(rows) == 13
    for r in ev.to_dicts():
        assert rows[r["station_id"]]["water_class"] == r["water_class"]
        assert rows[r["station_id"]]["compliant"] == r["compliant"]
    _, reg = env
    meta = water.stations_frame(reg).filter(pl.col("kind").is_in(["national_section", "provincial_section"]))
    whole = water.river_summary(values, meta.with_columns(pl.lit("x").alias("all")), by="all").to_dicts()[0]
    s = b.context["summary"]
    assert (s["share_good"], s["share_bad"], s["status"]) == (whole["share_good"], whole["share_bad"],
                                                              whole["status"])
    rivers = {r["river"]: r for r in water.river_summary(values, meta, by="river").to_dicts()}
    for g in b.context["rivers"]:
        assert g["status"] == rivers[g["name"]]["status"]
        assert g["share_good"] == rivers[g["name"]]["share_good"]
    # the 东河河图 wet-season event: below its Ⅳ target, named with its exceedances
    hetu = rows["sec-donghe-hetu"]
    assert hetu["compliant"] is False
    assert any("东河河图" in line and "未达到水质目标" in line for line in b.context["findings"])
    # last month's class in the table is last month's evaluation
    _, prev = _independent(env, ("national_section", "provincial_section"), Period.parse("2026-06"), "month")
    for r in prev.to_dicts():
        assert rows[r["station_id"]]["prev_class"] == r["water_class"]


def test_lake_tli_is_evaluate_tli(env):
    b = _assemble(env, "water-sections", "2026-07")
    values, ev = _independent(env, ("lake_point",), Period.parse("2026-07"), "month")
    _, reg = env
    points = {p["station_id"]: p for p in b.context["lake_points"]}
    for r in ev.to_dicts():
        assert points[r["station_id"]]["tli"] == r["tli"]
        assert points[r["station_id"]]["trophic_state"] == r["trophic_state"]
    meta = water.stations_frame(reg).filter(pl.col("kind") == "lake_point")
    lake = water.lake_summary(values, meta, by="water_body").to_dicts()[0]
    assert b.context["lakes"][0]["tli"] == lake["tli"]
    assert b.context["lakes"][0]["water_class"] == lake["water_class"]


def test_section_without_data_is_listed_as_not_monitored(env):
    b = _assemble(env, "water-sections", "2026-09")
    row = next(r for r in b.context["rows"] if r["station_id"] == MISSING_SECTION[2])
    assert row["missing"] and row["compliance_zh"] == "未监测" and row["class_zh"] == "—"
    assert b.context["summary"]["n_monitored"] == 12
    assert any(MISSING_SECTION[1] in line and "未监测" in line for line in b.context["findings"])
    table = b.tables["断面水质"]
    assert table.filter(pl.col("断面名称") == MISSING_SECTION[1])["达标情况"].to_list() == ["未监测"]
    # the missing section is not counted in the river it belongs to
    longchuan = next(g for g in b.context["rivers"] if g["name"] == "龙川江")
    assert longchuan["n_sections"] == 1


def test_changes_use_the_method_wording(env):
    b = _assemble(env, "water-sections", "2026-07")
    ch = b.context["changes"]["previous"]
    prev, cur = _assemble(env, "water-sections", "2026-06").context["summary"], b.context["summary"]
    expected = water.proportion_change(prev["share_good"], prev["share_bad"], cur["share_good"], cur["share_bad"])
    assert ch["proportion"] == expected
    assert any(line.startswith(f"与上月相比，全市河流断面水质{expected['wording']}") for line in b.context["findings"])
    last_year = b.context["changes"]["last_year"]
    assert last_year["available"] is False   # the sample data start in 2025-08
    assert any("上年同期（2025年7月）无监测数据" in line for line in b.context["findings"])


# --------------------------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("kind,period", [("water-sources", "2026-09"), ("water-sources-county", "2026-Q3"),
                                         ("water-sections", "2026-09")])
def test_context_is_json_with_provenance_and_assembly_is_deterministic(env, kind, period):
    a, b = _assemble(env, kind, period), _assemble(env, kind, period)
    text = json.dumps(a.context, ensure_ascii=False, sort_keys=True)
    assert text == json.dumps(b.context, ensure_ascii=False, sort_keys=True)
    for name, frame in a.tables.items():
        assert frame.equals(b.tables[name]), name
    assert a.inputs and all({"sha256", "ingest_id", "rows"} <= set(i) for i in a.inputs)
    assert all(i["file"].startswith(sample.PREFIX) for i in a.inputs)
    assert a.context["sample_banner"]
    assert a.tables and all(not c.isascii() for c in next(iter(a.tables.values())).columns if c != "SHA-256")


def _build_available() -> bool:
    try:
        import publisher.bulletins.build  # noqa: F401
        import publisher.render  # noqa: F401
    except ImportError:
        return False
    return (Path(__file__).resolve().parents[1] / "templates" / "base.html").exists()


@pytest.mark.slow
@pytest.mark.skipif(not _build_available(), reason="the builder, renderer or base template is not there yet")
@pytest.mark.parametrize("kind,period,missing", [("water-sources", "2026-09", "龙泉门"),
                                                 ("water-sources-county", "2026-Q3", MISSING_COUNTY[1]),
                                                 ("water-sections", "2026-09", MISSING_SECTION[1])])
def test_build_writes_the_page_and_rebuilds_identically(env, kind, period, missing, tmp_path):
    from publisher.bulletins.build import build

    ws, reg = env
    first = build(kind, period, ws, registry=reg)
    files = {p.relative_to(first.path): p.read_bytes() for p in sorted(first.path.rglob("*")) if p.is_file()}
    html = files[Path("index.html")].decode("utf-8")
    document = json.loads(files[Path("bulletin.json")])
    text = re.sub(r"<[^>]+>", "", html)
    for line in document["figures"]["findings"]:
        assert line in text
    assert "未监测" in html and missing in html
    assert "数据完整性" in html and "<style" not in html.split("</style>", 1)[1]
    assert not re.search(r"\d{4}-Q\d", html)
    assert files[Path("data.csv")].startswith(b"\xef\xbb\xbf")
    # as a reader sees it: the page is drawn, with the red masthead and class colours in badges and charts
    from tests.browser import colour_fraction, ink_fraction, screenshot

    png = screenshot(first.path / "index.html", tmp_path / "page.png", width=1000, height=4200)
    assert ink_fraction(png) > 0.05, "the page looks blank"
    assert colour_fraction(png, "#B5121B") > 0.0005, "the red masthead is missing"
    assert colour_fraction(png, "#00CCFF") > 0.001, "no class Ⅱ colour (badges, class chart) on the page"
    second = build(kind, period, ws, registry=reg)
    again = {p.relative_to(second.path): p.read_bytes() for p in sorted(second.path.rglob("*")) if p.is_file()}
    assert again == files
