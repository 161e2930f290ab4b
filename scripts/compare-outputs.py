#!/usr/bin/env python3
"""Published figures before and after a change: make a snapshot, compare two snapshots.

    scripts/compare-outputs.py make DIR      # demo bulletins into DIR/output, CLI runs into DIR/cli
    scripts/compare-outputs.py compare OLD NEW

`make` runs `publisher demo` (workspace DIR/home, output DIR/output; skipped when DIR/output exists) and `publisher evaluate air|water`
on the sample feeds, a reference file of ../shared (when present), tests/data and the demo's
archived water files. `compare` checks,
for every bulletin folder, `bulletin.json` (every key; the standards tables' sha256 and the generator
are reported apart, since a YAML edit changes them without changing a figure), `data.csv` bytes,
`data.xlsx` cell values and `index.html` bytes, and every CLI output byte for byte. Exit 1 on a
difference in figures, CSV, XLSX or CLI outputs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference-data"
PUBLISHER = [str(Path(sys.executable).parent / "publisher")]


def _air_runs() -> list[tuple[str, list[str]]]:
    feed = ROOT / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
    runs = []
    for period in ("month", "quarter", "ytd", "year"):
        extra = ["--hourly", "{out}/hourly.csv", "--daily", "{out}/daily.csv",
                 "--area-daily", "{out}/area_daily.csv"] if period == "month" else []
        runs.append((f"air-seed-{period}", [str(feed), "--period", period,
                                            "--period-stats", "{out}/stats.csv", *extra]))
    runs.append(("air-seed-2012", [str(feed), "--standard", "2012", "--daily", "{out}/daily.csv",
                                   "--period-stats", "{out}/stats.csv"]))
    yunnan = ROOT / "sample" / "air_cnemc_yunnan_2026.csv.gz"
    if yunnan.exists():
        runs.append(("air-yunnan", [str(yunnan), "--daily", "{out}/daily.csv",
                                    "--period-stats", "{out}/stats.csv", "--period", "ytd"]))
    for name in ("air_cnemc_station_snapshot_20170707T16_HJ633-2012.csv",):
        if (SHARED / name).exists():
            runs.append((f"air-{name[:20]}", [str(SHARED / name), "--hourly", "{out}/hourly.csv"]))
    return runs


def _water_runs(home: Path) -> list[tuple[str, list[str]]]:
    inputs = [[str(f)] for f in sorted((ROOT / "tests" / "data").glob("water_cli_*.csv"))]
    demo = sorted((p for p in (home / "archive").rglob("*") if p.is_file()
                   and any(w in p.name for w in ("地表水", "湖库", "饮用水源"))), key=lambda p: p.name)
    if demo:
        inputs.append([str(p) for p in demo])
    runs = []
    for files in inputs:
        stem = Path(files[0]).stem if len(files) == 1 else "demo-archive"
        for period in ("sample", "month", "year"):
            runs.append((f"water-{stem}-{period}", [*files, "--out", "{out}/out.csv", "--period", period]))
        for assessment in ("national", "provincial", "source"):
            runs.append((f"water-{stem}-{assessment}", [*files, "--out", "{out}/out.csv", "--assessment", assessment]))
    return runs


def make(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PUBLISHER_OUTPUT=str(target / "output"))
    if not (target / "output").exists():
        subprocess.run([*PUBLISHER, "demo", "--home", str(target / "home")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    for medium, runs in (("air", _air_runs()), ("water", _water_runs(target / "home"))):
        for name, args in runs:
            out = target / "cli" / name
            out.mkdir(parents=True, exist_ok=True)
            args = [a.replace("{out}", str(out)) for a in args]
            done = subprocess.run([*PUBLISHER, "evaluate", medium, *args], capture_output=True, text=True)
            text = f"{done.returncode}\n{done.stdout}{done.stderr}".replace(str(target), "{target}")
            (out / "exit.txt").write_text(text, encoding="utf-8")


def _xlsx_cells(path: Path) -> list:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in book.worksheets]


def _split(doc: dict) -> tuple[dict, list]:
    doc = dict(doc)
    apart = []
    for key in ("generator", "content_sha256", "input_key", "built_at"):
        if key in doc:
            apart.append((key, doc.pop(key)))
    tables = []
    for t in doc.pop("standards", []) or []:
        t = dict(t)
        apart.append(("standards." + str(t.get("id")), t.pop("sha256", None)))
        tables.append(t)
    doc["standards"] = tables
    return doc, apart


def _diff(a, b, path="") -> list[str]:
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'new' if k not in a else 'old'}")
            else:
                out += _diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def compare(old: Path, new: Path) -> int:
    bad = 0
    notes = 0
    old_b = {p.parent.relative_to(old / "output"): p.parent for p in (old / "output").rglob("bulletin.json")}
    new_b = {p.parent.relative_to(new / "output"): p.parent for p in (new / "output").rglob("bulletin.json")}
    for rel in sorted(set(old_b) ^ set(new_b)):
        print(f"bulletin only in {'old' if rel in old_b else 'new'}: {rel}")
        bad += 1
    for rel in sorted(set(old_b) & set(new_b)):
        a, b = old_b[rel], new_b[rel]
        ja, apart_a = _split(json.loads((a / "bulletin.json").read_text(encoding="utf-8")))
        jb, apart_b = _split(json.loads((b / "bulletin.json").read_text(encoding="utf-8")))
        for line in _diff(ja, jb)[:20]:
            print(f"{rel} bulletin.json {line}")
            bad += 1
        if apart_a != apart_b:
            notes += 1
        for name in ("data.csv",):
            if (a / name).exists() != (b / name).exists() or (
                    (a / name).exists() and (a / name).read_bytes() != (b / name).read_bytes()):
                print(f"{rel} {name} differs")
                bad += 1
        if (a / "data.xlsx").exists() and _xlsx_cells(a / "data.xlsx") != _xlsx_cells(b / "data.xlsx"):
            print(f"{rel} data.xlsx cells differ")
            bad += 1
        if (a / "index.html").exists() and (a / "index.html").read_bytes() != (b / "index.html").read_bytes():
            print(f"{rel} index.html bytes differ (text or chart links)")
    old_c = {p.relative_to(old / "cli") for p in (old / "cli").rglob("*") if p.is_file()}
    new_c = {p.relative_to(new / "cli") for p in (new / "cli").rglob("*") if p.is_file()}
    for rel in sorted(old_c ^ new_c):
        print(f"cli file only in {'old' if rel in old_c else 'new'}: {rel}")
        bad += 1
    for rel in sorted(old_c & new_c):
        if (old / "cli" / rel).read_bytes() != (new / "cli" / rel).read_bytes():
            print(f"cli {rel} differs")
            bad += 1
    print(f"{len(old_b)} bulletins, {len(old_c)} CLI files compared: {bad} differences"
          + (f"; {notes} bulletins with other standards sha256/generator" if notes else ""))
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "make":
        make(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
