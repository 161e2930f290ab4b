"""The reference portal: a small public website that receives bulletins from ``publisher publish``.

Run it with ``publisher portal serve --root DIR --trusted-key FILE``. It uses the standard library's
threading HTTP server and keeps everything in files below ``DIR``::

    public/<kind>/<period>[/<area>]/v<N>/   the files of version N, byte for byte as uploaded
        .publication.json                   the upload's signed metadata (kept, never served)
    .staging/                               uploads being received (renamed into place whole)

Protocol (version 1, see docs/publishing.md and docs/security.md):

``POST /api/v1/bulletins`` (``multipart/form-data``, ``Authorization: Bearer <token>``): a part
``metadata`` (JSON, signed by a publisher instance), a part ``manifest`` (the bulletin's
manifest.json) and one part ``file`` per file the manifest lists, its ``filename`` the percent-encoded
relative path. The portal

1. refuses the request before reading its body without the token (401), without a length (411),
   beyond the size limit (413) or when ``max_uploads`` uploads are already being received (503 with
   ``Retry-After``); a client sending ``Expect: 100-continue`` is told before it sends anything;
2. streams the body through a multipart parser, each file straight to the staging folder with its
   sha256 (memory stays bounded whatever the size), metadata and manifest capped and their JSON
   depth bounded (``too_deep``);
3. checks the metadata's Ed25519 signature against the public keys it trusts (``unsigned``,
   ``unknown_key``, ``bad_signature``), its age (``stale_signature``), that the signed approvals cover
   every step of the kind's workflow in order with the roles of ``approval.yaml``
   (``approvals_incomplete``), the manifest's content hash against the signed ``manifest_sha256``
   and every file's sha256 against the manifest, and that exactly the listed files came;
4. orders versions by their signed time and sequence as well as by revision: an upload signed
   earlier than the current version is a replay (409 ``replayed_upload``).

Answers are JSON: 201 ``{"status": "published", "version", "path", "url"}`` (the URL from the
configured public address, never from the Host header); 200 ``already_published`` (same manifest
sha256 already stored); 4xx/503 ``{"error": code, "message": 中文}``.

``GET /`` the public index (Chinese); ``GET /api/v1/bulletins`` the same as JSON (without the signers'
names); ``GET /b/<kind>/<period>[/<area>]/v<N>/<file>`` a published file. Every answer carries a
Content-Security-Policy without inline script, ``frame-ancestors 'none'``/``X-Frame-Options: DENY``
and ``nosniff``; uploaded pages are served in a CSP ``sandbox`` (an opaque origin without script), so
even a signed page cannot script the portal's own pages.
"""
from __future__ import annotations

import datetime as dt
import hashlib
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
from typing import Any, BinaryIO

from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from python_multipart.exceptions import FormParserError

from publisher.bulletins import KINDS
from publisher.publishing import integrity, signing
from publisher import safeparse
from publisher.errors import PublisherError

log = logging.getLogger("publisher.publishing.portal")

API_PATH = "/api/v1/bulletins"
WITHDRAW_PATH = "/api/v1/withdrawals"
WITHDRAWAL = ".withdrawal.json"       # beside the versions of a withdrawn bulletin; kept, never served
SITE_PATH = "/site/"                  # the static site (publisher site build), when --site is given
CSS_PATH = "/portal.css"
RECORD = ".publication.json"
SERVER_TOKEN_ENV = "PUBLISHER_PORTAL_SERVER_TOKEN"   # the portal's own token (never the client's variable)
MIN_TOKEN_LENGTH = 16
MAX_UPLOAD = 256 * 1024 * 1024
MAX_METADATA = 1024 * 1024
MAX_MANIFEST = 16 * 1024 * 1024
MAX_PARTS = 10_000
MAX_UPLOADS = 2                      # uploads received at the same time; more get 503 + Retry-After
RETRY_AFTER = 10
MAX_JSON_DEPTH = 16
SIGNATURE_MAX_AGE = dt.timedelta(hours=24)
CLOCK_SKEW = dt.timedelta(minutes=5)
CHUNK = 64 * 1024
BEIJING = dt.timezone(dt.timedelta(hours=8))
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-\d{2}(-\d{2})?)?$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_VERSION_DIR = re.compile(r"^v(\d+)$")
#: links offered for each version, in this order, when the bulletin has the file
LINKS = (("index.html", "网页"), ("bulletin.pdf", "PDF"), ("data.csv", "CSV"), ("data.xlsx", "Excel"),
         ("bulletin.json", "JSON"))

#: the portal's own pages: no script at all, styles and images from the portal only, never framed
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
#: uploaded pages (HTML, SVG, XML): a sandbox (opaque origin, no script, no forms), inline styles of the
#: bulletin allowed, images and fonts from the portal or data: URIs, nothing else
SANDBOX_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: other uploaded files (images, CSV, Excel, JSON): nothing to run and never framed
FILE_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
#: PDF: only never framed (a stricter policy would keep the browser's own PDF viewer from starting)
PDF_CSP = "frame-ancestors 'none'"
_ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")


class UploadError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class PortalConfigError(PublisherError):
    """The portal cannot start as configured; ``code`` is the stable English code."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} [{code}]")
        self.code = code


def _utc(text: Any) -> dt.datetime | None:
    """An ISO time with its offset as an aware datetime, or None."""
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _order(record: dict[str, Any]) -> tuple[dt.datetime, int]:
    """Where a version stands in signing order (records older than signatures come first)."""
    floor = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    seq = record.get("sequence")
    return _utc(record.get("signed_at")) or floor, seq if isinstance(seq, int) else 0


# --------------------------------------------------------------------------- storage
class PortalStore:
    """The portal's files: one folder per published version, written whole or not at all."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.public = self.root / "public"
        self.staging = self.root / ".staging"
        self.lock = threading.Lock()

    def records(self) -> list[dict[str, Any]]:
        if not self.public.is_dir():
            return []
        out = []
        for path in self.public.rglob(RECORD):
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, RecursionError):
                log.warning("unreadable record %s", path)
        return out

    def bulletins(self) -> list[dict[str, Any]]:
        """Every bulletin with its versions (newest first), ordered by kind, period (newest first), area."""
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for rec in self.records():
            groups.setdefault((rec["kind"], rec["period"], rec.get("area") or ""), []).append(rec)
        order = {k: i for i, k in enumerate(KINDS)}  # the catalogue's order (no bulletin module is loaded)
        keys = sorted(groups, key=lambda k: (order.get(k[0], len(order)), k[0], _neg(k[1]), k[2]))
        out = []
        for key in keys:
            # a version is accepted only when signed after every earlier one, so the number order is
            # the signing order; the signed order decides when numbers disagree (hand-edited folders)
            versions = sorted(groups[key], key=lambda r: (_order(r), r["version"]), reverse=True)
            out.append({"kind": key[0], "kind_name": versions[0].get("kind_name") or key[0], "period": key[1],
                        "area": key[2] or None, "title": versions[0].get("title"),
                        "current_version": versions[0]["version"], "versions": versions,
                        "withdrawn": self.withdrawal(key[0], key[1], key[2] or None)})
        return out

    def withdrawal(self, kind: str, period: str, area: str | None) -> dict[str, Any] | None:
        """The withdrawal record of a bulletin, or None."""
        path = self.folder(kind, period, area) / WITHDRAWAL
        try:
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        except (OSError, ValueError):
            log.warning("unreadable withdrawal record %s", path)
            return {"reason": None, "withdrawn_at": None}

    def withdraw(self, metadata: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Record a checked withdrawal: ("withdrawn" | "already_withdrawn", record). The files stay."""
        kind, period, area = metadata["kind"], metadata["period"], metadata.get("area") or None
        with self.lock:
            folder = self.folder(kind, period, area)
            if not any(r["kind"] == kind and r["period"] == period and (r.get("area") or None) == area
                       for r in self.records()):
                raise UploadError(404, "not_published", "门户上没有这份公报，无从撤回")
            existing = self.withdrawal(kind, period, area)
            if existing is not None:
                return "already_withdrawn", existing
            record = {**metadata, "withdrawn_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}
            tmp = folder / f".{uuid.uuid4().hex}.tmp"
            tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.rename(folder / WITHDRAWAL)
            log.info("withdrawn %s %s %s", kind, period, area or "")
            return "withdrawn", record

    def folder(self, kind: str, period: str, area: str | None) -> Path:
        return self.public / kind / period / area if area else self.public / kind / period

    def new_staging(self) -> Path:
        path = self.staging / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def add(self, metadata: dict[str, Any], manifest_bytes: bytes, files: list[str],
            staging: Path) -> tuple[str, dict]:
        """Store a checked upload whose files are in `staging`; ("published" | "already_published", record).

        `staging` is renamed into place or removed."""
        kind, period, area = metadata["kind"], metadata["period"], metadata.get("area")
        try:
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
                latest = max(existing, key=lambda r: (_order(r), r["version"]), default=None)
                if latest is not None and _order(metadata) <= _order(latest):
                    raise UploadError(409, "replayed_upload",
                                      f"该上传的签名时间（{metadata['signed_at']}，序号 {metadata['sequence']}）"
                                      f"不晚于门户现行的第{latest['version']}版，疑为重放的旧上传，不予接受")
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


# --------------------------------------------------------------------------- receiving an upload
class Receiver:
    """Streams one ``multipart/form-data`` body: metadata and manifest kept (capped), each file written
    to `staging` as it arrives with its sha256; memory stays bounded whatever the body's size."""

    def __init__(self, content_type: str, staging: Path):
        ctype, params = parse_options_header(content_type or "")
        boundary = params.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            raise UploadError(400, "bad_request", "上传应为 multipart/form-data")
        self.staging = staging
        self.fields: dict[str, bytearray] = {}
        self.files: dict[str, str] = {}            # relative path -> sha256
        self.parts = 0
        self.ended = False
        self._headers: dict[str, str] = {}
        self._field, self._value = bytearray(), bytearray()
        self._sink: BinaryIO | bytearray | None = None
        self._limit = 0
        self._hash: Any = None
        self._name = ""
        try:
            self.parser = MultipartParser(boundary, {
                "on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end, "on_end": self._end})
        except (FormParserError, ValueError):
            raise UploadError(400, "bad_request", "multipart 分隔符无效") from None

    # -- feeding
    def write(self, data: bytes) -> None:
        try:
            self.parser.write(data)
        except FormParserError:
            raise UploadError(400, "bad_request", "multipart 正文格式有误") from None

    def finish(self) -> None:
        self._close()
        if not self.ended or self.parser.state != MultipartState.END:
            raise UploadError(400, "bad_request", "multipart 正文不完整")

    def _close(self) -> None:
        if self._sink is not None and not isinstance(self._sink, bytearray):
            self._sink.close()
        self._sink = None

    # -- callbacks
    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise UploadError(400, "bad_request", f"分段超过 {MAX_PARTS} 个")
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").strip().lower()] = self._value.decode("latin-1")
        self._field, self._value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        kind, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("latin-1")
        if kind != b"form-data":
            raise UploadError(400, "bad_request", "分段缺少 Content-Disposition: form-data")
        if name in ("metadata", "manifest"):
            if name in self.fields:
                raise UploadError(400, "bad_request", "上传须包含一个 metadata 分段和一个 manifest 分段")
            self._name, self._limit = name, MAX_METADATA if name == "metadata" else MAX_MANIFEST
            self._sink = self.fields[name] = bytearray()
            self._hash = None
            return
        if name != "file":
            raise UploadError(400, "bad_request", f"未知的分段 {name[:40]!r}（应为 metadata、manifest、file）")
        try:
            rel = urllib.parse.unquote(params.get(b"filename", b"").decode("ascii"), errors="strict")
        except UnicodeDecodeError:
            rel = ""
        if not integrity.safe_relpath(rel) or rel == integrity.MANIFEST:
            raise UploadError(400, "bad_path", f"文件名 {rel!r} 不允许")
        if rel in self.files:
            raise UploadError(400, "duplicate_file", f"文件 {rel} 重复上传")
        target = self.staging / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._sink = open(target, "xb")  # noqa: SIM115 - closed in _part_end / finish
        except OSError:
            raise UploadError(400, "bad_path", f"文件名 {rel!r} 与其他文件的路径冲突") from None
        self._name, self._limit, self._hash = rel, 0, hashlib.sha256()
        self.files[rel] = ""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if isinstance(self._sink, bytearray):
            if len(self._sink) + len(chunk) > self._limit:
                raise UploadError(413, "too_large", f"{self._name} 分段超过 {self._limit} 字节")
            self._sink += chunk
        elif self._sink is not None:
            self._sink.write(chunk)
            self._hash.update(chunk)

    def _part_end(self) -> None:
        if self._hash is not None:
            self.files[self._name] = self._hash.hexdigest()
        self._close()
        self._hash = None

    def _end(self) -> None:
        self.ended = True


def _normal_name(name: str) -> str:
    """A signer's name for comparison, by the rule publisher signs with
    (:func:`publisher.publishing.approval.normalise_name`: NFKC, without invisible and format characters, spaces
    trimmed and collapsed), ignoring case."""
    from publisher.publishing.approval import normalise_name

    return normalise_name(name).casefold()


def check_metadata(raw: bytes) -> dict[str, Any]:
    """The metadata part as a checked dict; UploadError(400) otherwise."""
    try:
        metadata = safeparse.load_json(raw.decode("utf-8"), MAX_JSON_DEPTH, "metadata ")
    except safeparse.TooDeep as exc:
        raise UploadError(400, "too_deep", f"{exc}，不予处理") from None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise UploadError(400, "bad_metadata", "metadata 不是 JSON 对象")
    area = metadata.get("area") or None
    problems = []
    if not isinstance(metadata.get("kind"), str) or not _KIND.match(metadata["kind"]):
        problems.append("kind")
    if not isinstance(metadata.get("period"), str) or not _PERIOD.match(metadata["period"]):
        problems.append("period")
    if area is not None and (not isinstance(area, str) or not integrity.safe_relpath(area) or "/" in area
                             or _VERSION_DIR.match(area) or len(area) > 64):
        problems.append("area")
    for name in ("revision", "sequence"):       # sequence: checked here when present, required by the signature
        value = metadata.get(name)
        if (name == "revision" or name in metadata) and (not isinstance(value, int) or isinstance(value, bool)
                                                         or value < 1):
            problems.append(name)
    if not isinstance(metadata.get("manifest_sha256"), str) or not _SHA.match(metadata["manifest_sha256"]):
        problems.append("manifest_sha256")
    if not isinstance(metadata.get("approvals", []), list):
        problems.append("approvals")
    if "signed_at" in metadata and _utc(metadata["signed_at"]) is None:
        problems.append("signed_at")
    if problems:
        raise UploadError(400, "bad_metadata", f"metadata 字段有误：{', '.join(problems)}")
    return metadata


def check_signature(metadata: dict[str, Any], trusted: dict[str, Any], max_age: dt.timedelta,
                    now: dt.datetime | None = None) -> str:
    """The signing key's id; UploadError(403) when unsigned, unknown, forged or stale."""
    try:
        key = signing.verify(metadata, trusted)
    except signing.SigningError as exc:
        raise UploadError(403, exc.code, exc.message) from None
    signed_at = _utc(metadata.get("signed_at"))
    if signed_at is None or not isinstance(metadata.get("sequence"), int):
        raise UploadError(403, "bad_signature", "签名内容缺少签名时间或发布序号")
    now = now or dt.datetime.now(dt.timezone.utc)
    if signed_at > now + CLOCK_SKEW:
        raise UploadError(403, "stale_signature", f"签名时间 {metadata['signed_at']} 晚于门户当前时间，请核对时钟")
    if now - signed_at > max_age:
        raise UploadError(403, "stale_signature",
                          f"签名时间 {metadata['signed_at']} 已超过 {max_age.total_seconds() / 3600:g} 小时，"
                          f"旧的上传不能重放；请重新运行 publisher publish")
    return key


def check_approvals(metadata: dict[str, Any], policy: Any) -> None:
    """The signed approvals must cover every step of the kind's workflow, in order, with its roles."""
    approvals = metadata.get("approvals") or []
    problems: list[str] = []
    if not all(isinstance(a, dict) and all(isinstance(a.get(k), str) for k in ("step", "role", "by", "at"))
               for a in approvals):
        raise UploadError(400, "bad_metadata", "metadata 字段有误：approvals（每项须有 step、role、by、at）")
    steps = policy.workflow(metadata["kind"])
    known = {s.id for s in steps}
    previous: dt.datetime | None = None
    people: dict[str, str] = {}
    signed_at = _utc(metadata.get("signed_at"))
    for step in steps:
        mine = [a for a in approvals if a["step"] == step.id]
        if len(mine) != 1:
            problems.append(f"缺少“{step.name}”（{step.id}）" if not mine else f"“{step.name}”出现 {len(mine)} 次")
            continue
        decision = mine[0]
        if decision["role"] not in step.roles:
            problems.append(f"“{step.name}”的签署角色 {decision['role']!r} 不是 {'、'.join(step.roles)} 之一")
        at = _utc(decision["at"])
        if at is None:
            problems.append(f"“{step.name}”的时间 {decision['at']!r} 无效")
        else:
            if previous is not None and at < previous:
                problems.append(f"“{step.name}”早于前一步骤")
            if signed_at is not None and at > signed_at:
                problems.append(f"“{step.name}”晚于签名时间")
            previous = at
        who = _normal_name(decision["by"])
        if not who:
            problems.append(f"“{step.name}”缺少签署人")
        elif policy.distinct_people and who in people:
            problems.append(f"{who} 同时签署了“{people[who]}”和“{step.name}”")
        people.setdefault(who, step.name)
    extra = sorted({a["step"] for a in approvals} - known)
    if extra:
        problems.append(f"流程之外的步骤 {', '.join(e[:40] for e in extra)}")
    if problems:
        raise UploadError(403, "approvals_incomplete",
                          f"上传所附的审核记录不符合 {metadata['kind']} 的审核流程：{'；'.join(problems)}")


def check_manifest(metadata: dict[str, Any], manifest_bytes: bytes, files: dict[str, str]) -> None:
    """The manifest must hash to the signed ``manifest_sha256``, name the bulletin and list exactly the
    files that came, with their sha256."""
    try:
        manifest = safeparse.load_json(manifest_bytes.decode("utf-8"), MAX_JSON_DEPTH, "manifest ")
        listed = manifest["files"]
        assert isinstance(listed, dict) and all(isinstance(v, str) for v in listed.values())
    except safeparse.TooDeep as exc:
        raise UploadError(400, "too_deep", f"{exc}，不予处理") from None
    except (ValueError, KeyError, TypeError, AssertionError):
        raise UploadError(400, "bad_manifest", "manifest 无法读取") from None
    if integrity.content_sha256(manifest) != metadata["manifest_sha256"] \
            or manifest.get("content_sha256") != metadata["manifest_sha256"]:
        raise UploadError(400, "manifest_mismatch", "manifest 的内容哈希与 metadata.manifest_sha256 不一致")
    area = metadata.get("area")
    expected = "/".join([metadata["kind"], metadata["period"], *([area] if area else [])])
    if "bulletin" in manifest and manifest["bulletin"] != expected:
        raise UploadError(400, "bulletin_mismatch",
                          f"manifest 所属公报 {str(manifest['bulletin'])[:80]!r} 与 metadata 的 {expected!r} 不一致")
    for rel in listed:
        if not integrity.safe_relpath(rel):
            raise UploadError(400, "bad_manifest", f"manifest 列出了不安全的路径 {rel[:80]!r}")
    missing = sorted(set(listed) - set(files))
    extra = sorted(set(files) - set(listed))
    if missing:
        raise UploadError(400, "missing_file", f"缺少文件：{'、'.join(missing[:5])}")
    if extra:
        raise UploadError(400, "unexpected_file", f"manifest 未列出的文件：{'、'.join(extra[:5])}")
    changed = sorted(rel for rel, digest in files.items() if digest != listed[rel])
    if changed:
        raise UploadError(400, "file_mismatch", f"文件的 sha256 与 manifest 不符：{'、'.join(changed[:5])}")


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


#: the index page's style sheet, served as /portal.css (the page's CSP allows no inline style)
PORTAL_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:64rem;margin:2rem auto;"
              "padding:0 1rem;color:#222;line-height:1.6}"
              'h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #2a6f4e}'
              'table{border-collapse:collapse;width:100%}'
              'th,td{border:1px solid #ccc;padding:.4rem .6rem;vertical-align:top;text-align:left}'
              'th{background:#eef5f0}ol{margin:0;padding-left:1.2rem}.old{color:#666}.note{color:#a33}'
              '.links a{margin-right:.6rem}')


def index_page(bulletins: list[dict[str, Any]]) -> str:
    e = html.escape
    out = ["<!doctype html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>生态环境质量公报</title>",
           '<link rel="stylesheet" href="portal.css">',
           "</head><body>", "<h1>生态环境质量公报</h1>",
           "<p>本页列出已发布的环境质量公报。公报更正后以最新版本为准，此前各版保留备查。</p>"]
    gone = [b for b in bulletins if b.get("withdrawn")]
    bulletins = [b for b in bulletins if not b.get("withdrawn")]
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
    if gone:
        out.append('<section><h2 id="withdrawn">已撤回的公报</h2><ul>')
        for b in gone:
            w = b["withdrawn"]
            out.append(f"<li>{e(b['title'] or b['kind_name'])}（{e(_period_zh(b['period']))}"
                       f"{'，' + e(b['area']) if b['area'] else ''}）于 {e(_when(w.get('withdrawn_at')))} 撤回；"
                       f"撤回原因：{e(w.get('reason') or '未说明')}</li>")
        out.append("</ul></section>")
    out.append("<footer><p>页面由 publisher 参考门户生成。</p></footer></body></html>")
    return "\n".join(out) + "\n"


def public_listing(bulletins: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON listing: the records without the signers' names."""
    keep = ("version", "revision", "manifest_sha256", "published_at", "path", "files", "note", "corrects",
            "replaces", "title", "signed_at", "disclosure")
    out, gone = [], []
    for b in bulletins:
        if b.get("withdrawn"):
            w = b["withdrawn"]
            gone.append({**{k: b[k] for k in ("kind", "kind_name", "period", "area", "title")},
                         "withdrawn_at": w.get("withdrawn_at"), "reason": w.get("reason")})
            continue
        versions = [{**{k: v.get(k) for k in keep},
                     "approvals": [{k: a.get(k) for k in ("step", "step_name", "role", "at")}
                                   for a in v.get("approvals", [])]} for v in b["versions"]]
        out.append({**{k: b[k] for k in ("kind", "kind_name", "period", "area", "title", "current_version")},
                    "versions": versions})
    return {"protocol": 1, "bulletins": out, "withdrawn": gone}


# --------------------------------------------------------------------------- HTTP
class PortalHandler(BaseHTTPRequestHandler):
    server: "PortalServer"
    protocol_version = "HTTP/1.1"      # for Expect: 100-continue; every answer has a Content-Length
    timeout = 120

    def setup(self) -> None:
        super().setup()
        self._slot = False

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError):      # a client that went away: nothing to answer
            self.close_connection = True

    def finish(self) -> None:
        self._release()                              # whatever happened, the slot is given back
        super().finish()

    def _release(self) -> None:
        if self._slot:
            self._slot = False
            self.server.uploads.release()

    def version_string(self) -> str:
        return "publisher-portal"       # no versions of the program or of Python

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        log.info("%s %s", self.address_string(), format % args)

    # ---- answers
    def _send(self, status: int, body: bytes, content_type: str, head_only: bool = False,
              headers: dict[str, str] | None = None, csp: str = PAGE_CSP) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                   headers=headers)

    def _error(self, exc: UploadError) -> None:
        headers = dict(exc.headers or {})
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
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
        if path == CSS_PATH:
            return self._send(200, PORTAL_CSS.encode("utf-8"), "text/css; charset=utf-8", head_only,
                              {"Cache-Control": "public, max-age=3600"})
        if path == API_PATH:
            body = json.dumps(public_listing(store.bulletins()), ensure_ascii=False).encode("utf-8")
            return self._send(200, body, "application/json; charset=utf-8", head_only)
        if path.startswith("/b/"):
            try:
                rel = urllib.parse.unquote(path[3:], errors="strict")
            except UnicodeDecodeError:
                rel = ""
            found = store.file(rel)
            withdrawn = _withdrawn_of(store, rel) if found is not None else None
            if withdrawn is not None:
                return self._send(410, withdrawal_page(withdrawn).encode("utf-8"), "text/html; charset=utf-8",
                                  head_only, {"Cache-Control": "no-cache"})
            if found is not None:
                ctype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                csp = SANDBOX_CSP if ctype in _ACTIVE_TYPES else PDF_CSP if ctype == "application/pdf" else FILE_CSP
                if ctype.startswith("text/") or ctype in ("application/json", "application/xml", "image/svg+xml"):
                    ctype += "; charset=utf-8"
                return self._send(200, found.read_bytes(), ctype, head_only,
                                  {"Cache-Control": "public, max-age=86400, immutable"}, csp=csp)
        if self.server.site_root is not None and (path == SITE_PATH.rstrip("/") or path.startswith(SITE_PATH)):
            return self._site(path, head_only)
        page = "<!doctype html><meta charset=\"utf-8\"><title>未找到</title><p>未找到该页面。<a href=\"/\">返回公报列表</a></p>"
        self._send(404, page.encode("utf-8"), "text/html; charset=utf-8", head_only)

    def _site(self, path: str, head_only: bool) -> None:
        """A file of the static site (``--site``): pages with the site's policy (no script at all), the
        bulletins' own pages below r<N>/ in the sandbox, other files as files."""
        from publisher.publishing.site.build import CSP_HEADER

        if path == SITE_PATH.rstrip("/"):
            return self._send(301, b"", "text/plain; charset=utf-8", head_only, {"Location": SITE_PATH})
        try:
            rel = urllib.parse.unquote(path[len(SITE_PATH):], errors="strict")
        except UnicodeDecodeError:
            rel = None
        root = self.server.site_root
        found = None
        if rel is not None and (rel == "" or integrity.safe_relpath(rel.rstrip("/"))):
            target = (root / rel).resolve()
            if target.is_dir():
                target = target / "index.html"
            if (target == root or root in target.parents) and target.is_file():
                found = target
        if found is None:
            page = "<!doctype html><meta charset=\"utf-8\"><title>未找到</title><p>未找到该页面。</p>"
            return self._send(404, page.encode("utf-8"), "text/html; charset=utf-8", head_only)
        ctype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        inner = any(p.startswith("r") and p[1:].isdigit() for p in found.relative_to(root).parts[:-1])
        if ctype in _ACTIVE_TYPES:
            csp = SANDBOX_CSP if inner or ctype != "text/html" else CSP_HEADER
        else:
            csp = PDF_CSP if ctype == "application/pdf" else FILE_CSP
        if found.suffix == ".xml":
            ctype, csp = "application/atom+xml", FILE_CSP
        if ctype.startswith("text/") or ctype in ("application/json", "application/atom+xml", "image/svg+xml"):
            ctype += "; charset=utf-8"
        return self._send(200, found.read_bytes(), ctype, head_only, {"Cache-Control": "no-cache"}, csp=csp)

    # ---- POST
    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue``: admit (or refuse) the upload before the client sends its body."""
        if self.command == "POST":
            try:
                self._admit()
            except UploadError as exc:
                log.warning("upload refused: %s %s", exc.code, exc.message)
                self._error(exc)
                return False
        try:
            return super().handle_expect_100()
        except OSError:
            self._release()
            raise

    def _admit(self) -> int:
        """Checks that need no body, then an upload slot; the body's length. Refusals close the connection."""
        if self._slot:
            return int(self.headers["Content-Length"])
        self.close_connection = True        # until the body has been read whole
        if urllib.parse.urlsplit(self.path).path not in (API_PATH, WITHDRAW_PATH):
            raise UploadError(404, "not_found", "没有这个接口")
        self._authorize()
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length is None or not length.isdigit():
            raise UploadError(411, "length_required", "缺少 Content-Length（不接受分块传输）")
        if urllib.parse.urlsplit(self.path).path == WITHDRAW_PATH and int(length) > MAX_METADATA:
            raise UploadError(413, "too_large", f"撤回请求超过 {MAX_METADATA} 字节")
        if int(length) > self.server.max_upload:
            raise UploadError(413, "too_large", f"上传超过 {self.server.max_upload} 字节")
        if not self.server.uploads.acquire(blocking=False):
            raise UploadError(503, "busy", f"门户正在接收其他上传（同时最多 {self.server.max_uploads} 个），"
                                           f"请 {RETRY_AFTER} 秒后重试", {"Retry-After": str(RETRY_AFTER)})
        self._slot = True
        return int(length)

    def do_POST(self) -> None:  # noqa: N802
        if urllib.parse.urlsplit(self.path).path == WITHDRAW_PATH:
            return self._withdraw()
        try:
            state, record = self._receive()
        except UploadError as exc:
            log.warning("upload refused: %s %s", exc.code, exc.message)
            return self._error(exc)
        page = f"{record['path']}/index.html" if "index.html" in record["files"] else f"{record['path']}/"
        href = _href(page)
        self._json(201 if state == "published" else 200, {
            "status": state, "version": record["version"], "revision": record["revision"],
            "path": href, "url": f"{self.server.public_url}/{href}"})

    def _receive(self) -> tuple[str, dict[str, Any]]:
        """Admit, stream, check and store one upload; its staging folder and slot are released before
        the answer goes out."""
        staging: Path | None = None
        try:
            length = self._admit()
            staging = self.server.store.new_staging()
            receiver = Receiver(self.headers.get("Content-Type", ""), staging)
            remaining = length
            while remaining:
                chunk = self.rfile.read(min(CHUNK, remaining))
                if not chunk:
                    raise UploadError(400, "bad_request", "上传不完整")
                remaining -= len(chunk)
                receiver.write(chunk)
            self.close_connection = False
            receiver.finish()
            if "metadata" not in receiver.fields or "manifest" not in receiver.fields:
                raise UploadError(400, "bad_request", "上传须包含一个 metadata 分段和一个 manifest 分段")
            metadata = check_metadata(bytes(receiver.fields["metadata"]))
            check_signature(metadata, self.server.trusted, self.server.max_signature_age)
            check_approvals(metadata, self.server.policy)
            manifest = bytes(receiver.fields["manifest"])
            check_manifest(metadata, manifest, receiver.files)
            metadata["area"] = metadata.get("area") or None
            return self.server.store.add(metadata, manifest, list(receiver.files), staging)
        except (OSError, ValueError) as exc:     # a disk or decoding problem: say so, keep serving
            if isinstance(exc, (ConnectionError, TimeoutError)):
                raise
            log.error("upload failed: %s", type(exc).__name__)
            self.close_connection = True
            raise UploadError(500, "portal_failure", "门户保存上传时出错，请稍后重试") from None
        finally:
            self._release()
            if staging is not None and staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def _withdraw(self) -> None:
        """``POST /api/v1/withdrawals``: a signed withdrawal decision (JSON, at most 1 MiB). Checked like
        an upload (token, signature, age, the withdrawal steps of approval.yaml), then the bulletin
        leaves the index and its files answer 410 with the notice; nothing is deleted."""
        from publisher.publishing.site.withdrawal import WithdrawalPolicy

        try:
            try:
                length = self._admit()
                body = self.rfile.read(length)
                if len(body) != length:
                    raise UploadError(400, "bad_request", "请求不完整")
                self.close_connection = False
            finally:
                self._release()
            metadata = check_withdrawal(body)
            check_signature(metadata, self.server.trusted, self.server.max_signature_age)
            check_approvals(metadata, WithdrawalPolicy(self.server.policy))
            metadata["area"] = metadata.get("area") or None
            state, record = self.server.store.withdraw(metadata)
        except UploadError as exc:
            log.warning("withdrawal refused: %s %s", exc.code, exc.message)
            return self._error(exc)
        self._json(201 if state == "withdrawn" else 200,
                   {"status": state, "withdrawn_at": record.get("withdrawn_at"),
                    "message": "已撤回" if state == "withdrawn" else "此前已撤回"})

    def _authorize(self) -> None:
        token = self.server.token
        if not token:
            return
        given = self.headers.get("Authorization", "")
        if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())):
            raise UploadError(401, "unauthorized", "上传需要有效的令牌（Authorization: Bearer …）")


def check_withdrawal(raw: bytes) -> dict[str, Any]:
    """A withdrawal request as a checked dict (the fields an upload's metadata has, without revision and
    manifest; ``action`` = ``withdraw`` and a ``reason``); UploadError(400) otherwise."""
    try:
        metadata = safeparse.load_json(raw.decode("utf-8"), MAX_JSON_DEPTH, "withdrawal ")
    except safeparse.TooDeep as exc:
        raise UploadError(400, "too_deep", f"{exc}，不予处理") from None
    except (ValueError, UnicodeDecodeError):
        metadata = None
    if not isinstance(metadata, dict):
        raise UploadError(400, "bad_metadata", "撤回请求不是 JSON 对象")
    probe = {**metadata, "revision": 1, "manifest_sha256": "0" * 64}
    check_metadata(json.dumps(probe, ensure_ascii=False).encode("utf-8"))
    reason = metadata.get("reason")
    if metadata.get("action") != "withdraw" or not isinstance(reason, str) or not reason.strip() \
            or len(reason) > 2000:
        raise UploadError(400, "bad_metadata", "撤回请求须有 action=withdraw 和撤回原因 reason（不超过 2000 字）")
    return metadata


def _withdrawn_of(store: PortalStore, rel: str) -> dict[str, Any] | None:
    """The withdrawal record of the bulletin a published file `rel` belongs to, or None."""
    parts = rel.split("/")
    at = next((i for i, p in enumerate(parts) if _VERSION_DIR.match(p)), None)
    if at is None or at < 2 or at > 3:
        return None
    record = store.withdrawal(parts[0], parts[1], parts[2] if at == 3 else None)
    if record is None:
        return None
    versions = [r for r in store.records() if r["kind"] == parts[0] and r["period"] == parts[1]
                and (r.get("area") or None) == (parts[2] if at == 3 else None)]
    title = max(versions, key=lambda r: r["version"]).get("title") if versions else None
    return {**record, "title": title or parts[0]}


def withdrawal_page(record: dict[str, Any]) -> str:
    """The notice (撤回说明) that replaces every file of a withdrawn bulletin (HTTP 410)."""
    e = html.escape
    return ("<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>撤回说明</title><link rel=\"stylesheet\" href=\"/portal.css\"></head><body>"
            "<h1>撤回说明</h1>"
            f"<p>《{e(str(record.get('title') or ''))}》已于 {e(_when(record.get('withdrawn_at')))} 撤回，不再公开。</p>"
            f"<p>撤回原因：{e(str(record.get('reason') or '未说明'))}</p>"
            "<p>该信息的文件按规定留档备查。<a href=\"/\">返回公报列表</a></p></body></html>\n")


class PortalServer(ThreadingHTTPServer):
    """The reference portal. Secure by default: it refuses to start without an upload token (unless
    `insecure_no_token`, on a loopback address only) and without the public keys it trusts."""

    daemon_threads = True

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None, *,
                 trusted_keys: dict[str, Any] | None = None, policy: Any = None,
                 insecure_no_token: bool = False, public_url: str | None = None,
                 handler: type[PortalHandler] = PortalHandler, max_upload: int = MAX_UPLOAD,
                 max_uploads: int = MAX_UPLOADS, max_signature_age: dt.timedelta = SIGNATURE_MAX_AGE,
                 site_root: str | Path | None = None):
        from publisher.publishing.portal import is_loopback, normalize_target

        token = token or None
        if token is None and not insecure_no_token:
            raise PortalConfigError(f"门户须设置上传令牌（环境变量 {SERVER_TOKEN_ENV}）；仅供本机试用时可用 "
                                    f"--insecure-no-token", "token_required")
        if token is None and not is_loopback(host):
            raise PortalConfigError(f"--insecure-no-token 只能用于本机回环地址，不能在 {host} 上对外提供无令牌上传",
                                    "insecure_not_loopback")
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            raise PortalConfigError(f"上传令牌太短（至少 {MIN_TOKEN_LENGTH} 个字符）", "weak_token")
        if not trusted_keys:
            raise PortalConfigError("门户须指定受信任的 publisher 公钥（--trusted-key，取自 publisher portal key）",
                                    "no_trusted_key")
        if policy is None:
            from publisher.publishing.approval import load_policy
            policy = load_policy()
        self.store = PortalStore(root)
        self.store.root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.store.staging, ignore_errors=True)      # uploads cut short by a stop
        self.token = token
        self.trusted = dict(trusted_keys)
        self.policy = policy
        self.max_upload = max_upload
        self.max_uploads = max_uploads
        self.uploads = threading.BoundedSemaphore(max_uploads)
        self.max_signature_age = max_signature_age
        self.site_root = Path(site_root).resolve() if site_root else None
        super().__init__((host, port), handler)
        self.public_url = normalize_target(public_url) if public_url else self.url

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"
