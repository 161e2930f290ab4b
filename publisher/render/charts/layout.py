"""``RowLayout``: the layout engine of the charts (rows of axes under a title band)."""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.spines import Spine
from matplotlib.transforms import Bbox


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
