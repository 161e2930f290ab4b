"""The month in the bureau's words: summaries, conclusions, the public notes (method, source, validity,
sand dust) and the notes for the reviewers."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins.air import common as ac
from publisher.bulletins.air.monthly.context import AreaMonth, ComparisonRow, CountyRow
from publisher.bulletins.base import Job, ReviewNote
from publisher.periods import Period
from publisher.bulletins.air.monthly.words import _change_text


def _validity_basis(period: Period) -> str:
    gb = standards.in_force("gb3095", period.end)
    v = gb["validity"]
    return (f"{gb.get('meta', {}).get('number', gb.id)}规定每月至少有{v['monthly_min_days']}个日均值"
            f"（2月至少{v['february_min_days']}个）")


def _no_aqi_text(days: list[dict[str, Any]]) -> str:
    """Why days of an area have no AQI, in the bureau's words: ``11日、16日PM₁₀有效数据不足（按HJ 633-2026，
    其余项目AQI未超过100时不发布AQI）``."""
    bad = [d for d in days if d["aqi"] is None]
    if not bad:
        return ""
    parts: list[str] = []
    none = [f"{d['day']}日" for d in bad if d["status"] == "无数据"]
    if none:
        parts.append(f"{'、'.join(none)}无监测数据")
    by_items: dict[str, list[str]] = {}
    rules: list[str] = []
    for d in bad:
        if d["status"] == "无数据":
            continue
        by_items.setdefault(d.get("invalid_zh") or "", []).append(f"{d['day']}日")
        table = standards.in_force("hj633", dt.date.fromisoformat(d["date"]))
        above = (table.get("missing_data") or {}).get("publish_only_above")
        if above is not None:
            rules.append(f"按{(table.get('meta') or {}).get('number', table.id)}，某项污染物缺测时"
                         f"其余项目AQI未超过{above}的不发布AQI")
    for items, when in by_items.items():
        parts.append(f"{'、'.join(when)}{items + '有效数据不足' if items else '数据不足'}")
    text = "；".join(parts)
    if rules:
        text += f"（{'；'.join(dict.fromkeys(rules))}）"
    return text


def _completeness_notes(areas: list[AreaMonth], period: Period) -> list[ReviewNote]:
    """One note per station (each station once, with the areas it counts in): missing hours and the
    days whose daily values are invalid."""
    seen: dict[str, dict[str, Any]] = {}
    for a in areas:
        for s in a.completeness:
            seen.setdefault(s["id"], {**s, "areas": []})["areas"].append(a.name)
    notes = []
    for s in seen.values():
        bits = [f"{period.label_zh}应有{s['hours_expected']}个小时，收到{s['hours_received']}个"]
        if s["missing_text"] != "无":
            bits.append(f"各项缺测小时：{s['missing_text']}")
        if s["not_monitored"]:
            bits.append(f"监测方案未开展{'、'.join(s['not_monitored'])}（“/”）")
        if s["invalid_days"]:
            bits.append("日均值无效：" + "；".join(f"{d['day']}日 {d['text']}" for d in s["invalid_days"]))
        code = f"（{s['code']}）" if s.get("code") else ""
        notes.append(ReviewNote("data", f"{s['name']}{code}，计入{'、'.join(s['areas'])}：" + "；".join(bits) + "。"))
    return notes


def _area_summary(a: AreaMonth, period: Period, conf: ac.Settings) -> str:
    """One paragraph on an area, from its figures."""
    name, row, y = a.name, a.month, a.ytd
    if not row:
        return f"{period.label_zh}{name}无空气质量监测数据。"
    if a.same_as_region:
        region = a.region_name
        return f"{name}为{region}中心城区，评价点位与{region}相同，各项统计结果同{region}。"
    text = f"{period.label_zh}，{name}有效监测{row['valid_days']}天"
    if a.days_without_valid_aqi:
        text += f"（另有{a.days_without_valid_aqi}天无有效AQI）"
    if a.valid:
        text += f"，优良天数{row['good_days']}天，优良天数比例为{ac.fmt(row.get('good_day_ratio'), 1)}%（{a.levels_text}）。"
    else:
        text += (f"，其中{a.levels_text}。本月{'；'.join(n.text for n in a.shortfalls)}，不满足数据有效性要求，"
                 f"月统计结果不作评价。")
    if a.primary:
        text += f"超过“优”的日子中，首要污染物为{'、'.join(x['name'] + str(x['days']) + '天' for x in a.primary)}。"
    elif row["valid_days"]:
        text += "各有效监测日空气质量均为优，无首要污染物。"
    if a.valid and row.get("composite_index") is not None:
        text += f"环境空气质量综合指数为{ac.fmt(row['composite_index'], 2)}，单项指数最大的是{a.composite_primary_name}。"
    if a.yoy is not None and a.valid:
        ch = a.yoy
        text += (f"与上年同期相比，优良天数比例{_change_text(ch.get('good_day_ratio_change'), '个百分点')}，"
                 f"综合指数{_change_text(ch.get('composite_index_change'))}。")
    elif a.yoy is None:
        text += f"无上年同期（{period.same_period_last_year().label_zh}）监测数据，不作同比。"
    if y and y.get("good_day_ratio") is not None:
        text += (f"1—{period.start.month}月累计（{a.ytd_span}）有效监测{y['valid_days']}天，"
                 f"优良天数比例为{ac.fmt(y['good_day_ratio'], 1)}%。")
    return text


def _conclusions(areas: list[AreaMonth], comparison: list[ComparisonRow], counties: list[CountyRow],
                 period: Period, region: str, conf: ac.Settings) -> list[str]:
    out = []
    reg = areas[0]
    row = reg.month
    m = period.start.month
    if not row:
        return [f"{period.label_zh}{region}无空气质量监测数据。"]
    if reg.valid:
        text = (f"{period.label_zh}，{region}（中心城区）环境空气质量优良天数比例为{ac.fmt(row['good_day_ratio'], 1)}%"
                f"（有效监测{row['valid_days']}天，{reg.levels_text}）")
        if reg.yoy is not None:
            text += f"，与上年同期相比{_change_text(reg.yoy.get('good_day_ratio_change'), '个百分点')}"
        else:
            text += f"；无{period.same_period_last_year().label_zh}同期监测数据，不作同比"
        text += "。"
    else:
        text = (f"{period.label_zh}，{region}（中心城区）{'；'.join(n.text for n in reg.shortfalls)}，不满足"
                f"{_validity_basis(period)}的数据有效性要求，本月优良天数比例、月均浓度和综合指数不作评价，"
                f"不参与{conf.ranking_name}排名。有效监测的{row['valid_days']}天中，{reg.levels_text}")
        if reg.days_without_valid_aqi:
            text += f"；另有{reg.days_without_valid_aqi}天无有效AQI（见第四部分）"
        text += "。"
    y = reg.ytd
    if y and y.get("good_day_ratio") is not None:
        text += (f"1—{m}月累计优良天数比例为{ac.fmt(y['good_day_ratio'], 1)}%（统计日期{reg.ytd_span}，"
                 f"有效监测{y['valid_days']}天）。")
    out.append(text)
    if reg.primary:
        out.append(f"{region}本月首要污染物为{'、'.join(x['name'] + '（' + str(x['days']) + '天）' for x in reg.primary)}。")
    worst = reg.worst_days
    if worst:
        w = "；".join(f"{m}月{d['day']}日AQI {d['aqi']}（{d['category']}，首要污染物{d['primary']}）" for d in worst)
        out.append(f"{region}AQI最高的日子为：{w}。")
    me = next((c for c in comparison if c.is_region), None)
    ranked = [c for c in comparison if c.rank_value is not None]
    unranked = [c.name for c in comparison if c.rank_value is None and c.row]
    if me and me.rank_value is not None:
        tied = [c.name for c in ranked if c.rank_value == me.rank_value and not c.is_region]
        text = f"{region}环境空气质量综合指数为{me.composite_index}，在{conf.ranking_name}中"
        text += (f"与{'、'.join(tied)}并列第{me.rank_value}名" if tied else f"排第{me.rank_value}名")
        text += f"（{len(ranked)}个州（市）数据满足统计有效性要求参与排名"
        others = [n for n in unranked if n != region]
        if others:
            text += f"，{'、'.join(others)}数据不足未参与排名"
        text += "；综合指数越小，空气质量越好）。"
        out.append(text)
    elif me and me.row:
        out.append(f"{region}本月数据不满足统计有效性要求，不参与{conf.ranking_name}排名（"
                   f"{'；'.join(n.text for n in reg.shortfalls)}）；其余{len(ranked)}个州（市）的排名见第二部分。")
    # counties: real and sample areas in separate sentences, ranked only among their own kind
    real = [c for c in counties if c.row and not c.sample and not c.same_as_region]
    sample = [c for c in counties if c.row and c.sample]
    for part, tag in ((real, ""), (sample, "（样例数据）")):
        if not part:
            continue
        ratios = "、".join(f"{c.name}{c.good_day_ratio}%" if c.valid else f"{c.name}（数据不足，不作评价）"
                           for c in part)
        text = f"各县（市、区）{tag}本月优良天数比例：{ratios}。"
        ranked_part = [c for c in part if c.rank_value is not None]
        if len(ranked_part) > 1:
            best_v = min(c.rank_value for c in ranked_part)
            worst_v = max(c.rank_value for c in ranked_part)
            best = [c.name for c in ranked_part if c.rank_value == best_v]
            worst_n = [c.name for c in ranked_part if c.rank_value == worst_v]
            text += f"按综合指数，{'、'.join(best)}空气质量相对最好，{'、'.join(worst_n)}相对较差。"
        out.append(text)
    same = [c.name for c in counties if c.same_as_region]
    if same:
        out.append(f"{'、'.join(same)}为{region}中心城区，评价点位与{region}相同，各项结果同{region}，不另行排名。")
    if sample:
        out.append(f"{'、'.join(c.name for c in sample)}的监测站点与数据为样例数据，仅供演示，不代表实际监测结果，"
                   f"不与实测地区一同排名。")
    no_data = [c.name for c in counties if not c.row]
    if no_data:
        out.append(f"{'、'.join(no_data)}本月无空气质量监测数据。")
    return out


def _dust_note(dust_days: dict[str, list[str]], day: dt.date) -> str:
    rule = standards.rule("hj663", day, "sand_dust")
    if not dust_days:
        return f"本月无受沙尘天气过程影响的认定日，浓度与综合指数均为{rule['label_kept_zh']}结果。"
    names = "；".join(f"{a}{'、'.join(str(int(d[-2:])) + '日' for d in days)}" for a, days in dust_days.items())
    return (f"受沙尘天气过程影响的日子：{names}。按环办监测〔2016〕120号，PM₁₀、PM₂.₅浓度和综合指数同时给出"
            f"{rule['label_deducted_zh']}与{rule['label_kept_zh']}结果；优良天数比例和各级别天数保留沙尘日。")


def _method_notes(period: Period) -> list[str]:
    rules = standards.in_force("hj663", period.end)
    gb = standards.in_force("gb3095", period.end)
    v = gb["validity"]
    return [
        "城市（区域）日浓度为其评价点位日均浓度的算术平均，据此按HJ 633计算空气质量指数（AQI）；月均浓度为各有效日均浓度的"
        "算术平均，CO取24小时平均第95百分位数，O₃取日最大8小时平均第90百分位数；仅对发布的结果按GB/T 8170修约。",
        f"日均值至少需要{v['daily_min_hours']}个有效小时值；月统计每项污染物至少需要{v['monthly_min_days']}个有效日均值"
        f"（2月{v['february_min_days']}个），不满足的月份不作评价、不参与排名，并说明数据缺失情况。",
        f"优良天数比例 = AQI≤{rules['good_days']['aqi_at_most']}的天数 ÷ 有效监测天数 × 100%。",
        "环境空气质量综合指数为六项污染物单项指数（浓度 ÷ 二级浓度限值）之和，SO₂、NO₂、PM₁₀、PM₂.₅取年平均二级浓度限值，"
        "CO取24小时平均二级浓度限值，O₃取日最大8小时平均二级浓度限值；指数越小空气质量越好，指数相同者排名并列。",
        "浓度同比变化以%计，优良天数比例同比变化以百分点计。",
    ]


def _source_notes(areas: list[AreaMonth], conf: ac.Settings, reg, group: list[str]) -> list[str]:
    """Data source, monitoring units and the ranking group, in the bureau's words."""
    region = areas[0]
    names = "、".join(f"{s.name}（{s.code}）" if s.code else s.name for s in region.stations)
    units = list(dict.fromkeys(s.unit for s in region.stations if s.unit))
    out = [f"数据来源：{region.name}为国家环境空气质量监测网城市评价点位{names}的自动监测实况数据（未经审核）"]
    county_units: list[str] = []
    for a in areas[1:]:
        if a.same_as_region or not a.stations:
            continue
        county_units += [s.unit for s in a.stations if s.unit]
    if len(areas) > 1:
        out[0] += "；各县（市、区）为县城空气自动监测站点数据"
    out[0] += "。"
    unit_text = "、".join(units)
    if county_units:
        unit_text += "（城市评价点位）；" + "、".join(dict.fromkeys(county_units)) + "（县城站点）"
    out.append(f"监测单位：{unit_text}。")
    out.append(f"排名范围：{conf.ranking_name}（{'、'.join(group)}），各州（市）按其国家环境空气质量监测网城市评价点位"
               f"实况数据统计。")
    return out


def _validity_notes(areas: list[AreaMonth], period: Period) -> list[str]:
    """What each area's month lacks (public): indicators short of the validity counts, days without AQI."""
    notes = []
    for a in areas:
        if not a.has_data:
            notes.append(f"{a.name}：{period.label_zh}无监测数据。")
            continue
        if a.same_as_region:
            continue
        bits = [n.text for n in a.shortfalls]
        if a.days_without_valid_aqi:
            bits.append(f"{a.days_without_valid_aqi}天无有效AQI：{a.no_aqi_text}")
        if bits:
            notes.append(f"{a.name}：" + "；".join(bits) + "。")
    if not notes:
        notes.append("本月各地区各项污染物有效日均值均满足数据有效性要求。")
    return notes


def _page_rules(period: Period) -> dict[str, Any]:
    """The standard facts the page's fixed text states, from the HJ 633 table in force at the period's end:
    the AQI above which a day has a primary pollutant, and the day that table applies from."""
    table = standards.in_force("hj633", period.end)
    start = table.effective_from
    return {"primary_aqi_above": table["primary_pollutant"]["aqi_above"],
            "hj633_from_zh": f"{start.year}年{start.month}月{start.day}日"}


def _review_notes(areas: list[AreaMonth], comparison: list[ComparisonRow], conf: ac.Settings,
                  dust: pl.DataFrame | None, dust_days: dict[str, list[str]], period: Period, job: Job) -> list[ReviewNote]:
    notes: list[ReviewNote] = []
    pending = ac.statistics_note(period.end)
    if pending:
        notes.append(ReviewNote("method", pending))
    where = "工作目录的 air.yaml" if conf.path.parent == job.workspace.home else "程序自带的默认设置 publisher/defaults/air.yaml"
    notes.append(ReviewNote("configuration", f"排名范围“{conf.ranking_name}”（{len(conf.ranking_areas)}个城市）取自{where}。"))
    flagged = "、".join(f"{a}{len(d)}天" for a, d in dust_days.items()) or "本月无标记"
    notes.append(ReviewNote("provenance", f"沙尘天气影响日取自{ac.DUST_FILE}（上游认定，本系统不识别沙尘天气）：{flagged}。"
                            if dust is not None else f"工作目录没有 {ac.DUST_FILE}，未标记沙尘天气影响日（不扣沙）。"))
    for a in areas:
        if a.ytd and not a.ytd_full and not a.same_as_region:
            notes.append(ReviewNote("data", f"{a.name}1—{period.start.month}月累计只含入库数据的日子（{a.ytd_span}），"
                                            f"此前没有该地区的数据。"))
    for c in comparison:
        if c.row and c.rank_value is None and c.lacking:
            notes.append(ReviewNote("data", f"{c.name}未参与排名：{'；'.join(n.text for n in c.lacking)}。"))
    notes += _completeness_notes(areas, period)
    return notes
