"""Air bulletins (monthly and daily) assembled from a store filled with the real national feeds.

The store is filled through the ingest path with the two real CNEMC hourly feeds of ``sample/`` (the
six seed cities; the 16 州（市） of 云南省, 2026-02-26 20:00 .. 2026-07-24 19:00) and with the sample
county stations' air files and sample forecasts of May and June 2026 (``publisher sample``). A workspace
``stations.yaml`` adds one city, 对照市, measured by 保山's own two national stations, and the workspace
``air.yaml`` ranks it in the group: its figures equal 保山市's, so the ranking must show a tie (并列).
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from publisher import registry as registry_mod
from publisher import standards
from publisher.bulletins.air import common as air_common, daily as air_daily, monthly as air_monthly
from publisher.bulletins.base import Job
from publisher.cli import cli
from publisher.errors import InputError
from publisher.paths import DEFAULT_STATIONS, PROJECT_DIR, Workspace
from publisher.periods import Period
from publisher.render import pdf_text

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
YUNNAN = PROJECT_DIR / "sample" / "air_cnemc_yunnan_2026.csv.gz"
TWIN = "对照市"
GROUP = ["昆明市", "曲靖市", "玉溪市", "保山市", "昭通市", "丽江市", "普洱市", "临沧市", "楚雄彝族自治州",
         "红河哈尼族彝族自治州", "文山壮族苗族自治州", "西双版纳傣族自治州", "大理白族自治州", "德宏傣族景颇族自治州",
         "怒江傈僳族自治州", "迪庆藏族自治州"]
SAMPLE_COUNTIES = ["施甸县", "龙陵县", "昌宁县", "腾冲市"]
#: Phrases meant for the reviewers, never for the public page or the data files.
INTERNAL = ("HJ 663-2026文本尚未取得", "细则待核", "本系统", "dust.csv", "入库", "air_cnemc", "样例数据_",
            "缺测小时", "小时记录", "不是标准原文", "air.yaml", "SHA-256", "sha256")


def _ingest(paths: list[Path], ws: Workspace, reg) -> None:
    """The real ingest path (as ``publisher ingest`` and the demo run it): every file accepted whole.

    The workspace registry maps the feed's station codes (``2594A``) to the registry's ids
    (``air-2594A``); without it the store would hold codes no area of the registry knows.
    """
    from publisher.ingest.pipeline import ingest

    results = ingest(paths, ws, reg)
    assert [r.status for r in results] == ["accepted"] * len(paths), [(r.name, r.errors[:3]) for r in results]
    assert sum(r.rows for r in results) > 0


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    home = tmp_path_factory.mktemp("air-bulletins")
    text = DEFAULT_STATIONS.read_text(encoding="utf-8")
    text = text.replace("  - {id: chuxiong, name: 楚雄彝族自治州, level: city}",
                        f"  - {{id: chuxiong, name: 楚雄彝族自治州, level: city}}\n  - {{id: twin, name: {TWIN}, level: city}}")
    text = text.replace("extra_areas: [隆阳区]", f"extra_areas: [隆阳区, {TWIN}]")
    assert text.count(TWIN) == 3
    (home / "stations.yaml").write_text(text, encoding="utf-8")
    (home / "air.yaml").write_text(
        "ranking:\n  name: 云南省16个州（市）及对照市\n  areas: [" + ", ".join(GROUP + [TWIN]) + "]\n"
        "daily:\n  release_hour: 12\n", encoding="utf-8")
    ws = Workspace(home)
    reg = registry_mod.load(ws.stations)
    inbox = home / "inbox"
    inbox.mkdir()
    for feed in (FEED, YUNNAN):
        shutil.copy(feed, inbox / feed.name)
    # the sample county stations' air files and the sample forecasts of May and June 2026
    from publisher.demo import sample

    generated = home / "generated"
    for w in sample.generate(generated, "2026-05", "2026-06", registry=reg, with_real_air=False):
        if "空气" in w.path.name:
            shutil.copy(w.path, inbox / w.path.name)
    _ingest(sorted(inbox.iterdir()), ws, reg)
    return ws


@pytest.fixture(scope="module")
def reg(workspace):
    return registry_mod.load(workspace.stations)


def _monthly(workspace, reg, label: str):
    return air_monthly.assemble(Job(kind="air-monthly", period=Period.parse(label), workspace=workspace, registry=reg))


def _daily(workspace, reg, label: str):
    return air_daily.assemble(Job(kind="air-daily", period=Period.parse(label), workspace=workspace, registry=reg))


@pytest.fixture(scope="module")
def may(workspace, reg):
    return _monthly(workspace, reg, "2026-05")


@pytest.fixture(scope="module")
def june(workspace, reg):
    return _monthly(workspace, reg, "2026-06")


def _publisher(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed ``publisher`` command in a subprocess (the real entry point, not an import)."""
    import os

    exe = Path(sys.executable).with_name("publisher")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from publisher.cli import main; main()"]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done


def _cli_period_stats(workspace: Workspace, reg, areas: list[str], period: str) -> dict[tuple[str, str], dict[str, str]]:
    """``publisher evaluate air FEEDS… --areas A.csv --period-stats OUT.csv --period P`` on the files the
    store was filled from, with the registry's mapping of `areas`; rows by area (as printed: text)."""
    link = reg.air_areas().filter(pl.col("area").is_in(areas))
    tag = f"{period}-{hashlib.sha256(','.join(areas).encode()).hexdigest()[:8]}"
    mapping, out = workspace.home / f"areas-{tag}.csv", workspace.home / f"stats-{tag}.csv"
    link.write_csv(mapping)
    files = [str(p) for p in sorted((workspace.home / "archive").rglob("*")) if p.is_file()]
    files = [f for f in files if f.endswith(".csv.gz") or "空气_" in f]
    _publisher("evaluate", "air", *files, "--areas", str(mapping), "--stations", str(workspace.stations),
               "--period-stats", str(out), "--period", period)
    rows = pl.read_csv(out, infer_schema_length=0).to_dicts()
    return {(r["area"], r["period"]): r for r in rows}


#: column → decimals as the command prints it (None: printed as is)
PRINTED = {"valid_days": 0, "good_days": 0, **{f"days_level{k}": 0 for k in range(1, 7)},
           "so2": 0, "no2": 0, "pm10": 0, "pm2_5": 0, "o3_8h_p90": 0, "co_p95": 1, "good_day_ratio": 1,
           "composite_index": 2, "standard": None, "composite_primary": None, "rank": None, "dust": None}


def _as_printed(value, decimals):
    if value is None or value == "":
        return None
    return str(value) if decimals is None else f"{value:.{decimals}f}"


def _assert_same(figures: dict, printed: dict, what, rank: bool = True) -> None:
    assert figures is not None and printed is not None, what
    for column, decimals in PRINTED.items():
        if column == "rank" and not rank:
            continue
        assert _as_printed(figures[column], decimals) == _as_printed(printed[column], None), (what, column)


@pytest.fixture(scope="module")
def may_built(workspace, reg):
    from publisher.bulletins.build import build

    return build("air-monthly", "2026-05", workspace, registry=reg)


@pytest.fixture(scope="module")
def june_built(workspace, reg):
    from publisher.bulletins.build import build

    return build("air-monthly", "2026-06", workspace, registry=reg)


def test_monthly_figures_are_the_cli_period_stats(workspace, reg, may_built):
    """What ``publisher evaluate air --period-stats`` prints for the month and the year to date is what the
    monthly bulletin prints (bulletin.json, data.csv), ranks included: the bulletin ranks the group's cities
    among themselves and the sample counties among themselves, so the command is given exactly those areas;
    隆阳区 (real, alone among the counties) is not ranked."""
    document = json.loads((may_built.path / "bulletin.json").read_text(encoding="utf-8"))
    figures = document["figures"]
    assert [c["name"] for c in figures["comparison"]] != []
    assert {c["name"] for c in figures["comparison"]} == set(GROUP + [TWIN])
    month, ytd = figures["period"]["label"], figures["period"]["ytd_label"]
    assert (month, ytd) == ("2026-05", "2026-01~05")
    areas = {a["name"]: a for a in figures["areas"]}
    checked = set()
    for names, ranked in ((GROUP + [TWIN], True), (SAMPLE_COUNTIES, True), (["隆阳区"], False)):
        by_month = _cli_period_stats(workspace, reg, names, "month")
        by_ytd = _cli_period_stats(workspace, reg, names, "ytd")
        for name in names:
            if name in areas:
                _assert_same(areas[name]["month"], by_month[(name, month)], (name, month), rank=ranked)
                _assert_same(areas[name]["ytd"], by_ytd[(name, ytd)], (name, ytd), rank=ranked)
                checked.add(name)
        for city in figures["comparison"] if ranked and "保山市" in names else []:
            _assert_same(city["row"], by_month[(city["name"], month)], (city["name"], "comparison"))
            assert (city["rank"] if city["rank_value"] is not None else "") == (by_month[(city["name"], month)]["rank"] or "")
            checked.add(city["name"])
    assert areas["隆阳区"]["rank"] is None and areas["隆阳区"]["month"]["rank"] is None
    assert checked >= set(GROUP) | {TWIN, "隆阳区", *SAMPLE_COUNTIES}
    # the year to date reaches back into February: 2012-era days counted under their own rules
    assert areas["保山市"]["month"]["standard"] == "2026" and areas["保山市"]["ytd"]["standard"] == "2012+2026"
    # data.csv (UTF-8 with BOM) carries the same month figures, printed as the page prints them
    table = pl.read_csv(io.BytesIO((may_built.path / "data.csv").read_bytes()), infer_schema_length=0)
    assert table.columns[0] == "地区"
    cli_row = _cli_period_stats(workspace, reg, GROUP + [TWIN], "month")[("保山市", month)]
    row = table.filter(pl.col("地区") == "保山市").row(0, named=True)
    for mine, theirs in (("有效监测天数", "valid_days"), ("优良天数", "good_days"), ("优良天数比例（%）", "good_day_ratio"),
                         ("细颗粒物（PM₂.₅）月均浓度（μg/m³）", "pm2_5"),
                         ("一氧化碳（CO）24小时平均第95百分位数（mg/m³）", "co_p95"),
                         ("环境空气质量综合指数", "composite_index"), ("排名", "rank")):
        assert row[mine] == cli_row[theirs], mine


def test_data_csv_full_headers_and_published_decimals(may_built):
    """Full column headers; decimals as printed (100.0, 0.5, 2.18), never floats trimmed (100, 0.50)."""
    raw = (may_built.path / "data.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    head = text.splitlines()[0].split(",")
    for column in ("二氧化硫（SO₂）月均浓度（μg/m³）", "可吸入颗粒物（PM₁₀）月均浓度（μg/m³）",
                   "臭氧（O₃）日最大8小时平均第90百分位数（μg/m³）", "环境空气质量综合指数", "优良天数比例（%）",
                   "1—5月累计统计日期", "数据有效性"):
        assert column in head, column
    table = pl.read_csv(io.BytesIO(raw), infer_schema_length=0)
    row = table.filter(pl.col("地区") == "保山市").row(0, named=True)
    assert row["优良天数比例（%）"] == "100.0"
    assert re.fullmatch(r"\d\.\d", row["一氧化碳（CO）24小时平均第95百分位数（mg/m³）"])
    assert re.fullmatch(r"\d\.\d\d", row["环境空气质量综合指数"])
    assert row["1—5月累计统计日期"] == "2月26日—5月31日"
    assert "µ" not in text and "O₃_8h" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_the_ranking_group_is_the_configured_one(workspace, reg, may):
    """The group of air.yaml, named in the bulletin; the other seed cities are not 保山's peers."""
    c = may.context
    assert c["ranking"]["name"] == "云南省16个州（市）及对照市"
    names = [x["name"] for x in c["comparison"]]
    assert set(names) == set(GROUP + [TWIN])
    assert not {"洛阳市", "绵阳市", "南宁市", "贵阳市"} & set(names)
    assert any("云南省16个州（市）及对照市中" in line for line in c["conclusions"])
    # the shipped default: the 16 州（市） of 云南省
    default = air_common.settings(None, registry_mod.load())
    assert default.ranking_name == "云南省16个州（市）" and list(default.ranking_areas) == GROUP
    assert default.path == air_common.DEFAULT_SETTINGS


def test_a_bad_air_yaml_is_refused_with_every_problem(tmp_path, reg):
    (tmp_path / "air.yaml").write_text("ranking:\n  name: ''\n  areas: [保山市, 火星市, 保山市]\n  colour: red\n"
                                       "daily: {release_hour: 25}\nextra: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        air_common.settings(tmp_path, reg)
    text = str(err.value)
    for part in ("bad_air_config", "未知的设置项 'extra'", "ranking.colour", "ranking.name", "火星市", "保山市 重复",
                 "release_hour"):
        assert part in text, part
    (tmp_path / "air.yaml").write_text("ranking:\n  name: 组\n  areas: [昆明市]\n", encoding="utf-8")
    with pytest.raises(InputError, match="应包含本地区 保山市"):
        air_common.settings(tmp_path, reg)
    (tmp_path / "air.yaml").write_bytes(b"#" * (air_common.MAX_SETTINGS_BYTES + 1))
    with pytest.raises(InputError, match="过大"):
        air_common.settings(tmp_path, reg)


def test_ranking_ties_are_shared(may):
    comparison = may.context["comparison"]
    rows = {c["name"]: c for c in comparison}
    assert rows[TWIN]["composite_index"] == rows["保山市"]["composite_index"]
    assert rows[TWIN]["rank"] == rows["保山市"]["rank"]
    assert "并列" in rows["保山市"]["rank"]
    assert may.context["ranking"]["ties"]
    values = [c["rank_value"] for c in comparison if c["rank_value"] is not None]
    assert values == sorted(values)
    tied = rows["保山市"]["rank_value"]
    after = [c["rank_value"] for c in comparison if c["rank_value"] and c["rank_value"] > tied]
    if after:
        assert min(after) == tied + 2
    assert any(f"与{TWIN}并列第{tied}名" in line for line in may.context["conclusions"])


def test_a_month_failing_validity_is_not_headlined_nor_ranked(june, june_built, workspace, reg):
    """保山 June 2026: 23 valid PM₁₀ daily values (27 needed, GB 3095 表4). The month is not ranked (ranking
    rules: a city whose data fail the validity rule publishes what is missing), no good-day ratio is
    headlined, and where each figure would be the page says what is missing."""
    c = june.context
    baoshan = c["areas"][0]
    assert baoshan["name"] == "保山市" and not baoshan["valid"]
    assert baoshan["shortfalls"] == ["PM₁₀有效日均值23个，少于27个"]
    assert baoshan["month"]["days_pm10"] == 23 and baoshan["month"]["rank"] is None
    headline = c["conclusions"][0]
    assert "PM₁₀有效日均值23个，少于27个" in headline and "不参与" in headline
    assert "优良天数比例为" not in headline.split("1—6月累计")[0]
    pm10 = next(x for x in baoshan["concentrations"] if x["code"] == "pm10")
    assert pm10["text"] == "—" and "有效日均值23个" in pm10["compare"]
    assert baoshan["composite_text"] == "—"
    me = next(x for x in c["comparison"] if x["name"] == "保山市")
    assert me["rank_value"] is None and me["lacking"] == ["6月PM₁₀有效日均值23个，少于27个"]
    assert "保山市" in c["ranking"]["unranked"]
    # the command leaves it unranked too, and says why
    cli = _cli_period_stats(workspace, reg, GROUP + [TWIN], "month")[("保山市", "2026-06")]
    assert cli["rank"] is None and "不参与排名" in cli["notes"]
    html = (june_built.path / "index.html").read_text(encoding="utf-8")
    assert "数据不满足统计有效性要求，不参与排名：6月PM₁₀有效日均值23个，少于27个" in html
    # a valid month is headlined with its ratio
    assert "优良天数比例为100.0%" in _monthly(workspace, reg, "2026-05").context["conclusions"][0]


def test_year_to_date_rows_say_which_days_they_cover(may):
    c = may.context
    baoshan = c["areas"][0]
    assert baoshan["span"] == "5月1日—5月31日" and baoshan["ytd_span"] == "2月26日—5月31日"
    counties = {x["name"]: x for x in c["counties"]}
    assert counties["施甸县"]["ytd_span"] == "5月1日—5月31日"  # this store holds its May and June only
    assert counties["隆阳区"]["ytd_span"] == "2月26日—5月31日"
    assert "（统计日期2月26日—5月31日" in c["conclusions"][0]


def test_real_and_sample_areas_are_never_ranked_together(may):
    c = may.context
    counties = {x["name"]: x for x in c["counties"]}
    assert counties["隆阳区"]["rank"] == "—" and counties["隆阳区"]["same_as_region"]
    ranks = sorted(counties[n]["rank_value"] for n in SAMPLE_COUNTIES)
    assert ranks[0] == 1 and None not in ranks
    for line in c["conclusions"]:
        if "相对最好" in line or "排第" in line or "并列第" in line:
            named_sample = [n for n in SAMPLE_COUNTIES if n in line]
            named_real = [n for n in GROUP + ["隆阳区"] if n in line]
            assert not (named_sample and named_real), line


def _public_texts(built) -> dict[str, str]:
    return {"index.html": (built.path / "index.html").read_text(encoding="utf-8"),
            "bulletin.pdf": pdf_text(built.path / "bulletin.pdf"),
            "data.csv": (built.path / "data.csv").read_bytes().decode("utf-8-sig")}


def test_internal_notes_stay_out_of_the_public_files(may_built, june_built):
    """HJ 663-2026 pending, file names, digests, missing-hour lists, dust.csv, 本系统…: in bulletin.json
    under ``review`` (and printed by ``publisher history``), never on the page, in the PDF or in data.csv."""
    for built in (may_built, june_built):
        document = json.loads((built.path / "bulletin.json").read_text(encoding="utf-8"))
        digests = [i["sha256"] for i in document["inputs"]]
        assert digests and document["inputs"][0]["file"]
        review = " ".join(n["text"] for n in document["review"])
        assert "HJ 663-2026" in review and "缺测" in review and "市环保局（2595A）" in review
        assert {n["topic"] for n in document["review"]} >= {"method", "data", "configuration", "provenance"}
        for name, text in _public_texts(built).items():
            for phrase in INTERNAL + tuple(digests):
                assert phrase not in text, (built.path.name, name, phrase)
        # the public page states the data source, the monitoring unit and the evaluation basis
        html = _public_texts(built)["index.html"]
        assert "数据来源：" in html and "监测单位：中国环境监测总站" in html and "评价依据：" in html


def test_notation_of_the_public_files(may_built, june_built):
    """μ (U+03BC) never µ (U+00B5); O₃-8h never O₃_8h; dates as 2026年6月5日."""
    for built in (may_built, june_built):
        for name, text in _public_texts(built).items():
            assert "µ" not in text and "O₃_8h" not in text, name
            assert not re.search(r"\b\d{4}-\d{2}(-\d{2})?\b", text), (name, re.search(r"\b\d{4}-\d{2}(-\d{2})?\b", text))
        assert "μg/m³" in _public_texts(built)["index.html"]
    assert "2026年6月5日" in _public_texts(may_built)["index.html"]


def test_history_prints_the_notes_for_the_reviewers(workspace, may_built):
    result = CliRunner().invoke(cli, ["history", "--kind", "air-monthly", "--period", "2026-05",
                                      "--home", str(workspace.home)])
    assert result.exit_code == 0, result.output
    assert "审核提示（不对外公开）" in result.output
    assert "HJ 663-2026文本尚未取得" in result.output and "市环保局（2595A）" in result.output


def test_version_notes_for_a_month_after_the_switch(workspace, reg):
    march = _monthly(workspace, reg, "2026-03")
    notes = "".join(march.context["version_notes"])
    # March is judged by the 2026 texts; its year to date holds 2012-era February days
    assert "2026年3月1日至2026年3月31日的数据按GB 3095-2026" in notes
    assert "HJ 633-2012" in notes and "跨越2026年3月1日" in notes


def _half_even(num: decimal.Decimal, places: int) -> float:
    q = decimal.Decimal(1).scaleb(-places)
    return float(num.quantize(q, rounding=decimal.ROUND_HALF_EVEN))


def _iaqi(value: float, points: list, levels: list) -> int:
    for i in range(1, len(points)):
        lo, hi = points[i - 1], points[i]
        if hi is None:
            break
        if value <= hi:
            return math.ceil((levels[i] - levels[i - 1]) / (hi - lo) * (value - lo) + levels[i - 1] - 1e-9)
    return 500


def test_daily_report_aqi_of_a_june_day(workspace, reg):
    day = dt.date(2026, 6, 10)
    b = _daily(workspace, reg, day.isoformat())
    section = next(s for s in b.context["areas"] if s["name"] == "保山市")
    # oracle: the feed's own 24-h and daily-max-8-h values of the two stations at D+1 00:00 (every hour
    # of the day present: the area value is the mean of the two exact station means, the feed's rounded)
    feed = pl.read_csv(FEED, infer_schema_length=0)
    at = feed.filter(pl.col("stationcode").is_in(["2594A", "2595A"]), pl.col("timepoint") == "2026-06-11T0000")
    assert at.height == 2
    table = standards.in_force("hj633", day)
    levels = table["iaqi_levels"]["values"]
    cells = {c["code"]: c for c in section["cells"]}
    assert list(cells) == ["so2", "no2", "co", "o3_8h", "pm10", "pm2_5"]  # 表4 order, no O₃ 1-h in 2026
    for code, column in (("so2", "so2_24h"), ("no2", "no2_24h")):
        values = [decimal.Decimal(v) for v in at.get_column(column).to_list()]
        assert abs(cells[code]["value"] - float(sum(values) / len(values))) <= 0.5, code
    iaqis = []
    for code, indicator in table["daily"]["indicators"].items():
        value = cells[code]["value"]
        assert value is not None, code
        iaqis.append(_iaqi(value, table["breakpoints"][indicator], levels))
        assert cells[code]["iaqi"] == iaqis[-1], code
    assert section["aqi"] == max(iaqis)
    item = next(i for i in table["levels"]["items"] if i["aqi_from"] <= section["aqi"] <= (i["aqi_to"] or 999))
    assert section["category"] == item["category_zh"] and section["level"] == item["level_zh"]
    advice = next(a for a in b.context["advice"] if a["category"] == item["category_zh"])
    assert "保山市" in advice["areas"]
    assert (advice["health_effect"], advice["advice"]) == (item["health_effect_zh"], item["advice_zh"])
    assert b.issued == dt.date(2026, 6, 11) and b.context["published"] == "2026年6月11日12时"


def test_daily_report_pages(workspace, reg):
    """One page: per area AQI, 首要污染物, 级别, 类别 with its colour, 健康影响 and 建议措施, the time of
    publication, and the forecast issued on or before the day (sample forecasts, so marked)."""
    from publisher.bulletins.build import build

    built = build("air-daily", "2026-06-10", workspace, registry=reg)
    text = pdf_text(built.path / "bulletin.pdf")
    pages = _pages(built.path / "bulletin.pdf")
    assert pages == 1
    for phrase in ("空气质量指数", "首要污染物", "级别", "类别", "对健康影响情况", "建议采取的措施", "发布时间：2026年6月11日12时",
                   "空气质量预报", "6月11日", "6月13日", "预报数据为样例数据"):
        assert phrase in text, phrase
    html = (built.path / "index.html").read_text(encoding="utf-8")
    assert "background:#00E400" in html or "background:#FFFF00" in html
    assert "日最大1小时" not in html  # HJ 633-2026 drops the O3 1-hour maximum from the daily report
    b = _daily(workspace, reg, "2026-06-10")
    assert b.context["forecast"]["issued"] == "2026-06-10"
    assert [d["date"] for d in b.context["forecast"]["days"]] == ["2026-06-11", "2026-06-12", "2026-06-13"]
    for phrase in INTERNAL:
        assert phrase not in text and phrase not in html, phrase


def test_every_daily_report_of_the_demo_week_is_one_page(workspace, reg):
    from publisher.bulletins.build import build

    for day in range(10, 17):
        built = build("air-daily", f"2026-06-{day:02d}", workspace, registry=reg)
        assert _pages(built.path / "bulletin.pdf") == 1, day


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def test_daily_report_without_forecast_says_so(workspace, reg):
    from publisher.bulletins.build import build

    b = _daily(workspace, reg, "2026-03-10")  # no forecast issued on or before 10 March in this store
    assert b.context["forecast"]["rows"] == []
    assert any("暂无" in n.text for n in b.review if n.topic == "provenance")
    built = build("air-daily", "2026-03-10", workspace, registry=reg)
    assert "暂无预报" in pdf_text(built.path / "bulletin.pdf") and _pages(built.path / "bulletin.pdf") == 1


def test_notation_and_internal_notes_of_the_daily_files(workspace, reg):
    from publisher.bulletins.build import build

    built = build("air-daily", "2026-06-11", workspace, registry=reg)
    document = json.loads((built.path / "bulletin.json").read_text(encoding="utf-8"))
    assert any("有效小时" in n["text"] for n in document["review"])  # per station, for the reviewers
    for name, text in _public_texts(built).items():
        assert "µ" not in text and "O₃_8h" not in text, name
        assert not re.search(r"\b\d{4}-\d{2}(-\d{2})?\b", text), name
        for phrase in INTERNAL + ("有效小时",) + tuple(i["sha256"] for i in document["inputs"]):
            assert phrase not in text, (name, phrase)


def test_an_area_without_aqi_leads_nothing(workspace, reg):
    """11 June 2026: 保山市 has no AQI (PM₁₀ short, HJ 633-2026 5.3.1); the headline names no county."""
    b = _daily(workspace, reg, "2026-06-11")
    city = b.context["areas"][0]
    assert city["name"] == "保山市" and city["aqi"] is None
    headline = b.context["headline"]
    assert "保山市" in headline and "PM₁₀有效数据不足" in headline and "不发布AQI" in headline
    assert not any(n in headline for n in SAMPLE_COUNTIES + ["隆阳区"])
    assert any(s["aqi"] is not None for s in b.context["areas"] if s["name"] in SAMPLE_COUNTIES)


def test_daily_report_of_a_2012_day_has_the_o3_1h_maximum(workspace, reg):
    b = _daily(workspace, reg, "2026-02-27")
    assert b.context["has_o3_1h"]
    section = b.context["areas"][0]
    assert "o3_1h" in {c["code"] for c in section["cells"]}
    assert "HJ633-2012" in b.standards
    county = next(s for s in b.context["areas"] if s["name"] == "施甸县")
    assert county["aqi"] is None and county["missing"] == "当日无监测数据"
    # 2012 texts partly from memory: marked for the reviewers, not caveated on the page
    assert any("四级、五级" in n.text and "不是标准原文" in n.text for n in b.review)


def test_2026_health_texts_are_the_standards_own(workspace, reg):
    b = _daily(workspace, reg, "2026-06-10")
    assert not any("不是标准原文" in n.text for n in b.review)


def test_assembling_twice_gives_identical_figures(workspace, reg, may):
    again = _monthly(workspace, reg, "2026-05")
    assert json.dumps(again.context, ensure_ascii=False, sort_keys=True) == \
        json.dumps(may.context, ensure_ascii=False, sort_keys=True)
    for name, frame in may.tables.items():
        assert again.tables[name].equals(frame)


def test_two_builds_are_byte_identical(workspace, reg):
    from publisher.bulletins.build import build

    digests = []
    for _ in range(2):
        built = build("air-monthly", "2026-05", workspace, registry=reg)
        files = sorted(p for p in built.path.rglob("*") if p.is_file())
        digests.append({str(p.relative_to(built.path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]
    assert {"index.html", "bulletin.pdf", "data.csv", "data.xlsx", "bulletin.json", "manifest.json"} <= set(digests[0])
    daily = [build("air-daily", "2026-06-10", workspace, registry=reg) for _ in range(2)]
    assert daily[0].content_sha256 == daily[1].content_sha256


def test_dust_day_reported_both_ways_as_the_cli_does(workspace, reg):
    """A workspace's dust.csv (the --dust layout) flags 28 May for 保山市: the bulletin gives PM10, PM2.5 and
    the composite index 扣沙 beside 不扣沙 (环办监测〔2016〕120号), keeps the good-day ratio, and its figures
    are the command's `--dust` rows."""
    flags = workspace.home / "dust.csv"
    flags.write_text("area,date\n保山市,2026-05-28\n", encoding="utf-8")
    try:
        b = _monthly(workspace, reg, "2026-05")
    finally:
        flags.unlink()
    c = b.context
    assert c["dust"]["flagged"] and c["dust"]["days"] == {"保山市": ["2026-05-28"]}
    assert "扣沙" in c["dust"]["note"] and "28日" in c["dust"]["note"] and "dust.csv" not in c["dust"]["note"]
    assert any("dust.csv" in n.text for n in b.review)
    link = reg.air_areas().filter(pl.col("area").is_in(GROUP + [TWIN]))
    mapping, out = workspace.home / "areas-dust.csv", workspace.home / "stats-dust.csv"
    link.write_csv(mapping)
    dust_csv = workspace.home / "dust-flags.csv"
    dust_csv.write_text("area,date\n保山市,2026-05-28\n", encoding="utf-8")
    _publisher("evaluate", "air", str(YUNNAN), "--areas", str(mapping), "--stations", str(workspace.stations),
               "--period-stats", str(out), "--period", "month", "--dust", str(dust_csv))
    rows = {(r["area"], r["dust"]): r for r in pl.read_csv(out, infer_schema_length=0).to_dicts()
            if r["period"] == "2026-05"}
    kept, cut = rows[("保山市", "不扣沙")], rows[("保山市", "扣沙")]
    assert kept["pm10"] != cut["pm10"]  # the 28th (PM10 its primary pollutant) weighs on the mean
    baoshan = next(x for x in c["comparison"] if x["name"] == "保山市")
    _assert_same(baoshan["row"], kept, "不扣沙", rank=False)
    assert baoshan["dust_index"] == cut["composite_index"]
    conc = {x["code"]: x for x in c["areas"][0]["concentrations"]}
    assert (conc["pm10"]["dust_text"], conc["pm2_5"]["dust_text"]) == (cut["pm10"], cut["pm2_5"])
    assert (conc["pm10"]["text"], conc["pm2_5"]["text"]) == (kept["pm10"], kept["pm2_5"])
    assert kept["good_day_ratio"] == cut["good_day_ratio"] == _as_printed(baoshan["row"]["good_day_ratio"], 1)


def test_publisher_check_reads_the_air_settings(tmp_path, monkeypatch):
    """``publisher check`` names the ranking group it will use, and fails on a bad air.yaml."""
    monkeypatch.setenv("PUBLISHER_HOME", str(tmp_path))
    ok = CliRunner().invoke(cli, ["check"])
    assert ok.exit_code == 0, ok.output
    assert "air: ranking group 云南省16个州（市） (16 cities), daily report published at 12:00" in ok.output
    (tmp_path / "air.yaml").write_text("ranking:\n  name: 组\n  areas: [保山市, 洛阳]\n", encoding="utf-8")
    bad = CliRunner().invoke(cli, ["check"])
    assert bad.exit_code == 1 and "洛阳" in bad.output and "bad_air_config" in bad.output
