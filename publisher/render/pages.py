"""Turning an assembled bulletin into files: HTML, PDF, CSV, XLSX, JSON and the manifest.

One jinja2 :func:`environment` (templates/ of the project, autoescape for ``.html``,
``StrictUndefined`` so that a missing value fails the build instead of printing a blank) with the
filters registered by name (:data:`FILTERS`). Templates do no arithmetic: they receive the
bulletin's context as ``b`` and format values with the filters.

Every writer gives byte-identical files for identical inputs: no wall-clock time, fixed XLSX
properties, sorted JSON keys, a PDF creation date taken from the bulletin (``b.issued``). The
manifest records the sha256 of every output file, of the inputs, the standards tables and the
templates.

Helpers to *look* at a page: :func:`html_to_png` (headless Chromium) and :func:`pdf_to_png`
(pdftoppm from poppler-utils).

Run ``python -m publisher.render --sample DIR`` to build the sample bulletin page.
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup, escape

from publisher import rounding
from publisher.errors import PublisherError
from publisher.paths import TEMPLATES_DIR
from publisher.periods import as_date
from publisher.vocabulary import air as vocabulary_air, water as vocabulary_water
from publisher.render import printing

log = logging.getLogger(__name__)

#: The water-quality classes of GB 3838-2002, best first; class number n is WATER_CLASSES[n - 1].
WATER_CLASSES: tuple[str, ...] = vocabulary_water.LABELS

#: Shared files every bulletin template depends on (hashed into each manifest).
SHARED_TEMPLATES: tuple[str, ...] = ("base.html", "_macros.html", "bulletin.css")

NA = "—"


class RenderError(PublisherError):
    """A page, PDF or file could not be written (missing template value, missing tool, bad data)."""


class ToolMissing(RenderError):
    """An external program (chromium, pdftoppm) is not installed; the message names the package."""


# --------------------------------------------------------------------------- value formatting


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_num(value: Any, decimals: int | None = None, na: str = NA) -> str:
    """`value` with `decimals` places, rounding half to even (GB/T 8170) on its decimal text.

    ``decimals=None`` prints the value as it is, without trailing zeros (35.0 -> ``35``,
    0.05 -> ``0.05``). None and NaN print as `na` (``—``).
    """
    if _missing(value):
        return na
    if isinstance(value, bool):
        raise TypeError("fmt_num: a bool is not a number")
    if decimals is None:
        text = format(rounding.decimal_of(value).normalize(), "f")
        return "0" if text in ("-0", "") else text
    return rounding.text(value, decimals)


def fmt_pct(value: Any, decimals: int = 1, na: str = NA) -> str:
    """A percentage already in per cent: 85.24 -> ``85.2%``."""
    return na if _missing(value) else f"{fmt_num(value, decimals)}%"


def zh_date(value: Any, na: str = NA) -> str:
    """``2026年5月1日`` from a date, datetime or ISO text."""
    if _missing(value):
        return na
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def zh_month(value: Any, na: str = NA) -> str:
    """``2026年5月`` from a date or ``2026-05`` text."""
    if _missing(value):
        return na
    if isinstance(value, str) and len(value) == 7:
        year, month = value.split("-")
        return f"{int(year)}年{int(month)}月"
    d = as_date(value)
    return f"{d.year}年{d.month}月"


def water_class_label(value: Any) -> str | None:
    """The class as printed (Ⅰ…劣Ⅴ) from 1–6, ``III``, ``Ⅲ``, ``Ⅲ类`` or ``劣V``; None stays None."""
    return vocabulary_water.label_of(value)


def water_class(value: Any, suffix: str = "类", na: str = NA) -> str:
    """Filter: ``Ⅲ类`` (or ``劣Ⅴ类``); `na` for no class."""
    label = water_class_label(value)
    return na if label is None else f"{label}{suffix}"


def dl(value: Any, below_dl: bool = False, decimals: int | None = None, na: str = NA) -> str:
    """A measured value, or the detection limit followed by ``L`` when below it (``0.01L``)."""
    text = fmt_num(value, decimals, na)
    return f"{text}L" if below_dl and not _missing(value) else text


def na(value: Any, text: str = NA) -> Any:
    """`text` (``—``, or e.g. ``无数据``) for None/NaN/empty text, else the value unchanged."""
    return text if _missing(value) or value == "" else value


_ZH_DIGITS = "零一二三四五六七八九"


def zh_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (for section headings 一、二、…; up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"zh_ordinal: {n} is out of 1–99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones else "")


def pollutant(code: str) -> Markup:
    """HTML name of a pollutant code: ``pm2_5`` -> ``PM<sub>2.5</sub>`` (unknown codes: escaped as given)."""
    parts = vocabulary_air.HTML.get(str(code).lower())
    if parts is None:
        return Markup(escape(code))
    base, sub, *rest = parts
    tail = escape(rest[0]) if rest else ""
    return Markup(f"{escape(base)}<sub>{escape(sub)}</sub>{tail}" if sub else f"{escape(base)}{tail}")


def citation(table_id: str) -> str:
    """How the page names a standards table id, from ``publisher.standards`` (e.g. ``GB 3838-2002《…》``)."""
    from publisher import standards

    return standards.get(table_id).citation


#: Filters available in every template, by name.
FILTERS: dict[str, Any] = {
    "num": fmt_num,
    "pct": fmt_pct,
    "zh_date": zh_date,
    "zh_month": zh_month,
    "water_class": water_class,
    "dl": dl,
    "na": na,
    "zh_ordinal": zh_ordinal,
    "pollutant": pollutant,
    "citation": citation,
}


# --------------------------------------------------------------------------- templates


@lru_cache(maxsize=None)
def environment(templates_dir: str | None = None) -> jinja2.Environment:
    """The jinja2 environment (one per templates folder; the project's templates/ by default)."""
    from publisher.render import fonts

    folder = templates_dir or str(TEMPLATES_DIR)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.globals["font_sans"] = fonts.css_stack("sans")
    env.globals["font_css"] = fonts.css_stack("sans")
    env.globals["font_serif"] = fonts.css_stack("serif")
    env.globals["water_classes"] = WATER_CLASSES
    return env


class ChartLinks(dict):
    """Chart name -> image path for templates (``charts["ranking"]``); a chart that was not drawn
    is an empty string, so ``{% if charts[name] %}`` can leave its figure out."""

    def __missing__(self, key: str) -> str:
        return ""


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """The page text of `template` (a file in templates/, or template source starting with ``{%``).

    The keys of `context` are the template's top-level names; bulletins put their figures under
    ``b`` (see docs/rendering.md for what base.html reads). A value the template needs but
    `context` lacks raises :class:`RenderError` naming the template and the value.
    """
    env = environment()
    ctx = dict(context)
    ctx["charts"] = ChartLinks(ctx.get("charts") or {})
    is_source = template.lstrip().startswith("{%")
    try:
        tpl = env.from_string(template) if is_source else env.get_template(template)
        return tpl.render(ctx)
    except jinja2.UndefinedError as exc:
        name = "<string>" if is_source else template
        raise RenderError(f"模板 {name} 缺少数据 (template_value_missing)：{exc.message}") from exc


def write_html(template: str, context: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Render `template` with `context` (see :func:`render_html`) to `path` in UTF-8. Returns the path."""
    return _write_bytes(Path(path), render_html(template, context).encode("utf-8"))


def template_hashes(names: Iterable[str], templates_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """sha256 of each named template and of the shared layout files, by file name."""
    folder = Path(templates_dir) if templates_dir else TEMPLATES_DIR
    out = {}
    for name in sorted({*names, *SHARED_TEMPLATES}):
        path = folder / name
        if path.exists():
            out[name] = sha256_file(path)
    return out


# --------------------------------------------------------------------------- files


def _write_bytes(path: Path, data: bytes) -> Path:
    """Write atomically (temporary file + rename), and leave an identical file untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pdf_subsetter() -> str:
    """``harfbuzz`` when WeasyPrint subsets fonts with libharfbuzz-subset (fast), else ``fonttools``."""
    from weasyprint.text import ffi

    subset = getattr(ffi, "harfbuzz_subset", None)
    if subset is not None and ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


#: The base URL pages are printed under, so that the PDF does not depend on the folder it is built
#: in (WeasyPrint names each image after the hash of its URL).
PAGE_ROOT = "file:///bulletin/"


def _page_fetcher(root: Path):
    """A WeasyPrint URL fetcher that reads ``file:///bulletin/<rel>`` from `root` and nothing from the network."""
    from urllib.parse import unquote

    from weasyprint.urls import URLFetcher

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
    import weasyprint

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
    out = _write_bytes(Path(pdf_path), data)
    log.info("render.pdf path=%s bytes=%d seconds=%.2f", out, len(data), time.perf_counter() - started)
    return out


#: What makes a spreadsheet read a cell as a formula: its first character (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: ... except a plain number such as ``-0.5``, ``+3``, ``1e-3`` or ``-12%``, which is no formula
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?$"
_FORMULA_RE = re.compile(r"^[=+\-@\t\r]")
_NUMBER_RE = re.compile(_PLAIN_NUMBER)


def formula_like(text: str) -> bool:
    """Whether a text cell would be read as a formula by a spreadsheet (it starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return and is not a plain number)."""
    return bool(_FORMULA_RE.match(text)) and not _NUMBER_RE.match(text)


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that a spreadsheet would read as a formula prefixed with ``'`` (the
    OWASP CSV-injection guidance); numeric columns, and text cells that are plain numbers, are kept."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_RE.pattern) & ~pl.col(c).str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text_columns)


def write_csv_bom(frame: pl.DataFrame, path: str | os.PathLike[str]) -> Path:
    """`frame` as CSV in UTF-8 with a byte-order mark, so that Excel in Chinese opens it correctly.
    Text cells that a spreadsheet would run as formulas are escaped (:func:`escape_formulas`)."""
    buffer = io.BytesIO()
    escape_formulas(frame).write_csv(buffer, include_bom=True, null_value="", float_scientific=False)
    return _write_bytes(Path(path), buffer.getvalue())


#: The fixed creation date written into every workbook (its properties must not carry the clock).
XLSX_EPOCH = dt.datetime(2000, 1, 1)


def _width(text: str) -> float:
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def write_xlsx(
    frames_by_sheet: Mapping[str, pl.DataFrame],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    author: str | None = None,
    created: dt.datetime | dt.date | None = None,
) -> Path:
    """One sheet per frame (sheet names as given, at most 31 characters), header bold and frozen.

    The bytes depend only on the frames and the arguments: the workbook's creation date is
    `created` (default :data:`XLSX_EPOCH`), never the clock. Text is always written as text, never
    as a formula; a text that a spreadsheet would read as one (:func:`formula_like`) is kept as it
    is and marked with Excel's quote prefix (the stored form of a leading ``'``), so editing the cell
    does not turn it into a formula either. Numbers stay numbers.
    """
    import xlsxwriter

    if isinstance(created, dt.date) and not isinstance(created, dt.datetime):
        created = dt.datetime.combine(created, dt.time())
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "nan_inf_to_errors": True})
    book.set_properties({"title": title or "", "author": author or "", "created": created or XLSX_EPOCH, "comments": ""})
    header = book.add_format({"bold": True, "bg_color": "#EDEFF2", "border": 1, "border_color": "#BFBFBF", "text_wrap": True, "valign": "vcenter"})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    time_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    quoted = book.add_format({"quote_prefix": True})
    for sheet_name, frame in frames_by_sheet.items():
        sheet = book.add_worksheet(sheet_name[:31])
        widths = [_width(str(c)) for c in frame.columns]
        for j, column in enumerate(frame.columns):
            sheet.write_string(0, j, str(column), header)
        for i, row in enumerate(frame.iter_rows(), start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, float) and math.isnan(value):
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(i, j, value, time_fmt)
                    widths[j] = max(widths[j], 16)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(i, j, dt.datetime.combine(value, dt.time()), date_fmt)
                    widths[j] = max(widths[j], 10)
                elif isinstance(value, bool):
                    sheet.write_boolean(i, j, value)
                elif isinstance(value, (int, float, decimal.Decimal)):
                    sheet.write_number(i, j, float(value))
                    widths[j] = max(widths[j], len(repr(value)))
                else:
                    text = str(value)
                    if formula_like(text):
                        sheet.write_string(i, j, text, quoted)
                    else:
                        sheet.write_string(i, j, text)
                    widths[j] = max(widths[j], _width(text))
        for j, w in enumerate(widths):
            sheet.set_column(j, j, min(60, max(6, w + 2)))
        sheet.freeze_panes(1, 0)
    book.close()
    return _write_bytes(Path(path), buffer.getvalue())


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False)) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, decimal.Decimal):
        return None if not value.is_finite() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, pl.DataFrame):
        return [_jsonable(r) for r in value.to_dicts()]
    if isinstance(getattr(value, "label", None), str):  # a Period prints as its label, e.g. 2026-05
        return value.label
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _jsonable(dataclasses.asdict(value))
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"write_json: {type(value).__name__} is not JSON-serialisable")


def dumps_json(obj: Any) -> str:
    """Canonical JSON text: sorted keys, Chinese as is, 2-space indent, floats as their shortest
    round-trip text (``repr``), NaN/inf as null, dates as ISO text; ends with a newline."""
    return json.dumps(_jsonable(obj), ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write :func:`dumps_json` of `obj` to `path`."""
    return _write_bytes(Path(path), dumps_json(obj).encode("utf-8"))


#: chart worker processes a bulletin's charts are rendered in (1 in a process of a pool of bulletins)
CHART_WORKERS = 2


def render_charts(specs: Sequence[Any], out_dir: str | os.PathLike[str], workers: int | None = None) -> list[Path]:
    """The chart files of `specs` in `out_dir` (see :func:`publisher.render.charts.render_charts`)."""
    from publisher.render import charts

    return charts.render_charts(specs, out_dir, workers=CHART_WORKERS if workers is None else workers)


# --------------------------------------------------------------------------- manifest

MANIFEST_NAME = "manifest.json"


def manifest(
    out_dir: str | os.PathLike[str],
    *,
    bulletin_id: str,
    generated_at: str | dt.date | dt.datetime,
    inputs: Sequence[Mapping[str, Any]] = (),
    standards: Sequence[str] = (),
    templates: Sequence[str] = (),
    revision: int = 1,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of a built bulletin (a dict; :func:`write_manifest` writes it).

    - ``files``: every file below `out_dir` (except the manifest itself and dot-files), by relative
      path, with its sha256 and size;
    - ``inputs``: as given (source file, sha256, ingest id, rows used);
    - ``standards``: id, number, effective dates and sha256 of each table applied;
    - ``templates``: sha256 of the templates used (and the shared layout files);
    - ``package``: name and version; ``fonts``: the faces used;
    - ``generated_at``: given by the caller (the period's issue date), never the clock.
    """
    import publisher
    from publisher.render import fonts
    from publisher import standards as standards_mod

    root = Path(out_dir)
    files = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == MANIFEST_NAME or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    tables = []
    for table_id in sorted(set(standards)):
        table = standards_mod.get(table_id)
        tables.append(
            {
                "id": table.id,
                "number": table.data["meta"].get("number", table.id),
                "citation": table.citation,
                "effective_from": table.effective_from,
                "effective_to": table.effective_to,
                "sha256": table.sha256,
            }
        )
    face = fonts.describe()
    record: dict[str, Any] = {
        "bulletin_id": bulletin_id,
        "revision": revision,
        "generated_at": generated_at,
        "package": {"name": "publisher", "version": publisher.__version__},
        "files": files,
        "inputs": list(inputs),
        "standards": tables,
        "templates": template_hashes(templates),
        "fonts": {k: v for k, v in face.items() if k.endswith("_family")},
    }
    if extra:
        record.update(extra)
    return record


def write_manifest(out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`manifest` as ``<out_dir>/manifest.json``; call it after every other file is written."""
    return write_json(manifest(out_dir, **kwargs), Path(out_dir) / MANIFEST_NAME)


# --------------------------------------------------------------------------- looking at pages

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The headless browser on PATH (Debian package ``chromium``), or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_png(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1000,
    height: int = 1400,
    timeout: float = 60.0,
) -> Path:
    """Screenshot the page with headless Chromium (a throw-away profile, no network services)."""
    browser = chromium_path()
    if browser is None:
        raise ToolMissing("未找到 chromium (tool_missing)：请安装 Debian 软件包 chromium（apt-get install chromium）")
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="publisher-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--screenshot={png_path}",
            f"--window-size={width},{height}",
            html_path.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png_path.exists():
        raise RenderError(f"chromium 截图失败 (screenshot_failed) rc={done.returncode}: {done.stderr.strip()[-500:]}")
    return png_path


def pdf_to_png(
    pdf_path: str | os.PathLike[str],
    out_prefix: str | os.PathLike[str],
    *,
    dpi: int = 80,
    first: int | None = None,
    last: int | None = None,
) -> list[Path]:
    """Pages of a PDF as PNGs ``<out_prefix>-<n>.png`` (pdftoppm, Debian package ``poppler-utils``)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ToolMissing("未找到 pdftoppm (tool_missing)：请安装 Debian 软件包 poppler-utils")
    prefix = Path(out_prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = [tool, "-png", "-r", str(dpi)]
    if first:
        command += ["-f", str(first)]
    if last:
        command += ["-l", str(last)]
    subprocess.run([*command, str(pdf_path), str(prefix)], check=True, capture_output=True, timeout=120)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


def pdf_text(pdf_path: str | os.PathLike[str]) -> str:
    """The text of a PDF (pdftotext from poppler-utils), for checks that the Chinese text is there."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ToolMissing("未找到 pdftotext (tool_missing)：请安装 Debian 软件包 poppler-utils")
    done = subprocess.run([tool, "-enc", "UTF-8", "-layout", str(pdf_path), "-"], check=True, capture_output=True, timeout=120)
    return done.stdout.decode("utf-8")


# --------------------------------------------------------------------------- the sample page

SAMPLE_TEMPLATE = """\
{% extends "base.html" %}
{% import "_macros.html" as m %}
{% block content %}
<section>
  <h2>{{ 1|zh_ordinal }}、水质状况</h2>
  <p>{{ b.water.summary }}</p>
  {{ m.data_table(b.water.rows, b.water.columns, number=1, caption="2026年5月主要河流断面水质状况") }}
  {{ m.figure(charts["water_shares"], "2026年5月河流断面水质类别比例", number=1) }}
  {{ m.figure(charts["water_targets"], "2026年5月各断面水质类别与目标", number=2) }}
</section>
<section>
  <h2>{{ 2|zh_ordinal }}、环境空气质量</h2>
  <p>{{ b.air.summary }}</p>
  {{ m.data_table(b.air.rows, b.air.columns, number=2, caption="2026年5月各县（市、区）环境空气质量") }}
  {{ m.figure(charts["aqi_calendar"], "2026年5月中心城区空气质量日历", number=3, legend=b.air.legend) }}
  {{ m.figure(charts["pollutants"], "2026年5月六项污染物浓度与二级标准限值", number=4) }}
</section>
{% endblock %}
"""


def sample_context() -> dict[str, Any]:
    """A small, complete bulletin context (as ``b``) for the sample page and the tests."""
    from publisher import standards

    levels = standards.get("HJ633-2012")["levels"]["items"]
    return {
        "bureau": "保山市生态环境局",
        "title": "保山市生态环境质量月报",
        "period_zh": "2026年5月",
        "issue_no": "2026年第5期",
        "issued": "2026-06-08",
        "findings": [
            "全市13个国控、省控河流断面中，Ⅰ～Ⅲ类水质断面12个，占92.3%；劣Ⅴ类断面0个。",
            "中心城区环境空气优良天数比例为96.8%，同比上升3.2个百分点；PM₂.₅平均浓度为18微克/立方米。",
            "县级及以上集中式饮用水水源地水质达标率为100%。",
        ],
        "water": {
            "summary": "5月，全市河流断面总体水质为优，主要污染指标为总磷和化学需氧量。",
            "columns": [
                {"key": "river", "label": "河流"},
                {"key": "section", "label": "断面"},
                {"key": "codmn", "label": "高锰酸盐指数", "unit": "mg/L", "fmt": "num", "decimals": 1},
                {"key": "nh3_n", "label": "氨氮", "unit": "mg/L", "fmt": "dl", "decimals": 3},
                {"key": "tp", "label": "总磷", "unit": "mg/L", "fmt": "num", "decimals": 2},
                {"key": "class", "label": "水质类别", "fmt": "water_class", "align": "center"},
                {"key": "target", "label": "目标", "fmt": "water_class", "align": "center"},
            ],
            "rows": [
                {"river": "怒江", "section": "红旗桥", "codmn": 1.45, "nh3_n": 0.025, "nh3_n_dl": True, "tp": 0.04, "class": 2, "target": 2},
                {"river": "东河", "section": "小沙坝", "codmn": 3.25, "nh3_n": 0.412, "tp": 0.185, "class": 3, "target": 3},
                {"river": "东河", "section": "大沙坝", "codmn": 4.15, "nh3_n": 0.786, "tp": 0.215, "class": 4, "target": 3, "_flag": "exceed"},
                {"river": "龙川江", "section": "曼海桥", "codmn": None, "nh3_n": None, "tp": None, "class": None, "target": 3},
            ],
        },
        "air": {
            "summary": "5月，中心城区空气质量优良天数30天，其中优25天、良5天，轻度污染1天。",
            "columns": [
                {"key": "area", "label": "县（市、区）"},
                {"key": "good_ratio", "label": "优良天数比例", "unit": "%", "fmt": "num", "decimals": 1},
                {"key": "pm2_5", "label": "PM₂.₅", "unit": "µg/m³", "fmt": "num", "decimals": 0},
                {"key": "pm10", "label": "PM₁₀", "unit": "µg/m³", "fmt": "num", "decimals": 0},
                {"key": "index", "label": "综合指数", "fmt": "num", "decimals": 2},
                {"key": "rank", "label": "排名", "align": "center"},
            ],
            "rows": [
                {"area": "隆阳区", "good_ratio": 96.774, "pm2_5": 18.5, "pm10": 33.0, "index": 2.615, "rank": 2},
                {"area": "施甸县", "good_ratio": 100.0, "pm2_5": 15.0, "pm10": 29.0, "index": 2.31, "rank": 1},
                {"area": "龙陵县", "good_ratio": 93.548, "pm2_5": 21.0, "pm10": 36.0, "index": 2.95, "rank": 3},
                {"area": "昌宁县", "good_ratio": None, "pm2_5": None, "pm10": None, "index": None, "rank": None},
            ],
            "legend": [{"label": r["category_zh"], "colour": r["hex"]} for r in levels] + [{"label": "无有效数据", "colour": "#D9D9D9"}],
        },
        "notes": [
            "数据来源：保山市环境监测站例行监测数据；空气质量数据为实况数据，未经审核，仅供参考。",
            "“L”表示低于检出限，数值为方法检出限；“—”表示无数据。",
            "龙川江曼海桥断面5月因断流未采样；昌宁县5月有效监测天数不足，不参与排名。",
        ],
        "standards": ["GB3838-2002", "HJ633-2012", "GB3095-2012"],
    }


def sample_page(context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The top-level names base.html reads, for the sample context (as a bulletin builder passes them)."""
    from publisher import standards

    b = dict(context or sample_context())
    return {
        "b": b,
        "bureau": b["bureau"],
        "title": b["title"],
        "period_zh": b["period_zh"],
        "issue_no": b["issue_no"],
        "issued": b["issued"],
        "findings": b["findings"],
        "notes": b["notes"],
        "standards_used": [{"id": t, "citation": standards.get(t).citation} for t in b["standards"]],
        "charts": {},
    }


def sample_charts() -> list[Any]:
    """The chart specs the sample page refers to."""
    import random

    from publisher import standards
    from publisher.render.charts import ChartSpec

    levels = standards.get("HJ633-2012")["levels"]["items"]
    rng = random.Random(5)
    days = [{"date": dt.date(2026, 5, d), "aqi": (None if d == 17 else rng.choice([28, 35, 42, 47, 55, 63, 71, 88, 104]))} for d in range(1, 32)]
    source = "数据来源：保山市环境监测站"
    return [
        ChartSpec("water_shares", "water_class_shares", {"counts": {"Ⅰ": 2, "Ⅱ": 7, "Ⅲ": 3, "Ⅳ": 1}, "source": source}),
        ChartSpec(
            "water_targets",
            "water_sections_vs_target",
            {"frame": pl.DataFrame({"section": ["红旗桥", "小沙坝", "大沙坝", "曼海桥"], "class": [2, 3, 4, None], "target": [2, 3, 3, 3]}), "source": source},
        ),
        ChartSpec("aqi_calendar", "aqi_calendar", {"frame": days, "year": 2026, "month": 5, "levels": levels, "legend": False, "source": source}),
        ChartSpec(
            "pollutants",
            "pollutant_concentrations",
            {
                "frame": pl.DataFrame(
                    {
                        "pollutant": ["so2", "no2", "pm10", "pm2_5", "co", "o3_8h"],
                        "value": [6.0, 12.0, 33.0, 18.0, 0.8, 112.0],
                        "previous": [7.0, 13.0, 38.0, 22.0, 0.9, 118.0],
                        "limit": [60.0, 40.0, 70.0, 35.0, 4.0, 160.0],
                    }
                ),
                "source": "注：CO为日均值第95百分位数，O₃-8h为日最大8小时平均第90百分位数；" + source,
            },
        ),
    ]


def build_sample(out_dir: str | os.PathLike[str], *, workers: int = 1, look: bool = True) -> dict[str, Any]:
    """Build the sample bulletin into `out_dir`: charts, index.html, bulletin.pdf, data files, manifest,
    and (with `look`) PNGs of the page (Chromium) and of the PDF pages (pdftoppm) in ``<out_dir>/look/``.
    Returns the paths and timings."""
    from publisher.render.charts import render_charts as render_charts_cached

    out = Path(out_dir)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    paths = render_charts_cached(sample_charts(), out / "charts", workers=workers, cache_dir=out / ".cache")
    timings["charts_s"] = time.perf_counter() - t
    context = sample_context()
    page = sample_page(context)
    page["charts"] = {p.stem: f"charts/{p.name}" for p in paths}
    html = _write_bytes(out / "index.html", render_html(SAMPLE_TEMPLATE, page).encode("utf-8"))
    t = time.perf_counter()
    pdf = write_pdf(html, out / "bulletin.pdf")
    timings["pdf_s"] = time.perf_counter() - t
    water = pl.DataFrame(context["water"]["rows"]).drop("_flag", "nh3_n_dl", strict=False)
    write_csv_bom(water, out / "data.csv")
    write_xlsx({"水质": water, "空气": pl.DataFrame(context["air"]["rows"])}, out / "data.xlsx", title=context["title"])
    write_json(context, out / "bulletin.json")
    write_manifest(
        out,
        bulletin_id="sample/2026-05",
        generated_at=context["issued"],
        standards=context["standards"],
        templates=["base.html"],
    )
    result: dict[str, Any] = {"html": html, "pdf": pdf, **timings}
    if look:
        result["page_png"] = html_to_png(html, out / "look" / "page.png", width=1000, height=3000)
        result["pdf_pngs"] = pdf_to_png(pdf, out / "look" / "pdf", dpi=80)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m publisher.render", description="Build the sample bulletin page.")
    parser.add_argument("--sample", metavar="DIR", required=True, help="output folder")
    parser.add_argument("--no-look", action="store_true", help="skip the PNG screenshots")
    args = parser.parse_args(argv)
    result = build_sample(args.sample, look=not args.no_look)
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
