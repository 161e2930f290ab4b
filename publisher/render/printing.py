"""Printing bulletin pages to PDF with what a process keeps from one bulletin to the next.

- **One font configuration per process.** WeasyPrint's :class:`FontConfiguration` (fontconfig set up,
  the fonts found and their faces loaded for subsetting) is made once and shared by every page this
  process prints, instead of once per page.
- **Charts not re-encoded.** WeasyPrint embeds a PNG by decoding it and saving it again with Pillow
  (zlib level 6) to take out its compressed image data. The charts are 8-bit RGB PNGs whose image data
  is already what a PDF image with the PNG predictor holds, so for such a file (8-bit grey or RGB, not
  interlaced, nothing else) that data is taken as it is; any other image goes WeasyPrint's own way.
  The pixels are the same (tests/test_render_speed.py compares them), the bytes of the PDF differ.
- **One parse of the stylesheet.** Every bulletin page holds the same ``bulletin.css`` in its one
  ``<style>`` block; such a page is printed with that stylesheet parsed once per process (the cascade
  is the same: it is the page's only author sheet). A page with other stylesheets is printed as it is.
"""
from __future__ import annotations

import io
import struct
import threading
from typing import Any

import weasyprint
from weasyprint import images
from weasyprint.text.fonts import FontConfiguration

_LOCK = threading.RLock()
_STATE: dict[str, Any] = {}


def font_config() -> Any:
    """The process's WeasyPrint font configuration."""
    with _LOCK:
        if "fonts" not in _STATE:
            _STATE["fonts"] = FontConfiguration()
        return _STATE["fonts"]


def png_image_data(data: bytes) -> bytes | None:
    """The concatenated IDAT data of a PNG that a PDF image can hold as it is (8-bit grey or RGB, not
    interlaced, no transparency chunk); None for any other file."""
    if len(data) < 33 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    _w, _h, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if depth != 8 or colour not in (0, 2) or interlace != 0:
        return None
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"tRNS" or pos + 12 + length > len(data):
            return None
        if kind == b"IDAT":
            out.append(data[pos + 8:pos + 8 + length])
        if kind == b"IEND":
            return b"".join(out) if out else None
        pos += 12 + length
    return None


def _install_png_passthrough() -> None:
    """Let WeasyPrint take a chart's image data as it is (once per process)."""
    with _LOCK:
        if _STATE.get("png"):
            return
        original = images.RasterImage._get_png_data

        def png_data(pillow_image: Any) -> bytes:
            fp = getattr(pillow_image, "fp", None)
            if getattr(pillow_image, "format", None) == "PNG" and isinstance(fp, io.BytesIO) \
                    and pillow_image.mode in ("RGB", "L"):
                found = png_image_data(fp.getvalue())
                if found is not None:
                    return found
            return original(pillow_image)

        images.RasterImage._get_png_data = staticmethod(png_data)
        _STATE["png"] = True


def _shared_sheet(page: str) -> tuple[str, list[Any]]:
    """The page without the text of its ``<style>`` block and that stylesheet parsed (once per process
    for each distinct text), when the block is the page's only stylesheet; else the page as it is."""
    start, end = page.find("<style>"), page.find("</style>")
    if page.count("<style") != 1 or page.count("</style>") != 1 or "<link" in page or not 0 <= start < end:
        return page, []
    css = page[start + len("<style>"):end]
    with _LOCK:
        sheets = _STATE.setdefault("sheets", {})
        if css not in sheets:
            if len(sheets) > 16:
                sheets.clear()
            sheets[css] = weasyprint.CSS(string=css, font_config=font_config())
        sheet = sheets[css]
    return page[:start + len("<style>")] + page[end:], [sheet]


def print_pdf(page: str, base_url: str, url_fetcher: Any, identifier: bytes = b"") -> bytes:
    """The PDF of the HTML text `page` (see :func:`publisher.render.write_pdf`)."""
    _install_png_passthrough()
    page, sheets = _shared_sheet(page)
    document = weasyprint.HTML(string=page, base_url=base_url, url_fetcher=url_fetcher)
    return document.write_pdf(pdf_identifier=identifier, font_config=font_config(), stylesheets=sheets)
