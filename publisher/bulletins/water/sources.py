"""城市集中式生活饮用水水源水质状况 (monthly): the central city's drinking-water sources.

The figures come from :mod:`publisher.evaluate.water` (period values with the ½-DL rule, the class by the
single-factor method, compliance against the source's target, 水源达标率 and 水量达标率, change wording);
this module picks the sources and periods, words the findings and lays out the tables and charts.
The county-level bulletin (:mod:`publisher.bulletins.water.sources_county`) is the same assembly over
the county sources, by quarter.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from publisher.bulletins import catalogue
from publisher.bulletins.water import common as wc
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.base import Bulletin, Job, ReviewNote
from publisher.errors import PublisherError
from publisher.evaluate import water
from publisher.periods import Period
from publisher.vocabulary import water as vocabulary_water
from publisher.render.charts.spec import ChartSpec

KIND = "water-sources"
TEMPLATE = "water_sources.html"

#: How many items the trend charts follow.
TREND_ITEMS = 3


@dataclass(frozen=True)
class Scope:
    """What differs between the city (monthly) and county (quarterly) source bulletins."""

    kind: str
    template: str
    station_kinds: tuple[str, ...]
    unit: str                # month | quarter (the Period unit and the period_values period)
    scope_zh: str            # 中心城市 / 县级
    this_zh: str             # 本月 / 本季度
    prev_zh: str             # 上月 / 上季度
    history: int             # how many periods the trend charts cover (13 months / 5 quarters)
    volume_zh: str = "取水量（万吨）"
    volume_sentence: str = "{this}取水总量{total}万吨，达标水量{ok}万吨，水量达标率为{rate}。"


CITY = Scope(kind=KIND, template=TEMPLATE, station_kinds=("city_source",), unit="month",
             scope_zh="中心城市", this_zh="本月", prev_zh="上月", history=13)

#: 取水量 from the water suppliers (the period's actual intake) or, failing that, the registry's value
REPORTED, REGISTRY = "reported", "registry"


def assemble(job: Job) -> Bulletin:
    return assemble_sources(job, CITY)


# --------------------------------------------------------------------------------------------- assembly
def assemble_sources(job: Job, scope: Scope) -> Bulletin:
    period = job.period
    entry = catalogue.get(scope.kind, job.workspace.home)
    if period.unit != scope.unit:
        word = {"month": "月（如 2026-09）", "quarter": "季度（如 2026-Q3）"}[scope.unit]
        raise PublisherError(f"{entry.title_zh}按{word}编制，期间 {period.label} 不适用 (bad_period)")
    registry = job.registry
    region = registry.region.get("name", "")
    day = period.end
    stations = wc.stations_in(registry, scope.station_kinds, period)
    meta = wc.station_meta(registry, stations)

    previous, last_year = period.previous(), period.same_period_last_year()
    first = period.shift(-(scope.history - 1))
    read_from = min(first.start, dt.date(period.start.year, 1, 1), last_year.start)
    samples = wc.read_samples(job, read_from, period.end, stations)
    values = water.period_values(samples, scope.unit)
    intake = job.store.intake(read_from, period.end, [s.id for s in stations])

    def evaluate(places: int | None) -> pl.DataFrame:
        return water.evaluate(values, meta, multiple_decimals=places) if values.height else water.evaluate(values)

    def snapshot(p: Period, ev: pl.DataFrame) -> dict[str, Any]:
        return _snapshot(p, stations, ev, day, _volumes(intake, stations, p))

    evaluated = evaluate(None)
    current = snapshot(period, evaluated)
    _tables_measured(current, values.filter(pl.col("sampled_at") == wc.period_start(period)))
    # one precision for every 超标倍数 the bulletin prints
    places = wc.multiple_places([r["exceedances"] for r in current["rows"]])
    if places is not None:
        evaluated = evaluate(places)
        current = snapshot(period, evaluated)
        _tables_measured(current, values.filter(pl.col("sampled_at") == wc.period_start(period)))
    before = snapshot(previous, evaluated)
    year_ago = snapshot(last_year, evaluated)
    cur_samples = samples.filter(pl.col("sampled_at").dt.date().is_between(period.start, period.end))

    changes = {
        "previous": _changes(current, before, scope.prev_zh, previous),
        "last_year": _changes(current, year_ago, "上年同期", last_year),
    }
    findings = _findings(scope, period, region, current, changes, stations, day)
    rows = current["rows"]
    table = _main_table(rows, scope.volume_zh)
    results = results_table(values.filter(pl.col("sampled_at") == wc.period_start(period)), stations, day)

    monitored = _monitored_items(stations, cur_samples, day)
    has_ground = any(s.waterbody_type == "groundwater" for s in stations)
    method = wc.method_block(day, groundwater=has_ground, sections=False, trophic=False, monitored=monitored,
                             places=places)
    monitoring = _monitoring(scope, period, stations, cur_samples, rows, monitored, day)

    charts, specs, chart_notes = _charts(job, scope, period, stations, meta, samples, evaluated, values,
                                         current, day)
    inputs = wc.provenance(samples, job.store)
    intake_inputs = wc.provenance(intake.filter(pl.col("period_start").dt.date().is_between(period.start, period.end)),
                                  job.store, time="period_start")
    reported = any(r["volume_source"] == REPORTED for r in rows)
    notes = [wc.data_source_note(stations, intake=reported), wc.completeness_note(rows, "水源", scope.this_zh)]
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
    review.extend(wc.review_provenance(inputs + intake_inputs, period, scope.this_zh))
    rules = wc.eval_rules(day)["drinking_source"]
    remarks = [wc.tidy(str(rules["definition_zh"]).strip()), wc.tidy(str(rules["raw_water_zh"]).strip()),
               wc.tidy(str(rules["intake_zh"]).strip())]
    families = ["gb3838", "water_eval", "water_assessment"] + (["gb14848"] if has_ground else [])
    head = wc.page_head(region, period, entry)
    title = head["title"]
    context = wc.jsonable({
        "kind": scope.kind,
        **head,
        "scope_zh": scope.scope_zh,
        "this_zh": scope.this_zh,
        "findings": findings,
        "summary": current["summary"],
        "rows": rows,
        "trophic": [r for r in rows if not r["missing"] and r["type"] == "lake"],
        "counties": current["counties"],
        "changes": changes,
        "monitoring": monitoring,
        "method": method,
        "notes": notes,
        "remarks": remarks,
        "charts": charts,
        "inputs": inputs + intake_inputs,
        "table_columns": list(table.columns),
        "volume_zh": scope.volume_zh,
        "multiple_places": places,
        "comparison": {
            "current": {"label": scope.this_zh, "period_zh": period.label_zh, "rates": current["summary"]["rates"]},
            "previous": {"label": scope.prev_zh, "period_zh": previous.label_zh, "rates": before["summary"]["rates"]},
            "last_year": {"label": "上年同期", "period_zh": last_year.label_zh,
                          "rates": year_ago["summary"]["rates"]},
        },
        "sample_banner": wc.sample_banner(stations, inputs),
        "class_colours": wc.class_colours(),
        "class_ink": wc.class_ink(),
    })
    tables = {"水源水质状况": table, "监测结果": results}
    return Bulletin(
        kind=scope.kind, period=period, title=title, template=scope.template, context=context,
        tables=tables, charts=specs, inputs=inputs + intake_inputs,
        standards=wc.standards_used(day, families), issued=head["issued"], review=review,
        exceedances=exceeding.water_sources(context),
        rules=wc.page_rules(day),
    )


def _tables_measured(snapshot: dict[str, Any], values: pl.DataFrame) -> None:
    """Each row gets ``tables_measured``: the single-limit tables (GB 3838 表2, 表3) of which it measured an item."""
    cat = water.catalogue()
    measured: dict[str, set[str]] = {}
    for sid, item in values.select("station_id", "item").unique().iter_rows():
        for table in cat.get(item, {}).get("tables") or []:
            if table in ("gb3838_t2", "gb3838_t3"):
                measured.setdefault(sid, set()).add(table)
    for row in snapshot["rows"]:
        row["tables_measured"] = sorted(measured.get(row["station_id"], set()))


def _volumes(intake: pl.DataFrame, stations: list, period: Period) -> dict[str, tuple[float | None, str]]:
    """station id -> (取水量 of `period` in 万吨, where it comes from): the supplier's figure for the period (a quarter:
    its quarterly figure, else the sum of its three months when all three were reported), else the registry's monthly
    volume times the months of the period."""
    start = wc.period_start(period)
    months = [wc.period_start(m) for m in wc.month_periods(period.start, period.end)]
    mine = intake.filter(pl.col("period_start").is_between(start, wc.period_start(period.shift(1)), closed="left"))
    out: dict[str, tuple[float | None, str]] = {}
    for station in stations:
        rows = mine.filter(pl.col("station_id") == station.id)
        own = rows.filter((pl.col("unit") == period.unit) & (pl.col("period_start") == start))
        monthly = rows.filter(pl.col("unit") == "month")
        if own.height:
            out[station.id] = (float(own["volume"][0]), REPORTED)
        elif period.unit != "month" and set(monthly["period_start"].to_list()) >= set(months):
            out[station.id] = (float(monthly.filter(pl.col("period_start").is_in(months))["volume"].sum()), REPORTED)
        elif station.volume is not None:
            out[station.id] = (float(station.volume) * len(months), REGISTRY)
        else:
            out[station.id] = (None, REGISTRY)
    return out


# --------------------------------------------------------------------------------------------- one period
def _snapshot(period: Period, stations: list, evaluated: pl.DataFrame, day: dt.date,
              volumes: dict[str, tuple[float | None, str]]) -> dict[str, Any]:
    """Rows, counts and rates of one period (evaluate's figures, one row per registered source)."""
    start = wc.period_start(period)
    ev = evaluated.filter(pl.col("sampled_at") == start)
    by_id = {row["station_id"]: row for row in ev.to_dicts()}
    rows = []
    for seq, station in enumerate(stations, 1):
        row = by_id.get(station.id)
        missing = row is None or row["water_class"] is None
        reason = wc.NO_DATA_REASON if row is None else (row.get("notes") or "无可评价的监测项目")
        ground = station.waterbody_type == "groundwater"
        exceedances = "" if missing else (row["exceedances"] or "")
        if ground:
            exceedances = wc.gw_text(exceedances, day)
        volume, source = volumes.get(station.id, (None, REGISTRY))
        target = water.class_label(water.class_number(station.target_class)) if station.target_class else None
        rows.append({
            "seq": seq,
            "station_id": station.id,
            "county": station.county or station.city,
            "name": station.name,
            "type": station.waterbody_type,
            "type_zh": wc.SOURCE_TYPE_ZH.get(station.waterbody_type or "", wc.DASH),
            "target": target,
            "target_zh": target or wc.DASH,
            "water_class": None if missing else row["water_class"],
            "class_zh": wc.DASH if missing else wc.class_plain(row["water_class"]),
            "status": None if missing else row["status"],
            "compliant": None if missing else row["compliant"],
            "compliance_zh": wc.NOT_MONITORED if missing else ("达标" if row["compliant"] else "不达标"),
            "exceedances": exceedances,
            "exceedances_zh": wc.DASH if missing else wc.exceedance_cell(exceedances),
            "tn_class": None if missing else row.get("tn_class"),
            "tn_zh": wc.class_plain(None if missing else row.get("tn_class")),
            "tli": None if missing else row.get("tli"),
            "tli_zh": wc.DASH if missing or row.get("tli") is None else wc.num(row["tli"], 1),
            "trophic_state": None if missing else row.get("trophic_state"),
            "volume": volume,
            "volume_zh": wc.num(volume, 1) if volume is not None else wc.DASH,
            "volume_source": source,
            "volume_source_zh": "供水单位报送" if source == REPORTED else ("名录登记值（未报送）" if volume is not None
                                                                         else wc.DASH),
            "n_items": None if missing else row["n_items"],
            "missing": missing,
            "reason": reason if missing else "",
        })
    monitored = [r for r in rows if not r["missing"]]
    rate_frame = pl.DataFrame(
        {"compliant": [r["compliant"] for r in monitored],
         "volume": [float(r["volume"] or 0.0) for r in monitored],
         "county": [r["county"] for r in monitored]},
        schema={"compliant": pl.Boolean, "volume": pl.Float64, "county": pl.String},
    )
    rates = water.compliance_rates(rate_frame).to_dicts()[0] if monitored else None
    counties = water.compliance_rates(rate_frame, by=["county"]).to_dicts() if monitored else []
    target_default = int(wc.eval_rules(day)["drinking_source"]["default_target_class"])
    classes = [r["water_class"] for r in monitored]
    summary = {
        "period": period.label,
        "period_zh": period.label_zh,
        "n_registered": len(rows),
        "n_monitored": len(monitored),
        "n_missing": len(rows) - len(monitored),
        "n_surface": sum(1 for r in monitored if r["type"] in ("river", "lake")),
        "n_lake": sum(1 for r in monitored if r["type"] == "lake"),
        "n_river": sum(1 for r in monitored if r["type"] == "river"),
        "n_ground": sum(1 for r in monitored if r["type"] == "groundwater"),
        "class_counts": {water.class_label(k): n for k, n in wc.class_counts(classes).items()},
        "default_target": water.class_label(target_default),
        "n_meet_default": sum(1 for c in classes if c <= target_default),
        "rates": rates,
        "n_volume_registry": sum(1 for r in monitored if r["volume_source"] == REGISTRY),
    }
    return {"rows": rows, "summary": summary, "counties": counties}


def _changes(current: dict[str, Any], other: dict[str, Any], word: str, period: Period) -> dict[str, Any]:
    """Change of the rates (percentage points) and of each source's status level since `period`."""
    cur, old = current["summary"]["rates"], other["summary"]["rates"]
    out: dict[str, Any] = {"word": word, "period": period.label, "period_zh": period.label_zh,
                           "available": old is not None and cur is not None}
    if not out["available"]:
        return out
    for key in ("count_rate", "volume_rate"):
        points = water.share_change(cur[key], old[key])
        out[key] = {"before": old[key], "after": cur[key], "points": points,
                    "points_zh": wc.points_change(points) if points is not None else wc.DASH}
    out["n_monitored"] = current["summary"]["n_monitored"]
    out["n_monitored_before"] = other["summary"]["n_monitored"]
    out["same_sources"] = ({r["station_id"] for r in current["rows"] if not r["missing"]}
                           == {r["station_id"] for r in other["rows"] if not r["missing"]})
    before = {r["station_id"]: r for r in other["rows"]}
    sources = []
    for row in current["rows"]:
        prior = before.get(row["station_id"])
        if row["missing"] or prior is None or prior["missing"]:
            continue
        surface = row["type"] in ("river", "lake")
        wording = water.status_change(prior["status"], row["status"]) if surface else None
        sources.append({"name": row["name"], "before": prior["water_class"], "after": row["water_class"],
                        "before_zh": wc.class_zh(prior["water_class"]), "after_zh": wc.class_zh(row["water_class"]),
                        "status_before": prior["status"] if surface else None,
                        "status_after": row["status"] if surface else None,
                        "wording": wording, "compliant_before": prior["compliant"],
                        "compliant_after": row["compliant"]})
    out["sources"] = sources
    return out


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


# --------------------------------------------------------------------------------------------- tables
MAIN_COLUMNS = ["序号", "县（市、区）", "水源名称", "水源类型", "水质目标", "水质类别", "达标情况",
                "超标指标及超标倍数", "取水量（万吨）", "取水量来源"]


def _main_table(rows: list[dict[str, Any]], volume_zh: str) -> pl.DataFrame:
    """The published table; every figure as the page prints it (取水量 with its one decimal, as text)."""
    data = [[r["seq"], r["county"], r["name"], r["type_zh"], r["target_zh"], r["class_zh"], r["compliance_zh"],
             r["exceedances_zh"], r["volume_zh"], r["volume_source_zh"]] for r in rows]
    schema = {"序号": pl.Int64, "县（市、区）": pl.String, "水源名称": pl.String, "水源类型": pl.String,
              "水质目标": pl.String, "水质类别": pl.String, "达标情况": pl.String,
              "超标指标及超标倍数": pl.String, volume_zh: pl.String, "取水量来源": pl.String}
    return pl.DataFrame(data, schema=schema, orient="row")


def results_table(values: pl.DataFrame, stations: list, day: dt.date) -> pl.DataFrame:
    """Every item of every source in the period: value as printed (``0.01L`` below DL), unit, class; groundwater
    indices by their GB/T 14848 names."""
    schema = {"水源名称": pl.String, "监测项目": pl.String, "单位": pl.String, "监测值": pl.String,
              "采样次数": pl.Int64, "单项水质类别": pl.String, "是否超标": pl.String}
    if values.height == 0:
        return pl.DataFrame(schema=schema)
    targets = {s.id: water.class_number(s.target_class) for s in stations}
    names = {s.id: s.name for s in stations}
    ground = {s.id for s in stations if s.waterbody_type == "groundwater"}
    order = {s.id: i for i, s in enumerate(stations)}
    classed = water.item_classes(values.with_columns(
        pl.col("station_id").replace_strict(targets, default=None, return_dtype=pl.Int8).alias("target_class")))
    cat_order = {c: i for i, c in enumerate(water.catalogue())}
    rows = []
    for r in sorted(classed.to_dicts(), key=lambda r: (order.get(r["station_id"], 99),
                                                      cat_order.get(r["item"], 9999), r["item"])):
        rows.append([
            names.get(r["station_id"], r["station_id"]), wc.item_label(r["item"], r["station_id"] in ground, day),
            wc.item_unit(r["item"]),
            water.format_value(r["value"], r["below_dl"], None if r["below_dl"] else
                               water.report_decimals(r["item"], day)),
            r["n_samples"], water.class_label(r["class"]) or "",
            "" if r["exceeds"] is None else ("超标" if r["exceeds"] else "否"),
        ])
    return pl.DataFrame(rows, schema=schema, orient="row")


# --------------------------------------------------------------------------------------------- charts
def _charts(job: Job, scope: Scope, period: Period, stations: list, meta: pl.DataFrame, samples: pl.DataFrame,
            evaluated: pl.DataFrame, values: pl.DataFrame, current: dict[str, Any],
            day: dt.date) -> tuple[list[dict[str, Any]], list[Any], list[str]]:
    """Chart specs and their captions: class shares, class against target, the year's matrix, item trends.

    The charts carry no title of their own: the page prints each one's number and title under it.
    """
    entries: list[dict[str, Any]] = []
    specs: list[Any] = []
    notes: list[str] = []
    rows = current["rows"]
    summary = current["summary"]
    if summary["n_monitored"]:
        spec, entry = wc.class_shares_chart(summary, f"{period.label_zh}水源水质类别构成", "水源")
        specs.append(spec)
        entries.append(entry)
        frame = [{"section": r["name"], "class": r["water_class"], "target": r["target"]} for r in rows]
        specs.append(ChartSpec("vs_target", "water_sections_vs_target", {"frame": frame}))
        entries.append({"name": "vs_target", "title": f"{period.label_zh}各水源水质类别与水质目标",
                        "caption": "色条为实测水质类别，黑色竖线为水质目标；未监测的水源标为“无数据”。"})

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
