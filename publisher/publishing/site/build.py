"""``publisher site build``: the public static site in ``output/site/``.

Pages (every one with ``lang="zh-CN"``, one ``h1``, a Content-Security-Policy meta that allows no
script at all, its own style sheet ``style.css``)::

    index.html                         home: the latest items of every column
    <column>/index.html                a column: its sections, latest items, the archive by year
    <column>/<year>/index.html         the archive of a year
    <column>/<kind>/<period>[/<area>]/index.html    an item: disclosure metadata, QR code, findings,
                                       charts, downloads, correction notices, earlier versions
    <column>/<kind>/<period>[/<area>]/r<N>/         the files of published revision N, byte for byte
    feed.xml, <column>/feed.xml        Atom feeds of the site and of each column
    index.json                         everything published, with its metadata and withdrawals

A withdrawn item leaves the index, the column pages, the feeds and the JSON's ``items``; its page is
the 撤回说明 notice (when, why) and its files are not on the site (they stay in the archive and the
ledger). The site is built into a staging folder and exchanged with the old one whole.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from publisher import __version__
from publisher.paths import Workspace
from publisher.publishing.site import columns, config as config_mod, qr
from publisher.publishing.site.model import Item, items as load_items
from publisher.store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: the policy every page carries: nothing runs, only the site's own style sheet and images
CSP = ("default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'")
#: the header to send when the site is served (frame-ancestors has no effect in a meta element)
CSP_HEADER = CSP + "; frame-ancestors 'none'"
LATEST = 20
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass
class SiteBuilt:
    root: Path
    items: list[Item]
    withdrawn: list[Item]
    pages: int
    problems: list[str] = field(default_factory=list)
    config: Any = None


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["day"] = lambda t: _when(t)[:10]
    return env


def _when(text: str | None) -> str:
    if not text:
        return ""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return str(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _rel(from_dir: str, to: str) -> str:
    """A relative link from a page in folder `from_dir` (below the site root, '' for the root) to `to`."""
    return os.path.relpath(to, from_dir or ".").replace(os.sep, "/") if to else "./"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_site(ws: Workspace, out: Path | None = None, config_path: Path | None = None) -> SiteBuilt:
    """Build the site of everything published into `out` (default ``output/site``)."""
    config = config_mod.load(ws, config_path)
    out = Path(out) if out else ws.output / "site"
    all_items, problems = load_items(ws, config)
    live = [i for i in all_items if i.withdrawn is None]
    gone = [i for i in all_items if i.withdrawn is not None]
    env = _env()
    staging = out.parent / f".{out.name}.{uuid.uuid4().hex}.building"
    pages = 0
    generated = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    try:
        staging.mkdir(parents=True)
        shutil.copyfile(TEMPLATES / "style.css", staging / "style.css")

        def page(rel: str, template: str, **ctx: Any) -> None:
            nonlocal pages
            here = rel.rsplit("/", 1)[0] if "/" in rel else ""
            link = lambda to: _rel(here, to)  # noqa: E731
            nav = [{"name": c.name, "href": link(f"{c.id}/index.html"), "id": c.id} for c in _columns(all_items)]
            _write(staging / rel, env.get_template(template).render(
                csp=CSP, site=config, link=link, nav=nav, home=link("index.html"), css=link("style.css"),
                feed=link("feed.xml"), generated=generated, **ctx))
            pages += 1

        page("index.html", "home.html", latest=live[:LATEST], gone=gone, column_of=columns.column_of,
             url=lambda i: i.path + "index.html")
        for column in _columns(all_items):
            mine = [i for i in live if i.column.id == column.id]
            years = sorted({i.year for i in mine}, reverse=True)
            sections = _sections(column, mine)
            page(f"{column.id}/index.html", "column.html", column=column, sections=sections, years=years,
                 url=lambda i: i.path + "index.html", gone=[i for i in gone if i.column.id == column.id])
            for year in years:
                page(f"{column.id}/{year}/index.html", "year.html", column=column, year=year,
                     sections=_sections(column, [i for i in mine if i.year == year]),
                     url=lambda i: i.path + "index.html")
            _write(staging / column.id / "feed.xml", env.get_template("feed.xml").render(
                site=config, title=f"{config.site_name} · {column.name}", self_url=config.url(f"{column.id}/feed.xml"),
                home_url=config.url(f"{column.id}/index.html"), items=mine, updated=_updated(mine, generated),
                item_url=lambda i: config.url(i.path + "index.html"), generator=__version__))
        _write(staging / "feed.xml", env.get_template("feed.xml").render(
            site=config, title=config.site_name, self_url=config.url("feed.xml"), home_url=config.base_url,
            items=live, updated=_updated(live, generated), item_url=lambda i: config.url(i.path + "index.html"),
            generator=__version__))
        for item in all_items:
            folder = staging / item.path
            folder.mkdir(parents=True, exist_ok=True)
            url = config.url(item.path + "index.html")
            if item.withdrawn is None:
                for version in item.versions:
                    shutil.copytree(version.folder, folder / f"r{version.revision}",
                                    ignore=shutil.ignore_patterns(".*"))
                qr.write_png(url, folder / "qr.png")
            page(item.path + "index.html", "withdrawn.html" if item.withdrawn else "item.html", item=item,
                 url=url, column=item.column)
        _write(staging / "index.json", json.dumps(_index(config, live, gone, generated), ensure_ascii=False,
                                                  indent=2) + "\n")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    Store(ws).record_event("site_built", str(out), {"items": [i.subject for i in live],
                                                    "withdrawn": [i.subject for i in gone],
                                                    "base_url": config.base_url})
    return SiteBuilt(out, live, gone, pages, problems, config)


def _swap(staging: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.{uuid.uuid4().hex}.old"
    if out.exists():
        os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _columns(all_items: list[Item]) -> list[columns.Column]:
    shown = list(columns.COLUMNS)
    if any(i.column.id == columns.OTHER.id for i in all_items):
        shown.append(columns.OTHER)
    return shown


def _sections(column: columns.Column, mine: list[Item]) -> list[dict[str, Any]]:
    names = [section for kind, (cid, section) in columns.KIND_COLUMN.items() if cid == column.id]
    for i in mine:
        if i.section not in names:
            names.append(i.section)
    names = list(dict.fromkeys(names))
    return [{"name": n, "items": [i for i in mine if i.section == n]} for n in names]


def _updated(mine: list[Item], generated: str) -> str:
    return max((i.updated for i in mine), default=generated)


def _index(config: Any, live: list[Item], gone: list[Item], generated: str) -> dict[str, Any]:
    def entry(i: Item) -> dict[str, Any]:
        base = i.path
        return {
            "kind": i.kind, "column": i.column.id, "column_name": i.column.name, "section": i.section,
            "period": i.period, "area": i.area, "title": i.title, "url": config.url(base + "index.html"),
            "disclosure": i.disclosure, "current_revision": i.current.revision,
            "versions": [{"revision": v.revision, "published_at": v.published_at, "note": v.note,
                          "files": {f: config.url(f"{base}r{v.revision}/{f}") for f in [*v.files, "manifest.json"]},
                          "corrects": i.versions[n - 1].revision if n else None,
                          "changed_figures": v.changes_total}
                         for n, v in enumerate(i.versions)],
        }

    return {"site": config.site_name, "institution": config.institution, "base_url": config.base_url,
            "generated": generated, "generator": f"publisher {__version__}",
            "items": [entry(i) for i in live],
            "withdrawn": [{"kind": i.kind, "column": i.column.id, "period": i.period, "area": i.area,
                           "title": i.title, "url": config.url(i.path + "index.html"),
                           "index_no": i.disclosure["index_no"], "withdrawn_at": i.withdrawn.decided_at,
                           "reason": i.withdrawn.reason} for i in gone]}
