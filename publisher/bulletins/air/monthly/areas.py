"""One area's month (the region or a county): its figures, words and calendar chart."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.air import common as ac
from publisher.bulletins.air.monthly.context import AreaMonth
from publisher.bulletins.air.monthly.data import (
    MonthStats, _area_days, _concentration_rows, _days_under, _first_last, _nature, _primary_counts, _shortfalls,
    _station_completeness, _worst_days,
)
from publisher.bulletins.air.monthly.text import _area_summary, _no_aqi_text
from publisher.bulletins.air.monthly.words import _levels_text, _span
from publisher.bulletins.base import Note
from publisher.periods import Period


def _area_month(name: str, period: Period, reg, region: str, region_ids: set[str], stats: MonthStats,
                adaily: pl.DataFrame, daily: pl.DataFrame, hourly: pl.DataFrame, limits: dict[str, Any],
                dust_days: dict[str, list[str]], levels: list[dict[str, Any]], source: str,
                conf: ac.Settings) -> tuple[AreaMonth, Any]:
    """The area's :class:`AreaMonth` and its AQI calendar chart (None for an area without data or one
    measured by the region's own stations)."""
    ytd_first = dt.date(period.start.year, 1, 1)
    calendar = None
    row = stats.month.get(name)
    area = reg.area(name)
    stations = ac.area_stations(reg, name)
    same = name != region and {s.id for s in stations} == region_ids
    days = _area_days(adaily, name, period)
    short = _shortfalls(row, period)
    y = stats.ytd.get(name)
    y_first, y_last = _first_last(adaily, name, ytd_first, period.end)
    ch = stats.yoy.get(name) if stats.last_year.get(name) else None
    chart_name = f"calendar-{area.id}"
    if row and not same:
        calendar = ac.chart(chart_name, "aqi_calendar", {
            "frame": pl.DataFrame([{"date": dt.date.fromisoformat(d["date"]), "aqi": d["aqi"], "level": d["level"]}
                                   for d in days], schema={"date": pl.Date, "aqi": pl.Int64, "level": pl.Int64}),
            "year": period.start.year, "month": period.start.month, "levels": levels,
            "title": f"{name}{period.label_zh}逐日空气质量指数（AQI）", "source": source})
    valid_days = row["valid_days"] if row else 0
    entry = AreaMonth(
        name=name, id=area.id, level=area.level, is_region=name == region, region_name=region,
        sample=_nature(reg, name) == "sample", stations=stations, same_as_region=same,
        has_data=row is not None, month=row, ytd=y,
        last_year=stats.last_year.get(name), previous_month=stats.previous.get(name),
        yoy=ch, yoy_ytd=stats.yoy_ytd.get(name) if stats.last_year_ytd.get(name) else None,
        mom=stats.mom.get(name) if stats.previous.get(name) else None,
        days=days, days_without_valid_aqi=period.days - valid_days,
        no_aqi_text=_no_aqi_text(days),
        levels_text=_levels_text(row, period.end) if row else "无监测数据",
        primary=_primary_counts(days), worst_days=_worst_days(days),
        valid=bool(row and not short), shortfalls=[Note("validity", v["text"], {"code": c, "days": v["days"], "need": v["need"]})
                    for c, v in short.items()],
        concentrations=_concentration_rows(row, ch, limits, short, stats.dust.get(name), day=period.end),
        composite_primary=ac.largest_index_zh((row or {}).get("composite_primary")),
        composite_primary_name=ac.largest_index_zh((row or {}).get("composite_primary"), names=True),
        composite_text=("—" if not row or row.get("composite_index") is None
                        else ("—" if short else ac.fmt(row["composite_index"], 2))),
        rank=(row or {}).get("rank"), rank_value=(row or {}).get("rank_value"),
        alone=bool((row or {}).get("alone")),
        span=_span(period.start, period.end),
        ytd_span=_span(y_first, y_last) if y else "—", ytd_first=y_first.isoformat() if y_first else None,
        ytd_full=bool(y_first == ytd_first and y_last == period.end),
        ytd_2012=_days_under(adaily, name, ytd_first, period.end, "HJ633-2012"),
        completeness=_station_completeness(hourly, daily, stations, period),
        dust_days=dust_days.get(name, []),
        chart=chart_name if row and not same else None,
        summary="",
    )
    return dataclasses.replace(entry, summary=_area_summary(entry, period, conf)), calendar
