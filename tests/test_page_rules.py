"""Standard facts the pages' fixed text states come from the standards tables (``Bulletin.rules``)."""
from __future__ import annotations

import datetime as dt
import re

from publisher import standards
from publisher.bulletins.air.monthly import _page_rules
from publisher.bulletins.water import common as wc
from publisher.paths import TEMPLATES_DIR
from publisher.periods import Period


def test_the_trophic_note_is_the_tables_classes():
    day = dt.date(2026, 10, 31)
    note = wc.page_rules(day)["trophic_classes_zh"]
    assert note == "<30贫营养，30～50中营养，>50富营养（50～60轻度、60～70中度、>70重度）"
    classes = standards.in_force("water_eval", day)["trophic_state"]["classes"]
    bounds = {str(c.get("below", c.get("max"))) for c in classes if "below" in c or "max" in c}
    assert set(re.findall(r"\d+", note)) == bounds
    for name in ("water_sections.html", "water_sources.html"):
        text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        assert "{{ rules.trophic_classes_zh }}" in text and "&lt;30贫营养" not in text


def test_the_air_page_reads_the_primary_pollutant_threshold_and_the_tables_start():
    rules = _page_rules(Period.parse("2026-05"))
    table = standards.in_force("hj633", dt.date(2026, 5, 31))
    assert rules == {"primary_aqi_above": table["primary_pollutant"]["aqi_above"], "hj633_from_zh": "2026年3月1日"}
    assert _page_rules(Period.parse("2025-05"))["hj633_from_zh"] == "2016年1月1日"   # HJ 633-2012 in force then
    text = (TEMPLATES_DIR / "air_monthly.html").read_text(encoding="utf-8")
    assert "AQI≤{{ rules.primary_aqi_above }}" in text and "AQI≤50" not in text and "2026年3月1日" not in text


def test_a_title_breaks_before_its_trailing_bracket_not_inside_it():
    from publisher.render.filters import FILTERS

    keep = FILTERS["keep_bracket"]
    assert str(keep("保山市2025年环境状况公报（环境质量部分）")) == \
        '保山市2025年环境状况公报<span class="keep-together">（环境质量部分）</span>'
    assert str(keep("主要河流（湖库）国控、省控断面水质状况")) == "主要河流（湖库）国控、省控断面水质状况"  # not trailing
    assert str(keep("<b>（x）")) == '&lt;b&gt;<span class="keep-together">（x）</span>'                     # escaped
