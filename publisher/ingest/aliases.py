"""The one alias table: what a header (or an item name in a long layout) means.

Every header is normalised (full-width to half-width, µ→μ, ³→3, case and spaces ignored) and split into a
name and a trailing unit, e.g. ``氨氮（mg/L）`` → (``氨氮``, ``mg/L``). The name is then looked up in one table
built from fixed roles (station, time, ...), the six air pollutants, and every item of the water catalogue
``publisher/standards/data/water-items.yaml`` (code, Chinese name and aliases).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from publisher.standards import DATA_DIR
from publisher.vocabulary import air as vocabulary_air, water as vocabulary_water

CATALOGUE = DATA_DIR / "water-items.yaml"

#: role -> names. Order matters for "station": the first role-name found in a header row wins when
#: a file has several station columns (an id or code is preferred over a name).
ROLES: dict[str, tuple[str, ...]] = {
    "station_id": ("station_id", "站点id", "站点编号", "点位编号", "断面编号", "stationcode", "station_code",
                   "站点编码", "点位编码", "断面编码", "监测点编码", "code"),
    "station_name": ("station", "station_name", "断面名称", "点位名称", "站点名称", "监测点位", "监测点位名称",
                     "监测断面", "断面", "点位", "站点", "测点名称", "监测点", "监测站点", "水源名称", "水源地名称",
                     "水源地", "站名"),
    "time": ("time", "sampled_at", "timepoint", "datetime", "date", "采样时间", "监测时间", "时间", "采样日期",
             "监测日期", "日期", "数据时间", "时间点"),
    "waterbody_type": ("waterbody_type", "水体类型", "水源类型", "断面类型"),
    "item_name": ("item", "监测项目", "项目", "项目名称", "指标", "监测指标", "污染物", "pollutant"),
    "value": ("value", "监测值", "数值", "浓度", "结果", "监测结果", "浓度值", "测定值"),
    "unit": ("unit", "单位", "计量单位"),
    "dl": ("detection_limit", "dl", "检出限", "方法检出限"),
    "platform_aqi": ("aqi", "空气质量指数"),
    "platform_primary": ("primarypollutant", "primary_pollutant", "首要污染物"),
}

#: air pollutant code -> (names, canonical unit)
AIR: dict[str, tuple[tuple[str, ...], str]] = {
    "so2": (("so2", "二氧化硫", "so2_1h"), "μg/m3"),
    "no2": (("no2", "二氧化氮", "no2_1h"), "μg/m3"),
    "co": (("co", "一氧化碳", "co_1h"), "mg/m3"),
    "o3": (("o3", "臭氧", "o3_1h", "臭氧1小时", "臭氧(1小时)"), "μg/m3"),
    "pm10": (("pm10", "可吸入颗粒物", "颗粒物(pm10)", "pm10_1h"), "μg/m3"),
    "pm2_5": (("pm2_5", "pm2.5", "pm25", "细颗粒物", "细颗粒物(pm2.5)", "pm2_5_1h"), "μg/m3"),
}

#: Columns that are known, carry no measurement of the canonical frames, and are ignored silently.
IGNORED = ("longitude", "latitude", "lon", "lat", "经度", "纬度", "area", "positionname", "quality", "质量等级",
           "空气质量等级", "aqi等级", "级别", "类别", "省份", "省", "市", "城市", "区县", "县", "流域", "水系", "河流",
           "所在水体", "水质类别", "水质状况", "目标类别", "目标水质", "水质目标", "达标情况", "是否达标", "超标项目",
           "超标指标", "超标倍数", "主要污染指标", "db_id", "id", "序号", "编号", "备注", "说明", "measure",
           "unheathful", "所属城市", "所属区县", "监测单位", "采样人", "天气", "气温", "湿度", "风向", "风速")
#: Moving means and daily maxima of the national feed, kept out of the hourly frame.
_IGNORED_PATTERN = re.compile(r"^(pm10|pm2_5|pm25|o3|no2|so2|co)_(24h|8h|8h_24h)$")

_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "＜": "<", "＞": ">", "，": ",", "：": ":", "／": "/",
                            "－": "-", "　": " ", "µ": "μ", "³": "3", "＝": "=", "＋": "+", "＠": "@"})
_UNIT_TAIL = re.compile(r"^(?P<name>.+?)\s*[\(\[](?P<unit>[^()\[\]]*)[\)\]]$")
_UNIT_WORDS = re.compile(r"^(?P<name>.+?)[\s/_]+(?P<unit>mg/l|μg/l|ug/l|ng/l|mg/m3|μg/m3|ug/m3)$", re.I)


def norm(text: Any) -> str:
    """A header or name as compared: NFKC, full-width to half-width, lower case, no spaces."""
    if text is None:
        return ""
    out = unicodedata.normalize("NFKC", str(text)).translate(_FULLWIDTH)
    return re.sub(r"\s+", "", out).lower()


def norm_unit(unit: str | None) -> str:
    """A unit as compared: ``µg/m³`` → ``μg/m3``, ``ug/L`` → ``μg/l``."""
    u = norm(unit)
    u = re.sub(r"^ug", "μg", u)
    return {"": "", "-": "", "无量纲": "", "无": "", "dimensionless": "", "°c": "℃", "度c": "℃", "摄氏度": "℃",
            "个/升": "个/l", "mpn/l": "个/l"}.get(u, u)


#: mass concentrations: normalised unit -> factor to grams per (litre | cubic metre)
_MASS = {"g/l": (1.0, "l"), "mg/l": (1e-3, "l"), "μg/l": (1e-6, "l"), "ng/l": (1e-9, "l"),
         "g/m3": (1.0, "m3"), "mg/m3": (1e-3, "m3"), "μg/m3": (1e-6, "m3"), "ng/m3": (1e-9, "m3")}


def conversion(from_unit: str | None, to_unit: str, extra: dict[str, float] | None = None) -> float | None:
    """The factor that turns a value in `from_unit` into `to_unit`; 1 when no unit is stated; None when
    the units cannot be converted."""
    src, dst = norm_unit(from_unit), norm_unit(to_unit)
    if not src or src == dst:
        return 1.0
    for unit, factor in (extra or {}).items():
        if norm_unit(unit) == src:
            return float(factor)
    if src in _MASS and dst in _MASS and _MASS[src][1] == _MASS[dst][1]:
        return _MASS[src][0] / _MASS[dst][0]
    return None


def split_unit(header: str) -> tuple[str, str | None]:
    """``氨氮(mg/L)`` → (``氨氮(mg/L)`` normalised name, unit) — the name keeps no unit."""
    text = unicodedata.normalize("NFKC", str(header)).translate(_FULLWIDTH).strip()
    match = _UNIT_TAIL.match(text) or _UNIT_WORDS.match(text)
    if match:
        return match.group("name").strip(), match.group("unit").strip()
    return text, None


@dataclass(frozen=True)
class Item:
    code: str
    name_zh: str
    unit: str
    kind: str  # "air" | "water"
    numeric: bool = True
    unit_aliases: tuple[tuple[str, float], ...] = ()

    def factor(self, unit: str | None) -> float | None:
        return conversion(unit, self.unit, dict(self.unit_aliases))


@dataclass(frozen=True)
class Meaning:
    """What a header means: a role (``station_id``, ``time``, …, ``item``, ``ignore``) or a measured item."""

    role: str
    item: Item | None = None
    unit: str | None = None  # the unit written in the header


@lru_cache(maxsize=4)
def _catalogue(path: str) -> tuple[Item, ...]:
    p = Path(path)
    if not p.exists():
        return ()
    doc = yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader) or {}
    raw_items = doc.get("items") if isinstance(doc, dict) else doc
    items = []
    for raw in raw_items or []:
        items.append(Item(
            code=str(raw["code"]), name_zh=str(raw.get("name_zh") or raw["code"]), unit=str(raw.get("unit") or ""),
            kind="water", numeric=bool(raw.get("numeric", True)),
            unit_aliases=tuple((str(k), float(v)) for k, v in (raw.get("unit_aliases") or {}).items()),
        ))
    return tuple(items)


def water_items() -> tuple[Item, ...]:
    return _catalogue(str(CATALOGUE))


def air_items() -> tuple[Item, ...]:
    return tuple(Item(code, vocabulary_air.SHORT_ZH[code], unit, "air") for code, (_, unit) in AIR.items())


@lru_cache(maxsize=4)
def _tables(path: str) -> tuple[dict[str, Meaning], dict[str, Meaning], dict[str, Meaning]]:
    """(roles and ignored names, air pollutants, water items), each normalised name -> meaning."""
    roles: dict[str, Meaning] = {}
    air: dict[str, Meaning] = {}
    water: dict[str, Meaning] = {}

    def put(table: dict[str, Meaning], name: str, meaning: Meaning) -> None:
        key = norm(name)
        if key and key not in table:
            table[key] = meaning

    for role, names in ROLES.items():
        for name in names:
            put(roles, name, Meaning(role))
    for name in IGNORED:
        put(roles, name, Meaning("ignore"))
    air_by_code = {i.code: i for i in air_items()}
    for code, (names, _) in AIR.items():
        for name in names:
            put(air, name, Meaning("item", air_by_code[code]))
    doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader) if Path(path).exists() else {}
    by_code = {i.code: i for i in _catalogue(path)}
    for raw in (doc or {}).get("items") or []:
        item = by_code[str(raw["code"])]
        for name in [item.code, item.name_zh, *[str(a) for a in raw.get("aliases") or ()]]:
            # a catalogue alias may itself carry a unit, e.g. "水温(℃)": register both spellings
            put(water, name, Meaning("item", item))
            bare, unit = split_unit(name)
            if unit is not None:
                put(water, bare, Meaning("item", item))
    return roles, air, water


def _find(key: str, prefer: str | None) -> Meaning | None:
    roles, air, water = _tables(str(CATALOGUE))
    order = (roles, water, air) if prefer == "water" else (roles, air, water)
    for table in order:
        if key in table:
            return table[key]
    return None


def ambiguous(header: Any) -> bool:
    """True when `header` names both an air pollutant and a water item (``Co``: CO or cobalt)."""
    _, air, water = _tables(str(CATALOGUE))
    name, _ = split_unit(str(header))
    return any(k in air and k in water for k in (norm(header), norm(name)))


def lookup(header: Any, prefer: str | None = None) -> Meaning:
    """What `header` means; role ``unknown`` when nothing matches. `prefer` (``air | water``) settles
    names that both tables know."""
    text = "" if header is None else str(header)
    key = norm(text)
    if not key:
        return Meaning("empty")
    found = _find(key, prefer)
    if found is not None:
        return Meaning(found.role, found.item, None)
    if _IGNORED_PATTERN.match(key):
        return Meaning("ignore")
    name, unit = split_unit(text)
    if unit is not None:
        found = _find(norm(name), prefer)
        if found is not None:
            return Meaning(found.role, found.item, unit)
    return Meaning("unknown", None, unit)


def suggest(header: str, kind: str | None = None) -> str | None:
    """The closest item name to `header`, for "did you mean" messages."""
    name, _ = split_unit(header)
    key = norm(name)
    candidates: dict[str, str] = {}
    _, air, water = _tables(str(CATALOGUE))
    for alias, meaning in {**air, **water}.items():
        if meaning.role == "item" and meaning.item and (kind is None or meaning.item.kind == kind):
            candidates[alias] = meaning.item.name_zh if meaning.item.kind == "water" else meaning.item.code
    found = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.5)
    return candidates[found[0]] if found else None


def waterbody(text: str | None) -> str | None:
    """``河流``/``湖库``/``水库``/``地下水``/``river``… → ``river | lake | groundwater``; None when unknown."""
    return vocabulary_water.waterbody(norm(text))
