"""The annual bulletin's air chapter: the year's statistics of the city and each county.

Every figure is ``period_stats(..., "year")`` of the area daily values (the path of the monthly bulletin:
``mark_not_monitored`` → ``daily_values`` → ``area_daily``), each day judged by the tables in force on it, so a
year across 2026-03-01 combines the two rule sets day by day. The annual validity (GB 3095 表4: ≥ 324 daily
values, each month ≥ 27, February ≥ 25) is :func:`publisher.evaluate.annual.air_validity`, printed beside each
figure that fails it; compliance is against the class-2 limits of the table and phase in force on 31 December.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins.air import common as ac
from publisher.bulletins.annual.document import DASH, Document, fmt
from publisher.bulletins.base import Exceedance, Job, ReviewNote
from publisher.evaluate import air, annual
from publisher.periods import Period

#: the statistics of the concentration table, in print order: (column, symbol, unit, decimals)
STATS = (("so2", "SO₂", "μg/m³", 0), ("no2", "NO₂", "μg/m³", 0), ("pm10", "PM₁₀", "μg/m³", 0),
         ("pm2_5", "PM₂.₅", "μg/m³", 0), ("co_p95", "CO", "mg/m³", 1), ("o3_8h_p90", "O₃", "μg/m³", 0))
#: statistic -> the pollutant whose annual validity it takes
VALIDITY_OF = {"so2": "so2", "no2": "no2", "pm10": "pm10", "pm2_5": "pm2_5", "co_p95": "co", "o3_8h_p90": "o3_8h"}
#: statistic -> (GB 3095 pollutant, averaging) of the limit it is judged against
LIMIT_OF = {"so2": ("so2", "annual"), "no2": ("no2", "annual"), "pm10": ("pm10", "annual"),
            "pm2_5": ("pm2_5", "annual"), "co_p95": ("co", "daily"), "o3_8h_p90": ("o3", "daily_max_8h")}


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / before * 100, 1)


def combination_sentence(year: int) -> str:
    """How the days of `year` are judged and which limits the annual compliance uses (one or two sentences)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    tables = ac.tables_for(first, last, ("gb3095",))
    limits_table = standards.in_force("gb3095", last)
    phase = ac._phase_name(limits_table, last)
    limits_text = f"{limits_table.citation}二级浓度限值{'（' + phase + '）' if phase else ''}"
    if len(tables) > 1:
        switch = tables[-1].effective_from
        return (f"{year}年跨越{_zh(switch)}标准更替日：此前各日按{tables[0].citation}及相应的HJ 633评价，"
                f"此后各日按{tables[-1].citation}及相应的HJ 633评价，全年统计将逐日评价结果合并计算；"
                f"年度达标评价采用12月31日执行的{limits_text}。")
    return f"{year}年各日均按{tables[0].citation}及相应的HJ 633评价；年度达标评价采用{limits_text}。"


def _validity(adaily: pl.DataFrame, year: int) -> dict[str, dict[str, dict[str, Any]]]:
    """area -> pollutant -> air_validity row."""
    if adaily.height == 0:
        return {}
    cols = [c for c in annual.AIR_POLLUTANTS if c in adaily.columns]
    frame = adaily.filter(pl.col("date").dt.year() == year).select("area", "date", *cols)
    if frame.height == 0:
        return {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in annual.air_validity(frame, year, by=["area"]).to_dicts():
        out.setdefault(row["area"], {})[row["pollutant"]] = row
    return out


def _primary_days(adaily: pl.DataFrame, area: str, year: int) -> list[tuple[str, int]]:
    days = adaily.filter((pl.col("area") == area) & (pl.col("date").dt.year() == year))
    counts: dict[str, int] = {}
    for codes in days.get_column("primary_pollutant").to_list() if days.height else []:
        for code in (codes or "").split(","):
            if code:
                counts[code] = counts.get(code, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def chapter(doc: Document, job: Job, number: str) -> dict[str, Any]:
    """Write the air chapter into `doc`; return what the bulletin keeps of it (tables, charts, inputs…)."""
    period: Period = job.period
    year = period.start.year
    reg = job.registry
    region = ac.region_name(reg)
    counties = ac.region_counties(reg)
    names = [region] + counties
    link = reg.air_areas().filter(pl.col("area").is_in(names))
    ids = sorted(set(link.get_column("station_id").to_list()))
    first, last = dt.date(year - 1, 1, 1), dt.date(year, 12, 31)
    hourly = ac.read_hourly(job.store, first, last, ids)
    _, adaily = ac.evaluate(hourly, link)
    dust = ac.workspace_dust(job.workspace.home, dt.date(year, 1, 1), last)

    def rows(label: str, dust_flags: pl.DataFrame | None = None) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name in names:   # each area on its own: the annual bulletin does not rank its areas
            out.update(ac.rows_by_area(ac.stats(adaily, [name], "year", label, dust=dust_flags)))
        return out

    now, before = rows(str(year)), rows(str(year - 1))
    deducted = rows(str(year), dust) if dust is not None else {}
    validity = _validity(adaily, year)
    chap = doc.chapter(f"{number}、环境空气质量")
    levels = ac.levels_table(last)
    sample_areas = ac.sample_areas(reg, names, hourly, job.store, dt.date(year, 1, 1), last)
    missing = [n for n in names if n not in now]

    # --- words
    lines = []
    for name in names:
        row = now.get(name)
        if not row:
            continue
        bad = [r for r in validity.get(name, {}).values() if not r["valid"]]
        compliant = "达到" if row["compliant"] else "未达到"
        lines.append(f"{name}{year}年环境空气质量综合指数为{fmt(row['composite_index'], 2)}，优良天数比例为"
                     f"{fmt(row['good_day_ratio'], 1)}%，六项污染物年评价浓度{compliant}国家二级标准"
                     f"{'（部分统计量不满足年度数据有效性要求，见表' + str(doc.tables + 1) + '注）' if bad else ''}。")
    if missing:
        lines.append(f"{'、'.join(missing)}{year}年没有可用的空气监测数据（国家空气质量实时发布数据自2026年2月起才有留存），"
                     "本章不列其年度统计。")
    chap.para("".join(lines) or f"{year}年没有空气监测数据。")
    chap.para(combination_sentence(year))
    if sample_areas:
        chap.note(f"注意：{'、'.join(sample_areas)}的{year}年空气监测数据为样例数据（非实测），仅用于演示。")

    # --- 表: concentrations, compliance, composite index and its change
    header = ["区域"] + [f"{sym}（{unit}）" for _, sym, unit, _ in STATS] + ["综合指数", "综合指数同比（%）", "达标情况"]
    table_rows, notes = [], []
    for name in names:
        row = now.get(name)
        if not row:
            continue
        cells = [name]
        for col, sym, _, dec in STATS:
            mark = ""
            check = validity.get(name, {}).get(VALIDITY_OF[col])
            if check and not check["valid"]:
                mark = "*"
                notes.append(f"*{name}{sym}：{check['message_zh']}，该统计量不满足GB 3095表4的年度有效性要求，仅供参考。")
            cells.append(fmt(row.get(col), dec) + mark)
        cells.append(fmt(row["composite_index"], 2))
        prev = before.get(name)
        cells.append(fmt(_change(row["composite_index"], prev["composite_index"] if prev else None), 1))
        failing = [sym for col, sym, _, _ in STATS if row.get(f"compliant_{col}") is False]
        cells.append("达标" if row["compliant"] else f"超标（{'、'.join(failing)}）")
        table_rows.append(cells)
        dust_row = deducted.get(name)
        if dust_row:
            table_rows.append([f"{name}（扣沙）"] + [fmt(dust_row.get(col), dec) for col, _, _, dec in STATS]
                              + [fmt(dust_row["composite_index"], 2), DASH,
                                 "达标" if dust_row["compliant"] else "超标"])
    limits = {col: ac.limit(p, a, last) for col, (p, a) in LIMIT_OF.items()}
    notes.insert(0, "SO₂、NO₂、PM₁₀、PM₂.₅为年平均浓度，CO为24小时平均第95百分位数，O₃为日最大8小时平均第90百分位数；"
                    "二级浓度限值依次为" + "、".join(fmt(limits[c], 1 if c == "co_p95" else 0) for c, *_ in STATS) + "。")
    notes.append("扣沙：扣除沙尘天气影响日的PM₁₀、PM₂.₅后统计（环办监测〔2016〕120号）；未列扣沙行的区域全年无沙尘影响日，"
                 "不扣沙与扣沙结果相同。" if dust is not None else
                 "全年未标记沙尘天气影响日，表中结果即不扣沙结果（扣沙与不扣沙相同）。")
    if not before:
        notes.append(f"{year - 1}年无空气监测数据，综合指数同比变化无法计算（—）。")
    t_conc = chap.table(f"{year}年各区域环境空气污染物浓度及达标情况", header, table_rows, notes) if table_rows else None

    # --- 表: days per level, heavy pollution, primary pollutants
    header = ["区域", "有效天数"] + [str(lv.get("category_zh", lv["level"])) for lv in levels] + \
        ["优良天数比例（%）", "重污染天数", "首要污染物天数"]
    table_rows, level_frame = [], []
    for name in names:
        row = now.get(name)
        if not row:
            continue
        heavy = int(row.get("days_level5") or 0) + int(row.get("days_level6") or 0)
        primary = "、".join(f"{ac.primary_zh(c)} {n}天" for c, n in _primary_days(adaily, name, year)) or DASH
        table_rows.append([name, row["valid_days"]] + [row.get(f"days_level{int(lv['level'])}") or 0 for lv in levels]
                          + [fmt(row["good_day_ratio"], 1), heavy, primary])
        for lv in levels:
            level_frame.append({"area": name, "level": int(lv["level"]), "days": int(row.get(f"days_level{int(lv['level'])}") or 0)})
        level_frame.append({"area": name, "level": 0, "days": period.days - int(row["valid_days"])})
    charts = []
    if table_rows:
        chap.table(f"{year}年各区域空气质量级别天数", header, table_rows,
                   ["重污染天数为重度污染与严重污染天数之和；首要污染物天数按日空气质量指数大于50的日统计。"])
        charts.append(ac.chart("annual-air-levels", "level_days_stacked", {
            "frame": pl.DataFrame(level_frame, schema={"area": pl.String, "level": pl.Int64, "days": pl.Int64}),
            "levels": levels, "title": f"{year}年各区域空气质量级别天数",
            "source": "数据来源：空气质量自动监测"}))
        chap.figure("annual-air-levels", f"{year}年各区域空气质量级别天数")

    exceed = []
    for name in names:
        row = now.get(name)
        if row and not row["compliant"]:
            failing = [sym for col, sym, _, _ in STATS if row.get(f"compliant_{col}") is False]
            exceed.append(Exceedance(f"annual-air:{name}", name, f"{year}年{'、'.join(failing)}超过国家二级标准"))
    review = []
    for name, checks in validity.items():
        bad = [r["message_zh"] for r in checks.values() if not r["valid"]]
        if bad:
            review.append(ReviewNote("data", f"{name}{year}年空气年度统计不满足有效性要求：" + "；".join(dict.fromkeys(bad))))
    summary = [{"area": n, **{k: now[n].get(k) for k in ("valid_days", "so2", "no2", "pm10", "pm2_5", "co_p95",
                                                            "o3_8h_p90", "composite_index", "good_day_ratio",
                                                            "compliant")},
                "validity": {p: {"valid": r["valid"], "valid_days": r["valid_days"], "message_zh": r["message_zh"]}
                             for p, r in validity.get(n, {}).items()}}
               for n in names if n in now]
    tables = {}
    if now:
        tables["空气年度统计"] = pl.DataFrame([{"区域": r["area"], "有效天数": r["valid_days"], "SO2": r["so2"],
                                               "NO2": r["no2"], "PM10": r["pm10"], "PM2.5": r["pm2_5"],
                                               "CO-95per": r["co_p95"], "O3-8h-90per": r["o3_8h_p90"],
                                               "综合指数": r["composite_index"], "优良天数比例": r["good_day_ratio"],
                                               "达标": r["compliant"]} for r in summary])
    ids = ac.standard_ids(dt.date(year, 1, 1), last) + [t.id for t in _validity_tables(year)]
    return {"summary": summary, "charts": charts, "tables": tables, "inputs": ac.inputs_of(hourly, job.store),
            "standards": ids, "exceedances": exceed, "review": review, "sample": bool(sample_areas),
            "table_no": t_conc, "combination": combination_sentence(year)}


def _validity_tables(year: int) -> list[standards.Standard]:
    out = [standards.in_force("hj663", dt.date(year, 12, 31))]
    return out
