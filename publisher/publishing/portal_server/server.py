"""The portal server: refuses to start without a token and trusted keys; binds to loopback by default."""
from __future__ import annotations

import datetime as dt
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from publisher.publishing.approval import load_policy
from publisher.publishing.transport import is_loopback, normalize_target
from publisher.publishing.portal_server.common import (
    MAX_UPLOAD, MAX_UPLOADS, MIN_TOKEN_LENGTH, PortalConfigError, SERVER_TOKEN_ENV, SIGNATURE_MAX_AGE)
from publisher.publishing.portal_server.handler import PortalHandler
from publisher.publishing.portal_server.storage import PortalStore


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
