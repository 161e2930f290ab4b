"""The HTTP handler: admission, authorisation, uploads, withdrawals, published files and the static site."""
from __future__ import annotations

import hmac
import json
import mimetypes
import shutil
import urllib.parse
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.publishing import integrity
from publisher.publishing.portal_server.checks import (
    check_approvals, check_manifest, check_metadata, check_signature, check_withdrawal)
from publisher.publishing.portal_server.common import (
    _ACTIVE_TYPES, _VERSION_DIR, API_PATH, CHUNK, CSS_PATH, FILE_CSP, log, MAX_METADATA, PAGE_CSP, PDF_CSP,
    RETRY_AFTER, SANDBOX_CSP, SITE_PATH, UploadError, WITHDRAW_PATH)
from publisher.publishing.portal_server.pages import _href, index_page, PORTAL_CSS, public_listing, withdrawal_page
from publisher.publishing.portal_server.receiving import Receiver
from publisher.publishing.portal_server.storage import PortalStore
from publisher.publishing.site.build import CSP_HEADER
from publisher.publishing.site.withdrawal import WithdrawalPolicy

if TYPE_CHECKING:
    from publisher.publishing.portal_server.server import PortalServer


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
