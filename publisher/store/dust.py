"""The workspace's sand-dust flags (``<home>/dust.csv``): the days an upstream authority judged affected by
sand and dust, which period statistics may leave out (``docs/air-method.md``)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from publisher.errors import InputError


#: The sand-dust flags of a workspace: ``<home>/dust.csv`` with ``area,date`` rows, the layout of
#: ``publisher evaluate air --dust`` (环办监测〔2016〕120号: the days are flagged upstream, never detected here).
DUST_FILE = "dust.csv"


def read_dust(path: str | Path) -> pl.DataFrame:
    """``area, date`` of sand-dust days from a CSV (UTF-8, with or without BOM); InputError naming the
    row and column of a bad cell. The same reader serves ``--dust`` and the bulletins."""
    try:
        frame = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path}: cannot read the dust file: {exc}") from exc
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    missing = [c for c in ("area", "date") if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: the dust file needs columns area, date; missing {', '.join(missing)}")
    frame = frame.select(pl.col("area").str.strip_chars(), pl.col("date").str.strip_chars())
    parsed = frame.with_columns(pl.col("date").str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias("_d"))
    bad = parsed.with_row_index("row", offset=2).filter(pl.col("_d").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise InputError(f"{path}: row {row['row']}, column date: not a date YYYY-MM-DD: {row['date']!r}")
    return parsed.select("area", pl.col("_d").alias("date")).unique(maintain_order=True)


def workspace_dust(home: str | Path, first: dt.date, last: dt.date) -> pl.DataFrame | None:
    """The workspace's sand-dust flags between `first` and `last`, or None when it keeps none."""
    path = Path(home) / DUST_FILE
    if not path.exists():
        return None
    frame = read_dust(path).filter(pl.col("date").is_between(first, last))
    return frame if frame.height else None
