"""The review desk's accounts: names, roles and argon2id password hashes in the ledger, and the record of
login attempts that rate-limits them.

Roles are those of the review workflow (``approval.yaml``) plus :data:`UPLOADER` (may hand in data
files) and :data:`ADMIN` (may publish and sees everything). Tables of the ledger
``<home>/store/ledger.sqlite``, made by its migration 5 (:mod:`publisher.store.migrations`)::

    desk_accounts (name PRIMARY KEY, roles JSON, password_hash, created_at, created_by, disabled)
    desk_logins   (id, name, remote, ok, at)          every login attempt
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from publisher.errors import PublisherError
from publisher.paths import Workspace
from publisher.publishing.approval import NAME_MAX, load_policy, normalise_name, same_name
from publisher.store import Store

UPLOADER = "数据报送员"
ADMIN = "管理员"
#: a password shorter than this is refused
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
#: failed logins of one account, or from one address, within WINDOW that block further attempts
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_REMOTE = 20
WINDOW = dt.timedelta(minutes=15)

_hasher = PasswordHasher()   # argon2id, the library's current parameters (64 MiB, 3 passes)


class AccountError(PublisherError):
    def __init__(self, message: str, code: str):
        super().__init__(f"{message} [{code}]")
        self.code = code


@dataclass(frozen=True)
class Account:
    name: str
    roles: tuple[str, ...]
    #: changes when the password is set anew: a session carries it, so resetting a password ends the
    #: account's sessions
    stamp: str = ""

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def known_roles(ws: Workspace) -> list[str]:
    """Every role an account may hold: the workflow's roles, then 数据报送员 and 管理员."""
    policy = load_policy(ws=ws)
    roles = [r for s in policy.steps.values() for r in s.roles]
    return list(dict.fromkeys(roles + [UPLOADER, ADMIN]))


def _write(ws: Workspace):
    store = Store(ws)
    return store.connect(write=True)


def _has_tables(store: Store) -> bool:
    """Whether the ledger has the desk's tables (a new or migrated one has; a ledger of an older version
    that could not be migrated, being read-only, has not: it has no accounts)."""
    if not store.exists():
        return False
    with store.connect() as conn:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name='desk_accounts'").fetchone() is not None


def add_user(ws: Workspace, name: str, roles: list[str] | tuple[str, ...], password: str,
             created_by: str | None = None, replace: bool = False) -> Account:
    """Create an account (``replace=True``: set its roles and password anew). Refused: ``invalid_name``,
    ``unknown_role``, ``weak_password``, ``account_exists``."""
    clean = normalise_name(name)
    if not clean or len(clean) > NAME_MAX or any(c in clean for c in "/\\<>\"'&"):
        raise AccountError(f"账户名 {name!r} 无效（不能为空、长于 {NAME_MAX} 字或含有 / \\ < > \" ' &）", "invalid_name")
    allowed = known_roles(ws)
    chosen = []
    for role in roles:
        match = next((r for r in allowed if normalise_name(r) == normalise_name(role)), None)
        if match is None:
            raise AccountError(f"角色“{role}”不存在；可用的角色：{'、'.join(allowed)}", "unknown_role")
        chosen.append(match)
    if not chosen:
        raise AccountError("请至少给出一个角色（--role）", "unknown_role")
    if not (PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX):
        raise AccountError(f"密码须为 {PASSWORD_MIN} 至 {PASSWORD_MAX} 个字符", "weak_password")
    digest = _hasher.hash(password)
    with _write(ws) as conn:
        existing = [r[0] for r in conn.execute("SELECT name FROM desk_accounts")]
        same = [n for n in existing if same_name(n, clean)]
        if same and not replace:
            raise AccountError(f"账户 {same[0]} 已存在", "account_exists")
        conn.execute("DELETE FROM desk_accounts WHERE name=?", (same[0] if same else clean,))
        conn.execute("INSERT INTO desk_accounts (name, roles, password_hash, created_at, created_by) VALUES (?,?,?,?,?)",
                     (clean, json.dumps(list(dict.fromkeys(chosen)), ensure_ascii=False), digest,
                      _now().isoformat(), created_by))
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (_now().isoformat(), "desk.account", clean,
                      json.dumps({"roles": chosen, "by": created_by, "replaced": bool(same)}, ensure_ascii=False)))
    return Account(clean, tuple(dict.fromkeys(chosen)))


def get(ws: Workspace, name: str) -> Account | None:
    """The enabled account `name` (None when there is none)."""
    store = Store(ws)
    if not _has_tables(store):
        return None
    with store.connect() as conn:
        row = conn.execute("SELECT name, roles, password_hash FROM desk_accounts WHERE name=? AND disabled=0",
                           (normalise_name(name),)).fetchone()
    return Account(row["name"], tuple(json.loads(row["roles"])), _stamp(row["password_hash"])) if row else None


def listing(ws: Workspace) -> list[dict[str, Any]]:
    store = Store(ws)
    if not _has_tables(store):
        return []
    with store.connect() as conn:
        return [{"name": r["name"], "roles": json.loads(r["roles"]), "created_at": r["created_at"],
                 "disabled": bool(r["disabled"])} for r in conn.execute("SELECT * FROM desk_accounts ORDER BY name")]


def _failures(conn: sqlite3.Connection, column: str, value: str, since: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM desk_logins WHERE {column}=? AND ok=0 AND at>=?",
                        (value, since)).fetchone()[0]


def login(ws: Workspace, name: str, password: str, remote: str | None) -> Account:
    """Check a password. Every attempt is recorded (``desk_logins`` and the event ``desk.login``);
    after :data:`MAX_FAILURES_PER_NAME` failures of a name, or :data:`MAX_FAILURES_PER_REMOTE` from one
    address, within :data:`WINDOW`, attempts are refused (``too_many_attempts``) without checking the
    password. A wrong name or password is ``bad_login`` (the message does not say which)."""
    clean = normalise_name(name)[:NAME_MAX] or "?"
    remote = (remote or "")[:64]
    password = password or ""
    with _write(ws) as conn:
        since = (_now() - WINDOW).isoformat()
        blocked = (_failures(conn, "name", clean, since) >= MAX_FAILURES_PER_NAME
                   or (remote and _failures(conn, "remote", remote, since) >= MAX_FAILURES_PER_REMOTE))
        row = None if blocked else conn.execute(
            "SELECT name, roles, password_hash FROM desk_accounts WHERE name=? AND disabled=0", (clean,)).fetchone()
        ok = False
        if row is not None and len(password) <= PASSWORD_MAX:
            try:
                ok = _hasher.verify(row["password_hash"], password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        elif not blocked:
            # spend the same time on an unknown name as on a known one
            try:
                _hasher.verify(_DUMMY, password[:PASSWORD_MAX])
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                pass
        at = _now().isoformat()
        conn.execute("INSERT INTO desk_logins (name, remote, ok, at) VALUES (?,?,?,?)", (clean, remote, int(ok), at))
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (at, "desk.login", clean, json.dumps({"ok": ok, "remote": remote, "blocked": bool(blocked)})))
        stamp = _stamp(row["password_hash"]) if ok else ""
        if ok and _hasher.check_needs_rehash(row["password_hash"]):
            rehashed = _hasher.hash(password)
            conn.execute("UPDATE desk_accounts SET password_hash=? WHERE name=?", (rehashed, clean))
            stamp = _stamp(rehashed)
    if blocked:
        raise AccountError("登录失败次数过多，请 15 分钟后再试", "too_many_attempts")
    if not ok:
        raise AccountError("账户名或密码错误", "bad_login")
    return Account(row["name"], tuple(json.loads(row["roles"])), stamp)


_DUMMY = _hasher.hash("publisher-desk-no-such-account")
