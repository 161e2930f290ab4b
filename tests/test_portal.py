"""Publication of a real built bulletin to the reference portal running on loopback: refusals, byte-identical
files, idempotent republishing, corrections as new versions, retries, failures recorded in the ledger,
the portal's own checks of uploads, and the commands end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.parse

import pytest
import requests
from click.testing import CliRunner

from publisher.publishing import integrity
from publisher.publishing.approval import ApprovalError, decide, latest_revision
from publisher.cli import cli
from publisher.publishing.portal import encode_name, publish
from publisher.publishing.portal_server import PortalHandler
from publisher.store import Store
from tests.publishing_helpers import (approve_both, portal_listing, AUTH, KIND, LEADER, LEADER_ROLE, PERIOD, REVIEW_ROLE, REVIEWER, TOKEN,
                                      approvals, build_workspace, clone, closed_port, files_of, folder,
                                      rebuild_corrected, running_portal, sign_metadata)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("portal") / "home")


@pytest.fixture
def ws(built, tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLISHER_PORTAL", raising=False)
    monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
    return clone(built, tmp_path / "home")


@pytest.fixture
def portal(built, tmp_path):
    with running_portal(tmp_path / "portal", built) as server:
        yield server




def _served(server, rel_folder: str, names) -> dict[str, bytes]:
    out = {}
    for name in names:
        response = requests.get(f"{server.url}/b/{urllib.parse.quote(rel_folder)}/{name}", timeout=5)
        assert response.status_code == 200, name
        out[name] = response.content
    return out


def _refused(ws, server, code):
    with pytest.raises(ApprovalError) as excinfo:
        publish(ws, KIND, PERIOD, portal=server.url)
    assert excinfo.value.code == code and str(excinfo.value).endswith(f"[{code}]")
    assert portal_listing(server) == [] and not list((server.store.root).glob("public/**/*.json"))
    assert Store(ws).publications() == []
    event = Store(ws).events("publish_refused")[-1]
    assert json.loads(event["detail"])["code"] == code
    return str(excinfo.value)


# ------------------------------------------------------------------------------------------- refusals
def test_refused_without_approval(ws, portal):
    message = _refused(ws, portal, "not_approved")
    assert "保密审查（待办）" in message and "审批（待办）" in message
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    assert "保密审查" not in _refused(ws, portal, "not_approved")


def test_refused_after_a_rejection(ws, portal):
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    decide(ws, KIND, PERIOD, by=LEADER, role=LEADER_ROLE, reject=True, note="标题需修改")
    assert "标题需修改" in _refused(ws, portal, "rejected")


def test_refused_when_a_file_was_altered_after_approval(ws, portal):
    approve_both(ws)
    pdf = folder(ws) / "bulletin.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% edited", 1))
    assert "bulletin.pdf 内容已改变" in _refused(ws, portal, "files_changed")


def test_refused_without_a_portal_address(ws):
    approve_both(ws)
    with pytest.raises(ApprovalError) as excinfo:
        publish(ws, KIND, PERIOD)
    assert excinfo.value.code == "no_portal" and "PUBLISHER_PORTAL" in str(excinfo.value)
    with pytest.raises(ApprovalError) as excinfo:
        publish(ws, KIND, PERIOD, portal="ftp://example")
    assert excinfo.value.code == "bad_portal_url"


# ------------------------------------------------------------------------------------------- publishing
def test_approved_bulletin_arrives_byte_identical(ws, portal):
    approve_both(ws)
    result = publish(ws, KIND, PERIOD, portal=portal.url)
    assert result.status == "published" and result.version == 1
    assert result.url == f"{portal.url}/b/{KIND}/{PERIOD}/v1/index.html"
    local = files_of(folder(ws))
    stored = files_of(portal.store.public / KIND / PERIOD / "v1")
    assert stored == local and "manifest.json" in stored and "charts/matrix.png" in stored
    assert _served(portal, f"{KIND}/{PERIOD}/v1", local) == local
    page = requests.get(result.url, timeout=5)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8" and page.content == local["index.html"]

    publication = Store(ws).publications()[-1]
    detail = json.loads(publication["detail"])
    assert (publication["status"], publication["target"], publication["url"]) == ("ok", portal.url, result.url)
    assert detail["version"] == 1 and detail["revision"] == 1 and detail["attempts"] == [{"attempt": 1, "status": 201}]

    row = latest_revision(Store(ws), KIND, PERIOD)
    [entry] = portal_listing(portal)
    assert (entry["kind"], entry["period"], entry["current_version"]) == (KIND, PERIOD, 1)
    version = entry["versions"][0]
    assert version["manifest_sha256"] == row["manifest_sha256"] and version["revision"] == 1
    assert [(a["step_name"], a["role"]) for a in version["approvals"]] == [("保密审查", REVIEW_ROLE), ("审批", LEADER_ROLE)]
    assert REVIEWER not in json.dumps(entry, ensure_ascii=False)          # signers stay in the portal's record
    record = json.loads((portal.store.public / KIND / PERIOD / "v1" / ".publication.json").read_text("utf-8"))
    assert [a["by"] for a in record["approvals"]] == [REVIEWER, LEADER]
    assert requests.get(f"{portal.url}/b/{KIND}/{PERIOD}/v1/.publication.json", timeout=5).status_code == 404

    index = requests.get(portal.url + "/", timeout=5)
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    text = index.content.decode("utf-8")
    assert "城市集中式生活饮用水水源水质状况" in text and "2026年8月" in text and "现行版本" in text
    assert f'href="b/{KIND}/{PERIOD}/v1/bulletin.pdf"' in text


def test_publishing_the_same_revision_again_does_nothing(ws, portal, tmp_path):
    approve_both(ws)
    first = publish(ws, KIND, PERIOD, portal=portal.url + "/")
    again = publish(ws, KIND, PERIOD, portal=portal.url)
    assert again.status == "already_published" and again.version == 1 and again.url == first.url
    assert "无需重复发布" in again.message
    assert len(Store(ws).publications()) == 1
    # a workspace whose ledger does not know about the upload: the portal recognises the manifest
    other = clone(ws, tmp_path / "other")
    with Store(other).connect(write=True) as conn:
        conn.execute("DELETE FROM publications")
    third = publish(other, KIND, PERIOD, portal=portal.url)
    assert third.status == "published" and third.version == 1 and "门户已有此版本" in third.message
    assert json.loads(Store(other).publications()[-1]["detail"])["portal_status"] == "already_published"
    assert [len(b["versions"]) for b in portal_listing(portal)] == [1]


def test_a_corrected_revision_is_published_as_version_2_and_version_1_stays(ws, portal):
    approve_both(ws)
    publish(ws, KIND, PERIOD, portal=portal.url)
    v1 = files_of(folder(ws))
    assert rebuild_corrected(ws) == 2
    with pytest.raises(ApprovalError) as excinfo:
        publish(ws, KIND, PERIOD, portal=portal.url)
    assert excinfo.value.code == "not_approved"
    approve_both(ws)
    result = publish(ws, KIND, PERIOD, portal=portal.url, note="北庙水库8月20日补测数据计入，<b>氨氮</b>均值更正")
    assert result.status == "published" and result.version == 2 and "更正第1版" in result.message
    v2 = files_of(folder(ws))
    assert v2 != v1
    assert _served(portal, f"{KIND}/{PERIOD}/v2", v2) == v2
    assert _served(portal, f"{KIND}/{PERIOD}/v1", v1) == v1

    [entry] = portal_listing(portal)
    assert entry["current_version"] == 2
    assert [(v["version"], v["revision"], v["replaces"], v["corrects"]) for v in entry["versions"]] == [
        (2, 2, 1, 1), (1, 1, None, None)]
    text = requests.get(portal.url + "/", timeout=5).text
    assert "第2版</a>（现行版本）" in text and "第1版</a>（已更正，仅供查阅）" in text
    assert "更正说明：北庙水库8月20日补测数据计入，&lt;b&gt;氨氮&lt;/b&gt;均值更正" in text
    assert "<b>氨氮</b>" not in text
    revisions = {r["revision"]: r for r in Store(ws).bulletins()}
    published = {p["bulletin_id"]: json.loads(p["detail"])["version"] for p in Store(ws).publications()}
    assert published == {revisions[1]["id"]: 1, revisions[2]["id"]: 2}


# ------------------------------------------------------------------------------------------- failures
def test_an_unreachable_portal_is_recorded_as_failed(ws):
    approve_both(ws)
    target = f"http://127.0.0.1:{closed_port()}"
    result = publish(ws, KIND, PERIOD, portal=target, attempts=3, backoff=0.05, timeout=2)
    assert result.status == "failed" and result.error == "portal_unreachable"
    assert "无法连接门户" in result.message and "共尝试 3 次" in result.message
    assert result.message.endswith("[portal_unreachable]")
    [publication] = Store(ws).publications()
    detail = json.loads(publication["detail"])
    assert (publication["status"], publication["url"], publication["target"]) == ("failed", None, target)
    assert detail["error"] == "portal_unreachable" and len(detail["attempts"]) == 3
    assert [a.get("wait") for a in detail["attempts"]] == [0.05, 0.1, None]  # doubling backoff, none after the last
    # a later try that succeeds is recorded beside the failure
    with running_portal(ws.home.parent / "portal2", ws) as server:
        assert publish(ws, KIND, PERIOD, portal=server.url).status == "published"
    assert [p["status"] for p in Store(ws).publications()] == ["failed", "ok"]


class FlakyHandler(PortalHandler):
    """The reference portal, but the first upload gets 503 and the second no answer until the test has seen
    the client give up (`released` is set after ``publish`` returns)."""

    posts = 0
    released = threading.Event()

    def do_POST(self):  # noqa: N802
        type(self).posts += 1
        if type(self).posts == 1:
            return self._json(503, {"error": "busy", "message": "稍后再试"})
        if type(self).posts == 2:
            type(self).released.wait(60)  # no answer: the client's read timeout decides, not a clock here
            return None
        return super().do_POST()


def test_transient_failures_are_retried_with_backoff(ws, tmp_path):
    approve_both(ws)
    with running_portal(tmp_path / "flaky", ws, handler=FlakyHandler) as server:
        try:
            result = publish(ws, KIND, PERIOD, portal=server.url, attempts=3, backoff=0.2, timeout=0.7)
        finally:
            FlakyHandler.released.set()
        assert result.status == "published" and result.version == 1
        assert [a.get("status") or a.get("error") for a in result.attempts] == [503, "ReadTimeout", 201]
        assert [a.get("wait") for a in result.attempts] == [0.2, 0.4, None]  # backoff 0.2 s, then 0.4 s
        [publication] = Store(ws).publications()
        assert [a.get("wait") for a in json.loads(publication["detail"])["attempts"]] == [0.2, 0.4, None]
        assert files_of(server.store.public / KIND / PERIOD / "v1") == files_of(folder(ws))


def test_a_portal_with_a_token_refuses_uploads_without_it(ws, tmp_path, monkeypatch):
    approve_both(ws)
    monkeypatch.delenv("PUBLISHER_PORTAL_TOKEN")
    with running_portal(tmp_path / "guarded", ws) as server:
        refused = publish(ws, KIND, PERIOD, portal=server.url, attempts=3, backoff=0.01)
        assert refused.status == "failed" and refused.error == "portal_refused"
        assert "HTTP 401" in refused.message and "PUBLISHER_PORTAL_TOKEN" in refused.message
        assert len(refused.attempts) == 1                      # a refusal is final, not retried
        monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
        assert publish(ws, KIND, PERIOD, portal=server.url).status == "published"
    assert [p["status"] for p in Store(ws).publications()] == ["failed", "ok"]


# ------------------------------------------------------------------------------------------- the portal's checks
def _upload_parts(ws, change=None, drop=None, extra=None, rename=None):
    row = latest_revision(Store(ws), KIND, PERIOD)
    base = folder(ws)
    manifest = (base / "manifest.json").read_bytes()
    files = {k: v for k, v in files_of(base).items() if k != "manifest.json"}
    if change:
        files[change] = files[change] + b"x"
    if drop:
        files.pop(drop)
    if extra:
        files[extra] = b"extra"
    if rename:
        files[rename[1]] = files.pop(rename[0])
    metadata = {"protocol": 1, "kind": KIND, "period": PERIOD, "area": None, "revision": row["revision"],
                "manifest_sha256": row["manifest_sha256"], "approvals": approvals()}
    return [("metadata", ("metadata.json", sign_metadata(ws, metadata), "application/json")),
            ("manifest", ("manifest.json", manifest, "application/json")),
            *[("file", (encode_name(k), v, "application/octet-stream")) for k, v in sorted(files.items())]]


@pytest.mark.parametrize("kw,status,code", [
    ({"change": "data.csv"}, 400, "file_mismatch"),
    ({"drop": "bulletin.pdf"}, 400, "missing_file"),
    ({"extra": "notes.txt"}, 400, "unexpected_file"),
    ({"rename": ("data.csv", "../../escape.csv")}, 400, "bad_path"),
    ({"rename": ("data.csv", ".hidden.csv")}, 400, "bad_path"),
])
def test_the_portal_checks_every_upload(ws, portal, kw, status, code):
    response = requests.post(f"{portal.url}/api/v1/bulletins", files=_upload_parts(ws, **kw), headers=AUTH,
                             timeout=10)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == code and body["message"]
    assert portal_listing(portal) == []
    assert not (portal.store.root / "escape.csv").exists() and not (portal.store.public / KIND).exists()


def test_the_portal_checks_the_manifest_hash_and_metadata(ws, portal):
    parts = _upload_parts(ws)
    metadata = json.loads(parts[0][1][1])
    wrong = dict(metadata, manifest_sha256="0" * 64)
    parts[0] = ("metadata", ("metadata.json", sign_metadata(ws, wrong), "application/json"))
    response = requests.post(f"{portal.url}/api/v1/bulletins", files=parts, headers=AUTH, timeout=10)
    assert (response.status_code, response.json()["error"]) == (400, "manifest_mismatch")
    bad = dict(metadata, kind="../x", area="a/b")
    parts[0] = ("metadata", ("metadata.json", sign_metadata(ws, bad), "application/json"))
    response = requests.post(f"{portal.url}/api/v1/bulletins", files=parts, headers=AUTH, timeout=10)
    assert (response.status_code, response.json()["error"]) == (400, "bad_metadata")
    assert "kind" in response.json()["message"] and "area" in response.json()["message"]
    assert requests.post(f"{portal.url}/api/v1/bulletins", data=b"{}", headers=AUTH,
                         timeout=5).json()["error"] == "bad_request"
    assert requests.get(f"{portal.url}/b/../../etc/passwd", timeout=5).status_code == 404


def _variant(ws, parts, revision: int, generator: str, **changes):
    """The same upload under another revision number, with a valid manifest of different content, signed
    (later than any upload before it) with the workspace's key."""
    manifest = json.loads(parts[1][1][1])
    manifest["generator"] = generator
    manifest.update(changes.pop("manifest", {}))
    manifest["content_sha256"] = integrity.content_sha256(manifest)
    metadata = dict(json.loads(parts[0][1][1]), revision=revision, manifest_sha256=manifest["content_sha256"],
                    **changes)
    for name in ("signature", "signed_at", "sequence"):
        metadata.pop(name)
    return [("metadata", ("metadata.json", sign_metadata(ws, metadata), "application/json")),
            ("manifest", ("manifest.json", json.dumps(manifest).encode(), "application/json")), *parts[2:]]


def test_the_portal_refuses_other_content_under_a_published_revision_and_older_revisions(ws, portal):
    parts = _upload_parts(ws)
    post = lambda p: requests.post(f"{portal.url}/api/v1/bulletins", files=p, headers=AUTH, timeout=10)  # noqa: E731
    assert post(parts).status_code == 201
    assert post(parts).json()["status"] == "already_published"
    conflict = post(_variant(ws, parts, 1, "another build"))
    assert (conflict.status_code, conflict.json()["error"]) == (409, "revision_conflict")
    newer = post(_variant(ws, parts, 3, "third build"))
    assert (newer.status_code, newer.json()["version"]) == (201, 2)
    older = post(_variant(ws, parts, 2, "second build"))
    assert (older.status_code, older.json()["error"]) == (409, "older_revision")
    [entry] = portal_listing(portal)
    assert [(v["version"], v["revision"]) for v in entry["versions"]] == [(2, 3), (1, 1)]


# ------------------------------------------------------------------------------------------- commands
def _cli(ws, *args, env=None):
    return CliRunner().invoke(cli, [*args, "--home", str(ws.home)], env=env)


def test_commands_end_to_end_with_the_portal_in_a_subprocess(ws, tmp_path):
    key = _cli(ws, "portal", "key")
    assert key.exit_code == 0 and key.stdout.startswith("-----BEGIN PUBLIC KEY-----"), key.output
    (tmp_path / "publisher.pub").write_text(key.stdout, encoding="ascii")
    env = {**os.environ, "PUBLISHER_PORTAL_SERVER_TOKEN": "cli-token-0123456789abcdef"}
    env.pop("PUBLISHER_PORTAL_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-c", "from publisher.cli import main; main()", "portal", "serve",
                             "--root", str(tmp_path / "portal"), "--port", "0", "-q",
                             "--trusted-key", str(tmp_path / "publisher.pub")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        first = proc.stdout.readline()
        assert first.startswith("公报门户：http://127.0.0.1:") and "上传需令牌和签名" in first, first + proc.stderr.read()
        url = first.split("：", 1)[1].split("/ ", 1)[0]
        base = ["--kind", KIND, "--period", PERIOD]
        refused = _cli(ws, "publish", *base, "--portal", url, env={"PUBLISHER_PORTAL_TOKEN": "cli-token-0123456789abcdef"})
        assert refused.exit_code == 1 and "[not_approved]" in refused.output
        for by, role in ((REVIEWER, REVIEW_ROLE), (LEADER, LEADER_ROLE)):
            assert _cli(ws, "approve", *base, "--by", by, "--role", role).exit_code == 0
        done = _cli(ws, "publish", *base, env={"PUBLISHER_PORTAL": url, "PUBLISHER_PORTAL_TOKEN": "cli-token-0123456789abcdef"})
        assert done.exit_code == 0, done.output
        assert f"{url}/b/{KIND}/{PERIOD}/v1/index.html" in done.output and "门户第1版" in done.output
        again = _cli(ws, "publish", *base, "--portal", url, env={"PUBLISHER_PORTAL_TOKEN": "cli-token-0123456789abcdef"})
        assert again.exit_code == 0 and "无需重复发布" in again.output
        shown = _cli(ws, "history", "--kind", KIND)
        assert "已发布  门户第1版" in shown.output and "[approved]" in shown.output
        served = requests.get(f"{url}/b/{KIND}/{PERIOD}/v1/data.csv", timeout=5).content
        assert served == (folder(ws) / "data.csv").read_bytes()
        assert "2026年8月" in requests.get(url + "/", timeout=5).text
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_publish_failure_exits_1_and_is_in_the_history(ws):
    approve_both(ws)
    url = f"http://127.0.0.1:{closed_port()}"
    result = _cli(ws, "publish", "--kind", KIND, "--period", PERIOD, "--portal", url, "--attempts", "1")
    assert result.exit_code == 1 and "发布失败" in result.output and "[portal_unreachable]" in result.output
    assert "发布失败" in _cli(ws, "history").output


def test_portal_serve_refuses_to_start_without_a_token(ws, tmp_path):
    key = tmp_path / "publisher.pub"
    key.write_text(_cli(ws, "portal", "key").stdout, encoding="ascii")
    base = ["portal", "serve", "--root", str(tmp_path / "portal"), "--trusted-key", str(key)]
    # the client's variable is not the server's: it does not make a token portal
    result = CliRunner().invoke(cli, base, env={"PUBLISHER_PORTAL_SERVER_TOKEN": "",
                                                "PUBLISHER_PORTAL_TOKEN": "client-token-0123456789"})
    assert result.exit_code == 1 and "[token_required]" in result.output
    assert "PUBLISHER_PORTAL_SERVER_TOKEN" in result.output and "--insecure-no-token" in result.output
    public = CliRunner().invoke(cli, [*base, "--host", "0.0.0.0", "--insecure-no-token"],
                                env={"PUBLISHER_PORTAL_SERVER_TOKEN": ""})
    assert public.exit_code == 1 and "[insecure_not_loopback]" in public.output
    short = CliRunner().invoke(cli, base, env={"PUBLISHER_PORTAL_SERVER_TOKEN": "short"})
    assert short.exit_code == 1 and "[weak_token]" in short.output
    keyless = CliRunner().invoke(cli, base[:-2], env={"PUBLISHER_PORTAL_SERVER_TOKEN": TOKEN})
    assert keyless.exit_code == 2 and "--trusted-key" in keyless.output
    assert not (tmp_path / "portal").exists()


def test_the_portal_keeps_areas_apart_and_checks_the_manifest_names_the_bulletin(ws, portal):
    parts = _upload_parts(ws)
    post = lambda p: requests.post(f"{portal.url}/api/v1/bulletins", files=p, headers=AUTH, timeout=10)  # noqa: E731
    wrong = post(_variant(ws, parts, 1, "area build", area="腾冲市"))
    assert (wrong.status_code, wrong.json()["error"]) == (400, "bulletin_mismatch")
    area = post(_variant(ws, parts, 1, "area build", area="腾冲市", manifest={"bulletin": f"{KIND}/{PERIOD}/腾冲市"}))
    assert area.status_code == 201
    assert area.json()["path"] == f"b/{KIND}/{PERIOD}/{urllib.parse.quote('腾冲市')}/v1/index.html"
    assert post(parts).json()["version"] == 1                      # the bulletin without area is another one
    served = requests.get(f"{portal.url}/{area.json()['path']}", timeout=5)
    assert served.content == (folder(ws) / "index.html").read_bytes()
    entries = portal_listing(portal)
    assert [(e["area"], e["current_version"]) for e in entries] == [(None, 1), ("腾冲市", 1)]
    text = requests.get(portal.url + "/", timeout=5).text
    assert "<td>腾冲市</td>" in text and "<td>—</td>" in text
