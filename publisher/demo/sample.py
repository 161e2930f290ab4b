"""Deterministic sample data for the registry: the files station staff would drop in the inbox.

Everything written here is **sample data** (样例数据), not measurements: every file name starts with
``样例数据_``, every XLSX has a title row saying so, and the Chinese CSVs carry a ``备注`` column. The
values follow realistic levels, seasons and a few planned events (listed in ``EVENTS`` and in
sample/README.md) so that the bulletins have something to report.

The window is fixed (2025-01 .. 2026-10, crossing the 2026-03-01 change of the air standards) and the
random generator is seeded per station and item, so every run writes the same bytes, and writing a
sub-range of months gives the same values for those months as writing the whole window. The months
2025-01 .. 2025-07 (``EARLY``) were added later so that 2025 is a complete calendar year for the annual
bulletin: they are drawn from generators of their own, so the values of 2025-08 onwards are those the
window had before.

What is written, per month (water) or per quarter (county sources):

================================================  ==========================================
file                                              layout
================================================  ==========================================
``样例数据_YYYY-MM_地表水_国控断面.csv``              English wide CSV, UTF-8, item codes
``样例数据_YYYY-MM_地表水_省控断面.csv``              Chinese wide CSV, **GBK**, ``名称(单位)``
``样例数据_YYYY-MM_湖库_北海湖.xlsx``                 XLSX, title row + merged note row
``样例数据_YYYY-MM_饮用水源_城市地表水.xlsx``          XLSX, title row, merged item-group row
``样例数据_YYYY-MM_饮用水源_城市地下水_长表.csv``      long CSV ``station,time,item,value,unit``
``样例数据_YYYY-MM_饮用水源_县级_第N季度.csv``         Chinese wide CSV, GBK, ``/`` = not in plan
``样例数据_YYYY-MM_取水量_城市水源.csv``              the suppliers' monthly intake, Chinese CSV, GBK
``样例数据_YYYY-MM_取水量_县级水源_第N季度.xlsx``      the suppliers' quarterly intake, XLSX with a title row
``样例数据_YYYY-MM_空气_县城站.csv``                  English wide air CSV, hour-ending times
``样例数据_YYYY-MM_空气_腾冲市城区站.csv``             Chinese air CSV, GBK, ``--`` = missing
``样例数据_2025-MM_噪声_功能区_第N季度.csv``            noise: functional-zone points' Ld/Ln, once a quarter
``样例数据_2025-05_噪声_道路交通.csv``                  noise: the road-traffic survey (Ld/Ln per point)
``样例数据_2025-10_噪声_区域.xlsx``                     noise: the regional grid survey, XLSX with a title row
================================================  ==========================================

Air data is generated only for the sample county stations: the real national stations come from the
national feed copies (``sample/air_cnemc_seed_cities_2026.csv.gz``, the six seed cities, and
``sample/air_cnemc_yunnan_2026.csv.gz``, the 16 州（市） of 云南省), copied next to the files when
``with_real_air`` is set.
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from publisher import registry as registry_mod
from publisher.errors import InputError
from publisher.paths import PACKAGE_DIR, SAMPLE_FEEDS
from publisher import vocabulary

WINDOW = ("2025-01", "2026-10")
#: the months added in front of the first window (2025-08 .. 2026-10): drawn from generators of their own
EARLY = ("2025-01", "2025-07")
SEED = 20250801
LABEL = vocabulary.SAMPLE_LABEL
PREFIX = vocabulary.SAMPLE_PREFIX
REAL_AIR = SAMPLE_FEEDS / "air_cnemc_seed_cities_2026.csv.gz"
#: The same feed for the 43 national stations of the 16 州（市） of 云南省 (保山's ranking group).
REAL_AIR_YUNNAN = SAMPLE_FEEDS / "air_cnemc_yunnan_2026.csv.gz"
#: The real feeds copied next to the sample files, with their row counts.
REAL_AIR_FILES = ((REAL_AIR, 133444), (REAL_AIR_YUNNAN, 150817))
ITEMS_FILE = PACKAGE_DIR / "standards" / "data" / "water-items.yaml"
GB3838_FILE = PACKAGE_DIR / "standards" / "data" / "gb3838-2002.yaml"
GB14848_FILE = PACKAGE_DIR / "standards" / "data" / "gb14848-2017.yaml"

# ---------------------------------------------------------------------------------------------
# Item sets
# ---------------------------------------------------------------------------------------------
TABLE1 = ["water_temp", "ph", "do", "codmn", "cod", "bod5", "nh3_n", "tp", "tn", "cu", "zn", "fluoride",
          "se", "as", "hg", "cd", "cr6", "pb", "cyanide", "volatile_phenol", "petroleum", "las",
          "sulfide", "fecal_coliform"]
TABLE2 = ["sulfate", "chloride", "nitrate", "fe", "mn"]
# 33 优选特定项目; read from the standards table when present (same list)
PRIORITY_33 = ["trichloromethane", "carbon_tetrachloride", "trichloroethylene", "tetrachloroethylene",
               "formaldehyde", "benzene", "toluene", "ethylbenzene", "xylene", "styrene", "isopropylbenzene",
               "chlorobenzene", "dichlorobenzene_1_2", "dichlorobenzene_1_4", "trichlorobenzene",
               "nitrobenzene", "dinitrobenzene", "nitrochlorobenzene", "dibutyl_phthalate", "dehp", "ddt",
               "lindane", "atrazine", "benzo_a_pyrene", "mo", "co", "be", "b", "sb", "ni", "ba", "v", "tl"]
# GB/T 14848-2017 常规指标 with a numeric value (嗅和味 and 肉眼可见物 are descriptive and left out)
GW_REGULAR = ["color", "turbidity", "ph", "total_hardness", "tds", "sulfate", "chloride", "fe", "mn", "cu",
              "zn", "al", "volatile_phenol", "las", "codmn", "nh3_n", "sulfide", "na", "total_coliforms",
              "total_bacteria", "nitrite", "nitrate", "cyanide", "fluoride", "iodide", "hg", "as", "se",
              "cd", "cr6", "pb", "trichloromethane", "carbon_tetrachloride", "benzene", "toluene",
              "gross_alpha", "gross_beta"]
SECTION_ITEMS = TABLE1  # the 21 evaluation items + water_temp, tn, fecal_coliform
LAKE_ITEMS = TABLE1 + ["chla", "sd"]
# Surface drinking sources as current plans monitor them: Table 1 without 化学需氧量 (23), Table 2 (5), the 33
# 优选特定项目 = 61 items; lake and reservoir sources add chlorophyll a and transparency (water-assessment-2021.yaml).
SOURCE_TABLE1 = [c for c in TABLE1 if c != "cod"]
SOURCE_LAKE_EXTRA = ["chla", "sd"]

# Measured items: median, log-sd, wet-season amplitude, decimals, detection limit (None = always found).
# "Pollution" items are scaled by the station's load factor.
MEASURED = {
    "codmn": (2.0, 0.18, 0.35, 1, 0.5),
    "cod": (9.0, 0.20, 0.30, 0, 4.0),
    "bod5": (1.3, 0.25, 0.30, 1, 0.5),
    "nh3_n": (0.12, 0.35, 0.45, 3, 0.025),
    "tp": (0.035, 0.30, 0.55, 3, 0.01),
    "tn": (0.60, 0.25, 0.35, 2, 0.05),
    "fecal_coliform": (900.0, 0.55, 0.90, -1, 20.0),
    "fluoride": (0.17, 0.20, 0.0, 2, 0.006),
    "sulfate": (14.0, 0.25, -0.15, 1, None),
    "chloride": (4.0, 0.30, -0.15, 2, None),
    "nitrate": (0.45, 0.35, 0.20, 2, 0.02),
    "ba": (0.035, 0.25, 0.0, 4, None),
    "b": (0.018, 0.35, 0.0, 3, 0.01),
    "total_hardness": (210.0, 0.10, -0.05, 0, None),
    "tds": (290.0, 0.10, -0.05, 0, None),
    "na": (9.0, 0.20, 0.0, 1, None),
    "total_bacteria": (35.0, 0.45, 0.50, 0, None),
    "turbidity": (0.8, 0.40, 0.60, 1, 0.3),
    "color": (5.0, 0.20, 0.30, 0, 5.0),
    "gross_beta": (0.09, 0.30, 0.0, 3, 0.015),
}
POLLUTION_ITEMS = {"codmn", "cod", "bod5", "nh3_n", "tp", "tn", "fecal_coliform"}

# Trace items: detection limit, chance of a detection, detected range (lo, hi), decimals.
TRACE = {
    "cu": (0.001, 0.35, 0.001, 0.004, 4), "zn": (0.05, 0.08, 0.05, 0.09, 3),
    "se": (0.0004, 0.05, 0.0004, 0.0008, 4), "as": (0.0003, 0.45, 0.0004, 0.0025, 4),
    "hg": (0.00004, 0.04, 0.00004, 0.00006, 5), "cd": (0.0001, 0.12, 0.0001, 0.0004, 4),
    "cr6": (0.004, 0.04, 0.004, 0.008, 3), "pb": (0.001, 0.18, 0.001, 0.003, 4),
    "cyanide": (0.004, 0.02, 0.004, 0.006, 3), "volatile_phenol": (0.0003, 0.08, 0.0003, 0.0012, 4),
    "petroleum": (0.01, 0.30, 0.01, 0.03, 2), "las": (0.05, 0.06, 0.05, 0.08, 2),
    "sulfide": (0.005, 0.08, 0.005, 0.012, 3), "fe": (0.03, 0.55, 0.03, 0.16, 2),
    "mn": (0.01, 0.45, 0.01, 0.05, 3), "al": (0.009, 0.40, 0.01, 0.05, 3),
    "nitrite": (0.003, 0.30, 0.003, 0.010, 3), "iodide": (0.002, 0.10, 0.002, 0.004, 3),
    "total_coliforms": (2.0, 0.15, 2.0, 2.0, 0), "gross_alpha": (0.016, 0.35, 0.02, 0.05, 3),
    # Table 3 organics (mg/L) and metals
    "trichloromethane": (0.0014, 0.06, 0.0015, 0.003, 4), "carbon_tetrachloride": (0.0015, 0.0, 0, 0, 4),
    "trichloroethylene": (0.0012, 0.0, 0, 0, 4), "tetrachloroethylene": (0.0012, 0.0, 0, 0, 4),
    "formaldehyde": (0.05, 0.03, 0.05, 0.08, 2), "benzene": (0.0014, 0.0, 0, 0, 4),
    "toluene": (0.0014, 0.03, 0.0015, 0.003, 4), "ethylbenzene": (0.0008, 0.0, 0, 0, 4),
    "xylene": (0.0022, 0.0, 0, 0, 4), "styrene": (0.0006, 0.0, 0, 0, 4),
    "isopropylbenzene": (0.0007, 0.0, 0, 0, 4), "chlorobenzene": (0.001, 0.0, 0, 0, 4),
    "dichlorobenzene_1_2": (0.0008, 0.0, 0, 0, 4), "dichlorobenzene_1_4": (0.0008, 0.0, 0, 0, 4),
    "trichlorobenzene": (0.0006, 0.0, 0, 0, 4), "nitrobenzene": (0.00017, 0.0, 0, 0, 5),
    "dinitrobenzene": (0.0002, 0.0, 0, 0, 4), "nitrochlorobenzene": (0.0002, 0.0, 0, 0, 4),
    "dibutyl_phthalate": (0.0001, 0.08, 0.0001, 0.0006, 4), "dehp": (0.0002, 0.10, 0.0002, 0.0012, 4),
    "ddt": (0.00004, 0.0, 0, 0, 5), "lindane": (0.00002, 0.0, 0, 0, 5),
    "atrazine": (0.00008, 0.05, 0.00008, 0.0003, 5), "benzo_a_pyrene": (0.0000014, 0.0, 0, 0, 7),
    "mo": (0.00006, 0.60, 0.0001, 0.0008, 5), "co": (0.00003, 0.40, 0.00003, 0.0002, 5),
    "be": (0.00004, 0.05, 0.00004, 0.00008, 5), "sb": (0.00015, 0.50, 0.0002, 0.0008, 5),
    "ni": (0.00006, 0.70, 0.0005, 0.003, 4), "v": (0.00008, 0.60, 0.0005, 0.002, 4),
    "tl": (0.00002, 0.10, 0.00002, 0.00004, 5),
}

# Station load factors (pollution items) and special behaviour; everything not listed gets 1.0.
LOAD = {
    "sec-nujiang-shuanghong": 0.7, "sec-nujiang-hongqi": 0.75, "sec-nujiang-huitong": 0.8,
    "sec-lancang-jihong": 0.8, "sec-lancang-datianba": 0.85, "sec-longchuan-qushi": 0.7,
    "sec-longchuan-longjiang": 0.8, "sec-donghe-banqiao": 1.3, "sec-donghe-hetu": 3.2,
    "sec-kukehe-kejie": 1.2, "sec-kukehe-wandian": 1.15, "sec-mengboluo-renhe": 1.35,
    "sec-youdian-tianyuan": 1.6,
}
SOURCE_LOAD = 0.65  # drinking sources: cleaner than the rivers

# Planned events, written into the data (and listed in sample/README.md): station, month, item, value
EVENTS: list[tuple[str, str, str, float]] = [
    # 东河河图 (target Ⅳ) exceeds its target in the wet season: NH3-N and TP in class Ⅴ
    ("sec-donghe-hetu", "2025-08", "nh3_n", 1.68), ("sec-donghe-hetu", "2025-08", "tp", 0.34),
    ("sec-donghe-hetu", "2026-07", "tp", 0.36), ("sec-donghe-hetu", "2026-07", "nh3_n", 1.59),
    # 右甸河田园 (target Ⅲ) TP in class Ⅳ after the first heavy rains
    ("sec-youdian-tianyuan", "2026-06", "tp", 0.23),
    # 北庙水库: manganese above the Table 2 limit (0.1 mg/L) once, at the autumn turnover
    ("src-beimiao", "2025-09", "mn", 0.15), ("src-beimiao", "2025-09", "fe", 0.21),
    # ... and once more in 2025, at the spring turnover: a source exceeding in two months of the year
    ("src-beimiao", "2025-03", "mn", 0.13),
    # 东河河图 in the 2025 dry season: NH3-N in class Ⅴ and worse; the section misses its target (Ⅳ) on the
    # annual means of 2025
    ("sec-donghe-hetu", "2025-02", "nh3_n", 2.31), ("sec-donghe-hetu", "2025-03", "nh3_n", 2.46),
    ("sec-donghe-hetu", "2025-04", "nh3_n", 2.12), ("sec-donghe-hetu", "2025-05", "nh3_n", 1.86),
    ("sec-donghe-hetu", "2025-03", "tp", 0.42), ("sec-donghe-hetu", "2025-04", "tp", 0.38),
]
# Lake points of 北海湖: (chla mg/m³, tp, tn, sd m, codmn) as a summer peak; winter is lower / clearer.
LAKE_TROPHIC = {
    "lake-beihai-center": (7.0, 0.028, 0.70, 1.6, 3.4),
    "lake-beihai-outlet": (9.0, 0.032, 0.78, 1.3, 3.8),
    "lake-beihai-wharf": (26.0, 0.062, 1.15, 0.60, 5.8),  # 轻度富营养 in summer
}

AIR_CODES = ["so2", "no2", "co", "o3", "pm10", "pm2_5"]
AIR_ZH = {"so2": "SO2(μg/m3)", "no2": "NO2(μg/m3)", "co": "CO(mg/m3)", "o3": "O3(μg/m3)",
          "pm10": "PM10(μg/m3)", "pm2_5": "PM2.5(μg/m3)"}
AIR_STATION_FACTOR = {"air-sd-s1": 1.0, "air-ll-s1": 0.85, "air-cn-s1": 1.1, "air-tc-s1": 0.9}
# Air events (Beijing time, hour-ending): winter heavy-pollution episode and spring sand-dust episode
HAZE = (dt.datetime(2026, 1, 15, 14), 1.2, 200.0)      # peak time, half-width (days), added PM2.5 at peak
DUST = (dt.datetime(2026, 4, 8, 16), 0.45, 520.0)      # peak time, half-width (days), added PM10 at peak
# Data gaps: (station, first hour-ending, last hour-ending, pollutants or None = all)
GAPS = [
    ("air-ll-s1", dt.datetime(2025, 11, 12, 3), dt.datetime(2025, 11, 12, 8), None),   # 6 h: day invalid
    ("air-cn-s1", dt.datetime(2026, 6, 3, 10), dt.datetime(2026, 6, 4, 16), None),     # power cut, 31 h
    ("air-sd-s1", dt.datetime(2026, 2, 10, 1), dt.datetime(2026, 2, 11, 0), ["o3"]),   # O3 analyser fault
    ("air-tc-s1", dt.datetime(2025, 12, 20, 9), dt.datetime(2025, 12, 20, 14), None),  # calibration, 6 h
    # 龙陵 in 2025: the analysers away for repair for most of May, and the PM2.5 channel down for three weeks of
    # March: fewer than 27 valid days in those months, the annual statistics fail GB 3095 表4's monthly rule
    ("air-ll-s1", dt.datetime(2025, 5, 4, 1), dt.datetime(2025, 5, 15, 0), None),
    ("air-ll-s1", dt.datetime(2025, 3, 2, 1), dt.datetime(2025, 3, 12, 0), ["pm2_5"]),
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _rng(*parts: object) -> np.random.Generator:
    """A generator seeded from SEED and the given parts (stable across runs and Python versions)."""
    key = "|".join(str(p) for p in parts).encode("utf-8")
    return np.random.default_rng([SEED, zlib.crc32(key)])


def _months(start: str, end: str) -> list[str]:
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    out = []
    while (y, m) <= (ey, em):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _check_month(text: str) -> str:
    try:
        day = dt.date.fromisoformat(f"{text}-01")
    except ValueError as exc:
        raise InputError(f"month {text!r}: write it as YYYY-MM") from exc
    return f"{day.year:04d}-{day.month:02d}"


def _fmt(value: float, decimals: int) -> str:
    if decimals < 0:  # counts: whole numbers, two significant figures like lab reports
        return f"{int(float(f'{value:.2g}'))}"
    return f"{value:.{decimals}f}"


def _dl_text(dl: float) -> str:
    return np.format_float_positional(dl, trim="-") + "L"


def _catalogue() -> dict[str, dict]:
    items = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))["items"]
    return {item["code"]: item for item in items}


def _priority_33() -> list[str]:
    try:
        doc = yaml.safe_load(GB3838_FILE.read_text(encoding="utf-8"))
        found = _find_key(doc, "priority_33")
        if isinstance(found, dict) and len(found.get("items") or []) == 33:
            return list(found["items"])
    except (OSError, yaml.YAMLError):
        pass
    return list(PRIORITY_33)


def _find_key(node: object, key: str) -> object:
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for value in node.values():
            found = _find_key(value, key)
            if found is not None:
                return found
    return None


def _header(item: dict) -> str:
    """Chinese column header ``名称(单位)``, without a unit for dimensionless items."""
    name, unit = item["name_zh"], item["unit"]
    return name if unit in ("无量纲", "", None) else f"{name}({unit})"


def _gbk_safe(text: str) -> str:
    return text.replace("³", "3").replace("µ", "μ")


# ---------------------------------------------------------------------------------------------
# water
# ---------------------------------------------------------------------------------------------
WET = {6: 0.5, 7: 1.0, 8: 1.0, 9: 0.7, 10: 0.3}


def _season(months: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per month: the wet-season weight (0..1) and the mean water temperature (℃) of the region."""
    m = np.array([int(x[5:]) for x in months])
    wet = np.array([WET.get(int(k), 0.0) for k in m])
    temp = 15.5 + 5.5 * np.cos(2 * np.pi * (m - 7) / 12)
    return wet, temp


@dataclass
class Cell:
    """One value as written in a file: its text (``0.01L`` for below-DL) and number for XLSX."""

    text: str
    number: float | None  # None when below DL (the text is then written)


def _water_values(station: registry_mod.Station, items: list[str], months: list[str],
                  salt: tuple[str, ...] = ()) -> dict[str, list[Cell]]:
    """Values of `items` at `station` for each of `months` (one sample per month); `salt` picks other
    generators (the early months)."""
    n = len(months)
    wet, temp = _season(months)
    out: dict[str, list[Cell]] = {}
    load = LOAD.get(station.id, SOURCE_LOAD if station.kind in registry_mod.SOURCE_KINDS else 1.0)
    lake = station.waterbody_type == "lake"
    gw = station.waterbody_type == "groundwater"
    big_river = station.river in ("怒江", "澜沧江")
    r = _rng(station.id, "temp", *salt)
    wt = temp + (-2.5 if big_river else 0) + (1.0 if lake else 0) + r.normal(0, 0.8, n)
    if gw:
        wt = 17.0 + 0.8 * (temp - 15.5) / 5.5 + r.normal(0, 0.3, n)
    trophic = LAKE_TROPHIC.get(station.id)
    summer = 0.5 + 0.5 * np.cos(2 * np.pi * (np.array([int(x[5:]) for x in months]) - 7.5) / 12)  # 0..1
    for code in items:
        r = _rng(station.id, code, *salt)
        if code == "water_temp":
            out[code] = [Cell(f"{v:.1f}", round(float(v), 1)) for v in wt]
            continue
        if code == "ph":
            base = 7.4 if gw else (8.0 if lake else 7.8)
            v = base + r.normal(0, 0.15, n) - 0.15 * wet
            out[code] = [Cell(f"{x:.2f}", round(float(x), 2)) for x in v]
            continue
        if code == "do":
            sat = (14.6 - 0.39 * wt + 0.0072 * wt**2) * 0.83  # ~1700 m altitude
            frac = 0.93 - 0.04 * (load - 1) * (0.5 + wet) + r.normal(0, 0.025, n)
            v = np.clip(sat * frac, 3.0, None)
            out[code] = [Cell(f"{x:.1f}", round(float(x), 1)) for x in v]
            continue
        if code in ("chla", "sd") or (trophic and code in ("tp", "tn", "codmn")):
            chla, tp, tn, sd, codmn = trophic or (4.0, 0.02, 0.5, 2.0, 2.5)
            level = {"chla": chla, "tp": tp, "tn": tn, "sd": sd, "codmn": codmn}[code]
            amp = {"chla": 0.7, "tp": 0.35, "tn": 0.25, "sd": -0.45, "codmn": 0.25}[code]
            v = level * (1 - abs(amp)) + level * abs(amp) * (summer if amp > 0 else 1 - summer)
            v = v * np.exp(r.normal(0, 0.08, n))
            dec = {"chla": 1, "tp": 3, "tn": 2, "sd": 2, "codmn": 1}[code]
            out[code] = [Cell(f"{x:.{dec}f}", round(float(x), dec)) for x in v]
            continue
        if code in MEASURED:
            median, sd_log, wet_amp, dec, dl = MEASURED[code]
            level = median * (load if code in POLLUTION_ITEMS else 1.0)
            if gw and code in ("codmn", "nh3_n"):
                level = {"codmn": 0.7, "nh3_n": 0.04}[code]
            if gw and code == "nitrate":
                level = 2.2
            if lake and code == "tp":
                level *= 0.6
            if big_river and code in ("tp", "turbidity"):  # sediment-laden in the rains
                wet_amp = wet_amp * 1.6
            v = level * (1 + wet_amp * wet) * np.exp(r.normal(0, sd_log, n))
            cells = []
            for x in v:
                if dl is not None and x < dl:
                    cells.append(Cell(_dl_text(dl), None))
                else:
                    text = _fmt(float(x), dec)
                    cells.append(Cell(text, float(text)))
            out[code] = cells
            continue
        if code in TRACE:
            dl, p, lo, hi, dec = TRACE[code]
            if lake and code in ("fe", "mn"):
                p = min(1.0, p + 0.2)
            hit = r.random(n) < p
            val = r.uniform(lo, hi, n)
            cells = []
            for h, x in zip(hit, val):
                text = f"{max(x, dl):.{dec}f}"
                cells.append(Cell(text, float(text)) if h and hi > 0 else Cell(_dl_text(dl), None))
            out[code] = cells
            continue
        raise KeyError(f"no sample model for item {code!r}")
    for sid, month, code, value in EVENTS:
        if sid == station.id and month in months and code in out:
            dec = 3 if value < 1 else 2
            out[code][months.index(month)] = Cell(f"{value:.{dec}f}", value)
    return out


def _sample_times(station: registry_mod.Station, months: list[str], salt: tuple[str, ...] = ()) -> list[dt.datetime]:
    r = _rng(station.id, "when", *salt)
    days = r.integers(3, 16, len(months))
    hours = r.integers(9, 16, len(months))
    minutes = r.choice([0, 10, 20, 30, 40, 50], len(months))
    return [dt.datetime(int(m[:4]), int(m[5:]), int(d), int(h), int(mi))
            for m, d, h, mi in zip(months, days, hours, minutes)]


def _items_for(station: registry_mod.Station, p33: list[str]) -> list[str]:
    if station.kind in registry_mod.SOURCE_KINDS:
        if station.waterbody_type == "groundwater":
            return GW_REGULAR
        extra = SOURCE_LAKE_EXTRA if station.waterbody_type == "lake" else []
        return SOURCE_TABLE1 + extra + TABLE2 + p33
    if station.kind == "lake_point":
        return LAKE_ITEMS
    return SECTION_ITEMS


# ---------------------------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------------------------
def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> int:
    buf = io.StringIO()
    for line in [header, *rows]:
        buf.write(",".join(_csv_field(x) for x in line) + "\r\n")
    text = buf.getvalue()
    if encoding == "gbk":
        text = _gbk_safe(text)
    path.write_bytes(text.encode(encoding))
    return len(rows)


def _csv_field(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ',"\n') else text


def _write_xlsx(path: Path, title: str, note: str, header: list[str], rows: list[list[Cell | str | dt.datetime]],
                groups: list[tuple[str, int, int]] | None = None) -> int:
    """An XLSX as staff send it: merged title row, merged note row, optional merged group row, header."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"title": title, "author": "publisher sample", "comments": LABEL,
                             "created": dt.datetime(2026, 1, 1)})
    sheet = workbook.add_worksheet("数据")
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "font_size": 14})
    centre = workbook.add_format({"align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    plain = workbook.add_format({"align": "left"})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    last = len(header) - 1
    sheet.merge_range(0, 0, 0, last, title, bold)
    sheet.merge_range(1, 0, 1, last, note, plain)
    row = 2
    if groups:
        for label, first, end in groups:
            if end > first:
                sheet.merge_range(row, first, row, end, label, centre)
            else:
                sheet.write(row, first, label, centre)
        row += 1
    sheet.write_row(row, 0, header, centre)
    for values in rows:
        row += 1
        for col, value in enumerate(values):
            if isinstance(value, Cell):
                if value.number is None:
                    sheet.write_string(row, col, value.text)
                else:
                    sheet.write_number(row, col, value.number)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(row, col, value, when)
            else:
                sheet.write_string(row, col, str(value))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 18)
    workbook.close()
    return len(rows)


@dataclass
class Written:
    path: Path
    rows: int
    what: str


def _month_title(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:])}月"


def generate(out: str | Path, start: str = WINDOW[0], end: str = WINDOW[1], *,
             registry: registry_mod.Registry | None = None, with_real_air: bool = True) -> list[Written]:
    """Write the sample files for months start..end (inside the fixed window) into `out`."""
    start, end = _check_month(start), _check_month(end)
    if not (WINDOW[0] <= start <= end <= WINDOW[1]):
        raise InputError(f"sample months must lie in {WINDOW[0]}..{WINDOW[1]} (got {start}..{end})")
    missing = [real for real, _ in REAL_AIR_FILES if with_real_air and not real.is_file()]
    if missing:
        raise InputError(f"未找到样例数据 {missing[0]}：真实空气数据只随源码目录提供，安装包不含"
                         f"（在源码目录中运行，或加 --no-real-air） (sample_feed_missing)")
    reg = registry or registry_mod.load()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    window = _months(*WINDOW)
    early = _months(*EARLY)
    later = window[len(early):]
    wanted = _months(start, end)
    catalogue = _catalogue()
    p33 = _priority_33()
    written: list[Written] = []

    water = {s.id: s for s in reg.by_kind(*registry_mod.WATER_KINDS)}
    values, times = {}, {}
    for sid, s in water.items():
        items = _items_for(s, p33)
        first, rest = _water_values(s, items, early, ("early",)), _water_values(s, items, later)
        values[sid] = {code: first[code] + rest[code] for code in rest}
        times[sid] = _sample_times(s, early, ("early",)) + _sample_times(s, later)

    def zh_headers(codes: list[str]) -> list[str]:
        return [_header(catalogue[c]) for c in codes]

    for month in wanted:
        i = window.index(month)
        tag = f"{PREFIX}{month}"
        # national sections: English wide CSV, UTF-8
        stations = reg.by_kind("national_section")
        if stations:
            rows = [[s.id, times[s.id][i].strftime("%Y-%m-%d %H:%M"), s.waterbody_type or ""]
                    + [values[s.id][c][i].text for c in SECTION_ITEMS] for s in stations]
            path = out / f"{tag}_地表水_国控断面.csv"
            written.append(Written(path, _write_csv(path, ["station_id", "sampled_at", "waterbody_type",
                                                           *SECTION_ITEMS], rows), "water"))
        # provincial sections: Chinese wide CSV, GBK
        stations = reg.by_kind("provincial_section")
        if stations:
            rows = [[s.name, times[s.id][i].strftime("%Y/%m/%d %H:%M")]
                    + [values[s.id][c][i].text for c in SECTION_ITEMS] + [LABEL] for s in stations]
            path = out / f"{tag}_地表水_省控断面.csv"
            written.append(Written(path, _write_csv(path, ["断面名称", "采样时间", *zh_headers(SECTION_ITEMS),
                                                           "备注"], rows, "gbk"), "water"))
        # lake points: XLSX with a title row
        stations = reg.by_kind("lake_point")
        if stations:
            rows = [[s.name, times[s.id][i]] + [values[s.id][c][i] for c in LAKE_ITEMS] for s in stations]
            path = out / f"{tag}_湖库_北海湖.xlsx"
            n = _write_xlsx(path, f"腾冲市北海湖水质监测数据（{LABEL}）{_month_title(month)}",
                            f"说明：本表为{LABEL}，由 publisher 生成，非实测数据。低于检出限的写作“检出限L”。",
                            ["点位名称", "采样时间", *zh_headers(LAKE_ITEMS)], rows)
            written.append(Written(path, n, "water"))
        # city sources, surface water: XLSX with title row and merged item-group row
        surface = [s for s in reg.by_kind("city_source") if s.waterbody_type != "groundwater"]
        if surface:
            basic = SOURCE_TABLE1 + SOURCE_LAKE_EXTRA
            codes = basic + TABLE2 + p33
            rows = [[s.name, times[s.id][i].strftime("%Y-%m-%d %H:%M")]
                    + [values[s.id][c][i] if c in values[s.id] else Cell("/", None) for c in codes] for s in surface]
            groups = [("水源", 0, 1), ("基本项目（GB 3838-2002 表1，化学需氧量除外）及湖库增测项目", 2, 1 + len(basic)),
                      ("补充项目（表2）", 2 + len(basic), 1 + len(basic) + len(TABLE2)),
                      ("优选特定项目（表3）", 2 + len(basic) + len(TABLE2), 1 + len(codes))]
            path = out / f"{tag}_饮用水源_城市地表水.xlsx"
            n = _write_xlsx(path, f"保山市中心城市集中式生活饮用水水源水质监测数据（{LABEL}）{_month_title(month)}",
                            f"说明：本表为{LABEL}，由 publisher 生成，非实测数据。", ["点位名称", "采样时间",
                                                                          *zh_headers(codes)], rows, groups)
            written.append(Written(path, n, "water"))
        # city sources, groundwater: long CSV (station, time, item, value, unit)
        ground = [s for s in reg.by_kind("city_source") if s.waterbody_type == "groundwater"]
        if ground:
            rows = [[s.name, times[s.id][i].strftime("%Y-%m-%d %H:%M"), catalogue[c]["name_zh"],
                     values[s.id][c][i].text, catalogue[c]["unit"]] for s in ground for c in GW_REGULAR]
            path = out / f"{tag}_饮用水源_城市地下水_长表.csv"
            written.append(Written(path, _write_csv(path, ["station", "time", "item", "value", "unit"], rows),
                                   "water"))
        # county sources: once a quarter, in the quarter's middle month; Chinese wide CSV, GBK, "/" = not in plan
        stations = reg.by_kind("county_source")
        if stations and int(month[5:]) % 3 == 2:
            codes = list(dict.fromkeys(SOURCE_TABLE1 + SOURCE_LAKE_EXTRA + TABLE2 + p33 + GW_REGULAR))
            rows = []
            for s in stations:
                mine = set(_items_for(s, p33))
                rows.append([s.name, times[s.id][i].strftime("%Y-%m-%d %H:%M")]
                            + [values[s.id][c][i].text if c in mine else "/" for c in codes] + [LABEL])
            quarter = (int(month[5:]) - 1) // 3 + 1
            path = out / f"{tag}_饮用水源_县级_第{quarter}季度.csv"
            written.append(Written(path, _write_csv(path, ["点位名称", "采样时间", *zh_headers(codes), "备注"],
                                                    rows, "gbk"), "water"))

        written += _write_intake(reg, out, month)

    from publisher.demo import supervisory  # key polluting units' outlet results, one file a quarter

    written += [Written(path, rows, "supervisory") for path, rows in
                supervisory.write(out, reg, wanted, PREFIX, LABEL, SEED)]
    air_parts = [_air_frame(reg, early, ("early",)), _air_frame(reg, later)]
    if all(part is not None for part in air_parts):
        written += _write_air(pl.concat(air_parts), reg, out, wanted)
    # forecasts start with the first window (2025-08): the annual bulletin does not read them
    written += _write_forecasts(reg, out, [m for m in wanted if m >= later[0]])
    written += _write_noise(reg, out, wanted)
    for real, rows in REAL_AIR_FILES if with_real_air else ():
        target = out / real.name
        shutil.copyfile(real, target)
        written.append(Written(target, rows, "real air (CNEMC feed copy)"))
    return written


# ---------------------------------------------------------------------------------------------
# intake: the water suppliers' actual 取水量 (万吨) per source
# ---------------------------------------------------------------------------------------------
INTAKE_YEARS = (2025, 2026)   # the monthly model covers these calendar years (a quarter may start before the window)


def _intake_months(station: registry_mod.Station) -> dict[str, float]:
    """Monthly intake of `station` (万吨, 1 decimal) for every month of INTAKE_YEARS: the registry's volume, a
    little more in the dry season (Nov–May), and a few percent of noise; seeded per station."""
    months = [f"{y:04d}-{m:02d}" for y in INTAKE_YEARS for m in range(1, 13)]
    r = _rng(station.id, "intake")
    noise = r.normal(0, 0.04, len(months))
    base = float(station.volume or 0.0)
    out = {}
    for k, month in enumerate(months):
        m = int(month[5:])
        dry = 0.06 if m in (11, 12, 1, 2, 3, 4, 5) else -0.04
        out[month] = round(base * (1 + dry) * float(np.exp(noise[k])), 1)
    return out


def _write_intake(reg: registry_mod.Registry, out: Path, month: str) -> list[Written]:
    """The suppliers' files of `month`: the city sources' intake of the month (CSV, GBK) and, in a quarter's last
    month, the county sources' intake of the quarter (XLSX with a title row)."""
    written: list[Written] = []
    tag = f"{PREFIX}{month}"
    city = [s for s in reg.by_kind("city_source") if s.volume is not None]
    if city:
        rows = [[s.name, month, f"{_intake_months(s)[month]:.1f}", LABEL] for s in city]
        path = out / f"{tag}_取水量_城市水源.csv"
        written.append(Written(path, _write_csv(path, ["水源名称", "月份", "取水量(万吨)", "备注"], rows, "gbk"),
                               "intake"))
    county = [s for s in reg.by_kind("county_source") if s.volume is not None]
    m = int(month[5:])
    if county and m % 3 == 0:
        year, quarter = int(month[:4]), m // 3
        months = [f"{year:04d}-{k:02d}" for k in range(3 * quarter - 2, 3 * quarter + 1)]
        rows = [[s.name, f"{year}年第{'一二三四'[quarter - 1]}季度",
                 Cell(f"{sum(_intake_months(s)[k] for k in months):.1f}",
                      round(sum(_intake_months(s)[k] for k in months), 1))] for s in county]
        path = out / f"{tag}_取水量_县级水源_第{quarter}季度.xlsx"
        n = _write_xlsx(path, f"县级集中式生活饮用水水源取水量统计（{LABEL}）{year}年第{'一二三四'[quarter - 1]}季度",
                        f"说明：本表为{LABEL}，由 publisher 生成，非供水单位实际报送数据。",
                        ["水源名称", "季度", "取水量(万吨)"], rows)
        written.append(Written(path, n, "intake"))
    return written


# ---------------------------------------------------------------------------------------------
# air-quality forecasts (the bureau receives them; sample values)
# ---------------------------------------------------------------------------------------------
def _write_forecasts(reg: registry_mod.Registry, out: Path, wanted: list[str]) -> list[Written]:
    """``样例数据_YYYY-MM_空气质量预报.csv``: for every day of the month, the forecast issued that day for
    the next three days, for the region and its counties (the layout of publisher/ingest/forecast.py).
    Invented values in the range of the season (spring ozone, dry-season particles); marked 样例数据."""
    region = str(reg.region.get("name") or "")
    areas = [a.name for a in reg.areas if a.name == region or (a.level == "county" and a.city == region)]
    if not areas:
        return []
    words = {1: "一级", 2: "二级", 3: "三级"}
    written = []
    for month in wanted:
        year, mo = int(month[:4]), int(month[5:])
        first = dt.date(year, mo, 1)
        days = (dt.date(year + mo // 12, mo % 12 + 1, 1) - first).days
        rows = []
        for offset in range(days):
            issued = first + dt.timedelta(days=offset)
            for ahead in (1, 2, 3):
                day = issued + dt.timedelta(days=ahead)
                for area in areas:
                    r = _rng("forecast", area, day.isoformat(), issued.isoformat())
                    centre = 8 + 0.45 * O3_MONTH[day.month] + 0.6 * PM25_MONTH[day.month] + r.normal(0, 6)
                    low = max(10, int(round(centre - 10 - 2 * ahead)))
                    high = int(round(centre + 10 + 2 * ahead))
                    levels = [1 if v <= 50 else 2 if v <= 100 else 3 for v in (low, high)]
                    level = words[levels[0]] if levels[0] == levels[1] else f"{words[levels[0]]}～{words[levels[1]]}"
                    primary = "—" if high <= 50 else ("O₃" if day.month in (3, 4, 5, 6, 7, 8, 9) else "PM₂.₅")
                    rows.append([issued.isoformat(), day.isoformat(), area, f"{low}～{high}", level, primary, LABEL])
        path = out / f"{PREFIX}{month}_空气质量预报.csv"
        n = _write_csv(path, ["发布日期", "预报日期", "地区", "AQI范围", "级别", "首要污染物", "备注"], rows)
        written.append(Written(path, n, "air-quality forecast"))
    return written


# ---------------------------------------------------------------------------------------------
# air (sample county stations only)
# ---------------------------------------------------------------------------------------------
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


def summary(written: list[Written], seconds: float | None = None) -> str:
    """A short Chinese summary of a generate() run."""
    by_kind: dict[str, tuple[int, int]] = {}
    for w in written:
        files, rows = by_kind.get(w.what, (0, 0))
        by_kind[w.what] = (files + 1, rows + w.rows)
    parts = [f"{what}: {files} 个文件 {rows} 行" for what, (files, rows) in by_kind.items()]
    took = f"，用时 {seconds:.1f} 秒" if seconds is not None else ""
    return f"已写入 {len(written)} 个{LABEL}文件（" + "；".join(parts) + f"）{took}"


def run(out: str | Path, start: str = WINDOW[0], end: str = WINDOW[1], *,
        registry: registry_mod.Registry | None = None, with_real_air: bool = True) -> tuple[list[Written], float]:
    began = time.perf_counter()
    written = generate(out, start, end, registry=registry, with_real_air=with_real_air)
    return written, time.perf_counter() - began


# ---------------------------------------------------------------------------------------------
# noise (sample points of the central city; results of 2025)
# ---------------------------------------------------------------------------------------------
#: zone class -> (typical Ld, typical Ln) of the sample points, dB(A)
NOISE_ZONE_LEVELS = {"0": (46.0, 37.0), "1": (51.5, 42.0), "2": (55.0, 45.5), "3": (58.5, 49.0),
                     "4a": (64.5, 53.0), "4b": (63.0, 55.0)}
#: planned exceedances: (point, quarter) -> (Ld, Ln) as measured
NOISE_EVENTS = {("nz-06", 1): (67.2, 57.4), ("nz-06", 3): (66.1, 56.2), ("nz-02", 3): (53.8, 46.3)}
#: the survey months of 2025: functional zones in the middle month of each quarter, roads in May, the grid in October
NOISE_ZONE_MONTHS = ("2025-02", "2025-05", "2025-08", "2025-11")
NOISE_ROAD_MONTH, NOISE_GRID_MONTH = "2025-05", "2025-10"
#: a grid point measured by day only (its night survey was lost): left out of the night mean
NOISE_DAY_ONLY = {"ng-17"}


def _noise_level(*key: object, mean: float, sd: float) -> float:
    return round(float(mean + _rng("noise", *key).normal(0, sd)), 1)


def _write_noise(reg: registry_mod.Registry, out: Path, wanted: list[str]) -> list[Written]:
    """The noise results of 2025 (样例数据): the functional-zone points once a quarter (CSV, UTF-8), the road-traffic
    survey in May (CSV, GBK) and the regional grid survey in October (XLSX with a title row)."""
    written: list[Written] = []
    zones = reg.by_kind("noise_zone_point")
    for quarter, month in enumerate(NOISE_ZONE_MONTHS, start=1):
        if month not in wanted or not zones:
            continue
        rows = []
        for k, point in enumerate(zones):
            day = dt.date(int(month[:4]), int(month[5:]), 10 + k % 8)
            ld_mean, ln_mean = NOISE_ZONE_LEVELS.get(point.zone_class or "2", (55.0, 45.0))
            ld = _noise_level(point.id, quarter, "ld", mean=ld_mean, sd=1.1)
            ln = _noise_level(point.id, quarter, "ln", mean=ln_mean, sd=1.0)
            ld, ln = NOISE_EVENTS.get((point.id, quarter), (ld, ln))
            rows.append([point.name, day.isoformat(), f"{ld:.1f}", f"{ln:.1f}", f"2025年第{'一二三四'[quarter - 1]}季度",
                         LABEL])
        path = out / f"{PREFIX}{month}_噪声_功能区_第{quarter}季度.csv"
        written.append(Written(path, _write_csv(path, ["点位名称", "监测日期", "昼间等效声级(dB(A))",
                                                       "夜间等效声级(dB(A))", "季度", "备注"], rows), "noise"))
    roads = reg.by_kind("noise_road_point")
    if NOISE_ROAD_MONTH in wanted and roads:
        rows = []
        for k, point in enumerate(roads):
            day = dt.date(2025, 5, 12 + k % 4)
            rows.append([point.name, day.isoformat(), f"{_noise_level(point.id, 'ld', mean=67.6, sd=1.3):.1f}",
                         f"{_noise_level(point.id, 'ln', mean=57.2, sd=1.4):.1f}", LABEL])
        path = out / f"{PREFIX}{NOISE_ROAD_MONTH}_噪声_道路交通.csv"
        written.append(Written(path, _write_csv(path, ["点位名称", "监测日期", "昼间等效声级(dB(A))",
                                                       "夜间等效声级(dB(A))", "备注"], rows, "gbk"), "noise"))
    grid = reg.by_kind("noise_grid_point")
    if NOISE_GRID_MONTH in wanted and grid:
        rows = []
        for k, point in enumerate(grid):
            day = dt.datetime(2025, 10, 14 + k % 5)
            ld = _noise_level(point.id, "ld", mean=53.6, sd=2.2)
            ln = "" if point.id in NOISE_DAY_ONLY else f"{_noise_level(point.id, 'ln', mean=44.1, sd=1.8):.1f}"
            rows.append([point.name, day, Cell(f"{ld:.1f}", ld), Cell(ln, float(ln)) if ln else ""])
        path = out / f"{PREFIX}{NOISE_GRID_MONTH}_噪声_区域.xlsx"
        n = _write_xlsx(path, f"保山市中心城区区域声环境监测结果（{LABEL}）2025年",
                        f"说明：本表为{LABEL}，由 publisher 生成，非实测数据。等效声级单位 dB(A)；空白为未测。",
                        ["点位名称", "监测日期", "昼间等效声级(dB(A))", "夜间等效声级(dB(A))"], rows)
        written.append(Written(path, n, "noise"))
    return written
