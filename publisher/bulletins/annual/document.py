"""The annual bulletin as a document: chapters of paragraphs, numbered tables and numbered figures.

One structure feeds the HTML page (``templates/annual.html``) and the DOCX (:mod:`.docx`), so the two print
the same words, the same table and figure numbers (表1、图1, numbered through the whole bulletin as a 公报
does) and the same notes. Everything here is JSON-ready (it is written to bulletin.json as ``chapters``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DASH = "—"


@dataclass
class Document:
    """Chapters in order; tables and figures are numbered as they are added."""

    chapters: list[dict[str, Any]] = field(default_factory=list)
    tables: int = 0
    figures: int = 0

    def chapter(self, title: str) -> "Chapter":
        chapter = Chapter(self, {"title": title, "blocks": []})
        self.chapters.append(chapter.data)
        return chapter

    def as_list(self) -> list[dict[str, Any]]:
        return self.chapters


@dataclass
class Chapter:
    doc: Document
    data: dict[str, Any]

    def _refer(self, label: str, caption: str) -> None:
        named = any(b["type"] in ("p", "note") and label in b["text"] for b in self.data["blocks"])
        if not named:
            self.data["blocks"].append({"type": "p", "text": f"{caption}见{label}。"})

    def heading(self, text: str) -> None:
        self.data["blocks"].append({"type": "heading", "text": text})

    def para(self, text: str | None) -> None:
        if text:
            self.data["blocks"].append({"type": "p", "text": text})

    def note(self, text: str | None) -> None:
        """A smaller paragraph under a table or figure: what a figure means, why a cell is empty."""
        if text:
            self.data["blocks"].append({"type": "note", "text": text})

    def table(self, caption: str, header: list[str], rows: list[list[Any]], notes: list[str] | None = None,
              widths: list[float] | None = None) -> int:
        """Add 表N (returned) with its caption above it; cells are printed as given (None prints —). The text
        refers to every table: unless a paragraph of the chapter already names 表N, one saying “<caption>见表N。”
        goes before it."""
        self.doc.tables += 1
        self._refer(f"表{self.doc.tables}", caption)
        cells = [[DASH if c is None or c == "" else str(c) for c in row] for row in rows]
        self.data["blocks"].append({"type": "table", "no": self.doc.tables, "caption": caption, "header": header,
                                    "rows": cells, "notes": [n for n in (notes or []) if n],
                                    "widths": widths})
        return self.doc.tables

    def figure(self, chart: str, caption: str) -> int:
        """Add 图N (returned) showing the chart file ``charts/<chart>.png``, its caption below it (referred to in
        the text as tables are)."""
        self.doc.figures += 1
        self._refer(f"图{self.doc.figures}", caption)
        self.data["blocks"].append({"type": "figure", "no": self.doc.figures, "chart": chart, "caption": caption})
        return self.doc.figures


def fmt(value: Any, decimals: int = 0) -> str:
    """A figure as printed: None as —, else fixed decimals (values are rounded already)."""
    if value is None:
        return DASH
    if isinstance(value, (int, float)):
        return f"{float(value):.{decimals}f}"
    return str(value)
