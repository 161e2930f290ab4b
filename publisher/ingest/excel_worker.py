"""Excel workbooks are opened in a separate process whose memory is capped.

The Excel reader (calamine, through fastexcel) builds each sheet as one dense rectangle of cells: a
sheet of two cells, at A1 and at XFD1048576, makes it ask for hundreds of gigabytes, and when an
allocation fails it aborts the whole process. So the workbook is read by a worker process limited to
``MEMORY_LIMIT`` of data (``RLIMIT_DATA``); each sheet goes to an Arrow IPC file that the ingest maps
back one sheet at a time. A worker that runs out of memory dies alone: the file is refused with
``file_too_large``, and the ingest and every other file of the run go on.

Run as ``python -m publisher.ingest.excel_worker WORKBOOK OUT_DIR``: writes ``OUT_DIR/sheet-NNNN.arrow``
(columns ``c0..cN`` as text and ``_row``) and ``OUT_DIR/answer.json``.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

MEMORY_LIMIT = 3 << 29  # 1.5 GiB of data for the worker (a 10-million-cell sheet takes about 1 GiB)


class WorkerDied(Exception):
    """The worker ended without an answer (out of memory, killed)."""


def load(source: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the workbook at `source` in a worker; its sheets land in `out_dir`. Returns
    ``{"sheets": [{name, path, columns, rows}]}``, ``{"error": text, "sheet": name}`` or
    ``{"memory": True}``; raises WorkerDied when the worker ended without answering."""
    out = Path(out_dir)
    answer = out / "answer.json"
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    done = subprocess.run([sys.executable, "-m", "publisher.ingest.excel_worker", str(source), str(out)],
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    if done.returncode != 0 or not answer.exists():
        if b"MemoryError" in done.stderr or b"memory allocation" in done.stderr or done.returncode < 0:
            return {"memory": True}
        raise WorkerDied(done.stderr.decode("utf-8", "replace")[-500:])
    return json.loads(answer.read_text(encoding="utf-8"))


def _work(source: str, out_dir: str) -> dict[str, Any]:
    import fastexcel
    import polars as pl

    name = None
    try:
        reader = fastexcel.read_excel(source)
        sheets = []
        for index, name in enumerate(reader.sheet_names):
            loaded = reader.load_sheet(name, header_row=None, dtypes="string")
            frame = loaded.to_polars()
            del loaded
            frame = frame.rename({c: f"c{j}" for j, c in enumerate(frame.columns)})
            frame = frame.with_columns(pl.all().cast(pl.String))
            frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
            path = os.path.join(out_dir, f"sheet-{index:04d}.arrow")
            frame.write_ipc(path)
            sheets.append({"name": name, "path": path, "columns": frame.width - 1, "rows": frame.height})
            del frame
        return {"sheets": sheets}
    except MemoryError:
        return {"memory": True}
    except BaseException as exc:  # noqa: BLE001 - calamine raises its own types, a panic too
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return {"error": text, "sheet": name}


def main(argv: list[str]) -> int:
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_LIMIT, MEMORY_LIMIT))
    source, out_dir = argv
    answer = _work(source, out_dir)
    tmp = Path(out_dir) / "answer.json.tmp"
    tmp.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, Path(out_dir) / "answer.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
