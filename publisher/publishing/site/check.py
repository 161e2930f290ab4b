"""``publisher site check``: crawl the built site (a folder) or a served one (``--url``) and report
every broken internal link, image, style sheet, download and feed entry with the page that holds it;
list the external links; check every published version's files against its manifest (present, same
sha256, nothing added). Only pages of the site itself are followed; a served site is read with at most
:data:`MAX_PAGES` requests of at most :data:`MAX_BYTES` each, on its own origin only.
"""
from __future__ import annotations

import hashlib
import html.parser
import json
import posixpath
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import requests

MAX_PAGES = 20_000
MAX_BYTES = 64 * 1024 * 1024
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Broken:
    page: str
    link: str
    reason: str


@dataclass
class Report:
    pages: int = 0
    checked: int = 0
    files_verified: int = 0
    broken: list[Broken] = field(default_factory=list)
    external: dict[str, list[str]] = field(default_factory=dict)    # link -> pages

    @property
    def ok(self) -> bool:
        return not self.broken


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("href", "src"):
            if tag in ("a", "link", "img", "script", "iframe", "source") and a.get(name):
                self.links.append(str(a[name]))


class _Reader:
    """Reads paths below the site's root, from a folder or over HTTP."""

    def __init__(self, root: str):
        self.remote = root.startswith(("http://", "https://"))
        self.root = root if not self.remote else root.rstrip("/") + "/"
        self.session = requests.Session() if self.remote else None

    def read(self, rel: str) -> bytes | None:
        """The bytes at `rel` (a folder path means its index.html), or None when it does not resolve."""
        if self.remote:
            url = self.root + urllib.parse.quote(rel)
            try:
                with self.session.get(url, timeout=30, stream=True, allow_redirects=False) as r:
                    if r.status_code != 200:
                        return None
                    data = bytearray()
                    for chunk in r.iter_content(65536):
                        data += chunk
                        if len(data) > MAX_BYTES:
                            return None
                    return bytes(data)
            except requests.RequestException:
                return None
        path = Path(self.root) / rel
        if rel == "" or rel.endswith("/"):
            path = path / "index.html"
        try:
            base = Path(self.root).resolve()
            real = path.resolve()
            if base != real and base not in real.parents:
                return None
            return real.read_bytes() if real.is_file() else None
        except OSError:
            return None


def _resolve(page: str, link: str) -> str | None:
    """The site path `link` on `page` points at, or None for an external link."""
    parts = urllib.parse.urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    target = urllib.parse.unquote(parts.path)
    if not target:
        return page
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
    if target.endswith("/") and not joined.endswith("/"):
        joined += "/"
    return "" if joined in (".", "./") else joined


def check(root: str | Path, base_url: str | None = None) -> Report:
    """Crawl the site at `root` (a folder, or an http(s) URL); `base_url` (the site's public address,
    from index.json when not given) maps absolute links and feed entries back onto the site."""
    reader = _Reader(str(root))
    report = Report()
    index_raw = reader.read("index.json")
    index = {}
    if index_raw is None:
        report.broken.append(Broken("（网站根目录）", "index.json", "缺少 JSON 索引"))
    else:
        try:
            index = json.loads(index_raw.decode("utf-8"))
        except ValueError:
            report.broken.append(Broken("（网站根目录）", "index.json", "JSON 索引无法读取"))
    base_url = base_url or index.get("base_url") or ""

    def local(link: str, page: str) -> str | None:
        if base_url and link.startswith(base_url):
            rest = link[len(base_url):]
            return _resolve("", urllib.parse.urlsplit(rest).path or "./") if rest else ""
        return _resolve(page, link)

    seen: dict[str, bytes | None] = {}
    queue = ["index.html"]
    done: set[str] = set()

    def fetch(rel: str) -> bytes | None:
        if rel not in seen:
            if len(seen) >= MAX_PAGES:
                return b""
            seen[rel] = reader.read(rel)
            report.checked += 1
        return seen[rel]

    if fetch("index.html") is None:
        report.broken.append(Broken("（网站根目录）", "index.html", "缺少首页"))
        return report
    while queue:
        page = queue.pop()
        if page in done:
            continue
        done.add(page)
        body = fetch(page)
        if body is None:
            continue
        report.pages += 1
        if page.endswith(".xml"):
            _check_feed(page, body, report, local, fetch)
            continue
        parser = _Links()
        try:
            parser.feed(body.decode("utf-8"))
        except UnicodeDecodeError:
            report.broken.append(Broken(page, page, "页面不是 UTF-8"))
            continue
        for link in parser.links:
            if link.startswith(("mailto:", "tel:")) or link.startswith("#"):
                continue
            target = local(link, page)
            if target is None:
                report.external.setdefault(link, []).append(page)
                continue
            if target.startswith(".."):
                report.broken.append(Broken(page, link, "指向网站之外的路径"))
                continue
            data = fetch(target)
            if data is None:
                report.broken.append(Broken(page, link, "无法打开（不存在）"))
                continue
            fragment = urllib.parse.urlsplit(link).fragment
            if fragment and (target.endswith(".html") or target.endswith("/") or target == "") and \
                    f'id="{fragment}"'.encode() not in data:
                report.broken.append(Broken(page, link, f"页面中没有锚点 #{fragment}"))
            if target.endswith((".html", ".xml")) or target.endswith("/") or target == "":
                if _is_site_page(target):
                    queue.append(target if target and not target.endswith("/") else target + "index.html")
    for entry in index.get("items", []):
        for name, url in [("url", entry.get("url"))] + [(f, u) for v in entry.get("versions", [])
                                                         for f, u in (v.get("files") or {}).items()]:
            target = local(str(url or ""), "")
            if target is None or fetch(target if target and not target.endswith("/") else target + "index.html") is None:
                report.broken.append(Broken("index.json", str(url), f"{entry.get('title')}：{name} 无法打开"))
    _check_manifests(index, report, local, fetch)
    return report


def _is_site_page(rel: str) -> bool:
    """Pages of the site itself are crawled; a published bulletin's own files (r<N>/…) are checked
    against their manifest instead."""
    return not any(part.startswith("r") and part[1:].isdigit() for part in rel.split("/"))


def _check_feed(page: str, body: bytes, report: Report, local, fetch) -> None:
    try:
        tree = ET.fromstring(body)
    except ET.ParseError as exc:
        report.broken.append(Broken(page, page, f"订阅源不是有效的 XML：{exc}"))
        return
    for entry in tree.iter(f"{ATOM}entry"):
        for link in entry.iter(f"{ATOM}link"):
            href = link.get("href") or ""
            target = local(href, page)
            if target is None:
                report.broken.append(Broken(page, href, "订阅条目指向网站之外"))
            elif fetch(target if target and not target.endswith("/") else target + "index.html") is None:
                report.broken.append(Broken(page, href, "订阅条目无法打开"))


def _check_manifests(index: dict, report: Report, local, fetch) -> None:
    """Every published version's files against its manifest."""
    for entry in index.get("items", []):
        for version in entry.get("versions", []):
            files = version.get("files") or {}
            manifest_url = files.get("manifest.json")
            if manifest_url is None:
                some = next(iter(files.values()), None)
                if some is None:
                    continue
                manifest_url = some.rsplit("/", 1)[0] + "/manifest.json"
            where = local(manifest_url, "")
            raw = fetch(where) if where is not None else None
            if raw is None:
                report.broken.append(Broken("index.json", manifest_url, "缺少 manifest.json"))
                continue
            try:
                listed = json.loads(raw.decode("utf-8"))["files"]
            except (ValueError, KeyError, TypeError):
                report.broken.append(Broken("index.json", manifest_url, "manifest.json 无法读取"))
                continue
            folder = where.rsplit("/", 1)[0]
            for rel, digest in listed.items():
                data = fetch(f"{folder}/{rel}")
                if data is None:
                    report.broken.append(Broken(manifest_url, rel, "清单列出的文件缺失"))
                elif hashlib.sha256(data).hexdigest() != digest:
                    report.broken.append(Broken(manifest_url, rel, "文件与清单的 sha256 不符"))
                else:
                    report.files_verified += 1
            extra = sorted(set(files) - set(listed) - {"manifest.json"})
            for rel in extra:
                report.broken.append(Broken(manifest_url, rel, "清单之外的文件"))


def render_text(report: Report) -> str:
    lines = [f"检查了 {report.pages} 个页面和订阅源、{report.checked} 个地址，核对 {report.files_verified} 个已发布文件与清单"]
    if report.external:
        lines.append(f"外部链接 {len(report.external)} 个：")
        for link, pages in sorted(report.external.items()):
            lines.append(f"  {link}（见 {pages[0]}{' 等' + str(len(pages)) + '页' if len(pages) > 1 else ''}）")
    if report.broken:
        lines.append(f"失效链接 {len(report.broken)} 个：")
        for b in report.broken:
            lines.append(f"  {b.page}：{b.link} — {b.reason}")
    else:
        lines.append("未发现失效链接")
    return "\n".join(lines)
