"""The water charts: class shares, sections against their targets, the class matrix, the trend."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import polars as pl
from matplotlib.figure import Figure

from publisher.render.filters import WATER_CLASSES, fmt_num, water_class_label
from publisher.render.style import GRID, INK, LIMIT, MISSING, MUTED, SERIES, WATER_CLASS_COLOURS, text_colour
from publisher.render.charts.style import (WIDTH, _cells, _chart, _class_colour, _figure, _frame, _grid, _inside, _legend_handles, _pct, _require)


def _class_counts(counts: Any) -> dict[str, int]:
    if isinstance(counts, Mapping):
        pairs = counts.items()
    else:
        frame = _frame(counts)
        _require(frame, "class", "count", chart="water_class_shares")
        pairs = zip(frame["class"].to_list(), frame["count"].to_list())
    out = {label: 0 for label in WATER_CLASSES}
    for key, n in pairs:
        label = water_class_label(key)
        if label is None:
            raise ValueError(f"water_class_shares: 无法识别的水质类别 {key!r}")
        out[label] += int(n or 0)
    return out


@_chart
def water_class_shares(
    counts: Any,
    *,
    colours: Mapping[str, str] = WATER_CLASS_COLOURS,
    kind: str = "bar",
    unit: str = "个",
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Share of sections (or samples) in each class Ⅰ–劣Ⅴ, as bars or a donut.

    `counts`: a mapping class -> number, or a frame with columns ``class`` (1–6 or Ⅰ…劣Ⅴ) and
    ``count``. Every class is shown, also those with none. Labels: ``n个 / xx.x%``.
    """
    n_by_class = _class_counts(counts)
    total = sum(n_by_class.values())
    shares = {k: (100 * v / total if total else 0.0) for k, v in n_by_class.items()}
    labels = [f"{k}类" for k in WATER_CLASSES]
    face = [_class_colour(k, colours) for k in WATER_CLASSES]
    if kind == "donut":
        fig = _figure((6.4, 4.5), title=title, source=source)
        ax = fig.add_subplot()
        present = [k for k in WATER_CLASSES if n_by_class[k] > 0]
        if present:
            ax.pie(
                [n_by_class[k] for k in present],
                colors=[_class_colour(k, colours) for k in present],
                startangle=90,
                counterclock=False,
                wedgeprops={"width": 0.38, "edgecolor": "white", "linewidth": 1.2},
                labels=[f"{k}类\n{_pct(shares[k])}" for k in present],
                labeldistance=1.12,
                textprops={"fontsize": 8.5, "color": INK},
            )
        ax.text(0, 0.08, f"{total}", ha="center", va="center", fontsize=16, color=INK, fontweight="bold")
        ax.text(0, -0.16, f"合计（{unit}）", ha="center", va="center", fontsize=8.5, color=MUTED)
        ax.set_aspect("equal")
        ax.legend(
            handles=_legend_handles(zip(labels, face)), loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8.5
        )
        return fig
    if kind != "bar":
        raise ValueError(f"water_class_shares: kind 应为 bar 或 donut，而不是 {kind!r}")
    fig = _figure(title=title, source=source)
    ax = fig.add_subplot()
    x = range(len(WATER_CLASSES))
    ax.bar(x, [shares[k] for k in WATER_CLASSES], width=0.62, color=face, edgecolor="#7f7f7f", linewidth=0.4)
    for i, k in enumerate(WATER_CLASSES):
        ax.text(i, shares[k] + 1.5, f"{n_by_class[k]}{unit}\n{_pct(shares[k])}", ha="center", va="bottom", fontsize=8.5)
    ax.set_xticks(list(x), labels)
    ax.set_ylim(0, max(100.0, max(shares.values()) + 14))
    ax.set_ylim(0, min(115.0, max(shares.values()) * 1.25 + 8) if total else 100)
    ax.set_ylabel("比例（%）")
    _grid(ax)
    return fig


@_chart
def water_sections_vs_target(
    frame: Any,
    *,
    colours: Mapping[str, str] = WATER_CLASS_COLOURS,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Each section's class beside its target class (horizontal bars, target as a black tick).

    `frame`: columns ``section`` (name), ``class`` (1–6, Ⅰ…劣Ⅴ or null = no data), ``target``.
    Sections are drawn top to bottom in the given order; a section worse than its target is marked 超标.
    """
    df = _frame(frame)
    _require(df, "section", "class", "target", chart="water_sections_vs_target")
    rows = df.select("section", "class", "target").to_dicts()
    n = len(rows)
    fig = _figure((WIDTH, max(2.6, 0.34 * n + 1.5)), title=title, source=source)
    ax = fig.add_subplot()
    bars: list[tuple[float, float, str]] = []  # (y, class position, colour)
    ticks_x: list[float] = []
    ticks_y: list[float] = []
    for i, row in enumerate(rows):
        y = n - 1 - i
        label = water_class_label(row["class"])
        target = water_class_label(row["target"])
        if label is None:
            _inside(ax.text(0.6, y, "无数据", va="center", ha="left", fontsize=8.5, color=MUTED))
        else:
            pos = WATER_CLASSES.index(label) + 1
            bars.append((y, pos, _class_colour(label, colours)))
            if target is not None and pos > WATER_CLASSES.index(target) + 1:
                _inside(ax.text(pos + 0.06, y, "超标", va="center", ha="left", fontsize=8, color=LIMIT))
        if target is not None:
            t = WATER_CLASSES.index(target) + 1
            ticks_x += [t, t, math.nan]
            ticks_y += [y - 0.38, y + 0.38, math.nan]
    if bars:
        ax.barh([b[0] for b in bars], [b[1] - 0.5 for b in bars], left=0.5, height=0.58, color=[b[2] for b in bars],
                edgecolor="#7f7f7f", linewidth=0.4)
    if ticks_x:
        ax.plot(ticks_x, ticks_y, color=INK, linewidth=1.6, solid_capstyle="butt")
    ax.set_yticks(range(n), [r["section"] for r in reversed(rows)])
    ax.set_xticks(range(1, 7), [f"{k}类" for k in WATER_CLASSES])
    ax.set_xlim(0.5, 6.75)
    ax.set_ylim(-0.6, n - 0.4)
    ax.spines["left"].set_visible(False)
    _grid(ax, "x")
    handles = [mpl.lines.Line2D([], [], color=INK, linewidth=1.6, label="水质目标类别")]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


@_chart
def water_class_matrix(
    frame: Any,
    *,
    months: Sequence[int] = tuple(range(1, 13)),
    through: int | None = None,
    column_labels: Sequence[str] | None = None,
    colours: Mapping[str, str] = WATER_CLASS_COLOURS,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Section × month grid of class colours with the class written in each cell (grey = no data).

    `frame`: columns ``section``, ``month`` (1–12) and ``class``. Section order: first appearance.
    Months after `through` (the bulletin's last month) are left blank, not marked as missing.
    `column_labels` replaces the ``n月`` column labels, one per entry of `months`; a quarterly grid
    passes the quarter numbers as `months` and ``("一季度", "二季度", …)`` as labels.
    """
    df = _frame(frame)
    _require(df, "section", "month", "class", chart="water_class_matrix")
    sections: list[str] = list(dict.fromkeys(df["section"].to_list()))
    cell = {(r["section"], int(r["month"])): water_class_label(r["class"]) for r in df.to_dicts()}
    n, m = len(sections), len(months)
    fig = _figure((WIDTH, max(2.4, 0.3 * n + 1.6)), title=title, source=source)
    ax = fig.add_subplot()
    cells, edges, widths = [], [], []
    for i, section in enumerate(sections):
        for j, month in enumerate(months):
            if through is not None and month > through:
                cells.append((j, i, 1, 1, "white"))
                edges.append(GRID)
                widths.append(0.5)
                continue
            label = cell.get((section, month))
            face = _class_colour(label, colours)
            cells.append((j, i, 1, 1, face))
            edges.append("white")
            widths.append(1.2)
            _inside(ax.text(j + 0.5, i + 0.52, label or "—", ha="center", va="center", fontsize=8,
                            color=text_colour(face) if label else MUTED))
    _cells(ax, cells, edgecolor=edges, linewidth=widths)
    ax.set_xlim(0, m)
    ax.set_ylim(n, 0)
    if column_labels is not None and len(column_labels) != m:
        raise ValueError(f"water_class_matrix: column_labels 应有 {m} 个，而不是 {len(column_labels)} 个")
    ticks = list(column_labels) if column_labels is not None else [f"{mo}月" for mo in months]
    ax.set_xticks([j + 0.5 for j in range(m)], ticks)
    ax.set_yticks([i + 0.5 for i in range(n)], sections)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    items = [(f"{k}类", _class_colour(k, colours)) for k in WATER_CLASSES] + [("无数据", MISSING)]
    ax.legend(handles=_legend_handles(items), loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=7, fontsize=8)
    return fig


@_chart
def water_trend(
    frame: Any,
    *,
    item_zh: str,
    unit: str,
    limit: float | None = None,
    limit_label: str = "Ⅲ类标准限值",
    periods: Sequence[str] | None = None,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """One item over (usually 13) months, a line per section, the class-Ⅲ limit as a dashed line.

    `frame`: columns ``section``, ``period`` (a label such as ``2025-05`` or ``5月``) and ``value``
    (null = not sampled: the line breaks); an optional ``below_dl`` column marks values that stand for results
    below the detection limit (drawn as they are given — the caller passes the value the method computes with,
    ½ DL — with a hollow marker, and a legend entry saying so). `periods` fixes the x order (default: first
    appearance).
    """
    df = _frame(frame)
    _require(df, "section", "period", "value", chart="water_trend")
    order = list(periods) if periods is not None else list(dict.fromkeys(df["period"].to_list()))
    fig = _figure(title=title, source=source)
    ax = fig.add_subplot()
    sections = list(dict.fromkeys(df["section"].to_list()))
    has_dl = "below_dl" in df.columns
    any_dl = False
    for k, section in enumerate(sections):
        part = df.filter(pl.col("section") == section)
        values = {p: v for p, v in zip(part["period"].to_list(), part["value"].to_list())}
        ys = [values.get(p) for p in order]
        colour = SERIES[k % len(SERIES)]
        ax.plot(
            range(len(order)),
            [math.nan if v is None else v for v in ys],
            color=colour,
            linewidth=1.4,
            marker="o",
            markersize=3,
            label=section,
        )
        if has_dl:
            flags = {p: bool(f) for p, f in zip(part["period"].to_list(), part["below_dl"].to_list())}
            xs = [i for i, p in enumerate(order) if flags.get(p) and values.get(p) is not None]
            if xs:
                any_dl = True
                ax.plot(xs, [values[order[i]] for i in xs], linestyle="none", marker="o", markersize=5,
                        markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.2, zorder=3)
    if any_dl:
        ax.plot([], [], linestyle="none", marker="o", markersize=5, markerfacecolor="white",
                markeredgecolor="#595959", markeredgewidth=1.2, label="未检出（按1/2检出限）")
    if limit is not None:
        ax.axhline(limit, color=LIMIT, linewidth=1.0, linestyle=(0, (5, 3)), label=f"{limit_label}（{fmt_num(limit, None)}）")
    ax.set_xticks(range(len(order)), month_tick_labels(order))
    ax.set_xlim(-0.4, len(order) - 0.6)
    ax.set_ylim(bottom=0)
    top = max([v for v in df["value"].to_list() if v is not None] + [limit or 0, 0])
    ax.set_ylim(0, top * 1.18 if top else 1)
    ax.set_ylabel(f"{item_zh}（{unit}）")
    _grid(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


def month_tick_labels(periods: Sequence[str]) -> list[str]:
    """``2025-05 … 2026-05`` -> ``5月`` with the year under the first month and under each January;
    other labels are returned unchanged."""
    out = []
    for i, p in enumerate(periods):
        text = str(p)
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            year, month = int(text[:4]), int(text[5:])
            out.append(f"{month}月\n{year}年" if i == 0 or month == 1 else f"{month}月")
        else:
            out.append(text)
    return out
