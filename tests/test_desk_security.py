"""The review desk refuses what it must, and then nothing has changed: no session, a forged or expired
cookie, a missing or wrong CSRF token, a role the account does not hold, one person signing two steps,
path traversal in upload and download names, an upload over the limit, script in a note or a station
name (shown as text), repeated wrong passwords."""
from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3

import pytest
from flask import Flask

from publisher.desk import COOKIE, accounts, create_app
from publisher.store import Store
from tests import desk_helpers as dh
from tests import publishing_helpers as ph


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The drinking-water sources of 2026-08 (no exceedance), with one desk account per role and one
    account that holds the roles of both steps."""
    ws = ph.build_workspace(tmp_path_factory.mktemp("desk") / "home")
    for name, roles in dh.USERS.items():
        accounts.add_user(ws, name, roles, dh.PASSWORD)
    accounts.add_user(ws, "兼职甲", ["保密审查员", "分管局领导"], dh.PASSWORD)
    return ws


@pytest.fixture
def ws(built, tmp_path):
    return ph.clone(built, tmp_path / "home")


@pytest.fixture
def app(ws):
    return create_app(ws)


def _state(ws) -> dict:
    """What a refused request must leave unchanged: decisions, explanations, publications, files,
    bulletins, accounts, and the inbox, archive and quarantine."""
    conn = sqlite3.connect(ws.store / "ledger.sqlite")
    try:
        tables = {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                  for t in ("approvals", "publications", "files", "bulletins", "desk_accounts")}
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE name='explanations'").fetchone()
        tables["explanations"] = conn.execute("SELECT * FROM explanations").fetchall() if has else []
        tables["decision_events"] = conn.execute(
            "SELECT * FROM events WHERE kind IN ('approval','explanation','desk.upload','desk.publish')").fetchall()
    finally:
        conn.close()
    for folder in ("inbox", "archive", "quarantine"):
        root = ws.home / folder
        tables[folder] = sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []
    return tables


def _bulletin_id(ws) -> int:
    from publisher.store import Store

    return int(Store(ws).bulletins(kind=ph.KIND)[-1]["id"])


def _signed_in(app: Flask, name: str):
    client = app.test_client()
    response = dh.login(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _csrf(client, path: str = "/bulletins") -> str:
    return dh.csrf_of(client.get(path).get_data(as_text=True))


def _approve(client, bulletin_id: int, role: str, csrf: str | None, **extra):
    data = {"role": role, "decision": "approve", **extra}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(f"/review/{bulletin_id}", data=data)


def test_cookie_flags_and_headers(app):
    client = app.test_client()
    response = dh.login(client, dh.REVIEWER)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/review")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src" not in page.headers["Content-Security-Policy"]   # default-src 'none': no script at all
    assert page.headers["X-Frame-Options"] == "DENY"


def test_no_session_is_refused(app, ws):
    before = _state(ws)
    client = app.test_client()
    for path in ("/review", "/upload", "/bulletins", "/log", "/publishing", f"/bulletins/{_bulletin_id(ws)}"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login"), path
    response = _approve(client, _bulletin_id(ws), "保密审查员", "anything")
    assert response.status_code in (400, 401)
    response = client.post("/upload", data={"file": (io.BytesIO(b"x"), "a.csv"), "csrf": "x"},
                           content_type="multipart/form-data")
    assert response.status_code in (400, 401)
    assert _state(ws) == before


def _cookie_for(app: Flask, payload: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(payload)


def test_forged_cookie_is_refused(app, ws):
    before = _state(ws)
    other = Flask("forger")
    other.secret_key = "not-the-desk-key"
    forged = _cookie_for(other, {"user": dh.REVIEWER, "issued": dt.datetime.now(dt.timezone.utc).timestamp(),
                                 "csrf": "known", "stamp": accounts.get(ws, dh.REVIEWER).stamp})
    client = app.test_client()
    client.set_cookie(COOKIE, forged)
    assert client.get("/review").status_code == 302
    assert _approve(client, _bulletin_id(ws), "保密审查员", "known").status_code in (400, 401)
    # a genuine cookie with its user name changed by hand no longer verifies either
    genuine = _cookie_for(app, {"user": dh.UPLOADER, "issued": dt.datetime.now(dt.timezone.utc).timestamp(),
                                "csrf": "known"})
    client.set_cookie(COOKIE, genuine.replace(genuine.split(".")[0], _cookie_for(app, {"user": dh.REVIEWER}).split(".")[0]))
    assert client.get("/review").status_code == 302
    assert _state(ws) == before


def test_expired_cookie_is_refused(app, ws):
    before = _state(ws)
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=9)
    client = app.test_client()
    stamp = accounts.get(ws, dh.REVIEWER).stamp
    client.set_cookie(COOKIE, _cookie_for(app, {"user": dh.REVIEWER, "issued": old.timestamp(), "csrf": "known",
                                                "stamp": stamp}))
    assert client.get("/review").status_code == 302
    assert _approve(client, _bulletin_id(ws), "保密审查员", "known").status_code in (400, 401)
    assert _state(ws) == before
    # the same cookie, issued now, is accepted: it was the age that was refused
    client.set_cookie(COOKIE, _cookie_for(app, {"user": dh.REVIEWER,
                                                "issued": dt.datetime.now(dt.timezone.utc).timestamp(), "csrf": "k",
                                                "stamp": stamp}))
    assert client.get("/review").status_code == 200


def test_csrf_missing_or_wrong_is_refused(app, ws):
    client = _signed_in(app, dh.REVIEWER)
    before = _state(ws)
    for token in (None, "", "wrong-token"):
        response = _approve(client, _bulletin_id(ws), "保密审查员", token)
        assert response.status_code == 400 and "csrf_failed" in response.get_data(as_text=True)
    response = client.post("/upload", data={"file": (io.BytesIO(b"x"), "a.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert _state(ws) == before
    # with the page's token the same decision goes through
    assert _approve(client, _bulletin_id(ws), "保密审查员", _csrf(client)).status_code == 302
    assert len(_state(ws)["approvals"]) == 1


def test_login_without_csrf_is_refused(app):
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"name": dh.REVIEWER, "password": dh.PASSWORD})
    assert response.status_code == 400 and COOKIE not in (response.headers.get("Set-Cookie") or "user")


def test_role_not_held_is_refused(app, ws):
    before = _state(ws)
    client = _signed_in(app, dh.REVIEWER)
    response = _approve(client, _bulletin_id(ws), "分管局领导", _csrf(client))
    assert response.status_code == 403 and "role_not_held" in response.get_data(as_text=True)
    uploader = _signed_in(app, dh.UPLOADER)
    response = _approve(uploader, _bulletin_id(ws), "保密审查员", _csrf(uploader))
    assert response.status_code == 403
    # the leader cannot jump the first step either
    leader = _signed_in(app, dh.LEADER)
    response = _approve(leader, _bulletin_id(ws), "分管局领导", _csrf(leader))
    assert response.status_code == 400 and "step_out_of_order" in response.get_data(as_text=True)
    # an uploader may not publish, a reviewer may not upload
    response = uploader.post(f"/publishing/{_bulletin_id(ws)}", data={"csrf": _csrf(uploader)})
    assert response.status_code == 403
    response = client.post("/upload", data={"csrf": _csrf(client), "file": (io.BytesIO(b"a"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert _state(ws) == before


def test_one_person_cannot_sign_two_steps(app, ws):
    client = _signed_in(app, "兼职甲")
    assert _approve(client, _bulletin_id(ws), "保密审查员", _csrf(client)).status_code == 302
    before = _state(ws)
    response = _approve(client, _bulletin_id(ws), "分管局领导", _csrf(client))
    assert response.status_code == 400 and "same_person" in response.get_data(as_text=True)
    assert _state(ws) == before


@pytest.mark.parametrize("name", ["../../evil.csv", "..\\..\\evil.csv", "/etc/evil.csv", ".hidden.csv",
                                  "a/../../b.csv", "evil\x00.csv", "evil\u202ecsv.exe", "ok.exe"])
def test_upload_names_that_are_paths_are_refused(app, ws, name):
    client = _signed_in(app, dh.UPLOADER)
    before = _state(ws)
    response = client.post("/upload", data={"csrf": _csrf(client, "/upload"),
                                            "file": (io.BytesIO(b"station_id,time\n"), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400, name
    assert _state(ws) == before
    assert not (ws.home.parent / "evil.csv").exists() and not (ws.home / "evil.csv").exists()


def test_download_traversal_is_refused(app, ws):
    client = _signed_in(app, dh.UPLOADER)
    bid = _bulletin_id(ws)
    for path in ("/upload/quarantine/../store/ledger.sqlite", "/upload/quarantine/%2e%2e/store/ledger.sqlite",
                 "/upload/archive/../../store/ledger.sqlite", f"/bulletins/{bid}/files/../../../store/ledger.sqlite",
                 f"/bulletins/{bid}/files/%2e%2e/%2e%2e/%2e%2e/keys/publisher-ed25519.pem",
                 f"/bulletins/{bid}/files/manifest.json/../../../../keys/desk-session.key"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"PRIVATE KEY" not in response.data and b"SQLite" not in response.data


def test_upload_over_the_limit_is_refused(ws):
    app = create_app(ws, max_upload_mb=1)
    client = _signed_in(app, dh.UPLOADER)
    before = _state(ws)
    big = io.BytesIO(b"a" * (2 * 1024 * 1024))
    response = client.post("/upload", data={"csrf": _csrf(client, "/upload"), "file": (big, "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "too_large" in response.get_data(as_text=True)
    assert _state(ws) == before


def test_script_in_a_note_or_a_station_name_is_shown_as_text(app, ws):
    client = _signed_in(app, dh.REVIEWER)
    note = '<script>alert("note")</script><img src=x onerror=alert(1)>'
    response = client.post(f"/review/{_bulletin_id(ws)}", data={"csrf": _csrf(client), "role": "保密审查员",
                                                                "decision": "reject", "note": note})
    assert response.status_code == 302
    page = client.get(f"/bulletins/{_bulletin_id(ws)}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;note&#34;)&lt;/script&gt;" in page
    # a station name carrying script, as a file names it, comes back in the findings as text
    uploader = _signed_in(app, dh.UPLOADER)
    data = "断面名称,采样时间,氨氮(mg/L)\n<script>alert('站')</script>,2026-08-03 10:00,0.2\n".encode()
    response = uploader.post("/upload", data={"csrf": _csrf(uploader, "/upload"),
                                              "file": (io.BytesIO(data), "脚本站点.csv")},
                             content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "未接收" in html
    assert "<script>alert('站')" not in html and "&lt;script&gt;" in html
    log = client.get("/log").get_data(as_text=True)
    assert "<script>" not in log


def test_repeated_wrong_passwords_are_rate_limited_and_logged(app, ws):
    client = app.test_client()
    for _ in range(accounts.MAX_FAILURES_PER_NAME):
        response = dh.login(client, dh.REVIEWER, "wrong-password-123")
        assert response.status_code == 401 and "bad_login" in response.get_data(as_text=True)
    response = dh.login(client, dh.REVIEWER)        # the right password, too late
    assert response.status_code == 429 and "too_many_attempts" in response.get_data(as_text=True)
    assert client.get("/review").status_code == 302
    from publisher.store import Store

    logins = [json.loads(e["detail"]) for e in Store(ws).events("desk.login") if e["subject"] == dh.REVIEWER]
    assert [e["ok"] for e in logins] == [False] * (accounts.MAX_FAILURES_PER_NAME + 1)
    assert logins[-1]["blocked"]
    # another account is not affected
    assert dh.login(app.test_client(), dh.LEADER).status_code == 302


def test_passwords_are_stored_as_argon2_hashes(ws):
    conn = sqlite3.connect(ws.store / "ledger.sqlite")
    try:
        hashes = [r[0] for r in conn.execute("SELECT password_hash FROM desk_accounts")]
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert dh.PASSWORD not in dump


def test_a_new_password_ends_the_accounts_sessions(app, ws):
    client = _signed_in(app, dh.REVIEWER)
    assert client.get("/review").status_code == 200
    accounts.add_user(ws, dh.REVIEWER, ["保密审查员"], "another-password-2", replace=True)
    assert client.get("/review").status_code == 302
    before = _state(ws)
    assert _approve(client, _bulletin_id(ws), "保密审查员", "whatever").status_code in (400, 401)
    assert _state(ws) == before


# --------------------------------------------------------------------------- withdrawing on 发布
@pytest.fixture(scope="module")
def published(built, tmp_path_factory):
    """`built` with its bulletin approved by both steps and published to a reference portal (stopped
    since: a withdrawal decided here cannot reach it)."""
    from publisher.publishing import approval, portal

    ws = ph.clone(built, tmp_path_factory.mktemp("desk-published") / "home")
    for name, role in ((dh.REVIEWER, "保密审查员"), (dh.LEADER, "分管局领导")):
        approval.decide(ws, ph.KIND, ph.PERIOD, by=name, role=role, via="desk")
    with ph.running_portal(ws.home.parent / "portal", ws) as server:
        done = portal.publish(ws, ph.KIND, ph.PERIOD, None, server.url, token=ph.TOKEN, attempts=1)
    assert done.ok, done.message
    return ws


@pytest.fixture
def pws(published, tmp_path):
    return ph.clone(published, tmp_path / "home")


def _withdrawal_state(ws) -> dict:
    conn = sqlite3.connect(ws.store / "ledger.sqlite")
    try:
        return {"withdrawals": conn.execute("SELECT * FROM withdrawals ORDER BY id").fetchall(),
                "events": conn.execute("SELECT * FROM events WHERE kind LIKE 'withdrawal%' OR kind LIKE 'desk.withdrawal%'"
                                       ).fetchall(),
                **_state(ws)}
    finally:
        conn.close()


def _withdraw(client, bulletin_id: int, role: str, csrf: str | None, reason: str | None = "数据有误", **extra):
    data = {"role": role, "decision": "approve", **extra}
    if reason is not None:
        data["reason"] = reason
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(f"/publishing/{bulletin_id}/withdraw", data=data)


def test_withdrawal_without_a_session_or_csrf_is_refused(pws):
    app = create_app(pws)
    before = _withdrawal_state(pws)
    bid = _bulletin_id(pws)
    assert _withdraw(app.test_client(), bid, "保密审查员", "anything").status_code in (400, 401)
    client = _signed_in(app, dh.REVIEWER)
    for token in (None, "", "wrong-token"):
        response = _withdraw(client, bid, "保密审查员", token)
        assert response.status_code == 400 and "csrf_failed" in response.get_data(as_text=True)
    response = client.post(f"/publishing/{bid}/withdraw/carry-out", data={})
    assert response.status_code == 400
    assert _withdrawal_state(pws) == before


def test_withdrawal_without_the_role_is_refused(pws):
    app = create_app(pws)
    bid = _bulletin_id(pws)
    before = _withdrawal_state(pws)
    # an uploader and an administrator hold no role of the withdrawal's steps (as for publisher withdraw)
    for name, role in ((dh.UPLOADER, "数据报送员"), (dh.ADMIN, "管理员"), (dh.UPLOADER, "保密审查员")):
        client = _signed_in(app, name)
        assert _withdraw(client, bid, role, _csrf(client, "/publishing")).status_code == 403, name
        assert "form class=\"withdraw\"" not in client.get("/publishing").get_data(as_text=True)
    # a reviewer signing as the leader
    client = _signed_in(app, dh.REVIEWER)
    response = _withdraw(client, bid, "分管局领导", _csrf(client, "/publishing"))
    assert response.status_code == 403 and "role_not_held" in response.get_data(as_text=True)
    # the leader cannot skip the first step, and the first step needs the reason
    leader = _signed_in(app, dh.LEADER)
    response = _withdraw(leader, bid, "分管局领导", _csrf(leader, "/publishing"))
    assert response.status_code == 400 and "step_out_of_order" in response.get_data(as_text=True)
    response = _withdraw(client, bid, "保密审查员", _csrf(client, "/publishing"), reason="  ")
    assert response.status_code == 400 and "reason_required" in response.get_data(as_text=True)
    assert _withdrawal_state(pws) == before


def test_withdrawal_steps_are_signed_by_the_accounts_and_one_person_signs_one_step(pws):
    from publisher.publishing.site import withdrawal

    app = create_app(pws)
    bid = _bulletin_id(pws)
    both = _signed_in(app, "兼职甲")
    note = "<script>alert('撤回')</script>数据有误"
    assert _withdraw(both, bid, "保密审查员", _csrf(both, "/publishing"), reason=note).status_code == 302
    page = both.get("/publishing").get_data(as_text=True)
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
    before = _withdrawal_state(pws)
    response = _withdraw(both, bid, "分管局领导", _csrf(both, "/publishing"))
    assert response.status_code == 400 and "same_person" in response.get_data(as_text=True)
    assert _withdrawal_state(pws) == before
    # the leader decides it; the portal is down, so the decision stands and the page says who was not told
    leader = _signed_in(app, dh.LEADER)
    response = _withdraw(leader, bid, "分管局领导", _csrf(leader, "/publishing"), reason=None)
    assert response.status_code == 302
    page = leader.get("/publishing").get_data(as_text=True)
    assert "撤回已决定" in page and "portal_unreachable" in page and "再次通知门户" in page
    assert [(d["signer"], d["role"], d["via"]) for d in withdrawal.decisions(Store(pws))] == [
        ("兼职甲", "保密审查员", "desk"), (dh.LEADER, "分管局领导", "desk")]
    state = withdrawal.state(pws, ph.KIND, ph.PERIOD)
    assert state.decided and state.owed
    # the uploader may not retry the portals; the leader may (still down: still owed)
    uploader = _signed_in(app, dh.UPLOADER)
    assert uploader.post(f"/publishing/{bid}/withdraw/carry-out",
                         data={"csrf": _csrf(uploader, "/publishing")}).status_code == 403
    assert leader.post(f"/publishing/{bid}/withdraw/carry-out",
                       data={"csrf": _csrf(leader, "/publishing")}).status_code == 302
    assert withdrawal.state(pws, ph.KIND, ph.PERIOD).owed
