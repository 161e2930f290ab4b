"""Where a token may go: the portal's address checked and shown without credentials, loopback hosts, the
token sent as a Bearer header only over HTTPS or to a loopback address. Used by the upload, the
withdrawal, the reference portal and the notification webhooks."""
from __future__ import annotations

import ipaddress
import re
import urllib.parse

import requests

from publisher.publishing.approval import ApprovalError

PORTAL_ENV = "PUBLISHER_PORTAL"
TOKEN_ENV = "PUBLISHER_PORTAL_TOKEN"          # the client's upload token (publisher publish)


def redact_url(url: str | None) -> str:
    """`url` with any ``user:password@`` replaced by ``***@`` (for messages, the ledger and history)."""
    if not url:
        return url or ""
    return re.sub(r"(?<=//)[^/?#\s\"']*@", "***@", str(url))


def is_loopback(host: str | None) -> bool:
    """``localhost`` or a loopback IP address (127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_target(url: str) -> str:
    """The portal's base URL without a trailing slash (http or https only, no credentials in it)."""
    text = (url or "").strip()
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise ApprovalError(f"门户地址 {redact_url(text)!r} 无效，应为 http(s)://主机[:端口][/路径]", "bad_portal_url")
    if "@" in parts.netloc:
        raise ApprovalError(f"门户地址 {redact_url(text)!r} 含有用户名或密码；凭据不得写在地址中"
                            f"（会被显示和记录），上传令牌请放在环境变量 {TOKEN_ENV} 中", "credentials_in_url")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def require_safe_transport(target: str, token: str | None) -> None:
    """Refuse (``insecure_transport``) to send a token over plain HTTP to anything but a loopback host."""
    parts = urllib.parse.urlsplit(target)
    if token and parts.scheme != "https" and not is_loopback(parts.hostname):
        raise ApprovalError(f"不能通过未加密的 HTTP 把上传令牌发送到 {target}：令牌只经 HTTPS 发送，"
                            f"或发给本机回环地址（127.0.0.1、::1、localhost）", "insecure_transport")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <token>``; given explicitly, so neither ~/.netrc nor a URL replaces it."""

    def __init__(self, token: str | None):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        return request
