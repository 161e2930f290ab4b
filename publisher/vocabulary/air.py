"""Air words: pollutant and indicator codes in report order, and how each is written.

A *pollutant* is what an analyser measures (hourly frame columns); a daily *indicator* is a pollutant
over an averaging time (``o3_8h``: O3 daily maximum 8-hour mean); a period *statistic* is computed from
an indicator (``co_p95``). The same code is written differently by each output:

============  ===========================  ==============================================
dict          example (``pm2_5``)          used by
============  ===========================  ==============================================
NAME_ZH       细颗粒物                       page text
SHORT_ZH      PM2.5                         ingest messages (the feeds' own wording)
SYMBOL        PM₂.₅                         page tables and charts (Unicode subscripts)
LABEL         PM₂.₅ (``o3_8h``: O₃-8h)      chart axes
HTML          PM<sub>2.5</sub>              the ``pollutant`` template filter
ASCII         PM2.5 (``o3_8h``: O3-8h)      notes of the CLI's CSV output (plain text)
UNIT          μg/m³ (CO: mg/m³)             every output
============  ===========================  ==============================================

μ is U+03BC (GREEK SMALL LETTER MU), as the standards print it, never U+00B5 (MICRO SIGN).
"""
from __future__ import annotations

#: Pollutant codes of the hourly frame, in reporting order.
POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
#: Daily indicator codes (``o3_1h`` exists under HJ 633-2012 only).
DAILY_INDICATORS: tuple[str, ...] = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3_1h")
#: The pollutant each indicator or statistic is of.
POLLUTANT_OF: dict[str, str] = {
    "so2": "so2", "no2": "no2", "co": "co", "o3": "o3", "pm10": "pm10", "pm2_5": "pm2_5",
    "o3_8h": "o3", "o3_1h": "o3", "co_p95": "co", "o3_8h_p90": "o3",
    "so2_p98": "so2", "no2_p98": "no2", "pm10_p95": "pm10", "pm2_5_p95": "pm2_5",
}
#: The indicator a period statistic is computed from.
INDICATOR_OF: dict[str, str] = {
    "so2": "so2", "no2": "no2", "co": "co", "pm10": "pm10", "pm2_5": "pm2_5", "o3_8h": "o3_8h", "o3_1h": "o3_1h",
    "co_p95": "co", "o3_8h_p90": "o3_8h", "so2_p98": "so2", "no2_p98": "no2", "pm10_p95": "pm10",
    "pm2_5_p95": "pm2_5",
}

_NAME = {"so2": "二氧化硫", "no2": "二氧化氮", "co": "一氧化碳", "o3": "臭氧", "pm10": "可吸入颗粒物", "pm2_5": "细颗粒物"}
_SHORT = {"so2": "二氧化硫", "no2": "二氧化氮", "co": "一氧化碳", "o3": "臭氧", "pm10": "PM10", "pm2_5": "PM2.5"}
_SYMBOL = {"so2": "SO₂", "no2": "NO₂", "co": "CO", "o3": "O₃", "pm10": "PM₁₀", "pm2_5": "PM₂.₅"}
_HTML = {"so2": ("SO", "2"), "no2": ("NO", "2"), "co": ("CO", ""), "o3": ("O", "3"), "pm10": ("PM", "10"),
         "pm2_5": ("PM", "2.5")}
_ASCII = {"so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3", "pm10": "PM10", "pm2_5": "PM2.5"}
#: Suffix naming the averaging time of the O3 indicators.
_SUFFIX = {"o3_8h": "-8h", "o3_1h": "-1h"}

_CODES = (*POLLUTANTS, "o3_8h", "o3_1h")
#: Chinese name of a pollutant or daily indicator (the pollutant's name).
NAME_ZH: dict[str, str] = {code: _NAME[POLLUTANT_OF[code]] for code in _CODES}
#: The feeds' short Chinese wording (PM10, PM2.5 as written in the national feed).
SHORT_ZH: dict[str, str] = dict(_SHORT)
#: Unicode symbol of the pollutant of a pollutant or daily indicator (``o3_8h`` -> ``O₃``).
SYMBOL: dict[str, str] = {code: _SYMBOL[POLLUTANT_OF[code]] for code in _CODES}
#: Symbol with the averaging suffix of the O3 indicators (``o3_8h`` -> ``O₃-8h``): chart labels.
LABEL: dict[str, str] = {code: _SYMBOL[POLLUTANT_OF[code]] + _SUFFIX.get(code, "") for code in _CODES}
#: HTML parts (base, subscript[, tail]) of pollutants and indicators.
HTML: dict[str, tuple[str, ...]] = {**_HTML, **{c: (*_HTML["o3"], s) for c, s in _SUFFIX.items()}}
#: Plain-ASCII names of indicators and statistics (the notes of the CLI's CSV output).
ASCII: dict[str, str] = {code: _ASCII[POLLUTANT_OF[code]] + _SUFFIX.get(INDICATOR_OF.get(code, code), "")
                         for code in POLLUTANT_OF}
#: Units [μg/m³; CO mg/m³] of pollutants, indicators and statistics.
UNIT: dict[str, str] = {code: ("mg/m³" if p == "co" else "μg/m³") for code, p in POLLUTANT_OF.items()}
DEFAULT_UNIT = "μg/m³"

#: GB 3095 averaging-time keys as the pages name them.
AVERAGING_ZH: dict[str, str] = {"annual": "年平均", "daily": "24小时平均", "daily_max_8h": "日最大8小时平均",
                                "hourly": "1小时平均"}
#: The averaging time of each daily indicator as the daily report heads its columns.
INDICATOR_AVERAGING_ZH: dict[str, str] = {
    "so2": "24小时平均", "no2": "24小时平均", "co": "24小时平均", "pm10": "24小时平均", "pm2_5": "24小时平均",
    "o3_8h": "日最大8小时平均", "o3_1h": "日最大1小时平均",
}
#: Indicator and statistic labels as the daily report and the period tables print them.
INDICATOR_ZH: dict[str, str] = {
    **{code: f"{SYMBOL[code]} {avg}" for code, avg in INDICATOR_AVERAGING_ZH.items()},
    "co_p95": "CO 24小时平均第95百分位数", "o3_8h_p90": "O₃ 日最大8小时平均第90百分位数",
}

#: AQI levels (HJ 633: 一级…六级; the tests check these against every hj633 table's ``levels``).
AQI_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
LEVEL_WORDS: dict[int, str] = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级", 6: "六级"}


def ascii_to_symbol(text: str) -> str:
    """A plain-ASCII note (``PM2.5 有效日数…``) with the page's Unicode symbols (``PM₂.₅``)."""
    for code in ("pm2_5", "pm10", "so2", "no2", "o3_8h"):
        text = text.replace(ASCII[code], LABEL[code])
    return text
