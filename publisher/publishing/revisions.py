"""Copies of each recorded revision's ``bulletin.json``, so that the review desk can show what changed
from the previous revision after the public folder was replaced by a rebuild.

Kept in ``<home>/cache/revisions/<kind>/<period>[/<area>]/r<N>.json`` (a cache: losing it loses only the
comparison). :func:`keep` is called by the build after it records a revision.
"""
from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path
from typing import Any

from publisher.paths import Workspace

#: the longest comparison shown, in lines
DIFF_MAX_LINES = 400


def _path(ws: Workspace, kind: str, period: str, area: str | None, revision: int) -> Path:
    base = ws.home / "cache" / "revisions" / kind / period
    if area:
        base = base / area
    return base / f"r{int(revision)}.json"


def keep(ws: Workspace, kind: str, period: str, area: str | None, revision: int, folder: Path) -> None:
    """Copy the revision's ``bulletin.json`` into the cache (errors are ignored: it is only a cache)."""
    target = _path(ws, kind, period, area, revision)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(folder / "bulletin.json", tmp)
        tmp.replace(target)
    except OSError:
        pass


def load(ws: Workspace, kind: str, period: str, area: str | None, revision: int) -> dict[str, Any] | None:
    try:
        data = json.loads(_path(ws, kind, period, area, revision).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _lines(doc: dict[str, Any]) -> list[str]:
    shown = {k: doc.get(k) for k in ("title", "figures", "exceedances", "explanations", "inputs", "standards")}
    return json.dumps(shown, ensure_ascii=False, indent=1, sort_keys=True, default=str).splitlines()


def diff(ws: Workspace, kind: str, period: str, area: str | None, revision: int) -> list[str] | None:
    """A unified diff of the figures (and exceedances, explanations, inputs, standards) of `revision`
    against the revision before it; None when either copy is missing or there is no earlier revision."""
    if revision <= 1:
        return None
    old, new = load(ws, kind, period, area, revision - 1), load(ws, kind, period, area, revision)
    if old is None or new is None:
        return None
    out = list(difflib.unified_diff(_lines(old), _lines(new), f"第{revision - 1}版", f"第{revision}版",
                                    n=2, lineterm=""))
    if len(out) > DIFF_MAX_LINES:
        out = out[:DIFF_MAX_LINES] + [f"……（另有 {len(out) - DIFF_MAX_LINES} 行未显示）"]
    return out
