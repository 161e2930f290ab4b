"""The portal's files: published versions, their signed records, withdrawals, uploads being received."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

from publisher.bulletins import KINDS
from publisher.publishing import integrity
from publisher.publishing.portal_server.common import _order, log, RECORD, UploadError, WITHDRAWAL


# --------------------------------------------------------------------------- storage
class PortalStore:
    """The portal's files: one folder per published version, written whole or not at all."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.public = self.root / "public"
        self.staging = self.root / ".staging"
        self.lock = threading.Lock()

    def records(self) -> list[dict[str, Any]]:
        if not self.public.is_dir():
            return []
        out = []
        for path in self.public.rglob(RECORD):
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, RecursionError):
                log.warning("unreadable record %s", path)
        return out

    def bulletins(self) -> list[dict[str, Any]]:
        """Every bulletin with its versions (newest first), ordered by kind, period (newest first), area."""
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for rec in self.records():
            groups.setdefault((rec["kind"], rec["period"], rec.get("area") or ""), []).append(rec)
        order = {k: i for i, k in enumerate(KINDS)}  # the catalogue's order (no bulletin module is loaded)
        keys = sorted(groups, key=lambda k: (order.get(k[0], len(order)), k[0], _neg(k[1]), k[2]))
        out = []
        for key in keys:
            # a version is accepted only when signed after every earlier one, so the number order is
            # the signing order; the signed order decides when numbers disagree (hand-edited folders)
            versions = sorted(groups[key], key=lambda r: (_order(r), r["version"]), reverse=True)
            out.append({"kind": key[0], "kind_name": versions[0].get("kind_name") or key[0], "period": key[1],
                        "area": key[2] or None, "title": versions[0].get("title"),
                        "current_version": versions[0]["version"], "versions": versions,
                        "withdrawn": self.withdrawal(key[0], key[1], key[2] or None)})
        return out

    def withdrawal(self, kind: str, period: str, area: str | None) -> dict[str, Any] | None:
        """The withdrawal record of a bulletin, or None."""
        path = self.folder(kind, period, area) / WITHDRAWAL
        try:
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        except (OSError, ValueError):
            log.warning("unreadable withdrawal record %s", path)
            return {"reason": None, "withdrawn_at": None}

    def withdraw(self, metadata: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Record a checked withdrawal: ("withdrawn" | "already_withdrawn", record). The files stay."""
        kind, period, area = metadata["kind"], metadata["period"], metadata.get("area") or None
        with self.lock:
            folder = self.folder(kind, period, area)
            if not any(r["kind"] == kind and r["period"] == period and (r.get("area") or None) == area
                       for r in self.records()):
                raise UploadError(404, "not_published", "门户上没有这份公报，无从撤回")
            existing = self.withdrawal(kind, period, area)
            if existing is not None:
                return "already_withdrawn", existing
            record = {**metadata, "withdrawn_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}
            tmp = folder / f".{uuid.uuid4().hex}.tmp"
            tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.rename(folder / WITHDRAWAL)
            log.info("withdrawn %s %s %s", kind, period, area or "")
            return "withdrawn", record

    def folder(self, kind: str, period: str, area: str | None) -> Path:
        return self.public / kind / period / area if area else self.public / kind / period

    def new_staging(self) -> Path:
        path = self.staging / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def add(self, metadata: dict[str, Any], manifest_bytes: bytes, files: list[str],
            staging: Path) -> tuple[str, dict]:
        """Store a checked upload whose files are in `staging`; ("published" | "already_published", record).

        `staging` is renamed into place or removed."""
        kind, period, area = metadata["kind"], metadata["period"], metadata.get("area")
        try:
            (staging / integrity.MANIFEST).write_bytes(manifest_bytes)
            with self.lock:
                folder = self.folder(kind, period, area)
                existing = [r for r in self.records() if r["kind"] == kind and r["period"] == period
                            and (r.get("area") or None) == area]
                same = [r for r in existing if r["manifest_sha256"] == metadata["manifest_sha256"]]
                if same:
                    return "already_published", same[0]
                clash = [r for r in existing if r["revision"] == metadata["revision"]]
                if clash:
                    raise UploadError(409, "revision_conflict",
                                      f"第{metadata['revision']}版已以不同内容发布过（门户第{clash[0]['version']}版）")
                if existing and metadata["revision"] < max(r["revision"] for r in existing):
                    raise UploadError(409, "older_revision",
                                      f"门户已有更新的第{max(r['revision'] for r in existing)}版，"
                                      f"不接受较早的第{metadata['revision']}版")
                latest = max(existing, key=lambda r: (_order(r), r["version"]), default=None)
                if latest is not None and _order(metadata) <= _order(latest):
                    raise UploadError(409, "replayed_upload",
                                      f"该上传的签名时间（{metadata['signed_at']}，序号 {metadata['sequence']}）"
                                      f"不晚于门户现行的第{latest['version']}版，疑为重放的旧上传，不予接受")
                version = max((r["version"] for r in existing), default=0) + 1
                final = folder / f"v{version}"
                rel_path = final.relative_to(self.public).as_posix()
                record = {**metadata, "version": version,
                          "published_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                          "files": sorted([*files, integrity.MANIFEST]), "path": rel_path,
                          "replaces": max((r["version"] for r in existing), default=None)}
                (staging / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
                folder.mkdir(parents=True, exist_ok=True)
                staging.rename(final)
                log.info("published %s %s %s revision %s as version %s", kind, period, area or "",
                         metadata["revision"], version)
                return "published", record
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def file(self, rel: str) -> Path | None:
        """The published file at `rel` below public/, or None (hidden and unsafe paths never resolve)."""
        if not integrity.safe_relpath(rel):
            return None
        path = (self.public / rel).resolve()
        if self.public not in path.parents or not path.is_file():
            return None
        return path


def _neg(period: str) -> tuple:
    """Sort key putting later periods first."""
    return tuple(-ord(c) for c in period)
