"""Raw tables out of files: CSV (UTF-8 with or without BOM, GBK, GB18030; optionally gzipped) and Excel
workbooks (.xlsx, .xls; every sheet). The encoding is detected from the bytes, not from the name.

A reader yields ``Sheet``s whose rows come in batches: every cell as text (``String`` columns
``c0..cN``) with ``_row``, the row number a person sees in the file (1-based), so that findings can
point at it. The first batch holds at least the first ``HEAD_ROWS`` rows (the header is among them);
finding the header row and interpreting columns is ``layout``'s job.

Memory stays bounded whatever the file holds:

- a CSV is read as a stream, ``BATCH_CELLS`` cells at a time; neither the file nor its text is ever
  held whole (a gzip is inflated as it is read, and refused past ``MAX_BYTES`` inflated);
- an xlsx workbook is a zip: before the Excel reader sees it, every part is inflated as a stream and
  the bytes actually produced are counted (the sizes the zip declares are never trusted): past
  ``MAX_INFLATED`` in all, or ``MAX_RATIO`` times a part's compressed size, the file is refused
  (``file_too_large``); so is a declared ratio above ``MAX_RATIO``, before anything is inflated;
- the Excel reader then runs in a worker process with capped memory (``excel_worker``): what a sheet
  costs there (two cells far apart make it allocate the whole rectangle between them) can end that
  worker, never the ingest; the sheets come back one at a time, mapped from Arrow files, and are cut
  into batches like a CSV's.
"""
from __future__ import annotations

import codecs
import contextlib
import copy
import csv
import gzip
import io
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import polars as pl

from publisher.ingest import excel_worker
from publisher.ingest.findings import Findings

MAX_BYTES = 1 << 30          # a file, and a gzip's content, at most 1 GiB
MAX_INFLATED = 512 << 20     # an Excel workbook's parts, inflated, at most 512 MiB in all
MAX_RATIO = 100              # ... and each part above 1 MiB at most 100 times its compressed size
MAX_COLUMNS = 16_384         # columns of a table (Excel's own limit)
MAX_LINE = 8 << 20           # one CSV line (a row of 16,384 columns is well under 1 MiB)
HEAD_ROWS = 40               # the header row must be among the first rows
BATCH_CELLS = 1_000_000      # cells per batch of rows handed to the layout
_CHUNK = 1 << 20

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
    batches: Iterator[pl.DataFrame]  # c0..cN (String) and _row (Int64); the first holds the first rows
    encoding: str | None = None


@dataclass
class WholeSheet:
    """A sheet read whole: the small tables (a supplier's intake, a forecast), bounded by their own row limits."""
    name: str | None
    rows: pl.DataFrame  # c0..cN (String) and _row (Int64)
    encoding: str | None = None


class Unreadable(Exception):
    """Raised inside the readers after a file-level finding has been recorded."""


class _TooLarge(Exception):
    """A stream went past its limit; the argument says which (Chinese)."""


class _BadStream(Exception):
    """The compressed stream is broken; the argument says how."""


def file_type(name: str) -> str | None:
    lower = name.lower()
    for suffix, kind in ((".csv.gz", "csv.gz"), (".csv", "csv"), (".txt", "csv"), (".xlsx", "xlsx"),
                         (".xlsm", "xlsx"), (".xls", "xls")):
        if lower.endswith(suffix):
            return kind
    return None


def rows_per_batch(width: int, batch_rows: int | None = None) -> int:
    """Rows per batch for a table `width` columns wide (``batch_rows`` overrides, for tests)."""
    return max(1, batch_rows) if batch_rows else max(1_000, BATCH_CELLS // max(1, width))


# ============================================================================================ streams
class _Limited(io.RawIOBase):
    """A byte stream that refuses to deliver more than `limit` bytes and turns decompression errors
    into ``_BadStream``."""

    def __init__(self, inner: BinaryIO, limit: int, what: str):
        self.inner, self.limit, self.what, self.count = inner, limit, what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self.inner.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile) and exc.errno is not None:
                raise
            raise _BadStream(str(exc) or type(exc).__name__) from None
        self.count += len(data)
        if self.count > self.limit:
            raise _TooLarge(self.what)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


def _opener(path: Path, kind: str, data: bytes | None) -> Callable[[], io.BufferedReader]:
    """A function giving a fresh buffered stream of the file's (inflated) bytes at each call."""
    def raw() -> BinaryIO:
        return io.BytesIO(data) if data is not None else open(path, "rb")

    def inflated() -> BinaryIO:  # gzip.open owns (and closes) the file it opens
        return gzip.GzipFile(fileobj=io.BytesIO(data)) if data is not None else gzip.open(path, "rb")

    if kind == "csv.gz":
        return lambda: io.BufferedReader(_Limited(inflated(), MAX_BYTES, "解压后超过 1 GB"), _CHUNK)
    return lambda: io.BufferedReader(_Limited(raw(), MAX_BYTES, "超过 1 GB"), _CHUNK)


# ============================================================================================ CSV
def _valid(open_stream: Callable[[], io.BufferedReader], encoding: str, skip: int = 0) -> bool:
    """Whether the whole stream decodes as `encoding` (read in chunks, never held whole)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with open_stream() as stream:
        stream.read(skip)
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(open_stream: Callable[[], io.BufferedReader], findings: Findings) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip): UTF-8 (BOM or not) first, then GBK, then GB18030."""
    with open_stream() as stream:
        head = stream.read(8192)
        if not head.strip() and not stream.read(1):
            findings.add("empty_file")
            raise Unreadable
    if head.startswith(b"\xef\xbb\xbf") and _valid(open_stream, "utf-8", 3):
        return "utf-8-sig", 3
    for magic, what in _MAGIC:
        if head.startswith(magic):
            hint = "，内容实际是 Excel 工作簿，请把扩展名改为 .xlsx" if magic == b"PK\x03\x04" else ""
            findings.add("binary_file", detail=f"（内容是{what}{hint}）")
            raise Unreadable
    if b"\x00" in head:
        findings.add("binary_file", detail="（含有 NUL 字节）")
        raise Unreadable
    for encoding in ("utf-8", "gbk", "gb18030"):
        if _valid(open_stream, encoding):
            return encoding, 0
    findings.add("bad_encoding")
    raise Unreadable


def _frame(records: list[list[str]], width: int, first_row: int) -> pl.DataFrame:
    """Records (lists of cells) as c0..c{width-1} (longer rows cut, shorter ones padded) and _row."""
    names = [f"c{j}" for j in range(width)]
    rows = [r[:width] if len(r) >= width else r + [None] * (width - len(r)) for r in records]
    frame = pl.DataFrame(rows, schema={n: pl.String for n in names}, orient="row")
    return frame.with_columns(_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64))


def read_csv(open_stream: Callable[[], io.BufferedReader], findings: Findings,
             batch_rows: int | None = None) -> Iterator[Sheet]:
    encoding, skip = detect_encoding(open_stream, findings)
    yield Sheet(None, _csv_batches(open_stream, skip, encoding, findings, batch_rows), encoding)


def _csv_batches(open_stream: Callable[[], io.BufferedReader], skip: int, encoding: str, findings: Findings,
                 batch_rows: int | None) -> Iterator[pl.DataFrame]:
    """Batches of rows of a CSV stream. Blocks of whole lines go to polars' reader; a block it cannot
    read line for line (quoted line breaks) goes to the csv module; a file whose quotes do not pair
    within a block, or whose lines end with a bare CR, is read by the csv module from there on."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    with open_stream() as stream:
        stream.read(skip)
        probe = stream.peek(_CHUNK)
        if b"\n" not in probe and b"\r" in probe:  # classic Mac line ends: the csv module reads them
            yield from _csv_module_batches(stream, b"", codec, findings, batch_rows, width=None, row=0)
            return
        # the head: the first HEAD_ROWS lines, more if a quoted cell spans them
        lines: list[bytes] = []
        quotes = 0
        size = 0
        while len(lines) < HEAD_ROWS or quotes % 2:
            if len(lines) >= HEAD_ROWS and size > MAX_LINE:
                # the quotes of the first rows do not pair nearby: the csv module reads the whole file
                yield from _csv_module_batches(stream, b"".join(lines), codec, findings, batch_rows, None, 0)
                return
            line = stream.readline(MAX_LINE + 1)
            if not line:
                break
            if len(line) > MAX_LINE:
                raise _TooLarge("单行超过 8 MB")
            lines.append(line)
            quotes += line.count(b'"')
            size += len(line)
        head_text = b"".join(lines).decode(codec)
        try:
            records = list(csv.reader(io.StringIO(head_text, newline="")))
        except csv.Error as exc:
            findings.add("bad_csv", row=None, detail=f"{exc}")
            raise Unreadable from None
        if not records:
            findings.add("empty_file")
            raise Unreadable
        width = max(1, max(len(r) for r in records))
        if width > MAX_COLUMNS:
            raise _TooLarge(f"{width} 列，超过 {MAX_COLUMNS} 列")
        yield _frame(records, width, 1)
        row = len(records)
        per_batch = rows_per_batch(width, batch_rows)
        line_bytes = max(8, size // max(1, len(lines)))
        target = min(per_batch * line_bytes, 64 << 20)
        schema = {f"c{j}": pl.String for j in range(width)}
        while True:
            block = stream.read(target)
            if not block:
                return
            if not block.endswith(b"\n"):
                rest = stream.readline(MAX_LINE + 1)
                if len(rest) > MAX_LINE:
                    raise _TooLarge("单行超过 8 MB")
                block += rest
            quotes = block.count(b'"')
            while quotes % 2:  # a quoted cell goes on: take whole lines until the quotes pair
                more = stream.readline(MAX_LINE + 1)
                if not more or len(block) > target + 8 * MAX_LINE:
                    # the quotes do not pair nearby: the csv module decides where records end
                    yield from _csv_module_batches(stream, block + more, codec, findings, batch_rows, width, row)
                    return
                block += more
                quotes += more.count(b'"')
            text = block if codec == "utf-8" else block.decode(codec).encode("utf-8")
            lines_in_block = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            frame = None
            try:
                frame = pl.read_csv(text, has_header=False, schema=schema, truncate_ragged_lines=True,
                                    quote_char='"')
            except Exception:  # noqa: BLE001 - polars is strict about odd quoting; the csv module decides
                frame = None
            if frame is None or frame.height != lines_in_block:
                try:
                    records = list(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))
                except csv.Error as exc:
                    findings.add("bad_csv", row=row + 1, detail=f"第 {row + 1} 行起：{exc}")
                    raise Unreadable from None
                frame = _frame(records, width, row + 1)
            else:
                frame = frame.with_columns(_row=pl.int_range(row + 1, row + 1 + frame.height, dtype=pl.Int64))
            row += frame.height
            yield frame


def _csv_module_batches(stream: io.BufferedReader, pending: bytes, codec: str, findings: Findings,
                        batch_rows: int | None, width: int | None, row: int) -> Iterator[pl.DataFrame]:
    """The rest of a CSV read record by record by the csv module (its cell size limit bounds memory)."""
    text = io.TextIOWrapper(io.BufferedReader(_Prefixed(pending, stream)), encoding=codec, newline="")

    def lines() -> Iterator[str]:
        while line := text.readline(MAX_LINE + 1):
            if len(line) > MAX_LINE:
                raise _TooLarge("单行超过 8 MB")
            yield line

    reader = csv.reader(lines())
    batch: list[list[str]] = []
    first = row + 1
    try:
        for record in reader:
            batch.append(record)
            if width is None and len(batch) >= HEAD_ROWS:
                width = max(len(r) for r in batch)
            if width is not None:
                if width > MAX_COLUMNS or len(record) > MAX_COLUMNS:
                    raise _TooLarge(f"超过 {MAX_COLUMNS} 列")
                if len(batch) >= rows_per_batch(width, batch_rows):
                    yield _frame(batch, width, first)
                    first += len(batch)
                    batch = []
    except csv.Error as exc:
        findings.add("bad_csv", row=first + len(batch), detail=f"第 {first + len(batch)} 行：{exc}")
        raise Unreadable from None
    if batch:
        width = width or max(len(r) for r in batch)
        if width > MAX_COLUMNS:
            raise _TooLarge(f"超过 {MAX_COLUMNS} 列")
        yield _frame(batch, width, first)
    elif first == 1:
        findings.add("empty_file")
        raise Unreadable


class _Prefixed(io.RawIOBase):
    """`prefix`, then the rest of `stream`."""

    def __init__(self, prefix: bytes, stream: BinaryIO):
        self.prefix, self.stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


# ============================================================================================ Excel
def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, counter: list[int]) -> None:
    """Inflate one part as a stream, counting the bytes it actually gives (`counter[0]` is the
    workbook's running total); stop at the limits."""
    probe = copy.copy(info)
    probe.file_size = MAX_INFLATED + 1  # never trust the declared size: the stream's own end decides
    inflated = 0
    with archive.open(probe) as member:
        while chunk := member.read(_CHUNK):
            inflated += len(chunk)
            counter[0] += len(chunk)
            if counter[0] > MAX_INFLATED:
                raise _TooLarge(f"解压后超过 {MAX_INFLATED >> 20} MB")
            if inflated > _CHUNK and inflated > MAX_RATIO * max(info.compress_size, 1):
                raise _TooLarge(f"“{info.filename[:60]}”解压后超过压缩大小的 {MAX_RATIO} 倍")


def check_workbook(source: Path | io.BytesIO, findings: Findings) -> None:
    """Refuse a zip (xlsx) workbook whose parts are not a workbook's, or inflate too far (declared
    ratio first, then the bytes actually inflated)."""
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                listed = "、".join(sorted(names)[:3])
                findings.add("bad_workbook", detail=f"是一个普通 ZIP 压缩包（含 {listed}），不是 Excel 文件")
                raise Unreadable
            declared = 0
            for info in infos:  # the declared sizes first: cheap, before anything is inflated
                declared += info.file_size
                if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _TooLarge(f"“{info.filename[:60]}”声明的压缩比超过 {MAX_RATIO} 倍")
            if declared > MAX_INFLATED:
                raise _TooLarge(f"声明解压后 {declared >> 20} MB，超过 {MAX_INFLATED >> 20} MB")
            counter = [0]
            for info in infos:
                _inflate(archive, info, counter)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        findings.add("bad_workbook", detail=f"压缩结构损坏（{str(exc)[:200]}）")
        raise Unreadable from None


def read_excel(path: Path, data: bytes | None, findings: Findings, batch_rows: int | None = None,
               work_dir: Path | None = None) -> Iterator[Sheet]:
    """The sheets of a workbook, read by a memory-capped worker process (see ``excel_worker``)."""
    with (io.BytesIO(data) if data is not None else open(path, "rb")) as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":
        check_workbook(io.BytesIO(data) if data is not None else path, findings)
    elif magic != b"\xd0\xcf\x11\xe0":
        findings.add("bad_workbook", detail="文件头不是 Excel 格式")
        raise Unreadable
    out = Path(tempfile.mkdtemp(prefix=".sheets-", dir=work_dir))
    try:
        source = path
        if data is not None:
            source = out / f"workbook{path.suffix.lower()}"
            source.write_bytes(data)
        try:
            answer = excel_worker.load(str(Path(source).absolute()), str(out))
        except excel_worker.WorkerDied:
            raise _TooLarge(f"读取该工作簿所需内存超过 {excel_worker.MEMORY_LIMIT >> 20} MB") from None
        if answer.get("memory"):
            raise _TooLarge(f"读取该工作簿所需内存超过 {excel_worker.MEMORY_LIMIT >> 20} MB")
        if "error" in answer:
            findings.add("bad_workbook", sheet=answer.get("sheet"), detail=answer["error"])
            raise Unreadable
        for sheet in answer["sheets"]:
            if sheet["columns"] > MAX_COLUMNS:
                raise _TooLarge(f"工作表“{sheet['name']}”有 {sheet['columns']} 列，超过 {MAX_COLUMNS} 列")
            frame = pl.read_ipc(sheet["path"])
            yield Sheet(sheet["name"], _slices(frame, batch_rows))
            del frame
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _slices(frame: pl.DataFrame, batch_rows: int | None) -> Iterator[pl.DataFrame]:
    per_batch = rows_per_batch(frame.width - 1, batch_rows)
    first = max(per_batch, HEAD_ROWS)
    yield frame.slice(0, first)
    for offset in range(first, frame.height, per_batch):
        yield frame.slice(offset, per_batch)


# ============================================================================================ entry
@contextlib.contextmanager
def _recorded(findings: Findings) -> Iterator[None]:
    """The readers' own failures, recorded as findings, then Unreadable."""
    try:
        yield
    except _TooLarge as exc:
        findings.add("file_too_large", detail=str(exc))
        raise Unreadable from None
    except _BadStream as exc:
        findings.add("binary_file", detail=f"（不是有效的 gzip 文件：{exc}）")
        raise Unreadable from None
    except UnicodeDecodeError as exc:  # the file changed between detection and reading
        findings.add("bad_encoding", detail=str(exc)[:200])
        raise Unreadable from None


def _guarded(batches: Iterator[pl.DataFrame], findings: Findings) -> Iterator[pl.DataFrame]:
    """`batches`, with the readers' own failures recorded as findings (then Unreadable)."""
    try:
        with _recorded(findings):
            yield from batches
    finally:
        close = getattr(batches, "close", None)
        if close:
            close()


def read_file(path: Path, findings: Findings, *, name: str | None = None, data: bytes | None = None,
              batch_rows: int | None = None, work_dir: Path | None = None) -> Iterator[Sheet]:
    """The sheets of one file (lazily: a workbook's sheets are loaded one at a time, a CSV streams).
    Records a file-level finding and raises Unreadable when the file cannot be read; the error may
    come while the batches are read."""
    kind = file_type(name or path.name)
    if kind is None:
        findings.add("unknown_file_type", detail=f"“{Path(name or path.name).suffix or name or path.name}”")
        raise Unreadable
    with _recorded(findings):
        if data is not None:
            size = len(data)
        else:
            size = path.stat().st_size
        if size == 0:
            findings.add("empty_file")
            raise Unreadable
        if size > MAX_BYTES:
            raise _TooLarge(f"{size >> 20} MB，超过 {MAX_BYTES >> 20} MB")
        if kind in ("csv", "csv.gz"):
            sheets = read_csv(_opener(path, kind, data), findings, batch_rows)
        else:
            sheets = read_excel(path, data, findings, batch_rows, work_dir)
        for sheet in sheets:
            sheet.batches = _guarded(sheet.batches, findings)
            yield sheet
