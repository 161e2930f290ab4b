"""A real workspace with a built bulletin that reports exceedances, desk accounts for each role, and the
review desk served by waitress on a loopback port, for the desk's tests.

The bulletin is the river sections of 2026-08 built from the sample files: three sections miss their
targets (东河河图, 勐波罗河仁和, 右甸河田园), so the explanation gate applies to it.
"""
from __future__ import annotations

import contextlib
import re
import shutil
import threading
from pathlib import Path
from typing import Iterator

from publisher import registry as registry_mod
from publisher.demo import sample
from publisher.desk import accounts, create_app
from publisher.paths import Workspace
from publisher.publishing import signing

KIND, PERIOD = "water-sections", "2026-08"
PASSWORD = "desk-test-password-1"
UPLOADER, REVIEWER, LEADER, ADMIN = "报送员甲", "审核人甲", "审核人乙", "管理员甲"
USERS = {UPLOADER: ["数据报送员"], REVIEWER: ["保密审查员"], LEADER: ["分管局领导"], ADMIN: ["管理员"]}
EXCEEDANCES = ["section:sec-donghe-hetu", "section:sec-mengboluo-renhe", "section:sec-youdian-tianyuan"]


def build_workspace(home: Path) -> Workspace:
    """Ingest the sample section files of 2026-08, build the bulletin, open one account per role."""
    from publisher.bulletins.build import build
    from publisher.ingest import pipeline

    ws = Workspace(home)
    reg = registry_mod.load()
    sample.generate(ws.inbox, PERIOD, PERIOD, registry=reg, with_real_air=False)
    for path in ws.inbox.iterdir():
        if "断面" not in path.name:
            path.unlink()
    assert all(r.status == "accepted" for r in pipeline.ingest(None, ws, reg))
    assert build(KIND, PERIOD, ws, registry=reg).revision == 1
    for name, roles in USERS.items():
        accounts.add_user(ws, name, roles, PASSWORD)
    signing.instance_key(ws.home)
    return ws


def clone(source: Workspace, home: Path) -> Workspace:
    shutil.copytree(source.home, home, symlinks=True)
    return Workspace(home)


@contextlib.contextmanager
def running_desk(ws: Workspace, **options) -> Iterator[str]:
    """The desk of `ws` served by waitress on a free loopback port, in a thread; yields its base URL."""
    from waitress import create_server

    app = create_app(ws, **options)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()   # let the worker threads finish their requests, then stop
        server.close()
        thread.join(5)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Sign in with Flask's test client; returns the response."""
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.get_data(as_text=True)), "name": name,
                                       "password": password})
