"""The bulletins' charts: plain data in, a ``matplotlib.figure.Figure`` out, and a cached renderer.

* :mod:`.spec` — :class:`ChartSpec` and its content key (no matplotlib: bulletins describe their charts
  with it cheaply);
* :mod:`.style` — the bulletin style, the chart registry :data:`CHARTS`, the figure and its helpers
  (display colours and ``text_colour`` are in :mod:`publisher.render.style`, shared with the pages);
* :mod:`.layout` — ``RowLayout``, the layout engine;
* :mod:`.water`, :mod:`.air` — the charts, one function each, registered by name;
* :mod:`.raster` — deterministic PNG/SVG bytes and :func:`save`;
* :mod:`.cache` — :func:`render_charts`: a process pool and a cache of finished images.

Every chart function takes a polars frame (or a list of dicts, or a mapping where noted) plus keyword
options and returns a Figure built with the object API (``Figure()``, never ``pyplot``), so it is safe in a
long-running process. Colours are data: AQI levels come from the HJ 633 table in force
(``standards.in_force("hj633", day)["levels"]["items"]``), water-class colours from the ``colours``
argument (default :data:`WATER_CLASS_COLOURS`, the conventional display colours; GB 3838 itself defines
none). Text is plain Unicode (PM₂.₅, O₃, µg/m³): mathtext has no CJK fallback, so ``$...$`` is never used,
and the style turns math parsing off: data text such as a station named ``$\\frac{$…`` is drawn as written.

The names below are the package's public face (``charts.render_charts``, ``charts.ChartSpec`` …), each
imported from its module on first use; any chart name loads the chart modules, so :data:`CHARTS` is full.
"""
from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module that defines it (relative to this package, or a full module path)
_PUBLIC: dict[str, str] = {
    **dict.fromkeys(("ACCENT", "ACCENT_LIGHT", "GRID", "INK", "LIMIT", "MISSING", "MUTED", "POLLUTANTS", "SERIES",
                     "SPINE", "WATER_CLASS_COLOURS", "WEEKDAYS_ZH", "text_colour"), "publisher.render.style"),
    **dict.fromkeys(("ChartSpec", "key_basis", "spec_key"), "spec"),
    **dict.fromkeys(("CHARTS", "DPI", "FIGSIZE", "WIDTH", "aqi_level", "bulletin_style"), "style"),
    **dict.fromkeys(("RowLayout",), "layout"),
    **dict.fromkeys(("month_tick_labels", "water_class_matrix", "water_class_shares", "water_sections_vs_target",
                     "water_trend"), "water"),
    **dict.fromkeys(("aqi_calendar", "aqi_strip", "composite_index_ranking", "good_day_ratio", "level_days_stacked",
                     "pollutant_concentrations"), "air"),
    **dict.fromkeys(("save", "to_bytes"), "raster"),
    **dict.fromkeys(("CACHE_ENV", "ChartPaths", "default_cache_dir", "render_charts", "render_spec", "shutdown_pool"),
                    "cache"),
}
#: modules whose names need no chart drawn or registered
_LIGHT = ("spec", "publisher.render.style")

__all__ = sorted(n for n in _PUBLIC if not n.startswith("_"))


def __getattr__(name: str) -> Any:
    where = _PUBLIC.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if where not in _LIGHT:
        importlib.import_module(f"{__name__}.water")
        importlib.import_module(f"{__name__}.air")
    module = importlib.import_module(where if "." in where else f"{__name__}.{where}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
