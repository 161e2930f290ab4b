"""The ledger: one SQLite file (``<home>/store/ledger.sqlite``) recording files, ingests, parts, station-day
files, bulletins, approvals, publications and events; its connections, the store lock and the schema's
migrations (:mod:`publisher.store.migrations`)."""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

import polars as pl

from publisher.errors import StoreError
from publisher.publishing import integrity
from publisher.store import migrations
from publisher.store.migrations import SCHEMA_VERSION


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class Ledger:
    """The ledger side of :class:`publisher.store.Store` (``root``, ``ledger_path``, ``workspace``)."""

    root: Path
    ledger_path: Path
    _up_to_date: bool

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
        """Bring the ledger to :data:`SCHEMA_VERSION` (the store lock is held), in one transaction: a new
        ledger gets every migration in order, an older one the ones it lacks."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"数据仓库台账 {self.ledger_path} 的版本 {version} 高于本程序支持的 {SCHEMA_VERSION}，"
                             f"请升级 publisher (ledger_too_new)")
        had_tables = migrations.has_first_tables(conn)
        todo = migrations.steps(version, had_tables)
        if not todo:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            for target in todo:
                migrations.MIGRATIONS[target](conn, self)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if version or had_tables:
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
        return migrations.has_first_tables(conn)

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

