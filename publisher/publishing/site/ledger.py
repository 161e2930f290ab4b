"""The site's records in the workspace ledger (``store/ledger.sqlite``), in tables of their own that
are created when first written (so the store's schema version is untouched):

``disclosure_numbers``
    one row per published item (kind, period, area): its 索引号, allocated once, at the first
    publication or site build that needs it, and never reused (rows are never deleted; the sequence
    of a year is one more than the largest ever given that year).
``withdrawals``
    the review decisions on a withdrawal (撤回), like approvals: step, role, signer, reason, time,
    and the operating-system account of a command-line decision.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from publisher.store import Store, migrations

TABLES_SQL = migrations.SITE_SQL


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def write(store: Store):
    """A write connection with the site's tables present (the store lock held, one transaction)."""
    class _Conn:
        def __enter__(self_inner):
            self_inner.cm = store.connect(write=True)
            conn = self_inner.cm.__enter__()
            # executescript would commit the open transaction: create the tables one statement at a time
            for statement in TABLES_SQL.split(";"):
                if statement.strip():
                    conn.execute(statement)
            return conn

        def __exit__(self_inner, *exc):
            return self_inner.cm.__exit__(*exc)

    return _Conn()


def rows(store: Store, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    """Rows of a read-only query; [] when the ledger or the site's tables do not exist yet."""
    if not store.exists():
        return []
    try:
        with store.connect() as conn:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
    except Exception as exc:  # noqa: BLE001 - a table not created yet reads as empty
        if "no such table" in str(exc):
            return []
        raise


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None
