"""The reference portal: a small public website that receives bulletins from ``publisher publish``.

Run it with ``publisher portal serve --root DIR``. It uses the standard library's threading HTTP
server and keeps everything in files below ``DIR``::

    public/<kind>/<period>[/<area>]/v<N>/   the files of version N, byte for byte as uploaded
        .publication.json                   the upload's metadata (kept, never served)
    .staging/                               uploads being written (renamed into place whole)

Protocol (version 1, see docs/publishing.md):

``POST /api/v1/bulletins`` (``multipart/form-data``; ``Authorization: Bearer <token>`` when the
portal has a token): a part ``metadata`` (JSON), a part ``manifest`` (the bulletin's manifest.json)
and one part ``file`` per file the manifest lists, its ``filename`` the percent-encoded relative path.
The portal checks the manifest's content hash against ``metadata.manifest_sha256`` and every file's
sha256 against the manifest, and that exactly the listed files came. Answers are JSON: 201
``{"status": "published", "version", "path", "url"}``; 200 ``already_published`` (same manifest
sha256 already stored); 400/401/409/411/413 ``{"error": code, "message": 中文}``.

``GET /`` the public index (Chinese): bulletins by kind and period with every version;
``GET /api/v1/bulletins`` the same as JSON (without the signers' names);
``GET /b/<kind>/<period>[/<area>]/v<N>/<file>`` a published file.
"""
from __future__ import annotations

import datetime as dt
import hmac
import html
import json
import logging
import mimetypes
import re
import shutil
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from publisher import integrity

log = logging.getLogger("publisher.portal")

API_PATH = "/api/v1/bulletins"
RECORD = ".publication.json"
MAX_UPLOAD = 256 * 1024 * 1024
BEIJING = dt.timezone(dt.timedelta(hours=8))
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-\d{2}(-\d{2})?)?$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_VERSION_DIR = re.compile(r"^v(\d+)$")
#: links offered for each version, in this order, when the bulletin has the file
LINKS = (("index.html", "网页"), ("bulletin.pdf", "PDF"), ("data.csv", "CSV"), ("data.xlsx", "Excel"),
         ("bulletin.json", "JSON"))


class UploadError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --------------------------------------------------------------------------- storage
class PortalStore:
    """The portal's files: one folder per published version, written whole or not at all."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.public = self.root / "public"
        self.lock = threading.Lock()

    def records(self) -> list[dict[str, Any]]:
        if not self.public.is_dir():
            return []
        out = []
        for path in self.public.rglob(RECORD):
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                log.warning("unreadable record %s", path)
        return out

    def bulletins(self) -> list[dict[str, Any]]:
        """Every bulletin with its versions (newest first), ordered by kind, period (newest first), area."""
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for rec in self.records():
            groups.setdefault((rec["kind"], rec["period"], rec.get("area") or ""), []).append(rec)
        try:
            from publisher.bulletins import KINDS
            order = {k: i for i, k in enumerate(KINDS)}
        except ImportError:  # pragma: no cover - the portal can run without the bulletin modules
            order = {}
        keys = sorted(groups, key=lambda k: (order.get(k[0], len(order)), k[0], _neg(k[1]), k[2]))
        out = []
        for key in keys:
            versions = sorted(groups[key], key=lambda r: r["version"], reverse=True)
            out.append({"kind": key[0], "kind_name": versions[0].get("kind_name") or key[0], "period": key[1],
                        "area": key[2] or None, "title": versions[0].get("title"),
                        "current_version": versions[0]["version"], "versions": versions})
        return out

    def folder(self, kind: str, period: str, area: str | None) -> Path:
        return self.public / kind / period / area if area else self.public / kind / period

    def add(self, metadata: dict[str, Any], manifest_bytes: bytes, files: dict[str, bytes]) -> tuple[str, dict]:
        """Store a checked upload; ("published" | "already_published", record)."""
        kind, period, area = metadata["kind"], metadata["period"], metadata.get("area")
        staging = self.root / ".staging" / uuid.uuid4().hex
        try:
            for rel, data in files.items():
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (staging / integrity.MANIFEST).write_bytes(manifest_bytes)
            with self.lock:
                folder = self.folder(kind, period, area)
                existing = [r for r in self.records() if r["kind"] == kind and r["period"] == period
                            and (r.get("area") or None) == area]
                same = [r for r in existing if r["manifest_sha256"] == metadata["manifest_sha256"]]
                if same:
                    return "already_published", same[0]
                clash = [r for r in existing if r["revision"] == metadata["revision"]]
                if clash:
                    raise UploadError(409, "revision_conflict",
                                      f"第{metadata['revision']}版已以不同内容发布过（门户第{clash[0]['version']}版）")
                if existing and metadata["revision"] < max(r["revision"] for r in existing):
                    raise UploadError(409, "older_revision",
                                      f"门户已有更新的第{max(r['revision'] for r in existing)}版，"
                                      f"不接受较早的第{metadata['revision']}版")
                version = max((r["version"] for r in existing), default=0) + 1
                final = folder / f"v{version}"
                rel_path = final.relative_to(self.public).as_posix()
                record = {**metadata, "version": version,
                          "published_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                          "files": sorted([*files, integrity.MANIFEST]), "path": rel_path,
                          "replaces": max((r["version"] for r in existing), default=None)}
                (staging / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
                folder.mkdir(parents=True, exist_ok=True)
                staging.rename(final)
                log.info("published %s %s %s revision %s as version %s", kind, period, area or "",
                         metadata["revision"], version)
                return "published", record
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def file(self, rel: str) -> Path | None:
        """The published file at `rel` below public/, or None (hidden and unsafe paths never resolve)."""
        if not integrity.safe_relpath(rel):
            return None
        path = (self.public / rel).resolve()
        if self.public not in path.parents or not path.is_file():
            return None
        return path


def _neg(period: str) -> tuple:
    """Sort key putting later periods first."""
    return tuple(-ord(c) for c in period)


# --------------------------------------------------------------------------- checking an upload
def parse_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a ``multipart/form-data`` body: (content-disposition params, bytes), byte-exact."""
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type.lower().startswith("multipart/form-data") or not match:
        raise UploadError(400, "bad_request", "上传应为 multipart/form-data")
    delimiter = b"--" + match.group(1).encode("latin-1")
    if not body.startswith(delimiter):
        raise UploadError(400, "bad_request", "multipart 正文格式有误")
    chunks = body[len(delimiter):].split(b"\r\n" + delimiter)
    if not chunks[-1].startswith(b"--"):
        raise UploadError(400, "bad_request", "multipart 正文不完整")
    parts = []
    for chunk in chunks[:-1]:
        if not chunk.startswith(b"\r\n") or b"\r\n\r\n" not in chunk:
            raise UploadError(400, "bad_request", "multipart 分段格式有误")
        head, content = chunk[2:].split(b"\r\n\r\n", 1)
        params: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                params = {k.lower(): v for k, v in re.findall(r';\s*([\w*-]+)="([^"]*)"', value)}
        parts.append((params, content))
    return parts


def check_upload(parts: list[tuple[dict[str, str], bytes]]) -> tuple[dict[str, Any], bytes, dict[str, bytes]]:
    """Validate an upload completely; (metadata, manifest bytes, {path: bytes}) or UploadError(400)."""
    meta_parts = [c for p, c in parts if p.get("name") == "metadata"]
    manifest_parts = [c for p, c in parts if p.get("name") == "manifest"]
    if len(meta_parts) != 1 or len(manifest_parts) != 1:
        raise UploadError(400, "bad_request", "上传须包含一个 metadata 分段和一个 manifest 分段")
    try:
        metadata = json.loads(meta_parts[0].decode("utf-8"))
        assert isinstance(metadata, dict)
    except (ValueError, AssertionError):
        raise UploadError(400, "bad_metadata", "metadata 不是 JSON 对象") from None
    area = metadata.get("area") or None
    problems = []
    if not isinstance(metadata.get("kind"), str) or not _KIND.match(metadata["kind"]):
        problems.append("kind")
    if not isinstance(metadata.get("period"), str) or not _PERIOD.match(metadata["period"]):
        problems.append("period")
    if area is not None and (not isinstance(area, str) or not integrity.safe_relpath(area) or "/" in area
                             or _VERSION_DIR.match(area) or len(area) > 64):
        problems.append("area")
    if not isinstance(metadata.get("revision"), int) or isinstance(metadata.get("revision"), bool) \
            or metadata["revision"] < 1:
        problems.append("revision")
    if not isinstance(metadata.get("manifest_sha256"), str) or not _SHA.match(metadata["manifest_sha256"]):
        problems.append("manifest_sha256")
    if not isinstance(metadata.get("approvals", []), list):
        problems.append("approvals")
    if problems:
        raise UploadError(400, "bad_metadata", f"metadata 字段有误：{', '.join(problems)}")
    metadata["area"] = area
    manifest_bytes = manifest_parts[0]
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        listed = manifest["files"]
        assert isinstance(listed, dict)
    except (ValueError, KeyError, AssertionError):
        raise UploadError(400, "bad_manifest", "manifest 无法读取") from None
    if integrity.content_sha256(manifest) != metadata["manifest_sha256"] \
            or manifest.get("content_sha256") != metadata["manifest_sha256"]:
        raise UploadError(400, "manifest_mismatch", "manifest 的内容哈希与 metadata.manifest_sha256 不一致")
    expected = "/".join([metadata["kind"], metadata["period"], *([area] if area else [])])
    if "bulletin" in manifest and manifest["bulletin"] != expected:
        raise UploadError(400, "bulletin_mismatch",
                          f"manifest 所属公报 {manifest['bulletin']!r} 与 metadata 的 {expected!r} 不一致")
    files: dict[str, bytes] = {}
    for params, content in parts:
        if params.get("name") != "file":
            continue
        rel = urllib.parse.unquote(params.get("filename", ""), errors="strict")
        if not integrity.safe_relpath(rel) or rel == integrity.MANIFEST:
            raise UploadError(400, "bad_path", f"文件名 {rel!r} 不允许")
        if rel in files:
            raise UploadError(400, "duplicate_file", f"文件 {rel} 重复上传")
        files[rel] = content
    for rel in listed:
        if not integrity.safe_relpath(rel):
            raise UploadError(400, "bad_manifest", f"manifest 列出了不安全的路径 {rel!r}")
    missing = sorted(set(listed) - set(files))
    extra = sorted(set(files) - set(listed))
    if missing:
        raise UploadError(400, "missing_file", f"缺少文件：{'、'.join(missing[:5])}")
    if extra:
        raise UploadError(400, "unexpected_file", f"manifest 未列出的文件：{'、'.join(extra[:5])}")
    changed = sorted(rel for rel, data in files.items() if integrity.sha256(data) != listed[rel])
    if changed:
        raise UploadError(400, "file_mismatch", f"文件的 sha256 与 manifest 不符：{'、'.join(changed[:5])}")
    return metadata, manifest_bytes, files


# --------------------------------------------------------------------------- the public page
def _when(text: str | None) -> str:
    if not text:
        return ""
    try:
        return dt.datetime.fromisoformat(text).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def _period_zh(period: str) -> str:
    try:
        from publisher.periods import Period

        return Period.parse(period).label_zh
    except Exception:  # noqa: BLE001
        return period


def _href(rel: str) -> str:
    return "b/" + "/".join(urllib.parse.quote(p) for p in rel.split("/"))


def index_page(bulletins: list[dict[str, Any]]) -> str:
    e = html.escape
    out = ["<!doctype html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>生态环境质量公报</title><style>",
           "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:64rem;margin:2rem auto;"
           "padding:0 1rem;color:#222;line-height:1.6}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;"
           "border-bottom:2px solid #2a6f4e}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;"
           "padding:.4rem .6rem;vertical-align:top;text-align:left}th{background:#eef5f0}ol{margin:0;padding-left:"
           "1.2rem}.old{color:#666}.note{color:#a33}.links a{margin-right:.6rem}",
           "</style></head><body>", "<h1>生态环境质量公报</h1>",
           "<p>本页列出已发布的环境质量公报。公报更正后以最新版本为准，此前各版保留备查。</p>"]
    if not bulletins:
        out.append("<p>尚未发布公报。</p>")
    current_kind = None
    for b in bulletins:
        if b["kind"] != current_kind:
            if current_kind is not None:
                out.append("</tbody></table></section>")
            current_kind = b["kind"]
            out.append(f'<section><h2 id="{e(b["kind"])}">{e(b["kind_name"])}</h2><table><thead><tr>'
                       "<th>期间</th><th>地区</th><th>公报</th><th>版本记录</th></tr></thead><tbody>")
        newest = b["versions"][0]
        links = " ".join(f'<a href="{e(_href(newest["path"] + "/" + name))}">{label}</a>'
                         for name, label in LINKS if name in newest.get("files", []))
        out.append(f"<tr><td>{e(_period_zh(b['period']))}</td><td>{e(b['area'] or '—')}</td>"
                   f"<td>{e(b['title'] or b['kind_name'])}<div class=\"links\">{links}</div></td><td><ol reversed>")
        for v in b["versions"]:
            is_current = v["version"] == b["current_version"]
            label = "现行版本" if is_current else "已更正，仅供查阅"
            steps = "、".join(f"{e(a.get('step_name') or a.get('step') or '')}（{e(a.get('role') or '')}，"
                             f"{e(_when(a.get('at'))[:10])}）" for a in v.get("approvals", []))
            page = f'<a href="{e(_href(v["path"] + "/index.html"))}">第{v["version"]}版</a>' \
                if "index.html" in v.get("files", []) else f"第{v['version']}版"
            item = [f'<li class="{"" if is_current else "old"}">{page}（{label}）{e(_when(v.get("published_at")))} 发布']
            if steps:
                item.append(f"；经{steps}")
            if v.get("note"):
                item.append(f'<div class="note">更正说明：{e(v["note"])}</div>' if v.get("replaces")
                            else f"<div>说明：{e(v['note'])}</div>")
            out.append("".join(item) + "</li>")
        out.append("</ol></td></tr>")
    if current_kind is not None:
        out.append("</tbody></table></section>")
    out.append("<footer><p>页面由 publisher 参考门户生成。</p></footer></body></html>")
    return "\n".join(out) + "\n"


def public_listing(bulletins: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON listing: the records without the signers' names."""
    keep = ("version", "revision", "manifest_sha256", "published_at", "path", "files", "note", "corrects",
            "replaces", "title")
    out = []
    for b in bulletins:
        versions = [{**{k: v.get(k) for k in keep},
                     "approvals": [{k: a.get(k) for k in ("step", "step_name", "role", "at")}
                                   for a in v.get("approvals", [])]} for v in b["versions"]]
        out.append({**{k: b[k] for k in ("kind", "kind_name", "period", "area", "title", "current_version")},
                    "versions": versions})
    return {"protocol": 1, "bulletins": out}


# --------------------------------------------------------------------------- HTTP
class PortalHandler(BaseHTTPRequestHandler):
    server: "PortalServer"
    server_version = "publisher-portal/1"
    timeout = 120

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        log.info("%s %s", self.address_string(), format % args)

    # ---- answers
    def _send(self, status: int, body: bytes, content_type: str, head_only: bool = False,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                   headers=headers)

    def _error(self, exc: UploadError) -> None:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        self._json(exc.status, {"error": exc.code, "message": exc.message}, headers)

    # ---- GET / HEAD
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._get(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head_only=True)

    def _get(self, head_only: bool) -> None:
        path = urllib.parse.urlsplit(self.path).path
        store = self.server.store
        if path in ("/", "/index.html"):
            page = index_page(store.bulletins()).encode("utf-8")
            return self._send(200, page, "text/html; charset=utf-8", head_only, {"Cache-Control": "no-cache"})
        if path == API_PATH:
            body = json.dumps(public_listing(store.bulletins()), ensure_ascii=False).encode("utf-8")
            return self._send(200, body, "application/json; charset=utf-8", head_only)
        if path.startswith("/b/"):
            try:
                rel = urllib.parse.unquote(path[3:], errors="strict")
            except UnicodeDecodeError:
                rel = ""
            found = store.file(rel)
            if found is not None:
                ctype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                if ctype.startswith("text/") or ctype == "application/json":
                    ctype += "; charset=utf-8"
                return self._send(200, found.read_bytes(), ctype, head_only,
                                  {"Cache-Control": "public, max-age=86400, immutable"})
        page = "<!doctype html><meta charset=\"utf-8\"><title>未找到</title><p>未找到该页面。<a href=\"/\">返回公报列表</a></p>"
        self._send(404, page.encode("utf-8"), "text/html; charset=utf-8", head_only)

    # ---- POST
    def do_POST(self) -> None:  # noqa: N802
        try:
            if urllib.parse.urlsplit(self.path).path != API_PATH:
                raise UploadError(404, "not_found", "没有这个接口")
            self._authorize()
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                raise UploadError(411, "length_required", "缺少 Content-Length")
            if int(length) > self.server.max_upload:
                self.close_connection = True
                raise UploadError(413, "too_large", f"上传超过 {self.server.max_upload} 字节")
            body = self.rfile.read(int(length))
            if len(body) != int(length):
                raise UploadError(400, "bad_request", "上传不完整")
            metadata, manifest, files = check_upload(parse_multipart(self.headers.get("Content-Type", ""), body))
            state, record = self.server.store.add(metadata, manifest, files)
        except UploadError as exc:
            log.warning("upload refused: %s %s", exc.code, exc.message)
            return self._error(exc)
        page = f"{record['path']}/index.html" if "index.html" in record["files"] else f"{record['path']}/"
        href = _href(page)
        host = self.headers.get("Host") or self.server.url.split("//", 1)[1]
        self._json(201 if state == "published" else 200, {
            "status": state, "version": record["version"], "revision": record["revision"],
            "path": href, "url": f"http://{host}/{href}"})

    def _authorize(self) -> None:
        token = self.server.token
        if not token:
            return
        given = self.headers.get("Authorization", "")
        if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())):
            raise UploadError(401, "unauthorized", "上传需要有效的令牌（Authorization: Bearer …）")


class PortalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 handler: type[PortalHandler] = PortalHandler, max_upload: int = MAX_UPLOAD):
        self.store = PortalStore(root)
        self.store.root.mkdir(parents=True, exist_ok=True)
        self.token = token or None
        self.max_upload = max_upload
        super().__init__((host, port), handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"
