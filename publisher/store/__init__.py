"""The store: measurements as Parquet, and a SQLite ledger of files, ingests and bulletins.

Layout (``<home>/store/``)::

    ledger.sqlite                       files, ingests, parts, bulletins, approvals, publications, events
    air/year=YYYY/month=MM/ingest-<id>.parquet
    water/year=YYYY/month=MM/ingest-<id>.parquet
    intake/year=YYYY/month=MM/ingest-<id>.parquet   (water suppliers' 取水量 per source and month or quarter)
    forecast/year=YYYY/month=MM/ingest-<id>.parquet   (air-quality forecasts, by forecast day)
    noise/year=YYYY/month=MM/ingest-<id>.parquet   (noise points' Ld/Ln results, by measurement day)
    supervisory/year=YYYY/month=MM/ingest-<id>.parquet   (key polluting units' outlet results, store/supervisory.py)

Air parts are partitioned by the month of the hour's *start* (the hour ending 2026-04-01 00:00 belongs to
31 March and lives in March), water parts by the month of ``sampled_at``: a month's bulletin reads only
that month's folder.

Atomicity: an ingest writes its parts under temporary names, renames them, and records them in one SQLite
transaction (files + ingests + parts). Readers only read parts listed in the ledger, so a killed ingest
leaves what readers see unchanged; ``recover()`` (run before every write) removes its leftovers, which
makes the folder byte-for-byte what it was.

Versions: every ingest is kept. The current value of (station, time) for air and (station, sampled_at,
item) for water is the one of the latest ingest; ``all_versions=True`` and ``sources_for`` show the rest,
each with ``source_sha256``, ``source_row`` and ``ingest_id``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

import polars as pl

from publisher.publishing import integrity
from publisher.errors import StoreError
from publisher.paths import Workspace, workspace as default_workspace
from publisher.periods import months_between
from publisher.vocabulary import air as vocabulary_air

AIR_VALUE_COLUMNS = vocabulary_air.POLLUTANTS
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
from publisher.store import supervisory as _supervisory  # noqa: E402 - the supervisory results table

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
TIME = {"air": "time", "water": "sampled_at", "intake": "period_start", "forecast": "date", "noise": "date",
        "supervisory": _supervisory.TIME}

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS files (
    sha256        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,          -- the name it was dropped with
    size          INTEGER NOT NULL,
    kind          TEXT NOT NULL,          -- air | water | intake | forecast | noise | supervisory
    encoding      TEXT,
    sheets        TEXT,                   -- JSON list of the sheets read
    archive_path  TEXT NOT NULL,          -- relative to the workspace
    received_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ingests (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL REFERENCES files(sha256),
    kind          TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    stations      INTEGER NOT NULL,
    t_min         TEXT,
    t_max         TEXT,
    superseded    INTEGER NOT NULL DEFAULT 0,   -- earlier current values this ingest replaced
    warnings      TEXT NOT NULL DEFAULT '[]',   -- JSON list, one entry per warning code: count, examples
    committed_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS parts (
    ingest_id     INTEGER NOT NULL REFERENCES ingests(id),
    kind          TEXT NOT NULL,
    year          INTEGER NOT NULL,
    month         INTEGER NOT NULL,
    path          TEXT NOT NULL,          -- relative to the store folder
    rows          INTEGER NOT NULL,
    PRIMARY KEY (ingest_id, path)
);
CREATE INDEX IF NOT EXISTS parts_by_month ON parts(kind, year, month);
CREATE TABLE IF NOT EXISTS bulletins (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    period           TEXT NOT NULL,
    area             TEXT,
    revision         INTEGER NOT NULL,
    built_at         TEXT NOT NULL,
    output_dir       TEXT NOT NULL,      -- relative to the output root: <kind>/<period>[/<area>]
    manifest_sha256  TEXT NOT NULL,
    inputs           TEXT,              -- JSON: ingest ids / source files used
    UNIQUE (kind, period, area, revision)
);
CREATE TABLE IF NOT EXISTS approvals (
    id            INTEGER PRIMARY KEY,
    bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id),
    approved_by   TEXT NOT NULL,
    role          TEXT,
    decision      TEXT NOT NULL DEFAULT 'approved',   -- approved | rejected
    note          TEXT,
    at            TEXT NOT NULL,
    via           TEXT,                 -- cli (publisher approve) | api (a program's call)
    os_user       TEXT,                 -- the operating-system account of a CLI decision
    os_uid        INTEGER
);
CREATE TABLE IF NOT EXISTS publications (
    id            INTEGER PRIMARY KEY,
    bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id),
    target        TEXT NOT NULL,
    status        TEXT NOT NULL,
    url           TEXT,
    detail        TEXT,
    at            TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    subject       TEXT,
    detail        TEXT                -- JSON
);
"""

#: The ledger's schema version, kept in SQLite's ``user_version``. A ledger of an older version is
#: brought up to date by :data:`MIGRATIONS` (version -> function) in one transaction when it is opened.
#: 1: the first schema. 2: ``bulletins.output_dir`` relative to the output root; ``approvals.via``,
#: ``os_user`` and ``os_uid``.
SCHEMA_VERSION = 2


def _migrate_2(conn: sqlite3.Connection) -> None:
    have = {r[1] for r in conn.execute("PRAGMA table_info(approvals)")}
    for column, kind in (("via", "TEXT"), ("os_user", "TEXT"), ("os_uid", "INTEGER")):
        if column not in have:
            conn.execute(f"ALTER TABLE approvals ADD COLUMN {column} {kind}")
    # the folder of a bulletin is always output/<kind>/<period>[/<area>]: whatever root it was under
    conn.execute("UPDATE bulletins SET output_dir = kind || '/' || period || COALESCE('/' || area, '')"
                 " WHERE substr(output_dir, 1, 1) = '/'")


MIGRATIONS = {2: _migrate_2}

_PART_NAME = re.compile(r"^ingest-(\d+)\.parquet$")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class Store:
    """One workspace's store. Cheap to construct; nothing is created until the first write."""

    def __init__(self, ws: Workspace | str | os.PathLike[str] | None = None):
        if ws is None or not isinstance(ws, Workspace):
            ws = default_workspace(ws)
        self.workspace = ws
        self.root = ws.store
        self.ledger_path = self.root / "ledger.sqlite"
        self._up_to_date = False

    # ------------------------------------------------------------------ connections
    def exists(self) -> bool:
        return self.ledger_path.exists()

    @contextlib.contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection to the ledger. ``write=True`` creates the store and takes the store lock;
        the transaction commits when the block ends without error."""
        if not write and not self.exists():
            raise StoreError(f"尚无数据仓库 {self.root}（先运行 publisher ingest） (no_store)")
        try:
            if write:
                self.root.mkdir(parents=True, exist_ok=True)
                with self._lock():
                    conn = sqlite3.connect(self.ledger_path, timeout=60, isolation_level=None)
                    try:
                        conn.row_factory = sqlite3.Row
                        if not self._has_schema(conn):
                            conn.executescript(SCHEMA_SQL)
                            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                        else:
                            self._migrate(conn)
                        conn.execute("BEGIN IMMEDIATE")
                        yield conn
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    finally:
                        conn.close()
            else:
                self._bring_up_to_date()
                conn = sqlite3.connect(f"file:{self.ledger_path}?mode=ro", uri=True, timeout=60)
                try:
                    conn.row_factory = sqlite3.Row
                    yield conn
                finally:
                    conn.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"数据仓库台账 {self.ledger_path} 无法读写：{exc} (ledger_error)") from exc

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the ledger to :data:`SCHEMA_VERSION` (the store lock is held), in one transaction."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"数据仓库台账 {self.ledger_path} 的版本 {version} 高于本程序支持的 {SCHEMA_VERSION}，"
                             f"请升级 publisher (ledger_too_new)")
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            for target in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target](conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                         (_now(), "ledger.migrated", None, json.dumps({"from": version, "to": SCHEMA_VERSION})))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _bring_up_to_date(self) -> None:
        """Before a read: migrate a ledger of an older version when it can be written (else read it as it is)."""
        if self._up_to_date:
            return
        conn = sqlite3.connect(f"file:{self.ledger_path}?mode=ro", uri=True, timeout=60)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            current = version >= SCHEMA_VERSION or not self._has_schema(conn)
        finally:
            conn.close()
        if not current and os.access(self.ledger_path, os.W_OK) and os.access(self.root, os.W_OK):
            with self.connect(write=True):
                pass
        self._up_to_date = True

    @staticmethod
    def _has_schema(conn: sqlite3.Connection) -> bool:
        found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {"files", "ingests", "parts", "bulletins", "approvals", "publications", "events"} <= found

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One writer at a time (across processes)."""
        with open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        if not self.exists():
            return []
        with self.connect() as conn:
            return [dict(r) for r in conn.execute(sql, tuple(params))]

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
                finally:
                    conn.close()
            for kind in SCHEMAS:
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
                      warnings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Store one accepted file's frame as a new ingest; returns the ingest's ledger row.

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
                for tmp, final, year, month, rows in written:
                    conn.execute("INSERT INTO parts (ingest_id, kind, year, month, path, rows) VALUES (?,?,?,?,?,?)",
                                 (ingest_id, kind, year, month, final.relative_to(self.root).as_posix(), rows))
                for tmp, final, *_ in written:
                    os.replace(tmp, final)
                dir_fd = os.open(self.root, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            except BaseException:
                for tmp, final, *_ in written:
                    for path in (tmp, final):
                        with contextlib.suppress(FileNotFoundError):
                            path.unlink()
                raise
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
            months = months_between((start - shift).date(), (end - shift).date())
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
            versions = [narrowed(pl.scan_parquet(p, schema=schema), whole) for p in group]
            current = [versions[-1]]
            for i in range(len(versions) - 2, -1, -1):
                later = pl.concat([v.select(keys) for v in versions[i + 1:]])
                current.append(versions[i].join(later, on=keys, how="anti"))
            frames.append(pl.concat(current).sort(keys))
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

    # ------------------------------------------------------------------ ledger accessors
    def files(self) -> pl.DataFrame:
        rows = self._rows("SELECT * FROM files ORDER BY received_at, sha256")
        return pl.DataFrame(rows, schema={"sha256": pl.String, "name": pl.String, "size": pl.Int64,
                                          "kind": pl.String, "encoding": pl.String, "sheets": pl.String,
                                          "archive_path": pl.String, "received_at": pl.String})

    def file(self, sha256: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM files WHERE sha256=?", (sha256,))
        return rows[0] if rows else None

    def ingests(self) -> pl.DataFrame:
        rows = self._rows("SELECT * FROM ingests ORDER BY id")
        return pl.DataFrame(rows, schema={"id": pl.Int64, "sha256": pl.String, "kind": pl.String, "rows": pl.Int64,
                                          "stations": pl.Int64, "t_min": pl.String, "t_max": pl.String,
                                          "superseded": pl.Int64, "warnings": pl.String,
                                          "committed_at": pl.String})

    def ingest(self, ingest_id: int) -> dict[str, Any]:
        rows = self._rows("SELECT * FROM ingests WHERE id=?", (ingest_id,))
        if not rows:
            raise StoreError(f"没有编号为 {ingest_id} 的入库记录 (no_ingest)")
        return rows[0]

    def state_key(self) -> str:
        """A hash of what the store holds: every file, ingest and part the ledger records. Stored
        values change only through a recorded ingest, so an equal key means equal data to read."""
        digest = hashlib.sha256()
        if self.exists():
            with self.connect() as conn:
                for sql in ("SELECT sha256, name, size, kind, encoding, sheets, archive_path FROM files ORDER BY sha256",
                            "SELECT id, sha256, kind, rows, stations, t_min, t_max, superseded, warnings "
                            "FROM ingests ORDER BY id",
                            "SELECT ingest_id, kind, year, month, path, rows FROM parts ORDER BY ingest_id, path"):
                    digest.update(sql.encode())
                    for row in conn.execute(sql):
                        digest.update(json.dumps(tuple(row), ensure_ascii=False).encode() + b"\n")
        return digest.hexdigest()

    def latest_times(self, kind: str) -> pl.DataFrame:
        """``station_id, latest`` — the newest time stored per station (from the parts' data)."""
        paths = self._parts(kind, None)
        col = TIME[kind]
        if not paths:
            return pl.DataFrame(schema={"station_id": pl.String, "latest": pl.Datetime("us")})
        return (pl.scan_parquet(paths).group_by("station_id").agg(pl.col(col).max().alias("latest"))
                .sort("station_id").collect())

    def output_relative(self, folder: str | os.PathLike[str]) -> str:
        """A bulletin folder as the ledger records it: relative to the workspace's output root."""
        path = Path(folder)
        if not path.is_absolute() and not self.workspace.output.is_absolute():
            with contextlib.suppress(ValueError):   # a workspace given by a relative path
                path = path.relative_to(self.workspace.output)
        if path.is_absolute():
            for root, candidate in ((self.workspace.output, path), (self.workspace.output.resolve(), path.resolve())):
                with contextlib.suppress(ValueError):
                    path = candidate.relative_to(root)
                    break
            else:
                raise StoreError(f"公报文件夹 {folder} 不在输出目录 {self.workspace.output} 之下 (output_outside)")
        rel = path.as_posix()
        if not integrity.safe_relpath(rel):
            raise StoreError(f"公报文件夹 {folder!s} 不是输出目录下的合法路径 (bad_output_path)")
        return rel

    @staticmethod
    def _output_rel(row: dict[str, Any]) -> str:
        """The recorded folder of a bulletin row relative to the output root (an absolute path left by a
        ledger not yet migrated, or an unsafe one, gives the layout's own <kind>/<period>[/<area>])."""
        rel = row.get("output_dir") or ""
        if rel.startswith("/") or not integrity.safe_relpath(rel):
            rel = f"{row['kind']}/{row['period']}" + (f"/{row['area']}" if row.get("area") else "")
        return rel

    def output_folder(self, row: dict[str, Any]) -> Path:
        """Where the files of a recorded bulletin are now: the workspace's output root (``--home``,
        ``$PUBLISHER_OUTPUT``) joined with the recorded relative folder."""
        return self.workspace.output / self._output_rel(row)

    def _bulletin_rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        rows = self._rows(sql, params)
        for row in rows:
            row["output_rel"] = self._output_rel(row)
            row["output_dir"] = str(self.output_folder(row))
        return rows

    def record_bulletin(self, kind: str, period: str, output_dir: str | os.PathLike[str], manifest_sha256: str,
                        area: str | None = None, inputs: Any = None) -> dict[str, Any]:
        """Record a built bulletin; its revision is one more than the last of the same kind/period/area.
        `output_dir` is the folder under the output root (absolute, or relative to that root); the
        ledger keeps it relative, and rows give it back under the current root."""
        rel = self.output_relative(output_dir)
        with self.connect(write=True) as conn:
            bulletin_id = self._insert_bulletin(conn, kind, period, area, rel, manifest_sha256, inputs)
        return self._bulletin_rows("SELECT * FROM bulletins WHERE id=?", (bulletin_id,))[0]

    def record_build(self, kind: str, period: str, area: str | None, output_dir: str | os.PathLike[str],
                     manifest_sha256: str, inputs: Any = None) -> tuple[dict[str, Any], bool]:
        """Record a build in one transaction: a new revision when `manifest_sha256` differs from the
        latest revision's, else nothing new. Returns (the latest revision's row, whether it is new)."""
        rel = self.output_relative(output_dir)
        with self.connect(write=True) as conn:
            last = conn.execute("SELECT id, manifest_sha256, output_dir FROM bulletins WHERE kind=? AND period=?"
                                " AND area IS ? ORDER BY revision DESC LIMIT 1", (kind, period, area)).fetchone()
            if last is not None and last["manifest_sha256"] == manifest_sha256:
                bulletin_id, changed = last["id"], False
                if last["output_dir"] != rel:
                    conn.execute("UPDATE bulletins SET output_dir=? WHERE id=?", (rel, bulletin_id))
            else:
                bulletin_id = self._insert_bulletin(conn, kind, period, area, rel, manifest_sha256, inputs)
                changed = True
        return self._bulletin_rows("SELECT * FROM bulletins WHERE id=?", (bulletin_id,))[0], changed

    @staticmethod
    def _insert_bulletin(conn: sqlite3.Connection, kind: str, period: str, area: str | None, rel: str,
                         manifest_sha256: str, inputs: Any) -> int:
        revision = conn.execute(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM bulletins WHERE kind=? AND period=? AND area IS ?",
            (kind, period, area)).fetchone()[0]
        return conn.execute(
            "INSERT INTO bulletins (kind, period, area, revision, built_at, output_dir, manifest_sha256, inputs)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (kind, period, area, revision, _now(), rel, manifest_sha256,
             None if inputs is None else json.dumps(inputs, ensure_ascii=False, default=str))).lastrowid

    def bulletins(self, kind: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """The recorded revisions; ``output_dir`` is where the files are now (under the current output
        root), ``output_rel`` the folder as recorded, relative to that root."""
        sql, params = "SELECT * FROM bulletins WHERE 1=1", []
        if kind:
            sql, params = sql + " AND kind=?", params + [kind]
        if period:
            sql, params = sql + " AND period=?", params + [period]
        return self._bulletin_rows(sql + " ORDER BY kind, period, area, revision", params)

    def record_approval(self, bulletin_id: int, approved_by: str, decision: str = "approved",
                        role: str | None = None, note: str | None = None, *, via: str | None = None,
                        os_user: str | None = None, os_uid: int | None = None) -> int:
        """Record a decision; `via` says how it was given (``cli``), `os_user`/`os_uid` the account."""
        with self.connect(write=True) as conn:
            return conn.execute("INSERT INTO approvals (bulletin_id, approved_by, role, decision, note, at, via,"
                                " os_user, os_uid) VALUES (?,?,?,?,?,?,?,?,?)",
                                (bulletin_id, approved_by, role, decision, note, _now(), via, os_user,
                                 os_uid)).lastrowid

    def approvals(self, bulletin_id: int | None = None) -> list[dict[str, Any]]:
        if bulletin_id is None:
            return self._rows("SELECT * FROM approvals ORDER BY id")
        return self._rows("SELECT * FROM approvals WHERE bulletin_id=? ORDER BY id", (bulletin_id,))

    def record_publication(self, bulletin_id: int, target: str, status: str, url: str | None = None,
                           detail: Any = None) -> int:
        with self.connect(write=True) as conn:
            return conn.execute("INSERT INTO publications (bulletin_id, target, status, url, detail, at)"
                                " VALUES (?,?,?,?,?,?)",
                                (bulletin_id, target, status, url,
                                 None if detail is None else json.dumps(detail, ensure_ascii=False, default=str),
                                 _now())).lastrowid

    def publications(self, bulletin_id: int | None = None) -> list[dict[str, Any]]:
        if bulletin_id is None:
            return self._rows("SELECT * FROM publications ORDER BY id")
        return self._rows("SELECT * FROM publications WHERE bulletin_id=? ORDER BY id", (bulletin_id,))

    def record_event(self, kind: str, subject: str | None = None, detail: Any = None) -> int:
        with self.connect(write=True) as conn:
            return conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                                (_now(), kind, subject,
                                 None if detail is None else json.dumps(detail, ensure_ascii=False,
                                                                        default=str))).lastrowid

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if kind is None:
            return self._rows("SELECT * FROM events ORDER BY id")
        return self._rows("SELECT * FROM events WHERE kind=? ORDER BY id", (kind,))
