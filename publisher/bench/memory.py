"""``python -m publisher.bench.memory`` — the peak memory of ``publisher ingest`` on one large file.

Usage::

    python -m publisher.bench.memory [--mb 200] [--xlsx-rows 0] [--keep DIR] [--json out.json]

Writes a CSV of the national real-time feed's layout (the real feed of the six seed cities in
``sample/``, its hours shifted back year after year until the file has ``--mb`` MiB; every station
stays a registered one, so the file is accepted), then runs ``publisher ingest`` on it in a new
workspace as a child process and reports the child's peak resident memory (``ru_maxrss`` from
``os.wait4``: the ingest process and the workbook reader it waits for), its time and what it stored.
``--xlsx-rows N`` also writes and ingests an xlsx of N rows in the Chinese air layout. Nothing is
asserted: the figures are printed (and written as JSON with ``--json``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from publisher.paths import PROJECT_DIR

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"


def write_feed_csv(path: Path, mib: float) -> int:
    """A feed-layout CSV of about `mib` MiB; returns its data rows."""
    import polars as pl

    raw = pl.read_csv(gzip.decompress(FEED.read_bytes()), infer_schema=False)
    times = raw.get_column("timepoint").str.strptime(pl.Datetime, "%Y-%m-%dT%H%M")
    span = (times.max() - times.min()) + dt.timedelta(hours=1)
    raw = raw.with_columns(_t=times)
    target, size, rows, shift = int(mib * (1 << 20)), 0, 0, 0
    with open(path, "wb") as out:
        while size < target:
            part = raw.with_columns(timepoint=(pl.col("_t") - span * shift).dt.strftime("%Y-%m-%dT%H%M")).drop("_t")
            data = part.write_csv(include_header=shift == 0).encode()
            if size + len(data) > target:  # the last copy: whole lines up to the size asked
                lines = data.splitlines(keepends=True)
                keep = []
                for line in lines:
                    if size + len(line) > target:
                        break
                    keep.append(line)
                    size += len(line)
                out.write(b"".join(keep))
                rows += len(keep) - (1 if shift == 0 else 0)
                break
            out.write(data)
            size += len(data)
            rows += part.height
            shift += 1
    return rows


def write_air_xlsx(path: Path, rows: int) -> int:
    """Chinese air layout, stations by code, an hour per row per station (xlsxwriter, constant memory)."""
    import xlsxwriter

    codes = ["2594A", "2595A", "2606A", "4153A"]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("小时数据")
    sheet.write_row(0, 0, ["站点编码", "监测时间", "二氧化硫(μg/m³)", "二氧化氮(μg/m³)", "一氧化碳(mg/m³)",
                           "臭氧(μg/m³)", "PM10(μg/m³)", "PM2.5(μg/m³)"])
    t0 = dt.datetime(2010, 1, 1, 1)
    for r in range(1, rows + 1):
        sheet.write_string(r, 0, codes[r % 4])
        sheet.write_string(r, 1, (t0 + dt.timedelta(hours=(r - 1) // 4)).strftime("%Y-%m-%d %H:%M"))
        for c, value in enumerate((5 + r % 7, 10 + r % 11, 0.5, 60 + r % 13, 40 + r % 9, 20 + r % 5), start=2):
            sheet.write_number(r, c, value)
    book.close()
    return rows


#: Linux keeps a process's peak RSS across exec: the measured process is forked by this small launcher
#: so that its peak is its own, not the one of whatever started it.
_LAUNCHER = ("import os, subprocess, sys\n"
             "proc = subprocess.Popen(sys.argv[2:])\n"
             "_, status, usage = os.wait4(proc.pid, 0)\n"
             "open(sys.argv[1], 'w').write(f'{status} {usage.ru_maxrss}')\n")


def measure(path: Path, home: Path) -> dict[str, Any]:
    """`publisher ingest PATH` in workspace `home`, as a child process: its peak RSS, time and result."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PUBLISHER_HOME": str(home)}
    publisher = Path(sys.executable).parent / "publisher"
    started = time.perf_counter()
    with open(home / "ingest.json", "wb") as out:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(home / "peak.txt"), str(publisher), "ingest",
                        "--json", "-q", str(path)], stdout=out, env=env, check=True)
    seconds = time.perf_counter() - started
    status, kib = (int(v) for v in (home / "peak.txt").read_text().split())
    result = json.loads((home / "ingest.json").read_text(encoding="utf-8"))["files"][0]
    return {"file": path.name, "bytes": path.stat().st_size, "exit": os.waitstatus_to_exitcode(status),
            "status": result["status"], "rows": result["rows"], "seconds": round(seconds, 2),
            "peak_rss_mib": round(kib / 1024, 1),
            "codes": sorted({s["code"] for s in result["summary"]})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publisher.bench.memory", description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=200.0, help="size of the CSV in MiB (default 200)")
    parser.add_argument("--xlsx-rows", type=int, default=0, help="also an xlsx of this many rows")
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the files")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    figures = []
    try:
        csv_path = work / f"feed-{args.mb:g}MiB.csv"
        print(f"[memory] writing {csv_path.name} …", file=sys.stderr, flush=True)
        rows = write_feed_csv(csv_path, args.mb)
        figures.append({**measure(csv_path, work / "home-csv"), "rows_in_file": rows})
        if args.xlsx_rows:
            xlsx_path = work / f"air-{args.xlsx_rows}-rows.xlsx"
            print(f"[memory] writing {xlsx_path.name} …", file=sys.stderr, flush=True)
            write_air_xlsx(xlsx_path, args.xlsx_rows)
            figures.append({**measure(xlsx_path, work / "home-xlsx"), "rows_in_file": args.xlsx_rows})
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    for f in figures:
        print(f"{f['file']}: {f['bytes'] / (1 << 20):.1f} MiB, {f['rows_in_file']:,} rows → {f['status']} "
              f"({f['rows']:,} rows stored) in {f['seconds']:.1f} s; peak RSS {f['peak_rss_mib']:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
