"""The charts' look: the matplotlib style (fonts, sizes, colours, no math parsing), the chart registry
(:data:`CHARTS`, filled by the ``@_chart`` decorator of :mod:`.water` and :mod:`.air`), the figure with its
title and source line, and the small drawing helpers the charts share."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import polars as pl
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from publisher.render import fonts
from publisher.render.filters import fmt_num
from publisher.render.style import GRID, INK, MISSING, MUTED, SPINE
from publisher.render.charts.layout import RowLayout

#: Pixel density of PNGs; the default figure (7 × 3.9 in) is 1050 × 585 px, which prints at
#: about 150 dpi across the 170 mm text width of an A4 page.
DPI = 150
FIGSIZE = (7.0, 3.9)
WIDTH = FIGSIZE[0]


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
            # (a chart without a pair of "$" looks exactly as before)
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


#: the bulletin style as a context manager (public name)
bulletin_style = _style


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
