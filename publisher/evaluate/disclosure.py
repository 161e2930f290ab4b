"""The statutory tables of the annual government-information-disclosure report (政府信息公开工作年度报告).

The layout (tables, rows, columns, value types) and every identity a filled-in table must satisfy are
data: ``publisher/standards/data/gip-report-2019.yaml`` (国办公开办函〔2019〕60号, reports on 2019-2020)
and ``gip-report-2021.yaml`` (国办公开办函〔2021〕30号, reports on 2021 and later), looked up by the
report year. This module is pure: it reads no file but the standards and writes nothing.

A form is ``{table_key: {row_key: {column_key: number | None}}}``; :func:`from_rows` also accepts a
row as a list in the table's column order. :func:`check` returns every finding, each with a stable
English ``code`` and a Chinese message naming the table, row and column and, for an identity, both
sides with their terms.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from publisher import standards

CODES = {
    "GIP_IDENTITY": "勾稽关系不成立",
    "GIP_CELL_BLANK": "单元格为空",
    "GIP_BAD_NUMBER": "数值无效",
    "GIP_UNKNOWN_CELL": "表中没有该单元格",
    "GIP_FORM_SHAPE": "表或行不是按列给出的数值",
}


@dataclass(frozen=True)
class Finding:
    """One problem of a form. ``left``/``right`` are the two sides of an identity, as text with each
    term and its value; ``left_sum``/``right_sum`` their totals."""

    code: str
    table: str
    row: str | None
    column: str | None
    message_zh: str
    identity: str | None = None
    left: str | None = None
    right: str | None = None
    left_sum: Decimal | None = None
    right_sum: Decimal | None = None
    keys: tuple[str | None, str | None, str | None] = field(default=(None, None, None), compare=False)


def report_format(year: int) -> standards.Standard:
    """The report format that governs the report on `year` (e.g. GIP-REPORT-2021 for 2025)."""
    return standards.in_force("gip_report", dt.date(year, 12, 31))


def _layout(fmt: standards.Standard) -> dict[str, dict[str, Any]]:
    """table key -> {title, rows: {row key: (label, [column dicts])}, row_order, column_order, columns}."""
    out: dict[str, dict[str, Any]] = {}
    for table in fmt["tables"]:
        rows: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        columns: dict[str, dict[str, Any]] = {}
        for block in table.get("blocks") or [{"columns": table["columns"], "rows": table["rows"]}]:
            for col in block["columns"]:
                columns.setdefault(col["key"], col)
            for row in block["rows"]:
                label = row["label_zh"]
                group = str(row.get("group_zh") or "")
                if "›" in group:      # a numbered item under (三)…(六): name its heading too
                    label = f"{group.split('›')[-1].strip()} {label}"
                if block.get("heading_zh"):
                    label = f"{block['heading_zh']} {label}"
                rows[row["key"]] = (label, list(block["columns"]))
        out[table["key"]] = {"title": table["title_zh"], "rows": rows, "columns": columns}
    return out


def blank_form(year: int) -> dict[str, dict[str, dict[str, None]]]:
    """Every cell of the report format of `year`, blank (None)."""
    return {t: {r: {c["key"]: None for c in cols} for r, (_, cols) in spec["rows"].items()}
            for t, spec in _layout(report_format(year)).items()}


def from_rows(year: int, tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """A form from rows given as lists in column order (or as {column: value} mappings). A list of the
    wrong length raises ValueError naming the table and row."""
    layout = _layout(report_format(year))
    form: dict[str, dict[str, dict[str, Any]]] = {}
    for tkey, rows in tables.items():
        spec = layout.get(tkey)
        form[tkey] = {}
        for rkey, values in rows.items():
            if spec is None or rkey not in spec["rows"] or isinstance(values, dict):
                form[tkey][rkey] = dict(values) if isinstance(values, dict) else values
                continue
            label, cols = spec["rows"][rkey]
            if len(values) != len(cols):
                raise ValueError(f"表“{spec['title']}”行“{label}”应有{len(cols)}个数，给出{len(values)}个 [GIP_ROW_LENGTH]")
            form[tkey][rkey] = {c["key"]: v for c, v in zip(cols, values)}
    return form


def _number(value: Any, kind: str) -> Decimal | None:
    """The value as a Decimal, or None when it is not a valid number of its column type."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip()) if isinstance(value, str) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    if kind in ("count", "signed") and number != number.to_integral_value():
        return None
    if kind in ("count", "amount") and number < 0:
        return None
    return number


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value != 0 else "0"
    return text


def check(form: dict[str, dict[str, dict[str, Any]]], year: int) -> list[Finding]:
    """Every finding of a filled-in form for the report on `year`: cells not in the format, values that
    are not numbers of their column's type, blank cells (counted as 0, see ``blanks`` in the format),
    and every identity that does not add up, naming the table, the row and column and both sides."""
    fmt = report_format(year)
    layout = _layout(fmt)
    findings: list[Finding] = []
    values: dict[tuple[str, str, str], Decimal] = {}

    if not isinstance(form, dict):
        return [Finding("GIP_FORM_SHAPE", "", None, None, "年报表格应按表、行、列给出数值 [GIP_FORM_SHAPE]")]
    for tkey, rows in form.items():
        spec = layout.get(tkey)
        if spec is not None and not isinstance(rows, dict):
            findings.append(Finding("GIP_FORM_SHAPE", spec["title"], None, None,
                                    f"表“{spec['title']}”应按行给出 [GIP_FORM_SHAPE]", keys=(tkey, None, None)))
            continue
        if spec is None:
            findings.append(Finding("GIP_UNKNOWN_CELL", str(tkey), None, None,
                                    f"{fmt.id}没有表“{tkey}” [GIP_UNKNOWN_CELL]", keys=(tkey, None, None)))
            continue
        for rkey, cells in (rows or {}).items():
            if rkey not in spec["rows"]:
                findings.append(Finding("GIP_UNKNOWN_CELL", spec["title"], str(rkey), None,
                                        f"表“{spec['title']}”没有行“{rkey}” [GIP_UNKNOWN_CELL]", keys=(tkey, rkey, None)))
                continue
            label, cols = spec["rows"][rkey]
            if cells is not None and not isinstance(cells, dict):
                findings.append(Finding("GIP_FORM_SHAPE", spec["title"], label, None,
                                        f"表“{spec['title']}”行“{label}”应按列给出数值 [GIP_FORM_SHAPE]",
                                        keys=(tkey, rkey, None)))
                continue
            known = {c["key"]: c for c in cols}
            for ckey in (cells or {}):
                if ckey not in known:
                    findings.append(Finding("GIP_UNKNOWN_CELL", spec["title"], label, str(ckey),
                                            f"表“{spec['title']}”行“{label}”没有列“{ckey}” [GIP_UNKNOWN_CELL]",
                                            keys=(tkey, rkey, ckey)))

    for tkey, spec in layout.items():
        for rkey, (label, cols) in spec["rows"].items():
            for col in cols:
                table_cells = form.get(tkey)
                row_cells = table_cells.get(rkey) if isinstance(table_cells, dict) else None
                raw = row_cells.get(col["key"]) if isinstance(row_cells, dict) else None
                where = f"表“{spec['title']}”行“{label}”列“{_col_label(col)}”"
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    findings.append(Finding("GIP_CELL_BLANK", spec["title"], label, _col_label(col),
                                            f"{where}为空，按0计 [GIP_CELL_BLANK]", keys=(tkey, rkey, col["key"])))
                    values[(tkey, rkey, col["key"])] = Decimal(0)
                    continue
                number = _number(raw, col["type"])
                if number is None:
                    kind = {"count": "非负整数", "signed": "整数", "amount": "非负数"}[col["type"]]
                    findings.append(Finding("GIP_BAD_NUMBER", spec["title"], label, _col_label(col),
                                            f"{where}的值“{raw}”不是{kind}，按0计 [GIP_BAD_NUMBER]",
                                            keys=(tkey, rkey, col["key"])))
                    number = Decimal(0)
                values[(tkey, rkey, col["key"])] = number

    for ident in fmt["identities"]:
        findings.extend(_identity(ident, layout[ident["table"]], ident["table"], values))
    return findings


def _col_label(col: dict[str, Any]) -> str:
    group = col.get("group_zh")
    return f"{group} › {col['label_zh']}" if group else col["label_zh"]


def _identity(ident: dict[str, Any], spec: dict[str, Any], tkey: str,
              values: dict[tuple[str, str, str], Decimal]) -> list[Finding]:
    out = []
    per = ident["per"]
    if per == "column":
        lines = list(spec["columns"]) if ident["over"] == "all" else list(ident["over"])
    else:
        lines = list(spec["rows"]) if ident["over"] == "all" else list(ident["over"])
    text = ident.get("quote_zh") or ident.get("statement_zh") or ident["id"]
    for line in lines:
        if per == "column":
            def cell(row: str) -> tuple[str, Decimal]:
                return spec["rows"][row][0], values.get((tkey, row, line), Decimal(0))
            row_label, col_label = None, _col_label(spec["columns"][line])
        else:
            def cell(col: str) -> tuple[str, Decimal]:
                return _col_label(spec["columns"][col]), values.get((tkey, line, col), Decimal(0))
            row_label, col_label = spec["rows"][line][0], None
        left = [cell(k) for k in ident["left"]]
        right = [cell(k) for k in ident["right"]]
        lsum, rsum = sum((v for _, v in left), Decimal(0)), sum((v for _, v in right), Decimal(0))
        if lsum == rsum:
            continue
        ltext, rtext = _side(left, lsum), _side(right, rsum)
        where = f"列“{col_label}”" if per == "column" else f"行“{row_label}”"
        message = (f"表“{spec['title']}”{where}：“{text}”不成立：左边 {ltext}，右边 {rtext}，"
                   f"相差{_fmt(abs(lsum - rsum))} [GIP_IDENTITY]")
        out.append(Finding("GIP_IDENTITY", spec["title"], row_label, col_label, message, identity=ident["id"],
                           left=ltext, right=rtext, left_sum=lsum, right_sum=rsum,
                           keys=(tkey, line if per == "row" else None, line if per == "column" else None)))
    return out


def _side(terms: list[tuple[str, Decimal]], total: Decimal) -> str:
    """One side of an identity as text: every term with its value; a long side (more than 4 terms)
    lists its non-zero terms and says how many others are 0."""
    if len(terms) <= 4:
        shown, zeros = terms, 0
    else:
        shown = [(n, v) for n, v in terms if v != 0]
        zeros = len(terms) - len(shown)
    text = " + ".join(f"{name}（{_fmt(v)}）" for name, v in shown)
    if zeros:
        text = f"{text}（其余{zeros}项均为0）" if shown else f"{len(terms)}项均为0"
    return f"{text} = {_fmt(total)}"


def identity_failures(findings: list[Finding]) -> list[Finding]:
    """Only the identities that do not add up."""
    return [f for f in findings if f.code == "GIP_IDENTITY"]
