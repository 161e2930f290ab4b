"""Worked examples of the water evaluation method (环办〔2011〕22号 and the rules that travel with it).

Every expected value is worked out by hand in the comments from the limits of GB 3838-2002 / GB/T 14848-2017.
"""
from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from publisher.evaluate import water
from tests.clauses import document_id

T = dt.datetime(2026, 3, 10, 9)


def frame(rows, t=T):
    """rows: (station, item, value[, below_dl[, waterbody_type[, time]]])"""
    out = []
    for r in rows:
        station, item, value = r[:3]
        below = r[3] if len(r) > 3 else False
        wb = r[4] if len(r) > 4 else "river"
        when = r[5] if len(r) > 5 else t
        out.append((station, when, item, float(value), below, wb))
    return pl.DataFrame(out, schema=water.SAMPLE_SCHEMA, orient="row")


def one(result: pl.DataFrame, station: str) -> dict:
    return result.filter(pl.col("station_id") == station).row(0, named=True)


# ------------------------------------------------------------------------------------------ single factor
def test_single_factor_worst_evaluated_item_and_reference_items():
    # pH 7.2 Ⅰ; DO 5.5 Ⅲ (5 <= 5.5 < 6); CODMn 4.5 Ⅲ (4 < 4.5 <= 6); NH3-N 0.4 Ⅱ; TP 0.15 Ⅲ (river 0.1 < 0.15 <= 0.2);
    # Cu 0.005 Ⅰ. TN 3 (river, no class) and fecal coliform 50000 个/L (劣Ⅴ) and water temperature are
    # reference items: they never decide the class. -> Ⅲ, 良好, no main pollutants (not worse than Ⅲ).
    rows = [("s", "ph", 7.2), ("s", "do", 5.5), ("s", "codmn", 4.5), ("s", "nh3_n", 0.4), ("s", "tp", 0.15),
            ("s", "cu", 0.005), ("s", "tn", 3.0), ("s", "fecal_coliform", 50000), ("s", "water_temp", 25)]
    r = one(water.evaluate(frame(rows)), "s")
    assert (r["water_class"], r["status"], r["main_pollutants"]) == (3, "良好", "")
    assert r["items_evaluated"] == "ph,do,codmn,nh3_n,tp,cu"
    assert r["class_items"] == "do,codmn,tp"
    assert r["compliant"] is None  # no target class known


def test_status_words():
    # Ⅰ, Ⅱ 优; Ⅲ 良好; Ⅳ 轻度污染; Ⅴ 中度污染; 劣Ⅴ 重度污染 (NH3-N 0.1, 0.4, 0.9, 1.2, 1.8, 2.5)
    rows = [(f"s{i}", "nh3_n", v) for i, v in enumerate([0.1, 0.4, 0.9, 1.2, 1.8, 2.5])]
    out = water.evaluate(frame(rows)).sort("station_id")
    assert out["water_class"].to_list() == [1, 2, 3, 4, 5, 6]
    assert out["status"].to_list() == ["优", "优", "良好", "轻度污染", "中度污染", "重度污染"]


def test_main_pollutants_top_three_worst_class_then_multiple():
    # target Ⅲ. NH3-N 2.6 劣Ⅴ (2.6/1.0−1 = 1.6); TP 0.35 Ⅴ (0.35/0.2−1 = 0.75 -> 0.8);
    # CODMn 9 Ⅳ (9/6−1 = 0.5); BOD5 5.8 Ⅳ (5.8/4−1 = 0.45 -> 0.4, half-even of 0.45 is 0.4); DO 4 Ⅳ (no multiple).
    # Top three: 劣Ⅴ NH3-N, Ⅴ TP, then among Ⅳ the larger multiple: CODMn (0.5) before BOD5 (0.45) before DO.
    rows = [("s", "nh3_n", 2.6), ("s", "tp", 0.35), ("s", "codmn", 9), ("s", "bod5", 5.8), ("s", "do", 4),
            ("s", "ph", 7)]
    meta = pl.DataFrame({"station_id": ["s"], "target_class": ["Ⅲ"]})
    r = one(water.evaluate(frame(rows), meta), "s")
    assert r["water_class"] == 6
    assert r["main_pollutants"] == "氨氮/1.6、总磷/0.8、高锰酸盐指数/0.5"
    assert r["exceedances"] == "氨氮/1.6、总磷/0.8、高锰酸盐指数/0.5、五日生化需氧量/0.4、溶解氧"
    assert r["compliant"] is False


def test_multiples_against_target_class_limit():
    # target Ⅱ: NH3-N 0.8 is Ⅲ; multiple vs the Ⅱ limit 0.5: 0.8/0.5 − 1 = 0.6. Class Ⅲ is not worse than Ⅲ,
    # so there are no main pollutants, but the target is missed: exceedances "氨氮/0.6", not compliant.
    meta = pl.DataFrame({"station_id": ["s"], "target_class": ["Ⅱ"]})
    r = one(water.evaluate(frame([("s", "nh3_n", 0.8), ("s", "ph", 7.0)]), meta), "s")
    assert (r["water_class"], r["main_pollutants"], r["exceedances"], r["compliant"]) == (3, "", "氨氮/0.6", False)


def test_multiple_just_above_the_limit_never_prints_zero():
    # TP 0.21 in a river: Ⅳ (0.2 < 0.21 <= 0.3); 0.21/0.2 − 1 = 0.05, which half-even at 1 decimal is 0.0 and would
    # read "not exceeded". It is printed with 2 decimals (the Anhui practice, 超标0.39倍): 总磷/0.05.
    # NH3-N 1.004: Ⅳ; 1.004/1.0 − 1 = 0.004 is 0.00 even at 2 decimals -> 氨氮/<0.01 (never 0, never rounded up).
    # CODMn 9: 9/6 − 1 = 0.5 keeps the usual single decimal.
    meta = pl.DataFrame({"station_id": ["s"], "target_class": ["Ⅲ"]})
    rows = [("s", "tp", 0.21), ("s", "nh3_n", 1.004), ("s", "codmn", 9), ("s", "ph", 7)]
    r = one(water.evaluate(frame(rows), meta), "s")
    assert r["water_class"] == 4
    assert r["main_pollutants"] == "高锰酸盐指数/0.5、总磷/0.05、氨氮/<0.01"
    assert r["exceedances"] == r["main_pollutants"]
    assert not re.search(r"/0(\.0+)?(、|$)", r["exceedances"])


@pytest.mark.parametrize("multiple, text", [
    (1.3, "1.3"), (0.75, "0.8"), (0.45, "0.4"), (0.051, "0.1"),   # the usual 1 decimal, half-even
    (0.05, "0.05"), (0.04, "0.04"), (0.015, "0.02"),              # would be 0.0: 2 decimals
    (0.005, "<0.01"), (0.0001, "<0.01"),                          # would be 0.00: below the smallest step
], ids=lambda v: None if isinstance(v, str) else document_id(
    "HBH-2011-22", "超标倍数", "decimals" if v >= 0.05 else "small_decimals" if v >= 0.01 else "small_below", v))
def test_format_multiple(multiple, text):
    assert water.format_multiple(multiple) == text


def test_format_multiple_refuses_a_value_that_does_not_exceed():
    with pytest.raises(ValueError):
        water.format_multiple(0.0)


def test_do_and_ph_named_without_multiple():
    # DO 1.5 < 2 -> 劣Ⅴ; pH 9.4 -> 劣Ⅴ; no 超标倍数 for DO and pH
    r = one(water.evaluate(frame([("s", "do", 1.5), ("s", "ph", 9.4), ("s", "nh3_n", 0.3)])), "s")
    assert r["water_class"] == 6
    assert r["main_pollutants"] == "pH值、溶解氧"


def test_national_5_plus_x_by_station_and_date():
    # national station with X = [bod5]: BOD5 5 (Ⅳ, 4 < 5 <= 6) counts; COD 35 (Ⅴ) is not in 5+X and does not.
    # provincial (21 items): COD 35 -> Ⅴ. Before 2021 the national station is judged on the 21 items: Ⅴ.
    meta = pl.DataFrame({"station_id": ["n", "p"], "assessment": ["national", "provincial"],
                         "x_items": ["bod5", ""]})
    rows = []
    for s in ("n", "p"):
        rows += [(s, "ph", 7.5), (s, "do", 7), (s, "codmn", 3), (s, "nh3_n", 0.3), (s, "tp", 0.08),
                 (s, "bod5", 5), (s, "cod", 35)]
    out = water.evaluate(frame(rows), meta)
    assert one(out, "n")["water_class"] == 4 and one(out, "n")["items_evaluated"] == "ph,do,codmn,bod5,nh3_n,tp"
    assert one(out, "p")["water_class"] == 5
    old = water.evaluate(frame(rows, t=dt.datetime(2020, 6, 1)), meta)
    assert one(old, "n")["water_class"] == 5


def test_assessment_from_registry_kind():
    # a city source without `assessment` is judged as a drinking source: Table 2 iron 0.45 > 0.3 -> 铁/0.5
    meta = pl.DataFrame({"station_id": ["src"], "kind": ["city_source"], "target_class": ["Ⅲ"]})
    r = one(water.evaluate(frame([("src", "nh3_n", 0.2), ("src", "fe", 0.45)]), meta), "src")
    assert (r["assessment"], r["compliant"], r["exceedances"]) == ("source", False, "铁/0.5")


# ------------------------------------------------------------------------------------------ drinking sources
def test_drinking_source_compliance():
    meta = pl.DataFrame({"station_id": ["a", "b", "c", "g"], "assessment": ["source"] * 4,
                         "target_class": [None, "Ⅲ", "Ⅱ", None]})
    rows = [
        # a: Ⅱ basic items, TN 3 and fecal coliform 30000 are reference items, Table 3 benzene 0.002 < 0.01
        #    -> compliant with the default target Ⅲ
        ("a", "ph", 7.5), ("a", "nh3_n", 0.3), ("a", "tn", 3.0), ("a", "fecal_coliform", 30000), ("a", "benzene", 0.002),
        # b: fluoride 1.39 is Ⅳ (1.0 < 1.39 <= 1.5): 1.39/1.0 − 1 = 0.39 -> 氟化物/0.4 ("超标0.39倍" at 2 decimals)
        ("b", "fluoride", 1.39), ("b", "nh3_n", 0.3),
        # c: target Ⅱ, NH3-N 0.6 is Ⅲ: 0.6/0.5 − 1 = 0.2 -> not compliant
        ("c", "nh3_n", 0.6),
        # g: groundwater, GB/T 14848 Ⅲ target: NH3-N 0.6 is Ⅳ (0.5 < 0.6 <= 1.5): 0.6/0.5 − 1 = 0.2
        ("g", "nh3_n", 0.6, False, "groundwater"), ("g", "total_hardness", 300, False, "groundwater"),
    ]
    out = water.evaluate(frame(rows), meta)
    assert one(out, "a")["compliant"] is True and one(out, "a")["water_class"] == 2
    assert one(out, "a")["target_class"] == 3
    b = one(out, "b")
    assert (b["water_class"], b["compliant"], b["exceedances"]) == (4, False, "氟化物/0.4")
    c = one(out, "c")
    assert (c["water_class"], c["compliant"], c["exceedances"]) == (3, False, "氨氮/0.2")
    g = one(out, "g")
    assert (g["water_class"], g["compliant"], g["exceedances"], g["main_pollutants"]) == (4, False, "氨氮/0.2", "氨氮/0.2")
    assert g["items_evaluated"] == "nh3_n,total_hardness"


def test_groundwater_before_gb14848_2017_is_not_classified():
    r = one(water.evaluate(frame([("g", "nh3_n", 0.6, False, "groundwater")], t=dt.datetime(2017, 5, 1))), "g")
    assert r["water_class"] is None and "GB/T 14848-93" in r["notes"]


def test_volume_rate_anhui_published_figures():
    # Anhui reports: total / compliant intake (万吨) -> published 水量达标率. Only the sums matter, so each month is
    # rebuilt as one compliant source (the compliant volume) and one non-compliant source (the rest).
    # 2019-06: 10781.2 / 11022.2 = 97.81% -> 97.8; 2020-03: 10193.6 / 10522.6 = 96.87 -> 96.9;
    # 2021-02: 11328.9 / 11493.9 = 98.56 -> 98.6. Count rate: 1 of 2 sources = 50.0%.
    rows = []
    for month, total, ok in (("2019-06", 11022.2, 10781.2), ("2020-03", 10522.6, 10193.6),
                             ("2021-02", 11493.9, 11328.9)):
        rows += [{"month": month, "compliant": True, "volume": ok},
                 {"month": month, "compliant": False, "volume": round(total - ok, 1)}]
    out = water.compliance_rates(pl.DataFrame(rows), by=["month"]).sort("month")
    assert out["volume_rate"].to_list() == [97.8, 96.9, 98.6]
    assert out["count_rate"].to_list() == [50.0, 50.0, 50.0]
    assert out["volume_total"].round(1).to_list() == [11022.2, 10522.6, 11493.9]


# ------------------------------------------------------------------------------------------ periods and DL
def test_month_mean_with_half_detection_limit():
    # NH3-N 0.40 and "0.05L" in one month: (0.40 + 0.05/2) / 2 = 0.2125. All below DL (0.05L, 0.02L): the period
    # stays below DL at the larger DL 0.05, shown "0.05L".
    rows = [("a", "nh3_n", 0.40, False, "river", dt.datetime(2026, 3, 3)),
            ("a", "nh3_n", 0.05, True, "river", dt.datetime(2026, 3, 17)),
            ("b", "nh3_n", 0.05, True, "river", dt.datetime(2026, 3, 3)),
            ("b", "nh3_n", 0.02, True, "river", dt.datetime(2026, 3, 17))]
    out = water.period_values(frame(rows), "month").sort("station_id")
    assert out["value"].to_list() == pytest.approx([0.2125, 0.05])
    assert out["below_dl"].to_list() == [False, True]
    assert out["sampled_at"].to_list() == [dt.datetime(2026, 3, 1)] * 2
    assert out["n_samples"].to_list() == [2, 2]
    assert water.format_value(0.05, True) == "0.05L"


def test_quarter_mean_and_ph_arithmetic():
    # pH 6.5, 7.5, 8.5 in Q1 -> arithmetic mean 7.5 (decision documented in water-eval-2011.yaml); range 6.5-8.5
    rows = [("a", "ph", v, False, "river", dt.datetime(2026, m, 5)) for v, m in ((6.5, 1), (7.5, 2), (8.5, 3))]
    out = water.period_values(frame(rows), "quarter").row(0, named=True)
    assert (out["value"], out["min"], out["max"]) == (7.5, 6.5, 8.5)
    # the [H+] alternative: mean(3.16228e-7, 3.16228e-8, 3.16228e-9) = 1.17004e-7; −log10(1.17004e-7) = 6.9318
    alt = water.period_values(frame(rows), "quarter", ph_mean="hydrogen_ion").row(0, named=True)
    assert alt["value"] == pytest.approx(6.9318, abs=1e-4)


def test_below_dl_result_is_classified_by_its_detection_limit():
    # Hg "0.0001L": known only to be below 0.0001, which is the Ⅲ limit -> Ⅲ (cannot be proven Ⅰ/Ⅱ);
    # "0.00004L" -> Ⅰ. No multiple is ever computed from a below-DL result.
    out = water.item_classes(frame([("a", "hg", 0.0001, True), ("b", "hg", 0.00004, True)])).sort("station_id")
    assert out["class"].to_list() == [3, 1]


# ------------------------------------------------------------------------------------------ rivers
def _river(nh3_values, river="R"):
    rows, meta = [], []
    for i, v in enumerate(nh3_values):
        sid = f"{river}{i}"
        rows += [(sid, "nh3_n", v), (sid, "ph", 7.5), (sid, "do", 8)]
        meta.append({"station_id": sid, "river": river})
    return frame(rows), pl.DataFrame(meta)


def test_river_fewer_than_5_sections_averages():
    # 4 sections, NH3-N 0.4 (Ⅱ), 0.6 (Ⅲ), 1.8 (Ⅴ), 2.4 (劣Ⅴ): mean (0.4+0.6+1.8+2.4)/4 = 1.3 -> Ⅳ 轻度污染,
    # main pollutant 氨氮/0.3 (1.3/1.0 − 1). Shares: Ⅰ-Ⅲ 2/4 = 50%, 劣Ⅴ 1/4 = 25% (reported, not used).
    values, meta = _river([0.4, 0.6, 1.8, 2.4])
    r = water.river_summary(values, meta).row(0, named=True)
    assert (r["n_sections"], r["method"], r["water_class"], r["status"]) == (4, "average", 4, "轻度污染")
    assert r["main_pollutants"] == "氨氮/0.3"
    assert (r["share_good"], r["share_bad"]) == (50.0, 25.0)


def test_river_5_sections_uses_proportions():
    # n = 5 takes the proportion rule. NH3-N 0.4, 0.6, 1.8, 2.4, 0.3 -> Ⅱ Ⅲ Ⅴ 劣Ⅴ Ⅱ: Ⅰ-Ⅲ 3/5 = 60% (< 75%),
    # 劣Ⅴ 1/5 = 20% (20 <= x < 40) -> 中度污染. (Averaging would give mean 1.1 -> Ⅳ 轻度污染: the rule matters.)
    # Main pollutants by section exceedance rate: NH3-N 2/5 worse than Ⅲ -> 氨氮.
    values, meta = _river([0.4, 0.6, 1.8, 2.4, 0.3])
    r = water.river_summary(values, meta).row(0, named=True)
    assert (r["n_sections"], r["method"], r["water_class"], r["status"]) == (5, "proportion", None, "中度污染")
    assert (r["share_good"], r["share_bad"], r["main_pollutants"]) == (60.0, 20.0, "氨氮")


@pytest.mark.parametrize("nh3, status", [
    ([0.3] * 9 + [1.2], "优"),             # 9/10 = 90% Ⅰ-Ⅲ
    ([0.3] * 8 + [1.2] * 2, "良好"),       # 80%
    ([0.3] * 7 + [1.2] * 3, "轻度污染"),   # 70% < 75%, 劣Ⅴ 0%
    ([0.3] * 5 + [1.2] * 4 + [3.0], "轻度污染"),  # 50%, 劣Ⅴ 10% < 20%
    ([0.3] * 4 + [1.2] * 3 + [3.0] * 3, "中度污染"),  # 40%, 劣Ⅴ 30%
    ([0.3] * 5 + [3.0] * 5, "重度污染"),   # 50%, 劣Ⅴ 50% >= 40%
], ids=[document_id("HBH-2011-22", "河流断面比例", f"Ⅰ~Ⅲ{good}%-劣Ⅴ{bad}%-{status}")
         for good, bad, status in [(90, 0, "优"), (80, 0, "良好"), (70, 0, "轻度污染"), (50, 10, "轻度污染"),
                                   (40, 30, "中度污染"), (50, 50, "重度污染")]])
def test_river_proportion_rows(nh3, status):
    values, meta = _river(nh3)
    assert water.river_summary(values, meta).row(0, named=True)["status"] == status


def test_river_60_40_disagreement_is_noted():
    # Ⅰ-Ⅲ exactly 60% and 劣Ⅴ exactly 40%: "<75%" (Shenzhen) gives 重度污染; "<60%" fits no row. We rate 重度污染
    # and say so on the row.
    values, meta = _river([0.3, 0.3, 0.3, 3.0, 3.0])
    r = water.river_summary(values, meta).row(0, named=True)
    assert r["status"] == "重度污染" and "60%" in r["notes"]


# ------------------------------------------------------------------------------------------ lakes, TLI
def test_tli_worked_example_mesotrophic():
    # chla 10 mg/m³, TP 0.05, TN 1.0, SD 1.0 m, CODMn 4 mg/L:
    # TLI(chla) = 10(2.5 + 1.086 ln 10)    = 10(2.5 + 2.50061)   = 50.006
    # TLI(TP)   = 10(9.436 + 1.624 ln 0.05) = 10(9.436 − 4.86513) = 45.709
    # TLI(TN)   = 10(5.453 + 1.694 ln 1)    = 54.530
    # TLI(SD)   = 10(5.118 − 1.94 ln 1)     = 51.180
    # TLI(CODMn)= 10(0.109 + 2.661 ln 4)    = 10(0.109 + 3.68893) = 37.979
    # Σ r² = 1 + 0.7056 + 0.6724 + 0.6889 + 0.6889 = 3.7558
    # TLI = (50.006·1 + 45.709·0.7056 + 54.530·0.6724 + 51.180·0.6889 + 37.979·0.6889) / 3.7558
    #     = (50.006 + 32.252 + 36.666 + 35.258 + 26.164) / 3.7558 = 180.346 / 3.7558 = 48.02 -> 48.0 中营养
    f = pl.DataFrame({"chla": [10.0], "tp": [0.05], "tn": [1.0], "sd": [1.0], "codmn": [4.0]})
    r = water.trophic_state(f).row(0, named=True)
    assert r["tli"] == 48.0 and r["trophic_state"] == "中营养"
    assert r["tli_tp"] == pytest.approx(45.709, abs=1e-3)


def test_tli_worked_example_eutrophic_and_classes():
    # chla 50, TP 0.2, TN 3, SD 0.3, CODMn 8:
    # components 67.485, 68.223, 73.141, 74.537, 56.424;
    # (67.485 + 68.223·0.7056 + 73.141·0.6724 + 74.537·0.6889 + 56.424·0.6889) / 3.7558
    # = (67.485 + 48.138 + 49.180 + 51.349 + 38.871) / 3.7558 = 255.022 / 3.7558 = 67.90 -> 67.9 中度富营养
    f = pl.DataFrame({"chla": [50.0, None], "tp": [0.2, 0.2], "tn": [3.0, 3.0], "sd": [0.3, 0.3],
                      "codmn": [8.0, 8.0]})
    out = water.trophic_state(f)
    assert out["tli"].to_list() == [67.9, None]  # second row: chla missing -> not computed (require_all)
    assert out["trophic_state"].to_list() == ["中度富营养", None]


@pytest.mark.parametrize("tli, state", [(29.9, "贫营养"), (30.0, "中营养"), (50.0, "中营养"), (50.1, "轻度富营养"),
                                        (60.0, "轻度富营养"), (60.1, "中度富营养"), (70.0, "中度富营养"),
                                        (70.1, "重度富营养")],
                         ids=lambda v: f"总站生字〔2001〕090号-TLI={v}" if not isinstance(v, str) else v)
def test_tli_class_boundaries(tli, state):
    # choose chla alone so TLI(chla) = tli, with the other items giving the same index: solve C = exp((t/10 − a)/b)
    import math
    params = {"chla": (2.5, 1.086), "tp": (9.436, 1.624), "tn": (5.453, 1.694), "sd": (5.118, -1.94),
              "codmn": (0.109, 2.661)}
    f = pl.DataFrame({k: [math.exp((tli / 10 - a) / b)] for k, (a, b) in params.items()})
    assert water.trophic_state(f)["trophic_state"].to_list() == [state]


def test_lake_summary_spatial_mean_and_tn_separately():
    # three points of one lake: TP 0.04, 0.05, 0.09 -> mean 0.06 -> lake Ⅳ (0.05 < 0.06 <= 0.1);
    # TN 0.8/1.0/1.2 -> mean 1.0 -> Ⅲ, reported separately (tn_class), never in water_class.
    rows, meta = [], []
    for i, (tp, tn) in enumerate([(0.04, 0.8), (0.05, 1.0), (0.09, 1.2)]):
        rows += [(f"p{i}", "tp", tp, False, "lake"), (f"p{i}", "tn", tn, False, "lake"),
                 (f"p{i}", "ph", 7.8, False, "lake")]
        meta.append({"station_id": f"p{i}", "water_body": "L"})
    out = water.lake_summary(frame(rows), pl.DataFrame(meta)).row(0, named=True)
    assert (out["station_id"], out["n_points"], out["water_class"], out["tn_class"]) == ("L", 3, 4, 3)


# ------------------------------------------------------------------------------------------ change wording
@pytest.mark.parametrize("before, after, wording", [
    ("优", "优", "无明显变化"),            # Ⅰ -> Ⅱ is no change (both 优)
    ("优", "良好", "有所变差"),
    ("良好", "中度污染", "明显变差"),       # Ⅲ -> Ⅴ: two levels
    ("重度污染", "轻度污染", "明显好转"),
    ("轻度污染", "良好", "有所好转"),
], ids=lambda v: document_id("HBH-2011-22", "变化趋势", v) if v in ("无明显变化", "有所变差", "明显变差", "明显好转", "有所好转") else v)
def test_status_change(before, after, wording):
    assert water.status_change(before, after) == wording


@pytest.mark.parametrize("g1, d1, g2, d2, delta, wording", [
    (80, 5, 90, 5, 10.0, "无明显变化"),     # ΔG 10, ΔD 0 -> |10| <= 10
    (80, 5, 95, 0, 20.0, "有所好转"),       # 15 − (−5) = 20
    (80, 5, 70, 15, -20.0, "有所变差"),     # −10 − 10 = −20
    (50, 10, 80, 0, 40.0, "明显好转"),      # 30 − (−10) = 40
    (90, 0, 66.7, 4.2, -27.5, "明显变差"),  # −23.3 − 4.2 = −27.5
], ids=lambda v: document_id("HBH-2011-22", "比例变化", v) if isinstance(v, str) else str(v))
def test_proportion_change(g1, d1, g2, d2, delta, wording):
    r = water.proportion_change(g1, d1, g2, d2)
    assert (r["delta"], r["wording"]) == (delta, wording)


def test_share_change_percentage_points():
    assert water.share_change(83.3, 75.0) == 8.3
    assert water.share_change(None, 75.0) is None


# ------------------------------------------------------------------------------------------ display
def test_display_helpers():
    assert [water.class_label(c) for c in range(1, 7)] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]
    assert water.class_label(None) is None
    assert water.class_number("劣Ⅴ") == 6 and water.class_number("Ⅲ类") == 3 and water.class_number("") is None
    assert water.format_value(0.01, True) == "0.01L"
    assert water.format_value(0.00005, True) == "0.00005L"
    assert water.format_value(None) == ""
    assert water.format_value(0.125, decimals=2) == "0.12"  # 四舍六入五成双
    assert water.format_value(0.135, decimals=2) == "0.14"


def test_status_not_given_before_2011_method():
    r = one(water.evaluate(frame([("s", "nh3_n", 0.4)], t=dt.datetime(2010, 5, 1))), "s")
    assert r["water_class"] == 2 and r["status"] is None
    assert water.status_of(2, dt.date(2026, 1, 1)) == "优"


# ------------------------------------------------------------------------------------------ "5+X": X from the data
def _monthly(station: str, months: list[tuple[int, int]], extra: dict[tuple[int, int], list[tuple]]) -> pl.DataFrame:
    """Monthly values of a clean class-Ⅱ river section (pH 7.5, DO 8, CODMn 3, NH3-N 0.3, TP 0.08, Hg 0.00004L,
    BOD5 2), with `extra` rows (item, value[, below_dl]) replacing items in some months."""
    rows = []
    for y, m in months:
        when = dt.datetime(y, m, 1)
        base = {"ph": (7.5, False), "do": (8, False), "codmn": (3, False), "nh3_n": (0.3, False),
                "tp": (0.08, False), "hg": (0.00004, True), "bod5": (2, False), "cod": (12, False)}
        for item, value, *below in extra.get((y, m), []):
            base[item] = (value, bool(below[0]) if below else False)
        rows += [(station, item, v, b, "river", when) for item, (v, b) in base.items()]
    return frame(rows)


def test_x_from_data_hg_above_the_class_2_limit_joins_x():
    # 怒江双虹桥 (target Ⅱ, official X = BOD5, fluoride): Hg 0.00006 mg/L in May 2026. GB 3838 Hg: Ⅰ/Ⅱ 0.00005,
    # Ⅲ 0.0001, so 0.00006 is Ⅲ. The target is Ⅱ, so the limit that counts is Ⅱ's: Hg exceeded it and joins X from
    # May 2026 (the month itself included) to the end of 2027 ("上一年及当年"). May 2026 is then Ⅲ and misses its
    # target, with 汞/0.2 (0.00006/0.00005 − 1); April 2026 (before) stays Ⅱ and compliant.
    months = [(2026, m) for m in range(1, 13)] + [(2027, 12), (2028, 1)]
    values = _monthly("shuanghong", months, {(2026, 5): [("hg", 0.00006)]})
    meta = pl.DataFrame({"station_id": ["shuanghong"], "kind": ["national_section"], "assessment": ["national"],
                         "x_items": ["bod5,fluoride"], "target_class": ["Ⅱ"]})
    hits = water.x_exceedances(values, meta)
    assert hits.select("item", "sampled_at", "reference_class").rows() == [("hg", dt.datetime(2026, 5, 1), 2)]
    x = {r["sampled_at"]: r for r in water.x_items_from_data(values, meta).to_dicts()}
    assert x[dt.datetime(2026, 4, 1)]["x_items"] == ["bod5", "fluoride"]
    assert x[dt.datetime(2026, 5, 1)]["x_items"] == ["bod5", "fluoride", "hg"]
    assert x[dt.datetime(2026, 5, 1)]["x_data"] == ["hg"]
    assert x[dt.datetime(2027, 12, 1)]["x_data"] == ["hg"]        # previous year's exceedance still counts
    assert x[dt.datetime(2028, 1, 1)]["x_data"] == []             # two years on, it no longer does
    out = {r["sampled_at"]: r for r in water.evaluate(water.with_x_items(values, meta), meta).to_dicts()}
    may = out[dt.datetime(2026, 5, 1)]
    assert (may["water_class"], may["compliant"], may["exceedances"]) == (3, False, "汞/0.2")
    assert "hg" in may["items_evaluated"].split(",")
    april = out[dt.datetime(2026, 4, 1)]
    assert (april["water_class"], april["compliant"]) == (2, True)
    # without the data's X (the official list only) May would be printed Ⅱ and compliant: the old result
    old = one(water.evaluate(values.filter(pl.col("sampled_at") == dt.datetime(2026, 5, 1)), meta), "shuanghong")
    assert (old["water_class"], old["compliant"]) == (2, True)


def test_x_from_data_uses_class_3_for_lower_targets_and_ignores_below_dl_and_provincial():
    # target Ⅳ: the limit that counts is Ⅲ's. COD 22 (Ⅳ, > Ⅲ 20) joins X; BOD5 3.5 (Ⅲ: 3 < 3.5 <= 4) does not.
    # A below-DL Hg of 0.0002L (DL above Ⅲ) never counts. A provincial section is judged on the 21 items anyway:
    # it gets no X at all.
    values = pl.concat([
        _monthly("hetu", [(2026, 6)], {(2026, 6): [("cod", 22), ("bod5", 3.5), ("hg", 0.0002, True)]}),
        _monthly("prov", [(2026, 6)], {(2026, 6): [("cod", 22)]}),
    ])
    meta = pl.DataFrame({"station_id": ["hetu", "prov"], "kind": ["national_section", "provincial_section"],
                         "assessment": [None, None], "x_items": ["", ""], "target_class": ["Ⅳ", "Ⅲ"]})
    x = {r["station_id"]: r for r in water.x_items_from_data(values, meta).to_dicts()}
    assert x["hetu"]["x_data"] == ["cod"] and x["prov"]["x_data"] == []
    assert water.x_exceedances(values, meta)["item"].to_list() == ["cod"]
    # the five items always judged never show up as X
    tp = _monthly("n", [(2026, 6)], {(2026, 6): [("tp", 0.3)]})
    meta_n = pl.DataFrame({"station_id": ["n"], "kind": ["national_section"], "x_items": [""], "target_class": ["Ⅱ"]})
    assert water.x_items_from_data(tp, meta_n)["x_data"].to_list() == [[]]


def test_x_from_data_is_not_applied_before_2021():
    # before 2021-01-01 national sections were judged on the 21 items: no "X" to derive
    values = _monthly("n", [(2020, 6)], {(2020, 6): [("hg", 0.00006)]})
    meta = pl.DataFrame({"station_id": ["n"], "kind": ["national_section"], "x_items": [""], "target_class": ["Ⅱ"]})
    assert water.x_exceedances(values, meta).height == 0


# ------------------------------------------------------------------------------------------ river main pollutants: ties
def test_river_main_pollutants_ties_on_rate_go_to_the_worse_exceedance():
    # 5 sections (proportion rule); one section has COD 35 (Ⅴ, 35/20 − 1 = 0.75), BOD5 5 (Ⅳ, 5/4 − 1 = 0.25) and
    # CODMn 8 (Ⅳ, 8/6 − 1 = 0.33): each item is worse than Ⅲ at 1 of 5 sections, 20% — a tie on 断面超标率.
    # The worse exceedance goes first: COD (Ⅴ), then among the Ⅳ items the larger multiple, CODMn (0.33) before BOD5
    # (0.25). Code order (bod5 < cod < codmn) would have put BOD5 first.
    rows, meta = [], []
    for i in range(5):
        sid = f"s{i}"
        rows += [(sid, "ph", 7.5), (sid, "do", 8), (sid, "nh3_n", 0.3), (sid, "codmn", 3), (sid, "bod5", 2),
                 (sid, "cod", 12)]
        meta.append({"station_id": sid, "river": "r"})
    rows = [r for r in rows if not (r[0] == "s0" and r[1] in ("cod", "bod5", "codmn"))]
    rows += [("s0", "cod", 35), ("s0", "bod5", 5), ("s0", "codmn", 8)]
    r = water.river_summary(frame(rows), pl.DataFrame(meta)).row(0, named=True)
    assert r["method"] == "proportion"
    assert r["main_pollutants"] == "化学需氧量、高锰酸盐指数、五日生化需氧量"
    # equal class and multiple: the order of GB 3838 Table 1 (CODMn before BOD5), not the alphabet of the codes
    rows2 = [r for r in rows if not (r[0] == "s0" and r[1] in ("cod", "bod5", "codmn"))]
    rows2 += [("s0", "codmn", 7.5), ("s0", "bod5", 5)]          # 7.5/6 − 1 = 0.25 = 5/4 − 1, both Ⅳ
    r2 = water.river_summary(frame(rows2), pl.DataFrame(meta)).row(0, named=True)
    assert r2["main_pollutants"] == "高锰酸盐指数、五日生化需氧量"


# ------------------------------------------------------------------------------------------ one precision per bulletin
def test_multiple_places_and_the_decimals_override():
    # the table's rule prints 1 decimal, 2 for a multiple that would print as 0.0: a bulletin holding both prints all
    # with 2 (multiple_places), and evaluate then writes every text with 2 decimals
    assert water.multiple_places(["氨氮/1.3、总磷/0.6", "", None]) is None
    assert water.multiple_places(["化学需氧量/0.1", "总磷/0.05"]) == 2
    assert water.multiple_places(["氨氮/<0.01"]) == 2
    rows = [("a", "cod", 22.4), ("b", "tp", 0.21), ("c", "nh3_n", 1.004)]   # 0.12, 0.05, 0.004
    one_rule = water.evaluate(frame(rows), pl.DataFrame({"station_id": ["a", "b", "c"], "target_class": ["Ⅲ"] * 3}))
    assert sorted(one_rule["exceedances"].to_list()) == ["化学需氧量/0.1", "总磷/0.05", "氨氮/<0.01"]
    two = water.evaluate(frame(rows), pl.DataFrame({"station_id": ["a", "b", "c"], "target_class": ["Ⅲ"] * 3}),
                         multiple_decimals=2)
    assert sorted(two["exceedances"].to_list()) == ["化学需氧量/0.12", "总磷/0.05", "氨氮/<0.01"]


def test_cod_does_not_decide_a_surface_source_class_from_2021():
    # drinking sources are classed on Table 1 without 化学需氧量 ("按照20项基本指标进行水质类别评价"): COD 25 (Ⅳ) does not
    # make a Ⅱ source Ⅳ in 2026; under the 2011 item set (data of 2020) it still did
    rows = [("src", "ph", 7.5), ("src", "do", 8), ("src", "codmn", 3), ("src", "nh3_n", 0.3), ("src", "tp", 0.02),
            ("src", "cod", 25)]
    meta = pl.DataFrame({"station_id": ["src"], "kind": ["city_source"], "target_class": ["Ⅲ"]})
    now = one(water.evaluate(frame(rows, t=dt.datetime(2026, 5, 6)), meta), "src")
    assert (now["water_class"], now["compliant"]) == (2, True) and "cod" not in now["items_evaluated"].split(",")
    before = one(water.evaluate(frame(rows, t=dt.datetime(2020, 5, 6)), meta), "src")
    assert (before["water_class"], before["compliant"]) == (4, False)
