"""Air bulletins (monthly and daily) assembled from a store filled with the real national feed.

The store is filled through the ingest path with ``sample/air_cnemc_seed_cities_2026.csv.gz`` (the
real CNEMC hourly feed of the six seed cities, 2026-02-26 20:00 .. 2026-07-24 19:00). A workspace
``stations.yaml`` adds one comparison area, 对照市, measured by 保山's own two national stations:
its figures equal 保山市's, so the ranking must show a tie (并列).
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

from publisher import registry as registry_mod
from publisher import standards
from publisher.bulletins import air_daily, air_monthly
from publisher.bulletins.base import Job
from publisher.paths import DEFAULT_STATIONS, PROJECT_DIR, Workspace
from publisher.periods import Period

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
TWIN = "对照市"


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
    text = text.replace("  - {id: guiyang, name: 贵阳市, level: city}",
                        f"  - {{id: guiyang, name: 贵阳市, level: city}}\n  - {{id: twin, name: {TWIN}, level: city}}")
    text = text.replace("extra_areas: [隆阳区]", f"extra_areas: [隆阳区, {TWIN}]")
    assert text.count(TWIN) == 3
    (home / "stations.yaml").write_text(text, encoding="utf-8")
    ws = Workspace(home)
    inbox = home / "inbox"
    inbox.mkdir()
    shutil.copy(FEED, inbox / FEED.name)
    _ingest([inbox / FEED.name], ws, registry_mod.load(ws.stations))
    return ws


@pytest.fixture(scope="module")
def reg(workspace):
    return registry_mod.load(workspace.stations)


@pytest.fixture(scope="module")
def may(workspace, reg):
    return air_monthly.assemble(Job(kind="air-monthly", period=Period.parse("2026-05"), workspace=workspace,
                                    registry=reg))


def _publisher(*args: str) -> subprocess.CompletedProcess:
    """The installed ``publisher`` command in a subprocess (the real entry point, not an import)."""
    exe = Path(sys.executable).with_name("publisher")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from publisher.cli import main; main()"]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def _cli_period_stats(workspace: Workspace, reg, areas: list[str], period: str) -> dict[str, dict[str, str]]:
    """``publisher evaluate air FEED --areas A.csv --period-stats OUT.csv --period P`` on the file the
    store was filled from, with the registry's mapping of `areas`; rows by area (as printed: text)."""
    link = reg.air_areas().filter(pl.col("area").is_in(areas))
    tag = f"{period}-{hashlib.sha256(','.join(areas).encode()).hexdigest()[:8]}"
    mapping, out = workspace.home / f"areas-{tag}.csv", workspace.home / f"stats-{tag}.csv"
    link.write_csv(mapping)
    _publisher("evaluate", "air", str(FEED), "--areas", str(mapping), "--stations", str(workspace.stations),
               "--period-stats", str(out), "--period", period)
    head = out.read_text(encoding="utf-8").splitlines()[0]
    assert head.split(",") == ["area", "period", "standard", "valid_days", "so2", "no2", "pm10", "pm2_5", "co_p95",
                               "o3_8h_p90", "good_days", "good_day_ratio",
                               *[f"days_level{k}" for k in range(1, 7)], "composite_index", "composite_primary",
                               "rank", "dust", "notes"]
    rows = pl.read_csv(out, infer_schema_length=0).to_dicts()
    return {(r["area"], r["period"]): r for r in rows}


#: column → decimals as the command prints it (None: printed as is)
PRINTED = {"valid_days": 0, "good_days": 0, **{f"days_level{k}": 0 for k in range(1, 7)},
           "so2": 0, "no2": 0, "pm10": 0, "pm2_5": 0, "o3_8h_p90": 0, "co_p95": 1, "good_day_ratio": 1,
           "composite_index": 2, "standard": None, "composite_primary": None, "rank": None, "dust": None,
           "notes": None}


def _as_printed(value, decimals):
    if value is None or value == "":
        return None
    return str(value) if decimals is None else f"{value:.{decimals}f}"


def _assert_same(figures: dict, printed: dict, what: str) -> None:
    assert figures is not None and printed is not None, what
    for column, decimals in PRINTED.items():
        assert _as_printed(figures[column], decimals) == _as_printed(printed[column], None), (what, column)


@pytest.fixture(scope="module")
def may_built(workspace, reg):
    from publisher.bulletins.build import build

    return build("air-monthly", "2026-05", workspace, registry=reg)


def test_monthly_figures_are_the_cli_period_stats(workspace, reg, may_built):
    """Issue 11: what ``publisher evaluate air --period-stats`` prints for the month and the year to
    date is what the monthly bulletin prints (bulletin.json, data.csv), ranks included: the bulletin
    ranks the cities among the cities and the counties among the counties, so the command is given
    exactly those areas."""
    document = json.loads((may_built.path / "bulletin.json").read_text(encoding="utf-8"))
    figures = document["figures"]
    city_names = [c["name"] for c in figures["comparison"]]
    county_names = [c["name"] for c in figures["counties"]]
    assert TWIN in city_names and "保山市" in city_names and "隆阳区" in county_names
    month, ytd = figures["period"]["label"], figures["period"]["ytd_label"]
    assert (month, ytd) == ("2026-05", "2026-01~05")
    checked = set()
    for names in (city_names, county_names):
        by_month = _cli_period_stats(workspace, reg, names, "month")
        by_ytd = _cli_period_stats(workspace, reg, names, "ytd")
        for area in figures["areas"]:
            if area["name"] not in names:
                continue
            if not area["has_data"]:  # the counties' sample stations have no data in this store
                assert (area["name"], month) not in by_month
                continue
            _assert_same(area["month"], by_month[(area["name"], month)], (area["name"], month))
            _assert_same(area["ytd"], by_ytd[(area["name"], ytd)], (area["name"], ytd))
            checked.add(area["name"])
        for city in figures["comparison"] if names is city_names else []:
            _assert_same(city["row"], by_month[(city["name"], month)], (city["name"], "comparison"))
            assert city["rank"] == by_month[(city["name"], month)]["rank"]
            checked.add(city["name"])
    assert checked >= {"保山市", "隆阳区", TWIN, "楚雄彝族自治州", "洛阳市", "绵阳市", "南宁市", "贵阳市"}
    # the year to date reaches back into February: 2012-era days counted under their own rules
    baoshan = next(a for a in figures["areas"] if a["name"] == "保山市")
    assert baoshan["month"]["standard"] == "2026" and baoshan["ytd"]["standard"] == "2012+2026"
    # data.csv (UTF-8 with BOM) carries the same month figures
    table = pl.read_csv(io.BytesIO((may_built.path / "data.csv").read_bytes()), infer_schema_length=0)
    assert table.columns[0] == "地区"
    by_month = _cli_period_stats(workspace, reg, city_names, "month")
    row = table.filter(pl.col("地区") == "保山市").row(0, named=True)
    cli = by_month[("保山市", month)]
    # (the spreadsheet columns are numbers: 100.0 is written 100)
    for mine, theirs in (("有效监测天数", "valid_days"), ("优良天数", "good_days"), ("优良天数比例(%)", "good_day_ratio"),
                         ("PM2.5月均值(µg/m³)", "pm2_5"), ("CO第95百分位数(mg/m³)", "co_p95"), ("综合指数", "composite_index")):
        assert float(row[mine]) == float(cli[theirs]), mine
    assert row["排名(县级或城市间)"] == cli["rank"]


def test_monthly_real_stations_days_and_honest_notes(may):
    c = may.context
    assert may.title == "保山市2026年5月环境空气质量月报"
    assert c["areas"][0]["name"] == "保山市"
    codes = {s["code"] for s in c["areas"][0]["stations"]}
    assert codes == {"2594A", "2595A"}
    assert len(c["areas"][0]["days"]) == 31
    assert c["data_label"] == "实况数据（未经审核）"
    assert c["issued"] == "2026-06-05"
    # the real feed misses hours in May 2026: said per station, with the invalid days
    text = "".join(c["validity_notes"])
    assert "市环保局（2595A）" in text and "小时" in text
    # there are no data for May 2025: said plainly, no year-on-year figure invented
    joined = "".join(c["conclusions"])
    assert "无2025年5月的监测数据" in joined
    assert c["areas"][0]["yoy"] is None
    # the 2026 statistics notice and the year-to-date reaching back before 2026-03-01
    notes = "".join(c["version_notes"])
    assert "HJ 663-2026" in notes
    assert "跨越2026年3月1日" in notes and "HJ 633-2012" in notes
    assert "不扣沙" in c["dust"]["note"]
    assert set(may.standards) >= {"HJ633-2012", "HJ633-2026", "GB3095-2012", "GB3095-2026", "HJ663-2013"}
    assert may.inputs and may.inputs[0]["file"] == FEED.name
    assert may.inputs[0]["sha256"] == hashlib.sha256(FEED.read_bytes()).hexdigest()
    assert sum(i["rows"] for i in may.inputs) > 0
    json.dumps(c, ensure_ascii=False)  # every figure serialisable
    assert list(may.tables)[0] == "各地区月统计"
    assert "优良天数比例(%)" in may.tables["各地区月统计"].columns


def test_ranking_ties_are_shared(may):
    comparison = may.context["comparison"]
    rows = {c["name"]: c for c in comparison}
    assert rows[TWIN]["composite_index"] == rows["保山市"]["composite_index"]
    assert rows[TWIN]["rank"] == rows["保山市"]["rank"]
    assert "并列" in rows["保山市"]["rank"]
    assert may.context["comparison_ties"]
    values = [c["rank_value"] for c in comparison if c["rank_value"] is not None]
    assert values == sorted(values)
    # the next rank after a tie of two skips one
    tied = rows["保山市"]["rank_value"]
    after = [c["rank_value"] for c in comparison if c["rank_value"] and c["rank_value"] > tied]
    if after:
        assert min(after) == tied + 2
    assert any("并列" in line for line in may.context["conclusions"])


def test_version_notes_for_a_month_before_the_switch(workspace, reg):
    feb = air_monthly.assemble(Job(kind="air-monthly", period=Period.parse("2026-03"), workspace=workspace,
                                   registry=reg))
    notes = "".join(feb.context["version_notes"])
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
    b = air_daily.assemble(Job(kind="air-daily", period=Period.parse(day.isoformat()), workspace=workspace,
                               registry=reg))
    section = next(s for s in b.context["areas"] if s["name"] == "保山市")
    # oracle: the feed's own 24-h and daily-max-8-h values of the two stations at D+1 00:00
    feed = pl.read_csv(FEED, infer_schema_length=0)
    at = feed.filter(pl.col("stationcode").is_in(["2594A", "2595A"]), pl.col("timepoint") == "2026-06-11T0000")
    assert at.height == 2
    table = standards.in_force("hj633", day)
    levels = table["iaqi_levels"]["values"]
    expected = {}
    for code, column, places in (("so2", "so2_24h", 0), ("no2", "no2_24h", 0), ("o3_8h", "o3_8h", 0)):
        values = [decimal.Decimal(v) for v in at.get_column(column).to_list()]
        expected[code] = _half_even(sum(values) / len(values), places)
    cells = {c["code"]: c for c in section["cells"]}
    for code, value in expected.items():
        assert cells[code]["value"] == value, code
    # the AQI is the ceiling IAQI maximum of the area's six daily values (2026 table: no O3 1-h)
    assert "o3_1h" not in cells
    iaqis = []
    for code, indicator in table["daily"]["indicators"].items():
        value = cells[code]["value"]
        assert value is not None, code
        iaqis.append(_iaqi(value, table["breakpoints"][indicator], levels))
        assert cells[code]["iaqi"] == iaqis[-1], code
    assert section["aqi"] == max(iaqis)
    assert section["category"] in {i["category_zh"] for i in table["levels"]["items"]}
    assert section["advice"]
    assert b.issued == dt.date(2026, 6, 11)
    assert len(section["strip"]) == air_daily.STRIP_DAYS


def test_daily_report_of_a_2012_day_has_the_o3_1h_maximum(workspace, reg):
    b = air_daily.assemble(Job(kind="air-daily", period=Period.parse("2026-02-27"), workspace=workspace,
                               registry=reg))
    assert b.context["has_o3_1h"]
    section = b.context["areas"][0]
    assert "o3_1h" in {c["code"] for c in section["cells"]}
    assert "HJ633-2012" in b.standards
    # the counties have no data in this store: said explicitly
    county = next(s for s in b.context["areas"] if s["name"] == "施甸县")
    assert county["aqi"] is None and "无监测数据" in county["status"]


def test_assembling_twice_gives_identical_figures(workspace, reg, may):
    again = air_monthly.assemble(Job(kind="air-monthly", period=Period.parse("2026-05"), workspace=workspace,
                                     registry=reg))
    assert json.dumps(again.context, ensure_ascii=False, sort_keys=True) == \
        json.dumps(may.context, ensure_ascii=False, sort_keys=True)
    for name, frame in may.tables.items():
        assert again.tables[name].equals(frame)


def test_two_builds_are_byte_identical(workspace, reg, tmp_path):
    build_mod = pytest.importorskip("publisher.bulletins.build")
    pytest.importorskip("publisher.render")
    digests = []
    for _ in range(2):
        built = build_mod.build("air-monthly", "2026-05", workspace, registry=reg)
        files = sorted(p for p in built.path.rglob("*") if p.is_file())
        digests.append({str(p.relative_to(built.path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]
    assert {"index.html", "bulletin.pdf", "data.csv", "data.xlsx", "bulletin.json", "manifest.json"} <= set(digests[0])
    daily = [build_mod.build("air-daily", "2026-06-10", workspace, registry=reg) for _ in range(2)]
    assert daily[0].content_sha256 == daily[1].content_sha256
    html = (daily[0].path / "index.html").read_text(encoding="utf-8")
    assert "实况数据（未经审核）" in html and re.search(r"市环境监测站", html)


def test_dust_day_reported_both_ways_as_the_cli_does(workspace, reg):
    """A workspace's dust.csv (the --dust layout) flags 28 May for 保山市: the bulletin gives PM10, PM2.5 and
    the composite index 扣沙 beside 不扣沙 (环办监测〔2016〕120号), keeps the good-day ratio, and its figures
    are the command's `--dust` rows."""
    flags = workspace.home / "dust.csv"
    flags.write_text("area,date\n保山市,2026-05-28\n", encoding="utf-8")
    try:
        b = air_monthly.assemble(Job(kind="air-monthly", period=Period.parse("2026-05"), workspace=workspace,
                                     registry=reg))
    finally:
        flags.unlink()
    c = b.context
    assert c["dust"]["flagged"] and c["dust"]["days"] == {"保山市": ["2026-05-28"]}
    assert "扣沙" in c["dust"]["note"] and "28日" in c["dust"]["note"]
    cities = [x["name"] for x in c["comparison"]]
    link = reg.air_areas().filter(pl.col("area").is_in(cities))
    mapping, out = workspace.home / "areas-dust.csv", workspace.home / "stats-dust.csv"
    link.write_csv(mapping)
    dust_csv = workspace.home / "dust-flags.csv"
    dust_csv.write_text("area,date\n保山市,2026-05-28\n", encoding="utf-8")
    _publisher("evaluate", "air", str(FEED), "--areas", str(mapping), "--stations", str(workspace.stations),
               "--period-stats", str(out), "--period", "month", "--dust", str(dust_csv))
    rows = {(r["area"], r["dust"]): r for r in pl.read_csv(out, infer_schema_length=0).to_dicts()
            if r["period"] == "2026-05"}
    kept, cut = rows[("保山市", "不扣沙")], rows[("保山市", "扣沙")]
    assert kept["pm10"] != cut["pm10"]  # the 28th (PM10 its primary pollutant) weighs on the mean
    baoshan = next(x for x in c["comparison"] if x["name"] == "保山市")
    _assert_same(baoshan["row"], kept, "不扣沙")
    assert baoshan["dust_index"] == cut["composite_index"]
    conc = {x["code"]: x for x in c["areas"][0]["concentrations"]}
    assert (conc["pm10"]["dust_text"], conc["pm2_5"]["dust_text"]) == (cut["pm10"], cut["pm2_5"])
    assert (conc["pm10"]["text"], conc["pm2_5"]["text"]) == (kept["pm10"], kept["pm2_5"])
    assert kept["good_day_ratio"] == cut["good_day_ratio"] == _as_printed(baoshan["row"]["good_day_ratio"], 1)
