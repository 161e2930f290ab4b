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
import math
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor

from publisher.bulletins.base import Bulletin

BODY_FONT = ("Times New Roman", "宋体")
HEAD_FONT = ("Times New Roman", "黑体")
#: a fixed timestamp for the package's parts: the same bulletin gives the same bytes
FIXED = (2020, 1, 1, 0, 0, 0)
#: table text size (pt) and the column widths' bounds, in half-width characters of that size
TABLE_PT, MIN_PT = 9, 7.5
#: a cell wider than SHORT_CHARS may wrap; no column is given more than MAX_CHARS
SHORT_CHARS, MAX_CHARS = 8, 40
#: a cell's left and right margin (EMU; 0.1 cm, narrower than Word's 0.19 cm so that wide tables fit)
CELL_MARGIN = int(Mm(1))


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


def _cell_text(cell, text: str, bold: bool = False, size: float = 9, lines: list[str] | None = None) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for k, line in enumerate(lines or [text]):
        run = _run(paragraph, line, size=size, bold=bold)
        if lines and k < len(lines) - 1:
            run.add_break()


def _chars(text: str) -> int:
    """Width of `text` in half-width characters: CJK, full-width and ambiguous forms (μ, ³, set in the CJK face)
    count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def _header_lines(head: str) -> list[str]:
    """A header cell's lines: the name, then its unit in brackets on a line of its own (“SO₂” / “（μg/m³）”)."""
    name, bracket, unit = head.partition("（")
    return [name, bracket + unit] if name and bracket else [head]


def column_widths(header: list[str], rows: list[list[str]], available: int,
                  given: list[float] | None = None) -> tuple[list[int], float]:
    """Column widths (EMU) that fill `available`, and the text size (pt) of the table. Each column gets at least
    what its cells need unbroken (a number, a name up to SHORT_CHARS; a header line up to SHORT_CHARS + 4), then
    the room left goes to the columns whose cells want more (long text, up to MAX_CHARS); a table whose least
    widths do not fit at TABLE_PT is set smaller (down to MIN_PT) before any cell is squeezed. `given`
    (relative weights) overrides."""
    n = len(header)
    least, want = [], []
    for i, head in enumerate(header):
        longest = max((_chars(r[i]) for r in rows if i < len(r)), default=0)
        lines = max(_chars(line) for line in _header_lines(head))
        head_min = max(min(lines, SHORT_CHARS + 4), math.ceil(_chars(head) / 2) if lines > SHORT_CHARS + 4 else 0)
        least.append(max(min(longest, SHORT_CHARS), head_min, 2) + 1)   # + 1: the face's metrics are not exact
        want.append(max(min(longest, MAX_CHARS), least[-1]))
    size = TABLE_PT
    room = max(available - n * 2 * CELL_MARGIN, n)
    while size > MIN_PT and sum(least) * Pt(size / 2) > room:
        size -= 0.5
    if given and len(given) == n:
        total = float(sum(given)) or 1.0
        widths = [int(available * float(w) / total) for w in given]
    else:
        chars = room / Pt(size / 2)
        if sum(least) >= chars:
            units = [chars * w / sum(least) for w in least]
        else:
            extra = sum(w - m for w, m in zip(want, least))
            share = min(1.0, (chars - sum(least)) / extra) if extra else 0.0
            units = [m + (w - m) * share for w, m in zip(want, least)]
            left = chars - sum(units)
            units = [u + left * w / sum(want) for u, w in zip(units, want)]
        widths = [int(u * Pt(size / 2) + 2 * CELL_MARGIN) for u in units]
    widths[-1] += available - sum(widths)
    return widths, size


def _fix_widths(table, widths: list[int]) -> None:
    """Fixed layout with these column widths (the grid for LibreOffice, every cell's tcW for Word)."""
    table.autofit = False
    props = table._tbl.tblPr
    layout = props.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        props.append(layout)
    layout.set(qn("w:type"), "fixed")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(CELL_MARGIN / 635)))   # EMU -> twentieths of a point
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    props.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
    for column, width in zip(table.columns, widths):
        column.width = Emu(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Emu(width)


def _field(paragraph, instruction: str, size: float) -> None:
    """A field (PAGE, NUMPAGES) Word and LibreOffice fill in when the page is laid out."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        run = _run(paragraph, "", size=size)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == instruction:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        else:
            run.text = text


def _header_footer(section, bureau: str, title: str) -> None:
    """Every page: the bureau and the title in the header, 第N页 共M页 in the footer."""
    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(head, f"{bureau}　{title}" if bureau else title, size=9)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    head._p.get_or_add_pPr().insert_element_before(
        border, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
        "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
        "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
        "w:rPr", "w:sectPr", "w:pPrChange")
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(foot, "第", size=9)
    _field(foot, "PAGE", 9)
    _run(foot, "页　共", size=9)
    _field(foot, "NUMPAGES", 9)
    _run(foot, "页", size=9)


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
    _header_footer(section, ctx.get("bureau", ""), bulletin.title)
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
                widths, size = column_widths(block["header"], block["rows"], int(width), block.get("widths"))
                for cell, text in zip(table.rows[0].cells, block["header"]):
                    _cell_text(cell, text, bold=True, size=size, lines=_header_lines(text))
                _repeat_header(table.rows[0])
                for values in block["rows"]:
                    cells = table.add_row().cells
                    for cell, text in zip(cells, values):
                        _cell_text(cell, text, size=size)
                _fix_widths(table, widths)
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
