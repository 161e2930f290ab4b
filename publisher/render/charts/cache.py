"""Rendering many charts: a process pool kept between calls, and a cache of finished images keyed by
:func:`~publisher.render.charts.spec.spec_key`, so an unchanged rebuild renders nothing."""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


from publisher.render import fonts
from publisher.render.charts import air, water  # noqa: F401 - their charts register in CHARTS
from publisher.render.charts.raster import _write_if_changed, to_bytes
from publisher.render.charts.spec import ChartSpec, key_basis, spec_key
from publisher.render.charts.style import CHARTS
from publisher.render.charts.water import water_class_shares

log = logging.getLogger(__name__)


def render_spec(spec: ChartSpec) -> bytes:
    """Build and serialise one chart (what a worker does)."""
    if spec.chart not in CHARTS:
        raise ValueError(f"unknown chart {spec.chart!r}; known: {', '.join(sorted(CHARTS))}")
    fig = CHARTS[spec.chart](**spec.data)
    return to_bytes(fig, spec.format)


class ChartPaths(list):
    """The list of written chart paths (in spec order), with counts of what was rendered or reused."""

    rendered: int = 0
    cached: int = 0
    seconds: float = 0.0


_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def _warm_worker() -> None:
    fonts.use_in_matplotlib()
    to_bytes(water_class_shares({"Ⅰ": 1}, title="预热 PM₂.₅"), "png")
    # what is loaded now (modules, fonts, caches) lives as long as the worker: keep it out of the
    # garbage collector's full passes, which otherwise walk it again and again while charts are drawn
    gc.collect()
    gc.freeze()


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        shutdown_pool()
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["publisher.render.charts.cache"])
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker)
        _pool_workers = workers
    return _pool


def shutdown_pool() -> None:
    """Stop the chart worker processes (they are otherwise kept for the next call)."""
    global _pool, _pool_workers
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _pool_workers = None, 0


#: Environment variable naming a chart cache folder; it overrides the workspace's (the bench uses it).
CACHE_ENV = "PUBLISHER_CHART_CACHE"


def default_cache_dir(home: str | os.PathLike[str] | None = None) -> Path | None:
    """``$PUBLISHER_CHART_CACHE`` when set, else ``<home>/cache/charts`` (the workspace's own cache, beside
    ``cache/bulletins``), else None (a call then uses a temporary folder). Never a folder shared by
    workspaces: an entry is named by its content key, but what one workspace wrote another never reads."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(home) / "cache" / "charts" if home is not None else None


def render_charts(
    specs: Sequence[ChartSpec],
    out_dir: str | os.PathLike[str],
    workers: int = 2,
    cache_dir: str | os.PathLike[str] | None = None,
) -> ChartPaths:
    """Render `specs` into `out_dir` (``<name>.<format>``), reusing cached results.

    A chart whose key (:func:`spec_key`) is in `cache_dir` is copied, not rendered; without a
    `cache_dir` (and no ``$PUBLISHER_CHART_CACHE``) the cache is a temporary folder of this call. The rest are
    rendered in a pool of `workers` processes that is kept alive between calls (the first chart in a
    new process costs about half a second); with one chart to render or ``workers <= 1`` they are
    rendered in this process. Returns the paths in spec order, with ``.rendered`` and ``.cached``.
    """
    chosen = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if chosen is None:
        with tempfile.TemporaryDirectory(prefix="publisher-charts-") as tmp:
            return _render_charts(specs, Path(out_dir), workers, Path(tmp))
    return _render_charts(specs, Path(out_dir), workers, chosen)


def _render_charts(specs: Sequence[ChartSpec], out: Path, workers: int, cache: Path) -> ChartPaths:
    started = time.perf_counter()
    names = [s.filename for s in specs]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"render_charts: duplicate chart names {dupes}")
    out.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    basis = key_basis()
    keys = [spec_key(s, basis) for s in specs]
    todo = [(s, k) for s, k in zip(specs, keys) if not (cache / f"{k}.{s.format}").exists()]
    unique: dict[str, ChartSpec] = {}
    for s, k in todo:
        unique.setdefault(k, s)
    if unique:
        items = list(unique.items())
        if workers <= 1 or len(items) == 1:
            results = [render_spec(s) for _, s in items]
        else:
            pool = _get_pool(workers)
            # one chart per task: charts take 0.05–0.2 s, so handing them out one by one keeps both
            # workers busy to the end for a negligible cost per task
            results = list(pool.map(render_spec, [s for _, s in items], chunksize=1))
        for (k, s), data in zip(items, results):
            _write_if_changed(cache / f"{k}.{s.format}", data)
    paths = ChartPaths()
    for s, k in zip(specs, keys):
        target = out / s.filename
        cached = cache / f"{k}.{s.format}"
        if not (target.exists() and target.stat().st_size == cached.stat().st_size and target.read_bytes() == cached.read_bytes()):
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(cached, tmp)
            os.replace(tmp, target)
        paths.append(target)
    paths.rendered = len(unique)
    paths.cached = len(specs) - len(todo)
    paths.seconds = time.perf_counter() - started
    log.info("charts.rendered rendered=%d cached=%d seconds=%.2f", paths.rendered, paths.cached, paths.seconds)
    return paths
