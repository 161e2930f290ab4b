"""Ingestion: data files in, canonical frames out, every problem reported as a Finding.

Public API
- ``read_air_files(paths, hour_label="end", registry=None) -> pl.DataFrame`` (the canonical air hourly frame)
- ``read_water_files(paths, registry=None) -> pl.DataFrame`` (the canonical long water frame)
- ``parse_file(path, ...) -> Parsed`` (kind ``air | water | intake | forecast | noise | supervisory``, frame with
  ``source_row``/``source_sheet``, findings; ``intake`` is a water supplier's 取水量 table,
  :mod:`publisher.ingest.intake`, ``forecast`` an air-quality forecast, :mod:`publisher.ingest.forecast`,
  ``noise`` the Ld/Ln results of noise points, :mod:`publisher.ingest.noise`,
  ``supervisory`` key polluting units' outlet results, :mod:`publisher.ingest.supervisory`)
- ``publisher.ingest.pipeline.ingest(paths, workspace, ...)``: validate, store, archive or quarantine.

The read functions raise ``FileRejected`` (an ``InputError``) when a file has errors; its message names
file, sheet, row, column and reason in Chinese with a stable English code, e.g.
``文件“a.csv”，第 5 行，“pm10”列：数值 'abc' 无法识别 [non_numeric]``. Warnings are logged.
See docs/data-formats.md for every layout, value form and code.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
from pathlib import Path
from typing import Iterable

import polars as pl

from publisher.display import shown
from publisher.errors import InputError
from publisher.ingest import forecast, intake, noise, supervisory
from publisher.ingest.findings import CODES, FileRejected, Finding, Findings
from publisher.ingest.layout import (AIR_CODES, AIR_SCHEMA, CANON_KEY, WATER_SCHEMA, Chunk, Options, Parsed,
                                     SheetParser, _report)
from publisher.ingest.readers import HEAD_ROWS, Sheet, Unreadable, WholeSheet, read_file

__all__ = ["read_air_files", "read_water_files", "parse_file", "Parsed", "Finding", "Findings", "FileRejected",
           "CODES", "AIR_CODES", "AIR_COLUMNS", "WATER_COLUMNS", "check_name"]

log = logging.getLogger(__name__)

AIR_COLUMNS = ["station_id", "time", *AIR_CODES, "platform_aqi", "platform_primary", "not_monitored"]
WATER_COLUMNS = ["station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type"]

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]")


def check_name(name: str) -> str | None:
    """Why a file name is unsafe to handle (None when it is fine). Names with path separators, control
    characters, ``..``, a leading ``-`` or ``.``, or over 200 bytes are refused."""
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return f"“{name!r}”含有无法解码的字节（文件名不是有效的 UTF-8）"
    if _BAD_NAME.search(name):
        return f"“{name!r}”含有路径分隔符、控制字符或 Windows 不允许的字符"
    if ".." in name or name.startswith(("-", ".", "~", " ")) or name.endswith((" ", ".")):
        return f"“{name}”含有“..”或以特殊字符开头/结尾"
    if size > 200:
        return f"文件名过长（{size} 字节，超过 200 字节）"
    return None


#: canonical frames kept in memory before a file's batches go to disk (with ``spill_dir``)
SPILL_BYTES = 64 << 20
#: rows of a supplier's intake table (read whole: a few sources × months)
MAX_SMALL_ROWS = 100_000
#: the key of a row of the small kinds, read whole
SMALL_KEY = {"intake": ["station_id", "period_start", "unit"], "forecast": ["area", "date", "issued"],
             "noise": ["station_id", "date"],
             "supervisory": ["outlet_id", "sampled_at", "item"]}


class _Assembler:
    """The file level: batches of every sheet become one canonical frame. A key met again in a later
    batch or sheet is a duplicate (compared by a digest of its values); PM2.5 above PM10 is counted over
    the whole file; with a `spill_dir`, the frames go to Parquet files there once they pass SPILL_BYTES,
    so that memory holds one batch and the keys seen, not the file."""

    def __init__(self, findings: Findings, spill_dir: Path | None):
        self.findings = findings
        self.spill_dir = spill_dir
        self.kind: str | None = None
        self.frames: list[pl.DataFrame] = []
        self.size = 0
        self.spilled: list[Path] = []
        self.seen: dict[int, list[pl.DataFrame]] = {}
        self.sheets: list[str] = []
        self.skipped: list[str | None] = []
        self.any_rows = False
        self.stopped = False
        self.small_sheets = 0

    def sheet(self, index: int, sheet: Sheet, options: Options) -> None:
        batches = iter(sheet.batches)
        try:
            first = next(batches, None)
            if first is None:
                return
            self.any_rows = self.any_rows or first.height > 0
            # the small tables (a forecast, a supplier's intake) are read whole, up to their row limit
            header = forecast.header_of(WholeSheet(sheet.name, first))
            if header is not None:  # an air-quality forecast (area, day, AQI range…), not monitoring data
                rows = self._whole(first, batches, header[0] + forecast.MAX_ROWS + 1)
                self.small(index, "forecast", forecast.parse_forecast(WholeSheet(sheet.name, rows), self.findings,
                                                                      options.registry, header), sheet.name)
                return
            found = supervisory.find_header(first)
            if found is not None and options.kind in (None, "supervisory"):  # key polluting units' outlet results
                rows = self._whole(first, batches, found[0] + supervisory.MAX_ROWS + 1)
                if rows.height > found[0] + supervisory.MAX_ROWS:
                    self.findings.add("file_too_large", sheet=sheet.name,
                                      detail=f"监督性监测结果表超过 {supervisory.MAX_ROWS} 行")
                    self.stopped = True
                    return
                frame = supervisory.parse_sheet(WholeSheet(sheet.name, rows), found, self.findings,
                                                options.registry, options.now)
                if frame is None:
                    self.skipped.append(sheet.name)
                    return
                self.small(index, "supervisory", frame, sheet.name)
                return
            found = intake.find_header(first)
            if found is not None and options.kind in (None, "intake"):
                rows = self._whole(first, batches, found[0] + MAX_SMALL_ROWS + 1)
                if rows.height > found[0] + MAX_SMALL_ROWS:
                    self.findings.add("file_too_large", sheet=sheet.name, detail=f"取水量表超过 {MAX_SMALL_ROWS} 行")
                    self.stopped = True
                    return
                frame = intake.parse_sheet(WholeSheet(sheet.name, rows), found, self.findings, options.registry,
                                           options.now)
                if frame is None:
                    self.skipped.append(sheet.name)
                    return
                self.small(index, "intake", frame, sheet.name)
                return
            if self._noise(index, sheet, first, batches, options):
                return
            parser = SheetParser(first, sheet.name, self.findings, options)
            if not parser.ok:
                self.skipped.append(sheet.name)
                return
            label = parser.label[parser.station_col]
            for rows in itertools.chain([parser.head_data], batches):
                chunk = parser.feed(rows)
                if parser.mixed:
                    self.stopped = True
                    return
                if chunk is not None and not self.take(chunk, index, sheet.name, label):
                    return
            if parser.kind is None:
                self.findings.add("no_values", sheet=sheet.name)
                self.skipped.append(None)
                return
            if self.kind is None:
                self.kind = parser.kind
            elif parser.kind != self.kind:
                self.findings.add("mixed_kinds")
                self.stopped = True
                return
            self.sheets.append(sheet.name or "")
        finally:
            close = getattr(batches, "close", None)
            if close:
                close()

    def _noise(self, index: int, sheet: Sheet, first: pl.DataFrame, batches, options: Options) -> bool:
        """A noise results table (publisher/ingest/noise.py), read whole; False when the sheet is not one."""
        found = noise.find_header(first)
        if found is None or options.kind not in (None, "noise"):
            return False
        rows = self._whole(first, batches, found[0] + MAX_SMALL_ROWS + 1)
        if rows.height > found[0] + MAX_SMALL_ROWS:
            self.findings.add("file_too_large", sheet=sheet.name, detail=f"噪声监测结果表超过 {MAX_SMALL_ROWS} 行")
            self.stopped = True
            return True
        frame = noise.parse_sheet(WholeSheet(sheet.name, rows), found, self.findings, options.registry, options.now)
        if frame is None:
            self.skipped.append(sheet.name)
        else:
            self.small(index, "noise", frame, sheet.name)
        return True

    @staticmethod
    def _whole(first: pl.DataFrame, batches, limit: int) -> pl.DataFrame:
        """The sheet's rows, read no further than `limit` rows."""
        parts, height = [first], first.height
        for rows in batches:
            if height > limit:
                break
            parts.append(rows)
            height += rows.height
        return pl.concat(parts, how="vertical").head(limit + 1)

    def small(self, index: int, kind: str, frame: pl.DataFrame, sheet: str | None) -> None:
        """A whole sheet of a small kind: the same key in two sheets is a conflict (checked at the end)."""
        if self.kind is not None and kind != self.kind:
            self.findings.add("mixed_kinds", sheet=sheet)
            self.stopped = True
            return
        self.kind = kind
        self.frames.append(frame)
        self.small_sheets += 1
        self.sheets.append(sheet or "")

    def finish(self) -> None:
        """What can only be said of the whole file: a small kind's key in two sheets."""
        if self.small_sheets > 1 and self.frames:
            key = SMALL_KEY[self.kind]
            frame = pl.concat(self.frames, how="vertical")
            dup = frame.filter(pl.struct(key).is_duplicated())
            for row in dup.head(20).iter_rows(named=True):
                self.findings.add("duplicate_conflict", sheet=row["source_sheet"], row=row["source_row"],
                                  value=row[key[0]], detail="（在多个工作表中）", other=None)

    def take(self, chunk: Chunk, index: int, sheet: str | None, station_label: str) -> bool:
        if self.kind is not None and chunk.kind != self.kind:
            self.findings.add("mixed_kinds", sheet=sheet)
            self.stopped = True
            return False
        self.kind = chunk.kind
        frame, keys = chunk.frame, chunk.keys
        key = CANON_KEY[chunk.kind]
        # the keys seen so far are kept per month: a batch is compared with the months it touches only
        keys = keys.with_columns(_month=(pl.col(key[1]).dt.year() * 100 + pl.col(key[1]).dt.month()).cast(pl.Int32))
        months = keys.get_column("_month").unique().to_list()
        earlier = [f for m in months for f in self.seen.get(m, ())]
        if earlier:
            seen = pl.concat(earlier, rechunk=False)
            dup = keys.join(seen, on=key, how="inner", suffix="_seen")
            if dup.height:
                other_sheet = pl.col("sheet") != index
                conflict = other_sheet | (pl.col("digest") != pl.col("digest_seen"))
                rows = dup.with_columns(_row=pl.col("first_row"), other=pl.col("first_row_seen"))
                for code, cond, detail in (("duplicate_conflict", conflict & other_sheet, "（在多个工作表中）"),
                                           ("duplicate_conflict", conflict & ~other_sheet, ""),
                                           ("duplicate_same", ~conflict, "")):
                    _report(self.findings, code, rows.filter(cond), sheet, column=station_label,
                            value_col="station_raw", other_col="other", detail=detail)
                gone = dup.select(key)
                frame = frame.join(gone, on=key, how="anti")
                keys = keys.join(gone, on=key, how="anti")
        kept = keys.select(*key, "first_row", "digest", "_month", sheet=pl.lit(index, pl.Int32))
        for (month,), part in kept.partition_by("_month", as_dict=True, include_key=False).items():
            self.seen.setdefault(month, []).append(part)
        if chunk.kind == "air" and frame.height:
            bad = frame.filter(pl.col("pm2_5") > pl.col("pm10"))
            if bad.height:
                first = bad.sort("source_row").row(0, named=True)
                self.findings.add("pm25_gt_pm10", sheet=first["source_sheet"], row=first["source_row"],
                                  detail=f"PM2.5 {first['pm2_5']:g}，PM10 {first['pm10']:g}", count=bad.height,
                                  group="pm25", limit=1)
        if frame.height:
            self.frames.append(frame)
            self.size += frame.estimated_size()
            if self.spill_dir is not None and (self.spilled or self.size > SPILL_BYTES):
                self._spill()
        return True

    def _spill(self) -> None:
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        for frame in self.frames:
            path = self.spill_dir / f"batch-{len(self.spilled) + 1:05d}.parquet"
            frame.write_parquet(path, compression="lz4", statistics=True)
            self.spilled.append(path)
        self.frames, self.size = [], 0

    def result(self) -> pl.DataFrame | pl.LazyFrame:
        schema = {"air": AIR_SCHEMA, "water": WATER_SCHEMA, "intake": intake.INTAKE_SCHEMA,
                  "forecast": forecast.FORECAST_SCHEMA, "noise": noise.NOISE_SCHEMA,
                  "supervisory": supervisory.SUPERVISORY_SCHEMA}[self.kind]
        if self.spilled:
            self._spill()
            return pl.scan_parquet(self.spilled, schema=schema)
        if not self.frames:
            return pl.DataFrame(schema=schema)
        return pl.concat(self.frames, how="vertical")


def parse_file(path: str | os.PathLike[str], *, registry=None, unknown_stations: str = "keep",
               hour_label: str = "end", kind: str | None = None, data: bytes | None = None,
               display_name: str | None = None, batch_rows: int | None = None,
               spill_dir: str | os.PathLike[str] | None = None) -> Parsed:
    """Read and validate one file. Never raises for problems in the file: they are in ``findings``.

    The file is read in batches of rows (``batch_rows`` overrides their size); with a `spill_dir`, a
    large file's canonical frame is written there as it is read and ``frame`` is a LazyFrame over it
    (remove the folder when done). The result is the same however the file is cut into batches."""
    path = Path(path)
    name = display_name or path.name
    findings = Findings(name)
    parsed = Parsed(None, None, findings)
    problem = check_name(path.name)
    if problem:
        findings.add("bad_file_name", detail=problem)
        return parsed
    if data is None and (path.is_symlink() or (path.exists() and not path.is_file())):
        findings.add("not_regular_file")
        return parsed
    options = Options(registry=registry, unknown_stations=unknown_stations, hour_label=hour_label, kind=kind)
    work = Path(spill_dir) if spill_dir is not None else None
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
    assembler = _Assembler(findings, work)
    try:
        for index, sheet in enumerate(read_file(path, findings, data=data, batch_rows=batch_rows, work_dir=work)):
            parsed.encoding = parsed.encoding or sheet.encoding
            assembler.sheet(index, sheet, options)
            if assembler.stopped:
                return parsed
    except Unreadable:
        return parsed
    except OSError as exc:
        raise InputError(f"无法读取文件“{shown(name)}”：{exc.strerror or exc} (unreadable_file)") from exc
    if assembler.kind is None:
        if not findings.has_errors:
            findings.add("no_header" if assembler.any_rows else "empty_file",
                         detail=str(HEAD_ROWS) if assembler.any_rows else "")
        return parsed
    assembler.finish()
    for sheet_name in assembler.skipped:
        if sheet_name is not None:
            findings.add("skipped_sheet", sheet=sheet_name)
    parsed.kind = assembler.kind
    parsed.sheets = assembler.sheets
    parsed.frame = assembler.result()
    return parsed


def _read(paths, kind: str, **kwargs) -> pl.DataFrame:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    frames = []
    for path in paths:
        parsed = parse_file(path, kind=kind, **kwargs)
        if parsed.findings.has_errors:
            raise FileRejected(parsed.findings)
        for warning in parsed.findings.warnings:
            log.warning("%s", warning.message)
        if parsed.kind != kind:
            findings = Findings(Path(path).name)
            findings.add("mixed_kinds", detail=f"（期望{'空气' if kind == 'air' else '水质'}数据）")
            raise FileRejected(findings)
        frames.append(parsed.frame)
    schema = AIR_SCHEMA if kind == "air" else WATER_SCHEMA
    if not frames:
        return pl.DataFrame(schema=schema).select(AIR_COLUMNS if kind == "air" else WATER_COLUMNS)
    return pl.concat(frames, how="vertical")


def read_air_files(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], hour_label: str = "end",
                   registry=None) -> pl.DataFrame:
    """The canonical air hourly frame of one or more files (see docs/architecture.md).

    ``hour_label="start"`` says the files label hours by their start (``10:00`` = 10:00–11:00); times
    are then shifted to the hour end. The national feed is hour-ending. Stations are given by id, code
    or name; with a `registry` they are resolved to ids (unknown ones are kept as written, with a warning).
    Raises FileRejected (an InputError) naming file, sheet, row, column and reason.
    """
    if hour_label not in ("end", "start"):
        raise InputError(f"hour_label 只能是 end 或 start，而不是 {hour_label!r} (bad_hour_label)")
    frame = _read(paths, "air", hour_label=hour_label, registry=registry)
    return frame.select(AIR_COLUMNS).sort("station_id", "time")


def read_water_files(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
                     registry=None) -> pl.DataFrame:
    """The canonical long water frame (station_id, sampled_at, item, value, below_dl, waterbody_type).

    Values are in the catalogue's unit; ``below_dl`` rows carry the detection limit as value (null when
    the file gave none). Raises FileRejected (an InputError) naming file, sheet, row, column and reason.
    """
    frame = _read(paths, "water", registry=registry)
    return frame.select(WATER_COLUMNS).sort("station_id", "sampled_at", "item")
