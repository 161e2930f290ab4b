"""The pollutant texts of the water evaluation (``氨氮/1.3、总磷/0.6``) against the documented display rule.

evaluate() builds ``main_pollutants`` and ``exceedances`` for all station-months at once, with polars expressions.
Every expected text here is derived in this file from the rule of docs/water-method.md §4 and the numbers of the
standards tables, never copied from the code under test:

* 超标倍数 = C/S − 1; S is the Ⅲ limit here (no target class); no number for pH and DO (named only);
* binary noise stripped (half-even to 12 decimals), then half-even to ``water_eval › exceedance.decimals``; a multiple
  that would print as zero takes ``small_decimals``; one still zero prints as ``small_below`` + the smallest step;
* order: worst class first, then the larger multiple, then catalogue order; main pollutants: the first three items
  worse than Ⅲ; exceedances: every item above the limit, joined by the table's separator.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl
import pytest

from publisher import standards
from publisher.evaluate import water

T = dt.datetime(2026, 3, 10, 9)
EXC = standards.in_force("water_eval", T)["exceedance"]
MAIN = standards.in_force("water_eval", T)["main_pollutants"]
TABLE1 = standards.in_force("gb3838", T)["table1"]["items"]
III = 3
# items whose class is read from 'max' limits, with their river limits (Ⅰ..Ⅴ)
MAX_ITEMS = {code: (spec["limits"]["river"] if isinstance(spec["limits"], dict) else spec["limits"])
             for code, spec in TABLE1.items()
             if spec["direction"] == "max" and code not in ("tn", "fecal_coliform")}


def rule_text(multiple: float) -> str:
    """The display rule of a multiple, written out from docs/water-method.md with Decimal arithmetic."""
    clean = Decimal(repr(multiple)).quantize(Decimal("1e-12"), rounding=ROUND_HALF_EVEN)
    places = [int(EXC["decimals"]), max(int(EXC["decimals"]), int(EXC["small_decimals"]))]
    for p in places:
        rounded = clean.quantize(Decimal(1).scaleb(-p), rounding=ROUND_HALF_EVEN)
        if rounded > 0:
            return f"{rounded:.{p}f}"
    return f"{EXC['small_below']}{Decimal(1).scaleb(-places[-1]):.{places[-1]}f}"


def item_class(code: str, value: float) -> int:
    """GB 3838 Table 1: the best class whose limit the value meets, else 劣Ⅴ (6)."""
    spec = TABLE1[code]
    if spec["direction"] == "range":
        lo, hi = spec["range"]
        return 1 if lo <= value <= hi else int(spec["outside"])
    limits = spec["limits"]["river"] if isinstance(spec["limits"], dict) else spec["limits"]
    for k, limit in enumerate(limits, 1):
        if (value >= limit) if spec["direction"] == "min" else (value <= limit):
            return k
    return len(limits) + 1


def expected_texts(items: dict[str, float]) -> tuple[str, str]:
    """(main_pollutants, exceedances) of one station-month by the rule (no target class: S = the Ⅲ limit)."""
    rows = []
    order = list(water.catalogue())
    for code, value in items.items():
        klass = item_class(code, value)
        if klass <= III:
            continue
        multiple = None
        if code not in EXC["not_computed_for"]:
            limits = TABLE1[code]["limits"]
            limit = (limits["river"] if isinstance(limits, dict) else limits)[III - 1]
            multiple = value / limit - 1
        rows.append((klass, multiple, order.index(code), code))
    rows.sort(key=lambda r: (-r[0], -(r[1] if r[1] is not None else -1), r[2]))
    parts = [water.item_name(code) + ("" if m is None else "/" + rule_text(m)) for _, m, _, code in rows]
    return EXC["separator"].join(parts[:int(MAIN["max_items"])]), EXC["separator"].join(parts)


def evaluate(stations: dict[str, dict[str, float]]) -> pl.DataFrame:
    rows = [(s, T, code, float(v), False, "river") for s, items in stations.items() for code, v in items.items()]
    samples = pl.DataFrame(rows, schema=water.SAMPLE_SCHEMA, orient="row")
    return water.evaluate(samples, assessment="provincial").sort("station_id")


# ------------------------------------------------------------------------------------------ the rule itself
EDGE_MULTIPLES = [
    0.05, 0.0501, 0.049999, 0.0499999999999,      # just above a limit: 0.0 at 1 decimal -> 2 decimals
    0.005, 0.0050001, 0.004999, 0.004, 1e-9,       # 0.00 at 2 decimals -> <0.01; half-even ties at 2 decimals
    0.015, 0.025, 0.035, 0.045,                    # half-even ties at 2 decimals (and 0.045 -> 0.04)
    0.25, 0.35, 0.45, 0.55, 0.75, 1.25,            # half-even ties at 1 decimal
    0.35 / 0.2 - 1, 0.21 / 0.2 - 1, 1.004 / 1.0 - 1, 1.3 / 1.0 - 1,   # C/S − 1 with binary noise
    0.06, 0.1, 0.95, 0.96, 9.95, 1.0, 123.45, 2.6e5,
]


def test_vectorised_multiples_equal_the_rule_on_edge_cases():
    got = water.format_multiples(pl.Series(EDGE_MULTIPLES)).to_list()
    assert got == [rule_text(m) for m in EDGE_MULTIPLES]
    assert got == [water.format_multiple(m) for m in EDGE_MULTIPLES]


def test_vectorised_multiples_equal_the_rule_on_many_values():
    rnd = random.Random(8170)
    values = [rnd.choice([0.01, 0.1, 1, 10]) * rnd.randint(1, 10 ** 6) / 10 ** rnd.randint(0, 6) for _ in range(5000)]
    values += [v / limit - 1 for limit in (0.02, 0.1, 0.2, 0.3, 0.05, 1.0, 1.5, 6, 20) for v in
               (limit * (1 + k / 1000) for k in range(1, 200))]
    assert water.format_multiples(pl.Series(values)).to_list() == [rule_text(v) for v in values]


def test_vectorised_multiples_leave_out_what_the_rule_refuses():
    # no number for a missing multiple; none for a value that does not exceed (format_multiple raises there)
    got = water.format_multiples(pl.Series([None, float("nan"), 0.0, -0.5, 0.5], dtype=pl.Float64)).to_list()
    assert got == [None, None, None, None, rule_text(0.5)]
    with pytest.raises(ValueError):
        water.format_multiple(0.0)


# ------------------------------------------------------------------------------------------ through evaluate
def test_texts_of_evaluate_follow_the_rule_on_edge_cases():
    iii = {code: limits[III - 1] for code, limits in MAX_ITEMS.items()}
    stations = {
        # several items of several classes: 劣Ⅴ pH and DO (named only), a multiple just above the limit (TP 0.21:
        # 0.05 -> 2 decimals), one below the smallest step (NH3-N 1.004 -> <0.01), an ordinary one (CODMn 9)
        "a": {"ph": 9.5, "do": 1.5, "tp": 0.21, "nh3_n": 1.004, "codmn": 9.0},
        # a tie: the same class and the same multiple for COD and BOD5 -> catalogue order
        "b": {"cod": iii["cod"] * 1.5, "bod5": iii["bod5"] * 1.5, "ph": 7.0},
        # nothing worse than Ⅲ: no main pollutants, no exceedances
        "c": {"ph": 7.2, "do": 6.5, "nh3_n": 0.3, "tp": 0.1},
        # one item, a hair above its limit
        "d": {"tp": iii["tp"] * (1 + 1e-7), "ph": 7.0},
        # more than three items worse than Ⅲ: main pollutants keep the first three, exceedances all of them
        "e": {"nh3_n": 2.6, "tp": 0.35, "codmn": 9.0, "bod5": 5.8, "do": 4.0, "ph": 7.0},
        # the worse class first, even with the smaller multiple: COD ×1.6 is Ⅴ (0.6), volatile phenol ×1.9
        # is Ⅳ (0.9)
        "f": {"volatile_phenol": iii["volatile_phenol"] * 1.9, "cod": iii["cod"] * 1.6, "ph": 7.0},
    }
    out = evaluate(stations)
    assert out["station_id"].to_list() == sorted(stations)
    for row in out.iter_rows(named=True):
        main, exceed = expected_texts(stations[row["station_id"]])
        assert (row["main_pollutants"], row["exceedances"]) == (main, exceed), row["station_id"]
    texts = dict(zip(out["station_id"], out["exceedances"]))
    assert "总磷/0.05" in texts["a"] and "氨氮/<0.01" in texts["a"]
    assert texts["b"].index("化学需氧量") < texts["b"].index("五日生化需氧量")
    assert texts["c"] == "" and texts["d"] == "总磷/<0.01"
    assert texts["f"].index("化学需氧量") < texts["f"].index("挥发酚")


def test_texts_of_evaluate_follow_the_rule_on_many_station_months():
    rnd = random.Random(3838)
    codes = sorted(MAX_ITEMS)
    stations = {}
    for i in range(300):
        items = {}
        for code in rnd.sample(codes, rnd.randint(0, 8)):
            limit = MAX_ITEMS[code][rnd.randint(0, 4)]
            items[code] = round(limit * rnd.choice([0.5, 1, 1 + 1e-6, 1.004, 1.05, 1.2, 1.5, 2, 3.7]), 7)
        items["ph"] = rnd.choice([7.0, 7.0, 5.5, 9.5])
        items["do"] = rnd.choice([8.0, 6.0, 4.0, 1.0])
        stations[f"s{i:03d}"] = items
    out = evaluate(stations)
    for row in out.iter_rows(named=True):
        assert (row["main_pollutants"], row["exceedances"]) == expected_texts(stations[row["station_id"]]), \
            row["station_id"]
