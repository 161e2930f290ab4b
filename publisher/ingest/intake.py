"""The water suppliers' intake file: the actual 取水量 of each drinking-water source over a month or a quarter.

Layout (CSV or Excel, title rows above the header allowed, Chinese headers as staff write them)::

    水源名称,月份,取水量(万吨)            or        水源名称,季度,取水量(万吨)
    北庙水库,2026-10,152.3                          大海坝水库,2026年第三季度,138.6

- source: any station column of the alias table (``水源名称``, ``水源地``, ``点位名称``, ``station_id`` …), resolved
  through the registry; only city and county drinking-water sources may report an intake;
- period: ``月份`` (``2026-10``, ``2026/10``, ``2026年10月``, ``202610``, an Excel date) or ``季度`` (``2026-Q3``,
  ``2026Q3``, ``2026年第三季度``, ``2026年3季度``), one of the two per file;
- volume: ``取水量`` (also ``实际取水量``, ``月取水量``, ``季度取水量``, ``取水总量``) with its unit in the header:
  ``万吨`` (stored as is), ``万立方米``/``万m³`` (1 m³ of water = 1 t), ``吨``/``立方米`` (÷ 10 000).

Every problem is a finding with the file, sheet, row, column and reason (codes of ``findings.CODES``): the file
is then rejected whole and quarantined like any other.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import polars as pl

from publisher.ingest import aliases, values
from publisher.ingest import tables
from publisher.ingest.findings import Findings
from publisher.ingest.readers import WholeSheet as Sheet
from publisher import vocabulary

INTAKE_SCHEMA = {"station_id": pl.String, "period_start": pl.Datetime("us"), "unit": pl.String,
                 "volume": pl.Float64, "raw": pl.String, "source_row": pl.Int64, "source_sheet": pl.String}
#: the source kinds that take water (registry kinds)
SOURCE_KINDS = vocabulary.SOURCE_KINDS
#: header names of the period columns
PERIOD_NAMES = {"month": ("月份", "统计月份", "取水月份", "month"), "quarter": ("季度", "统计季度", "取水季度", "quarter")}
#: header names of the volume column (the unit in brackets)
VOLUME_NAMES = ("取水量", "实际取水量", "月取水量", "季度取水量", "取水总量", "intake", "intake_volume")
#: unit written in the header -> factor to 万吨
UNITS = {"万吨": 1.0, "万t": 1.0, "万立方米": 1.0, "万m3": 1.0, "万方": 1.0, "吨": 1e-4, "t": 1e-4, "立方米": 1e-4,
         "m3": 1e-4}
#: above this a value is accepted with a warning (万吨 per month; a quarter allows three times as much)
SOFT_MAX_MONTH = 50000.0

_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _role(cell: str | None) -> tuple[str, str | None] | None:
    """(role, unit) of a header cell: station | month | quarter | volume; None for anything else."""
    if cell is None:
        return None
    name, unit = aliases.split_unit(str(cell))
    key = aliases.norm(name)
    for role, names in PERIOD_NAMES.items():
        if key in {aliases.norm(n) for n in names}:
            return role, unit
    if key in {aliases.norm(n) for n in VOLUME_NAMES}:
        return "volume", unit
    if aliases.lookup(cell).role in ("station_id", "station_name"):
        return "station", None
    return None


def find_header(rows: pl.DataFrame) -> tuple[int, dict[str, list[tuple[str, str | None]]]] | None:
    """(index of the header row, role -> [(column, unit)]) when the sheet is an intake table: a header row with a
    station column, a 月份 or 季度 column and a 取水量 column among the first rows; else None."""
    return tables.find_header(rows, _role, lambda roles: {"station", "volume"} <= roles
                              and bool({"month", "quarter"} & roles))


def parse_period(text: str | None, unit: str) -> dt.datetime | None:
    """The first instant of the month or quarter written in `text`, or None when it cannot be read."""
    if text is None:
        return None
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    if not s:
        return None
    if unit == "month":
        m = (re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?(?:[-/.]\d{1,2}日?(?:\d{1,2}:\d{2}(?::\d{2})?)?)?", s)
             or re.fullmatch(r"(\d{4})(\d{2})", s))
        if not m or not 1 <= int(m.group(2)) <= 12:
            return None
        return dt.datetime(int(m.group(1)), int(m.group(2)), 1)
    m = (re.fullmatch(r"(\d{4})[-年]?(?:第)?([一二三四1-4])季度?", s)
         or re.fullmatch(r"(\d{4})[-年]?[Qq]([1-4])", s))
    if not m:
        return None
    quarter = _QUARTER_WORDS[m.group(2)]
    return dt.datetime(int(m.group(1)), 3 * quarter - 2, 1)


def parse_sheet(sheet: Sheet, header: tuple[int, dict[str, list[tuple[str, str | None]]]], findings: Findings,
                registry=None, now: dt.datetime | None = None) -> pl.DataFrame | None:
    """The intake frame of one sheet (:data:`INTAKE_SCHEMA`), every problem recorded in `findings`."""
    index, roles = header
    h = tables.head(sheet, index)
    name, cols, head, label, header_row = h.name, h.cols, h.texts, h.label, h.row
    station_col = roles["station"][0][0]
    volume_col, volume_unit = roles["volume"][0]
    periods = [(role, col) for role in ("month", "quarter") for col, _ in roles.get(role, [])]
    if len(periods) > 1:
        findings.add("bad_layout_value", sheet=name, row=header_row, column=label[periods[1][1]],
                     detail="同一文件只能有一个期间列（“月份”或“季度”）")
        return None
    unit, period_col = periods[0]
    factor = UNITS.get(aliases.norm(volume_unit or ""))
    if factor is None:
        findings.add("bad_unit", sheet=name, row=header_row, column=label[volume_col], value=volume_unit or "",
                     detail="万吨（请在表头注明单位，如“取水量(万吨)”）")
        return None
    for column in cols:
        if column not in (station_col, volume_col, period_col) and head[cols.index(column)]:
            role = aliases.lookup(head[cols.index(column)]).role
            if role not in ("ignore", "empty"):
                findings.add("ignored_column", sheet=name, column=label[column], value=label[column])
    data = tables.data_rows(h, (station_col, period_col, volume_col), findings)
    out = []
    seen: dict[tuple[str, dt.datetime], tuple[int, float]] = {}
    now = now or values.beijing_now()
    for row in data.select("_row", station_col, period_col, volume_col).rows():
        number, station_raw, period_raw, volume_raw = row
        station_raw = (station_raw or "").strip()
        if not station_raw:
            findings.add("missing_station", sheet=name, row=number, column=label[station_col])
            continue
        station_id = station_raw
        if registry is not None:
            station = tables.station(registry, station_raw, SOURCE_KINDS, "只有饮用水水源报送取水量", findings, h,
                                     number, station_col)
            if station is None:
                continue
            station_id = station.id
        start = parse_period(period_raw, unit)
        if start is None:
            code = "missing_time" if not (period_raw or "").strip() else "bad_period"
            findings.add(code, sheet=name, row=number, column=label[period_col], value=period_raw)
            continue
        if start > now:
            findings.add("future_time", sheet=name, row=number, column=label[period_col], value=period_raw)
            continue
        text = (volume_raw or "").strip()
        if not text:
            findings.add("missing_value", sheet=name, row=number, column=label[volume_col])
            continue
        plain = unicodedata.normalize("NFKC", text).replace(",", "")
        if not re.fullmatch(values.NUMBER, plain):
            findings.add("non_numeric", sheet=name, row=number, column=label[volume_col], value=text)
            continue
        volume = float(plain) * factor
        if volume < 0:
            findings.add("negative_value", sheet=name, row=number, column=label[volume_col], value=text)
            continue
        soft = SOFT_MAX_MONTH * (3 if unit == "quarter" else 1)
        if volume > soft:
            findings.add("suspicious_value", sheet=name, row=number, column=label[volume_col], value=text,
                         detail=f"通常不超过 {soft:g} 万吨")
        key = (station_id, start)
        if key in seen:
            first, before = seen[key]
            code = "duplicate_same" if before == volume else "duplicate_conflict"
            findings.add(code, sheet=name, row=number, column=label[station_col], value=station_raw,
                         detail=f"（{label[period_col]} {period_raw}）", other=first)
            continue
        seen[key] = (number, volume)
        out.append({"station_id": station_id, "period_start": start, "unit": unit, "volume": volume, "raw": text,
                    "source_row": number, "source_sheet": name})
    return pl.DataFrame(out, schema=INTAKE_SCHEMA)
