"""Noise monitoring results: the equivalent levels Ld (昼间) and Ln (夜间) of functional-zone, road-traffic and
regional grid points, as the monitoring station reports them once a quarter or once a survey.

Layout (CSV or Excel, title rows above the header allowed)::

    点位名称,监测日期,昼间等效声级(dB(A)),夜间等效声级(dB(A))[,季度][,夜间最大声级(dB(A))]
    功能区九龙路口,2025-02-18,66.3,56.1,2025年第一季度

- point: any station column of the alias table (``点位名称``, ``监测点位``, ``station_id`` …), resolved through the
  registry; only the noise kinds (``noise_zone_point``, ``noise_road_point``, ``noise_grid_point``) may report;
- date: ``监测日期`` (any date form the other files accept; the survey or measurement day);
- levels: ``昼间等效声级``/``Ld``/``昼间`` and ``夜间等效声级``/``Ln``/``夜间`` in dB(A) (the unit in brackets is
  optional; another unit is refused); a blank level = that period was not measured;
- period (optional): ``季度`` (``2025-Q1``, ``2025年第一季度``) or ``年度``; without it a functional-zone point's
  period is the quarter of its date and a road or grid point's the year of its date (a quarter given must hold the
  date);
- ``夜间最大声级`` (optional): the night's maximum level, for GB 3096's 15 dB rule.

Levels outside 20–140 dB(A) are refused (``impossible_value``); below 30 or above 100 are accepted with a warning
(``suspicious_value``). Every problem is a finding with the file, sheet, row, column and reason; a file with an error
is rejected whole and quarantined like any other.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import polars as pl

from publisher import vocabulary
from publisher.ingest import aliases, values
from publisher.ingest import tables
from publisher.ingest.findings import Findings
from publisher.ingest.readers import WholeSheet as Sheet

NOISE_SCHEMA = {"station_id": pl.String, "date": pl.Datetime("us"), "period": pl.String, "ld": pl.Float64,
                "ln": pl.Float64, "lmax_night": pl.Float64, "raw": pl.String, "source_row": pl.Int64,
                "source_sheet": pl.String}
#: the registry kinds that report noise results
POINT_KINDS = vocabulary.NOISE_KINDS
#: header names of each column (compared after aliases.norm)
NAMES = {
    "ld": ("昼间等效声级", "昼间等效声级Ld", "昼间", "昼间Ld", "Ld", "昼间声级", "昼间Leq", "day_leq", "ld"),
    "ln": ("夜间等效声级", "夜间等效声级Ln", "夜间", "夜间Ln", "Ln", "夜间声级", "夜间Leq", "night_leq", "ln"),
    "lmax": ("夜间最大声级", "夜间最大声级Lmax", "夜间Lmax", "Lmax", "lmax_night"),
    "date": ("监测日期", "测量日期", "监测时间", "测量时间", "日期", "date"),
    "period": ("季度", "监测季度", "年度", "监测年度", "period"),
}
UNITS = ("dba", "db", "分贝")
HARD = (20.0, 140.0)
SOFT = (30.0, 100.0)

_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


_DB_UNIT = re.compile(r"^(?P<name>.*?)[（(]\s*(?P<unit>[dD][bB]\s*(?:[（(]\s*[aA]\s*[）)]|[aA])?)\s*[）)]$")


def _split(cell: str) -> tuple[str, str | None]:
    """A header's name and unit; ``dB(A)`` holds brackets of its own, which the general splitter does not take."""
    text = unicodedata.normalize("NFKC", cell).strip()
    m = _DB_UNIT.match(text)
    if m:
        return m.group("name"), re.sub(r"[\s（）()]", "", m.group("unit"))
    return aliases.split_unit(text)


def _role(cell: str | None) -> tuple[str, str | None] | None:
    if cell is None:
        return None
    name, unit = _split(str(cell))
    key = aliases.norm(name)
    for role, names in NAMES.items():
        if key in {aliases.norm(n) for n in names}:
            return role, unit
    if aliases.lookup(cell).role in ("station_id", "station_name"):
        return "station", None
    return None


def find_header(rows: pl.DataFrame) -> tuple[int, dict[str, list[tuple[str, str | None]]]] | None:
    """(index of the header row, role -> [(column, unit)]) when the sheet is a noise table: a header row with a
    point column, a date column and both level columns among the first rows; else None."""
    return tables.find_header(rows, _role, lambda roles: {"station", "date", "ld", "ln"} <= roles)


def period_of(kind: str, day: dt.date) -> str:
    """The monitoring period a result belongs to: the quarter for functional-zone points, else the year."""
    if kind == "noise_zone_point":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def parse_period(text: str | None) -> str | None:
    """``2025-Q1`` / ``2025`` from the ways a quarter or a year is written; None when it cannot be read."""
    if text is None:
        return None
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    m = (re.fullmatch(r"(\d{4})[-年]?(?:第)?([一二三四1-4])季度?", s) or re.fullmatch(r"(\d{4})[-年]?[Qq]([1-4])", s))
    if m:
        return f"{m.group(1)}-Q{_QUARTER_WORDS[m.group(2)]}"
    m = re.fullmatch(r"(\d{4})年?度?", s)
    return m.group(1) if m else None


def _date(text: str | None) -> dt.datetime | None:
    if text is None or not str(text).strip():
        return None
    parsed = pl.select(values.parse_times(pl.lit(str(text)))).item()
    return None if parsed is None else dt.datetime.combine(parsed.date(), dt.time())


def _level(text: str | None) -> tuple[str, float | None]:
    """('blank' | 'ok' | 'bad', value)"""
    s = unicodedata.normalize("NFKC", (text or "").strip())
    if not s or s in ("/", "-", "—", "--"):
        return "blank", None
    if re.fullmatch(values.NUMBER, s):
        return "ok", float(s)
    return "bad", None


def parse_sheet(sheet: Sheet, header: tuple[int, dict[str, list[tuple[str, str | None]]]], findings: Findings,
                registry=None, now: dt.datetime | None = None) -> pl.DataFrame | None:
    """The noise frame of one sheet (:data:`NOISE_SCHEMA`), every problem recorded in `findings`."""
    index, roles = header
    h = tables.head(sheet, index)
    name, cols, head, label, header_row = h.name, h.cols, h.texts, h.label, h.row
    for role in ("ld", "ln", "lmax"):
        for column, unit in roles.get(role, []):
            if unit is not None and re.sub(r"[\s（）()]", "", unit).lower() not in UNITS:
                findings.add("bad_unit", sheet=name, row=header_row, column=label[column], value=unit, detail="dB(A)")
                return None
    for role, found in roles.items():
        if len(found) > 1:
            findings.add("bad_layout_value", sheet=name, row=header_row, column=label[found[1][0]],
                         detail=f"“{label[found[0][0]]}”与“{label[found[1][0]]}”是同一列的两种写法，只能有一列")
            return None
    station_col, date_col = roles["station"][0][0], roles["date"][0][0]
    ld_col, ln_col = roles["ld"][0][0], roles["ln"][0][0]
    period_col = roles["period"][0][0] if "period" in roles else None
    lmax_col = roles["lmax"][0][0] if "lmax" in roles else None
    used = {c for c in (station_col, date_col, ld_col, ln_col, period_col, lmax_col) if c}
    for column in cols:
        if column not in used and head[cols.index(column)]:
            role = aliases.lookup(head[cols.index(column)]).role
            if role not in ("ignore", "empty"):
                findings.add("ignored_column", sheet=name, column=label[column], value=label[column])
    data = tables.data_rows(h, sorted(used), findings)
    out = []
    seen: dict[tuple[str, dt.datetime], tuple[int, tuple]] = {}
    now = now or values.beijing_now()
    picked = ["_row", station_col, date_col, ld_col, ln_col] + ([period_col] if period_col else []) \
        + ([lmax_col] if lmax_col else [])
    for row in data.select(picked).rows():
        cells = dict(zip(picked, row))
        number = cells["_row"]
        station_raw = (cells[station_col] or "").strip()
        if not station_raw:
            findings.add("missing_station", sheet=name, row=number, column=label[station_col])
            continue
        station_id, kind = station_raw, None
        if registry is not None:
            station = tables.station(registry, station_raw, POINT_KINDS, "只有噪声监测点位报送等效声级", findings, h,
                                     number, station_col)
            if station is None:
                continue
            station_id, kind = station.id, station.kind
        day = _date(cells[date_col])
        if day is None:
            code = "missing_time" if not (cells[date_col] or "").strip() else "bad_time"
            findings.add(code, sheet=name, row=number, column=label[date_col], value=cells[date_col])
            continue
        if day > now:
            findings.add("future_time", sheet=name, row=number, column=label[date_col], value=cells[date_col])
            continue
        period = period_of(kind or "noise_zone_point", day.date()) if kind else None
        if period_col and (cells[period_col] or "").strip():
            given = parse_period(cells[period_col])
            if given is None:
                findings.add("bad_period", sheet=name, row=number, column=label[period_col], value=cells[period_col])
                continue
            if not given.startswith(str(day.year)) or ("-Q" in given and given != period_of("noise_zone_point",
                                                                                            day.date())):
                findings.add("bad_layout_value", sheet=name, row=number, column=label[period_col],
                             detail=f"期间“{cells[period_col]}”不含监测日期 {day.date().isoformat()}")
                continue
            period = given
        if period is None:
            period = period_of("noise_zone_point", day.date())
        levels: dict[str, float | None] = {}
        broken = False
        for key, column in (("ld", ld_col), ("ln", ln_col), ("lmax_night", lmax_col)):
            if column is None:
                levels[key] = None
                continue
            state, value = _level(cells[column])
            if state == "bad":
                findings.add("non_numeric", sheet=name, row=number, column=label[column], value=cells[column])
                broken = True
                continue
            if value is not None and not HARD[0] <= value <= HARD[1]:
                findings.add("impossible_value", sheet=name, row=number, column=label[column], value=cells[column],
                             detail=f"等效声级应在 {HARD[0]:g}～{HARD[1]:g} dB(A) 之间")
                broken = True
                continue
            if value is not None and not SOFT[0] <= value <= SOFT[1]:
                findings.add("suspicious_value", sheet=name, row=number, column=label[column], value=cells[column],
                             detail=f"城市噪声通常在 {SOFT[0]:g}～{SOFT[1]:g} dB(A) 之间")
            levels[key] = value
        if broken:
            continue
        if levels["ld"] is None and levels["ln"] is None:
            findings.add("missing_value", sheet=name, row=number, column=label[ld_col],
                         detail="昼间、夜间等效声级都为空")
            continue
        raw = f"{(cells[ld_col] or '').strip()}/{(cells[ln_col] or '').strip()}"
        key = (station_id, day)
        signature = (levels["ld"], levels["ln"], levels["lmax_night"], period)
        if key in seen:
            first, before = seen[key]
            code = "duplicate_same" if before == signature else "duplicate_conflict"
            findings.add(code, sheet=name, row=number, column=label[station_col], value=station_raw,
                         detail=f"（{label[date_col]} {cells[date_col]}）", other=first)
            continue
        seen[key] = (number, signature)
        out.append({"station_id": station_id, "date": day, "period": period, "ld": levels["ld"], "ln": levels["ln"],
                    "lmax_night": levels["lmax_night"], "raw": raw, "source_row": number, "source_sheet": name})
    return pl.DataFrame(out, schema=NOISE_SCHEMA)
