"""The annual bulletin's water chapter: sections, rivers and basins, the lake, the drinking-water sources.

Annual figures follow 地表水环境质量评价办法（试行）(环办〔2011〕22号) as :mod:`publisher.evaluate.water`
implements it: the annual class of a section is the single-factor class of its **annual mean** concentrations
(``period_values(..., "year")``, ½ DL for results below the detection limit), on the item set of its
assessment (national sections 5+X, provincial the 21 items); rivers and basins take ``river_summary`` of those
annual values and their change on last year is worded by status level (``status_change``); the lake's trophic
state is the TLI of the annual means of chla, TP, TN, SD and CODMn. A drinking-water source complies in a month
when that month's evaluation complies; over the year it complies when every month monitored complied.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import registry as registry_mod
from publisher.bulletins.annual.document import DASH, Document, fmt
from publisher.bulletins.base import Exceedance, Job, ReviewNote
from publisher.bulletins.water import common as wc
from publisher.evaluate import water
from publisher.periods import Period
from publisher.render.charts import ChartSpec

SECTION_KINDS = ("national_section", "provincial_section")
SOURCE_KINDS = ("city_source", "county_source")
#: the items a full analysis (水质全分析) covers: GB 3838 表1 (without 化学需氧量 for sources is NOT assumed: the
#: whole table) + 表2 + 表3 for surface sources, GB/T 14848's 93 indices for groundwater; a sample reaching this many
#: items counts as a full analysis
FULL_ANALYSIS_MIN = {"surface": 24 + 5 + 80, "groundwater": 93}


def _month_label(value: dt.datetime) -> str:
    return f"{value.month}月"


def _months_text(months: list[int]) -> str:
    return "、".join(f"{m}月" for m in months)


def _years(values: pl.DataFrame, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    this = values.filter(pl.col("sampled_at").dt.year() == year)
    last = values.filter(pl.col("sampled_at").dt.year() == year - 1)
    return this, last


def chapter(doc: Document, job: Job, number: str) -> dict[str, Any]:
    period: Period = job.period
    year = period.start.year
    reg = job.registry
    region = reg.region.get("name", "")
    day = dt.date(year, 12, 31)
    chap = doc.chapter(f"{number}、水环境质量")
    out: dict[str, Any] = {"charts": [], "tables": {}, "inputs": [], "standards": [], "exceedances": [],
                           "review": [], "summary": {}}
    all_stations = wc.stations_in(reg, (*SECTION_KINDS, "lake_point", *SOURCE_KINDS), period)
    meta = wc.station_meta(reg, all_stations)
    samples = wc.read_samples(job, dt.date(year - 1, 1, 1), day, all_stations)
    out["inputs"] = wc.provenance(samples, job.store)
    out["standards"] = wc.standards_used(day, ("gb3838", "gb14848", "water_eval", "water_assessment"))
    sample_files = any(str(i.get("file", "")).startswith("样例数据") for i in out["inputs"])
    if sample_files:
        chap.note(f"注意：本章使用的{year}年水质监测数据为样例数据（非实测），仅用于演示，不代表实际水质。")
    _sections(chap, job, year, reg, meta, samples, out)
    _lakes(chap, year, reg, meta, samples, out, period)
    _sources(chap, job, year, reg, meta, samples, out, period)
    out["sample"] = sample_files
    return out


# --------------------------------------------------------------------------------------------- sections
def _sections(chap, job: Job, year: int, reg, meta: pl.DataFrame, samples: pl.DataFrame, out: dict[str, Any]) -> None:
    period = job.period
    sections = wc.stations_in(reg, SECTION_KINDS, period)
    ids = [s.id for s in sections]
    chap.heading("（一）河流")
    part = samples.filter(pl.col("station_id").is_in(ids))
    yearly = water.period_values(part, "year") if part.height else part
    this, last = _years(yearly, year) if part.height else (part, part)
    if this.height == 0:
        chap.para(f"{year}年没有河流断面的水质监测数据。")
        return
    sec_meta = meta.filter(pl.col("station_id").is_in(ids))
    places = None
    evaluated = water.evaluate(this, sec_meta, multiple_decimals=places)
    monthly = water.evaluate(water.period_values(part.filter(pl.col("sampled_at").dt.year() == year), "month"),
                             sec_meta)
    months = {sid: (int(g["compliant"].fill_null(False).sum()), int(g["compliant"].is_not_null().sum()),
                    g.filter(pl.col("compliant") == False)["sampled_at"].dt.month().to_list())  # noqa: E712
              for (sid,), g in monthly.group_by("station_id")}
    rows, table_rows, missing_target = [], [], []
    by_id = {r["station_id"]: r for r in evaluated.to_dicts()}
    for s in sections:
        r = by_id.get(s.id)
        if r is None:
            continue
        met, monitored, bad_months = months.get(s.id, (0, 0, []))
        cls = wc.class_plain(r["water_class"])
        target = s.target_class or DASH
        compliant = r["compliant"]
        main = wc.exceedance_cell(r["exceedances"]) if not compliant else DASH
        table_rows.append([s.name, s.river or DASH, "国控" if s.kind == "national_section" else "省控", target, cls,
                           "达标" if compliant else ("未达标" if compliant is False else DASH), main,
                           f"{met}/{monitored}"])
        rows.append({"station_id": s.id, "name": s.name, "river": s.river, "class": r["water_class"],
                     "target": s.target_class, "compliant": compliant, "exceedances": r["exceedances"],
                     "months_met": met, "months_monitored": monitored, "months_failed": bad_months})
        if compliant is False:
            missing_target.append(s.name)
            out["exceedances"].append(Exceedance(f"annual-section:{s.id}", s.name,
                                                 f"{year}年年均水质{cls}，未达到{target}类目标；超标项目：{main}"))
    n = len(rows)
    good = sum(1 for r in rows if r["class"] is not None and r["class"] <= 3)
    met = sum(1 for r in rows if r["compliant"])
    chap.para(f"{year}年全市{n}个地表水监测断面中，年均水质达到或优于Ⅲ类的断面{good}个，占{fmt(good / n * 100, 1)}%；"
              f"达到水质目标的断面{met}个，达标率{fmt(met / n * 100, 1)}%。"
              + (f"{'、'.join(missing_target)}未达到年度水质目标。" if missing_target else ""))
    chap.table(f"{year}年地表水监测断面年均水质", ["断面", "河流", "类别", "目标", "年均水质", "目标达标", "超标项目（超标倍数）",
                                            "达标月数/监测月数"], table_rows,
               ["年均水质按年均浓度以单因子评价法评价（环办〔2011〕22号）；国控断面评价pH、溶解氧、高锰酸盐指数、氨氮、总磷及"
                "该断面的X项目（“5+X”），省控断面评价21项；超标倍数以年均浓度对照目标类别限值计算。"])
    out["summary"]["sections"] = rows
    out["tables"]["断面年均水质"] = pl.DataFrame(
        [{"断面": r["name"], "河流": r["river"], "年均水质": wc.class_plain(r["class"]), "目标": r["target"],
          "达标": r["compliant"], "超标项目": r["exceedances"], "达标月数": r["months_met"],
          "监测月数": r["months_monitored"]} for r in rows])
    # rivers and basins, and their change on last year
    group_rows = []
    for by, word in (("river", "河流"), ("basin", "流域")):
        now = water.river_summary(this, sec_meta, by=by)
        before = water.river_summary(last, sec_meta, by=by) if last.height else None
        prev = {r[by]: r for r in before.to_dicts()} if before is not None else {}
        for r in now.to_dicts():
            p = prev.get(r[by])
            change = water.status_change(p["status"], r["status"], dt.date(year, 12, 31)) if p else None
            group_rows.append([word, r[by], r["n_sections"], r["status"] or DASH,
                               wc.exceedance_cell(r["main_pollutants"]) if r["main_pollutants"] else DASH,
                               p["status"] if p else DASH, change or "无上年数据"])
    chap.table(f"{year}年主要河流及流域水质状况", ["范围", "名称", "断面数", "水质状况", "主要污染指标", f"{year - 1}年",
                                         "与上年相比"], group_rows,
               ["水质状况：断面少于5个时以各断面年均浓度的平均值评价，5个及以上时按Ⅰ～Ⅲ类、劣Ⅴ类断面比例评价；"
                "与上年相比按水质状况级别的变化表述（环办〔2011〕22号）。"])


# --------------------------------------------------------------------------------------------- lakes
def _lakes(chap, year: int, reg, meta: pl.DataFrame, samples: pl.DataFrame, out: dict[str, Any],
           period: Period) -> None:
    found = _section_part(chap, reg, ("lake_point",), period, samples, "（二）湖库", "湖库点位")
    if found is None:
        return
    points, ids, part = found
    lake_meta = meta.filter(pl.col("station_id").is_in(ids))
    yearly = water.period_values(part, "year")
    lakes = water.lake_summary(yearly, lake_meta)
    monthly = water.lake_summary(water.period_values(part, "month"), lake_meta)
    rows, summary = [], []
    for r in lakes.to_dicts():
        target = next((s.target_class for s in points if s.water_body == r["station_id"]), None)
        rows.append([r["station_id"], r["n_points"], wc.class_plain(r["water_class"]), target or DASH,
                     "达标" if r["compliant"] else ("未达标" if r["compliant"] is False else DASH),
                     fmt(r["tli"], 1), r["trophic_state"] or DASH])
        summary.append({"lake": r["station_id"], "class": r["water_class"], "tli": r["tli"],
                        "trophic_state": r["trophic_state"], "compliant": r["compliant"]})
        chap.para(f"{r['station_id']}{year}年年均水质为{wc.class_plain(r['water_class'])}，综合营养状态指数"
                  f"{fmt(r['tli'], 1)}，为{r['trophic_state'] or '—'}。")
    chap.table(f"{year}年湖库年均水质及营养状态", ["湖库", "点位数", "年均水质", "目标", "目标达标", "综合营养状态指数", "营养状态"],
               rows, ["年均水质按各点位年均浓度的平均值评价（总氮不参与评价）；综合营养状态指数TLI(Σ)由叶绿素a、总磷、总氮、"
                      "透明度、高锰酸盐指数的年均值计算（总站生字〔2001〕090号）。"])
    trend = monthly.select(pl.col("station_id").alias("section"),
                           pl.col("sampled_at").dt.strftime("%Y-%m").alias("period"), pl.col("tli").alias("value"))
    periods = [f"{year}-{m:02d}" for m in range(1, 13)]
    out["charts"].append(wc_chart("annual-lake-tli", "water_trend", {
        "frame": trend, "item_zh": "综合营养状态指数", "unit": "TLI", "limit": 50.0,
        "limit_label": "富营养界限", "periods": periods, "title": f"{year}年湖库逐月综合营养状态指数",
        "source": "数据来源：湖库水质监测"}))
    chap.figure("annual-lake-tli", f"{year}年湖库逐月综合营养状态指数")
    out["summary"]["lakes"] = summary


def wc_chart(name: str, kind: str, data: dict[str, Any]) -> Any:
    return ChartSpec(name, kind, data)


def _section_part(chap, reg, kinds: tuple[str, ...], period: Period, samples: pl.DataFrame, heading: str,
                  what: str) -> tuple[list[registry_mod.Station], list[str], pl.DataFrame] | None:
    """The stations of `kinds` in the registry, their ids and their samples of the year, under `heading`; None
    (after a sentence saying so when the stations exist) when there is nothing to write."""
    stations = wc.stations_in(reg, kinds, period)
    if not stations:
        return None
    chap.heading(heading)
    ids = [s.id for s in stations]
    year = period.start.year
    part = samples.filter(pl.col("station_id").is_in(ids) & (pl.col("sampled_at").dt.year() == year))
    if part.height == 0:
        chap.para(f"{year}年没有{what}的水质监测数据。")
        return None
    return stations, ids, part


# --------------------------------------------------------------------------------------------- sources
def _volume(job: Job, station: registry_mod.Station, year: int) -> tuple[float | None, bool]:
    """The year's 取水量 (万吨) and whether the supplier reported it (else the registry's monthly figure × 12)."""
    intake = job.store.intake(dt.date(year, 1, 1), dt.date(year, 12, 31), [station.id])
    months = intake.filter(pl.col("unit") == "month")
    quarters = intake.filter(pl.col("unit") == "quarter")
    if months.height == 12:
        return float(months["volume"].sum()), True
    if quarters.height == 4:
        return float(quarters["volume"].sum()), True
    if station.volume is not None:
        return float(station.volume) * 12, False
    return None, False


def _sources(chap, job: Job, year: int, reg, meta: pl.DataFrame, samples: pl.DataFrame, out: dict[str, Any],
             period: Period) -> None:
    found = _section_part(chap, reg, SOURCE_KINDS, period, samples, "（三）集中式生活饮用水水源", "集中式饮用水水源")
    if found is None:
        return
    sources, ids, part = found
    src_meta = meta.filter(pl.col("station_id").is_in(ids))
    unit_of = {s.id: ("month" if s.kind == "city_source" else "quarter") for s in sources}
    rows, table_rows, full_rows = [], [], []
    for s in sources:
        mine = part.filter(pl.col("station_id") == s.id)
        if mine.height == 0:
            continue
        evaluated = water.evaluate(water.period_values(mine, unit_of[s.id]), src_meta)
        met = int(evaluated["compliant"].fill_null(False).sum())
        monitored = int(evaluated["compliant"].is_not_null().sum())
        failed = evaluated.filter(pl.col("compliant") == False)  # noqa: E712
        items: dict[str, list[int]] = {}
        for r in failed.to_dicts():
            for name, _ in wc.exceedance_parts(r["exceedances"]):
                items.setdefault(name, []).append(r["sampled_at"].month)
        exceed_text = "；".join(f"{name}（{_months_text(ms)}）" for name, ms in items.items()) or DASH
        volume, reported = _volume(job, s, year)
        compliant = monitored > 0 and met == monitored
        word = "月" if unit_of[s.id] == "month" else "季度"
        table_rows.append([s.name, "城市" if s.kind == "city_source" else (s.county or "县级"),
                           s.waterbody_type_zh or DASH,
                           f"{met}/{monitored}（{word}）", exceed_text, "达标" if compliant else "未达标",
                           fmt(volume, 1) + ("" if reported or volume is None else "†")])
        rows.append({"station_id": s.id, "name": s.name, "kind": s.kind, "met": met, "monitored": monitored,
                     "exceeding": {k: v for k, v in items.items()}, "compliant": compliant, "volume": volume,
                     "volume_reported": reported})
        if items:
            out["exceedances"].append(Exceedance(f"annual-source:{s.id}", s.name, f"{year}年超标：{exceed_text}"))
        full = _full_analysis(mine, s)
        if full is not None:
            full_rows.append(full)
    n = len(rows)
    ok = [r for r in rows if r["compliant"]]
    frame = pl.DataFrame([{"compliant": r["compliant"], "volume": r["volume"] or 0.0, "kind": r["kind"]} for r in rows])
    rates = water.compliance_rates(frame)
    rate = rates.to_dicts()[0] if rates.height else {}
    chap.para(f"{year}年监测集中式生活饮用水水源{n}个，全年各次监测均达标的水源{len(ok)}个，水源达标率"
              f"{fmt(rate.get('count_rate'), 1)}%；取水总量{fmt(rate.get('volume_total'), 1)}万吨，达标水量"
              f"{fmt(rate.get('volume_compliant'), 1)}万吨，水量达标率{fmt(rate.get('volume_rate'), 1)}%。"
              + "".join(f"{r['name']}全年{r['monitored']}次监测中{r['monitored'] - r['met']}次超标"
                        f"（{'；'.join(f'{k}：{_months_text(v)}' for k, v in r['exceeding'].items())}）。"
                        for r in rows if not r["compliant"]))
    chap.table(f"{year}年集中式生活饮用水水源水质达标情况", ["水源", "级别", "类型", "达标次数/监测次数", "超标项目（超标月份）",
                                              "全年评价", "取水量（万吨）"], table_rows,
               ["城市水源每月监测一次，县级水源每季度监测一次；水源全年各次监测均达标为全年达标。水源达标率=全年达标水源数/监测水源数，水量达标率=全年达标水源取水量/取水总量。",
                "†为站点名录登记的月取水量×12（供水单位未报送全年实际取水量）。"])
    if full_rows:
        chap.table(f"{year}年集中式生活饮用水水源水质全分析", ["水源", "监测日期", "分析项目数", "超标项目"], full_rows)
    else:
        chap.para(f"{year}年未导入水源水质全分析（地表水GB 3838表1～表3共109项、地下水GB/T 14848共93项）的结果。")
    out["summary"]["sources"] = rows
    out["summary"]["source_rates"] = rate
    out["tables"]["水源年度达标"] = pl.DataFrame(
        [{"水源": r["name"], "达标次数": r["met"], "监测次数": r["monitored"], "全年达标": r["compliant"],
          "取水量(万吨)": r["volume"]} for r in rows])


def _full_analysis(samples: pl.DataFrame, station: registry_mod.Station) -> list[str] | None:
    """A row of the full-analysis table when one sample of the year covers a full analysis, else None."""
    kind = "groundwater" if station.waterbody_type == "groundwater" else "surface"
    counts = samples.group_by("sampled_at").agg(pl.col("item").n_unique().alias("n")).sort("n", descending=True)
    if counts.height == 0 or counts["n"][0] < FULL_ANALYSIS_MIN[kind]:
        return None
    when = counts["sampled_at"][0]
    one = samples.filter(pl.col("sampled_at") == when)
    evaluated = water.evaluate(one, None, "source")
    exceed = evaluated["exceedances"][0] if evaluated.height else None
    return [station.name, when.date().isoformat(), str(counts["n"][0]), wc.exceedance_cell(exceed) if exceed else "无"]
