"""What changed between two published versions of a bulletin: the figures that differ, old and new,
read from their two ``bulletin.json`` files (``figures``). Each figure is named by the path to it,
with list entries named by their own name field (站点、地区、项目 …) where they have one, so that a
reader sees “北庙水库 · 氨氮 · 浓度” rather than an index."""
from __future__ import annotations

from typing import Any

from publisher.evaluate.water.items import catalogue as water_items
from publisher.vocabulary import air as air_words

#: fields that name a list entry, tried in this order
NAME_KEYS = ("name", "name_zh", "station", "station_name", "area", "county", "item_name", "item", "label",
             "period_zh", "id", "code")
#: parts of the document that are presentation, not figures
SKIP = {"charts", "class_colours", "class_ink", "sample_banner", "method", "notes", "source_notes",
        "method_notes", "version_notes", "validity_notes", "limits_note", "table_columns", "inputs"}
LIMIT = 200


def _name(entry: Any, index: int) -> str:
    if isinstance(entry, dict):
        for key in NAME_KEYS:
            value = entry.get(key)
            if isinstance(value, (str, int)) and str(value).strip():
                return str(value)
    return f"第{index + 1}项"


def _flatten(value: Any, path: tuple[str, ...], out: dict[tuple[str, ...], Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if not path and key in SKIP:
                continue
            _flatten(inner, (*path, str(key)), out)
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        seen: dict[str, int] = {}
        for i, entry in enumerate(value):
            name = _name(entry, i)
            seen[name] = seen.get(name, 0) + 1
            _flatten(entry, (*path, name if seen[name] == 1 else f"{name}（{seen[name]}）"), out)
    else:
        out[path] = value


def _is_figure(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        text = value.strip().rstrip("%").replace(",", "")
        try:
            float(text.rstrip("L"))
            return True
        except ValueError:
            return True                  # a class (Ⅲ类), a level (良) or a sentence that states figures
    return value is None


def changed_figures(old: dict[str, Any], new: dict[str, Any], limit: int = LIMIT) -> tuple[list[dict[str, Any]], int]:
    """The figures that differ between two bulletin.json documents, in the new document's order:
    ``[{"what", "old", "new"}]`` (at most `limit`), and how many differ in all."""
    a: dict[tuple[str, ...], Any] = {}
    b: dict[tuple[str, ...], Any] = {}
    _flatten(old.get("figures") or {}, (), a)
    _flatten(new.get("figures") or {}, (), b)
    changed = []
    for path in list(b) + [p for p in a if p not in b]:
        before, after = a.get(path), b.get(path)
        if before == after or not (_is_figure(before) and _is_figure(after)):
            continue
        changed.append({"what": label(path), "old": _text(before), "new": _text(after)})
    return changed[:limit], len(changed)


GENERIC = {"text", "value", "label", "name", "values"}
#: parts of a path that only hold other figures (dropped when the path has a name of its own)
STRUCTURAL = {"rows", "summary", "figures", "results", "sections", "sources", "stations", "areas", "counties",
              "rivers", "basins", "lakes", "points", "outlets", "units", "ranking", "current", "items"}
#: the public names of the fields a bulletin's figures carry (item and pollutant codes are named by the
#: water item catalogue and the air vocabulary)
FIELD_ZH = {
    "class": "水质类别", "class_zh": "水质类别", "water_class": "水质类别", "status": "水质状况",
    "status_zh": "水质状况", "target": "目标类别", "target_zh": "目标类别", "compliant": "是否达标",
    "compliance_zh": "达标情况", "count_rate": "达标率（按个数）", "volume_rate": "达标率（按水量）",
    "rate": "达标率", "n_compliant": "达标个数", "n_monitored": "监测个数", "n_sources": "水源个数",
    "n_sections": "断面个数", "main_pollutants": "主要污染指标", "main_pollutants_zh": "主要污染指标",
    "exceeding": "超标项目", "exceedances_zh": "超标情况", "multiple": "超标倍数", "volume": "取水量",
    "volume_total": "取水总量", "volume_compliant": "达标取水量", "tli": "综合营养状态指数",
    "trophic_state": "营养状态", "aqi": "AQI", "level": "空气质量级别", "level_zh": "空气质量级别",
    "primary": "首要污染物", "good_day_ratio": "优良天数比例", "good_days": "优良天数",
    "composite_index": "综合指数", "rank": "排名", "valid_days": "有效天数", "dust_days": "沙尘天数",
    "days_level1": "优天数", "days_level2": "良天数", "days_level3": "轻度污染天数",
    "days_level4": "中度污染天数", "days_level5": "重度污染天数", "days_level6": "严重污染天数",
    "co_p95": "CO 24小时平均第95百分位数", "o3_8h_p90": "O₃日最大8小时平均第90百分位数",
    "converted": "折算浓度", "limit": "限值", "verdict_zh": "判定",
}


def _word(part: str) -> str | None:
    """A path part as the public reads it: Chinese as it is, a known field or code by its name,
    ``<code>_change`` as the code's change; ``None`` when an ASCII part has no public name."""
    if not part.isascii():
        return part
    if part in FIELD_ZH:
        return FIELD_ZH[part]
    base, change = (part[:-len("_change")], "变化") if part.endswith("_change") else (part, "")
    if base in FIELD_ZH and change:
        return FIELD_ZH[base] + change
    if base in air_words.LABEL:
        return air_words.LABEL[base] + change
    name = water_items().get(base, {}).get("name_zh")
    return name + change if name else None


def label(path: tuple[str, ...]) -> str:
    """A figure's name for the public: the Chinese parts of its path (station, item …) and the public name
    of its fields and codes (``nh3_n`` → 氨氮, ``class`` → 水质类别); an ASCII part without a public name is
    kept only when it is the last one, and the whole path is printed when nothing in it can be named."""
    words = [_word(p) for p in path]
    if all(w is None for w in words):
        return " · ".join(path)
    named = [w for p, w in zip(path, words) if w is not None and p not in STRUCTURAL]
    kept = [w for p, w in zip(path[:-1], words[:-1]) if w is not None and (p not in STRUCTURAL or not named)]
    last, word = path[-1], words[-1]
    if last not in GENERIC:
        kept.append(word if word is not None else last)
    return " · ".join(kept) or " · ".join(path)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return str(value)
