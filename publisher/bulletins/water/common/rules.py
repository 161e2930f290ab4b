"""The standards tables the water bulletins read, found by the date of the data, and the facts their
pages' fixed text states."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from publisher import standards


# --------------------------------------------------------------------------------------------- standards
def table_id(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.id


def citation(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.citation


def eval_rules(day: dt.date) -> standards.Standard:
    """The 环办〔2011〕22号 table in force on `day`."""
    return standards.in_force("water_eval", day)


def page_rules(day: dt.date) -> dict[str, Any]:
    """The standard facts the water pages' notes state, from the tables in force on `day`: the trophic
    states' bounds as the note prints them (``<30贫营养，30～50中营养，>50富营养（50～60轻度、…）``)."""
    trophic = eval_rules(day)["trophic_state"]
    classes, umbrella = trophic["classes"], str(trophic["eutrophic_umbrella"])
    first, mid, *rich = classes
    low, top = first["below"], mid["max"]
    parts, lower = [], top
    for c in rich:
        short = str(c["state"]).removesuffix(umbrella)
        parts.append(f"{_bound(lower)}～{_bound(c['max'])}{short}" if "max" in c else f">{_bound(lower)}{short}")
        lower = c.get("max", lower)
    note = (f"<{_bound(low)}{first['state']}，{_bound(low)}～{_bound(top)}{mid['state']}，"
            f">{_bound(top)}{umbrella}（{'、'.join(parts)}）")
    return {"trophic_classes_zh": note}


def _bound(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def standards_used(day: dt.date, families: Iterable[str]) -> list[str]:
    ids = [table_id(f, day) for f in families]
    return sorted({i for i in ids if i})
