"""The monitoring items: names and units, the GB/T 14848 names of groundwater, the monitoring plan,
trend points and the items measured, grouped by table."""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any, Iterable

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate import water
from publisher.bulletins.water.common.rules import eval_rules
from publisher.bulletins.water.common.wording import exceedance_parts


# --------------------------------------------------------------------------------------------- items
def item_unit(code: str) -> str:
    return str(water.catalogue().get(code, {}).get("unit", ""))


def gw_names(day: dt.date) -> dict[str, str]:
    """Item code -> the index name of the GB/T 14848 table in force (``耗氧量（CODMn法，以O2计）``), or {}."""
    try:
        table = standards.in_force("gb14848", day)
    except StandardNotFound:
        return {}
    return {code: str(spec["name_zh"]) for code, spec in table["items"].items() if spec.get("name_zh")}


def item_label(code: str, groundwater: bool, day: dt.date) -> str:
    """The name an item is printed with: GB/T 14848's for a groundwater source, the catalogue's otherwise."""
    if groundwater:
        name = gw_names(day).get(code)
        if name:
            return name
    return water.item_name(code)


def gw_text(text: str | None, day: dt.date) -> str:
    """An evaluate text (``高锰酸盐指数/0.2、氨氮/0.1``) of a groundwater source with the GB/T 14848 names."""
    if not text:
        return text or ""
    by_name = {water.item_name(code): name for code, name in gw_names(day).items()}
    parts = []
    for name, multiple in exceedance_parts(text):
        name = by_name.get(name, name)
        parts.append(f"{name}/{multiple}" if multiple is not None else name)
    return "、".join(parts)


def regular_gw_items(day: dt.date) -> list[str]:
    """The 常规指标 of the GB/T 14848 table in force, in its order (39 in GB/T 14848-2017)."""
    try:
        table = standards.in_force("gb14848", day)
    except StandardNotFound:
        return []
    return [code for code, spec in table["items"].items() if spec.get("regular")]


def source_plan(day: dt.date) -> dict[str, Any] | None:
    """The drinking-water sources' monitoring plan of the item-set table in force (``sets.source.monitoring``)."""
    try:
        table = standards.in_force("water_assessment", day)
    except StandardNotFound:
        return None
    return (table["sets"].get("source") or {}).get("monitoring")


def planned_items(waterbody_type: str | None, day: dt.date) -> list[str] | None:
    """The items a source of this type is to be monitored for (None when no plan is in force)."""
    plan = source_plan(day)
    if plan is None:
        return None
    if waterbody_type == "groundwater":
        return regular_gw_items(day) if plan["groundwater"]["items"] == "regular" else list(plan["groundwater"]["items"])
    surface = plan["surface"]
    table3 = surface["table3"]
    if table3 == "priority_33":
        table3 = list(standards.in_force("gb3838", day)["table3"]["priority_33"]["items"])
    extra = list(surface.get("lake_extra") or []) if waterbody_type == "lake" else []
    return list(surface["table1"]) + extra + list(surface["table2"]) + list(table3)


def trend_points(part: pl.DataFrame, names: dict[str, str], labels: dict[Any, str],
                 day: dt.date) -> list[dict[str, Any]]:
    """The points of a trend chart from period values: a period whose results were all below the detection limit is
    drawn at ½ DL (the value every calculation uses, 环办监测函〔2020〕82号 第七点) and flagged ``below_dl`` (a hollow
    marker), so that the chart and the method text say the same thing."""
    half = float(eval_rules(day)["below_detection_limit"]["statistic_factor"])
    return [{"section": names[r["station_id"]], "period": labels[r["sampled_at"]],
             "value": r["value"] * half if r["below_dl"] else r["value"], "below_dl": bool(r["below_dl"])}
            for r in part.to_dicts()]


def multiple_places(*texts: Iterable[str | None]) -> int | None:
    """The one precision of every 超标倍数 of a bulletin (:func:`publisher.evaluate.water.multiple_places`)."""
    return water.multiple_places(t for group in texts for t in group)


def items_by_table(samples: pl.DataFrame) -> "OrderedDict[str, list[str]]":
    """Item codes measured in `samples`, grouped by the first table of the catalogue that lists them."""
    cat = water.catalogue()
    order = {code: i for i, code in enumerate(cat)}
    groups: OrderedDict[str, list[str]] = OrderedDict()
    codes = sorted(set(samples["item"].unique().to_list()), key=lambda c: (order.get(c, len(order)), c))
    for code in codes:
        tables = cat.get(code, {}).get("tables") or ["none"]
        groups.setdefault(tables[0], []).append(code)
    return groups


TABLE_NAMES = {
    "gb3838_t1": "GB 3838-2002表1基本项目",
    "gb3838_t2": "GB 3838-2002表2集中式生活饮用水地表水源地补充项目",
    "gb3838_t3": "GB 3838-2002表3集中式生活饮用水地表水源地特定项目",
    "gb14848": "GB/T 14848-2017地下水质量常规指标",
    "trophic": "营养状态指标",
    "none": "其他项目",
}


def items_sentence(samples: pl.DataFrame, waterbody: str | None = None) -> str:
    """``GB 3838-2002表1基本项目24项（水温、pH值、…）`` for the items measured, grouped by table."""
    frame = samples if waterbody is None else samples.filter(pl.col("waterbody_type") == waterbody)
    if frame.height == 0:
        return ""
    parts = []
    for table, codes in items_by_table(frame).items():
        if waterbody == "groundwater" and table != "gb14848":
            # a groundwater index is listed under GB/T 14848 even when GB 3838 also has it
            continue
        names = "、".join(water.item_name(c) for c in codes)
        parts.append(f"{TABLE_NAMES.get(table, table)}{len(codes)}项（{names}）")
    if waterbody == "groundwater":
        codes = [c for c in frame["item"].unique().to_list()]
        cat = water.catalogue()
        gw = sorted((c for c in codes if "gb14848" in (cat.get(c, {}).get("tables") or [])),
                    key=lambda c: list(cat).index(c) if c in cat else len(cat))
        names = "、".join(water.item_name(c) for c in gw)
        parts = [f"{TABLE_NAMES['gb14848']}{len(gw)}项（{names}）"] if gw else []
    return "；".join(parts)
