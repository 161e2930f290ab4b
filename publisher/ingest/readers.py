"""Raw tables out of files: CSV (UTF-8 with or without BOM, GBK, GB18030; optionally gzipped) and Excel
workbooks (.xlsx, .xls; every sheet). The encoding is detected from the bytes, not from the name.

A reader returns ``Sheet``s: every cell as text (``String`` columns ``c0..cN``) with ``_row``, the row
number a person sees in the file (1-based), so that findings can point at it. Finding the header row
and interpreting columns is ``layout``'s job.
"""
from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from publisher.ingest.findings import Findings

MAX_BYTES = 1 << 30  # 1 GiB, compressed or not
HEAD_ROWS = 40       # the header row must be among the first rows

_MAGIC = (
    (b"PK\x03\x04", "ZIP 压缩包或 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档（.xls/.doc）"),
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"\x7fELF", "可执行程序"),
    (b"MZ", "Windows 可执行程序"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩文件"),
    (b"SQLite format 3", "SQLite 数据库"),
    (b"PAR1", "Parquet 文件"),
)


@dataclass
class Sheet:
    name: str | None
    rows: pl.DataFrame  # c0..cN (String) and _row (Int64)
    encoding: str | None = None


class Unreadable(Exception):
    """Raised inside the readers after a file-level finding has been recorded."""


def file_type(name: str) -> str | None:
    lower = name.lower()
    for suffix, kind in ((".csv.gz", "csv.gz"), (".csv", "csv"), (".txt", "csv"), (".xlsx", "xlsx"),
                         (".xlsm", "xlsx"), (".xls", "xls")):
        if lower.endswith(suffix):
            return kind
    return None


def decode(data: bytes, findings: Findings) -> tuple[str, str]:
    """(text, encoding name). UTF-8 (BOM or not) first, then GBK, then GB18030."""
    head = data[:8192]
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    for magic, what in _MAGIC:
        if head.startswith(magic):
            hint = "，内容实际是 Excel 工作簿，请把扩展名改为 .xlsx" if magic == b"PK\x03\x04" else ""
            findings.add("binary_file", detail=f"（内容是{what}{hint}）")
            raise Unreadable
    if b"\x00" in head:
        findings.add("binary_file", detail="（含有 NUL 字节）")
        raise Unreadable
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    findings.add("bad_encoding")
    raise Unreadable


def read_csv(data: bytes, findings: Findings) -> list[Sheet]:
    text, encoding = decode(data, findings)
    if not text.strip():
        findings.add("empty_file")
        raise Unreadable
    head = text.splitlines()[:HEAD_ROWS]
    # the widest of the first lines decides where the body starts: title lines have one cell
    widths = [len(r) for r in csv.reader(head)]
    start = _header_line(list(csv.reader(head)))
    lines = text.splitlines(keepends=True)
    body = "".join(lines[start:])
    frame = None
    if "\n\n" not in body and "\r\n\r\n" not in body:
        try:
            frame = pl.read_csv(io.BytesIO(body.encode("utf-8")), has_header=False, infer_schema=False,
                                truncate_ragged_lines=True, quote_char='"')
        except Exception:  # noqa: BLE001 - polars is strict about odd quoting; fall back to the csv module
            frame = None
        if frame is not None and frame.height != len(lines) - start:
            frame = None  # quoted newlines: row numbers would be off, use the slow exact path
    if frame is None:
        rows = list(csv.reader(io.StringIO(body)))
        width = max([len(r) for r in rows] + widths + [1])
        numbered = [(i, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
        frame = pl.DataFrame(
            {f"c{j}": [r[j] if j < len(r) else None for _, r in numbered] for j in range(width)},
            schema={f"c{j}": pl.String for j in range(width)})
        frame = frame.with_columns(_row=pl.Series([start + i + 1 for i, _ in numbered], dtype=pl.Int64))
    else:
        frame = frame.rename({c: f"c{j}" for j, c in enumerate(frame.columns)})
        frame = frame.with_row_index("_row", offset=start + 1).with_columns(pl.col("_row").cast(pl.Int64))
    return [Sheet(None, frame, encoding)]


def _header_line(rows: list[list[str]]) -> int:
    """Index of the first line that looks like a header (a station and a time column); 0 if none."""
    from publisher.ingest.aliases import lookup

    for index, row in enumerate(rows):
        roles = {lookup(cell).role for cell in row}
        if roles & {"station_id", "station_name"} and "time" in roles:
            return index
    return 0


def read_excel(path: Path, data: bytes, findings: Findings) -> list[Sheet]:
    import fastexcel

    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                total = sum(i.file_size for i in archive.infolist())
        except zipfile.BadZipFile as exc:
            findings.add("bad_workbook", detail=f"压缩结构损坏（{exc}）")
            raise Unreadable from None
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            listed = "、".join(sorted(names)[:3])
            findings.add("bad_workbook", detail=f"是一个普通 ZIP 压缩包（含 {listed}），不是 Excel 文件")
            raise Unreadable
        if total > MAX_BYTES:
            findings.add("too_large", detail=f"解压后 {total // (1 << 20)} MB")
            raise Unreadable
    elif data[:4] != b"\xd0\xcf\x11\xe0":
        findings.add("bad_workbook", detail="文件头不是 Excel 格式")
        raise Unreadable
    try:
        reader = fastexcel.read_excel(data)
        sheets = []
        for name in reader.sheet_names:
            loaded = reader.load_sheet(name, header_row=None, dtypes="string")
            frame = loaded.to_polars()
            frame = frame.rename({c: f"c{j}" for j, c in enumerate(frame.columns)})
            frame = frame.with_columns(pl.all().cast(pl.String))
            frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
            # fastexcel starts at the first used row; a sheet's first row is its row 1
            skipped = _first_row(loaded)
            if skipped:
                frame = frame.with_columns(pl.col("_row") + skipped)
            sheets.append(Sheet(name, frame))
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        findings.add("bad_workbook", detail=str(exc).splitlines()[0][:200])
        raise Unreadable from None
    return sheets


def _first_row(loaded) -> int:
    """Rows above the used range that fastexcel did not return (0 when it returns from row 1)."""
    return 0


def read_file(path: Path, data: bytes, findings: Findings) -> list[Sheet]:
    """The sheets of one file; raises Unreadable after recording a file-level finding."""
    kind = file_type(path.name)
    if kind is None:
        findings.add("unknown_file_type", detail=f"“{path.suffix or path.name}”")
        raise Unreadable
    if not data:
        findings.add("empty_file")
        raise Unreadable
    if kind == "csv.gz":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = stream.read(MAX_BYTES + 1)
        except (OSError, EOFError) as exc:
            findings.add("binary_file", detail=f"（不是有效的 gzip 文件：{exc}）")
            raise Unreadable from None
        if len(data) > MAX_BYTES:
            findings.add("too_large", detail="解压后超过 1 GB")
            raise Unreadable
        kind = "csv"
    if kind == "csv":
        return read_csv(data, findings)
    return read_excel(path, data, findings)
