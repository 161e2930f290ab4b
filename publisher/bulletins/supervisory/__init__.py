"""重点排污单位监督性监测结果 (quarterly): key polluting units' outlet results against their discharge standards.

Reads the quarter's supervisory results from the store (:meth:`publisher.store.Store.supervisory`), judges each
under the standard the registry assigns to the outlet on the sampling day (:mod:`.results`, through
:mod:`publisher.evaluate.discharge`: the limit and its clause, the value converted to the reference O2, compliant
or exceeding with the multiple), and lays out per unit and outlet the results, the compliance rates by unit and by
outlet, and the list of exceeding units. Every exceeding result is a :class:`~publisher.bulletins.base.Exceedance`
(key ``supervisory:<unit id>:<outlet id>:<item>:<date>``) to be explained (超标原因、处理情况) before review.
"""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher import standards, vocabulary
from publisher.bulletins.base import Bulletin, Exceedance, Job, ReviewNote
from publisher.bulletins.supervisory import results as sv
from publisher.bulletins import catalogue as bulletin_catalogue
from publisher.bulletins.water import common as wc
from publisher.errors import PublisherError
from publisher.evaluate import discharge
from publisher.store.supervisory import SUPERVISORY_PART_SCHEMA

KIND = "supervisory"
TITLE_ZH = "重点排污单位监督性监测结果"
CADENCE = "quarterly"
TEMPLATE = "supervisory.html"

TYPE_ZH = {"wastewater": "废水", "flue_gas": "废气"}
VERDICT_ZH = {"compliant": "达标", "exceeding": "超标", "not_judged": "未判定"}
DASH = "—"


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "quarter":
        raise PublisherError(f"{TITLE_ZH}按季度（如 2026-Q3）编制，期间 {period.label} 不适用 (bad_period)")
    registry = job.registry
    region = registry.region.get("name", "")
    head = wc.page_head(region, period, bulletin_catalogue.get(KIND, job.workspace.home))
    stored = job.store.supervisory(period.start, period.end) if job.store.exists() else None
    if stored is None:
        stored = pl.DataFrame(schema=SUPERVISORY_PART_SCHEMA)
    catalogue = discharge.catalogue()
    order = {code: i for i, code in enumerate(catalogue)}   # items in the catalogue's (the standards') order
    judged = (sv.judge(stored, registry)
              .with_columns(pl.col("item").replace_strict(order, default=len(order), return_dtype=pl.Int64)
                            .alias("_order"))
              .sort("unit_id", "outlet_id", "sampled_at", "_order").drop("_order"))
    units_on = [u for u in registry.units if u.active_on(period.end) or u.active_on(period.start)]

    by_unit = sv.verdicts(judged, "unit_id")
    by_outlet = sv.verdicts(judged, "outlet_id")
    unit_rate, outlet_rate = sv.rate(by_unit), sv.rate(by_outlet)
    type_rates = {}
    for otype in ("wastewater", "flue_gas"):
        part = judged.filter(pl.col("outlet_type") == otype)
        if part.height:
            type_rates[otype] = sv.rate(sv.verdicts(part, "outlet_id"))
    unit_verdict = dict(by_unit.select("unit_id", "verdict").iter_rows())
    outlet_verdict = dict(by_outlet.select("outlet_id", "verdict").iter_rows())

    rows_out: list[dict[str, Any]] = []
    units_ctx: list[dict[str, Any]] = []
    exceedances: list[Exceedance] = []
    exceed_rows: list[dict[str, Any]] = []
    not_judged: list[dict[str, Any]] = []
    for seq, unit in enumerate([u for u in registry.units if u.id in unit_verdict], 1):
        outlets_ctx = []
        for outlet in unit.outlets:
            part = judged.filter(pl.col("outlet_id") == outlet.key)
            if part.height == 0:
                continue
            results_ctx = []
            days = part["sampled_at"].dt.date().to_list()
            for position, r in enumerate(part.iter_rows(named=True)):
                item = catalogue.get(r["item"], {})
                limit_text = discharge.format_limit(r["limit_kind"], r["limit"], r["limit_low"], r["limit_high"])
                shown_value = sv.measured_text(r["raw"], r["value"])     # in the standard's unit
                converted = (sv.converted_text(r["converted"], shown_value, r["limit"])
                             if r["converts"] and r["converted"] is not None else None)
                multiple = sv.multiple_text(r["exceed_multiple"])
                day = r["sampled_at"].date()
                entry = {
                    "item": r["item"], "item_zh": item.get("name_zh", r["item"]), "unit": _unit_zh(item.get("unit")),
                    "date": day.isoformat(), "date_zh": wc.date_zh(day), "value": shown_value,
                    "below_dl": bool(r["below_dl"]),
                    "o2": None if r["o2"] is None else f"{r['o2']:g}",
                    "o2_reference": None if r["o2_reference"] is None else f"{r['o2_reference']:g}",
                    "converted": converted, "converts": bool(r["converts"]),
                    "limit": limit_text or DASH, "standard": r["standard_number"], "clause": r["clause"],
                    "status": r["status"], "status_zh": r["status_zh"], "multiple": multiple,
                    "reason_zh": r["reason_zh"], "confidence": r["limit_confidence"],
                    # the date cell spans the outlet's results of that day
                    "date_rows": days.count(day) if position == 0 or days[position - 1] != day else 0,
                }
                results_ctx.append(entry)
                rows_out.append({
                    "单位名称": unit.name, "统一社会信用代码": unit.credit_code, "县（市、区）": unit.county,
                    "排放口编号": outlet.id, "排放口名称": outlet.name, "排放口类型": outlet.type_zh,
                    "监测日期": day.isoformat(), "项目": entry["item_zh"], "计量单位": entry["unit"],
                    "实测浓度": shown_value, "含氧量（%）": entry["o2"], "基准含氧量（%）": entry["o2_reference"],
                    "折算浓度": converted, "标准限值": limit_text or None, "执行标准": r["standard_number"],
                    "限值条款": r["clause"], "达标情况": r["status_zh"], "超标倍数": multiple,
                    "未判定原因": r["reason_zh"],
                })
                if r["status"] == "exceeding":
                    judged_value = converted if converted else shown_value
                    detail = (f"{entry['item_zh']}{'折算浓度' if converted else '实测浓度'}{judged_value}"
                              f"{_unit_suffix(entry['unit'])}，标准限值{limit_text}{_unit_suffix(entry['unit'])}"
                              f"（{r['standard_number']}）" + (f"，超标{multiple}倍" if multiple else ""))
                    exceedances.append(Exceedance(
                        key=f"supervisory:{unit.id}:{outlet.id}:{r['item']}:{day.isoformat()}",
                        subject=f"{unit.name}{outlet.name}", detail=f"{wc.date_zh(day)}监测，{detail}"))
                    exceed_rows.append({"unit": unit.name, "county": unit.county, "outlet": outlet.name,
                                        "date_zh": wc.date_zh(day), "item_zh": entry["item_zh"],
                                        "value": judged_value, "unit_zh": entry["unit"], "limit": limit_text,
                                        "standard": r["standard_number"], "multiple": multiple,
                                        "converted": bool(converted)})
                elif r["status"] == "not_judged":
                    not_judged.append({"unit": unit.name, "outlet": outlet.name, "item_zh": entry["item_zh"],
                                       "date_zh": wc.date_zh(day), "reason_zh": r["reason_zh"],
                                       "reason": r["reason"]})
            assignment = outlet.assignment_on(part["sampled_at"][0].date())
            outlets_ctx.append({
                "id": outlet.id, "name": outlet.name, "type_zh": outlet.type_zh,
                "standard": _assignment_zh(assignment[1]) if assignment else "未登记",
                "dates_zh": "、".join(dict.fromkeys(wc.date_zh(d) for d in part["sampled_at"].dt.date().to_list())),
                "verdict": outlet_verdict.get(outlet.key), "verdict_zh": VERDICT_ZH[outlet_verdict.get(outlet.key,
                                                                                                      "not_judged")],
                "results": results_ctx,
            })
        units_ctx.append({"seq": seq, "id": unit.id, "name": unit.name, "county": unit.county, "monitor": unit.monitor,
                          "industry": unit.industry, "lists_zh": unit.lists_zh, "credit_code": unit.credit_code,
                          "verdict": unit_verdict[unit.id], "verdict_zh": VERDICT_ZH[unit_verdict[unit.id]],
                          "outlets": outlets_ctx, "rowspan": sum(len(o["results"]) for o in outlets_ctx)})

    exceeding_units = [u for u in units_ctx if u["verdict"] == "exceeding"]
    unmonitored = [u for u in units_on if u.id not in unit_verdict]
    summary = {
        "units_listed": len(units_on), "units": unit_rate, "outlets": outlet_rate,
        "types": {TYPE_ZH[k]: v for k, v in type_rates.items()}, "results": judged.height,
        "results_exceeding": int((judged["status"] == "exceeding").sum()) if judged.height else 0,
        "results_not_judged": int((judged["status"] == "not_judged").sum()) if judged.height else 0,
        "exceeding_units": [u["name"] for u in exceeding_units],
        "unmonitored": [u.name for u in unmonitored],
        "monitors": list(dict.fromkeys(u["monitor"] for u in units_ctx if u["monitor"])),
    }
    findings = _findings(head, summary, exceed_rows)
    method = _method(judged, period)
    inputs = wc.provenance(stored.rename({"outlet_id": "station_id"}), job.store) if stored.height else []
    notes = _notes(summary, units_ctx, not_judged)
    review = []
    invented = [u for u in units_on if u.sample or u.sample_fields]
    if invented:
        review.append(ReviewNote("data", "以下重点排污单位为样例设定（名称、统一社会信用代码、排放口均非实际名录）："
                                 + "、".join(u.name for u in invented) + "。"))
    memory = sorted({r["confidence"] for u in units_ctx for o in u["outlets"] for r in o["results"]
                     if r["confidence"] in ("memory_only", "single_source")})
    if memory:
        review.append(ReviewNote("method", "部分限值或基准含氧量的来源可信度为 " + "、".join(memory)
                                 + "（标准原文未取得或仅有单一来源），详见 docs/discharge-method.md；发布前请核对。"))
    review.extend(wc.review_provenance(inputs, period, "本季度"))
    banner = _banner(invented, inputs)
    table = pl.DataFrame(rows_out, schema={k: pl.String for k in _TABLE_COLUMNS})
    rates_table = pl.DataFrame([
        {"统计口径": label, "监测数": r["monitored"], "参与评价数": r["judged"], "达标数": r["compliant"],
         "超标数": r["exceeding"], "达标率（%）": wc.num(r["rate"], 1) if r["rate"] is not None else None}
        for label, r in [("按单位", unit_rate), ("按排放口", outlet_rate),
                         *[(f"{TYPE_ZH[k]}排放口", v) for k, v in type_rates.items()]]],
        schema={"统计口径": pl.String, "监测数": pl.Int64, "参与评价数": pl.Int64, "达标数": pl.Int64,
                "超标数": pl.Int64, "达标率（%）": pl.String})
    exceed_table = pl.DataFrame([
        {"单位名称": e["unit"], "县（市、区）": e["county"], "排放口": e["outlet"], "监测日期": e["date_zh"],
         "超标项目": e["item_zh"], "浓度": e["value"], "计量单位": e["unit_zh"], "标准限值": e["limit"],
         "执行标准": e["standard"], "超标倍数": e["multiple"]} for e in exceed_rows],
        schema={k: pl.String for k in ("单位名称", "县（市、区）", "排放口", "监测日期", "超标项目", "浓度", "计量单位",
                                       "标准限值", "执行标准", "超标倍数")})
    context = wc.jsonable({
        "kind": KIND, **head, "findings": findings, "summary": summary, "units": units_ctx,
        "exceedances": exceed_rows, "not_judged": not_judged, "method": method, "notes": notes,
        "sample_banner": banner, "inputs": inputs,
        "rates": [{"label": "按单位", **unit_rate}, {"label": "按排放口", **outlet_rate},
                  *[{"label": f"{TYPE_ZH[k]}排放口", **v} for k, v in type_rates.items()]],
    })
    used = sorted({r for r in judged["standard_id"].drop_nulls().unique().to_list()}) if judged.height else []
    return Bulletin(kind=KIND, period=period, title=head["title"], template=TEMPLATE, context=context,
                    tables={"监测结果": table, "达标率": rates_table, "超标单位": exceed_table},
                    inputs=inputs, standards=used, issued=head["issued"], review=review, exceedances=exceedances)


_TABLE_COLUMNS = ("单位名称", "统一社会信用代码", "县（市、区）", "排放口编号", "排放口名称", "排放口类型", "监测日期", "项目",
                  "计量单位", "实测浓度", "含氧量（%）", "基准含氧量（%）", "折算浓度", "标准限值", "执行标准", "限值条款",
                  "达标情况", "超标倍数", "未判定原因")


def _unit_zh(unit: str | None) -> str:
    return {"mg/m3": "mg/m³", "无量纲": "无量纲", "林格曼级": "级"}.get(unit or "", unit or "")


def _unit_suffix(unit: str) -> str:
    return "" if unit in ("无量纲", "") else unit


def _assignment_zh(assignment: Any) -> str:
    text = assignment.standard
    if assignment.cls:
        text += f" {assignment.cls}标准"
    if assignment.special:
        text += "（特别排放限值）"
    return text


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{wc.num(value, 1)}%"


def _findings(head: dict[str, Any], summary: dict[str, Any], exceed_rows: list[dict[str, Any]]) -> list[str]:
    units, outlets = summary["units"], summary["outlets"]
    if not units["monitored"]:
        return [f"{head['period_zh']}未收到重点排污单位监督性监测结果。"]
    types = "，".join(f"{k}排放口{v['monitored']}个" for k, v in summary["types"].items())
    out = [f"{head['period_zh']}，对{units['monitored']}家重点排污单位的{outlets['monitored']}个排放口（{types}）"
           f"开展监督性监测，共获得监测结果{summary['results']}项次。"]
    out.append(f"按单位统计，参与评价的{units['judged']}家单位中{units['compliant']}家达标，达标率为{_pct(units['rate'])}；"
               f"按排放口统计，参与评价的{outlets['judged']}个排放口中{outlets['compliant']}个达标，"
               f"达标率为{_pct(outlets['rate'])}。")
    if exceed_rows:
        parts: dict[str, list[str]] = {}
        for e in exceed_rows:
            multiple = f"超标{e['multiple']}倍" if e["multiple"] else "超标"
            parts.setdefault(e["unit"], []).append(f"{e['outlet']}{e['item_zh']}{multiple}")
        out.append(f"超标单位{len(parts)}家：" + "；".join(f"{u}（{'、'.join(p)}）" for u, p in parts.items()) + "。")
    else:
        out.append("本季度监测的排放口均未超标。")
    if summary["results_not_judged"]:
        out.append(f"另有{summary['results_not_judged']}项次结果因缺少判定条件未作判定，见表后说明。")
    return out


def _method(judged: pl.DataFrame, period: Any) -> dict[str, Any]:
    """The standards applied and the O2 conversion of each, as the 评价标准及方法 section prints them."""
    used = []
    if judged.height:
        for table_id in sorted(judged["standard_id"].drop_nulls().unique().to_list()):
            table = standards.get(table_id)
            o2 = judged.filter((pl.col("standard_id") == table_id) & pl.col("converts")
                               & pl.col("o2_reference").is_not_null())
            refs = sorted({f"{v:g}%" for v in o2["o2_reference"].to_list()})
            block = table.get("oxygen_reference") or {}
            used.append({"citation": table.citation, "o2": "、".join(refs), "o2_clause": block.get("clause"),
                         "formula": block.get("formula_zh")})
    return {"standards": used}


def _notes(summary: dict[str, Any], units: list[dict[str, Any]], not_judged: list[dict[str, Any]]) -> list[str]:
    notes = ["监督性监测为生态环境部门对排污单位排放口的抽样监测，结果为采样当时（当日）的瞬时或混合样监测值，"
             "仅代表采样时的排放状况。",
             "废气颗粒物、二氧化硫、氮氧化物等执行标准规定须折算的项目，按实测含氧量折算为基准含氧量排放浓度后与限值比较；"
             "监测值不修约，与限值直接比较，等于限值为达标；超标倍数=折算（或实测）浓度÷限值−1，保留两位小数。",
             "按单位（排放口）统计时，一家单位（一个排放口）本季度任一项目超标即计为超标，全部已判定项目达标计为达标；"
             "全部结果未能判定的不参与达标率统计。"]
    if summary["unmonitored"]:
        notes.append(f"本季度未开展监督性监测的重点排污单位：{'、'.join(summary['unmonitored'])}。")
    for entry in not_judged:
        notes.append(f"{entry['unit']}{entry['outlet']}{entry['date_zh']}{entry['item_zh']}未判定：{entry['reason_zh']}。")
    return notes


def _banner(invented: list[Any], inputs: list[dict[str, Any]]) -> str | None:
    """The warning at the top when the inputs are sample files (named with ``vocabulary.SAMPLE_PREFIX``, as the
    other kinds detect them) or units are sample, else None."""
    files = any(str(i.get("file", "")).startswith(vocabulary.SAMPLE_PREFIX) for i in inputs)
    if files:
        return "注意：本期使用的监测数据为样例数据（非实测），所列重点排污单位及排放口为样例设定，仅用于演示，不代表任何企业的实际排放状况。"
    if invented:
        return "注意：部分重点排污单位及排放口为样例设定，其结果仅用于演示。"
    return None
