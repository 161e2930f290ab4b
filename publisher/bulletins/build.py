"""Render an assembled Bulletin into ``output/<kind>/<period>/`` and record it in the ledger.

The folder holds ``index.html`` with ``charts/``, ``bulletin.pdf``, ``data.csv`` (UTF-8 with BOM),
``data.xlsx``, ``bulletin.json`` (every figure with the source files and standards behind it) and
``manifest.json`` (the sha256 of every file, the inputs, the standards tables and the templates).
One build of a bulletin runs at a time; its files are written to a staging folder of its own run,
checked complete, and exchanged with the previous folder in one atomic step
(:mod:`publisher.store.output`), so a reader never sees a half-written bulletin. The ledger records the
folder relative to the output root. Rebuilding with unchanged inputs gives identical bytes.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from publisher import __version__, render, standards
from publisher.publishing import explanations, integrity, revisions
from publisher.publishing.site import hooks as site_hooks
from publisher.render import charts
from publisher.store import output
from publisher import registry as registry_mod
from publisher.bulletins import module
from publisher.bulletins.base import Bulletin, Job, slug
from publisher.errors import BuildError
from publisher.paths import PACKAGE_DIR, TEMPLATES_DIR, Workspace
from publisher.periods import Period
from publisher.bulletins.air.common import DUST_FILE
from publisher.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """Where a bulletin was written and whether its content changed since the last build."""

    kind: str
    period: str
    area: str | None
    path: Path
    content_sha256: str
    revision: int
    changed: bool
    rendered: bool = False   # the files were written again (new content, --force, or missing/damaged files)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _standards_used(ids: list[str]) -> list[dict[str, str]]:
    rows = []
    for table_id in sorted(set(ids)):
        table = standards.get(table_id)
        rows.append({"id": table.id, "citation": table.citation, "sha256": table.sha256,
                     "effective_from": table.effective_from.isoformat(),
                     "effective_to": table.effective_to.isoformat() if table.effective_to else None})
    return rows


def render_bulletin(bulletin: Bulletin, out: Path, chart_cache: Path | None = None) -> dict[str, str]:
    """Write every file of `bulletin` into the folder `out` (created); return {file: sha256}. Charts are
    reused from `chart_cache` (the workspace's ``cache/charts``) when their key is there."""
    out.mkdir(parents=True, exist_ok=True)
    chart_paths = (charts.render_charts(bulletin.charts, out / "charts", workers=render.CHART_WORKERS,
                                        cache_dir=chart_cache) if bulletin.charts else [])
    used = _standards_used(bulletin.standards)
    document = {
        "kind": bulletin.kind,
        "period": bulletin.period.label,
        "area": bulletin.area,
        "title": bulletin.title,
        "issued": bulletin.issued.isoformat() if bulletin.issued else None,
        "figures": bulletin.context,
        "inputs": bulletin.inputs,
        "standards": used,
        "review": [note.as_dict() for note in bulletin.review],
        "exceedances": [item.as_dict() for item in bulletin.exceedances],
        "explanations": bulletin.explanations,
        "generator": f"publisher {__version__}",
    }
    page = {
        "b": bulletin.page if bulletin.page is not None else bulletin.context,   # the typed context
        "title": bulletin.title,
        "period": bulletin.period,
        "issued": bulletin.issued,
        "area": bulletin.area,
        "standards_used": used,
        "charts": {p.stem: f"charts/{p.name}" for p in chart_paths},
        "qr": None,
        "explanations": bulletin.explanations,
        "rules": bulletin.rules,
    }
    if bulletin.public_url:
        page["qr"] = {"src": site_hooks.write_qr(bulletin.public_url, out), "url": bulletin.public_url}
    render.write_html(bulletin.template, page, out / "index.html")
    render.write_pdf(out / "index.html", out / "bulletin.pdf")
    if bulletin.tables:
        first = next(iter(bulletin.tables.values()))
        render.write_csv_bom(first, out / "data.csv")
        render.write_xlsx(bulletin.tables, out / "data.xlsx")
    render.write_json(document, out / "bulletin.json")
    extra = getattr(module(bulletin.kind), "render_extra", None)   # a kind's own files (the annual DOCX)
    if extra is not None:
        extra(bulletin, out)
    return {str(p.relative_to(out)): _sha256(p) for p in sorted(out.rglob("*")) if p.is_file()}


def input_key(bulletin: Bulletin, templates: dict[str, str]) -> str:
    """A hash of everything rendering reads: figures, tables, chart specs, inputs, standards,
    templates and the program's version. Equal keys render equal files."""
    basis = charts.key_basis()  # the charts' code, fonts and libraries: a change re-renders
    digest = hashlib.sha256()
    head = {"kind": bulletin.kind, "period": bulletin.period.label, "area": bulletin.area,
            "title": bulletin.title, "template": bulletin.template, "rules": bulletin.rules,
            "issued": bulletin.issued.isoformat() if bulletin.issued else None,
            "context": bulletin.context, "inputs": bulletin.inputs,
            "review": [note.as_dict() for note in bulletin.review],
            "exceedances": [item.as_dict() for item in bulletin.exceedances],
            "public_url": bulletin.public_url,
            "explanations": bulletin.explanations,
            "standards": _standards_used(bulletin.standards), "templates": templates,
            "charts": [[spec.name, charts.spec_key(spec, basis)] for spec in bulletin.charts],
            "generator": f"publisher {__version__}"}
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name, frame in bulletin.tables.items():
        digest.update(name.encode() + b"\0" + frame.write_csv().encode() + b"\0")
        digest.update(json.dumps({c: str(t) for c, t in frame.schema.items()}, ensure_ascii=False).encode())
    return digest.hexdigest()


#: package folders that are not the library a bulletin is built by: the demo and the bench, and the
#: templates and registry a wheel carries (both enter the source key through their own hashes)
_NOT_PROGRAM = ("demo", "bench", "templates", "stations")


@functools.lru_cache(maxsize=1)
def _program_key() -> str:
    """A hash of the program: its version, every source file and every standards table it ships."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] in _NOT_PROGRAM or "__pycache__" in rel.parts:
            continue
        if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".csv", ".json"):
            digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_key(job: Job, templates: dict[str, str]) -> str:
    """A hash of everything assembling reads: the kind, period and area, the registry, the store's
    ledger (files, ingests, parts), the workspace's sand-dust flags, the templates and the program.
    Equal keys assemble equal bulletins, so a bulletin built from this key (as noted in the
    workspace's cache) whose files are intact need not be assembled again."""
    dust = job.workspace.home / DUST_FILE
    head = {"kind": job.kind, "period": job.period.label, "area": job.area, "registry": job.registry.fingerprint,
            "store": Store(job.workspace).state_key(),
            "dust": _sha256(dust) if dust.is_file() else None,
            "explanations": explanations.digest(job.workspace, job.kind, job.period.label, job.area),
            "templates": templates, "program": _program_key(), "public_url": _public_url(job)}
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _public_url(job: Job) -> str | None:
    return site_hooks.bulletin_url(job.workspace, job.kind, job.period.label, job.area)


def _kept(final: Path, name: str, key: str | None = None, tables: bool | None = None) -> dict[str, Any] | None:
    """The manifest of the bulletin `name` already in `final` when its files are intact and complete
    (and, given `key`, it was rendered from that ``input_key``); None when it must be built again."""
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or (key is not None and manifest.get("input_key") != key) \
            or manifest.get("bulletin") != name or not manifest.get("content_sha256"):
        return None
    files = manifest.get("files") or {}
    if not isinstance(files, dict):
        return None
    present = {str(p.relative_to(final)) for p in final.rglob("*") if p.is_file()} - {"manifest.json"}
    if present != set(files) or any(_sha256(final / rel) != sha for rel, sha in files.items()):
        return None
    if output.missing_files(final, files, tables):
        return None
    return manifest


def _source_note(workspace: Workspace, final: Path) -> Path:
    """Where the source key of the bulletin in `final` is noted: the workspace's cache, not the
    bulletin's folder, whose files are exactly what the manifest lists."""
    name = hashlib.sha256(str(final.resolve()).encode()).hexdigest()[:32]
    return workspace.home / "cache" / "bulletins" / f"{name}.json"


def _noted(workspace: Workspace, final: Path, sources: str) -> str | None:
    """The content hash noted for the bulletin in `final` when it was built from `sources`."""
    try:
        note = json.loads(_source_note(workspace, final).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if note.get("source_key") != sources or note.get("folder") != str(final.resolve()):
        return None
    return note.get("content_sha256")


def _note_sources(workspace: Workspace, final: Path, sources: str, content: str) -> None:
    path = _source_note(workspace, final)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        render.write_json({"folder": str(final.resolve()), "source_key": sources, "content_sha256": content}, path)
    except OSError as exc:  # a cache: building goes on without it
        log.warning("bulletin.source_note_failed path=%s error=%s", path, exc)


def check_area(area: str | None) -> None:
    """An area names a folder below ``output/<kind>/<period>/``: one plain name (``bad_area`` otherwise)."""
    if area is None:
        return
    if (not area.strip() or area != area.strip() or len(area) > 100 or area in (".", "..") or area.startswith(".")
            or any(c in area for c in "/\\") or any(ord(c) < 32 or ord(c) == 127 for c in area)):
        raise BuildError(f"地区名称 {area!r} 不能用作文件夹名（不能为空、以“.”开头或含有 / \\ 及控制字符）",
                         "bad_area")


def build(kind: str, period: str | Period, workspace: Workspace, area: str | None = None,
          registry: registry_mod.Registry | None = None, force: bool = False,
          wait: float = output.DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None) -> Built:
    """Assemble and render one bulletin; record the build in the ledger.

    Nothing is assembled again when the workspace's cache notes that the bulletin in the output folder
    was built from the same sources (:func:`source_key`: registry, store ledger, dust flags, templates,
    program) and its files are intact; nothing is rendered again when the output folder holds this
    bulletin rendered from the same figures, tables, charts, inputs, standards and templates (its
    manifest's ``input_key``) with its files intact. ``force=True`` assembles and renders anyway.

    One build of a bulletin runs at a time (:func:`publisher.store.output.bulletin_lock`: another one waits up
    to `wait` seconds, then refuses with ``build_in_progress``); the files are rendered into a staging
    folder of this run, checked complete, and swapped in whole before the revision is recorded."""
    period = Period.parse(period) if isinstance(period, str) else period
    check_area(area)
    registry = registry or registry_mod.load(workspace.stations)
    module(kind)
    name = f"{kind}/{slug(period, area)}"
    final = workspace.output / kind / slug(period, area)
    with output.bulletin_lock(final, name, wait=wait, on_wait=on_wait):
        output.clean_stale(final)
        return _build_locked(kind, period, workspace, area, registry, force, final, name)


def _build_locked(kind: str, period: Period, workspace: Workspace, area: str | None,
                  registry: registry_mod.Registry, force: bool, final: Path, name: str) -> Built:
    job = Job(kind=kind, period=period, workspace=workspace, registry=registry, area=area)
    templates = {p.name: _sha256(p) for p in sorted(TEMPLATES_DIR.glob("*")) if p.is_file()}
    sources = source_key(job, templates)
    noted = None if force else _noted(workspace, final, sources)
    kept = _kept(final, name) if noted else None
    if kept is not None and kept["content_sha256"] != noted:
        kept = None
    by = "sources"
    if kept is None:
        by = "figures"
        bulletin = module(kind).assemble(job)
        bulletin.public_url = _public_url(job)
        bulletin.explanations = explanations.printed(workspace, kind, period.label, area, bulletin.exceedances)
        if f"{kind}/{bulletin.slug}" != name:
            raise BuildError(f"{kind} 公报不按地区“{area}”编制（编制出的是 {kind}/{bulletin.slug}），未写入任何文件"
                             if area else f"公报 {name} 编制出的是 {kind}/{bulletin.slug}，未写入任何文件", "bad_area")
        key = input_key(bulletin, templates)
        kept = None if force else _kept(final, name, key, tables=bool(bulletin.tables))
    if kept is not None:
        content = kept["content_sha256"]
        _note_sources(workspace, final, sources, content)
        revision, changed = _record(workspace, kind, period.label, area, content, final, kept.get("inputs"))
        revisions.keep(workspace, kind, period.label, area, revision, final)
        log.info("bulletin.unchanged kind=%s period=%s area=%s revision=%s by=%s", kind, period.label, area,
                 revision, by)
        return Built(kind, period.label, area, final, content, revision, changed)
    run = output.new_run()
    staging = output.staging_path(final, run)
    try:
        files = render_bulletin(bulletin, staging, charts.default_cache_dir(workspace.home))
        manifest = {
            "bulletin": name,
            "files": files,
            "inputs": bulletin.inputs,
            "standards": _standards_used(bulletin.standards),
            "templates": templates,
            "generator": f"publisher {__version__}",
            "input_key": key,
        }
        content = hashlib.sha256(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        manifest["content_sha256"] = content
        render.write_json(manifest, staging / "manifest.json")
        _require_complete(staging, name, content, files, bulletin)
        output.fault("kill-before-swap")
        output.swap_in(staging, final, run)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    output.fault("kill-after-swap")
    _require_complete(final, name, content, files, bulletin, hashes=False)
    _note_sources(workspace, final, sources, content)
    revision, changed = _record(workspace, kind, period.label, area, content, final, bulletin.inputs)
    revisions.keep(workspace, kind, period.label, area, revision, final)
    log.info("bulletin.built kind=%s period=%s area=%s revision=%s changed=%s",
             kind, period.label, area, revision, changed)
    return Built(kind, period.label, area, final, content, revision, changed, rendered=True)


def _require_complete(folder: Path, name: str, content: str, files: dict[str, str], bulletin: Bulletin,
                      hashes: bool = True) -> None:
    """Refuse (``incomplete_bulletin``) a folder that lacks a file a bulletin must have or differs from
    its manifest; with ``hashes=False`` only that every file is there."""
    charts = [f"charts/{spec.filename}" for spec in bulletin.charts]
    missing = output.missing_files(folder, files, bool(bulletin.tables), charts)
    problems = [f"缺少 {m}" for m in missing]
    if hashes:
        check = integrity.check_folder(folder, content)
        problems += [p.message for p in check.problems]
    else:
        problems += [f"缺少 {rel}" for rel in files if not (folder / rel).is_file()]
    if problems:
        raise BuildError(f"公报 {name} 的文件不完整（{'；'.join(dict.fromkeys(problems))}），未记录新版本，"
                         f"原有文件保持不变", "incomplete_bulletin")


def _record(workspace: Workspace, kind: str, period: str, area: str | None, content: str,
            path: Path, inputs: Any) -> tuple[int, bool]:
    """Record the build in the ledger (the folder relative to the output root): a new revision only
    when the content changed."""
    row, changed = Store(workspace).record_build(kind, period, area, path, content, inputs=inputs)
    return int(row["revision"]), changed
