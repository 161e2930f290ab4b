"""The sections in the bureau's words: the X items, the findings, the change sentences and 监测情况."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.base import ReviewNote
from publisher.bulletins.water import common as wc
from publisher.bulletins.water.sections.context import SectionRow
from publisher.evaluate import water
from publisher.periods import Period


def _x_items_text(period: Period, sections: list, values: pl.DataFrame, meta: pl.DataFrame) -> list[dict[str, Any]]:
    """The X of each national section this month: the registry's list, then each item the data added, with the month
    and the limit it first exceeded in the window (``汞（2026年5月超过Ⅱ类标准限值）``)."""
    start = wc.period_start(period)
    national = [s for s in sections if s.kind == "national_section"]
    if not national:
        return []
    mine = values.filter(pl.col("sampled_at") <= start)
    x = {r["station_id"]: r for r in water.x_items_from_data(mine, meta).filter(pl.col("sampled_at") == start)
         .to_dicts()} if mine.height else {}
    hits = water.x_exceedances(mine, meta) if mine.height else None
    out = []
    for s in national:
        row = x.get(s.id)
        official = [water.item_name(c) for c in s.x_items]
        added = []
        for code in (row["x_data"] if row else []):
            first = hits.filter((pl.col("station_id") == s.id) & (pl.col("item") == code)
                                & (pl.col("sampled_at").dt.year() >= period.start.year - 1)).sort("sampled_at").row(
                0, named=True)
            when = f"{first['sampled_at'].year}年{first['sampled_at'].month}月"
            added.append(f"{water.item_name(code)}（{when}超过{water.class_label(first['reference_class'])}类标准限值，"
                         f"按监测数据纳入）")
        out.append({"name": s.name, "x": "、".join(official + added), "added": row["x_data"] if row else []})
    return out


# --------------------------------------------------------------------------------------------- words
def _findings(period: Period, region: str, sections: list, cur: dict[str, Any], rows: list[SectionRow],
              changes: dict[str, Any], day: dt.date) -> list[str]:
    s = cur["summary"]
    names = {r.station_id: r.name for r in rows}
    out = []
    scope = (f"{region}{_small(s['n_basins'])}大水系{s['n_rivers']}条主要河流{s['n_registered']}个国控、省控断面"
             f"（国控{s['n_national']}个、省控{s['n_provincial']}个）")
    if s["n_monitored"] == 0:
        return [f"{period.label_zh}，{scope}均未收到监测数据，本月不作评价。"]
    head = f"{period.label_zh}，{scope}"
    if s["n_missing"]:
        absent = [r.name for r in rows if r.missing]
        head += f"中，监测{s['n_monitored']}个（{wc.join_names(absent)}未监测）"
    counts = {k: n for k, n in s["class_counts"].items()}
    good = [f"{k}类{counts[k]}个" for k in ("Ⅰ", "Ⅱ", "Ⅲ") if counts.get(k)]
    parts = [f"Ⅰ～Ⅲ类水质断面{s['n_good']}个，占{wc.pct(s['share_good'])}" + (f"（{'、'.join(good)}）" if good else "")]
    for k in ("Ⅳ", "Ⅴ"):
        if counts.get(k):
            parts.append(f"{k}类{counts[k]}个，占{wc.pct(wc.share(counts[k], s['n_monitored'], day))}")
    parts.append(f"劣Ⅴ类{s['n_bad']}个，占{wc.pct(s['share_bad'])}" if s["n_bad"] else "无劣Ⅴ类断面")
    verb = "中" if not s["n_missing"] else "；其中"
    out.append(f"{head}{verb}，{'；'.join(parts)}（国控、省控断面合并统计）。"
               f"全市河流断面总体水质{_status_phrase(s['status'])}。")
    levels = []
    for kind, label, basis in (("national_section", "国控断面", "按“5+X”指标评价"),
                               ("provincial_section", "省控断面", "按21项指标评价")):
        lv = s["by_level"][kind]
        if not lv["n_monitored"]:
            continue
        text = (f"{label}{lv['n_monitored']}个（{basis}），Ⅰ～Ⅲ类{lv['n_good']}个，占{wc.pct(lv['share_good'])}"
                + (f"，劣Ⅴ类{lv['n_bad']}个，占{wc.pct(lv['share_bad'])}" if lv["n_bad"] else ""))
        if lv["n_judged"]:
            text += f"，达到水质目标{lv['n_compliant']}个，达标率为{wc.pct(lv['count_rate'])}"
        levels.append(text)
    if len(levels) > 1:
        out.append("分别统计，" + "；".join(levels) + "。")

    rates = s["rates"]
    if rates:
        failed = [r for r in rows if r.compliant is False]
        text = f"{rates['n_compliant']}个断面达到水质目标，达标率为{wc.pct(rates['count_rate'])}"
        if failed:
            details = []
            for r in failed:
                words = wc.exceedance_words(r.exceedances)
                details.append(f"{r.name}（水质目标{r.target}类）为{wc.class_zh(r.water_class)}，"
                               f"未达到水质目标" + (f"，{words}" if words else ""))
            text += "；" + "；".join(details)
        out.append(text + "。")
    polluted = [r for r in rows if not r.missing and r.main_pollutants and r.compliant is not False]
    if polluted:
        out.append("；".join(f"{r.name}为{wc.class_zh(r.water_class)}（{r.status}），"
                            f"主要污染指标为{_pollutant_words(r.main_pollutants)}" for r in polluted) + "。")

    by_status: dict[str, list[str]] = {}
    for g in cur["rivers"]:
        by_status.setdefault(g["status"] or "未评价", []).append(g["name"])
    river_text = "；".join(f"{wc.join_names(v)}水质{_status_phrase(k, short=True)}" for k, v in by_status.items())
    basin_text = "；".join(
        f"{g['name']}流域（{g['n_sections']}个断面）水质{_status_phrase(g['status'], short=True)}"
        + (f"，Ⅰ～Ⅲ类断面占{wc.pct(g['share_good'])}" if g["method"] == "proportion" else "")
        for g in cur["basins"])
    if river_text:
        out.append(f"按河流评价，{river_text}。按流域评价，{basin_text}。")

    for lake in cur["lakes"]:
        text = (f"{lake['name']}（{lake['n_points']}个点位平均）水质为{wc.class_zh(lake['water_class'])}"
                f"（{lake['status']}）")
        if lake["tn_class"] is not None:
            text += f"，总氮单独评价为{wc.class_zh(lake['tn_class'])}"
        if lake["tli"] is not None:
            text += f"；综合营养状态指数为{lake['tli_zh']}，{lake['trophic_state']}"
        others = [p for p in cur["lake_points"] if p["lake"] == lake["name"] and not p["missing"]
                  and p["trophic_state"] and p["trophic_state"] != lake["trophic_state"]]
        if others:
            text += "；其中" + "，".join(f"{p['name']}点位综合营养状态指数为{p['tli_zh']}，{p['trophic_state']}"
                                       for p in others)
        failed = [p for p in cur["lake_points"] if p["lake"] == lake["name"] and p["compliant"] is False]
        for p in failed:
            text += (f"；{p['name']}点位为{wc.class_zh(p['water_class'])}（{p['status']}），未达到{p['target']}类水质目标"
                     + (f"，主要污染指标为{_pollutant_words(p['main_pollutants'])}" if p["main_pollutants"] else ""))
        out.append(text + "。")

    for key in ("previous", "last_year"):
        out.append(_change_sentence(changes[key], names))
    return out


def _small(n: int) -> str:
    """Counts up to ten in Chinese numerals, as bulletins write 三大水系."""
    return "零一二三四五六七八九十"[n] if 0 <= n <= 10 else str(n)


def _status_phrase(status: str | None, short: bool = False) -> str:
    if status is None:
        return "未评价"
    if status in ("优", "良好"):
        return f"为{status}" if not short else ("为优" if status == "优" else "良好")
    return f"为{status}"


def _pollutant_words(text: str) -> str:
    parts = wc.exceedance_parts(text)
    return "、".join(f"{n}（超标{wc.times(m)}）" if m is not None else n for n, m in parts)


def _change_sentence(change: dict[str, Any], names: dict[str, str]) -> str:
    word = change["word"]
    if not change["available"]:
        return f"{word}（{change['period_zh']}）无监测数据，不作比较。"
    p = change["proportion"]
    detail = (f"Ⅰ～Ⅲ类断面比例{wc.points_change(p['delta_good'])}，劣Ⅴ类断面比例{wc.points_change(p['delta_bad'])}")
    text = f"与{word}相比，全市河流断面水质{p['wording']}（{detail}）"
    if change["rate_points"] is not None:
        text += f"，断面达标率{wc.points_change(change['rate_points'])}"
    moved = [s for s in change["sections"] if s["wording"] and s["wording"] != "无明显变化"]
    if moved:
        text += "；" + "，".join(f"{names[s['station_id']]}由{s['before_zh']}变为{s['after_zh']}，水质{s['wording']}"
                                for s in moved)
    else:
        text += "；各断面水质状况均无明显变化"
    return text + "。"


# --------------------------------------------------------------------------------------------- 监测情况
def _monitoring(period: Period, sections: list, lakes: list, cur_samples: pl.DataFrame, rows: list[SectionRow],
                points: list[dict[str, Any]], monitored: list[dict[str, str]]) -> list[dict[str, str]]:
    """一、监测情况: 监测断面, 监测项目, 监测频次 and 采样日期, 监测单位, 数据上报情况."""
    n_national = sum(1 for s in sections if s.kind == "national_section")
    n_provincial = len(sections) - n_national
    text = (f"{_small(len({s.basin for s in sections}))}大水系{len({s.river for s in sections})}条主要河流共设国控断面"
            f"{n_national}个、省控断面{n_provincial}个")
    by_lake: dict[str, int] = {}
    for s in lakes:
        by_lake[s.water_body or s.name] = by_lake.get(s.water_body or s.name, 0) + 1
    if by_lake:
        text += "；" + "、".join(f"{lake}设湖库点位{n}个" for lake, n in by_lake.items())
    out = [{"label": "监测断面（点位）", "text": text + "。"}]
    for line in monitored:
        out.append({"label": f"监测项目（{line['label']}）", "text": line["text"] + "。"})
    stations = sections + lakes
    frequency = "、".join(wc.FREQUENCY_ZH.get(c, c) for c in sorted({s.cadence for s in stations}))
    if cur_samples.height:
        first = cur_samples["sampled_at"].min()
        last = cur_samples["sampled_at"].max()
        span = wc.date_zh(first) if first.date() == last.date() else f"{wc.date_zh(first)}至{wc.date_zh(last)}"
        frequency += f"；本月采样日期为{span}"
    out.append({"label": "监测频次及采样日期", "text": frequency + "。"})
    units = wc.units_of(stations)
    if units:
        out.append({"label": "监测单位", "text": "、".join(units) + "。"})
    absent = [r.name for r in rows if r.missing] + [p["name"] for p in points if p["missing"]]
    n = len(stations) - len(absent)
    report = (f"{period.label_zh}，{len(sections)}个断面和{len(lakes)}个湖库点位均按要求开展监测并上报数据。" if not absent
              else f"{period.label_zh}，{n}个断面（点位）上报了监测数据，{wc.join_names(absent)}未上报本月监测数据。")
    out.append({"label": "数据上报情况", "text": report})
    return out


def _notes(period: Period, stations: list, rows: list[SectionRow], cur: dict[str, Any],
           inputs: list[dict[str, Any]]) -> tuple[list[str], list[ReviewNote]]:
    """说明 (data source, completeness of sections and lake points, sections not evaluated) and the notes for
    the reviewers (caveats on the rivers' and basins' wording, sample registry entries, provenance)."""
    notes = [wc.data_source_note(stations)]
    points = cur["lake_points"]
    if points and not any(r.missing for r in rows) and not any(p["missing"] for p in points):
        notes.append(f"数据完整性：本月应监测断面{len(rows)}个、湖库点位{len(points)}个，均有监测数据。")
    else:
        notes.append(wc.completeness_note(len(rows), [r.name for r in rows if r.missing], "断面", "本月"))
        if points:
            notes.append(wc.completeness_note(len(points), [p["name"] for p in points if p["missing"]], "湖库点位",
                                              "本月", left_out="不参与湖库平均"))
    for row in rows:
        if row.missing and row.reason != wc.NO_DATA_REASON:
            notes.append(f"{row.name}断面本月未评价：{row.reason}，不参与本月统计。")
    review = []
    for group in cur["rivers"] + cur["basins"]:
        if group.get("notes"):   # a caveat on the method's wording: for the reviewers, the status stands as printed
            review.append(ReviewNote("method", f"{group['name']}：{group['notes']}。"))
    sample = wc.sample_note(stations)
    if sample:
        review.append(ReviewNote("data", sample))
    review.extend(wc.review_provenance(inputs, period, "本月"))
    return notes, review
