"""What a bulletin reports as exceeding (:class:`~publisher.bulletins.base.Exceedance`), read from the
figures the bulletin prints, one function per kind.

Each exceedance needs an explanation (超标原因、采取措施/整改情况) before the bulletin passes its first
review step (:mod:`publisher.publishing.explanations`). Keys are stable across rebuilds of a period, so an
explanation entered once stays attached:

* ``water-sources``, ``water-sources-county``: a source not meeting its class, item by item:
  ``source:<station id>:<item code>`` (the item's name when the catalogue has no code for it), or
  ``source:<station id>`` when no single item is named;
* ``water-sections``: a section (or lake point) missing its target or at 劣Ⅴ: ``section:<station id>``;
* ``air-monthly``: an area with heavy-pollution days (重度污染 or 严重污染, AQI levels 5 and 6):
  ``heavy:<area id>``, the days listed in the detail.

The functions read only the JSON-ready context the bulletin module built, so they follow what the page
prints.
"""
from __future__ import annotations

from typing import Any

from publisher.bulletins.base import Exceedance
from publisher.bulletins.water.common import exceedance_parts, times
from publisher.evaluate import water

#: AQI levels of heavy pollution (HJ 633: 五级 重度污染, 六级 严重污染)
HEAVY_LEVELS = (5, 6)


def _item_code(name: str) -> str:
    for code, item in water.catalogue().items():
        if item.get("name_zh") == name:
            return str(code)
    return name


def _class(value: Any) -> str:
    return str(value) if value not in (None, "") else "—"


def water_sources(context: dict[str, Any]) -> list[Exceedance]:
    """Each source not meeting its target class, item by item (``source:<id>:<item>``)."""
    out: list[Exceedance] = []
    for row in context.get("rows") or []:
        if row.get("missing") or row.get("compliant") is not False:
            continue
        sid, name = str(row["station_id"]), str(row.get("name") or row["station_id"])
        head = f"水质类别{_class(row.get('class_zh'))}类，水质目标{_class(row.get('target'))}类"
        parts = exceedance_parts(row.get("exceedances"))
        if not parts:
            out.append(Exceedance(f"source:{sid}", name, f"{head}，未达到水质目标"))
            continue
        for item, multiple in parts:
            what = f"{item}超标{times(multiple)}" if multiple is not None else f"{item}超标"
            out.append(Exceedance(f"source:{sid}:{_item_code(item)}", name, f"{head}；{what}"))
    return out


def water_sections(context: dict[str, Any]) -> list[Exceedance]:
    """Each section or lake point missing its target or at 劣Ⅴ (``section:<id>``)."""
    out: list[Exceedance] = []
    seen: set[str] = set()
    for row in list(context.get("rows") or []) + list(context.get("lake_points") or []):
        if row.get("missing"):
            continue
        worst = str(row.get("class_zh") or "") == "劣Ⅴ" or row.get("water_class") == 6
        if row.get("compliant") is not False and not worst:
            continue
        sid = str(row["station_id"])
        if sid in seen:
            continue
        seen.add(sid)
        target = row.get("target_zh") or row.get("target")
        detail = f"水质类别{_class(row.get('class_zh'))}类"
        if target:
            detail += f"，水质目标{_class(target)}类" + ("，未达到目标" if row.get("compliant") is False else "")
        items = exceedance_parts(row.get("exceedances") or row.get("main_pollutants"))
        if items:
            detail += "；超标指标：" + "、".join(f"{n}（{times(m)}）" if m is not None else n for n, m in items)
        out.append(Exceedance(f"section:{sid}", str(row.get("name") or sid), detail))
    return out


def air_monthly(context: dict[str, Any]) -> list[Exceedance]:
    """Each area with heavy-pollution days in the month (``heavy:<area id>``), the days in the detail."""
    out: list[Exceedance] = []
    for area in context.get("areas") or []:
        days = [d for d in area.get("days") or [] if d.get("level") in HEAVY_LEVELS and not d.get("invalid")]
        if not days:
            continue
        listed = "、".join(f"{str(d['date'])[5:7].lstrip('0')}月{str(d['date'])[8:10].lstrip('0')}日"
                          f"（AQI {d.get('aqi')}，{d.get('category')}，首要污染物{d.get('primary') or '—'}）"
                          for d in days)
        out.append(Exceedance(f"heavy:{area.get('id') or area.get('name')}", str(area.get("name")),
                              f"重污染天数{len(days)}天：{listed}"))
    return out
