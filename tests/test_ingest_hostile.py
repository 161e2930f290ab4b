"""The hostile corpus: every file gets its own clear error, is quarantined with its reports, and the
store and ledger stay byte-for-byte as they were."""
from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from publisher.cli import cli
from publisher.ingest.pipeline import ingest
from publisher.store import Store
from tests.hostile.corpus import build
from tests.ingest_helpers import make_ws, reg, tree_hash

GOOD = ("station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
        "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20\n")


def test_hostile_corpus(tmp_path):
    ws = make_ws(tmp_path)
    (ws.inbox / "good.csv").write_text(GOOD)
    assert [r.status for r in ingest(None, ws, reg())] == ["accepted"]
    before_store = tree_hash(ws.store)
    before_archive = tree_hash(ws.archive)
    ledger_before = Store(ws).ingests().to_dicts()

    cases = build(ws.inbox)
    outside = set(os.listdir(tmp_path))
    results = {r.name: r for r in ingest(None, ws, reg())}
    assert set(results) == set(cases)
    for name, code in cases.items():
        result = results[name]
        codes = [e["code"] for e in result.errors]
        assert result.status == "rejected", name
        assert codes and codes[0] == code, (name, codes)
        assert all(e["message"].endswith(f"[{e['code']}]") for e in result.errors)
        # moved, with both reports beside it, inside the quarantine
        dest = ws.home / result.destination
        assert dest.parent == ws.quarantine and dest.exists()
        report = Path(str(dest) + ".错误报告.txt").read_text(encoding="utf-8")
        assert f"[代码 {code}]" in report
        payload = json.loads(Path(str(dest) + ".errors.json").read_text(encoding="utf-8"))
        assert payload["errors"][0]["code"] == code
    # the large file's bad cell is found at its row
    big = results["large-100k.csv"].errors[0]
    assert big["row"] == 99_992 and big["column"] == "so2"
    # nothing dropped is lost, nothing written outside the workspace, the store unchanged
    assert list(ws.inbox.iterdir()) == []
    assert len([p for p in ws.quarantine.iterdir() if not p.name.endswith((".txt", ".json"))]) == len(cases)
    assert set(os.listdir(tmp_path)) == outside
    assert tree_hash(ws.store) == before_store
    assert tree_hash(ws.archive) == before_archive
    assert Store(ws).ingests().to_dicts() == ledger_before


def test_traversal_name_stays_inside_the_workspace(tmp_path):
    ws = make_ws(tmp_path)
    evil = ws.inbox / "..\\..\\..\\evil.csv"
    evil.write_text(GOOD)
    [result] = ingest(None, ws, reg())
    assert result.status == "rejected" and result.errors[0]["code"] == "bad_file_name"
    dest = (ws.home / result.destination).resolve()
    assert ws.quarantine.resolve() in dest.parents and "\\" not in dest.name
    assert not (tmp_path / "evil.csv").exists()


def test_symlink_is_quarantined_not_followed(tmp_path):
    ws = make_ws(tmp_path)
    target = tmp_path / "secret.csv"
    target.write_text(GOOD)
    (ws.inbox / "link.csv").symlink_to(target)
    [result] = ingest(None, ws, reg())
    assert result.errors[0]["code"] == "not_regular_file"
    assert target.read_text() == GOOD and not Store(ws).exists()


def test_cli_json_and_exit_status(tmp_path, monkeypatch):
    ws = make_ws(tmp_path)
    (ws.inbox / "good.csv").write_text(GOOD)
    (ws.inbox / "bad.csv").write_text(GOOD.replace(",5,", ",x,"))
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    out = CliRunner().invoke(cli, ["ingest", "--json", "-q"])
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["summary"] == {"accepted": 1, "rejected": 1, "duplicate": 0, "failed": 0}
