"""Render an assembled Bulletin into ``output/<kind>/<period>/`` and record it in the ledger.

The folder holds ``index.html`` with ``charts/``, ``bulletin.pdf``, ``data.csv`` (UTF-8 with BOM),
``data.xlsx``, ``bulletin.json`` (every figure with the source files and standards behind it) and
``manifest.json`` (the sha256 of every file, the inputs, the standards tables and the templates).
Files are written to a temporary folder that replaces the previous build in one rename, so a
reader never sees a half-written bulletin. Rebuilding with unchanged inputs gives identical bytes.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher import __version__, render, standards
from publisher import registry as registry_mod
from publisher.bulletins import module
from publisher.bulletins.base import Bulletin, Job
from publisher.paths import TEMPLATES_DIR, Workspace
from publisher.periods import Period

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


def render_bulletin(bulletin: Bulletin, out: Path) -> dict[str, str]:
    """Write every file of `bulletin` into the folder `out` (created); return {file: sha256}."""
    out.mkdir(parents=True, exist_ok=True)
    chart_paths = render.render_charts(bulletin.charts, out / "charts") if bulletin.charts else []
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
        "generator": f"publisher {__version__}",
    }
    page = {
        "b": bulletin.context,
        "title": bulletin.title,
        "period": bulletin.period,
        "issued": bulletin.issued,
        "area": bulletin.area,
        "standards_used": used,
        "charts": {p.stem: f"charts/{p.name}" for p in chart_paths},
    }
    render.write_html(bulletin.template, page, out / "index.html")
    render.write_pdf(out / "index.html", out / "bulletin.pdf")
    if bulletin.tables:
        first = next(iter(bulletin.tables.values()))
        render.write_csv_bom(first, out / "data.csv")
        render.write_xlsx(bulletin.tables, out / "data.xlsx")
    render.write_json(document, out / "bulletin.json")
    return {str(p.relative_to(out)): _sha256(p) for p in sorted(out.rglob("*")) if p.is_file()}


def input_key(bulletin: Bulletin, templates: dict[str, str]) -> str:
    """A hash of everything rendering reads: figures, tables, chart specs, inputs, standards,
    templates and the program's version. Equal keys render equal files."""
    from publisher import charts

    digest = hashlib.sha256()
    head = {"kind": bulletin.kind, "period": bulletin.period.label, "area": bulletin.area,
            "title": bulletin.title, "template": bulletin.template,
            "issued": bulletin.issued.isoformat() if bulletin.issued else None,
            "context": bulletin.context, "inputs": bulletin.inputs,
            "standards": _standards_used(bulletin.standards), "templates": templates,
            "charts": [[spec.name, charts.spec_key(spec)] for spec in bulletin.charts],
            "generator": f"publisher {__version__}"}
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name, frame in bulletin.tables.items():
        digest.update(name.encode() + b"\0" + frame.write_csv().encode() + b"\0")
        digest.update(json.dumps({c: str(t) for c, t in frame.schema.items()}, ensure_ascii=False).encode())
    return digest.hexdigest()


def _unchanged(final: Path, key: str) -> str | None:
    """The content hash of the bulletin already in `final` when it was rendered from `key` and
    its files are intact; None when it must be rendered."""
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("input_key") != key:
        return None
    files = manifest.get("files") or {}
    present = {str(p.relative_to(final)) for p in final.rglob("*") if p.is_file()} - {"manifest.json"}
    if present != set(files) or any(_sha256(final / name) != sha for name, sha in files.items()):
        return None
    return manifest.get("content_sha256")


def build(kind: str, period: str | Period, workspace: Workspace, area: str | None = None,
          registry: registry_mod.Registry | None = None, force: bool = False) -> Built:
    """Assemble and render one bulletin; record the build in the ledger.

    When the output folder already holds this bulletin rendered from the same figures, tables,
    charts, inputs, standards and templates (its manifest's ``input_key``) with its files intact,
    nothing is rendered again (``force=True`` renders anyway)."""
    period = Period.parse(period) if isinstance(period, str) else period
    registry = registry or registry_mod.load(workspace.stations)
    bulletin_module = module(kind)
    job = Job(kind=kind, period=period, workspace=workspace, registry=registry, area=area)
    bulletin = bulletin_module.assemble(job)
    final = workspace.output / kind / bulletin.slug
    templates = {p.name: _sha256(p) for p in sorted(TEMPLATES_DIR.glob("*")) if p.is_file()}
    key = input_key(bulletin, templates)
    kept = None if force else _unchanged(final, key)
    if kept:
        revision, changed = _record(workspace, kind, period.label, area, kept, final, bulletin.inputs)
        log.info("bulletin.unchanged kind=%s period=%s area=%s revision=%s", kind, period.label, area, revision)
        return Built(kind, period.label, area, final, kept, revision, changed)
    staging = final.parent / f".{final.name}.building"
    if staging.exists():
        shutil.rmtree(staging)
    files = render_bulletin(bulletin, staging)
    manifest = {
        "bulletin": f"{kind}/{bulletin.slug}",
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
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    revision, changed = _record(workspace, kind, period.label, area, content, final, bulletin.inputs)
    log.info("bulletin.built kind=%s period=%s area=%s revision=%s changed=%s",
             kind, period.label, area, revision, changed)
    return Built(kind, period.label, area, final, content, revision, changed)


def _record(workspace: Workspace, kind: str, period: str, area: str | None, content: str,
            path: Path, inputs: Any) -> tuple[int, bool]:
    """Record the build in the ledger: a new revision only when the content changed."""
    from publisher.store import Store

    store = Store(workspace)
    previous = [row for row in store.bulletins(kind=kind, period=period) if row.get("area") == area]
    if previous and previous[-1]["manifest_sha256"] == content:
        return int(previous[-1]["revision"]), False
    row = store.record_bulletin(kind, period, str(path), content, area=area, inputs=inputs)
    return int(row["revision"]), True
