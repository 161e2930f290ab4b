"""The annual bulletin in Word (python-docx): the chapters of :mod:`.document`, as the bureau edits its 公报.

Headings, paragraphs, tables (caption 表N above, notes below) and figures (the page's PNG charts, caption 图N
below) in the order and numbering of the HTML page. Every run names its East Asian font (``w:eastAsia``: 宋体 for
text, 黑体 for headings and captions) besides the Latin one, so Word on a Chinese system shows the bureau's usual
faces and other systems substitute a CJK face rather than missing glyphs; the styles carry the same settings so
text the bureau adds keeps them. The page is A4 with the margins of GB/T 9704 (党政机关公文格式: 37 mm top, 35 mm
bottom, 28 mm left, 26 mm right). The core properties carry the title and the bureau, and no creation date from the
clock (the file is rebuilt byte for byte from the same bulletin).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from publisher.bulletins.base import Bulletin

BODY_FONT = ("Times New Roman", "宋体")
HEAD_FONT = ("Times New Roman", "黑体")
#: a fixed timestamp for the package's parts: the same bulletin gives the same bytes
FIXED = (2020, 1, 1, 0, 0, 0)


def _fonts(run_or_style: Any, latin: str, east_asian: str) -> None:
    run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr() if hasattr(run_or_style.element, "get_or_add_rPr") \
        else run_or_style._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _run(paragraph, text: str, size: float = 12, bold: bool = False, head: bool = False, colour: str | None = None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    _fonts(run, *(HEAD_FONT if head else BODY_FONT))
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    return run


def _styles(doc) -> None:
    for name, (latin, east), size in (("Normal", BODY_FONT, 12), ("Heading 1", HEAD_FONT, 16),
                                      ("Heading 2", HEAD_FONT, 14), ("Title", HEAD_FONT, 20)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        _fonts(style, latin, east)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)


def _cell_text(cell, text: str, bold: bool = False, size: float = 9) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, size=size, bold=bold)


def _repeat_header(row) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def build(bulletin: Bulletin, charts: Path):
    """The python-docx Document of `bulletin` (figures read from `charts`)."""
    ctx = bulletin.context
    doc = new_document()
    _styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    width = section.page_width - section.left_margin - section.right_margin
    props = doc.core_properties
    props.title = bulletin.title
    props.author = ctx.get("bureau", "")
    props.comments = "publisher"
    props.created = props.modified = dt.datetime(*FIXED)
    props.last_modified_by = ""
    props.revision = 1

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, bulletin.title, size=20, head=True)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issued = bulletin.issued
    _run(sub, f"{ctx.get('bureau', '')}　{issued.year}年{issued.month}月{issued.day}日" if issued else ctx.get("bureau", ""),
         size=12)
    if ctx.get("sample"):
        warn = doc.add_paragraph()
        _run(warn, "注意：本公报部分数据为样例数据（非实测），仅用于演示。", size=10.5, bold=True, colour="C00000")

    for chapter in ctx.get("chapters", []):
        heading = doc.add_heading(level=1)
        _run(heading, chapter["title"], size=16, head=True, colour="000000")
        for block in chapter["blocks"]:
            kind = block["type"]
            if kind == "heading":
                h = doc.add_heading(level=2)
                _run(h, block["text"], size=14, head=True, colour="000000")
            elif kind in ("p", "note"):
                p = doc.add_paragraph()
                if kind == "p":
                    p.paragraph_format.first_line_indent = Pt(24)
                _run(p, block["text"], size=12 if kind == "p" else 9.5)
            elif kind == "table":
                cap = doc.add_paragraph()
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _run(cap, f"表{block['no']}　{block['caption']}", size=10.5, head=True)
                table = doc.add_table(rows=1, cols=len(block["header"]))
                table.style = "Table Grid"
                table.alignment = WD_TABLE_ALIGNMENT.CENTER
                for cell, text in zip(table.rows[0].cells, block["header"]):
                    _cell_text(cell, text, bold=True)
                _repeat_header(table.rows[0])
                for values in block["rows"]:
                    cells = table.add_row().cells
                    for cell, text in zip(cells, values):
                        _cell_text(cell, text)
                for note in block.get("notes") or []:
                    n = doc.add_paragraph()
                    _run(n, f"注：{note}", size=9)
            elif kind == "figure":
                path = charts / f"{block['chart']}.png"
                if path.is_file():
                    fig = doc.add_paragraph()
                    fig.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    fig.add_run().add_picture(str(path), width=width)
                cap = doc.add_paragraph()
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _run(cap, f"图{block['no']}　{block['caption']}", size=10.5, head=True)
    notes = doc.add_paragraph()
    _run(notes, "评价依据：" + "；".join(ctx.get("citations", [])) + "。" if ctx.get("citations") else "", size=9.5)
    return doc


def _stable(data: bytes) -> bytes:
    """The package rewritten with fixed member times (zip entries otherwise carry the clock)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return buffer.getvalue()


def write(bulletin: Bulletin, path: Path, charts: Path) -> Path:
    """Write `bulletin` as DOCX to `path`; the same bulletin gives the same bytes."""
    buffer = io.BytesIO()
    build(bulletin, charts).save(buffer)
    path.write_bytes(_stable(buffer.getvalue()))
    return path
