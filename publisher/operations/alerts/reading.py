"""The alerts as the CLI and the desk list them."""
from __future__ import annotations

from typing import Any, Iterable

from publisher.operations.alerts.ledger import has_table
from publisher.operations.alerts.rules import RULES
from publisher.paths import Workspace, workspace as default_workspace
from publisher.store import Store

COLUMNS = ("id", "rule", "station_id", "station_name", "time", "value", "limit", "message_zh", "state",
           "raised_at", "closed_at", "note")


def listing(workspace: Workspace | str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
    """The alerts, oldest first: dicts with the keys of :data:`COLUMNS` (``state`` 'open' | 'closed')."""
    ws = workspace if isinstance(workspace, Workspace) else default_workspace(workspace)
    store = Store(ws)
    if not store.exists():
        return []
    with store.connect() as conn:
        if not has_table(conn, "alerts"):
            return []
        sql = "SELECT * FROM alerts" + (" WHERE state='open'" if open_only else "") + " ORDER BY id"
        rows = conn.execute(sql).fetchall()
    return [{**{c: row[c] for c in COLUMNS if c != "limit"}, "limit": row["limit_value"],
             "rule_zh": RULES.get(row["rule"], (row["rule"],))[0], "raised_by": row["raised_by"],
             "ingest_id": row["ingest_id"]}
            for row in rows]


def render_text(rows: Iterable[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        state = "未关闭" if row["state"] == "open" else f"已关闭 {row['closed_at'][:16].replace('T', ' ')}"
        lines.append(f"#{row['id']} [{state}] {row['message_zh']}")
        if row.get("note"):
            lines.append(f"    说明：{row['note']}")
    return "\n".join(lines) if lines else "没有预警。"
