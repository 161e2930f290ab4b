"""What changed between two published versions of a bulletin: the figures that differ, old and new,
read from their two ``bulletin.json`` files (``figures``). Each figure is named by the path to it,
with list entries named by their own name field (站点、地区、项目 …) where they have one, so that a
reader sees “北庙水库 · 氨氮 · 浓度” rather than an index."""
from __future__ import annotations

from typing import Any

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


def label(path: tuple[str, ...]) -> str:
    """A figure's name for the public: the Chinese parts of its path (station, item, label …), keeping a
    last code such as ``nh3_n`` that says which figure it is; the whole path when nothing is Chinese."""
    if all(p.isascii() for p in path):
        return " · ".join(path)
    kept = [p for p in path[:-1] if not p.isascii()]
    last = path[-1]
    if not last.isascii() or last not in GENERIC:
        kept.append(last)
    return " · ".join(kept)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return str(value)
