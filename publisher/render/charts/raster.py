"""Saving a figure: deterministic PNG (own encoder) and SVG bytes, a renderer kept per size, and
:func:`save` that rewrites a file only when its bytes change."""
from __future__ import annotations

import collections
import functools
import io
import logging
import os
import struct
import threading
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font

from publisher.render.charts.style import DPI, _style

log = logging.getLogger(__name__)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(rgba: np.ndarray, dpi: int) -> bytes:
    """An 8-bit RGB PNG of an opaque (height, width, 4) image, with its pixel density and nothing
    else. Every row is stored with the "Up" filter (the difference to the row above, which is zero
    over most of a chart) and deflated at a low level: about as small as Pillow's level 4 for
    these images, in a third of the time."""
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


class _LayoutRenderer(RendererAgg):
    """An Agg renderer that remembers how each text is laid out.

    Drawing a text makes FreeType (with HarfBuzz) shape it into glyphs and offsets, about a quarter
    of a millisecond each time, and the charts draw the same few hundred texts again and again
    (``Ⅱ``, ``5月``, ``0``, the legend labels): of the 2,748 texts the bench's 80 charts draw, 475
    differ. The glyphs and offsets of a text depend only on the text, the font properties, the
    resolution, the hinting and the text's features and language, so they are kept under that key
    (a bounded table) and drawn as matplotlib draws them. Used only after :func:`_layouts_agree` has
    checked, once per process, that this matplotlib draws identical pixels with it.
    """

    #: text key -> ((font, glyph index, x, y), ...), shared by the renderers of a process
    _layouts: dict[tuple, tuple] = {}
    _KEEP = 4096

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = (s, tuple(prop.__dict__.items()), self.dpi, flags,
               tuple(features) if features is not None else None, language)
        items = self._layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            items = tuple((item.ft_object, item.glyph_index, item.x, item.y)
                          for item in font._layout(s, flags=flags, features=features, language=language))
            if len(self._layouts) >= self._KEEP:
                self._layouts.clear()
            self._layouts[key] = items
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((font, size, glyph, 0, 1, dx, dy) for font, glyph, dx, dy in items), [])
        return None


@functools.cache
def _layouts_agree() -> bool:
    """Whether a figure's texts draw the same pixels with :class:`_LayoutRenderer` (twice, the second
    time from its table) as with matplotlib's own renderer (checked once per process)."""
    def pixels(renderer_class) -> list[bytes]:
        out = []
        with _style():
            for _ in range(2):
                fig = Figure(figsize=(3, 2), dpi=DPI)
                fig.text(0.1, 0.1, "月均值\nµg/m³ Ⅱ类", fontsize=7.5)
                fig.text(0.1, 0.5, "PM₂.₅ 合成市", fontsize=11.5, fontweight="bold", rotation=30)
                fig.text(0.5, 0.7, "2025年5月 0.05", fontsize=8.5, color="#336699")
                renderer = renderer_class(450, 300, DPI)
                canvas = FigureCanvasAgg(fig)
                canvas.get_renderer = lambda r=renderer: r  # noqa: B023 - bound per figure
                canvas.renderer = renderer
                renderer.clear()
                fig.draw(renderer)
                out.append(bytes(renderer.buffer_rgba()))
        return out

    try:
        agree = pixels(RendererAgg) == pixels(_LayoutRenderer)
    except Exception:  # noqa: BLE001 - a matplotlib whose renderer works otherwise
        agree = False
    if not agree:
        log.info("charts: this matplotlib draws texts differently with a layout table; not using one")
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
            renderer_class = _LayoutRenderer if _layouts_agree() else RendererAgg
            renderer = _RENDERERS[key] = renderer_class(width, height, self.figure.dpi)
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
