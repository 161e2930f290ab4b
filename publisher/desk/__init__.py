"""The review desk: a small web application for station staff and approvers, on the same library the
command line uses (``publisher desk serve``; docs/desk.md).

Flask application served by waitress, jinja2 templates and a style sheet inside this package (no
script, no CDN). Accounts and roles are in the ledger (:mod:`publisher.desk.accounts`); sessions are
signed cookies (HttpOnly, SameSite=Strict, 8 hours); every form carries the session's CSRF token; the
ledger records the account behind every upload, explanation, decision and publication.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from publisher.desk import accounts
from publisher.desk.accounts import Account
from publisher.desk.words import REFUSAL_HINTS
from publisher.errors import PublisherError
from publisher.paths import Workspace
from publisher.publishing.transport import is_loopback  # noqa: F401 - the desk CLI checks --host with it

PACKAGE = Path(__file__).resolve().parent
#: how long a session lasts after signing in
SESSION_TTL = dt.timedelta(hours=8)
#: the largest upload, in MiB, unless told otherwise
DEFAULT_MAX_UPLOAD_MB = 64
COOKIE = "publisher_desk"
#: the pages, in the order of the navigation bar: (endpoint, label)
PAGES = [("upload", "数据报送"), ("completeness", "数据完整性"), ("bulletins", "公报"), ("review", "审核"),
         ("publishing", "发布"), ("alerts", "预警"), ("log", "日志")]

_DESK_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; "
             "base-uri 'none'; frame-ancestors 'none'")
_FILE_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
             "font-src 'self' data:; frame-ancestors 'self'")


def secret_key(ws: Workspace) -> bytes:
    """The key that signs the desk's session cookies: ``<home>/keys/desk-session.key`` (32 random bytes,
    mode 0600, made on first use; two processes starting at once end up with one key)."""
    folder = ws.home / "keys"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "desk-session.key"
    if not path.exists():
        tmp = folder / f".desk-session.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if path.stat().st_mode & 0o077:
        raise PublisherError(f"审核台会话密钥 {path} 可被其他用户读取，请改为仅本账户可读（chmod 600） [key_permissions]")
    return path.read_bytes()


def alerts_module():
    """``publisher.operations.alerts`` when this installation has it (the 预警 page), else None."""
    try:
        from publisher.operations import alerts
    except ImportError:
        return None
    return alerts if hasattr(alerts, "listing") else None


def create_app(ws: Workspace, *, portal: str | None = None, max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB,
               secure_cookie: bool = False, session_ttl: dt.timedelta = SESSION_TTL) -> Flask:
    """The desk for the workspace `ws`. `portal` is where 发布 uploads (default ``$PUBLISHER_PORTAL``);
    `secure_cookie` marks the cookie Secure (behind a TLS proxy)."""
    app = Flask("publisher.desk", root_path=str(PACKAGE), template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=secret_key(ws),
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure_cookie,
        PERMANENT_SESSION_LIFETIME=session_ttl,
        MAX_CONTENT_LENGTH=max_upload_mb * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        MAX_FORM_PARTS=100,
        WS=ws,
        PORTAL=portal or os.environ.get("PUBLISHER_PORTAL"),
        SESSION_TTL=session_ttl,
    )
    app.jinja_env.autoescape = True

    @app.before_request
    def who() -> Any:
        g.account = None
        name, issued = session.get("user"), session.get("issued")
        if name and isinstance(issued, (int, float)):
            age = dt.datetime.now(dt.timezone.utc).timestamp() - issued
            if 0 <= age <= session_ttl.total_seconds():
                found = accounts.get(ws, name)
                # the password was set anew since this session began: the session ends
                g.account = found if found and hmac.compare_digest(found.stamp, str(session.get("stamp", ""))) \
                    else None
        if g.account is None and "user" in session:
            session.clear()   # expired, or the account was removed or disabled
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            wanted = session.get("csrf", "") if request.endpoint != "login" else session.get("login_csrf", "")
            if not wanted or not hmac.compare_digest(str(sent), str(wanted)):
                return refuse(400, "表单已失效或来源不明，请刷新页面后重试", "csrf_failed")
        if request.endpoint not in ("login", "static") and g.account is None:
            if request.method == "POST":
                return refuse(401, "请先登录", "login_required")
            return redirect(url_for("login"))
        return None

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", _DESK_CSP)
        if "sandbox" not in response.headers["Content-Security-Policy"]:
            response.headers["X-Frame-Options"] = "DENY"
        else:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Server"] = "publisher-desk"
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        return refuse(413, f"文件超过上传上限 {max_upload_mb} MiB，未保存", "too_large")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return refuse(exc.code or 500, {403: "无权进行此操作", 404: "没有这个页面或文件"}.get(exc.code, exc.name),
                      {403: "forbidden", 404: "not_found"}.get(exc.code, "http_error"))

    @app.context_processor
    def common() -> dict[str, Any]:
        pages = [(e, label) for e, label in PAGES if e != "alerts" or alerts_module() is not None]
        return {"account": g.get("account"), "pages": pages, "csrf": session.get("csrf", ""), "when": when,
                "size": size}

    from publisher.desk import views

    views.register(app)
    return app


BEIJING = dt.timezone(dt.timedelta(hours=8))


def when(value: Any) -> str | Markup:
    """A ledger time (ISO 8601, UTC) as people at the bureau read it: Beijing time to the minute,
    ``2026-09-03 16:05``; anything else as it is, nothing as ``—``."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING)
    # the day and the time each kept on one line; a narrow column breaks between them
    return Markup('<span class="d">{}</span> <span class="d">{}</span>').format(
        moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M"))


def size(value: Any) -> str:
    """A file size as people read it: ``73 字节``, ``1.3 KB``, ``2.0 MB``."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return "—"
    if n < 1024:
        return f"{n} 字节"
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def refuse(status: int, message: str, code: str, back: str | None = None):
    """An error page (HTML) with the Chinese message and the stable code; nothing was changed. A code the
    desk knows gets a plain explanation above the message (:data:`publisher.desk.words.REFUSAL_HINTS`);
    `back` is the page to return to."""
    return render_template("error.html", message=message, code=code, status=status, back=back,
                           hint=REFUSAL_HINTS.get(code)), status


def start_session(account: Account) -> None:
    session.clear()
    session.permanent = True
    session["user"] = account.name
    session["issued"] = dt.datetime.now(dt.timezone.utc).timestamp()
    session["csrf"] = secrets.token_urlsafe(32)
    session["stamp"] = account.stamp


def require(*roles: str) -> Account:
    """The signed-in account when it holds one of `roles` (403 ``forbidden`` otherwise)."""
    account: Account | None = g.get("account")
    if account is None:
        abort(401)
    if roles and not account.has(*roles):
        abort(403)
    return account


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8000, threads: int = 4, **options: Any) -> None:
    """Serve the desk with waitress (blocks)."""
    from waitress import create_server

    app = create_app(ws, **options)
    server = create_server(app, host=host, port=port, threads=threads, ident="publisher-desk",
                           max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)
    bound = server.effective_host, server.effective_port   # type: ignore[attr-defined]
    print(f"审核台：http://{bound[0]}:{bound[1]}/  工作目录 {ws.home}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def json_detail(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"value": data}
