"""The measurements as Parquet parts: ``<kind>/year=YYYY/month=MM/ingest-<id>.parquet``, one per ingest and
month, written at ingest and listed in the ledger; reading settles versions (the latest ingest wins)."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable

import polars as pl

from publisher import faults
from publisher.errors import StoreError
from publisher.store import supervisory as _supervisory
from publisher.store.ledger import _now

AIR_VALUE_COLUMNS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
AIR_PART_SCHEMA = {
    "station_id": pl.String, "time": pl.Datetime("us"), **{c: pl.Float64 for c in AIR_VALUE_COLUMNS},
    "platform_aqi": pl.Int64, "platform_primary": pl.String, "not_monitored": pl.String,
    "source_sha256": pl.String, "source_row": pl.Int64, "source_sheet": pl.String, "ingest_id": pl.Int64,
}
WATER_PART_SCHEMA = {
    "station_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String, "value": pl.Float64,
    "below_dl": pl.Boolean, "waterbody_type": pl.String, "raw": pl.String,
    "source_sha256": pl.String, "source_row": pl.Int64, "source_sheet": pl.String, "ingest_id": pl.Int64,
}
#: the actual intake (取水量, 万吨) of a drinking-water source over a month or a quarter, as the supplier reported it
INTAKE_PART_SCHEMA = {
    "station_id": pl.String, "period_start": pl.Datetime("us"), "unit": pl.String, "volume": pl.Float64,
    "raw": pl.String, "source_sha256": pl.String, "source_row": pl.Int64, "source_sheet": pl.String,
    "ingest_id": pl.Int64,
}
#: air-quality forecasts (publisher/ingest/forecast.py): one row per area and forecast day (``date``, 00:00)
FORECAST_PART_SCHEMA = {
    "area": pl.String, "date": pl.Datetime("us"), "issued": pl.Datetime("us"), "aqi_low": pl.Int64,
    "aqi_high": pl.Int64, "level_low": pl.Int64, "level_high": pl.Int64, "primary_pollutant": pl.String,
    "note": pl.String, "source_sha256": pl.String, "source_row": pl.Int64, "source_sheet": pl.String, "ingest_id": pl.Int64,
}
#: noise results (publisher/ingest/noise.py): Ld and Ln of a noise point on a measurement day, dB(A)
NOISE_PART_SCHEMA = {
    "station_id": pl.String, "date": pl.Datetime("us"), "period": pl.String, "ld": pl.Float64, "ln": pl.Float64,
    "lmax_night": pl.Float64, "raw": pl.String, "source_sha256": pl.String, "source_row": pl.Int64,
    "source_sheet": pl.String, "ingest_id": pl.Int64,
}
SCHEMAS = {"air": AIR_PART_SCHEMA, "water": WATER_PART_SCHEMA, "intake": INTAKE_PART_SCHEMA,
           "forecast": FORECAST_PART_SCHEMA, "noise": NOISE_PART_SCHEMA,
           "supervisory": _supervisory.SUPERVISORY_PART_SCHEMA}
#: Parts are read far more often than written: LZ4 decodes a national year of hourly values about
#: twice as fast as zstd (≈0.3 s against 0.65 s on 2 cores) for about 2.3× the bytes (≈300 MB a year).
#: Parts written with another codec stay readable.
PART_COMPRESSION = "lz4"
KEYS = {"air": ["station_id", "time"], "water": ["station_id", "sampled_at", "item"],
        "intake": ["station_id", "period_start", "unit"], "forecast": ["area", "date", "issued"],
        "noise": ["station_id", "date"], "supervisory": _supervisory.KEY}
#: the folder of the station-day files (``publisher/store/days.py``)
DAYS_FOLDER = "air_days"
TIME = {"air": "time", "water": "sampled_at", "intake": "period_start", "forecast": "date", "noise": "date",
        "supervisory": _supervisory.TIME}

_PART_NAME = re.compile(r"^ingest-(\d+)\.parquet$")


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def settle(versions: list[pl.LazyFrame], keys: list[str]) -> pl.LazyFrame:
    """The current rows of one month folder's parts (oldest ingest first): each part loses the keys a
    later part restates."""
    if len(versions) == 1:
        return versions[0]
    current = [versions[-1]]
    for i in range(len(versions) - 2, -1, -1):
        later = pl.concat([v.select(keys) for v in versions[i + 1:]])
        current.append(versions[i].join(later, on=keys, how="anti"))
    return pl.concat(current).sort(keys)


class Parts:
    """The Parquet side of :class:`publisher.store.Store`."""

    root: Path

    # ------------------------------------------------------------------ writing
    def recover(self) -> list[Path]:
        """Remove what a killed ingest left: temporary parts, parts no committed ingest lists, and empty
        partition folders. Returns the removed files. Safe to call at any time (takes the lock)."""
        removed: list[Path] = []
        if not self.root.exists():
            return removed
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock():
            committed: set[str] = set()
            if self.exists():
                conn = sqlite3.connect(self.ledger_path, timeout=60)  # rolls back a hot journal
                try:
                    if self._has_schema(conn):
                        committed = {r[0] for r in conn.execute("SELECT path FROM parts")}
                        with contextlib.suppress(sqlite3.OperationalError):   # a ledger before version 3
                            committed |= {r[0] for r in conn.execute("SELECT path FROM station_days")}
                finally:
                    conn.close()
                # the read above rolled back a hot journal; one still there is a killed writer's journal
                # that never became hot (nothing of it reached the ledger): with the lock held, remove it
                stale = self.ledger_path.with_name(self.ledger_path.name + "-journal")
                if stale.exists():
                    stale.unlink()
                    removed.append(stale)
            for kind in (*SCHEMAS, DAYS_FOLDER):
                base = self.root / kind
                if not base.exists():
                    continue
                for path in sorted(base.rglob("*")):
                    if path.is_file():
                        rel = path.relative_to(self.root).as_posix()
                        if rel not in committed:
                            path.unlink()
                            removed.append(path)
                for path in sorted(base.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                    if path.is_dir() and not any(path.iterdir()):
                        path.rmdir()
                if not any(base.iterdir()):
                    base.rmdir()
        return removed

    def commit_ingest(self, kind: str, frame: pl.DataFrame | pl.LazyFrame, *, sha256: str, name: str, size: int,
                      archive_path: str, encoding: str | None = None, sheets: list[str] | None = None,
                      warnings: list[dict[str, Any]] | None = None,
                      on_commit: Callable[[sqlite3.Connection, int], Any] | None = None) -> dict[str, Any]:
        """Store one accepted file's frame as a new ingest; returns the ingest's ledger row.

        `on_commit(conn, ingest_id)`, when given, writes its own rows (the ingest's alerts) in the
        same transaction: they are committed with the ingest or not at all.

        `frame` is the canonical frame of `kind` with ``source_row`` (and optionally ``source_sheet``),
        in memory or lazy (a large file's batches spilled to Parquet): it is read one month at a time,
        so memory holds one month's part, not the file.
        """
        if kind not in SCHEMAS:
            raise StoreError(f"未知的数据类型 {kind!r} (bad_kind)")
        schema = SCHEMAS[kind]
        time_col = TIME[kind]
        lf = frame.lazy()
        names = lf.collect_schema().names()
        lf = lf.with_columns(
            source_sha256=pl.lit(sha256), ingest_id=pl.lit(0, pl.Int64),
            **{c: pl.lit(None, t) for c, t in schema.items() if c not in names and c != "ingest_id"
               and c != "source_sha256"})
        shift = dt.timedelta(hours=1) if kind == "air" else dt.timedelta(0)
        part_month = pl.col(time_col) - shift
        months = [tuple(r) for r in lf.select(_y=part_month.dt.year(), _m=part_month.dt.month()).unique()
                  .sort("_y", "_m").collect().rows()]
        stats = lf.select(rows=pl.len(), stations=pl.col(KEYS[kind][0]).n_unique(),
                          t_min=pl.col(time_col).min(), t_max=pl.col(time_col).max()).collect().row(0, named=True)
        self.recover()
        with self.connect(write=True) as conn:
            if conn.execute("SELECT 1 FROM files WHERE sha256=?", (sha256,)).fetchone():
                raise StoreError(f"文件 {name} 已经入库 (already_ingested)")
            ingest_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM ingests").fetchone()[0]
            superseded = self._count_superseded(conn, kind, lf, months)
            written: list[tuple[Path, Path, int, int, int]] = []
            try:
                for year, month in months:
                    folder = self.root / kind / f"year={year:04d}" / f"month={month:02d}"
                    folder.mkdir(parents=True, exist_ok=True)
                    final = folder / f"ingest-{ingest_id}.parquet"
                    tmp = folder / f".ingest-{ingest_id}.parquet.tmp"
                    first = dt.datetime(year, month, 1) + shift
                    after = dt.datetime(year + month // 12, month % 12 + 1, 1) + shift
                    # a plain range on the time column: Parquet statistics skip the batches of other months
                    part = (lf.filter((pl.col(time_col) >= first) & (pl.col(time_col) < after))
                            .with_columns(ingest_id=pl.lit(ingest_id, pl.Int64))
                            .select(list(schema)).cast(schema).sort(KEYS[kind]).collect())
                    part.write_parquet(tmp, compression=PART_COMPRESSION, statistics=True)
                    with open(tmp, "rb") as handle:
                        os.fsync(handle.fileno())
                    written.append((tmp, final, int(year), int(month), part.height))
                    del part
                    faults.fault("ingest-part-written")
                faults.fault("ingest-parts-written")
                # the station-days of the months this ingest touched, recorded in the same transaction
                days = self._days_for_ingest(conn, ingest_id, written) if kind == "air" else []
                written += days
                t_min, t_max = stats["t_min"], stats["t_max"]
                conn.execute(
                    "INSERT INTO files (sha256, name, size, kind, encoding, sheets, archive_path, received_at)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (sha256, name, size, kind, encoding, json.dumps(sheets or [], ensure_ascii=False),
                     archive_path, _now()))
                conn.execute(
                    "INSERT INTO ingests (id, sha256, kind, rows, stations, t_min, t_max, superseded, warnings,"
                    " committed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (ingest_id, sha256, kind, stats["rows"], stats["stations"],
                     None if t_min is None else t_min.isoformat(sep=" "),
                     None if t_max is None else t_max.isoformat(sep=" "), superseded,
                     json.dumps(warnings or [], ensure_ascii=False, default=str), _now()))
                for tmp, final, year, month, rows in written[:len(written) - len(days)]:
                    conn.execute("INSERT INTO parts (ingest_id, kind, year, month, path, rows) VALUES (?,?,?,?,?,?)",
                                 (ingest_id, kind, year, month, final.relative_to(self.root).as_posix(), rows))
                spent = self._record_all(conn, ingest_id, days)
                if on_commit is not None:
                    on_commit(conn, ingest_id)
                for tmp, final, *_ in written:
                    os.replace(tmp, final)
                dir_fd = os.open(self.root, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
                faults.fault("ingest-parts-renamed")
            except BaseException:
                for tmp, final, *_ in written:
                    for path in (tmp, final):
                        with contextlib.suppress(FileNotFoundError):
                            path.unlink()
                raise
        faults.fault("ingest-committed")
        for path in spent:   # station-day files the new ones replaced (recover() would remove them too)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return self.ingest(ingest_id)

    def _count_superseded(self, conn: sqlite3.Connection, kind: str, frame: pl.LazyFrame,
                          months: list[tuple[int, int]]) -> int:
        paths = [self.root / r[0] for m in months for r in conn.execute(
            "SELECT path FROM parts WHERE kind=? AND year=? AND month=?", (kind, m[0], m[1]))]
        if not paths:
            return 0
        keys = KEYS[kind]
        old = pl.scan_parquet(paths).select(keys).unique()
        return old.join(frame.select(keys), on=keys, how="semi").select(pl.len()).collect().item()

    # ------------------------------------------------------------------ reading
    def _parts(self, kind: str, months: list[tuple[int, int]] | None) -> list[Path]:
        return [path for group in self._parts_by_month(kind, months).values() for path in group]

    def _parts_by_month(self, kind: str, months: list[tuple[int, int]] | None) -> dict[tuple[int, int], list[Path]]:
        """Committed parts by (year, month) folder, in month order (oldest ingest first in a folder). A key
        lives in one month folder only, so versions only need settling inside a folder that holds more
        than one part."""
        if not self.exists():
            return {}
        with self.connect() as conn:
            rows = conn.execute("SELECT year, month, path FROM parts WHERE kind=? ORDER BY year, month, ingest_id",
                                (kind,)).fetchall()
        wanted = None if months is None else set(months)
        groups: dict[tuple[int, int], list[Path]] = {}
        for year, month, path in rows:
            if wanted is None or (year, month) in wanted:
                groups.setdefault((year, month), []).append(self.root / path)
        return groups

    def scan(self, kind: str, start: dt.datetime | None = None, end: dt.datetime | None = None,
             stations: Iterable[str] | None = None, all_versions: bool = False) -> pl.LazyFrame:
        """A lazy frame of `kind` with ``start <= time <= end`` (datetimes, inclusive): the current values
        (latest ingest wins), or every version with ``all_versions=True``."""
        schema = SCHEMAS[kind]
        time_col = TIME[kind]
        months = None
        if start is not None and end is not None:
            shift = dt.timedelta(hours=1) if kind == "air" else dt.timedelta(0)
            months = _months((start - shift).date(), (end - shift).date())
        by_month = self._parts_by_month(kind, months)
        if not by_month:
            return pl.LazyFrame(schema=schema)
        station_list = None if stations is None else list(stations)

        def inside(year: int, month: int) -> bool:
            """Every time a part of this month folder can hold is within start..end (no time filter)."""
            if start is None or end is None:
                return start is None and end is None
            nxt = dt.datetime(year + month // 12, month % 12 + 1, 1)
            if kind == "air":  # labels whose hour (label - 1 h) starts in the month
                first, last = dt.datetime(year, month, 1, 1), nxt + dt.timedelta(hours=1, microseconds=-1)
            else:
                first, last = dt.datetime(year, month, 1), nxt - dt.timedelta(microseconds=1)
            return start <= first and last <= end

        def narrowed(lf: pl.LazyFrame, whole: bool = False) -> pl.LazyFrame:
            if start is not None and not whole:
                lf = lf.filter(pl.col(time_col) >= start)
            if end is not None and not whole:
                lf = lf.filter(pl.col(time_col) <= end)
            if station_list is not None:
                lf = lf.filter(pl.col("station_id").is_in(station_list))
            return lf

        keys = KEYS[kind]
        frames: list[pl.LazyFrame] = []
        run: list[Path] = []  # consecutive single-part months, scanned together in month order
        run_whole = True      # ... and all inside start..end, or not

        def flush() -> None:
            if run:
                frames.append(narrowed(pl.scan_parquet(list(run), schema=schema), run_whole))
                run.clear()

        for (year, month), group in by_month.items():
            whole = inside(year, month)
            if len(group) == 1 or all_versions:
                if run and whole != run_whole:
                    flush()
                run_whole = whole
                run.extend(group)
                continue
            flush()
            # several ingests touched this month: each part loses the keys a later part restates
            frames.append(settle([narrowed(pl.scan_parquet(p, schema=schema), whole) for p in group], keys))
        flush()
        return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")

    @staticmethod
    def _range(start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str,
               hour_ending: bool) -> tuple[dt.datetime, dt.datetime]:
        def parse(value: Any) -> dt.date | dt.datetime:
            if isinstance(value, str):
                return dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
            return value

        start, end = parse(start), parse(end)
        if not isinstance(start, dt.datetime):
            start = dt.datetime.combine(start, dt.time()) + (dt.timedelta(hours=1) if hour_ending else dt.timedelta(0))
        if not isinstance(end, dt.datetime):
            end = dt.datetime.combine(end, dt.time()) + (dt.timedelta(days=1) if hour_ending else
                                                         dt.timedelta(days=1, microseconds=-1))
        return start, end

    def air_scan(self, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str,
                 stations: Iterable[str] | None = None,
                 columns: Iterable[str] = ("station_id", "time", *AIR_VALUE_COLUMNS, "not_monitored")) -> pl.LazyFrame:
        """The current hourly air values of days `start`..`end` as a lazy frame of `columns` (default: the
        canonical frame without provenance), for evaluations that read only what they use: only the
        month folders of the range are opened, and :func:`publisher.evaluate.air.daily_values` streams it."""
        lo, hi = self._range(start, end, hour_ending=True)
        return self.scan("air", lo, hi, stations).select(list(columns))

    def air_hourly(self, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str,
                   stations: Iterable[str] | None = None, *, all_versions: bool = False,
                   sort: bool = False) -> pl.DataFrame:
        """Hourly air values, the canonical frame plus ``source_sha256, source_row, ingest_id``.

        With dates, the hours of days `start`..`end` (inclusive): hours ending ``start 01:00`` through
        ``end+1 00:00``. With datetimes, hour-end labels ``start <= time <= end``.

        Rows come ordered by (station_id, time) within each month; ``sort=True`` orders them across
        months too (a national year then takes seconds longer).
        """
        lo, hi = self._range(start, end, hour_ending=True)
        cols = ["station_id", "time", *AIR_VALUE_COLUMNS, "platform_aqi", "platform_primary", "not_monitored",
                "source_sha256", "source_row", "ingest_id"]
        lf = self.scan("air", lo, hi, stations, all_versions).select(cols)
        if sort or all_versions:
            lf = lf.sort("station_id", "time", "ingest_id")
        return lf.collect()

    def forecasts(self, start: dt.date | str, end: dt.date | str, issued_by: dt.date | str | None = None) -> pl.DataFrame:
        """The air-quality forecasts of the days `start`..`end`: for each area and day the one issued last
        (on or before `issued_by` when given), as its latest ingest stated it; with ``source_sha256,
        source_row, ingest_id``."""
        lo, hi = self._range(start, end, hour_ending=False)
        lf = self.scan("forecast", lo, hi)
        if issued_by is not None:
            by = issued_by if isinstance(issued_by, dt.date) else dt.date.fromisoformat(str(issued_by))
            lf = lf.filter(pl.col("issued") <= dt.datetime.combine(by, dt.time()))
        return (lf.sort("area", "date", "issued").group_by("area", "date", maintain_order=True).last()
                .sort("area", "date").collect())

    def water_samples(self, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str,
                      station_ids: Iterable[str] | None = None, items: Iterable[str] | None = None, *,
                      all_versions: bool = False) -> pl.DataFrame:
        """Water values sampled in `start`..`end` (dates inclusive), the canonical long frame plus
        ``raw`` (the cell as written), ``source_sha256, source_row, ingest_id``."""
        lo, hi = self._range(start, end, hour_ending=False)
        lf = self.scan("water", lo, hi, station_ids, all_versions)
        if items is not None:
            lf = lf.filter(pl.col("item").is_in(list(items)))
        cols = ["station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type", "raw",
                "source_sha256", "source_row", "ingest_id"]
        return lf.select(cols).sort("station_id", "sampled_at", "item", "ingest_id").collect()

    def intake(self, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str,
               station_ids: Iterable[str] | None = None, *, all_versions: bool = False) -> pl.DataFrame:
        """The intake volumes (取水量, 万吨) the water suppliers reported for months and quarters that start in
        `start`..`end` (dates inclusive): ``station_id, period_start, unit`` (``month | quarter``), ``volume``,
        ``raw`` and the provenance columns; the latest ingest's value of a (source, period) is current."""
        lo, hi = self._range(start, end, hour_ending=False)
        cols = list(INTAKE_PART_SCHEMA)
        return self.scan("intake", lo, hi, station_ids, all_versions).select(cols) \
            .sort("station_id", "period_start", "unit", "ingest_id").collect()

    def noise(self, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str,
              station_ids: Iterable[str] | None = None, *, all_versions: bool = False) -> pl.DataFrame:
        """The noise results measured in `start`..`end` (dates inclusive): ``station_id, date, period, ld, ln,
        lmax_night`` (dB(A)), ``raw`` and the provenance columns; the latest ingest's result of a (point, day) is
        current."""
        lo, hi = self._range(start, end, hour_ending=False)
        return self.scan("noise", lo, hi, station_ids, all_versions).select(list(NOISE_PART_SCHEMA)) \
            .sort("station_id", "date", "ingest_id").collect()

    def supervisory(self, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str, *,
                    all_versions: bool = False) -> pl.DataFrame:
        """Supervisory-monitoring results of key polluting units' outlets sampled in `start`..`end`
        (:mod:`publisher.store.supervisory`)."""
        return _supervisory.results(self, start, end, all_versions=all_versions)

    def sources_for(self, kind: str, station_id: str | None = None, start: Any = None, end: Any = None,
                    item: str | None = None) -> pl.DataFrame:
        """Provenance: every stored version of the matching values, with the file each came from
        (name, sha256, archive path), its row and sheet, the ingest and whether it is current."""
        if start is not None and end is not None:
            lo, hi = self._range(start, end, hour_ending=(kind == "air"))
        else:
            lo = hi = None
        lf = self.scan(kind, lo, hi, [station_id] if station_id else None, all_versions=True)
        if item is not None and kind == "water":
            lf = lf.filter(pl.col("item") == item)
        frame = lf.with_columns(current=pl.col("ingest_id") == pl.col("ingest_id").max().over(KEYS[kind])).collect()
        files = self.ingests().select(pl.col("id").alias("ingest_id"), "committed_at")
        names = self.files().select(pl.col("sha256").alias("source_sha256"), pl.col("name").alias("source_name"),
                                    "archive_path")
        return (frame.join(files, on="ingest_id", how="left").join(names, on="source_sha256", how="left")
                .sort([*KEYS[kind], "ingest_id"]))


    def latest_times(self, kind: str) -> pl.DataFrame:
        """``station_id, latest`` — the newest time stored per station (from the parts' data)."""
        paths = self._parts(kind, None)
        col = TIME[kind]
        if not paths:
            return pl.DataFrame(schema={"station_id": pl.String, "latest": pl.Datetime("us")})
        return (pl.scan_parquet(paths).group_by("station_id").agg(pl.col(col).max().alias("latest"))
                .sort("station_id").collect())

