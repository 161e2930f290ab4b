"""Completeness: what data a period needs, what the store holds, and which bulletins wait for what.

For each active station: samples expected from its cadence (hourly → hours of the period up to now;
monthly → one per month; quarterly → one per quarter, counted over the quarter that contains the
period) against samples received (air: hours with at least one value; water: distinct months or
quarters with a sample), the latest data time, and the bulletins held up. Deadlines are the 10th of
the month after the period (the day after, for the daily air bulletin), moved to the next working day
by the State Council schedule (``chinese_calendar``); beyond the years it knows, plain weekdays are
used and the deadline is flagged provisional.

Also a cheap continuous check: hours where the platform's own AQI (kept as ``platform_aqi``) differs
from the AQI we compute (``publisher.evaluate.air.hourly_aqi``).
"""
from __future__ import annotations

import datetime as dt
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

import chinese_calendar
import polars as pl

from publisher import registry as registry_mod, standards
from publisher.display import shown
from publisher.bulletins import catalogue
from publisher.bulletins.supervisory import KIND as SUPERVISORY, results as supervisory_results
from publisher.errors import PublisherError
from publisher.evaluate.air import hourly_aqi, validity
from publisher.paths import Workspace
from publisher.periods import Period
from publisher.store import Store
from publisher.vocabulary.air import POLLUTANTS



def beijing_today() -> dt.date:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=8)).date()


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(working day?, provisional?) — provisional when the official schedule of that year is unknown."""
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:  # a year whose official schedule is not published yet
        return day.weekday() < 5, True


def next_workday(day: dt.date) -> tuple[dt.date, bool]:
    provisional = False
    while True:
        ok, prov = is_workday(day)
        provisional |= prov
        if ok:
            return day, provisional
        day += dt.timedelta(days=1)


def deadline(kind: str, period: Period, home: str | os.PathLike[str] | None = None) -> tuple[dt.date, bool]:
    """The publication deadline of `kind` for `period` (the catalogue's rule; a deadline that falls on a rest
    day moves to the next working day unless the rule names a fixed day, like the annual bulletin's 5 June),
    and whether it is provisional."""
    rule = catalogue.get(kind, home).deadline
    if rule is None:
        raise PublisherError(f"公报类型 {kind} 未设定截止日期 (no_deadline)")
    nominal = rule.on(period)
    if not rule.moves:
        return nominal, False
    return next_workday(nominal)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is past)."""
    sign = 1 if end >= start else -1
    a, b = (start, end) if sign > 0 else (end, start)
    count, day = 0, a + dt.timedelta(days=1)
    while day <= b:
        count += is_workday(day)[0]
        day += dt.timedelta(days=1)
    return sign * count


@dataclass
class StationStatus:
    station_id: str
    name: str
    kind: str
    cadence: str
    window: str
    expected: int
    received: int
    latest: str | None

    @property
    def missing(self) -> int:
        return max(self.expected - self.received, 0)


def _quarter_of(period: Period) -> Period:
    return Period.quarter(period.start.year, (period.start.month - 1) // 3 + 1)


def status(ws: Workspace, registry, period: Period | None = None, today: dt.date | None = None,
           aqi_check: bool = True) -> dict[str, Any]:
    """The completeness report of `period` (default: the previous month) as a JSON-ready dict."""
    today = today or beijing_today()
    if period is None:
        period = Period.month(today.year, today.month).previous()
    if period.unit not in ("month", "quarter"):
        raise PublisherError(f"status 只支持月份或季度（如 2026-05、2026-Q2），而不是 {period.label} (bad_period)")
    store = Store(ws)
    now = dt.datetime.combine(today, dt.time()) + dt.timedelta(hours=dt.datetime.now().hour)
    quarter = _quarter_of(period) if period.unit == "month" else period

    # --- received, from the store (current values only)
    air_counts = pl.DataFrame(schema={"station_id": pl.String, "received": pl.UInt32, "days_ok": pl.UInt32})
    daily_hours = pl.DataFrame(schema={"station_id": pl.String, "day": pl.Date, "hours": pl.UInt32})
    min_hours = int(standards.in_force("gb3095", period.start)["validity"]["daily_min_hours"])
    air = pl.DataFrame()
    if store.exists():
        # completeness counts hours with a value of any pollutant: the station-days keep counts per
        # pollutant, which cannot tell them, so the hours are read, but only the columns used here
        hours = store.air_scan(period.start, period.end, columns=("station_id", "time", *POLLUTANTS,
                                                                   "not_monitored", "platform_aqi"))
        daily_hours = validity.hours_with_a_value(hours)
        if aqi_check:   # the platform AQI check reads only the hours that carry one
            air = hours.filter(pl.col("platform_aqi").is_not_null()).collect()
        air_counts = (daily_hours.group_by("station_id").agg(pl.col("hours").sum().cast(pl.UInt32).alias("received"))
                      .join(daily_hours.filter(pl.col("hours") >= min_hours).group_by("station_id")
                            .agg(pl.len().cast(pl.UInt32).alias("days_ok")), on="station_id", how="left"))
    water_months = pl.DataFrame(schema={"station_id": pl.String, "months": pl.UInt32, "quarters": pl.UInt32})
    if store.exists():
        water = store.water_samples(min(period.start, quarter.start), max(period.end, quarter.end))
        in_period = water.filter(pl.col("sampled_at").dt.date().is_between(period.start, period.end))
        months = in_period.group_by("station_id").agg(
            pl.col("sampled_at").dt.strftime("%Y-%m").n_unique().cast(pl.UInt32).alias("months"))
        quarters = water.group_by("station_id").agg(pl.lit(1, pl.UInt32).alias("quarters"))
        water_months = months.join(quarters, on="station_id", how="full", coalesce=True)
    latest = pl.concat([store.latest_times("air"), store.latest_times("water")]) if store.exists() else \
        pl.DataFrame(schema={"station_id": pl.String, "latest": pl.Datetime("us")})
    latest_map = dict(latest.group_by("station_id").agg(pl.col("latest").max()).iter_rows())
    air_map = {r["station_id"]: r for r in air_counts.iter_rows(named=True)}
    water_map = {r["station_id"]: r for r in water_months.iter_rows(named=True)}

    # --- expected, from the registry
    period_end_dt = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time())
    period_start_dt = dt.datetime.combine(period.start, dt.time())
    hours_so_far = max(0, int((min(period_end_dt, now) - period_start_dt).total_seconds() // 3600))
    months_in = (period.end.year * 12 + period.end.month) - (period.start.year * 12 + period.start.month) + 1
    stations: list[StationStatus] = []
    for s in registry.stations:
        if not (s.active_from is None or s.active_from <= period.end) or \
                not (s.active_to is None or s.active_to >= period.start):
            continue
        last = latest_map.get(s.id)
        last_text = last.isoformat(sep=" ", timespec="minutes") if last else None
        if s.kind in registry_mod.NOISE_KINDS:   # surveyed once a quarter or a year: the annual bulletin's readiness
            continue
        if s.cadence == "hourly":
            got = air_map.get(s.id, {}).get("received") or 0
            stations.append(StationStatus(s.id, s.name, s.kind, s.cadence, period.label, hours_so_far, int(got),
                                          last_text))
        elif s.cadence == "monthly":
            got = water_map.get(s.id, {}).get("months") or 0
            stations.append(StationStatus(s.id, s.name, s.kind, s.cadence, period.label, months_in, int(got),
                                          last_text))
        else:
            got = water_map.get(s.id, {}).get("quarters") or 0
            expected = 1 if quarter.start <= min(today, quarter.end) else 0
            stations.append(StationStatus(s.id, s.name, s.kind, s.cadence, quarter.label, expected, int(got),
                                          last_text))

    # --- bulletins held up, and what the ledger says was already built
    built_by_kind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if store.exists():
        for b in store.bulletins():
            built_by_kind.setdefault((b["kind"], b["period"]), []).append(b)
    bulletins = []
    month_days = period.days
    supervisory = None
    for kind, entry in catalogue.catalogue(ws.home).items():
        cadence, title = entry.cadence, entry.title_zh
        needed = [st for st in stations if st.kind in entry.station_kinds]
        counted = len(needed)
        if kind == SUPERVISORY:
            # the key polluting units' outlets of the registry, not stations, are what it waits for
            if entry.deadline is None or not getattr(registry, "units", None):
                continue
            found = store.supervisory(quarter.start, quarter.end) if store.exists() else pl.DataFrame(
                schema={"outlet_id": pl.String})
            supervisory = {"period": quarter.label, **supervisory_results.expected(
                found, registry, quarter.start, quarter.end)}
            target = quarter
            waiting = supervisory["waiting"] if quarter.start <= today else []
            counted = supervisory["outlets"]
        elif not needed or entry.deadline is None:
            continue
        elif cadence == "yearly":
            # the annual bulletin of the previous year is prepared from January to its deadline (5 June)
            if period.start.month > 6:
                continue
            from publisher.bulletins.annual.readiness import waiting_for

            target = Period.parse(str(period.start.year - 1))
            waiting = waiting_for(ws, registry, target)
        elif cadence == "daily":
            day = min(period.end, today - dt.timedelta(days=1))
            target = Period(day, day, "day")
            hours = {r["station_id"]: r["hours"] for r in daily_hours.filter(pl.col("day") == day).iter_rows(named=True)}
            waiting = [{"station_id": st.station_id, "name": st.name,
                        "missing": f"{day.isoformat()} 仅 {hours.get(st.station_id, 0)} 小时（需 ≥{min_hours}）"}
                       for st in needed if hours.get(st.station_id, 0) < min_hours]
        elif kind == "air-monthly":
            target = period
            need_days = (validity.month_minimum(period.start) if period.unit == "month"
                         else validity.minimums("pm2_5", period.start).monthly)
            if period.unit == "quarter":
                need_days = need_days * 3
            waiting = [{"station_id": st.station_id, "name": st.name,
                        "missing": f"有效日 {air_map.get(st.station_id, {}).get('days_ok') or 0} 天（需 ≥{need_days}）"}
                       for st in needed if (air_map.get(st.station_id, {}).get("days_ok") or 0) < need_days]
        else:
            target = quarter if cadence == "quarterly" else period
            waiting = [{"station_id": st.station_id, "name": st.name,
                        "missing": f"缺 {st.missing} 次采样（{st.window}）"} for st in needed if st.missing > 0]
        due, provisional = deadline(kind, target, ws.home)
        built = [b for b in built_by_kind.get((kind, target.label), [])]
        bulletins.append({"kind": kind, "title": title, "period": target.label, "stations": counted,
                          "counted": "排放口" if kind == SUPERVISORY else "站点",
                          "ready": not waiting, "waiting_for": waiting, "deadline": due.isoformat(),
                          "deadline_provisional": provisional, "workdays_left": workdays_between(today, due),
                          "built": len(built),
                          "built_at": max((b["built_at"] for b in built if b.get("built_at")), default=None)})

    result: dict[str, Any] = {
        "period": period.label, "today": today.isoformat(),
        "stations": [{**st.__dict__, "missing": st.missing} for st in stations],
        "missing_stations": [st.station_id for st in stations if st.expected > 0 and st.received == 0],
        "bulletins": bulletins,
    }
    if supervisory is not None:
        result["supervisory"] = supervisory
    if aqi_check:
        result["aqi_check"] = aqi_differences(air)
    return result


def aqi_differences(air: pl.DataFrame, limit: int = 50) -> dict[str, Any]:
    """Hours where the stored platform AQI differs from our hourly AQI (first `limit` listed)."""
    if air.height == 0 or "platform_aqi" not in air.columns:
        return {"checked": 0, "differ": 0, "hours": []}
    subset = air.filter(pl.col("platform_aqi").is_not_null())
    if subset.height == 0:
        return {"checked": 0, "differ": 0, "hours": []}
    ours = hourly_aqi(subset.select("station_id", "time", "so2", "no2", "co", "o3", "pm10", "pm2_5",
                                    "not_monitored", "platform_aqi"))
    withheld = ours.filter(pl.col("aqi").is_null()).height  # our rules withhold the AQI (missing pollutants)
    diff = ours.filter(pl.col("aqi").is_not_null() & (pl.col("aqi") != pl.col("platform_aqi")))
    hours = (diff.head(limit).select("station_id", pl.col("time").dt.strftime("%Y-%m-%d %H:%M"), "platform_aqi",
                                     pl.col("aqi").alias("our_aqi")).to_dicts())
    return {"checked": subset.height - withheld, "differ": diff.height, "withheld": withheld, "hours": hours}


def _width(text: str) -> int:
    """Terminal columns of `text`: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal columns (at least one space after it)."""
    gap = " " * max(width - _width(text), 1)
    return gap + text if right else text + gap


CADENCE_ZH = {"hourly": "逐时", "daily": "逐日", "monthly": "逐月", "quarterly": "逐季"}


def _deadline_text(b: dict[str, Any]) -> str:
    left = b["workdays_left"]
    prov = "（暂定，节假日安排未公布）" if b["deadline_provisional"] else ""
    if left > 0:
        when = f"剩 {left} 个工作日"
    elif left == 0:
        when = "今日截止"
    else:
        when = f"已过 {-left} 个工作日"
    return f"截止 {b['deadline']}{prov}，{when}"


def render_text(report: dict[str, Any]) -> str:
    """A plain table for the terminal."""
    lines = [f"数据完整性：{report['period']}（今天 {report['today']}）", ""]
    lines.append(_pad("站点", 24) + _pad("名称", 22) + _pad("频次", 6) + _pad("统计期", 10)
                 + _pad("应有", 6, True) + _pad("实有", 6, True) + _pad("缺", 6, True) + "  最新数据")
    for st in report["stations"]:
        flag = "" if st["missing"] == 0 else " ←"
        lines.append(_pad(shown(st["station_id"]), 24) + _pad(shown(st["name"]), 22)
                     + _pad(CADENCE_ZH.get(st["cadence"], st["cadence"]), 6) + _pad(st["window"], 10)
                     + _pad(str(st["expected"]), 6, True) + _pad(str(st["received"]), 6, True)
                     + _pad(str(st["missing"]), 6, True) + f"  {st['latest'] or '—'}{flag}")
    missing = report["missing_stations"]
    lines += ["", f"无数据站点（{len(missing)}）：{'、'.join(shown(m) for m in missing) if missing else '无'}", "",
              "公报："]
    for b in report["bulletins"]:
        state = "可编制" if b["ready"] else f"等待 {len(b['waiting_for'])} 个{b.get('counted', '站点')}"
        if b.get("built"):
            state += f"，已编制（{b['built']} 版）"
        lines.append("  " + _pad(b["kind"], 22) + _pad(b["period"], 12) + _pad(state, 26) + _deadline_text(b))
        for w in b["waiting_for"][:8]:
            lines.append(f"      {shown(w['station_id'])} {shown(w['name'])}：{w['missing']}")
        if len(b["waiting_for"]) > 8:
            lines.append(f"      ……另有 {len(b['waiting_for']) - 8} 个{b.get('counted', '站点')}")
    sv = report.get("supervisory")
    if sv:
        lines += ["", f"重点排污单位监督性监测（{sv['period']}）：名录 {sv['units']} 家 {sv['outlets']} 个排放口，"
                      f"已有结果 {sv['units_monitored']} 家 {sv['outlets_monitored']} 个排放口"]
    check = report.get("aqi_check")
    if check:
        lines += ["", f"平台 AQI 核对：{check['checked']} 小时，其中 {check['differ']} 小时与本系统计算不同"]
        for h in check["hours"][:10]:
            lines.append(f"  {shown(h['station_id'])} {h['time']}：平台 {h['platform_aqi']}，本系统 {h['our_aqi']}")
    return "\n".join(lines)
