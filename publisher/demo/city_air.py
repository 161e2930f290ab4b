"""Sample hours of 2025 for the city's own national air stations (样例数据).

The real national feed copies (``sample/air_cnemc_*_2026.csv.gz``) start on 2026-02-26, so the annual
bulletin on 2025 has no measured hours for the stations of the region's city (保山市: 2594A 市环境监测站,
2595A 市环保局). This module invents them, for the calendar year 2025 only, so that the annual bulletin's
air chapter has the city first and then the counties (issue 24); the chapter says the city's 2025 figures
are sample data (it reads the ``样例数据_`` prefix of the files the hours came from).

One file a month, ``样例数据_2025-MM_空气_市国控站.csv``: English wide CSV (UTF-8, hour-ending Beijing time),
``station_id`` = the national station code, the six pollutants, and a ``备注`` column saying 样例数据.
Levels follow the city's real spring 2026 hours (PM2.5 about 40 μg/m³ and O3 8-h about 90–110 μg/m³ in
March) and the dry-season / rainy-season cycle of western 云南: particles peak in March–April (burning
season), fall to about a quarter of that in the rainy season (June–September); ozone peaks in April.
Each station-year is one seeded draw (numpy), so every run writes the same bytes; two stations × 8,760
hours are about 17,500 rows in all.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import polars as pl

from publisher import registry as registry_mod
from publisher import vocabulary
from publisher.vocabulary.air import POLLUTANTS

YEAR = 2025
SEED = 20251231
CODES = POLLUTANTS
#: monthly typical PM2.5 and O3 (1-h, daytime) of the central city, μg/m³
PM25_MONTH = (27, 31, 38, 36, 22, 12, 9, 9, 11, 15, 20, 25)
O3_MONTH = (55, 70, 88, 95, 80, 58, 48, 48, 55, 56, 50, 46)
#: station -> factor on the primary pollutants (the monitoring station sits nearer the old town's traffic)
FACTOR = {"2594A": 1.05, "2595A": 0.95}
#: a planned outage: (station code, first hour-ending, last hour-ending): the 2595A analysers at the annual
#: calibration in September (4 days invalid: the month still has ≥ 27 valid days)
OUTAGES = (("2595A", "2025-09-09T01", "2025-09-13T00"),)
FILE = "{prefix}{month}_空气_市国控站.csv"


def city_stations(reg: registry_mod.Registry) -> list[registry_mod.Station]:
    """The national (non-sample) air stations that count in the region's city area."""
    city = (reg.region or {}).get("name")
    if not city:
        return []
    ids = set(reg.air_areas().filter(pl.col("area") == city).get_column("station_id").to_list())
    return [s for s in reg.by_kind("air_station") if s.id in ids and not s.sample and s.code]


def _rng(*parts: object) -> np.random.Generator:
    key = "|".join(str(p) for p in parts).encode("utf-8")
    return np.random.default_rng([SEED, zlib.crc32(key)])


def frame(stations: list[registry_mod.Station]) -> pl.DataFrame:
    """The hourly sample frame of `stations` for 2025 (hour-ending 2025-01-01 01:00 … 2026-01-01 00:00)."""
    t = np.arange(np.datetime64(f"{YEAR}-01-01T01"), np.datetime64(f"{YEAR + 1}-01-01T01"),
                  np.timedelta64(1, "h"))
    begin = t - np.timedelta64(1, "h")
    hour = (begin - begin.astype("datetime64[D]")).astype(int)
    month = begin.astype("datetime64[M]").astype(int) % 12       # 0 = January
    day = (begin.astype("datetime64[D]") - begin[0].astype("datetime64[D]")).astype(int)
    pm_base = np.asarray(PM25_MONTH, dtype=float)[month]
    o3_base = np.asarray(O3_MONTH, dtype=float)[month]
    # the weather is shared by the city's stations: one AR(1) series over days in log space
    w = _rng("city-weather").normal(0, 0.28, day[-1] + 1)
    for d in range(1, w.size):
        w[d] += 0.7 * w[d - 1]
    weather = np.exp(w[day] - 0.12)
    rush = 1 + 0.18 * np.cos(2 * np.pi * (hour - 9) / 12)
    sun = np.clip(np.sin(np.pi * (hour - 7) / 12), 0, None)
    traffic = 1 + 0.35 * np.exp(-((hour - 8) ** 2) / 3) + 0.45 * np.exp(-((hour - 20) ** 2) / 4)
    dry = np.where((month <= 3) | (month == 11), 1.25, 1.0)
    frames = []
    for station in stations:
        f = FACTOR.get(station.code or "", 1.0)
        r = _rng(station.code, "air")

        def noise(sd: float, r: np.random.Generator = r) -> np.ndarray:
            return np.exp(r.normal(0, sd, t.size))

        pm25 = f * pm_base * weather * rush * noise(0.16)
        pm10 = pm25 * np.where((month >= 5) & (month <= 8), 1.55, 1.8) * noise(0.10)
        o3 = o3_base * (0.35 + 1.15 * sun) * (1.25 - 0.25 * weather.clip(0, 2)) * noise(0.12)
        no2 = f * 16 * traffic * dry * weather ** 0.5 * noise(0.20)
        so2 = f * 7 * dry * noise(0.25)
        co = f * 0.6 * dry * traffic ** 0.5 * weather ** 0.3 * noise(0.12)
        values = {"so2": np.round(np.clip(so2, 2, None)), "no2": np.round(np.clip(no2, 2, None)),
                  "co": np.round(np.clip(co, 0.2, None), 1), "o3": np.round(np.clip(o3, 2, None)),
                  "pm10": np.round(np.clip(pm10, 3, None)),
                  "pm2_5": np.round(np.clip(np.minimum(pm25, pm10), 2, None))}
        gone_all = r.random(t.size) < 0.006
        for a_code, first, last in OUTAGES:
            if a_code == station.code:
                gone_all |= (t >= np.datetime64(first)) & (t <= np.datetime64(last))
        for code in CODES:
            values[code] = np.where(gone_all | (r.random(t.size) < 0.002), np.nan, values[code])
        frames.append(pl.DataFrame({"station_id": station.code, "time": t.astype("datetime64[us]"),
                                    **values}).fill_nan(None))
    return pl.concat(frames) if frames else pl.DataFrame()


def write(reg: registry_mod.Registry, out: Path, months: list[str]) -> list[tuple[Path, int]]:
    """Write the files of the wanted `months` of 2025 into `out`; return (path, rows) per file."""
    wanted = [m for m in months if m.startswith(f"{YEAR}-")]
    stations = city_stations(reg)
    if not wanted or not stations:
        return []
    hours = frame(stations).with_columns(
        (pl.col("time") - pl.duration(hours=1)).dt.strftime("%Y-%m").alias("_month"),
        pl.col("time").dt.strftime("%Y-%m-%d %H:%M"),
        pl.col("co").round(1).cast(pl.String),
        *[pl.col(c).cast(pl.Int64).cast(pl.String) for c in CODES if c != "co"],
        pl.lit(vocabulary.SAMPLE_LABEL).alias("备注"))
    written = []
    for month in wanted:
        part = hours.filter(pl.col("_month") == month).drop("_month")
        path = out / FILE.format(prefix=vocabulary.SAMPLE_PREFIX, month=month)
        path.write_bytes(part.write_csv(line_terminator="\r\n", null_value="").encode("utf-8"))
        written.append((path, part.height))
    return written
