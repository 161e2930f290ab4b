"""Sample supervisory-monitoring result files (监督性监测结果, 样例数据) for the registry's sample key polluting units.

One CSV per quarter of the sample window, written in the quarter's middle month, with the Chinese headers station
staff use (单位名称, 排放口, 监测日期, 项目, 实测浓度, 含氧量, 流量, 单位, 水温). Every outlet is sampled once a
quarter. The values are invented: near typical levels for each kind of unit, deterministic (seeded), and in
2026-Q3 three results exceed on purpose (an ammonia result of a wastewater plant, the SO2 of the power unit once
converted to the reference O2 though the measured value is under the limit, and a lead result of the mine) so
that the bulletin shows the exceedance list and its explanation gate.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np

#: (unit id, outlet id) -> (day of the quarter's middle month, O2 %, flow, flow unit, water temp ℃ or None,
#: [(item name as staff write it, typical value, unit as written, decimals)])
PLAN: dict[tuple[str, str], tuple[int, float | None, float, str, float | None, list[tuple[str, float, str, int]]]] = {
    ("wwtp-longyang", "DW001"): (5, None, 21000, "m3/d", 23.0, [
        ("pH值", 7.1, "无量纲", 2), ("化学需氧量", 22, "mg/L", 0), ("五日生化需氧量", 5.2, "mg/L", 1),
        ("悬浮物", 6, "mg/L", 0), ("氨氮", 0.8, "mg/L", 2), ("总氮", 11.2, "mg/L", 1), ("总磷", 0.32, "mg/L", 2),
        ("动植物油", 0.3, "mg/L", 2), ("石油类", 0.2, "mg/L", 2), ("阴离子表面活性剂", 0.1, "mg/L", 2),
        ("色度", 8, "倍", 0), ("粪大肠菌群数", 460, "个/L", 0)]),
    ("wwtp-tengchong", "DW001"): (7, None, 12000, "m3/d", 22.0, [
        ("pH值", 7.3, "无量纲", 2), ("化学需氧量", 38, "mg/L", 0), ("五日生化需氧量", 9.5, "mg/L", 1),
        ("悬浮物", 12, "mg/L", 0), ("氨氮", 4.1, "mg/L", 2), ("总氮", 14.6, "mg/L", 1), ("总磷", 0.62, "mg/L", 2),
        ("粪大肠菌群数", 3300, "个/L", 0)]),
    ("mine-longling", "DW001"): (12, None, 1800, "m3/d", None, [
        ("pH值", 7.8, "无量纲", 2), ("悬浮物", 45, "mg/L", 0), ("化学需氧量", 28, "mg/L", 0),
        ("总铅", 0.35, "mg/L", 3), ("总镉", 0.012, "mg/L", 3), ("总砷", 0.02, "mg/L", 3), ("总锌", 0.8, "mg/L", 2),
        ("硫化物", 0.1, "mg/L", 2)]),
    ("power-longyang", "DA001"): (13, 9.0, 412000, "m3/h", None, [
        ("颗粒物", 12.0, "mg/m3", 1), ("二氧化硫", 118, "mg/m3", 0), ("氮氧化物", 70, "mg/m3", 0),
        ("汞及其化合物", 0.0042, "mg/m3", 4), ("烟气黑度", 0, "级", 0)]),
    ("chem-shidian", "DA001"): (19, None, 26000, "m3/h", None, [
        ("颗粒物", 35, "mg/m3", 1), ("二氧化硫", 120, "mg/m3", 0), ("氮氧化物", 90, "mg/m3", 0),
        ("氯化氢", 12, "mg/m3", 1)]),
    ("chem-shidian", "DW001"): (19, None, 350, "m3/d", None, [
        ("pH值", 7.2, "无量纲", 2), ("化学需氧量", 310, "mg/L", 0), ("五日生化需氧量", 150, "mg/L", 0),
        ("悬浮物", 120, "mg/L", 0), ("石油类", 2.1, "mg/L", 2)]),
    ("food-longyang", "DA001"): (21, 5.5, 5200, "m3/h", None, [
        ("颗粒物", 4.2, "mg/m3", 1), ("二氧化硫", 3, "mg/m3", 0), ("氮氧化物", 150, "mg/m3", 0),
        ("烟气黑度", 0, "级", 0)]),
}
#: 2026-Q3: results set on purpose (measured values)
OVERRIDES = {
    ("2026-Q3", "wwtp-tengchong", "DW001", "氨氮"): 9.6,        # 一级B 8 mg/L (水温>12℃): 0.2倍
    ("2026-Q3", "power-longyang", "DA001", "二氧化硫"): 180,     # × (21−6)/(21−9) = 225 > 200: 0.125倍
    ("2026-Q3", "mine-longling", "DW001", "总铅"): 1.32,        # GB 8978 表1 1.0 mg/L: 0.32倍
    ("2026-Q3", "wwtp-longyang", "DW001", "阴离子表面活性剂"): None,   # written "0.05L" (below the detection limit)
}
#: results written the same every quarter, drawing nothing from the generator (so that adding them moved no
#: other sample value): the power unit's mercury (× 15/12 = 0.00525 against GB 13223-2011's 0.03) and opacity
STEADY = {("power-longyang", "DA001", "汞及其化合物"): "0.0042", ("power-longyang", "DA001", "烟气黑度"): "<1"}
HEADER = ["单位名称", "排放口", "监测日期", "项目", "实测浓度", "含氧量", "流量", "单位", "水温", "备注"]


def quarters(months: list[str]) -> list[tuple[str, str]]:
    """(quarter label, its middle month) for every quarter whose middle month is in `months`."""
    out = []
    for month in months:
        m = int(month[5:])
        if m % 3 == 2:
            out.append((f"{month[:4]}-Q{(m - 1) // 3 + 1}", month))
    return out


def rows_for(quarter: str, month: str, registry: Any, label: str, seed: int) -> list[list[str]]:
    """The result rows of one quarter for the registry's units (those of :data:`PLAN` only)."""
    rng = np.random.default_rng([seed, int(quarter[:4]), int(quarter[-1])])
    rows: list[list[str]] = []
    year, mon = int(month[:4]), int(month[5:])
    for unit in registry.units:
        for outlet in unit.outlets:
            plan = PLAN.get((unit.id, outlet.id))
            if plan is None:
                continue
            day, o2, flow, flow_unit, temp, items = plan
            when = dt.date(year, mon, day)
            if not unit.active_on(when):
                continue
            o2_text = "" if o2 is None else f"{o2 + rng.uniform(-0.3, 0.3):.1f}"
            if quarter == "2026-Q3" and o2 is not None:
                o2_text = f"{o2:.1f}"
            flow_text = f"{flow * rng.uniform(0.85, 1.1):.0f}"
            temp_text = "" if temp is None else f"{temp + (-6 if mon in (2, 11) else 0) + rng.uniform(-1, 1):.1f}"
            for name, typical, unit_text, decimals in items:
                key = (quarter, unit.id, outlet.id, name)
                if (unit.id, outlet.id, name) in STEADY:
                    text = STEADY[(unit.id, outlet.id, name)]
                elif key in OVERRIDES:
                    value = OVERRIDES[key]
                    text = "0.05L" if value is None else f"{value:.{decimals}f}"
                else:
                    factor = rng.uniform(0.97, 1.03) if name == "pH值" else rng.uniform(0.75, 1.2)
                    text = f"{typical * factor:.{decimals}f}" if name != "烟气黑度" else "<1"
                rows.append([unit.name, outlet.name, when.isoformat(), name, text, o2_text, flow_text, unit_text,
                             temp_text if outlet.type == "wastewater" else "", label])
    return rows


def write(out: Path, registry: Any, months: list[str], prefix: str, label: str, seed: int) -> list[tuple[Path, int]]:
    """Write one result CSV per quarter whose middle month is in `months`; (path, rows) of each file."""
    written = []
    for quarter, month in quarters(months):
        rows = rows_for(quarter, month, registry, label, seed)
        if not rows:
            continue
        path = out / f"{prefix}{month}_监督性监测_重点排污单位_{quarter[:4]}年第{quarter[-1]}季度.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        written.append((path, len(rows)))
    return written
