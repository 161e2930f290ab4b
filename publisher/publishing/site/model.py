"""What the site shows, read from the ledger and the archive of published files: every published item
(kind, period, area) with its published revisions, disclosure metadata, correction notes and
withdrawal. Only revisions that went out to a portal are shown; their files come from
``archive/published/`` (:mod:`publisher.publishing.site.archive`), or, for the latest revision only,
from its output folder when it still matches the recorded manifest.
"""
from __future__ import annotations

import html.parser
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.paths import Workspace
from publisher.periods import Period
from publisher.publishing import integrity
from publisher.publishing.site import archive, columns, disclosure, withdrawal
from publisher.publishing.site import corrections
from publisher.publishing.site.config import SiteConfig
from publisher.store import Store

log = logging.getLogger(__name__)


def item_path(kind: str, period: str, area: str | None = None) -> str:
    """The item's folder below output/site/ (its page is ``<path>index.html``); part of its public URL."""
    return f"{columns.column_of(kind).id}/{kind}/{period}/" + (f"{area}/" if area else "")


def public_url(config: SiteConfig, kind: str, period: str, area: str | None = None) -> str:
    return config.url(item_path(kind, period, area))


@dataclass
class Figure:
    src: str          # relative to the version folder
    alt: str
    caption: str


@dataclass
class Version:
    revision: int
    folder: Path                 # where its files are (archive or output folder)
    published_at: str            # first successful publication of this revision (UTC ISO)
    note: str | None
    document: dict[str, Any]     # bulletin.json
    files: list[str]             # as the manifest lists them
    figures: list[Figure] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)   # figures that differ from the version before
    changes_total: int = 0

    @property
    def title(self) -> str:
        return str(self.document.get("title") or "")


@dataclass
class Item:
    kind: str
    period: str
    area: str | None
    versions: list[Version]                      # oldest first
    disclosure: dict[str, Any]
    withdrawn: withdrawal.State | None = None

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def column(self) -> columns.Column:
        return columns.column_of(self.kind)

    @property
    def section(self) -> str:
        return columns.section_of(self.kind)

    @property
    def path(self) -> str:
        return item_path(self.kind, self.period, self.area)

    @property
    def subject(self) -> str:
        return disclosure.subject(self.kind, self.period, self.area)

    @property
    def year(self) -> int:
        try:
            return Period.parse(self.period).start.year
        except Exception:  # noqa: BLE001
            return int(self.period[:4])

    @property
    def period_zh(self) -> str:
        try:
            return Period.parse(self.period).label_zh
        except Exception:  # noqa: BLE001
            return self.period

    @property
    def title(self) -> str:
        return self.current.title or f"{self.kind} {self.period}"

    @property
    def updated(self) -> str:
        return self.current.published_at

    @property
    def summary(self) -> list[str]:
        figures = self.current.document.get("figures") or {}
        for key in ("findings", "conclusions", "headline"):
            value = figures.get(key)
            if isinstance(value, list) and value:
                return [str(v) for v in value if isinstance(v, (str, int, float))][:6]
            if isinstance(value, str) and value:
                return [value]
        return []


class _Figures(html.parser.HTMLParser):
    """The charts a bulletin page shows: each <img> with its alt and the caption of its <figure>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: list[Figure] = []
        self._in_figure = 0
        self._caption: list[str] | None = None
        self._pending: list[Figure] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure":
            self._in_figure += 1
            self._pending = []
        elif tag == "img" and a.get("src") and integrity.safe_relpath(a["src"] or ""):
            fig = Figure(str(a["src"]), str(a.get("alt") or ""), "")
            self.figures.append(fig)
            if self._in_figure:
                self._pending.append(fig)
        elif tag == "figcaption":
            self._caption = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figcaption" and self._caption is not None:
            text = " ".join("".join(self._caption).split())
            for fig in self._pending:
                fig.caption = fig.caption or text
            self._caption = None
        elif tag == "figure" and self._in_figure:
            self._in_figure -= 1

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)


def figures_of(folder: Path, document: dict[str, Any]) -> list[Figure]:
    parser = _Figures()
    try:
        parser.feed((folder / "index.html").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    specs = {f"charts/{c.get('name')}.png": c for c in (document.get("figures") or {}).get("charts") or []
             if isinstance(c, dict)}
    out = []
    for fig in parser.figures:
        if not fig.src.startswith("charts/") or not (folder / fig.src).is_file():
            continue
        spec = specs.get(fig.src)
        if spec:
            fig.alt = str(spec.get("title") or fig.alt)
            fig.caption = str(spec.get("caption") or "")
        out.append(fig)
    return out


def _load_version(folder: Path, row: dict[str, Any], published_at: str, note: str | None) -> Version | None:
    try:
        manifest = json.loads((folder / integrity.MANIFEST).read_text(encoding="utf-8"))
        document = json.loads((folder / "bulletin.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if integrity.content_sha256(manifest) != row["manifest_sha256"]:
        log.warning("site.version_mismatch %s r%s", folder, row["revision"])
        return None
    files = sorted(manifest.get("files") or {})
    version = Version(int(row["revision"]), folder, published_at, note, document, files)
    version.figures = figures_of(folder, document)
    return version


def items(ws: Workspace, config: SiteConfig) -> tuple[list[Item], list[str]]:
    """Every published item (newest period first) and the problems met (a revision without its files)."""
    store = Store(ws)
    if not store.exists():
        return [], []
    problems: list[str] = []
    publications: dict[int, list[dict[str, Any]]] = {}
    for p in store.publications():
        if p["status"] == "ok":
            publications.setdefault(int(p["bulletin_id"]), []).append(p)
    groups: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}
    for row in store.bulletins():
        if int(row["id"]) in publications:
            groups.setdefault((row["kind"], row["period"], row.get("area")), []).append(row)
    decided = withdrawal.withdrawn(ws)
    out: list[Item] = []
    for (kind, period, area), rows in groups.items():
        rows.sort(key=lambda r: int(r["revision"]))
        versions: list[Version] = []
        for row in rows:
            pubs = publications[int(row["id"])]
            first = min(p["at"] for p in pubs)
            folder = archive.folder(ws, kind, period, area, int(row["revision"]))
            note = None
            record = folder / ".published.json"
            if record.is_file():
                try:
                    note = json.loads(record.read_text(encoding="utf-8")).get("note")
                except (OSError, ValueError):
                    note = None
            version = _load_version(folder, row, first, note) if folder.is_dir() else None
            if version is None and row is rows[-1]:
                check = integrity.check_folder(Path(row["output_dir"]), row["manifest_sha256"])
                if check.ok:
                    version = _load_version(Path(row["output_dir"]), row, first, note)
            if version is None:
                problems.append(f"{disclosure.subject(kind, period, area)} 第{row['revision']}版已发布，"
                                f"但找不到与台账一致的文件（archive/published/ 或输出目录），网站不列出该版")
                continue
            versions.append(version)
        if not versions:
            continue
        for before, after in zip(versions, versions[1:]):
            after.changes, after.changes_total = corrections.changed_figures(before.document, after.document)
        key = disclosure.subject(kind, period, area)
        state = decided.get(key)
        meta = disclosure.metadata(ws, kind, period, area, versions[-1].document.get("issued"),
                                   versions[0].published_at, config,
                                   validity="已撤回" if state else None)
        out.append(Item(kind, period, area, versions, meta, state))
    out.sort(key=lambda i: (i.current.published_at, i.period), reverse=True)
    return out, problems
