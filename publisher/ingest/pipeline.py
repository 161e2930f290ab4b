"""The ingest workflow: every dropped file is accepted whole (stored, archived) or rejected whole
(quarantined with its error report). No dropped file is deleted or lost.

- accepted: the bytes are copied to ``archive/<sha[:2]>/<sha256>/<name>`` first, then the values are
  committed to the store in one transaction, then the file leaves the inbox;
- rejected: the file moves to ``quarantine/<sha[:12]>-<name>`` with ``….错误报告.txt`` (Chinese, for
  station staff) and ``….errors.json`` beside it; the store and ledger are not touched;
- duplicate (same bytes already ingested): nothing changes in the store; the inbox copy joins its
  identical archived copy. Reported as ``duplicate``.

Files named on the command line outside the inbox are copied, never moved.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from publisher.errors import InputError
from publisher.ingest import check_name, parse_file
from publisher.ingest.findings import Findings
from publisher.paths import Workspace
from publisher.store import Store

_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.()（）\[\]【】 +-]")


def safe_name(name: str) -> str:
    """A file name that is safe to create in our folders: separators, control characters and ``..``
    replaced, no leading dot or dash, at most ~120 characters."""
    cleaned = _UNSAFE.sub("_", name.replace("..", "_"))
    cleaned = cleaned.lstrip(".-~ ") or "file"
    if len(cleaned) > 120:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[:100] + dot + ext[:15]) if dot else cleaned[:120]
    return cleaned


def _inside(path: Path, folder: Path) -> Path:
    resolved = path.resolve()
    if folder.resolve() not in resolved.parents:
        raise InputError(f"拒绝写入工作区之外的路径 {path} (outside_workspace)")
    return resolved


@dataclass
class FileResult:
    name: str
    path: str
    status: str                      # accepted | rejected | duplicate | skipped
    sha256: str | None = None
    kind: str | None = None
    rows: int = 0
    stations: int = 0
    ingest_id: int | None = None
    superseded: int = 0
    destination: str | None = None   # archive or quarantine path, relative to the workspace
    report: str | None = None        # the error report (rejected files)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def inbox_files(ws: Workspace) -> list[Path]:
    """Files in the inbox (sub-folders included), oldest name first; Excel lock files skipped."""
    if not ws.inbox.exists():
        return []
    found = []
    for path in sorted(ws.inbox.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        if path.name.startswith("~$"):
            continue
        found.append(path)
    return found


def _within(path: Path, folder: Path) -> bool:
    try:
        path.absolute().relative_to(folder.absolute())
        return True
    except ValueError:
        return False


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def report_text(result: FileResult, findings: Findings) -> str:
    """The Chinese error report that sits beside a quarantined file."""
    lines = [
        f"数据文件校验报告：{result.name}",
        f"校验时间：{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"文件指纹（SHA-256）：{result.sha256 or '—'}",
        "结论：文件未被接收，数据库中没有写入该文件的任何数据。请按下列说明修改后，重新放入收件箱（inbox）。",
        "",
        f"错误（{len(findings.errors)} 项，须改正）：",
    ]
    for i, f in enumerate(findings.errors, 1):
        more = f"（同类共 {f.count} 处）" if f.count > 1 else ""
        lines.append(f"{i}. {f.where}：{f.reason}{more}")
        lines.append(f"   处理办法：{f.advice}    [代码 {f.code}]")
    if findings.warnings:
        lines += ["", f"提示（{len(findings.warnings)} 项，不影响接收）："]
        for i, f in enumerate(findings.warnings, 1):
            more = f"（同类共 {f.count} 处）" if f.count > 1 else ""
            lines.append(f"{i}. {f.where}：{f.reason}{more}    [代码 {f.code}]")
    lines += ["", "各代码的含义见 docs/data-formats.md。"]
    return "\n".join(lines) + "\n"


class Ingestor:
    """Runs the workflow over files; one instance per command run."""

    def __init__(self, ws: Workspace, registry=None, progress: Callable[[str], None] | None = None):
        from publisher import registry as registry_mod

        self.ws = ws
        # without a registry, station names could not be resolved to ids: use the workspace's
        self.registry = registry if registry is not None else registry_mod.load(ws.stations)
        self.store = Store(ws)
        self.progress = progress

    def _say(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    def run(self, paths: Iterable[str | os.PathLike[str]] | None = None) -> list[FileResult]:
        targets: list[Path] = []
        if not paths:
            targets = inbox_files(self.ws)
        else:
            for raw in paths:
                p = Path(raw)
                if p.is_dir() and not p.is_symlink():
                    targets += [q for q in sorted(p.rglob("*")) if (q.is_file() or q.is_symlink())
                                and not q.name.startswith("~$")]
                elif p.exists() or p.is_symlink():
                    targets.append(p)
                else:
                    raise InputError(f"找不到文件或文件夹：{raw} (file_not_found)")
        results = []
        total = len(targets)
        for index, path in enumerate(targets, 1):
            started = time.perf_counter()
            self._say(f"[{index}/{total}] {path.name} …")
            result = self.one(path)
            result.seconds = round(time.perf_counter() - started, 3)
            word = {"accepted": "已入库", "rejected": "已退回（隔离）", "duplicate": "重复文件，未改动",
                    "skipped": "已跳过"}[result.status]
            extra = f"，{result.rows} 行" if result.status == "accepted" else ""
            self._say(f"[{index}/{total}] {path.name}：{word}{extra}（{result.seconds:.1f} 秒）")
            results.append(result)
        return results

    def one(self, path: Path) -> FileResult:
        name = path.name
        moving = _within(path, self.ws.inbox)
        result = FileResult(name=name, path=str(path), status="rejected")
        findings = Findings(name)
        problem = check_name(name)
        if problem:
            findings.add("bad_file_name", detail=problem)
            return self._reject(path, result, findings, moving, data=None)
        if path.is_symlink() or not path.is_file():
            findings.add("not_regular_file")
            return self._reject(path, result, findings, moving, data=None)
        data = path.read_bytes()
        result.sha256 = hashlib.sha256(data).hexdigest()
        known = self.store.file(result.sha256) if self.store.exists() else None
        if known:
            result.status = "duplicate"
            result.kind = known["kind"]
            result.destination = known["archive_path"]
            self._archive(path, result.sha256, name, data, moving)
            return result
        parsed = parse_file(path, registry=self.registry, unknown_stations="error", data=data)
        findings = parsed.findings
        result.kind = parsed.kind
        result.warnings = [f.as_dict() for f in findings.warnings]
        if findings.errors or parsed.frame is None:
            if not findings.errors:
                findings.add("empty_file")
            return self._reject(path, result, findings, moving, data=data)
        archived = self._archive(path, result.sha256, name, data, moving=False)
        rel = archived.relative_to(self.ws.home).as_posix()
        row = self.store.commit_ingest(parsed.kind, parsed.frame, sha256=result.sha256, name=name, size=len(data),
                                       archive_path=rel, encoding=parsed.encoding, sheets=parsed.sheets,
                                       warnings=result.warnings)
        if moving:
            path.unlink()
        result.status = "accepted"
        result.rows = int(row["rows"])
        result.stations = int(row["stations"])
        result.ingest_id = int(row["id"])
        result.superseded = int(row["superseded"])
        result.destination = rel
        return result

    def _archive(self, path: Path, sha: str, name: str, data: bytes, moving: bool) -> Path:
        folder = self.ws.archive / sha[:2] / sha
        folder.mkdir(parents=True, exist_ok=True)
        target = _inside(folder / safe_name(name), self.ws.archive)
        if not target.exists():
            _write_atomic(target, data)
        if moving:
            path.unlink()  # its identical bytes are in the archive
        return target

    def _reject(self, path: Path, result: FileResult, findings: Findings, moving: bool,
                data: bytes | None) -> FileResult:
        self.ws.quarantine.mkdir(parents=True, exist_ok=True)
        stamp = (result.sha256 or hashlib.sha256(str(path).encode()).hexdigest())[:12]
        target = _inside(self.ws.quarantine / f"{stamp}-{safe_name(path.name)}", self.ws.quarantine)
        if moving:
            if target.exists() or target.is_symlink():
                target.unlink()
            os.rename(path, target)  # moves a symlink itself, never its target
        elif data is not None:
            _write_atomic(target, data)
        elif not path.is_symlink() and path.is_file():
            shutil.copyfile(path, target)
        result.status = "rejected"
        result.errors = [f.as_dict() for f in findings.errors]
        result.warnings = [f.as_dict() for f in findings.warnings]
        report = target.with_name(target.name + ".错误报告.txt")
        _write_atomic(report, report_text(result, findings).encode("utf-8"))
        payload = {"file": result.name, "sha256": result.sha256, "status": "rejected",
                   "errors": result.errors, "warnings": result.warnings}
        _write_atomic(target.with_name(target.name + ".errors.json"),
                      json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
        result.destination = target.relative_to(self.ws.home).as_posix()
        result.report = report.relative_to(self.ws.home).as_posix()
        return result


def ingest(paths: Iterable[str | os.PathLike[str]] | None, ws: Workspace, registry=None,
           progress: bool | Callable[[str], None] = False) -> list[FileResult]:
    """Ingest `paths` (default: every file in the inbox). See the module docstring."""
    say = progress if callable(progress) else ((lambda text: print(text, file=sys.stderr, flush=True))
                                               if progress else None)
    return Ingestor(ws, registry, say).run(paths)
