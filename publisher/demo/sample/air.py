"""The county stations' air hours: levels, a haze and a dust episode, gaps; written as the feeds send them."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from publisher import registry as registry_mod
from publisher.demo.sample.common import _rng, LABEL, PREFIX
from publisher.demo.sample.files import _write_csv, Written
from publisher.demo.sample.levels import AIR_CODES, AIR_STATION_FACTOR, AIR_ZH, DUST, GAPS, HAZE


PM25_MONTH = {1: 23, 2: 27, 3: 32, 4: 31, 5: 19, 6: 11, 7: 8, 8: 8, 9: 10, 10: 13, 11: 17, 12: 21}
O3_MONTH = {1: 48, 2: 62, 3: 80, 4: 88, 5: 74, 6: 55, 7: 46, 8: 46, 9: 52, 10: 52, 11: 47, 12: 42}


def _bell(t: np.ndarray, peak: dt.datetime, half_width_days: float) -> np.ndarray:
    x = (t - np.datetime64(peak)) / np.timedelta64(1, "h") / (24 * half_width_days)
    return np.exp(-0.5 * x**2 * 2.77)  # 2.77 = 4 ln 2: value 0.5 at ±half-width


def _air_frame(reg: registry_mod.Registry, window: list[str], salt: tuple[str, ...] = ()) -> pl.DataFrame | None:
    stations = [s for s in reg.by_kind("air_station") if s.sample]
    if not stations:
        return None
    first = np.datetime64(f"{window[0]}-01T01:00")
    y, m = map(int, window[-1].split("-"))
    after = np.datetime64(f"{y + (m == 12):04d}-{(m % 12) + 1:02d}-01T00:00")
    t = np.arange(first, after + np.timedelta64(1, "h"), np.timedelta64(1, "h")).astype("datetime64[h]")
    begin = t - np.timedelta64(1, "h")  # hour start: diurnal position and calendar day
    hour = (begin - begin.astype("datetime64[D]")).astype(int)
    month = begin.astype("datetime64[M]").astype(int) % 12 + 1
    day_index = (begin.astype("datetime64[D]") - begin[0].astype("datetime64[D]")).astype(int)
    n_days = day_index[-1] + 1
    frames = []
    for station in stations:
        f = AIR_STATION_FACTOR.get(station.id, 1.0)
        r = _rng(station.id, "air", *salt)
        # day-to-day weather: AR(1) in log space over days, then per hour
        shocks = r.normal(0, 0.30, n_days)
        daily = np.empty(n_days)
        daily[0] = shocks[0]
        for d in range(1, n_days):
            daily[d] = 0.7 * daily[d - 1] + shocks[d]
        weather = np.exp(daily[day_index] - 0.15)
        noise = lambda sd: np.exp(r.normal(0, sd, t.size))  # noqa: E731
        pm_base = np.vectorize(PM25_MONTH.get)(month).astype(float)
        rush = 1 + 0.18 * np.cos(2 * np.pi * (hour - 9) / 12)
        pm25 = f * pm_base * weather * rush * noise(0.18)
        ratio = np.where((month >= 6) & (month <= 9), 1.5, 1.75)
        pm10 = pm25 * ratio * noise(0.10)
        haze = _bell(t, *HAZE[:2]) * HAZE[2] * f
        dust = _bell(t, *DUST[:2]) * DUST[2] * (0.8 + 0.4 * r.random())
        pm25 = pm25 + haze + 0.18 * dust
        pm10 = pm10 + 1.3 * haze + dust
        o3_base = np.vectorize(O3_MONTH.get)(month).astype(float)
        sun = np.clip(np.sin(np.pi * (hour - 7) / 12), 0, None)
        o3 = o3_base * (0.35 + 1.15 * sun) * (1.25 - 0.25 * weather.clip(0, 2)) * noise(0.12)
        traffic = 1 + 0.35 * np.exp(-((hour - 8) ** 2) / 3) + 0.45 * np.exp(-((hour - 20) ** 2) / 4)
        winter = np.where((month <= 2) | (month == 12), 1.3, 1.0)
        no2 = f * 13 * traffic * winter * weather**0.5 * noise(0.20) * (1 + 0.6 * haze / HAZE[2])
        so2 = f * 5 * winter * noise(0.25) + 3 * haze / HAZE[2]
        co = f * 0.55 * winter * traffic**0.5 * weather**0.3 * noise(0.12) + 0.9 * haze / HAZE[2]
        frame = {
            "so2": np.round(np.clip(so2, 2, None)), "no2": np.round(np.clip(no2, 2, None)),
            "co": np.round(np.clip(co, 0.2, None), 1), "o3": np.round(np.clip(o3, 2, None)),
            "pm10": np.round(np.clip(pm10, 3, None)), "pm2_5": np.round(np.clip(np.minimum(pm25, pm10), 2, None)),
        }
        # gaps: random single hours, random single pollutants, and the planned outages
        all_missing = r.random(t.size) < 0.008
        for code in AIR_CODES:
            gone = all_missing | (r.random(t.size) < 0.003)
            for sid, a, b, codes in GAPS:
                if sid == station.id and (codes is None or code in codes):
                    gone |= (t >= np.datetime64(a)) & (t <= np.datetime64(b))
            frame[code] = np.where(gone, np.nan, frame[code])
        frames.append(pl.DataFrame({"station_id": station.id, "time": t.astype("datetime64[us]"),
                                    **{c: frame[c] for c in AIR_CODES}}).fill_nan(None))
    return pl.concat(frames)


def _write_air(air: pl.DataFrame, reg: registry_mod.Registry, out: Path, months: list[str]) -> list[Written]:
    written = []
    air = air.with_columns(
        (pl.col("time") - pl.duration(hours=1)).dt.strftime("%Y-%m").alias("_month"),
    )
    chinese = {"air-tc-s1"}  # 腾冲 sends a Chinese GBK file; the other counties an English one
    for month in months:
        part = air.filter(pl.col("_month") == month).drop("_month")
        english = part.filter(~pl.col("station_id").is_in(list(chinese)))
        if english.height:
            rows = [[row[0], row[1].strftime("%Y-%m-%d %H:%M"), *[_air_text(v, c) for v, c in zip(row[2:], AIR_CODES)]]
                    for row in english.select("station_id", "time", *AIR_CODES).iter_rows()]
            path = out / f"{PREFIX}{month}_空气_县城站.csv"
            written.append(Written(path, _write_csv(path, ["station_id", "time", *AIR_CODES], rows), "air"))
        for sid in sorted(chinese):
            mine = part.filter(pl.col("station_id") == sid)
            if not mine.height:
                continue
            name = reg.get(sid).name
            rows = [[name, row[0].strftime("%Y-%m-%d %H:%M"), *[_air_text(v, c, "--") for v, c in zip(row[1:], AIR_CODES)],
                     LABEL] for row in mine.select("time", *AIR_CODES).iter_rows()]
            path = out / f"{PREFIX}{month}_空气_{name}.csv"
            written.append(Written(path, _write_csv(path, ["站点名称", "监测时间", *[AIR_ZH[c] for c in AIR_CODES],
                                                           "备注"], rows, "gbk"), "air"))
    return written


def _air_text(value: float | None, code: str, missing: str = "") -> str:
    if value is None:
        return missing
    return f"{value:.1f}" if code == "co" else f"{int(value)}"
