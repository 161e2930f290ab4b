"""Typed bulletin contexts and structured notes: a context is a tree of records the template reads by
attribute and whose JSON form is bulletin.json's figures; a validity shortfall stays data (month, indicator,
days, need) from ``period_stats`` to the page, which words it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import polars as pl
import pytest

from publisher.bulletins.air import common as ac
from publisher.bulletins.air.daily import Advice, DailyArea, DailyContext, Indicator
from publisher.bulletins.air.monthly.context import AreaMonth, ComparisonRow, CountyRow, MonthlyContext
from publisher.bulletins.base import Bulletin, Note, Record, jsonable
from publisher.bulletins.water.sections.context import SectionRow, SectionsContext
from publisher.bulletins.water.sources.context import SourceRow, SourcesContext
from publisher.evaluate import air
from publisher.periods import Period
from publisher.render.pages import render_html
from tests.test_air_evaluate import day_hours, frame


def _june(pm10_days: int) -> pl.DataFrame:
    """An area's June 2025: every indicator on 30 days, PM₁₀ only on the first `pm10_days`."""
    rows = []
    for k in range(30):
        day = dt.date(2025, 6, 1) + dt.timedelta(days=k)
        rows += day_hours("A", day, per_hour=None if k < pm10_days else {"pm10": [None] * 24})
    daily = air.daily_values(frame(rows))
    return air.area_daily(daily, pl.DataFrame({"station_id": ["A"], "area": ["甲市"]}))


def test_period_stats_gives_the_validity_shortfalls_as_data_beside_the_notes():
    area = _june(23)
    plain = air.period_stats(area, "month")
    assert "shortfalls" not in plain.columns             # the default output (the CLI's CSV) is unchanged
    row = air.period_stats(area, "month", shortfalls=True).row(0, named=True)
    assert row["shortfalls"] == [{"month": "2025-06", "code": "pm10", "days": 23, "need": 27}]
    assert row["notes"].startswith("2025-06 PM10有效日数23，少于27")
    # the page's words come from the data, never from reading the note back
    note = ac.shortfall_note(row["shortfalls"][0])
    assert (note.kind, note.text) == ("validity", "6月PM₁₀有效日均值23个，少于27个")
    assert note.data["days"] == 23 and note.data["need"] == 27
    # a year: the shortfall has no month, and says 全年
    year = air.period_stats(area, "year", shortfalls=True).row(0, named=True)
    whole = [s for s in year["shortfalls"] if s["month"] is None]
    assert whole and all(ac.shortfall_note(s).text.startswith("全年") for s in whole)
    pm10 = next(s for s in whole if s["code"] == "pm10")
    assert f"全年PM10有效日数{pm10['days']}，少于{pm10['need']}" in year["notes"]
    assert ac.shortfall_note(pm10).text == f"全年PM₁₀有效日均值{pm10['days']}个，少于{pm10['need']}个"
    # the list holds what the notes say, in the same order
    assert len(year["shortfalls"]) == year["notes"].count("有效日数")


def test_a_complete_month_has_no_shortfalls():
    row = air.period_stats(_june(30), "month", shortfalls=True).row(0, named=True)
    assert row["shortfalls"] == [] and row["notes"] is None


def test_a_note_is_data_until_printed_and_text_in_json():
    note = Note("validity", "6月PM₁₀有效日均值23个，少于27个", {"code": "pm10", "days": 23})
    assert jsonable([note]) == ["6月PM₁₀有效日均值23个，少于27个"] and str(note) == note.text
    html = render_html('{% autoescape true %}{{ xs | map(attribute="text") | join("；") }}{% endautoescape %}',
                       {"xs": [note, Note("validity", "全年CO有效日均值300个，少于324个")]})
    assert html == "6月PM₁₀有效日均值23个，少于27个；全年CO有效日均值300个，少于324个"


@pytest.mark.parametrize("record", [MonthlyContext, AreaMonth, ComparisonRow, CountyRow, DailyContext, DailyArea,
                                    Indicator, Advice, ac.AirStation, SourcesContext, SourceRow, SectionsContext,
                                    SectionRow], ids=lambda r: r.__name__)
def test_context_records_are_frozen_dataclasses(record):
    assert issubclass(record, Record) and dataclasses.is_dataclass(record)
    assert record.__dataclass_params__.frozen


def test_a_record_is_its_fields_in_json_and_refuses_an_unknown_key():
    advice = Advice(level="二级", category="良", color="#ffff00", ink="#1a1a1a", areas="甲市", health_effect="…",
                    advice="…")
    assert jsonable(advice) == {"level": "二级", "category": "良", "color": "#ffff00", "ink": "#1a1a1a",
                                "areas": "甲市", "health_effect": "…", "advice": "…"}
    with pytest.raises(TypeError):
        Advice.of({**jsonable(advice), "extra": 1})
    with pytest.raises(TypeError):
        Advice.of({k: v for k, v in jsonable(advice).items() if k != "advice"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        advice.level = "三级"  # type: ignore[misc]


def test_a_bulletin_keeps_the_typed_page_and_writes_its_json_form():
    advice = Advice(level="二级", category="良", color="#ffff00", ink="#1a1a1a", areas="甲市",
                    health_effect="敏感人群", advice="减少户外活动")
    b = Bulletin(kind="air-daily", period=Period.parse("2026-06-10"), title="t", template="air_daily.html",
                 context=advice)
    assert b.page is advice and b.context == jsonable(advice)
    json.dumps(b.context, ensure_ascii=False)                 # bulletin.json's figures stay plain JSON
    assert render_html("{% if b %}{{ b.areas }}：{{ b['advice'] }}{% endif %}", {"b": b.page}) == "甲市：减少户外活动"
    plain = Bulletin(kind="x", period=Period.parse("2026-06"), title="t", template="t", context={"a": 1})
    assert plain.page == plain.context == {"a": 1}
