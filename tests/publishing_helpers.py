"""A real workspace with one built bulletin and a real portal on loopback, for the approval and
publication tests.

The bulletin is the city drinking-water sources of 2026-08 built from the sample files through the
ingest pipeline (a few seconds); each test works on its own copy of that workspace, signing key
included. The portal runs as in production: it requires the upload token `TOKEN` and trusts the
workspace's public key.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import shutil
import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import requests

from publisher import registry as registry_mod
from publisher.demo import sample
from publisher.publishing import signing
from publisher.publishing.approval import decide
from publisher.paths import Workspace
from publisher.publishing.portal_server import PortalHandler, PortalServer

KIND, PERIOD = "water-sources", "2026-08"
REVIEWER, LEADER = "审核人甲", "审核人乙"          # neutral placeholders for the two signers
REVIEW_ROLE, LEADER_ROLE = "保密审查员", "分管局领导"
#: a late sample of one source in the month: rebuilding gives a second revision with other figures
CORRECTION = ("更正_北庙水库_2026-08.csv", "断面名称,采样时间,氨氮(mg/L)\n北庙水库,2026-08-20 10:00,0.45\n")
#: the portal's upload token in the tests (the server's and the client's variables hold the same value)
TOKEN = "portal-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_sequence = itertools.count(10_000)


def build_workspace(home: Path) -> Workspace:
    """Ingest the sample city-source files of 2026-08 and build the bulletin (revision 1)."""
    from publisher.bulletins.build import build
    from publisher.ingest import pipeline

    ws = Workspace(home)
    reg = registry_mod.load()
    sample.generate(ws.inbox, PERIOD, PERIOD, registry=reg, with_real_air=False)
    for path in ws.inbox.iterdir():
        if "饮用水源" not in path.name or "县级" in path.name:
            path.unlink()
    results = pipeline.ingest(None, ws, reg)
    assert results and all(r.status == "accepted" for r in results), [(r.name, r.status) for r in results]
    built = build(KIND, PERIOD, ws, registry=reg)
    assert built.revision == 1
    signing.instance_key(ws.home)          # made once: every copy of the workspace signs with it
    return ws


def clone(source: Workspace, home: Path) -> Workspace:
    """A copy of `source` at `home`. The ledger records bulletin folders relative to the output root,
    so the copy works as it is."""
    shutil.copytree(source.home, home, symlinks=True)
    return Workspace(home)


def rebuild_corrected(ws: Workspace) -> int:
    """Ingest the correction and rebuild; returns the new revision."""
    from publisher.bulletins.build import build
    from publisher.ingest import pipeline

    reg = registry_mod.load()
    ws.inbox.mkdir(parents=True, exist_ok=True)
    (ws.inbox / CORRECTION[0]).write_text(CORRECTION[1], encoding="utf-8")
    assert [r.status for r in pipeline.ingest(None, ws, reg)] == ["accepted"]
    built = build(KIND, PERIOD, ws, registry=reg)
    assert built.changed
    return built.revision


def folder(ws: Workspace) -> Path:
    return ws.output / KIND / PERIOD


def files_of(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def trusted(*sources: Any) -> dict:
    """The public keys of workspaces (or homes) as the portal takes them."""
    keys = {}
    for source in sources:
        home = source.home if isinstance(source, Workspace) else Path(source)
        public = signing.instance_public(home)
        keys[signing.key_id(public)] = public
    return keys


@contextlib.contextmanager
def running_portal(root: Path, trust: Any, token: str | None = TOKEN,
                   handler: type[PortalHandler] = PortalHandler, **options: Any) -> Iterator[PortalServer]:
    """The reference portal serving `root` on a free loopback port, in a thread, with the upload token
    `token` and trusting the key of the workspace `trust` (or a dict of keys)."""
    keys = trust if isinstance(trust, dict) else trusted(trust)
    server = PortalServer(root, "127.0.0.1", 0, token=token, handler=handler, trusted_keys=keys,
                          insecure_no_token=token is None, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def approvals(minutes_ago: int = 10) -> list[dict[str, Any]]:
    """The two decisions of the default workflow, as an upload carries them."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return [{"step": "confidentiality_review", "step_name": "保密审查", "role": REVIEW_ROLE, "by": REVIEWER,
             "at": (now - dt.timedelta(minutes=minutes_ago)).isoformat(), "note": None},
            {"step": "leader_approval", "step_name": "审批", "role": LEADER_ROLE, "by": LEADER,
             "at": (now - dt.timedelta(minutes=minutes_ago - 1)).isoformat(), "note": None}]


def sign_metadata(home: Any, metadata: dict[str, Any], *, signed_at: dt.datetime | None = None,
                  sequence: int | None = None) -> bytes:
    """`metadata` signed with the key of the workspace at `home` (as publisher publish does), as JSON bytes."""
    home = home.home if isinstance(home, Workspace) else Path(home)
    when = signed_at or dt.datetime.now(dt.timezone.utc)
    body = {**metadata, "signed_at": when.isoformat(timespec="microseconds"),
            "sequence": sequence if sequence is not None else next(_sequence)}
    return json.dumps(signing.sign(body, signing.instance_key(home)), ensure_ascii=False).encode("utf-8")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def approve_both(ws: Workspace) -> None:
    """The two approval steps of the sample bulletin, each by its own signer."""
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    decide(ws, KIND, PERIOD, by=LEADER, role=LEADER_ROLE)


def portal_listing(server) -> list[dict]:
    """The portal's public list of bulletins (``/api/v1/bulletins``)."""
    response = requests.get(f"{server.url}/api/v1/bulletins", timeout=5)
    assert response.status_code == 200
    return response.json()["bulletins"]
