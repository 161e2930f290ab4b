"""The review desk's tables come from the ledger's migration 5: a new ledger has them before the desk is
first used, a ledger of version 4 is upgraded (its rows kept), and a ledger whose desk made the tables on
first use (before the migration existed) keeps its accounts."""
from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from publisher.cli import cli
from publisher.desk import accounts
from publisher.paths import Workspace
from publisher.store import SCHEMA_VERSION, Store, migrations

DESK_TABLES = {"desk_accounts", "desk_logins"}


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _schema(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()


def _version(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def _ledger_of_version(path, version: int) -> None:
    """A ledger as a program of schema `version` left it: migrations 1..version, one event."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    for step in range(1, version + 1):
        migrations.MIGRATIONS[step](conn, None)
    conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES ('2026-08-01T00:00:00+00:00', 'ingest',"
                 " 'old', '{}')")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def test_the_desk_migration_is_the_last_one():
    assert SCHEMA_VERSION == 5 and migrations.MIGRATIONS[5] is migrations._v5_desk
    assert migrations.steps(4, has_tables=True) == [5]


def test_a_new_ledger_has_the_desk_tables_before_the_desk_is_used(tmp_path):
    ws = Workspace(tmp_path / "home")
    with Store(ws).connect(write=True):
        pass
    path = ws.store / "ledger.sqlite"
    assert DESK_TABLES <= _tables(path)
    assert _version(path) == SCHEMA_VERSION
    # no account yet, and reading them writes nothing
    before = _schema(path)
    assert accounts.listing(ws) == [] and accounts.get(ws, "审核人甲") is None
    assert _schema(path) == before


def test_a_version_4_ledger_is_upgraded_and_keeps_its_rows(tmp_path):
    ws = Workspace(tmp_path / "home")
    path = ws.store / "ledger.sqlite"
    _ledger_of_version(path, 4)
    assert not DESK_TABLES & _tables(path)
    # the first read brings it up to date, in one step logged as ledger.migrated
    store = Store(ws)
    assert [e["subject"] for e in store.events("ingest")] == ["old"]
    assert DESK_TABLES <= _tables(path) and _version(path) == SCHEMA_VERSION
    assert [json.loads(e["detail"]) for e in store.events("ledger.migrated")] == [{"from": 4, "to": SCHEMA_VERSION}]
    # the same schema as a new ledger
    fresh = Workspace(tmp_path / "fresh")
    with Store(fresh).connect(write=True):
        pass
    assert _schema(path) == _schema(fresh.store / "ledger.sqlite")
    # and the desk works on it
    accounts.add_user(ws, "审核人甲", ["保密审查员"], "a-long-password-1")
    assert accounts.login(ws, "审核人甲", "a-long-password-1", "127.0.0.1").roles == ("保密审查员",)


def test_a_ledger_whose_desk_made_the_tables_keeps_its_accounts(tmp_path):
    """Before migration 5 the desk created its tables on first use in a version-4 ledger: migrating it
    keeps the accounts and the login record."""
    ws = Workspace(tmp_path / "home")
    path = ws.store / "ledger.sqlite"
    _ledger_of_version(path, 4)
    conn = sqlite3.connect(path)
    for statement in migrations.DESK_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO desk_accounts (name, roles, password_hash, created_at) VALUES (?,?,?,?)",
                 ("旧账户", json.dumps(["管理员"], ensure_ascii=False), "$argon2id$not-a-real-hash", "2026-07-01"))
    conn.execute("INSERT INTO desk_logins (name, remote, ok, at) VALUES ('旧账户', '127.0.0.1', 1, '2026-07-01')")
    conn.commit()
    conn.close()
    assert accounts.get(ws, "旧账户").roles == ("管理员",)
    assert _version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT COUNT(*) FROM desk_logins").fetchone()[0] == 1


def test_user_add_on_an_old_ledger_through_the_cli(tmp_path):
    home = tmp_path / "home"
    _ledger_of_version(Workspace(home).store / "ledger.sqlite", 4)
    result = CliRunner().invoke(cli, ["desk", "user", "add", "报送员甲", "--role", "数据报送员", "--password-stdin",
                                      "--home", str(home)], input="a-long-password-1\n")
    assert result.exit_code == 0, result.output
    assert [a["name"] for a in accounts.listing(Workspace(home))] == ["报送员甲"]
    assert _version(Workspace(home).store / "ledger.sqlite") == SCHEMA_VERSION
