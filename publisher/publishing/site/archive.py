"""The files of every published revision, kept in the workspace so that the site can show every
earlier version (the output folder holds only the latest revision):
``<home>/archive/published/<kind>/<period>[/<area>]/r<revision>/`` with the bulletin's files and its
manifest, byte for byte as uploaded. Written when a publication succeeds; never changed after.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from publisher.paths import Workspace
from publisher.publishing import integrity


def folder(ws: Workspace, kind: str, period: str, area: str | None, revision: int) -> Path:
    base = ws.archive / "published" / kind / period
    return (base / area if area else base) / f"r{revision}"


def keep(ws: Workspace, row: dict, contents: dict[str, bytes], manifest_bytes: bytes | None) -> Path:
    """Keep the published files of the revision `row` (idempotent: an existing copy is left as it is)."""
    final = folder(ws, row["kind"], row["period"], row.get("area"), int(row["revision"]))
    if (final / integrity.MANIFEST).is_file():
        return final
    staging = final.parent / f".{final.name}.{uuid.uuid4().hex}"
    try:
        for rel, data in contents.items():
            if not integrity.safe_relpath(rel):
                continue
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        staging.mkdir(parents=True, exist_ok=True)
        (staging / integrity.MANIFEST).write_bytes(manifest_bytes or b"")
        try:
            os.rename(staging, final)
        except OSError:
            if not (final / integrity.MANIFEST).is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final


def files_of(path: Path) -> dict[str, Path]:
    return {p.relative_to(path).as_posix(): p for p in sorted(path.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)}
