"""Change wording between periods: status, class proportions, shares."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from publisher import rounding
from publisher.evaluate.water.items import _eval_rules


# --------------------------------------------------------------------------------------------- change wording
def status_change(before: str | None, after: str | None, on: dt.date | None = None) -> str | None:
    """Change wording by status level (环办〔2011〕22号): 无明显变化 / 有所好转|变差 / 明显好转|变差.

    The steps are the five status levels (优, 良好, 轻度污染, 中度污染, 重度污染), not the six classes:
    Ⅰ→Ⅱ is 无明显变化; Ⅲ→Ⅴ is two levels, 明显变差.
    """
    if before is None or after is None:
        return None
    rules = _eval_rules(on)
    levels = list(rules["status"]["levels"])
    wording = rules["trend"]["by_status_level"]
    step = levels.index(after) - levels.index(before)
    if step == 0:
        return wording["same"]
    direction = "better" if step < 0 else "worse"
    return wording["one_level"][direction] if abs(step) == 1 else wording["two_or_more"][direction]


def proportion_change(good_before: float, bad_before: float, good_after: float, bad_after: float,
                      on: dt.date | None = None) -> dict[str, Any]:
    """Combined-proportion change (环办〔2011〕22号): ΔG = G2 − G1, ΔD = D2 − D1 in percentage points.

    ΔG − ΔD > 0 better, < 0 worse; |ΔG − ΔD| ≤ 10 无明显变化, ≤ 20 有所好转/变差, > 20 明显好转/变差.
    Returns ``delta_good, delta_bad, delta, wording`` (deltas rounded half-even to the table's decimals).
    """
    rules = _eval_rules(on)["trend"]
    bands = rules["by_proportion"]
    dec = int(rules["change_decimals"])
    d_good = float(Decimal(repr(good_after)) - Decimal(repr(good_before)))
    d_bad = float(Decimal(repr(bad_after)) - Decimal(repr(bad_before)))
    delta = float(Decimal(repr(d_good)) - Decimal(repr(d_bad)))
    size = abs(delta)
    words = bands["wording"]
    if size <= float(bands["no_change_max"]):
        wording = words["same"]
    elif size <= float(bands["some_change_max"]):
        wording = words["some_better"] if delta > 0 else words["some_worse"]
    else:
        wording = words["clear_better"] if delta > 0 else words["clear_worse"]
    return {"delta_good": rounding.half_even(d_good, dec), "delta_bad": rounding.half_even(d_bad, dec),
            "delta": rounding.half_even(delta, dec), "wording": wording}


def share_change(current: float | None, previous: float | None, decimals: int = 1) -> float | None:
    """Change of a share in percentage points (current − previous), half-even rounded; None if either is."""
    if current is None or previous is None:
        return None
    return rounding.half_even(float(Decimal(repr(current)) - Decimal(repr(previous))), decimals)
