"""A sample bulletin page for the rendering tests: a small complete context, its charts and
``build_sample`` writing the page, the PDF and the data files (and, with `look`, PNGs of both), the way
``bulletins.build`` does for a real bulletin. Test code: the library never imports it."""
from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from publisher import standards
from publisher.render.charts import ChartSpec, render_charts
from publisher.render.files import write_bytes, write_csv_bom, write_json, write_xlsx
from publisher.render.look import html_to_png, pdf_to_png
from publisher.render.pages import render_html
from publisher.render.pdf import write_pdf


SAMPLE_TEMPLATE = """\
{% extends "base.html" %}
{% import "_macros.html" as m %}
{% block content %}
<section>
  <h2>{{ 1|zh_ordinal }}、水质状况</h2>
  <p>{{ b.water.summary }}</p>
  {{ m.data_table(b.water.rows, b.water.columns, number=1, caption="2026年5月主要河流断面水质状况") }}
  {{ m.figure(charts["water_shares"], "2026年5月河流断面水质类别比例", number=1) }}
  {{ m.figure(charts["water_targets"], "2026年5月各断面水质类别与目标", number=2) }}
</section>
<section>
  <h2>{{ 2|zh_ordinal }}、环境空气质量</h2>
  <p>{{ b.air.summary }}</p>
  {{ m.data_table(b.air.rows, b.air.columns, number=2, caption="2026年5月各县（市、区）环境空气质量") }}
  {{ m.figure(charts["aqi_calendar"], "2026年5月中心城区空气质量日历", number=3, legend=b.air.legend) }}
  {{ m.figure(charts["pollutants"], "2026年5月六项污染物浓度与二级标准限值", number=4) }}
</section>
{% endblock %}
"""


def sample_context() -> dict[str, Any]:
    """A small, complete bulletin context (as ``b``) for the sample page and the tests."""
    levels = standards.get("HJ633-2012")["levels"]["items"]
    return {
        "bureau": "保山市生态环境局",
        "title": "保山市生态环境质量月报",
        "period_zh": "2026年5月",
        "issue_no": "2026年第5期",
        "issued": "2026-06-08",
        "findings": [
            "全市13个国控、省控河流断面中，Ⅰ～Ⅲ类水质断面12个，占92.3%；劣Ⅴ类断面0个。",
            "中心城区环境空气优良天数比例为96.8%，同比上升3.2个百分点；PM₂.₅平均浓度为18微克/立方米。",
            "县级及以上集中式饮用水水源地水质达标率为100%。",
        ],
        "water": {
            "summary": "5月，全市河流断面总体水质为优，主要污染指标为总磷和化学需氧量。",
            "columns": [
                {"key": "river", "label": "河流"},
                {"key": "section", "label": "断面"},
                {"key": "codmn", "label": "高锰酸盐指数", "unit": "mg/L", "fmt": "num", "decimals": 1},
                {"key": "nh3_n", "label": "氨氮", "unit": "mg/L", "fmt": "dl", "decimals": 3},
                {"key": "tp", "label": "总磷", "unit": "mg/L", "fmt": "num", "decimals": 2},
                {"key": "class", "label": "水质类别", "fmt": "water_class", "align": "center"},
                {"key": "target", "label": "目标", "fmt": "water_class", "align": "center"},
            ],
            "rows": [
                {"river": "怒江", "section": "红旗桥", "codmn": 1.45, "nh3_n": 0.025, "nh3_n_dl": True, "tp": 0.04, "class": 2, "target": 2},
                {"river": "东河", "section": "小沙坝", "codmn": 3.25, "nh3_n": 0.412, "tp": 0.185, "class": 3, "target": 3},
                {"river": "东河", "section": "大沙坝", "codmn": 4.15, "nh3_n": 0.786, "tp": 0.215, "class": 4, "target": 3, "_flag": "exceed"},
                {"river": "龙川江", "section": "曼海桥", "codmn": None, "nh3_n": None, "tp": None, "class": None, "target": 3},
            ],
        },
        "air": {
            "summary": "5月，中心城区空气质量优良天数30天，其中优25天、良5天，轻度污染1天。",
            "columns": [
                {"key": "area", "label": "县（市、区）"},
                {"key": "good_ratio", "label": "优良天数比例", "unit": "%", "fmt": "num", "decimals": 1},
                {"key": "pm2_5", "label": "PM₂.₅", "unit": "µg/m³", "fmt": "num", "decimals": 0},
                {"key": "pm10", "label": "PM₁₀", "unit": "µg/m³", "fmt": "num", "decimals": 0},
                {"key": "index", "label": "综合指数", "fmt": "num", "decimals": 2},
                {"key": "rank", "label": "排名", "align": "center"},
            ],
            "rows": [
                {"area": "隆阳区", "good_ratio": 96.774, "pm2_5": 18.5, "pm10": 33.0, "index": 2.615, "rank": 2},
                {"area": "施甸县", "good_ratio": 100.0, "pm2_5": 15.0, "pm10": 29.0, "index": 2.31, "rank": 1},
                {"area": "龙陵县", "good_ratio": 93.548, "pm2_5": 21.0, "pm10": 36.0, "index": 2.95, "rank": 3},
                {"area": "昌宁县", "good_ratio": None, "pm2_5": None, "pm10": None, "index": None, "rank": None},
            ],
            "legend": [{"label": r["category_zh"], "colour": r["hex"]} for r in levels] + [{"label": "无有效数据", "colour": "#D9D9D9"}],
        },
        "notes": [
            "数据来源：保山市环境监测站例行监测数据；空气质量数据为实况数据，未经审核，仅供参考。",
            "“L”表示低于检出限，数值为方法检出限；“—”表示无数据。",
            "龙川江曼海桥断面5月因断流未采样；昌宁县5月有效监测天数不足，不参与排名。",
        ],
        "standards": ["GB3838-2002", "HJ633-2012", "GB3095-2012"],
    }


def sample_page(context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The top-level names base.html reads, for the sample context (as a bulletin builder passes them)."""
    b = dict(context or sample_context())
    return {
        "b": b,
        "bureau": b["bureau"],
        "title": b["title"],
        "period_zh": b["period_zh"],
        "issue_no": b["issue_no"],
        "issued": b["issued"],
        "findings": b["findings"],
        "notes": b["notes"],
        "standards_used": [{"id": t, "citation": standards.get(t).citation} for t in b["standards"]],
        "charts": {},
    }


def sample_charts() -> list[Any]:
    """The chart specs the sample page refers to."""
    levels = standards.get("HJ633-2012")["levels"]["items"]
    rng = random.Random(5)
    days = [{"date": dt.date(2026, 5, d), "aqi": (None if d == 17 else rng.choice([28, 35, 42, 47, 55, 63, 71, 88, 104]))} for d in range(1, 32)]
    source = "数据来源：保山市环境监测站"
    return [
        ChartSpec("water_shares", "water_class_shares", {"counts": {"Ⅰ": 2, "Ⅱ": 7, "Ⅲ": 3, "Ⅳ": 1}, "source": source}),
        ChartSpec(
            "water_targets",
            "water_sections_vs_target",
            {"frame": pl.DataFrame({"section": ["红旗桥", "小沙坝", "大沙坝", "曼海桥"], "class": [2, 3, 4, None], "target": [2, 3, 3, 3]}), "source": source},
        ),
        ChartSpec("aqi_calendar", "aqi_calendar", {"frame": days, "year": 2026, "month": 5, "levels": levels, "legend": False, "source": source}),
        ChartSpec(
            "pollutants",
            "pollutant_concentrations",
            {
                "frame": pl.DataFrame(
                    {
                        "pollutant": ["so2", "no2", "pm10", "pm2_5", "co", "o3_8h"],
                        "value": [6.0, 12.0, 33.0, 18.0, 0.8, 112.0],
                        "previous": [7.0, 13.0, 38.0, 22.0, 0.9, 118.0],
                        "limit": [60.0, 40.0, 70.0, 35.0, 4.0, 160.0],
                    }
                ),
                "source": "注：CO为日均值第95百分位数，O₃-8h为日最大8小时平均第90百分位数；" + source,
            },
        ),
    ]


def build_sample(out_dir: str | os.PathLike[str], *, workers: int = 1, look: bool = True) -> dict[str, Any]:
    """Build the sample bulletin into `out_dir`: charts, index.html, bulletin.pdf, data files,
    and (with `look`) PNGs of the page (Chromium) and of the PDF pages (pdftoppm) in ``<out_dir>/look/``.
    Returns the paths and timings."""
    out = Path(out_dir)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    paths = render_charts(sample_charts(), out / "charts", workers=workers, cache_dir=out / ".cache")
    timings["charts_s"] = time.perf_counter() - t
    context = sample_context()
    page = sample_page(context)
    page["charts"] = {p.stem: f"charts/{p.name}" for p in paths}
    html = write_bytes(out / "index.html", render_html(SAMPLE_TEMPLATE, page).encode("utf-8"))
    t = time.perf_counter()
    pdf = write_pdf(html, out / "bulletin.pdf")
    timings["pdf_s"] = time.perf_counter() - t
    water = pl.DataFrame(context["water"]["rows"]).drop("_flag", "nh3_n_dl", strict=False)
    write_csv_bom(water, out / "data.csv")
    write_xlsx({"水质": water, "空气": pl.DataFrame(context["air"]["rows"])}, out / "data.xlsx", title=context["title"])
    write_json(context, out / "bulletin.json")
    result: dict[str, Any] = {"html": html, "pdf": pdf, **timings}
    if look:
        result["page_png"] = html_to_png(html, out / "look" / "page.png", width=1000, height=3000)
        result["pdf_pngs"] = pdf_to_png(pdf, out / "look" / "pdf", dpi=80)
    return result
