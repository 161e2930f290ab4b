"""The air rules: a station hour or a city day above its AQI line, a heavy-pollution episode."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.evaluate import air
from publisher.operations.alerts.findings import Finding, Outcome, minute as _minute
from publisher.operations.alerts.rules import Config

_AIR_COLS = ["station_id", "time", "so2", "no2", "co", "o3", "pm10", "pm2_5", "not_monitored"]
_NAMES = {"so2": "SO₂", "no2": "NO₂", "co": "CO", "o3": "O₃", "pm10": "PM10", "pm2_5": "PM2.5",
          "o3_8h": "O₃（8小时）", "o3_1h": "O₃（1小时）"}


def _pollutants(codes: str | None) -> str:
    return "、".join(_NAMES.get(c, c) for c in (codes or "").split(",") if c) or "—"


#: stations evaluated together (memory holds their hours of one month, not the file's)
STATION_BATCH = 100


def _batches(items: list, size: int = STATION_BATCH) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or []


def evaluate(frame: pl.DataFrame | pl.LazyFrame, registry, store, cfg: Config) -> Outcome:
    """One month of the file and at most STATION_BATCH stations at a time: memory holds that, not the file
    (a large file comes as a LazyFrame over its spilled batches)."""
    out = Outcome()
    lf = frame.lazy()
    names = lf.collect_schema().names()
    lf = lf.select([c for c in _AIR_COLS if c in names])
    if "not_monitored" not in names:
        lf = lf.with_columns(not_monitored=pl.lit(None, pl.String))
    span = lf.select(pl.col("time").min().alias("first"), pl.col("time").max().alias("last")).collect()
    if span.height == 0 or span.item(0, 0) is None:
        return out
    first, last = span.item(0, 0), span.item(0, 1)
    month = dt.datetime(first.year, first.month, 1)
    while month <= last:
        after = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
        month_lf = lf.filter((pl.col("time") >= month) & (pl.col("time") < after))
        stations = sorted(month_lf.select(pl.col("station_id").unique()).collect().get_column("station_id").to_list())
        if stations and cfg.on("air_station_hour"):
            for batch in _batches(stations):
                part = month_lf.filter(pl.col("station_id").is_in(batch)).collect()
                out.extend(_air_hours(part, registry, cfg))
        if stations and (cfg.on("air_city_day") or cfg.on("air_episode")):
            out.extend(_air_days(lf, month_lf, stations, registry, store, cfg))
        month = after
    return out


def _air_hours(new: pl.DataFrame, registry, cfg: Config) -> Outcome:
    out = Outcome()
    by_id = {s.id: s for s in registry.stations}
    level = cfg.get("air_station_hour", "aqi_above")
    hourly = air.hourly_aqi(new)
    for row in hourly.select("station_id", "time", "aqi", "category", "primary_pollutant").iter_rows(named=True):
        when = _minute(row["time"])
        out.scope.add(("air_station_hour", row["station_id"], when))
        if row["aqi"] is not None and row["aqi"] > level:
            station = by_id.get(row["station_id"])
            name = station.name if station else row["station_id"]
            out.raised.append(Finding(
                "air_station_hour", row["station_id"], name, when, float(row["aqi"]), float(level),
                f"空气质量小时预警：{name}（{row['station_id']}）{when}（时段末）AQI {row['aqi']}（{row['category']}），"
                f"首要污染物 {_pollutants(row['primary_pollutant'])}，高于预警线 {level}。〔规则 air_station_hour〕",
                {"category": row["category"], "primary_pollutant": row["primary_pollutant"]}))
    return out


def _air_days(lf: pl.LazyFrame, month_lf: pl.LazyFrame, stations: list[str], registry, store,
              cfg: Config) -> Outcome:
    """The daily AQI of the areas the month's stations count in, from every station of those areas: the
    file's hours over what the store holds (the file's own hours around the month too, so that an
    episode across a month's end is seen whole)."""
    out = Outcome()
    areas = registry.air_areas()
    touched = sorted(set(areas.filter(pl.col("station_id").is_in(stations)).get_column("area").to_list()))
    if not touched:
        return out
    days = month_lf.select(pl.col("time").min().alias("a"), pl.col("time").max().alias("b")).collect()
    lo = (days.item(0, 0) - dt.timedelta(hours=1)).date()
    hi = (days.item(0, 1) - dt.timedelta(hours=1)).date()
    span = cfg.get("air_episode", "min_days") - 1 if cfg.on("air_episode") else 0
    # one day more before: a run that begins on the first day read began earlier or is unknown (skipped)
    read_lo, read_hi = lo - dt.timedelta(days=span + 1), hi + dt.timedelta(days=span)
    first_hour = dt.datetime.combine(read_lo, dt.time()) + dt.timedelta(hours=1)
    last_hour = dt.datetime.combine(read_hi, dt.time()) + dt.timedelta(days=1)
    # areas in groups of at most STATION_BATCH member stations
    groups: list[list[str]] = [[]]
    size = 0
    for area in touched:
        n = areas.filter(pl.col("area") == area).height
        if groups[-1] and size + n > STATION_BATCH:
            groups.append([])
            size = 0
        groups[-1].append(area)
        size += n
    city_rows: list[dict[str, Any]] = []
    for group in groups:
        members = areas.filter(pl.col("area").is_in(group))
        ids = members.get_column("station_id").unique().to_list()
        hours = lf.filter(pl.col("station_id").is_in(ids) & (pl.col("time") >= first_hour)
                          & (pl.col("time") <= last_hour)).collect()
        if store.exists():
            stored = store.air_hourly(read_lo, read_hi, ids).select(_AIR_COLS)
            stored = stored.join(hours.select("station_id", "time"), on=["station_id", "time"], how="anti")
            hours = pl.concat([stored, hours.select(_AIR_COLS)], how="vertical_relaxed")
        daily = air.daily_values(air.mark_not_monitored(hours))
        city = air.area_daily(daily, members)
        city_rows += city.select("area", "date", "aqi", "category", "primary_pollutant").to_dicts()
    city = pl.DataFrame(city_rows, schema={"area": pl.String, "date": pl.Date, "aqi": pl.Int64,
                                           "category": pl.String, "primary_pollutant": pl.String}) \
        .sort("area", "date")
    if cfg.on("air_city_day"):
        level = cfg.get("air_city_day", "aqi_above")
        for row in city.filter(pl.col("date").is_between(lo, hi)).iter_rows(named=True):
            when = row["date"].isoformat()
            out.scope.add(("air_city_day", row["area"], when))
            if row["aqi"] is not None and row["aqi"] > level:
                out.raised.append(Finding(
                    "air_city_day", row["area"], row["area"], when, float(row["aqi"]), float(level),
                    f"城市空气质量日预警：{row['area']} {when} 日 AQI {row['aqi']}（{row['category']}），"
                    f"首要污染物 {_pollutants(row['primary_pollutant'])}，高于预警线 {level}。〔规则 air_city_day〕",
                    {"category": row["category"], "primary_pollutant": row["primary_pollutant"]}))
    if cfg.on("air_episode"):
        level, need = cfg.get("air_episode", "aqi_above"), cfg.get("air_episode", "min_days")
        for area_name in touched:
            rows = city.filter(pl.col("area") == area_name)
            aqis = {r["date"]: r["aqi"] for r in rows.iter_rows(named=True)}
            dates = [d for d, a in aqis.items() if a is not None and a > level]
            day = lo - dt.timedelta(days=span)
            while day <= hi:   # every day of the window could start an episode
                out.scope.add(("air_episode", area_name, day.isoformat()))
                day += dt.timedelta(days=1)
            for begin, end in _runs(dates):
                length = (end - begin).days + 1
                if length >= max(need, 1) and begin > read_lo:
                    peak = max(aqis[begin + dt.timedelta(days=i)] for i in range(length))
                    out.raised.append(Finding(
                        "air_episode", area_name, area_name, begin.isoformat(), float(peak), float(level),
                        f"重污染过程预警：{area_name} 自 {begin.isoformat()} 起连续 {length} 天日 AQI 高于 {level}"
                        f"（至 {end.isoformat()}，最高 {peak}）。〔规则 air_episode〕",
                        {"first_day": begin.isoformat(), "last_day": end.isoformat(), "days": length}))
    return out


def _runs(dates: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(dates):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs

