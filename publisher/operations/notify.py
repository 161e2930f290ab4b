"""Notifications: alerts and reminders through the configured channels, each sent once.

Channels (``<home>/notify.yaml``; without it only the outbox):

- ``outbox`` (always): a text file under ``outbox/<topic>/<date>/``;
- ``email``: SMTP with STARTTLS (``security: starttls``, the default; ``ssl`` for SMTPS), the password
  from an environment variable (``password_env``) or a file only its owner can read (``password_file``,
  mode 0600), never written to the ledger, a log or a message;
- ``webhook``: an HTTP POST with ``requests`` (a timeout, retries of 429/5xx within the attempt) to a
  work-chat robot (``format: wecom | dingtalk | feishu``) or any JSON endpoint (``json``). A robot's
  address carries its key: give it by ``url_env`` or ``url_file`` and it is never shown (messages name
  the host only).

A notification is queued (:func:`enqueue`) in the transaction that creates its subject (an ingest's new
alerts; a reminder) as one ledger row per channel, unique per (topic, key, channel): it cannot be queued
twice. :func:`dispatch` (each scheduler pass, and after ``publisher ingest``) claims the rows that are
due, sends them and records the outcome: ``sent``, or ``retry`` with the next attempt after a backoff
that doubles (``retry.backoff_minutes``, at most a day) until ``retry.max_attempts``, then ``failed``.
:func:`summary` is what ``publisher status`` reports.

With ``PUBLISHER_NOTIFY_LOOPBACK_ONLY=1`` (the test suite sets it) any host that is not a loopback
address is refused before a connection is made.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import smtplib
import sqlite3
import ssl
import stat
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from publisher import config
from publisher.config import ConfigError
from publisher.display import shown
from publisher.errors import PublisherError
from publisher.paths import Workspace
from publisher.periods import beijing_now
from publisher.publishing.transport import is_loopback
from publisher.store import Store, migrations

log = logging.getLogger(__name__)

LOOPBACK_ENV = "PUBLISHER_NOTIFY_LOOPBACK_ONLY"
CHANNELS = ("outbox", "email", "webhook")
#: a message body is cut to this many characters (a robot refuses long texts; e-mail stays readable)
MAX_BODY = 4000

TABLE_SQL = migrations.NOTIFICATIONS_SQL


class NotifyError(PublisherError):
    """A channel is misconfigured or refused to send; ``code`` is a stable English code."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} ({code})")
        self.code = code


# ------------------------------------------------------------------------------------------- config
@dataclass
class Config:
    email: dict[str, Any] | None = None
    webhook: dict[str, Any] | None = None
    max_attempts: int = 8
    backoff_minutes: int = 10
    path: Path | None = None

    @property
    def channels(self) -> list[str]:
        return ["outbox"] + [c for c in ("email", "webhook") if getattr(self, c)]

    @classmethod
    def load(cls, ws: Workspace) -> "Config":
        path = ws.home / "notify.yaml"
        if not path.is_file():
            return cls()

        def bad(reason: str) -> NotifyError:
            return NotifyError(f"{path}：{reason}", "bad_notify_config")

        try:
            raw = config.read(path, what_zh="通知配置文件", code="bad_notify_config")   # bounded in size and depth
        except ConfigError as exc:
            raise NotifyError(exc.reason, "bad_notify_config") from None
        if not isinstance(raw, dict):
            raise bad("应为一个映射")
        unknown = set(map(str, raw)) - {"email", "webhook", "retry"}
        if unknown:
            raise bad(f"未知的设置项 {', '.join(sorted(unknown))}（可用：email、webhook、retry）")
        allowed = {
            "email": {"host", "port", "security", "from", "to", "units", "username", "password_env",
                      "password_file", "ca_file", "timeout", "enabled"},
            "webhook": {"url", "url_env", "url_file", "format", "timeout", "retries", "enabled", "ca_file"},
            "retry": {"max_attempts", "backoff_minutes"},
        }
        for section, names in allowed.items():
            value = raw.get(section)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise bad(f"{section} 应为映射")
            extra = set(map(str, value)) - names
            if extra:
                raise bad(f"{section} 没有设置项 {', '.join(sorted(extra))}（可用：{', '.join(sorted(names))}）")
            if "password" in value or "secret" in value:
                raise bad("密码不得写在配置文件中：请用 password_env 或 password_file")
        email = raw.get("email")
        if email and email.get("enabled", True):
            for need in ("host", "from", "to"):
                if not email.get(need):
                    raise bad(f"email 缺少 {need}")
            if isinstance(email["to"], str):
                email["to"] = [email["to"]]
            units = email.get("units") or {}
            if not isinstance(units, dict):
                raise bad("email.units 应为 责任单位: 收件地址（或地址列表） 的映射")
            email["units"] = {str(k): [v] if isinstance(v, str) else list(v or []) for k, v in units.items()}
            if email.get("security", "starttls") not in ("starttls", "ssl", "none"):
                raise bad("email.security 应为 starttls、ssl 或 none")
            if email.get("username") and not (email.get("password_env") or email.get("password_file")):
                raise bad("email 设了 username，还须设 password_env 或 password_file")
            if email.get("username") and email.get("security") == "none":
                raise bad("email 有用户名和密码时不能不加密（security: none）")
        else:
            email = None
        webhook = raw.get("webhook")
        if webhook and webhook.get("enabled", True):
            if sum(bool(webhook.get(k)) for k in ("url", "url_env", "url_file")) != 1:
                raise bad("webhook 须设 url、url_env、url_file 之一")
            if webhook.get("format", "json") not in ("wecom", "dingtalk", "feishu", "json"):
                raise bad("webhook.format 应为 wecom、dingtalk、feishu 或 json")
        else:
            webhook = None
        retry = raw.get("retry") or {}
        for name in ("max_attempts", "backoff_minutes"):
            if name in retry and (not isinstance(retry[name], int) or isinstance(retry[name], bool) or retry[name] < 1):
                raise bad(f"retry.{name} 应为正整数")
        return cls(email=email, webhook=webhook, max_attempts=retry.get("max_attempts", 8),
                   backoff_minutes=retry.get("backoff_minutes", 10), path=path)


# ------------------------------------------------------------------------------------------- queue
def _statements(conn: sqlite3.Connection) -> None:
    conn.execute(TABLE_SQL)


def _now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def enqueue(conn: sqlite3.Connection, topic: str, key: str, title: str, body: str, *,
            ws: Workspace | None = None, channels: list[str] | None = None, audience: str | None = None) -> list[int]:
    """Queue one notification per channel inside the caller's transaction (at most once per
    (topic, key, channel)). Default channels: those configured for `ws` (the outbox at least)."""
    _statements(conn)
    if channels is None:
        try:
            channels = Config.load(ws).channels if ws is not None else ["outbox"]
        except NotifyError as exc:  # a broken notify.yaml must not cost the data: the outbox still gets it
            log.error("%s", exc)
            channels = ["outbox"]
    ids = []
    for channel in channels:
        cur = conn.execute("INSERT OR IGNORE INTO notifications (topic, key, channel, title, body, created_at, audience)"
                           " VALUES (?,?,?,?,?,?,?)", (topic, key, channel, title, body[:MAX_BODY * 4], _now_utc(),
                                                      audience))
        if cur.rowcount:
            ids.append(cur.lastrowid)
    return ids


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='notifications'").fetchone() is not None


def _stamp(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat(sep=" ")


def dispatch(ws: Workspace, now: dt.datetime | None = None, config: Config | None = None) -> list[dict[str, Any]]:
    """Send the notifications that are due at Beijing time `now`; returns one dict per attempt
    (id, topic, key, channel, status, error). A channel's failure never stops the others."""
    store = Store(ws)
    if not store.exists():
        return []
    now = now or beijing_now()
    config = config or Config.load(ws)
    stale = _stamp(now - dt.timedelta(minutes=30))
    with store.connect(write=True) as conn:
        _statements(conn)
        rows = [dict(r) for r in conn.execute(
            "SELECT * FROM notifications WHERE (status IN ('pending','retry') AND (next_at IS NULL OR next_at <= ?))"
            " OR (status='sending' AND claimed_at <= ?) ORDER BY id", (_stamp(now), stale))]
        for row in rows:
            conn.execute("UPDATE notifications SET status='sending', claimed_at=? WHERE id=?", (_stamp(now), row["id"]))
    results = []
    for row in rows:
        error, receipt = None, None
        try:
            receipt = send(ws, config, row["channel"], row["topic"], row["key"], row["title"], row["body"], now,
                           audience=row.get("audience"))
        except Exception as exc:  # noqa: BLE001 - recorded with the notification, retried later
            error = _describe(exc, config)
        attempts = row["attempts"] + 1
        with store.connect(write=True) as conn:
            if error is None:
                conn.execute("UPDATE notifications SET status='sent', attempts=?, sent_at=?, receipt=?, last_error=NULL"
                             " WHERE id=?", (attempts, _stamp(now), receipt, row["id"]))
                state = "sent"
            else:
                final = attempts >= config.max_attempts or (isinstance(error, str) and error.endswith("(channel_not_configured)"))
                wait = min(config.backoff_minutes * 2 ** (attempts - 1), 24 * 60)
                state = "failed" if final else "retry"
                conn.execute("UPDATE notifications SET status=?, attempts=?, next_at=?, last_error=? WHERE id=?",
                             (state, attempts, None if final else _stamp(now + dt.timedelta(minutes=wait)),
                              error, row["id"]))
            conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                         (_now_utc(), f"notify.{state}", f"{row['topic']}/{row['key']}",
                          json.dumps({"id": row["id"], "channel": row["channel"], "attempt": attempts,
                                      "at": _stamp(now), **({"error": error} if error else {"receipt": receipt})},
                                     ensure_ascii=False)))
        if error:
            log.warning("notification %s via %s failed: %s", row["id"], row["channel"], error)
        results.append({"id": row["id"], "topic": row["topic"], "key": row["key"], "channel": row["channel"],
                        "status": state, "error": error, "receipt": receipt})
    return results


def _describe(exc: BaseException, config: Config) -> str:
    """An error as recorded: never the password, nor a webhook address (its key)."""
    if isinstance(exc, NotifyError):
        text = str(exc)
    else:
        if isinstance(exc, requests.RequestException):
            text = f"{type(exc).__name__}"   # requests' messages quote the URL, key included
        else:
            text = f"{type(exc).__name__}: {exc}"
    for secret in _secrets(config):
        text = text.replace(secret, "***")
    return shown(text)[:500]


def _secrets(config: Config) -> list[str]:
    found = []
    for getter in (lambda: _password(config.email) if config.email else None,
                   lambda: _webhook_url(config.webhook) if config.webhook else None):
        try:
            value = getter()
        except Exception:  # noqa: BLE001 - nothing to hide then
            value = None
        if value:
            found.append(value)
            parts = urllib.parse.urlsplit(value) if "://" in value else None
            if parts and parts.query:
                found.append(parts.query)
    return found


# ------------------------------------------------------------------------------------------- channels
def send(ws: Workspace, config: Config, channel: str, topic: str, key: str, title: str, body: str,
         now: dt.datetime, audience: str | None = None) -> str:
    """Send one message through `channel`; returns a receipt (never a secret)."""
    if channel == "outbox":
        return _outbox(ws, topic, key, title, body, now)
    if channel == "email":
        if not config.email:
            raise NotifyError("邮件通道未配置（notify.yaml 的 email）", "channel_not_configured")
        return send_email(config.email, title, body, audience)
    if channel == "webhook":
        if not config.webhook:
            raise NotifyError("Webhook 通道未配置（notify.yaml 的 webhook）", "channel_not_configured")
        return send_webhook(config.webhook, title, body)
    raise NotifyError(f"未知的通知通道 {shown(channel)}", "channel_not_configured")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_（）()." else "_" for c in text)[:100] or "message"


def _outbox(ws: Workspace, topic: str, key: str, title: str, body: str, now: dt.datetime) -> str:
    folder = ws.home / "outbox" / _safe(topic) / now.date().isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe(key)}.txt"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"{title}\n\n{body}", encoding="utf-8")
    os.replace(tmp, path)
    return str(path.relative_to(ws.home))


def _require_host(host: str | None, what: str) -> None:
    if os.environ.get(LOOPBACK_ENV) == "1" and not is_loopback(host):
        raise NotifyError(f"{what} 的主机 {shown(str(host))} 不是本机回环地址，已拒绝连接"
                          f"（{LOOPBACK_ENV}=1）", "non_loopback_refused")


def _secret_file(path_text: str, what: str) -> str:
    path = Path(path_text)
    try:
        info = path.stat()
    except OSError as exc:
        raise NotifyError(f"{what}文件 {path} 无法读取：{exc.strerror}", "secret_file_unreadable") from None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise NotifyError(f"{what}文件 {path} 须只有其所有者可读写（chmod 600，属主为运行本程序的用户）",
                          "secret_file_mode")
    return path.read_text(encoding="utf-8").strip()


def _password(email: dict[str, Any]) -> str | None:
    if email.get("password_env"):
        value = os.environ.get(str(email["password_env"]))
        if not value:
            raise NotifyError(f"环境变量 {email['password_env']} 未设置（邮件密码）", "smtp_password_missing")
        return value
    if email.get("password_file"):
        return _secret_file(str(email["password_file"]), "邮件密码")
    return None


def send_email(email: dict[str, Any], title: str, body: str, audience: str | None = None) -> str:
    """Send to the addresses of `audience` (a responsible unit, ``email.units``), else to ``email.to``."""
    host, security = str(email["host"]), email.get("security", "starttls")
    port = int(email.get("port") or (465 if security == "ssl" else 587))
    _require_host(host, "SMTP 服务器")
    password = _password(email) if email.get("username") else None
    context = ssl.create_default_context(cafile=email.get("ca_file"))
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = str(email["from"])
    recipients = (email.get("units") or {}).get(audience or "") or email["to"]
    message["To"] = ", ".join(map(str, recipients))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="publisher.local")
    message.set_content(body[:MAX_BODY * 4])
    timeout = float(email.get("timeout", 20))
    if security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        client.ehlo()
        if security == "starttls":
            if not client.has_extn("starttls"):
                raise NotifyError(f"SMTP 服务器 {host} 不支持 STARTTLS，未发送", "smtp_no_starttls")
            client.starttls(context=context)
            client.ehlo()
        if email.get("username"):
            client.login(str(email["username"]), password or "")
        refused = client.send_message(message)
    if refused:
        raise NotifyError(f"收件人被拒：{', '.join(refused)}", "smtp_recipients_refused")
    return f"smtp {host}:{port} → {', '.join(map(str, recipients))}"


def _webhook_url(webhook: dict[str, Any]) -> str:
    if webhook.get("url"):
        return str(webhook["url"])
    if webhook.get("url_env"):
        value = os.environ.get(str(webhook["url_env"]))
        if not value:
            raise NotifyError(f"环境变量 {webhook['url_env']} 未设置（Webhook 地址）", "webhook_url_missing")
        return value
    return _secret_file(str(webhook["url_file"]), "Webhook 地址")


class _Redact(logging.Filter):
    """Hides the webhook's address (its key) in the HTTP library's own debug lines."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = sorted((x for x in secrets if x and len(x) > 1), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for secret in self.secrets:
            text = text.replace(secret, "***")
        record.msg, record.args = text, ()
        return True


@contextlib.contextmanager
def _redacted_logs(secrets: list[str]) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3")]
    redact = _Redact(secrets)
    for logger in loggers:
        logger.addFilter(redact)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redact)


def _payload(fmt: str, title: str, body: str) -> dict[str, Any]:
    text = f"{title}\n{body}"[:MAX_BODY]
    if fmt in ("wecom", "dingtalk"):
        return {"msgtype": "text", "text": {"content": text}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    return {"title": title, "text": body[:MAX_BODY]}


def send_webhook(webhook: dict[str, Any], title: str, body: str) -> str:
    url = _webhook_url(webhook)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise NotifyError("Webhook 地址无效（应为 http(s)://主机/路径，不含用户名密码）", "bad_webhook_url")
    _require_host(parts.hostname, "Webhook")
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        raise NotifyError(f"Webhook 地址须用 HTTPS（主机 {parts.hostname}）", "insecure_transport")
    fmt = webhook.get("format", "json")
    retries = int(webhook.get("retries", 2))
    session = requests.Session()
    session.trust_env = False   # neither ~/.netrc nor proxy variables change where the key goes
    retry = Retry(total=retries, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=frozenset({"POST"}), raise_on_status=False, respect_retry_after_header=False)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    with session, _redacted_logs([url, parts.query, parts.path] if parts.query else [url, parts.path]):
        response = session.post(url, json=_payload(fmt, title, body), timeout=float(webhook.get("timeout", 10)),
                                allow_redirects=False, verify=webhook.get("ca_file") or True)
    where = f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}"
    if response.status_code >= 300:
        raise NotifyError(f"Webhook {where} 返回 HTTP {response.status_code}", "webhook_http_error")
    if fmt != "json":
        try:
            answer = response.json()
        except ValueError:
            raise NotifyError(f"Webhook {where} 的应答不是 JSON", "webhook_bad_answer") from None
        code = answer.get("errcode", answer.get("code", 0)) if isinstance(answer, dict) else 0
        if code not in (0, None):
            message = str(answer.get("errmsg") or answer.get("msg") or "")[:200]
            raise NotifyError(f"Webhook {where} 拒收：{code} {shown(message)}", "webhook_refused")
    return f"webhook {where} HTTP {response.status_code}"


# ------------------------------------------------------------------------------------------- reading
def listing(ws: Workspace) -> list[dict[str, Any]]:
    store = Store(ws)
    if not store.exists():
        return []
    with store.connect() as conn:
        if not _has_table(conn):
            return []
        return [dict(r) for r in conn.execute("SELECT id, topic, key, channel, title, status, attempts, next_at,"
                                              " created_at, sent_at, last_error, receipt FROM notifications ORDER BY id")]


def summary(ws: Workspace) -> dict[str, Any]:
    """Per channel: how many notifications are sent, waiting, retrying, failed, and the last error."""
    out: dict[str, Any] = {}
    for row in listing(ws):
        entry = out.setdefault(row["channel"], {"sent": 0, "pending": 0, "sending": 0, "retry": 0, "failed": 0,
                                                "last_error": None, "next_at": None})
        entry[row["status"]] += 1
        if row["status"] in ("retry", "failed") and row["last_error"]:
            entry["last_error"] = row["last_error"]
            if row["next_at"]:
                entry["next_at"] = row["next_at"]
    return out


def render_summary(info: dict[str, Any]) -> str:
    if not info:
        return "通知：尚无。"
    names = {"outbox": "发件箱", "email": "邮件", "webhook": "Webhook"}
    lines = ["通知："]
    for channel, e in info.items():
        line = (f"  {names.get(channel, channel)}：已发送 {e['sent']}，待发送 {e['pending'] + e['sending']}，"
                f"待重试 {e['retry']}，失败 {e['failed']}")
        if e["last_error"]:
            line += f"；最近错误：{e['last_error']}" + (f"（下次重试 {e['next_at']}）" if e["next_at"] else "")
        lines.append(line)
    return "\n".join(lines)


__all__ = ["Config", "NotifyError", "enqueue", "dispatch", "send", "summary", "listing", "render_summary"]
