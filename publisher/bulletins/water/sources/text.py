"""The sources in the bureau's words: 监测情况, the data report, the findings and the change sentences."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins.base import ReviewNote
from publisher.bulletins.water import common as wc
from publisher.evaluate import water
from publisher.periods import Period
from publisher.vocabulary import water as vocabulary_water
from publisher.bulletins.water.sources.scope import REGISTRY, REPORTED, Scope


# --------------------------------------------------------------------------------------------- 监测情况
SAMPLING_LABELS = vocabulary_water.SOURCE_SAMPLING_ZH


def _monitored_items(stations: list, cur_samples: pl.DataFrame, day: dt.date) -> list[dict[str, str]]:
    """The 监测项目 lines: the monitoring plan in force, by source type, with the items of GB/T 14848 by name; when no
    plan is in force, the items measured."""
    plan = wc.source_plan(day)
    types = [t for t in ("lake", "river", "groundwater") if any(s.waterbody_type == t for s in stations)]
    lines = []
    if plan is None:
        for wtype, label in (("lake", "地表水（湖库型）水源"), ("river", "地表水（河流型）水源"),
                             ("groundwater", "地下水水源")):
            text = wc.items_sentence(cur_samples, wtype)
            if text:
                lines.append({"label": label, "text": text})
        return lines
    if "lake" in types or "river" in types:
        text = wc.tidy(plan["surface"]["wording_zh"])
        if "lake" in types:
            text += "；" + wc.tidy(plan["surface"]["lake_wording_zh"])
        lines.append({"label": "地表水水源", "text": text})
    if "groundwater" in types:
        names = "、".join(wc.item_label(c, True, day) for c in wc.planned_items("groundwater", day) or [])
        lines.append({"label": "地下水水源", "text": f"{wc.tidy(plan['groundwater']['wording_zh'])}（{names}）"})
    return lines


def _monitoring(scope: Scope, period: Period, stations: list, cur_samples: pl.DataFrame, rows: list[dict[str, Any]],
                monitored: list[dict[str, str]], day: dt.date) -> list[dict[str, str]]:
    """一、监测情况: 监测点位, 监测项目, 监测频次 and 采样日期, 监测单位, 数据上报情况 (labels and sentences)."""
    out = []
    plan = wc.source_plan(day) or {}
    sampling = plan.get("sampling_zh") or {}
    points = []
    for wtype in ("river", "lake", "groundwater"):
        names = [s.name for s in stations if s.waterbody_type == wtype]
        if names and sampling.get(wtype):
            how = wc.tidy(sampling[wtype]).removeprefix(SAMPLING_LABELS[wtype])
            points.append(f"{SAMPLING_LABELS[wtype]}（{'、'.join(names)}）{how}")
    if points:
        out.append({"label": "监测点位", "text": "；".join(points) + "。"})
    for line in monitored:
        out.append({"label": f"监测项目（{line['label']}）", "text": line["text"] + "。"})
    cadence = {s.cadence for s in stations}
    frequency = "、".join(wc.FREQUENCY_ZH.get(c, c) for c in sorted(cadence))
    dates = wc.sampling_sentence(cur_samples, stations)
    out.append({"label": "监测频次及采样日期",
                "text": f"{frequency}" + (f"；{scope.this_zh}采样日期：{dates}" if dates else "") + "。"})
    units = wc.units_of(stations)
    if units:
        out.append({"label": "监测单位", "text": "、".join(units) + "。"})
    out.append({"label": "数据上报情况", "text": _data_report(scope, period, stations, cur_samples, rows, day)})
    return out


def _data_report(scope: Scope, period: Period, stations: list, cur_samples: pl.DataFrame,
                 rows: list[dict[str, Any]], day: dt.date) -> str:
    """Which sources reported, and which items of the monitoring plan each did not report."""
    absent = [r["name"] for r in rows if r["reason"] == wc.NO_DATA_REASON]
    got = {sid: set(items) for sid, items in cur_samples.group_by("station_id").agg(pl.col("item").unique())
           .iter_rows()} if cur_samples.height else {}
    short = []
    counts = set()
    for station in stations:
        if station.id not in got:
            continue
        plan = wc.planned_items(station.waterbody_type, day)
        if plan is None:
            continue
        ground = station.waterbody_type == "groundwater"
        missing = [c for c in plan if c not in got[station.id]]
        counts.add(len(plan))
        if missing:
            names = "、".join(wc.item_label(c, ground, day) for c in missing)
            short.append(f"{station.name}按方案应测{len(plan)}项，实报{len(plan) - len(missing)}项，{names}未报送")
    n = len(stations) - len(absent)
    text = f"{period.label_zh}，{n}个水源上报了监测数据" if absent else f"{period.label_zh}，{n}个水源均按要求开展监测并上报数据"
    if absent:
        text += f"，{wc.join_names(absent)}未上报{scope.this_zh}监测数据"
    if short:
        text += "；" + "；".join(short)
    elif counts and not absent:
        text += "，监测项目齐全"
    return text + "。"


# --------------------------------------------------------------------------------------------- words
def _findings(scope: Scope, period: Period, region: str, current: dict[str, Any], changes: dict[str, Any],
              stations: list, day: dt.date) -> list[str]:
    s, rows = current["summary"], current["rows"]
    this = scope.this_zh
    where = f"{region}{scope.scope_zh}" if scope.scope_zh == "中心城市" else f"{region}"
    what = "在用集中式生活饮用水水源" if scope.scope_zh == "中心城市" else "县级在用集中式生活饮用水水源"
    out = []
    if s["n_monitored"] == 0:
        out.append(f"{period.label_zh}，{where}{s['n_registered']}个{what}均未收到监测数据，本期不作评价。")
        return out
    kinds = []
    if s["n_lake"]:
        kinds.append(f"地表水（湖库型）{s['n_lake']}个")
    if s["n_river"]:
        kinds.append(f"地表水（河流型）{s['n_river']}个")
    if s["n_ground"]:
        kinds.append(f"地下水{s['n_ground']}个")
    first = f"{period.label_zh}，{where}共监测{s['n_monitored']}个{what}，其中{'、'.join(kinds)}"
    if s["n_missing"]:
        absent = [r["name"] for r in rows if r["missing"]]
        first += f"；{wc.join_names(absent)}{this}未监测"
    out.append(first + "。")

    counts = [c for c in (r["water_class"] for r in rows if not r["missing"])]
    default = s["default_target"]
    n_meet = s["n_meet_default"]
    breakdown = wc.class_breakdown(counts, "个", day, with_share=False)
    if n_meet == s["n_monitored"]:
        quality = f"按水质类别评价，{n_meet}个水源均达到或优于{default}类标准（{breakdown}）"
    else:
        quality = (f"按水质类别评价，{n_meet}个水源达到或优于{default}类标准，"
                   f"{s['n_monitored'] - n_meet}个劣于{default}类（{breakdown}）")
    rates = s["rates"]
    compliant_text = (f"{rates['n_compliant']}个水源达到水质目标，水源达标率为{wc.pct(rates['count_rate'])}"
                      if rates["n_compliant"] < rates["n_sources"]
                      else f"各水源均达到水质目标，水源达标率为{wc.pct(rates['count_rate'])}")
    out.append(f"{quality}；{compliant_text}。")
    supplementary = _supplementary_sentence(rows)
    if supplementary:
        out.append(supplementary)
    volume = scope.volume_sentence.format(this=this, total=wc.num(rates["volume_total"], 1),
                                          ok=wc.num(rates["volume_compliant"], 1), rate=wc.pct(rates["volume_rate"]))
    registry = [r["name"] for r in rows if not r["missing"] and r["volume_source"] == REGISTRY
                and r["volume"] is not None]
    if registry:
        volume = volume.rstrip("。") + f"（{wc.join_names(registry)}未报送实际取水量，按名录登记值计）。"
    unmonitored = [r for r in rows if r["missing"] and r["volume"] is not None]
    if unmonitored:
        left = "、".join(f"{r['name']}（{wc.num(r['volume'], 1)}万吨）" for r in unmonitored)
        volume = volume.rstrip("。") + f"；未监测的{left}不计入。"
    out.append(volume)

    for row in rows:
        if row["missing"] or row["compliant"]:
            continue
        target = row["target"] or default
        words = wc.exceedance_words(row["exceedances"])
        within = row["water_class"] is not None and row["water_class"] <= water.class_number(target)
        tables = wc.exceedance_tables(row["exceedances"]) if within else []
        where = f"（超过{'、'.join(tables)}限值）" if tables else ""
        if within:
            out.append(f"{row['name']}水质类别为{wc.class_zh(row['water_class'])}，但{words}{where}，"
                       f"未达到水质目标。")
        else:
            reason = f"，{words}" if words else ""
            out.append(f"{row['name']}水质类别为{wc.class_zh(row['water_class'])}，未达到{target}类水质目标{reason}。")

    lakes_tn = [r for r in rows if not r["missing"] and r["type"] == "lake" and r["tn_class"] is not None]
    lakes_tli = [r for r in rows if not r["missing"] and r["type"] == "lake" and r["tli"] is not None]
    lake_parts = []
    if lakes_tn:
        if len(lakes_tn) > 1 and len({r["tn_class"] for r in lakes_tn}) == 1:
            lake_parts.append(f"总氮（参考指标，单独评价，不参与水质类别评价）均为{wc.class_zh(lakes_tn[0]['tn_class'])}")
        else:
            lake_parts.append("总氮（参考指标，单独评价，不参与水质类别评价）"
                              + "，".join(f"{r['name']}为{wc.class_zh(r['tn_class'])}" for r in lakes_tn))
    if lakes_tli:
        states = {r["trophic_state"] for r in lakes_tli}
        if len(lakes_tli) > 1 and len(states) == 1:
            tlis = sorted(lakes_tli, key=lambda r: r["tli"])
            lake_parts.append(f"营养状态均为{states.pop()}（综合营养状态指数{tlis[0]['tli_zh']}～{tlis[-1]['tli_zh']}）")
        else:
            lake_parts.append("营养状态：" + "，".join(f"{r['name']}综合营养状态指数为{r['tli_zh']}，{r['trophic_state']}"
                                                   for r in lakes_tli))
    if lake_parts:
        out.append("湖库型水源" + "；".join(lake_parts) + "。")

    for key in ("previous", "last_year"):
        out.append(_change_sentence(changes[key], this))
    return out


def _supplementary_sentence(rows: list[dict[str, Any]]) -> str | None:
    """``地表水水源补充项目、特定项目分别符合GB 3838-2002表2、表3限值。`` when every surface source that measured them
    met them; otherwise the sources and tables exceeded. None when no surface source measured either table."""
    surface = [r for r in rows if not r["missing"] and r["type"] in ("river", "lake")]
    measured = {t for r in surface for t in r.get("tables_measured", [])}
    names = {"gb3838_t2": ("补充项目", "表2"), "gb3838_t3": ("特定项目", "表3")}
    present = [t for t in ("gb3838_t2", "gb3838_t3") if t in measured]
    if not present:
        return None
    labels = {"gb3838_t2": "GB 3838-2002表2", "gb3838_t3": "GB 3838-2002表3"}
    failed = {t: [r["name"] for r in surface if labels[t] in wc.exceedance_tables(r["exceedances"])] for t in present}
    what = "、".join(names[t][0] for t in present)
    tables = "、".join(names[t][1] for t in present)
    if not any(failed.values()):
        word = "分别符合" if len(present) > 1 else "符合"
        return f"地表水水源{what}{word}GB 3838-2002{tables}限值。"
    parts = []
    for t in present:
        if failed[t]:
            parts.append(f"{wc.join_names(failed[t])}{names[t][0]}超过{names[t][1]}限值")
        else:
            parts.append(f"各水源{names[t][0]}均符合{names[t][1]}限值")
    return "地表水水源" + "；".join(parts) + "。"


def _monitored_differ(change: dict[str, Any], this: str) -> str:
    """``（两期监测水源不同：本月2个、上月3个）`` when the rates compare different sets of sources, else ''."""
    now, then = change.get("n_monitored"), change.get("n_monitored_before")
    if now is None or then is None or change.get("same_sources", True):
        return ""
    return f"（两期监测的水源不同：{this}{now}个、{change['word']}{then}个）"


def _change_sentence(change: dict[str, Any], this: str) -> str:
    word = change["word"]
    if not change["available"]:
        return f"{word}（{change['period_zh']}）无监测数据，不作比较。"
    cnt, vol = change["count_rate"], change["volume_rate"]
    parts = [f"水源达标率{_rate_move(cnt)}", f"水量达标率{_rate_move(vol)}{_monitored_differ(change, this)}"]
    moved = [s for s in change["sources"] if s["wording"] and s["wording"] != "无明显变化"]
    class_moved = [s for s in change["sources"] if s["before"] != s["after"]]
    flips = [s for s in change["sources"] if s["compliant_before"] is not None
             and s["compliant_after"] is not None and s["compliant_before"] != s["compliant_after"]]
    if moved:
        detail = "；".join(f"{s['name']}由{s['before_zh']}变为{s['after_zh']}，水质{s['wording']}" for s in moved)
        tail = detail
    elif class_moved:
        detail = "、".join(f"{s['name']}由{s['before_zh']}变为{s['after_zh']}" for s in class_moved)
        tail = f"{detail}，水质状况等级未变，各水源水质无明显变化"
    else:
        tail = "各水源水质类别均未变化"
    if flips:
        tail += "；" + "，".join(f"{s['name']}由{'达标' if s['compliant_before'] else '不达标'}变为"
                                f"{'达标' if s['compliant_after'] else '不达标'}" for s in flips)
    return f"与{word}相比，{'，'.join(parts)}；{tail}。"


def _rate_move(rate: dict[str, Any]) -> str:
    if rate["points"] is None:
        return "无法比较"
    if rate["points"] == 0:
        return f"持平（{wc.pct(rate['after'])}）"
    return f"由{wc.pct(rate['before'])}{wc.points_change(rate['points'])}至{wc.pct(rate['after'])}"


def _notes(scope: Scope, period: Period, stations: list, rows: list[dict[str, Any]], chart_notes: list[str],
           inputs: list[dict[str, Any]]) -> tuple[list[str], list[ReviewNote]]:
    """说明 (data source, completeness, sources not evaluated, intake volumes taken from the registry, the
    charts' notes) and the notes for the reviewers (sample registry entries, missing intake reports,
    provenance)."""
    reported = any(r["volume_source"] == REPORTED for r in rows)
    notes = [wc.data_source_note(stations, intake=reported), wc.completeness_note(len(rows), [r["name"] for r in rows if r["missing"]], "水源", scope.this_zh)]
    for row in rows:
        if row["missing"] and row["reason"] != wc.NO_DATA_REASON:
            notes.append(f"{row['name']}{scope.this_zh}未评价：{row['reason']}，不参与达标率统计。")
    fallback = [r for r in rows if r["volume_source"] == REGISTRY and r["volume"] is not None]
    if fallback:
        per = "月" if scope.unit == "month" else "季度（按名录登记的月取水量计3个月）"
        notes.append(f"{wc.join_names([r['name'] for r in fallback])}的供水单位未报送{period.label_zh}实际取水量，"
                     f"水量达标率中其取水量按站点名录登记值计（每{per}），表中注明。")
    notes.extend(chart_notes)
    review = []
    sample = wc.sample_note(stations)
    if sample:
        review.append(ReviewNote("data", sample))
    if fallback:
        review.append(ReviewNote("data", "未收到供水单位报送的实际取水量：" + "、".join(
            f"{r['name']}（按名录{wc.num(r['volume'], 1)}万吨计）" for r in fallback) + "。"))
    review.extend(wc.review_provenance(inputs, period, scope.this_zh))
    return notes, review
