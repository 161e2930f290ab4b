"""空气质量日报: one page per day for the region, a section per city and county.

The day reported is the period (a natural day, Beijing time: the hours ending D 01:00 … D+1 00:00);
the report is dated the following day. Every figure is a row of
:func:`publisher.evaluate.air.daily_values` (stations) or :func:`publisher.evaluate.air.area_daily`
(areas); the level texts are those of the HJ 633 table in force on the day.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins import air_common as ac
from publisher.bulletins.base import Bulletin, Job, jsonable
from publisher.errors import PublisherError
from publisher.periods import Period

KIND = "air-daily"
TITLE_ZH = "环境空气质量日报"
CADENCE = "daily"
TEMPLATE = "air_daily.html"

#: Days shown in the "last 30 days" strip, the reported day included.
STRIP_DAYS = 30


def issue_date(period: Period) -> dt.date:
    """The daily report on day D is issued on D+1."""
    return period.end + dt.timedelta(days=1)


def indicators_of(day: dt.date) -> list[str]:
    """The daily indicators of the HJ 633 table in force on `day`, in reporting order."""
    from publisher import standards

    listed = standards.in_force("hj633", day)["daily"]["indicators"]
    order = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3_1h")
    return [c for c in order if c in listed]


def _value_cells(row: dict[str, Any] | None, day: dt.date) -> list[dict[str, Any]]:
    """Each daily indicator of the version in force: value, IAQI, limit, state ("/", NA, valid)."""
    limits = ac.daily_limits(day)
    not_monitored = set((row or {}).get("not_monitored", "") .split(",")) if row else set()
    invalid = set(((row or {}).get("invalid") or "").split(",")) if row else set()
    cells = []
    for code in indicators_of(day):
        value = row.get(code) if row else None
        source = "o3" if code.startswith("o3") else code
        if row is None:
            state, text = "missing", ac.MISSING
        elif value is None and source in not_monitored:
            state, text = "not_monitored", ac.NOT_MONITORED
        elif value is None:
            state, text = "invalid" if code in invalid else "missing", ac.MISSING
        else:
            state, text = "valid", ac.fmt(value, ac.daily_decimals(code, day))
        lim = limits.get(code if code != "o3_1h" else "o3_1h")
        cells.append({
            "code": code, "label": ac.INDICATOR_ZH[code], "unit": ac.unit_of(code), "value": value, "text": text,
            "state": state, "iaqi": row.get(f"iaqi_{code}") if row else None,
            "limit": lim, "limit_text": ac.fmt(lim, 1 if code == "co" else 0) if lim is not None else "—",
            "exceeds": bool(value is not None and lim is not None and value > lim),
        })
    return cells


def _station_label(s: dict[str, Any]) -> str:
    """``市环保局（2595A）``; a station without a national code by its name alone."""
    return f"{s['name']}（{s['code']}）" if s.get("code") else str(s["name"])


def _reasons(row: dict[str, Any] | None, stations: list[dict[str, Any]], day_rows: dict[str, dict[str, Any]]) -> list[str]:
    """Why values or the AQI are missing, per station: hours received per indicator."""
    out = []
    for s in stations:
        r = day_rows.get(s["id"])
        if r is None:
            out.append(f"{_station_label(s)}当日无数据。")
            continue
        bad = [c for c in (r.get("invalid") or "").split(",") if c]
        if not bad:
            continue
        parts = []
        for c in bad:
            if c == "o3_8h":
                parts.append(f"O₃日最大8小时平均（有效8小时窗口{r.get('o3_8h_windows')}个）")
            else:
                src = "o3" if c.startswith("o3") else c
                parts.append(f"{ac.INDICATOR_ZH.get(c, c)}（有效小时{r.get(f'hours_{src}')}个）")
        tail = ""
        if len(stations) > 1 and row is not None:
            # the area value of an indicator is the mean of the stations whose daily value is valid
            kept = [c for c in bad if row.get(c) is not None]
            lost = [c for c in bad if row.get(c) is None]
            if kept:
                tail += f"，区域{'、'.join(ac.SYMBOL.get(c, c) for c in kept)}浓度由其余站点计算"
            if lost:
                tail += f"，各站点{'、'.join(ac.SYMBOL.get(c, c) for c in lost)}均无有效日均值，区域该项缺测（NA）"
        out.append(f"{_station_label(s)}有效数据不足：{'、'.join(parts)}{tail}。")
    return out


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "day":
        raise PublisherError(f"空气质量日报的期间应为日期（如2026-06-10），而不是 {period.label} (bad_period)")
    day = period.start
    reg = job.registry
    region = ac.region_name(reg)
    areas = [region] + ac.region_counties(reg)
    link = reg.air_areas().filter(pl.col("area").is_in(areas))
    station_ids = sorted(set(link.get_column("station_id").to_list()))
    first = day - dt.timedelta(days=STRIP_DAYS - 1)
    store = job.store
    hourly = ac.read_hourly(store, first, day, station_ids)
    daily, adaily = ac.evaluate(hourly, link)
    if adaily.height == 0 or adaily.filter(pl.col("date") == day).height == 0:
        raise PublisherError(f"{period.label_zh}{region}及所辖县（市、区）没有空气监测数据，无法编制日报 (no_data)；"
                             f"请先导入该日的小时数据（publisher ingest）")

    levels = ac.levels_table(day)
    today = {r["area"]: r for r in adaily.filter(pl.col("date") == day).to_dicts()}
    station_today = {r["station_id"]: r for r in daily.filter(pl.col("date") == day).to_dicts()} if daily.height else {}
    source = f"数据来源：空气质量自动监测{ac.DATA_LABEL}"
    sections, charts = [], []
    for name in areas:
        area = reg.area(name)
        row = today.get(name)
        stations = ac.area_stations(reg, name)
        level = ac.level_row(row.get("level"), day) if row else None
        cells = _value_cells(row, day)
        station_rows = []
        for s in stations:
            r = station_today.get(s["id"])
            station_rows.append({**s, "has_data": r is not None,
                                 "aqi": r.get("aqi") if r else None,
                                 "category": r.get("category") if r else None,
                                 "color": r.get("color") if r else None,
                                 "ink": ac.ink(r.get("color") if r else None),
                                 "primary": ac.primary_zh(r.get("primary_pollutant")) if r and r.get("aqi") is not None else "—",
                                 "cells": _value_cells(r, day)})
        strip = (adaily.filter(pl.col("area") == name).select("date", "aqi") if adaily.height else
                 pl.DataFrame(schema={"date": pl.Date, "aqi": pl.Int64}))
        full = pl.DataFrame({"date": pl.date_range(first, day, "1d", eager=True)})
        strip = full.join(strip, on="date", how="left").sort("date")
        chart_name = f"strip-{area.id}"
        if not (name != region and {s["id"] for s in stations} == {s["id"] for s in ac.area_stations(reg, region)}):
            charts.append(ac.chart(chart_name, "aqi_strip", {
            "frame": strip, "levels": levels,
            "title": f"{name}近{STRIP_DAYS}天空气质量指数（AQI）", "source": source}))
        strip_rows = strip.to_dicts()
        valid_strip = [r for r in strip_rows if r["aqi"] is not None]
        good = sum(1 for r in valid_strip if r["aqi"] <= ac.good_day_aqi(r["date"]))
        aqi = row.get("aqi") if row else None
        if row is None:
            status = "当日无监测数据"
        elif aqi is None:
            status = "当日有效数据不足，AQI不发布（NA）"
        else:
            status = "有效"
        same = name != region and {s["id"] for s in stations} == {s["id"] for s in ac.area_stations(reg, region)}
        sections.append({
            "name": name, "id": area.id, "is_region": name == region, "same_as_region": same,
            "sample": any(s["sample"] for s in stations), "stations": station_rows,
            "has_data": row is not None, "aqi": aqi, "status": status,
            "level": level["level_zh"] if level and aqi is not None else None,
            "category": row.get("category") if row else None,
            "color": row.get("color") if row else None,
            "ink": ac.ink(row.get("color") if row else None),
            "primary": ac.primary_zh(row.get("primary_pollutant")) if row and aqi is not None else "—",
            "exceeding": ac.primary_zh(row.get("exceeding_pollutants")) if row and row.get("exceeding_pollutants") else None,
            "health_effect": level.get("health_effect_zh") if level and aqi is not None else None,
            "advice": level.get("advice_zh") if level and aqi is not None else None,
            "cells": cells,
            "reasons": _reasons(row, stations, station_today),
            "not_monitored": [ac.SYMBOL.get(c, c) for c in ((row or {}).get("not_monitored") or "").split(",") if c],
            "chart": chart_name,
            "strip": [{"date": r["date"].isoformat(), "aqi": r["aqi"]} for r in strip_rows],
            "strip_valid_days": len(valid_strip), "strip_good_days": good,
            "strip_missing_days": len(strip_rows) - len(valid_strip),
            "summary": _summary(name, day, row, level),
        })

    version = ac.version_notes(first, day, f"近{STRIP_DAYS}天")
    notes = [n for n in version if str(day.year) in n]
    today_table = ac.tables_for(day, day, ("hj633",))[0]
    context = {
        "region": region,
        "period": {"label": period.label, "label_zh": period.label_zh, "date": day.isoformat()},
        "issued": issue_date(period).isoformat(),
        "data_label": ac.DATA_LABEL,
        "standard": today_table.citation,
        "standard_id": today_table.id,
        "has_o3_1h": "o3_1h" in indicators_of(day),
        "indicators": [{"code": c, "label": ac.INDICATOR_ZH[c], "unit": ac.unit_of(c)} for c in indicators_of(day)],
        "areas": sections,
        "levels": [{"ink": ac.ink(item["hex"])} | {k: v for k, v in item.items() if k in ("level", "level_zh", "category_zh", "color_zh", "hex",
                                                            "aqi_from", "aqi_to", "health_effect_zh", "advice_zh")}
                   for item in levels],
        "headline": _headline(sections, period),
        "version_notes": notes,
        "method_notes": _method_notes(day),
        "limits_note": ac.daily_limits_note(day),
        "advice_source": ac.advice_source(day),
        "sample_areas": [s["name"] for s in sections if s["sample"]],
    }
    ids = ac.standard_ids(first, day, statistics=True)
    return Bulletin(
        kind=KIND, period=period, title=f"{region}{TITLE_ZH}（{period.label_zh}）", template=TEMPLATE,
        context=jsonable(context), tables=_tables(sections, day), charts=charts,
        inputs=ac.inputs_of(hourly, store), standards=ids, issued=issue_date(period),
    )


def _summary(name: str, day: dt.date, row: dict[str, Any] | None, level: dict[str, Any] | None) -> str:
    when = f"{day.month}月{day.day}日"
    if row is None:
        return f"{when}{name}无空气质量监测数据。"
    if row.get("aqi") is None:
        bad = "、".join(ac.INDICATOR_ZH.get(c, c) for c in (row.get("invalid") or "").split(",") if c)
        from publisher import standards

        table = standards.in_force("hj633", day)
        above = (table.get("missing_data") or {}).get("publish_only_above")
        number = (table.get("meta") or {}).get("number", table.id)
        rule = (f"其余项目的空气质量指数未超过{above}，按{number}缺数规定不发布AQI（NA）" if above is not None
                else "无法计算空气质量指数（NA）")
        return f"{when}{name}{bad or '部分项目'}有效数据不足，{rule}，下表仅列出有效的单项浓度及分指数。"
    text = f"{when}{name}空气质量指数（AQI）为{row['aqi']}，{level['level_zh']}，{row['category']}"
    if row.get("primary_pollutant"):
        text += f"，首要污染物为{ac.primary_zh(row['primary_pollutant'])}"
    return text + "。"


def _headline(sections: list[dict[str, Any]], period: Period) -> str:
    valid = [s for s in sections if s["aqi"] is not None]
    if not valid:
        return f"{period.label_zh}各地区均无有效空气质量指数。"
    by_cat: dict[str, list[str]] = {}
    for s in valid:
        by_cat.setdefault(s["category"], []).append(s["name"])
    parts = [f"{'、'.join(v)}为{k}" for k, v in by_cat.items()]
    text = f"{period.label_zh}，" + "；".join(parts) + "。"
    missing = [s["name"] for s in sections if s["aqi"] is None]
    if missing:
        text += f"{'、'.join(missing)}当日无有效AQI。"
    return text


def _method_notes(day: dt.date) -> list[str]:
    from publisher import standards

    gb = standards.in_force("gb3095", day)
    hj = standards.in_force("hj633", day)
    v = gb["validity"]
    notes = [
        f"日报时段为自然日（北京时间），即{day.month}月{day.day}日1时至次日0时的24个小时值。",
        f"24小时平均至少需要{v['daily_min_hours']}个有效小时值；O₃日最大8小时平均为当日8时至24时各8小时滑动平均的最大值。",
        "城市（区域）浓度为其各评价点位日均值的算术平均，AQI由区域浓度计算。",
        f"本日数据按{hj.citation}与{gb.citation}评价；“NA”表示缺测或数据无效，“/”表示该站点监测方案未包含该项目。",
    ]
    if "o3_1h" in hj["daily"]["indicators"]:
        notes.append("HJ 633-2012日报包含O₃日最大1小时平均；2026年3月1日起HJ 633-2026日报不再包含该项。")
    else:
        notes.append("HJ 633-2026日报不含O₃日最大1小时平均。")
    return notes


def _tables(sections: list[dict[str, Any]], day: dt.date) -> dict[str, pl.DataFrame]:
    codes = indicators_of(day)
    rows = []
    for s in sections:
        row = {"日期": day.isoformat(), "地区": s["name"], "数据性质": ac.DATA_LABEL,
               "样例数据": "是" if s["sample"] else "否", "AQI": s["aqi"], "级别": s["level"], "类别": s["category"],
               "首要污染物": s["primary"] if s["aqi"] is not None else None, "状态": s["status"]}
        for c in s["cells"]:
            row[f"{c['label']}({c['unit']})"] = c["text"]
        rows.append(row)
    areas = pl.DataFrame(rows, infer_schema_length=None)
    st_rows = []
    for s in sections:
        for st in s["stations"]:
            row = {"日期": day.isoformat(), "地区": s["name"], "站点": st["name"], "站点编码": st["code"],
                   "AQI": st["aqi"], "类别": st["category"], "首要污染物": st["primary"] if st["aqi"] is not None else None}
            for c in st["cells"]:
                row[f"{c['label']}({c['unit']})"] = c["text"]
            st_rows.append(row)
    stations = pl.DataFrame(st_rows, infer_schema_length=None)
    strip = pl.DataFrame([{"地区": s["name"], "日期": r["date"], "AQI": r["aqi"]} for s in sections for r in s["strip"]],
                         schema={"地区": pl.String, "日期": pl.String, "AQI": pl.Int64})
    _ = codes
    return {"各地区日报": areas, "各站点日报": stations, "近30天AQI": strip}

