"""Writing a file as station staff send it: CSV (UTF-8 or GBK) and XLSX with title and note rows."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from publisher.demo.sample.common import _gbk_safe, LABEL
from publisher.demo.sample.water import Cell


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> int:
    buf = io.StringIO()
    for line in [header, *rows]:
        buf.write(",".join(_csv_field(x) for x in line) + "\r\n")
    text = buf.getvalue()
    if encoding == "gbk":
        text = _gbk_safe(text)
    path.write_bytes(text.encode(encoding))
    return len(rows)


def _csv_field(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ',"\n') else text


def _write_xlsx(path: Path, title: str, note: str, header: list[str], rows: list[list[Cell | str | dt.datetime]],
                groups: list[tuple[str, int, int]] | None = None) -> int:
    """An XLSX as staff send it: merged title row, merged note row, optional merged group row, header."""
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"title": title, "author": "publisher sample", "comments": LABEL,
                             "created": dt.datetime(2026, 1, 1)})
    sheet = workbook.add_worksheet("数据")
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "font_size": 14})
    centre = workbook.add_format({"align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    plain = workbook.add_format({"align": "left"})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    last = len(header) - 1
    sheet.merge_range(0, 0, 0, last, title, bold)
    sheet.merge_range(1, 0, 1, last, note, plain)
    row = 2
    if groups:
        for label, first, end in groups:
            if end > first:
                sheet.merge_range(row, first, row, end, label, centre)
            else:
                sheet.write(row, first, label, centre)
        row += 1
    sheet.write_row(row, 0, header, centre)
    for values in rows:
        row += 1
        for col, value in enumerate(values):
            if isinstance(value, Cell):
                if value.number is None:
                    sheet.write_string(row, col, value.text)
                else:
                    sheet.write_number(row, col, value.number)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(row, col, value, when)
            else:
                sheet.write_string(row, col, str(value))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 18)
    workbook.close()
    return len(rows)


@dataclass
class Written:
    path: Path
    rows: int
    what: str


def _month_title(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:])}月"
