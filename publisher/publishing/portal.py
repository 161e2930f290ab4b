"""Publication of approved bulletins to the public portal over HTTP.

``publish()`` sends the LATEST revision of a bulletin, and only when

1. every step of its review workflow is approved (:mod:`publisher.publishing.approval`), and
2. its folder is still exactly what the ledger recorded (:mod:`publisher.publishing.integrity`); the bytes that
   were hashed are the bytes sent.

One upload is one ``multipart/form-data`` POST to ``<portal>/api/v1/bulletins`` with the metadata
(kind, period, area, revision, manifest sha256, the approvals in force, the correction note), the
manifest and every file it lists; the protocol is in ``docs/publishing.md`` and the reference portal
in :mod:`publisher.publishing.portal_server`. Connection errors, timeouts and HTTP 408/429/5xx are retried with
exponential backoff; any other answer is final. Retrying is safe because the portal keys a version by
the manifest's sha256: a second upload of the same content is answered ``already_published``.

The metadata is signed with the instance's Ed25519 key (:mod:`publisher.publishing.signing`) together with the
time of signing and a publication sequence (the id of the ``publication_signed`` event in the ledger),
so the portal can check that what arrives was approved here and order uploads by when they were signed.
The upload token (``$PUBLISHER_PORTAL_TOKEN``) is sent as a Bearer header only over HTTPS or to a
loopback address; a portal address with credentials in it (``http://user:pass@host``) is refused and
shown redacted, so a password never reaches the screen, the ledger or the history.

Each attempt that reached a conclusion is recorded in the ledger's ``publications`` table (``ok`` with
the portal's URL, or ``failed`` with the error); a refusal before any upload (not approved, rejected,
files changed) is logged in ``events`` as ``publish_refused``. Publishing a revision that the ledger
already shows as published to the same portal does nothing and says so. A later revision of a
bulletin already published there goes out as a correction (更正): the portal keeps the earlier
versions and shows the note.
"""
from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import requests

from publisher import __version__
from publisher.bulletins import KINDS, catalogue
from publisher.publishing import signing
from publisher.publishing.approval import (ApprovalError, Policy, latest_revision, load_policy, require_files, status,
                                subject)
from publisher.paths import Workspace
from publisher.publishing.site import hooks as site_hooks
from publisher.publishing.transport import PORTAL_ENV, TOKEN_ENV, BearerAuth, normalize_target, require_safe_transport
from publisher.store import Store

PROTOCOL = 1
UPLOAD_PATH = "api/v1/bulletins"
TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
DEFAULT_CORRECTION_NOTE = "本期公报已更正，以本版为准；此前发布的版本保留备查。"


@dataclass
class Published:
    """The outcome of one ``publish()``: ``published``, ``already_published`` or ``failed``."""

    bulletin: dict[str, Any]
    target: str
    status: str
    message: str
    version: int | None = None
    url: str | None = None
    error: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    publication_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def encode_name(path: str) -> str:
    """A file's path as sent in the part's ``filename`` (percent-encoded UTF-8, ``/`` included)."""
    return urllib.parse.quote(path, safe="")


def _kind_name(kind: str, home=None) -> str:
    """The title the bulletin's page prints (the catalogue's), or the kind's id when unknown here."""
    if kind not in KINDS:  # a kind unknown to this version still publishes under its id
        return kind
    return catalogue.get(kind, home).title_zh


def _title(contents: dict[str, bytes], fallback: str) -> str:
    try:
        return str(json.loads(contents["bulletin.json"].decode("utf-8"))["title"]) or fallback
    except (KeyError, ValueError, TypeError):
        return fallback


def publish(ws: Workspace, kind: str, period: str, area: str | None = None, portal: str | None = None, *,
            token: str | None = None, note: str | None = None, timeout: float = 30.0, attempts: int = 3,
            backoff: float = 1.0, policy: Policy | None = None,
            session: requests.Session | None = None) -> Published:
    """Publish the latest revision of a bulletin to `portal` (default: ``$PUBLISHER_PORTAL``).

    Raises :class:`ApprovalError` when it may not be published (``no_portal``, ``bad_portal_url``,
    ``credentials_in_url``, ``insecure_transport``, ``not_built``, ``not_approved``, ``rejected``,
    ``files_changed``) and :class:`publisher.publishing.signing.SigningError` when the instance key is unusable;
    returns a :class:`Published` otherwise, ``status == "failed"`` when the upload did not succeed
    (recorded in the ledger). The address and transport checks come before anything else: a refused
    token never leaves the machine.
    """
    portal = portal or os.environ.get(PORTAL_ENV)
    if not portal:
        raise ApprovalError(f"未指定门户地址：请用 --portal 或设置环境变量 {PORTAL_ENV}", "no_portal")
    target = normalize_target(portal)
    token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    require_safe_transport(target, token)
    store = Store(ws)
    policy = policy or load_policy(ws=ws)
    row = latest_revision(store, kind, period, area)
    name = f"{subject(kind, row['period'], area)} 第{row['revision']}版"
    try:
        state = status(store, row, policy)
        if state.rejected:
            raise ApprovalError(f"{name}{state.summary()}，不能发布；须在该步骤重新审核通过后再发布", "rejected")
        if not state.approved:
            missing = "、".join(f"{s.step.name}（{s.label}）" for s in state.steps if s.state != "approved")
            raise ApprovalError(f"{name} 尚未完成审核，不能发布：{missing}（publisher approve）", "not_approved")
        check = require_files(row, keep=True)
    except ApprovalError as exc:
        store.record_event("publish_refused", subject(kind, row["period"], area),
                           {"bulletin_id": row["id"], "revision": row["revision"], "target": target,
                            "code": exc.code, "detail": exc.detail})
        raise
    done = [p for p in store.publications(int(row["id"])) if p["target"] == target and p["status"] == "ok"]
    if done:
        detail = json.loads(done[-1]["detail"] or "{}")
        return Published(row, target, "already_published",
                         f"{name} 已于 {done[-1]['at']} 发布到 {target}（门户第{detail.get('version')}版），"
                         f"无需重复发布 (already_published)", version=detail.get("version"), url=done[-1]["url"])

    earlier = [b for b in store.bulletins(kind=kind, period=row["period"])
               if b.get("area") == area and b["revision"] < row["revision"]
               and any(p["target"] == target and p["status"] == "ok" for p in store.publications(int(b["id"])))]
    corrects = earlier[-1]["revision"] if earlier else None
    kind_name = _kind_name(kind, ws.home)
    metadata = {
        "protocol": PROTOCOL,
        "kind": kind, "kind_name": kind_name, "title": _title(check.contents, kind_name),
        "period": row["period"], "area": area, "revision": row["revision"],
        "manifest_sha256": row["manifest_sha256"], "built_at": row["built_at"],
        "approvals": [{"step": s.step.id, "step_name": s.step.name, "role": s.decision["role"],
                       "by": s.decision["approved_by"], "at": s.decision["at"], "note": s.decision["note"]}
                      for s in state.steps],
        "corrects": corrects,
        "note": (note or "").strip() or (DEFAULT_CORRECTION_NOTE if corrects else None),
        "sender": f"publisher {__version__}",
    }
    metadata["disclosure"] = site_hooks.upload_disclosure(ws, row, check.contents)
    key = signing.instance_key(ws.home)
    metadata["signed_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
    metadata["sequence"] = store.record_event("publication_signed", subject(kind, row["period"], area), {
        "bulletin_id": row["id"], "revision": row["revision"], "manifest_sha256": row["manifest_sha256"],
        "target": target, "signed_at": metadata["signed_at"], "key_id": signing.key_id(key.public_key())})
    metadata = signing.sign(metadata, key)
    parts: list[tuple[str, tuple[str, bytes, str]]] = [
        ("metadata", ("metadata.json", json.dumps(metadata, ensure_ascii=False).encode("utf-8"),
                      "application/json")),
        ("manifest", ("manifest.json", check.manifest_bytes or b"", "application/json")),
    ]
    for rel, data in sorted(check.contents.items()):
        parts.append(("file", (encode_name(rel), data,
                               mimetypes.guess_type(rel)[0] or "application/octet-stream")))
    own = session is None
    session = session or requests.Session()
    try:
        outcome = _upload(session, target, parts, token, timeout, max(1, attempts), backoff)
    finally:
        if own:
            session.close()

    tries = outcome.pop("attempts")
    if outcome["ok"]:
        body = outcome["body"]
        url = f"{target}/{body['path']}"
        detail = {"version": body["version"], "revision": row["revision"], "portal_status": body["status"],
                  "corrects": corrects, "manifest_sha256": row["manifest_sha256"], "attempts": tries}
        pid = store.record_publication(int(row["id"]), target, "ok", url, detail)
        site_hooks.keep_published(ws, row, check, metadata, url)
        said = "门户已有此版本（按清单识别），记为已发布" if body["status"] == "already_published" else "已发布"
        more = f"，更正第{corrects}版" if corrects else ""
        return Published(row, target, "published", f"{name} {said}：门户第{body['version']}版{more} {url}",
                         version=body["version"], url=url, attempts=tries, publication_id=pid)
    detail = {"error": outcome["error"], "message": outcome["message"], "revision": row["revision"],
              "manifest_sha256": row["manifest_sha256"], "attempts": tries}
    pid = store.record_publication(int(row["id"]), target, "failed", None, detail)
    return Published(row, target, "failed", f"{name} 发布失败：{outcome['message']} [{outcome['error']}]",
                     error=outcome["error"], attempts=tries, publication_id=pid)


def _upload(session: requests.Session, target: str, parts: list, token: str | None, timeout: float,
            attempts: int, backoff: float) -> dict[str, Any]:
    """POST the upload, retrying transient failures; {"ok", "body"} or {"ok": False, "error", "message"}."""
    url = f"{target}/{UPLOAD_PATH}"
    headers = {"Accept": "application/json", "User-Agent": f"publisher/{__version__}"}
    auth = BearerAuth(token)
    tries: list[dict[str, Any]] = []
    error, message = "portal_unreachable", ""
    for n in range(1, attempts + 1):
        wait = backoff * 2 ** (n - 1)
        try:
            response = session.post(url, files=parts, headers=headers, auth=auth,
                                    timeout=(min(10.0, timeout), timeout), allow_redirects=False)
        except requests.Timeout as exc:
            error, message = "portal_timeout", f"门户 {target} 在 {timeout:g} 秒内没有应答"
            tries.append({"attempt": n, "error": type(exc).__name__})
        except requests.ConnectionError as exc:
            error, message = "portal_unreachable", f"无法连接门户 {target}：{_short(exc)}"
            tries.append({"attempt": n, "error": type(exc).__name__})
        except requests.RequestException as exc:
            tries.append({"attempt": n, "error": type(exc).__name__})
            return {"ok": False, "error": "portal_error", "message": f"上传出错：{_short(exc)}",
                    "attempts": tries}
        else:
            body = _json(response)
            tries.append({"attempt": n, "status": response.status_code})
            if response.status_code in (200, 201) and body.get("status") in ("published", "already_published") \
                    and isinstance(body.get("version"), int) and isinstance(body.get("path"), str):
                return {"ok": True, "body": body, "attempts": tries}
            if response.status_code in TRANSIENT_STATUS:
                error = "portal_error"
                message = f"门户 {target} 暂时无法处理（HTTP {response.status_code}）"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = max(wait, min(float(retry_after), 60.0))
            elif 200 <= response.status_code < 300:
                return {"ok": False, "error": "portal_bad_response", "attempts": tries,
                        "message": f"门户 {target} 的应答无法识别（HTTP {response.status_code}）"}
            else:
                code = str(body.get("error") or f"http_{response.status_code}")
                text = body.get("message") or response.reason or ""
                if response.status_code == 401:
                    text += f"（上传令牌取自环境变量 {TOKEN_ENV}）"
                return {"ok": False, "error": "portal_refused", "attempts": tries,
                        "message": f"门户拒绝了上传（HTTP {response.status_code}，{code}）：{text}"}
        if n < attempts:
            tries[-1]["wait"] = min(wait, 60.0)  # recorded with the attempt: the ledger shows the backoff
            time.sleep(min(wait, 60.0))
    return {"ok": False, "error": error, "attempts": tries,
            "message": f"{message}（共尝试 {attempts} 次）"}


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "…"
