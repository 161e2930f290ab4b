"""What the sample measures and how much: item sets, typical levels, loads, planned events, air factors and gaps."""
from __future__ import annotations

import datetime as dt


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
