"""The supervisory-monitoring result file (监督性监测结果): key polluting units' outlet results, one row per item.

Layout (CSV or Excel, title rows above the header allowed, Chinese headers as station staff write them)::

    单位名称,排放口,监测日期,项目,实测浓度,含氧量,流量,单位
    保山市某热电有限公司,1号锅炉烟囱,2026-08-12,二氧化硫,180,9.0,412000,mg/m3
    保山市中心城区污水处理厂,污水总排放口,2026-08-05,氨氮,0.52,,21000,mg/L

- unit (单位名称, 排污单位名称, 企业名称, 统一社会信用代码 …): a key polluting unit of the registry, by name, id or
  统一社会信用代码;
- outlet (排放口, 排放口名称, 排放口编号, 监测点位): one of that unit's outlets, by id (DW001) or name;
- date (监测日期, 采样日期, 监测时间): a day, or a day and time;
- item (项目, 监测项目, 污染物): a name or alias of ``discharge-items.yaml`` for the outlet's medium (wastewater or
  flue gas); a unit in brackets after the name is read as the unit;
- value (实测浓度, 实测值, 监测结果, 排放浓度): a number or a below-detection-limit form (``0.02L``, ``<0.02``,
  ``ND(0.02)``); ``/`` = not measured (the row is skipped);
- 含氧量 (%): the measured O2 of dry flue gas, for the conversion to the standard's reference O2; also accepted as
  its own row (项目 ``含氧量``), which then applies to the outlet's other rows of that time;
- 流量 (the unit in the header, e.g. ``流量(m3/h)``): reported and kept, not judged;
- 单位: the unit of the value; converted to the catalogue's unit (μg/L → mg/L, μg/m3 → mg/m3 …), blank = the
  catalogue's unit; 水温 (℃) optional, for the NH3-N limits of GB 18918.

Every problem is a finding with the file, sheet, row, column and reason; the file is then rejected whole and
quarantined like any other (docs/data-formats.md).
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from typing import Any

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate import discharge
from publisher.ingest import aliases, values
from publisher.ingest import tables
from publisher.ingest.findings import Findings
from publisher.ingest.readers import HEAD_ROWS, WholeSheet as Sheet
from publisher.store.supervisory import SUPERVISORY_PART_SCHEMA

#: the frame this reader produces: the store's columns without the store's own provenance
SUPERVISORY_SCHEMA = {k: v for k, v in SUPERVISORY_PART_SCHEMA.items() if k not in ("source_sha256", "ingest_id")}
#: rows of one result file (read whole)
MAX_ROWS = 100_000

#: header names by role (compared after aliases.norm, the unit in brackets removed)
ROLES: dict[str, tuple[str, ...]] = {
    "unit": ("单位名称", "排污单位名称", "排污单位", "重点排污单位", "重点排污单位名称", "企业名称", "企业", "公司名称",
             "被监测单位", "unit_name", "unit_id", "统一社会信用代码", "社会信用代码", "信用代码", "credit_code"),
    "outlet": ("排放口", "排放口名称", "排放口编号", "排口", "排口名称", "监测点位", "监测点位名称", "outlet", "outlet_id"),
    "date": ("监测日期", "采样日期", "监测时间", "采样时间", "日期", "sampled_at", "date"),
    "item": ("项目", "监测项目", "项目名称", "污染物", "污染物名称", "监测指标", "item"),
    "value": ("实测浓度", "实测值", "监测结果", "监测值", "实测排放浓度", "排放浓度", "浓度", "value"),
    "o2": ("含氧量", "实测含氧量", "氧含量", "烟气含氧量", "o2"),
    "flow": ("流量", "烟气流量", "标干流量", "废水流量", "排放流量", "flow"),
    "measure": ("单位", "计量单位", "浓度单位", "unit"),
    "water_temp": ("水温", "water_temp"),
}
REQUIRED = ("unit", "outlet", "date", "item", "value")
#: units read as the catalogue's own (besides aliases.conversion's mass concentrations)
UNIT_EXTRA = {"mg/nm3": 1.0, "mg/标m3": 1.0, "级": 1.0, "林格曼级": 1.0, "林格曼黑度级": 1.0, "倍": 1.0,
              "稀释倍数": 1.0, "%": 1.0, "bq/l": 1.0}
#: items that give a condition of the other rows rather than a result
CONDITION_ITEMS = {"o2": "o2", "water_temp": "water_temp"}
#: plausible bounds of a value in the catalogue's unit (beyond: impossible_value)
BOUNDS = {"ph": (0.0, 14.0), "opacity": (0.0, 5.0), "o2": (0.0, 21.0), "water_temp": (-5.0, 60.0)}

_NORM_ROLES = {role: {aliases.norm(n) for n in names} for role, names in ROLES.items()}


def _role(cell: Any) -> tuple[str, str | None] | None:
    if cell is None or not str(cell).strip():
        return None
    name, unit = aliases.split_unit(str(cell))
    key = aliases.norm(name)
    whole = aliases.norm(cell)
    for role, names in _NORM_ROLES.items():
        if whole in names:
            return role, None
        if key in names:
            return role, unit
    return None


def find_header(rows: pl.DataFrame) -> tuple[int, dict[str, tuple[str, str | None]]] | None:
    """(index of the header row, role -> (column, unit in the header)) when the sheet is a supervisory result table:
    a header row with a unit, outlet, date, item and value column among the first rows; else None."""
    cols = [c for c in rows.columns if c != "_row"]
    for index, row in enumerate(rows.head(HEAD_ROWS).select(cols).iter_rows()):
        found: dict[str, tuple[str, str | None]] = {}
        for column, cell in zip(cols, row):
            role = _role(cell)
            if role is not None and role[0] not in found:
                found[role[0]] = (column, role[1])
        if all(r in found for r in REQUIRED):
            return index, found
    return None


def _items_by_name() -> dict[str, dict[str, str]]:
    """normalised name -> medium -> item code (names and aliases of discharge-items.yaml)."""
    found: dict[str, dict[str, str]] = {}
    for code, item in discharge.catalogue().items():
        for name in (code, item["name_zh"], *(item.get("aliases") or [])):
            found.setdefault(aliases.norm(name), {}).setdefault(item["medium"], code)
            found.setdefault(aliases.norm(aliases.split_unit(str(name))[0]), {}).setdefault(item["medium"], code)
    return found


def _number(text: str | None) -> float | None | str:
    """A plain number, None for a blank, or "bad"."""
    s = unicodedata.normalize("NFKC", (text or "")).replace(",", "").strip()
    if not s or s in ("/", "-", "--", "—"):
        return None
    return float(s) if re.fullmatch(values.NUMBER, s) else "bad"


def parse_sheet(sheet: Sheet, header: tuple[int, dict[str, tuple[str, str | None]]], findings: Findings,
                registry=None, now: dt.datetime | None = None) -> pl.DataFrame | None:
    """The supervisory frame of one sheet (:data:`SUPERVISORY_SCHEMA`), every problem recorded in `findings`."""
    index, roles = header
    h = tables.head(sheet, index)
    name, cols, head, label, header_row = h.name, h.cols, h.texts, h.label, h.row
    if registry is None or not getattr(registry, "units", None):
        findings.add("unknown_unit", sheet=name, row=header_row, column=label[roles["unit"][0]], value="",
                     detail="（站点名录中没有登记任何重点排污单位）")
        return None
    used = {col for col, _ in roles.values()}
    for column in cols:
        text = head[cols.index(column)]
        if column not in used and text and aliases.norm(text) not in ("备注", "说明", "序号", "note", "remark"):
            findings.add("ignored_column", sheet=name, column=label[column], value=label[column])
    data = tables.data_rows(h, used, findings)
    date_col, value_col = roles["date"][0], roles["value"][0]
    data = data.with_columns(values.parse_times(pl.col(date_col)).alias("_time"),
                             values.parse_values(pl.col(value_col)).alias("_value"))
    catalogue = discharge.catalogue()
    by_name = _items_by_name()
    now = now or values.beijing_now()
    flow_unit = roles["flow"][1] if "flow" in roles else None

    def cell(row: dict[str, Any], role: str) -> str:
        if role not in roles:
            return ""
        return (row[roles[role][0]] or "").strip()

    out: list[dict[str, Any]] = []
    conditions: dict[tuple[str, dt.datetime], dict[str, tuple[float, int]]] = {}
    seen: dict[tuple[str, dt.datetime, str], tuple[int, float | None, bool]] = {}
    for row in data.iter_rows(named=True):
        number = row["_row"]
        unit_text = cell(row, "unit")
        col_unit = label[roles["unit"][0]]
        if not unit_text:
            findings.add("missing_unit", sheet=name, row=number, column=col_unit)
            continue
        unit = registry.unit(unit_text)
        if unit is None:
            names = [u.name for u in registry.units] + [u.id for u in registry.units]
            hint = difflib.get_close_matches(unit_text, names, n=1, cutoff=0.4)
            findings.add("unknown_unit", sheet=name, row=number, column=col_unit, value=unit_text,
                         detail=f"，是否应为“{hint[0]}”？" if hint else "")
            continue
        outlet_text = cell(row, "outlet")
        col_outlet = label[roles["outlet"][0]]
        if not outlet_text:
            findings.add("missing_outlet", sheet=name, row=number, column=col_outlet)
            continue
        outlet = unit.outlet(outlet_text)
        if outlet is None:
            known = "、".join(f"{o.id} {o.name}" for o in unit.outlets)
            findings.add("unknown_outlet", sheet=name, row=number, column=col_outlet, value=outlet_text,
                         detail=f"（{unit.name}登记的排放口：{known}）")
            continue
        when = row["_time"]
        raw_time = row[date_col]
        if when is None:
            findings.add("missing_time" if not (raw_time or "").strip() else "bad_time", sheet=name, row=number,
                         column=label[date_col], value=raw_time)
            continue
        if when > now:
            findings.add("future_time", sheet=name, row=number, column=label[date_col], value=raw_time)
            continue
        item_text = cell(row, "item")
        col_item = label[roles["item"][0]]
        item_name, item_unit = aliases.split_unit(item_text)
        media = by_name.get(aliases.norm(item_text)) or by_name.get(aliases.norm(item_name))
        if not item_text or not media:
            findings.add("unknown_item", sheet=name, row=number, column=col_item, value=item_text,
                         detail="（见 discharge-items.yaml）")
            continue
        code = media.get(outlet.type)
        if code is None:
            other = next(iter(media.values()))
            findings.add("item_wrong_medium", sheet=name, row=number, column=col_item, value=item_text,
                         detail=f"{outlet.type_zh}排放口（{unit.name} {outlet.name}），该项目属于"
                                f"{'废水' if catalogue[other]['medium'] == 'wastewater' else '废气'}")
            continue
        parsed = row["_value"]
        status, raw_value = parsed["status"], row[value_col]
        if status == values.NOT_MONITORED:
            continue
        if status in (values.BLANK, values.MISSING):
            findings.add("missing_result", sheet=name, row=number, column=label[value_col], value=raw_value)
            continue
        if status == values.FORMULA:
            continue  # reported above
        if status == values.BAD:
            findings.add("non_numeric", sheet=name, row=number, column=label[value_col], value=raw_value)
            continue
        value, below = parsed["value"], bool(parsed["below_dl"])
        if below and value is None:
            findings.add("below_dl_no_limit", sheet=name, row=number, column=label[value_col], value=raw_value)
        target = catalogue[code]["unit"]
        written = cell(row, "measure") or item_unit or roles["value"][1] or ""
        factor = aliases.conversion(written, target, UNIT_EXTRA)
        if factor is None:
            findings.add("bad_unit", sheet=name, row=number,
                         column=label[roles["measure"][0]] if "measure" in roles and cell(row, "measure") else col_item,
                         value=written, detail=target)
            continue
        if value is not None:
            value = value * factor
            if value < 0:
                findings.add("negative_value", sheet=name, row=number, column=label[value_col], value=raw_value)
                continue
            low, high = BOUNDS.get(code, (0.0, float("inf")))
            if not low <= value <= high or (code == "o2" and value >= 21):
                findings.add("impossible_value", sheet=name, row=number, column=label[value_col], value=raw_value,
                             detail=f"{catalogue[code]['name_zh']}应在 {low:g}～{high:g} 之间")
                continue
        o2 = _number(cell(row, "o2"))
        if o2 == "bad":
            findings.add("non_numeric", sheet=name, row=number, column=label[roles["o2"][0]], value=cell(row, "o2"))
            continue
        if o2 is not None and not 0 <= o2 < 21:
            findings.add("bad_o2", sheet=name, row=number, column=label[roles["o2"][0]], value=cell(row, "o2"))
            continue
        flow = _number(cell(row, "flow"))
        if flow == "bad" or (isinstance(flow, float) and flow < 0):
            findings.add("non_numeric" if flow == "bad" else "negative_value", sheet=name, row=number,
                         column=label[roles["flow"][0]], value=cell(row, "flow"))
            continue
        water_temp = _number(cell(row, "water_temp"))
        if water_temp == "bad" or (isinstance(water_temp, float) and not -5 <= water_temp <= 60):
            findings.add("non_numeric" if water_temp == "bad" else "impossible_value", sheet=name, row=number,
                         column=label[roles["water_temp"][0]], value=cell(row, "water_temp"), detail="水温应在 -5～60 ℃")
            continue
        if code in CONDITION_ITEMS:
            key = (outlet.key, when)
            if value is None:
                findings.add("missing_result", sheet=name, row=number, column=label[value_col], value=raw_value)
                continue
            conditions.setdefault(key, {})[CONDITION_ITEMS[code]] = (value, number)
            continue
        key3 = (outlet.key, when, code)
        if key3 in seen:
            first, before, before_dl = seen[key3]
            same = before == value and before_dl == below
            findings.add("duplicate_same" if same else "duplicate_conflict", sheet=name, row=number,
                         column=col_outlet, value=outlet_text, detail=f"（{raw_time}，{item_text}）", other=first)
            continue
        seen[key3] = (number, value, below)
        if outlet.assignment_on(when.date()) is None:
            findings.add("outlet_no_standard", sheet=name, row=number, column=label[date_col], value=raw_time,
                         detail=f"{unit.name} {outlet.name}")
        out.append({"unit_id": unit.id, "outlet_id": outlet.key, "sampled_at": when, "item": code, "value": value,
                    "below_dl": below, "o2": o2, "flow": flow, "flow_unit": flow_unit if flow is not None else None,
                    "water_temp": water_temp, "raw": raw_value, "unit_written": written or None,
                    "source_row": number, "source_sheet": name})
    # 含氧量 / 水温 given as rows of their own: the outlet's other rows of that time take them
    for record in out:
        extra = conditions.get((record["outlet_id"], record["sampled_at"]), {})
        for column, (value, number) in extra.items():
            if record[column] is None:
                record[column] = value
            elif record[column] != value:
                findings.add("duplicate_conflict", sheet=name, row=number, column=label[roles["item"][0]],
                             value=column, detail="（含氧量或水温与该行的列值不同）", other=record["source_row"])
    # flue-gas items that the outlet's standard converts need the measured O2
    for record in out:
        if record["o2"] is None and _needs_o2(registry, record):
            findings.add("o2_missing", sheet=name, row=record["source_row"], column=label[roles["item"][0]],
                         value=catalogue[record["item"]]["name_zh"])
    return pl.DataFrame(out, schema=SUPERVISORY_SCHEMA)


def _needs_o2(registry: Any, record: dict[str, Any]) -> bool:
    unit = registry.unit(record["unit_id"])
    outlet = unit.outlet(record["outlet_id"].split("/", 1)[1]) if unit else None
    found = outlet.assignment_on(record["sampled_at"].date()) if outlet else None
    if found is None:
        return False
    index, assignment = found
    try:
        table = standards.in_force(discharge.family_of(assignment.standard), record["sampled_at"].date())
    except StandardNotFound:
        return False
    record_outlet = discharge.Outlet.from_mapping(outlet.evaluation_record(index, registry.region.get("province")))
    return discharge.oxygen_reference(record_outlet, table, record["item"]).converts
