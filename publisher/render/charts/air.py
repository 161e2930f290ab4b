"""The bulletins' charts: plain data in, a ``matplotlib.figure.Figure`` out, and a cached renderer.

Every chart function takes a polars frame (or a list of dicts, or a mapping where noted) plus
keyword options and returns a Figure built with the object API (``Figure()``, never ``pyplot``), so
it is safe in a long-running process. Colours are data: AQI levels come from the HJ 633 table in
force (``standards.in_force("hj633", day)["levels"]["items"]``), water-class colours from the
``colours`` argument (default :data:`WATER_CLASS_COLOURS`, the conventional display colours; GB 3838
itself defines none).

:func:`save` writes deterministic bytes (no software/date metadata, fixed dpi, fixed SVG hash salt).
:func:`render_charts` renders many :class:`ChartSpec` in a reused process pool and keeps every result
in a cache keyed by the hash of chart name + data + :data:`STYLE_VERSION`, so an unchanged rebuild
renders nothing.

Text is plain Unicode (PM₂.₅, O₃, µg/m³): mathtext has no CJK fallback, so ``$...$`` is never used,
and the style turns math parsing off (``text.parse_math: False``): data text such as a station named
``$\frac{$…`` is drawn as written, never parsed as math.
"""
from __future__ import annotations

import calendar
import collections
import dataclasses
import datetime as dt
import decimal
import functools
import gc
import hashlib
import io
import json
import logging
import math
import os
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.layout_engine import LayoutEngine
from matplotlib.patches import Patch
from matplotlib.spines import Spine
from matplotlib.transforms import Bbox

from publisher.evaluate.air import ranking
from publisher.vocabulary import air as vocabulary_air
from publisher.render import fonts
from publisher.render.filters import WATER_CLASSES, fmt_num, water_class_label

log = logging.getLogger(__name__)

#: Bump when the look of any chart changes: it is part of every cache key.
STYLE_VERSION = "4"

#: Pixel density of PNGs; the default figure (7 × 3.9 in) is 1050 × 585 px, which prints at
#: about 150 dpi across the 170 mm text width of an A4 page.
DPI = 150
FIGSIZE = (7.0, 3.9)
WIDTH = FIGSIZE[0]

#: Conventional display colours of the water-quality classes (as used on national water-quality
#: pages). GB 3838-2002 defines no colours, so these are a presentation choice; pass ``colours=``
#: to use others.
WATER_CLASS_COLOURS: dict[str, str] = {
    "Ⅰ": "#CCFFFF",
    "Ⅱ": "#00CCFF",
    "Ⅲ": "#00FF00",
    "Ⅳ": "#FFFF00",
    "Ⅴ": "#FF9B00",
    "劣Ⅴ": "#FF0000",
}

INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#d9d9d9"
SPINE = "#8c8c8c"
ACCENT = "#2f5f8f"
ACCENT_LIGHT = "#a9bfd6"
LIMIT = "#c00000"
MISSING = "#d9d9d9"
SERIES = ("#2f5f8f", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e9fbf", "#843c0c", "#7f7f7f", "#c00000", "#375623")

#: Display names and units of the pollutant codes of the architecture contract.
POLLUTANTS: dict[str, tuple[str, str]] = {
    code: (vocabulary_air.LABEL[code], vocabulary_air.UNIT[code])
    for code in ("so2", "no2", "pm10", "pm2_5", "co", "o3", "o3_8h", "o3_1h")}

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")


def _rc() -> dict[str, Any]:
    rc: dict[str, Any] = dict(fonts.matplotlib_rc())
    rc.update(
        {
            "font.size": 9,
            "axes.edgecolor": SPINE,
            "axes.linewidth": 0.6,
            "axes.labelcolor": INK,
            "axes.labelsize": 9,
            "axes.titlesize": 10,
            "axes.titleweight": "normal",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.axisbelow": True,
            "axes.grid": False,
            "grid.color": GRID,
            "grid.linewidth": 0.5,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "xtick.labelcolor": INK,
            "ytick.labelcolor": INK,
            "xtick.labelsize": 8.5,
            "ytick.labelsize": 8.5,
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "xtick.major.size": 3,
            "ytick.major.size": 3,
            "legend.frameon": False,
            "legend.fontsize": 8.5,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "svg.hashsalt": "publisher-charts",
            # every text is data or plain Unicode: a "$" in a station name is drawn, not parsed as math.
            # A chart without a pair of "$" looks exactly as before, so STYLE_VERSION stays (bumping it
            # would give every bulletin a new revision on upgrade)
            "text.parse_math": False,
            "axes.formatter.use_mathtext": False,
            "path.simplify": True,
        }
    )
    return rc


@contextmanager
def _style():
    fonts.use_in_matplotlib()
    with mpl.rc_context(_rc()):
        yield


def _chart(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure under the bulletin style, and register the function in :data:`CHARTS`."""

    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with _style():
            return func(*args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    CHARTS[func.__name__] = wrapper
    return wrapper


#: chart name -> function; a ChartSpec names one of these.
CHARTS: dict[str, Callable[..., Figure]] = {}


# --------------------------------------------------------------------------- helpers


def _frame(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, Mapping):
        return pl.DataFrame({k: list(v) if not isinstance(v, (str, bytes)) else [v] for k, v in data.items()})
    return pl.DataFrame(list(data))


def _require(frame: pl.DataFrame, *columns: str, chart: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{chart}: 缺少列 {missing}（已有 {frame.columns}）")


class RowLayout(LayoutEngine):
    """Lays out a figure whose axes form one row (``add_subplot()`` or ``subplots(1, n)``) as
    ``layout="constrained"`` does, with less measuring.

    Each axes gets the margins its decorations need (tick labels, axis labels, titles, legends and
    other artists outside it), plus `pad` inches on every side; the axes of a row share their top
    and bottom and have equal widths; `top_band` artists (the figure title, a legend at the top of
    the figure) keep a band at the top. Like constrained layout, the margins are measured where the
    axes are, the axes placed, and measured and placed once more (the second time corrects what
    depends on the axes' size, such as a legend centred on an axes narrower than itself).

    Constrained layout measures everything twice; this measures the axes' own decorations (tick
    labels, axis labels, titles, spines) a second time only when they can have changed: when an
    axis's ticks differ after the first placement, or the axes keeps a fixed aspect. Otherwise only
    the other artists (legends, texts outside the axes) are measured again. The axes come out where
    constrained layout puts them, except that a tick label at the very end of an axis that pokes
    out of the axes at the first size may keep up to a few pixels more room than it needs at the
    final one (``tests/test_charts.py`` compares the two layouts for every chart).
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, *, rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0), pad: float = 0.06) -> None:
        super().__init__()
        self.rect = rect
        self.pad = pad
        self.top_band: list[Any] = []

    @staticmethod
    def _ticks(ax) -> tuple[tuple[float, ...], ...]:
        return tuple(axis.get_majorticklocs().tolist() for axis in (ax.xaxis, ax.yaxis))

    @staticmethod
    def _margins(ax, boxes: list, to_fig) -> tuple[float, float, float, float]:
        """(left, right, top, bottom) that `boxes` (display units) reach beyond the axes' position."""
        pos = ax.get_position(original=True)
        out = [0.0, 0.0, 0.0, 0.0]
        for bb in boxes:
            if bb is None or not np.isfinite(bb.bounds).all() or (bb.width == 0 and bb.height == 0):
                continue
            bb = bb.transformed(to_fig)
            out = [max(out[0], pos.x0 - bb.x0), max(out[1], bb.x1 - pos.x1),
                   max(out[2], bb.y1 - pos.y1), max(out[3], pos.y0 - bb.y0)]
        return out[0], out[1], out[2], out[3]

    def execute(self, fig: Figure) -> None:
        axes = [ax for ax in fig.axes if ax.get_subplotspec() is not None and ax.get_in_layout()]
        if not axes:
            return
        renderer = fig._get_renderer()  # as matplotlib's own layout engines get it
        width, height = fig.get_size_inches()
        w_pad, h_pad = self.pad / width, self.pad / height
        to_fig = fig.transFigure.inverted()
        top = 0.0
        for artist in self.top_band:
            if artist.get_visible() and artist.get_in_layout():
                top = max(top, artist.get_tightbbox(renderer).transformed(to_fig).height + 2 * h_pad)
        own: dict[Any, tuple[float, float, float, float]] = {}
        others: dict[Any, list] = {}
        ticks: dict[Any, Any] = {}
        for _placement in range(2):
            margins = {}
            for ax in axes:
                if ax not in own or ax.get_aspect() != "auto" or self._ticks(ax) != ticks[ax]:
                    artists = ax.get_default_bbox_extra_artists()
                    spines = [a for a in artists if isinstance(a, Spine)]
                    others[ax] = [a for a in artists if not isinstance(a, Spine)]  # legends, texts
                    tight = ax.get_tightbbox(renderer, for_layout_only=True, bbox_extra_artists=spines)
                    own[ax] = self._margins(ax, [tight], to_fig)
                    ticks[ax] = self._ticks(ax)
                extra = self._margins(ax, [a.get_tightbbox(renderer) for a in others[ax]], to_fig)
                margins[ax] = tuple(max(a, b) for a, b in zip(own[ax], extra))
            if not self._place(axes, margins, top, w_pad, h_pad):
                return

    def _place(self, axes, margins, top: float, w_pad: float, h_pad: float) -> bool:
        left, bottom, w, h = self.rect
        ncols = axes[0].get_subplotspec().get_gridspec().ncols
        m_left, m_right = [0.0] * ncols, [0.0] * ncols
        m_top = m_bottom = 0.0
        for ax in axes:
            col = ax.get_subplotspec().colspan.start
            m = margins[ax]
            m_left[col], m_right[col] = max(m_left[col], m[0]), max(m_right[col], m[1])
            m_top, m_bottom = max(m_top, m[2]), max(m_bottom, m[3])
        inner = (w - sum(m_left) - sum(m_right) - 2 * w_pad * ncols) / ncols
        y0 = bottom + h_pad + m_bottom
        y1 = bottom + h - top - h_pad - m_top
        if inner <= 0 or y1 <= y0:
            return False  # the decorations leave no room: the axes stay where they are
        x = left
        spans = []
        for col in range(ncols):
            x += w_pad + m_left[col]
            spans.append((x, x + inner))
            x += inner + m_right[col] + w_pad
        for ax in axes:
            x0, x1 = spans[ax.get_subplotspec().colspan.start]
            ax.set_position(Bbox.from_extents(x0, y0, x1, y1))
            ax.set_in_layout(True)  # set_position takes an axes out of layouts; this one stays in
        return True


def _figure(size: tuple[float, float] = FIGSIZE, *, title: str | None, source: str | None) -> Figure:
    bottom = 0.16 / size[1] if source else 0.0
    layout = RowLayout(rect=(0.0, bottom, 1.0, 1.0 - bottom), pad=0.06)
    fig = Figure(figsize=size, dpi=DPI, layout=layout)
    if source:
        fig.text(0.012, 0.012, source, ha="left", va="bottom", fontsize=7.5, color=MUTED)
    if title:
        layout.top_band.append(fig.suptitle(title, x=0.012, y=1 - 0.06 / size[1], ha="left", va="top", fontsize=11.5,
                                            color=INK, fontweight="bold"))
    return fig


def _cells(ax, cells: Sequence[tuple[float, float, float, float, str]], *, edgecolor: str | Sequence[str] = "none",
           linewidth: float | Sequence[float] = 0.0) -> PolyCollection:
    """Rectangles ``(x, y, width, height, face)`` as one collection: one artist to lay out and draw
    instead of a patch per cell (the axes limits are set by the caller)."""
    verts = [((x, y), (x + w, y), (x + w, y + h), (x, y + h)) for x, y, w, h, _ in cells]
    coll = PolyCollection(verts, closed=True, facecolors=[c[4] for c in cells], edgecolors=edgecolor,
                          linewidths=linewidth)
    ax.add_collection(coll, autolim=False)
    return coll


def _inside(*texts) -> None:
    """Mark texts that are drawn inside the axes (cell and bar labels): they cannot widen its
    margins, so the layout does not measure them."""
    for t in texts:
        t.set_in_layout(False)


def _grid(ax, axis: str = "y") -> None:
    """Grid lines across `axis`'s ticks (the ticks' length and width are the style's)."""
    ax.grid(True, axis=axis, color=GRID, linewidth=0.5)


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on `background` (a ``#RRGGBB`` colour)."""
    return INK if _luminance(background) > 0.22 else "white"


def _class_colour(label: str | None, colours: Mapping[str, str]) -> str:
    if label is None:
        return MISSING
    return colours.get(label) or colours.get(label + "类") or MISSING


def _levels(levels: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in levels:
        if "hex" not in item or "level" not in item:
            raise ValueError("levels: 每一级需要 level 与 hex（取自 HJ 633 表 levels.items）")
        out.append(dict(item))
    return sorted(out, key=lambda x: x["level"])


def aqi_level(aqi: float | int | None, levels: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The level row of `levels` whose AQI range holds `aqi` (None for a missing AQI)."""
    if aqi is None or (isinstance(aqi, float) and math.isnan(aqi)):
        return None
    rows = _levels(levels)
    for row in rows:
        upper = row.get("aqi_to")
        if upper is None or aqi <= upper:
            return row
    return rows[-1]


def _level_by_number(levels: Sequence[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    return {int(r["level"]): r for r in _levels(levels)}


def _legend_handles(items: Iterable[tuple[str, str]]) -> list[Patch]:
    return [Patch(facecolor=c, edgecolor="#7f7f7f", linewidth=0.4, label=label) for label, c in items]


def _pct(value: float | None, decimals: int = 1) -> str:
    return "—" if value is None else f"{fmt_num(value, decimals)}%"


# --------------------------------------------------------------------------- water


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


# --------------------------------------------------------------------------- air


@_chart
def aqi_calendar(
    frame: Any,
    *,
    year: int,
    month: int,
    levels: Sequence[Mapping[str, Any]],
    legend: bool = True,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """A month as a calendar (weeks from Monday), each day coloured by its AQI level with its AQI.

    `frame`: columns ``date`` (date) and ``aqi`` (int, null = no valid AQI: grey); an optional
    ``level`` column (1–6) is used as given instead of looking the AQI up in `levels`.
    `levels`: the HJ 633 level rows (``level``, ``category_zh``, ``hex``, ``aqi_from``, ``aqi_to``).
    ``legend=False`` leaves the level legend to the page (``_macros.html`` legend).
    """
    df = _frame(frame)
    _require(df, "date", "aqi", chart="aqi_calendar")
    by_number = _level_by_number(levels)
    days: dict[int, dict[str, Any]] = {}
    for row in df.to_dicts():
        d = row["date"]
        if isinstance(d, str):
            d = dt.date.fromisoformat(d)
        if d.year == year and d.month == month:
            days[d.day] = row
    first_weekday, n_days = calendar.monthrange(year, month)
    n_weeks = (first_weekday + n_days + 6) // 7
    fig = _figure((6.4, 0.85 + 0.82 * n_weeks + (0.75 if legend else 0.0)), title=title, source=source)
    ax = fig.add_subplot()
    cells = []
    for day in range(1, n_days + 1):
        slot = first_weekday + day - 1
        col, row = slot % 7, slot // 7
        record = days.get(day)
        aqi = record.get("aqi") if record else None
        level = None
        if record and record.get("level") is not None:
            level = by_number.get(int(record["level"]))
        elif aqi is not None:
            level = aqi_level(aqi, levels)
        face = level["hex"] if level else MISSING
        cells.append((col + 0.04, row + 0.04, 0.92, 0.92, face))
        ink = text_colour(face)
        _inside(
            ax.text(col + 0.1, row + 0.12, str(day), ha="left", va="top", fontsize=7.5, color=ink),
            ax.text(col + 0.5, row + 0.58, "—" if aqi is None else str(int(aqi)), ha="center", va="center", fontsize=12,
                    color=ink),
        )
    _cells(ax, cells)
    items = [(_level_range_label(r), r["hex"]) for r in by_number.values()] + [("无有效数据", MISSING)]
    # the legend sits in a band the axes keep free below the last week: never over a day or the source line
    below = 0.8 if legend else 0.0
    if legend:
        ax.legend(handles=_legend_handles(items), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=4,
                  fontsize=8, borderaxespad=0.1, handlelength=1.6, columnspacing=1.2)
    ax.set_xlim(0, 7)
    ax.set_ylim(n_weeks + below, 0)
    ax.set_aspect("equal")
    ax.set_xticks([c + 0.5 for c in range(7)], [f"周{w}" for w in WEEKDAYS_ZH])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_yticks([])
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def _level_range_label(row: Mapping[str, Any]) -> str:
    lo, hi = row.get("aqi_from"), row.get("aqi_to")
    span = f"{lo}–{hi}" if hi is not None else f">{int(lo) - 1}" if lo is not None else ""
    return f"{row.get('category_zh', row['level'])}（{span}）" if span else str(row.get("category_zh", row["level"]))


@_chart
def good_day_ratio(
    frame: Any,
    *,
    labels: tuple[str, str] = ("本月", "今年累计"),
    target: float | None = None,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Good-day ratio [%] per area: this month and year to date, side by side.

    `frame`: columns ``area``, ``month`` and ``ytd`` (percentages 0–100; null = no data). `target`
    draws the year's target ratio as a dashed line.
    """
    df = _frame(frame)
    _require(df, "area", "month", "ytd", chart="good_day_ratio")
    areas = df["area"].to_list()
    fig = _figure(title=title, source=source)
    ax = fig.add_subplot()
    width = 0.38
    for offset, column, colour, label in ((-width / 2, "month", ACCENT, labels[0]), (width / 2, "ytd", ACCENT_LIGHT, labels[1])):
        values = df[column].to_list()
        xs = [i + offset for i in range(len(areas))]
        ax.bar(xs, [v or 0 for v in values], width=width * 0.94, color=colour, label=label)
        for x, v in zip(xs, values):
            ax.text(x, (v or 0) + 1.2, fmt_num(v, 1) if v is not None else "—", ha="center", va="bottom", fontsize=7.5, color=INK)
    if target is not None:
        ax.axhline(target, color=LIMIT, linewidth=1.0, linestyle=(0, (5, 3)), label=f"目标（{fmt_num(target, 1)}%）")
    ax.set_xticks(range(len(areas)), areas)
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("优良天数比例（%）")
    _grid(ax)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3)
    return fig


@_chart
def pollutant_concentrations(
    frame: Any,
    *,
    labels: tuple[str, str] = ("本期", "上年同期"),
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """The six pollutants against their limits: one small panel each, bar(s) and a dashed limit line.

    `frame`: columns ``pollutant`` (code: so2, no2, pm10, pm2_5, co, o3 / o3_8h), ``value`` and
    ``limit``; optional ``previous`` (same period last year, drawn as a light bar), ``label`` (e.g.
    ``O₃-8h第90百分位``) and ``unit``. Each panel has its own scale, since units differ (CO in mg/m³).
    """
    df = _frame(frame)
    _require(df, "pollutant", "value", "limit", chart="pollutant_concentrations")
    rows = df.to_dicts()
    has_prev = "previous" in df.columns
    fig = _figure((WIDTH, 3.4), title=title, source=source)
    axes = fig.subplots(1, len(rows), squeeze=False)[0]
    for ax, row in zip(axes, rows):
        ax.tick_params(axis="y", labelsize=7)  # before the axis has its ticks: nothing to redo
        _grid(ax)
        code = row["pollutant"]
        name, unit = POLLUTANTS.get(code, (code, ""))
        name = row.get("label") or name
        unit = row.get("unit") or unit
        value, limit = row["value"], row["limit"]
        decimals = 1 if code == "co" else 0
        bars = [(0.0, value, ACCENT)]
        if has_prev:
            bars = [(-0.22, row.get("previous"), "#bfbfbf"), (0.22, value, ACCENT)]
        for x, v, colour in bars:
            if v is None:
                continue
            ax.bar(x, v, width=0.4 if has_prev else 0.56, color=colour)
            # under the top of the axes, which is a quarter above the highest bar or limit
            _inside(ax.text(x, v, fmt_num(v, decimals), ha="center", va="bottom", fontsize=7.5, color=INK))
        top = max([v for _, v, _ in bars if v is not None] + [limit or 0])
        if limit is not None:
            ax.axhline(limit, color=LIMIT, linewidth=1.0, linestyle=(0, (4, 2.5)))
            _inside(ax.annotate(
                f"限值 {fmt_num(limit, None)}",
                xy=(0.5, limit),
                xycoords=("axes fraction", "data"),
                xytext=(0, 2.5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color=LIMIT,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            ))
        ax.set_ylim(0, top * 1.25 if top else 1)
        ax.set_xlim(-0.6, 0.6)
        ax.set_xticks([])
        ax.set_title(name, fontsize=9.5, color=INK, pad=4, y=1.0)
        ax.set_xlabel(unit, fontsize=7.5, color=MUTED)
    if has_prev:
        handles = _legend_handles([(labels[1], "#bfbfbf"), (labels[0], ACCENT)])
        handles.append(mpl.lines.Line2D([], [], color=LIMIT, linestyle=(0, (4, 2.5)), linewidth=1.0, label="标准限值"))
        fig.get_layout_engine().top_band.append(fig.legend(handles=handles, loc="upper right", ncols=3, fontsize=8))
    return fig


@_chart
def level_days_stacked(
    frame: Any,
    *,
    levels: Sequence[Mapping[str, Any]],
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Days of each AQI level per area, as stacked horizontal bars (grey = days without a valid AQI).

    `frame`: columns ``area``, ``level`` (1–6, or null/0 for days without a valid AQI) and ``days``.
    Areas are drawn top to bottom in order of first appearance.
    """
    df = _frame(frame)
    _require(df, "area", "level", "days", chart="level_days_stacked")
    by_number = _level_by_number(levels)
    areas = list(dict.fromkeys(df["area"].to_list()))
    table: dict[tuple[str, int], int] = {}
    for r in df.to_dicts():
        key = (r["area"], int(r["level"] or 0))
        table[key] = table.get(key, 0) + int(r["days"] or 0)
    order = list(by_number) + [0]
    n = len(areas)
    fig = _figure((WIDTH, max(2.6, 0.36 * n + 1.6)), title=title, source=source)
    ax = fig.add_subplot()
    longest = 0
    segments: list[tuple[float, int, int, str]] = []  # (y, left, days, colour)
    for i, area in enumerate(areas):
        y = n - 1 - i
        left = 0
        for level in order:
            days = table.get((area, level), 0)
            if not days:
                continue
            face = by_number[level]["hex"] if level in by_number else MISSING
            segments.append((y, left, days, face))
            if days >= 2:
                _inside(ax.text(left + days / 2, y, str(days), ha="center", va="center", fontsize=7.5,
                                color=text_colour(face)))
            left += days
        longest = max(longest, left)
    if segments:
        ax.barh([g[0] for g in segments], [g[2] for g in segments], left=[g[1] for g in segments], height=0.62,
                color=[g[3] for g in segments], edgecolor="white", linewidth=0.6)
    ax.set_yticks(range(n), list(reversed(areas)))
    ax.set_xlim(0, max(longest, 1) * 1.02)
    ax.set_xlabel("天数")
    ax.spines["left"].set_visible(False)
    _grid(ax, "x")
    items = [(r.get("category_zh", str(k)), r["hex"]) for k, r in by_number.items()]
    if any(level == 0 for _, level in table):
        items.append(("无有效数据", MISSING))
    ax.legend(handles=_legend_handles(items), loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(items), fontsize=8)
    return fig


@_chart
def aqi_strip(
    frame: Any,
    *,
    levels: Sequence[Mapping[str, Any]],
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """The last (about) 30 days' AQI as bars coloured by level, for the daily report.

    `frame`: columns ``date`` and ``aqi`` (null = no valid AQI, drawn as a grey stub); the last
    day is labelled with its value and category.
    """
    df = _frame(frame)
    _require(df, "date", "aqi", chart="aqi_strip")
    rows = df.sort("date").to_dicts()
    fig = _figure((WIDTH, 3.2), title=title, source=source)
    ax = fig.add_subplot()
    top = 0
    missing: list[int] = []
    bars: list[tuple[int, float, str]] = []  # (x, aqi, colour)
    for i, r in enumerate(rows):
        aqi = r["aqi"]
        level = aqi_level(aqi, levels)
        if aqi is None:
            missing.append(i)
            continue
        bars.append((i, aqi, level["hex"] if level else MISSING))
        top = max(top, aqi)
    if missing:  # a grey stub for a day without a valid AQI
        ax.bar(missing, [4] * len(missing), width=0.78, color=MISSING)
    if bars:
        ax.bar([b[0] for b in bars], [b[1] for b in bars], width=0.78, color=[b[2] for b in bars], edgecolor="#7f7f7f",
               linewidth=0.3)
    for row in _levels(levels):
        upper = row.get("aqi_to")
        if upper is not None and upper < max(top, 100) * 1.2:
            ax.axhline(upper, color=GRID, linewidth=0.6, linestyle=(0, (3, 2)), zorder=0)
    dates = [r["date"] if isinstance(r["date"], dt.date) else dt.date.fromisoformat(str(r["date"])) for r in rows]
    if rows:
        last = rows[-1]
        if last["aqi"] is not None:
            # the reported day, labelled above its own bar and its neighbours (never over a taller bar)
            level = aqi_level(last["aqi"], levels)
            near = max(r["aqi"] or 0 for r in rows[-4:])
            ax.annotate(
                f"{dates[-1].month}月{dates[-1].day}日 {int(last['aqi'])} {level.get('category_zh', '') if level else ''}",
                xy=(len(rows) - 1, last["aqi"]),
                xytext=(len(rows) - 0.6, near + max(top, 100) * 0.06),
                textcoords="data",
                ha="right",
                va="bottom",
                fontsize=8,
                color=INK,
                arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 1},
            )
    shown = sorted({int(lv["level"]) for r in rows if r["aqi"] is not None and (lv := aqi_level(r["aqi"], levels))})
    by_number = _level_by_number(levels)
    items = [(by_number[k].get("category_zh", str(k)), by_number[k]["hex"]) for k in shown if k in by_number]
    if any(r["aqi"] is None for r in rows):
        items.append(("无有效数据", MISSING))
    if items:
        ax.legend(handles=_legend_handles(items), loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(items),
                  fontsize=8)
    ticks = [i for i, d in enumerate(dates) if d.day == 1 or i % 5 == 0 or i == len(dates) - 1]
    ax.set_xticks(ticks, [f"{dates[i].month}/{dates[i].day}" for i in ticks])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(0, max(top, 100) * 1.18)
    ax.set_ylabel("AQI")
    _grid(ax)
    return fig


@_chart
def composite_index_ranking(
    frame: Any,
    *,
    highlight: str | None = None,
    decimals: int = 2,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Areas ranked by the composite air-quality index (smallest = best, at the top).

    `frame`: columns ``area`` and ``index``, optional ``rank`` (printed as given, e.g. ``2（并列）``).
    Without ``rank``, areas whose index is equal at the printed `decimals` share the smaller rank,
    written ``n（并列）``, and the next rank skips (1, 2（并列）, 2（并列）, 4), as the ranking rules
    say; bars of equal index keep their input order. `highlight` names an area drawn in the accent
    colour.
    """
    df = _frame(frame)
    _require(df, "area", "index", chart="composite_index_ranking")
    rows = [r for r in df.to_dicts() if r["index"] is not None]
    rows.sort(key=lambda r: r["index"])
    n = len(rows)
    fig = _figure((WIDTH, max(2.6, 0.32 * n + 1.3)), title=title, source=source)
    ax = fig.add_subplot()
    top = max([r["index"] for r in rows] + [1])
    if rows:
        ax.barh([n - 1 - i for i in range(n)], [r["index"] for r in rows], height=0.62,
                color=[ACCENT if highlight is None or r["area"] == highlight else ACCENT_LIGHT for r in rows])
    for i, r in enumerate(rows):
        _inside(ax.text(r["index"] + top * 0.01, n - 1 - i, fmt_num(r["index"], decimals), va="center", ha="left",
                        fontsize=8, color=INK))
    shared = _shared_ranks([r["index"] for r in rows], decimals)
    ranks = [r["rank"] if r.get("rank") is not None else shared[i] for i, r in enumerate(rows)]
    ax.set_yticks(range(n), [f"{rank}  {r['area']}" for rank, r in reversed(list(zip(ranks, rows)))])
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel("环境空气质量综合指数")
    ax.spines["left"].set_visible(False)
    _grid(ax, "x")
    return fig


def _shared_ranks(values: Sequence[float], decimals: int) -> list[str]:
    """Competition ranks of ascending `values` compared at `decimals`: ties share the smaller rank
    and are marked （并列）; the rank after a tie of k skips k - 1."""
    return ranking.shared_ranks(values, decimals, "并列")


# --------------------------------------------------------------------------- saving


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(rgba: np.ndarray, dpi: int) -> bytes:
    """An 8-bit RGB PNG of an opaque (height, width, 4) image, with its pixel density and nothing
    else. Every row is stored with the "Up" filter (the difference to the row above, which is zero
    over most of a chart) and deflated at a low level: about as small as Pillow's level 4 for
    these images, in a third of the time."""
    from PIL import Image

    height, width, _ = rgba.shape
    rgb = np.frombuffer(Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB").tobytes(),
                        np.uint8).reshape(height, 3 * width)
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 2  # filter type Up
    rows[0, 1:] = rgb[0]
    np.subtract(rgb[1:], rgb[:-1], out=rows[1:, 1:])  # modulo 256, as the filter defines
    per_metre = int(dpi / 0.0254 + 0.5)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
        _png_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _png_chunk(b"IDAT", zlib.compress(rows, 2)),
        _png_chunk(b"IEND", b""),
    ))


@functools.lru_cache(maxsize=512)
def _font_height_metrics(prop: FontProperties, dpi: float) -> tuple[float | None, float | None, float | None]:
    """(ascent, descent, line gap) in pixels of the first font of `prop`, as matplotlib's
    ``Text._get_layout`` reads them from the font's OS/2 or hhea table on every text measure."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                             ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72  # as matplotlib
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None


def _remember_font_heights(renderer) -> None:
    """Let `renderer` answer matplotlib's font-height question from a cache.

    Measuring a text makes matplotlib look up its font and read two font tables again, about half
    the cost of every measure, and charts measure their texts many times. matplotlib asks a
    renderer that has ``_get_font_height_metrics`` (an internal hook its PDF backend uses) instead;
    this gives it one that remembers the answer. The hook is only installed after
    :func:`_font_heights_agree` has checked, once per process, that this matplotlib lays texts out
    identically with it (else the charts are drawn as before, only slower).
    """
    if _font_heights_agree():
        renderer._get_font_height_metrics = functools.partial(_font_height_metrics, dpi=renderer.dpi)


@functools.cache
def _font_heights_agree() -> bool:
    """Whether texts measure the same with the font-height cache as without it (checked once)."""
    with _style():
        fig = Figure(figsize=(3, 2), dpi=DPI)
        texts = [
            fig.text(0.1, 0.1, "月均值\nµg/m³", fontsize=7.5),
            fig.text(0.1, 0.5, "PM₂.₅ 合成市", fontsize=11.5, fontweight="bold"),
            fig.text(0.5, 0.5, "2025年\n5月", fontsize=8.5),
        ]
        try:
            plain = [t.get_window_extent(RendererAgg(450, 300, DPI)).bounds for t in texts]
            hooked = RendererAgg(450, 300, DPI)
            hooked._get_font_height_metrics = functools.partial(_font_height_metrics, dpi=hooked.dpi)
            agree = plain == [t.get_window_extent(hooked).bounds for t in texts]
        except Exception:  # noqa: BLE001 - a matplotlib that asks the hook something else
            agree = False
    if not agree:
        log.info("charts: this matplotlib measures texts differently with a font-height cache; not using one")
    return agree


#: (thread, width, height, dpi) -> an Agg renderer kept for the next chart of that size
_RENDERERS: collections.OrderedDict[tuple[int, int, int, float], Any] = collections.OrderedDict()
_KEEP_RENDERERS = 8


class _Canvas(FigureCanvasAgg):
    """An Agg canvas that draws on a renderer kept per size (and thread).

    matplotlib caches the size of every text it measures per renderer; a fresh renderer per chart
    would measure ``5月``, ``0.05`` or a legend label again in every chart. Drawing clears the
    renderer first, so a kept one gives the same pixels.
    """

    def get_renderer(self) -> RendererAgg:
        width, height = self.get_width_height(physical=True)
        key = (threading.get_ident(), width, height, self.figure.dpi)
        renderer = _RENDERERS.get(key)
        if renderer is None:
            renderer = _RENDERERS[key] = RendererAgg(width, height, self.figure.dpi)
            _remember_font_heights(renderer)
            while len(_RENDERERS) > _KEEP_RENDERERS:
                _RENDERERS.popitem(last=False)
        else:
            _RENDERERS.move_to_end(key)
        self.renderer = renderer
        return renderer


def to_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The figure's file bytes, identical for identical figures (no dates, no software tag).

    PNG: the figure is drawn once on an Agg canvas and encoded by :func:`_png` (RGB, no text
    chunks); ``savefig`` would lay the figure out and draw it twice. SVG: ``savefig`` without date
    or creator, with the fixed ``svg.hashsalt`` of the style.
    """
    with _style():
        if fmt == "png":
            fig.set_dpi(DPI)
            canvas = _Canvas(fig)
            canvas.draw()
            return _png(np.asarray(canvas.buffer_rgba()), DPI)
        if fmt == "svg":
            buffer = io.BytesIO()
            fig.savefig(buffer, format="svg", dpi=DPI, metadata={"Date": None, "Creator": None})
            return buffer.getvalue()
    raise ValueError(f"unsupported chart format {fmt!r} (png or svg)")


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write `fig` to `path` (``.png`` or ``.svg``) with deterministic bytes; returns the path.

    The file is only rewritten when its bytes change, so its mtime tells when the chart changed.
    """
    path = Path(path)
    _write_if_changed(path, to_bytes(fig, path.suffix.lstrip(".").lower() or "png"))
    return path


# --------------------------------------------------------------------------- specs, cache and pool


@dataclasses.dataclass(frozen=True)
class ChartSpec:
    """One chart to render: `name` is the file stem (``charts/<name>.png``), `chart` a key of
    :data:`CHARTS`, `data` the keyword arguments (picklable: frames, lists, dicts, dates, numbers)."""

    name: str
    chart: str
    data: dict[str, Any]
    format: str = "png"

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"


def _canonical(value: Any) -> Any:
    if isinstance(value, pl.DataFrame):
        return {
            "__frame__": [[c, str(t)] for c, t in value.schema.items()],
            "rows": [[_canonical(v) for v in row] for row in value.iter_rows()],
        }
    if isinstance(value, pl.Series):
        return {"__series__": [value.name, str(value.dtype)], "values": [_canonical(v) for v in value.to_list()]}
    if isinstance(value, Mapping):
        return {"__map__": [[_canonical(k), _canonical(v)] for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))]}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return {"__float__": repr(value)}
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return {"__date__": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"__decimal__": str(value)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"chart data of type {type(value).__name__} cannot be hashed; use frames, lists, dicts, numbers, dates")


def spec_key(spec: ChartSpec) -> str:
    """The content hash of a spec: chart name, data, format, :data:`STYLE_VERSION`, matplotlib version."""
    payload = {
        "chart": spec.chart,
        "data": _canonical(spec.data),
        "format": spec.format,
        "style": STYLE_VERSION,
        "matplotlib": mpl.__version__,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_spec(spec: ChartSpec) -> bytes:
    """Build and serialise one chart (what a worker does)."""
    if spec.chart not in CHARTS:
        raise ValueError(f"unknown chart {spec.chart!r}; known: {', '.join(sorted(CHARTS))}")
    fig = CHARTS[spec.chart](**spec.data)
    return to_bytes(fig, spec.format)


class ChartPaths(list):
    """The list of written chart paths (in spec order), with counts of what was rendered or reused."""

    rendered: int = 0
    cached: int = 0
    seconds: float = 0.0


_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def _warm_worker() -> None:
    fonts.use_in_matplotlib()
    to_bytes(water_class_shares({"Ⅰ": 1}, title="预热 PM₂.₅"), "png")
    # what is loaded now (modules, fonts, caches) lives as long as the worker: keep it out of the
    # garbage collector's full passes, which otherwise walk it again and again while charts are drawn
    gc.collect()
    gc.freeze()


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        shutdown_pool()
        import multiprocessing as mp

        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["publisher.render.charts"])
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker)
        _pool_workers = workers
    return _pool


def shutdown_pool() -> None:
    """Stop the chart worker processes (they are otherwise kept for the next call)."""
    global _pool, _pool_workers
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _pool_workers = None, 0


#: Environment variable naming the chart cache folder.
CACHE_ENV = "PUBLISHER_CHART_CACHE"


def default_cache_dir() -> Path:
    """``$PUBLISHER_CHART_CACHE``, else ``$XDG_CACHE_HOME/publisher/charts`` (``~/.cache/...``).

    Entries are named by their content key, so one cache serves every workspace safely; deleting
    the folder only costs a re-render.
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "publisher" / "charts"


def render_charts(
    specs: Sequence[ChartSpec],
    out_dir: str | os.PathLike[str],
    workers: int = 2,
    cache_dir: str | os.PathLike[str] | None = None,
) -> ChartPaths:
    """Render `specs` into `out_dir` (``<name>.<format>``), reusing cached results.

    A chart whose key (:func:`spec_key`) is in `cache_dir` is copied, not rendered. The rest are
    rendered in a pool of `workers` processes that is kept alive between calls (the first chart in a
    new process costs about half a second); with one chart to render or ``workers <= 1`` they are
    rendered in this process. Returns the paths in spec order, with ``.rendered`` and ``.cached``.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    names = [s.filename for s in specs]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"render_charts: duplicate chart names {dupes}")
    out.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    keys = [spec_key(s) for s in specs]
    todo = [(s, k) for s, k in zip(specs, keys) if not (cache / f"{k}.{s.format}").exists()]
    unique: dict[str, ChartSpec] = {}
    for s, k in todo:
        unique.setdefault(k, s)
    if unique:
        items = list(unique.items())
        if workers <= 1 or len(items) == 1:
            results = [render_spec(s) for _, s in items]
        else:
            pool = _get_pool(workers)
            # one chart per task: charts take 0.05–0.2 s, so handing them out one by one keeps both
            # workers busy to the end for a negligible cost per task
            results = list(pool.map(render_spec, [s for _, s in items], chunksize=1))
        for (k, s), data in zip(items, results):
            _write_if_changed(cache / f"{k}.{s.format}", data)
    paths = ChartPaths()
    for s, k in zip(specs, keys):
        target = out / s.filename
        cached = cache / f"{k}.{s.format}"
        if not (target.exists() and target.stat().st_size == cached.stat().st_size and target.read_bytes() == cached.read_bytes()):
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(cached, tmp)
            os.replace(tmp, target)
        paths.append(target)
    paths.rendered = len(unique)
    paths.cached = len(specs) - len(todo)
    paths.seconds = time.perf_counter() - started
    log.info("charts.rendered rendered=%d cached=%d seconds=%.2f", paths.rendered, paths.cached, paths.seconds)
    return paths
