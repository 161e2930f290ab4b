"""The template filters: how a page prints values. Numbers round half to even (GB/T 8170, publisher.rounding)
on their decimal text, missing values print as ``—``, dates and months in Chinese, water classes as Ⅰ…劣Ⅴ,
pollutant codes with their subscripts (publisher.vocabulary). Templates do no arithmetic; they format with
these filters (:data:`FILTERS`)."""
from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

from publisher import rounding, standards
from publisher.periods import as_date
from publisher.vocabulary import air as vocabulary_air, water as vocabulary_water

#: The water-quality classes of GB 3838-2002, best first; class number n is WATER_CLASSES[n - 1].
WATER_CLASSES: tuple[str, ...] = vocabulary_water.LABELS

NA = "—"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_num(value: Any, decimals: int | None = None, na: str = NA) -> str:
    """`value` with `decimals` places, rounding half to even (GB/T 8170) on its decimal text.

    ``decimals=None`` prints the value as it is, without trailing zeros (35.0 -> ``35``,
    0.05 -> ``0.05``). None and NaN print as `na` (``—``).
    """
    if _missing(value):
        return na
    if isinstance(value, bool):
        raise TypeError("fmt_num: a bool is not a number")
    if decimals is None:
        text = format(rounding.decimal_of(value).normalize(), "f")
        return "0" if text in ("-0", "") else text
    return rounding.text(value, decimals)


def fmt_pct(value: Any, decimals: int = 1, na: str = NA) -> str:
    """A percentage already in per cent: 85.24 -> ``85.2%``."""
    return na if _missing(value) else f"{fmt_num(value, decimals)}%"


def zh_date(value: Any, na: str = NA) -> str:
    """``2026年5月1日`` from a date, datetime or ISO text."""
    if _missing(value):
        return na
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def zh_month(value: Any, na: str = NA) -> str:
    """``2026年5月`` from a date or ``2026-05`` text."""
    if _missing(value):
        return na
    if isinstance(value, str) and len(value) == 7:
        year, month = value.split("-")
        return f"{int(year)}年{int(month)}月"
    d = as_date(value)
    return f"{d.year}年{d.month}月"


def water_class_label(value: Any) -> str | None:
    """The class as printed (Ⅰ…劣Ⅴ) from 1–6, ``III``, ``Ⅲ``, ``Ⅲ类`` or ``劣V``; None stays None."""
    return vocabulary_water.label_of(value)


def water_class(value: Any, suffix: str = "类", na: str = NA) -> str:
    """Filter: ``Ⅲ类`` (or ``劣Ⅴ类``); `na` for no class."""
    label = water_class_label(value)
    return na if label is None else f"{label}{suffix}"


def dl(value: Any, below_dl: bool = False, decimals: int | None = None, na: str = NA) -> str:
    """A measured value, or the detection limit followed by ``L`` when below it (``0.01L``)."""
    text = fmt_num(value, decimals, na)
    return f"{text}L" if below_dl and not _missing(value) else text


def na(value: Any, text: str = NA) -> Any:
    """`text` (``—``, or e.g. ``无数据``) for None/NaN/empty text, else the value unchanged."""
    return text if _missing(value) or value == "" else value


_ZH_DIGITS = "零一二三四五六七八九"


def zh_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (for section headings 一、二、…; up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"zh_ordinal: {n} is out of 1–99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones else "")


def pollutant(code: str) -> Markup:
    """HTML name of a pollutant code: ``pm2_5`` -> ``PM<sub>2.5</sub>`` (unknown codes: escaped as given)."""
    parts = vocabulary_air.HTML.get(str(code).lower())
    if parts is None:
        return Markup(escape(code))
    base, sub, *rest = parts
    tail = escape(rest[0]) if rest else ""
    return Markup(f"{escape(base)}<sub>{escape(sub)}</sub>{tail}" if sub else f"{escape(base)}{tail}")


def citation(table_id: str) -> str:
    """How the page names a standards table id, from ``publisher.standards`` (e.g. ``GB 3838-2002《…》``)."""
    return standards.get(table_id).citation


def keep_bracket(text: Any) -> Markup:
    """A page title with its trailing parenthetical (``…公报（环境质量部分）``) kept on one line, so that a long
    title breaks before the bracket rather than inside it."""
    text = str(text)
    start = text.rfind("（")
    if start <= 0 or not text.endswith("）"):
        return Markup(escape(text))
    return Markup(f'{escape(text[:start])}<span class="keep-together">{escape(text[start:])}</span>')


#: Filters available in every template, by name.
FILTERS: dict[str, Any] = {
    "num": fmt_num,
    "pct": fmt_pct,
    "zh_date": zh_date,
    "zh_month": zh_month,
    "water_class": water_class,
    "dl": dl,
    "na": na,
    "zh_ordinal": zh_ordinal,
    "pollutant": pollutant,
    "citation": citation,
    "keep_bracket": keep_bracket,
}
