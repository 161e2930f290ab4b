"""The air-quality forecast the bureau receives (空气质量预报): one row per area and forecast day.

Columns (Chinese or English headers, any order; docs/data-formats.md "Air-quality forecast"):

==============================================  ===========================================================
``预报日期`` / ``日期`` / ``date``                the day forecast (``2026-06-11``, ``2026年6月11日``)
``地区`` / ``城市`` / ``area``                    an area of the registry (``保山市``, ``腾冲市``)
``AQI范围`` / ``AQI`` / ``aqi_range``            ``40～60`` (also ``40~60``, ``40-60``, ``40至60``, one number);
                                                or two columns ``AQI下限``/``AQI上限`` (``aqi_low``/``aqi_high``)
``级别`` / ``空气质量级别`` / ``level``            ``一级～二级``, ``二级``, or the categories ``优～良``, ``良``
``首要污染物`` / ``primary_pollutant``            ``O₃``, ``臭氧``, ``PM2.5``, ``细颗粒物``…, several joined by
                                                ``、`` or ``,``; ``—`` or empty when the AQI stays ≤ 50
``发布日期`` / ``issued``                         the day the forecast was issued (a daily report of day D shows
                                                the latest forecast issued on or before D)
``备注`` / ``note`` (optional)                    free text; ``样例数据`` marks sample forecasts
==============================================  ===========================================================

Every row is checked: the date, the area (a registry area), the AQI range (integers 0–500, low ≤ high),
the level (it must be the HJ 633 level of the range's ends), the primary pollutant (a known pollutant;
none when the whole range is ≤ 50). A file with any error is rejected whole, as every other file.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl

from publisher import standards
from publisher.ingest import aliases
from publisher.ingest.findings import Findings
from publisher.ingest.readers import HEAD_ROWS, WholeSheet as Sheet

#: the forecast frame (what the store keeps; ``date`` is the forecast day at 00:00)
FORECAST_SCHEMA = {"area": pl.String, "date": pl.Datetime("us"), "issued": pl.Datetime("us"),
                   "aqi_low": pl.Int64, "aqi_high": pl.Int64, "level_low": pl.Int64, "level_high": pl.Int64,
                   "primary_pollutant": pl.String, "note": pl.String, "source_row": pl.Int64, "source_sheet": pl.String}
#: a forecast is a few rows per day; a sheet far longer than that is refused unread
MAX_ROWS = 20_000

_ROLES = {
    "date": ("预报日期", "日期", "预报时间", "date", "forecast_date", "day"),
    "area": ("地区", "城市", "区域", "地区名称", "城市名称", "area", "city"),
    "range": ("aqi范围", "aqi", "空气质量指数", "空气质量指数范围", "空气质量指数（aqi）", "空气质量指数(aqi)",
              "aqi预报", "aqi_range"),
    "low": ("aqi下限", "aqi最小值", "aqi_low"),
    "high": ("aqi上限", "aqi最大值", "aqi_high"),
    "level": ("级别", "空气质量级别", "空气质量指数级别", "等级", "level"),
    "primary": ("首要污染物", "primary_pollutant", "primary"),
    "issued": ("发布日期", "发布时间", "预报发布日期", "issued"),
    "note": ("备注", "note"),
}
_LEVELS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "五级": 5, "六级": 6,
           "优": 1, "良": 2, "轻度污染": 3, "中度污染": 4, "重度污染": 5, "严重污染": 6}
_POLLUTANTS = {
    "o3": "o3", "o₃": "o3", "臭氧": "o3", "o3-8h": "o3", "o₃-8h": "o3", "o3_8h": "o3", "臭氧8小时": "o3",
    "pm2.5": "pm2_5", "pm₂.₅": "pm2_5", "pm2_5": "pm2_5", "细颗粒物": "pm2_5",
    "pm10": "pm10", "pm₁₀": "pm10", "可吸入颗粒物": "pm10",
    "no2": "no2", "no₂": "no2", "二氧化氮": "no2", "so2": "so2", "so₂": "so2", "二氧化硫": "so2",
    "co": "co", "一氧化碳": "co",
}
_NONE = {"", "—", "-", "--", "——", "无", "/"}
_RANGE = re.compile(r"^(\d{1,3})\s*(?:[～~\-—至到]+\s*(\d{1,3}))?$")
_SPLIT = re.compile(r"\s*[～~\-—至到]+\s*")


def _key(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or "")).lower()


def _roles(header: list[str | None]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        for role, names in _ROLES.items():
            if _key(cell) in names and role not in found:
                found[role] = index
    return found


def header_of(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """The header row index and column roles of a forecast sheet, or None when the sheet is not one
    (a forecast header names a date, an area and an AQI range)."""
    cols = [c for c in sheet.rows.columns if c != "_row"]
    for index, row in enumerate(sheet.rows.head(HEAD_ROWS).select(cols).iter_rows()):
        roles = _roles(list(row))
        if {"date", "area"} <= set(roles) and ("range" in roles or {"low", "high"} <= set(roles)):
            # a sheet with a station column is monitoring data (the national feed has area and aqi too)
            if any(aliases.lookup(c).role in ("station_id", "station_name") for c in row if c is not None):
                return None
            return index, roles
    return None


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    s = str(text).strip().translate(str.maketrans("０１２３４５６７８９／", "0123456789/"))
    s = re.sub(r"[年月/.]", "-", s).replace("日", "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+00:00(?::00)?)?", s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _level_of(aqi: int, items: list[dict[str, Any]]) -> int:
    for item in items:
        if item["aqi_to"] is None or aqi <= item["aqi_to"]:
            return int(item["level"])
    return int(items[-1]["level"])


def parse_forecast(sheet: Sheet, findings: Findings, registry, header: tuple[int, dict[str, int]]) -> pl.DataFrame:
    """The forecast frame of one sheet (``FORECAST_SCHEMA``); every problem becomes a finding."""
    index, roles = header
    name = sheet.name
    cols = [c for c in sheet.rows.columns if c != "_row"]
    labels = [None if v is None else str(v).strip() for v in sheet.rows.select(cols).row(index)]
    missing = [zh for role, zh in (("issued", "发布日期"), ("level", "级别"), ("primary", "首要污染物"))
               if role not in roles]
    if missing:
        findings.add("forecast_missing_column", sheet=name, detail="、".join(missing))
        return pl.DataFrame(schema=FORECAST_SCHEMA)
    data = sheet.rows.slice(index + 1)
    if data.height > MAX_ROWS:
        findings.add("file_too_large", sheet=name, detail=f"预报表超过 {MAX_ROWS} 行")
        return pl.DataFrame(schema=FORECAST_SCHEMA)
    areas = {a.name for a in registry.areas} if registry is not None else None

    def cell(row: tuple, role: str) -> str | None:
        value = row[roles[role]] if role in roles else None
        return None if value is None else str(value).strip()

    def column(role: str) -> str:
        return labels[roles[role]] or role

    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, dt.date, dt.date], tuple[int, tuple]] = {}
    for values in data.select(cols + ["_row"]).iter_rows():
        row, line = values[:-1], values[-1]
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        date_text, area = cell(row, "date"), cell(row, "area")
        day = _day(date_text)
        if not date_text:
            findings.add("missing_time", sheet=name, row=line, column=column("date"))
        elif day is None:
            findings.add("bad_time", sheet=name, row=line, column=column("date"), value=date_text)
        if not area:
            findings.add("missing_area", sheet=name, row=line, column=column("area"))
        elif areas is not None and area not in areas:
            findings.add("unknown_area", sheet=name, row=line, column=column("area"), value=area)
        table = standards.in_force("hj633", day) if day else max(standards.versions("hj633"), key=lambda t: t.effective_from)
        items = table["levels"]["items"]
        low = high = None
        if "range" in roles:
            text = (cell(row, "range") or "").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            m = _RANGE.match(text.replace(" ", ""))
            if m:
                low, high = int(m.group(1)), int(m.group(2) or m.group(1))
            range_text, range_col = text, column("range")
        else:
            lo_text, hi_text = cell(row, "low") or "", cell(row, "high") or ""
            if lo_text.isdigit() and hi_text.isdigit():
                low, high = int(lo_text), int(hi_text)
            range_text, range_col = f"{lo_text}～{hi_text}", column("low")
        if low is None or high is None or not 0 <= low <= high <= 500:
            findings.add("bad_aqi_range", sheet=name, row=line, column=range_col, value=range_text)
            low = high = None
        level_text = (cell(row, "level") or "").replace(" ", "")
        parts = [p for p in _SPLIT.split(level_text) if p]
        stated = [_LEVELS.get(p) for p in parts]
        level_low = level_high = None
        if not parts or len(parts) > 2 or None in stated:
            findings.add("bad_level", sheet=name, row=line, column=column("level"), value=level_text)
        else:
            level_low, level_high = stated[0], stated[-1]
            if low is not None and (level_low, level_high) != (_level_of(low, items), _level_of(high, items)):
                expect = _level_of(low, items), _level_of(high, items)
                words = "～".join(dict.fromkeys(next(i["level_zh"] for i in items if int(i["level"]) == k) for k in expect))
                findings.add("forecast_level_mismatch", sheet=name, row=line, column=column("level"), value=level_text,
                             detail=f"AQI {low}～{high}对应{words}")
        primary_text = cell(row, "primary") or ""
        codes: list[str] = []
        if primary_text not in _NONE:
            for token in re.split(r"\s*[、,，/;；]\s*", primary_text):
                code = _POLLUTANTS.get(_key(token).replace("（", "(").replace("）", ")"))
                if code is None:
                    findings.add("unknown_pollutant", sheet=name, row=line, column=column("primary"), value=token)
                elif code not in codes:
                    codes.append(code)
        if codes and high is not None and high <= int(table["primary_pollutant"]["aqi_above"]):
            findings.add("forecast_primary_when_good", sheet=name, row=line, column=column("primary"),
                         value=primary_text, detail=str(table["primary_pollutant"]["aqi_above"]))
        issued_text = cell(row, "issued")
        issued = _day(issued_text) if issued_text else None
        if not issued_text:
            findings.add("missing_time", sheet=name, row=line, column=column("issued"))
        elif issued is None:
            findings.add("bad_time", sheet=name, row=line, column=column("issued"), value=issued_text)
        elif day is not None and day <= issued:
            findings.add("forecast_not_ahead", sheet=name, row=line, column=column("date"), value=date_text,
                         detail=issued.isoformat())
        if day is not None and area and issued is not None:
            key = (area, day, issued)
            record = (low, high, level_low, level_high, tuple(codes))
            if key in seen and seen[key][1] != record:
                findings.add("duplicate_conflict", sheet=name, row=line, column=column("date"), value=area,
                             detail=f"（{area}，{issued.isoformat()}发布的{day.isoformat()}预报）", other=seen[key][0])
                continue
            if key in seen:
                continue
            seen[key] = (line, record)
        out.append({"area": area, "date": dt.datetime.combine(day, dt.time()) if day else None,
                    "issued": dt.datetime.combine(issued, dt.time()) if issued else None,
                    "aqi_low": low, "aqi_high": high, "level_low": level_low, "level_high": level_high,
                    "primary_pollutant": ",".join(codes), "note": cell(row, "note") or None,
                    "source_row": line, "source_sheet": name})
    return pl.DataFrame(out, schema=FORECAST_SCHEMA)
