"""Files: atomic byte writes that leave an identical file untouched, sha256, CSV with BOM and XLSX with
formula-like text escaped, canonical JSON. Every writer gives byte-identical files for identical inputs:
no wall-clock time, fixed XLSX properties, sorted JSON keys."""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter


def write_bytes(path: Path, data: bytes) -> Path:
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
    return write_bytes(Path(path), buffer.getvalue())


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
    return write_bytes(Path(path), buffer.getvalue())


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
    return write_bytes(Path(path), dumps_json(obj).encode("utf-8"))

