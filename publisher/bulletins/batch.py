"""Several bulletins built at once: this process and worker processes, as many in all as the cores.

Each bulletin is built by :func:`publisher.bulletins.build.build` as when built alone (its lock, staging
folder, swap and ledger record); every worker renders its bulletin's charts itself (the bulletins are
the parallelism) and keeps what printing a PDF can reuse (fonts, stylesheet: ``render/printing.py``)
from one bulletin to the next. One request, or one worker, builds in this process alone.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher import registry as registry_mod, render
from publisher.bulletins.build import build
from publisher.errors import PublisherError
from publisher.paths import Workspace
from publisher.store import output


@dataclass(frozen=True)
class Request:
    """One bulletin to build: kind, period label, area, and the workspace (home, output root) and
    registry file it is built with (the workspace's own when None)."""

    kind: str
    period: str
    area: str | None = None
    home: str = "."
    output_dir: str | None = None
    stations: str | None = None

    @classmethod
    def of(cls, kind: str, period: str, workspace: Workspace, area: str | None = None,
           stations: str | os.PathLike[str] | None = None) -> "Request":
        return cls(kind, period, area, str(workspace.home),
                   None if workspace.output_dir is None else str(workspace.output_dir),
                   None if stations is None else str(stations))


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


#: whether this process is a worker of :func:`build_many`'s pool
_IN_POOL = False


def _build(request: Request, force: bool, wait: float, settle: bool | None = None) -> tuple[Any, float]:
    """Build one request: its result and the CPU seconds this process spent on it.

    In a worker of a batch (`settle`; by default in a pool worker), what is still alive after a bulletin
    (fonts, stylesheets, caches, modules) is then moved out of the garbage collector's view
    (``gc.freeze``): the next bulletin's charts and pages make many short-lived objects, and every full
    pass of the collector would walk all of it again (about a tenth of a bulletin's time). A pool
    worker ends with the batch; :func:`_side_by_side` gives its own process's objects back."""
    started = time.process_time()
    result = _build_one(request, force, wait)
    if (_IN_POOL if settle is None else settle):
        gc.collect()
        gc.freeze()
    return result, time.process_time() - started


def _build_one(request: Request, force: bool, wait: float) -> Any:
    """Build one request; an error comes back as a value (exceptions of other shapes may not unpickle)."""
    ws = Workspace(Path(request.home), None if request.output_dir is None else Path(request.output_dir))
    try:
        stations = Path(request.stations) if request.stations else ws.stations
        return build(request.kind, request.period, ws, area=request.area, registry=registry_mod.load(stations),
                     force=force, wait=wait)
    except Exception as exc:  # noqa: BLE001 - handed back to the caller, who raises it
        try:
            pickle.loads(pickle.dumps(exc))
            return exc
        except Exception:  # noqa: BLE001
            return PublisherError(str(exc))


#: what a worker of the pool has loaded before its first bulletin (the fork server imports them once)
_PRELOAD = ["publisher.bulletins.build", "publisher.render.printing", "publisher.render.charts.cache"]


def _worker_start() -> None:
    global _IN_POOL
    render.CHART_WORKERS = 1   # the pool of bulletins is the parallelism
    _IN_POOL = True
    gc.collect()
    gc.freeze()


def build_many(requests: list[Request], *, workers: int | None = None, force: bool = False,
               wait: float = output.DEFAULT_WAIT, cpu: list[float] | None = None) -> list[Any]:
    """Build every request; returns, in request order, each one's :class:`Built` or the exception that
    stopped it (the others are built all the same). `workers` defaults to the cores. `cpu`, when given,
    receives the CPU seconds each build took in the process that built it.

    With several workers, this process is one of them: it builds from the first request on while the
    other worker processes start (a fork server loads the program once, about a second and a half),
    and every worker, this one included, takes the next request not yet taken."""
    n = min(workers or cores(), len(requests))
    if n <= 1:
        done = [_build(r, force, wait) for r in requests]
    else:
        done = _side_by_side(requests, n, force, wait)
    if cpu is not None:
        cpu.extend(seconds for _, seconds in done)
    return [result for result, _ in done]


def _side_by_side(requests: list[Request], n: int, force: bool, wait: float) -> list[tuple[Any, float]]:
    """`requests` built by this process and ``n - 1`` worker processes, each taking the next one free."""
    done: list[tuple[Any, float] | None] = [None] * len(requests)
    order = iter(range(len(requests)))
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            return next(order, None)

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    with ProcessPoolExecutor(max_workers=n - 1, mp_context=ctx, initializer=_worker_start) as pool:
        def feed() -> None:
            while (i := take()) is not None:
                try:
                    done[i] = pool.submit(_build, requests[i], force, wait).result()
                except Exception as exc:  # noqa: BLE001 - a worker lost: the request's own result
                    done[i] = (PublisherError(f"{requests[i].kind} {requests[i].period}: {exc}"), 0.0)

        feeders = [threading.Thread(target=feed, name=f"build-feed-{k}", daemon=True) for k in range(n - 1)]
        for thread in feeders:
            thread.start()
        charts_before = render.CHART_WORKERS
        render.CHART_WORKERS = 1   # here too the bulletins are the parallelism
        gc.collect()
        gc.freeze()                # as in a worker (see _build), undone below: this process lives on
        try:
            while (i := take()) is not None:
                done[i] = _build(requests[i], force, wait, settle=True)
        finally:
            gc.unfreeze()
            render.CHART_WORKERS = charts_before
            for thread in feeders:
                thread.join()
    return [d if d is not None else (PublisherError("not built"), 0.0) for d in done]
