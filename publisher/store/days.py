"""Station-day files: per month, the aggregates and daily values of every station-day of the hourly air
(:mod:`publisher.evaluate.air.station_days`), ``air_days/year=YYYY/month=MM/days-<ingest>[-r<n>].parquet``.

A month's file is replaced in the transaction of each ingest that stores hours of that month: the
station-days the ingest touched are computed again from the current hours (the latest ingest's value
of each hour), the others are kept. The ledger's ``station_days`` table lists the one current file per
month with the key of the rules its daily values follow (:func:`station_days.rules_key`). Reading a
month whose file is missing (a ledger that cannot be migrated) or was made under other rules gives the
same rows, computed from the hours or evaluated again from the aggregates.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable

import polars as pl

from publisher.evaluate.air import station_days as sd
from publisher.store.parts import AIR_PART_SCHEMA, DAYS_FOLDER, KEYS, PART_COMPRESSION, _months, settle

_HOURLY = ["station_id", "time", "so2", "no2", "co", "o3", "pm10", "pm2_5", "not_monitored"]


def _date_of(time: pl.Expr) -> pl.Expr:
    """The natural day an hour-END label belongs to (the hour ending D+1 00:00 is D's)."""
    return (time - pl.duration(hours=1)).dt.date()


#: the last station-day reads of this process (key: :meth:`StationDays._read_key`): the air bulletins of a
#: province's month read the same months of the same stations one after another
_READ: dict[tuple, pl.DataFrame] = {}
_KEEP_READS = 4
_KEEP_ROWS = 200_000   # a national year (657,000 station-days) is not kept


class StationDays:
    """The station-day side of :class:`publisher.store.Store`."""

    root: Path

    # ------------------------------------------------------------------ writing
    def _month_parts(self, conn: sqlite3.Connection, year: int, month: int, before: int | None = None) -> list[Path]:
        """The committed air parts of a month folder, oldest ingest first (those of ingests before `before`)."""
        return [self.root / r[0] for r in conn.execute(
            "SELECT path FROM parts WHERE kind='air' AND year=? AND month=? AND ingest_id < ? ORDER BY ingest_id",
            (year, month, 2 ** 62 if before is None else before))]

    def _hours(self, paths: list[Path]) -> pl.LazyFrame:
        return settle([pl.scan_parquet(p, schema=AIR_PART_SCHEMA) for p in paths], KEYS["air"]).select(_HOURLY)

    def _write_days(self, frame: pl.DataFrame, year: int, month: int, name: str) -> tuple[Path, Path]:
        folder = self.root / DAYS_FOLDER / f"year={year:04d}" / f"month={month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        final, tmp = folder / f"{name}.parquet", folder / f".{name}.parquet.tmp"
        frame.write_parquet(tmp, compression=PART_COMPRESSION, statistics=True)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        return tmp, final

    def _record_days(self, conn: sqlite3.Connection, year: int, month: int, final: Path, rows: int,
                     ingest_id: int) -> Path | None:
        """List `final` as the month's station-day file; returns the file it replaces."""
        old = conn.execute("SELECT path FROM station_days WHERE kind='air' AND year=? AND month=?",
                           (year, month)).fetchone()
        conn.execute("INSERT OR REPLACE INTO station_days (kind, year, month, path, rows, rules, ingest_id)"
                     " VALUES ('air',?,?,?,?,?,?)",
                     (year, month, final.relative_to(self.root).as_posix(), rows, sd.rules_key(), ingest_id))
        return None if old is None else self.root / old[0]

    def _days_for_ingest(self, conn: sqlite3.Connection, ingest_id: int,
                         written: list[tuple[Path, Path, int, int, int]]) -> list[tuple[Path, Path, int, int, int]]:
        """The station-day files of the months of an ingest's new parts (still under their temporary
        names), written under temporary names before the ledger is changed (so the transaction's journal
        lives for milliseconds): (temporary, final, year, month, rows) for :meth:`_record_all`."""
        out = []
        for tmp_part, _final, year, month, _rows in written:
            paths = self._month_parts(conn, year, month, before=ingest_id) + [tmp_part]
            old = conn.execute("SELECT path, rules FROM station_days WHERE kind='air' AND year=? AND month=?",
                               (year, month)).fetchone()
            old_path = None if old is None else self.root / old[0]
            if old_path is not None and old[1] == sd.rules_key() and old_path.exists():
                # only the station-days this ingest has hours of change
                touched = (pl.scan_parquet(tmp_part).select("station_id", _date_of(pl.col("time")).alias("date"))
                           .unique().collect())
                hours = (self._hours(paths)
                         .filter(pl.col("station_id").is_in(touched.get_column("station_id").unique().implode()))
                         .with_columns(_date_of(pl.col("time")).alias("_d"))
                         .join(touched.lazy().rename({"date": "_d"}), on=["station_id", "_d"], how="semi").drop("_d"))
                fresh = sd.station_days(hours)
                kept = pl.read_parquet(old_path).join(touched, on=sd.KEYS, how="anti")
                frame = sd.sort(pl.concat([kept, fresh.select(kept.columns)]))
            else:
                frame = sd.station_days(self._hours(paths))
            tmp, final = self._write_days(frame, year, month, f"days-{ingest_id}")
            out.append((tmp, final, year, month, frame.height))
        return out

    def _record_all(self, conn: sqlite3.Connection, ingest_id: int,
                    files: list[tuple[Path, Path, int, int, int]]) -> list[Path]:
        """List new station-day files in the ledger (`conn`'s transaction); returns the files they replace."""
        spent = []
        for _tmp, final, year, month, rows in files:
            replaced = self._record_days(conn, year, month, final, rows, ingest_id)
            if replaced is not None and replaced != final:
                spent.append(replaced)
        return spent

    def rebuild_station_days(self, *, stale_only: bool = False) -> int:
        """Compute the station-day file of every month that has hours again from the hours (with
        `stale_only`, only the months whose file is missing or was made under other rules), in one
        transaction. Returns the number of months written."""
        with self.connect(write=True) as conn:
            files = self._rebuild_files(conn, stale_only)
            spent = self._record_all_latest(conn, files)
            for tmp, final, *_ in files:
                os.replace(tmp, final)
        for path in spent:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return len(files)

    def _rebuild_files(self, conn: sqlite3.Connection, stale_only: bool = False) -> list[Any]:
        """Station-day files of the months with hours (under temporary names; nothing recorded yet):
        (temporary, final, year, month, rows, latest ingest)."""
        months = conn.execute("SELECT year, month, MAX(ingest_id) FROM parts WHERE kind='air'"
                              " GROUP BY year, month ORDER BY year, month").fetchall()
        have: dict[tuple[int, int], str] = {}
        with contextlib.suppress(sqlite3.OperationalError):   # no table yet: the migration that makes it
            have = {(r[0], r[1]): r[2] for r in conn.execute("SELECT year, month, rules FROM station_days")}
        out = []
        for year, month, latest in months:
            if stale_only and have.get((year, month)) == sd.rules_key():
                continue
            frame = sd.station_days(self._hours(self._month_parts(conn, year, month)))
            tmp, final = self._write_days(frame, year, month, f"days-{latest}-r{sd.rules_key()[:8]}")
            out.append((tmp, final, year, month, frame.height, latest))
        return out

    def _record_all_latest(self, conn: sqlite3.Connection, files: list[Any]) -> list[Path]:
        spent = []
        for tmp, final, year, month, rows, latest in files:
            spent += self._record_all(conn, latest, [(tmp, final, year, month, rows)])
        return spent

    # ------------------------------------------------------------------ reading
    def station_day_files(self) -> list[Path]:
        """The current station-day file of every month, oldest month first: what another engine (DuckDB,
        Spark) reads, with ``year`` and ``month`` from the hive-style folders (``docs/performance.md``)."""
        if not self.exists():
            return []
        with self.connect() as conn, contextlib.suppress(sqlite3.OperationalError):
            return [self.root / r[0] for r in conn.execute(
                "SELECT path FROM station_days WHERE kind='air' ORDER BY year, month")]
        return []

    def air_days(self, start: dt.date | str, end: dt.date | str, stations: Iterable[str] | None = None, *,
                 columns: Iterable[str] | None = None, mark_absent: bool = False) -> pl.DataFrame:
        """The station-days of the natural days `start`..`end` (inclusive), ordered by station and date:
        aggregates and daily values (:mod:`publisher.evaluate.air.station_days`); the daily columns equal
        ``daily_values`` of the current hours of those days. ``mark_absent=True`` takes a pollutant a
        station has no valid hour of in the whole range as not monitored (``mark_not_monitored``).
        `columns` (with ``station_id, date``) selects what comes back."""
        for attempt in range(3):
            try:
                return self._air_days(start, end, stations, columns=columns, mark_absent=mark_absent)
            except FileNotFoundError:
                # an ingest replaced a month's file between the listing and the read: list again
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _air_days(self, start: dt.date | str, end: dt.date | str, stations: Iterable[str] | None, *,
                  columns: Iterable[str] | None, mark_absent: bool) -> pl.DataFrame:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        last = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
        months = _months(first, last)
        listed: dict[tuple[int, int], tuple[str, str]] = {}
        parts: set[tuple[int, int]] = set()
        hour_paths: dict[tuple[int, int], list[Path]] = {}
        if self.exists():
            with self.connect() as conn:
                with contextlib.suppress(sqlite3.OperationalError):   # a ledger before version 3, read-only
                    listed = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(
                        "SELECT year, month, path, rules FROM station_days WHERE kind='air'")}
                parts = {(r[0], r[1]) for r in conn.execute("SELECT DISTINCT year, month FROM parts WHERE kind='air'")}
                hour_paths = {m: self._month_parts(conn, *m) for m in months if m in parts and m not in listed}
        station_list = None if stations is None else list(stations)
        wanted = None if columns is None else list(dict.fromkeys(["station_id", "date", *columns]))
        key = self._read_key(first, last, months, listed, parts, hour_paths, station_list, wanted,
                             mark_absent)
        found = _READ.get(key)
        if found is not None:
            return found
        out = self._read_days(first, last, months, listed, parts, hour_paths, station_list, wanted,
                              mark_absent)
        if out.height <= _KEEP_ROWS:
            while len(_READ) >= _KEEP_READS:
                _READ.pop(next(iter(_READ)))
            _READ[key] = out
        return out

    def _read_key(self, first: dt.date, last: dt.date, months: list[tuple[int, int]], listed: dict, parts: set,
                  hour_paths: dict, station_list: list[str] | None, wanted: list[str] | None,
                  mark_absent: bool) -> tuple:
        """What a read depends on: the files it reads (each month's station-day file, or the hour parts of
        a month without one: every file is written once under a new name, and its size and time are
        taken too), the days, stations and columns asked for, and the rules the daily values follow."""
        sources: list[tuple] = []
        for month in months:
            if month in listed:
                path, rules = listed[month]
                stat = (self.root / path).stat()
                sources.append((month, path, rules, stat.st_size, stat.st_mtime_ns))
            elif month in parts:
                stats = [(str(p), p.stat()) for p in hour_paths[month]]
                sources.append((month, tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats)))
        return (str(self.root), first, last, tuple(sources), None if station_list is None else tuple(station_list),
                None if wanted is None else tuple(wanted), mark_absent, sd.rules_key())

    def _read_days(self, first: dt.date, last: dt.date, months: list[tuple[int, int]], listed: dict, parts: set,
                   hour_paths: dict, station_list: list[str] | None, wanted: list[str] | None,
                   mark_absent: bool) -> pl.DataFrame:
        need_all = mark_absent or wanted is None
        frames: list[pl.DataFrame] = []
        for month in months:
            if month in listed:
                path, rules = listed[month]
                lf = pl.scan_parquet(self.root / path)
            elif month in parts:
                lf = self._hours(hour_paths[month])
                rules = None
            else:
                continue
            lf = lf.filter(pl.col("station_id").is_in(station_list)) if station_list is not None else lf
            if rules is None:   # no file: computed from the hours
                rows = sd.station_days(lf)
            elif rules != sd.rules_key():   # made under other rules: evaluated again from the aggregates
                agg = lf.select(list(sd.AGGREGATES)).collect()
                rows = sd.combine(agg, sd.evaluate(agg))
            else:
                rows = lf.collect() if need_all else lf.select(wanted).collect()
            frames.append(rows.filter(pl.col("date").is_between(first, last)))
        if not frames:
            empty = sd.station_days(pl.DataFrame(schema={c: AIR_PART_SCHEMA[c] for c in _HOURLY}))
            return empty if wanted is None else empty.select(wanted)
        if not need_all:
            frames = [f.select(wanted) for f in frames]
        else:
            common = frames[0].columns
            frames = [f.select(common) for f in frames]
        out = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")
        if mark_absent:
            out = sd.mark_absent(out)
        out = sd.sort(out) if len(frames) > 1 else out
        return out if wanted is None else out.select(wanted)
