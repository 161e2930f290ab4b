"""空气质量日报: one page per day for the region and its counties (HJ 633-2026 表4 and 5.1).

The day reported is the period (a natural day, Beijing time: the hours ending D 01:00 … D+1 00:00);
the report is published the following day at the hour set in ``air.yaml`` (HJ 633-2026 5.2.1: before
12:00). Per area: the six (2012 days: seven) indicators with their IAQI, the AQI, 首要污染物, level,
category and colour, the health effect and the advice of its level (HJ 633 表1 of the day's version),
and the forecast the bureau received for the following days (the latest one issued on or before the
day; ``暂无预报`` without one). Figures are rows of :func:`publisher.evaluate.air.area_daily`.
Notes for the reviewers (hours missing per station, texts not yet checked against the standard, where
the forecast came from) go to ``Bulletin.review``, never onto the page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins import catalogue
from publisher.bulletins.air import common as ac
from publisher.bulletins.base import Bulletin, Job, Record, ReviewNote, jsonable
from publisher.errors import PublisherError
from publisher.vocabulary import air as vocabulary_air

KIND = "air-daily"
TEMPLATE = "air_daily.html"

#: Forecast days shown (HJ 633-2026 5.2.3: a forecast covers at least the next 3 days).
FORECAST_DAYS = 3
#: Indicator order of HJ 633-2026 表4 (SO₂, NO₂, CO, O₃, PM₁₀, PM₂.₅); the 2012 O₃ 1-h after O₃ 8-h.
ORDER = ("so2", "no2", "co", "o3_8h", "o3_1h", "pm10", "pm2_5")
HEAD_ZH = {code: (vocabulary_air.NAME_ZH[code], vocabulary_air.SYMBOL[code], vocabulary_air.INDICATOR_AVERAGING_ZH[code])
           for code in ORDER}


# ------------------------------------------------------------------------------- the typed context
@dataclass(frozen=True)
class Indicator(Record):
    """A column of HJ 633 表4: code, name, symbol, averaging time and unit as printed."""

    code: str
    name: str
    symbol: str
    averaging: str
    unit: str


@dataclass(frozen=True)
class DailyArea(Record):
    """The region or a county on the day: its indicators (``cells``: value, IAQI, state), AQI, level,
    category, colour and primary pollutant, and what is missing."""

    name: str
    is_region: bool
    same_as_region: bool
    sample: bool
    stations: list[ac.AirStation]
    has_data: bool
    aqi: int | None
    level: str | None
    level_number: int | None
    category: str | None
    color: str | None
    ink: str
    primary: str
    cells: list[dict[str, Any]]
    missing: str
    not_monitored: list[str]


@dataclass(frozen=True)
class Advice(Record):
    """The health effect and advice of a level reached today (HJ 633 表1), with the areas at that level."""

    level: str
    category: str
    color: str
    ink: str
    areas: str
    health_effect: str
    advice: str


@dataclass(frozen=True)
class DayPeriod(Record):
    label: str
    label_zh: str
    date: str


@dataclass(frozen=True)
class DailyContext(Record):
    """What ``templates/air_daily.html`` reads as ``b`` (its JSON form is ``bulletin.json``'s figures)."""

    region: str
    bureau: str
    period: DayPeriod
    issued: str
    published: str
    data_label: str
    standard: str
    standard_id: str
    has_o3_1h: bool
    indicators: list[Indicator]
    areas: list[DailyArea]
    headline: str
    advice: list[Advice]
    forecast: dict[str, Any]       # rows/days/issued/sample: the empty forecast has fewer keys
    notes: list[str]
    source_notes: list[str]
    sample_areas: list[str]


def indicators_of(day: dt.date) -> list[str]:
    """The daily indicators of the HJ 633 table in force on `day`, in the order of 表4."""
    listed = standards.in_force("hj633", day)["daily"]["indicators"]
    return [c for c in ORDER if c in listed]


def _cells(row: dict[str, Any] | None, day: dt.date) -> list[dict[str, Any]]:
    """Each daily indicator of the version in force: value (or NA, "/"), IAQI."""
    not_monitored = set(((row or {}).get("not_monitored") or "").split(","))
    cells = []
    for code in indicators_of(day):
        value = row.get(code) if row else None
        source = "o3" if code.startswith("o3") else code
        if row is None:
            state, text = "missing", ac.MISSING
        elif value is None and source in not_monitored:
            state, text = "not_monitored", ac.NOT_MONITORED
        elif value is None:
            state, text = "missing", ac.MISSING
        else:
            state, text = "valid", ac.fmt(value, ac.daily_decimals(code, day))
        iaqi = row.get(f"iaqi_{code}") if row else None
        cells.append({"code": code, "value": value, "text": text, "state": state,
                      "iaqi": iaqi, "iaqi_text": str(iaqi) if iaqi is not None else (
                          ac.NOT_MONITORED if state == "not_monitored" else ac.MISSING)})
    return cells


def _station_label(s: ac.AirStation) -> str:
    return f"{s.name}（{s.code}）" if s.code else str(s.name)


def _station_notes(name: str, stations: list[ac.AirStation], day_rows: dict[str, dict[str, Any]]) -> list[str]:
    """For the reviewers: per station, the indicators whose daily value is invalid and the hours behind."""
    out = []
    for s in stations:
        r = day_rows.get(s.id)
        if r is None:
            out.append(f"{name}：{_station_label(s)}当日无数据。")
            continue
        bad = ac.invalid_indicators(r)
        if not bad:
            continue
        parts = [f"O₃日最大8小时平均（有效8小时窗口{n}个）" if c == "o3_8h" else f"{ac.INDICATOR_ZH.get(c, c)}（有效小时{n}个）"
                 for c, n in bad]
        out.append(f"{name}：{_station_label(s)}有效数据不足：{'、'.join(parts)}。")
    return out


def _missing_text(row: dict[str, Any] | None, day: dt.date) -> str:
    """The area's indicators without a valid daily value, and what HJ 633 then does with the AQI."""
    if row is None:
        return "当日无监测数据"
    bad = [c for c in (row.get("invalid") or "").split(",") if c]
    if not bad:
        return ""
    names = "、".join(HEAD_ZH[c][1] + ("-8h" if c == "o3_8h" else "-1h" if c == "o3_1h" else "") for c in bad if c in HEAD_ZH)
    if row.get("aqi") is not None:
        return f"{names}有效数据不足，AQI由其余项目计算"
    table = standards.in_force("hj633", day)
    above = (table.get("missing_data") or {}).get("publish_only_above")
    number = (table.get("meta") or {}).get("number", table.id)
    if above is not None:
        return f"{names}有效数据不足，其余项目AQI未超过{above}，按{number}不发布AQI（NA）"
    return f"{names}有效数据不足，AQI无法计算（NA）"


def _forecast(job: Job, areas: list[str], day: dt.date) -> dict[str, Any]:
    """The forecast issued last on or before `day` for the days after it: per area and day the AQI range,
    level(s), category colour(s) and primary pollutant; ``rows`` empty when none is loaded."""
    reader = getattr(job.store, "forecasts", None)
    empty = {"rows": [], "days": [], "issued": None, "sample": False, "inputs": []}
    if not callable(reader) or not job.store.exists():
        return empty
    first, last = day + dt.timedelta(days=1), day + dt.timedelta(days=FORECAST_DAYS)
    frame = reader(first, last, issued_by=day)
    if frame.height == 0:
        return empty
    frame = frame.filter(pl.col("area").is_in(areas))
    if frame.height == 0:
        return empty
    days = sorted({d.date() for d in frame.get_column("date").to_list()})
    issued = max(d.date() for d in frame.get_column("issued").to_list())
    by = {(r["area"], r["date"].date()): r for r in frame.to_dicts()}
    rows = []
    for area in areas:
        cells = []
        for d in days:
            r = by.get((area, d))
            if r is None:
                cells.append(None)
                continue
            lo, hi = ac.level_row(r["level_low"], d), ac.level_row(r["level_high"], d)
            level = lo["level_zh"] if r["level_low"] == r["level_high"] else f"{lo['level_zh']}～{hi['level_zh']}"
            category = lo["category_zh"] if r["level_low"] == r["level_high"] else f"{lo['category_zh']}～{hi['category_zh']}"
            aqi = str(r["aqi_low"]) if r["aqi_low"] == r["aqi_high"] else f"{r['aqi_low']}～{r['aqi_high']}"
            cells.append({"aqi": aqi, "level": level, "category": category, "color": lo["hex"], "ink": ac.ink(lo["hex"]),
                          "color2": hi["hex"], "ink2": ac.ink(hi["hex"]),
                          "primary": ac.largest_index_zh(r["primary_pollutant"]) if r["primary_pollutant"] else "—"})
        if any(cells):
            rows.append({"area": area, "cells": cells})
    notes = [r.get("note") or "" for r in frame.to_dicts()]
    inputs = (frame.group_by("source_sha256", "ingest_id").agg(pl.len().alias("rows")).sort("ingest_id").to_dicts()
              if "source_sha256" in frame.columns else [])
    return {"rows": rows, "days": [{"date": d.isoformat(), "label": f"{d.month}月{d.day}日"} for d in days],
            "issued": issued.isoformat(), "issued_zh": f"{issued.month}月{issued.day}日",
            "sample": any(ac.SAMPLE_LABEL in n for n in notes), "inputs": inputs}


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "day":
        raise PublisherError(f"空气质量日报的期间应为日期（如2026-06-10），而不是 {period.label} (bad_period)")
    day = period.start
    reg = job.registry
    conf = ac.settings(job.workspace.home, reg)
    region = ac.region_name(reg)
    areas = [region] + ac.region_counties(reg)
    link = reg.air_areas().filter(pl.col("area").is_in(areas))
    station_ids = sorted(set(link.get_column("station_id").to_list()))
    store = job.store
    hourly = ac.read_hourly(store, day, day, station_ids)
    daily, adaily = ac.evaluate(hourly, link)
    if adaily.height == 0 or adaily.filter(pl.col("date") == day).height == 0:
        raise PublisherError(f"{period.label_zh}{region}及所辖县（市、区）没有空气监测数据，无法编制日报 (no_data)；"
                             f"请先导入该日的小时数据（publisher ingest）")

    today = {r["area"]: r for r in adaily.filter(pl.col("date") == day).to_dicts()}
    station_today = {r["station_id"]: r for r in daily.filter(pl.col("date") == day).to_dicts()} if daily.height else {}
    region_ids = {s.id for s in ac.area_stations(reg, region)}
    sections: list[DailyArea] = []
    station_notes: list[str] = []
    for name in areas:
        row = today.get(name)
        stations = ac.area_stations(reg, name)
        aqi = row.get("aqi") if row else None
        level = ac.level_row(row.get("level"), day) if row and aqi is not None else None
        sections.append(DailyArea(
            name=name, is_region=name == region,
            same_as_region=name != region and {s.id for s in stations} == region_ids,
            sample=any(s.sample for s in stations), stations=stations,
            has_data=row is not None, aqi=aqi,
            level=level["level_zh"] if level else None, level_number=level["level"] if level else None,
            category=level["category_zh"] if level else None,
            color=level["hex"] if level else None, ink=ac.ink(level["hex"] if level else None),
            primary=ac.primary_zh(row.get("primary_pollutant")) if level else "—",
            cells=_cells(row, day), missing=_missing_text(row, day),
            not_monitored=[ac.SYMBOL.get(c, c) for c in ((row or {}).get("not_monitored") or "").split(",") if c],
        ))
        if not sections[-1].same_as_region:
            station_notes += _station_notes(name, stations, station_today)

    table = standards.in_force("hj633", day)
    advice = _advice(sections, day)
    forecast = _forecast(job, areas, day)
    listed = catalogue.get(KIND, job.workspace.home)
    issued = listed.issue_date(period)  # the catalogue's rule: the day after the reported day
    review = _review(station_notes, table, forecast, conf, job)
    ids = ac.standard_ids(day, day, statistics=True)
    names = ac.file_names(store) if forecast["inputs"] else {}
    inputs = ac.inputs_of(hourly, store) + [{"file": names.get(r["source_sha256"]), "sha256": r["source_sha256"],
                                             "ingest_id": r["ingest_id"], "rows": int(r["rows"]), "what": "forecast"}
                                            for r in forecast["inputs"]]
    context = DailyContext(
        region=region,
        bureau=f"{region}生态环境局",
        period=DayPeriod(label=period.label, label_zh=period.label_zh, date=day.isoformat()),
        issued=issued.isoformat(),
        published=f"{issued.year}年{issued.month}月{issued.day}日{conf.release_hour}时",
        data_label=ac.DATA_LABEL,
        standard=table.citation,
        standard_id=table.id,
        has_o3_1h="o3_1h" in indicators_of(day),
        indicators=[Indicator(code=c, name=HEAD_ZH[c][0], symbol=HEAD_ZH[c][1], averaging=HEAD_ZH[c][2],
                              unit=ac.unit_of(c)) for c in indicators_of(day)],
        areas=sections,
        headline=_headline(sections, day),
        advice=advice,
        forecast=jsonable({k: v for k, v in forecast.items() if k != "inputs"}),
        notes=_notes(sections, day, table),
        source_notes=_source_notes(sections, region),
        sample_areas=[s.name for s in sections if s.sample],
    )
    return Bulletin(
        kind=KIND, period=period, title=f"{region}{listed.title_zh}", template=TEMPLATE,
        context=context, tables=_tables(sections, forecast, day), charts=[],
        inputs=inputs, standards=ids, issued=issued, review=review,
    )


def _advice(sections: list[DailyArea], day: dt.date) -> list[Advice]:
    """The health effect and advice of each level reached today (HJ 633 表1 of the day's version), with
    the areas at that level; real areas first named, sample areas marked."""
    out = []
    for item in ac.levels_table(day):
        names = [s.name + ("（样例）" if s.sample else "") for s in sections
                 if s.aqi is not None and s.level_number == item["level"]]
        if names:
            out.append(Advice(level=item["level_zh"], category=item["category_zh"], color=item["hex"],
                              ink=ac.ink(item["hex"]), areas="、".join(names),
                              health_effect=item["health_effect_zh"], advice=item["advice_zh"]))
    return out


def _headline(sections: list[DailyArea], day: dt.date) -> str:
    """The city leads; counties follow only when the city has an AQI, real ones before sample ones. An
    area without data or without an AQI leads nothing."""
    when = f"{day.month}月{day.day}日"
    city = sections[0]
    if city.aqi is None:
        reason = city.missing or "有效数据不足"
        return f"{when}，{city.name}{reason}。各县（市、区）情况见下表。"
    text = f"{when}，{city.name}空气质量指数（AQI）为{city.aqi}，{city.level}，{city.category}"
    if city.primary != "—":
        text += f"，首要污染物为{city.primary}"
    text += "。"
    for sample in (False, True):
        part = [s for s in sections[1:] if s.sample == sample and s.aqi is not None and not s.same_as_region]
        if part:
            by_cat: dict[str, list[str]] = {}
            for s in part:
                by_cat.setdefault(s.category, []).append(s.name)
            text += ("样例数据县（市）" if sample else "各县（市、区）") + "：" + \
                "；".join(f"{'、'.join(v)}为{k}" for k, v in by_cat.items()) + "。"
    return text


def _notes(sections: list[DailyArea], day: dt.date, table: standards.Standard) -> list[str]:
    """Monitored and missing indicators (HJ 633-2026 5.1.1: 报告时说明监测指标和缺测指标), how the day is
    defined and judged."""
    codes = indicators_of(day)
    names = "、".join(f"{HEAD_ZH[c][1]} {HEAD_ZH[c][2]}" for c in codes)
    text = f"监测指标：{names}；日报时段为{day.month}月{day.day}日0时至24时（自然日）。"
    missing = [f"{s.name}{s.missing}" for s in sections if s.missing and not s.same_as_region]
    text += "缺测指标：" + ("；".join(missing) if missing else "无") + "。"
    slash = [f"{s.name}{'、'.join(s.not_monitored)}" for s in sections if s.not_monitored and not s.same_as_region]
    if slash:
        text += "监测方案未开展的项目（“/”）：" + "；".join(slash) + "。"
    out = [text]
    same = [s.name for s in sections if s.same_as_region]
    method = (f"城市（区域）浓度为其评价点位日均浓度的算术平均，AQI按{table.citation}由区域浓度计算。")
    if same:
        method += f"{'、'.join(same)}为{sections[0].name}中心城区，评价点位与{sections[0].name}相同。"
    out.append(method)
    return out


def _source_notes(sections: list[DailyArea], region: str) -> list[str]:
    city = sections[0]
    names = "、".join(_station_label(s) for s in city.stations)
    units = list(dict.fromkeys(s.unit for sec in sections for s in sec.stations if s.unit))
    return [f"数据来源：{region}为国家环境空气质量监测网城市评价点位{names}的自动监测实况数据（未经审核），"
            f"各县（市、区）为县城空气自动监测站点数据。监测单位：{'、'.join(units)}。"]


def _review(station_notes: list[str], table: standards.Standard, forecast: dict[str, Any], conf: ac.Settings,
            job: Job) -> list[ReviewNote]:
    notes = [ReviewNote("data", n) for n in station_notes]
    unchecked = [str(i["level_zh"]) for i in table["levels"]["items"]
                 if str(i.get("texts_confidence", "")) != "official_text"]
    if unchecked:
        notes.append(ReviewNote("method", f"{table.citation}中{'、'.join(unchecked)}的“对健康影响情况”和“建议采取的措施”"
                                          f"不是标准原文（国家发布平台的措辞，或尚未核对），发布前请与标准原文核对。"))
    if forecast["rows"]:
        what = "样例数据（演示用）" if forecast["sample"] else "已入库的预报文件"
        notes.append(ReviewNote("provenance", f"空气质量预报取自{what}，{forecast['issued_zh']}发布。"))
    else:
        notes.append(ReviewNote("provenance", "没有当日或之前发布的空气质量预报，预报栏为“暂无预报”。"))
    where = "工作目录的 air.yaml" if conf.path.parent == job.workspace.home else "程序自带的默认设置 publisher/defaults/air.yaml"
    notes.append(ReviewNote("configuration", f"发布时间（次日{conf.release_hour}时）取自{where}。"))
    return notes


def _tables(sections: list[DailyArea], forecast: dict[str, Any], day: dt.date) -> dict[str, pl.DataFrame]:
    """The data files: 表4 of HJ 633-2026 with full column headers, values as printed."""
    rows = []
    date_zh = f"{day.year}年{day.month}月{day.day}日"
    for s in sections:
        row: dict[str, Any] = {"日期": date_zh, "地区": s.name, "数据性质": ac.DATA_LABEL,
                               "样例数据": "是" if s.sample else "否"}
        for c in s.cells:
            name, symbol, averaging = HEAD_ZH[c["code"]]
            row[f"{name}（{symbol}）{averaging}浓度（{ac.unit_of(c['code'])}）"] = c["text"]
            row[f"{name}（{symbol}）{averaging}分指数"] = c["iaqi_text"]
        row["空气质量指数（AQI）"] = str(s.aqi) if s.aqi is not None else ac.MISSING
        row["首要污染物"] = s.primary
        row["空气质量指数级别"] = s.level or "—"
        row["空气质量指数类别"] = s.category or "—"
        row["缺测说明"] = s.missing or None
        rows.append(row)
    out = {"各地区日报": pl.DataFrame(rows, infer_schema_length=None)}
    f_rows = []
    for r in forecast["rows"]:
        for d, cell in zip(forecast["days"], r["cells"]):
            if cell:
                f_rows.append({"发布日期": forecast["issued_zh"], "预报日期": d["label"], "地区": r["area"],
                               "AQI范围": cell["aqi"], "空气质量指数级别": cell["level"], "空气质量指数类别": cell["category"],
                               "首要污染物": cell["primary"], "样例数据": "是" if forecast["sample"] else "否"})
    if f_rows:
        out["空气质量预报"] = pl.DataFrame(f_rows)
    return out
