"""Local discharge standards a bureau keeps as data in its workspace (``<home>/standards/*.yaml``).

A province's discharge standard (e.g. a 云南省 DB53/… table) is written in the schema of the shipped discharge
tables (``publisher/standards/data/gb13271-2014.yaml`` is a good model; docs/standards.md, "Local discharge
standards"). Each file is checked here before any of it is used: a file that is too large, not YAML, missing a key,
with an unknown key, an item outside ``discharge-items.yaml``, a limit that is not a number, a condition value
its ``dimensions`` do not list, or an id or family of a shipped table is refused with a
:class:`LocalStandardError` naming the file, the key and the reason (in Chinese) with a stable English code.
A local table adds a standard; it never replaces a national one.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from publisher import safeparse
from publisher.errors import InputError
from publisher.periods import as_date

#: the workspace folder of local standards
FOLDER = "standards"
#: no discharge table is near this; a larger file is refused unread
MAX_BYTES = 256 * 1024
#: no discharge standard has more (GB 8978 has 4 tables and about 400 cells); YAML aliases could otherwise make a
#: small file expand into millions of rows to check
MAX_TABLES, MAX_ROWS, MAX_COLUMNS = 32, 4000, 16
MEDIA = ("wastewater", "flue_gas")
CONFIDENCES = ("confirmed_2plus", "single_source", "memory_only")
DIMENSIONS = ("class", "fuel", "equipment", "gas_kind")
KINDS = ("max", "range", "grade", "not_detected")
TOP_KEYS = {"meta", "medium", "dimensions", "periods", "flags", "oxygen_reference", "tables", "not_encoded",
            "sizes", "water_temp_bands", "supervision_note_zh", "note_zh"}
META_KEYS = {"id", "family", "number", "title_zh", "effective_from", "effective_to", "sources", "confidence",
             "issuer_zh", "note_zh"}
BLOCK_KEYS = {"id", "clause", "special", "period", "columns", "rows", "applies_from", "sources", "confidence",
              "note_zh"}
ROW_KEYS = {"seq", "item", "kind", "kinds", "limit", "limits", "range", "period", "scopes", "provinces", "flags",
            "water_temp", "applies_from", "confidence", "sources", "note_zh", *DIMENSIONS}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FAMILY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


class LocalStandardError(InputError):
    """A workspace standards file is refused: ``path``, ``key``, Chinese ``reason`` and stable ``code``."""

    def __init__(self, path: Path, key: str, reason: str, code: str):
        where = f"{path}" + (f"：{key}" if key else "")
        super().__init__(f"本地排放标准 {where}：{reason} ({code})")
        self.path, self.key, self.reason, self.code = path, key, reason, code


def folder(home: str | Path | None) -> Path | None:
    """``<home>/standards`` when the workspace has that folder, else None."""
    if not home:
        return None
    path = Path(home) / FOLDER
    return path if path.is_dir() else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and value >= 0


class _Checker:
    def __init__(self, path: Path, items: dict[str, dict[str, Any]]):
        self.path, self.items = path, items

    def fail(self, key: str, reason: str, code: str = "local_standard_bad_value") -> None:
        raise LocalStandardError(self.path, key, reason, code)

    def keys(self, data: Any, allowed: set[str], where: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(where, "应为键值映射（mapping）")
        for name in required:
            if data.get(name) in (None, "", []):
                self.fail(f"{where}.{name}" if where else name, "缺少必填项", "local_standard_missing_key")
        for name in sorted(set(map(str, data)) - allowed):
            self.fail(f"{where}.{name}" if where else name, "不是本地排放标准可用的键", "local_standard_unknown_key")
        return data

    def date(self, value: Any, key: str) -> dt.date | None:
        try:
            return as_date(value)
        except (ValueError, TypeError):
            self.fail(key, f"应为日期 YYYY-MM-DD，而不是 {value!r}")
        return None  # pragma: no cover - fail raises

    def limit(self, kind: str, value: Any, row: dict[str, Any], key: str) -> None:
        if kind == "range":
            pair = row.get("range")
            if not (isinstance(pair, list) and len(pair) == 2 and all(_number(v) for v in pair) and pair[0] <= pair[1]):
                self.fail(f"{key}.range", "范围限值应为 [下限, 上限] 两个非负数，下限不大于上限")
        elif kind in ("max", "grade") and value is not None and not _number(value):
            self.fail(f"{key}.limit", f"限值应为非负数（或 null 表示未规定），而不是 {value!r}")


def validate(path: Path, data: Any, shipped_ids: set[str], shipped_families: set[str],
             items: dict[str, dict[str, Any]]) -> None:
    """Refuse a local table that is not a discharge table in the shipped schema (see the module docstring)."""
    check = _Checker(path, items)
    doc = check.keys(data, TOP_KEYS, "", required=("meta", "medium", "tables"))
    meta = check.keys(doc["meta"], META_KEYS, "meta", required=("id", "family", "number", "title_zh", "effective_from",
                                                                    "confidence"))
    if not _ID.match(str(meta["id"])):
        check.fail("meta.id", "应为字母、数字、点、横线或下划线组成的编号")
    if str(meta["id"]) in shipped_ids:
        check.fail("meta.id", f"与随程序提供的标准 {meta['id']} 同名；本地标准只能新增，不能替换国家标准",
                   "local_standard_replaces_shipped")
    if not _FAMILY.match(str(meta["family"])):
        check.fail("meta.family", "应为小写字母、数字、横线或下划线")
    if str(meta["family"]) in shipped_families:
        check.fail("meta.family", f"{meta['family']} 是随程序提供的标准系列；本地标准应使用自己的系列名",
                   "local_standard_replaces_shipped")
    start = check.date(meta["effective_from"], "meta.effective_from")
    end = check.date(meta.get("effective_to"), "meta.effective_to")
    if end is not None and start is not None and end < start:
        check.fail("meta.effective_to", "实施截止日期早于实施日期")
    if meta["confidence"] not in CONFIDENCES:
        check.fail("meta.confidence", f"应为 {' / '.join(CONFIDENCES)} 之一")
    medium = doc["medium"]
    if medium not in MEDIA:
        check.fail("medium", "应为 wastewater（废水）或 flue_gas（废气）")
    dims = doc.get("dimensions") or {}
    if not isinstance(dims, dict) or any(k not in DIMENSIONS or not isinstance(v, list) for k, v in dims.items()):
        check.fail("dimensions", f"应为 {'、'.join(DIMENSIONS)} 到取值列表的映射")
    periods = doc.get("periods") or {}
    if not isinstance(periods, dict):
        check.fail("periods", "应为时段名到 {from, to} 的映射")
    period_names = {k for k, v in periods.items() if isinstance(v, dict)}
    for name in period_names:
        check.keys(periods[name], {"from", "to"}, f"periods.{name}")
        check.date(periods[name].get("from"), f"periods.{name}.from")
        check.date(periods[name].get("to"), f"periods.{name}.to")
    blocks = doc["tables"]
    if not isinstance(blocks, list):
        check.fail("tables", "应为表的列表")
    rows_total = sum(len(b["rows"]) for b in blocks if isinstance(b, dict) and isinstance(b.get("rows"), list))
    if len(blocks) > MAX_TABLES or rows_total > MAX_ROWS:
        check.fail("tables", f"表或限值行过多（{len(blocks)} 个表、{rows_total} 行；上限 {MAX_TABLES} 个表、{MAX_ROWS} 行）",
                   "local_standard_too_large")
    for b_index, block in enumerate(blocks):
        where = f"tables[{b_index}]"
        block = check.keys(block, BLOCK_KEYS, where, required=("id", "clause", "rows"))
        check.date(block.get("applies_from"), f"{where}.applies_from")
        if block.get("special") is not None and not isinstance(block["special"], bool):
            check.fail(f"{where}.special", "应为 true 或 false")
        columns = block.get("columns")
        width = 1
        if columns is not None:
            check.keys(columns, {"dimension", "values"}, f"{where}.columns", required=("dimension", "values"))
            if columns["dimension"] not in dims or not isinstance(columns["values"], list):
                check.fail(f"{where}.columns", "dimension 应为 dimensions 中列出的维度，values 为其取值列表")
            width = len(columns["values"])
            if not 1 <= width <= MAX_COLUMNS:
                check.fail(f"{where}.columns.values", f"应有 1～{MAX_COLUMNS} 列", "local_standard_too_large")
        if not isinstance(block["rows"], list):
            check.fail(f"{where}.rows", "应为限值行的列表")
        for r_index, row in enumerate(block["rows"]):
            key = f"{where}.rows[{r_index}]"
            row = check.keys(row, ROW_KEYS, key, required=("item",))
            item = str(row["item"])
            if item not in items:
                check.fail(f"{key}.item", f"项目代码 {item!r} 不在 discharge-items.yaml 中", "local_standard_unknown_item")
            if items[item].get("medium") != medium:
                check.fail(f"{key}.item", f"项目 {item} 不属于 {medium}", "local_standard_unknown_item")
            kinds = row.get("kinds") or [row.get("kind", "max")] * width
            values = row["limits"] if "limits" in row else [row.get("limit")] * width
            if not isinstance(values, list) or not isinstance(kinds, list) or len(values) != width \
                    or len(kinds) != width:
                check.fail(f"{key}.limits", f"应有 {width} 个限值（与 columns 对应）")
            if "limit" not in row and "limits" not in row and row.get("kind", "max") in ("max", "grade"):
                check.fail(f"{key}.limit", "缺少限值", "local_standard_missing_key")
            for kind, value in zip(kinds, values):
                if kind not in KINDS:
                    check.fail(f"{key}.kind", f"应为 {' / '.join(KINDS)} 之一")
                check.limit(kind, value, row, key)
            for dim in DIMENSIONS:
                if row.get(dim) is not None and str(row[dim]) not in map(str, dims.get(dim, [])):
                    check.fail(f"{key}.{dim}", f"{row[dim]!r} 不在 dimensions.{dim} 中")
            period = row.get("period", block.get("period"))
            if period is not None and period not in period_names:
                check.fail(f"{key}.period", f"时段 {period!r} 不在 periods 中")
            check.date(row.get("applies_from"), f"{key}.applies_from")
            if row.get("confidence") is not None and row["confidence"] not in CONFIDENCES:
                check.fail(f"{key}.confidence", f"应为 {' / '.join(CONFIDENCES)} 之一")
    oxygen = doc.get("oxygen_reference")
    if oxygen is not None:
        oxygen = check.keys(oxygen, {"clause", "formula_zh", "items", "values", "sources", "confidence"},
                            "oxygen_reference", required=("clause", "items", "values"))
        for v_index, entry in enumerate(oxygen["values"] if isinstance(oxygen["values"], list) else [None]):
            key = f"oxygen_reference.values[{v_index}]"
            entry = check.keys(entry, {"percent", "confidence", "sources", "note_zh", *DIMENSIONS[1:]}, key,
                               required=("percent",))
            if not _number(entry["percent"]) or entry["percent"] >= 21:
                check.fail(f"{key}.percent", "基准含氧量应在 0～21（%）之间")


def load(path: Path, shipped_ids: set[str], shipped_families: set[str],
         items: dict[str, dict[str, Any]]) -> tuple[bytes, dict[str, Any]]:
    """The bytes and the checked document of one workspace standards file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LocalStandardError(path, "", f"文件过大（{size} 字节，上限 {MAX_BYTES // 1024} KB）",
                                     "local_standard_unreadable")
        raw = path.read_bytes()
        data = safeparse.load_yaml(raw.decode("utf-8"))
    except LocalStandardError:
        raise
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        raise LocalStandardError(path, "", f"无法读取：{exc}", "local_standard_unreadable") from exc
    validate(path, data, shipped_ids, shipped_families, items)
    return raw, data
