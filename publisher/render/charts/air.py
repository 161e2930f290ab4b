"""The air charts: the AQI calendar, good-day ratio, pollutant concentrations, level days, the AQI strip
and the composite-index ranking."""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from publisher.evaluate.air import ranking
from publisher.render.filters import fmt_num
from publisher.render.style import (ACCENT, ACCENT_LIGHT, GRID, INK, LIMIT, MISSING, MUTED, POLLUTANTS, WEEKDAYS_ZH, text_colour)
from publisher.render.charts.style import (WIDTH, _cells, _chart, _figure, _frame, _grid, _inside, _legend_handles, _level_by_number, _levels, _require, aqi_level)


@_chart
def aqi_calendar(
    frame: Any,
    *,
    year: int,
    month: int,
    levels: Sequence[Mapping[str, Any]],
    legend: bool = True,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """A month as a calendar (weeks from Monday), each day coloured by its AQI level with its AQI.

    `frame`: columns ``date`` (date) and ``aqi`` (int, null = no valid AQI: grey); an optional
    ``level`` column (1–6) is used as given instead of looking the AQI up in `levels`.
    `levels`: the HJ 633 level rows (``level``, ``category_zh``, ``hex``, ``aqi_from``, ``aqi_to``).
    ``legend=False`` leaves the level legend to the page (``_macros.html`` legend).
    """
    df = _frame(frame)
    _require(df, "date", "aqi", chart="aqi_calendar")
    by_number = _level_by_number(levels)
    days: dict[int, dict[str, Any]] = {}
    for row in df.to_dicts():
        d = row["date"]
        if isinstance(d, str):
            d = dt.date.fromisoformat(d)
        if d.year == year and d.month == month:
            days[d.day] = row
    first_weekday, n_days = calendar.monthrange(year, month)
    n_weeks = (first_weekday + n_days + 6) // 7
    fig = _figure((6.4, 0.85 + 0.82 * n_weeks + (0.75 if legend else 0.0)), title=title, source=source)
    ax = fig.add_subplot()
    cells = []
    for day in range(1, n_days + 1):
        slot = first_weekday + day - 1
        col, row = slot % 7, slot // 7
        record = days.get(day)
        aqi = record.get("aqi") if record else None
        level = None
        if record and record.get("level") is not None:
            level = by_number.get(int(record["level"]))
        elif aqi is not None:
            level = aqi_level(aqi, levels)
        face = level["hex"] if level else MISSING
        cells.append((col + 0.04, row + 0.04, 0.92, 0.92, face))
        ink = text_colour(face)
        _inside(
            ax.text(col + 0.1, row + 0.12, str(day), ha="left", va="top", fontsize=7.5, color=ink),
            ax.text(col + 0.5, row + 0.58, "—" if aqi is None else str(int(aqi)), ha="center", va="center", fontsize=12,
                    color=ink),
        )
    _cells(ax, cells)
    items = [(_level_range_label(r), r["hex"]) for r in by_number.values()] + [("无有效数据", MISSING)]
    # the legend sits in a band the axes keep free below the last week: never over a day or the source line
    below = 0.8 if legend else 0.0
    if legend:
        ax.legend(handles=_legend_handles(items), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=4,
                  fontsize=8, borderaxespad=0.1, handlelength=1.6, columnspacing=1.2)
    ax.set_xlim(0, 7)
    ax.set_ylim(n_weeks + below, 0)
    ax.set_aspect("equal")
    ax.set_xticks([c + 0.5 for c in range(7)], [f"周{w}" for w in WEEKDAYS_ZH])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_yticks([])
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def _level_range_label(row: Mapping[str, Any]) -> str:
    lo, hi = row.get("aqi_from"), row.get("aqi_to")
    span = f"{lo}–{hi}" if hi is not None else f">{int(lo) - 1}" if lo is not None else ""
    return f"{row.get('category_zh', row['level'])}（{span}）" if span else str(row.get("category_zh", row["level"]))


@_chart
def good_day_ratio(
    frame: Any,
    *,
    labels: tuple[str, str] = ("本月", "今年累计"),
    target: float | None = None,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Good-day ratio [%] per area: this month and year to date, side by side.

    `frame`: columns ``area``, ``month`` and ``ytd`` (percentages 0–100; null = no data). `target`
    draws the year's target ratio as a dashed line.
    """
    df = _frame(frame)
    _require(df, "area", "month", "ytd", chart="good_day_ratio")
    areas = df["area"].to_list()
    fig = _figure(title=title, source=source)
    ax = fig.add_subplot()
    width = 0.38
    for offset, column, colour, label in ((-width / 2, "month", ACCENT, labels[0]), (width / 2, "ytd", ACCENT_LIGHT, labels[1])):
        values = df[column].to_list()
        xs = [i + offset for i in range(len(areas))]
        ax.bar(xs, [v or 0 for v in values], width=width * 0.94, color=colour, label=label)
        for x, v in zip(xs, values):
            ax.text(x, (v or 0) + 1.2, fmt_num(v, 1) if v is not None else "—", ha="center", va="bottom", fontsize=7.5, color=INK)
    if target is not None:
        ax.axhline(target, color=LIMIT, linewidth=1.0, linestyle=(0, (5, 3)), label=f"目标（{fmt_num(target, 1)}%）")
    ax.set_xticks(range(len(areas)), areas)
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("优良天数比例（%）")
    _grid(ax)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3)
    return fig


@_chart
def pollutant_concentrations(
    frame: Any,
    *,
    labels: tuple[str, str] = ("本期", "上年同期"),
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """The six pollutants against their limits: one small panel each, bar(s) and a dashed limit line.

    `frame`: columns ``pollutant`` (code: so2, no2, pm10, pm2_5, co, o3 / o3_8h), ``value`` and
    ``limit``; optional ``previous`` (same period last year, drawn as a light bar), ``label`` (e.g.
    ``O₃-8h第90百分位``) and ``unit``. Each panel has its own scale, since units differ (CO in mg/m³).
    """
    df = _frame(frame)
    _require(df, "pollutant", "value", "limit", chart="pollutant_concentrations")
    rows = df.to_dicts()
    has_prev = "previous" in df.columns
    fig = _figure((WIDTH, 3.4), title=title, source=source)
    axes = fig.subplots(1, len(rows), squeeze=False)[0]
    for ax, row in zip(axes, rows):
        ax.tick_params(axis="y", labelsize=7)  # before the axis has its ticks: nothing to redo
        _grid(ax)
        code = row["pollutant"]
        name, unit = POLLUTANTS.get(code, (code, ""))
        name = row.get("label") or name
        unit = row.get("unit") or unit
        value, limit = row["value"], row["limit"]
        decimals = 1 if code == "co" else 0
        bars = [(0.0, value, ACCENT)]
        if has_prev:
            bars = [(-0.22, row.get("previous"), "#bfbfbf"), (0.22, value, ACCENT)]
        for x, v, colour in bars:
            if v is None:
                continue
            ax.bar(x, v, width=0.4 if has_prev else 0.56, color=colour)
            # under the top of the axes, which is a quarter above the highest bar or limit
            _inside(ax.text(x, v, fmt_num(v, decimals), ha="center", va="bottom", fontsize=7.5, color=INK))
        top = max([v for _, v, _ in bars if v is not None] + [limit or 0])
        if limit is not None:
            ax.axhline(limit, color=LIMIT, linewidth=1.0, linestyle=(0, (4, 2.5)))
            _inside(ax.annotate(
                f"限值 {fmt_num(limit, None)}",
                xy=(0.5, limit),
                xycoords=("axes fraction", "data"),
                xytext=(0, 2.5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color=LIMIT,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            ))
        ax.set_ylim(0, top * 1.25 if top else 1)
        ax.set_xlim(-0.6, 0.6)
        ax.set_xticks([])
        ax.set_title(name, fontsize=9.5, color=INK, pad=4, y=1.0)
        ax.set_xlabel(unit, fontsize=7.5, color=MUTED)
    if has_prev:
        handles = _legend_handles([(labels[1], "#bfbfbf"), (labels[0], ACCENT)])
        handles.append(mpl.lines.Line2D([], [], color=LIMIT, linestyle=(0, (4, 2.5)), linewidth=1.0, label="标准限值"))
        fig.get_layout_engine().top_band.append(fig.legend(handles=handles, loc="upper right", ncols=3, fontsize=8))
    return fig


@_chart
def level_days_stacked(
    frame: Any,
    *,
    levels: Sequence[Mapping[str, Any]],
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Days of each AQI level per area, as stacked horizontal bars (grey = days without a valid AQI).

    `frame`: columns ``area``, ``level`` (1–6, or null/0 for days without a valid AQI) and ``days``.
    Areas are drawn top to bottom in order of first appearance.
    """
    df = _frame(frame)
    _require(df, "area", "level", "days", chart="level_days_stacked")
    by_number = _level_by_number(levels)
    areas = list(dict.fromkeys(df["area"].to_list()))
    table: dict[tuple[str, int], int] = {}
    for r in df.to_dicts():
        key = (r["area"], int(r["level"] or 0))
        table[key] = table.get(key, 0) + int(r["days"] or 0)
    order = list(by_number) + [0]
    n = len(areas)
    fig = _figure((WIDTH, max(2.6, 0.36 * n + 1.6)), title=title, source=source)
    ax = fig.add_subplot()
    longest = 0
    segments: list[tuple[float, int, int, str]] = []  # (y, left, days, colour)
    for i, area in enumerate(areas):
        y = n - 1 - i
        left = 0
        for level in order:
            days = table.get((area, level), 0)
            if not days:
                continue
            face = by_number[level]["hex"] if level in by_number else MISSING
            segments.append((y, left, days, face))
            if days >= 2:
                _inside(ax.text(left + days / 2, y, str(days), ha="center", va="center", fontsize=7.5,
                                color=text_colour(face)))
            left += days
        longest = max(longest, left)
    if segments:
        ax.barh([g[0] for g in segments], [g[2] for g in segments], left=[g[1] for g in segments], height=0.62,
                color=[g[3] for g in segments], edgecolor="white", linewidth=0.6)
    ax.set_yticks(range(n), list(reversed(areas)))
    ax.set_xlim(0, max(longest, 1) * 1.02)
    ax.set_xlabel("天数")
    ax.spines["left"].set_visible(False)
    _grid(ax, "x")
    items = [(r.get("category_zh", str(k)), r["hex"]) for k, r in by_number.items()]
    if any(level == 0 for _, level in table):
        items.append(("无有效数据", MISSING))
    ax.legend(handles=_legend_handles(items), loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(items), fontsize=8)
    return fig


@_chart
def aqi_strip(
    frame: Any,
    *,
    levels: Sequence[Mapping[str, Any]],
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """The last (about) 30 days' AQI as bars coloured by level, for the daily report.

    `frame`: columns ``date`` and ``aqi`` (null = no valid AQI, drawn as a grey stub); the last
    day is labelled with its value and category.
    """
    df = _frame(frame)
    _require(df, "date", "aqi", chart="aqi_strip")
    rows = df.sort("date").to_dicts()
    fig = _figure((WIDTH, 3.2), title=title, source=source)
    ax = fig.add_subplot()
    top = 0
    missing: list[int] = []
    bars: list[tuple[int, float, str]] = []  # (x, aqi, colour)
    for i, r in enumerate(rows):
        aqi = r["aqi"]
        level = aqi_level(aqi, levels)
        if aqi is None:
            missing.append(i)
            continue
        bars.append((i, aqi, level["hex"] if level else MISSING))
        top = max(top, aqi)
    if missing:  # a grey stub for a day without a valid AQI
        ax.bar(missing, [4] * len(missing), width=0.78, color=MISSING)
    if bars:
        ax.bar([b[0] for b in bars], [b[1] for b in bars], width=0.78, color=[b[2] for b in bars], edgecolor="#7f7f7f",
               linewidth=0.3)
    for row in _levels(levels):
        upper = row.get("aqi_to")
        if upper is not None and upper < max(top, 100) * 1.2:
            ax.axhline(upper, color=GRID, linewidth=0.6, linestyle=(0, (3, 2)), zorder=0)
    dates = [r["date"] if isinstance(r["date"], dt.date) else dt.date.fromisoformat(str(r["date"])) for r in rows]
    if rows:
        last = rows[-1]
        if last["aqi"] is not None:
            # the reported day, labelled above its own bar and its neighbours (never over a taller bar)
            level = aqi_level(last["aqi"], levels)
            near = max(r["aqi"] or 0 for r in rows[-4:])
            ax.annotate(
                f"{dates[-1].month}月{dates[-1].day}日 {int(last['aqi'])} {level.get('category_zh', '') if level else ''}",
                xy=(len(rows) - 1, last["aqi"]),
                xytext=(len(rows) - 0.6, near + max(top, 100) * 0.06),
                textcoords="data",
                ha="right",
                va="bottom",
                fontsize=8,
                color=INK,
                arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 1},
            )
    shown = sorted({int(lv["level"]) for r in rows if r["aqi"] is not None and (lv := aqi_level(r["aqi"], levels))})
    by_number = _level_by_number(levels)
    items = [(by_number[k].get("category_zh", str(k)), by_number[k]["hex"]) for k in shown if k in by_number]
    if any(r["aqi"] is None for r in rows):
        items.append(("无有效数据", MISSING))
    if items:
        ax.legend(handles=_legend_handles(items), loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(items),
                  fontsize=8)
    ticks = [i for i, d in enumerate(dates) if d.day == 1 or i % 5 == 0 or i == len(dates) - 1]
    ax.set_xticks(ticks, [f"{dates[i].month}/{dates[i].day}" for i in ticks])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(0, max(top, 100) * 1.18)
    ax.set_ylabel("AQI")
    _grid(ax)
    return fig


@_chart
def composite_index_ranking(
    frame: Any,
    *,
    highlight: str | None = None,
    decimals: int = 2,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Areas ranked by the composite air-quality index (smallest = best, at the top).

    `frame`: columns ``area`` and ``index``, optional ``rank`` (printed as given, e.g. ``2（并列）``).
    Without ``rank``, areas whose index is equal at the printed `decimals` share the smaller rank,
    written ``n（并列）``, and the next rank skips (1, 2（并列）, 2（并列）, 4), as the ranking rules
    say; bars of equal index keep their input order. `highlight` names an area drawn in the accent
    colour.
    """
    df = _frame(frame)
    _require(df, "area", "index", chart="composite_index_ranking")
    rows = [r for r in df.to_dicts() if r["index"] is not None]
    rows.sort(key=lambda r: r["index"])
    n = len(rows)
    fig = _figure((WIDTH, max(2.6, 0.32 * n + 1.3)), title=title, source=source)
    ax = fig.add_subplot()
    top = max([r["index"] for r in rows] + [1])
    if rows:
        ax.barh([n - 1 - i for i in range(n)], [r["index"] for r in rows], height=0.62,
                color=[ACCENT if highlight is None or r["area"] == highlight else ACCENT_LIGHT for r in rows])
    for i, r in enumerate(rows):
        _inside(ax.text(r["index"] + top * 0.01, n - 1 - i, fmt_num(r["index"], decimals), va="center", ha="left",
                        fontsize=8, color=INK))
    shared = _shared_ranks([r["index"] for r in rows], decimals)
    ranks = [r["rank"] if r.get("rank") is not None else shared[i] for i, r in enumerate(rows)]
    ax.set_yticks(range(n), [f"{rank}  {r['area']}" for rank, r in reversed(list(zip(ranks, rows)))])
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel("环境空气质量综合指数")
    ax.spines["left"].set_visible(False)
    _grid(ax, "x")
    return fig


def _shared_ranks(values: Sequence[float], decimals: int) -> list[str]:
    """Competition ranks of ascending `values` compared at `decimals`: ties share the smaller rank
    and are marked （并列）; the rank after a tie of k skips k - 1."""
    return ranking.shared_ranks(values, decimals, "并列")
