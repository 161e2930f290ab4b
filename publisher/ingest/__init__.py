"""Ingestion: data files in, canonical frames out, every problem reported as a Finding.

Public API
- ``read_air_files(paths, hour_label="end", registry=None) -> pl.DataFrame`` (the canonical air hourly frame)
- ``read_water_files(paths, registry=None) -> pl.DataFrame`` (the canonical long water frame)
- ``parse_file(path, ...) -> Parsed`` (kind ``air | water | intake``, frame with ``source_row``/``source_sheet``,
  findings; ``intake`` is a water supplier's 取水量 table, :mod:`publisher.ingest.intake`)
- ``publisher.ingest.pipeline.ingest(paths, workspace, ...)``: validate, store, archive or quarantine.

The read functions raise ``FileRejected`` (an ``InputError``) when a file has errors; its message names
file, sheet, row, column and reason in Chinese with a stable English code, e.g.
``文件“a.csv”，第 5 行，“pm10”列：数值 'abc' 无法识别 [non_numeric]``. Warnings are logged.
See docs/data-formats.md for every layout, value form and code.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Iterable

import polars as pl

from publisher.errors import InputError
from publisher.ingest.findings import CODES, FileRejected, Finding, Findings
from publisher.ingest.layout import AIR_CODES, AIR_SCHEMA, WATER_SCHEMA, Options, Parsed, parse_sheet
from publisher.ingest.readers import MAX_BYTES, Unreadable, file_type, read_file

__all__ = ["read_air_files", "read_water_files", "parse_file", "Parsed", "Finding", "Findings", "FileRejected",
           "CODES", "AIR_CODES", "AIR_COLUMNS", "WATER_COLUMNS", "check_name"]

log = logging.getLogger(__name__)

AIR_COLUMNS = ["station_id", "time", *AIR_CODES, "platform_aqi", "platform_primary", "not_monitored"]
WATER_COLUMNS = ["station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type"]

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]")


def check_name(name: str) -> str | None:
    """Why a file name is unsafe to handle (None when it is fine). Names with path separators, control
    characters, ``..``, a leading ``-`` or ``.``, or over 200 bytes are refused."""
    if _BAD_NAME.search(name):
        return f"“{name!r}”含有路径分隔符、控制字符或 Windows 不允许的字符"
    if ".." in name or name.startswith(("-", ".", "~", " ")) or name.endswith((" ", ".")):
        return f"“{name}”含有“..”或以特殊字符开头/结尾"
    if len(name.encode("utf-8")) > 200:
        return "文件名过长（超过 200 字节）"
    return None


def parse_file(path: str | os.PathLike[str], *, registry=None, unknown_stations: str = "keep",
               hour_label: str = "end", kind: str | None = None, data: bytes | None = None,
               display_name: str | None = None) -> Parsed:
    """Read and validate one file. Never raises for problems in the file: they are in ``findings``."""
    path = Path(path)
    name = display_name or path.name
    findings = Findings(name)
    parsed = Parsed(None, None, findings)
    problem = check_name(path.name)
    if problem:
        findings.add("bad_file_name", detail=problem)
        return parsed
    try:
        if data is None:
            if path.is_symlink() or (path.exists() and not path.is_file()):
                findings.add("not_regular_file")
                return parsed
            if file_type(path.name) is None:
                findings.add("unknown_file_type", detail=f"“{path.suffix or path.name}”")
                return parsed
            size = path.stat().st_size
            if size > MAX_BYTES:
                findings.add("too_large", detail=f"{size // (1 << 20)} MB")
                return parsed
            data = path.read_bytes()
        sheets = read_file(path, data, findings)
    except Unreadable:
        return parsed
    except OSError as exc:
        raise InputError(f"无法读取文件“{name}”：{exc.strerror or exc} (unreadable_file)") from exc
    options = Options(registry=registry, unknown_stations=unknown_stations, hour_label=hour_label, kind=kind)
    frames: list[pl.DataFrame] = []
    kinds: set[str] = set()
    skipped: list[str | None] = []
    from publisher.ingest import forecast

    for sheet in sheets:
        parsed.encoding = parsed.encoding or sheet.encoding
        header = forecast.header_of(sheet)
        if header is not None:  # an air-quality forecast (area, day, AQI range…), not monitoring data
            got_kind, frame = "forecast", forecast.parse_forecast(sheet, findings, registry, header)
        else:
            got_kind, frame = parse_sheet(sheet, findings, options)
        if got_kind is None:
            skipped.append(sheet.name)
            continue
        kinds.add(got_kind)
        frames.append(frame)
        parsed.sheets.append(sheet.name or "")
    if not frames:
        if not findings.errors:
            if all(s.rows.height == 0 for s in sheets):
                findings.add("empty_file")
            else:
                from publisher.ingest.readers import HEAD_ROWS
                findings.add("no_header", detail=str(HEAD_ROWS))
        return parsed
    for sheet_name in skipped:
        if sheet_name is not None:
            findings.add("skipped_sheet", sheet=sheet_name)
    if len(kinds) > 1:
        findings.add("mixed_kinds")
        return parsed
    parsed.kind = kinds.pop()
    frame = pl.concat(frames, how="vertical")
    if len(frames) > 1:  # the same key in two sheets
        key = {"air": ["station_id", "time"], "intake": ["station_id", "period_start", "unit"],
               "forecast": ["area", "date", "issued"]}.get(parsed.kind, ["station_id", "sampled_at", "item"])
        dup = frame.filter(pl.struct(key).is_duplicated())
        if dup.height:
            for row in dup.head(20).iter_rows(named=True):
                findings.add("duplicate_conflict", sheet=row["source_sheet"], row=row["source_row"],
                             value=row[key[0]], detail="（在多个工作表中）", other=None)
    if parsed.kind == "air" and frame.height:
        if frame.filter(pl.col("pm2_5") > pl.col("pm10")).height:
            bad = frame.filter(pl.col("pm2_5") > pl.col("pm10"))
            first = bad.row(0, named=True)
            finding = findings.add("pm25_gt_pm10", sheet=first["source_sheet"], row=first["source_row"],
                                   detail=f"PM2.5 {first['pm2_5']:g}，PM10 {first['pm10']:g}")
            finding.count = bad.height
    parsed.frame = frame
    return parsed


def _read(paths, kind: str, **kwargs) -> pl.DataFrame:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    frames = []
    for path in paths:
        parsed = parse_file(path, kind=kind, **kwargs)
        if parsed.findings.errors:
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
