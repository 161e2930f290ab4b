"""Trophic state of lakes and reservoirs (综合营养状态指数 TLI)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.evaluate.water.items import _eval_rules, _frame_day


# --------------------------------------------------------------------------------------------- trophic state
def trophic_state(frame: pl.DataFrame, require_all: bool | None = None,
                  on: dt.date | None = None) -> pl.DataFrame:
    """综合营养状态指数 TLI(Σ) and the trophic state (总站生字〔2001〕090号, adopted by 环办〔2011〕22号).

    Parameters
    ----------
    frame : pl.DataFrame
        Columns ``chla`` (mg/m³), ``tp``, ``tn``, ``codmn`` (mg/L), ``sd`` (m).
    require_all : bool, optional
        Compute only when all five are present (default from the table); False recomputes the weights
        W_j = r_j²/Σr_j² over the items present.

    Returns
    -------
    pl.DataFrame
        `frame` plus ``tli_<item>`` components, ``tli`` (rounded to the table's decimals, half-even) and
        ``trophic_state`` (贫营养 / 中营养 / 轻度富营养 / 中度富营养 / 重度富营养).

    Notes
    -----
    TLI(j) = 10(a_j + b_j ln C_j); TLI(Σ) = Σ W_j TLI(j), W_j = r_j²/Σ r_j² with r = chla 1, TP 0.84,
    TN 0.82, SD −0.83, CODMn 0.83. Classes: <30 贫营养; 30–50 中营养; 50<TLI≤60 轻度; 60<TLI≤70 中度;
    >70 重度富营养 (boundaries of the 总站 text).
    """
    rules = _eval_rules(on if on is not None else _frame_day(frame))["trophic_state"]
    need_all = rules["require_all"] if require_all is None else require_all
    items = list(rules["items"])
    r2 = {k: float(rules["r"][k]) ** 2 for k in items}
    comps = []
    for k in items:
        a, b = float(rules["components"][k]["a"]), float(rules["components"][k]["b"])
        x = pl.col(k).cast(pl.Float64)
        comps.append(pl.when(x > 0).then(10 * (a + b * x.log())).otherwise(None).alias(f"tli_{k}"))
    out = frame.with_columns(comps)
    present = [pl.col(f"tli_{k}").is_not_null() for k in items]
    weight_sum = pl.sum_horizontal([pl.when(p).then(pl.lit(r2[k])).otherwise(0.0) for p, k in zip(present, items)])
    total = pl.sum_horizontal([pl.col(f"tli_{k}").fill_null(0.0) * r2[k] for k in items]) / weight_sum
    n_present = pl.sum_horizontal([p.cast(pl.Int32) for p in present])
    ok = (n_present == len(items)) if need_all else (n_present > 0)
    decimals = int(rules["decimals"])
    out = out.with_columns(pl.when(ok).then(total).otherwise(None).alias("_tli"))
    value = pl.col("_tli").round(decimals) if rules["classify_rounded"] else pl.col("_tli")
    state: Any = None
    for cls in rules["classes"]:
        if "below" in cls:
            cond = value < float(cls["below"])
        elif "max" in cls:
            cond = value <= float(cls["max"])
        else:
            cond = value.is_not_null()
        state = pl.when(cond).then(pl.lit(cls["state"])) if state is None else state.when(cond).then(
            pl.lit(cls["state"]))
    return out.with_columns(state.otherwise(None).alias("trophic_state"),
                            pl.col("_tli").round(decimals).alias("tli")).drop("_tli")


def trophic_weights(on: dt.date | None = None) -> dict[str, float]:
    """W_j = r_j² / Σ r_j² from the table's correlation coefficients."""
    rules = _eval_rules(on)["trophic_state"]
    r2 = {k: float(v) ** 2 for k, v in rules["r"].items()}
    total = sum(r2.values())
    return {k: v / total for k, v in r2.items()}
