"""Is a bulletin folder still exactly what the ledger recorded?

``publisher build`` writes ``manifest.json`` with the sha256 of every file and records the manifest's
``content_sha256`` (the sha256 of the manifest without that key, as canonical JSON) in the ledger.
Approval and publication check the folder against it: the manifest must hash to the recorded value,
every file it lists must be there with its sha256, and nothing else may have been added (names
starting with ``.`` or ``~$``, the litter of editors and file browsers, are ignored and never
published). The reference portal checks uploads with the same functions.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "manifest.json"
IGNORED_PREFIXES = (".", "~$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_sha256(manifest: dict[str, Any]) -> str:
    """The manifest's content hash as ``publisher build`` computes it (the ledger's ``manifest_sha256``)."""
    body = {k: v for k, v in manifest.items() if k != "content_sha256"}
    return sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())


def safe_relpath(path: str) -> bool:
    """A relative POSIX path without ``..``, empty or hidden segments, backslashes or control characters."""
    if not path or len(path) > 240 or path.startswith("/") or "\\" in path:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return False
    parts = PurePosixPath(path).parts
    return bool(parts) and "/".join(parts) == path and all(
        p not in ("", ".", "..") and not p.startswith(IGNORED_PREFIXES) for p in parts)


@dataclass(frozen=True)
class Problem:
    path: str
    code: str        # output_missing | manifest_missing | manifest_unreadable | manifest_changed
    #                  | file_missing | file_changed | file_unexpected
    message: str     # Chinese

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


@dataclass
class FolderCheck:
    """The result of :func:`check_folder`; ``contents`` holds the bytes read when asked for."""

    folder: Path
    problems: list[Problem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    manifest_bytes: bytes | None = None
    contents: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, limit: int = 5) -> str:
        shown = "；".join(p.message for p in self.problems[:limit])
        more = len(self.problems) - limit
        return shown + (f"；另有 {more} 处" if more > 0 else "")


def _listed(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(IGNORED_PREFIXES) for part in rel.parts):
            continue
        if path.is_file() or path.is_symlink():
            found.add(rel.as_posix())
    return found


def check_folder(folder: str | Path, expected_content: str, keep: bool = False) -> FolderCheck:
    """Compare `folder` with its manifest and the manifest with `expected_content` (from the ledger).

    With ``keep=True`` the bytes that were hashed are returned in ``contents`` (and the manifest's in
    ``manifest_bytes``), so that a caller can send exactly the bytes it checked.
    """
    folder = Path(folder)
    check = FolderCheck(folder)
    add = check.problems.append
    if not folder.is_dir():
        add(Problem("", "output_missing", f"公报文件夹 {folder} 不存在"))
        return check
    try:
        raw = (folder / MANIFEST).read_bytes()
    except FileNotFoundError:
        add(Problem(MANIFEST, "manifest_missing", f"缺少 {MANIFEST}"))
        return check
    try:
        manifest = json.loads(raw.decode("utf-8"))
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError("files")
    except (ValueError, KeyError, TypeError):
        add(Problem(MANIFEST, "manifest_unreadable", f"{MANIFEST} 无法读取"))
        return check
    check.manifest, check.manifest_bytes = manifest, raw
    if content_sha256(manifest) != expected_content or manifest.get("content_sha256") != expected_content:
        add(Problem(MANIFEST, "manifest_changed", f"{MANIFEST} 与台账记录的版本不一致"))
    for rel, digest in sorted(files.items()):
        if not safe_relpath(rel):
            add(Problem(rel, "manifest_unreadable", f"{MANIFEST} 列出了不安全的路径 {rel!r}"))
            continue
        path = folder / rel
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            add(Problem(rel, "file_missing", f"{rel} 缺失"))
            continue
        if sha256(data) != digest:
            add(Problem(rel, "file_changed", f"{rel} 内容已改变"))
        elif keep:
            check.contents[rel] = data
    for rel in sorted(_listed(folder) - set(files) - {MANIFEST}):
        add(Problem(rel, "file_unexpected", f"多出文件 {rel}"))
    return check
