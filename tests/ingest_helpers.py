"""Helpers shared by the ingest, store and status tests."""
from __future__ import annotations

import hashlib
from pathlib import Path

from publisher import registry
from publisher.paths import Workspace


def make_ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "home")
    ws.inbox.mkdir(parents=True)
    return ws


def reg():
    return registry.load()


def tree_hash(folder: Path) -> str:
    """sha256 over every file's relative path and bytes (folders alone do not count)."""
    digest = hashlib.sha256()
    if folder.exists():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()
