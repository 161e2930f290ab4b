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
from publisher import rounding
from publisher.demo import sample
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
    from publisher.bulletins.water import common as wc

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


# --------------------------------------------------------------------------------------------- what a station signs
def _texts(b) -> str:
    """Every sentence the public page prints from the bulletin's figures."""
    c = b.context
    parts = list(c["findings"]) + list(c["notes"]) + list(c.get("remarks") or [])
    parts += [x["text"] for x in c["monitoring"]] + [p["text"] for p in c["method"]["paragraphs"]]
    parts += [x["x"] for x in c["method"].get("x_items") or []]
    return "\n".join(parts)


def test_x_from_data_makes_shuanghong_class_3_and_not_compliant_in_may_2026(env):
    # sample data: 怒江双虹桥 (target Ⅱ, official X = BOD5, fluoride) has Hg 0.00006 mg/L on 2026-05-04; the Ⅱ limit
    # is 0.00005, so Hg is in its X from May 2026: the month is Ⅲ, misses its target, 汞 exceeded 0.2 times
    b = _assemble(env, "water-sections", "2026-05")
    row = next(r for r in b.context["rows"] if r["station_id"] == "sec-nujiang-shuanghong")
    assert (row["class_zh"], row["compliant"], row["compliance_zh"]) == ("Ⅲ", False, "不达标")
    assert row["exceedances_zh"].startswith("汞（0.2")
    assert "hg" in row["items_evaluated"].split(",")
    x = next(x for x in b.context["method"]["x_items"] if x["name"] == "怒江双虹桥")
    assert x["added"] == ["hg"] and "汞（2026年5月超过Ⅱ类标准限值，按监测数据纳入）" in x["x"]
    assert any("怒江双虹桥" in line and "未达到水质目标" in line for line in b.context["findings"])
    # the official list alone would have left May Ⅱ and compliant
    ws, reg = env
    values, _ = _independent(env, ("national_section",), Period.parse("2026-05"), "month")
    meta = water.stations_frame(reg).filter(pl.col("station_id") == "sec-nujiang-shuanghong")
    old = water.evaluate(values.filter(pl.col("station_id") == "sec-nujiang-shuanghong"), meta).row(0, named=True)
    assert (old["water_class"], old["compliant"]) == (2, True)
    # April (before) is untouched, and in October Hg is still in the X (the current year)
    april = next(r for r in _assemble(env, "water-sections", "2026-04").context["rows"]
                 if r["station_id"] == "sec-nujiang-shuanghong")
    assert april["compliant"] is True
    october = _assemble(env, "water-sections", "2026-10")
    assert next(x for x in october.context["method"]["x_items"] if x["name"] == "怒江双虹桥")["added"] == ["hg"]


def test_basin_main_pollutants_ties_go_to_the_worse_exceedance(env):
    # 怒江 basin, 8 sections (proportion rule), 2026-10: only 东河河图 is worse than Ⅲ, with COD in Ⅴ and BOD5 and CODMn
    # in Ⅳ — the same 断面超标率 (1/8) for all three. The worse exceedance leads: COD, then BOD5 (5.3/4 − 1 = 0.33)
    # before CODMn (6.2/6 − 1 = 0.03); code order would have printed BOD5, COD, CODMn.
    b = _assemble(env, "water-sections", "2026-10")
    nujiang = next(g for g in b.context["basins"] if g["name"] == "怒江")
    assert nujiang["method"] == "proportion"
    assert nujiang["main_pollutants"] == "化学需氧量、五日生化需氧量、高锰酸盐指数"


def _multiples(texts) -> list[str]:
    return [m for t in texts for m in re.findall(r"/([<\d.]+)", t or "")]


def test_one_precision_for_every_multiple_of_a_bulletin(env):
    # 2026-10: 东河河图 COD 32 against Ⅳ 30 -> 0.07; the river average and the lake point need two decimals too:
    # every multiple of the bulletin then has two (never "0.1倍" beside "0.05倍")
    b = _assemble(env, "water-sections", "2026-10")
    c = b.context
    texts = [r["exceedances"] for r in c["rows"]] + [r["main_pollutants"] for r in c["rows"]]
    texts += [g["main_pollutants"] for g in c["rivers"] + c["basins"]] + [p["main_pollutants"] for p in c["lake_points"]]
    found = _multiples(texts)
    assert c["multiple_places"] == 2 and found
    assert all(m.startswith("<") or len(m.split(".")[1]) == 2 for m in found), found
    assert "本期超标倍数统一保留2位小数" in _texts(b)
    # a bulletin whose multiples all print with one decimal keeps one: 北庙水库 Mn 0.15 against 0.1 -> 0.5
    one = _assemble(env, "water-sources", "2025-09")
    assert one.context["multiple_places"] is None
    assert all(len(m.split(".")[1]) == 1 for m in _multiples(r["exceedances"] for r in one.context["rows"]))
    assert "本期超标倍数统一保留1位小数" in _texts(one)


def test_national_and_provincial_sections_are_given_apart(env):
    b = _assemble(env, "water-sections", "2026-10")
    s = b.context["summary"]
    national, provincial = s["by_level"]["national_section"], s["by_level"]["provincial_section"]
    assert national["n_monitored"] + provincial["n_monitored"] == s["n_monitored"]
    assert national["n_good"] + provincial["n_good"] == s["n_good"]
    assert national["share_good"] == rounding.half_even(national["n_good"] / national["n_monitored"] * 100, 1)
    text = _texts(b)
    assert "（国控、省控断面合并统计）" in b.context["findings"][0]
    assert (f"国控断面{national['n_monitored']}个（按“5+X”指标评价），Ⅰ～Ⅲ类{national['n_good']}个，"
            f"占{national['share_good']:.1f}%") in text
    assert f"省控断面{provincial['n_monitored']}个（按21项指标评价）" in text


def test_sources_monitoring_part_as_the_plans_state_it(env):
    b = _assemble(env, "water-sources", "2026-10")
    monitoring = {x["label"]: x["text"] for x in b.context["monitoring"]}
    assert set(monitoring) == {"监测点位", "监测项目（地表水水源）", "监测项目（地下水水源）", "监测频次及采样日期", "监测单位",
                               "数据上报情况"}
    surface = monitoring["监测项目（地表水水源）"]
    assert "表1基本项目（23项，化学需氧量除外）、表2补充项目5项和表3优选特定项目33项，共61项" in surface
    assert "湖库型水源增测叶绿素a和透明度" in surface
    ground = monitoring["监测项目（地下水水源）"]
    names = ground[ground.index("（") + 1:ground.rindex("）")].split("、")
    assert ground.startswith("GB/T 14848-2017表1常规指标39项") and len(names) == 39
    assert {"色", "嗅和味", "肉眼可见物", "耗氧量（CODMn法，以O2计）", "挥发性酚类（以苯酚计）", "氨氮（以N计）"} <= set(names)
    assert "高锰酸盐指数" not in ground
    # the sampling dates are the store's, written in full
    ws, _ = env
    dates = Store(ws).water_samples("2026-10-01", "2026-10-31", ["src-beimiao"])["sampled_at"].dt.date().unique()
    assert f"北庙水库{dates[0].year}年{dates[0].month}月{dates[0].day}日" in monitoring["监测频次及采样日期"]
    assert monitoring["监测频次及采样日期"].startswith("每月1次")
    assert monitoring["监测单位"] == "云南省生态环境厅驻保山生态环境监测站。"
    assert "湖库型水源（北庙水库、龙王塘）在取水口周边100米处" in monitoring["监测点位"]
    # the groundwater source reports 37 of the 39 indices: the two descriptive ones are named as not reported
    assert "龙泉门按方案应测39项，实报37项，嗅和味、肉眼可见物未报送" in monitoring["数据上报情况"]
    # no COD in a source's class; lake sources get their trophic state
    lakes = {r["name"]: r for r in b.context["trophic"]}
    values, ev = _independent(env, ("city_source",), Period.parse("2026-10"), "month")
    beimiao = ev.filter(pl.col("station_id") == "src-beimiao").row(0, named=True)
    assert lakes["北庙水库"]["tli"] == beimiao["tli"] and beimiao["tli"] is not None
    assert "cod" not in beimiao["items_evaluated"].split(",")
    tlis = [r["tli_zh"] for r in sorted(b.context["trophic"], key=lambda r: r["tli"])]
    states = {r["trophic_state"] for r in b.context["trophic"]}
    assert len(states) == 1
    state = next(iter(states))
    assert any(f"营养状态均为{state}（综合营养状态指数{tlis[0]}～{tlis[-1]}）" in line for line in b.context["findings"])


def test_supplementary_and_specific_items_said_to_meet_table_2_and_3(env):
    ok = _assemble(env, "water-sources", "2026-08")
    assert "地表水水源补充项目、特定项目分别符合GB 3838-2002表2、表3限值。" in ok.context["findings"]
    bad = _assemble(env, "water-sources", "2025-09")   # 北庙水库 manganese above the Table 2 limit
    line = next(x for x in bad.context["findings"] if x.startswith("地表水水源"))
    assert "北庙水库补充项目超过表2限值" in line and "各水源特定项目均符合表3限值" in line


def test_remarks_define_the_term_and_say_source_water_is_not_tap_water(env):
    b = _assemble(env, "water-sources-county", "2026-Q3")
    remarks = " ".join(b.context["remarks"])
    assert "集中式生活饮用水水源，是指进入输水管网送到用户的和具有一定取水规模（供水人口一般大于1000人）" in remarks
    assert "原水" in remarks and "末梢水" in remarks


def test_below_detection_limit_points_are_drawn_at_half_the_limit(env):
    b = _assemble(env, "water-sources", "2026-10")
    trends = [s for s in b.charts if s.chart == "water_trend"]
    points = [p for s in trends for p in s.data["frame"]]
    below = [p for p in points if p["below_dl"]]
    assert below, "the demo's trend items have non-detects"
    # the point of a non-detect month is half its detection limit, as every calculation uses it
    petroleum = next(s for s in trends if s.name == "trend_petroleum")
    dl_points = [p for p in petroleum.data["frame"] if p["below_dl"]]
    assert dl_points and all(p["value"] == pytest.approx(0.005) for p in dl_points)   # 0.01L -> 0.005
    captions = " ".join(c["caption"] for c in b.context["charts"] if c["name"].startswith("trend_"))
    assert "未检出的按1/2检出限计" in captions and "按检出限绘制" not in captions
    assert "变化趋势图中未检出的数值同样按1/2检出限绘制" in _texts(b)


def test_county_quarter_uses_the_quarters_reported_intake(env):
    b = _assemble(env, "water-sources-county", "2026-Q3")
    ws, _ = env
    quarter = Store(ws).intake("2026-07-01", "2026-09-30").filter(pl.col("unit") == "quarter")
    reported = dict(zip(quarter["station_id"], quarter["volume"]))
    for row in b.context["rows"]:
        assert row["volume"] == pytest.approx(reported[row["station_id"]])
        assert row["volume_source"] == "reported"
    monitored = [r for r in b.context["rows"] if not r["missing"]]
    assert b.context["summary"]["rates"]["volume_total"] == pytest.approx(sum(r["volume"] for r in monitored))
    assert any(line.startswith("本季度取水总量") for line in b.context["findings"])
    assert b.tables["水源水质状况"].columns[8] == "取水量（万吨）"


@pytest.fixture(scope="module")
def short_env(tmp_path_factory):
    """A workspace where the suppliers did not report everything: 北庙水库 is missing from the October intake, the
    county sources' quarter comes as three monthly figures for 大海坝水库 only."""
    home = tmp_path_factory.mktemp("water-intake")
    ws = Workspace(home)
    reg = registry_mod.load()
    inbox = home / "inbox"
    sample.generate(inbox, "2026-07", "2026-10", with_real_air=False)
    for path in inbox.iterdir():
        if "空气" in path.name or "取水量_县级水源" in path.name:
            path.unlink()
    _drop_rows(inbox / "样例数据_2026-10_取水量_城市水源.csv", "北庙水库")
    (inbox / "县级取水量_月报.csv").write_bytes("水源名称,月份,取水量(万吨)\n大海坝水库,2026-07,40.1\n"
                                           "大海坝水库,2026-08,41.2\n大海坝水库,2026-09,39.9\n".encode("gbk"))
    _ingest(sorted(inbox.iterdir()), ws, reg)
    return ws, reg


def test_registry_volume_stands_in_only_with_a_public_note(short_env):
    b = _assemble(short_env, "water-sources", "2026-10")
    row = next(r for r in b.context["rows"] if r["name"] == "北庙水库")
    assert (row["volume"], row["volume_source"]) == (150.0, "registry")
    assert any("北庙水库的供水单位未报送2026年10月实际取水量" in n for n in b.context["notes"])
    assert any("北庙水库未报送实际取水量，按名录登记值计" in line for line in b.context["findings"])
    assert b.tables["水源水质状况"].filter(pl.col("水源名称") == "北庙水库")["取水量来源"].item() == "名录登记值（未报送）"
    assert any(n.topic == "data" and "北庙水库" in n.text for n in b.review)
    others = [r for r in b.context["rows"] if r["name"] != "北庙水库"]
    assert all(r["volume_source"] == "reported" for r in others)


def test_a_quarter_from_three_reported_months(short_env):
    b = _assemble(short_env, "water-sources-county", "2026-Q3")
    rows = {r["name"]: r for r in b.context["rows"]}
    assert rows["大海坝水库"]["volume"] == pytest.approx(40.1 + 41.2 + 39.9)
    assert rows["大海坝水库"]["volume_source"] == "reported"
    # the others fall back to three months of the registry's monthly volume, and the page says so
    assert rows["蒋家寨水库"]["volume"] == 3 * 40 and rows["蒋家寨水库"]["volume_source"] == "registry"
    assert any("按名录登记的月取水量计3个月" in n for n in b.context["notes"])


# --------------------------------------------------------------------------------------------- public vs review
INTERNAL = ("SHA-256", "入库批次", "样例数据_", "本系统", ".csv", ".xlsx", "bulletin.json", "HJ 663", "µ")


@pytest.mark.slow
@pytest.mark.parametrize("kind,period", [("water-sources", "2026-10"), ("water-sources-county", "2026-Q3"),
                                         ("water-sections", "2026-10")])
def test_public_files_hold_no_internal_note_and_history_shows_them(env, kind, period):
    from click.testing import CliRunner

    from publisher.bulletins.build import build
    from publisher.cli import cli
    from publisher.render import pdf_text

    ws, reg = env
    built = build(kind, period, ws, registry=reg)
    html = (built.path / "index.html").read_text(encoding="utf-8")
    pdf = pdf_text(built.path / "bulletin.pdf")
    csv = (built.path / "data.csv").read_bytes().decode("utf-8-sig")
    import openpyxl
    book = openpyxl.load_workbook(built.path / "data.xlsx")
    xlsx = "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)
    for name, text in (("index.html", html), ("bulletin.pdf", pdf), ("data.csv", csv), ("data.xlsx", xlsx)):
        for phrase in INTERNAL:
            assert phrase not in text, (name, phrase)
    document = json.loads((built.path / "bulletin.json").read_text(encoding="utf-8"))
    review = [n["text"] for n in document["review"]]
    assert any("SHA-256" in n and "样例数据_" in n for n in review)
    for note in review:
        assert note not in html and note not in pdf
    assert document["inputs"] and all(i["sha256"] for i in document["inputs"])
    # the public page says where the data come from in a bureau's words
    assert "数据来源：" in pdf and "监测站" in pdf
    assert not re.search(r"\d{4}-\d{2}-\d{2}", pdf)                 # dates as 2026年6月5日
    result = CliRunner().invoke(cli, ["history", "--kind", kind, "--period", period, "--home", str(ws.home)])
    assert result.exit_code == 0, result.output
    assert "审核提示（不对外公开）" in result.output
    assert any(n[:30] in result.output for n in review)


def test_data_csv_prints_the_published_decimals(env):
    b = _assemble(env, "water-sources", "2026-10")
    table = b.tables["水源水质状况"]
    assert table.schema["取水量（万吨）"] == pl.String
    assert all(re.fullmatch(r"\d+\.\d", v) for v in table["取水量（万吨）"])
    assert table["水质目标"].to_list() == [r["target_zh"] for r in b.context["rows"]]
    assert set(table["水质目标"]) <= {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"} and set(table["水质类别"]) <= {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ", "—"}
    sections = _assemble(env, "water-sections", "2026-10")
    rivers = sections.tables["河流水质"]
    assert rivers.schema["Ⅰ～Ⅲ类断面比例（%）"] == pl.String and "100.0" in rivers["Ⅰ～Ⅲ类断面比例（%）"].to_list()
    assert set(sections.tables["断面水质"]["水质目标"]) <= {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"}
    assert "县（市、区）" in table.columns and "本月水质类别" in sections.tables["断面水质"].columns
