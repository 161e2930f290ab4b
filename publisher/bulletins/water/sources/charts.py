"""The sources' charts: class shares, intake volumes and the trends of the items closest to their limits."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.water import common as wc
from publisher.bulletins.base import Job
from publisher.evaluate import water
from publisher.periods import Period
from publisher.render.charts.spec import ChartSpec
from publisher.bulletins.water.sources.scope import Scope, TREND_ITEMS


# --------------------------------------------------------------------------------------------- charts
def _charts(job: Job, scope: Scope, period: Period, stations: list, meta: pl.DataFrame, samples: pl.DataFrame,
            evaluated: pl.DataFrame, values: pl.DataFrame, current: dict[str, Any],
            day: dt.date) -> tuple[list[dict[str, Any]], list[Any], list[str]]:
    """Chart specs and their captions: class shares, class against target, the year's matrix, item trends.

    The charts carry no title of their own: the page prints each one's number and title under it.
    """
    notes: list[str] = []
    rows = current["rows"]
    summary = current["summary"]
    frame = [{"section": r["name"], "class": r["water_class"], "target": r["target"]} for r in rows]
    specs, entries = wc.class_charts(summary, frame, period.label_zh, "水源", f"{period.label_zh}水源水质类别构成",
                                     "色条为实测水质类别，黑色竖线为水质目标；未监测的水源标为“无数据”。")

    # the year so far, period by period (months for the city, quarters for the counties)
    year_start = dt.date(period.start.year, 1, 1)
    ytd = evaluated.filter(pl.col("sampled_at").dt.date().is_between(year_start, period.end)) \
        if evaluated.height else evaluated
    if scope.unit == "month":
        columns = list(range(1, period.end.month + 1))
        labels = None
        key = lambda when: when.month  # noqa: E731
        word = "逐月"
    else:
        columns = list(range(1, (period.end.month - 1) // 3 + 2))
        labels = [wc.QUARTERS_ZH[q - 1] for q in columns]
        key = lambda when: (when.month - 1) // 3 + 1  # noqa: E731
        word = "逐季度"
    by_key = {(r["station_id"], key(r["sampled_at"])): r["water_class"] for r in ytd.to_dicts()}
    cells = [{"section": s.name, "month": c, "class": by_key.get((s.id, c))} for s in stations for c in columns]
    if cells:
        params: dict[str, Any] = {"frame": cells, "months": columns}
        if labels:
            params["column_labels"] = labels
        specs.append(ChartSpec("matrix", "water_class_matrix", params))
        entries.append({"name": "matrix", "title": f"{period.start.year}年各水源{word}水质类别",
                        "caption": f"每格为该水源{'当月' if scope.unit == 'month' else '当季度'}的水质类别"
                                   f"（{'月' if scope.unit == 'month' else '季度'}内多次监测取算术平均值评价），"
                                   "灰色“—”为无监测数据。"})

    # trends of the items that came closest to (or above) their limit, for surface and groundwater sources apart
    # (their standards differ: GB 3838 Ⅲ / Table 2 / Table 3 against GB/T 14848 Ⅲ), taken in turn
    history = [period.shift(-k) for k in range(scope.history - 1, -1, -1)]
    starts = {wc.period_start(p): wc.tick_label(p, first=i == 0) for i, p in enumerate(history)}
    hist = values.filter(pl.col("sampled_at").is_in(list(starts)))
    if hist.height:
        default = int(wc.eval_rules(day)["drinking_source"]["default_target_class"])
        classed = water.item_classes(hist.with_columns(pl.lit(default, pl.Int8).alias("target_class")))
        classed = classed.filter(pl.col("ref_limit").is_not_null() & pl.col("ref_limit").is_finite()
                                 & (pl.col("ref_limit") > 0)).with_columns(
            pl.when(pl.col("waterbody_type") == "groundwater").then(pl.lit("ground")).otherwise(pl.lit("surface"))
            .alias("_group"))
        reference = list(wc.eval_rules(day)["reference_items"]["items"])   # 参考指标: not class-deciding
        measured = classed.filter(~pl.col("below_dl") & ~pl.col("item").is_in(reference))
        ranked = (measured.with_columns((pl.col("value") / pl.col("ref_limit")).alias("_ratio"))
                  .group_by("_group", "item").agg(pl.col("_ratio").max())
                  .sort(["_ratio", "item"], descending=[True, False]))
        queues = {g: ranked.filter(pl.col("_group") == g)["item"].to_list() for g in ("surface", "ground")}
        queues = {g: q for g, q in queues.items() if q}
        chosen: list[tuple[str, str]] = []
        while len(chosen) < TREND_ITEMS and any(queues.values()):
            for group in list(queues):
                if queues[group] and len(chosen) < TREND_ITEMS:
                    chosen.append((group, queues[group].pop(0)))
        names = {s.id: s.name for s in stations}
        span = f"近{len(history)}{'个月' if scope.unit == 'month' else '个季度'}"
        both = len(queues) > 1
        for group, item in chosen:
            part = classed.filter((pl.col("item") == item) & (pl.col("_group") == group))
            limits = part["ref_limit"].unique().to_list()
            limit = limits[0] if len(limits) == 1 else None
            frame = wc.trend_points(part.sort("station_id", "sampled_at"), names, starts, day)
            table = part["table"].drop_nulls().first() if part["table"].drop_nulls().len() else None
            label = ({"gb3838_t2": "表2限值", "gb3838_t3": "表3限值"}.get(table)
                     or f"{water.class_label(default)}类标准限值")
            name = wc.item_label(item, group == "ground", day)
            which = "地下水水源" if group == "ground" else "地表水水源"
            chart = f"trend_{item}" if group == "surface" else f"trend_gw_{item}"
            specs.append(ChartSpec(chart, "water_trend", {
                "frame": frame, "item_zh": name, "unit": wc.item_unit(item), "limit": limit,
                "limit_label": label, "periods": list(starts.values())}))
            caption = (f"{name}为{span}{which}监测值与限值之比最高的项目之一；逐期监测值（同一期多次监测取算术平均值，"
                       f"未检出的按1/2检出限计，空心点）")
            caption += "，虚线为" + label + "。" if limit is not None else "；各水源适用的限值不同，未绘制限值线。"
            title = f"{name}{span}变化" + (f"（{which}）" if both else "")
            entries.append({"name": chart, "title": title, "caption": caption, "item": item})
    return entries, specs, notes
