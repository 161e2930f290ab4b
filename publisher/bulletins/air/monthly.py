"""环境空气质量月报: the region's month of air quality, its counties, and its rank in the bureau's group.

All figures are rows of :func:`publisher.evaluate.air.period_stats` (the function behind
``publisher evaluate air --period-stats``) on the area daily values of
:func:`publisher.evaluate.air.area_daily`, read from the store through
:mod:`publisher.bulletins.air.common`. This module selects them and writes them up: the public page
in a bureau's words, and the notes meant for the reviewers (missing hours per station, where the
settings and flags came from, texts still to be checked) in ``Bulletin.review``.

Ranking (城市环境空气质量排名技术规定): the region is ranked among the cities of the group set in
``air.yaml`` (:func:`publisher.bulletins.air.common.settings`), the counties among the counties;
areas measured by sample stations are never ranked against real ones, and an area whose month fails
the validity counts of GB 3095 表4 is not ranked (its missing data are stated instead).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins import catalogue
from publisher.bulletins.air import common as ac
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.base import Bulletin, Job, ReviewNote, jsonable
from publisher.errors import PublisherError
from publisher.evaluate import air
from publisher.periods import Period

KIND = "air-monthly"
TEMPLATE = "air_monthly.html"

#: The statistic of each period figure as the tables print it.
STAT_LABEL_ZH = {
    "so2": "二氧化硫（SO₂）月均浓度", "no2": "二氧化氮（NO₂）月均浓度",
    "pm10": "可吸入颗粒物（PM₁₀）月均浓度", "pm2_5": "细颗粒物（PM₂.₅）月均浓度",
    "co_p95": "一氧化碳（CO）24小时平均第95百分位数", "o3_8h_p90": "臭氧（O₃）日最大8小时平均第90百分位数",
}
#: The daily indicator each period statistic is computed from (its validity counts).
STAT_INDICATOR = {"so2": "so2", "no2": "no2", "pm10": "pm10", "pm2_5": "pm2_5", "co_p95": "co", "o3_8h_p90": "o3_8h"}
#: Chart labels of the statistics (short).
STAT_SHORT_ZH = {"so2": "月均值", "no2": "月均值", "pm10": "月均值", "pm2_5": "月均值",
                 "co_p95": "第95百分位数", "o3_8h_p90": "第90百分位数"}

def ytd_label(period: Period) -> str:
    return f"{period.start.year}-01~{period.start.month:02d}"


def _md(day: dt.date | str | None) -> str:
    if day is None:
        return "—"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.month}月{day.day}日"


def _span(first: dt.date | None, last: dt.date | None) -> str:
    """``2月26日—6月30日`` (one day: ``6月5日``)."""
    if first is None or last is None:
        return "—"
    return _md(first) if first == last else f"{_md(first)}—{_md(last)}"


def _dust(job: Job, first: dt.date, last: dt.date) -> pl.DataFrame | None:
    """Sand-dust affected ``area, date``: flags the store holds (when it offers them), else the
    workspace's ``dust.csv`` (the layout of ``publisher evaluate air --dust``)."""
    reader = getattr(job.store, "air_dust", None)
    if callable(reader):
        frame = reader(first, last)
        if frame is not None and frame.height:
            return frame.select(pl.col("area").cast(pl.String), pl.col("date").cast(pl.Date))
    return ac.workspace_dust(job.workspace.home, first, last)


def _change_text(value: float | None, unit: str = "%") -> str:
    if value is None:
        return "—"
    if value > 0:
        return f"上升{abs(value):.1f}{unit}"
    if value < 0:
        return f"下降{abs(value):.1f}{unit}"
    return "持平"


def _levels_text(row: dict[str, Any], day: dt.date) -> str:
    parts = []
    for item in ac.levels_table(day):
        n = row.get(f"days_level{item['level']}") or 0
        if n:
            parts.append(f"{item['category_zh']}{n}天")
    return "、".join(parts) if parts else "无有效监测日"


# --------------------------------------------------------------------------------------------------
# statistics of groups of areas: sample and real areas are never ranked against each other
# --------------------------------------------------------------------------------------------------
def _nature(reg, name: str) -> str:
    """``sample`` when any station of the area is a sample station, else ``real``."""
    return "sample" if any(s["sample"] for s in ac.area_stations(reg, name)) else "real"


def _partitions(reg, names: list[str]) -> list[list[str]]:
    """`names` split by nature (real areas first), order kept."""
    real = [n for n in names if _nature(reg, n) == "real"]
    sample = [n for n in names if _nature(reg, n) == "sample"]
    return [p for p in (real, sample) if p]


def _group_stats(adaily: pl.DataFrame, reg, names: list[str], period: str, label: str,
                 dust: pl.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """``period_stats`` rows of `names` by area, each area ranked among the areas of its own nature;
    an area alone in its partition is not ranked (``alone``)."""
    out: dict[str, dict[str, Any]] = {}
    for part in _partitions(reg, names):
        rows = ac.rows_by_area(ac.stats(adaily, part, period, label, dust=dust))
        alone = len(rows) < 2
        for name, row in rows.items():
            row = dict(row)
            row["alone"] = alone
            if alone:
                row["rank"], row["rank_value"] = None, None
            out[name] = row
    return out


def _changes(current: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names = [n for n in current if n in previous]
    if not names:
        return {}
    cur = pl.DataFrame([current[n] for n in names], infer_schema_length=None)
    prev = pl.DataFrame([previous[n] for n in names], infer_schema_length=None)
    return {r["area"]: r for r in air.change(cur, prev).to_dicts()}


# --------------------------------------------------------------------------------------------------
# validity: what a month lacks, in the bureau's words
# --------------------------------------------------------------------------------------------------
def _month_need(period: Period) -> int:
    v = standards.in_force("gb3095", period.end)["validity"]
    return int(v["february_min_days"] if period.start.month == 2 else v["monthly_min_days"])


def _shortfalls(row: dict[str, Any] | None, period: Period) -> dict[str, dict[str, Any]]:
    """Indicators with fewer valid daily values in the month than GB 3095 表4 asks: code → days, need, text."""
    if not row:
        return {}
    need = _month_need(period)
    out = {}
    for code in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h"):
        days = int(row.get(f"days_{code}") or 0)
        if days < need:
            label = "O₃日最大8小时平均" if code == "o3_8h" else ac.SYMBOL[code]
            out[code] = {"days": days, "need": need, "text": f"{label}有效日均值{days}个，少于{need}个"}
    return out


def _validity_basis(period: Period) -> str:
    gb = standards.in_force("gb3095", period.end)
    v = gb["validity"]
    return (f"{gb.get('meta', {}).get('number', gb.id)}规定每月至少有{v['monthly_min_days']}个日均值"
            f"（2月至少{v['february_min_days']}个）")


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
            invalid = r.get("invalid") or ""
            out.append({"date": day.isoformat(), "day": day.day, "aqi": r["aqi"], "level": r["level"],
                        "category": r["category"], "color": r["color"], "ink": ac.ink(r["color"]),
                        "primary": ac.primary_zh(r.get("primary_pollutant")),
                        "primary_codes": r.get("primary_pollutant") or "",
                        "status": "有效" if r["aqi"] is not None else "无有效AQI", "invalid": invalid,
                        "invalid_zh": "、".join(ac.primary_zh(c) for c in invalid.split(",") if c),
                        "stations": int(r.get("stations") or 0)})
        day += dt.timedelta(days=1)
    return out


def _no_aqi_text(days: list[dict[str, Any]]) -> str:
    """Why days of an area have no AQI, in the bureau's words: ``11日、16日PM₁₀有效数据不足（按HJ 633-2026，
    其余项目AQI未超过100时不发布AQI）``."""
    bad = [d for d in days if d["aqi"] is None]
    if not bad:
        return ""
    parts: list[str] = []
    none = [f"{d['day']}日" for d in bad if d["status"] == "无数据"]
    if none:
        parts.append(f"{'、'.join(none)}无监测数据")
    by_items: dict[str, list[str]] = {}
    rules: list[str] = []
    for d in bad:
        if d["status"] == "无数据":
            continue
        by_items.setdefault(d.get("invalid_zh") or "", []).append(f"{d['day']}日")
        table = standards.in_force("hj633", dt.date.fromisoformat(d["date"]))
        above = (table.get("missing_data") or {}).get("publish_only_above")
        if above is not None:
            rules.append(f"按{(table.get('meta') or {}).get('number', table.id)}，某项污染物缺测时"
                         f"其余项目AQI未超过{above}的不发布AQI")
    for items, when in by_items.items():
        parts.append(f"{'、'.join(when)}{items + '有效数据不足' if items else '数据不足'}")
    text = "；".join(parts)
    if rules:
        text += f"（{'；'.join(dict.fromkeys(rules))}）"
    return text


# --------------------------------------------------------------------------------------------------
# station completeness: for the reviewers only
# --------------------------------------------------------------------------------------------------
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
                parts = []
                for c in codes:
                    if c == "o3_8h":
                        parts.append(f"O₃-8h（有效8小时窗口{r.get('o3_8h_windows')}个）")
                    else:
                        parts.append(f"{ac.SYMBOL.get(c, c)}（{r.get('hours_' + ('o3' if c.startswith('o3') else c))}小时）")
                invalid_days.append({"date": r["date"].isoformat(), "day": r["date"].day, "codes": codes,
                                     "text": "、".join(parts)})
        out.append({**s, "hours_expected": expected, "hours_received": int(received),
                    "missing_text": "、".join(f"{ac.SYMBOL[p]} {n}小时" for p, n in missing.items() if n) or "无",
                    "not_monitored": [ac.SYMBOL.get(c, c) for c in not_monitored],
                    "invalid_days": invalid_days})
    return out


def _completeness_notes(areas: list[dict[str, Any]], period: Period) -> list[ReviewNote]:
    """One note per station (each station once, with the areas it counts in): missing hours and the
    days whose daily values are invalid."""
    seen: dict[str, dict[str, Any]] = {}
    for a in areas:
        for s in a["completeness"]:
            seen.setdefault(s["id"], {**s, "areas": []})["areas"].append(a["name"])
    notes = []
    for s in seen.values():
        bits = [f"{period.label_zh}应有{s['hours_expected']}个小时，收到{s['hours_received']}个"]
        if s["missing_text"] != "无":
            bits.append(f"各项缺测小时：{s['missing_text']}")
        if s["not_monitored"]:
            bits.append(f"监测方案未开展{'、'.join(s['not_monitored'])}（“/”）")
        if s["invalid_days"]:
            bits.append("日均值无效：" + "；".join(f"{d['day']}日 {d['text']}" for d in s["invalid_days"]))
        code = f"（{s['code']}）" if s.get("code") else ""
        notes.append(ReviewNote("data", f"{s['name']}{code}，计入{'、'.join(s['areas'])}：" + "；".join(bits) + "。"))
    return notes


# --------------------------------------------------------------------------------------------------
# assembling
# --------------------------------------------------------------------------------------------------
def _concentration_rows(row: dict[str, Any] | None, change: dict[str, Any] | None, limits: dict[str, Any],
                        short: dict[str, dict[str, Any]], dust_row: dict[str, Any] | None = None, *,
                        day: dt.date) -> list[dict[str, Any]]:
    rows = []
    for code in ac.PERIOD_STATS:
        value = row.get(code) if row else None
        lim = limits.get(code)
        lacking = short.get(STAT_INDICATOR[code])
        decimals = ac.decimals_of(code, day)
        exceeds = bool(value is not None and lim is not None and value > lim and not lacking)
        if value is None:
            compare = "—"
        elif lacking:
            compare = f"{lacking['text']}，不作评价"
        elif exceeds:
            compare = f"超过限值{(value - lim) / lim:.2f}倍"
        else:
            compare = "未超过"
        rows.append({
            "code": code, "label": STAT_LABEL_ZH[code], "unit": ac.unit_of(code),
            "value": None if lacking else value, "text": "—" if lacking else ac.fmt(value, decimals),
            "lacking": lacking["text"] if lacking else None,
            "dust_text": ac.fmt(dust_row.get(code), decimals) if dust_row and not lacking else None,
            "limit": lim, "limit_text": ac.fmt(lim, 1 if code == "co_p95" else 0),
            "exceeds": exceeds, "compare": compare,
            "change": change.get(f"{code}_change") if change else None,
            "change_text": _change_text(change.get(f"{code}_change")) if change else "—",
        })
    return rows


def _first_last(adaily: pl.DataFrame, area: str, first: dt.date, last: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if adaily.height == 0:
        return None, None
    sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(first, last))
    if sub.height == 0:
        return None, None
    return sub.get_column("date").min(), sub.get_column("date").max()


def _days_under(adaily: pl.DataFrame, area: str, first: dt.date, last: dt.date, table_id: str) -> dict[str, Any] | None:
    """The days of `area` with data in `first`..`last` judged by the HJ 633 table `table_id`."""
    if adaily.height == 0:
        return None
    sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(first, last)
                        & (pl.col("standard") == table_id))
    if sub.height == 0:
        return None
    lo, hi = sub.get_column("date").min(), sub.get_column("date").max()
    return {"days": sub.height, "first": lo.isoformat(), "last": hi.isoformat(), "text": _span(lo, hi),
            "citation": standards.get(table_id).citation}


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


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "month":
        raise PublisherError(f"环境空气质量月报的期间应为月份（如2026-05），而不是 {period.label} (bad_period)")
    reg = job.registry
    listed = catalogue.get(KIND, job.workspace.home)
    # the date printed: the catalogue's issue rule on the period only, so rebuilding unchanged data gives
    # identical files
    issued = listed.issue_date(period)
    conf = ac.settings(job.workspace.home, reg)
    region = ac.region_name(reg)
    counties = ac.region_counties(reg)
    group = list(conf.ranking_areas)
    link = reg.air_areas()
    region_areas = [region] + counties
    station_ids = sorted(set(link.filter(pl.col("area").is_in(group + region_areas)).get_column("station_id")))

    store = job.store
    first = dt.date(period.start.year - 1, 1, 1)
    # every figure from the station-days the store keeps; the month's hours only for its completeness
    daily, adaily = ac.evaluate_stored(store, first, period.end, station_ids,
                                       link.filter(pl.col("area").is_in(group + region_areas)))
    hourly = ac.read_hourly(store, period.start, period.end, station_ids)
    dust = _dust(job, first, period.end)

    label, ytd = period.label, ytd_label(period)
    last_year = period.same_period_last_year()
    ly_ytd = f"{last_year.start.year}-01~{last_year.start.month:02d}"
    prev_month = period.previous()
    county_names = [c for c in counties if c not in group]

    def rows_of(period_kind: str, period_label: str, dust_flags: pl.DataFrame | None = None) -> dict[str, dict[str, Any]]:
        out = _group_stats(adaily, reg, group, period_kind, period_label, dust_flags)
        out.update(_group_stats(adaily, reg, county_names, period_kind, period_label, dust_flags))
        return out

    month = rows_of("month", label)
    ytd_rows = rows_of("ytd", ytd)
    ly_month = rows_of("month", last_year.label)
    ly_ytd_rows = rows_of("ytd", ly_ytd)
    pm_rows = rows_of("month", prev_month.label)
    month_dust = rows_of("month", label, dust) if dust is not None else {}
    yoy, yoy_ytd, mom = _changes(month, ly_month), _changes(ytd_rows, ly_ytd_rows), _changes(month, pm_rows)

    if not any(month.get(a) for a in region_areas):
        raise PublisherError(f"{period.label_zh}{region}及所辖县（市、区）没有空气监测数据，无法编制月报 (no_data)；"
                             f"请先导入该月的小时数据（publisher ingest）")

    limits = ac.stat_limits(period.end)
    dust_days: dict[str, list[str]] = {}
    if dust is not None:
        in_month = dust.filter(pl.col("date").is_between(period.start, period.end))
        for r in in_month.group_by("area").agg(pl.col("date").sort()).to_dicts():
            dust_days[r["area"]] = [d.isoformat() for d in r["date"]]

    levels = ac.levels_table(period.end)
    source = f"数据来源：空气质量自动监测{ac.DATA_LABEL}"
    region_ids = {s["id"] for s in ac.area_stations(reg, region)}
    areas_out, charts = [], []
    ytd_first = dt.date(period.start.year, 1, 1)
    for name in region_areas:
        row = month.get(name)
        area = reg.area(name)
        stations = ac.area_stations(reg, name)
        same = name != region and {s["id"] for s in stations} == region_ids
        days = _area_days(adaily, name, period)
        short = _shortfalls(row, period)
        y = ytd_rows.get(name)
        y_first, y_last = _first_last(adaily, name, ytd_first, period.end)
        ch = yoy.get(name) if ly_month.get(name) else None
        chart_name = f"calendar-{area.id}"
        if row and not same:
            charts.append(ac.chart(chart_name, "aqi_calendar", {
                "frame": pl.DataFrame([{"date": dt.date.fromisoformat(d["date"]), "aqi": d["aqi"], "level": d["level"]}
                                       for d in days], schema={"date": pl.Date, "aqi": pl.Int64, "level": pl.Int64}),
                "year": period.start.year, "month": period.start.month, "levels": levels,
                "title": f"{name}{period.label_zh}逐日空气质量指数（AQI）", "source": source}))
        valid_days = row["valid_days"] if row else 0
        entry = {
            "name": name, "id": area.id, "level": area.level, "is_region": name == region, "region_name": region,
            "sample": _nature(reg, name) == "sample", "stations": stations, "same_as_region": same,
            "has_data": row is not None, "month": row, "ytd": y,
            "last_year": ly_month.get(name), "previous_month": pm_rows.get(name),
            "yoy": ch, "yoy_ytd": yoy_ytd.get(name) if ly_ytd_rows.get(name) else None,
            "mom": mom.get(name) if pm_rows.get(name) else None,
            "days": days, "days_without_valid_aqi": period.days - valid_days,
            "no_aqi_text": _no_aqi_text(days),
            "levels_text": _levels_text(row, period.end) if row else "无监测数据",
            "primary": _primary_counts(days), "worst_days": _worst_days(days),
            "valid": bool(row and not short), "shortfalls": [v["text"] for v in short.values()],
            "concentrations": _concentration_rows(row, ch, limits, short, month_dust.get(name), day=period.end),
            "composite_primary": ac.largest_index_zh((row or {}).get("composite_primary")),
            "composite_primary_name": ac.largest_index_zh((row or {}).get("composite_primary"), names=True),
            "composite_text": ("—" if not row or row.get("composite_index") is None
                               else ("—" if short else ac.fmt(row["composite_index"], 2))),
            "rank": (row or {}).get("rank"), "rank_value": (row or {}).get("rank_value"),
            "alone": bool((row or {}).get("alone")),
            "span": _span(period.start, period.end),
            "ytd_span": _span(y_first, y_last) if y else "—", "ytd_first": y_first.isoformat() if y_first else None,
            "ytd_full": bool(y_first == ytd_first and y_last == period.end),
            "ytd_2012": _days_under(adaily, name, ytd_first, period.end, "HJ633-2012"),
            "completeness": _station_completeness(hourly, daily, stations, period),
            "dust_days": dust_days.get(name, []),
            "chart": chart_name if row and not same else None,
        }
        entry["summary"] = _area_summary(entry, period, conf)
        areas_out.append(entry)

    comparison = _comparison(group, month, month_dust, yoy, ly_month, region, reg, period.end)
    county_rows = _county_rows(counties, areas_out, month, ytd_rows, period)
    region_entry = areas_out[0]

    charts += _region_charts(areas_out, comparison, ly_month, region, period, last_year, source, levels)

    # notes: public (the evaluation basis, data source, validity) and for the reviewers
    version = ac.version_notes(period.start, period.end, "本月")
    ytd_from = min((dt.date.fromisoformat(a["ytd_first"]) for a in areas_out if a["ytd_first"]), default=None)
    ytd_version = ac.version_notes(ytd_from, period.end, f"1—{period.start.month}月累计") if ytd_from else []
    version_notes = list(dict.fromkeys(version + [n for n in ytd_version if n not in version]))
    review = _review_notes(areas_out, comparison, conf, dust, dust_days, period, job)

    ids = ac.standard_ids(min(first, period.start), period.end)
    used_days = sorted(set(adaily.get_column("date").to_list())) if adaily.height else []
    if used_days:
        ids = ac.standard_ids(used_days[0], used_days[-1])
    ranked = [c for c in comparison if c["rank_value"] is not None]
    context = {
        "region": region,
        "bureau": f"{region}生态环境局",
        "period": {"label": period.label, "label_zh": period.label_zh, "start": period.start.isoformat(),
                   "end": period.end.isoformat(), "days": period.days, "month": period.start.month,
                   "year": period.start.year, "ytd_label": ytd, "last_year_label_zh": last_year.label_zh},
        "data_label": ac.DATA_LABEL,
        "issued": issued.isoformat(),
        "ranking": {"name": conf.ranking_name, "areas": list(conf.ranking_areas), "ranked": len(ranked),
                    "unranked": [c["name"] for c in comparison if c["rank_value"] is None and c["row"]],
                    "ties": sorted({c["rank"] for c in ranked if "并列" in str(c["rank"])})},
        "conclusions": _conclusions(areas_out, comparison, county_rows, period, region, conf),
        "areas": areas_out,
        "counties": county_rows,
        "comparison": comparison,
        "comparison_has_yoy": any(c["index_change"] != "—" for c in comparison),
        "limits": {c: limits.get(c) for c in ac.PERIOD_STATS},
        "levels": levels,
        "dust": {"flagged": bool(dust_days), "label": "扣沙" if dust_days else "不扣沙",
                 "note": _dust_note(dust_days, period.end), "days": dust_days},
        "version_notes": version_notes,
        "validity_notes": _validity_notes(areas_out, period),
        "validity_basis": _validity_basis(period),
        "limits_note": ac.limits_note(period.end),
        "method_notes": _method_notes(period),
        "source_notes": _source_notes(areas_out, conf, reg, group),
        "sample_areas": [a["name"] for a in areas_out if a["sample"]],
        "region_valid": region_entry["valid"],
    }
    tables = _tables(areas_out, comparison, period, conf)
    return Bulletin(
        kind=KIND, period=period, title=f"{region}{period.label_zh}{listed.title_zh}", template=TEMPLATE,
        context=jsonable(context), tables=tables, charts=charts,
        inputs=ac.inputs_of(ac.read_provenance(store, first, period.end, station_ids), store), standards=ids, issued=issued, review=review,
        exceedances=exceeding.air_monthly(jsonable(context)),
        rules=_page_rules(period),
    )


def _comparison(group: list[str], month: dict, month_dust: dict, yoy: dict, ly_month: dict, region: str,
                reg, day: dt.date) -> list[dict[str, Any]]:
    """The cities of the ranking group: ranked ones by rank, then those without a valid month (each with
    what it lacks), then those without data."""
    out = []
    for name in group:
        row = month.get(name)
        lacking = [n for n in ((row or {}).get("notes") or "").split("；") if "有效日数" in n]
        out.append({
            "name": name, "is_region": name == region, "row": row, "sample": _nature(reg, name) == "sample",
            "cells": {c: ac.fmt((row or {}).get(c), ac.decimals_of(c, day)) for c in ac.PERIOD_STATS},
            "composite_index": ac.fmt((row or {}).get("composite_index"), 2),
            "composite_primary": ac.largest_index_zh((row or {}).get("composite_primary")),
            "rank": (row or {}).get("rank") or "—", "rank_value": (row or {}).get("rank_value"),
            "good_day_ratio": ac.fmt((row or {}).get("good_day_ratio"), 1),
            "valid_days": (row or {}).get("valid_days", 0),
            "index_change": ac.fmt((yoy.get(name) or {}).get("composite_index_change"), 1) if ly_month.get(name) else "—",
            "dust_index": ac.fmt((month_dust.get(name) or {}).get("composite_index"), 2) if month_dust else None,
            "lacking": [_note_words(n) for n in lacking],
        })
    out.sort(key=lambda c: (c["rank_value"] is None, c["row"] is None, c["rank_value"] or 0, group.index(c["name"])))
    return out


def _note_words(note: str) -> str:
    """A validity note of period_stats (``2026-06 PM10有效日数23，少于27``) in the page's words."""
    head, _, rest = note.partition(" ")
    try:
        year, month = (int(x) for x in head.split("-"))
        when = f"{month}月"
    except ValueError:
        when, rest = "", note
    rest = ac.note_zh(rest).replace("有效日数", "有效日均值")
    return f"{when}{rest.replace('，少于', '个，少于')}个"


def _county_rows(counties: list[str], areas: list[dict[str, Any]], month: dict, ytd_rows: dict,
                 period: Period) -> list[dict[str, Any]]:
    by_name = {a["name"]: a for a in areas}
    out = []
    for name in counties:
        a = by_name[name]
        row = month.get(name)
        out.append({
            "name": name, "row": row, "sample": a["sample"], "same_as_region": a["same_as_region"],
            "cells": {c["code"]: c["text"] for c in a["concentrations"]},
            "good_day_ratio": ac.fmt((row or {}).get("good_day_ratio"), 1),
            "ytd_ratio": ac.fmt((ytd_rows.get(name) or {}).get("good_day_ratio"), 1),
            "ytd_span": a["ytd_span"], "ytd_full": a["ytd_full"],
            "valid_days": (row or {}).get("valid_days", 0),
            "composite_index": a["composite_text"],
            "composite_primary": a["composite_primary"] if a["valid"] else "—",
            "rank": (row or {}).get("rank") or "—", "rank_value": (row or {}).get("rank_value"),
            "alone": a["alone"], "valid": a["valid"], "shortfalls": a["shortfalls"],
        })
    out.sort(key=lambda c: (c["sample"], c["rank_value"] is None, c["rank_value"] or 0, counties.index(c["name"])))
    return out


def _region_charts(areas: list[dict[str, Any]], comparison: list[dict[str, Any]], ly_month: dict, region: str,
                   period: Period, last_year: Period, source: str, levels: list[dict[str, Any]]) -> list[Any]:
    charts = []
    # a bar of the year to date that starts after 1 January says from when (the rows cover different days)
    ratio = pl.DataFrame([{"area": a["name"] if a["ytd_full"] or not a["ytd_first"] else
                           f"{a['name']}\n（累计自{_md(a['ytd_first'])}起）",
                           "month": (a["month"] or {}).get("good_day_ratio") if a["valid"] else None,
                           "ytd": (a["ytd"] or {}).get("good_day_ratio")} for a in areas if not a["same_as_region"]],
                         schema={"area": pl.String, "month": pl.Float64, "ytd": pl.Float64})
    charts.append(ac.chart("good-day-ratio", "good_day_ratio", {
        "frame": ratio, "labels": (f"{period.start.month}月", f"1—{period.start.month}月累计"),
        "title": f"{region}及所辖县（市、区）优良天数比例", "source": source}))
    level_rows = []
    for a in areas:
        if a["same_as_region"]:
            continue
        r = a["month"] or {}
        for k in range(1, 7):
            level_rows.append({"area": a["name"], "level": k, "days": int(r.get(f"days_level{k}") or 0)})
        level_rows.append({"area": a["name"], "level": 0, "days": a["days_without_valid_aqi"]})
    charts.append(ac.chart("level-days", "level_days_stacked", {
        "frame": pl.DataFrame(level_rows, schema={"area": pl.String, "level": pl.Int64, "days": pl.Int64}),
        "levels": levels, "title": f"{period.label_zh}各级别天数", "source": source}))
    reg_row = areas[0]["month"]
    if reg_row:
        conc = []
        for c in areas[0]["concentrations"]:
            if c["value"] is None:
                continue  # a statistic without enough valid days is not drawn
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
        if frame.height:
            charts.append(ac.chart("concentrations", "pollutant_concentrations", {
                "frame": frame, "labels": (period.label_zh, last_year.label_zh),
                "title": f"{region}{period.label_zh}各项污染物浓度与二级标准限值", "source": source}))
    ranked = [{"area": c["name"], "index": c["row"]["composite_index"], "rank": c["rank"]} for c in comparison
              if c["rank_value"] is not None]
    if ranked:
        charts.append(ac.chart("ranking", "composite_index_ranking", {
            "frame": pl.DataFrame(ranked, schema={"area": pl.String, "index": pl.Float64, "rank": pl.String}),
            "highlight": region,
            "title": f"{period.label_zh}环境空气质量综合指数排名（由小到大）", "source": source}))
    return charts


def _area_summary(a: dict[str, Any], period: Period, conf: ac.Settings) -> str:
    """One paragraph on an area, from its figures."""
    name, row, y = a["name"], a["month"], a["ytd"]
    if not row:
        return f"{period.label_zh}{name}无空气质量监测数据。"
    if a["same_as_region"]:
        region = a["region_name"]
        return f"{name}为{region}中心城区，评价点位与{region}相同，各项统计结果同{region}。"
    text = f"{period.label_zh}，{name}有效监测{row['valid_days']}天"
    if a["days_without_valid_aqi"]:
        text += f"（另有{a['days_without_valid_aqi']}天无有效AQI）"
    if a["valid"]:
        text += f"，优良天数{row['good_days']}天，优良天数比例为{ac.fmt(row.get('good_day_ratio'), 1)}%（{a['levels_text']}）。"
    else:
        text += (f"，其中{a['levels_text']}。本月{'；'.join(a['shortfalls'])}，不满足数据有效性要求，"
                 f"月统计结果不作评价。")
    if a["primary"]:
        text += f"超过“优”的日子中，首要污染物为{'、'.join(x['name'] + str(x['days']) + '天' for x in a['primary'])}。"
    elif row["valid_days"]:
        text += "各有效监测日空气质量均为优，无首要污染物。"
    if a["valid"] and row.get("composite_index") is not None:
        text += f"环境空气质量综合指数为{ac.fmt(row['composite_index'], 2)}，单项指数最大的是{a['composite_primary_name']}。"
    if a["yoy"] is not None and a["valid"]:
        ch = a["yoy"]
        text += (f"与上年同期相比，优良天数比例{_change_text(ch.get('good_day_ratio_change'), '个百分点')}，"
                 f"综合指数{_change_text(ch.get('composite_index_change'))}。")
    elif a["yoy"] is None:
        text += f"无上年同期（{period.same_period_last_year().label_zh}）监测数据，不作同比。"
    if y and y.get("good_day_ratio") is not None:
        text += (f"1—{period.start.month}月累计（{a['ytd_span']}）有效监测{y['valid_days']}天，"
                 f"优良天数比例为{ac.fmt(y['good_day_ratio'], 1)}%。")
    return text


def _conclusions(areas: list[dict[str, Any]], comparison: list[dict[str, Any]], counties: list[dict[str, Any]],
                 period: Period, region: str, conf: ac.Settings) -> list[str]:
    out = []
    reg = areas[0]
    row = reg["month"]
    m = period.start.month
    if not row:
        return [f"{period.label_zh}{region}无空气质量监测数据。"]
    if reg["valid"]:
        text = (f"{period.label_zh}，{region}（中心城区）环境空气质量优良天数比例为{ac.fmt(row['good_day_ratio'], 1)}%"
                f"（有效监测{row['valid_days']}天，{reg['levels_text']}）")
        if reg["yoy"] is not None:
            text += f"，与上年同期相比{_change_text(reg['yoy'].get('good_day_ratio_change'), '个百分点')}"
        else:
            text += f"；无{period.same_period_last_year().label_zh}同期监测数据，不作同比"
        text += "。"
    else:
        text = (f"{period.label_zh}，{region}（中心城区）{'；'.join(reg['shortfalls'])}，不满足"
                f"{_validity_basis(period)}的数据有效性要求，本月优良天数比例、月均浓度和综合指数不作评价，"
                f"不参与{conf.ranking_name}排名。有效监测的{row['valid_days']}天中，{reg['levels_text']}")
        if reg["days_without_valid_aqi"]:
            text += f"；另有{reg['days_without_valid_aqi']}天无有效AQI（见第四部分）"
        text += "。"
    y = reg["ytd"]
    if y and y.get("good_day_ratio") is not None:
        text += (f"1—{m}月累计优良天数比例为{ac.fmt(y['good_day_ratio'], 1)}%（统计日期{reg['ytd_span']}，"
                 f"有效监测{y['valid_days']}天）。")
    out.append(text)
    if reg["primary"]:
        out.append(f"{region}本月首要污染物为{'、'.join(x['name'] + '（' + str(x['days']) + '天）' for x in reg['primary'])}。")
    worst = reg["worst_days"]
    if worst:
        w = "；".join(f"{m}月{d['day']}日AQI {d['aqi']}（{d['category']}，首要污染物{d['primary']}）" for d in worst)
        out.append(f"{region}AQI最高的日子为：{w}。")
    me = next((c for c in comparison if c["is_region"]), None)
    ranked = [c for c in comparison if c["rank_value"] is not None]
    unranked = [c["name"] for c in comparison if c["rank_value"] is None and c["row"]]
    if me and me["rank_value"] is not None:
        tied = [c["name"] for c in ranked if c["rank_value"] == me["rank_value"] and not c["is_region"]]
        text = f"{region}环境空气质量综合指数为{me['composite_index']}，在{conf.ranking_name}中"
        text += (f"与{'、'.join(tied)}并列第{me['rank_value']}名" if tied else f"排第{me['rank_value']}名")
        text += f"（{len(ranked)}个州（市）数据满足统计有效性要求参与排名"
        others = [n for n in unranked if n != region]
        if others:
            text += f"，{'、'.join(others)}数据不足未参与排名"
        text += "；综合指数越小，空气质量越好）。"
        out.append(text)
    elif me and me["row"]:
        out.append(f"{region}本月数据不满足统计有效性要求，不参与{conf.ranking_name}排名（"
                   f"{'；'.join(reg['shortfalls'])}）；其余{len(ranked)}个州（市）的排名见第二部分。")
    # counties: real and sample areas in separate sentences, ranked only among their own kind
    real = [c for c in counties if c["row"] and not c["sample"] and not c["same_as_region"]]
    sample = [c for c in counties if c["row"] and c["sample"]]
    for part, tag in ((real, ""), (sample, "（样例数据）")):
        if not part:
            continue
        ratios = "、".join(f"{c['name']}{c['good_day_ratio']}%" if c["valid"] else f"{c['name']}（数据不足，不作评价）"
                           for c in part)
        text = f"各县（市、区）{tag}本月优良天数比例：{ratios}。"
        ranked_part = [c for c in part if c["rank_value"] is not None]
        if len(ranked_part) > 1:
            best_v = min(c["rank_value"] for c in ranked_part)
            worst_v = max(c["rank_value"] for c in ranked_part)
            best = [c["name"] for c in ranked_part if c["rank_value"] == best_v]
            worst_n = [c["name"] for c in ranked_part if c["rank_value"] == worst_v]
            text += f"按综合指数，{'、'.join(best)}空气质量相对最好，{'、'.join(worst_n)}相对较差。"
        out.append(text)
    same = [c["name"] for c in counties if c["same_as_region"]]
    if same:
        out.append(f"{'、'.join(same)}为{region}中心城区，评价点位与{region}相同，各项结果同{region}，不另行排名。")
    if sample:
        out.append(f"{'、'.join(c['name'] for c in sample)}的监测站点与数据为样例数据，仅供演示，不代表实际监测结果，"
                   f"不与实测地区一同排名。")
    no_data = [c["name"] for c in counties if not c["row"]]
    if no_data:
        out.append(f"{'、'.join(no_data)}本月无空气质量监测数据。")
    return out


def _dust_note(dust_days: dict[str, list[str]], day: dt.date) -> str:
    rule = standards.rule("hj663", day, "sand_dust")
    if not dust_days:
        return f"本月无受沙尘天气过程影响的认定日，浓度与综合指数均为{rule['label_kept_zh']}结果。"
    names = "；".join(f"{a}{'、'.join(str(int(d[-2:])) + '日' for d in days)}" for a, days in dust_days.items())
    return (f"受沙尘天气过程影响的日子：{names}。按环办监测〔2016〕120号，PM₁₀、PM₂.₅浓度和综合指数同时给出"
            f"{rule['label_deducted_zh']}与{rule['label_kept_zh']}结果；优良天数比例和各级别天数保留沙尘日。")


def _method_notes(period: Period) -> list[str]:
    rules = standards.in_force("hj663", period.end)
    gb = standards.in_force("gb3095", period.end)
    v = gb["validity"]
    return [
        "城市（区域）日浓度为其评价点位日均浓度的算术平均，据此按HJ 633计算空气质量指数（AQI）；月均浓度为各有效日均浓度的"
        "算术平均，CO取24小时平均第95百分位数，O₃取日最大8小时平均第90百分位数；仅对发布的结果按GB/T 8170修约。",
        f"日均值至少需要{v['daily_min_hours']}个有效小时值；月统计每项污染物至少需要{v['monthly_min_days']}个有效日均值"
        f"（2月{v['february_min_days']}个），不满足的月份不作评价、不参与排名，并说明数据缺失情况。",
        f"优良天数比例 = AQI≤{rules['good_days']['aqi_at_most']}的天数 ÷ 有效监测天数 × 100%。",
        "环境空气质量综合指数为六项污染物单项指数（浓度 ÷ 二级浓度限值）之和，SO₂、NO₂、PM₁₀、PM₂.₅取年平均二级浓度限值，"
        "CO取24小时平均二级浓度限值，O₃取日最大8小时平均二级浓度限值；指数越小空气质量越好，指数相同者排名并列。",
        "浓度同比变化以%计，优良天数比例同比变化以百分点计。",
    ]


def _source_notes(areas: list[dict[str, Any]], conf: ac.Settings, reg, group: list[str]) -> list[str]:
    """Data source, monitoring units and the ranking group, in the bureau's words."""
    region = areas[0]
    names = "、".join(f"{s['name']}（{s['code']}）" if s.get("code") else s["name"] for s in region["stations"])
    units = list(dict.fromkeys(s["unit"] for s in region["stations"] if s.get("unit")))
    out = [f"数据来源：{region['name']}为国家环境空气质量监测网城市评价点位{names}的自动监测实况数据（未经审核）"]
    county_units: list[str] = []
    for a in areas[1:]:
        if a["same_as_region"] or not a["stations"]:
            continue
        county_units += [s["unit"] for s in a["stations"] if s.get("unit")]
    if len(areas) > 1:
        out[0] += "；各县（市、区）为县城空气自动监测站点数据"
    out[0] += "。"
    unit_text = "、".join(units)
    if county_units:
        unit_text += "（城市评价点位）；" + "、".join(dict.fromkeys(county_units)) + "（县城站点）"
    out.append(f"监测单位：{unit_text}。")
    out.append(f"排名范围：{conf.ranking_name}（{'、'.join(group)}），各州（市）按其国家环境空气质量监测网城市评价点位"
               f"实况数据统计。")
    return out


def _validity_notes(areas: list[dict[str, Any]], period: Period) -> list[str]:
    """What each area's month lacks (public): indicators short of the validity counts, days without AQI."""
    notes = []
    for a in areas:
        if not a["has_data"]:
            notes.append(f"{a['name']}：{period.label_zh}无监测数据。")
            continue
        if a["same_as_region"]:
            continue
        bits = list(a["shortfalls"])
        if a["days_without_valid_aqi"]:
            bits.append(f"{a['days_without_valid_aqi']}天无有效AQI：{a['no_aqi_text']}")
        if bits:
            notes.append(f"{a['name']}：" + "；".join(bits) + "。")
    if not notes:
        notes.append("本月各地区各项污染物有效日均值均满足数据有效性要求。")
    return notes


def _page_rules(period: Period) -> dict[str, Any]:
    """The standard facts the page's fixed text states, from the HJ 633 table in force at the period's end:
    the AQI above which a day has a primary pollutant, and the day that table applies from."""
    table = standards.in_force("hj633", period.end)
    start = table.effective_from
    return {"primary_aqi_above": table["primary_pollutant"]["aqi_above"],
            "hj633_from_zh": f"{start.year}年{start.month}月{start.day}日"}


def _review_notes(areas: list[dict[str, Any]], comparison: list[dict[str, Any]], conf: ac.Settings,
                  dust: pl.DataFrame | None, dust_days: dict[str, list[str]], period: Period, job: Job) -> list[ReviewNote]:
    notes: list[ReviewNote] = []
    pending = ac.statistics_note(period.end)
    if pending:
        notes.append(ReviewNote("method", pending))
    where = "工作目录的 air.yaml" if conf.path.parent == job.workspace.home else "程序自带的默认设置 publisher/defaults/air.yaml"
    notes.append(ReviewNote("configuration", f"排名范围“{conf.ranking_name}”（{len(conf.ranking_areas)}个城市）取自{where}。"))
    flagged = "、".join(f"{a}{len(d)}天" for a, d in dust_days.items()) or "本月无标记"
    notes.append(ReviewNote("provenance", f"沙尘天气影响日取自{ac.DUST_FILE}（上游认定，本系统不识别沙尘天气）：{flagged}。"
                            if dust is not None else f"工作目录没有 {ac.DUST_FILE}，未标记沙尘天气影响日（不扣沙）。"))
    for a in areas:
        if a["ytd"] and not a["ytd_full"] and not a["same_as_region"]:
            notes.append(ReviewNote("data", f"{a['name']}1—{period.start.month}月累计只含入库数据的日子（{a['ytd_span']}），"
                                            f"此前没有该地区的数据。"))
    for c in comparison:
        if c["row"] and c["rank_value"] is None and c["lacking"]:
            notes.append(ReviewNote("data", f"{c['name']}未参与排名：{'；'.join(c['lacking'])}。"))
    notes += _completeness_notes(areas, period)
    return notes


def _tables(areas: list[dict[str, Any]], comparison: list[dict[str, Any]], period: Period,
            conf: ac.Settings) -> dict[str, pl.DataFrame]:
    """The data files: full column headers, numbers as the page prints them (text with fixed decimals)."""
    m = period.start.month
    stat_cols = {c: f"{STAT_LABEL_ZH[c]}（{ac.unit_of(c)}）" for c in ac.PERIOD_STATS}
    levels = ac.levels_table(period.end)
    rows = []
    for a in areas:
        r = a["month"] or {}
        y = a["ytd"] or {}
        ch = a["yoy"] or {}
        row: dict[str, Any] = {
            "地区": a["name"], "统计时段": period.label_zh, "统计日期": a["span"], "数据性质": ac.DATA_LABEL,
            "样例数据": "是" if a["sample"] else "否", "有效监测天数": r.get("valid_days"),
            "优良天数": r.get("good_days"),
            "优良天数比例（%）": ac.fmt(r.get("good_day_ratio"), 1) if r and a["valid"] else None}
        for item in levels:
            row[f"{item['category_zh']}天数"] = r.get(f"days_level{item['level']}")
        row["无有效AQI天数"] = a["days_without_valid_aqi"] if a["has_data"] else period.days
        for c in a["concentrations"]:
            row[stat_cols[c["code"]]] = None if c["text"] == "—" else c["text"]
        row["环境空气质量综合指数"] = None if a["composite_text"] == "—" else a["composite_text"]
        row["最大单项指数污染物"] = None if a["composite_primary"] == "—" or not a["valid"] else a["composite_primary"]
        row["排名"] = r.get("rank")
        row["排名范围"] = conf.ranking_name if a["is_region"] else ("县（市、区）" if r.get("rank") else None)
        row[f"1—{m}月累计统计日期"] = a["ytd_span"] if a["ytd"] else None
        row[f"1—{m}月累计有效监测天数"] = y.get("valid_days")
        row[f"1—{m}月累计优良天数比例（%）"] = ac.fmt(y.get("good_day_ratio"), 1) if y else None
        row["优良天数比例同比变化（百分点）"] = ac.fmt(ch.get("good_day_ratio_change"), 1) if ch else None
        row["综合指数同比变化（%）"] = ac.fmt(ch.get("composite_index_change"), 1) if ch else None
        row["沙尘"] = r.get("dust")
        row["数据有效性"] = "；".join(a["shortfalls"]) or ("满足" if a["has_data"] else "无监测数据")
        rows.append(row)
    summary = pl.DataFrame(rows, infer_schema_length=None)
    comp_rows = []
    for c in comparison:
        r = c["row"] or {}
        comp_rows.append({"排名": c["rank"] if c["rank_value"] is not None else None, "城市": c["name"],
                          "环境空气质量综合指数": c["composite_index"] if r else None,
                          "最大单项指数污染物": None if c["composite_primary"] == "—" else c["composite_primary"],
                          "优良天数比例（%）": c["good_day_ratio"] if r else None, "有效监测天数": r.get("valid_days"),
                          **{stat_cols[k]: (c["cells"][k] if r else None) for k in ac.PERIOD_STATS},
                          "综合指数同比变化（%）": None if c["index_change"] == "—" else c["index_change"],
                          "未参与排名原因": "；".join(c["lacking"]) or None})
    ranking = pl.DataFrame(comp_rows, infer_schema_length=None)
    daily_rows = []
    for a in areas:
        for d in a["days"]:
            daily_rows.append({"地区": a["name"], "日期": f"{period.start.year}年{_md(d['date'])}", "AQI": d["aqi"],
                               "级别": ac.LEVEL_WORDS.get(d["level"]) if d["aqi"] is not None else None,
                               "类别": d["category"] if d["aqi"] is not None else None,
                               "首要污染物": d["primary"] if d["aqi"] is not None else None,
                               "状态": d["status"], "有效数据不足的项目": d.get("invalid_zh") or None})
    daily = pl.DataFrame(daily_rows, schema={"地区": pl.String, "日期": pl.String, "AQI": pl.Int64, "级别": pl.String,
                                             "类别": pl.String, "首要污染物": pl.String, "状态": pl.String,
                                             "有效数据不足的项目": pl.String})
    return {"各地区月统计": summary, f"{conf.ranking_name}综合指数排名"[:31]: ranking, "逐日AQI": daily}
