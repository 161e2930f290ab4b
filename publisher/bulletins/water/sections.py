"""主要河流（湖库）国控、省控断面水质状况 (monthly).

Sections of the registry (``national_section``: "5+X" items; ``provincial_section``: the 21 items) and the
lake points, evaluated by :mod:`publisher.evaluate.water`: monthly values (½ DL below the detection limit),
the single-factor class, status, target compliance and 超标倍数, river and basin status (averaging below 5
sections, class proportions from 5), lake averages with the trophic-state index, and the change wording by
status level and by Ⅰ~Ⅲ / 劣Ⅴ proportions against last month and the same month last year.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins import catalogue
from publisher.bulletins.water import common as wc
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.water import sources
from publisher.bulletins.base import Bulletin, Job, ReviewNote
from publisher.errors import PublisherError
from publisher.evaluate import water
from publisher.periods import Period
from publisher.render.charts.spec import ChartSpec

KIND = "water-sections"
TEMPLATE = "water_sections.html"

SECTION_KINDS = ("national_section", "provincial_section")
LAKE_KINDS = ("lake_point",)
HISTORY = 13            # months in the trend charts
TREND_ITEMS = 3         # items followed in the trend charts
TREND_LINES = 6         # sections drawn per trend chart (those with the highest values this month)
SCOPE = "_scope"        # the column grouping every section into one (the whole city)


def assemble(job: Job) -> Bulletin:
    period = job.period
    entry = catalogue.get(KIND, job.workspace.home)
    if period.unit != "month":
        raise PublisherError(f"{entry.title_zh}按月编制（如 2026-09），期间 {period.label} 不适用 (bad_period)")
    registry = job.registry
    region = registry.region.get("name", "")
    day = period.end
    sections = wc.stations_in(registry, SECTION_KINDS, period)
    lakes = wc.stations_in(registry, LAKE_KINDS, period)
    stations = sections + lakes
    meta = wc.station_meta(registry, stations).with_columns(pl.lit(region).alias(SCOPE))

    first = period.shift(-(HISTORY - 1))
    # the X of "5+X" looks back to the start of the previous year of the earliest month evaluated
    read_from = dt.date(min(first.start, period.same_period_last_year().start).year - 1, 1, 1)
    samples = wc.read_samples(job, read_from, period.end, stations)
    values = water.period_values(samples, "month")
    if values.height:
        values = water.with_x_items(values, meta)
    previous, last_year = period.previous(), period.same_period_last_year()

    def evaluate_all(places: int | None) -> tuple[pl.DataFrame, dict[str, dict[str, Any]]]:
        ev = water.evaluate(values, meta, multiple_decimals=places) if values.height else water.evaluate(values)
        return ev, {key: _snapshot(p, sections, lakes, meta, values, ev, day, places)
                    for key, p in (("current", period), ("previous", previous), ("last_year", last_year))}

    evaluated, snaps = evaluate_all(None)
    # one precision for every 超标倍数 the bulletin prints (sections, rivers, basins, lakes)
    places = wc.multiple_places(_multiple_texts(snaps["current"]))
    if places is not None:
        evaluated, snaps = evaluate_all(places)
    cur = snaps["current"]
    changes = {key: _changes(cur, snaps[key], word, p) for key, word, p in
               (("previous", "上月", previous), ("last_year", "上年同期", last_year))}
    rows = _section_rows(sections, snaps)
    _add_group_changes(cur, snaps)
    findings = _findings(period, region, sections, cur, rows, changes, day)

    cur_samples = samples.filter(pl.col("sampled_at").dt.date().is_between(period.start, period.end))
    monitored = []
    for label, kinds in (("国控断面", ("national_section",)), ("省控断面", ("provincial_section",)),
                         ("湖库点位", LAKE_KINDS)):
        ids = [s.id for s in stations if s.kind in kinds]
        text = wc.items_sentence(cur_samples.filter(pl.col("station_id").is_in(ids)))
        if text:
            monitored.append({"label": label, "text": text})
    method = wc.method_block(day, groundwater=False, sections=True, trophic=bool(lakes), monitored=monitored,
                             places=places)
    method["x_items"] = _x_items_text(period, sections, values, meta)
    monitoring = _monitoring(period, sections, lakes, cur_samples, rows, cur["lake_points"], method["monitored"])

    charts, specs = _charts(period, sections, lakes, values, evaluated, cur, day)
    inputs = wc.provenance(samples, job.store)
    notes = [wc.data_source_note(stations)]
    points = cur["lake_points"]
    if points and not any(r["missing"] for r in rows + points):
        notes.append(f"数据完整性：本月应监测断面{len(rows)}个、湖库点位{len(points)}个，均有监测数据。")
    else:
        notes.append(wc.completeness_note(rows, "断面", "本月"))
        if points:
            notes.append(wc.completeness_note(points, "湖库点位", "本月", left_out="不参与湖库平均"))
    for row in rows:
        if row["missing"] and row["reason"] != wc.NO_DATA_REASON:
            notes.append(f"{row['name']}断面本月未评价：{row['reason']}，不参与本月统计。")
    review = []
    for group in cur["rivers"] + cur["basins"]:
        if group.get("notes"):   # a caveat on the method's wording: for the reviewers, the status stands as printed
            review.append(ReviewNote("method", f"{group['name']}：{group['notes']}。"))
    sample = wc.sample_note(stations)
    if sample:
        review.append(ReviewNote("data", sample))
    review.extend(wc.review_provenance(inputs, period, "本月"))
    head = wc.page_head(region, period, entry)
    title = head["title"]
    context = wc.jsonable({
        "kind": KIND,
        **head,
        "findings": findings,
        "summary": cur["summary"],
        "rows": rows,
        "rivers": cur["rivers"],
        "basins": cur["basins"],
        "lakes": cur["lakes"],
        "lake_points": cur["lake_points"],
        "changes": changes,
        "monitoring": monitoring,
        "method": method,
        "multiple_places": places,
        "notes": notes,
        "charts": charts,
        "inputs": inputs,
        "previous_zh": previous.label_zh,
        "sample_banner": wc.sample_banner(stations, inputs),
        "class_colours": wc.class_colours(),
        "class_ink": wc.class_ink(),
        "last_year_zh": last_year.label_zh,
    })
    tables = {
        "断面水质": _sections_table(rows),
        "河流水质": _groups_table(cur["rivers"], "河流"),
        "流域水质": _groups_table(cur["basins"], "流域"),
        "湖库水质": _lakes_table(cur),
        "监测结果": _results_table(values.filter(pl.col("sampled_at") == wc.period_start(period)), stations, day),
    }
    return Bulletin(kind=KIND, period=period, title=title, template=TEMPLATE, context=context, tables=tables,
                    charts=specs, inputs=inputs,
                    standards=wc.standards_used(day, ["gb3838", "water_eval", "water_assessment"]), issued=head["issued"],
                    review=review, exceedances=exceeding.water_sections(context),
                    rules=wc.page_rules(day))


def _multiple_texts(snap: dict[str, Any]) -> list[str]:
    """Every text with 超标倍数 the bulletin prints for the month: sections, rivers, basins, lakes and lake points."""
    texts = [r["exceedances"] for r in snap["by_id"].values()] + [r["main_pollutants"] for r in snap["by_id"].values()]
    texts += [g["main_pollutants"] for g in snap["rivers"] + snap["basins"]]
    texts += [x["main_pollutants"] for x in snap["lakes"] + snap["lake_points"]]
    return texts


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


# --------------------------------------------------------------------------------------------- one month
def _snapshot(period: Period, sections: list, lakes: list, meta: pl.DataFrame, values: pl.DataFrame,
              evaluated: pl.DataFrame, day: dt.date, places: int | None = None) -> dict[str, Any]:
    start = wc.period_start(period)
    ev = {r["station_id"]: r for r in evaluated.filter(pl.col("sampled_at") == start).to_dicts()}
    sec_ids = [s.id for s in sections]
    month_values = values.filter(pl.col("sampled_at") == start)
    sec_values = month_values.filter(pl.col("station_id").is_in(sec_ids))

    by_id = {}
    for station in sections:
        row = ev.get(station.id)
        missing = row is None or row["water_class"] is None
        by_id[station.id] = {
            "water_class": None if missing else row["water_class"],
            "status": None if missing else row["status"],
            "compliant": None if missing else row["compliant"],
            "exceedances": "" if missing else (row["exceedances"] or ""),
            "main_pollutants": "" if missing else (row["main_pollutants"] or ""),
            "assessment": None if missing else row["assessment"],
            "items_evaluated": None if missing else row["items_evaluated"],
            "missing": missing,
            "reason": "" if not missing else (wc.NO_DATA_REASON if row is None else (row["notes"] or "无可评价的监测项目")),
        }

    sec_meta = meta.filter(pl.col("station_id").is_in(sec_ids))
    # the sections' evaluation of this month, reused by the river, basin and whole-city summaries
    sec_evaluated = evaluated.filter((pl.col("sampled_at") == start) & pl.col("station_id").is_in(sec_ids))
    overall = _groups(sec_values, sec_meta, SCOPE, sec_evaluated, places)
    rivers = _groups(sec_values, sec_meta, "river", sec_evaluated, places)
    basins = _groups(sec_values, sec_meta, "basin", sec_evaluated, places)

    classes = [r["water_class"] for r in by_id.values() if not r["missing"]]
    compliant = [r["compliant"] for r in by_id.values() if not r["missing"] and r["compliant"] is not None]
    rates = None
    if compliant:
        frame = pl.DataFrame({"compliant": compliant, "volume": [0.0] * len(compliant)},
                             schema={"compliant": pl.Boolean, "volume": pl.Float64})
        rates = water.compliance_rates(frame).select("n_sources", "n_compliant", "count_rate").to_dicts()[0]
    whole = overall[0] if overall else None
    by_level = {}
    for kind in SECTION_KINDS:
        ids = [s.id for s in sections if s.kind == kind]
        got = [by_id[i] for i in ids if not by_id[i]["missing"]]
        judged = [r["compliant"] for r in got if r["compliant"] is not None]
        n_good = sum(1 for r in got if r["water_class"] in _good_classes(day))
        n_bad = sum(1 for r in got if r["water_class"] == max(water.CLASS_LABELS))
        by_level[kind] = {
            "n_registered": len(ids), "n_monitored": len(got), "n_good": n_good,
            "share_good": wc.share(n_good, len(got), day), "n_bad": n_bad, "share_bad": wc.share(n_bad, len(got), day),
            "n_judged": len(judged), "n_compliant": sum(1 for c in judged if c),
            "count_rate": wc.share(sum(1 for c in judged if c), len(judged), day),
        }
    summary = {
        "period": period.label,
        "period_zh": period.label_zh,
        "n_registered": len(sections),
        "n_monitored": len(classes),
        "n_missing": len(sections) - len(classes),
        "n_rivers": len({s.river for s in sections}),
        "n_basins": len({s.basin for s in sections}),
        "n_national": sum(1 for s in sections if s.kind == "national_section"),
        "n_provincial": sum(1 for s in sections if s.kind == "provincial_section"),
        "class_counts": {water.class_label(k): n for k, n in wc.class_counts(classes).items()},
        "n_good": sum(1 for c in classes if c in _good_classes(day)),
        "n_bad": sum(1 for c in classes if c == max(water.CLASS_LABELS)),
        "share_good": whole["share_good"] if whole else None,
        "share_bad": whole["share_bad"] if whole else None,
        "status": whole["status"] if whole else None,
        "method": whole["method"] if whole else None,
        "main_pollutants": whole["main_pollutants"] if whole else "",
        "rates": rates,
        "by_level": by_level,
    }

    # lakes: each point, then the lake as the spatial mean of its points
    points = []
    for station in lakes:
        row = ev.get(station.id)
        missing = row is None or row["water_class"] is None
        points.append({
            "station_id": station.id, "name": station.name, "lake": station.water_body,
            "target": station.target_class, "target_zh": station.target_class or wc.DASH,
            "water_class": None if missing else row["water_class"],
            "class_zh": wc.DASH if missing else wc.class_plain(row["water_class"]),
            "status": None if missing else row["status"],
            "compliant": None if missing else row["compliant"],
            "tn_class": None if missing else row["tn_class"],
            "tli": None if missing else row["tli"],
            "tli_zh": wc.DASH if missing or row["tli"] is None else wc.num(row["tli"], 1),
            "trophic_state": None if missing else row["trophic_state"],
            "main_pollutants": "" if missing else (row["main_pollutants"] or ""),
            "main_pollutants_zh": wc.DASH if missing else wc.exceedance_cell(row["main_pollutants"]),
            "missing": missing,
            "reason": "" if not missing else wc.NO_DATA_REASON,
        })
    lake_rows = []
    lake_ids = [s.id for s in lakes]
    lake_values = month_values.filter(pl.col("station_id").is_in(lake_ids))
    if lake_values.height:
        summary_frame = water.lake_summary(lake_values, meta.filter(pl.col("station_id").is_in(lake_ids)),
                                           by="water_body", multiple_decimals=places)
        for r in summary_frame.to_dicts():
            lake_rows.append({
                "name": r["station_id"], "n_points": r["n_points"],
                "water_class": r["water_class"], "class_zh": wc.class_plain(r["water_class"]),
                "status": r["status"], "tn_class": r["tn_class"], "tli": r["tli"],
                "tli_zh": wc.DASH if r["tli"] is None else wc.num(r["tli"], 1),
                "trophic_state": r["trophic_state"], "main_pollutants": r["main_pollutants"] or "",
                "main_pollutants_zh": wc.exceedance_cell(r["main_pollutants"]),
            })
    return {"period": period, "by_id": by_id, "summary": summary, "rivers": rivers, "basins": basins,
            "lakes": lake_rows, "lake_points": points}


def _good_classes(day: dt.date) -> set[int]:
    return {int(c) for c in wc.eval_rules(day)["status"]["good_group"]}


def _groups(sec_values: pl.DataFrame, sec_meta: pl.DataFrame, by: str,
            sec_evaluated: pl.DataFrame, places: int | None = None) -> list[dict[str, Any]]:
    """River / basin / whole-city status from :func:`water.river_summary`, as plain rows (`sec_evaluated`: the
    sections' evaluation of these values, not computed again)."""
    if sec_values.height == 0:
        return []
    frame = water.river_summary(sec_values, sec_meta, by=by, sections=sec_evaluated, multiple_decimals=places)
    order = {name: i for i, name in enumerate(dict.fromkeys(sec_meta[by].to_list()))}
    frame = frame.sort(pl.col(by).replace_strict(order, default=len(order), return_dtype=pl.Int64))
    basin_of = dict(zip(sec_meta["river"].to_list(), sec_meta["basin"].to_list()))
    out = []
    for r in frame.to_dicts():
        out.append({
            "name": r[by], "basin": basin_of.get(r[by]) if by == "river" else None,
            "n_sections": r["n_sections"], "share_good": r["share_good"], "share_bad": r["share_bad"],
            "method": r["method"], "method_zh": "断面浓度平均" if r["method"] == "average" else "类别比例",
            "water_class": r["water_class"],
            "class_zh": wc.class_plain(r["water_class"]) if r["water_class"] is not None else wc.DASH,
            "status": r["status"], "main_pollutants": r["main_pollutants"] or "",
            "main_pollutants_zh": wc.exceedance_cell(r["main_pollutants"]), "notes": r["notes"] or "",
        })
    return out


# --------------------------------------------------------------------------------------------- rows
def _section_rows(sections: list, snaps: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    cur, prev, ly = snaps["current"]["by_id"], snaps["previous"]["by_id"], snaps["last_year"]["by_id"]
    rows = []
    for seq, s in enumerate(sections, 1):
        c, p, y = cur[s.id], prev[s.id], ly[s.id]
        missing = c["missing"]
        if missing:
            compliance = wc.NOT_MONITORED
        elif c["compliant"] is None:
            compliance = wc.DASH
        else:
            compliance = "达标" if c["compliant"] else "不达标"
        rows.append({
            "seq": seq, "station_id": s.id, "name": s.name, "river": s.river, "basin": s.basin,
            "level_zh": wc.LEVEL_ZH.get(s.kind, s.kind), "kind": s.kind, "target": s.target_class,
            "target_zh": s.target_class or wc.DASH,
            "basis_zh": "5+X" if s.kind == "national_section" else "21项",
            "water_class": c["water_class"], "class_zh": wc.DASH if missing else wc.class_plain(c["water_class"]),
            "prev_class": p["water_class"], "prev_zh": wc.class_plain(p["water_class"]),
            "ly_class": y["water_class"], "ly_zh": wc.class_plain(y["water_class"]),
            "status": c["status"], "compliant": c["compliant"], "compliance_zh": compliance,
            "exceedances": c["exceedances"],
            "exceedances_zh": wc.DASH if missing or c["compliant"] or not c["exceedances"]
            else wc.exceedance_cell(c["exceedances"]),
            "main_pollutants": c["main_pollutants"], "items_evaluated": c["items_evaluated"],
            "missing": missing, "reason": c["reason"],
        })
    return rows


def _add_group_changes(cur: dict[str, Any], snaps: dict[str, dict[str, Any]]) -> None:
    """Each river / basin row gets its status last month and last year and the change wording."""
    for key in ("rivers", "basins"):
        for group in cur[key]:
            for when in ("previous", "last_year"):
                other = {g["name"]: g for g in snaps[when][key]}.get(group["name"])
                before = other["status"] if other else None
                group[f"{when}_status"] = before
                group[f"{when}_change"] = water.status_change(before, group["status"]) if before else None


def _changes(cur: dict[str, Any], other: dict[str, Any], word: str, period: Period) -> dict[str, Any]:
    a, b = cur["summary"], other["summary"]
    out: dict[str, Any] = {"word": word, "period": period.label, "period_zh": period.label_zh,
                           "available": a["share_good"] is not None and b["share_good"] is not None}
    if not out["available"]:
        return out
    out["proportion"] = water.proportion_change(b["share_good"], b["share_bad"], a["share_good"], a["share_bad"])
    out["status_before"], out["status_after"] = b["status"], a["status"]
    out["status_change"] = water.status_change(b["status"], a["status"])
    out["rate_before"] = b["rates"]["count_rate"] if b["rates"] else None
    out["rate_after"] = a["rates"]["count_rate"] if a["rates"] else None
    out["rate_points"] = water.share_change(out["rate_after"], out["rate_before"])
    sections = []
    for sid, now in cur["by_id"].items():
        then = other["by_id"][sid]
        if now["missing"] or then["missing"]:
            continue
        wording = water.status_change(then["status"], now["status"])
        sections.append({"station_id": sid, "before": then["water_class"], "after": now["water_class"],
                         "before_zh": wc.class_zh(then["water_class"]), "after_zh": wc.class_zh(now["water_class"]),
                         "wording": wording})
    out["sections"] = sections
    return out


# --------------------------------------------------------------------------------------------- words
def _findings(period: Period, region: str, sections: list, cur: dict[str, Any], rows: list[dict[str, Any]],
              changes: dict[str, Any], day: dt.date) -> list[str]:
    s = cur["summary"]
    names = {r["station_id"]: r["name"] for r in rows}
    out = []
    scope = (f"{region}{_small(s['n_basins'])}大水系{s['n_rivers']}条主要河流{s['n_registered']}个国控、省控断面"
             f"（国控{s['n_national']}个、省控{s['n_provincial']}个）")
    if s["n_monitored"] == 0:
        return [f"{period.label_zh}，{scope}均未收到监测数据，本月不作评价。"]
    head = f"{period.label_zh}，{scope}"
    if s["n_missing"]:
        absent = [r["name"] for r in rows if r["missing"]]
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
        failed = [r for r in rows if r["compliant"] is False]
        text = f"{rates['n_compliant']}个断面达到水质目标，达标率为{wc.pct(rates['count_rate'])}"
        if failed:
            details = []
            for r in failed:
                words = wc.exceedance_words(r["exceedances"])
                details.append(f"{r['name']}（水质目标{r['target']}类）为{wc.class_zh(r['water_class'])}，"
                               f"未达到水质目标" + (f"，{words}" if words else ""))
            text += "；" + "；".join(details)
        out.append(text + "。")
    polluted = [r for r in rows if not r["missing"] and r["main_pollutants"] and r["compliant"] is not False]
    if polluted:
        out.append("；".join(f"{r['name']}为{wc.class_zh(r['water_class'])}（{r['status']}），"
                            f"主要污染指标为{_pollutant_words(r['main_pollutants'])}" for r in polluted) + "。")

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


# --------------------------------------------------------------------------------------------- tables
def _sections_table(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {"序号": pl.Int64, "河流": pl.String, "流域": pl.String, "断面名称": pl.String, "断面级别": pl.String,
              "评价指标": pl.String, "水质目标": pl.String, "本月水质类别": pl.String, "上月水质类别": pl.String,
              "上年同期水质类别": pl.String, "达标情况": pl.String, "超标指标及超标倍数": pl.String}
    data = [[r["seq"], r["river"], r["basin"], r["name"], r["level_zh"], r["basis_zh"], r["target_zh"], r["class_zh"],
             r["prev_zh"], r["ly_zh"], r["compliance_zh"], r["exceedances_zh"]] for r in rows]
    return pl.DataFrame(data, schema=schema, orient="row")


def _share_text(value: float | None) -> str:
    """A share as the page prints it: one decimal, ``—`` when there is none."""
    return wc.DASH if value is None else f"{value:.1f}"


def _groups_table(groups: list[dict[str, Any]], label: str) -> pl.DataFrame:
    schema = {label: pl.String, "断面数（个）": pl.Int64, "Ⅰ～Ⅲ类断面比例（%）": pl.String, "劣Ⅴ类断面比例（%）": pl.String,
              "评价方法": pl.String, "水质类别": pl.String, "水质状况": pl.String, "主要污染指标": pl.String,
              "上月水质状况": pl.String, "与上月比较": pl.String, "上年同期水质状况": pl.String,
              "与上年同期比较": pl.String}
    data = [[g["name"], g["n_sections"], _share_text(g["share_good"]), _share_text(g["share_bad"]), g["method_zh"],
             g["class_zh"], g["status"], g["main_pollutants_zh"], g.get("previous_status") or wc.DASH,
             g.get("previous_change") or wc.DASH, g.get("last_year_status") or wc.DASH,
             g.get("last_year_change") or wc.DASH] for g in groups]
    return pl.DataFrame(data, schema=schema, orient="row")


def _lakes_table(cur: dict[str, Any]) -> pl.DataFrame:
    schema = {"湖库": pl.String, "点位": pl.String, "水质目标": pl.String, "水质类别": pl.String, "水质状况": pl.String,
              "总氮水质类别（单独评价）": pl.String, "综合营养状态指数": pl.String, "营养状态": pl.String,
              "主要污染指标": pl.String}
    data = []
    for p in cur["lake_points"]:
        data.append([p["lake"], p["name"], p["target_zh"], p["class_zh"],
                     p["status"] or (wc.NOT_MONITORED if p["missing"] else ""),
                     wc.class_plain(p["tn_class"]), p["tli_zh"], p["trophic_state"] or wc.DASH,
                     p["main_pollutants_zh"]])
    for lake in cur["lakes"]:
        data.append([lake["name"], f"全湖平均（{lake['n_points']}个点位）", wc.DASH, lake["class_zh"], lake["status"],
                     wc.class_plain(lake["tn_class"]), lake["tli_zh"], lake["trophic_state"] or wc.DASH,
                     lake["main_pollutants_zh"]])
    return pl.DataFrame(data, schema=schema, orient="row")


def _results_table(values: pl.DataFrame, stations: list, day: dt.date) -> pl.DataFrame:
    """The sources' results table (one layout for both), its name column named for sections and lakes."""
    return sources.results_table(values.drop("x_items", strict=False), stations, day).rename({"水源名称": "断面（点位）名称"})


# --------------------------------------------------------------------------------------------- 监测情况
def _monitoring(period: Period, sections: list, lakes: list, cur_samples: pl.DataFrame, rows: list[dict[str, Any]],
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
    absent = [r["name"] for r in rows if r["missing"]] + [p["name"] for p in points if p["missing"]]
    n = len(stations) - len(absent)
    report = (f"{period.label_zh}，{len(sections)}个断面和{len(lakes)}个湖库点位均按要求开展监测并上报数据。" if not absent
              else f"{period.label_zh}，{n}个断面（点位）上报了监测数据，{wc.join_names(absent)}未上报本月监测数据。")
    out.append({"label": "数据上报情况", "text": report})
    return out


# --------------------------------------------------------------------------------------------- charts
def _charts(period: Period, sections: list, lakes: list, values: pl.DataFrame, evaluated: pl.DataFrame,
            cur: dict[str, Any], day: dt.date) -> tuple[list[dict[str, Any]], list[Any]]:
    """Chart specs and captions; the charts carry no title of their own (the page prints number and title)."""
    entries: list[dict[str, Any]] = []
    specs: list[Any] = []
    s = cur["summary"]
    by_id = cur["by_id"]
    if s["n_monitored"]:
        spec, entry = wc.class_shares_chart(s, f"{period.label_zh}河流断面水质类别构成", "断面")
        specs.append(spec)
        entries.append(entry)
        frame = [{"section": x.name, "class": by_id[x.id]["water_class"], "target": x.target_class}
                 for x in sections]
        specs.append(ChartSpec("vs_target", "water_sections_vs_target", {"frame": frame}))
        entries.append({"name": "vs_target", "title": f"{period.label_zh}各断面水质类别与水质目标",
                        "caption": "色条为本月水质类别，黑色竖线为水质目标；劣于目标的断面标注“超标”，"
                                   "未监测的断面标为“无数据”。"})

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
