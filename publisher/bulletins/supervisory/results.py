"""Supervisory results judged: the store's outlet results joined with the registry's outlets and judged by
:func:`publisher.evaluate.discharge.evaluate` under the standard assignment in force on each sampling day.

Pure functions on frames (the registry is read, nothing else); the bulletin (:mod:`.report`) words and lays out
what these return. The compliance counts follow the rule the bulletin states (docs/discharge-method.md,
"The quarterly bulletin"): an outlet complies in the period when every judged result of it complies, exceeds when
one result exceeds, and is left out of the rates when none of its results could be judged; a unit likewise over
its outlets' results.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from publisher.evaluate import discharge

#: the reason given when the registry assigns no standard to the outlet on the sampling day
NO_ASSIGNMENT = "STANDARD_NOT_ASSIGNED"
NO_ASSIGNMENT_ZH = "站点名录中该排放口在监测日期无登记的执行标准"
#: decimals of a printed 超标倍数 (a presentation choice: 2, as provincial tables print 0.39倍)
MULTIPLE_DECIMALS = 2


def judge(results: pl.DataFrame, registry: Any) -> pl.DataFrame:
    """Every result of `results` (the store's supervisory frame) judged: the frame's columns plus ``unit_name,
    outlet_name, outlet_type, assignment`` and the columns :func:`discharge.evaluate` adds (``standard_id, clause,
    limit, converted, status, exceed_multiple, reason, reason_zh`` …)."""
    province = (registry.region or {}).get("province")
    outlets: dict[str, Any] = {}
    meta: list[dict[str, Any]] = []
    for unit in registry.units:
        for outlet in unit.outlets:
            for index in range(len(outlet.standards)):
                record = outlet.evaluation_record(index, province)
                outlets[record["outlet_id"]] = record
            meta.append({"outlet_id": outlet.key, "unit_name": unit.name, "outlet_name": outlet.name,
                         "outlet_code": outlet.id, "outlet_type": outlet.type})

    def eval_id(row: dict[str, Any]) -> str:
        unit = registry.unit(row["unit_id"]) if row["unit_id"] else None
        outlet = unit.outlet(row["outlet_id"].split("/", 1)[-1]) if unit else None
        found = outlet.assignment_on(row["sampled_at"].date()) if outlet else None
        return f"{row['outlet_id']}#{found[0]}" if found else f"{row['outlet_id']}#none"

    if results.height == 0:
        frame = results.with_columns(pl.lit(None, pl.String).alias("_eval_id"))
    else:
        frame = results.with_columns(
            pl.struct("unit_id", "outlet_id", "sampled_at").map_elements(eval_id, return_dtype=pl.String)
            .alias("_eval_id"))
    samples = frame.rename({"outlet_id": "outlet_key"}).rename({"_eval_id": "outlet_id"})
    judged = discharge.evaluate(samples, list(outlets.values()))
    unassigned = pl.col("outlet_id").str.ends_with("#none")
    judged = judged.with_columns(
        pl.when(unassigned).then(pl.lit(NO_ASSIGNMENT)).otherwise(pl.col("reason")).alias("reason"),
        pl.when(unassigned).then(pl.lit(NO_ASSIGNMENT_ZH)).otherwise(pl.col("reason_zh")).alias("reason_zh"),
        pl.col("outlet_id").str.split("#").list.last().alias("assignment"),
    ).drop("outlet_id").rename({"outlet_key": "outlet_id"})
    info = pl.DataFrame(meta, schema={"outlet_id": pl.String, "unit_name": pl.String, "outlet_name": pl.String,
                                      "outlet_code": pl.String, "outlet_type": pl.String})
    return judged.join(info, on="outlet_id", how="left")


def verdicts(judged: pl.DataFrame, by: str) -> pl.DataFrame:
    """One row per `by` (``unit_id`` or ``outlet_id``): ``results, exceeding, compliant, not_judged`` counts and
    ``verdict`` (``exceeding`` when a result exceeds, else ``compliant`` when a result was judged, else
    ``not_judged``)."""
    counts = judged.group_by(by, maintain_order=True).agg(
        pl.len().alias("results"),
        (pl.col("status") == "exceeding").sum().alias("exceeding"),
        (pl.col("status") == "compliant").sum().alias("compliant"),
        (pl.col("status") == "not_judged").sum().alias("not_judged"),
    )
    return counts.with_columns(
        pl.when(pl.col("exceeding") > 0).then(pl.lit("exceeding"))
        .when(pl.col("compliant") > 0).then(pl.lit("compliant"))
        .otherwise(pl.lit("not_judged")).alias("verdict"))


def rate(verdict: pl.DataFrame) -> dict[str, Any]:
    """``monitored, judged, compliant, exceeding, not_judged, rate`` (compliant / judged, in %, unrounded)."""
    monitored = verdict.height
    compliant = int((verdict["verdict"] == "compliant").sum()) if monitored else 0
    exceeding = int((verdict["verdict"] == "exceeding").sum()) if monitored else 0
    judged = compliant + exceeding
    return {"monitored": monitored, "judged": judged, "compliant": compliant, "exceeding": exceeding,
            "not_judged": monitored - judged, "rate": (100.0 * compliant / judged) if judged else None}


def half_even(value: float, decimals: int) -> Decimal:
    """`value` rounded half to even (GB/T 8170 进舍规则) after stripping binary noise."""
    clean = Decimal(repr(value)).quantize(Decimal(1).scaleb(-12))
    return clean.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def multiple_text(multiple: float | None) -> str | None:
    """超标倍数 as printed: :data:`MULTIPLE_DECIMALS` decimals, half to even; ``<0.01`` for a smaller one."""
    if multiple is None:
        return None
    shown = half_even(multiple, MULTIPLE_DECIMALS)
    if shown == 0:
        return f"<{Decimal(1).scaleb(-MULTIPLE_DECIMALS)}"
    return f"{shown:.{MULTIPLE_DECIMALS}f}"


def decimals_of(raw: str | None) -> int:
    """Decimals written in a reported value (``0.52`` → 2, ``180`` → 0, ``0.05L`` → 2)."""
    text = (raw or "").strip().rstrip("Ll").lstrip("<＜")
    return len(text.partition(".")[2]) if "." in text else 0


def measured_text(raw: str | None, value: float | None) -> str:
    """The measured value as the page prints it: as the file wrote it, unless the ingest converted it to the
    standard's unit (``12000`` μg/m³ → ``12`` mg/m³), then the stored value in that unit; ``—`` when none."""
    text = (raw or "").strip()
    if value is None:
        return text or "—"
    try:
        written = float(text)
    except ValueError:
        return text or plain_number(value)      # 0.05L, <1: as written
    if abs(written - value) <= 1e-9 * max(1.0, abs(value)):
        return text
    return plain_number(value)


def unit_suffix(unit: str | None) -> str:
    """The unit printed after a concentration (``mg/m³``); nothing for 无量纲 and grades (``≤1级`` says it)."""
    return {"mg/m3": "mg/m³", "无量纲": "", "林格曼级": ""}.get(unit or "", unit or "")


def plain_number(value: float) -> str:
    """A number without binary noise or trailing zeros (12.0 → 12, 0.0123 → 0.0123)."""
    text = f"{round(value, 9):.9f}".rstrip("0").rstrip(".")
    return text or "0"


def converted_text(converted: float | None, raw: str | None, limit: float | None) -> str | None:
    """A converted concentration printed with the decimals of the measured value; one more (up to 3 more) when
    the rounded figure would equal the limit though the unrounded one does not."""
    if converted is None:
        return None
    places = decimals_of(raw)
    text = f"{half_even(converted, places):.{places}f}"
    for _ in range(3):
        if limit is None or Decimal(text) != Decimal(repr(limit)) or converted == limit:
            break
        places += 1
        text = f"{half_even(converted, places):.{places}f}"
    return text


def expected(results: pl.DataFrame, registry: Any, start: Any, end: Any) -> dict[str, Any]:
    """What the quarter `start`..`end` expects of the registry's units: every outlet of a unit active in the
    quarter is expected to have a supervisory result; ``waiting`` lists the outlets with none in `results` (the
    store's supervisory frame of the quarter), each with the unit that monitors it (``responsible``: the unit's
    ``monitor``) for the reminders. Counts: ``units``, ``outlets``, ``units_monitored``, ``outlets_monitored``."""
    have = set(results["outlet_id"].to_list()) if results.height else set()
    units = [u for u in registry.units if u.active_on(start) or u.active_on(end)]
    waiting = [{"station_id": outlet.key, "name": f"{unit.name} {outlet.name}",
                "missing": "本季度尚无监督性监测结果", "responsible": unit.monitor or None}
               for unit in units for outlet in unit.outlets if outlet.key not in have]
    outlets = [o for u in units for o in u.outlets]
    return {"units": len(units), "outlets": len(outlets),
            "units_monitored": sum(1 for u in units if any(o.key in have for o in u.outlets)),
            "outlets_monitored": sum(1 for o in outlets if o.key in have), "waiting": waiting}


def sample_exceedances(results: pl.DataFrame, registry: Any) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """The samples of `results` (outlet and sampling time) with an exceeding item, judged as the bulletin judges
    them, and every (outlet, time) judged. One entry per sample: ``outlet_id`` (the key), ``sampled_at``, the unit
    and outlet names, and ``items`` (item, name, judged value and whether converted, limit, standard, multiple)
    in the catalogue's order, and ``message_zh`` — what an exceedance alert at ingest says."""
    if results.height == 0:
        return [], []
    judged = judge(results, registry)
    judged_keys = sorted({(r["outlet_id"], r["sampled_at"]) for r in judged.iter_rows(named=True)},
                         key=lambda k: (k[0], k[1]))
    order = {code: i for i, code in enumerate(discharge.catalogue())}
    found: dict[tuple[str, Any], dict[str, Any]] = {}
    for r in judged.filter(pl.col("status") == "exceeding").iter_rows(named=True):
        entry = found.setdefault((r["outlet_id"], r["sampled_at"]), {
            "outlet_id": r["outlet_id"], "sampled_at": r["sampled_at"], "unit_name": r["unit_name"],
            "outlet_name": r["outlet_name"], "items": []})
        judged_value = r["converted"] if r["converted"] is not None else r["value"]
        entry["items"].append({
            "item": r["item"], "name_zh": discharge.item_name(r["item"]), "value": judged_value,
            "value_text": (converted_text(judged_value, measured_text(r["raw"], r["value"]), r["limit"])
                           if r["converts"] and r["converted"] is not None else measured_text(r["raw"], r["value"])),
            "unit_suffix": unit_suffix(discharge.catalogue().get(r["item"], {}).get("unit")),
            "converted": bool(r["converts"]), "limit": r["limit"], "limit_text": discharge.format_limit(r["limit_kind"], r["limit"], r["limit_low"], r["limit_high"]),
            "standard": r["standard_number"], "multiple": r["exceed_multiple"],
            "multiple_text": multiple_text(r["exceed_multiple"])})
    for entry in found.values():
        entry["items"].sort(key=lambda i: order.get(i["item"], len(order)))
        words = "，".join(
            f"{i['name_zh']}{'折算' if i['converted'] else ''}浓度{i['value_text']}{i['unit_suffix']}，超过"
            f"{i['standard']}限值{i['limit_text']}{i['unit_suffix'] if i['multiple_text'] else ''}"
            + (f"，超标{i['multiple_text']}倍" if i["multiple_text"] else "") for i in entry["items"])
        entry["message_zh"] = (f"重点排污单位监督性监测超标：{entry['unit_name']}{entry['outlet_name']}"
                               f"（{entry['outlet_id']}）{entry['sampled_at']:%Y-%m-%d} 监测，{words}。")
    return [found[k] for k in sorted(found, key=lambda k: (k[0], k[1]))], judged_keys
