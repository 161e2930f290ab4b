"""Key polluting units (重点排污单位) and their outlets (排放口): the ``units:`` section of ``stations.yaml``.

A unit has a stable id, its name, its 统一社会信用代码 (GB 32100-2015, check character verified), industry,
city and county, the lists of key polluting units it is on (水/气/土壤/声/其他) and coordinates. Each outlet
names its type (``wastewater`` 废水 or ``flue_gas`` 废气), what the discharge standards select a limit by
(construction date or period, fuel, equipment, gas kind, boiler size, industry terms, province, flags) and the
standards that apply to it, each from its effective date (``standards:``: standard, class, special limits). The
supervisory-monitoring bulletin judges a result by the assignment in force on its sampling day, through
:mod:`publisher.evaluate.discharge`. Loading reports every problem with its line, as the station registry does;
see docs/registry.md.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate import discharge
from publisher.periods import as_date

#: 重点排污单位名录 list types (环境监管重点单位名录: 水环境、大气环境、土壤环境、声环境、其他)
LIST_TYPES = ("水", "气", "土壤", "声", "其他")
OUTLET_TYPES = {"wastewater": "废水", "flue_gas": "废气"}

UNIT_FIELDS = {"id", "name", "credit_code", "industry", "city", "county", "lists", "lon", "lat", "monitor",
               "active_from", "active_to", "sample", "sample_fields", "note", "outlets"}
UNIT_REQUIRED = ("id", "name", "credit_code", "industry", "city", "county", "lists", "outlets")
OUTLET_FIELDS = {"id", "name", "type", "standards", "built_on", "period", "fuel", "equipment", "gas_kind",
                 "capacity_t_h", "capacity_mw", "scopes", "province", "flags", "lon", "lat", "note"}
OUTLET_REQUIRED = ("id", "name", "type", "standards")
ASSIGNMENT_FIELDS = {"standard", "class", "special", "special_from", "from", "to", "flags", "note"}
ASSIGNMENT_REQUIRED = ("standard", "from")

#: GB 32100-2015 统一社会信用代码: the 31 characters used and the weights of positions 1..17
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 统一社会信用代码 (GB 32100-2015, 18 characters, check character 18), or None."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return "应为18位，由数字和大写字母（不含I、O、Z、S、V）组成"
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS))
    expected = _USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"校验码应为 {expected}（GB 32100-2015）"
    return None


@dataclass(frozen=True)
class StandardAssignment:
    """The discharge standard (and class, special limits) that applies to an outlet from a date."""

    standard: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    cls: str | None = None
    special: bool = False
    special_from: dt.date | None = None
    flags: tuple[str, ...] = ()
    note: str | None = None

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Outlet:
    """One outlet (排放口) of a unit. ``id`` is unique within its unit (排污许可 codes such as DW001 repeat
    across units); :attr:`key` (``<unit id>/<outlet id>``) is unique in the registry."""

    unit_id: str
    id: str
    name: str
    type: str
    standards: tuple[StandardAssignment, ...]
    built_on: dt.date | None = None
    period: str | None = None
    fuel: str | None = None
    equipment: str | None = None
    gas_kind: str | None = None
    capacity_t_h: float | None = None
    capacity_mw: float | None = None
    scopes: tuple[str, ...] = ()
    province: str | None = None
    flags: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None
    note: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return f"{self.unit_id}/{self.id}"

    @property
    def type_zh(self) -> str:
        return OUTLET_TYPES.get(self.type, self.type)

    def assignment_on(self, day: dt.date) -> tuple[int, StandardAssignment] | None:
        """(index, assignment) of the standard that applies on `day`, or None before the first one."""
        for index, assignment in enumerate(self.standards):
            if assignment.covers(day):
                return index, assignment
        return None

    def evaluation_record(self, index: int, region_province: str | None = None) -> dict[str, Any]:
        """The outlet as :func:`publisher.evaluate.discharge.evaluate` reads it, under assignment `index`
        (its ``outlet_id`` is ``<key>#<index>``)."""
        assignment = self.standards[index]
        return {
            "outlet_id": f"{self.key}#{index}", "standard": assignment.standard, "class": assignment.cls,
            "period": self.period, "built_on": self.built_on, "scopes": list(self.scopes), "fuel": self.fuel,
            "equipment": self.equipment, "gas_kind": self.gas_kind, "special": assignment.special,
            "special_from": assignment.special_from, "province": self.province or region_province,
            "flags": list(dict.fromkeys(self.flags + assignment.flags)), "capacity_t_h": self.capacity_t_h,
            "capacity_mw": self.capacity_mw,
        }


@dataclass(frozen=True)
class PollutingUnit:
    """A key polluting unit (重点排污单位) with its outlets."""

    id: str
    name: str
    credit_code: str
    industry: str
    city: str
    county: str
    lists: tuple[str, ...]
    outlets: tuple[Outlet, ...]
    lon: float | None = None
    lat: float | None = None
    monitor: str | None = None
    active_from: dt.date | None = None
    active_to: dt.date | None = None
    sample: bool = False
    sample_fields: tuple[str, ...] = ()
    note: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def lists_zh(self) -> str:
        return "、".join(self.lists)

    def outlet(self, text: str) -> Outlet | None:
        """The outlet whose id or name is `text` (after trimming), or None."""
        text = text.strip()
        for outlet in self.outlets:
            if text in (outlet.id, outlet.name):
                return outlet
        return None

    def active_on(self, day: dt.date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or day <= self.active_to)

    def is_sample(self, field_name: str | None = None) -> bool:
        return self.sample or (field_name is not None and field_name in self.sample_fields)


# --------------------------------------------------------------------------------------------- loading
def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return tuple(t.strip() for t in re.split(r"[,，、]", str(value)) if t.strip())


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _lines(node: yaml.Node | None) -> tuple[int, dict[str, int], dict[str, yaml.Node]]:
    """(line of `node`, line of each key, value node of each key) for a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return (node.start_mark.line + 1 if node is not None else 0), {}, {}
    keys = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    values = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    return node.start_mark.line + 1, keys, values


def _items(node: yaml.Node | None) -> list[yaml.Node | None]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _fields(raw: dict[str, Any], required: Iterable[str], known: set[str], at: Callable[[str], str]) -> list[str]:
    """The missing and the unknown fields of a unit or an outlet; `at(key)` names the line of a key (of the
    item itself for a key it lacks)."""
    return ([f"{at('')}: missing field {name!r}" for name in required if raw.get(name) in (None, "", [])]
            + [f"{at(extra)}: unknown field {extra!r}" for extra in sorted(set(raw) - known)])


def parse_units(doc: dict[str, Any], root: yaml.Node | None, path: Path, area_names: set[str],
                region: dict[str, Any]) -> tuple[list[PollutingUnit], list[str]]:
    """The ``units:`` section of a registry document: the units and every problem found (with its line)."""
    problems: list[str] = []
    raw_units = doc.get("units") or []
    if not isinstance(raw_units, list):
        return [], [f"{path}: 'units' must be a list of key polluting units"]
    section = None
    if isinstance(root, yaml.MappingNode):
        section = next((v for k, v in root.value if getattr(k, "value", None) == "units"), None)
    nodes = _items(section)
    units: list[PollutingUnit] = []
    seen: dict[str, dict[str, int]] = {"id": {}, "name": {}, "credit_code": {}}
    for index, raw in enumerate(raw_units):
        node = nodes[index] if index < len(nodes) else None
        line, key_lines, value_nodes = _lines(node)
        if not isinstance(raw, dict):
            problems.append(f"{path}:{line}: a unit must be a mapping")
            continue
        uid = str(raw.get("id", "?"))

        def at(key: str, _k: dict[str, int] = key_lines, _l: int = line, _u: str = uid) -> str:
            return f"{path}:{_k.get(key, _l)}: unit {_u}"

        problems += _fields(raw, UNIT_REQUIRED, UNIT_FIELDS, at)
        if raw.get("id") is not None and not str(raw["id"]).isascii():
            problems.append(f"{at('id')}: the id must be ASCII")
        for name in ("id", "name", "credit_code"):
            value = raw.get(name)
            if value in (None, ""):
                continue
            if str(value) in seen[name]:
                problems.append(f"{at(name)}: duplicate unit {name} {str(value)!r} "
                                f"(first at line {seen[name][str(value)]})")
            else:
                seen[name][str(value)] = key_lines.get(name, line)
        code = raw.get("credit_code")
        if code not in (None, ""):
            problem = credit_code_problem(str(code))
            if problem:
                problems.append(f"{at('credit_code')}: credit_code {str(code)!r} is not a 统一社会信用代码: {problem}")
        for key in ("city", "county"):
            value = raw.get(key)
            if value is not None and value not in area_names:
                problems.append(f"{at(key)}: unknown {key} {value!r}")
        lists = _strings(raw.get("lists"))
        for value in lists:
            if value not in LIST_TYPES:
                problems.append(f"{at('lists')}: unknown list type {value!r} (one of {' '.join(LIST_TYPES)})")
        for key in ("lon", "lat"):
            value = raw.get(key)
            if value is not None and _number(value) is None:
                problems.append(f"{at(key)}: {key} must be a number, not {value!r}")
        dates: dict[str, dt.date | None] = {}
        for key in ("active_from", "active_to"):
            try:
                dates[key] = as_date(raw.get(key))
            except ValueError:
                problems.append(f"{at(key)}: {key} must be a date YYYY-MM-DD, not {raw.get(key)!r}")
                dates[key] = None
        if raw.get("sample") is not None and not isinstance(raw.get("sample"), bool):
            problems.append(f"{at('sample')}: sample must be true or false")
        sample_fields = _strings(raw.get("sample_fields"))
        for value in sample_fields:
            if value not in UNIT_FIELDS:
                problems.append(f"{at('sample_fields')}: unknown field {value!r} in sample_fields")

        outlets: list[Outlet] = []
        outlet_seen: dict[str, int] = {}
        raw_outlets = raw.get("outlets") or []
        if not isinstance(raw_outlets, list):
            problems.append(f"{at('outlets')}: outlets must be a list")
            raw_outlets = []
        outlet_nodes = _items(value_nodes.get("outlets"))
        for o_index, o_raw in enumerate(raw_outlets):
            o_node = outlet_nodes[o_index] if o_index < len(outlet_nodes) else None
            o_line, o_keys, o_values = _lines(o_node)
            if not isinstance(o_raw, dict):
                problems.append(f"{path}:{o_line}: unit {uid}: an outlet must be a mapping")
                continue
            oid = str(o_raw.get("id", "?"))

            def o_at(key: str, _k: dict[str, int] = o_keys, _l: int = o_line, _o: str = oid,
                     _u: str = uid) -> str:
                return f"{path}:{_k.get(key, _l)}: unit {_u} outlet {_o}"

            problems += _fields(o_raw, OUTLET_REQUIRED, OUTLET_FIELDS, o_at)
            for name in ("id", "name"):
                value = o_raw.get(name)
                if value in (None, ""):
                    continue
                if str(value) in outlet_seen:
                    problems.append(f"{o_at(name)}: duplicate outlet {name} {str(value)!r} in the unit "
                                    f"(first at line {outlet_seen[str(value)]})")
                else:
                    outlet_seen[str(value)] = o_keys.get(name, o_line)
            if o_raw.get("id") is not None and (not str(o_raw["id"]).isascii() or "/" in str(o_raw["id"])
                                                or "#" in str(o_raw["id"]) or ":" in str(o_raw["id"])):
                problems.append(f"{o_at('id')}: the outlet id must be ASCII without / # :")
            otype = o_raw.get("type")
            if otype is not None and otype not in OUTLET_TYPES:
                problems.append(f"{o_at('type')}: unknown outlet type {otype!r} (wastewater or flue_gas)")
            for key in ("capacity_t_h", "capacity_mw", "lon", "lat"):
                value = o_raw.get(key)
                if value is not None and _number(value) is None:
                    problems.append(f"{o_at(key)}: {key} must be a number, not {value!r}")
            try:
                built_on = as_date(o_raw.get("built_on"))
            except ValueError:
                problems.append(f"{o_at('built_on')}: built_on must be a date YYYY-MM-DD")
                built_on = None
            assignments: list[StandardAssignment] = []
            raw_assignments = o_raw.get("standards") or []
            if not isinstance(raw_assignments, list):
                problems.append(f"{o_at('standards')}: standards must be a list of {{standard, from, ...}}")
                raw_assignments = []
            a_nodes = _items(o_values.get("standards"))
            for a_index, a_raw in enumerate(raw_assignments):
                a_line, a_keys, _ = _lines(a_nodes[a_index] if a_index < len(a_nodes) else None)
                where = f"{path}:{a_line}: unit {uid} outlet {oid}"
                if not isinstance(a_raw, dict):
                    problems.append(f"{where}: a standard assignment must be a mapping")
                    continue
                for name in ASSIGNMENT_REQUIRED:
                    if a_raw.get(name) in (None, ""):
                        problems.append(f"{where}: standard assignment: missing field {name!r}")
                for extra in sorted(set(a_raw) - ASSIGNMENT_FIELDS):
                    problems.append(f"{path}:{a_keys.get(extra, a_line)}: unit {uid} outlet {oid}: "
                                    f"unknown field {extra!r} in a standard assignment")
                try:
                    start, end = as_date(a_raw.get("from")), as_date(a_raw.get("to"))
                    special_from = as_date(a_raw.get("special_from"))
                except ValueError:
                    problems.append(f"{where}: from, to and special_from must be dates YYYY-MM-DD")
                    continue
                if start is None:
                    continue
                if end is not None and end < start:
                    problems.append(f"{where}: 'to' is before 'from'")
                standard = str(a_raw.get("standard") or "")
                try:
                    family = discharge.family_of(standard)
                except StandardNotFound:
                    problems.append(f"{where}: unknown discharge standard {standard!r} (one of "
                                    f"{', '.join(discharge.FAMILIES + discharge.local_families())})")
                    family = None
                if family and otype in OUTLET_TYPES and discharge.medium_of(family) != otype:
                    problems.append(f"{where}: {standard} judges {OUTLET_TYPES[discharge.medium_of(family)]}, "
                                    f"but the outlet is {OUTLET_TYPES[otype]}")
                if family:
                    try:
                        table = standards.in_force(family, start)
                    except StandardNotFound:
                        table = None
                        problems.append(f"{where}: no version of {standard} is in force on {start}")
                    if table is not None:
                        dims = table.get("dimensions") or {}
                        checks = (("class", a_raw.get("class")), ("fuel", o_raw.get("fuel")),
                                  ("equipment", o_raw.get("equipment")), ("gas_kind", o_raw.get("gas_kind")))
                        for dim, value in checks:
                            if value is not None and dim in dims and str(value) not in map(str, dims[dim]):
                                problems.append(f"{where}: {dim} {value!r} is not one of {table.id}'s "
                                                f"({', '.join(map(str, dims[dim]))})")
                        for dim in ("class",):
                            if dim in dims and a_raw.get(dim) is None:
                                problems.append(f"{where}: {table.id} needs the outlet's {dim}")
                        periods = [k for k, v in (table.get("periods") or {}).items() if isinstance(v, dict)]
                        if periods and o_raw.get("period") is None and o_raw.get("built_on") is None:
                            problems.append(f"{where}: {table.id} sets limits by construction date: give the "
                                            f"outlet's built_on (EIA approval date) or period ({', '.join(periods)})")
                        period = o_raw.get("period")
                        if period is not None and period not in periods:
                            problems.append(f"{where}: period {period!r} is not one of {table.id}'s "
                                            f"({', '.join(periods)})")
                        if a_raw.get("special") and not any(b.get("special") for b in table.get("tables") or []):
                            problems.append(f"{where}: {table.id} sets no special limits (special: true)")
                if a_raw.get("special") is not None and not isinstance(a_raw.get("special"), bool):
                    problems.append(f"{where}: special must be true or false")
                assignments.append(StandardAssignment(
                    standard=standard, valid_from=start, valid_to=end,
                    cls=None if a_raw.get("class") is None else str(a_raw["class"]),
                    special=bool(a_raw.get("special", False)), special_from=special_from,
                    flags=_strings(a_raw.get("flags")), note=a_raw.get("note")))
            ordered = sorted(assignments, key=lambda a: a.valid_from)
            for before, after in zip(ordered, ordered[1:]):
                if before.valid_to is None or before.valid_to >= after.valid_from:
                    problems.append(f"{o_at('standards')}: standard assignments overlap "
                                    f"({before.valid_from} and {after.valid_from}); close the first with 'to'")
            outlets.append(Outlet(
                unit_id=uid, id=oid, name=str(o_raw.get("name", "")), type=str(otype),
                standards=tuple(ordered), built_on=built_on,
                period=None if o_raw.get("period") is None else str(o_raw["period"]),
                fuel=o_raw.get("fuel"), equipment=o_raw.get("equipment"), gas_kind=o_raw.get("gas_kind"),
                capacity_t_h=_number(o_raw.get("capacity_t_h")), capacity_mw=_number(o_raw.get("capacity_mw")),
                scopes=_strings(o_raw.get("scopes")), province=o_raw.get("province"),
                flags=_strings(o_raw.get("flags")), lon=_number(o_raw.get("lon")), lat=_number(o_raw.get("lat")),
                note=o_raw.get("note"), line=o_line))
        units.append(PollutingUnit(
            id=uid, name=str(raw.get("name", "")), credit_code=str(raw.get("credit_code", "")),
            industry=str(raw.get("industry", "")), city=str(raw.get("city", "")), county=str(raw.get("county", "")),
            lists=lists, outlets=tuple(outlets), lon=_number(raw.get("lon")), lat=_number(raw.get("lat")),
            monitor=raw.get("monitor"), active_from=dates["active_from"], active_to=dates["active_to"],
            sample=bool(raw.get("sample", False)), sample_fields=sample_fields, note=raw.get("note"), line=line))
    return units, problems
