"""How the water bulletins print values: classes, rates, changes, shares, exceedances and lists of names."""
from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from typing import Iterable, Sequence

from publisher import rounding
from publisher.evaluate import water
from publisher.bulletins.water.common.rules import eval_rules


#: Printed in a table cell that has nothing to show (no exceedance, no data).
DASH = "—"


# --------------------------------------------------------------------------------------------- wording
def class_zh(value: int | None) -> str:
    """``3`` -> ``Ⅲ类``; None -> ``—``."""
    label = water.class_label(value)
    return f"{label}类" if label else DASH


def class_plain(value: int | None) -> str:
    """``3`` -> ``Ⅲ``; None -> ``—`` (table cells)."""
    return water.class_label(value) or DASH


def pct(value: float | None, decimals: int = 1) -> str:
    """A rate already rounded by evaluate, printed with its decimals: ``92.3%``; None -> ``—``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{value:.{decimals}f}%"


def num(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{rounding.half_even(value, decimals):.{decimals}f}"


def points_change(delta: float | None, decimals: int = 1) -> str:
    """A change in percentage points as words: ``上升7.7个百分点`` / ``下降…`` / ``持平``."""
    if delta is None:
        return ""
    if delta == 0:
        return "持平"
    word = "上升" if delta > 0 else "下降"
    return f"{word}{abs(delta):.{decimals}f}个百分点"


def share(count: int, total: int, day: dt.date) -> float | None:
    """A count as a percentage of a total, rounded as the method's tables print shares."""
    if not total:
        return None
    decimals = int(eval_rules(day)["report_decimals"]["share_decimals"])
    return rounding.half_even(count / total * 100, decimals)


def exceedance_parts(text: str | None) -> list[tuple[str, str | None]]:
    """``锰/0.5、铁/0.2`` (evaluate's format) -> ``[("锰", "0.5"), ("铁", "0.2")]``; pH/DO carry no multiple."""
    if not text:
        return []
    parts = []
    for piece in text.split("、"):
        piece = piece.strip()
        if not piece:
            continue
        if "/" in piece:
            name, multiple = piece.rsplit("/", 1)
            parts.append((name, multiple))
        else:
            parts.append((piece, None))
    return parts


def exceedance_tables(text: str | None) -> list[str]:
    """The standards tables (``GB 3838-2002表2`` …) of the single-limit items named in an exceedance text."""
    by_name = {item.get("name_zh"): item for item in water.catalogue().values()}
    labels = {"gb3838_t2": "GB 3838-2002表2", "gb3838_t3": "GB 3838-2002表3"}
    found = []
    for name, _ in exceedance_parts(text):
        tables = (by_name.get(name) or {}).get("tables") or []
        for table in tables:
            if table in labels and labels[table] not in found:
                found.append(labels[table])
    return found


def exceedance_cell(text: str | None) -> str:
    """The 超标指标及超标倍数 cell: ``锰（0.5倍）、铁（0.2倍）``; ``—`` when none."""
    parts = exceedance_parts(text)
    if not parts:
        return DASH
    return "、".join(f"{name}（{times(mult)}）" if mult is not None else name for name, mult in parts)


def times(multiple: str) -> str:
    """``0.5`` -> ``0.5倍``; evaluate's ``<0.01`` (a value just above its limit) -> ``不足0.01倍``."""
    if multiple.startswith("<"):
        return f"不足{multiple[1:]}倍"
    return f"{multiple}倍"


def exceedance_words(text: str | None) -> str:
    """For sentences: ``锰超标0.5倍、铁超标0.2倍`` (pH / DO: ``pH值超标``)."""
    parts = exceedance_parts(text)
    return "、".join(f"{name}超标{times(mult)}" if mult is not None else f"{name}超标" for name, mult in parts)


def join_names(names: Sequence[str]) -> str:
    """``A``, ``A和B``, ``A、B和C``."""
    names = list(names)
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return "、".join(names[:-1]) + "和" + names[-1]


def class_counts(classes: Iterable[int | None]) -> "OrderedDict[int, int]":
    """Count per class 1..6 of the non-null classes (every class present, also zero)."""
    counts: OrderedDict[int, int] = OrderedDict((k, 0) for k in water.CLASS_LABELS)
    for value in classes:
        if value is not None:
            counts[int(value)] += 1
    return counts


def class_breakdown(classes: Sequence[int | None], unit: str, day: dt.date, with_share: bool = True) -> str:
    """``Ⅱ类2个（占66.7%）、Ⅲ类1个（占33.3%）``: the classes present, best first."""
    counts = class_counts(classes)
    total = sum(counts.values())
    parts = []
    for k, n in counts.items():
        if not n:
            continue
        text = f"{class_zh(k)}{n}{unit}"
        if with_share and total:
            text += f"（占{pct(share(n, total, day))}）"
        parts.append(text)
    return "、".join(parts)
