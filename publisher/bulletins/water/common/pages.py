"""The page around the figures: masthead, periods and dates as printed, class colours, the sample banner,
the class-shares chart and the JSON form of a context."""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import polars as pl

from publisher.bulletins.catalogue import Kind
from publisher.bulletins.base import jsonable as base_jsonable
from publisher.periods import Period
from publisher.registry import Station
from publisher import vocabulary
from publisher.render.charts.spec import ChartSpec
from publisher.render.style import WATER_CLASS_COLOURS, text_colour


# --------------------------------------------------------------------------------------------- periods
def page_head(region: str, period: Period, entry: Kind) -> dict[str, Any]:
    """The masthead fields every water bulletin prints: title, period, issuer and the issue date of the
    catalogue's rule (a date derived from the period, never the clock)."""
    title_zh = entry.title_zh
    issued = entry.issue_date(period)
    return {
        "title": f"{region}{period.label_zh}{title_zh}",
        "title_lines": [f"{region}{period.label_zh}", title_zh],
        "period_range_zh": period_range_zh(period),
        "region": region,
        "organisation": f"{region}生态环境局",
        "period": period.label,
        "period_zh": period.label_zh,
        "issued": issued,
        "issued_zh": f"{issued.year}年{issued.month}月{issued.day}日",
    }


def class_shares_chart(summary: dict[str, Any], title: str, noun: str) -> tuple[Any, dict[str, Any]]:
    """The class-shares chart spec and its page entry for the monitored stations of `summary`
    (`noun`: 断面, 水源 …); stations not monitored are said in the caption."""
    spec = ChartSpec("class_shares", "water_class_shares", {"counts": summary["class_counts"], "unit": "个"})
    missing = f"；{summary['n_missing']}个未监测的{noun}不计入" if summary["n_missing"] else ""
    entry = {"name": "class_shares", "title": title,
             "caption": f"{summary['n_monitored']}个监测{noun}按水质类别统计的个数和比例{missing}。"}
    return spec, entry


def class_charts(summary: dict[str, Any], frame: list[dict[str, Any]], period_zh: str, noun: str, shares_title: str,
                 target_caption: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """The two charts of this period's classes, specs and page entries: the class shares
    (:func:`class_shares_chart`) and each station's class against its target (`frame`: section, class,
    target); none when no station was monitored."""
    if not summary["n_monitored"]:
        return [], []
    spec, entry = class_shares_chart(summary, shares_title, noun)
    target = {"name": "vs_target", "title": f"{period_zh}各{noun}水质类别与水质目标", "caption": target_caption}
    return [spec, ChartSpec("vs_target", "water_sections_vs_target", {"frame": frame})], [entry, target]


def month_periods(first: dt.date, last: dt.date) -> list[Period]:
    """The months from the month of `first` to the month of `last`, in order."""
    months = []
    current = Period.month(first.year, first.month)
    while current.start <= last:
        months.append(current)
        current = current.shift(1)
    return months


def period_start(period: Period) -> dt.datetime:
    """The ``sampled_at`` that :func:`water.period_values` gives the period (its first instant)."""
    return dt.datetime.combine(period.start, dt.time())


def summary_head(period: Period, registered: int, monitored: int) -> dict[str, Any]:
    """The first keys of a water bulletin's summary: the period and how many stations are registered,
    monitored and missing."""
    return {"period": period.label, "period_zh": period.label_zh, "n_registered": registered,
            "n_monitored": monitored, "n_missing": registered - monitored}


def date_zh(day: dt.date | dt.datetime) -> str:
    """``2026年6月5日``: how every date is printed."""
    return f"{day.year}年{day.month}月{day.day}日"


def period_range_zh(period: Period) -> str:
    """``2026年7月1日—2026年9月30日``: the first and last day of the period, both written in full."""
    return f"{date_zh(period.start)}—{date_zh(period.end)}"


QUARTERS_ZH = ("一季度", "二季度", "三季度", "四季度")


def quarter_zh(period: Period) -> str:
    """``2026-Q3`` -> ``三季度`` (chart labels; the text uses ``period.label_zh``)."""
    return QUARTERS_ZH[(period.start.month - 1) // 3]


def tick_label(period: Period, first: bool = False) -> str:
    """The x label of `period` in a trend chart, in Chinese.

    Months keep their ``2026-05`` label (the chart prints ``5月`` with the year under the first month and
    each January); quarters are written here: ``三季度``, with ``2026年`` under the first one and each 一季度.
    """
    if period.unit != "quarter":
        return period.label
    text = quarter_zh(period)
    return f"{text}\n{period.start.year}年" if first or period.start.month == 1 else text


def sample_note(stations: Sequence[Station]) -> str | None:
    """A note for the reviewers naming what in the registry is sample (样例) rather than real, or None."""
    invented = [s.name for s in stations if s.sample]
    estimated = [s.name for s in stations if not s.sample and s.sample_fields]
    parts = []
    if invented:
        parts.append(f"{'、'.join(invented)}为样例站点（名称和位置为样例设定）")
    if estimated:
        zh = {"kind": "水源级别", "waterbody_type": "水源类型", "volume": "取水量", "lon": "经度", "lat": "纬度"}
        present = {f for s in stations if not s.sample for f in s.sample_fields}
        fields = [f for f in zh if f in present] + sorted(present - set(zh))
        words = "、".join(zh.get(f, f) for f in fields)
        parts.append(f"{'、'.join(estimated)}的{words}为样例设定值")
    if not parts:
        return None
    return "；".join(parts) + "。"


def sample_banner(stations: Sequence[Station], inputs: list[dict[str, Any]]) -> str | None:
    """The warning printed at the top when the data or stations are sample (样例), else None (the details — which
    stations and which registry fields — are a note for the reviewers, :func:`sample_note`)."""
    files = [i for i in inputs if str(i.get("file", "")).startswith(vocabulary.SAMPLE_PREFIX)]
    invented = any(s.sample or s.sample_fields for s in stations)
    registry = "；部分站点的名称、位置或取水量等名录信息为样例设定" if invented else ""
    if files:
        return f"注意：本期使用的监测数据为样例数据（非实测）{registry}，仅用于演示，不代表实际水质。"
    if invented:
        return "注意：部分站点的名称、位置或取水量等名录信息为样例设定，其结果仅用于演示。"
    return None


def class_colours() -> dict[str, str]:
    """Display colours of the classes, as the charts draw them (one source for page and charts)."""
    return dict(WATER_CLASS_COLOURS)


def class_ink() -> dict[str, str]:
    """A readable text colour on each class colour (as the charts choose it)."""
    return {label: text_colour(colour) for label, colour in class_colours().items()}


# --------------------------------------------------------------------------------------------- json
def jsonable(value: Any) -> Any:
    """As `base.jsonable`, with a space between the date and time of a datetime."""
    return base_jsonable(value, sep=" ")


def frame_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(row) for row in frame.to_dicts()]
