"""The bench's decade: ten calendar years (2016–2025) of every national air station's hours, ingested one
month at a time into a new store, and each year's annual statistics computed from the kept station-days.

The years are the bench year's months (``national.air_month``: July–December 2025, January–June 2026)
moved to each calendar year, so the data set is a pure function of (scale, seed) like the bench year.
Nothing holds more than one month of hours: each month is generated, committed through
``Store.commit_ingest`` (which writes its station-days in the same transaction) and dropped. The figures:
the time of each year's ingest, of each year's statistics, of a ten-year trend read at once, the store's
size, and the stage's peak memory (``ru_maxrss``).
"""
from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import polars as pl

YEARS = tuple(range(2016, 2026))


def _month(lay: Any, year: int, month: int) -> pl.DataFrame:
    """The hours of `month` of `year`: the bench year's same month, moved by whole years."""
    from publisher.bench import national

    source_year = 2026 if month <= 6 else 2025
    frame = national.air_month(lay, source_year, month)
    return frame.with_columns(pl.col("time").dt.offset_by(f"{year - source_year}y"))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(data: Path, info: dict[str, Any], say: Callable[[str], None]) -> dict[str, Any]:
    import datetime as dt

    from publisher.bench import national
    from publisher.evaluate import air
    from publisher.paths import Workspace
    from publisher.store import Store

    lay = national.layout(info["scale"], info["seed"])
    areas = lay.of_kind("air_station").select(pl.col("id").alias("station_id"), pl.col("area"))
    home = data / "decade" / "home"
    shutil.rmtree(home.parent, ignore_errors=True)
    store = Store(Workspace(home))
    from publisher.bench.__main__ import DAY_COLUMNS

    years: list[dict[str, Any]] = []
    started = time.perf_counter()
    for year in YEARS:
        t0 = time.perf_counter()
        hours = 0
        for month in range(1, 13):
            frame = _month(lay, year, month)
            hours += frame.height
            frame = frame.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
            name = f"bench-decade-air-{year}-{month:02d}-s{info['scale']:g}-seed{info['seed']}"
            store.commit_ingest("air", frame, sha256=hashlib.sha256(name.encode()).hexdigest(), name=name, size=0,
                                archive_path=f"(bench) {name}")
            del frame
        t1 = time.perf_counter()
        days = store.air_days(dt.date(year, 1, 1), dt.date(year, 12, 31), columns=DAY_COLUMNS)
        annual = air.period_stats(air.area_daily(days, areas), "year")
        t2 = time.perf_counter()
        years.append({"year": year, "station_hours": hours, "station_days": days.height,
                      "ingest_s": round(t1 - t0, 2), "annual_statistics_s": round(t2 - t1, 3),
                      "ranked_areas": annual.get_column("rank_value").drop_nulls().len(),
                      "store_mib": round(_size(store.root) / 2 ** 20)})
        say(f"[bench] decade: {year}: {hours:,} station-hours ingested in {t1 - t0:.1f} s, annual statistics "
            f"{t2 - t1:.2f} s, store {years[-1]['store_mib']:,} MiB")
        del days, annual
    ingest_total = time.perf_counter() - started
    # the ten years at once: city days of the decade and the ten annual statistics in one call
    t0 = time.perf_counter()
    days = store.air_days(dt.date(YEARS[0], 1, 1), dt.date(YEARS[-1], 12, 31), columns=DAY_COLUMNS)
    annual = air.period_stats(air.area_daily(days, areas), "year")
    ten = time.perf_counter() - t0
    return {"years": years, "ingest_total_s": round(ingest_total, 1), "ten_years_statistics_s": round(ten, 2),
            "ten_years_station_days": days.height, "ten_years_rows": annual.height,
            "store_mib": round(_size(store.root) / 2 ** 20)}
