"""A bulletin's folder in ``output/``: one build at a time, a staging folder per run, an atomic swap.

``output/<kind>/<period>[/<area>]`` is the public path users and the portal read. A build

1. takes the bulletin's lock, ``.<name>.lock`` beside the folder (an exclusive ``flock`` the kernel
   releases when the holder dies, so the lock of a dead run is simply taken over); the file names its
   holder (pid, host, command, start time) for the message a second build prints while it waits or
   when it gives up (``build_in_progress``);
2. removes what dead runs left beside the folder (:func:`clean_stale`);
3. renders into ``.<name>.<run>.building``, a folder of its own run, and checks that every file a
   bulletin must have is there (:func:`missing_files`);
4. swaps the staging folder in (:func:`swap_in`): on Linux one ``renameat2(RENAME_EXCHANGE)`` exchanges
   the two folders, so at every instant the public path holds either the old or the new complete
   folder; elsewhere (or on a file system without it) the old folder is renamed aside to
   ``.<name>.<run>.old`` and the new one renamed in, and a run killed between the two renames is
   repaired by the next build or approval, which puts the old folder back.

Names starting with ``.`` are never part of a bulletin (:mod:`publisher.publishing.integrity` ignores them) and
are never published.

For the tests only, ``PUBLISHER_FAULT`` (comma-separated, `publisher.faults`) kills the build with SIGKILL at a
named point (``kill-before-swap``, ``kill-mid-swap``, ``kill-after-swap``) or makes it use the
two-rename swap (``no-exchange``). Nothing else reads it.
"""
from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from publisher.errors import BuildError
from publisher.faults import FAULT_ENV, fault  # noqa: F401 - FAULT_ENV: the tests name the variable here
from publisher.faults import active as _faults

log = logging.getLogger(__name__)

#: how long a build waits for another build of the same bulletin by default (seconds)
DEFAULT_WAIT = 300.0
#: the files every bulletin has; data.csv and data.xlsx when it has tables; charts/… its page shows
REQUIRED_FILES = ("index.html", "bulletin.pdf", "bulletin.json", "manifest.json")
DATA_FILES = ("data.csv", "data.xlsx")
_CHART_REF = re.compile(r"""(?:src|href)\s*=\s*["'](charts/[^"'?#]+)""")
_RUN = r"[0-9a-f]{12}"
_POLL = 0.2


def new_run() -> str:
    """A run id, unique to one build: it names the run's staging folder."""
    return secrets.token_hex(6)




# --------------------------------------------------------------------------- the lock
def lock_path(final: Path) -> Path:
    return final.parent / f".{final.name}.lock"


def _holder() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300] if sys.argv else "",
            "started": dt.datetime.now().astimezone().replace(microsecond=0).isoformat()}


def _read_holder(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes()[:4096].decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe(holder: dict[str, Any] | None) -> str:
    """The holder of a lock in Chinese: process, host, command, start time."""
    if not holder:
        return "另一进程（信息尚未写入）"
    return (f"进程 {holder.get('pid')}（主机 {holder.get('host')}，命令“{holder.get('command')}”，"
            f"开始于 {holder.get('started')}）")


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the process a lock file names still runs (only knowable on this host)."""
    if holder.get("host") != socket.gethostname() or not isinstance(holder.get("pid"), int):
        return True
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def bulletin_lock(final: Path, subject: str, *, wait: float = DEFAULT_WAIT,
                  on_wait: Callable[[str], None] | None = None) -> Iterator[dict[str, Any] | None]:
    """Hold the lock of the bulletin folder `final` for the block; yields what a dead holder left in the
    lock file (None when there was nothing).

    Another live build of the same bulletin makes this wait up to `wait` seconds (``on_wait`` is
    told once, with the holder), then refuse with ``build_in_progress`` naming the holder."""
    path = lock_path(final)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, wait)
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except PermissionError:   # the lock file of another account: it can still be locked, not written
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _read_holder(path)
            if time.monotonic() >= deadline:
                waited = f"等待 {wait:g} 秒后仍未结束，" if wait > 0 else ""
                raise BuildError(f"公报 {subject} 正由{describe(holder)}编制，{waited}本次不编制；"
                                 f"请待其结束后再运行（锁文件 {path}）", "build_in_progress") from None
            if on_wait is not None and not told:
                on_wait(describe(holder))
                told = True
            time.sleep(_POLL)
            continue
        except BaseException:
            os.close(fd)
            raise
        # the file may have been removed (and made again) by the holder that just let go: lock the
        # file that is at the path, not a removed one
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        previous = None
        with contextlib.suppress(OSError, ValueError):
            raw = os.pread(fd, 4096, 0)
            previous = json.loads(raw.decode("utf-8")) if raw.strip() else None
        if isinstance(previous, dict):
            state = "已退出" if not _alive(previous) else "状态未知"
            log.warning("build.lock_taken_over subject=%s previous=%s state=%s", subject, previous, state)
        else:
            previous = None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(_holder(), ensure_ascii=False).encode("utf-8"), 0)
        yield previous
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --------------------------------------------------------------------------- staging and swap
def staging_path(final: Path, run: str) -> Path:
    return final.parent / f".{final.name}.{run}.building"


def _aside_path(final: Path, run: str) -> Path:
    return final.parent / f".{final.name}.{run}.old"


def _leftovers(final: Path) -> list[tuple[Path, str]]:
    """(path, "building" | "old") of what runs left beside `final`, including the ``.<name>.building``
    of earlier versions of publisher."""
    pattern = re.compile(rf"^\.{re.escape(final.name)}\.(?:{_RUN}\.)?(building|old)$")
    if not final.parent.is_dir():
        return []
    found = []
    for entry in sorted(final.parent.iterdir()):
        match = pattern.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            found.append((entry, match.group(1)))
    return found


def clean_stale(final: Path) -> list[Path]:
    """With the bulletin's lock held: put back the folder a two-rename swap had set aside when `final`
    is missing, and remove the staging folders of dead runs. Returns what was removed or restored."""
    touched: list[Path] = []
    leftovers = _leftovers(final)
    aside = [p for p, what in leftovers if what == "old"]
    if aside and not os.path.lexists(final):
        newest = max(aside, key=lambda p: p.stat().st_mtime_ns)
        os.rename(newest, final)
        _fsync_dir(final.parent)
        log.warning("build.restored folder=%s from=%s", final, newest.name)
        touched.append(newest)
    for path, _ in leftovers:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            log.info("build.stale_removed path=%s", path)
            touched.append(path)
    return touched


def recover(final: Path, subject: str) -> bool:
    """Put back a bulletin folder a killed build left set aside, unless a build holds it now.
    Returns whether `final` exists afterwards. For readers (approval, publication) that find it gone."""
    if final.exists():
        return True
    if not final.parent.is_dir() or not any(what == "old" for _, what in _leftovers(final)):
        return False
    try:
        with bulletin_lock(final, subject, wait=0):
            clean_stale(final)
    except (BuildError, OSError) as exc:   # a build holds it, or this account may not write there
        log.warning("build.recover_failed folder=%s error=%s", final, exc)
        return False
    return final.exists()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Exchange the folders `a` and `b` in one atomic step (Linux ``renameat2``); False when the system
    or the file system cannot."""
    if sys.platform != "linux" or "no-exchange" in _faults():
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def swap_in(staging: Path, final: Path, run: str) -> None:
    """Put the complete folder `staging` at `final`, replacing what is there; the old folder is removed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if not os.path.lexists(final):
        os.rename(staging, final)
    elif _exchange(staging, final):
        _fsync_dir(final.parent)
        shutil.rmtree(staging)            # the old folder, now at the staging path
    else:
        aside = _aside_path(final, run)
        os.rename(final, aside)
        fault("kill-mid-swap")
        try:
            os.rename(staging, final)
        except BaseException:
            os.rename(aside, final)
            raise
        _fsync_dir(final.parent)
        shutil.rmtree(aside)
    _fsync_dir(final.parent)


# --------------------------------------------------------------------------- completeness
def missing_files(folder: Path, listed: Iterable[str], tables: bool | None = None,
                  charts: Iterable[str] = ()) -> list[str]:
    """The files a bulletin must have that `folder` lacks or its manifest (`listed`) does not list:
    index.html, bulletin.pdf, bulletin.json, manifest.json, the charts its page refers to (and
    `charts`), data.csv and data.xlsx when it has tables (``tables=None``: not known, not checked)."""
    have = set(listed) | {"manifest.json"}
    need = set(REQUIRED_FILES) | set(charts) | (set(DATA_FILES) if tables else set())
    try:
        need |= set(_CHART_REF.findall((folder / "index.html").read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        pass
    return sorted(n for n in need if n not in have or not (folder / n).is_file())
