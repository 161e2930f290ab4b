"""Turning an assembled bulletin into files: the page (HTML), the PDF, the data (CSV, XLSX), JSON and the
charts, in one module per concern:

* :mod:`~publisher.render.filters` — how a page prints values (numbers, dates, classes, pollutants);
* :mod:`~publisher.render.pages` — the jinja2 environment, :func:`render_html`, :func:`write_html`;
* :mod:`~publisher.render.pdf` — :func:`write_pdf` (WeasyPrint);
* :mod:`~publisher.render.files` — atomic writes, CSV with BOM, XLSX, canonical JSON, sha256;
* :mod:`~publisher.render.look` — screenshots and PDF text for checks (chromium, poppler);
* :mod:`~publisher.render.fonts` — the CJK fonts; :mod:`~publisher.render.charts` — the figures.

Every writer gives byte-identical files for identical inputs: no wall-clock time, fixed XLSX properties,
sorted JSON keys, a PDF creation date taken from the bulletin.

The names below are this package's public face (``render.write_pdf``, ``render.RenderError`` …): each is
imported from its module on first use, so importing one part (the filters, say) does not load WeasyPrint.
"""
from __future__ import annotations

import importlib
from typing import Any

#: chart worker processes a bulletin's charts are rendered in (1 in a process of a pool of bulletins,
#: publisher/bulletins/batch.py)
CHART_WORKERS = 2

#: public name -> the module that defines it
_PUBLIC = {
    **dict.fromkeys(("WATER_CLASSES", "NA", "FILTERS", "fmt_num", "fmt_pct", "zh_date", "zh_month",
                     "water_class_label", "water_class", "dl", "na", "zh_ordinal", "pollutant", "citation"),
                    "filters"),
    **dict.fromkeys(("SHARED_TEMPLATES", "RenderError", "environment", "ChartLinks", "render_html", "write_html",
                     "template_hashes"), "pages"),
    **dict.fromkeys(("write_bytes", "sha256_file", "FORMULA_START", "formula_like", "escape_formulas",
                     "write_csv_bom", "XLSX_EPOCH", "write_xlsx", "dumps_json", "write_json"), "files"),
    **dict.fromkeys(("pdf_subsetter", "PAGE_ROOT", "write_pdf"), "pdf"),
    **dict.fromkeys(("ToolMissing", "CHROMIUM_NAMES", "chromium_path", "html_to_png", "pdf_to_png", "pdf_text"),
                    "look"),
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
