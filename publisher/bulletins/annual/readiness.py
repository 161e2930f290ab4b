"""What the annual bulletin of a year still waits for: the stations and points whose year is incomplete.

Used by ``publisher status`` (from January to June, for the previous year) and so by the scheduler, which builds
the annual bulletin when nothing is waiting, or a few working days before 5 June with what there is.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins.air import common as ac
from publisher.evaluate.air import validity
from publisher.periods import Period
from publisher.store import Store


def waiting_for(ws, registry, year: Period) -> list[dict[str, Any]]:
    """``[{station_id, name, missing}]`` of the stations and points of the region whose `year` is incomplete:
    a water station with fewer than 12 months (a county source fewer than 4 quarters) sampled, an air station of the
    region or its counties with fewer than 324 days (GB 3095 表4, :func:`validity.minimums`) of at least 20 hours, a functional-zone noise point with fewer
    than 4 quarters, a road or grid point without a result."""
    store = Store(ws)
    first, last = year.start, year.end
    out: list[dict[str, Any]] = []
    if not store.exists():
        return [{"station_id": "*", "name": "全部站点", "missing": f"{year.label}年无入库数据"}]
    active = [s for s in registry.stations if s.active_on(last) or s.active_on(first)]
    water = store.water_samples(first, last).group_by("station_id").agg(
        pl.col("sampled_at").dt.month().n_unique().alias("months"),
        ((pl.col("sampled_at").dt.month() - 1) // 3).n_unique().alias("quarters"))
    got = {r["station_id"]: r for r in water.to_dicts()}
    for s in active:
        if s.kind in ("city_source", "national_section", "provincial_section", "lake_point"):
            n = (got.get(s.id) or {}).get("months", 0)
            if n < 12:
                out.append({"station_id": s.id, "name": s.name, "missing": f"{year.label}年仅 {n} 个月有采样（需 12）"})
        elif s.kind == "county_source":
            n = (got.get(s.id) or {}).get("quarters", 0)
            if n < 4:
                out.append({"station_id": s.id, "name": s.name, "missing": f"{year.label}年仅 {n} 个季度有采样（需 4）"})
    region = ac.region_name(registry)
    names = [region, *ac.region_counties(registry)]
    link = registry.air_areas().filter(pl.col("area").is_in(names))
    ids = sorted(set(link["station_id"].to_list()))
    hourly = ac.read_hourly(store, first, last, ids)
    days: dict[str, int] = {}
    if hourly.height:
        min_hours = int(standards.in_force("gb3095", last)["validity"]["daily_min_hours"])
        per_day = validity.hours_with_a_value(hourly).filter(pl.col("hours") >= min_hours)
        days = dict(per_day.group_by("station_id").len().iter_rows())
    need = validity.minimums("pm2_5", last).annual
    for sid in ids:
        n = days.get(sid, 0)
        if n < need:
            out.append({"station_id": sid, "name": registry.get(sid).name,
                        "missing": f"{year.label}年有效日 {n} 天（需 ≥{need}）"})
    noise = store.noise(first, last)
    quarters = dict(noise.group_by("station_id").agg(pl.col("period").n_unique()).iter_rows()) if noise.height else {}
    for s in active:
        if s.kind == "noise_zone_point" and quarters.get(s.id, 0) < 4:
            out.append({"station_id": s.id, "name": s.name,
                        "missing": f"{year.label}年仅 {quarters.get(s.id, 0)} 个季度有监测结果（需 4）"})
        elif s.kind in ("noise_road_point", "noise_grid_point") and not quarters.get(s.id):
            out.append({"station_id": s.id, "name": s.name, "missing": f"{year.label}年无监测结果"})
    return out
