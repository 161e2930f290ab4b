"""环境状况公报（环境质量部分）: the annual bulletin's monitoring chapters — air, water (rivers, lake, drinking-water
sources) and noise — built from the store for a year period (``publisher build --period 2025 --kind annual``).

Besides the files every bulletin has, the folder holds ``bulletin.docx``: the same chapters in Word (the bureau
edits its 公报 there), tables and figures numbered 表1、图1 through the bulletin as on the page, CJK fonts set
(:mod:`publisher.bulletins.annual.docx`). Due by 5 June of the following year (``publisher status``, the scheduler).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from publisher.bulletins.annual import air as air_chapter
from publisher.bulletins.annual import docx as docx_writer
from publisher.bulletins.annual import noise as noise_chapter
from publisher.bulletins.annual import water as water_chapter
from publisher.bulletins.annual.document import Document
from publisher.bulletins.base import Bulletin, Job, ReviewNote, jsonable
from publisher.errors import PublisherError

KIND = "annual"
TITLE_ZH = "环境状况公报（环境质量部分）"
CADENCE = "yearly"
TEMPLATE = "annual.html"
#: the extra file of this kind, beside index.html, bulletin.pdf, data.csv/xlsx, bulletin.json, manifest.json
DOCX = "bulletin.docx"
#: the bulletin is due by this day of the following year (环境状况公报 are published by 5 June, 世界环境日)
DUE = (6, 5)


def due_date(year: int) -> dt.date:
    """The publication deadline of the annual bulletin on `year`: 5 June of the next year."""
    return dt.date(year + 1, *DUE)


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "year":
        raise PublisherError(f"环境状况公报按年度编制（如 --period 2025），期间 {period.label} 不适用 (bad_period)")
    year = period.start.year
    region = job.registry.region.get("name", "")
    doc = Document()
    parts = [air_chapter.chapter(doc, job, "一"), water_chapter.chapter(doc, job, "二"),
             noise_chapter.chapter(doc, job, "三")]
    charts, tables, inputs, ids, exceedances, review = [], {}, [], [], [], []
    for part in parts:
        charts += part["charts"]
        tables.update(part["tables"])
        inputs += part["inputs"]
        ids += part["standards"]
        exceedances += part["exceedances"]
        review += part["review"]
    if not any(part["tables"] for part in parts):
        raise PublisherError(f"{year}年没有空气、水或噪声监测数据，无法编制环境状况公报 (no_data)；请先导入该年的监测数据")
    sample = any(part.get("sample") for part in parts)
    if sample:
        review.append(ReviewNote("provenance", "本公报部分章节使用样例数据（文件名以“样例数据_”开头），仅用于演示，不得发布。"))
    issued = due_date(year)
    context: dict[str, Any] = {
        "region": region, "bureau": f"{region}生态环境局", "year": year,
        "period": {"label": period.label, "label_zh": period.label_zh, "start": period.start.isoformat(),
                   "end": period.end.isoformat()},
        "issued": issued.isoformat(), "due": due_date(year).isoformat(),
        "chapters": doc.as_list(), "sample": sample,
        "air": parts[0]["summary"], "air_rules": parts[0]["combination"],
        "water": parts[1]["summary"], "noise": parts[2]["summary"],
    }
    return Bulletin(kind=KIND, period=period, title=f"{region}{year}年{TITLE_ZH}", template=TEMPLATE,
                    context=jsonable(context), tables=tables, charts=charts, inputs=_unique(inputs),
                    standards=sorted(set(ids)), issued=issued, review=review, exceedances=exceedances)


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for row in rows:
        key = repr(sorted(row.items()))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def render_extra(bulletin: Bulletin, out: Path) -> list[str]:
    """Write the DOCX of the chapters beside the page (its figures are the page's charts in ``out/charts``)."""
    docx_writer.write(bulletin, out / DOCX, out / "charts")
    return [DOCX]
