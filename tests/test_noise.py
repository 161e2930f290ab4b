"""Noise: GB 3096-2008 limits and HJ 640-2012 grades, pinned to the printed tables on both sides of every
limit and boundary, and the compliance rate, grid mean and road length-weighted mean worked by hand.

Expected numbers are typed here from the standards' tables (GB 3096-2008 表1; HJ 640-2012's grade
tables, "≤50.0 | 50.1~55.0 | 55.1~60.0 | 60.1~65.0 | >65.0" and the road table), not read from the
YAML the code uses.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate import noise
from tests.clauses import clause_id

DAY = dt.date(2025, 6, 15)

# GB 3096-2008 表1 环境噪声限值, dB(A): class -> (day, night)
TABLE1 = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}
# HJ 640-2012: inclusive upper bounds of grades 1-4; above the last is grade 5
UPPER = {("regional", "day"): [50.0, 55.0, 60.0, 65.0], ("regional", "night"): [40.0, 45.0, 50.0, 55.0],
         ("road", "day"): [68.0, 70.0, 72.0, 74.0], ("road", "night"): [58.0, 60.0, 62.0, 64.0]}
WORDS = {1: ("一级", "好"), 2: ("二级", "较好"), 3: ("三级", "一般"), 4: ("四级", "较差"), 5: ("五级", "差")}


def test_tables_are_found_by_the_date_of_the_data():
    assert standards.in_force("gb3096", dt.date(2008, 10, 1)).id == "GB3096-2008"
    assert standards.in_force("hj640", dt.date(2013, 3, 1)).id == "HJ640-2012"
    with pytest.raises(StandardNotFound):
        standards.in_force("gb3096", dt.date(2008, 9, 30))   # GB 3096-93 is not shipped
    with pytest.raises(StandardNotFound):
        standards.in_force("hj640", dt.date(2013, 2, 28))
    known = set(__import__("yaml").safe_load((standards.DATA_DIR / "sources.yaml").read_text(encoding="utf-8")))
    for table_id in ("GB3096-2008", "HJ640-2012"):
        meta = standards.get(table_id)["meta"]
        assert meta["number"] and meta["confidence"] and set(meta["sources"]) <= known


def test_table1_is_the_printed_table():
    table = standards.get("GB3096-2008")
    assert {c: (table["limits"]["day"][c], table["limits"]["night"][c]) for c in TABLE1} == TABLE1
    assert table["notes"]["night_maximum"]["exceed_by_at_most"] == 15
    assert table["notes"]["existing_railway"]["background_limits"] == {"day": 70, "night": 55}
    assert table["periods"]["day"] == {"from": "06:00", "to": "22:00"}
    assert table["periods"]["night"] == {"from": "22:00", "to": "06:00"}


@pytest.mark.parametrize("zone", sorted(TABLE1), ids=lambda z: clause_id("GB3096-2008", "limits", detail=(f"{z}类",)))
def test_every_limit_on_both_sides(zone):
    day_limit, night_limit = TABLE1[zone]
    assert noise.limits(zone, DAY) == {"day": day_limit, "night": night_limit}
    frame = pl.DataFrame({
        "point_id": ["at", "above", "rounds-down", "rounds-up"],
        "zone_class": [zone] * 4, "period": ["2025Q2"] * 4, "date": [DAY] * 4,
        # 0.05 above the limit rounds half-even to the limit (x.05 -> x.0); 0.06 rounds up to 0.1 above
        "ld": [float(day_limit), day_limit + 0.1, day_limit + 0.05, day_limit + 0.06],
        "ln": [float(night_limit), night_limit + 0.1, night_limit + 0.05, night_limit + 0.06]})
    out = noise.point_compliance(frame)
    assert out["ld_limit"].to_list() == [day_limit] * 4 and out["ln_limit"].to_list() == [night_limit] * 4
    assert out["ld_compliant"].to_list() == [True, False, True, False]
    assert out["ln_compliant"].to_list() == [True, False, True, False]
    assert out["ld_over"].to_list() == [None, pytest.approx(0.1), None, pytest.approx(0.1)]
    assert set(out["standard"].to_list()) == {"GB3096-2008"}


@pytest.mark.parametrize("written, canonical", [("0", "0"), ("0类", "0"), ("1类", "1"), ("Ⅱ类", "2"), ("3", "3"),
                                                 ("4a", "4a"), ("4A类", "4a"), (" 4b ", "4b"), ("4B", "4b")])
def test_zone_classes_as_written(written, canonical):
    assert noise.zone_class(written, DAY) == canonical


@pytest.mark.parametrize("bad", ["4", "5类", "", None, "4c"])
def test_a_class_that_is_not_in_the_standard_is_refused(bad):
    with pytest.raises(ValueError, match="NOISE_ZONE_CLASS"):
        noise.zone_class(bad, DAY)
    frame = pl.DataFrame({"point_id": ["P1"], "zone_class": [bad], "period": ["2025Q2"], "date": [DAY],
                          "ld": [50.0], "ln": [40.0]}, schema_overrides={"zone_class": pl.String})
    with pytest.raises(ValueError, match="第1行（点位P1）"):
        noise.point_compliance(frame)


@pytest.mark.parametrize("kind, period", sorted(UPPER), ids=[clause_id("HJ640-2012", k, detail=(p,)) for k, p in sorted(UPPER)])
def test_every_grade_boundary_on_both_sides(kind, period):
    for level, upper in enumerate(UPPER[(kind, period)], start=1):
        at = noise.grade(upper, kind, period, DAY)
        above = noise.grade(round(upper + 0.1, 1), kind, period, DAY)
        assert (at["level"], at["level_zh"], at["grade_zh"]) == (level, *WORDS[level]), (kind, period, upper)
        assert (above["level"], above["level_zh"], above["grade_zh"]) == (level + 1, *WORDS[level + 1])
    lowest = noise.grade(0.0, kind, period, DAY)
    assert lowest["level"] == 1 and lowest["grade_zh"] == "好"


def test_the_grade_is_read_from_the_mean_as_printed():
    # 50.05 prints as 50.0 (half to even) and is 好; 50.06 prints as 50.1 and is 较好; 55.15 prints as 55.2
    assert noise.grade(50.05, "regional", "day", DAY)["value"] == 50.0
    assert noise.grade(50.05, "regional", "day", DAY)["grade_zh"] == "好"
    assert noise.grade(50.06, "regional", "day", DAY)["grade_zh"] == "较好"
    assert noise.grade(55.15, "regional", "day", DAY) == {"value": 55.2, "level": 3, "level_zh": "三级",
                                                          "grade_zh": "一般"}
    assert noise.grade(None, "road", "night", DAY) is None
    with pytest.raises(ValueError):
        noise.grade(50.0, "functional", "day", DAY)
    with pytest.raises(ValueError):
        noise.grade(50.0, "road", "evening", DAY)


@pytest.mark.parametrize("check", standards.get("HJ640-2012")["checks"], ids=lambda c: f"{c['report']}-{c['what']}")
def test_published_bulletins_grades_are_reproduced(check):
    kind = "regional" if check["what"].startswith("regional") else "road"
    period = "night" if "night" in check["what"] else "day"
    assert noise.grade(check["value"], kind, period, DAY)["grade_zh"] == check["grade"]


def test_compliance_rate_per_class_worked_by_hand():
    # six point-quarters: class 1 day 55.0 ok, 55.3 over; class 2 night 50.0 ok, 52.0 over, one night missing;
    # class 4a day 69.9 ok, night 56.0 over
    frame = pl.DataFrame({
        "point_id": ["A", "B", "C", "C", "D", "E"],
        "zone_class": ["1类", "1", "2", "2", "2", "4a"],
        "period": ["2025Q1", "2025Q1", "2025Q1", "2025Q2", "2025Q1", "2025Q1"],
        "date": [dt.date(2025, 2, 10), dt.date(2025, 2, 10), dt.date(2025, 2, 11), dt.date(2025, 5, 12),
                 dt.date(2025, 2, 11), dt.date(2025, 2, 12)],
        "ld": [55.0, 55.3, 58.0, 59.9, 61.2, 69.9],
        "ln": [44.0, 45.0, 50.0, 52.0, None, 56.0]})
    rates = noise.zone_compliance_rates(noise.point_compliance(frame))
    got = {r["zone_class"]: (r["day_monitored"], r["day_compliant"], r["day_rate"],
                             r["night_monitored"], r["night_compliant"], r["night_rate"]) for r in rates.to_dicts()}
    assert got == {"1": (2, 1, 50.0, 2, 2, 100.0),
                   "2": (3, 2, 66.7, 2, 1, 50.0),
                   "4a": (1, 1, 100.0, 1, 0, 0.0),
                   "all": (6, 4, 66.7, 5, 3, 60.0)}
    assert rates["zone_class"].to_list() == ["1", "2", "4a", "all"]
    assert rates.filter(pl.col("zone_class") == "all")["zone_class_zh"].item() == "合计"


def test_a_class_with_nothing_monitored_has_no_rate_and_rates_group_by_year():
    frame = pl.DataFrame({"point_id": ["A", "A"], "zone_class": ["3", "3"], "period": ["2024Q3", "2025Q3"],
                          "date": [dt.date(2024, 8, 1), dt.date(2025, 8, 1)], "ld": [None, 66.0], "ln": [54.0, 55.0],
                          "year": [2024, 2025]})
    rates = noise.zone_compliance_rates(noise.point_compliance(frame), by=["year"], total=False)
    assert rates.to_dicts() == [
        {"year": 2024, "zone_class": "3", "zone_class_zh": "3类声环境功能区", "day_monitored": 0, "day_compliant": 0,
         "day_rate": None, "night_monitored": 1, "night_compliant": 1, "night_rate": 100.0},
        {"year": 2025, "zone_class": "3", "zone_class_zh": "3类声环境功能区", "day_monitored": 1, "day_compliant": 0,
         "day_rate": 0.0, "night_monitored": 1, "night_compliant": 1, "night_rate": 100.0}]


def test_night_maximum_rule_both_sides():
    frame = pl.DataFrame({"point_id": ["A", "B", "C"], "zone_class": ["2", "2", "2"], "period": ["2025Q1"] * 3,
                          "date": [DAY] * 3, "ld": [55.0] * 3, "ln": [45.0] * 3,
                          "lmax_night": [65.0, 65.1, None]})   # night limit 50: 50 + 15 = 65
    assert noise.point_compliance(frame)["night_max_compliant"].to_list() == [True, False, None]


def test_regional_mean_is_the_arithmetic_mean_of_the_grid_points():
    # day: (52.1 + 54.0 + 58.4 + 55.0) / 4 = 54.875 -> 54.9 二级 较好 (an energy mean would give 55.5)
    # night: one point without a night value; (44.2 + 46.0 + 45.3) / 3 = 45.1666… -> 45.2 三级 一般
    grid = pl.DataFrame({"point_id": ["g1", "g2", "g3", "g4"], "date": [DAY] * 4,
                         "ld": [52.1, 54.0, 58.4, 55.0], "ln": [44.2, 46.0, 45.3, None]})
    row = noise.regional_level(grid).row(0, named=True)
    assert row == {"standard": "HJ640-2012", "day_points": 4, "day_mean": 54.9, "day_level": 2, "day_level_zh": "二级",
                   "day_grade_zh": "较好", "night_points": 3, "night_mean": 45.2, "night_level": 3,
                   "night_level_zh": "三级", "night_grade_zh": "一般"}


def test_regional_mean_exactly_half_rounds_to_even():
    # (50.0 + 50.1) / 2 = 50.05 exactly -> 50.0 (half to even) -> 好; (50.1 + 50.2) / 2 = 50.15 -> 50.2
    grid = pl.DataFrame({"point_id": ["a", "b", "c", "d"], "date": [DAY] * 4, "ld": [50.0, 50.1, 50.1, 50.2],
                         "ln": [40.0] * 4, "area": ["x", "x", "y", "y"]})
    out = noise.regional_level(grid, by=["area"]).sort("area")
    assert out["day_mean"].to_list() == [50.0, 50.2]
    assert out["day_grade_zh"].to_list() == ["好", "较好"]


def test_road_mean_is_weighted_by_road_length():
    # day: (1.2·66.4 + 3.5·70.8 + 0.8·72.5) / 5.5 = (79.68 + 247.8 + 58.0) / 5.5 = 385.48 / 5.5 = 70.087…
    # -> 70.1 三级 一般 (unweighted mean 69.9 would be 二级); night without the 0.8 km point:
    # (1.2·57.0 + 3.5·61.9) / 4.7 = (68.4 + 216.65) / 4.7 = 60.648… -> 60.6 三级 一般
    road = pl.DataFrame({"point_id": ["r1", "r2", "r3"], "date": [DAY] * 3, "length_km": [1.2, 3.5, 0.8],
                         "ld": [66.4, 70.8, 72.5], "ln": [57.0, 61.9, None]})
    row = noise.road_level(road).row(0, named=True)
    assert row["length_km"] == pytest.approx(5.5)
    assert (row["day_points"], row["day_length_km"], row["day_mean"], row["day_level"], row["day_grade_zh"]) == \
        (3, pytest.approx(5.5), 70.1, 3, "一般")
    assert (row["night_points"], row["night_length_km"], row["night_mean"], row["night_grade_zh"]) == \
        (2, pytest.approx(4.7), 60.6, "一般")


def test_road_point_without_a_length_is_refused_by_name():
    road = pl.DataFrame({"point_id": ["r1", "r2", "r3"], "date": [DAY] * 3, "length_km": [1.0, 0.0, None],
                         "ld": [66.0, 67.0, 68.0], "ln": [55.0, 56.0, 57.0]})
    with pytest.raises(ValueError, match=r"r2、r3 \[NOISE_ROAD_LENGTH\]"):
        noise.road_level(road)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="date.*NOISE_COLUMNS"):
        noise.regional_level(pl.DataFrame({"point_id": ["a"], "ld": [50.0], "ln": [40.0]}))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_not_a_number_levels_are_refused_by_point(bad):
    functional = pl.DataFrame({"point_id": ["F1", "F2"], "zone_class": ["2", "2"], "period": ["2025Q1"] * 2,
                               "date": [DAY] * 2, "ld": [55.0, bad], "ln": [45.0, 45.0]})
    with pytest.raises(ValueError, match="点位F2 \\[NOISE_VALUE\\]"):
        noise.point_compliance(functional)
    grid = pl.DataFrame({"point_id": ["G1", "G2"], "date": [DAY] * 2, "ld": [52.0, 53.0], "ln": [bad, 44.0]})
    with pytest.raises(ValueError, match="点位G1 \\[NOISE_VALUE\\]"):
        noise.regional_level(grid)
    road = pl.DataFrame({"point_id": ["R1"], "date": [DAY], "length_km": [bad], "ld": [66.0], "ln": [55.0]})
    with pytest.raises(ValueError, match="NOISE_VALUE|NOISE_ROAD_LENGTH"):
        noise.road_level(road)


def test_other_columns_pass_through_point_compliance():
    frame = pl.DataFrame({"point_id": ["A"], "zone_class": ["2"], "period": ["2025Q1"], "date": [DAY],
                          "ld": [58.0], "ln": [51.0], "name": ["市政府"], "source_row": [7]})
    out = noise.point_compliance(frame)
    assert out.select("name", "source_row", "ld_compliant", "ln_compliant", "ln_over").row(0) == \
        ("市政府", 7, True, False, pytest.approx(1.0))
