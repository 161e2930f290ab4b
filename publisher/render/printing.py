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
- **Each font file read once.** For every font a page uses, WeasyPrint copies the whole font file out
  of HarfBuzz (a CJK collection is about 20 MB) when it opens the font for the PDF, then subsets it;
  that copy (and only that one: not the bytes of a subset) is kept per process, under the address and
  length of HarfBuzz's data of the file and a digest of its first and last 64 kB, so the next page
  takes the same bytes without copying them.
- **Streams deflated at zlib's default level.** pydyf deflates every stream (page content, the font
  subsets) at level 9; level 6 takes about a tenth less of a page's time and the files are larger by
  about 0.1 % (the bench's 33 bulletins). The streams hold the same data either way.
"""
from __future__ import annotations

import hashlib
import io
import struct
import threading
import zlib
from typing import Any

import pydyf
import weasyprint
from weasyprint import images
from weasyprint.pdf import fonts as pdf_fonts
from weasyprint.text.ffi import ffi, harfbuzz
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


#: the deflate level of the PDF's streams (pydyf's own is 9)
STREAM_LEVEL = 6


class _Deflate:
    """What pydyf reads of the ``zlib`` module, with its streams deflated at :data:`STREAM_LEVEL`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(STREAM_LEVEL, *args, **kwargs)


#: (address, length, digest of the ends) of a HarfBuzz face's data -> its bytes
_FACE_DATA: dict[tuple[int, int, bytes], bytes] = {}
_FACE_SAMPLE = 1 << 16


def _face_data_key(hb_face: Any) -> tuple[int, int, bytes] | None:
    blob = harfbuzz.hb_face_reference_blob(hb_face)
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        size = int(length[0])
        if data == ffi.NULL or size == 0:
            return None
        ends = ffi.buffer(data, min(size, _FACE_SAMPLE))[:] + ffi.buffer(data + max(0, size - _FACE_SAMPLE),
                                                                     min(size, _FACE_SAMPLE))[:]
        return int(ffi.cast("uintptr_t", data)), size, hashlib.sha256(ends).digest()
    finally:
        harfbuzz.hb_blob_destroy(blob)


def _install_font_reuse() -> None:
    """Let WeasyPrint's PDF fonts take a font file's bytes from :data:`_FACE_DATA` (once per process),
    and pydyf deflate at :data:`STREAM_LEVEL`."""
    with _LOCK:
        if _STATE.get("font_reuse"):
            return
        original = pdf_fonts.get_hb_object_data
        original_init = pdf_fonts.Font.__init__
        opening = threading.local()

        def font_init(self: Any, *args: Any, **kwargs: Any) -> None:
            # only the copy a PDF font makes of its file when it is opened is kept, never the bytes
            # of a subset (made anew for every page, at addresses the heap gives again)
            opening.active = True
            try:
                original_init(self, *args, **kwargs)
            finally:
                opening.active = False

        def face_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
            if ot_color is not None or glyph is not None or not getattr(opening, "active", False):
                return original(hb_object, ot_color, glyph)
            key = _face_data_key(hb_object)
            if key is None:
                return original(hb_object)
            with _LOCK:
                found = _FACE_DATA.get(key)
            if found is None:
                found = original(hb_object)
                with _LOCK:
                    if len(_FACE_DATA) >= 16:
                        _FACE_DATA.clear()
                    _FACE_DATA[key] = found
            return found

        pdf_fonts.get_hb_object_data = face_data
        pdf_fonts.Font.__init__ = font_init
        pydyf.zlib = _Deflate()
        _STATE["font_reuse"] = True


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
    _install_font_reuse()
    page, sheets = _shared_sheet(page)
    document = weasyprint.HTML(string=page, base_url=base_url, url_fetcher=url_fetcher)
    return document.write_pdf(pdf_identifier=identifier, font_config=font_config(), stylesheets=sheets)
