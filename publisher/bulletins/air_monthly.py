"""环境空气质量月报: the region's month of air quality, its counties, and the comparison cities ranked.

All figures are rows of :func:`publisher.evaluate.air.period_stats` (the function behind
``publisher evaluate air --period-stats``) on the area daily values of
:func:`publisher.evaluate.air.area_daily`, read from the store through
:mod:`publisher.bulletins.air_common`. This module selects them and writes them up.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins import air_common as ac
from publisher.bulletins.base import Bulletin, Job, jsonable
from publisher.errors import PublisherError
from publisher.evaluate import air
from publisher.periods import Period

KIND = "air-monthly"
#: The statistic of each period figure, as printed under its panel and in table headers.
STAT_SHORT_ZH = {"so2": "月均值", "no2": "月均值", "pm10": "月均值", "pm2_5": "月均值",
                 "co_p95": "第95百分位数", "o3_8h_p90": "第90百分位数"}
TITLE_ZH = "环境空气质量月报"
CADENCE = "monthly"
TEMPLATE = "air_monthly.html"

#: The monthly report is dated the 5th of the following month (a date derived from the period only,
#: so that rebuilding unchanged data gives identical files).
ISSUE_DAY = 5


def issue_date(period: Period) -> dt.date:
    nxt = period.end + dt.timedelta(days=1)
    return nxt.replace(day=ISSUE_DAY)


def ytd_label(period: Period) -> str:
    return f"{period.start.year}-01~{period.start.month:02d}"


def _dust(job: Job, first: dt.date, last: dt.date) -> pl.DataFrame | None:
    """Sand-dust affected ``area, date``: flags the store holds (when it offers them), else the
    workspace's ``dust.csv`` (the layout of ``publisher evaluate air --dust``)."""
    reader = getattr(job.store, "air_dust", None)
    if callable(reader):
        frame = reader(first, last)
        if frame is not None and frame.height:
            return frame.select(pl.col("area").cast(pl.String), pl.col("date").cast(pl.Date))
    return ac.workspace_dust(job.workspace.home, first, last)


def _stat_cells(row: dict[str, Any] | None) -> dict[str, str]:
    if not row:
        return {c: "—" for c in ac.PERIOD_STATS}
    return {c: ac.fmt(row.get(c), ac.decimals_of(c)) for c in ac.PERIOD_STATS}


def _change_text(value: float | None, unit: str = "%") -> str:
    if value is None:
        return "—"
    if value > 0:
        return f"上升{abs(value):.1f}{unit}"
    if value < 0:
        return f"下降{abs(value):.1f}{unit}"
    return "持平"


def _signed(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}{unit}"


def _levels_text(row: dict[str, Any], day: dt.date) -> str:
    parts = []
    for item in ac.levels_table(day):
        n = row.get(f"days_level{item['level']}") or 0
        if n:
            parts.append(f"{item['category_zh']}{n}天")
    return "、".join(parts) if parts else "无有效监测日"


def _area_days(adaily: pl.DataFrame, area: str, period: Period) -> list[dict[str, Any]]:
    """Every day of the month for `area`: AQI, level, colour, primary pollutant, validity."""
    have: dict[dt.date, dict[str, Any]] = {}
    if adaily.height:
        sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(period.start, period.end))
        have = {r["date"]: r for r in sub.to_dicts()}
    out = []
    day = period.start
    while day <= period.end:
        r = have.get(day)
        if r is None:
            out.append({"date": day.isoformat(), "day": day.day, "aqi": None, "level": None, "category": None,
                        "color": None, "primary": "—", "status": "无数据", "invalid": "", "stations": 0})
        else:
            status = "有效" if r["aqi"] is not None else "无有效AQI"
            invalid = r.get("invalid") or ""
            out.append({"date": day.isoformat(), "day": day.day, "aqi": r["aqi"], "level": r["level"],
                        "category": r["category"], "color": r["color"], "ink": ac.ink(r["color"]),
                        "primary": ac.primary_zh(r.get("primary_pollutant")), "primary_codes": r.get("primary_pollutant") or "",
                        "status": status, "invalid": invalid,
                        "invalid_zh": "、".join(ac.SYMBOL.get(c, c) for c in invalid.split(",") if c),
                        "stations": int(r.get("stations") or 0)})
        day += dt.timedelta(days=1)
    return out


def _primary_counts(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for d in days:
        for code in (d.get("primary_codes") or "").split(","):
            if code:
                counts[code] = counts.get(code, 0) + 1
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"code": c, "name": ac.pollutant_name(c), "symbol": ac.primary_zh(c), "days": n} for c, n in order]


def _worst_days(days: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    valid = [d for d in days if d["aqi"] is not None]
    valid.sort(key=lambda d: (-d["aqi"], d["date"]))
    return valid[:n]


def _station_completeness(hourly: pl.DataFrame, daily: pl.DataFrame, stations: list[dict[str, Any]],
                          period: Period) -> list[dict[str, Any]]:
    """Per station: hours received of the month, hours missing per pollutant, pollutants not measured,
    days whose daily values are invalid (and why)."""
    expected = period.days * 24
    lo, hi = ac.hour_bounds(period.start, period.end)
    h = hourly.filter(pl.col("time").is_between(lo, hi)) if hourly.height else hourly
    d = daily.filter(pl.col("date").is_between(period.start, period.end)) if daily.height else daily
    out = []
    for s in stations:
        sh = h.filter(pl.col("station_id") == s["id"]) if h.height else h
        sd = d.filter(pl.col("station_id") == s["id"]) if d.height else d
        received = sh.select(pl.col("time").n_unique()).item() if sh.height else 0
        not_monitored = sorted({c for v in (sd.get_column("not_monitored").to_list() if sd.height else [])
                                for c in (v or "").split(",") if c})
        missing = {}
        for p in air.POLLUTANTS:
            if p in not_monitored:
                continue
            have = sh.select(pl.col(p).is_not_null().sum()).item() if sh.height else 0
            missing[p] = expected - int(have)
        invalid_days = []
        if sd.height:
            for r in sd.filter(~pl.col("valid")).sort("date").to_dicts():
                codes = [c for c in (r.get("invalid") or "").split(",") if c]
                hours = []
                for c in codes:
                    src = "o3" if c.startswith("o3") else c
                    col = f"hours_{src}"
                    if col in r and r[col] is not None:
                        hours.append(f"{ac.SYMBOL.get(c, c)}{'（8小时窗口' + str(r.get('o3_8h_windows')) + '个）' if c == 'o3_8h' else '（' + str(r[col]) + '小时）'}")
                invalid_days.append({"date": r["date"].isoformat(), "day": r["date"].day,
                                     "codes": codes, "text": "、".join(hours) or "、".join(codes)})
        days_with_data = sd.height if sd.height else 0
        out.append({**s, "hours_expected": expected, "hours_received": int(received),
                    "hours_missing": expected - int(received),
                    "missing_by_pollutant": {ac.SYMBOL[p]: n for p, n in missing.items()},
                    "missing_text": "、".join(f"{ac.SYMBOL[p]} {n}小时" for p, n in missing.items() if n) or "无",
                    "not_monitored": [ac.SYMBOL.get(c, c) for c in not_monitored],
                    "days_without_data": period.days - days_with_data,
                    "invalid_days": invalid_days})
    return out


def _concentration_rows(row: dict[str, Any] | None, change: dict[str, Any] | None, limits: dict[str, Any],
                        dust_row: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rows = []
    for code in ac.PERIOD_STATS:
        value = row.get(code) if row else None
        lim = limits.get(code)
        over = None
        if value is not None and lim:
            over = round((value - lim) / lim, 2) if value > lim else None
        rows.append({
            "code": code, "label": ac.INDICATOR_ZH[code] if code in ("co_p95", "o3_8h_p90")
            else f"{ac.SYMBOL[code]} 月平均", "unit": ac.unit_of(code),
            "value": value, "text": ac.fmt(value, ac.decimals_of(code)),
            "dust_value": dust_row.get(code) if dust_row else None,
            "dust_text": ac.fmt(dust_row.get(code), ac.decimals_of(code)) if dust_row else None,
            "limit": lim, "limit_text": ac.fmt(lim, 1 if code == "co_p95" else 0),
            "exceeds": bool(value is not None and lim is not None and value > lim),
            "over_times": over,
            "change": change.get(f"{code}_change") if change else None,
            "change_text": _change_text(change.get(f"{code}_change")) if change else "—",
        })
    return rows


def _yoy(current: pl.DataFrame, previous: pl.DataFrame) -> dict[str, dict[str, Any]]:
    if current.height == 0 or previous.height == 0:
        return {}
    ch = air.change(current, previous)
    return {r["area"]: r for r in ch.to_dicts()}


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "month":
        raise PublisherError(f"环境空气质量月报的期间应为月份（如2026-05），而不是 {period.label} (bad_period)")
    reg = job.registry
    region = ac.region_name(reg)
    counties = ac.region_counties(reg)
    city_names = ac.cities(reg)
    link = reg.air_areas()
    region_areas = [region] + counties
    station_ids = sorted(set(link.filter(pl.col("area").is_in(city_names + counties)).get_column("station_id")))

    store = job.store
    first = dt.date(period.start.year - 1, 1, 1)
    hourly = ac.read_hourly(store, first, period.end, station_ids)
    daily, adaily = ac.evaluate(hourly, link)
    dust = _dust(job, first, period.end)

    label, ytd = period.label, ytd_label(period)
    last_year = period.same_period_last_year()
    prev_month = period.previous()
    ly_label, ly_ytd, pm_label = last_year.label, f"{last_year.start.year}-01~{last_year.start.month:02d}", prev_month.label

    groups = {"city": city_names, "county": counties}
    month, ytd_rows, ly_month, ly_ytd_rows, pm_rows, month_dust = {}, {}, {}, {}, {}, {}
    month_frames: dict[str, pl.DataFrame] = {}
    ly_frames: dict[str, pl.DataFrame] = {}
    ytd_frames, ly_ytd_frames, pm_frames = {}, {}, {}
    for g, names in groups.items():
        month_frames[g] = ac.stats(adaily, names, "month", label)
        ytd_frames[g] = ac.stats(adaily, names, "ytd", ytd)
        ly_frames[g] = ac.stats(adaily, names, "month", ly_label)
        ly_ytd_frames[g] = ac.stats(adaily, names, "ytd", ly_ytd)
        pm_frames[g] = ac.stats(adaily, names, "month", pm_label)
        month.update(ac.rows_by_area(month_frames[g]))
        ytd_rows.update(ac.rows_by_area(ytd_frames[g]))
        ly_month.update(ac.rows_by_area(ly_frames[g]))
        ly_ytd_rows.update(ac.rows_by_area(ly_ytd_frames[g]))
        pm_rows.update(ac.rows_by_area(pm_frames[g]))
        if dust is not None:
            month_dust.update(ac.rows_by_area(ac.stats(adaily, names, "month", label, dust=dust)))
    yoy, yoy_ytd, mom = {}, {}, {}
    for g in groups:
        yoy.update(_yoy(month_frames[g], ly_frames[g]))
        yoy_ytd.update(_yoy(ytd_frames[g], ly_ytd_frames[g]))
        mom.update(_yoy(month_frames[g], pm_frames[g]))

    if not any(month.get(a) for a in region_areas):
        raise PublisherError(f"{period.label_zh}{region}及所辖县（市、区）没有空气监测数据，无法编制月报 (no_data)；"
                             f"请先导入该月的小时数据（publisher ingest）")

    limits = ac.stat_limits(period.end)
    dust_flagged = {a for a, r in month_dust.items()} if month_dust else set()
    dust_days = {}
    if dust is not None:
        in_month = dust.filter(pl.col("date").is_between(period.start, period.end))
        for r in in_month.group_by("area").agg(pl.col("date").sort()).to_dicts():
            dust_days[r["area"]] = [d.isoformat() for d in r["date"]]

    areas_out = []
    charts: list[Any] = []
    levels = ac.levels_table(period.end)
    source = f"数据来源：空气质量自动监测{ac.DATA_LABEL}"
    for idx, name in enumerate(region_areas):
        row = month.get(name)
        area = reg.area(name)
        stations = ac.area_stations(reg, name)
        days = _area_days(adaily, name, period)
        chart_name = f"calendar-{area.id}"
        same = {s["id"] for s in stations} == {s["id"] for s in ac.area_stations(reg, region)}
        if row and (name == region or not same):
            charts.append(ac.chart(chart_name, "aqi_calendar", {
                "frame": pl.DataFrame([{"date": dt.date.fromisoformat(d["date"]), "aqi": d["aqi"], "level": d["level"]}
                                       for d in days], schema={"date": pl.Date, "aqi": pl.Int64, "level": pl.Int64}),
                "year": period.start.year, "month": period.start.month, "levels": levels,
                "title": f"{name}{period.label_zh}逐日空气质量指数（AQI）", "source": source}))
        y = ytd_rows.get(name)
        ch = yoy.get(name) if ly_month.get(name) else None
        ch_ytd = yoy_ytd.get(name) if ly_ytd_rows.get(name) else None
        m = mom.get(name) if pm_rows.get(name) else None
        valid_days = row["valid_days"] if row else 0
        entry = {
            "name": name, "id": area.id, "level": area.level, "is_region": name == region,
            "sample": any(s["sample"] for s in stations),
            "stations": stations,
            "has_data": row is not None,
            "month": row, "ytd": y,
            "last_year": ly_month.get(name), "previous_month": pm_rows.get(name),
            "yoy": ch, "yoy_ytd": ch_ytd, "mom": m,
            "days": days,
            "days_without_valid_aqi": period.days - valid_days,
            "levels_text": _levels_text(row, period.end) if row else "无监测数据",
            "primary": _primary_counts(days),
            "worst_days": _worst_days(days),
            "concentrations": _concentration_rows(row, ch, limits, month_dust.get(name)),
            "composite_primary": ac.largest_index_zh((row or {}).get("composite_primary")),
            "composite_primary_name": ac.largest_index_zh((row or {}).get("composite_primary"), names=True),
            "ytd_2012_days": _days_under(adaily, name, dt.date(period.start.year, 1, 1), period.end, "HJ633-2012"),
            "completeness": _station_completeness(hourly, daily, stations, period),
            "dust_days": dust_days.get(name, []),
            "chart": chart_name if row and (name == region or not same) else None,
            "notes": [n for n in ((row or {}).get("notes") or "").split("；") if n],
            "shortfalls": ac.shortfalls(row),
            "ytd_notes": [n for n in ((y or {}).get("notes") or "").split("；") if n],
            "ytd_first_day": _first_day(adaily, name, period),
        }
        entry["same_as_region"] = name != region and same
        entry["summary"] = _area_summary(entry, period)
        if entry["same_as_region"]:
            entry["summary"] += (f"{name}为{region}中心城区，评价站点与{region}相同，各项统计结果与{region}一致，"
                                 f"逐日AQI见{region}部分。")
        areas_out.append(entry)

    # comparison of the cities (the region among them), ranked by the composite index
    comparison = []
    for name in city_names:
        row = month.get(name)
        comparison.append({
            "name": name, "is_region": name == region, "row": row,
            "cells": _stat_cells(row),
            "composite_index": ac.fmt((row or {}).get("composite_index"), 2),
            "composite_primary": ac.largest_index_zh((row or {}).get("composite_primary")),
            "rank": (row or {}).get("rank") or "—", "rank_value": (row or {}).get("rank_value"),
            "good_day_ratio": ac.fmt((row or {}).get("good_day_ratio"), 1),
            "valid_days": (row or {}).get("valid_days", 0),
            "ytd_ratio": ac.fmt((ytd_rows.get(name) or {}).get("good_day_ratio"), 1),
            "index_change": ac.fmt((yoy.get(name) or {}).get("composite_index_change"), 1)
            if ly_month.get(name) else "—",
            "dust_index": ac.fmt((month_dust.get(name) or {}).get("composite_index"), 2) if month_dust else None,
            "shortfalls": ac.shortfalls(row),
        })
    comparison.sort(key=lambda c: (c["rank_value"] is None, c["rank_value"] or 0, c["name"]))
    ties = sorted({c["rank"] for c in comparison if "并列" in str(c["rank"])})

    county_rows = []
    for name in counties:
        row = month.get(name)
        county_rows.append({
            "name": name, "row": row, "cells": _stat_cells(row),
            "sample": any(s["sample"] for s in ac.area_stations(reg, name)),
            "good_day_ratio": ac.fmt((row or {}).get("good_day_ratio"), 1),
            "ytd_ratio": ac.fmt((ytd_rows.get(name) or {}).get("good_day_ratio"), 1),
            "valid_days": (row or {}).get("valid_days", 0),
            "composite_index": ac.fmt((row or {}).get("composite_index"), 2),
            "composite_primary": ac.largest_index_zh((row or {}).get("composite_primary")),
            "rank": (row or {}).get("rank") or "—", "rank_value": (row or {}).get("rank_value"),
        })
    county_rows.sort(key=lambda c: (c["rank_value"] is None, c["rank_value"] or 0, counties.index(c["name"])))

    # charts of the whole region
    ratio_frame = pl.DataFrame([{"area": a["name"], "month": (a["month"] or {}).get("good_day_ratio"),
                                 "ytd": (a["ytd"] or {}).get("good_day_ratio")} for a in areas_out],
                               schema={"area": pl.String, "month": pl.Float64, "ytd": pl.Float64})
    charts.append(ac.chart("good-day-ratio", "good_day_ratio", {
        "frame": ratio_frame, "labels": (f"{period.start.month}月", f"1—{period.start.month}月累计"),
        "title": f"{region}及所辖县（市、区）优良天数比例", "source": source}))
    level_rows = []
    for a in areas_out:
        r = a["month"] or {}
        for k in range(1, 7):
            level_rows.append({"area": a["name"], "level": k, "days": int(r.get(f"days_level{k}") or 0)})
        level_rows.append({"area": a["name"], "level": 0, "days": a["days_without_valid_aqi"]})
    charts.append(ac.chart("level-days", "level_days_stacked", {
        "frame": pl.DataFrame(level_rows, schema={"area": pl.String, "level": pl.Int64, "days": pl.Int64}),
        "levels": levels, "title": f"{period.label_zh}各级别天数", "source": source}))
    reg_row = month.get(region)
    if reg_row:
        conc = []
        for c in areas_out[0]["concentrations"]:
            item = {"pollutant": c["code"].replace("_p95", "").replace("_p90", ""), "value": c["value"],
                    "limit": c["limit"], "previous": (ly_month.get(region) or {}).get(c["code"])}
            item["label"] = {"co_p95": "CO", "o3_8h_p90": "O₃-8h"}.get(c["code"])
            item["unit"] = f"{STAT_SHORT_ZH[c['code']]}\n{c['unit']}"
            conc.append(item)
        schema = {"pollutant": pl.String, "value": pl.Float64, "limit": pl.Float64, "previous": pl.Float64,
                  "label": pl.String, "unit": pl.String}
        frame = pl.DataFrame(conc, schema=schema)
        if not ly_month.get(region):  # no bar, and no legend entry, for a year without data
            frame = frame.drop("previous")
        charts.append(ac.chart("concentrations", "pollutant_concentrations", {
            "frame": frame,
            "labels": (period.label_zh, last_year.label_zh),
            "title": f"{region}{period.label_zh}六项污染物浓度与二级标准限值", "source": source}))
    ranked = [{"area": c["name"], "index": c["row"]["composite_index"], "rank": c["rank"]} for c in comparison
              if c["row"] and c["row"].get("composite_index") is not None]
    if ranked:
        charts.append(ac.chart("ranking", "composite_index_ranking", {
            "frame": pl.DataFrame(ranked, schema={"area": pl.String, "index": pl.Float64, "rank": pl.String}),
            "highlight": region,
            "title": f"{period.label_zh}对比城市环境空气质量综合指数（由小到大）", "source": source}))

    # notes
    ytd_first = min((a["ytd_first_day"] for a in areas_out if a["ytd_first_day"]), default=None)
    version = ac.version_notes(period.start, period.end, "本月")
    ytd_version = ac.version_notes(ytd_first, period.end, f"1—{period.start.month}月累计") if ytd_first else []
    version_notes = list(dict.fromkeys(version + [n for n in ytd_version if n not in version]))
    stat_note = ac.statistics_note(period.end)
    if stat_note:
        version_notes.append(stat_note)
    dust_note = _dust_note(dust, dust_days)
    method_notes = _method_notes(period)
    validity = _validity_notes(areas_out, period)

    ids = ac.standard_ids(min(first, period.start), period.end)
    used_days = sorted(set(adaily.get_column("date").to_list())) if adaily.height else []
    if used_days:
        ids = ac.standard_ids(used_days[0], used_days[-1])

    context = {
        "region": region,
        "period": {"label": period.label, "label_zh": period.label_zh, "start": period.start.isoformat(),
                   "end": period.end.isoformat(), "days": period.days, "month": period.start.month,
                   "year": period.start.year, "ytd_label": ytd, "last_year_label_zh": last_year.label_zh},
        "data_label": ac.DATA_LABEL,
        "issued": issue_date(period).isoformat(),
        "conclusions": _conclusions(areas_out, comparison, county_rows, period, region, ties),
        "areas": areas_out,
        "counties": county_rows,
        "comparison": comparison,
        "comparison_ties": ties,
        "limits": {c: limits.get(c) for c in ac.PERIOD_STATS},
        "levels": levels,
        "dust": {"flagged": bool(dust_days), "label": "扣沙" if dust_flagged else "不扣沙", "note": dust_note,
                 "days": dust_days},
        "version_notes": version_notes,
        "validity_notes": validity,
        "stations_completeness": _stations_completeness(areas_out),
        "limits_note": ac.limits_note(period.end),
        "comparison_has_yoy": any(c["index_change"] != "—" for c in comparison),
        "method_notes": method_notes,
        "sample_areas": [a["name"] for a in areas_out if a["sample"]],
    }
    tables = _tables(areas_out, comparison, adaily, period, region_areas, ytd_rows)
    return Bulletin(
        kind=KIND, period=period, title=f"{region}{period.label_zh}{TITLE_ZH}", template=TEMPLATE,
        context=jsonable(context), tables=tables, charts=charts,
        inputs=ac.inputs_of(hourly, store), standards=ids, issued=issue_date(period),
    )


def _days_under(adaily: pl.DataFrame, area: str, first: dt.date, last: dt.date, table_id: str) -> dict[str, Any] | None:
    """The days of `area` with data in `first`..`last` judged by the HJ 633 table `table_id`: how
    many, how many with a valid AQI, the first and the last."""
    if adaily.height == 0:
        return None
    sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(first, last)
                        & (pl.col("standard") == table_id))
    if sub.height == 0:
        return None
    lo, hi = sub.get_column("date").min(), sub.get_column("date").max()
    valid = sub.filter(pl.col("aqi").is_not_null()).height
    span = f"{lo.month}月{lo.day}日至{hi.month}月{hi.day}日" if lo != hi else f"{lo.month}月{lo.day}日"
    count = f"{sub.height}天" + (f"，其中{valid}天有有效AQI" if valid != sub.height else "")
    return {"days": sub.height, "valid_days": valid, "first": lo.isoformat(), "last": hi.isoformat(),
            "text": f"{span}（{count}）", "citation": standards.get(table_id).citation}


def _first_day(adaily: pl.DataFrame, area: str, period: Period) -> dt.date | None:
    if adaily.height == 0:
        return None
    sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(dt.date(period.start.year, 1, 1),
                                                                             period.end))
    return sub.get_column("date").min() if sub.height else None


def _area_summary(a: dict[str, Any], period: Period) -> str:
    """One paragraph on an area, from its figures."""
    name, row, y = a["name"], a["month"], a["ytd"]
    if not row:
        return f"{period.label_zh}{name}无空气质量监测数据。"
    parts = [f"{period.label_zh}，{name}有效监测{row['valid_days']}天"]
    if a["days_without_valid_aqi"]:
        parts[-1] += f"（另有{a['days_without_valid_aqi']}天无有效AQI）"
    ratio = row.get("good_day_ratio")
    parts.append(f"优良天数{row['good_days']}天，优良天数比例为{ac.fmt(ratio, 1)}%" if ratio is not None
                 else "无法计算优良天数比例")
    parts.append(a["levels_text"])
    text = "，".join(parts) + "。"
    if a["primary"]:
        p = "、".join(f"{x['name']}{x['days']}天" for x in a["primary"])
        text += f"超过“优”的日子中，首要污染物为{p}。"
    else:
        text += "本月各有效监测日空气质量均为优，无首要污染物。"
    if row.get("composite_index") is not None:
        text += f"环境空气质量综合指数为{ac.fmt(row['composite_index'], 2)}，单项指数最大的是{a['composite_primary_name']}。"
    if a["yoy"] is not None and row.get("good_day_ratio") is not None:
        ch = a["yoy"]
        text += (f"与上年同期相比，优良天数比例{_change_text(ch.get('good_day_ratio_change'), '个百分点')}，"
                 f"综合指数{_change_text(ch.get('composite_index_change'))}。")
    else:
        text += f"{a.get('name')}无上年同期（{period.same_period_last_year().label_zh}）监测数据，不作同比。"
    if y and y.get("good_day_ratio") is not None:
        start = a["ytd_first_day"]
        text += f"1—{period.start.month}月累计有效监测{y['valid_days']}天，优良天数比例为{ac.fmt(y['good_day_ratio'], 1)}%"
        if start and start > dt.date(period.start.year, 1, 1):
            text += f"（本系统该地区数据自{start.month}月{start.day}日起，此前无数据）"
        text += "。"
    return text


def _conclusions(areas: list[dict[str, Any]], comparison: list[dict[str, Any]], counties: list[dict[str, Any]],
                 period: Period, region: str, ties: list[str]) -> list[str]:
    out = []
    reg = areas[0]
    row = reg["month"]
    m = period.start.month
    if row:
        text = (f"{period.label_zh}，{region}（中心城区）环境空气质量优良天数比例为{ac.fmt(row['good_day_ratio'], 1)}%"
                f"（有效监测{row['valid_days']}天，"
                f"{'另有' + str(reg['days_without_valid_aqi']) + '天无有效AQI，' if reg['days_without_valid_aqi'] else ''}"
                f"{reg['levels_text']}）")
        if reg["yoy"] is not None and row.get("good_day_ratio") is not None:
            text += f"，与上年同期相比{_change_text(reg['yoy'].get('good_day_ratio_change'), '个百分点')}"
        else:
            text += f"；本系统无{period.same_period_last_year().label_zh}的监测数据，无法进行同比"
        text += "。"
        y = reg["ytd"]
        if y and y.get("good_day_ratio") is not None:
            text += f"1—{m}月累计优良天数比例为{ac.fmt(y['good_day_ratio'], 1)}%（有效监测{y['valid_days']}天"
            start = reg["ytd_first_day"]
            if start and start > dt.date(period.start.year, 1, 1):
                text += f"，数据自{start.month}月{start.day}日起，1月1日至{(start - dt.timedelta(days=1)).month}月" \
                        f"{(start - dt.timedelta(days=1)).day}日无数据，累计值仅反映有数据的日子"
            text += "）。"
        if reg["shortfalls"]:
            gb = standards.in_force("gb3095", period.end)
            v = gb["validity"]
            text += (f"本月{'；'.join(n.split(' ', 1)[-1] for n in reg['shortfalls'])}，不满足{gb.get('meta', {}).get('number', gb.id)}"
                     f"数据有效性规定（每月至少{v['monthly_min_days']}个日均值，2月至少{v['february_min_days']}个），"
                     f"本月统计结果仅供参考。")
        out.append(text)
        if reg["primary"]:
            p = "、".join(f"{x['name']}（{x['days']}天）" for x in reg["primary"])
            out.append(f"{region}本月首要污染物为{p}。")
        worst = reg["worst_days"]
        if worst:
            w = "；".join(f"{m}月{d['day']}日AQI {d['aqi']}（{d['category']}，首要污染物{d['primary']}）" for d in worst)
            out.append(f"{region}AQI最高的日子为：{w}。")
        if row.get("composite_index") is not None:
            me = next((c for c in comparison if c["is_region"]), None)
            text = f"{region}环境空气质量综合指数为{ac.fmt(row['composite_index'], 2)}"
            ranked = [c for c in comparison if c["rank_value"] is not None]
            if me and me["rank_value"] is not None:
                tied = [c["name"] for c in ranked if c["rank_value"] == me["rank_value"] and not c["is_region"]]
                if tied:
                    text += f"，在{len(ranked)}个城市（含本市）中与{'、'.join(tied)}并列第{me['rank_value']}名"
                else:
                    text += f"，在{len(ranked)}个城市（含本市）中排第{me['rank_value']}名"
            text += "（综合指数越小，空气质量越好）。"
            out.append(text)
    else:
        out.append(f"{period.label_zh}{region}无空气质量监测数据。")
    # counties
    with_data = [c for c in counties if c["row"]]
    if with_data:
        parts = [f"{c['name']}{c['good_day_ratio']}%" for c in with_data]
        text = f"各县（市、区）本月优良天数比例：{'、'.join(parts)}。"
        ranked = [c for c in with_data if c["rank_value"] is not None]
        if ranked:
            best = [c["name"] for c in ranked if c["rank_value"] == ranked[0]["rank_value"]]
            worst_v = max(c["rank_value"] for c in ranked)
            worst = [c["name"] for c in ranked if c["rank_value"] == worst_v]
            text += f"按综合指数，{'、'.join(best)}空气质量相对最好，{'、'.join(worst)}相对较差。"
        sample = [c["name"] for c in counties if c["sample"]]
        if sample:
            text += f"（{'、'.join(sample)}的站点与数据为样例数据，仅供演示，不代表实际监测结果。）"
        out.append(text)
    no_data = [c["name"] for c in counties if not c["row"]]
    if no_data:
        out.append(f"{'、'.join(no_data)}本月无空气质量监测数据。")
    if ties:
        tied = [c["name"] for c in comparison if "并列" in str(c["rank"])]
        out.append(f"对比城市中{'、'.join(tied)}综合指数相同，排名并列。")
    return out


def _dust_note(dust: pl.DataFrame | None, dust_days: dict[str, list[str]]) -> str:
    rule = standards.versions("hj663")[-1]["sand_dust"]
    if not dust_days:
        return (f"本月数据未标记受沙尘天气过程影响的日子，浓度与综合指数均为{rule['label_kept_zh']}结果。"
                f"（沙尘影响日由上游标记，列入工作目录{ac.DUST_FILE}（地区,日期），本系统不自行识别沙尘天气。）")
    names = "；".join(f"{a}：{'、'.join(str(int(d[-2:])) + '日' for d in days)}" for a, days in dust_days.items())
    return (f"受沙尘天气过程影响的日子（上游标记，{ac.DUST_FILE}）：{names}。按环办监测〔2016〕120号，PM₁₀、PM₂.₅浓度和综合指数"
            f"同时给出{rule['label_deducted_zh']}与{rule['label_kept_zh']}结果；优良天数比例和各级别天数保留沙尘日。")


def _method_notes(period: Period) -> list[str]:
    rules = standards.in_force("hj663", period.end)
    gb = standards.in_force("gb3095", period.end)
    v = gb["validity"]
    return [
        "城市（区域）日浓度为其评价点位日均值的算术平均，再据HJ 633计算AQI；月均浓度为有效日均值的算术平均，"
        "CO取24小时平均第95百分位数，O₃取日最大8小时平均第90百分位数。",
        f"日均值至少需要{v['daily_min_hours']}个有效小时值；月统计每项污染物至少需要{v['monthly_min_days']}个有效日"
        f"（2月{v['february_min_days']}个）。",
        f"优良天数比例 = AQI≤{rules['good_days']['aqi_at_most']}的天数 ÷ 有效监测天数 × 100%。",
        "综合指数为六项污染物单项指数（浓度 ÷ 二级标准限值）之和，SO₂、NO₂、PM₁₀、PM₂.₅取年平均二级限值，"
        "CO取24小时平均二级限值，O₃取日最大8小时平均二级限值；限值取本月末日所执行标准；指数越小空气质量越好，"
        "指数相同者排名并列。",
        "浓度同比变化以%计，优良天数比例同比变化以百分点计。",
    ]


def _validity_notes(areas: list[dict[str, Any]], period: Period) -> list[str]:
    notes = []
    region = areas[0]["name"] if areas else ""
    for a in areas:
        if not a["has_data"]:
            notes.append(f"{a['name']}：{period.label_zh}无监测数据。")
            continue
        if a.get("same_as_region"):
            notes.append(f"{a['name']}：评价站点与{region}相同，缺测与无效情况同{region}。")
            continue
        bits = []
        if a["days_without_valid_aqi"]:
            bad = [d for d in a["days"] if d["aqi"] is None]
            bits.append(f"{len(bad)}天无有效AQI（{_no_aqi_days_text(bad)}）")
        for n in a["notes"]:
            if n.startswith("HJ 663"):
                continue
            bits.append(ac.note_zh(n))
        invalid_somewhere = False
        for s in a["completeness"]:
            line = []
            if s["hours_missing"]:
                line.append(f"缺少{s['hours_missing']}个小时记录")
            if s["missing_text"] != "无":
                line.append(f"各项缺测小时：{s['missing_text']}")
            if s["not_monitored"]:
                line.append(f"未开展{'、'.join(s['not_monitored'])}监测（“/”）")
            if s["invalid_days"]:
                invalid_somewhere = True
                line.append("日均值无效：" + "；".join(f"{d['day']}日 {d['text']}" for d in s["invalid_days"]))
            if line:
                bits.append(f"{s['name']}{'（' + s['code'] + '）' if s['code'] else ''}{'，'.join(line)}")
        if invalid_somewhere and len(a["completeness"]) > 1:
            bits.append(f"站点某项日均值无效（不足规定小时数）时，{a['name']}当日该项浓度按其余站点的有效日均值计算，"
                        f"各站点均无效时该项缺测")
        if bits:
            notes.append(f"{a['name']}：" + "；".join(bits) + "。")
        else:
            notes.append(f"{a['name']}：本月数据完整，各站点各项目无缺测小时。")
    return notes


def _no_aqi_days_text(bad: list[dict[str, Any]]) -> str:
    """Why days of an area have no AQI: the indicators no station had a valid daily value of, and the
    rule that then withholds the AQI (HJ 633-2026 缺数规定), e.g.
    ``15日、17日PM₁₀，18日O₃各站点均无有效日均值，其余项目AQI未超过100，按HJ 633-2026缺数规定不发布``."""
    parts, rules = [], []
    by_items: dict[str, list[str]] = {}
    for d in bad:
        if d["status"] == "无数据":
            parts.append(f"{d['day']}日无监测数据")
            continue
        by_items.setdefault(d.get("invalid_zh") or "", []).append(f"{d['day']}日")
        table = standards.in_force("hj633", dt.date.fromisoformat(d["date"]))
        above = (table.get("missing_data") or {}).get("publish_only_above")
        if above is not None and d.get("invalid_zh"):
            rule = f"其余项目AQI未超过{above}，按{(table.get('meta') or {}).get('number', table.id)}缺数规定不发布AQI"
            rules.append(rule)
    parts += [f"{'、'.join(days)}{items}" for items, days in by_items.items()]
    text = "，".join(parts)
    if any(d["status"] != "无数据" and d.get("invalid_zh") for d in bad):
        text += "各站点均无有效日均值"
    for rule in dict.fromkeys(rules):
        text += f"，{rule}"
    return text


def _stations_completeness(areas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each station once (a station may count in several areas), with the areas it counts in."""
    seen: dict[str, dict[str, Any]] = {}
    for a in areas:
        for s in a["completeness"]:
            if s["id"] in seen:
                seen[s["id"]]["areas"].append(a["name"])
            else:
                seen[s["id"]] = {**s, "areas": [a["name"]]}
    return list(seen.values())


def _tables(areas: list[dict[str, Any]], comparison: list[dict[str, Any]], adaily: pl.DataFrame, period: Period,
            region_areas: list[str], ytd_rows: dict[str, Any]) -> dict[str, pl.DataFrame]:
    stat_cols = {"so2": "SO2月均值(µg/m³)", "no2": "NO2月均值(µg/m³)", "pm10": "PM10月均值(µg/m³)",
                 "pm2_5": "PM2.5月均值(µg/m³)", "co_p95": "CO第95百分位数(mg/m³)", "o3_8h_p90": "O3日最大8小时第90百分位数(µg/m³)"}
    rows = []
    for a in areas:
        r = a["month"] or {}
        y = a["ytd"] or {}
        ch = a["yoy"] or {}
        row = {"地区": a["name"], "统计时段": period.label_zh, "数据性质": ac.DATA_LABEL,
               "样例数据": "是" if a["sample"] else "否",
               "有效监测天数": r.get("valid_days"), "优良天数": r.get("good_days"),
               "优良天数比例(%)": r.get("good_day_ratio")}
        for item in ac.levels_table(period.end):
            row[f"{item['category_zh']}天数"] = r.get(f"days_level{item['level']}")
        row["无有效AQI天数"] = a["days_without_valid_aqi"] if a["has_data"] else period.days
        for code, col in stat_cols.items():
            row[col] = r.get(code)
        row["综合指数"] = r.get("composite_index")
        row["最大单项指数污染物"] = a["composite_primary"]
        row["排名(县级或城市间)"] = r.get("rank")
        row["累计有效监测天数"] = y.get("valid_days")
        row["累计优良天数比例(%)"] = y.get("good_day_ratio")
        row["优良天数比例同比(百分点)"] = ch.get("good_day_ratio_change")
        row["综合指数同比(%)"] = ch.get("composite_index_change")
        row["扣沙"] = r.get("dust")
        row["说明"] = r.get("notes")
        rows.append(row)
    summary = pl.DataFrame(rows, infer_schema_length=None)
    comp_rows = []
    for c in comparison:
        r = c["row"] or {}
        comp_rows.append({"排名": c["rank"], "城市": c["name"], "综合指数": r.get("composite_index"),
                          "最大单项指数污染物": c["composite_primary"], "优良天数比例(%)": r.get("good_day_ratio"),
                          "有效监测天数": r.get("valid_days"),
                          **{stat_cols[k]: r.get(k) for k in ac.PERIOD_STATS},
                          "综合指数同比(%)": None if c["index_change"] == "—" else float(c["index_change"])})
    ranking = pl.DataFrame(comp_rows, infer_schema_length=None)
    daily_rows = []
    for a in areas:
        for d in a["days"]:
            daily_rows.append({"地区": a["name"], "日期": d["date"], "AQI": d["aqi"], "类别": d["category"],
                               "首要污染物": d["primary"] if d["aqi"] is not None else None,
                               "状态": d["status"], "无效项目": d.get("invalid_zh") or None})
    daily = pl.DataFrame(daily_rows, schema={"地区": pl.String, "日期": pl.String, "AQI": pl.Int64, "类别": pl.String,
                                             "首要污染物": pl.String, "状态": pl.String, "无效项目": pl.String})
    comp_rows = []
    for a in areas:
        for s in a["completeness"]:
            comp_rows.append({"地区": a["name"], "站点": s["name"], "站点编码": s["code"],
                              "应有小时数": s["hours_expected"], "收到小时数": s["hours_received"],
                              "缺测情况": s["missing_text"], "未监测项目": "、".join(s["not_monitored"]) or None,
                              "日均值无效的日子": "；".join(f"{d['date']} {d['text']}" for d in s["invalid_days"]) or None})
    completeness = pl.DataFrame(comp_rows, infer_schema_length=None)
    return {"各地区月统计": summary, "城市综合指数排名": ranking, "逐日AQI": daily, "站点数据完整性": completeness}

