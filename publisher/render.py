"""Writers of a bulletin's files: HTML (jinja2), PDF (WeasyPrint), CSV with BOM, XLSX, JSON.

Every writer is deterministic: the same inputs give the same bytes (no clock, no random ids), so
rebuilding a bulletin with unchanged inputs leaves its files identical.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from publisher.paths import TEMPLATES_DIR

log = logging.getLogger(__name__)

#: The water-quality classes as bulletins print them (GB 3838-2002 Ⅰ–Ⅴ, and worse than Ⅴ).
WATER_CLASSES = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")


def water_class_label(value: Any) -> str | None:
    """``3``, ``"3"``, ``"III"`` or ``"Ⅲ"`` -> ``"Ⅲ"``; 6 -> ``"劣Ⅴ"``; None, "" or "—" -> None."""
    if value is None or value in ("", "—", "-"):
        return None
    if isinstance(value, str):
        if value in WATER_CLASSES:
            return value
        roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6}
        if value in roman:
            return WATER_CLASSES[roman[value] - 1]
        if value.isdigit():
            return WATER_CLASSES[int(value) - 1]
        return None
    return WATER_CLASSES[int(value) - 1]


def fmt_num(value: Any, decimals: int | None = 1) -> str:
    """A number rounded half to even (GB/T 8170) to `decimals` places; None -> ``"—"``.

    With ``decimals=None`` the number is printed as short as it is exact (``12``, ``0.35``).
    """
    if value is None:
        return "—"
    if decimals is None:
        text = format(Decimal(repr(float(value))).normalize(), "f")
        return text
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_EVEN))


class _Charts(dict):
    """Chart name -> image path; a chart that was not drawn is an empty string, not an error."""

    def __missing__(self, key: str) -> str:
        return ""


_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """The one jinja2 environment: templates/ folder, HTML autoescape, StrictUndefined."""
    global _ENV
    if _ENV is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters["num"] = fmt_num
        env.filters["water_class"] = water_class_label
        _ENV = env
    return _ENV


def write_html(template: str, context: Mapping[str, Any], path: Path) -> Path:
    """Render `template` with `context` into `path` (UTF-8)."""
    ctx = dict(context)
    ctx["charts"] = _Charts(ctx.get("charts") or {})
    from publisher import fonts

    try:
        ctx.setdefault("font_css", fonts.css_stack() if hasattr(fonts, "css_stack") else "")
    except Exception:  # noqa: BLE001 - a missing font is reported by the PDF writer
        ctx.setdefault("font_css", "")
    html = environment().get_template(template).render(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def write_pdf(html_path: Path, pdf_path: Path) -> Path:
    """The HTML page as an A4 PDF (WeasyPrint), fonts subset, no creation date (deterministic)."""
    import weasyprint

    document = weasyprint.HTML(filename=str(html_path), base_url=str(html_path.parent))
    pdf = document.render().write_pdf()
    pdf_path.write_bytes(_strip_pdf_dates(pdf))
    return pdf_path


def _strip_pdf_dates(pdf: bytes) -> bytes:
    """Remove the creation/modification dates WeasyPrint stamps, so rebuilds are identical."""
    import re

    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)", b"", pdf)


def write_csv_bom(frame: pl.DataFrame, path: Path) -> Path:
    """CSV in UTF-8 with a BOM, so Chinese Excel opens it correctly."""
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8"))
    return path


def write_xlsx(frames: Mapping[str, pl.DataFrame], path: Path) -> Path:
    """One sheet per frame, with fixed document properties so the bytes do not change."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": dt.datetime(2000, 1, 1)})
    for name, frame in frames.items():
        frame.write_excel(workbook, worksheet=str(name)[:31], autofit=True)
    workbook.close()
    return path


def _default(obj: Any) -> Any:
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if hasattr(obj, "label"):
        return obj.label
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def write_json(obj: Any, path: Path) -> Path:
    """Sorted keys, Chinese kept as is, stable formatting."""
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2, default=_default) + "\n",
                    encoding="utf-8")
    return path


def render_charts(specs, out_dir: Path):
    """Render chart specs through publisher.charts' pool and cache; the paths in spec order."""
    from publisher import charts

    return list(charts.render_charts(specs, out_dir))
