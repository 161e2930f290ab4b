"""The ledger's schema, as ordered migrations.

The schema version is SQLite's ``user_version``. A new ledger is made by applying every migration in
order from version 0, so a ledger migrated from any earlier version and a new one have the same tables.
A ledger of version 0 that already has the tables (written before versions were kept) is taken as
version 1. Each step runs in the one transaction that brings a ledger up to date (logged as the event
``ledger.migrated``); a step may read and write the store's files through the ``store`` it is given.
"""
from __future__ import annotations

import os
import sqlite3
from typing import Any, Callable

#: The tables of the first schema (version 1).
TABLES = ("files", "ingests", "parts", "bulletins", "approvals", "publications", "events")

_V1 = """
CREATE TABLE files (
    sha256        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,          -- the name it was dropped with
    size          INTEGER NOT NULL,
    kind          TEXT NOT NULL,          -- air | water | intake | forecast | noise | supervisory
    encoding      TEXT,
    sheets        TEXT,                   -- JSON list of the sheets read
    archive_path  TEXT NOT NULL,          -- relative to the workspace
    received_at   TEXT NOT NULL
);
CREATE TABLE ingests (
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
CREATE TABLE parts (
    ingest_id     INTEGER NOT NULL REFERENCES ingests(id),
    kind          TEXT NOT NULL,
    year          INTEGER NOT NULL,
    month         INTEGER NOT NULL,
    path          TEXT NOT NULL,          -- relative to the store folder
    rows          INTEGER NOT NULL,
    PRIMARY KEY (ingest_id, path)
);
CREATE INDEX parts_by_month ON parts(kind, year, month);
CREATE TABLE bulletins (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    period           TEXT NOT NULL,
    area             TEXT,
    revision         INTEGER NOT NULL,
    built_at         TEXT NOT NULL,
    output_dir       TEXT NOT NULL,
    manifest_sha256  TEXT NOT NULL,
    inputs           TEXT,              -- JSON: ingest ids / source files used
    UNIQUE (kind, period, area, revision)
);
CREATE TABLE approvals (
    id            INTEGER PRIMARY KEY,
    bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id),
    approved_by   TEXT NOT NULL,
    role          TEXT,
    decision      TEXT NOT NULL DEFAULT 'approved',   -- approved | rejected
    note          TEXT,
    at            TEXT NOT NULL
);
CREATE TABLE publications (
    id            INTEGER PRIMARY KEY,
    bulletin_id   INTEGER NOT NULL REFERENCES bulletins(id),
    target        TEXT NOT NULL,
    status        TEXT NOT NULL,
    url           TEXT,
    detail        TEXT,
    at            TEXT NOT NULL
);
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    subject       TEXT,
    detail        TEXT                -- JSON
);
"""


def _v1_tables(conn: sqlite3.Connection, store: Any) -> None:
    """1: the first schema (a ledger that has its tables already is stamped 1 without this step)."""
    for statement in _V1.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v2_relative_folders(conn: sqlite3.Connection, store: Any) -> None:
    """2: ``bulletins.output_dir`` relative to the output root; ``approvals.via``, ``os_user``, ``os_uid``."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(approvals)")}
    for column, kind in (("via", "TEXT"), ("os_user", "TEXT"), ("os_uid", "INTEGER")):
        if column not in have:
            conn.execute(f"ALTER TABLE approvals ADD COLUMN {column} {kind}")
    # the folder of a bulletin is always output/<kind>/<period>[/<area>]: whatever root it was under
    conn.execute("UPDATE bulletins SET output_dir = kind || '/' || period || COALESCE('/' || area, '')"
                 " WHERE substr(output_dir, 1, 1) = '/'")


def _v3_station_days(conn: sqlite3.Connection, store: Any) -> None:
    """3: the station-day aggregates of the hourly air, one file per month (``publisher/store/days.py``),
    computed here for the months already stored (written first, recorded with the table)."""
    files = store._rebuild_files(conn) if store is not None else []
    conn.execute("""
        CREATE TABLE station_days (
            kind       TEXT NOT NULL,          -- air
            year       INTEGER NOT NULL,
            month      INTEGER NOT NULL,
            path       TEXT NOT NULL,          -- relative to the store folder
            rows       INTEGER NOT NULL,
            rules      TEXT NOT NULL,          -- key of the method and tables the daily values follow
            ingest_id  INTEGER NOT NULL,       -- the latest ingest whose hours they include
            PRIMARY KEY (kind, year, month)
        )""")
    if files:
        store._record_all_latest(conn, files)
        for tmp, final, *_ in files:
            os.replace(tmp, final)


#: 4: the tables of the alerts (operations/alerts.py), the notification queue (operations/notify.py) and
#: the public site (publishing/site/ledger.py), which their modules also create when first writing
ALERTS_SQL = """
CREATE TABLE IF NOT EXISTS alerts (
    id            INTEGER PRIMARY KEY,
    rule          TEXT NOT NULL,
    station_id    TEXT NOT NULL,      -- a station id, or an area name for the city rules
    station_name  TEXT,
    time          TEXT NOT NULL,      -- 'YYYY-MM-DD HH:MM' (a sample, an hour's end), 'YYYY-MM-DD' (a day), 'YYYY-MM' (a month)
    value         REAL,
    limit_value   REAL,
    message_zh    TEXT NOT NULL,
    detail        TEXT,               -- JSON
    state         TEXT NOT NULL DEFAULT 'open',   -- open | closed
    raised_at     TEXT NOT NULL,
    raised_by     TEXT,               -- '入库 <id>（<file name>）' | 'check <time>'
    ingest_id     INTEGER,            -- the ingest that raised it (none for the scheduler's checks)
    closed_at     TEXT,
    note          TEXT,
    UNIQUE (rule, station_id, time)
);
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts(state, raised_at);
"""
NOTIFICATIONS_SQL = """
CREATE TABLE IF NOT EXISTS notifications (
    id          INTEGER PRIMARY KEY,
    topic       TEXT NOT NULL,        -- alerts | reminders
    key         TEXT NOT NULL,        -- what it is about: 'ingest 12 <file>', 'water-sources/2026-05/<unit>/2026-06-02'
    channel     TEXT NOT NULL,        -- outbox | email | webhook
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',   -- pending | sending | retry | sent | failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT,                 -- Beijing time of the next attempt (retry)
    created_at  TEXT NOT NULL,
    claimed_at  TEXT,
    sent_at     TEXT,
    last_error  TEXT,
    receipt     TEXT,                 -- where it went: the outbox file, the recipients, the host
    audience    TEXT,                 -- whom it is for: a responsible unit (reminders), else everyone
    UNIQUE (topic, key, channel)
)
"""
SITE_SQL = """
CREATE TABLE IF NOT EXISTS disclosure_numbers (
    subject       TEXT PRIMARY KEY,       -- <kind>/<period>[/<area>]
    kind          TEXT NOT NULL,
    year          INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    index_no      TEXT NOT NULL UNIQUE,
    allocated_at  TEXT NOT NULL,
    UNIQUE (year, seq)
);
CREATE TABLE IF NOT EXISTS withdrawals (
    id            INTEGER PRIMARY KEY,
    subject       TEXT NOT NULL,          -- <kind>/<period>[/<area>]
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    area          TEXT,
    step          TEXT NOT NULL,
    role          TEXT NOT NULL,
    signer        TEXT NOT NULL,
    decision      TEXT NOT NULL,          -- approved | rejected
    reason        TEXT,
    at            TEXT NOT NULL,
    via           TEXT,
    os_user       TEXT,
    os_uid        INTEGER
);
"""


def _v4_alerts_notifications_site(conn: sqlite3.Connection, store: Any) -> None:
    """4: alerts, notifications, disclosure numbers and withdrawals (created IF NOT EXISTS: ledgers that
    their modules already wrote keep their rows)."""
    for script in (ALERTS_SQL, NOTIFICATIONS_SQL, SITE_SQL):
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)


#: 5: the review desk's accounts and the record of its login attempts (publisher/desk/accounts.py)
DESK_SQL = """
CREATE TABLE IF NOT EXISTS desk_accounts (
    name           TEXT PRIMARY KEY,
    roles          TEXT NOT NULL,          -- JSON list of role names
    password_hash  TEXT NOT NULL,          -- argon2id
    created_at     TEXT NOT NULL,
    created_by     TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS desk_logins (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    remote  TEXT,
    ok      INTEGER NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS desk_logins_by_name ON desk_logins(name, at);
"""


def _v5_desk(conn: sqlite3.Connection, store: Any) -> None:
    """5: the review desk's ``desk_accounts`` and ``desk_logins`` (IF NOT EXISTS: a ledger whose desk made
    them on first use, before this migration, keeps its accounts)."""
    for statement in DESK_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)


#: version -> the step that brings a ledger of version - 1 to it, in order
MIGRATIONS: dict[int, Callable[[sqlite3.Connection, Any], None]] = {
    1: _v1_tables,
    2: _v2_relative_folders,
    3: _v3_station_days,
    4: _v4_alerts_notifications_site,
    5: _v5_desk,
}
SCHEMA_VERSION = max(MIGRATIONS)


def has_first_tables(conn: sqlite3.Connection) -> bool:
    found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return set(TABLES) <= found


def steps(version: int, has_tables: bool) -> list[int]:
    """The migrations a ledger of `version` needs (a version-0 ledger with the tables counts as 1)."""
    if version == 0 and has_tables:
        version = 1
    return [v for v in sorted(MIGRATIONS) if v > version]
