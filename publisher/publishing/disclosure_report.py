"""政府信息公开工作年度报告: the statutory tables from the office's form, plus what the ledger knows of the year.

``publisher disclosure-report --year 2025`` reads the form (``<home>/disclosure-report/2025.yaml`` or ``.xlsx``, or
``--form FILE``), checks every identity the format prints (:func:`publisher.evaluate.disclosure.check`) and refuses
a form that does not add up, naming the table, the row and the column and both sides; then writes
``output/disclosure-report/2025/`` — ``index.html``, ``report.pdf``, ``report.docx`` and ``report.json`` — in the
statutory layout of the format in force for the report year (国办公开办函〔2021〕30号 from the report on 2021).

The ledger fills what concerns monitoring: the bulletins published in the year, on time or late by their deadline
(``publisher.operations.status.deadline``, the working-day calendar), corrections (a later revision published) and
withdrawals. The 2021 format's table 二 has no row for monitoring information (its rows are 规章, 行政规范性文件,
行政许可, 行政处罚, 行政强制, 行政事业性收费), so those figures are printed in section 一 (总体情况) as a sentence
and a table of their own, never added into a statutory cell.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
import yaml
from docx import Document as new_document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from publisher import registry as registry_mod, render, safeparse
from publisher.bulletins import KINDS, catalogue
from publisher.bulletins.annual.docx import FIXED, _cell_text, _run, _stable, _styles
from publisher.errors import InputError
from publisher.evaluate import disclosure
from publisher.operations.status import deadline
from publisher.periods import Period
from publisher.store import Store

#: findings that refuse a form (a blank cell is refused too: the office's form is filled in completely, 0 written)
REFUSING = {"GIP_IDENTITY", "GIP_BAD_NUMBER", "GIP_UNKNOWN_CELL", "GIP_FORM_SHAPE", "GIP_CELL_BLANK"}
XLSX_HEADER = ["表", "行", "列", "数值", "table", "row", "column"]
MAX_FORM_BYTES = 2 << 20


class FormError(InputError):
    """The form does not add up or cannot be read; ``findings`` holds every problem."""

    def __init__(self, message: str, findings: list[disclosure.Finding] | None = None):
        super().__init__(message)
        self.findings = findings or []


# --------------------------------------------------------------------------------------------- the form
def template(year: int, organisation: str = "") -> dict[str, Any]:
    """A form for the report on `year`: every cell of the format, 0, with the labels as comments in YAML."""
    form = disclosure.blank_form(year)
    return {"year": year, "organisation": organisation,
            "tables": {t: {r: {c: 0 for c in cols} for r, cols in rows.items()} for t, rows in form.items()}}


def template_yaml(year: int, organisation: str = "") -> str:
    fmt = disclosure.report_format(year)
    layout = disclosure._layout(fmt)
    lines = [f"# 政府信息公开工作年度报告表格（{fmt['meta']['number']}《{fmt['meta']['title_zh']}》）",
             "# 每个单元格填非负整数（第二十条第（八）项收费金额可有小数）；没有的填 0，不要留空。",
             "# publisher disclosure-report 会核对表格中的每个勾稽关系（如“本年新收+上年结转=办理结果总计+结转下年度继续办理”）。",
             f"year: {year}", f"organisation: {json.dumps(organisation, ensure_ascii=False)}", "tables:"]
    for tkey, spec in layout.items():
        lines.append(f"  # {spec['title']}")
        lines.append(f"  {tkey}:")
        for rkey, (label, cols) in spec["rows"].items():
            lines.append(f"    # {label}：" + "、".join(disclosure._col_label(c) for c in cols))
            lines.append(f"    {rkey}: {{" + ", ".join(f"{c['key']}: 0" for c in cols) + "}")
    return "\n".join(lines) + "\n"


def template_xlsx(year: int, path: Path, organisation: str = "") -> Path:
    """The form as a workbook: one row per cell (表, 行, 列, 数值 and the keys publisher reads back)."""
    fmt = disclosure.report_format(year)
    layout = disclosure._layout(fmt)
    book = xlsxwriter.Workbook(str(path), {"in_memory": True})
    book.set_properties({"title": f"{year}年政府信息公开工作年度报告表格", "created": dt.datetime(2020, 1, 1)})
    sheet = book.add_worksheet("表格")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["年度", year, "单位", organisation], bold)
    sheet.write_row(1, 0, XLSX_HEADER, bold)
    row = 2
    for tkey, spec in layout.items():
        for rkey, (label, cols) in spec["rows"].items():
            for col in cols:
                sheet.write_row(row, 0, [spec["title"], label, disclosure._col_label(col), 0, tkey, rkey, col["key"]])
                row += 1
    sheet.set_column(0, 2, 30)
    sheet.set_column(4, 6, 12, None, {"hidden": True})
    book.close()
    return path


def read_form(path: Path) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, Any]]:
    """(form, header) from a YAML or XLSX form; InputError naming the file and the reason."""
    if not path.is_file():
        raise FormError(f"找不到年报表格文件“{path}” (gip_form_missing)")
    if path.stat().st_size > MAX_FORM_BYTES:
        raise FormError(f"年报表格文件“{path.name}”过大（超过 2 MiB） (gip_form_too_large)")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            doc = safeparse.load_yaml(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
            raise FormError(f"年报表格“{path.name}”不是有效的 YAML：{exc} (gip_form_unreadable)") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
            raise FormError(f"年报表格“{path.name}”应有 tables 表 (gip_form_unreadable)")
        year = doc.get("year")
        tables = {t: (rows if not isinstance(rows, dict) else
                      {r: v for r, v in rows.items()}) for t, rows in doc["tables"].items()}
        try:
            form = disclosure.from_rows(int(year), tables) if isinstance(year, int) else tables
        except ValueError as exc:
            raise FormError(f"年报表格“{path.name}”：{exc}") from exc
        return form, {"year": year, "organisation": doc.get("organisation") or ""}
    if path.suffix.lower() == ".xlsx":
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error for the office
            raise FormError(f"年报表格“{path.name}”不是有效的 Excel 工作簿：{exc} (gip_form_unreadable)") from exc
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        head = next(rows, ()) or ()
        header = {"year": head[1] if len(head) > 1 else None, "organisation": (head[3] if len(head) > 3 else "") or ""}
        form: dict[str, dict[str, dict[str, Any]]] = {}
        for number, values in enumerate(rows, start=2):
            if number == 2 or not values or values[4] is None:
                continue
            if number > 2000:
                raise FormError(f"年报表格“{path.name}”行数过多 (gip_form_too_large)")
            form.setdefault(str(values[4]), {}).setdefault(str(values[5]), {})[str(values[6])] = values[3]
        book.close()
        return form, header
    raise FormError(f"年报表格“{path.name}”应为 .yaml 或 .xlsx (gip_form_type)")


def check(form: dict[str, Any], year: int) -> list[disclosure.Finding]:
    """Every finding of the form; raise FormError listing the refusing ones."""
    findings = disclosure.check(form, year)
    bad = [f for f in findings if f.code in REFUSING]
    if bad:
        lines = "\n".join(f"  {f.message_zh}" for f in bad[:50])
        more = f"\n  ……另有 {len(bad) - 50} 处" if len(bad) > 50 else ""
        raise FormError(f"年报表格有 {len(bad)} 处问题，未生成年报：\n{lines}{more}", bad)
    return findings


# --------------------------------------------------------------------------------------------- the ledger
def ledger_facts(ws, year: int) -> dict[str, Any]:
    """What the ledger knows of `year`'s proactive disclosure of monitoring information: per bulletin kind, the
    bulletins published (first publication in the year), on time or late by their deadline, corrections (a
    later revision published) and withdrawals."""
    store = Store(ws)
    rows: dict[str, dict[str, Any]] = {}
    if store.exists():
        for b in store.bulletins():
            ok = [p for p in store.publications(b["id"]) if p["status"] == "ok"]
            if not ok:
                continue
            first = dt.datetime.fromisoformat(ok[0]["at"].replace("Z", "")).date()
            if first.year != year:
                continue
            kind = b["kind"]
            entry = rows.setdefault(kind, {"kind": kind, "title": catalogue.get(kind, ws.home).title_zh
                                           if kind in KINDS else kind,
                                           "published": 0, "on_time": 0, "late": 0, "corrections": 0,
                                           "withdrawals": 0})
            if int(b.get("revision") or 1) > 1:
                entry["corrections"] += 1
            else:
                entry["published"] += 1
                try:
                    due, _ = deadline(kind, Period.parse(b["period"]), ws.home) if kind in KINDS else (None, False)
                except Exception:  # noqa: BLE001 - a period the calendar cannot judge is counted, not timed
                    due = None
                if due is not None and first <= due:
                    entry["on_time"] += 1
                elif due is not None:
                    entry["late"] += 1
        for event in store.events():
            if "withdraw" in str(event.get("kind", "")) and str(event.get("at", "")).startswith(str(year)):
                subject = str(event.get("subject") or "")
                kind = subject.split("/")[0] if "/" in subject else subject
                entry = rows.setdefault(kind, {"kind": kind, "title": kind, "published": 0, "on_time": 0, "late": 0,
                                               "corrections": 0, "withdrawals": 0})
                entry["withdrawals"] += 1
    total = {k: sum(r[k] for r in rows.values()) for k in ("published", "on_time", "late", "corrections", "withdrawals")}
    return {"by_kind": list(rows.values()), "total": total}


# --------------------------------------------------------------------------------------------- layout
def grid(year: int, form: dict[str, Any]) -> list[dict[str, Any]]:
    """The statutory tables as grids of cells ``{text, rowspan, colspan, head}`` (HTML and DOCX print the same)."""
    fmt = disclosure.report_format(year)
    values = {t: {r: dict(c or {}) for r, c in (rows or {}).items()} for t, rows in form.items()}

    def v(t: str, r: str, c: str) -> str:
        value = values.get(t, {}).get(r, {}).get(c)
        return "0" if value is None else (str(int(value)) if isinstance(value, float) and value.is_integer() else str(value))

    def cell(text: Any, rowspan: int = 1, colspan: int = 1, head: bool = False) -> dict[str, Any]:
        return {"text": str(text), "rowspan": rowspan, "colspan": colspan, "head": head}

    out = []
    for table in fmt["tables"]:
        key = table["key"]
        rows: list[list[dict[str, Any]]] = []
        if table.get("blocks"):
            width = max(len(b["columns"]) for b in table["blocks"]) + 1
            for block in table["blocks"]:
                rows.append([cell(block.get("heading_zh", ""), colspan=width, head=True)])
                cols = block["columns"]
                span = (width - 1) // len(cols)
                rows.append([cell("信息内容", head=True)] + [cell(c["label_zh"], colspan=span, head=True) for c in cols])
                for row in block["rows"]:
                    rows.append([cell(row["label_zh"])] + [cell(v(key, row["key"], c["key"]), colspan=span) for c in cols])
        elif key == "applications" or table.get("column_header_zh"):
            cols = table["columns"]
            org = [c for c in cols if c.get("group_zh")]
            rows.append([cell(table.get("note_zh", ""), rowspan=3, colspan=3, head=True),
                         cell(table.get("column_header_zh", "申请人情况"), colspan=len(cols), head=True)])
            second = []
            for c in cols:
                if c.get("group_zh"):
                    if c is org[0]:
                        second.append(cell(c["group_zh"], colspan=len(org), head=True))
                else:
                    second.append(cell(c["label_zh"], rowspan=2, head=True))
            rows.append(second)
            rows.append([cell(c["label_zh"], head=True) for c in org])
            data = table["rows"]
            groups = [str(r.get("group_zh") or "") for r in data]
            i = 0
            while i < len(data):
                row, group = data[i], groups[i]
                line: list[dict[str, Any]] = []
                if not group:
                    line.append(cell(row["label_zh"], colspan=3))
                else:
                    top = group.split("›")[0].strip()
                    sub = group.split("›")[1].strip() if "›" in group else None
                    if i == 0 or groups[i - 1].split("›")[0].strip() != top:
                        n = sum(1 for g in groups[i:] if g.split("›")[0].strip() == top) if top else 1
                        line.append(cell(top, rowspan=n))
                    if sub:
                        if i == 0 or (groups[i - 1].split("›")[1].strip() if "›" in groups[i - 1] else None) != sub:
                            n = sum(1 for g in groups[i:] if "›" in g and g.split("›")[1].strip() == sub)
                            line.append(cell(sub, rowspan=n))
                        line.append(cell(row["label_zh"]))
                    else:
                        line.append(cell(row["label_zh"], colspan=2))
                line += [cell(v(key, row["key"], c["key"])) for c in cols]
                rows.append(line)
                i += 1
        else:   # 行政复议、行政诉讼: three header rows, one data row
            cols = table["columns"]
            review = [c for c in cols if str(c.get("group_zh", "")).startswith("行政复议")]
            suit = [c for c in cols if c not in review]
            subgroups: dict[str, list[dict[str, Any]]] = {}
            for c in suit:
                subgroups.setdefault(str(c["group_zh"]).split("›")[-1].strip(), []).append(c)
            rows.append([cell("行政复议", colspan=len(review), head=True), cell("行政诉讼", colspan=len(suit), head=True)])
            rows.append([cell(c["label_zh"], rowspan=2, head=True) for c in review]
                        + [cell(name, colspan=len(group), head=True) for name, group in subgroups.items()])
            rows.append([cell(c["label_zh"], head=True) for c in suit])
            for row in table["rows"]:
                rows.append([cell(v(key, row["key"], c["key"])) for c in cols])
        out.append({"key": key, "title": table["title_zh"], "rows": rows})
    return out


def _occupancy(rows: list[list[dict[str, Any]]]) -> tuple[int, list[list[tuple[int, int, dict[str, Any]]]]]:
    """(columns, per row the (row, column, cell) each cell starts at), resolving spans."""
    taken: set[tuple[int, int]] = set()
    placed = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        line = []
        for item in row:
            while (r, c) in taken:
                c += 1
            line.append((r, c, item))
            for dr in range(item["rowspan"]):
                for dc in range(item["colspan"]):
                    taken.add((r + dr, c + dc))
            c += item["colspan"]
            width = max(width, c)
        placed.append(line)
    return width, placed


# --------------------------------------------------------------------------------------------- writing
def build(ws, year: int, form_path: Path | None = None, out: Path | None = None) -> Path:
    """Check the form, then write the report of `year` into ``output/disclosure-report/<year>/``."""
    path = form_path or _default_form(ws, year)
    form, header = read_form(path)
    if header.get("year") not in (None, "", year) and str(header.get("year")) != str(year):
        raise FormError(f"年报表格“{path.name}”是{header.get('year')}年度的，不是{year}年度 (gip_form_year)")
    findings = check(form, year)
    fmt = disclosure.report_format(year)
    facts = ledger_facts(ws, year)
    organisation = header.get("organisation") or f"{_region(ws)}生态环境局"
    folder = out or ws.output / "disclosure-report" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    tables = grid(year, form)
    context = {"year": year, "organisation": organisation, "format": {"id": fmt.id, "number": fmt["meta"]["number"],
                                                                      "title": fmt["meta"]["title_zh"]},
               "sections": fmt["report_sections_zh"], "tables": tables, "facts": facts,
               "facts_sentence": _facts_sentence(year, facts), "form": path.name,
               "warnings": [f.message_zh for f in findings]}
    title = f"{organisation}{year}年政府信息公开工作年度报告"
    render.write_html("disclosure_report.html", {"title": title, "r": context}, folder / "index.html")
    render.write_pdf(folder / "index.html", folder / "report.pdf")
    _write_docx(title, context, folder / "report.docx")
    render.write_json({"title": title, **context, "form_values": form}, folder / "report.json")
    return folder


def _region(ws) -> str:
    return str(registry_mod.load(ws.stations).region.get("name") or "")


def _default_form(ws, year: int) -> Path:
    for suffix in (".yaml", ".yml", ".xlsx"):
        path = ws.home / "disclosure-report" / f"{year}{suffix}"
        if path.is_file():
            return path
    raise FormError(f"没有{year}年度的年报表格：请先运行 publisher disclosure-report --year {year} --template，"
                    f"填写 {ws.home / 'disclosure-report' / f'{year}.yaml'}，或用 --form 指定文件 (gip_form_missing)")


def _facts_sentence(year: int, facts: dict[str, Any]) -> str:
    t = facts["total"]
    if not t["published"] and not t["corrections"]:
        return f"{year}年本系统台账中没有已发布的环境监测信息公报。"
    return (f"{year}年通过本系统主动公开环境监测信息公报{t['published']}期，其中按期发布{t['on_time']}期、"
            f"逾期发布{t['late']}期；发布更正版本{t['corrections']}次，撤回{t['withdrawals']}次。")


def _write_docx(title: str, context: dict[str, Any], path: Path) -> Path:
    doc = new_document()
    _styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    doc.core_properties.title = title
    doc.core_properties.created = doc.core_properties.modified = dt.datetime(*FIXED)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(head, title, size=18, head=True)
    sections = context["sections"]
    h = doc.add_heading(level=1)
    _run(h, sections[0], size=14, head=True, colour="000000")
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(24)
    _run(p, context["facts_sentence"])
    if context["facts"]["by_kind"]:
        rows = context["facts"]["by_kind"]
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for c, text in zip(table.rows[0].cells, ["公报", "发布期数", "按期", "逾期", "更正", "撤回"]):
            _cell_text(c, text, bold=True)
        for r in rows:
            cells = table.add_row().cells
            for c, text in zip(cells, [r["title"], r["published"], r["on_time"], r["late"], r["corrections"],
                                       r["withdrawals"]]):
                _cell_text(c, str(text))
    for table in context["tables"]:
        h = doc.add_heading(level=1)
        _run(h, table["title"], size=14, head=True, colour="000000")
        width, placed = _occupancy(table["rows"])
        grid_table = doc.add_table(rows=len(table["rows"]), cols=width)
        grid_table.style = "Table Grid"
        for line in placed:
            for r, c, item in line:
                start = grid_table.cell(r, c)
                end = grid_table.cell(r + item["rowspan"] - 1, c + item["colspan"] - 1)
                merged = start.merge(end) if (item["rowspan"] > 1 or item["colspan"] > 1) else start
                _cell_text(merged, item["text"], bold=item["head"], size=8)
    for title_zh in sections[4:]:
        h = doc.add_heading(level=1)
        _run(h, title_zh, size=14, head=True, colour="000000")
        p = doc.add_paragraph()
        _run(p, "（由公开办公室撰写）", size=10.5)
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(_stable(buffer.getvalue()))
    return path
