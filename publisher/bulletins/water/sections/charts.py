"""The sections' charts: class shares, class against target, the year's matrix, item and TLI trends."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.water import common as wc
from publisher.evaluate import water
from publisher.periods import Period
from publisher.render.charts.spec import ChartSpec
from publisher.bulletins.water.sections.data import HISTORY, TREND_ITEMS, TREND_LINES


# --------------------------------------------------------------------------------------------- charts
def _charts(period: Period, sections: list, lakes: list, values: pl.DataFrame, evaluated: pl.DataFrame,
            cur: dict[str, Any], day: dt.date) -> tuple[list[dict[str, Any]], list[Any]]:
    """Chart specs and captions; the charts carry no title of their own (the page prints number and title)."""
    by_id = cur["by_id"]
    frame = [{"section": x.name, "class": by_id[x.id]["water_class"], "target": x.target_class} for x in sections]
    specs, entries = wc.class_charts(cur["summary"], frame, period.label_zh, "断面",
                                     f"{period.label_zh}河流断面水质类别构成",
                                     "色条为本月水质类别，黑色竖线为水质目标；劣于目标的断面标注“超标”，"
                                     "未监测的断面标为“无数据”。")

    year_start = dt.date(period.start.year, 1, 1)
    ytd = evaluated.filter(pl.col("sampled_at").dt.date().is_between(year_start, period.end)) \
        if evaluated.height else evaluated
    months = list(range(1, period.end.month + 1))
    by_key = {(r["station_id"], r["sampled_at"].month): r["water_class"] for r in ytd.to_dicts()}
    cells = [{"section": x.name, "month": m, "class": by_key.get((x.id, m))} for x in sections + lakes for m in months]
    if cells:
        span = f"1—{period.end.month}月" if period.end.month > 1 else "1月"
        specs.append(ChartSpec("matrix", "water_class_matrix", {"frame": cells, "months": months}))
        entries.append({"name": "matrix", "title": f"{period.start.year}年{span}各断面（点位）逐月水质类别",
                        "caption": "每格为该断面（点位）当月的水质类别（月内多次监测取算术平均值评价），"
                                   "灰色“—”为无监测数据。"})

    history = [period.shift(-k) for k in range(HISTORY - 1, -1, -1)]
    starts = {wc.period_start(p): wc.tick_label(p, first=i == 0) for i, p in enumerate(history)}
    sec_ids = [x.id for x in sections]
    names = {x.id: x.name for x in sections + lakes}
    hist = values.filter(pl.col("sampled_at").is_in(list(starts)) & pl.col("station_id").is_in(sec_ids))
    if hist.height:
        classed = water.item_classes(hist.with_columns(pl.lit(3, pl.Int8).alias("target_class")))
        classed = classed.filter(pl.col("ref_limit").is_not_null() & pl.col("ref_limit").is_finite()
                                 & (pl.col("ref_limit") > 0) & (pl.col("table") == "gb3838_t1"))
        reference = list(wc.eval_rules(day)["reference_items"]["items"])   # 参考指标: not class-deciding
        measured = classed.filter(~pl.col("below_dl") & ~pl.col("item").is_in(reference)).with_columns(
            (pl.col("value") / pl.col("ref_limit")).alias("_ratio"))
        # the items that came closest to (or above) the class-Ⅲ limit in the 13 months
        ranked = measured.group_by("item").agg(pl.col("_ratio").max()).sort(["_ratio", "item"],
                                                                            descending=[True, False])
        now = measured.filter(pl.col("sampled_at") == wc.period_start(period))
        for item in ranked["item"].head(TREND_ITEMS).to_list():
            # the sections with the highest values of the item this month (or over the window when none this month)
            pool = now if now.filter(pl.col("item") == item).height else measured
            top = (pool.filter(pl.col("item") == item).group_by("station_id").agg(pl.col("_ratio").max())
                   .sort(["_ratio", "station_id"], descending=[True, False])["station_id"].head(TREND_LINES).to_list())
            part = classed.filter((pl.col("item") == item) & pl.col("station_id").is_in(top))
            limits = part["ref_limit"].unique().to_list()
            limit = limits[0] if len(limits) == 1 else None
            order = {sid: i for i, sid in enumerate(top)}
            ordered = part.with_columns(pl.col("station_id").replace_strict(order, return_dtype=pl.Int64)
                                        .alias("_order")).sort("_order", "sampled_at")
            frame = wc.trend_points(ordered, names, starts, day)
            name = water.item_name(item)
            specs.append(ChartSpec(f"trend_{item}", "water_trend", {
                "frame": frame, "item_zh": name, "unit": wc.item_unit(item), "limit": limit,
                "limit_label": "Ⅲ类标准限值", "periods": list(starts.values())}))
            which = "本月" if pool is now else f"近{HISTORY}个月"
            caption = (f"{name}为近{HISTORY}个月断面浓度与Ⅲ类限值之比最高的项目之一；图中为{which}{name}浓度最高的"
                       f"{len(top)}个断面的逐月值（未检出的按1/2检出限计，空心点）")
            caption += "，虚线为Ⅲ类标准限值。" if limit is not None else "；各断面适用的限值不同，未绘制限值线。"
            entries.append({"name": f"trend_{item}", "item": item, "title": f"{name}近{HISTORY}个月变化",
                            "caption": caption})
    lake_ids = [x.id for x in lakes]
    tli = evaluated.filter(pl.col("station_id").is_in(lake_ids) & pl.col("sampled_at").is_in(list(starts))) \
        if evaluated.height else evaluated
    if tli.height and tli["tli"].drop_nulls().len():
        classes = wc.eval_rules(day)["trophic_state"]["classes"]
        mesotrophic = next((c for c in classes if c["state"] == "中营养"), None)
        frame = [{"section": names[r["station_id"]], "period": starts[r["sampled_at"]], "value": r["tli"]}
                 for r in tli.sort("station_id", "sampled_at").to_dicts()]
        specs.append(ChartSpec("trend_tli", "water_trend", {
            "frame": frame, "item_zh": "综合营养状态指数", "unit": "TLI",
            "limit": float(mesotrophic["max"]) if mesotrophic else None, "limit_label": "富营养下限",
            "periods": list(starts.values())}))
        entries.append({"name": "trend_tli", "title": f"湖库点位综合营养状态指数近{HISTORY}个月变化",
                        "caption": "综合营养状态指数TLI(Σ)逐月值；虚线以上为富营养（轻度及以上）。"})
    return entries, specs
