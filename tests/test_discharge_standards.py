"""Discharge standards as data and their evaluation (supervisory monitoring).

The expected tables below are typed again from the printed texts (docs/discharge-method.md lists the sources),
independently of the YAML files: every row encoded must appear here with the same value, and every row is
judged through ``evaluate`` on both sides of its limit. Oxygen conversions are checked against numbers worked
by hand from the formulas the standards print.
"""
from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import yaml
from click.testing import CliRunner

from publisher import standards
from publisher.cli import cli
from publisher.errors import StandardNotFound
from publisher.evaluate import discharge as d

DAY = dt.date(2026, 8, 1)
ND = "not_detected"
SKIP = "no row"          # a row that exists for one column only (GB 13271 表1 注(1): coal)
RANGE_6_9 = ("range", 6.0, 9.0)

# ---------------------------------------------------------------------------------------------- transcriptions
# GB 18918-2002 表1 (columns 一级A, 一级B, 二级, 三级; None = "—") and 表2.
GB18918_CLASSES = ["一级A", "一级B", "二级", "三级"]
GB18918_T1 = [
    (1, "cod", {}, [50, 60, 100, 120]),
    (2, "bod5", {}, [10, 20, 30, 60]),
    (3, "ss", {}, [10, 20, 30, 50]),
    (4, "animal_vegetable_oil", {}, [1, 3, 5, 20]),
    (5, "petroleum", {}, [1, 3, 5, 15]),
    (6, "las", {}, [0.5, 1, 2, 5]),
    (7, "tn", {}, [15, 20, None, None]),
    (8, "nh3_n", {"water_temp": "above_12"}, [5, 8, 25, None]),          # 5(8) 8(15) 25(30) —
    (8, "nh3_n", {"water_temp": "at_or_below_12"}, [8, 15, 30, None]),
    (9, "tp", {"period": "built_to_2005"}, [1, 1.5, 3, 5]),
    (9, "tp", {"period": "built_from_2006"}, [0.5, 1, 3, 5]),
    (10, "color", {}, [30, 30, 40, 50]),
    (11, "ph", {}, [RANGE_6_9] * 4),
    (12, "fecal_coliform", {}, [1000, 10000, 10000, None]),             # 10³ 10⁴ 10⁴ —
]
GB18918_T2 = [(1, "total_hg", 0.001), (2, "alkyl_hg", ND), (3, "total_cd", 0.01), (4, "total_cr", 0.1),
              (5, "cr6", 0.05), (6, "total_as", 0.1), (7, "total_pb", 0.1)]

# GB 8978-1996 表1, 表2 (built to 1997-12-31) and 表4 (built from 1998-01-01); columns 一级, 二级, 三级.
GB8978_CLASSES = ["一级", "二级", "三级"]
GB8978_T1 = [(1, "total_hg", 0.05), (2, "alkyl_hg", ND), (3, "total_cd", 0.1), (4, "total_cr", 1.5),
             (5, "cr6", 0.5), (6, "total_as", 0.5), (7, "total_pb", 1.0), (8, "total_ni", 1.0),
             (9, "benzo_a_pyrene", 0.00003), (10, "total_be", 0.005), (11, "total_ag", 0.5),
             (12, "gross_alpha", 1), (13, "gross_beta", 10)]
SUGAR1 = ("甘蔗制糖", "苎麻脱胶", "湿法纤维板工业")
SUGAR2 = ("甜菜制糖", "酒精", "味精", "皮革", "化纤浆粕工业")
COD_A_T2 = ("甜菜制糖", "焦化", "合成脂肪酸", "湿法纤维板", "染料", "洗毛", "有机磷农药工业")
COD_B = ("味精", "酒精", "医药原料药", "生物制药", "苎麻脱胶", "皮革", "化纤浆粕工业")
PETRO = ("石油化工工业（包括石油炼制）",)
WWTP = ("城镇二级污水处理厂",)
MINING = ("采矿", "选矿", "选煤工业")
HOSPITAL = ("医院", "兽医院", "医疗机构")
INFECTIOUS = ("传染病医院", "结核病医院")
OP_PEST = [ND, 0.5, 0.5]
GB8978_T2 = [
    (1, "ph", "all", {}, [RANGE_6_9] * 3),
    (2, "color", ("染料工业",), {}, [50, 180, None]),
    (2, "color", "other", {}, [50, 80, None]),
    (3, "ss", MINING, {}, [100, 300, None]),
    (3, "ss", ("脉金选矿",), {}, [100, 500, None]),
    (3, "ss", ("边远地区砂金选矿",), {}, [100, 800, None]),
    (3, "ss", WWTP, {}, [20, 30, None]),
    (3, "ss", "other", {}, [70, 200, 400]),
    (4, "bod5", SUGAR1, {}, [30, 100, 600]),
    (4, "bod5", SUGAR2, {}, [30, 150, 600]),
    (4, "bod5", WWTP, {}, [20, 30, None]),
    (4, "bod5", "other", {}, [30, 60, 300]),
    (5, "cod", COD_A_T2, {}, [100, 200, 1000]),
    (5, "cod", COD_B, {}, [100, 300, 1000]),
    (5, "cod", PETRO, {}, [100, 150, 500]),
    (5, "cod", WWTP, {}, [60, 120, None]),
    (5, "cod", "other", {}, [100, 150, 500]),
    (6, "petroleum", "all", {}, [10, 10, 30]),
    (7, "animal_vegetable_oil", "all", {}, [20, 20, 100]),
    (8, "volatile_phenol", "all", {}, [0.5, 0.5, 2.0]),
    (9, "total_cyanide", ("电影洗片（铁氰化合物）",), {}, [0.5, 5.0, 5.0]),
    (9, "total_cyanide", "other", {}, [0.5, 0.5, 1.0]),
    (10, "sulfide", "all", {}, [1.0, 1.0, 2.0]),
    (11, "nh3_n", ("医药原料药", "染料", "石油化工工业"), {}, [15, 50, None]),
    (11, "nh3_n", "other", {}, [15, 25, None]),
    (12, "fluoride", ("黄磷工业",), {}, [10, 20, 20]),
    (12, "fluoride", None, {"flags": ("low_fluoride_area",)}, [10, 20, 30]),
    (12, "fluoride", "other", {}, [10, 10, 20]),
    (13, "phosphate", "all", {}, [0.5, 1.0, None]),
    (14, "formaldehyde", "all", {}, [1.0, 2.0, 5.0]),
    (15, "anilines", "all", {}, [1.0, 2.0, 5.0]),
    (16, "nitrobenzenes", "all", {}, [2.0, 3.0, 5.0]),
    (17, "las", ("合成洗涤剂工业",), {}, [5.0, 15, 20]),
    (17, "las", "other", {}, [5.0, 10, 20]),
    (18, "total_cu", "all", {}, [0.5, 1.0, 2.0]),
    (19, "total_zn", "all", {}, [2.0, 5.0, 5.0]),
    (20, "total_mn", ("合成脂肪酸工业",), {}, [2.0, 5.0, 5.0]),
    (20, "total_mn", "other", {}, [2.0, 2.0, 5.0]),
    (23, "elemental_p", "all", {}, [0.1, 0.3, 0.3]),
    (24, "organophosphorus_pesticides", "all", {}, OP_PEST),
    (25, "fecal_coliform", HOSPITAL, {}, [500, 1000, 5000]),
    (25, "fecal_coliform", INFECTIOUS, {}, [100, 500, 1000]),
]
GB8978_T4 = [
    (1, "ph", "all", {}, [RANGE_6_9] * 3),
    (2, "color", "all", {}, [50, 80, None]),
    (3, "ss", MINING, {}, [70, 300, None]),
    (3, "ss", ("脉金选矿",), {}, [70, 400, None]),
    (3, "ss", ("边远地区砂金选矿",), {}, [70, 800, None]),
    (3, "ss", WWTP, {}, [20, 30, None]),
    (3, "ss", "other", {}, [70, 150, 400]),
    (4, "bod5", ("甘蔗制糖", "苎麻脱胶", "湿法纤维板", "染料", "洗毛工业"), {}, [20, 60, 600]),
    (4, "bod5", SUGAR2, {}, [20, 100, 600]),
    (4, "bod5", WWTP, {}, [20, 30, None]),
    (4, "bod5", "other", {}, [20, 30, 300]),
    (5, "cod", ("甜菜制糖", "合成脂肪酸", "湿法纤维板", "染料", "洗毛", "有机磷农药工业"), {}, [100, 200, 1000]),
    (5, "cod", COD_B, {}, [100, 300, 1000]),
    (5, "cod", PETRO, {}, [60, 120, 500]),
    (5, "cod", WWTP, {}, [60, 120, None]),
    (5, "cod", "other", {}, [100, 150, 500]),
    (6, "petroleum", "all", {}, [5, 10, 20]),
    (7, "animal_vegetable_oil", "all", {}, [10, 15, 100]),
    (8, "volatile_phenol", "all", {}, [0.5, 0.5, 2.0]),
    (9, "total_cyanide", "all", {}, [0.5, 0.5, 1.0]),
    (10, "sulfide", "all", {}, [1.0, 1.0, 1.0]),
    (11, "nh3_n", ("医药原料药", "染料", "石油化工工业"), {}, [15, 50, None]),
    (11, "nh3_n", "other", {}, [15, 25, None]),
    (12, "fluoride", ("黄磷工业",), {}, [10, 15, 20]),
    (12, "fluoride", None, {"flags": ("low_fluoride_area",)}, [10, 20, 30]),
    (12, "fluoride", "other", {}, [10, 10, 20]),
    (13, "phosphate", "all", {}, [0.5, 1.0, None]),
    (14, "formaldehyde", "all", {}, [1.0, 2.0, 5.0]),
    (15, "anilines", "all", {}, [1.0, 2.0, 5.0]),
    (16, "nitrobenzenes", "all", {}, [2.0, 3.0, 5.0]),
    (17, "las", "all", {}, [5.0, 10, 20]),
    (18, "total_cu", "all", {}, [0.5, 1.0, 2.0]),
    (19, "total_zn", "all", {}, [2.0, 5.0, 5.0]),
    (20, "total_mn", ("合成脂肪酸工业",), {}, [2.0, 5.0, 5.0]),
    (20, "total_mn", "other", {}, [2.0, 2.0, 5.0]),
    (23, "elemental_p", "all", {}, [0.1, 0.1, 0.3]),
    (24, "organophosphorus_pesticides", "all", {}, OP_PEST),
    (54, "fecal_coliform", HOSPITAL, {}, [500, 1000, 5000]),
    (54, "fecal_coliform", INFECTIOUS, {}, [100, 500, 1000]),
    (56, "toc", ("合成脂肪酸工业",), {}, [20, 40, None]),
    (56, "toc", ("苎麻脱胶工业",), {}, [20, 60, None]),
    (56, "toc", "other", {}, [20, 30, None]),
]

# GB 13271-2014 表1 (in use), 表2 (new), 表3 (special); columns 燃煤, 燃油, 燃气.
FUELS = ["coal", "oil", "gas"]
GB13271 = {
    "table1": [("particulate", {}, [80, 60, 30]), ("so2", {}, [400, 300, 100]),
               ("so2", {"provinces": ("广西壮族自治区", "重庆市", "四川省", "贵州省")}, [550, SKIP, SKIP]),
               ("nox", {}, [400, 400, 400]), ("mercury_air", {}, [0.05, None, None]),
               ("opacity", {}, [("grade", 1)] * 3)],
    "table2": [("particulate", {}, [50, 30, 20]), ("so2", {}, [300, 200, 50]), ("nox", {}, [300, 250, 200]),
               ("mercury_air", {}, [0.05, None, None]), ("opacity", {}, [("grade", 1)] * 3)],
    "table3": [("particulate", {}, [30, 30, 20]), ("so2", {}, [200, 100, 50]), ("nox", {}, [200, 200, 150]),
               ("mercury_air", {}, [0.05, None, None]), ("opacity", {}, [("grade", 1)] * 3)],
}
GB13271_PERIOD = {"table1": "in_use", "table2": "new", "table3": None}

# GB 13223-2011: only the rows retrieved sources give (gb13223-2011.yaml header).
COAL = {"fuel": "coal", "equipment": "boiler"}
GB13223_NOTE1 = ("广西壮族自治区", "重庆市", "四川省", "贵州省")
GB13223 = [
    ("table1", "particulate", COAL, 30), ("table1", "so2", {**COAL, "period": "new"}, 100),
    ("table1", "so2", {**COAL, "period": "existing"}, 200), ("table1", "nox", COAL, 100),
    ("table1", "nox", {**COAL, "flags": ("w_flame_cfb_or_pre2004",)}, 200),
    ("table1", "particulate", {"fuel": "gas", "gas_kind": "natural_gas"}, 5),
    ("table1", "so2", {"fuel": "gas", "gas_kind": "natural_gas"}, 35),
    ("table1", "so2", {"fuel": "gas", "gas_kind": "other"}, 100),
    ("table1", "nox", {"fuel": "gas", "gas_kind": "natural_gas", "equipment": "boiler"}, 100),
    ("table1", "nox", {"fuel": "gas", "gas_kind": "other", "equipment": "boiler"}, 200),
    ("table1", "nox", {"fuel": "gas", "gas_kind": "natural_gas", "equipment": "gas_turbine"}, 50),
    ("table1", "nox", {"fuel": "gas", "gas_kind": "other", "equipment": "gas_turbine"}, 120),
    ("table2", "particulate", COAL, 20), ("table2", "so2", COAL, 50), ("table2", "nox", COAL, 100),
    # memory_only rows (the yaml header says why): 汞, note (1), 序号2 oil, other-gas 烟尘, 烟气黑度, 表2 oil/gas
    ("table1", "so2", {**COAL, "period": "new", "provinces": GB13223_NOTE1}, 200),
    ("table1", "so2", {**COAL, "period": "existing", "provinces": GB13223_NOTE1}, 400),
    ("table1", "mercury_air", COAL, 0.03),
    ("table1", "particulate", {"fuel": "oil"}, 30),
    ("table1", "so2", {"fuel": "oil", "period": "new"}, 100),
    ("table1", "so2", {"fuel": "oil", "period": "existing"}, 200),
    ("table1", "nox", {"fuel": "oil", "equipment": "boiler", "period": "new"}, 100),
    ("table1", "nox", {"fuel": "oil", "equipment": "boiler", "period": "existing"}, 200),
    ("table1", "nox", {"fuel": "oil", "equipment": "gas_turbine"}, 120),
    ("table1", "particulate", {"fuel": "gas", "gas_kind": "other"}, 10),
    ("table1", "opacity", {}, ("grade", 1)),
    ("table2", "mercury_air", COAL, 0.03),
    ("table2", "particulate", {"fuel": "oil"}, 20), ("table2", "so2", {"fuel": "oil"}, 50),
    ("table2", "nox", {"fuel": "oil", "equipment": "boiler"}, 100),
    ("table2", "nox", {"fuel": "oil", "equipment": "gas_turbine"}, 120),
    ("table2", "particulate", {"fuel": "gas"}, 5), ("table2", "so2", {"fuel": "gas"}, 35),
    ("table2", "nox", {"fuel": "gas", "equipment": "boiler"}, 100),
    ("table2", "nox", {"fuel": "gas", "equipment": "gas_turbine"}, 50),
    ("table2", "opacity", {}, ("grade", 1)),
]

# GB 16297-1996 最高允许排放浓度: (seq, item, scopes, 表1 existing, 表2 new).
GB16297 = [
    (1, "so2", ("硫、二氧化硫、硫酸和其它含硫化合物生产",), 1200, 960),
    (1, "so2", "other", 700, 550),
    (2, "nox", ("硝酸、氮肥和火炸药生产",), 1700, 1400),
    (2, "nox", "other", 420, 240),
    (3, "particulate", ("碳黑尘、染料尘",), 22, 18),
    (3, "particulate", ("玻璃棉尘、石英粉尘、矿渣棉尘",), 80, 60),
    (3, "particulate", "other", 150, 120),
    (4, "hcl", None, 150, 100), (5, "chromic_acid_mist", None, 0.080, 0.070),
    (6, "sulfuric_acid_mist", ("火炸药厂",), 1000, 430), (6, "sulfuric_acid_mist", "other", 70, 45),
    (7, "fluoride_air", ("普钙工业",), 100, 90), (7, "fluoride_air", "other", 11, 9.0),
    (8, "chlorine", None, 85, 65), (9, "lead_air", None, 0.90, 0.70), (10, "mercury_air", None, 0.015, 0.012),
    (15, "benzene_air", None, 17, 12), (16, "toluene_air", None, 60, 40), (17, "xylene_air", None, 90, 70),
    (19, "formaldehyde_air", None, 30, 25), (33, "nmhc", None, 150, 120),
]


def _value(v):
    """An expected cell as (kind, limit, low, high)."""
    if v == ND:
        return ("not_detected", None, None, None)
    if isinstance(v, tuple) and v[0] == "range":
        return ("range", None, v[1], v[2])
    if isinstance(v, tuple) and v[0] == "grade":
        return ("grade", float(v[1]), None, None)
    return ("max", None if v is None else float(v), None, None)


def _key(standard_id, table, item, conds, cell):
    scopes = conds.get("scopes")
    return (standard_id, table, item, conds.get("class"), conds.get("fuel"), conds.get("equipment"),
            conds.get("gas_kind"), conds.get("period"), conds.get("water_temp"),
            tuple(scopes) if isinstance(scopes, (list, tuple)) else scopes,
            tuple(conds.get("provinces", ())), tuple(conds.get("flags", ())), *_value(cell))


def expected_rows() -> list[tuple]:
    rows = []
    for _seq, item, conds, cells in GB18918_T1:
        for cls, cell in zip(GB18918_CLASSES, cells):
            rows.append(_key("GB18918-2002", "table1", item, {**conds, "class": cls}, cell))
    for _seq, item, cell in GB18918_T2:
        rows.append(_key("GB18918-2002", "table2", item, {}, cell))
    for _seq, item, cell in GB8978_T1:
        rows.append(_key("GB8978-1996", "table1", item, {}, cell))
    for table, period, spec in (("table2", "built_to_1997", GB8978_T2), ("table4", "built_from_1998", GB8978_T4)):
        for _seq, item, scopes, conds, cells in spec:
            for cls, cell in zip(GB8978_CLASSES, cells):
                rows.append(_key("GB8978-1996", table, item,
                                 {**conds, "class": cls, "period": period, "scopes": scopes}, cell))
    for table, spec in GB13271.items():
        for item, conds, cells in spec:
            for fuel, cell in zip(FUELS, cells):
                if cell == SKIP:
                    continue
                rows.append(_key("GB13271-2014", table, item,
                                 {**conds, "fuel": fuel, "period": GB13271_PERIOD[table]}, cell))
    for table, item, conds, limit in GB13223:
        rows.append(_key("GB13223-2011", table, item, conds, limit))
    for _seq, item, scopes, existing, new in GB16297:
        rows.append(_key("GB16297-1996", "table1", item, {"period": "existing", "scopes": scopes}, existing))
        rows.append(_key("GB16297-1996", "table2", item, {"period": "new", "scopes": scopes}, new))
    rows.append(_key("GB16297-1996", "clause7_6", "opacity", {}, ("grade", 1)))
    return rows


def encoded_rows() -> list[d.LimitRow]:
    return [row for family in d.FAMILIES for row in d.limit_rows(standards.in_force(family, DAY))]


def _row_key(row: d.LimitRow) -> tuple:
    conds = dict(row.conditions)
    return (row.standard_id, row.table, row.item, conds.get("class"), conds.get("fuel"), conds.get("equipment"),
            conds.get("gas_kind"), row.period, row.water_temp, row.scopes, row.provinces, row.flags,
            row.kind, row.limit, row.low, row.high)


# ---------------------------------------------------------------------------------------------- data files
def test_every_encoded_row_equals_the_transcription_and_none_is_missing():
    encoded = sorted((_row_key(r) for r in encoded_rows()), key=repr)
    expected = sorted(expected_rows(), key=repr)
    assert len(encoded) == len(set(encoded)), "duplicate limit rows"
    missing = set(expected) - set(encoded)
    extra = set(encoded) - set(expected)
    assert not missing and not extra, (sorted(missing, key=repr)[:5], sorted(extra, key=repr)[:5])
    assert len(encoded) == len(expected) == 453


def test_tables_are_consistent_dated_and_sourced():
    assert standards.problems() == []
    known_sources = set(yaml.safe_load((standards.DATA_DIR / "sources.yaml").read_text(encoding="utf-8")))
    catalogue = d.catalogue()
    for family in d.FAMILIES:
        (table,) = standards.versions(family)
        meta = table["meta"]
        assert meta["number"] and meta["title_zh"] and meta["sources"]
        assert table.confidence in ("confirmed_2plus", "single_source", "memory_only")
        assert set(table.sources) <= known_sources, table.id
        assert table["medium"] in ("wastewater", "flue_gas")
        for row in d.limit_rows(table):
            assert row.item in catalogue, row
            assert catalogue[row.item]["medium"] == table["medium"], row
            assert row.confidence in ("confirmed_2plus", "single_source", "memory_only"), row
            assert set(row.sources) <= known_sources and row.sources, row
            assert row.clause.startswith(meta["number"]) and "表" in row.clause or "7.6" in row.clause, row
        oxygen = table.get("oxygen_reference")
        if oxygen:
            for entry in oxygen["values"]:
                assert 0 <= entry["percent"] < 21
                assert set(entry.get("sources", [])) <= known_sources
    # the shipped confidence of the GB 13223 rows says which were confirmed twice
    gb13223 = {(r.table, r.item, r.condition("fuel"), r.limit): r
               for r in d.limit_rows(standards.get("GB13223-2011")) if not r.provinces}
    assert gb13223[("table2", "so2", "coal", 50.0)].confidence == "confirmed_2plus"
    assert gb13223[("table1", "so2", "coal", 200.0)].confidence == "single_source"
    # rows no retrieved source gives are memory_only and cite the recall entry, never a transcription
    for key in [("table1", "mercury_air", "coal", 0.03), ("table1", "so2", "oil", 100.0),
                ("table2", "so2", "oil", 50.0), ("table1", "opacity", None, 1.0), ("table2", "nox", "gas", 50.0)]:
        assert gb13223[key].confidence == "memory_only"
        assert gb13223[key].sources == ("SRC_RECALL_GB13223_2011",)


def test_limits_frame_has_one_line_per_row():
    table = standards.get("GB8978-1996")
    frame = d.limits_frame(table)
    assert frame.height == len(d.limit_rows(table))
    petro = frame.filter((pl.col("table") == "table4") & (pl.col("item") == "cod")
                         & (pl.col("scopes") == "石油化工工业（包括石油炼制）") & (pl.col("class") == "一级"))
    assert petro["limit"].to_list() == [60.0] and petro["clause"][0].endswith("序号5")


def test_catalogue_codes_and_aliases_are_unique_per_medium():
    seen: dict[tuple[str, str], str] = {}
    for code, item in d.catalogue().items():
        for name in {str(a).lower() for a in [code, item["name_zh"], *item["aliases"]]}:
            assert seen.setdefault((item["medium"], name), code) == code, name
    assert d.item_name("nox") == "氮氧化物" and d.item_name("unknown") == "unknown"


def test_cli_lists_and_shows_the_discharge_tables():
    listing = CliRunner().invoke(cli, ["standards", "list"])
    assert listing.exit_code == 0, listing.output
    for table_id in ("GB18918-2002", "GB8978-1996", "GB13223-2011", "GB13271-2014", "GB16297-1996"):
        assert table_id in listing.output
    shown = CliRunner().invoke(cli, ["standards", "show", "GB13271-2014"])
    assert shown.exit_code == 0
    data = json.loads(shown.output)
    assert data["oxygen_reference"]["values"][0] == {"fuel": "coal", "percent": 9}


# ---------------------------------------------------------------------------------------------- both sides
def _outlet_for(row: d.LimitRow, outlet_id: str) -> dict:
    conds = dict(row.conditions)
    outlet = {"outlet_id": outlet_id, "standard": standards.get(row.standard_id)["meta"]["number"],
              "class": conds.get("class"), "fuel": conds.get("fuel"), "gas_kind": conds.get("gas_kind"),
              "equipment": conds.get("equipment") or ("boiler" if conds.get("fuel") else None),
              "period": row.period or ("new" if row.standard_id == "GB13223-2011" and row.table == "table1" else None),
              "scopes": list(row.scopes[:1]) if isinstance(row.scopes, tuple) else
              (["（表中未列行业）"] if row.scopes == "other" else []),
              "province": row.provinces[0] if row.provinces else None, "flags": list(row.flags),
              "special": bool(row.special), "capacity_t_h": 20.0}
    return outlet


def _samples_for(row: d.LimitRow, outlet: dict, table: standards.Standard) -> list[dict]:
    water_temp = {"above_12": 20.0, "at_or_below_12": 10.0}.get(row.water_temp)
    oxygen = d.oxygen_reference(d.Outlet.from_mapping(outlet), table, row.item)
    o2 = oxygen.percent if oxygen.converts else None
    base = {"outlet_id": outlet["outlet_id"], "sampled_at": dt.datetime(2026, 8, 1, 10), "item": row.item,
            "water_temp": water_temp, "o2": o2, "below_dl": False}
    if row.kind == "range":
        values = [(row.low, False, "compliant"), (row.high, False, "compliant"),
                  (row.low - 0.1, False, "exceeding"), (row.high + 0.1, False, "exceeding")]
    elif row.kind == "grade":
        values = [(row.limit, False, "compliant"), (row.limit + 1, False, "exceeding")]
    elif row.kind == "not_detected":
        values = [(0.00001, True, "compliant"), (0.00001, False, "exceeding")]
    elif row.limit is None:
        values = [(1.0, False, "not_judged")]
    else:
        values = [(row.limit, False, "compliant"), (row.limit * 1.1, False, "exceeding")]
    return [{**base, "value": v, "below_dl": below, "_expect": expect} for v, below, expect in values]


def test_every_row_is_judged_on_both_sides_of_its_limit():
    outlets, samples, rows_by_outlet = [], [], {}
    for n, row in enumerate(encoded_rows()):
        outlet = _outlet_for(row, f"o{n}")
        outlets.append(outlet)
        rows_by_outlet[outlet["outlet_id"]] = row
        samples += _samples_for(row, outlet, standards.get(row.standard_id))
    frame = pl.DataFrame(samples, schema={**d.SAMPLE_SCHEMA, "_expect": pl.String})
    result = d.evaluate(frame, pl.DataFrame(outlets, infer_schema_length=None))
    assert result.height == frame.height
    wrong = result.filter(pl.col("status") != pl.col("_expect"))
    assert wrong.is_empty(), wrong.select("outlet_id", "item", "value", "limit", "status", "reason").head(10)
    for record in result.iter_rows(named=True):
        row = rows_by_outlet[record["outlet_id"]]
        if record["status"] == "not_judged":
            assert record["reason"] == "NO_LIMIT_FOR_COLUMN" and row.limit is None and row.kind == "max"
            continue
        assert record["standard_id"] == row.standard_id and record["clause"] == row.clause
        assert record["limit_kind"] == row.kind and record["limit_confidence"] == row.confidence
        if row.kind == "max" and record["status"] == "exceeding":
            assert record["exceed_multiple"] == pytest.approx(0.1, abs=1e-9)
        else:
            assert record["exceed_multiple"] is None
        assert record["status_zh"] == {"compliant": "达标", "exceeding": "超标"}[record["status"]]


# ---------------------------------------------------------------------------------------------- oxygen
def _one(outlet: dict, item: str, value: float, o2: float | None = None, day=dt.datetime(2026, 8, 1, 10),
         below_dl: bool = False, water_temp: float | None = None) -> dict:
    samples = pl.DataFrame([{"outlet_id": outlet["outlet_id"], "sampled_at": day, "item": item, "value": value,
                             "o2": o2, "below_dl": below_dl, "water_temp": water_temp}], schema=d.SAMPLE_SCHEMA)
    (record,) = d.evaluate(samples, [outlet]).to_dicts()
    return record


BOILER_COAL_NEW = {"outlet_id": "b1", "standard": "GB 13271-2014", "fuel": "coal", "built_on": dt.date(2018, 5, 1)}
BOILER_GAS_SPECIAL = {"outlet_id": "b2", "standard": "GB13271", "fuel": "gas", "special": True}
POWER_COAL_NEW = {"outlet_id": "p1", "standard": "GB 13223-2011", "fuel": "coal", "equipment": "boiler",
                  "period": "new"}
# the table whose limit each outlet above is judged against (ids of the cases below)
OUTLET_CLAUSE = {"b1": "GB13271-2014-表2-燃煤", "b2": "GB13271-2014-表3-燃气", "p1": "GB13223-2011-表1-燃煤锅炉",
                 "p2": "GB13223-2011-表1-燃气轮机"}
TURBINE_NG = {"outlet_id": "p2", "standard": "gb13223", "fuel": "gas", "gas_kind": "natural_gas",
              "equipment": "gas_turbine", "built_on": dt.date(2016, 1, 1)}
POWER_OIL_NEW = {"outlet_id": "p3", "standard": "GB 13223-2011", "fuel": "oil", "equipment": "boiler", "period": "new"}
TURBINE_OIL = {"outlet_id": "p4", "standard": "GB 13223-2011", "fuel": "oil", "equipment": "gas_turbine",
               "period": "existing"}
POWER_GAS_OTHER = {"outlet_id": "p5", "standard": "GB 13223-2011", "fuel": "gas", "gas_kind": "other",
                   "equipment": "boiler", "period": "new"}
POWER_COAL_SPECIAL = {**POWER_COAL_NEW, "outlet_id": "p6", "special": True}
OUTLET_CLAUSE.update({"p3": "GB13223-2011-表1-燃油锅炉", "p4": "GB13223-2011-表1-燃油燃气轮机",
                      "p5": "GB13223-2011-表1-其他气体锅炉", "p6": "GB13223-2011-表2-燃煤锅炉"})


OXYGEN_CASES = [
    # GB 13271-2014 coal boiler, 基准氧含量 9%: 150 × (21 − 9)/(21 − 12) = 150 × 12/9 = 200; 表2 SO2 300
    (BOILER_COAL_NEW, "so2", 150, 12, 200.0, 300, "compliant", None),
    # 240 × 12/7.5 = 384 > 300: (384 − 300)/300 = 0.28
    (BOILER_COAL_NEW, "so2", 240, 13.5, 384.0, 300, "exceeding", 0.28),
    # 30 × 12/7.2 = 50 exactly at 表2 颗粒物 50 (in binary floating point 50.00000000000001)
    (BOILER_COAL_NEW, "particulate", 30, 13.8, 50.0, 50, "compliant", None),
    # 290 × 12/8.7 = 400 (400.00000000000006 in floating point) > 表2 SO2 300: 400/300 − 1
    (BOILER_COAL_NEW, "so2", 290, 12.3, 400.0, 300, "exceeding", 1 / 3),
    # O2 below the reference: 60 × 12/15 = 48
    (BOILER_COAL_NEW, "particulate", 60, 6, 48.0, 50, "compliant", None),
    # gas boiler, 3.5%: 120 × 17.5/14 = 150 = 表3 NOx 150; 121 × 1.25 = 151.25 → 151.25/150 − 1
    (BOILER_GAS_SPECIAL, "nox", 120, 7, 150.0, 150, "compliant", None),
    (BOILER_GAS_SPECIAL, "nox", 121, 7, 151.25, 150, "exceeding", 151.25 / 150 - 1),
    # measured at the reference O2: unchanged
    (BOILER_GAS_SPECIAL, "so2", 50, 3.5, 50.0, 50, "compliant", None),
    # GB 13223-2011 coal boiler, 6%: 80 × 15/12 = 100 = NOx 100; 81 × 1.25 = 101.25
    (POWER_COAL_NEW, "nox", 80, 9, 100.0, 100, "compliant", None),
    (POWER_COAL_NEW, "nox", 81, 9, 101.25, 100, "exceeding", 0.0125),
    # natural-gas turbine, 15% (memory_only): 20 × 6/3 = 40 ≤ 50; 30 × 6/3 = 60 → 0.2
    (TURBINE_NG, "nox", 20, 18, 40.0, 50, "compliant", None),
    (TURBINE_NG, "nox", 30, 18, 60.0, 50, "exceeding", 0.2),
    (TURBINE_NG, "nox", 30, 15, 30.0, 50, "compliant", None),
    # oil-fired boiler, 3% (memory_only): 75 × 18/13.5 = 100 = 表1 新建燃油锅炉 NOx 100; 90 × 18/13.5 = 120 → 0.2
    (POWER_OIL_NEW, "nox", 75, 7.5, 100.0, 100, "compliant", None),
    (POWER_OIL_NEW, "nox", 90, 7.5, 120.0, 100, "exceeding", 0.2),
    # 烟尘 30: 20 × 18/12 = 30 at the limit; SO2 新建 100: 70 × 18/12 = 105 → 0.05
    (POWER_OIL_NEW, "particulate", 20, 9, 30.0, 30, "compliant", None),
    (POWER_OIL_NEW, "so2", 70, 9, 105.0, 100, "exceeding", 0.05),
    # oil-fired turbine, 15%: 80 × 6/4 = 120 = NOx 120; 90 × 6/4 = 135 → 135/120 − 1 = 0.125;
    # 现有 SO2 200: 120 × 6/4 = 180
    (TURBINE_OIL, "nox", 80, 17, 120.0, 120, "compliant", None),
    (TURBINE_OIL, "nox", 90, 17, 135.0, 120, "exceeding", 0.125),
    (TURBINE_OIL, "so2", 120, 17, 180.0, 200, "compliant", None),
    # other gas fuel boiler, 3%: 烟尘 10: 7.5 × 18/13.5 = 10; 9 × 18/13.5 = 12 → 0.2
    (POWER_GAS_OTHER, "particulate", 7.5, 7.5, 10.0, 10, "compliant", None),
    (POWER_GAS_OTHER, "particulate", 9, 7.5, 12.0, 10, "exceeding", 0.2),
    # coal boiler mercury 0.03 (from 2015-01-01), 6%: 0.024 × 15/12 = 0.03; 0.028 × 15/12 = 0.035 → 1/6
    (POWER_COAL_NEW, "mercury_air", 0.024, 9, 0.03, 0.03, "compliant", None),
    (POWER_COAL_NEW, "mercury_air", 0.028, 9, 0.035, 0.03, "exceeding", 0.035 / 0.03 - 1),
    # 表2 special limits, coal: SO2 50: 40 × 15/12 = 50; 44 × 1.25 = 55 → 0.1
    (POWER_COAL_SPECIAL, "so2", 40, 9, 50.0, 50, "compliant", None),
    (POWER_COAL_SPECIAL, "so2", 44, 9, 55.0, 50, "exceeding", 0.1),
]


@pytest.mark.parametrize("outlet, item, measured, o2, converted, limit, status, multiple", OXYGEN_CASES, ids=[
    f"{OUTLET_CLAUSE[c[0]['outlet_id']]}-{c[1]}-{c[2]}@O2={c[3]}%-{ {'compliant': '达标', 'exceeding': '超标'}[c[6]]}"
    for c in OXYGEN_CASES])
def test_oxygen_conversion_against_hand_worked_numbers(outlet, item, measured, o2, converted, limit, status, multiple):
    record = _one(outlet, item, measured, o2)
    assert record["converts"] is True
    assert record["converted"] == pytest.approx(converted, abs=1e-9)
    assert record["limit"] == limit and record["status"] == status
    assert record["exceed_multiple"] == (None if multiple is None else pytest.approx(multiple, abs=1e-9))
    assert d.reference_o2_concentration(measured, o2, record["o2_reference"]) == pytest.approx(converted, abs=1e-9)


def test_reference_oxygen_by_equipment_with_its_confidence():
    gb13271, gb13223 = standards.get("GB13271-2014"), standards.get("GB13223-2011")
    ref = d.oxygen_reference(d.Outlet.from_mapping(BOILER_COAL_NEW), gb13271, "so2")
    assert (ref.percent, ref.confidence) == (9.0, "confirmed_2plus") and "5.2" in ref.clause
    assert d.oxygen_reference(d.Outlet.from_mapping(BOILER_GAS_SPECIAL), gb13271, "nox").percent == 3.5
    assert d.oxygen_reference(d.Outlet.from_mapping({**BOILER_GAS_SPECIAL, "fuel": "oil"}), gb13271, "nox").percent == 3.5
    assert d.oxygen_reference(d.Outlet.from_mapping(POWER_COAL_NEW), gb13223, "so2").percent == 6.0
    turbine = d.oxygen_reference(d.Outlet.from_mapping(TURBINE_NG), gb13223, "nox")
    assert (turbine.percent, turbine.confidence) == (15.0, "memory_only")
    gas_boiler = d.oxygen_reference(d.Outlet.from_mapping({**TURBINE_NG, "equipment": "boiler"}), gb13223, "nox")
    assert (gas_boiler.percent, gas_boiler.confidence) == (3.0, "memory_only")
    # 烟气黑度 is a grade, never converted; GB 16297 sets no reference oxygen at all
    assert d.oxygen_reference(d.Outlet.from_mapping(BOILER_COAL_NEW), gb13271, "opacity").converts is False
    oil_boiler = d.oxygen_reference(d.Outlet.from_mapping(POWER_OIL_NEW), gb13223, "so2")
    assert (oil_boiler.percent, oil_boiler.confidence) == (3.0, "memory_only")
    assert d.oxygen_reference(d.Outlet.from_mapping(TURBINE_OIL), gb13223, "nox").percent == 15.0
    assert d.oxygen_reference(d.Outlet.from_mapping(POWER_COAL_NEW), gb13223, "mercury_air").percent == 6.0
    assert d.oxygen_reference(d.Outlet.from_mapping(POWER_COAL_NEW), gb13223, "opacity").converts is False
    assert d.oxygen_reference(d.Outlet.from_mapping({"outlet_id": "x", "standard": "GB 16297-1996"}),
                              standards.get("GB16297-1996"), "so2").converts is False


@pytest.mark.parametrize("o2, reason", [(None, "O2_MISSING"), (21, "O2_OUT_OF_RANGE"), (25, "O2_OUT_OF_RANGE"),
                                        (-0.5, "O2_OUT_OF_RANGE")])
def test_oxygen_that_cannot_be_converted_is_not_judged(o2, reason):
    record = _one(BOILER_COAL_NEW, "so2", 150, o2)
    assert record["status"] == "not_judged" and record["reason"] == reason
    assert record["converted"] is None and record["exceed_multiple"] is None
    assert record["reason_zh"] == d.REASONS[reason]
    assert d.reference_o2_concentration(150, o2, 9) is None


def test_no_conversion_where_the_standard_sets_none():
    outlet = {"outlet_id": "k1", "standard": "GB 16297-1996", "built_on": dt.date(2001, 3, 1)}
    record = _one(outlet, "so2", 560, o2=12)       # O2 reported but GB 16297 has no reference content
    assert record["converts"] is False and record["converted"] == 560
    assert record["limit"] == 550 and record["status"] == "exceeding"
    assert record["exceed_multiple"] == pytest.approx(10 / 550, abs=1e-9)
    opacity = _one(BOILER_COAL_NEW, "opacity", 1, o2=None)
    assert opacity["converts"] is False and opacity["status"] == "compliant"
    wastewater = _one({"outlet_id": "w", "standard": "GB 18918-2002", "class": "一级B"}, "cod", 60)
    assert wastewater["converts"] is False and wastewater["status"] == "compliant"


def test_no_reference_oxygen_encoded_is_not_judged():
    outlet = {**TURBINE_NG, "outlet_id": "p3", "equipment": "boiler", "fuel": "gas", "gas_kind": "natural_gas"}
    gb13223 = standards.get("GB13223-2011")
    stripped = {**gb13223.data, "oxygen_reference": {**gb13223["oxygen_reference"], "values": []}}
    fake = standards.Standard(id=gb13223.id, family=gb13223.family, title_zh=gb13223.title_zh,
                              effective_from=gb13223.effective_from, effective_to=None, sources=gb13223.sources,
                              confidence=gb13223.confidence, data=stripped, path=gb13223.path, sha256="x")
    ref = d.oxygen_reference(d.Outlet.from_mapping(outlet), fake, "nox")
    assert ref.converts and ref.percent is None and ref.reason == "O2_REFERENCE_NOT_ENCODED"


# ---------------------------------------------------------------------------------------------- dates
def test_version_in_force_is_chosen_by_the_sample_date():
    for family, table_id, first in (("gb18918", "GB18918-2002", dt.date(2003, 7, 1)),
                                    ("gb8978", "GB8978-1996", dt.date(1998, 1, 1)),
                                    ("gb13223", "GB13223-2011", dt.date(2012, 1, 1)),
                                    ("gb13271", "GB13271-2014", dt.date(2014, 7, 1)),
                                    ("gb16297", "GB16297-1996", dt.date(1997, 1, 1))):
        assert standards.in_force(family, first).id == table_id
        assert standards.in_force(family, dt.date(2026, 9, 30)).id == table_id
        with pytest.raises(StandardNotFound):
            standards.in_force(family, first - dt.timedelta(days=1))
    wwtp = {"outlet_id": "w", "standard": "GB 18918-2002", "class": "一级A"}
    before = _one(wwtp, "cod", 40, day=dt.datetime(2003, 6, 30, 9))
    assert before["status"] == "not_judged" and before["reason"] == "STANDARD_NOT_IN_FORCE"
    assert _one(wwtp, "cod", 40, day=dt.datetime(2003, 7, 1, 9))["status"] == "compliant"


def test_construction_date_selects_the_table_or_row():
    petro = {"outlet_id": "c", "standard": "GB 8978-1996", "class": "一级", "scopes": "石油化工工业（包括石油炼制）"}
    old = _one({**petro, "built_on": dt.date(1997, 12, 31)}, "cod", 80)
    new = _one({**petro, "built_on": dt.date(1998, 1, 1)}, "cod", 80)
    assert (old["limit"], old["status"], "表2" in old["clause"]) == (100, "compliant", True)
    assert (new["limit"], new["status"], "表4" in new["clause"]) == (60, "exceeding", True)
    assert new["exceed_multiple"] == pytest.approx(80 / 60 - 1)
    plant = {"outlet_id": "t", "standard": "GB 18918-2002", "class": "一级A"}
    assert _one({**plant, "built_on": dt.date(2005, 12, 31)}, "tp", 0.8, water_temp=20)["limit"] == 1
    assert _one({**plant, "built_on": dt.date(2006, 1, 1)}, "tp", 0.8)["limit"] == 0.5
    assert _one(plant, "tp", 0.8)["reason"] == "PERIOD_UNKNOWN"
    assert _one({**plant, "period": "built_from_2006"}, "tp", 0.4)["status"] == "compliant"
    assert _one({**plant, "period": "no_such"}, "tp", 0.4)["reason"] == "PERIOD_UNKNOWN"
    source = {"outlet_id": "s", "standard": "GB 16297-1996"}
    assert _one({**source, "built_on": dt.date(1996, 12, 31)}, "so2", 600)["limit"] == 700
    assert _one({**source, "built_on": dt.date(1997, 1, 1)}, "so2", 600)["limit"] == 550


def test_gb13271_in_use_boilers_follow_table1_from_their_dates():
    large = {"outlet_id": "l", "standard": "GB 13271-2014", "fuel": "coal", "built_on": dt.date(2009, 1, 1),
             "capacity_t_h": 20.0}
    small = {**large, "outlet_id": "s", "capacity_t_h": 4.0}
    water = {**large, "outlet_id": "h", "capacity_t_h": None, "capacity_mw": 7.0}   # 7 MW: "及以下" = small
    for outlet, first in ((large, dt.date(2015, 10, 1)), (small, dt.date(2016, 7, 1)), (water, dt.date(2016, 7, 1))):
        day_before = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(10))
        assert _one(outlet, "so2", 300, o2=9, day=day_before)["reason"] == "LIMIT_NOT_YET_APPLICABLE"
        on = _one(outlet, "so2", 300, o2=9, day=dt.datetime.combine(first, dt.time(10)))
        assert (on["status"], on["limit"]) == ("compliant", 400)
    unknown = {**large, "outlet_id": "u", "capacity_t_h": None}
    assert _one(unknown, "so2", 300, o2=9, day=dt.datetime(2016, 1, 5))["reason"] == "CAPACITY_UNKNOWN"
    assert _one(unknown, "so2", 300, o2=9, day=dt.datetime(2016, 7, 1))["status"] == "compliant"
    # a new boiler is judged by 表2 from the first day of the standard
    new = {**large, "outlet_id": "n", "built_on": dt.date(2014, 7, 1)}
    assert _one(new, "so2", 300, o2=9, day=dt.datetime(2014, 7, 1))["limit"] == 300


def test_gb13223_existing_units_and_special_limits_dates():
    existing = {**POWER_COAL_NEW, "outlet_id": "e", "period": None, "built_on": dt.date(2008, 1, 1)}
    assert _one(existing, "so2", 150, o2=6, day=dt.datetime(2014, 6, 30))["reason"] == "LIMIT_NOT_YET_APPLICABLE"
    on = _one(existing, "so2", 150, o2=6, day=dt.datetime(2014, 7, 1))
    assert (on["limit"], on["status"]) == (200, "compliant")
    assert _one(POWER_COAL_NEW, "so2", 150, o2=6, day=dt.datetime(2012, 1, 1))["limit"] == 100
    assert _one(POWER_COAL_NEW, "so2", 150, o2=6, day=dt.datetime(2011, 12, 31))["reason"] == "STANDARD_NOT_IN_FORCE"
    special = {**POWER_COAL_NEW, "outlet_id": "k", "special": True, "special_from": dt.date(2014, 7, 1)}
    assert _one(special, "so2", 80, o2=6, day=dt.datetime(2014, 6, 30))["limit"] == 100
    after = _one(special, "so2", 80, o2=6, day=dt.datetime(2014, 7, 1))
    assert (after["limit"], after["status"], "表2" in after["clause"]) == (50, "exceeding", True)
    assert after["exceed_multiple"] == pytest.approx(0.6)


# ---------------------------------------------------------------------------------------------- selection rules
def test_scopes_provinces_and_flags_pick_the_row_the_text_names():
    base = {"outlet_id": "x", "standard": "GB 8978-1996", "class": "二级", "built_on": dt.date(2005, 1, 1)}
    assert _one({**base, "scopes": "城镇二级污水处理厂"}, "cod", 100)["limit"] == 120
    assert _one({**base, "scopes": "机械加工"}, "cod", 100)["limit"] == 150
    assert _one({**base, "industry": "味精"}, "cod", 100)["limit"] == 300
    assert _one({**base, "flags": "low_fluoride_area"}, "fluoride", 15)["limit"] == 20
    assert _one(base, "fluoride", 15)["limit"] == 10
    assert _one({**base, "scopes": ["医院"]}, "fecal_coliform", 900)["status"] == "compliant"
    assert _one(base, "fecal_coliform", 900)["reason"] == "NO_MATCHING_LIMIT"
    boiler = {"outlet_id": "y", "standard": "GB 13271-2014", "fuel": "coal", "built_on": dt.date(2010, 1, 1),
              "capacity_t_h": 35.0}
    assert _one({**boiler, "province": "四川省"}, "so2", 500, o2=9)["limit"] == 550
    assert _one({**boiler, "province": "湖北省"}, "so2", 500, o2=9)["limit"] == 400
    assert _one({**boiler, "province": "四川省", "fuel": "oil"}, "so2", 250, o2=3.5)["limit"] == 300
    power = {**POWER_COAL_NEW, "outlet_id": "z"}
    assert _one({**power, "flags": ["w_flame_cfb_or_pre2004"]}, "nox", 150, o2=6)["limit"] == 200
    assert _one(power, "nox", 150, o2=6)["limit"] == 100


def test_ammonia_without_water_temperature_is_judged_only_when_both_limits_agree():
    plant = {"outlet_id": "n", "standard": "GB 18918-2002", "class": "一级A"}
    low = _one(plant, "nh3_n", 4.9)               # ≤ 5 (>12℃) and ≤ 8 (≤12℃)
    assert (low["status"], low["limit"]) == ("compliant", 5)
    high = _one(plant, "nh3_n", 9.6)              # > 8 as well: judged on 8, (9.6 − 8)/8 = 0.2
    assert (high["status"], high["limit"]) == ("exceeding", 8)
    assert high["exceed_multiple"] == pytest.approx(0.2)
    between = _one(plant, "nh3_n", 6.0)
    assert (between["status"], between["reason"]) == ("not_judged", "WATER_TEMP_MISSING")
    assert _one(plant, "nh3_n", 6.0, water_temp=12.0)["status"] == "compliant"     # ≤12℃ → 8
    assert _one(plant, "nh3_n", 6.0, water_temp=12.1)["status"] == "exceeding"     # >12℃ → 5
    third = _one({**plant, "class": "三级"}, "nh3_n", 40.0, water_temp=20)
    assert third["reason"] == "NO_LIMIT_FOR_COLUMN"


def test_below_detection_limit_and_not_detected():
    plant = {"outlet_id": "m", "standard": "GB 18918-2002", "class": "一级A"}
    assert _one(plant, "total_hg", 0.00004, below_dl=True)["status"] == "compliant"
    above = _one(plant, "total_hg", 0.002, below_dl=True)                    # DL above the 0.001 limit
    assert (above["status"], above["reason"]) == ("not_judged", "DL_ABOVE_LIMIT")
    assert _one(plant, "alkyl_hg", 0.00001, below_dl=True)["status"] == "compliant"
    detected = _one(plant, "alkyl_hg", 0.00002)
    assert (detected["status"], detected["exceed_multiple"]) == ("exceeding", None)


def test_ph_is_a_range_and_opacity_a_grade_without_multiples():
    plant = {"outlet_id": "p", "standard": "GB 18918-2002", "class": "二级"}
    for value, status in ((6.0, "compliant"), (9.0, "compliant"), (5.9, "exceeding"), (9.1, "exceeding")):
        record = _one(plant, "ph", value)
        assert (record["status"], record["exceed_multiple"], record["limit_low"], record["limit_high"]) == \
            (status, None, 6.0, 9.0)
    grade = _one(BOILER_COAL_NEW, "opacity", 2)
    assert (grade["status"], grade["exceed_multiple"], grade["limit"]) == ("exceeding", None, 1)
    assert d.format_limit("range", None, 6, 9) == "6～9"
    assert d.format_limit("grade", 1.0) == "≤1级"
    assert d.format_limit("not_detected", None) == "不得检出"
    assert d.format_limit("max", 0.00003) == "0.00003" and d.format_limit("max", 50.0) == "50"
    assert d.format_limit("max", None) == ""


@pytest.mark.parametrize("outlet, item, reason", [
    ({"outlet_id": "a", "standard": "GB 9999-2001"}, "cod", "STANDARD_UNKNOWN"),
    ({"outlet_id": "a", "standard": "GB 18918-2002"}, "cod", "CLASS_UNKNOWN"),
    ({"outlet_id": "a", "standard": "GB 18918-2002", "class": "一级A"}, "so2", "ITEM_NOT_IN_STANDARD"),
    ({"outlet_id": "a", "standard": "GB 18918-2002", "class": "二级"}, "tn", "NO_LIMIT_FOR_COLUMN"),
    ({"outlet_id": "a", "standard": "GB 18918-2002", "class": "一级A", "special": True}, "cod", "SPECIAL_NOT_DEFINED"),
    ({"outlet_id": "a", "standard": "GB 13271-2014", "built_on": dt.date(2016, 1, 1)}, "so2", "FUEL_UNKNOWN"),
    ({"outlet_id": "a", "standard": "GB 13271-2014", "fuel": "coal"}, "so2", "PERIOD_UNKNOWN"),
    ({"outlet_id": "a", "standard": "GB 13271-2014", "fuel": "oil", "built_on": dt.date(2016, 1, 1)},
     "mercury_air", "NO_LIMIT_FOR_COLUMN"),
    ({"outlet_id": "a", "standard": "GB 13223-2011", "fuel": "gas", "gas_kind": "natural_gas",
      "equipment": "gas_turbine", "period": "new"}, "mercury_air", "NO_MATCHING_LIMIT"),   # 汞: coal boilers only
    ({"outlet_id": "a", "standard": "GB 13223-2011", "fuel": "gas", "equipment": "gas_turbine"}, "nox",
     "GAS_KIND_UNKNOWN"),
    ({"outlet_id": "a", "standard": "GB 13223-2011", "fuel": "coal", "period": "new"}, "nox", "EQUIPMENT_UNKNOWN"),
    ({"outlet_id": "a", "standard": "GB 13223-2011", "fuel": "coal", "equipment": "boiler", "period": "new"},
     "hcl", "ITEM_NOT_IN_STANDARD"),
], ids=lambda v: (v.get("standard", "").replace(" ", "") if isinstance(v, dict) else v))
def test_reasons_for_not_judging(outlet, item, reason):
    record = _one(outlet, item, 10.0, o2=9)
    assert (record["status"], record["reason"], record["status_zh"]) == ("not_judged", reason, "未判定")
    assert record["reason_zh"] == d.REASONS[reason]


def test_unknown_outlet_and_missing_value():
    samples = pl.DataFrame([
        {"outlet_id": "ghost", "sampled_at": dt.datetime(2026, 8, 1), "item": "cod", "value": 30.0},
        {"outlet_id": "w", "sampled_at": dt.datetime(2026, 8, 1), "item": "cod", "value": None},
    ], schema={k: v for k, v in d.SAMPLE_SCHEMA.items() if k in ("outlet_id", "sampled_at", "item", "value")})
    result = d.evaluate(samples, pl.DataFrame([{"outlet_id": "w", "standard": "GB 18918-2002", "class": "一级A"}]))
    assert result["reason"].to_list() == ["OUTLET_UNKNOWN", "VALUE_MISSING"]
    assert result["status"].to_list() == ["not_judged", "not_judged"]


def test_family_names_are_read_as_the_registry_writes_them():
    for text in ("GB 18918-2002", "GB18918-2002", "gb18918", "GB 18918", " GB18918—2002 "):
        assert d.family_of(text) == "gb18918"
    with pytest.raises(StandardNotFound):
        d.family_of("GB 3838-2002")
    with pytest.raises(StandardNotFound):
        d.family_of("")


def test_samples_keep_their_order_and_columns_and_dates_may_be_plain_days():
    samples = pl.DataFrame({"outlet_id": ["w", "w", "w"], "sampled_at": [dt.date(2026, 8, 3), dt.date(2026, 8, 1),
                                                                      dt.date(2026, 8, 2)],
                            "item": ["cod", "ss", "cod"], "value": [55.0, 9.0, 12.0], "extra": ["a", "b", "c"]})
    result = d.evaluate(samples, [{"outlet_id": "w", "standard": "GB 18918-2002", "class": "一级A"}])
    assert result["extra"].to_list() == ["a", "b", "c"]
    assert result["status"].to_list() == ["exceeding", "compliant", "compliant"]
    assert result["exceed_multiple"][0] == pytest.approx(0.1)


def test_gb13223_mercury_applies_from_2015_and_opacity_is_judged_as_a_grade():
    """4.3: coal boilers follow the 汞 limit from 2015-01-01; 烟气黑度 is judged as measured, never converted."""
    before = _one(POWER_COAL_NEW, "mercury_air", 0.05, o2=6, day=dt.datetime(2014, 12, 31, 10))
    assert (before["status"], before["reason"]) == ("not_judged", "LIMIT_NOT_YET_APPLICABLE")
    first_day = _one(POWER_COAL_NEW, "mercury_air", 0.05, o2=6, day=dt.datetime(2015, 1, 1, 10))
    assert (first_day["status"], first_day["limit"]) == ("exceeding", 0.03)
    for outlet in (POWER_COAL_NEW, POWER_OIL_NEW, TURBINE_NG):
        at, above = _one(outlet, "opacity", 1, o2=15), _one(outlet, "opacity", 2, o2=15)
        assert (at["status"], at["converts"], at["converted"]) == ("compliant", False, 1.0)
        assert (above["status"], above["exceed_multiple"]) == ("exceeding", None)
    # 注(1): a coal unit in 四川省 follows SO2 400 (existing) instead of 200
    sichuan = {**POWER_COAL_NEW, "period": "existing", "province": "四川省"}
    assert _one(sichuan, "so2", 320, o2=6)["limit"] == 400 and _one(sichuan, "so2", 320, o2=6)["status"] == "compliant"
    assert _one({**sichuan, "province": "云南省"}, "so2", 320, o2=6)["status"] == "exceeding"
