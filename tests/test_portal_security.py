"""Attacks on the portal and on publication, each reproduced against the real reference portal on
loopback and shown refused with a Chinese message and a stable code, nothing stored:

forged uploads (no token, a token but no or a wrong signature, approvals that do not cover the
workflow), replays of older signed uploads, deeply nested JSON and YAML, credentials in the portal
address, a token over plain HTTP to a remote host, oversized and concurrent big uploads, and pages
that try to script or frame the portal.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from publisher.publishing import integrity, signing
from publisher.publishing.approval import ApprovalError, decide, latest_revision, load_policy
from publisher.cli import cli
from publisher.errors import PublisherError
from publisher.publishing.portal import publish
from publisher.publishing.portal_server import PortalConfigError, PortalServer
from publisher.operations.scheduler import Policy as SchedulePolicy
from publisher.store import Store
from tests.publishing_helpers import (approve_both, portal_listing, AUTH, KIND, LEADER, LEADER_ROLE, PERIOD, REVIEW_ROLE, REVIEWER, TOKEN,
                                      approvals, build_workspace, clone, files_of, folder, rebuild_corrected,
                                      running_portal, sign_metadata, trusted)

ROOT = Path(__file__).resolve().parents[1]
DEEP = 100_000


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("security") / "home")


@pytest.fixture
def ws(built, tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLISHER_PORTAL", raising=False)
    monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
    return clone(built, tmp_path / "home")


@pytest.fixture
def portal(built, tmp_path):
    with running_portal(tmp_path / "portal", built) as server:
        yield server




def _nothing_stored(server) -> None:
    assert portal_listing(server) == []
    assert not (server.store.public).exists() or not any(server.store.public.rglob("*"))
    assert not server.store.staging.exists() or not any(server.store.staging.iterdir())


def _parts(ws, metadata: bytes | None = None, manifest: bytes | None = None, **meta):
    """A complete upload of the built bulletin; `metadata` as given, else signed with the workspace's key."""
    row = latest_revision(Store(ws), KIND, PERIOD)
    base = folder(ws)
    if metadata is None:
        body = {"protocol": 1, "kind": KIND, "period": PERIOD, "area": None, "revision": row["revision"],
                "manifest_sha256": row["manifest_sha256"], "approvals": approvals(), **meta}
        metadata = sign_metadata(ws, body)
    files = {k: v for k, v in files_of(base).items() if k != "manifest.json"}
    return [("metadata", ("metadata.json", metadata, "application/json")),
            ("manifest", ("manifest.json", manifest or (base / "manifest.json").read_bytes(), "application/json")),
            *[("file", (urllib.parse.quote(k, safe=""), v, "application/octet-stream"))
              for k, v in sorted(files.items())]]


def _post(server, parts, headers=AUTH):
    return requests.post(f"{server.url}/api/v1/bulletins", files=parts, headers=headers, timeout=20)


def _refused(response, status: int, code: str) -> str:
    body = response.json()
    assert (response.status_code, body["error"]) == (status, code), body
    assert any("\u4e00" <= c <= "\u9fff" for c in body["message"]), body      # a Chinese message
    return body["message"]


# ------------------------------------------------------------------------------------------- socket guard
_CONNECTS: list[tuple] = []
_GUARD = threading.local()


def _audit(event: str, args: tuple) -> None:
    if getattr(_GUARD, "on", False) and event in ("socket.connect", "socket.getaddrinfo"):
        _CONNECTS.append((event, args[1] if event == "socket.connect" else args[:2]))


sys.addaudithook(_audit)


@contextlib.contextmanager
def no_socket_opened():
    """Records every socket connect or name lookup made by this thread (the interpreter's audit events,
    below any HTTP library) and fails if there was one."""
    _CONNECTS.clear()
    _GUARD.on = True
    try:
        yield _CONNECTS
    finally:
        _GUARD.on = False


# ------------------------------------------------------------------------------------------- forged uploads
def test_forged_upload_without_a_token_is_refused(ws, portal):
    """The issue's attack: any local process got 201 for a fake 'revision 99' with no approvals."""
    forged = json.dumps({"protocol": 1, "kind": KIND, "period": PERIOD, "area": None, "revision": 99,
                         "manifest_sha256": latest_revision(Store(ws), KIND, PERIOD)["manifest_sha256"],
                         "approvals": []}).encode()
    message = _refused(_post(portal, _parts(ws, metadata=forged), headers={}), 401, "unauthorized")
    assert "令牌" in message
    wrong = _post(portal, _parts(ws, metadata=forged), headers={"Authorization": "Bearer " + "x" * len(TOKEN)})
    _refused(wrong, 401, "unauthorized")
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    _nothing_stored(portal)
    approve_both(ws)
    assert publish(ws, KIND, PERIOD, portal=portal.url).version == 1   # the real upload is unaffected


def test_the_portal_does_not_start_without_a_token_key_or_on_a_public_address_without_one(built, tmp_path):
    keys = trusted(built)
    with pytest.raises(PortalConfigError) as excinfo:
        PortalServer(tmp_path / "p", "127.0.0.1", 0, token=None, trusted_keys=keys)
    assert excinfo.value.code == "token_required" and "PUBLISHER_PORTAL_SERVER_TOKEN" in str(excinfo.value)
    with pytest.raises(PortalConfigError) as excinfo:
        PortalServer(tmp_path / "p", "0.0.0.0", 0, token=None, trusted_keys=keys, insecure_no_token=True)
    assert excinfo.value.code == "insecure_not_loopback"
    with pytest.raises(PortalConfigError) as excinfo:
        PortalServer(tmp_path / "p", "127.0.0.1", 0, token=TOKEN, trusted_keys={})
    assert excinfo.value.code == "no_trusted_key"


def test_insecure_no_token_is_loud_and_still_checks_signatures(ws, tmp_path):
    key = tmp_path / "publisher.pub"
    key.write_text(CliRunner().invoke(cli, ["portal", "key", "--home", str(ws.home)]).stdout, encoding="ascii")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_PORTAL")}
    proc = subprocess.Popen([sys.executable, "-c", "from publisher.cli import main; main()", "portal", "serve",
                             "--root", str(tmp_path / "portal"), "--port", "0", "-q", "--insecure-no-token",
                             "--trusted-key", str(key)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=ROOT)
    try:
        first = proc.stdout.readline()
        assert "未设置上传令牌" in first and "仅限本机试用" in first, first
        warning = [proc.stderr.readline() for _ in range(4)]
        assert "警告" in warning[1] and "--insecure-no-token" in warning[1] and "WARNING" in warning[3], warning
        url = first.split("：", 1)[1].split("/ ", 1)[0]
        unsigned = json.dumps({"protocol": 1, "kind": KIND, "period": PERIOD, "revision": 99,
                               "manifest_sha256": latest_revision(Store(ws), KIND, PERIOD)["manifest_sha256"],
                               "approvals": []}).encode()
        response = requests.post(f"{url}/api/v1/bulletins", files=_parts(ws, metadata=unsigned), timeout=20)
        assert "签名" in _refused(response, 403, "unsigned")
        assert requests.get(f"{url}/api/v1/bulletins", timeout=5).json()["bulletins"] == []
    finally:
        proc.terminate()
        proc.wait(10)


def test_forged_upload_with_the_token_but_no_valid_signature_is_refused(ws, portal, tmp_path):
    row = latest_revision(Store(ws), KIND, PERIOD)
    body = {"protocol": 1, "kind": KIND, "period": PERIOD, "area": None, "revision": 99,
            "manifest_sha256": row["manifest_sha256"], "approvals": approvals()}
    # no signature at all
    _refused(_post(portal, _parts(ws, metadata=json.dumps(body).encode())), 403, "unsigned")
    # signed by a key the portal does not trust (another machine's instance)
    _refused(_post(portal, _parts(ws, metadata=sign_metadata(tmp_path / "intruder", body))), 403, "unknown_key")
    assert stat.S_IMODE((tmp_path / "intruder" / "keys" / "publisher-ed25519.pem").stat().st_mode) == 0o600
    # a genuine signed upload whose revision was raised afterwards
    genuine = json.loads(sign_metadata(ws, dict(body, revision=1)))
    tampered = json.dumps(dict(genuine, revision=99)).encode()
    assert "签名验证失败" in _refused(_post(portal, _parts(ws, metadata=tampered)), 403, "bad_signature")
    # the signature of another document
    other = json.loads(sign_metadata(ws, dict(body, revision=2)))
    swapped = json.dumps(dict(genuine, signature=other["signature"])).encode()
    _refused(_post(portal, _parts(ws, metadata=swapped)), 403, "bad_signature")
    _nothing_stored(portal)
    # the real publication then goes through as version 1 (no fake revision 99 blocks it)
    approve_both(ws)
    result = publish(ws, KIND, PERIOD, portal=portal.url)
    assert (result.status, result.version) == ("published", 1)
    assert [v["revision"] for v in portal_listing(portal)[0]["versions"]] == [1]


@pytest.mark.parametrize("change,needle", [
    (lambda a: [], "缺少“保密审查”"),
    (lambda a: a[:1], "缺少“审批”"),
    (lambda a: [a[0], dict(a[1], by=REVIEWER + "\u200b")], "同时签署"),
    (lambda a: [a[0], dict(a[1], role="办公室主任")], "不是 分管局领导、局长 之一"),
    (lambda a: [dict(a[0], at=a[1]["at"]), dict(a[1], at=a[0]["at"])], "早于前一步骤"),
    (lambda a: [*a, dict(a[1], step="auto_approval")], "流程之外的步骤"),
])
def test_signed_approvals_must_cover_the_workflow(ws, portal, change, needle):
    message = _refused(_post(portal, _parts(ws, approvals=change(approvals()))), 403, "approvals_incomplete")
    assert needle in message
    _nothing_stored(portal)


def test_the_portal_checks_the_workflow_it_is_configured_with(ws, tmp_path):
    config = tmp_path / "approval.yaml"
    config.write_text("steps:\n"
                      "  - {id: confidentiality_review, name: 保密审查, roles: [保密审查员]}\n"
                      "  - {id: leader_approval, name: 审批, roles: [分管局领导]}\n"
                      "  - {id: head_approval, name: 局长审批, roles: [局长]}\n"
                      "workflows:\n  default: [confidentiality_review, leader_approval, head_approval]\n",
                      encoding="utf-8")
    with running_portal(tmp_path / "portal", ws, policy=load_policy(config)) as server:
        assert "局长审批" in _refused(_post(server, _parts(ws)), 403, "approvals_incomplete")


# ------------------------------------------------------------------------------------------- replays
def _captured(server) -> bytes:
    """The signed metadata of the one upload a portal received, as it was sent."""
    [record_path] = server.store.public.rglob(".publication.json")
    record = json.loads(record_path.read_text("utf-8"))
    for added in ("version", "published_at", "files", "path", "replaces"):
        record.pop(added)
    return json.dumps(record, ensure_ascii=False).encode()


def test_a_replayed_older_signed_upload_never_becomes_current(ws, tmp_path):
    """A genuine signed upload of a later revision, signed before the current version (here: sent to a
    staging portal and captured there), is refused; the revision number alone decides nothing."""
    staging_ws = clone(ws, tmp_path / "staging-home")          # the same instance key
    assert rebuild_corrected(staging_ws) == 2
    approve_both(staging_ws)
    with running_portal(tmp_path / "staging-portal", ws) as staging:
        assert publish(staging_ws, KIND, PERIOD, portal=staging.url).version == 1
        captured = _captured(staging)
    assert json.loads(captured)["revision"] == 2
    approve_both(ws)
    with running_portal(tmp_path / "portal", ws) as production:
        assert publish(ws, KIND, PERIOD, portal=production.url).version == 1   # revision 1, signed later
        replay = _post(production, _parts(staging_ws, metadata=captured))
        assert "疑为重放" in _refused(replay, 409, "replayed_upload")
        [entry] = portal_listing(production)
        assert entry["current_version"] == 1 and [v["revision"] for v in entry["versions"]] == [1]
        # replaying the current upload itself changes nothing
        again = _post(production, _parts(ws, metadata=_captured(production)))
        assert again.status_code == 200 and again.json()["status"] == "already_published"
        assert len(portal_listing(production)[0]["versions"]) == 1


def test_an_old_or_future_signature_is_refused(ws, portal):
    now = dt.datetime.now(dt.timezone.utc)
    row = latest_revision(Store(ws), KIND, PERIOD)
    body = {"protocol": 1, "kind": KIND, "period": PERIOD, "area": None, "revision": row["revision"],
            "manifest_sha256": row["manifest_sha256"], "approvals": approvals(minutes_ago=3 * 24 * 60)}
    old = sign_metadata(ws, body, signed_at=now - dt.timedelta(days=2))
    assert "旧的上传不能重放" in _refused(_post(portal, _parts(ws, metadata=old)), 403, "stale_signature")
    future = sign_metadata(ws, dict(body, approvals=approvals()), signed_at=now + dt.timedelta(hours=1))
    _refused(_post(portal, _parts(ws, metadata=future)), 403, "stale_signature")
    _nothing_stored(portal)


def test_the_signature_covers_what_publish_sends_and_the_key_stays_private(ws, portal):
    approve_both(ws)
    result = publish(ws, KIND, PERIOD, portal=portal.url)
    [record_path] = portal.store.public.rglob(".publication.json")
    record = json.loads(record_path.read_text("utf-8"))
    assert record["signature"]["key_id"] == signing.key_id(signing.instance_public(ws.home))
    assert record["sequence"] == Store(ws).events("publication_signed")[-1]["id"]
    assert [(a["step"], a["by"]) for a in record["approvals"]] == [("confidentiality_review", REVIEWER),
                                                                    ("leader_approval", LEADER)]
    assert result.status == "published"
    key_file = ws.home / "keys" / "publisher-ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    private = key_file.read_bytes()
    secret_line = private.splitlines()[1]
    ledger = (ws.store / "ledger.sqlite").read_bytes()
    assert secret_line not in ledger and b"PRIVATE KEY" not in ledger
    shown = CliRunner().invoke(cli, ["portal", "key", "--home", str(ws.home)])
    assert shown.exit_code == 0 and "PRIVATE" not in shown.output and secret_line.decode() not in shown.output
    assert shown.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    # a key file readable by others is refused, as ssh does
    key_file.chmod(0o644)
    with pytest.raises(signing.SigningError) as excinfo:
        signing.instance_key(ws.home)
    assert excinfo.value.code == "key_permissions" and "chmod 600" in str(excinfo.value)


def test_two_processes_making_the_key_at_once_get_the_same_key(tmp_path):
    code = ("import sys; from publisher.publishing import signing; "
            "print(signing.key_id(signing.instance_public(sys.argv[1])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT) for _ in range(4)]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(ids) == 1 and len(next(iter(ids))) == 16
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["publisher-ed25519.pem"]


def test_trusted_key_files(tmp_path, built):
    one, two = Ed25519PrivateKey.generate().public_key(), Ed25519PrivateKey.generate().public_key()
    both = tmp_path / "keys.pem"
    both.write_text(signing.public_pem(one) + signing.public_pem(two), encoding="ascii")
    assert set(signing.load_trusted([both])) == {signing.key_id(one), signing.key_id(two)}
    private = tmp_path / "private.pem"
    private.write_bytes((built.home / "keys" / "publisher-ed25519.pem").read_bytes())
    with pytest.raises(signing.SigningError) as excinfo:
        signing.load_trusted([private])
    assert excinfo.value.code == "bad_trusted_key"


# ------------------------------------------------------------------------------------------- deep JSON and YAML
def test_deeply_nested_metadata_and_manifest_answer_400(ws, portal):
    deep = ("[" * DEEP + "]" * DEEP).encode()
    assert "嵌套超过" in _refused(_post(portal, _parts(ws, metadata=deep)), 400, "too_deep")
    nested_object = ('{"a":' * DEEP + "1" + "}" * DEEP).encode()
    _refused(_post(portal, _parts(ws, metadata=nested_object)), 400, "too_deep")
    _refused(_post(portal, _parts(ws, manifest=deep)), 400, "too_deep")
    # moderately deep, under the recursion limit but over the portal's bound
    _refused(_post(portal, _parts(ws, manifest=("[" * 500 + "]" * 500).encode())), 400, "too_deep")
    _nothing_stored(portal)
    assert requests.get(portal.url + "/", timeout=5).status_code == 200     # still serving


def test_deeply_nested_approval_yaml_is_a_clean_error(ws):
    # a huge document is refused unread (publisher.config's size bound) ...
    (ws.home / "approval.yaml").write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    with pytest.raises(ApprovalError) as excinfo:
        load_policy(ws=ws)
    assert excinfo.value.code == "bad_approval_config" and "过大" in str(excinfo.value)
    # ... and a small one nested too deep before it is built, in flow and in block style
    (ws.home / "approval.yaml").write_text("[" * 1000 + "]" * 1000, encoding="utf-8")
    with pytest.raises(ApprovalError) as excinfo:
        load_policy(ws=ws)
    assert excinfo.value.code == "bad_approval_config" and "嵌套超过 64 层" in str(excinfo.value)
    (ws.home / "approval.yaml").write_text("steps:\n" + "".join("  " * i + "- \n" for i in range(1, 200)),
                                           encoding="utf-8")
    with pytest.raises(ApprovalError, match="嵌套超过"):
        load_policy(ws=ws)
    result = CliRunner().invoke(cli, ["approve", "--kind", KIND, "--period", PERIOD, "--by", REVIEWER,
                                      "--role", REVIEW_ROLE, "--home", str(ws.home)])
    assert result.exit_code == 1 and "[bad_approval_config]" in result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert Store(ws).approvals() == []


def test_deeply_nested_schedule_yaml_is_a_clean_error(ws):
    # a huge document is refused unread (publisher.config's size bound), a small one nested too deep by the parser
    (ws.home / "schedule.yaml").write_text("kinds: " + "[" * DEEP + "]" * DEEP, encoding="utf-8")
    with pytest.raises(PublisherError, match=r"过大.*bad_schedule_config"):
        SchedulePolicy.load(ws)
    (ws.home / "schedule.yaml").write_text("kinds: " + "[" * 1000 + "]" * 1000, encoding="utf-8")
    with pytest.raises(PublisherError, match=r"嵌套超过 64 层.*bad_schedule_config"):
        SchedulePolicy.load(ws)
    result = CliRunner().invoke(cli, ["schedule", "plan", "--now", "2026-09-02 09:00"],
                                env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 1 and "bad_schedule_config" in result.output and "Traceback" not in result.output
    for text, reason in (("- a\n- b\n", "应为一个映射"), ("kinds: [no-such-kind]\n", "kinds"),
                         ("interval_minutes: ten\n", "interval_minutes")):
        (ws.home / "schedule.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(PublisherError, match=reason):
            SchedulePolicy.load(ws)


# ------------------------------------------------------------------------------------------- credentials
def test_credentials_in_the_portal_address_are_refused_and_never_shown_or_stored(ws, portal):
    approve_both(ws)
    secret = "s3cret-passw0rd"
    target = portal.url.replace("http://", f"http://admin:{secret}@")
    with no_socket_opened() as opened:
        result = CliRunner().invoke(cli, ["publish", "--kind", KIND, "--period", PERIOD, "--portal", target,
                                          "--home", str(ws.home)], env={"PUBLISHER_PORTAL_TOKEN": TOKEN})
    assert result.exit_code == 1 and "[credentials_in_url]" in result.output and opened == []
    assert secret not in result.output and "admin" not in result.output and "***@127.0.0.1" in result.output
    assert "PUBLISHER_PORTAL_TOKEN" in result.output
    from_env = CliRunner().invoke(cli, ["publish", "--kind", KIND, "--period", PERIOD, "--home", str(ws.home)],
                                  env={"PUBLISHER_PORTAL": target, "PUBLISHER_PORTAL_TOKEN": TOKEN})
    assert from_env.exit_code == 1 and secret not in from_env.output
    history = CliRunner().invoke(cli, ["history", "--home", str(ws.home)])
    assert secret not in history.output
    for path in ws.store.rglob("*"):          # the ledger (and its journal) and every store file
        assert not path.is_file() or secret.encode() not in path.read_bytes()
    _nothing_stored(portal)


def test_history_redacts_credentials_an_older_ledger_holds(ws):
    secret = "old-passw0rd"
    row = latest_revision(Store(ws), KIND, PERIOD)
    Store(ws).record_publication(int(row["id"]), f"http://u:{secret}@portal.example", "failed", None,
                                 {"error": "portal_unreachable", "message": f"无法连接门户 http://u:{secret}@portal.example"})
    for args in ([], ["--json"]):
        shown = CliRunner().invoke(cli, ["history", *args, "--home", str(ws.home)])
        assert shown.exit_code == 0 and secret not in shown.output and "***@portal.example" in shown.output


def test_the_bearer_token_is_never_replaced_by_netrc_credentials(ws, portal, tmp_path, monkeypatch):
    host = urllib.parse.urlsplit(portal.url).hostname
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {host} login intruder password netrc-secret\n", encoding="ascii")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_bytes(netrc.read_bytes())
    (tmp_path / ".netrc").chmod(0o600)
    assert requests.get(portal.url + "/", timeout=5).request.headers.get("Authorization", "").startswith("Basic")
    approve_both(ws)
    assert publish(ws, KIND, PERIOD, portal=portal.url).status == "published"    # the portal got the Bearer


def test_a_token_is_never_sent_over_plain_http_to_a_remote_host(ws):
    approve_both(ws)
    with no_socket_opened() as opened:        # the guard sees a connection attempt when there is one
        with pytest.raises(requests.ConnectionError):
            requests.get("http://127.0.0.1:9/", timeout=2)
    assert opened
    for remote in ("http://192.0.2.1:8765", "http://portal.example.gov.cn", "http://[2001:db8::1]:80"):
        with no_socket_opened() as opened:
            with pytest.raises(ApprovalError) as excinfo:
                publish(ws, KIND, PERIOD, portal=remote, token=TOKEN, timeout=1, attempts=1)
        assert excinfo.value.code == "insecure_transport" and "HTTPS" in str(excinfo.value)
        assert opened == []
    with no_socket_opened() as opened:
        cli_result = CliRunner().invoke(cli, ["publish", "--kind", KIND, "--period", PERIOD, "--home", str(ws.home),
                                              "--portal", "http://192.0.2.1:8765", "--attempts", "1"],
                                        env={"PUBLISHER_PORTAL_TOKEN": TOKEN})
    assert cli_result.exit_code == 1 and "[insecure_transport]" in cli_result.output and opened == []
    assert TOKEN not in cli_result.output
    assert Store(ws).publications() == []


# ------------------------------------------------------------------------------------------- served pages
def test_served_pages_carry_the_security_headers_and_no_server_version(ws, portal):
    approve_both(ws)
    publish(ws, KIND, PERIOD, portal=portal.url)
    for path in ("/", "/api/v1/bulletins", "/portal.css", "/no-such-page"):
        response = requests.get(portal.url + path, timeout=5)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src" not in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Server"] == "publisher-portal"
        assert "Python" not in str(response.headers) and "/" not in response.headers["Server"]
    index = requests.get(portal.url + "/", timeout=5).text
    assert "<script" not in index and "<style" not in index and 'href="portal.css"' in index
    assert requests.get(portal.url + "/portal.css", timeout=5).headers["Content-Type"] == "text/css; charset=utf-8"
    for name in ("index.html", "data.csv", "charts/matrix.png", "bulletin.json"):
        served = requests.get(f"{portal.url}/b/{KIND}/{PERIOD}/v1/{name}", timeout=5)
        assert served.status_code == 200 and served.content == (folder(ws) / name).read_bytes()
        assert served.headers["Content-Security-Policy"].startswith("sandbox")
        assert served.headers["X-Frame-Options"] == "DENY"
    pdf = requests.get(f"{portal.url}/b/{KIND}/{PERIOD}/v1/bulletin.pdf", timeout=5)
    assert pdf.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_the_public_url_comes_from_configuration_never_from_the_host_header(ws, built, tmp_path):
    approve_both(ws)
    with running_portal(tmp_path / "portal", built, public_url="https://portal.example.gov.cn/gb/") as server:
        response = _post(server, _parts(ws), headers={**AUTH, "Host": "evil.example"})
        assert response.status_code == 201
        assert response.json()["url"] == f"https://portal.example.gov.cn/gb/b/{KIND}/{PERIOD}/v1/index.html"
        assert "evil" not in response.text
    with running_portal(tmp_path / "portal2", built) as server:
        response = _post(server, _parts(ws), headers={**AUTH, "Host": "evil.example"})
        assert response.json()["url"].startswith(server.url + "/") and "evil" not in response.text


def _dump_dom(url: str, profile: Path) -> str:
    from tests.browser import require_chromium

    browser = require_chromium()
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout


def test_an_uploaded_page_cannot_script_the_portal(ws, portal, tmp_path):
    """Even a page signed by a trusted instance (a careless or compromised build) runs no script: it is
    served in a CSP sandbox, an opaque origin. A real headless chromium is the judge."""
    attack = ("<!doctype html><html><head><meta charset='utf-8'><title>t</title></head><body><p>公报</p>"
              "<script>document.body.setAttribute('data-pwned', document.domain || 'yes');"
              "try{document.cookie='x=1';}catch(e){}</script>"
              "<img src='missing.png' onerror=\"document.body.setAttribute('data-onerror','1')\"></body></html>")
    page = tmp_path / "attack.html"
    page.write_text(attack, encoding="utf-8")
    local = _dump_dom(page.as_uri(), tmp_path / "profile-a")
    assert '<body data-pwned="yes" data-onerror="1">' in local      # the probe sees script when it runs

    manifest = json.loads((folder(ws) / "manifest.json").read_text("utf-8"))
    files = {k: v for k, v in files_of(folder(ws)).items() if k != "manifest.json"}
    files["index.html"] = attack.encode("utf-8")
    manifest["files"]["index.html"] = integrity.sha256(files["index.html"])
    manifest["content_sha256"] = integrity.content_sha256(manifest)
    body = {"protocol": 1, "kind": KIND, "period": PERIOD, "area": None, "revision": 1,
            "manifest_sha256": manifest["content_sha256"], "approvals": approvals()}
    parts = [("metadata", ("metadata.json", sign_metadata(ws, body), "application/json")),
             ("manifest", ("manifest.json", json.dumps(manifest, ensure_ascii=False).encode(), "application/json")),
             *[("file", (urllib.parse.quote(k, safe=""), v, "application/octet-stream"))
               for k, v in sorted(files.items())]]
    response = _post(portal, parts)
    assert response.status_code == 201, response.text
    served = _dump_dom(f"{portal.url}/{response.json()['path']}", tmp_path / "profile-b")
    assert "<p>公报</p>" in served and "<body>" in served and "<body data-" not in served


def test_a_bulletin_page_still_renders_under_the_sandbox(ws, portal, tmp_path):
    from tests.browser import ink_fraction, require_chromium

    browser = require_chromium()
    approve_both(ws)
    result = publish(ws, KIND, PERIOD, portal=portal.url)

    def shot(url: str, name: str) -> Path:
        png = tmp_path / f"{name}.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--hide-scrollbars", "--force-device-scale-factor=1",
                        f"--user-data-dir={tmp_path / ('profile-' + name)}", f"--screenshot={png}",
                        "--window-size=1000,2400", url], capture_output=True, timeout=120, check=True)
        return png

    local = ink_fraction(shot((folder(ws) / "index.html").as_uri(), "local"))
    served = ink_fraction(shot(result.url, "served"))
    assert local > 0.02 and abs(served - local) < 0.1 * local      # the same page, charts included


# ------------------------------------------------------------------------------------------- size and concurrency
def test_a_body_over_the_limit_is_refused_before_it_is_read(ws, built, tmp_path):
    with running_portal(tmp_path / "portal", built, max_upload=1024 * 1024) as server:
        host, port = server.server_address[:2]
        with socket.create_connection((host, port), timeout=10) as conn:
            conn.sendall(_head(port, 300 * 1024 * 1024, "b", expect=False))
            status, headers, body = _response(conn)
        assert status == 413 and json.loads(body)["error"] == "too_large"
        response = requests.post(f"{server.url}/api/v1/bulletins", data=iter([b"x" * 10]), headers=AUTH,
                                 timeout=10)     # chunked: no length
        _refused(response, 411, "length_required")
        _nothing_stored(server)


def test_an_upload_cut_short_gives_its_slot_back(ws, built, tmp_path):
    with running_portal(tmp_path / "portal", built, max_uploads=1) as server:
        port = server.server_address[1]
        with socket.create_connection(("127.0.0.1", port), timeout=30) as first:
            first.sendall(_head(port, 10_000, "cut"))
            assert _response(first)[0] == 100
            with socket.create_connection(("127.0.0.1", port), timeout=30) as second:
                second.sendall(_head(port, 10_000, "cut"))
                status, headers, body = _response(second)
                assert (status, json.loads(body)["error"], headers["retry-after"]) == (503, "busy", "10")
            first.sendall(b"--cut\r\n")
            first.shutdown(socket.SHUT_WR)                     # the client goes away mid-body
            status, _, body = _response(first)
            assert (status, json.loads(body)["error"]) == (400, "bad_request")
        _nothing_stored(server)                                 # its staging folder is gone too
        with socket.create_connection(("127.0.0.1", port), timeout=30) as third:
            third.sendall(_head(port, 10_000, "cut"))
            assert _response(third)[0] == 100                  # the slot is free again


def _head(port: int, length: int, boundary: str, expect: bool = True) -> bytes:
    lines = ["POST /api/v1/bulletins HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Authorization: Bearer {TOKEN}",
             f"Content-Type: multipart/form-data; boundary={boundary}", f"Content-Length: {length}"]
    if expect:
        lines.append("Expect: 100-continue")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _response(conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
    reader = conn.makefile("rb")
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline().decode("latin-1").strip()):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", 0))) if status != 100 else b""
    return status, headers, body


class BigUpload:
    """A real, valid upload of one bulletin with a file of `size` bytes, streamed from a repeated block."""

    BLOCK = hashlib.sha256(b"block").digest() * (1024 * 1024 // 32)

    def __init__(self, ws, period: str, size: int):
        self.size = size
        digest = hashlib.sha256()
        for n in range(0, size, len(self.BLOCK)):
            digest.update(self.BLOCK[:min(len(self.BLOCK), size - n)])
        manifest = {"bulletin": f"{KIND}/{period}", "files": {"big.bin": digest.hexdigest()}}
        manifest["content_sha256"] = integrity.content_sha256(manifest)
        metadata = sign_metadata(ws, {"protocol": 1, "kind": KIND, "period": period, "area": None, "revision": 1,
                                      "manifest_sha256": manifest["content_sha256"], "approvals": approvals()})
        self.boundary = "publisher-test-" + period
        b = self.boundary.encode()
        self.head = (b"--" + b + b'\r\nContent-Disposition: form-data; name="metadata"; filename="metadata.json"\r\n'
                     b"Content-Type: application/json\r\n\r\n" + metadata +
                     b"\r\n--" + b + b'\r\nContent-Disposition: form-data; name="manifest"; filename="manifest.json"'
                     b"\r\n\r\n" + json.dumps(manifest).encode() +
                     b"\r\n--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
                     b"Content-Type: application/octet-stream\r\n\r\n")
        self.tail = b"\r\n--" + b + b"--\r\n"
        self.length = len(self.head) + size + len(self.tail)

    def send_body(self, conn: socket.socket) -> None:
        conn.sendall(self.head)
        for n in range(0, self.size, len(self.BLOCK)):
            conn.sendall(self.BLOCK[:min(len(self.BLOCK), self.size - n)])
        conn.sendall(self.tail)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the portal's peak memory")
def test_four_concurrent_250_mb_uploads_stay_bounded(ws, tmp_path):
    """The issue's attack: four 250 MB uploads at once took the portal to 2.3 GB. Now two are received
    (streamed to disk) and the others are told to come back (503 + Retry-After) before they send a byte;
    the portal's peak memory stays far below one upload's size."""
    key = tmp_path / "publisher.pub"
    key.write_text(CliRunner().invoke(cli, ["portal", "key", "--home", str(ws.home)]).stdout, encoding="ascii")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_PORTAL")},
           "PUBLISHER_PORTAL_SERVER_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-c", "from publisher.cli import main; main()", "portal", "serve",
                             "--root", str(tmp_path / "portal"), "--port", "0", "-q", "--max-uploads", "2",
                             "--trusted-key", str(key)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, cwd=ROOT)
    conns: list[socket.socket] = []
    try:
        port = int(proc.stdout.readline().split("：", 1)[1].split("/ ", 1)[0].rsplit(":", 1)[1])
        before = _peak_rss_mib(proc.pid)
        size = 250 * 1024 * 1024
        uploads = [BigUpload(ws, f"2026-0{m}", size) for m in (1, 2, 3, 4)]
        answers = []
        for upload in uploads:
            conn = socket.create_connection(("127.0.0.1", port), timeout=120)
            conns.append(conn)
            conn.sendall(_head(port, upload.length, upload.boundary))
            answers.append(_response(conn))
        assert [a[0] for a in answers] == [100, 100, 503, 503]
        for status, headers, body in answers[2:]:
            assert headers["retry-after"].isdigit() and json.loads(body)["error"] == "busy"
            assert "请" in json.loads(body)["message"]

        finals: dict[int, tuple] = {}

        def send(i: int) -> None:
            uploads[i].send_body(conns[i])
            finals[i] = _response(conns[i])

        threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        assert [finals[i][0] for i in (0, 1)] == [201, 201], finals
        peak = _peak_rss_mib(proc.pid)
        stored = sorted(p.stat().st_size for p in (tmp_path / "portal" / "public").rglob("big.bin"))
        assert stored == [size, size]
        # two 250 MB bodies went through; the old portal held each in memory several times over
        assert peak < before + 100 and peak < 250, (before, peak)
        print(f"portal peak memory {before:.0f} MiB at start, {peak:.0f} MiB after 2 x 250 MiB uploads")
        # the slots are free again
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(_head(port, uploads[2].length, uploads[2].boundary))
            assert _response(conn)[0] == 100
    finally:
        for conn in conns:
            conn.close()
        proc.terminate()
        proc.wait(10)
        for path in (tmp_path / "portal").rglob("big.bin"):
            path.unlink()
