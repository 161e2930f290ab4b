"""What a crash, a second build and hostile data must not do to a bulletin (issue 18, "Build and output").

Each test reproduces an attack on a real workspace (the city drinking-water sources of 2026-08 built
from the sample files) with the real ``publisher`` command in subprocesses, and shows it refused or
harmless: the ledger and the folder stay consistent, approvals are not voided for nothing, and
approve/publish work on what is there.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from publisher.publishing import integrity
from publisher.store import output
from publisher import render
from publisher.publishing.approval import ApprovalError, decide, latest_revision, load_policy, status
from publisher.paths import DEFAULT_STATIONS, Workspace
from publisher.publishing.portal import publish
from publisher.store import SCHEMA_VERSION, Store
from tests.publishing_helpers import (CORRECTION, KIND, LEADER, LEADER_ROLE, PERIOD, REVIEW_ROLE, REVIEWER, TOKEN,
                                      build_workspace, clone, files_of, folder, running_portal)

PUBLISHER = Path(sys.executable).with_name("publisher")
BUILD = ("build", "--period", PERIOD, "--kind", KIND)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("hardening") / "home")


@pytest.fixture
def ws(built, tmp_path):
    return clone(built, tmp_path / "home")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLISHER_HOME", "PUBLISHER_OUTPUT", output.FAULT_ENV)}
    env.update(extra)
    return env


def _spawn(ws: Workspace, *args: str, **env: str) -> subprocess.Popen:
    cmd = [str(PUBLISHER)] if PUBLISHER.exists() else [sys.executable, "-c", "from publisher.cli import main; main()"]
    return subprocess.Popen([*cmd, *args, "--home", str(ws.home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env(**env))


def _run(ws: Workspace, *args: str, **env: str) -> subprocess.CompletedProcess:
    proc = _spawn(ws, *args, **env)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _approve_both(ws: Workspace) -> None:
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    decide(ws, KIND, PERIOD, by=LEADER, role=LEADER_ROLE)


def _state(ws: Workspace) -> str:
    store = Store(ws)
    return status(store, latest_revision(store, KIND, PERIOD), load_policy(ws=ws)).state


def _hidden(ws: Workspace) -> list[str]:
    """What builds left beside the bulletin folders (locks, staging and set-aside folders)."""
    return sorted(p.name for p in (ws.output / KIND).iterdir() if p.name.startswith("."))


def _consistent(ws: Workspace) -> dict:
    """The latest revision's folder is exactly its manifest and has every file a bulletin must have."""
    row = latest_revision(Store(ws), KIND, PERIOD)
    check = integrity.check_folder(row["output_dir"], row["manifest_sha256"])
    assert check.ok, check.summary()
    assert output.missing_files(Path(row["output_dir"]), check.manifest["files"], tables=True) == []
    assert {"index.html", "bulletin.pdf", "bulletin.json", "data.csv", "data.xlsx"} <= set(check.manifest["files"])
    return row


def _add_correction(ws: Workspace) -> None:
    """A late sample that changes the month's figures: the next build is a new revision."""
    from publisher import registry as registry_mod
    from publisher.ingest import pipeline

    ws.inbox.mkdir(parents=True, exist_ok=True)
    (ws.inbox / CORRECTION[0]).write_text(CORRECTION[1], encoding="utf-8")
    assert [r.status for r in pipeline.ingest(None, ws, registry_mod.load())] == ["accepted"]


# --------------------------------------------------------------------------- two builds at once
def test_two_forced_builds_at_once_never_record_a_broken_or_spurious_revision(ws):
    """The issue's attack: two `publisher build --force` of the same bulletin started together, four
    times. Each build waits for the other; the ledger keeps one revision, its folder stays complete
    and the approvals given before stay in force."""
    _approve_both(ws)
    first = _consistent(ws)
    for _ in range(4):
        procs = [_spawn(ws, *BUILD, "--force") for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
        assert all("第1版" in out for out, _ in outs)
        rows = Store(ws).bulletins(kind=KIND, period=PERIOD)
        assert [(r["revision"], r["manifest_sha256"]) for r in rows] == [(1, first["manifest_sha256"])]
        _consistent(ws)
        assert _state(ws) == "approved"
        assert _hidden(ws) == []


def test_a_second_build_refuses_at_once_with_wait_0_and_names_the_holder(ws):
    """While a live process holds the bulletin's lock, `build --wait 0` refuses with the holder's pid
    and a code; nothing changes."""
    before, rows = files_of(folder(ws)), Store(ws).bulletins()
    with output.bulletin_lock(folder(ws), f"{KIND}/{PERIOD}", wait=0):
        refused = _run(ws, *BUILD, "--force", "--wait", "0")
    assert refused.returncode == 1
    assert "[build_in_progress]" in refused.stderr and f"进程 {os.getpid()}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert files_of(folder(ws)) == before and Store(ws).bulletins() == rows
    assert _hidden(ws) == []


def test_a_second_build_waits_for_the_first_and_then_runs(ws):
    """Without --wait 0 a second build says whom it waits for, and runs once the lock is let go."""
    with output.bulletin_lock(folder(ws), f"{KIND}/{PERIOD}", wait=0):
        proc = _spawn(ws, *BUILD, "--force")
        line = proc.stderr.readline()           # blocks until the build reports that it waits
        assert "正在编制，等待其结束" in line and f"进程 {os.getpid()}" in line
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "第1版 已重新生成（内容未变）" in out
    _consistent(ws)


def test_the_lock_of_a_killed_build_is_taken_over(ws):
    """A build killed while it holds the lock leaves its lock file naming a dead process; the next
    build takes it over."""
    killed = _spawn(ws, *BUILD, "--force", **{output.FAULT_ENV: "kill-before-swap"})
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    holder = json.loads(output.lock_path(folder(ws)).read_text(encoding="utf-8"))
    assert holder["pid"] == killed.pid and "build" in holder["command"] and holder["started"]
    again = _run(ws, *BUILD, "--wait", "0")
    assert again.returncode == 0, again.stderr
    assert _hidden(ws) == []
    _consistent(ws)


# --------------------------------------------------------------------------- the swap
def test_a_build_killed_at_the_swap_leaves_the_old_folder_and_approve_and_publish_work(ws, tmp_path):
    """Killed after rendering a changed bulletin, just before the swap: the public folder is the old
    complete revision, which is approved and published; the next build clears the staging folder."""
    old = files_of(folder(ws))
    _add_correction(ws)
    killed = _run(ws, *BUILD, **{output.FAULT_ENV: "kill-before-swap"})
    assert killed.returncode == -signal.SIGKILL
    assert files_of(folder(ws)) == old
    assert [n for n in _hidden(ws) if n.endswith(".building")], _hidden(ws)
    assert [r["revision"] for r in Store(ws).bulletins()] == [1]
    _approve_both(ws)
    with running_portal(tmp_path / "portal", ws) as server:
        result = publish(ws, KIND, PERIOD, portal=server.url, token=TOKEN)
    assert result.ok and result.status == "published"
    rebuilt = _run(ws, *BUILD)
    assert rebuilt.returncode == 0 and "第2版 已更新" in rebuilt.stdout, rebuilt.stderr
    assert _hidden(ws) == []
    _consistent(ws)


def test_a_build_killed_between_the_two_renames_of_the_fallback_swap_is_repaired(ws):
    """Where the folders cannot be exchanged in one step, the old folder is renamed aside first: a kill
    right then leaves the public path empty for a moment, and the next approval (or build) puts the
    old folder back."""
    old = files_of(folder(ws))
    _add_correction(ws)
    killed = _run(ws, *BUILD, **{output.FAULT_ENV: "no-exchange,kill-mid-swap"})
    assert killed.returncode == -signal.SIGKILL
    assert not folder(ws).exists() and [n for n in _hidden(ws) if n.endswith(".old")]
    _approve_both(ws)                          # the approval finds the folder set aside and puts it back
    assert files_of(folder(ws)) == old and _state(ws) == "approved"
    rebuilt = _run(ws, *BUILD, **{output.FAULT_ENV: "no-exchange"})
    assert rebuilt.returncode == 0 and "第2版 已更新" in rebuilt.stdout, rebuilt.stderr
    assert _hidden(ws) == []
    _consistent(ws)


def test_a_build_killed_after_the_swap_is_recorded_by_the_next_build(ws):
    """Killed after the new folder is in place but before the ledger records it: the old revision can
    no longer be approved (its files are gone), and the next build records the folder that is there."""
    _add_correction(ws)
    killed = _run(ws, *BUILD, **{output.FAULT_ENV: "kill-after-swap"})
    assert killed.returncode == -signal.SIGKILL
    assert [r["revision"] for r in Store(ws).bulletins()] == [1]
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    assert excinfo.value.code == "files_changed"
    assert Store(ws).approvals() == []
    rebuilt = _run(ws, *BUILD)
    assert rebuilt.returncode == 0 and "第2版 已更新" in rebuilt.stdout, rebuilt.stderr
    _approve_both(ws)
    assert _state(ws) == "approved"
    _consistent(ws)


def test_the_fallback_swap_gives_the_same_folder(ws):
    _add_correction(ws)
    rebuilt = _run(ws, *BUILD, **{output.FAULT_ENV: "no-exchange"})
    assert rebuilt.returncode == 0 and "第2版 已更新" in rebuilt.stdout, rebuilt.stderr
    assert _hidden(ws) == []
    _consistent(ws)


def test_a_revision_missing_its_page_and_pdf_is_never_approved_and_is_rebuilt(ws):
    """What the race once recorded: a revision whose folder held only bulletin.json, data.xlsx and
    manifest.json, consistent with its own manifest. Approval refuses it; a build renders it whole."""
    path = folder(ws)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    keep = {"bulletin.json", "data.xlsx"}
    for rel in list(manifest["files"]):
        if rel not in keep:
            (path / rel).unlink()
            del manifest["files"][rel]
    shutil.rmtree(path / "charts")
    manifest["content_sha256"] = integrity.content_sha256(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    Store(ws).record_bulletin(KIND, PERIOD, path, manifest["content_sha256"], inputs=manifest["inputs"])
    assert integrity.check_folder(path, manifest["content_sha256"]).ok
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    assert excinfo.value.code == "incomplete_bulletin" and "index.html" in str(excinfo.value)
    assert "bulletin.pdf" in str(excinfo.value) and Store(ws).approvals() == []
    rebuilt = _run(ws, *BUILD)
    assert rebuilt.returncode == 0 and "第3版 已更新" in rebuilt.stdout, rebuilt.stderr
    _consistent(ws)
    _approve_both(ws)
    assert _state(ws) == "approved"


def test_missing_files_names_what_a_bulletin_must_have(tmp_path):
    (tmp_path / "charts").mkdir()
    (tmp_path / "index.html").write_text('<img src="charts/a.png"><img src="charts/b.png">', encoding="utf-8")
    (tmp_path / "charts" / "a.png").write_bytes(b"png")
    (tmp_path / "bulletin.json").write_text("{}", encoding="utf-8")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    listed = ["index.html", "charts/a.png", "bulletin.json"]
    assert output.missing_files(tmp_path, listed) == ["bulletin.pdf", "charts/b.png"]
    assert output.missing_files(tmp_path, listed, tables=True) == ["bulletin.pdf", "charts/b.png", "data.csv",
                                                                   "data.xlsx"]
    (tmp_path / "charts" / "a.png").unlink()
    assert "charts/a.png" in output.missing_files(tmp_path, listed)


def test_an_area_that_is_not_a_folder_name_is_refused(ws):
    for area in ("../../escape", ".hidden", "a/b", ""):
        refused = _run(ws, *BUILD, "--area", area)
        assert refused.returncode == 1 and "[bad_area]" in refused.stderr, (area, refused.stderr)
    assert not (ws.home / "escape").exists() and not (ws.output / "escape").exists()
    ignored = _run(ws, *BUILD, "--area", "隆阳区")      # the city sources are not built per area
    assert ignored.returncode == 1 and "[bad_area]" in ignored.stderr and "不按地区" in ignored.stderr
    assert not (ws.output / KIND / PERIOD / "隆阳区").exists() and [r["area"] for r in Store(ws).bulletins()] == [None]


# --------------------------------------------------------------------------- relative output paths
def test_moving_the_output_folder_keeps_history_approve_build_and_publish_working(ws, tmp_path):
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    moved = tmp_path / "moved" / "bulletins"
    moved.parent.mkdir()
    shutil.move(ws.output, moved)
    env = {"PUBLISHER_OUTPUT": str(moved)}
    shown = _run(ws, "history", "--json", **env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["revisions"][0]["output_dir"] == str(moved / KIND / PERIOD)
    approved = _run(ws, "approve", "--kind", KIND, "--period", PERIOD, "--by", LEADER, "--role", LEADER_ROLE, **env)
    assert approved.returncode == 0 and "可以发布" in approved.stdout, approved.stderr
    again = _run(ws, *BUILD, **env)
    assert again.returncode == 0 and "第1版 无变化" in again.stdout and str(moved) in again.stdout
    with running_portal(tmp_path / "portal", ws) as server:
        result = publish(Workspace(ws.home, moved), KIND, PERIOD, portal=server.url, token=TOKEN)
    assert result.ok and result.status == "published"
    assert [r["output_dir"] for r in Store(ws).bulletins()] == [str(ws.output / KIND / PERIOD)]
    with sqlite3.connect(ws.store / "ledger.sqlite") as conn:
        assert conn.execute("SELECT output_dir FROM bulletins").fetchall() == [(f"{KIND}/{PERIOD}",)]


def test_a_new_empty_output_folder_is_filled_again_by_build_not_called_unchanged(ws, tmp_path):
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    env = {"PUBLISHER_OUTPUT": str(tmp_path / "new-output")}
    before = _run(ws, "approve", "--kind", KIND, "--period", PERIOD, "--by", LEADER, "--role", LEADER_ROLE, **env)
    assert before.returncode == 1 and "[files_changed]" in before.stderr and "不存在" in before.stderr
    rebuilt = _run(ws, *BUILD, **env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "第1版 已重新生成（内容未变）" in rebuilt.stdout and "无变化" not in rebuilt.stdout
    assert files_of(tmp_path / "new-output" / KIND / PERIOD) == files_of(folder(ws))
    after = _run(ws, "approve", "--kind", KIND, "--period", PERIOD, "--by", LEADER, "--role", LEADER_ROLE, **env)
    assert after.returncode == 0 and "可以发布" in after.stdout, after.stderr
    assert [r["revision"] for r in Store(ws).bulletins()] == [1]


def test_a_ledger_of_the_first_schema_is_migrated(ws):
    """A ledger written before schema version 2 (absolute folders, no account columns, no station-days) is
    migrated on first use: folders relative to the output root, the new columns, the version, one event."""
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    with sqlite3.connect(ws.store / "ledger.sqlite") as conn:
        conn.executescript(f"""
            CREATE TABLE approvals_v1 (id INTEGER PRIMARY KEY, bulletin_id INTEGER NOT NULL REFERENCES bulletins(id),
                approved_by TEXT NOT NULL, role TEXT, decision TEXT NOT NULL DEFAULT 'approved', note TEXT,
                at TEXT NOT NULL);
            INSERT INTO approvals_v1 SELECT id, bulletin_id, approved_by, role, decision, note, at FROM approvals;
            DROP TABLE approvals;
            ALTER TABLE approvals_v1 RENAME TO approvals;
            UPDATE bulletins SET output_dir = '/srv/old-place/output/{KIND}/{PERIOD}';
            DROP TABLE station_days;
            PRAGMA user_version = 0;
        """)
    shown = _run(ws, "history", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["revisions"][0]["output_dir"] == str(folder(ws))
    with sqlite3.connect(ws.store / "ledger.sqlite") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT output_dir FROM bulletins").fetchall() == [(f"{KIND}/{PERIOD}",)]
        assert {"via", "os_user", "os_uid"} <= {r[1] for r in conn.execute("PRAGMA table_info(approvals)")}
        migrated = conn.execute("SELECT detail FROM events WHERE kind='ledger.migrated'").fetchall()
    assert [json.loads(d) for (d,) in migrated] == [{"from": 0, "to": SCHEMA_VERSION}]
    approved = _run(ws, "approve", "--kind", KIND, "--period", PERIOD, "--by", LEADER, "--role", LEADER_ROLE)
    assert approved.returncode == 0 and "可以发布" in approved.stdout, approved.stderr
    assert [a["via"] for a in Store(ws).approvals()] == [None, "cli"]


# --------------------------------------------------------------------------- hostile station names
FORMULA = '=HYPERLINK("http://example.invalid","点击")'
MATH = "$\\frac{$北庙水库"


def test_station_names_with_mathtext_and_a_formula_build_and_stay_inert(ws):
    """A registry whose station names hold mathtext (``$\\frac{$``) and a spreadsheet formula: the
    build draws them as written, the CSV escapes the formula and the workbook keeps it as text."""
    text = DEFAULT_STATIONS.read_text(encoding="utf-8")
    assert text.count("    name: 北庙水库\n") == 1 and text.count("    name: 龙王塘\n") == 1
    text = text.replace("    name: 北庙水库\n", f"    name: '{MATH}'\n")
    text = text.replace("    name: 龙王塘\n", "    name: '" + FORMULA.replace("'", "''") + "'\n")
    (ws.home / "stations.yaml").write_text(text, encoding="utf-8")
    built = _run(ws, *BUILD)
    assert built.returncode == 0 and "第2版 已更新" in built.stdout, built.stderr[-3000:]
    path = folder(ws)
    _consistent(ws)
    document = (path / "bulletin.json").read_text(encoding="utf-8")
    assert json.dumps(MATH, ensure_ascii=False)[1:-1] in document and "HYPERLINK" in document
    assert all((path / "charts" / n).stat().st_size > 1000 for n in os.listdir(path / "charts"))

    rows = list(csv.reader(io.StringIO((path / "data.csv").read_text(encoding="utf-8-sig"))))
    names = [row[rows[0].index("水源名称")] for row in rows[1:]]
    assert "'" + FORMULA in names and MATH in names
    assert not any(render.formula_like(cell) for row in rows for cell in row)

    book = openpyxl.load_workbook(path / "data.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(path / "data.xlsx") as zf:
        sheets = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)


def test_formula_cells_are_escaped_and_numbers_stay_numbers(tmp_path):
    frame = pl.DataFrame({
        "名称": [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "-0.5", "断面甲", None],
        "变化": [-1.5, -2.0, 0.0, 3.25, None, 1.0, -0.5, 2.0, -7.0],
        "计数": [-3, 1, 2, 3, 4, 5, 6, 7, 8],
    })
    render.write_csv_bom(frame, tmp_path / "data.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "data.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + FORMULA, "'+1+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1:A2)", "'\t=1",
                                        "'\r=1", "-0.5", "断面甲", ""]
    assert [float(r[1]) if r[1] else None for r in rows[1:]] == [-1.5, -2.0, 0.0, 3.25, None, 1.0, -0.5, 2.0, -7.0]
    assert rows[1][2] == "-3"
    render.write_xlsx({"表": frame}, tmp_path / "data.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "data.xlsx").active
    first = [c.value for c in sheet["A"][1:]]       # the workbook stores a carriage return as _x000D_
    assert first == [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "_x000D_=1", "-0.5", "断面甲",
                     None]
    quoted = [c.quotePrefix for c in sheet["A"][1:9]]
    assert quoted == [True, True, True, True, True, True, False, False]
    assert all(c.data_type == "s" for c in sheet["A"][1:9])
    assert [c.value for c in sheet["B"][1:]] == [-1.5, -2, 0, 3.25, None, 1, -0.5, 2, -7]
    assert all(c.data_type == "n" for c in sheet["B"][1:] if c.value is not None)
    assert sheet["C"][1].value == -3 and sheet["C"][1].data_type == "n"
