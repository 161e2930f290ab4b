"""The review desk's pages: 登录, 数据报送, 数据完整性, 公报, 审核, 发布, 预警, 日志."""
from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, g, redirect, render_template, request, send_file, session, url_for

from publisher.desk import accounts, alerts_module, json_detail, refuse, require, start_session
from publisher.desk.accounts import ADMIN, UPLOADER
from publisher.desk.words import EVENT_ZH, REVISION_PARTS, actor
from publisher.errors import PublisherError
from publisher.paths import Workspace
from publisher.vocabulary import FILE_KINDS, STATION_KINDS

#: upload names: one plain file name (no folder, no leading dot, no control characters), with a data suffix
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".xls", ".csv.gz", ".txt")
NAME_MAX_BYTES = 200
#: the 日志 page shows at most this many events, newest first
LOG_ROWS = 500


def _on_portal(entry: dict[str, Any]) -> bool:
    """Whether a revision of the history was published to a portal that confirmed it."""
    return any(p["status"] == "ok" for p in entry["publications"])


def _ws() -> Workspace:
    return current_app.config["WS"]


def _policy():
    from publisher.publishing.approval import load_policy

    return load_policy(ws=_ws())


def workflow_roles() -> set[str]:
    policy = _policy()
    return {r for s in policy.steps.values() for r in s.roles}


def _upload_name(raw: str | None) -> str:
    """The name an uploaded file is kept under, or ``bad_filename`` (nothing is saved)."""
    name = unicodedata.normalize("NFC", raw or "")
    bad = (not name or name != name.strip() or "/" in name or "\\" in name or name.startswith(".")
           or ".." in name or any(unicodedata.category(c) in ("Cc", "Cf") for c in name)
           or len(name.encode("utf-8")) > NAME_MAX_BYTES or ":" in name)
    if bad or not name.lower().endswith(UPLOAD_SUFFIXES):
        raise PublisherError(f"文件名 {name!r} 不能接收：须为单个文件名（不含路径、不以“.”开头、不含控制字符），"
                             f"扩展名为 {'、'.join(UPLOAD_SUFFIXES)} [bad_filename]")
    return name


def _bulletin_row(bulletin_id: int) -> dict[str, Any]:
    from publisher.store import Store

    rows = [r for r in Store(_ws()).bulletins() if int(r["id"]) == bulletin_id] if Store(_ws()).exists() else []
    if not rows:
        abort(404)
    return rows[0]


def _latest_rows() -> list[dict[str, Any]]:
    from publisher.store import Store

    store = Store(_ws())
    if not store.exists():
        return []
    latest: dict[tuple, dict[str, Any]] = {}
    for r in store.bulletins():
        latest[(r["kind"], r["period"], r["area"])] = r
    return list(latest.values())


def _title(row: dict[str, Any]) -> str:
    """A bulletin as staff name it: ``2026年8月 主要河流（湖库）国控、省控断面水质状况（area）``, from the
    bulletin catalogue (the kind's code only when the catalogue cannot be read)."""
    from publisher.bulletins import catalogue
    from publisher.periods import Period

    try:
        label = catalogue.get(row["kind"], _ws().home).title_zh
    except PublisherError:
        label = row["kind"]
    try:
        period = Period.parse(row["period"]).label_zh
    except (PublisherError, ValueError):
        period = row["period"]
    return f"{period} {label}" + (f"（{row['area']}）" if row.get("area") else "")


def _error_code(exc: Exception) -> str:
    found = re.findall(r"[\[(]([a-z_]+)[\])]\s*$", str(exc))
    return getattr(exc, "code", None) or (found[-1] if found else "error")


def register(app: Flask) -> None:  # noqa: C901 - one function keeps the routes together
    # ------------------------------------------------------------------ sign in / out
    @app.route("/login", methods=["GET", "POST"])
    def login():
        message = None
        if request.method == "POST":
            try:
                account = accounts.login(_ws(), request.form.get("name", ""), request.form.get("password", ""),
                                         request.remote_addr)
            except accounts.AccountError as exc:
                message, status = str(exc), 429 if exc.code == "too_many_attempts" else 401
                session["login_csrf"] = secrets.token_urlsafe(32)
                return render_template("login.html", message=message, login_csrf=session["login_csrf"]), status
            start_session(account)
            return redirect(url_for("home"))
        if g.account is not None:
            return redirect(url_for("home"))
        session["login_csrf"] = session.get("login_csrf") or secrets.token_urlsafe(32)
        return render_template("login.html", message=message, login_csrf=session["login_csrf"])

    @app.route("/logout", methods=["POST"])
    def logout():
        session.clear()
        return redirect(url_for("login"))

    @app.route("/")
    def home():
        account = require()
        if account.has(UPLOADER) and not account.has(ADMIN):
            return redirect(url_for("upload"))
        if account.roles and set(account.roles) & workflow_roles():
            return redirect(url_for("review"))
        return redirect(url_for("bulletins"))

    # ------------------------------------------------------------------ 数据报送
    def _quarantine() -> list[dict[str, Any]]:
        folder = _ws().quarantine
        out = []
        if folder.is_dir():
            for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
                if path.is_file() and not path.name.endswith((".错误报告.txt", ".errors.json")) \
                        and not path.name.startswith("."):
                    report = folder / f"{path.name}.错误报告.txt"
                    out.append({"name": path.name, "size": path.stat().st_size,
                                "report": report.read_text(encoding="utf-8", errors="replace")[:4000]
                                if report.is_file() else ""})
        return out[:50]

    def _recent_files() -> list[dict[str, Any]]:
        from publisher.store import Store

        store = Store(_ws())
        if not store.exists():
            return []
        with store.connect() as conn:
            return [dict(r) for r in conn.execute(
                "SELECT sha256, name, size, kind, received_at FROM files ORDER BY received_at DESC LIMIT 30")]

    @app.route("/upload", methods=["GET", "POST"])
    def upload():
        account = require(UPLOADER, ADMIN)
        results = []
        if request.method == "POST":
            files = [f for f in request.files.getlist("file") if f and f.filename]
            if not files:
                return refuse(400, "请选择要上传的文件", "no_file")
            names = []
            try:
                names = [_upload_name(f.filename) for f in files]
            except PublisherError as exc:
                return refuse(400, str(exc), "bad_filename")
            from publisher import registry as registry_mod
            from publisher.ingest.pipeline import ingest
            from publisher.store import Store

            ws = _ws()
            folder = ws.inbox / f".desk-{secrets.token_hex(8)}"   # hidden from a concurrent inbox run
            folder.mkdir(parents=True, exist_ok=True)
            paths = []
            try:
                for f, name in zip(files, names):
                    target = folder / name
                    f.save(target)
                    paths.append(target)
                results = ingest(paths, ws, registry_mod.load(ws.stations), progress=False)
            finally:
                for p in paths:   # a file that failed stays in the inbox proper for the next run
                    if p.exists() and not (ws.inbox / p.name).exists():
                        p.replace(ws.inbox / p.name)
                try:
                    folder.rmdir()
                except OSError:
                    pass
            Store(ws).record_event("desk.upload", None, {
                "account": account.name, "files": [{"name": r.name, "status": r.status, "sha256": r.sha256}
                                                   for r in results]})
        return render_template("upload.html", results=results, quarantine=_quarantine(), files=_recent_files(),
                               raised=_raised_by(results), file_kind=lambda k: FILE_KINDS.get(k, k or "—"),
                               max_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))

    def _raised_by(results) -> dict[int, list[dict[str, Any]]]:
        """ingest id -> the alerts that ingest raised (the upload's result names them)."""
        module = alerts_module()
        ids = {r.ingest_id for r in results if r.ingest_id is not None}
        if module is None or not ids:
            return {}
        out: dict[int, list[dict[str, Any]]] = {}
        for a in module.listing(_ws()):
            if a.get("ingest_id") in ids:
                out.setdefault(a["ingest_id"], []).append(a)
        return out

    @app.route("/upload/quarantine/<path:name>")
    def quarantined(name: str):
        require(UPLOADER, ADMIN)
        folder = _ws().quarantine.resolve()
        target = (folder / name).resolve()
        if target.parent != folder or not target.is_file() or target.name.startswith("."):
            abort(404)
        return send_file(target, as_attachment=True, download_name=target.name)

    @app.route("/upload/archive/<sha>")
    def archived(sha: str):
        require(UPLOADER, ADMIN)
        from publisher.store import Store

        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            abort(404)
        row = Store(_ws()).file(sha)
        if not row:
            abort(404)
        path = (_ws().home / row["archive_path"]).resolve()
        if _ws().archive.resolve() not in path.parents or not path.is_file():
            abort(404)
        return send_file(path, as_attachment=True, download_name=row["name"])

    # ------------------------------------------------------------------ 数据完整性
    @app.route("/completeness")
    def completeness():
        require()
        from publisher import registry as registry_mod
        from publisher.operations.status import status as compute
        from publisher.periods import Period

        period = request.args.get("period") or None
        try:
            report = compute(_ws(), registry_mod.load(_ws().stations), Period.parse(period) if period else None,
                             aqi_check=False)
        except PublisherError as exc:
            return refuse(400, str(exc), _error_code(exc))
        return render_template("completeness.html", report=report, kind_zh=lambda k: STATION_KINDS.get(k, k))

    # ------------------------------------------------------------------ 公报
    def _withdrawn() -> set[tuple]:
        """(kind, period, area) of every item whose withdrawal is decided."""
        from publisher.publishing.site import withdrawal

        return {(s.kind, s.period, s.area) for s in withdrawal.withdrawn(_ws()).values()}

    @app.route("/bulletins")
    def bulletins():
        require()
        from publisher.publishing.approval import history

        every = request.args.get("all") == "1"
        rows = [h for h in history(_ws()) if every or h["latest"]]
        gone = _withdrawn()
        for h in rows:
            h["withdrawn"] = (h["kind"], h["period"], h["area"]) in gone
            h["published"] = _on_portal(h)
        rows.sort(key=lambda h: (h["period"], h["built_at"]), reverse=True)
        return render_template("bulletins.html", rows=rows, every=every, title=_title)

    @app.route("/bulletins/<int:bulletin_id>")
    def bulletin(bulletin_id: int):
        account = require()
        from publisher.publishing import explanations, revisions
        from publisher.publishing.approval import history
        from publisher.store import Store

        row = _bulletin_row(bulletin_id)
        entry = next(h for h in history(_ws(), row["kind"], row["period"], row.get("area"))
                     if h["bulletin_id"] == bulletin_id)
        gate = explanations.gate(Store(_ws()), row) if entry["latest"] else []
        may_explain = account.has(ADMIN, *workflow_roles())
        diff = revisions.diff(_ws(), row["kind"], row["period"], row.get("area"), int(row["revision"]))
        changes = _changes(row)
        others = [h for h in history(_ws(), row["kind"], row["period"], row.get("area"))
                  if h["area"] == row.get("area")]
        withdrawn = (row["kind"], row["period"], row.get("area")) in _withdrawn()
        return render_template("bulletin.html", row=row, h=entry, title=_title(row), gate=gate,
                               others=others, withdrawn=withdrawn, changes=changes,
                               may_explain=may_explain, diff=diff, flash=session.pop("flash", None))

    def _changes(row: dict[str, Any]) -> list[str] | None:
        """What changed from the previous revision, part by part, in words (None: nothing to compare)."""
        from publisher.publishing import revisions

        revision = int(row["revision"])
        if revision <= 1:
            return None
        old = revisions.load(_ws(), row["kind"], row["period"], row.get("area"), revision - 1)
        new = revisions.load(_ws(), row["kind"], row["period"], row.get("area"), revision)
        if old is None or new is None:
            return None
        out = [f"{label}有变化" for key, label in REVISION_PARTS if old.get(key) != new.get(key)]
        before = {e.get("key"): e for e in old.get("explanations") or [] if isinstance(e, dict)}
        for e in new.get("explanations") or []:
            if isinstance(e, dict) and before.get(e.get("key")) != e:
                out.append(f"“{e.get('subject') or e.get('key')}”的超标说明"
                           + ("已修改" if e.get("key") in before else "已加入"))
        return out

    @app.route("/bulletins/<int:bulletin_id>/files/<path:rel>")
    def bulletin_file(bulletin_id: int, rel: str):
        require()
        row = _bulletin_row(bulletin_id)
        folder = Path(row["output_dir"]).resolve()
        target = (folder / rel).resolve()
        if folder not in target.parents or not target.is_file() or any(p.startswith(".") for p in Path(rel).parts):
            abort(404)
        response = send_file(target)
        if target.suffix.lower() in (".html", ".htm", ".svg", ".xml"):
            from publisher.desk import _FILE_CSP

            response.headers["Content-Security-Policy"] = _FILE_CSP
        elif target.suffix.lower() == ".pdf":
            response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        else:
            response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response

    @app.route("/bulletins/<int:bulletin_id>/explain", methods=["POST"])
    def explain(bulletin_id: int):
        account = require(ADMIN, *workflow_roles())
        from publisher.bulletins.build import build
        from publisher.publishing import explanations

        row = _bulletin_row(bulletin_id)
        try:
            result = explanations.record(_ws(), row["kind"], row["period"], request.form.get("key", ""),
                                         cause=request.form.get("cause", ""), measures=request.form.get("measures", ""),
                                         by=account.name, via="desk", area=row.get("area"), rebuild=build)
        except PublisherError as exc:
            return refuse(400, str(exc), _error_code(exc), back=url_for("bulletin", bulletin_id=bulletin_id))
        latest = next((r for r in _latest_rows() if (r["kind"], r["period"], r["area"]) ==
                       (row["kind"], row["period"], row["area"])), row)
        session["flash"] = (f"已记录 {_title(row)} 的一项超标说明；" +
                            (f"公报已重新编制为第{result.revision}版，说明已印入网页和 PDF，需重新审核"
                             if result.revision else "公报未能重新编制，说明印入公报前不能审核，请联系管理员运行 publisher build"))
        return redirect(url_for("bulletin", bulletin_id=int(latest["id"])))

    # ------------------------------------------------------------------ 审核
    @app.route("/review")
    def review():
        account = require()
        from publisher.publishing import explanations
        from publisher.publishing.approval import check_files, review_notes, status
        from publisher.store import Store

        store, policy = Store(_ws()), _policy()
        items = []
        for row in _latest_rows():
            st = status(store, row, policy)
            step = st.next_step
            if st.approved or step is None:
                continue
            mine = [r for r in step.step.roles if r in account.roles]
            if not mine:
                continue
            check = check_files(row)
            first = st.steps and st.steps[0].step.id == step.step.id
            items.append({"row": row, "title": _title(row), "status": st, "step": step, "roles": mine,
                          "check": check, "notes": review_notes(row),
                          "first": first, "gate": explanations.gate(store, row)})
        return render_template("review.html", items=items, flash=session.pop("flash", None))

    @app.route("/review/<int:bulletin_id>", methods=["POST"])
    def decide(bulletin_id: int):
        account = require()
        from publisher.publishing.approval import decide as record_decision
        from publisher.store import Store

        row = _bulletin_row(bulletin_id)
        role = request.form.get("role", "")
        if role not in account.roles:
            return refuse(403, f"账户 {account.name} 不具有角色“{role}”，不能以该角色签署", "role_not_held")
        latest = next((r for r in _latest_rows() if (r["kind"], r["period"], r["area"]) ==
                       (row["kind"], row["period"], row["area"])), None)
        if latest is None or int(latest["id"]) != bulletin_id:
            return refuse(409, "该版本已不是最新版本，请刷新后审核最新版本", "not_latest")
        reject = request.form.get("decision") == "reject"
        try:
            result = record_decision(_ws(), row["kind"], row["period"], by=account.name, role=role,
                                     area=row.get("area"), reject=reject, note=request.form.get("note") or None,
                                     via="desk")
        except PublisherError as exc:
            return refuse(400, str(exc), _error_code(exc), back=url_for("review"))
        Store(_ws()).record_event("desk.decision", f"{row['kind']}/{row['period']}", {
            "account": account.name, "role": role, "decision": result.decision, "approval_id": result.approval_id,
            "remote": request.remote_addr})
        session["flash"] = result.message
        return redirect(url_for("review"))

    # ------------------------------------------------------------------ 发布
    def _publishers(kind: str) -> set[str]:
        steps = _policy().workflow(kind)
        return {ADMIN, *steps[-1].roles} if steps else {ADMIN}

    def _withdrawal_roles(kind: str) -> list[str]:
        """The roles that sign the steps of withdrawing a `kind` (approval.yaml's ``withdrawal``, else
        the kind's workflow): the rule ``publisher withdraw`` applies."""
        from publisher.publishing.site import withdrawal

        return [r for s in withdrawal.steps(_policy(), kind) for r in s.roles]

    def _withdrawals(account, everything: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One entry per published item (kind, period, area): its newest published revision, the state of
        its withdrawal and what the account may do about it."""
        from publisher.publishing.site import withdrawal

        policy = _policy()
        items: dict[tuple, dict[str, Any]] = {}
        for h in everything:
            if _on_portal(h):
                items[(h["kind"], h["period"], h["area"])] = h
        out = []
        for (kind, period, area), h in items.items():
            st = withdrawal.state(_ws(), kind, period, area, policy)
            pending = next((s for s, state, _ in st.steps if state != withdrawal.APPROVED), None)
            roles = [r for r in (pending.roles if pending else []) if r in account.roles]
            out.append({"h": h, "state": st, "roles": roles, "first": bool(st.steps) and st.steps[0][0] is pending,
                        "may_carry_out": bool(st.owed) and account.has(ADMIN, *_withdrawal_roles(kind)),
                        "steps": [{"name": s.name, "state": state, "by": (d or {}).get("signer"),
                                   "at": (d or {}).get("at"), "reason": (d or {}).get("reason")}
                                  for s, state, d in st.steps]})
        return sorted(out, key=lambda w: (w["state"].decided, w["h"]["period"]), reverse=False)

    @app.route("/publishing")
    def publishing():
        account = require()
        from publisher.publishing.approval import history

        everything = history(_ws())
        rows = [h for h in everything if h["latest"] and h["state"] == "approved"]
        done = [h for h in everything if h["publications"]]
        for h in rows:
            h["may_publish"] = account.has(*_publishers(h["kind"]))
            h["published"] = _on_portal(h)
            # an earlier revision is on the portal: publishing this one is a correction (更正)
            h["corrects"] = any(o["revision"] < h["revision"] and _on_portal(o)
                                for o in everything if (o["kind"], o["period"], o["area"]) ==
                                (h["kind"], h["period"], h["area"]))
        return render_template("publishing.html", rows=rows, done=list(reversed(done)),
                               withdrawals=_withdrawals(account, everything),
                               portal=current_app.config["PORTAL"], flash=session.pop("flash", None),
                               detail=json_detail, title=_title)

    def _carry_out(row: dict[str, Any]) -> tuple[list[str], bool]:
        """Tell the portals the item was published to that its withdrawal is decided (as ``publisher
        withdraw`` does): the messages, and whether every portal confirmed."""
        from publisher.publishing.transport import redact_url
        from publisher.publishing.site import withdrawal

        try:
            done = withdrawal.carry_out(_ws(), row["kind"], row["period"], row.get("area"))
        except PublisherError as exc:
            return [f"未能通知门户：{exc}"], False
        return [f"已在门户 {redact_url(d.target)} 撤回" if d.ok else
                f"门户 {redact_url(d.target)} 撤回失败（{d.status}），可稍后点“再次通知门户”" for d in done], \
            all(d.ok for d in done)

    @app.route("/publishing/<int:bulletin_id>/withdraw", methods=["POST"])
    def withdraw(bulletin_id: int):
        """One decision on withdrawing a published item, signed by the account in a role of the
        withdrawal's steps (``publisher.publishing.site.withdrawal.decide``, as ``publisher withdraw``);
        once the last step agrees, the portals are told at once."""
        account = require()
        from publisher.publishing.site import withdrawal
        from publisher.store import Store

        row = _bulletin_row(bulletin_id)
        role = request.form.get("role", "")
        if not account.has(*_withdrawal_roles(row["kind"])):
            abort(403)
        if role not in account.roles:
            return refuse(403, f"账户 {account.name} 不具有角色“{role}”，不能以该角色签署", "role_not_held")
        reject = request.form.get("decision") == "reject"
        try:
            result = withdrawal.decide(_ws(), row["kind"], row["period"], by=account.name, role=role,
                                       area=row.get("area"), reason=request.form.get("reason") or None,
                                       reject=reject, via="desk")
        except PublisherError as exc:
            return refuse(400, str(exc), _error_code(exc), back=url_for("publishing"))
        title, ok = _title(row), True
        following = next((s.name for s, state, _ in result.state.steps if state != withdrawal.APPROVED), None)
        if reject:
            messages = [f"{title}：您不同意撤回，已记录"]
        elif result.state.decided:
            messages = [f"{title}：撤回已决定，网站下次生成时以撤回说明替换该公报"]
            carried, ok = _carry_out(row)
            messages += carried
        else:
            messages = [f"{title}：您已同意撤回，待“{following}”签署" if following else result.message]
        Store(_ws()).record_event("desk.withdrawal", result.state.subject, {
            "account": account.name, "role": role, "decision": "rejected" if reject else "approved",
            "decided": result.state.decided, "carried_out": ok if result.state.decided else None,
            "remote": request.remote_addr})
        session["flash"] = "；".join(messages)
        return redirect(url_for("publishing"))

    @app.route("/publishing/<int:bulletin_id>/withdraw/carry-out", methods=["POST"])
    def withdraw_carry_out(bulletin_id: int):
        """Tell the portals not yet told of a decided withdrawal (``publisher withdraw --carry-out``)."""
        account = require()
        from publisher.store import Store

        row = _bulletin_row(bulletin_id)
        if not account.has(ADMIN, *_withdrawal_roles(row["kind"])):
            abort(403)
        messages, ok = _carry_out(row)
        Store(_ws()).record_event("desk.withdrawal_carry_out", f"{row['kind']}/{row['period']}", {
            "account": account.name, "ok": ok, "remote": request.remote_addr})
        session["flash"] = "；".join(messages) or "没有需要通知的门户"
        return redirect(url_for("publishing"))

    @app.route("/publishing/<int:bulletin_id>", methods=["POST"])
    def publish(bulletin_id: int):
        account = require()
        from publisher.publishing.portal import publish as publish_one
        from publisher.store import Store

        row = _bulletin_row(bulletin_id)
        if not account.has(*_publishers(row["kind"])):
            abort(403)
        try:
            result = publish_one(_ws(), row["kind"], row["period"], row.get("area"), current_app.config["PORTAL"],
                                 note=request.form.get("note") or None, attempts=2, timeout=30)
        except PublisherError as exc:
            return refuse(400, str(exc), _error_code(exc), back=url_for("publishing"))
        Store(_ws()).record_event("desk.publish", f"{row['kind']}/{row['period']}", {
            "account": account.name, "ok": result.ok, "message": result.message})
        if result.ok:
            session["flash"] = (f"{_title(row)} 第{row['revision']}版已发布（门户第{result.version}版）"
                                if result.status != "already_published" else f"{_title(row)} 第{row['revision']}版此前已发布")
        else:
            session["flash"] = f"{_title(row)} 第{row['revision']}版发布失败：{result.message}"
        return redirect(url_for("publishing"))

    # ------------------------------------------------------------------ 预警
    @app.route("/alerts")
    def alerts():
        require()
        module = alerts_module()
        if module is None:
            abort(404)
        open_only = request.args.get("all") != "1"
        return render_template("alerts.html", alerts=module.listing(_ws(), open_only), open_only=open_only)

    # ------------------------------------------------------------------ 日志
    @app.route("/log")
    def log():
        require()
        from publisher.store import Store

        store = Store(_ws())
        kind, text = request.args.get("kind") or None, (request.args.get("q") or "").strip()[:100]
        rows = store.events(kind) if store.exists() else []
        if text:
            rows = [r for r in rows if text in (r.get("subject") or "") or text in (r.get("detail") or "")]
        kinds = sorted({r["kind"] for r in store.events()}) if store.exists() else []
        shown = []
        for r in list(reversed(rows))[:LOG_ROWS]:
            detail = json_detail(r.get("detail"))
            label, who = EVENT_ZH.get(r["kind"], r["kind"]), actor(detail)
            if r["kind"] == "desk.login":
                label, who = label + ("" if detail.get("ok") else "（失败）"), r.get("subject") or ""
            shown.append({**r, "label": label, "actor": who, "subject_zh": _subject_zh(r.get("subject"))})
        return render_template("log.html", rows=shown, total=len(rows), limit=LOG_ROWS, kinds=kinds, kind=kind,
                               q=text, labels=EVENT_ZH)

    def _subject_zh(subject: str | None) -> str:
        """``water-sections/2026-08[/area]`` as the bulletin's title; anything else as it is."""
        from publisher.bulletins import KINDS

        parts = (subject or "").split("/")
        if len(parts) in (2, 3) and parts[0] in KINDS:
            return _title({"kind": parts[0], "period": parts[1], "area": parts[2] if len(parts) == 3 else None})
        return subject or ""
