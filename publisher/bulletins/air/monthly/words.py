"""The month's small wordings: statistic labels, dates and spans, changes and level counts as printed."""
from __future__ import annotations

import datetime as dt
from typing import Any

from publisher.bulletins.air import common as ac
from publisher.periods import Period


#: The statistic of each period figure as the tables print it.
STAT_LABEL_ZH = {
    "so2": "二氧化硫（SO₂）月均浓度", "no2": "二氧化氮（NO₂）月均浓度",
    "pm10": "可吸入颗粒物（PM₁₀）月均浓度", "pm2_5": "细颗粒物（PM₂.₅）月均浓度",
    "co_p95": "一氧化碳（CO）24小时平均第95百分位数", "o3_8h_p90": "臭氧（O₃）日最大8小时平均第90百分位数",
}
#: The daily indicator each period statistic is computed from (its validity counts).
STAT_INDICATOR = {"so2": "so2", "no2": "no2", "pm10": "pm10", "pm2_5": "pm2_5", "co_p95": "co", "o3_8h_p90": "o3_8h"}
#: Chart labels of the statistics (short).
STAT_SHORT_ZH = {"so2": "月均值", "no2": "月均值", "pm10": "月均值", "pm2_5": "月均值",
                 "co_p95": "第95百分位数", "o3_8h_p90": "第90百分位数"}

def ytd_label(period: Period) -> str:
    return f"{period.start.year}-01~{period.start.month:02d}"


def _md(day: dt.date | str | None) -> str:
    if day is None:
        return "—"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.month}月{day.day}日"


def _span(first: dt.date | None, last: dt.date | None) -> str:
    """``2月26日—6月30日`` (one day: ``6月5日``)."""
    if first is None or last is None:
        return "—"
    return _md(first) if first == last else f"{_md(first)}—{_md(last)}"


def _change_text(value: float | None, unit: str = "%") -> str:
    if value is None:
        return "—"
    if value > 0:
        return f"上升{abs(value):.1f}{unit}"
    if value < 0:
        return f"下降{abs(value):.1f}{unit}"
    return "持平"


def _levels_text(row: dict[str, Any], day: dt.date) -> str:
    parts = []
    for item in ac.levels_table(day):
        n = row.get(f"days_level{item['level']}") or 0
        if n:
            parts.append(f"{item['category_zh']}{n}天")
    return "、".join(parts) if parts else "无有效监测日"
