"""Reference oxygen content of flue gas: the conversion of measured concentrations (GB 13223, GB 13271)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from publisher import standards
from publisher.evaluate.discharge.limits import Outlet


# --------------------------------------------------------------------------------------------- oxygen
@dataclass(frozen=True)
class OxygenReference:
    """Whether and how a flue-gas item is converted: ``percent`` None means judged as measured."""

    converts: bool
    percent: float | None = None
    clause: str | None = None
    confidence: str | None = None
    reason: str | None = None


def oxygen_reference(outlet: Outlet, table: standards.Standard, item: str) -> OxygenReference:
    """The reference O2 (基准氧含量) of the outlet's equipment for ``item``, as the table states it."""
    block = table.get("oxygen_reference")
    if not block or item not in (block.get("items") or ()):
        return OxygenReference(converts=False)
    for entry in block.get("values") or ():
        wanted = {k: entry[k] for k in ("fuel", "equipment", "gas_kind") if k in entry}
        if all(outlet.attribute(k) == v for k, v in wanted.items()):
            return OxygenReference(converts=True, percent=float(entry["percent"]), clause=block["clause"],
                                   confidence=str(entry.get("confidence", block.get("confidence", table.confidence))))
    return OxygenReference(converts=True, clause=block["clause"], reason="O2_REFERENCE_NOT_ENCODED")


def reference_o2_concentration(measured: float | None, o2_measured: float | None, o2_reference: float) -> float | None:
    """C = C' × (21 − O2_ref) / (21 − O2_measured); None when C' or O2 is missing or O2 is outside [0, 21)."""
    if measured is None or o2_measured is None or math.isnan(measured) or math.isnan(o2_measured):
        return None
    if o2_measured < 0 or o2_measured >= 21:
        return None
    return round(measured * (21 - o2_reference) / (21 - o2_measured), 9)


def reference_o2_expr(measured: pl.Expr, o2_measured: pl.Expr, o2_reference: pl.Expr) -> pl.Expr:
    """:func:`reference_o2_concentration` as a polars expression (null where it returns None).

    Rounded to 1e-9 so that binary noise (30 × 12 / 7.2 = 50.00000000000001) cannot turn a value at the limit
    into an exceedance; reported values have far fewer decimals.
    """
    valid = o2_measured.is_not_null() & (o2_measured >= 0) & (o2_measured < 21)
    return (pl.when(valid)
            .then((measured * (21 - o2_reference) / (21 - o2_measured)).round(9))
            .otherwise(None))
