"""Water words: classes, water-body types, source types, section levels.

Classes are integers inside frames: 1..5 for Ⅰ..Ⅴ and 6 for 劣Ⅴ (GB 3838-2002 surface water; GB/T 14848
groundwater uses 1..5). GB 3838 has no class Ⅵ: ``VI``/``Ⅵ`` are refused, with the one error text of
:func:`class_number`, wherever a class is read.
"""
from __future__ import annotations

import math
from typing import Any

import polars as pl

#: Class number -> printed class (best first; 6 = 劣Ⅴ, worse than Ⅴ).
CLASS_LABELS: dict[int, str] = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
#: The printed classes in order (``LABELS[n - 1]`` is class n).
LABELS: tuple[str, ...] = tuple(CLASS_LABELS.values())
#: The worst class number (劣Ⅴ).
WORST = max(CLASS_LABELS)
#: Classes a station's target can be (a target is never 劣Ⅴ).
TARGET_LABELS: tuple[str, ...] = LABELS[:5]

_SPELLINGS: dict[str, int] = {label: n for n, label in CLASS_LABELS.items()} | {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6}
_REFUSED = {"VI", "Ⅵ", "6类"}
_EMPTY = {"", "—", "-"}


class WaterClassError(ValueError):
    """Text that is not a water-quality class (the message is Chinese with the code ``bad_water_class``)."""


def class_number(value: Any) -> int | None:
    """Parse a class as written into 1..6: ``3``, ``"3"``, ``Ⅲ``, ``Ⅲ类``, ``III``, ``iii``, ``劣Ⅴ``,
    ``劣V``, ``劣Ⅴ类``. None, NaN, ``""``, ``"—"`` and ``"-"`` give None. ``VI``/``Ⅵ`` and anything
    else raise :class:`WaterClassError`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise WaterClassError(f"水质类别 {value!r} 无法识别 (bad_water_class)")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1 <= int(value) <= WORST:
            return int(value)
        raise WaterClassError(f"水质类别应为 1–{WORST}，而不是 {value!r} (bad_water_class)")
    text = str(value).strip()
    if text in _EMPTY:
        return None
    bare = text.removesuffix("类").strip()
    if bare.isdigit():
        if 1 <= int(bare) <= WORST:
            return int(bare)
        raise WaterClassError(f"水质类别应为 1–{WORST}，而不是 {value!r} (bad_water_class)")
    found = _SPELLINGS.get(bare, _SPELLINGS.get(bare.upper()))
    if found is not None:
        return found
    if bare in _REFUSED or bare.upper() in _REFUSED:
        raise WaterClassError(f"水质类别 {value!r} 无法识别：GB 3838-2002 没有Ⅵ类，劣于Ⅴ类请写“劣Ⅴ” (bad_water_class)")
    raise WaterClassError(f"水质类别 {value!r} 无法识别 (bad_water_class)")


def class_label(value: int | None) -> str | None:
    """1..6 -> ``Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ``; None stays None."""
    if value is None:
        return None
    return CLASS_LABELS[int(value)]


def label_of(value: Any) -> str | None:
    """The printed class (``Ⅲ``, ``劣Ⅴ``) of a class as written (see :func:`class_number`); None for none."""
    return class_label(class_number(value))


# --------------------------------------------------------------------------------------------- water bodies
#: Water-body type codes and their short Chinese names.
WATERBODY_TYPES: dict[str, str] = {"river": "河流", "lake": "湖库", "groundwater": "地下水"}

#: Every accepted spelling of a water-body type (compared after stripping spaces) -> code.
WATERBODY_SPELLINGS: dict[str, str] = {
    "river": "river", "河流": "river", "河流型": "river", "地表水(河流)": "river", "河": "river",
    "lake": "lake", "湖库": "lake", "湖泊": "lake", "水库": "lake", "湖库型": "lake", "地表水(湖库)": "lake",
    "reservoir": "lake", "湖": "lake", "库": "lake",
    "groundwater": "groundwater", "地下水": "groundwater", "地下水型": "groundwater",
}


def waterbody(text: str | None) -> str | None:
    """``河流``/``湖库``/``水库``/``地下水``/``river``… -> ``river | lake | groundwater``; None when unknown.
    `text` is compared as given (callers normalise width and case first)."""
    if text is None:
        return None
    return WATERBODY_SPELLINGS.get(str(text).strip())


def waterbody_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`waterbody` of a String column (null when unknown)."""
    return expr.str.strip_chars().replace_strict(WATERBODY_SPELLINGS, default=None, return_dtype=pl.String)


#: Drinking-water source types as the source bulletins print them.
SOURCE_TYPE_ZH: dict[str, str] = {"river": "地表水（河流型）", "lake": "地表水（湖库型）", "groundwater": "地下水"}
#: Source types as the sampling paragraph names them.
SOURCE_SAMPLING_ZH: dict[str, str] = {"river": "河流型水源", "lake": "湖库型水源", "groundwater": "地下水水源"}
#: Section levels (station kinds of sections) as the section bulletins print them.
SECTION_LEVEL_ZH: dict[str, str] = {"national_section": "国控", "provincial_section": "省控", "lake_point": "湖库点位"}
