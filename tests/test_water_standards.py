"""The water standards tables: every GB 3838-2002 Table 1 class boundary, the shipped YAML against the
digest, the item catalogue, and which table is in force when.

Expected limits below are typed from GB 3838-2002 Table 1 (the standards digest, README section 1), not read
from the code under test.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import yaml

from publisher import standards
from publisher.evaluate import water
from tests.clauses import clause_id

DIGEST = Path(__file__).resolve().parent / "data" / "standards"  # the digest's second transcription, copied
T = dt.datetime(2026, 2, 4, 11)

# GB 3838-2002 Table 1, classes Ⅰ..Ⅴ (mg/L; fecal coliform 个/L)
MAX_ITEMS = {
    "codmn": [2, 4, 6, 10, 15],
    "cod": [15, 15, 20, 30, 40],
    "bod5": [3, 3, 4, 6, 10],
    "nh3_n": [0.15, 0.5, 1.0, 1.5, 2.0],
    "cu": [0.01, 1.0, 1.0, 1.0, 1.0],
    "zn": [0.05, 1.0, 1.0, 2.0, 2.0],
    "fluoride": [1.0, 1.0, 1.0, 1.5, 1.5],
    "se": [0.01, 0.01, 0.01, 0.02, 0.02],
    "as": [0.05, 0.05, 0.05, 0.1, 0.1],
    "hg": [0.00005, 0.00005, 0.0001, 0.001, 0.001],
    "cd": [0.001, 0.005, 0.005, 0.005, 0.01],
    "cr6": [0.01, 0.05, 0.05, 0.05, 0.1],
    "pb": [0.01, 0.01, 0.05, 0.05, 0.1],
    "cyanide": [0.005, 0.05, 0.2, 0.2, 0.2],
    "volatile_phenol": [0.002, 0.002, 0.005, 0.01, 0.1],
    "petroleum": [0.05, 0.05, 0.05, 0.5, 1.0],
    "las": [0.2, 0.2, 0.2, 0.3, 0.3],
    "sulfide": [0.05, 0.1, 0.2, 0.5, 1.0],
    "fecal_coliform": [200, 2000, 10000, 20000, 40000],
}
TP = {"river": [0.02, 0.1, 0.2, 0.3, 0.4], "lake": [0.01, 0.025, 0.05, 0.1, 0.2]}
TN_LAKE = [0.2, 0.5, 1.0, 1.5, 2.0]
DO = [7.5, 6, 5, 3, 2]
WB_ZH = {"river": "河流", "lake": "湖库"}


def _classes(rows: list[tuple[str, float, str]]) -> list[int | None]:
    frame = pl.DataFrame(
        [(f"s{i}", T, item, float(v), False, wb) for i, (item, v, wb) in enumerate(rows)],
        schema=water.SAMPLE_SCHEMA, orient="row")
    out = water.item_classes(frame).sort("station_id", descending=False)
    by_id = dict(zip(out["station_id"], out["class"]))
    return [by_id[f"s{i}"] for i in range(len(rows))]


def _boundary_cases(limits: list[float], direction: str) -> list[tuple[float, int]]:
    """(value, expected class) on every limit and just beyond it.

    On a limit: the best class having that limit (从优不从劣). Just beyond Ⅴ: 劣Ⅴ (6); just beyond a lower class's
    limit: the best class whose limit the value still meets.
    """
    cases = []
    for k, limit in enumerate(limits, start=1):
        on_class = min(j for j, lim in enumerate(limits, start=1) if lim == limit)
        cases.append((limit, on_class))
        beyond = limit * (1 + 1e-9) + 1e-12 if direction == "max" else limit * (1 - 1e-9) - 1e-12
        if direction == "max":
            meets = [j for j, lim in enumerate(limits, start=1) if beyond <= lim]
        else:
            meets = [j for j, lim in enumerate(limits, start=1) if beyond >= lim]
        cases.append((beyond, min(meets) if meets else 6))
    return cases


@pytest.mark.parametrize("item, wb", [
    pytest.param(item, wb, id=clause_id("GB3838-2002", "table1", detail=(water.item_name(item), WB_ZH[wb])))
    for item in sorted(MAX_ITEMS) for wb in ("river", "lake")])
def test_table1_max_item_boundaries(item, wb):
    cases = _boundary_cases(MAX_ITEMS[item], "max")
    got = _classes([(item, v, wb) for v, _ in cases])
    assert got == [c for _, c in cases]


@pytest.mark.parametrize("wb", ["river", "lake"], ids=lambda wb: clause_id("GB3838-2002", "table1", detail=("总磷", WB_ZH[wb])))
def test_tp_boundaries_river_and_lake(wb):
    cases = _boundary_cases(TP[wb], "max")
    assert _classes([("tp", v, wb) for v, _ in cases]) == [c for _, c in cases]


def test_tp_same_value_differs_by_waterbody():
    # 0.05 mg/L: river Ⅱ (0.02 < 0.05 <= 0.1), lake Ⅲ (0.025 < 0.05 <= 0.05)
    assert _classes([("tp", 0.05, "river"), ("tp", 0.05, "lake")]) == [2, 3]


def test_tn_lake_only():
    cases = _boundary_cases(TN_LAKE, "max")
    assert _classes([("tn", v, "lake") for v, _ in cases]) == [c for _, c in cases]
    assert _classes([("tn", 0.3, "river")]) == [None]  # rivers: no TN class (河流总氮除外)


@pytest.mark.parametrize("wb", ["river", "lake"], ids=lambda wb: clause_id("GB3838-2002", "table1", detail=("溶解氧", WB_ZH[wb])))
def test_do_minimum_boundaries(wb):
    cases = _boundary_cases(DO, "min")
    assert _classes([("do", v, wb) for v, _ in cases]) == [c for _, c in cases]
    # 7.5 -> Ⅰ, 7.49 -> Ⅱ, 1.99 -> 劣Ⅴ
    assert _classes([("do", 7.5, wb), ("do", 7.49, wb), ("do", 1.99, wb)]) == [1, 2, 6]


@pytest.mark.parametrize("wb", ["river", "lake"], ids=lambda wb: clause_id("GB3838-2002", "table1", detail=("pH值", WB_ZH[wb])))
def test_ph_range(wb):
    values = [6.0, 9.0, 7.0, 5.99, 9.01, 4.0, 10.5]
    assert _classes([("ph", v, wb) for v in values]) == [1, 1, 1, 6, 6, 6, 6]


def test_water_temperature_has_no_class():
    assert _classes([("water_temp", 30.0, "river")]) == [None]


def test_groundwater_classes_gb14848():
    # GB/T 14848-2017: NH3-N Ⅰ 0.02 Ⅱ 0.10 Ⅲ 0.50 Ⅳ 1.50, Ⅴ above; pH Ⅰ-Ⅲ 6.5-8.5, Ⅳ 5.5-9.0, Ⅴ outside;
    # volatile phenols Ⅰ=Ⅱ=0.001 -> 0.001 is Ⅰ (从优); 总α Ⅲ 0.5, above it Ⅳ (never Ⅴ)
    rows = [("nh3_n", 0.02, "groundwater"), ("nh3_n", 0.5, "groundwater"), ("nh3_n", 0.51, "groundwater"),
            ("nh3_n", 1.51, "groundwater"), ("ph", 8.5, "groundwater"), ("ph", 8.6, "groundwater"),
            ("ph", 5.4, "groundwater"), ("volatile_phenol", 0.001, "groundwater"),
            ("gross_alpha", 5.0, "groundwater"), ("trichloromethane", 0.06, "groundwater"),
            ("trichloromethane", 0.061, "groundwater")]
    assert _classes(rows) == [1, 3, 4, 5, 1, 4, 5, 1, 4, 3, 4]


def test_groundwater_las_class1_only_when_not_detected():
    frame = pl.DataFrame([("a", T, "las", 0.05, True, "groundwater"), ("b", T, "las", 0.05, False, "groundwater")],
                         schema=water.SAMPLE_SCHEMA, orient="row")
    out = water.item_classes(frame).sort("station_id")
    assert out["class"].to_list() == [1, 2]


# ------------------------------------------------------------------------------------- tables vs the digest
def test_gb3838_table1_matches_digest():
    digest = yaml.safe_load((DIGEST / "gb3838_table1.yaml").read_text(encoding="utf-8"))
    keys = {"dissolved_oxygen": "do", "permanganate_index": "codmn", "ammonia_nitrogen": "nh3_n",
            "total_phosphorus": "tp", "total_nitrogen": "tn", "copper": "cu", "zinc": "zn", "selenium": "se",
            "arsenic": "as", "mercury": "hg", "cadmium": "cd", "chromium_vi": "cr6", "lead": "pb",
            "anionic_surfactant": "las", "water_temperature": "water_temp"}
    ours = standards.get("GB3838-2002")["table1"]["items"]
    assert len(ours) == 24
    for row in digest["items"]:
        code = keys.get(row["key"], row["key"])
        mine = ours[code]
        if row["limits"] is None or row["direction"] == "range":
            continue
        lim = row["limits"]
        order = ["I", "II", "III", "IV", "V"]
        if "river" in lim:
            assert mine["limits"]["river"] == [lim["river"][k] for k in order]
            assert mine["limits"]["lake"] == [lim["lake_reservoir"][k] for k in order]
        elif code == "tn":
            assert mine["limits"]["lake"] == [lim[k] for k in order]
        else:
            assert mine["limits"] == [lim[k] for k in order], code


def test_gb3838_tables_2_3_match_digest():
    t2 = yaml.safe_load((DIGEST / "gb3838_table2.yaml").read_text(encoding="utf-8"))
    t3 = yaml.safe_load((DIGEST / "gb3838_table3.yaml").read_text(encoding="utf-8"))
    ours = standards.get("GB3838-2002")
    assert [v["limit"] for v in ours["table2"]["items"].values()] == [r["limit"] for r in t2["items"]]
    mine = sorted((v["seq"], v["limit"]) for v in ours["table3"]["items"].values())
    assert mine == [(r["seq"], r["limit"]) for r in t3["items"]]
    assert len(ours["table3"]["priority_33"]["items"]) == 33


def test_gb14848_matches_digest_with_units_converted():
    digest = yaml.safe_load((DIGEST / "gb14848_class3.yaml").read_text(encoding="utf-8"))
    ours = standards.get("GB/T14848-2017")["items"]
    assert sum(1 for v in ours.values() if v["regular"]) == 39
    by_name = {}
    for row in digest["regular_indices"] + digest["non_regular_indices_selected"]:
        by_name[row["name_zh"]] = row
    # spot checks typed from the digest (µg/L -> mg/L for organics)
    assert ours["trichloromethane"]["limits"][2] == pytest.approx(60 / 1000)
    assert ours["benzene"]["limits"][2] == pytest.approx(10 / 1000)
    assert ours["codmn"]["limits"] == [1.0, 2.0, 3.0, 10.0]
    assert ours["nh3_n"]["limits"] == [0.02, 0.10, 0.50, 1.50]
    n_numeric = sum(1 for row in by_name.values() if row.get("direction") != "text")
    assert sum(1 for v in ours.values() if v["direction"] != "text") == n_numeric


# ------------------------------------------------------------------------------------- catalogue and dating
def test_catalogue_covers_every_item_with_limits():
    cat = water.catalogue()
    for code in ["water_temp", "ph", "do", "codmn", "cod", "bod5", "nh3_n", "tp", "tn", "cu", "zn", "fluoride",
                 "se", "as", "hg", "cd", "cr6", "pb", "cyanide", "volatile_phenol", "petroleum", "las", "sulfide",
                 "fecal_coliform", "chla", "sd"]:
        assert code in cat
    g = standards.get("GB3838-2002")
    used = set(g["table1"]["items"]) | set(g["table2"]["items"]) | set(g["table3"]["items"]) | \
        set(standards.get("GB/T14848-2017")["items"])
    assert used <= set(cat)
    # one name per code: no alias may point at two items
    seen: dict[str, str] = {}
    for code, item in cat.items():
        for name in {str(a).lower() for a in [item["name_zh"], *item["aliases"]]}:
            assert seen.setdefault(name, code) == code, name
    assert cat["nh3_n"]["name_zh"] == "氨氮" and cat["fecal_coliform"]["unit"] == "个/L"


def test_no_overlaps_and_dating():
    assert not [p for p in standards.problems() if p.startswith("water") or p.startswith("gb3838")]
    assert standards.in_force("water_assessment", dt.date(2020, 12, 31)).id == "WATER-ASSESSMENT-2011"
    assert standards.in_force("water_assessment", dt.date(2021, 1, 1)).id == "WATER-ASSESSMENT-2021"
    assert standards.in_force("water_assessment", dt.date(2007, 1, 15)).id == "WATER-ASSESSMENT-2002"
    national = standards.in_force("water_assessment", dt.date(2026, 1, 1))["sets"]["national"]["class_items"]
    assert national == ["ph", "do", "codmn", "nh3_n", "tp"]
    for table in ("GB3838-2002", "GB/T14848-2017", "HBH-2011-22"):
        meta = standards.get(table)["meta"]
        assert meta["sources"] and meta["confidence"] in ("confirmed_2plus", "single_source", "memory_only")


def test_tli_weights_match_published():
    # published W: chla 0.2663, TP 0.1879, TN 0.1790, SD 0.1834, CODMn 0.1834
    w = water.trophic_weights()
    assert {k: round(v, 4) for k, v in w.items()} == {"chla": 0.2663, "tp": 0.1879, "tn": 0.1790,
                                                       "sd": 0.1834, "codmn": 0.1834}


def test_gb14848_regular_indices_are_the_39_with_the_standards_names():
    # the 39 常规指标 of GB/T 14848-2017 with the names of its Table 1, as in the shared digest
    shared = yaml.safe_load((DIGEST / "gb14848_class3.yaml").read_text(encoding="utf-8"))
    table = standards.in_force("gb14848", dt.date(2026, 1, 1))
    regular = [spec for spec in table["items"].values() if spec.get("regular")]
    assert len(regular) == table["regular_count"] == shared["regular_index_count"] == 39
    assert [spec["name_zh"] for spec in regular] == [i["name_zh"] for i in shared["regular_indices"]]
    assert {"色", "耗氧量（CODMn法，以O2计）", "挥发性酚类（以苯酚计）"} <= {spec["name_zh"] for spec in regular}


def test_drinking_source_plan_is_dated_data():
    # from 2021: Table 1 without COD (23) + Table 2 (5) + the 33 优选特定项目 = 61; COD is no class item of a source
    from publisher.bulletins.water import common as wc

    day = dt.date(2026, 10, 31)
    river = wc.planned_items("river", day)
    lake = wc.planned_items("lake", day)
    assert len(river) == 61 and "cod" not in river and len(set(river)) == 61
    assert set(lake) - set(river) == {"chla", "sd"}
    assert len(wc.planned_items("groundwater", day)) == 39
    source = standards.in_force("water_assessment", day)["sets"]["source"]
    assert "cod" not in source["class_items"] and len(source["class_items"]) == 20
    assert wc.planned_items("river", dt.date(2020, 6, 1)) is None          # no plan in the 2011 table
    assert "cod" in standards.in_force("water_assessment", dt.date(2020, 6, 1))["sets"]["source"]["class_items"]
