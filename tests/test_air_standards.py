"""The air standards tables: breakpoints of both HJ 633 versions pinned to the printed tables, both
sides of every breakpoint, the 2026-03-01 switch, and IAQI 100 = the class-2 limits.

Expected numbers are copied from the standards' tables (HJ 633-2012 表1, HJ 633-2026 表3, GB 3095
表1); the IAQI reference values are computed here with exact fractions, independently of the code.
"""
from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import polars as pl
import pytest

from publisher import standards
from publisher.evaluate import air
from tests.clauses import clause_id

LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]
COMMON = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "so2_1h": [0, 150, 500, 650, 800, None, None, None],
    "no2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "no2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "co_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "co_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "o3_8h": [0, 100, 160, 215, 265, 800, None, None],
}
PRINTED = {
    "HJ633-2012": {**COMMON, "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
                   "pm2_5_24h": [0, 35, 75, 115, 150, 250, 350, 500]},
    "HJ633-2026": {**COMMON, "pm10_24h": [0, 50, 120, 250, 350, 420, 500, 600],
                   "pm2_5_24h": [0, 35, 60, 115, 150, 250, 350, 500]},
}
# class-2 limits printed in GB 3095-2012 表1 and GB 3095-2026 表1 (transition columns)
CLASS2 = {
    "GB3095-2012": {"so2": {"annual": 60, "daily": 150, "hourly": 500}, "no2": {"annual": 40, "daily": 80, "hourly": 200},
                    "co": {"daily": 4, "hourly": 10}, "o3": {"daily_max_8h": 160, "hourly": 200},
                    "pm10": {"annual": 70, "daily": 150}, "pm2_5": {"annual": 35, "daily": 75}},
    "GB3095-2026": {"so2": {"annual": 60, "daily": 150, "hourly": 500}, "no2": {"annual": 40, "daily": 80, "hourly": 200},
                    "co": {"daily": 4, "hourly": 10}, "o3": {"daily_max_8h": 160, "hourly": 200},
                    "pm10": {"annual": 60, "daily": 120}, "pm2_5": {"annual": 30, "daily": 60}},
}
FINAL_2031 = {"so2": {"annual": 20, "daily": 50, "hourly": 150}, "no2": {"annual": 30, "daily": 50, "hourly": 200},
              "co": {"daily": 4, "hourly": 10}, "o3": {"daily_max_8h": 160, "hourly": 200},
              "pm10": {"annual": 50, "daily": 100}, "pm2_5": {"annual": 25, "daily": 50}}


def reference_iaqi(c: Fraction, points: list) -> int:
    """HJ 633 formula with exact fractions, ceiling."""
    for i in range(1, len(points)):
        if points[i] is None:
            break
        if c <= points[i]:
            lo, hi = points[i - 1], points[i]
            return math.ceil(Fraction(LEVELS[i] - LEVELS[i - 1], hi - lo) * (c - lo) + LEVELS[i - 1])
    return 500


def ours(values: list[Fraction], table_id: str, indicator: str) -> list[int | None]:
    table = standards.get(table_id)
    frame = pl.DataFrame({"c": [int(v * 1000) for v in values]}, schema={"c": pl.Int64})
    return frame.select(air.iaqi(pl.col("c"), table, indicator)).to_series().to_list()


def test_tables_load_and_do_not_overlap():
    assert standards.problems() == []
    assert standards.in_force("hj633", dt.date(2026, 2, 28)).id == "HJ633-2012"
    assert standards.in_force("hj633", dt.date(2026, 3, 1)).id == "HJ633-2026"
    assert standards.in_force("gb3095", dt.date(2026, 2, 28)).id == "GB3095-2012"
    assert standards.in_force("gb3095", dt.date(2026, 3, 1)).id == "GB3095-2026"
    for day in (dt.date(2020, 1, 1), dt.date(2026, 3, 1), dt.date(2040, 1, 1)):
        assert standards.in_force("hj663", day).id == "HJ663-2013"
    pending = standards.get("HJ663-2013")["pending"]
    assert str(pending["from"]) == "2026-03-01" and "HJ 663-2026" in pending["note_zh"]
    for table in standards.all_tables():
        if table.family in ("hj633", "gb3095", "hj663"):
            meta = table["meta"]
            assert meta["number"] and meta["sources"] and meta["confidence"]
            known = set(__import__("yaml").safe_load(
                (standards.DATA_DIR / "sources.yaml").read_text(encoding="utf-8")))
            assert set(meta["sources"]) <= known, table.id


@pytest.mark.parametrize("table_id", sorted(PRINTED), ids=lambda t: clause_id(t, "breakpoints"))
def test_breakpoints_equal_the_printed_tables(table_id):
    table = standards.get(table_id)
    assert table["iaqi_levels"]["values"] == LEVELS
    bps = {k: v for k, v in table["breakpoints"].items() if k not in ("clause", "confidence")}
    assert bps == PRINTED[table_id]


@pytest.mark.parametrize("table_id", sorted(PRINTED), ids=lambda t: clause_id(t, "breakpoints"))
def test_every_breakpoint_and_both_sides(table_id):
    """At each breakpoint IAQI equals its level; 0.001 below and 1 unit below/above are checked
    against the exact formula (CO in 0.001 and 0.1 mg/m³ steps)."""
    for indicator, points in PRINTED[table_id].items():
        step = Fraction(1, 10) if indicator.startswith("co") else Fraction(1)
        values, expected = [], []
        for i, bp in enumerate(points):
            if bp is None:
                continue
            for c in (Fraction(bp), Fraction(bp) - Fraction(1, 1000), Fraction(bp) + Fraction(1, 1000),
                      Fraction(bp) - step, Fraction(bp) + step):
                if c < 0 or (indicator in ("so2_1h", "o3_8h") and c > 800):
                    continue
                values.append(c)
                expected.append(reference_iaqi(c, points))
            assert reference_iaqi(Fraction(bp), points) == LEVELS[i]
        assert ours(values, table_id, indicator) == expected, indicator


@pytest.mark.parametrize("table_id", sorted(PRINTED), ids=lambda t: clause_id(t, "breakpoints"))
def test_above_the_top_breakpoint_is_500(table_id):
    for indicator in ("so2_24h", "no2_24h", "no2_1h", "co_24h", "co_1h", "o3_1h", "pm10_24h", "pm2_5_24h"):
        top = PRINTED[table_id][indicator][-1]
        assert ours([Fraction(top) + 1, Fraction(top) * 3], table_id, indicator) == [500, 500]


def test_above_800_rules():
    t12, t26 = standards.get("HJ633-2012"), standards.get("HJ633-2026")
    frame = pl.DataFrame({"c": [800_000, 800_001, 1_500_000], "other": [None, 150, 300]})
    so2_26 = frame.select(air.iaqi(pl.col("c"), t26, "so2_1h")).to_series().to_list()
    o3_26 = frame.select(air.iaqi(pl.col("c"), t26, "o3_8h")).to_series().to_list()
    assert so2_26 == [200, 200, 200] and o3_26 == [300, 300, 300]
    # 2012: the IAQI of the other indicator (SO2 24-h mean / O3 1-h value) is reported instead
    repl = frame.select(air.iaqi(pl.col("c"), t12, "so2_1h", above_800=pl.col("other"))).to_series().to_list()
    assert repl == [200, 150, 300]


@pytest.mark.parametrize("table_id,gb_id", [
    pytest.param(t, g, id=f"{clause_id(t, 'breakpoints')}={clause_id(g, 'phases', 0)}")
    for t, g in [("HJ633-2012", "GB3095-2012"), ("HJ633-2026", "GB3095-2026")]])
def test_iaqi_100_equals_class2_limits(table_id, gb_id):
    table, gb = standards.get(table_id), standards.get(gb_id)
    limits = gb["phases"][0]["class2"]
    assert limits == CLASS2[gb_id]
    pairs = {"so2_24h": ("so2", "daily"), "no2_24h": ("no2", "daily"), "co_24h": ("co", "daily"),
             "pm10_24h": ("pm10", "daily"), "pm2_5_24h": ("pm2_5", "daily"), "o3_8h": ("o3", "daily_max_8h"),
             "so2_1h": ("so2", "hourly"), "no2_1h": ("no2", "hourly"), "co_1h": ("co", "hourly"),
             "o3_1h": ("o3", "hourly")}
    for indicator, (pollutant, averaging) in pairs.items():
        assert table["breakpoints"][indicator][2] == limits[pollutant][averaging], indicator


def test_gb3095_2026_phases():
    gb = standards.get("GB3095-2026")
    transition, final = gb["phases"]
    assert (str(transition["from"]), str(transition["to"])) == ("2026-03-01", "2030-12-31")
    assert str(final["from"]) == "2031-01-01" and final["to"] is None
    assert final["class2"] == FINAL_2031
    for key, value in {"daily_min_hours": 20, "o3_8h_min_hours": 6, "monthly_min_days": 27,
                       "february_min_days": 25, "annual_min_days": 324}.items():
        assert gb["validity"][key] == value == standards.get("GB3095-2012")["validity"][key]


def test_switch_at_2026_03_01_hour_ending_0000_vs_0100():
    """PM2.5 70 µg/m³: IAQI 94 under HJ 633-2012 (35..75 → 50..100), 110 under HJ 633-2026 (60..115 → 100..150)."""
    frame = pl.DataFrame({
        "station_id": ["A", "A", "A"],
        "time": [dt.datetime(2026, 2, 28, 23), dt.datetime(2026, 3, 1, 0), dt.datetime(2026, 3, 1, 1)],
        **{p: [None, None, None] for p in ("so2", "no2", "co", "o3", "pm10")},
        "pm2_5": [70.0, 70.0, 70.0]}, schema_overrides={p: pl.Float64 for p in ("so2", "no2", "co", "o3", "pm10")})
    out = air.hourly_aqi(frame, standard="auto")
    assert out.get_column("standard").to_list() == ["HJ633-2012", "HJ633-2012", "HJ633-2026"]
    assert out.get_column("iaqi_pm2_5").to_list() == [
        reference_iaqi(Fraction(70), PRINTED["HJ633-2012"]["pm2_5_24h"]),
        reference_iaqi(Fraction(70), PRINTED["HJ633-2012"]["pm2_5_24h"]),
        reference_iaqi(Fraction(70), PRINTED["HJ633-2026"]["pm2_5_24h"])] == [94, 94, 110]
    forced = air.hourly_aqi(frame, standard="2026")
    assert forced.get_column("iaqi_pm2_5").to_list() == [110, 110, 110]


def test_levels_and_colours_same_in_both_versions():
    expected = [(1, "优", "#00E400"), (2, "良", "#FFFF00"), (3, "轻度污染", "#FF7E00"), (4, "中度污染", "#FF0000"),
                (5, "重度污染", "#99004C"), (6, "严重污染", "#7E0023")]
    for table_id in PRINTED:
        items = standards.get(table_id)["levels"]["items"]
        assert [(i["level"], i["category_zh"], i["hex"]) for i in items] == expected
        assert [i["aqi_to"] for i in items] == [50, 100, 150, 200, 300, None]
        assert all(i["health_effect_zh"] and i["advice_zh"] and i["texts_confidence"] for i in items)
    assert standards.get("HJ633-2012")["exceeding_pollutant"]["iaqi_above"] == 100
    assert standards.get("HJ633-2026")["exceeding_pollutant"] is None
    assert "o3_1h" in standards.get("HJ633-2012")["daily"]["indicators"]
    assert "o3_1h" not in standards.get("HJ633-2026")["daily"]["indicators"]


#: HJ 633-2026 表1 空气质量指数及相关信息, read word for word from the official electronic release
#: (caiyunapp/aqi-hub docs/HJ_633-2026_….pdf, blob 559a715b, page 2 of the standard): 对健康影响情况, 建议采取的措施.
HJ633_2026_TABLE_1 = [
    ("空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
    ("空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响", "极少数异常敏感人群应减少户外活动"),
    ("敏感人群症状有轻度加剧，健康人群出现刺激症状",
     "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"),
    ("进一步加剧敏感人群症状，可能对健康人群心血管系统、呼吸系统有影响",
     "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"),
    ("心血管系统和呼吸系统患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
     "青少年儿童、老年人和心血管系统疾病、呼吸系统疾病患者应停留在室内，停止户外运动，一般人群减少户外运动"),
    ("健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
     "青少年儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"),
]


def test_2026_health_texts_are_the_standards_words():
    """The daily report publishes these without a caveat: they are the text of HJ 633-2026 表1."""
    items = standards.get("HJ633-2026")["levels"]["items"]
    assert [(i["health_effect_zh"], i["advice_zh"]) for i in items] == HJ633_2026_TABLE_1
    assert {i["texts_confidence"] for i in items} == {"official_text"}


def test_2012_texts_marked_where_they_are_the_platforms_not_the_standards():
    """HJ 633-2012 表2 and the national platform's published texts differ at levels 4 and 5 (the platform's
    are kept: the 2017 snapshot reproduces them); those levels are marked so the reviewers see it."""
    items = standards.get("HJ633-2012")["levels"]["items"]
    assert [i["texts_confidence"] for i in items] == ["official_text"] * 3 + ["platform_wording"] * 2 + ["official_text"]
    assert items[5]["advice_zh"] == "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"
