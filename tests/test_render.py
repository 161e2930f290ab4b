"""Rendering: filters, strict templates, PDF with Chinese text, deterministic data files, a real browser."""
from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess
import zipfile

import openpyxl
import polars as pl
import pytest

from publisher import render
from tests import render_sample
from tests.browser import colour_fraction, ink_fraction, screenshot


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        pytest.param(0.125, 2, "0.12", id="half-even-down"),
        pytest.param(0.135, 2, "0.14", id="half-even-up"),
        pytest.param(2.675, 2, "2.68", id="decimal-text-not-binary"),
        pytest.param(18.5, 0, "18", id="18.5-to-even"),
        pytest.param(19.5, 0, "20", id="19.5-to-even"),
        pytest.param(-0.04, 1, "0.0", id="no-negative-zero"),
        pytest.param(35.0, None, "35", id="as-given-int"),
        pytest.param(0.050, None, "0.05", id="as-given-decimal"),
        pytest.param(None, 1, "—", id="none"),
        pytest.param(float("nan"), 1, "—", id="nan"),
    ],
)
def test_num_rounds_half_to_even(value, decimals, text):
    assert render.fmt_num(value, decimals) == text


def test_text_filters():
    assert render.fmt_pct(96.774) == "96.8%"
    assert render.zh_date(dt.date(2026, 5, 1)) == "2026年5月1日"
    assert render.zh_date("2026-06-08") == "2026年6月8日"
    assert render.zh_month("2026-05") == "2026年5月"
    assert [render.water_class(v) for v in (1, "III", "Ⅳ类", 6, "劣V", None)] == ["Ⅰ类", "Ⅲ类", "Ⅳ类", "劣Ⅴ类", "劣Ⅴ类", "—"]
    assert render.dl(0.01, True) == "0.01L"
    assert render.dl(0.0123, False, 3) == "0.012"
    assert render.na(None, "无数据") == "无数据" and render.na(0) == 0
    assert [render.zh_ordinal(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]
    assert str(render.pollutant("pm2_5")) == "PM<sub>2.5</sub>"
    assert str(render.pollutant("<b>")) == "&lt;b&gt;"
    with pytest.raises(ValueError, match="水质类别"):
        render.water_class_label("Ⅶ")


# --------------------------------------------------------------------------- templates


def test_sample_page_renders_under_strict_undefined():
    html = render.render_html(render_sample.SAMPLE_TEMPLATE, render_sample.sample_page())
    for text in ("保山市生态环境质量月报", "2026年第5期", "主要结论", "一、水质状况", "表1", "说明", "发布单位：保山市生态环境局",
                 "0.025L", "劣Ⅴ" if False else "Ⅳ类", "GB 3838-2002"):
        assert text in html, text
    assert 'class="exceed"' in html
    assert "<td class=\"right\">—</td>" in html  # a missing value prints as a dash


def test_missing_value_fails_the_build():
    page = render_sample.sample_page()
    del page["b"]["water"]["summary"]
    with pytest.raises(render.RenderError, match="summary"):
        render.render_html(render_sample.SAMPLE_TEMPLATE, page)


def test_missing_column_key_in_a_row_fails():
    page = render_sample.sample_page()
    del page["b"]["air"]["rows"][0]["pm10"]
    with pytest.raises(render.RenderError, match="pm10"):
        render.render_html(render_sample.SAMPLE_TEMPLATE, page)


def test_text_is_escaped():
    page = render_sample.sample_page()
    page["findings"] = ["<script>alert(1)</script>"]
    assert "&lt;script&gt;" in render.render_html(render_sample.SAMPLE_TEMPLATE, page)


def test_base_without_bureau_leaves_masthead_to_the_child():
    html = render.render_html('{% extends "base.html" %}{% block content %}<p>正文</p>{% endblock %}', {"title": "标题"})
    assert 'class="masthead"' not in html and "正文" in html


# --------------------------------------------------------------------------- the built sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    result = render_sample.build_sample(out, look=False)
    return out, result


def test_pdf_uses_harfbuzz_subsetting_and_is_small(sample, tmp_path, caplog):
    out, result = sample
    assert render.pdf_subsetter() == "harfbuzz", "install libharfbuzz-subset0 (scripts/system-deps.sh)"
    caplog.set_level(logging.WARNING)
    pdf = render.write_pdf(out / "index.html", tmp_path / "again.pdf")
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()], "WeasyPrint fell back to fontTools subsetting"
    assert pdf.stat().st_size < 2_000_000
    assert pdf.read_bytes() == (out / "bulletin.pdf").read_bytes(), "PDF bytes differ between two writes"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_pdf_contains_the_chinese_text(sample):
    out, _ = sample
    text = render.pdf_text(out / "bulletin.pdf")
    compact = "".join(text.split())
    for phrase in ("保山市生态环境质量月报", "主要结论", "水质状况", "高锰酸盐指数", "发布单位：保山市生态环境局", "第1页"):
        assert phrase in compact, phrase


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts) is not installed")
def test_pdf_fonts_are_embedded_subsets(sample):
    out, _ = sample
    listing = subprocess.run(["pdffonts", str(out / "bulletin.pdf")], capture_output=True, text=True, check=True).stdout
    rows = [line for line in listing.splitlines()[2:] if line.strip()]
    assert any("CJK" in row for row in rows)
    for row in rows:
        name = row.split()[0]
        assert "+" in name, f"font not subset: {row}"
        assert " yes yes " in row, f"font not embedded as a subset: {row}"


def test_csv_starts_with_bom(sample, tmp_path):
    out, _ = sample
    data = (out / "data.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0].startswith("river,section")
    frame = pl.DataFrame({"断面": ["红旗桥", "大沙坝"], "总磷": [0.04, None]})
    path = render.write_csv_bom(frame, tmp_path / "x.csv")
    assert path.read_text(encoding="utf-8-sig") == "断面,总磷\n红旗桥,0.04\n大沙坝,\n"


def test_xlsx_bytes_are_identical_and_readable(tmp_path):
    frames = {
        "水质": pl.DataFrame({"断面": ["红旗桥", "大沙坝"], "日期": [dt.date(2026, 5, 6), dt.date(2026, 5, 7)], "总磷": [0.04, None]}),
        "空气": pl.DataFrame({"地区": ["隆阳区"], "AQI": [42]}),
    }
    a = render.write_xlsx(frames, tmp_path / "a.xlsx", title="样例")
    b = render.write_xlsx(frames, tmp_path / "b.xlsx", title="样例")
    assert a.read_bytes() == b.read_bytes()
    # no clock inside the file: every zip member carries the zip format's fixed first date, and the
    # created and modified properties are the fixed epoch
    with zipfile.ZipFile(a) as z:
        stamps = {info.date_time for info in z.infolist()}
        core = z.read("docProps/core.xml").decode("utf-8")
    assert stamps == {(1980, 1, 1, 0, 0, 0)}
    epoch = render.XLSX_EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f">{epoch}</dcterms:created>" in core and f">{epoch}</dcterms:modified>" in core
    book = openpyxl.load_workbook(a)
    assert book.sheetnames == ["水质", "空气"]
    assert [c.value for c in book["水质"][3]][:1] == ["大沙坝"]
    assert book.properties.created == render.XLSX_EPOCH


def test_json_is_canonical(tmp_path):
    obj = {"b": 1.0, "a": [dt.date(2026, 5, 1), float("nan"), 0.1 + 0.2], "中文": "保山"}
    text = render.dumps_json(obj)
    assert text.index('"a"') < text.index('"b"')
    assert "保山" in text and "null" in text and "0.30000000000000004" in text and "2026-05-01" in text
    assert json.loads(text)["b"] == 1.0
    assert render.write_json(obj, tmp_path / "x.json").read_text(encoding="utf-8") == text


def test_the_sample_rebuilds_identically(sample, tmp_path):
    out, _ = sample
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts)
    assert {"index.html", "bulletin.pdf", "data.csv", "data.xlsx", "bulletin.json", "charts/aqi_calendar.png"} <= set(files)
    again = tmp_path / "again"
    render_sample.build_sample(again, look=False)
    for rel in files:
        assert render.sha256_file(again / rel) == render.sha256_file(out / rel), rel


# --------------------------------------------------------------------------- looking at it


def test_chromium_screenshot_of_the_sample_page_is_not_blank(sample, tmp_path):
    out, _ = sample
    png = screenshot(out / "index.html", tmp_path / "page.png", width=1000, height=1400)
    assert png.stat().st_size > 20_000
    assert ink_fraction(png) > 0.05, "the page looks blank"
    assert colour_fraction(png, "#B5121B") > 0.0005, "the red masthead is missing"
    assert colour_fraction(png, "#00CCFF") > 0.001, "the class Ⅱ bars of figure 1 are missing"


def test_missing_chart_fails_the_pdf(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<html><body><p>正文</p><img src="charts/none.png"></body></html>', encoding="utf-8")
    with pytest.raises(render.RenderError, match="pdf_resource_missing"):
        render.write_pdf(page, tmp_path / "x.pdf")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_pdf_pages_as_png(sample, tmp_path):
    out, _ = sample
    pages = render.pdf_to_png(out / "bulletin.pdf", tmp_path / "p", dpi=40)
    assert len(pages) >= 2
    assert all(ink_fraction(p) > 0.01 for p in pages)


def test_unchanged_bulletin_is_not_rendered_again(tmp_path):
    """A rebuild with nothing changed keeps the files (same bytes, same mtimes); a changed or
    deleted file, or --force, renders again."""
    from publisher.bulletins.build import build
    from publisher.ingest.pipeline import ingest
    from tests.ingest_helpers import make_ws

    ws = make_ws(tmp_path)
    (ws.inbox / "w.csv").write_text("断面名称,采样时间,pH值,溶解氧(mg/L),氨氮(mg/L),总磷(mg/L)\n"
                                    "北庙水库,2026-05-08 10:00,7.6,7.9,0.12,0.02\n", encoding="utf-8")
    ingest(None, ws)
    first = build("water-sources", "2026-05", ws)
    stamps = {p: p.stat().st_mtime_ns for p in first.path.rglob("*") if p.is_file()}
    again = build("water-sources", "2026-05", ws)
    assert (again.revision, again.changed, again.content_sha256) == (first.revision, False, first.content_sha256)
    assert {p: p.stat().st_mtime_ns for p in again.path.rglob("*") if p.is_file()} == stamps
    (first.path / "data.csv").write_bytes(b"tampered")
    repaired = build("water-sources", "2026-05", ws)
    assert repaired.content_sha256 == first.content_sha256 and (first.path / "data.csv").read_bytes() != b"tampered"
    stamps = {p: p.stat().st_mtime_ns for p in first.path.rglob("*") if p.is_file()}
    forced = build("water-sources", "2026-05", ws, force=True)
    assert forced.content_sha256 == first.content_sha256 and not forced.changed
    assert {p: p.stat().st_mtime_ns for p in forced.path.rglob("*") if p.is_file()} != stamps


def test_unchanged_sources_are_not_assembled_again(tmp_path, caplog):
    """With the same registry, store ledger, dust flags, templates and program, a rebuild keeps the
    bulletin without assembling it; any new ingest makes it assemble again, and a change of the
    month's data gives a new revision."""
    from publisher.bulletins.build import build
    from publisher.ingest.pipeline import ingest
    from tests.ingest_helpers import make_ws

    def kept_by() -> list[str]:
        return [r.getMessage().rsplit("by=", 1)[1] for r in caplog.records
                if r.getMessage().startswith("bulletin.unchanged")]

    header = "断面名称,采样时间,pH值,溶解氧(mg/L),氨氮(mg/L),总磷(mg/L)\n"
    ws = make_ws(tmp_path)
    (ws.inbox / "may.csv").write_text(header + "北庙水库,2026-05-08 10:00,7.6,7.9,0.12,0.02\n", encoding="utf-8")
    ingest(None, ws)
    caplog.set_level(logging.INFO, logger="publisher.bulletins.build")
    first = build("water-sources", "2026-05", ws)
    again = build("water-sources", "2026-05", ws)
    assert kept_by() == ["sources"] and again.content_sha256 == first.content_sha256
    caplog.clear()
    (ws.inbox / "july.csv").write_text(header + "北庙水库,2026-07-09 10:00,7.5,8.1,0.10,0.02\n", encoding="utf-8")
    ingest(None, ws)
    after_other_month = build("water-sources", "2026-05", ws)
    assert kept_by() == ["figures"]  # assembled again: the store changed; its figures had not
    assert after_other_month.revision == first.revision
    caplog.clear()
    (ws.inbox / "may-fix.csv").write_text(header + "北庙水库,2026-05-08 10:00,7.6,7.9,1.62,0.02\n", encoding="utf-8")
    ingest(None, ws)
    corrected = build("water-sources", "2026-05", ws)
    assert kept_by() == [] and corrected.changed and corrected.revision == first.revision + 1
    assert "氨氮（" in (corrected.path / "data.csv").read_text(encoding="utf-8-sig")  # 1.62 mg/L exceeds Ⅲ
    caplog.clear()
    (corrected.path / "data.csv").write_bytes(b"tampered")  # the note alone never keeps a damaged folder
    repaired = build("water-sources", "2026-05", ws)
    assert kept_by() == [] and repaired.content_sha256 == corrected.content_sha256
