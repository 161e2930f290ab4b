"""The exceedance-explanation gate: every exceedance a bulletin reports (``bulletin.json``
``exceedances``, see :mod:`publisher.bulletins.exceedances`) needs an explanation — 超标原因 and
采取措施/整改情况 — before the bulletin can pass the first step of its review workflow.

How an explanation reaches the signed files
-------------------------------------------
Explanations are kept in the ledger (table ``explanations``, one row per entry; the latest entry of a key
is in force) with the account or command-line user that entered it. A build reads the explanations in
force for its bulletin and prints them on the page and in the PDF under 超标情况说明 (and in
``bulletin.json`` under ``explanations``), so they are part of the manifest the reviewers sign.
Entering an explanation (``publisher explain`` or the review desk) therefore **rebuilds the bulletin**:
its content changed, so this is a new revision, and decisions given on an earlier revision do not carry
over. The gate (:func:`require`) reads the revision's own ``bulletin.json``: an exceedance counts as
explained only when that revision *prints* its explanation, and an explanation entered after the build
that the revision does not print yet (the rebuild failed, say) is refused with
``explanation_not_printed`` until the bulletin is built again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from publisher.errors import PublisherError
from publisher.paths import Workspace
from publisher.periods import Period
from publisher.store import Store

#: the longest cause or measures text kept, in characters
TEXT_MAX = 2000

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS explanations (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    area          TEXT,
    key           TEXT NOT NULL,        -- the exceedance's stable key (source:<id>:<item>, section:<id>, heavy:<area>)
    subject       TEXT NOT NULL,        -- as the bulletin named it when the explanation was entered
    detail        TEXT NOT NULL,
    cause         TEXT NOT NULL,        -- 超标原因
    measures      TEXT NOT NULL,        -- 采取措施/整改情况
    entered_by    TEXT NOT NULL,        -- the desk account, or the name given on the command line
    via           TEXT NOT NULL,        -- desk | cli
    os_user       TEXT,
    os_uid        INTEGER,
    at            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS explanations_by_bulletin ON explanations(kind, period, area, key);
"""


class ExplanationError(PublisherError):
    """An explanation cannot be recorded, or a bulletin's exceedances are not all explained."""

    def __init__(self, message: str, code: str, detail: Any = None):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.detail = detail


@dataclass
class Recorded:
    explanation_id: int
    key: str
    revision: int | None      # the revision built with it (None when the rebuild failed)
    message: str


def clean_text(text: str | None) -> str:
    """A cause or measures text as kept: NFC, control characters other than line breaks removed, lines
    trimmed, at most two line breaks in a row."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in text if ch == "\n" or not (unicodedata.category(ch) in ("Cc", "Cf")))
    lines = [" ".join(line.split()) for line in kept.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _subject(kind: str, period: str, area: str | None) -> str:
    return f"{kind}/{period}" + (f"/{area}" if area else "")


def _latest_revision(store: Store, kind: str, label: str, area: str | None) -> dict[str, Any]:
    """The ledger row of the bulletin's latest revision (as :func:`publisher.publishing.approval.latest_revision`,
    which reads this module for its first step's gate)."""
    rows = [] if not store.exists() else [r for r in store.bulletins(kind=kind, period=label) if r.get("area") == area]
    if not rows:
        raise ExplanationError(f"台账中没有 {_subject(kind, label, area)} 的公报（先运行 publisher build）", "not_built")
    return rows[-1]


def _has_table(store: Store) -> bool:
    if not store.exists():
        return False
    with store.connect() as conn:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='explanations'").fetchone() \
            is not None


def entries(store: Store, kind: str | None = None, period: str | None = None,
            area: str | None = None) -> list[dict[str, Any]]:
    """Every explanation entered (oldest first), optionally of one bulletin."""
    if not _has_table(store):
        return []
    sql, params = "SELECT * FROM explanations WHERE 1=1", []
    if kind:
        sql, params = sql + " AND kind=?", params + [kind]
    if period:
        sql, params = sql + " AND period=?", params + [period]
        sql, params = sql + " AND COALESCE(area, '')=?", params + [area or ""]
    with store.connect() as conn:
        return [dict(r) for r in conn.execute(sql + " ORDER BY id", params)]


def in_force(store: Store, kind: str, period: str, area: str | None = None) -> dict[str, dict[str, Any]]:
    """The latest explanation of each key of one bulletin."""
    out: dict[str, dict[str, Any]] = {}
    for row in entries(store, kind, period, area):
        out[row["key"]] = row
    return out


def printed(ws: Workspace, kind: str, period: str, area: str | None, exceedances: list[Any]) -> list[dict[str, str]]:
    """What a build prints under 超标情况说明: for each exceedance of the bulletin (in its order) that has
    an explanation in force, its key, subject, detail, cause and measures."""
    found = in_force(Store(ws), kind, period, area)
    out = []
    for item in exceedances:
        d = item.as_dict() if hasattr(item, "as_dict") else dict(item)
        entry = found.get(d["key"])
        if entry:
            out.append({"key": d["key"], "subject": d["subject"], "detail": d["detail"],
                        "cause": entry["cause"], "measures": entry["measures"]})
    return out


def digest(ws: Workspace, kind: str, period: str, area: str | None) -> str:
    """A hash of the explanations in force for a bulletin (part of the build's source key)."""
    found = in_force(Store(ws), kind, period, area)
    data = sorted((k, v["cause"], v["measures"]) for k, v in found.items())
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def document(row: dict[str, Any]) -> dict[str, Any]:
    """The ``bulletin.json`` of a revision (``{}`` when it cannot be read)."""
    try:
        data = json.loads((Path(row["output_dir"]) / "bulletin.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class GateItem:
    key: str
    subject: str
    detail: str
    state: str            # explained | missing | not_printed (entered after this revision was built)
    cause: str = ""
    measures: str = ""
    entered_by: str = ""
    at: str = ""

    @property
    def label(self) -> str:
        return {"explained": "已说明", "missing": "未说明", "not_printed": "已填写，待重新编制"}[self.state]


def gate(store: Store, row: dict[str, Any]) -> list[GateItem]:
    """Each exceedance of the revision `row` and whether it is explained in that revision's files."""
    doc = document(row)
    shown = {e.get("key"): e for e in doc.get("explanations") or [] if isinstance(e, dict)}
    ledger = in_force(store, row["kind"], row["period"], row.get("area"))
    items = []
    for e in doc.get("exceedances") or []:
        if not isinstance(e, dict) or not e.get("key"):
            continue
        key = str(e["key"])
        entry, on_page = ledger.get(key), shown.get(key)
        if on_page and entry and (on_page.get("cause"), on_page.get("measures")) == (entry["cause"], entry["measures"]):
            state = "explained"
        elif entry:
            state = "not_printed"
        else:
            state = "missing"
        items.append(GateItem(key, str(e.get("subject", "")), str(e.get("detail", "")), state,
                              (entry or {}).get("cause", ""), (entry or {}).get("measures", ""),
                              (entry or {}).get("entered_by", ""), (entry or {}).get("at", "")))
    return items


def require(store: Store, row: dict[str, Any]) -> None:
    """Refuse (``unexplained_exceedance``, ``explanation_not_printed``) unless every exceedance of the
    revision `row` has an explanation printed in that revision."""
    items = gate(store, row)
    missing = [i for i in items if i.state == "missing"]
    where = f"{_subject(row['kind'], row['period'], row.get('area'))} 第{row['revision']}版"
    if missing:
        names = "；".join(f"{i.subject}（{i.detail}，键 {i.key}）" for i in missing)
        raise ExplanationError(
            f"{where} 报告了 {len(missing)} 项超标，尚未填写超标原因和采取措施，不能进行第一步审核：{names}。"
            f"请在审核台填写，或用 publisher explain --key … --cause … --measures …",
            "unexplained_exceedance", detail=[i.key for i in missing])
    stale = [i for i in items if i.state == "not_printed"]
    if stale:
        raise ExplanationError(
            f"{where} 的超标情况说明与台账中的说明不一致（{'、'.join(i.key for i in stale)}），"
            f"说明须印在公报中才能审核：请重新编制（publisher build）",
            "explanation_not_printed", detail=[i.key for i in stale])


def record(ws: Workspace, kind: str, period: str, key: str, *, cause: str, measures: str, by: str,
           via: str, rebuild: Callable[..., Any] | None, area: str | None = None, os_user: str | None = None,
           os_uid: int | None = None) -> Recorded:
    """Record the explanation of the exceedance `key` of the latest revision of a bulletin, then rebuild
    the bulletin with `rebuild` (:func:`publisher.bulletins.build.build`, given by the caller: the build
    reads this module) so that its page and PDF print it (a new revision); None records only.

    Refused: ``not_built``, ``unknown_exceedance`` (the revision reports no such key),
    ``missing_cause``/``missing_measures``, ``text_too_long`` (over :data:`TEXT_MAX` characters)."""
    store = Store(ws)
    label = Period.parse(period).label
    row = _latest_revision(store, kind, label, area)
    cause, measures = clean_text(cause), clean_text(measures)
    if not cause:
        raise ExplanationError("请填写超标原因", "missing_cause")
    if not measures:
        raise ExplanationError("请填写采取措施/整改情况", "missing_measures")
    if len(cause) > TEXT_MAX or len(measures) > TEXT_MAX:
        raise ExplanationError(f"超标原因和采取措施各不能超过 {TEXT_MAX} 字", "text_too_long")
    reported = {str(e.get("key")): e for e in document(row).get("exceedances") or [] if isinstance(e, dict)}
    if key not in reported:
        known = "、".join(reported) or "无"
        raise ExplanationError(f"{_subject(kind, label, area)} 第{row['revision']}版没有键为 {key!r} 的超标项"
                               f"（本版的超标项：{known}）", "unknown_exceedance")
    item = reported[key]
    with store.connect(write=True) as conn:
        for statement in TABLE_SQL.split(";"):
            if statement.strip():
                conn.execute(statement)
        explanation_id = conn.execute(
            "INSERT INTO explanations (kind, period, area, key, subject, detail, cause, measures, entered_by, via,"
            " os_user, os_uid, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (kind, label, area, key, str(item.get("subject", "")), str(item.get("detail", "")), cause, measures,
             by, via, os_user, os_uid,
             dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat())).lastrowid
    store.record_event("explanation", _subject(kind, label, area), {
        "explanation_id": explanation_id, "key": key, "by": by, "via": via, "os_user": os_user,
        "revision_explained": row["revision"]})
    revision = None
    note = ""
    if rebuild is not None:
        try:
            built = rebuild(kind, label, ws, area=area)
            revision = built.revision
            note = f"；公报已重新编制为第{built.revision}版，超标情况说明已印入页面和 PDF，需重新审核"
        except PublisherError as exc:
            note = f"；重新编制失败（{exc}），请稍后运行 publisher build，说明印入公报前不能审核"
    return Recorded(int(explanation_id), key, revision,
                    f"已记录 {_subject(kind, label, area)} 的超标说明（{item.get('subject')}，{key}）{note}")
