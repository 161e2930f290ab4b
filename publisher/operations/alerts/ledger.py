"""Recording an outcome in the ledger's open transaction: new, reopened, updated and closed alerts, and
the notification of the new ones."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

from publisher.operations import notify
from publisher.operations.alerts.findings import Outcome
from publisher.operations.alerts.rules import RULES, TABLE_SQL
from publisher.paths import Workspace


def statements() -> list[str]:
    return [s.strip() for s in TABLE_SQL.split(";") if s.strip()]


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def record(conn: sqlite3.Connection, outcome: Outcome, *, raised_by: str, why_closed: str,
           ws: Workspace | None = None, ingest_id: int | None = None) -> dict[str, list[int]]:
    """Record `outcome` in the open transaction of `conn`: new alerts, alerts closed (a key in scope that
    no longer exceeds), alerts reopened; queue the notification of the new ones. Returns the ids."""
    for statement in statements():
        conn.execute(statement)
    now = _now()
    done: dict[str, list[int]] = {"new": [], "closed": [], "reopened": [], "updated": []}
    raised = {f.key for f in outcome.raised}
    for finding in outcome.raised:
        row = conn.execute("SELECT id, state, value, note FROM alerts WHERE rule=? AND station_id=? AND time=?",
                           finding.key).fetchone()
        detail = json.dumps(finding.detail, ensure_ascii=False, default=str)
        if row is None:
            done["new"].append(conn.execute(
                "INSERT INTO alerts (rule, station_id, station_name, time, value, limit_value, message_zh, detail,"
                " state, raised_at, raised_by, ingest_id) VALUES (?,?,?,?,?,?,?,?, 'open', ?, ?, ?)",
                (finding.rule, finding.station_id, finding.station_name, finding.time, finding.value,
                 finding.limit, finding.message_zh, detail, now, raised_by, ingest_id)).lastrowid)
        elif row["state"] == "closed":
            note = _join(row["note"], f"{now[:10]} {raised_by} 的数据再次超标，预警重新打开")
            conn.execute("UPDATE alerts SET state='open', closed_at=NULL, note=?, value=?, limit_value=?,"
                         " message_zh=?, detail=? WHERE id=?",
                         (note, finding.value, finding.limit, finding.message_zh, detail, row["id"]))
            done["reopened"].append(row["id"])
        elif row["value"] != finding.value:
            note = _join(row["note"], f"{now[:10]} {raised_by} 更正了数据，仍超标")
            conn.execute("UPDATE alerts SET note=?, value=?, limit_value=?, message_zh=?, detail=? WHERE id=?",
                         (note, finding.value, finding.limit, finding.message_zh, detail, row["id"]))
            done["updated"].append(row["id"])
    open_rows = conn.execute("SELECT id, rule, station_id, time, note FROM alerts WHERE state='open'").fetchall()
    for row in open_rows:
        key = (row["rule"], row["station_id"], row["time"])
        if key in outcome.scope and key not in raised:
            conn.execute("UPDATE alerts SET state='closed', closed_at=?, note=? WHERE id=?",
                         (now, _join(row["note"], why_closed), row["id"]))
            done["closed"].append(row["id"])
    if outcome.error:
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (now, "alerts.evaluation_failed", raised_by, json.dumps({"error": outcome.error},
                                                                              ensure_ascii=False)))
    if done["new"]:
        rows = conn.execute(f"SELECT * FROM alerts WHERE id IN ({','.join('?' * len(done['new']))}) ORDER BY id",
                            done["new"]).fetchall()
        notify.enqueue(conn, "alerts", f"{raised_by}", _digest_title(rows), _digest_body(rows, raised_by), ws=ws)
    if any(done.values()):
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (now, "alerts.recorded", raised_by, json.dumps(done)))
    return done


def _join(note: str | None, more: str) -> str:
    return f"{note}；{more}" if note else more


def _digest_title(rows: list[sqlite3.Row]) -> str:
    first = rows[0]
    more = f"等 {len(rows)} 条" if len(rows) > 1 else ""
    return f"【超标预警】{RULES[first['rule']][0]}：{first['station_name']} {first['time']}{more}"


#: alerts listed in one notification (the rest are counted; `publisher alerts` lists all)
DIGEST_LIMIT = 30


def _digest_body(rows: list[sqlite3.Row], raised_by: str) -> str:
    lines = [f"新增超标预警 {len(rows)} 条（{raised_by}）：", ""]
    for i, row in enumerate(rows[:DIGEST_LIMIT], 1):
        lines.append(f"{i}. {row['message_zh']}")
    if len(rows) > DIGEST_LIMIT:
        lines.append(f"……另有 {len(rows) - DIGEST_LIMIT} 条，见 publisher alerts --open。")
    lines += ["", "请核实数据并按程序处置；公报发布前须说明超标情况。"]
    return "\n".join(lines) + "\n"

