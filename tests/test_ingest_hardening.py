"""Issue 18, "Ingest": each attack reproduced and shown refused or handled, with nothing already stored
changed. Real files, real SQLite and Parquet, `publisher ingest` as a subprocess where memory is measured
(the child's own peak RSS from os.wait4), the click runner elsewhere."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from publisher import registry as registry_mod
from publisher.cli import cli
from publisher.display import needs_escaping, shown
from publisher.ingest import parse_file, readers
from publisher.ingest.findings import Findings
from publisher.ingest.pipeline import MAX_NAME_BYTES, ingest, safe_name
from publisher.paths import Workspace
from publisher.operations.scheduler import run_once
from publisher.store import Store
from tests.ingest_helpers import make_ws, reg, tree_hash

HEAD = "station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
GOOD = HEAD + "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20\n"
OTHER = HEAD + "air-2595A,2026-05-01 01:00,6,11,0.6,61,41,21\n"
PUBLISHER = Path(sys.executable).parent / "publisher"


#: Linux keeps a process's peak RSS across exec: a child forked straight from this (large) test process
#: would start with its peak. A small launcher forks the measured process, so its peak is its own.
_LAUNCHER = ("import os, subprocess, sys\n"
             "proc = subprocess.Popen(sys.argv[2:])\n"
             "_, status, usage = os.wait4(proc.pid, 0)\n"
             "open(sys.argv[1], 'w').write(f'{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}')\n")


def _run_measured(args: list[str], home: Path) -> tuple[int, str, str, float]:
    """Run `publisher ARGS` in `home`; (exit status, stdout, stderr, its peak RSS in MiB: the ingest
    process and the workbook reader it waits for)."""
    out, err, peak = home / ".out.txt", home / ".err.txt", home / ".peak.txt"
    env = {**os.environ, "PUBLISHER_HOME": str(home)}
    with open(out, "wb") as o, open(err, "wb") as e:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(peak), str(PUBLISHER), *args],
                       stdout=o, stderr=e, env=env, cwd=home, check=True)
    code, kib = (int(v) for v in peak.read_text().split())
    text = out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
    for path in (out, err, peak):
        path.unlink()
    return code, text[0], text[1], kib / 1024  # Linux: ru_maxrss in KiB


def _seeded(tmp_path: Path) -> tuple[Workspace, str, str]:
    """A workspace holding one accepted file; returns it with the hashes of its store and archive."""
    ws = make_ws(tmp_path)
    (ws.inbox / "good.csv").write_text(GOOD)
    assert [r.status for r in ingest(None, ws, reg())] == ["accepted"]
    return ws, tree_hash(ws.store), tree_hash(ws.archive)


def _store_unchanged(ws: Workspace, store_hash: str, rows: int = 1) -> None:
    assert tree_hash(ws.store) == store_hash
    assert Store(ws).ingests().height == rows


# ============================================================================================ 1. zip bombs
SHEET_ROWS = b"".join(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1"><v>12.5</v></c></row>'
                      for _ in range(200))


def _workbook_parts() -> dict[str, bytes]:
    """The small parts of a real workbook (openpyxl), to wrap around a sheet of our own."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["station_id", "time", "so2"])
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 3–4 MB xlsx whose sheet inflates to about 1 GB (deflate at level 9 of a repeated row block)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    parts = _workbook_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(1_000_000_000 // len(SHEET_ROWS)):
                sheet.write(SHEET_ROWS)
            sheet.write(b"</sheetData></worksheet>")
    return path


def _patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size rewritten to `size` in its local header and in its
    central directory entry (the compressed bytes untouched)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    assert out[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", out, info.header_offset + 22, size)
    end = out.rfind(b"PK\x05\x06")
    count, _, offset = struct.unpack_from("<HII", out, end + 10)
    for _ in range(count):
        assert out[offset:offset + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, offset + 28)
        if bytes(out[offset + 46:offset + 46 + name_len]) == member.encode():
            struct.pack_into("<I", out, offset + 24, size)
        offset += 46 + name_len + extra_len + comment_len
    with zipfile.ZipFile(io.BytesIO(bytes(out))) as z:
        assert z.getinfo(member).file_size == size
    return bytes(out)


def test_xlsx_bomb_is_refused_before_it_is_inflated(tmp_path, bomb):
    with zipfile.ZipFile(bomb) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
    assert bomb.stat().st_size < 8 << 20 and sheet.file_size > 900 << 20  # ~4 MB, ~1 GB inflated
    ws, store_hash, _ = _seeded(tmp_path)
    (ws.inbox / "a-bomb.xlsx").write_bytes(bomb.read_bytes())
    (ws.inbox / "b-good.csv").write_text(OTHER)
    code, out, err, peak = _run_measured(["ingest", "--json", "-q"], ws.home)
    assert code == 1, err
    files = {f["name"]: f for f in json.loads(out)["files"]}
    assert files["a-bomb.xlsx"]["status"] == "rejected"
    [error] = files["a-bomb.xlsx"]["errors"]
    assert error["code"] == "file_too_large" and "压缩比" in error["message"]
    assert files["b-good.csv"]["status"] == "accepted"
    assert peak < 1024, f"peak RSS {peak:.0f} MiB"
    assert (ws.home / files["a-bomb.xlsx"]["destination"]).stat().st_size == bomb.stat().st_size
    assert Store(ws).ingests().height == 2 and tree_hash(ws.store) != store_hash


def test_xlsx_bomb_with_patched_sizes_is_stopped_by_the_bytes_inflated(tmp_path, bomb):
    patched = _patch_declared_size(bomb.read_bytes(), "xl/worksheets/sheet1.xml", 2431)
    ws, store_hash, archive_hash = _seeded(tmp_path)
    (ws.inbox / "bomb.xlsx").write_bytes(patched)
    code, out, err, peak = _run_measured(["ingest", "--json", "-q"], ws.home)
    assert code == 1, err
    [result] = json.loads(out)["files"]
    assert result["status"] == "rejected"
    assert [e["code"] for e in result["errors"]] == ["file_too_large"]
    assert "解压后超过压缩大小的 100 倍" in result["errors"][0]["message"]
    assert peak < 1024, f"peak RSS {peak:.0f} MiB"
    _store_unchanged(ws, store_hash)
    assert tree_hash(ws.archive) == archive_hash


def test_workbook_parts_are_counted_as_inflated_not_as_declared(tmp_path, monkeypatch):
    """The limit on a workbook's inflated total (lowered here to 3 MiB) holds on the declared sizes
    and, when those lie, on the bytes actually inflated, part after part."""
    parts = _workbook_parts()
    filler = os.urandom(1 << 20).hex().encode()  # 2 MiB of text that deflates about 2:1
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        z.writestr("xl/media/notes1.xml", filler)
        z.writestr("xl/media/notes2.xml", filler)
    lying = tmp_path / "lying.xlsx"
    data = _patch_declared_size(path.read_bytes(), "xl/media/notes1.xml", 2431)
    lying.write_bytes(_patch_declared_size(data, "xl/media/notes2.xml", 2431))
    monkeypatch.setattr(readers, "MAX_INFLATED", 3 << 20)
    declared = parse_file(path).findings.errors
    assert [f.code for f in declared] == ["file_too_large"] and "声明解压后 4 MB，超过 3 MB" in declared[0].message
    counted = parse_file(lying).findings.errors
    assert [f.code for f in counted] == ["file_too_large"] and "（解压后超过 3 MB）" in counted[0].message
    monkeypatch.setattr(readers, "MAX_INFLATED", 8 << 20)
    within = parse_file(path)  # within the limit: read normally (a header without data)
    assert within.kind == "air" and not within.findings.items


def test_sheet_spanning_a_huge_rectangle_is_refused_and_the_run_goes_on(tmp_path):
    """Two cells, at A1 and XFD1048576, in a sheet of a few hundred bytes: the Excel reader would
    allocate 17 billion cells. The worker that reads it runs out of its capped memory; the file is
    refused, the ingest and the next file go on."""
    parts = _workbook_parts()
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1" t="inlineStr"><is><t>station_id</t></is></c></row>'
             b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    path = tmp_path / "corner.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else data)
    assert path.stat().st_size < 10_000
    ws, store_hash, _ = _seeded(tmp_path / "w")
    (ws.inbox / "a-corner.xlsx").write_bytes(path.read_bytes())
    (ws.inbox / "b-good.csv").write_text(OTHER)
    code, out, err, peak = _run_measured(["ingest", "--json", "-q"], ws.home)
    assert code == 1, err
    files = {f["name"]: f for f in json.loads(out)["files"]}
    assert [e["code"] for e in files["a-corner.xlsx"]["errors"]] == ["file_too_large"]
    assert "内存" in files["a-corner.xlsx"]["errors"][0]["message"]
    assert files["b-good.csv"]["status"] == "accepted"
    assert peak < 1024, f"peak RSS {peak:.0f} MiB"


# ============================================================================================ 2. names and failures
LONG = "长" * 80 + ".csv"                               # 244 bytes: over the 200-byte rule
AT_LIMIT = "长" * 82 + "abcde.csv"                     # 255 bytes: the file system's own limit
ACCEPTABLE = "长" * 60 + ".csv"                         # 184 bytes: accepted, archived under a shorter name


def test_long_names_are_quarantined_and_archived_under_bounded_names(tmp_path):
    assert len(AT_LIMIT.encode()) == 255 and len(LONG.encode()) == 244
    ws, store_hash, _ = _seeded(tmp_path)
    (ws.inbox / "a.csv").write_text(OTHER)
    (ws.inbox / LONG).write_text(GOOD.replace("05-01 01", "05-02 01"))
    (ws.inbox / AT_LIMIT).write_text(GOOD.replace("05-01 01", "05-03 01"))
    (ws.inbox / ACCEPTABLE).write_text(GOOD.replace("05-01 01", "05-04 01"))
    (ws.inbox / "z.csv").write_text(GOOD.replace("05-01 01", "05-05 01"))
    result = CliRunner().invoke(cli, ["ingest", "--json", "-q"], env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 1, result.output
    files = {f["name"]: f for f in json.loads(result.stdout)["files"]}
    assert {n: f["status"] for n, f in files.items()} == {
        "a.csv": "accepted", LONG: "rejected", AT_LIMIT: "rejected", ACCEPTABLE: "accepted", "z.csv": "accepted"}
    for name in (LONG, AT_LIMIT):
        [error] = files[name]["errors"]
        assert error["code"] == "bad_file_name" and "文件名过长" in error["message"]
        dest = ws.home / files[name]["destination"]
        assert dest.exists() and len(dest.name.encode()) <= 12 + 1 + MAX_NAME_BYTES
        assert dest.name.startswith(files[name]["sha256"][:12]) and "~" in dest.name and dest.name.endswith(".csv")
        report = (ws.home / files[name]["report"]).read_text(encoding="utf-8")
        assert name in report  # the original name, in full
        assert json.loads(Path(str(dest) + ".errors.json").read_text(encoding="utf-8"))["file"] == name
    archived = ws.home / files[ACCEPTABLE]["destination"]
    assert len(archived.name.encode()) <= MAX_NAME_BYTES and archived.name.endswith(".csv")
    assert archived.read_text() == GOOD.replace("05-01 01", "05-04 01")
    ledger = {r["name"]: r for r in Store(ws).files().to_dicts()}
    assert ACCEPTABLE in ledger and ledger[ACCEPTABLE]["archive_path"] == files[ACCEPTABLE]["destination"]
    assert list(ws.inbox.iterdir()) == []


def test_safe_name_keeps_hash_and_extension():
    a, b = safe_name("长" * 100 + "一.csv.gz"), safe_name("长" * 100 + "二.csv.gz")
    assert a != b and a.endswith(".csv.gz") and len(a.encode()) <= MAX_NAME_BYTES
    assert safe_name("数据_\u202egpj.csv") == "数据__gpj.csv"
    assert safe_name("ok-2026.csv") == "ok-2026.csv"


def test_a_failing_quarantine_leaves_the_file_and_the_others_go_on(tmp_path):
    """The quarantine folder is a file (an operator's slip): the rejected file cannot be quarantined. It
    stays in the inbox with its code; the good files of the run are ingested."""
    ws, store_hash, _ = _seeded(tmp_path)
    ws.quarantine.write_text("not a folder")
    (ws.inbox / "a.csv").write_text(OTHER)
    (ws.inbox / "b-bad.csv").write_text(GOOD.replace(",5,", ",x,"))
    (ws.inbox / "c.csv").write_text(GOOD.replace("05-01 01", "05-02 01"))
    result = CliRunner().invoke(cli, ["ingest", "-q"], env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 1
    assert "b-bad.csv：处理失败，文件留在原处" in result.output and "[quarantine_failed]" in result.output
    assert "合计：接收 2，退回 0，重复 0，失败 1" in result.output
    assert [p.name for p in ws.inbox.iterdir()] == ["b-bad.csv"]
    assert Store(ws).ingests().height == 3


def test_a_failing_archive_leaves_the_file_and_the_store_as_they_were(tmp_path):
    """The archive cannot take this file (where its folder should be, there is a file): nothing is stored
    for it, the file stays in the inbox, the next file of the run is ingested."""
    import hashlib

    ws, store_hash, _ = _seeded(tmp_path)
    blocked = OTHER
    sha = hashlib.sha256(blocked.encode()).hexdigest()
    (ws.archive / sha[:2]).mkdir(exist_ok=True)
    (ws.archive / sha[:2] / sha).write_text("in the way")
    (ws.inbox / "a-blocked.csv").write_text(blocked)
    (ws.inbox / "b.csv").write_text(GOOD.replace("05-01 01", "05-02 01"))
    results = {r.name: r for r in ingest(None, ws, reg())}
    assert results["a-blocked.csv"].status == "failed"
    assert [e["code"] for e in results["a-blocked.csv"].errors] == ["store_failed"]
    assert results["b.csv"].status == "accepted"
    assert (ws.inbox / "a-blocked.csv").read_text() == blocked
    assert sha not in set(Store(ws).files()["sha256"])
    assert not any(p.name.startswith("intent-") for p in (ws.archive / ".incoming").iterdir())


def test_an_unexpected_error_in_one_file_is_that_files_result(tmp_path, monkeypatch):
    """No input is known to raise inside the readers; a bug that would is simulated for one file. That
    file is quarantined with `internal_error` and the trace for the administrator; the others go on."""
    from publisher.ingest import pipeline

    real = pipeline.parse_file

    def parse(path, **kwargs):
        if kwargs.get("display_name") == "b-trips.csv":
            raise RuntimeError("simulated reader bug")
        return real(path, **kwargs)

    monkeypatch.setattr(pipeline, "parse_file", parse)
    ws, store_hash, _ = _seeded(tmp_path)
    (ws.inbox / "a.csv").write_text(OTHER)
    (ws.inbox / "b-trips.csv").write_text(GOOD.replace("05-01 01", "05-03 01"))
    (ws.inbox / "c.csv").write_text(GOOD.replace("05-01 01", "05-02 01"))
    results = {r.name: r for r in ingest(None, ws, reg())}
    assert [results[n].status for n in ("a.csv", "b-trips.csv", "c.csv")] == ["accepted", "rejected", "accepted"]
    assert results["b-trips.csv"].errors[0]["code"] == "internal_error"
    payload = json.loads((ws.home / (results["b-trips.csv"].destination + ".errors.json")).read_text("utf-8"))
    assert "simulated reader bug" in payload["trace"]


def test_scheduler_pass_goes_on_past_a_failing_file(tmp_path):
    ws = make_ws(tmp_path)
    (ws.home / "schedule.yaml").write_text("kinds: [water-sources]\n", encoding="utf-8")
    (ws.inbox / LONG).write_text(GOOD)
    (ws.inbox / "北庙水库.csv").write_text("点位名称,采样时间,氨氮(mg/L)\n北庙水库,2026-05-08 10:00,0.12\n",
                                          encoding="utf-8")
    ws.quarantine.write_text("not a folder")  # and the quarantine cannot be written
    now = dt.datetime(2026, 6, 2, 9, 0)
    done = run_once(ws, now)
    assert [a.kind for a in done] == ["ingest", "remind"]  # the pass went on to its reminders
    assert done[0].detail["accepted"] == 1 and done[0].detail["failed"] == 1
    [event] = Store(ws).events("schedule.ingest")
    detail = json.loads(event["detail"])
    assert detail["files"] == [{"file": LONG, "codes": ["bad_file_name", "quarantine_failed"]}]
    # the next pass tries the file again and goes on the same way
    ws.quarantine.unlink()
    again = run_once(ws, now + dt.timedelta(minutes=10))
    assert again[0].kind == "ingest" and again[0].detail["rejected"] == 1
    assert list(ws.inbox.iterdir()) == [] and len(list(ws.quarantine.glob("*.errors.json"))) == 1


# ============================================================================================ 3. bounded memory
def _spread_file(path: Path) -> None:
    """3,000 hours of two stations with problems spread all over: bad cells (more than 20 in a column),
    an unknown station, a duplicate within a batch, a duplicate across batches, PM2.5 above PM10."""
    t0 = dt.datetime(2025, 1, 1, 1)
    lines = [HEAD]
    for i in range(3000):
        for station in ("air-2594A", "2595A"):
            so2 = "x" if i % 97 == 5 and station == "air-2594A" else str(5 + i % 7)
            pm25 = "50" if i % 500 == 7 else "20"
            lines.append(f"{station},{t0 + dt.timedelta(hours=i):%Y-%m-%d %H:%M},{so2},10,0.5,60,40,{pm25}\n")
    lines.insert(100, "未知站点,2025-01-01 05:00,1,1,1,1,1,1\n")
    lines.insert(200, lines[150])               # the same row again, nearby
    lines.append(lines[10].replace(",10,", ",11,"))  # row 10 again at the end, with another value
    path.write_text("".join(lines), encoding="utf-8")


def _facts(parsed) -> tuple:
    frame = parsed.frame.collect() if isinstance(parsed.frame, pl.LazyFrame) else parsed.frame
    findings = sorted((f.code, f.sheet or "", f.row or 0, f.column or "", str(f.value), f.other or 0, f.count)
                      for f in parsed.findings.items)
    return frame.sort("station_id", "time") if frame is not None else None, findings, parsed.findings.unlisted


def test_batched_reading_gives_the_one_shot_results(tmp_path, monkeypatch):
    from publisher import ingest as ingest_pkg

    path = tmp_path / "spread.csv"
    _spread_file(path)
    registry = reg()
    whole = parse_file(path, registry=registry, unknown_stations="error", batch_rows=10**9)
    monkeypatch.setattr(ingest_pkg, "SPILL_BYTES", 0)  # every batch's frame goes to disk
    for rows in (50, 333, 1234):
        batched = parse_file(path, registry=registry, unknown_stations="error", batch_rows=rows,
                             spill_dir=tmp_path / f"spill-{rows}")
        assert isinstance(batched.frame, pl.LazyFrame)
        a, b = _facts(whole), _facts(batched)
        assert a[0].equals(b[0]) and a[1] == b[1] and a[2] == b[2], rows
    codes = {f.code for f in whole.findings.items}
    assert codes == {"non_numeric", "unknown_station", "duplicate_same", "duplicate_conflict", "pm25_gt_pm10"}
    bad = [f for f in whole.findings.items if f.code == "non_numeric"]
    assert len(bad) == 20 and sum(f.count for f in bad) == 31  # 20 listed, the rest counted
    conflict = next(f for f in whole.findings.items if f.code == "duplicate_conflict")
    assert conflict.other == 11 and conflict.row == 6004  # found across the whole file


@pytest.mark.parametrize("name, content, rows", [
    ("cr.csv", GOOD.replace("\n", "\r"), [2]),                              # classic Mac line ends
    ("crlf.csv", (GOOD + OTHER[len(HEAD):]).replace("\n", "\r\n"), [2, 3]),
    ("blank.csv", HEAD + "\n\n" + GOOD[len(HEAD):] + "\n" + OTHER[len(HEAD):], [4, 6]),
    # a quoted line break: rows are counted as a spreadsheet shows them (one row, two lines)
    ("quoted.csv", HEAD + '"air-2594A",2026-05-01 01:00,5,10,0.5,60,40,"2\n0"\n' + OTHER[len(HEAD):], [2, 3]),
    ("stray.csv", HEAD + 'air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20"\n' + OTHER[len(HEAD):] * 3, [2, 3]),
])
def test_odd_csv_forms_read_alike_whole_and_one_row_at_a_time(tmp_path, name, content, rows):
    """Bare CR line ends, CRLF, blank lines, a quoted line break, a stray quote: each read in one batch
    and in batches of one row gives the same rows, at the row numbers a person sees."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    whole, single = parse_file(path, batch_rows=10**6), parse_file(path, batch_rows=1)
    assert _facts(whole)[1:] == _facts(single)[1:]
    assert whole.frame.sort("source_row")["source_row"].to_list() == rows
    assert single.frame.sort("source_row").equals(whole.frame.sort("source_row"))


def test_batched_ingest_stores_what_the_one_shot_ingest_stores(tmp_path, monkeypatch):
    """A clean file ingested whole and ingested in batches of ~50 rows spilled to Parquet: the store
    holds the same values; a duplicate across batches is still merged (warning) and one far apart
    with another value still rejects the file."""
    from publisher import ingest as ingest_pkg

    t0 = dt.datetime(2025, 3, 1, 1)
    rows = [f"{s},{t0 + dt.timedelta(hours=i):%Y-%m-%d %H:%M},{i % 9},{i % 13},0.{i % 7},{i % 50},{40 + i % 5},{i % 30}\n"
            for i in range(2000) for s in ("air-2594A", "air-2606A")]
    clean = HEAD + "".join(rows) + rows[3]  # row 3 again at the very end, same values
    whole_ws, batched_ws = make_ws(tmp_path / "whole"), make_ws(tmp_path / "batched")
    (whole_ws.inbox / "a.csv").write_text(clean)
    (batched_ws.inbox / "a.csv").write_text(clean)
    [one] = ingest(None, whole_ws, reg())
    monkeypatch.setattr(readers, "BATCH_CELLS", 400)   # 50 rows of 8 columns per batch
    monkeypatch.setattr(readers, "rows_per_batch", lambda width, batch_rows=None: 50)
    monkeypatch.setattr(ingest_pkg, "SPILL_BYTES", 0)  # every batch goes to disk
    [many] = ingest(None, batched_ws, reg())
    assert one.status == many.status == "accepted" and one.rows == many.rows == 4000
    assert [s["code"] for s in one.summary] == [s["code"] for s in many.summary] == ["duplicate_same"]
    a = Store(whole_ws).air_hourly("2025-03-01", "2025-06-30", sort=True).drop("ingest_id")
    b = Store(batched_ws).air_hourly("2025-03-01", "2025-06-30", sort=True).drop("ingest_id")
    assert a.equals(b)
    assert list((batched_ws.archive / ".incoming").iterdir()) == [batched_ws.archive / ".incoming" / "lock"]
    before = tree_hash(batched_ws.store)
    changed = rows[600].split(",")
    changed[2] = "99"
    (batched_ws.inbox / "b.csv").write_text(HEAD + "".join(rows[600:900]) + ",".join(changed))
    [conflict] = ingest(None, batched_ws, reg())
    assert conflict.status == "rejected"
    assert [(e["code"], e["row"], e["other"]) for e in conflict.errors] == [("duplicate_conflict", 302, 2)]
    assert tree_hash(batched_ws.store) == before


# ============================================================================================ 4. repeated findings
def test_ten_thousand_columns_are_one_summarised_finding(tmp_path):
    ws = make_ws(tmp_path)
    header = "station_id,time,so2," + ",".join(f"extra{i}" for i in range(10_000)) + "\n"
    row = "air-2594A,2026-05-01 01:00,5," + ",".join("1" for _ in range(10_000)) + "\n"
    (ws.inbox / "wide.csv").write_text(header + row)
    result = CliRunner().invoke(cli, ["ingest", "-q"], env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 0, result.output
    assert "提示 10000 处" in result.output and "同类共 10000 处 [ignored_column]" in result.output
    with sqlite3.connect(ws.store / "ledger.sqlite") as conn:
        stored = conn.execute("SELECT warnings FROM ingests").fetchone()[0]
    [entry] = json.loads(stored)
    assert entry["code"] == "ignored_column" and entry["count"] == 10_000 and len(entry["examples"]) == 3
    assert len(stored) < 10_000  # it was 10,000 findings in one row


def test_ten_thousand_unknown_water_items_make_a_bounded_report(tmp_path):
    ws = make_ws(tmp_path)
    header = "点位名称,采样时间," + ",".join(f"项目{i}(mg/L)" for i in range(10_000)) + "\n"
    (ws.inbox / "w.csv").write_text(header + "北庙水库,2026-05-08," + ",".join("1" for _ in range(10_000)) + "\n",
                                    encoding="utf-8")
    [result] = ingest(None, ws, reg())
    assert result.status == "rejected"
    assert [(s["code"], s["count"]) for s in result.summary] == [("unknown_item", 10_000)]
    assert len(result.errors) == Findings("x").per_code
    report = (ws.home / result.report).read_text(encoding="utf-8")
    assert "[unknown_item] 共 10000 处" in report and report.count("\n") < 200
    assert not Store(ws).exists()


# ============================================================================================ 5. invisible characters
def test_shown_escapes_invisible_and_bidi_characters():
    assert shown("数据_\u202evsc.exe") == "数据_\\u202evsc.exe"
    assert shown("甲\u200b") == "甲\\u200b" and shown("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert shown("\udcff.csv") == "\\udcff.csv" and shown("x\U000e0041") == "x\\U000e0041"
    assert shown("北庙水库　（湖库）.csv") == "北庙水库　（湖库）.csv"  # Chinese and the ideographic space stay
    assert shown("\u3164") == "\\u3164" and shown("a\ufe0fb") == "a\\ufe0fb"
    assert not needs_escaping("PM2.5(μg/m³)") and needs_escaping("\u2066x\u2069")


def test_names_with_bidi_controls_are_printed_escaped_and_stored_as_they_are(tmp_path):
    ws = make_ws(tmp_path)
    tricky = "数据_\u202evsc.csv"
    (ws.inbox / tricky).write_text(GOOD)
    (ws.inbox / "b.csv").write_text(HEAD.replace("so2", "so2\u200b") + "市环境监\u202e测站,2026-05-01 02:00,5,10,0.5,60,40,20\n")
    result = CliRunner().invoke(cli, ["ingest"], env={"PUBLISHER_HOME": str(ws.home)})
    for text in (result.output, result.stderr):
        assert "\u202e" not in text and "\u200b" not in text
    assert "✔ 数据_\\u202evsc.csv：已入库" in result.output
    assert "'市环境监\\u202e测站'" in result.output  # the unknown station's name, escaped
    assert Store(ws).files()["name"].to_list() == [tricky]  # stored as it came
    [report] = ws.quarantine.glob("*.错误报告.txt")
    text = report.read_text(encoding="utf-8")
    assert "\u202e" not in text and "\u200b" not in text and "so2\\u200b" in text
    assert "\u202e" not in "".join(os.listdir(ws.quarantine)) + "".join(p.name for p in ws.archive.rglob("*"))


def test_undecodable_file_name_is_refused_and_shown_escaped(tmp_path):
    ws = make_ws(tmp_path)
    with open(os.path.join(os.fsencode(ws.inbox), b"\xff\xfe-data.csv"), "w") as handle:
        handle.write(GOOD)
    result = CliRunner().invoke(cli, ["ingest", "--json", "-q"], env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)["files"]
    assert entry["name"] == "\udcff\udcfe-data.csv" and entry["errors"][0]["code"] == "bad_file_name"
    assert "\\udcff" in entry["errors"][0]["message"]
    assert list(ws.inbox.iterdir()) == []


def test_status_prints_station_names_escaped(tmp_path):
    """A workspace registry whose station name carries a right-to-left override and a zero-width space:
    `publisher status` prints them escaped."""
    from publisher.paths import DEFAULT_STATIONS

    ws = make_ws(tmp_path)
    text = DEFAULT_STATIONS.read_text(encoding="utf-8").replace("name: 市环境监测站,", "name: 市环境\u202e监测站\u200b,", 1)
    assert "\u202e" in text
    (ws.home / "stations.yaml").write_text(text, encoding="utf-8")
    assert registry_mod.load(ws.stations).resolve("air-2594A").name == "市环境\u202e监测站\u200b"
    result = CliRunner().invoke(cli, ["status", "--period", "2026-05", "--no-aqi-check"],
                                env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.output and "\u200b" not in result.output
    assert "市环境\\u202e监测站\\u200b" in result.output


# ============================================================================================ 6. leftovers of a killed run
def test_leftovers_of_a_killed_ingest_are_removed_at_the_next_start(tmp_path):
    import hashlib

    ws, store_hash, archive_hash = _seeded(tmp_path)
    incoming = ws.archive / ".incoming"
    month = ws.store / "air" / "year=2026" / "month=04"
    leftovers = [month / ".ingest-7.parquet.tmp", month / "ingest-7.parquet",
                 incoming / "5d2c0f0e.csv", incoming / "spill-5d2c0f0e" / "batch-00001.parquet",
                 ws.quarantine / ".0123456789ab-x.csv.tmp"]
    orphan_sha = hashlib.sha256(b"never committed").hexdigest()
    orphan = ws.archive / orphan_sha[:2] / orphan_sha / "x.csv"
    leftovers.append(orphan)
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    (incoming / f"intent-{orphan_sha}.json").write_text(json.dumps(
        {"sha256": orphan_sha, "archive": orphan.relative_to(ws.home).as_posix()}))
    committed = Store(ws).files().row(0, named=True)
    (incoming / f"intent-{committed['sha256']}.json").write_text(json.dumps(
        {"sha256": committed["sha256"], "archive": committed["archive_path"]}))  # committed: kept
    (ws.inbox / "b.csv").write_text(OTHER)
    result = CliRunner().invoke(cli, ["ingest"], env={"PUBLISHER_HOME": str(ws.home)})
    assert result.exit_code == 0, result.output
    assert "已清理上次中断的入库留下的" in result.stderr
    assert not any(p.exists() for p in leftovers)
    assert sorted(p.name for p in incoming.iterdir()) == ["lock"]
    assert (ws.home / committed["archive_path"]).exists()
    assert Store(ws).ingests().height == 2


def test_sigkill_mid_ingest_then_the_next_run_cleans_and_ingests(tmp_path):
    ws, store_hash, archive_hash = _seeded(tmp_path)
    big = ws.inbox / "big.csv"
    t0 = dt.datetime(2020, 1, 1, 1)
    big.write_text(HEAD + "".join(f"air-2594A,{t0 + dt.timedelta(hours=i):%Y-%m-%d %H:%M},5,10,0.5,60,40,20\n"
                                  for i in range(40_000)))
    env = {**os.environ, "PUBLISHER_HOME": str(ws.home)}
    proc = subprocess.Popen([str(PUBLISHER), "ingest"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    assert proc.stderr.readline().decode().startswith("[1/1] big.csv")  # it is working on the file now
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    store = Store(ws)
    if store.ingests().height == 1:  # killed before its commit: what readers see is unchanged
        assert store.air_hourly("2020-01-01", "2026-12-31").height == 1
    [result] = ingest(None, ws, reg())
    assert result.status in ("accepted", "duplicate")
    assert sorted(p.name for p in (ws.archive / ".incoming").iterdir()) == ["lock"]
    assert Store(ws).air_hourly("2020-01-01", "2026-12-31").height == 40_001
    assert list(ws.store.rglob("*.tmp")) == []


def test_memory_bench_script_measures_an_accepted_file(tmp_path):
    """`python -m publisher.bench.memory` (used for the 200 MB figure in docs/performance.md) on a small
    size: the file it writes is accepted whole and the child's peak is measured."""
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, "-m", "publisher.bench.memory", "--mb", "3", "--json", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    [figure] = json.loads(out.read_text(encoding="utf-8"))
    assert figure["status"] == "accepted" and figure["exit"] == 0
    assert figure["rows"] == figure["rows_in_file"] > 20_000
    assert 0 < figure["peak_rss_mib"] < 2048
