"""A deterministic national-scale synthetic data set for the bench.

At ``scale=1.0``: 31 provinces, 339 cities with 6 counties each, 1,800 air stations reporting every hour
from 2025-07-01 to 2026-06-30 (the year crosses the 2026-03-01 switch from HJ 633-2012 to HJ 633-2026),
3,641 national sections sampled monthly for the 24 items of GB 3838 Table 1, 900 city-level drinking
sources sampled monthly and 1,900 county-level sources sampled quarterly for 61 items (Table 1 without
COD, the 5 Table 2 items and 33 Table 3 items). Smaller scales shrink every count (cities included),
never the year.

Everything is synthetic (names such as ``合成市001`` say so) and a pure function of ``(scale, seed)``:
the same arguments give the same registry, the same ingest files and the same store values.

:func:`prepare` writes, under ``var/bench/national-s<scale>-seed<seed>/`` (reused when complete):

- ``stations.yaml`` — the synthetic registry (JSON-style flow mappings, one station a line);
- ``layout.json`` — provinces, cities and counts;
- ``home/store/`` — a workspace store holding the whole year, committed month by month through
  :meth:`publisher.store.Store.commit_ingest` (one ingest per kind and month, no parsing involved);
- ``ingest/`` — files in the ingest formats for timing the parsers: a week of hourly air in the
  national-feed CSV layout, a day of hourly air as a Chinese-header XLSX, a month of sections as an
  English wide CSV, a month of city sources as a Chinese wide XLSX with a title row.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from publisher.periods import months_between

GENERATOR_VERSION = "3"  # 2: store parts LZ4-compressed; 3: station-days kept (ledger version 3)
YEAR_START = dt.date(2025, 7, 1)
YEAR_END = dt.date(2026, 6, 30)
FULL = {"provinces": 31, "cities": 339, "counties_per_city": 6, "air": 1800, "sections": 3641,
        "city_sources": 900, "county_sources": 1900}
BASINS = ("长江", "黄河", "珠江", "松花江", "淮河", "海河", "辽河", "浙闽片河流", "西北诸河", "西南诸河")
AIR_CODES = ("so2", "no2", "co", "o3", "pm10", "pm2_5")

#: Table 1 of GB 3838-2002 (the 24 items of a national section's monthly sampling).
SECTION_ITEMS = ("water_temp", "ph", "do", "codmn", "cod", "bod5", "nh3_n", "tp", "tn", "cu", "zn", "fluoride",
                 "se", "as", "hg", "cd", "cr6", "pb", "cyanide", "volatile_phenol", "petroleum", "las", "sulfide",
                 "fecal_coliform")
TABLE2_ITEMS = ("sulfate", "chloride", "nitrate", "fe", "mn")
TABLE3_ITEMS = ("trichloromethane", "carbon_tetrachloride", "tribromomethane", "dichloromethane",
                "dichloroethane_1_2", "epichlorohydrin", "vinyl_chloride", "dichloroethylene_1_1",
                "dichloroethylene_1_2", "trichloroethylene", "tetrachloroethylene", "chloroprene",
                "hexachlorobutadiene", "styrene", "formaldehyde", "acetaldehyde", "acrolein",
                "trichloroacetaldehyde", "benzene", "toluene", "ethylbenzene", "xylene", "isopropylbenzene",
                "chlorobenzene", "dichlorobenzene_1_2", "dichlorobenzene_1_4", "trichlorobenzene",
                "tetrachlorobenzene", "hexachlorobenzene", "nitrobenzene", "benzo_a_pyrene", "mo", "co")
#: The 61 items of a drinking source's monthly sampling (Table 1 without COD, Table 2, 33 of Table 3).
SOURCE_ITEMS = tuple(i for i in SECTION_ITEMS if i != "cod") + TABLE2_ITEMS + TABLE3_ITEMS

# item -> (typical value at quality factor 1 [catalogue unit], decimals, response to the quality factor)
# response: +1 grows with pollution, -1 shrinks (dissolved oxygen), 0 independent (pH, temperature)
_TYPICAL: dict[str, tuple[float, int, int]] = {
    "water_temp": (17.0, 1, 0), "ph": (7.6, 2, 0), "do": (8.0, 1, -1), "codmn": (2.8, 1, 1), "cod": (12.0, 0, 1),
    "bod5": (2.2, 1, 1), "nh3_n": (0.28, 3, 1), "tp": (0.075, 3, 1), "tn": (1.6, 2, 1), "cu": (0.004, 4, 1),
    "zn": (0.02, 3, 1), "fluoride": (0.32, 3, 1), "as": (0.0018, 4, 1), "fecal_coliform": (1800.0, 0, 1),
    "sulfate": (35.0, 1, 1), "chloride": (18.0, 1, 1), "nitrate": (1.4, 2, 1), "fe": (0.09, 3, 1),
    "mn": (0.025, 3, 1),
}
# items mostly below their detection limit: item -> detection limit [mg/L]
_BELOW_DL: dict[str, float] = {
    "se": 0.0004, "hg": 0.00004, "cd": 0.00005, "cr6": 0.004, "pb": 0.00009, "cyanide": 0.004,
    "volatile_phenol": 0.0003, "petroleum": 0.01, "las": 0.05, "sulfide": 0.005,
    **{code: 0.00001 for code in TABLE3_ITEMS},
}


# ------------------------------------------------------------------------------------------------ layout
@dataclass(frozen=True)
class Layout:
    """The synthetic country: areas and stations as polars frames."""

    scale: float
    seed: int
    provinces: pl.DataFrame   # province_id, province
    cities: pl.DataFrame      # city_id, city, province_id, province
    counties: pl.DataFrame    # county_id, county, city
    stations: pl.DataFrame    # one row per station, registry fields (nulls where a kind has none)

    def of_kind(self, *kinds: str) -> pl.DataFrame:
        return self.stations.filter(pl.col("kind").is_in(list(kinds)))


def counts(scale: float) -> dict[str, int]:
    """Entity counts at `scale` (every count at least its minimum for a meaningful run)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    minimum = {"provinces": 1, "cities": 2, "counties_per_city": 2, "air": 4, "sections": 6,
               "city_sources": 2, "county_sources": 2}
    out = {}
    for key, full in FULL.items():
        if key == "counties_per_city":
            out[key] = full
            continue
        out[key] = max(minimum[key], int(round(full * scale)))
    out["provinces"] = min(out["provinces"], out["cities"])
    return out


def _rng(seed: int, *tags: int | str) -> np.random.Generator:
    words = [seed] + [int(hashlib.sha256(str(t).encode()).hexdigest()[:8], 16) for t in tags]
    return np.random.default_rng(np.random.SeedSequence(words))


def _split(n: int, parts: int) -> np.ndarray:
    """Index of the part (0..parts-1) each of `n` consecutive items falls in, as even as possible."""
    return (np.arange(n) * parts) // max(n, 1)


def layout(scale: float = 1.0, seed: int = 20260301) -> Layout:
    """The synthetic registry content at `scale` (deterministic)."""
    n = counts(scale)
    rng = _rng(seed, "layout")
    provinces = pl.DataFrame({"province_id": [f"p{i + 1:02d}" for i in range(n["provinces"])],
                              "province": [f"合成省{i + 1:02d}" for i in range(n["provinces"])]})
    prov_of_city = _split(n["cities"], n["provinces"])
    cities = pl.DataFrame({
        "city_id": [f"c{i + 1:03d}" for i in range(n["cities"])],
        "city": [f"合成市{i + 1:03d}" for i in range(n["cities"])],
        "province_id": [f"p{p + 1:02d}" for p in prov_of_city],
        "province": [f"合成省{p + 1:02d}" for p in prov_of_city],
    })
    city_names = cities["city"].to_list()
    k = n["counties_per_city"]
    counties = pl.DataFrame({
        "county_id": [f"c{i + 1:03d}-k{j + 1}" for i in range(n["cities"]) for j in range(k)],
        "county": [f"{city_names[i]}第{j + 1}县" for i in range(n["cities"]) for j in range(k)],
        "city": [city_names[i] for i in range(n["cities"]) for _ in range(k)],
    })
    rows: list[dict] = []
    unit = "合成监测站"
    # air: consecutive stations per city
    city_of_air = _split(n["air"], n["cities"])
    seq: dict[int, int] = {}
    for i in range(n["air"]):
        c = int(city_of_air[i])
        seq[c] = seq.get(c, 0) + 1
        rows.append({"id": f"air-{1001 + i}A", "code": f"{1001 + i}A", "name": f"{city_names[c]}空气站{seq[c]}",
                     "kind": "air_station", "city": city_names[c], "area": city_names[c], "cadence": "hourly",
                     "unit": unit})
    # sections along rivers, each river in one basin, ~6 sections a river
    n_rivers = max(1, int(math.ceil(n["sections"] / 6)))
    river_of = np.arange(n["sections"]) // 6
    city_of_river = rng.integers(0, n["cities"], n_rivers)
    target = rng.choice(np.array(["Ⅱ", "Ⅲ", "Ⅲ", "Ⅲ", "Ⅳ"]), n["sections"])
    lake = rng.random(n["sections"]) < 0.08
    with_x = rng.random(n["sections"]) < 0.3
    for i in range(n["sections"]):
        r = int(river_of[i])
        c = int(city_of_river[r])
        rows.append({"id": f"sec-{i + 1:04d}", "name": f"合成河{r + 1:03d}断面{i % 6 + 1}", "kind": "national_section",
                     "assessment": "national", "x_items": ["cod", "bod5"] if with_x[i] else None,
                     "city": city_names[c], "county": f"{city_names[c]}第{i % k + 1}县",
                     "river": f"合成河{r + 1:03d}", "basin": BASINS[r % len(BASINS)],
                     "water_body": f"合成河{r + 1:03d}", "waterbody_type": "lake" if lake[i] else "river",
                     "target_class": str(target[i]), "cadence": "monthly", "unit": unit})
    # drinking sources
    for kind, count, prefix, cadence in (("city_source", n["city_sources"], "src", "monthly"),
                                         ("county_source", n["county_sources"], "csrc", "quarterly")):
        wtype = rng.choice(np.array(["lake", "lake", "river", "river", "groundwater"]), count)
        volume = np.round(rng.uniform(5, 300, count), 1)
        where = _split(count, n["cities"] * (k if kind == "county_source" else 1))
        for i in range(count):
            if kind == "city_source":
                c, county = int(where[i]), None
            else:
                c, j = divmod(int(where[i]), k)
                county = f"{city_names[c]}第{j + 1}县"
            name = f"{county or city_names[c]}水源{i + 1}"
            rows.append({"id": f"{prefix}-{i + 1:04d}", "name": name, "kind": kind, "city": city_names[c],
                         "county": county, "water_body": name, "waterbody_type": str(wtype[i]),
                         "basin": BASINS[(c + i) % len(BASINS)], "target_class": "Ⅲ",
                         "volume": float(volume[i]), "cadence": cadence, "unit": unit})
    schema = {"id": pl.String, "code": pl.String, "name": pl.String, "kind": pl.String, "city": pl.String,
              "county": pl.String, "area": pl.String, "assessment": pl.String, "x_items": pl.List(pl.String),
              "river": pl.String, "basin": pl.String, "water_body": pl.String, "waterbody_type": pl.String,
              "target_class": pl.String, "volume": pl.Float64, "cadence": pl.String, "unit": pl.String}
    stations = pl.DataFrame(rows, schema=schema)
    stations = stations.join(cities.select("city", "province"), on="city", how="left")
    return Layout(scale, seed, provinces, cities, counties, stations)


def registry_yaml(lay: Layout, region_city: str | None = None, cities: list[str] | None = None,
                  water_cities: list[str] | None = None) -> str:
    """``stations.yaml`` text for the layout (or for some cities of it).

    `cities` limits areas and air stations; `water_cities` limits water stations (default: `cities`).
    Stations are written as one flow mapping a line (JSON is valid YAML), so large files stay quick to
    write. The region is `region_city` (default the first city).
    """
    chosen = lay.cities if cities is None else lay.cities.filter(pl.col("city").is_in(cities))
    water_set = set(water_cities if water_cities is not None else chosen["city"].to_list())
    region = region_city or chosen["city"][0]
    province = chosen.filter(pl.col("city") == region)["province"][0]
    lines = ["# Synthetic national registry of the performance bench (publisher.bench.national).",
             "# Every name and value here is invented.",
             "region: " + json.dumps({"name": region, "province": province, "code": "000000"}, ensure_ascii=False),
             "areas:"]
    names = set(chosen["city"].to_list())
    for row in chosen.iter_rows(named=True):
        lines.append("  - " + json.dumps({"id": row["city_id"], "name": row["city"], "level": "city"},
                                         ensure_ascii=False))
    for row in lay.counties.filter(pl.col("city").is_in(list(names))).iter_rows(named=True):
        lines.append("  - " + json.dumps({"id": row["county_id"], "name": row["county"], "level": "county",
                                          "city": row["city"]}, ensure_ascii=False))
    lines.append("stations:")
    keys = ["id", "code", "name", "kind", "assessment", "x_items", "city", "county", "area", "river", "basin",
            "water_body", "waterbody_type", "target_class", "volume", "cadence", "unit"]
    for row in lay.stations.iter_rows(named=True):
        keep = row["city"] in water_set if row["kind"] != "air_station" else row["city"] in names
        if not keep:
            continue
        entry = {k: row[k] for k in keys if row.get(k) is not None}
        entry["sample"] = True
        lines.append("  - " + json.dumps(entry, ensure_ascii=False))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ air
def _months(start: dt.date = YEAR_START, end: dt.date = YEAR_END) -> list[tuple[int, int]]:
    return months_between(start, end)


def _station_params(lay: Layout) -> dict[str, np.ndarray]:
    air = lay.of_kind("air_station")
    rng = _rng(lay.seed, "air-stations")
    n = air.height
    return {
        "pm25": rng.lognormal(math.log(32), 0.35, n),      # station mean PM2.5 [µg/m³]
        "coarse": rng.uniform(1.35, 2.0, n),               # PM10 / PM2.5
        "so2": rng.lognormal(math.log(9), 0.5, n),
        "no2": rng.lognormal(math.log(27), 0.35, n),
        "co": rng.lognormal(math.log(0.65), 0.3, n),
        "o3": rng.lognormal(math.log(62), 0.2, n),
        "so2_not_monitored": rng.random(n) < 0.01,          # a few stations report SO2 as "/"
    }


def air_hours(lay: Layout, start: dt.datetime, hours: int, stations: slice | None = None) -> pl.DataFrame:
    """Hourly air values for `hours` hour-END labels from `start` (inclusive), every air station.

    Canonical frame: ``station_id, time, so2, no2, co, o3, pm10, pm2_5, not_monitored``. Values depend
    only on (seed, station, hour), so any window of the year is the same as in the full year.
    """
    air = lay.of_kind("air_station")
    ids = air["id"].to_list()
    p = _station_params(lay)
    index = np.arange(len(ids))
    if stations is not None:
        index = index[stations]
    first_hour = int((start - dt.datetime.combine(YEAR_START, dt.time(1))).total_seconds() // 3600)
    hrs = np.arange(first_hour, first_hour + hours)
    ns, nh = len(index), len(hrs)
    # day-level weather shared by a city's stations, hour-level noise per station, both keyed by the hour
    # number so the values of an hour do not depend on the window asked for
    day_of = (hrs - 0) // 24 + 0  # hour 0 = the hour ending 2025-07-01 01:00 (day 0)
    days = np.unique(day_of)
    city_ids = air["city"].to_numpy()[index]
    cities, city_index = np.unique(city_ids, return_inverse=True)
    weather = np.empty((len(cities), len(days)))
    for ci, city in enumerate(cities):
        r = _rng(lay.seed, "weather", city)
        full = r.lognormal(0.0, 0.45, 400)  # one factor per day of the bench year (366 days + margin)
        weather[ci] = full[days]
    day_pos = np.searchsorted(days, day_of)
    w = weather[city_index][:, day_pos]                                      # ns × nh
    # hour-level noise and missing values per (station, month of the hour's start): any window of the
    # year gives the same values as the whole year
    time = np.array([dt.datetime.combine(YEAR_START, dt.time(1)) + dt.timedelta(hours=int(h)) for h in hrs],
                    dtype="datetime64[us]")
    t_start = time - np.timedelta64(1, "h")
    month_of = t_start.astype("datetime64[M]")
    hour_in_month = (t_start - month_of.astype("datetime64[us]")).astype("timedelta64[h]").astype(int)
    hour_noise = np.empty((ns, nh))
    missing = np.empty((ns, nh, 6), dtype=bool)
    for mo in np.unique(month_of):
        cols = np.nonzero(month_of == mo)[0]
        pos = hour_in_month[cols]
        label = str(mo)
        for row, si in enumerate(index):
            r = _rng(lay.seed, "hours", int(si), label)
            noise = r.lognormal(0.0, 0.18, 744)
            miss = r.random((744, 6)) < 0.012
            outage = np.repeat(r.random(31) < 0.003, 24)
            hour_noise[row, cols] = noise[pos]
            missing[row, cols] = miss[pos] | outage[pos][:, None]
    doy = (t_start.astype("datetime64[D]") - t_start.astype("datetime64[Y]")).astype(int)
    hod = (t_start - t_start.astype("datetime64[D]")).astype("timedelta64[h]").astype(int)
    winter = 1.0 + 0.45 * np.cos(2 * np.pi * (doy - 15) / 365.25)            # high in January
    summer = 1.0 + 0.35 * np.cos(2 * np.pi * (doy - 196) / 365.25)           # high in mid-July
    rush = 1.0 + 0.35 * (np.exp(-((hod - 8) ** 2) / 4) + np.exp(-((hod - 19) ** 2) / 5))
    sun = 0.35 + 1.25 * np.exp(-((hod - 15) ** 2) / 10)
    night = 1.0 + 0.15 * np.cos(2 * np.pi * (hod - 2) / 24)
    sel = {k: v[index] for k, v in p.items()}
    base = w * hour_noise
    pm25 = sel["pm25"][:, None] * winter[None, :] * night[None, :] * base
    values = {
        "pm2_5": np.round(pm25),
        "pm10": np.round(pm25 * sel["coarse"][:, None] * (0.9 + 0.2 * hour_noise)),
        "so2": np.round(sel["so2"][:, None] * winter[None, :] * base),
        "no2": np.round(sel["no2"][:, None] * winter[None, :] * rush[None, :] * base),
        "co": np.round(sel["co"][:, None] * winter[None, :] * night[None, :] * base, 1),
        "o3": np.round(sel["o3"][:, None] * summer[None, :] * sun[None, :] / np.sqrt(w) * hour_noise),
    }
    values["pm10"] = np.maximum(values["pm10"], values["pm2_5"])
    values["co"] = np.maximum(values["co"], 0.1)
    for k in ("pm2_5", "pm10", "so2", "no2", "o3"):
        values[k] = np.maximum(values[k], 1.0)
    order = {c: i for i, c in enumerate(("so2", "no2", "co", "o3", "pm10", "pm2_5"))}
    cols = {}
    for code, arr in values.items():
        arr = arr.astype(np.float64)
        arr[missing[:, :, order[code]]] = np.nan
        cols[code] = arr.reshape(-1)
    nm = sel["so2_not_monitored"]
    cols["so2"][np.repeat(nm, nh)] = np.nan
    flags = pl.Series("_nm", np.repeat(nm, nh))
    frame = pl.DataFrame({
        "station_id": np.repeat(np.array(ids)[index], nh),
        "time": np.tile(time, ns),
        **{c: cols[c] for c in AIR_CODES},
    }, schema={"station_id": pl.String, "time": pl.Datetime("us"), **{c: pl.Float64 for c in AIR_CODES}},
        nan_to_null=True)
    frame = frame.with_columns(
        not_monitored=pl.when(flags).then(pl.lit("so2")).otherwise(pl.lit(None, pl.String)))
    return frame


def air_month(lay: Layout, year: int, month: int) -> pl.DataFrame:
    """Every air station's hours of the days of `month` (hour-END labels 01:00 on day 1 … 00:00 next month)."""
    first = dt.datetime(year, month, 1, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    hours = int((dt.datetime.combine(nxt, dt.time(0)) - first).total_seconds() // 3600) + 1
    return air_hours(lay, first, hours)


# ------------------------------------------------------------------------------------------------ water
def _plain(value: float) -> str:
    """A number without exponent notation (``0.00004``, not ``4e-05``)."""
    return f"{value:.8f}".rstrip("0").rstrip(".")


def _sample_days(lay: Layout, ids: list[str], months: list[tuple[int, int]], tag: str) -> pl.DataFrame:
    rng = _rng(lay.seed, "days", tag)
    day = rng.integers(3, 13, (len(ids), len(months)))
    rows_id, rows_t = [], []
    for i, sid in enumerate(ids):
        for j, (y, m) in enumerate(months):
            rows_id.append(sid)
            rows_t.append(dt.datetime(y, m, int(day[i, j]), 10, 0))
    return pl.DataFrame({"station_id": rows_id, "sampled_at": rows_t},
                        schema={"station_id": pl.String, "sampled_at": pl.Datetime("us")})


def water_values(lay: Layout, kinds: tuple[str, ...], items: tuple[str, ...],
                 months: list[tuple[int, int]] | None = None) -> pl.DataFrame:
    """Long water frame (store columns: ``station_id, sampled_at, item, value, below_dl, waterbody_type, raw``)
    for the stations of `kinds`: monthly samplings (quarterly for county sources: the quarter's middle month)."""
    stations = lay.of_kind(*kinds)
    months = months or _months()
    if "county_source" in kinds:
        months = [(y, m) for (y, m) in months if m % 3 == 2]
    ids = stations["id"].to_list()
    samples = _sample_days(lay, ids, months, ",".join(kinds))
    rng = _rng(lay.seed, "water", ",".join(kinds))
    quality = rng.lognormal(0.0, 0.55, len(ids))                  # per station: 1 ≈ class Ⅱ–Ⅲ
    lake = (stations["waterbody_type"] == "lake").to_numpy()
    n = samples.height
    per_station = np.repeat(quality, len(months))
    lake_rows = np.repeat(lake, len(months))
    doy = samples["sampled_at"].dt.ordinal_day().to_numpy()
    parts = []
    for item in items:
        r = _rng(lay.seed, "item", ",".join(kinds), item)
        noise = r.lognormal(0.0, 0.25, n)
        if item in _BELOW_DL:
            dl = _BELOW_DL[item]
            below = r.random(n) < 0.9
            value = np.where(below, dl, np.round(dl * (1.5 + 3 * r.random(n)), 6))
            raw = [_plain(dl) + "L" if b else _plain(v) for b, v in zip(below, value)]
        else:
            typical, decimals, response = _TYPICAL[item]
            if item == "water_temp":
                value = typical + 8 * np.cos(2 * np.pi * (doy - 200) / 365.25) + r.normal(0, 1.5, n)
            elif item == "ph":
                value = typical + r.normal(0, 0.35, n)
            elif response < 0:
                value = typical / np.sqrt(per_station) * noise
            else:
                value = typical * per_station * noise
                if item == "tp":
                    value = np.where(lake_rows, value * 0.35, value)
            value = np.round(value, decimals)
            value = np.maximum(value, 10.0 ** -decimals) if item not in ("water_temp",) else value
            below = np.zeros(n, dtype=bool)
            raw = [f"{v:.{decimals}f}" for v in value]
        parts.append(samples.with_columns(
            item=pl.lit(item), value=pl.Series(value, dtype=pl.Float64), below_dl=pl.Series(below),
            raw=pl.Series(raw, dtype=pl.String)))
    out = pl.concat(parts).with_columns(waterbody_type=pl.lit(None, pl.String))
    return out.select("station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type", "raw") \
        .sort("station_id", "sampled_at", "item")


# ------------------------------------------------------------------------------------------------ files
def _fmt(expr: pl.Expr, decimals: int) -> pl.Expr:
    return pl.when(expr.is_null()).then(pl.lit("")).otherwise(expr.round(decimals).cast(pl.String)
                                                               .str.replace(r"\.0$", ""))


def write_air_feed_csv(lay: Layout, path: Path, start: dt.datetime, hours: int) -> int:
    """National-feed layout (``timepoint, stationcode, area, positionname, pm10, pm2_5, o3, no2, so2, co``)."""
    air = lay.of_kind("air_station").select(pl.col("id").alias("station_id"), "code", "city", "name")
    frame = air_hours(lay, start, hours).join(air, on="station_id", how="left")
    out = frame.select(
        pl.col("time").dt.strftime("%Y-%m-%dT%H%M").alias("timepoint"),
        pl.col("code").alias("stationcode"), pl.col("city").alias("area"), pl.col("name").alias("positionname"),
        _fmt(pl.col("pm10"), 0).alias("pm10"), _fmt(pl.col("pm2_5"), 0).alias("pm2_5"),
        _fmt(pl.col("o3"), 0).alias("o3"), _fmt(pl.col("no2"), 0).alias("no2"),
        pl.when(pl.col("not_monitored").is_not_null()).then(pl.lit("/")).otherwise(_fmt(pl.col("so2"), 0)).alias("so2"),
        _fmt(pl.col("co"), 1).alias("co"),
    ).sort("timepoint", "stationcode")
    out.write_csv(path)
    return out.height


def write_air_xlsx(lay: Layout, path: Path, start: dt.datetime, hours: int) -> int:
    """Chinese headers, stations by name, numbers as numbers (xlsxwriter, constant memory)."""
    import xlsxwriter

    air = lay.of_kind("air_station").select(pl.col("id").alias("station_id"), "name")
    frame = air_hours(lay, start, hours).join(air, on="station_id", how="left").sort("time", "station_id")
    headers = ["站点名称", "监测时间", "二氧化硫(μg/m³)", "二氧化氮(μg/m³)", "一氧化碳(mg/m³)", "臭氧(μg/m³)",
               "PM10(μg/m³)", "PM2.5(μg/m³)"]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    sheet = book.add_worksheet("小时数据")
    sheet.write_row(0, 0, headers)
    rows = frame.select("name", pl.col("time").dt.strftime("%Y-%m-%d %H:%M"), *AIR_CODES, "not_monitored").rows()
    for r, row in enumerate(rows, start=1):
        sheet.write_string(r, 0, row[0])
        sheet.write_string(r, 1, row[1])
        for c, value in enumerate(row[2:8], start=2):
            if c == 2 and row[8]:
                sheet.write_string(r, c, "/")
            elif value is not None:
                sheet.write_number(r, c, value)
    book.close()
    return len(rows)


def write_sections_csv(lay: Layout, path: Path, year: int, month: int) -> tuple[int, int]:
    """English wide water layout: ``station_id, sampled_at, waterbody_type, <24 item codes>``; below-DL as ``0.004L``."""
    long = water_values(lay, ("national_section",), SECTION_ITEMS, [(year, month)])
    wide = long.pivot(on="item", index=["station_id", "sampled_at"], values="raw").sort("station_id")
    meta = lay.of_kind("national_section").select(pl.col("id").alias("station_id"), "waterbody_type")
    wide = wide.join(meta, on="station_id", how="left").select(
        "station_id", pl.col("sampled_at").dt.strftime("%Y-%m-%d %H:%M"), "waterbody_type", *SECTION_ITEMS)
    wide.write_csv(path)
    return wide.height, long.height


def write_sources_xlsx(lay: Layout, path: Path, year: int, month: int) -> tuple[int, int]:
    """Chinese wide layout with a title row: ``水源名称, 采样时间, 水体类型, <name_zh(unit)> × 61``."""
    import xlsxwriter

    from publisher.evaluate.water import catalogue

    cat = catalogue()
    long = water_values(lay, ("city_source",), SOURCE_ITEMS, [(year, month)])
    wide = long.pivot(on="item", index=["station_id", "sampled_at"], values="raw").sort("station_id")
    meta = lay.of_kind("city_source").select(pl.col("id").alias("station_id"), "name", "waterbody_type")
    wide = wide.join(meta, on="station_id", how="left")
    zh_type = {"river": "河流", "lake": "湖库", "groundwater": "地下水"}
    headers = ["水源名称", "采样时间", "水体类型"]
    for code in SOURCE_ITEMS:
        unit = cat[code]["unit"]
        headers.append(cat[code]["name_zh"] + (f"({unit})" if unit and unit != "无量纲" else ""))
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    sheet = book.add_worksheet(f"{year}年{month}月")
    sheet.write_string(0, 0, f"集中式生活饮用水水源水质监测结果（{year}年{month}月，合成数据）")
    sheet.write_row(1, 0, headers)
    rows = wide.select("name", pl.col("sampled_at").dt.strftime("%Y-%m-%d %H:%M"), "waterbody_type",
                       *SOURCE_ITEMS).rows()
    for r, row in enumerate(rows, start=2):
        sheet.write_string(r, 0, row[0])
        sheet.write_string(r, 1, row[1])
        sheet.write_string(r, 2, zh_type[row[2]])
        for c, text in enumerate(row[3:], start=3):
            if text is None:
                continue
            if text.endswith("L"):
                sheet.write_string(r, c, text)
            else:
                sheet.write_number(r, c, float(text))
    book.close()
    return len(rows), long.height


# ------------------------------------------------------------------------------------------------ prepare
def default_root() -> Path:
    from publisher.paths import PROJECT_DIR

    return Path(os.environ.get("PUBLISHER_BENCH_DIR") or PROJECT_DIR / "var" / "bench")


def dataset_dir(scale: float, seed: int, root: Path | None = None) -> Path:
    return (root or default_root()) / f"national-s{scale:g}-seed{seed}-v{GENERATOR_VERSION}"


def _commit(store, kind: str, frame: pl.DataFrame, name: str) -> None:
    frame = frame.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
    sha = hashlib.sha256(name.encode()).hexdigest()
    store.commit_ingest(kind, frame, sha256=sha, name=name, size=0, archive_path=f"(bench) {name}")


def prepare(scale: float = 1.0, seed: int = 20260301, root: Path | None = None,
            say: Callable[[str], None] | None = None, force: bool = False) -> Path:
    """Generate the data set (or reuse a complete one) and return its folder."""
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    folder = dataset_dir(scale, seed, root)
    if (folder / "COMPLETE").exists() and not force:
        # the kept station-days follow the program's air method: a data set made by another version
        # gets them anew (else every read of them would evaluate them again and be timed so)
        from publisher.paths import Workspace
        from publisher.store import Store

        started = time.perf_counter()
        renewed = Store(Workspace(folder / "home")).rebuild_station_days(stale_only=True)
        if renewed:
            say(f"[bench] station-days of {renewed} months made anew under the current air method "
                f"in {time.perf_counter() - started:.1f} s")
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    tmp = folder.with_name(folder.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    lay = layout(scale, seed)
    (tmp / "stations.yaml").write_text(registry_yaml(lay), encoding="utf-8")
    from publisher.paths import Workspace
    from publisher.store import Store

    store = Store(Workspace(tmp / "home"))
    months = _months()
    for i, (y, m) in enumerate(months, 1):
        frame = air_month(lay, y, m)
        _commit(store, "air", frame, f"bench-air-{y}-{m:02d}-s{scale:g}-seed{seed}")
        say(f"[bench] generating: air {y}-{m:02d} ({frame.height:,} station-hours) [{i}/{len(months)}]")
        del frame
    for kinds, items, label in ((("national_section",), SECTION_ITEMS, "sections"),
                                (("city_source",), SOURCE_ITEMS, "city-sources"),
                                (("county_source",), SOURCE_ITEMS, "county-sources")):
        frame = water_values(lay, kinds, items)
        keyed = frame.with_columns(_gy=pl.col("sampled_at").dt.year(), _gm=pl.col("sampled_at").dt.month())
        for (y, m), part in keyed.group_by("_gy", "_gm", maintain_order=True):
            _commit(store, "water", part.drop("_gy", "_gm"),
                    f"bench-water-{label}-{y}-{m:02d}-s{scale:g}-seed{seed}")
        say(f"[bench] generating: water {label} ({frame.height:,} values)")
    ingest = tmp / "ingest"
    ingest.mkdir()
    files = {}
    rows = write_air_feed_csv(lay, ingest / "air-feed-week.csv", dt.datetime(2026, 5, 1, 1), 7 * 24)
    files["air_csv"] = {"file": "air-feed-week.csv", "rows": rows, "values": rows * 6}
    rows = write_air_xlsx(lay, ingest / "air-day.xlsx", dt.datetime(2026, 5, 1, 1), 24)
    files["air_xlsx"] = {"file": "air-day.xlsx", "rows": rows, "values": rows * 6}
    rows, values = write_sections_csv(lay, ingest / "sections-2026-05.csv", 2026, 5)
    files["water_csv"] = {"file": "sections-2026-05.csv", "rows": rows, "values": values}
    rows, values = write_sources_xlsx(lay, ingest / "sources-2026-05.xlsx", 2026, 5)
    files["water_xlsx"] = {"file": "sources-2026-05.xlsx", "rows": rows, "values": values}
    say("[bench] generating: ingest files written")
    info = {
        "scale": scale, "seed": seed, "generator": GENERATOR_VERSION,
        "year": [YEAR_START.isoformat(), YEAR_END.isoformat()],
        "counts": {"provinces": lay.provinces.height, "cities": lay.cities.height,
                   "counties": lay.counties.height,
                   **{k: lay.of_kind(k).height for k in ("air_station", "national_section", "city_source",
                                                          "county_source")}},
        "provinces": {row["province"]: lay.cities.filter(pl.col("province") == row["province"])["city"].to_list()
                      for row in lay.provinces.iter_rows(named=True)},
        "ingest_files": files,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (tmp / "layout.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / "COMPLETE").write_text("ok\n")
    tmp.rename(folder)
    say(f"[bench] data set ready in {info['seconds']} s: {folder}")
    return folder
