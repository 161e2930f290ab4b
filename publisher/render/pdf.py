"""The PDF: WeasyPrint prints a bulletin's page (A4, from bulletin.css) with the CJK fonts embedded as
subsets, the page's resources read through a fixed base URL from the bulletin's folder only."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from urllib.parse import unquote

import weasyprint
from weasyprint.text import ffi
from weasyprint.urls import URLFetcher

from publisher.render import printing
from publisher.render.files import write_bytes
from publisher.render.pages import RenderError

log = logging.getLogger(__name__)


def pdf_subsetter() -> str:
    """``harfbuzz`` when WeasyPrint subsets fonts with libharfbuzz-subset (fast), else ``fonttools``."""
    subset = getattr(ffi, "harfbuzz_subset", None)
    if subset is not None and ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


#: The base URL pages are printed under, so that the PDF does not depend on the folder it is built
#: in (WeasyPrint names each image after the hash of its URL).
PAGE_ROOT = "file:///bulletin/"


def _page_fetcher(root: Path):
    """A WeasyPrint URL fetcher that reads ``file:///bulletin/<rel>`` from `root` and nothing from the network."""
    class PageFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(PAGE_ROOT):
                rel = unquote(url[len(PAGE_ROOT) :].split("?")[0].split("#")[0])
                local = (root / rel).resolve()
                if not local.is_relative_to(root):
                    raise ValueError(f"{url} points outside the bulletin folder")
                url = local.as_uri()
            return super().fetch(url, headers)

    return PageFetcher(allowed_protocols=("file", "data"), fail_on_errors=True)


def write_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str]) -> Path:
    """Print the page at `html_path` to `pdf_path` with WeasyPrint (A4, from bulletin.css).

    The CJK fonts are embedded as subsets, so a bulletin is a few hundred kB. With the Debian package
    ``libharfbuzz-subset0`` this takes well under a second; without it WeasyPrint subsets in pure
    Python (several seconds) and a warning is logged. Charts and other resources resolve relative to
    the page, through a fixed base URL, so the bytes do not depend on the folder; a missing chart
    fails the PDF instead of leaving a hole, and nothing is fetched from the network.
    """
    html_path = Path(html_path).resolve()
    if pdf_subsetter() != "harfbuzz":
        log.warning("render.pdf_slow reason=no_libharfbuzz_subset hint='apt-get install libharfbuzz-subset0'")
    started = time.perf_counter()
    try:
        # fonts, the stylesheet and the charts' image data kept per process (publisher/render/printing.py)
        data = printing.print_pdf(html_path.read_text(encoding="utf-8"), PAGE_ROOT, _page_fetcher(html_path.parent),
                                  identifier=b"publisher-bulletin")
    except weasyprint.urls.FatalURLFetchingError as exc:
        raise RenderError(f"PDF 缺少资源 (pdf_resource_missing)：{exc}") from exc
    out = write_bytes(Path(pdf_path), data)
    log.info("render.pdf path=%s bytes=%d seconds=%.2f", out, len(data), time.perf_counter() - started)
    return out
