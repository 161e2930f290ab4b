"""What the readers of the small tables (intake, noise, supervisory) share: the header row's labels, the data
rows below it with blank rows dropped and formula cells reported, and the lookup of a row's station."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import polars as pl

from publisher.ingest import values
from publisher.ingest.findings import Findings
from publisher.ingest.readers import HEAD_ROWS, WholeSheet as Sheet


@dataclass(frozen=True)
class Head:
    """The header row of a sheet: its columns (``_row`` left out), their header texts, the labels findings
    name them by (the text, else 第n列) and the header's row number in the file."""

    sheet: Sheet
    index: int
    cols: list[str]
    texts: list[str | None]
    label: dict[str, str]
    row: int

    @property
    def name(self) -> str:
        return self.sheet.name

    def text(self, column: str) -> str | None:
        return self.texts[self.cols.index(column)]


#: a header's columns by role: role -> [(column, unit written in the header)]
Roles = dict[str, list[tuple[str, str | None]]]


def find_header(rows: pl.DataFrame, role_of: Callable[[Any], tuple[str, str | None] | None],
                complete: Callable[[set[str]], bool]) -> tuple[int, Roles] | None:
    """(index of the header row, its columns by role) for the first of the first rows whose cells' roles
    (`role_of(cell)`: (role, unit) or None) make `complete` true; None when no row does (the sheet is
    not such a table)."""
    cols = [c for c in rows.columns if c != "_row"]
    for index, row in enumerate(rows.head(HEAD_ROWS).select(cols).iter_rows()):
        found: Roles = {}
        for column, cell in zip(cols, row):
            role = role_of(cell)
            if role is not None:
                found.setdefault(role[0], []).append((column, role[1]))
        if complete(set(found)):
            return index, found
    return None


def head(sheet: Sheet, index: int) -> Head:
    """The header of `sheet`, found at row `index` of its rows."""
    rows = sheet.rows
    cols = [c for c in rows.columns if c != "_row"]
    texts = [None if v is None else str(v).strip() for v in rows.select(cols).row(index)]
    label = dict(zip(cols, [t or f"第{j + 1}列" for j, t in enumerate(texts)]))
    return Head(sheet, index, cols, texts, label, int(rows.get_column("_row")[index]))


def data_rows(h: Head, used: Iterable[str], findings: Findings) -> pl.DataFrame:
    """The rows below the header with the blank ones dropped; a cell of a `used` column that a spreadsheet
    would run as a formula (= + - @ not starting a number) is reported as ``formula_cell``."""
    data = h.sheet.rows.slice(h.index + 1)
    data = data.filter(~pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")
                                           for c in h.cols]))
    for column in used:
        cell = pl.col(column).str.strip_chars()
        for row in data.filter(cell.str.contains(r"^[=+\-@]") & ~cell.str.contains(rf"^{values.NUMBER}$")) \
                .select("_row", column).rows():
            findings.add("formula_cell", sheet=h.name, row=row[0], column=h.label[column], value=row[1])
    return data


def station(registry: Any, raw: str, kinds: Iterable[str], only_zh: str, findings: Findings, h: Head,
            row: int, column: str) -> Any | None:
    """The registry station a row names, or None with the finding recorded: ``unknown_station`` (with the
    nearest name as a hint) or ``wrong_station_kind`` (`only_zh` says which stations report this table)."""
    found = registry.resolve(raw)
    if found is None:
        hint = registry.suggest(raw)
        findings.add("unknown_station", sheet=h.name, row=row, column=h.label[column], value=raw,
                     detail=f"，是否应为“{hint}”？" if hint else "")
        return None
    if found.kind not in kinds:
        findings.add("wrong_station_kind", sheet=h.name, row=row, column=h.label[column], value=raw,
                     detail=f"{found.kind_zh}（{found.id}），{only_zh}")
        return None
    return found
