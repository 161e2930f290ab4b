"""The ingest workflow: every dropped file is accepted whole (stored, archived) or rejected whole
(quarantined with its error report). No dropped file is deleted or lost.

- each file is first copied, with its SHA-256 computed on the way, to ``archive/.incoming/``: what is
  checked, stored and archived are the same bytes, even if the inbox copy changes meanwhile;
- accepted: the copy becomes ``archive/<sha[:2]>/<sha256>/<name>``, the values are committed to the
  store in one transaction, then the file leaves the inbox;
- rejected: the file moves to ``quarantine/<sha[:12]>-<name>`` with ``….错误报告.txt`` (Chinese, for
  station staff) and ``….errors.json`` beside it; the store and ledger are not touched;
- duplicate (same bytes already ingested): nothing changes in the store; the inbox copy joins its
  identical archived copy. Reported as ``duplicate``;
- failed: something around the file (the archive, the store, the quarantine) could not be written; the
  file stays where it was, with its error, and is tried again by the next run.

Names written in the archive and quarantine are made safe and bounded (``safe_name``); the original name
stays in the ledger and the reports. One file's failure of any kind never stops the others: each file is
handled on its own, and an unexpected error is reported as that file's ``internal_error``.

One ingest runs at a time per workspace (a lock in ``archive/.incoming/``). Each run first removes what a
killed run left: copies and spilled batches in ``archive/.incoming/``, an archived copy whose ingest was
never committed, temporary files of the archive and quarantine, and the store's uncommitted parts.

Files named on the command line outside the inbox are copied, never moved.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from publisher import registry as registry_mod
from publisher.display import needs_escaping, shown
from publisher.errors import InputError
from publisher.ingest import check_name, parse_file
from publisher.ingest.findings import ERROR, WARNING, Findings
from publisher.ingest.readers import MAX_BYTES, file_type
from publisher.operations import alerts
from publisher.paths import Workspace
from publisher.store import Store

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.()（）\[\]【】 +-]")
#: bytes of a name written in the archive or quarantine (the file system allows 255; reports add 25)
MAX_NAME_BYTES = 120
_COMPOUND = (".csv.gz",)


def safe_name(name: str) -> str:
    """A file name that is safe to create in our folders: separators, control and invisible characters
    and ``..`` replaced, no leading dot or dash, at most MAX_NAME_BYTES bytes of UTF-8. A shortened name
    keeps its extension and gains ``~`` and 8 hex digits of the whole name's hash, so that two long
    names that begin alike stay apart."""
    cleaned = _UNSAFE.sub("_", name.replace("..", "_"))
    if needs_escaping(cleaned):
        cleaned = "".join("_" if needs_escaping(c) else c for c in cleaned)
    cleaned = cleaned.lstrip(".-~ ") or "file"
    if len(cleaned.encode("utf-8")) <= MAX_NAME_BYTES:
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    lower = cleaned.lower()
    ext = next((cleaned[-len(c):] for c in _COMPOUND if lower.endswith(c)), None)
    if ext is None:
        stem, dot, tail = cleaned.rpartition(".")
        ext = f".{tail}" if dot and stem and len(tail.encode("utf-8")) <= 16 else ""
    stem = cleaned[:len(cleaned) - len(ext)]
    budget = MAX_NAME_BYTES - len(ext.encode("utf-8")) - 9
    out = []
    for char in stem:
        budget -= len(char.encode("utf-8"))
        if budget < 0:
            break
        out.append(char)
    return f"{''.join(out)}~{digest}{ext}"


def _inside(path: Path, folder: Path) -> Path:
    resolved = path.resolve()
    if folder.resolve() not in resolved.parents:
        raise InputError(f"拒绝写入工作区之外的路径 {shown(path)} (outside_workspace)")
    return resolved


@dataclass
class FileResult:
    name: str
    path: str
    status: str                      # accepted | rejected | duplicate | failed
    sha256: str | None = None
    kind: str | None = None
    rows: int = 0
    stations: int = 0
    ingest_id: int | None = None
    superseded: int = 0
    destination: str | None = None   # archive or quarantine path, relative to the workspace
    report: str | None = None        # the error report (rejected files)
    errors: list[dict[str, Any]] = field(default_factory=list)    # listed findings (bounded)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # listed findings (bounded)
    summary: list[dict[str, Any]] = field(default_factory=list)   # one entry per code, with its count
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


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def _json(payload: Any) -> bytes:
    # names may hold undecodable bytes (lone surrogates): written as JSON \udcxx escapes
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode("utf-8", "backslashreplace")


def _brief(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return shown(text.splitlines()[0][:300]) if text else type(exc).__name__


def report_text(result: FileResult, findings: Findings) -> str:
    """The Chinese error report that sits beside a quarantined file: one line per code with its count,
    then the findings listed (at most ``Findings.per_code`` of a code)."""
    errors, warnings = findings.summary(ERROR), findings.summary(WARNING)
    lines = [
        f"数据文件校验报告：{shown(result.name)}",
        f"校验时间：{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"文件指纹（SHA-256）：{result.sha256 or '—'}",
        "结论：文件未被接收，数据库中没有写入该文件的任何数据。请按下列说明修改后，重新放入收件箱（inbox）。",
        "",
        f"错误（{len(errors)} 类，共 {findings.total(ERROR)} 处，须改正）：",
    ]
    for i, s in enumerate(errors, 1):
        lines.append(f"{i}. [{s['code']}] 共 {s['count']} 处。处理办法：{s['advice']}")
    if warnings:
        lines += ["", f"提示（{len(warnings)} 类，共 {findings.total(WARNING)} 处，不影响接收）："]
        for i, s in enumerate(warnings, 1):
            lines.append(f"{i}. [{s['code']}] 共 {s['count']} 处")
    lines += ["", "明细（每类最多列出前 {} 处）：".format(findings.per_code)]
    for i, f in enumerate(findings.errors, 1):
        more = f"（同类共 {f.count} 处）" if f.count > 1 else ""
        lines.append(f"{i}. {f.where}：{f.reason}{more}")
        lines.append(f"   处理办法：{f.advice}    [代码 {f.code}]")
    if findings.warnings:
        lines += [""]
        for i, f in enumerate(findings.warnings, 1):
            more = f"（同类共 {f.count} 处）" if f.count > 1 else ""
            lines.append(f"提示 {i}. {f.where}：{f.reason}{more}    [代码 {f.code}]")
    lines += ["", "各代码的含义见 docs/data-formats.md。"]
    return "\n".join(lines) + "\n"


class Ingestor:
    """Runs the workflow over files; one instance per command run."""

    def __init__(self, ws: Workspace, registry=None, progress: Callable[[str], None] | None = None):
        self.ws = ws
        # without a registry, station names could not be resolved to ids: use the workspace's
        self.registry = registry if registry is not None else registry_mod.load(ws.stations)
        self.store = Store(ws)
        self.progress = progress
        self.incoming = ws.archive / ".incoming"

    def _say(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    # ------------------------------------------------------------------ one run at a time, and its leftovers
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.incoming.mkdir(parents=True, exist_ok=True)
        with open(self.incoming / "lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._say("另一个入库进程正在运行，等待其结束 …")
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clean_leftovers(self) -> list[Path]:
        """Remove what a killed run left (call with the run lock held); returns what was removed."""
        removed: list[Path] = []
        committed = set()
        if self.store.exists():
            committed = set(self.store.files()["sha256"].to_list())
        for item in sorted(self.incoming.iterdir()) if self.incoming.exists() else []:
            if item.name == "lock":
                continue
            if item.name.startswith("intent-") and item.suffix == ".json":
                with contextlib.suppress(OSError, ValueError, KeyError):
                    intent = json.loads(item.read_text(encoding="utf-8"))
                    target = self.ws.home / intent["archive"]
                    if intent["sha256"] not in committed and target.is_file() and _within(target, self.ws.archive):
                        target.unlink()
                        removed.append(target)
                        with contextlib.suppress(OSError):
                            target.parent.rmdir()
                            target.parent.parent.rmdir()
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)
            removed.append(item)
        for folder in (self.ws.archive, self.ws.quarantine):
            if folder.exists():
                for tmp in folder.rglob(".*.tmp"):
                    if tmp.is_file() and not _within(tmp, self.incoming):
                        tmp.unlink(missing_ok=True)
                        removed.append(tmp)
        if self.store.root.exists():
            removed += self.store.recover()
        return removed

    # ------------------------------------------------------------------ the run
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
                    raise InputError(f"找不到文件或文件夹：{shown(raw)} (file_not_found)")
        results = []
        total = len(targets)
        with self._locked():
            cleaned = self.clean_leftovers()
            if cleaned:
                self._say(f"已清理上次中断的入库留下的 {len(cleaned)} 个临时文件")
            for index, path in enumerate(targets, 1):
                started = time.perf_counter()
                self._say(f"[{index}/{total}] {shown(path.name)} …")
                try:
                    result = self.one(path)
                except Exception as exc:  # noqa: BLE001 - one file's failure never stops the others
                    log.error("ingest of %s failed: %s", shown(path), _brief(exc))
                    result = self._failed(path, "internal_error", _brief(exc))
                result.seconds = round(time.perf_counter() - started, 3)
                word = {"accepted": "已入库", "rejected": "已退回（隔离）", "duplicate": "重复文件，未改动",
                        "skipped": "已跳过", "failed": "处理失败，文件留在原处"}[result.status]
                extra = f"，{result.rows} 行" if result.status == "accepted" else ""
                self._say(f"[{index}/{total}] {shown(path.name)}：{word}{extra}（{result.seconds:.1f} 秒）")
                results.append(result)
        return results

    def _failed(self, path: Path, code: str, detail: str, result: FileResult | None = None) -> FileResult:
        result = result or FileResult(name=path.name, path=str(path), status="failed")
        findings = Findings(path.name)
        findings.add(code, detail=detail)
        result.status = "failed"
        result.errors = result.errors + [f.as_dict() for f in findings.errors]
        result.summary = result.summary + findings.summary()
        return result

    def _stage(self, path: Path) -> tuple[Path, str, int]:
        """A private copy of `path` in archive/.incoming (hashed on the way, at most MAX_BYTES)."""
        kind = file_type(path.name) or ""
        ext = {"csv.gz": ".csv.gz", "csv": ".csv", "xlsx": ".xlsx", "xls": ".xls"}.get(kind, "")
        staged = self.incoming / f"{uuid.uuid4().hex}{ext}"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(path, "rb") as source, open(staged, "wb") as copy:
                while chunk := source.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise _Grew()
                    digest.update(chunk)
                    copy.write(chunk)
                copy.flush()
                os.fsync(copy.fileno())
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return staged, digest.hexdigest(), size

    def one(self, path: Path) -> FileResult:
        name = path.name
        moving = _within(path, self.ws.inbox)
        result = FileResult(name=name, path=str(path), status="rejected")
        findings = Findings(name)
        problem = check_name(name)
        if problem:
            findings.add("bad_file_name", detail=problem)
            return self._reject(path, result, findings, moving)
        if path.is_symlink() or not path.is_file():
            findings.add("not_regular_file")
            return self._reject(path, result, findings, moving)
        if file_type(name) is None:
            findings.add("unknown_file_type", detail=f"“{path.suffix or name}”")
            return self._reject(path, result, findings, moving)
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise _Grew()
            staged, result.sha256, size = self._stage(path)
        except _Grew:
            findings.add("file_too_large", detail=f"超过 {MAX_BYTES >> 20} MB")
            return self._reject(path, result, findings, moving)
        except OSError as exc:
            findings.add("unreadable_file", detail=shown(exc.strerror or str(exc)))
            return self._reject(path, result, findings, moving)
        spill = self.incoming / f"spill-{staged.stem.split('.')[0]}"
        try:
            return self._checked(path, staged, spill, size, result, moving)
        finally:
            staged.unlink(missing_ok=True)
            shutil.rmtree(spill, ignore_errors=True)

    def _checked(self, path: Path, staged: Path, spill: Path, size: int, result: FileResult,
                 moving: bool) -> FileResult:
        name, sha = result.name, result.sha256
        assert sha is not None
        known = self.store.file(sha) if self.store.exists() else None
        if known:
            result.status = "duplicate"
            result.kind = known["kind"]
            result.destination = known["archive_path"]
            try:
                self._archive(staged, sha, name, intent=False)
                if moving:
                    path.unlink()  # its identical bytes are in the archive
            except OSError as exc:
                return self._failed(path, "store_failed", shown(exc.strerror or str(exc)), result)
            return result
        try:
            parsed = parse_file(staged, registry=self.registry, unknown_stations="error", display_name=name,
                                spill_dir=spill)
        except Exception as exc:  # noqa: BLE001 - an error met in this file's content: quarantine it
            log.error("reading %s failed: %s", shown(name), _brief(exc))
            findings = Findings(name)
            findings.add("internal_error", detail=_brief(exc))
            return self._reject(path, result, findings, moving, staged=staged, trace=traceback.format_exc())
        findings = parsed.findings
        result.kind = parsed.kind
        result.warnings = [f.as_dict() for f in findings.warnings]
        result.summary = findings.summary()
        if findings.has_errors or parsed.frame is None:
            if not findings.has_errors:
                findings.add("empty_file")
                result.summary = findings.summary()
            return self._reject(path, result, findings, moving, staged=staged)
        found = alerts.evaluate_ingest(self.ws, self.registry, parsed.kind, parsed.frame, self.store)
        try:
            archived = self._archive(staged, sha, name, intent=True)
            rel = archived.relative_to(self.ws.home.resolve()).as_posix()
            row = self.store.commit_ingest(parsed.kind, parsed.frame, sha256=sha, name=name, size=size,
                                           archive_path=rel, encoding=parsed.encoding, sheets=parsed.sheets,
                                           warnings=findings.summary(WARNING),
                                           on_commit=alerts.recorder(found, name, self.ws))
        except Exception as exc:  # noqa: BLE001 - the archive or the store could not be written
            log.error("storing %s failed: %s", shown(name), _brief(exc))
            self._undo_archive(sha)
            return self._failed(path, "store_failed", _brief(exc), result)
        (self.incoming / f"intent-{sha}.json").unlink(missing_ok=True)
        if moving:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        result.status = "accepted"
        result.rows = int(row["rows"])
        result.stations = int(row["stations"])
        result.ingest_id = int(row["id"])
        result.superseded = int(row["superseded"])
        result.destination = rel
        return result

    def _archive(self, staged: Path, sha: str, name: str, intent: bool) -> Path:
        """The staged copy as ``archive/<sha[:2]>/<sha>/<safe name>`` (kept when already there). With
        `intent`, a note in archive/.incoming says the copy awaits its commit, so that a run killed
        before the commit has its copy removed by the next run."""
        folder = self.ws.archive / sha[:2] / sha
        folder.mkdir(parents=True, exist_ok=True)
        target = _inside(folder / safe_name(name), self.ws.archive)
        if intent:
            _write_atomic(self.incoming / f"intent-{sha}.json",
                          _json({"sha256": sha, "archive": target.relative_to(self.ws.home.resolve()).as_posix()}))
        if not target.exists():
            os.replace(staged, target)
            _fsync_dir(folder)
        return target

    def _undo_archive(self, sha: str) -> None:
        intent = self.incoming / f"intent-{sha}.json"
        with contextlib.suppress(OSError, ValueError, KeyError):
            committed = self.store.exists() and self.store.file(sha) is not None
            if not committed:
                target = self.ws.home / json.loads(intent.read_text(encoding="utf-8"))["archive"]
                if target.is_file() and _within(target, self.ws.archive):
                    target.unlink()
            intent.unlink(missing_ok=True)

    def _reject(self, path: Path, result: FileResult, findings: Findings, moving: bool,
                staged: Path | None = None, trace: str | None = None) -> FileResult:
        """Quarantine the file with its reports. The reports are written first, the file moved last:
        when any step fails, the reports written are removed and the file stays where it was."""
        result.status = "rejected"
        if result.sha256 is None and not path.is_symlink() and path.is_file():
            with contextlib.suppress(OSError):  # the fingerprint in the report and the quarantine name
                with open(path, "rb") as handle:
                    result.sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        result.errors = [f.as_dict() for f in findings.errors]
        result.warnings = [f.as_dict() for f in findings.warnings]
        result.summary = findings.summary()
        written: list[Path] = []
        try:
            self.ws.quarantine.mkdir(parents=True, exist_ok=True)
            stamp = (result.sha256 or hashlib.sha256(os.fsencode(path)).hexdigest())[:12]
            target = _inside(self.ws.quarantine / f"{stamp}-{safe_name(path.name)}", self.ws.quarantine)
            report = target.with_name(target.name + ".错误报告.txt")
            details = target.with_name(target.name + ".errors.json")
            result.destination = target.relative_to(self.ws.home.resolve()).as_posix()
            result.report = report.relative_to(self.ws.home.resolve()).as_posix()
            payload = {"file": result.name, "sha256": result.sha256, "status": "rejected",
                       "summary": result.summary, "errors": result.errors, "warnings": result.warnings}
            if trace:
                payload["trace"] = shown(trace)
            _write_atomic(report, report_text(result, findings).encode("utf-8", "backslashreplace"))
            written.append(report)
            _write_atomic(details, _json(payload))
            written.append(details)
            if moving:
                if target.exists() or target.is_symlink():
                    target.unlink()
                os.rename(path, target)  # moves a symlink itself, never its target
            elif staged is not None and staged.exists():
                shutil.move(staged, target)
            elif not path.is_symlink() and path.is_file():
                tmp = target.with_name(f".{target.name}.tmp")
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
        except Exception as exc:  # noqa: BLE001 - the quarantine could not be written: leave the file
            log.error("quarantine of %s failed: %s", shown(path), _brief(exc))
            for item in written:
                item.unlink(missing_ok=True)
            result.destination = result.report = None
            return self._failed(path, "quarantine_failed", _brief(exc), result)
        return result


class _Grew(Exception):
    """The file is, or became while read, larger than MAX_BYTES."""


def ingest(paths: Iterable[str | os.PathLike[str]] | None, ws: Workspace, registry=None,
           progress: bool | Callable[[str], None] = False) -> list[FileResult]:
    """Ingest `paths` (default: every file in the inbox). See the module docstring."""
    say = progress if callable(progress) else ((lambda text: print(text, file=sys.stderr, flush=True))
                                               if progress else None)
    return Ingestor(ws, registry, say).run(paths)
