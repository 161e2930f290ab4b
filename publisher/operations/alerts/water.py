"""The water rules: a drinking-water source over its class, a section worse than its target or at 劣Ⅴ."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.evaluate import water
from publisher.operations.alerts.findings import Finding, Outcome, minute as _minute
from publisher.operations.alerts.rules import SECTION_KINDS, SOURCE_KINDS, Config


def evaluate(frame: pl.DataFrame | pl.LazyFrame, registry, store, cfg: Config) -> Outcome:
    out = Outcome()
    by_id = {s.id: s for s in registry.stations}
    present = frame.lazy().select(pl.col("station_id").unique()).collect().get_column("station_id").to_list()
    wanted = [sid for sid in present
              if sid in by_id and ((by_id[sid].kind in SOURCE_KINDS and cfg.on("source_exceedance"))
                                   or (by_id[sid].kind in SECTION_KINDS and cfg.on("section_below_target")))]
    if not wanted:
        return out
    cols = ["station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type"]
    lf = frame.lazy().filter(pl.col("station_id").is_in(wanted)).select(cols)
    span = lf.select(pl.col("sampled_at").min().alias("a"), pl.col("sampled_at").max().alias("b")).collect()
    month = dt.datetime(span.item(0, 0).year, span.item(0, 0).month, 1)
    while month <= span.item(0, 1):   # one month of the file's samples at a time
        after = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
        part = lf.filter((pl.col("sampled_at") >= month) & (pl.col("sampled_at") < after)).collect()
        if part.height:
            out.extend(_water_part(part, registry, store, cfg, by_id))
        month = after
    return out


def _water_part(new: pl.DataFrame, registry, store, cfg: Config, by_id) -> Outcome:
    out = Outcome()
    cols = ["station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type"]
    wanted = new.get_column("station_id").unique().to_list()
    groups = new.select("station_id", "sampled_at").unique()
    samples = new
    if store.exists():
        lo, hi = new.get_column("sampled_at").min(), new.get_column("sampled_at").max()
        stored = store.water_samples(lo.date(), hi.date(), wanted).select(cols)
        stored = stored.join(groups, on=["station_id", "sampled_at"], how="semi") \
            .join(new.select("station_id", "sampled_at", "item"), on=["station_id", "sampled_at", "item"], how="anti")
        samples = pl.concat([stored, new], how="vertical_relaxed")
    meta = water.stations_frame(registry)
    samples = samples.join(meta.select("station_id", pl.col("waterbody_type").alias("_wb")), on="station_id",
                           how="left").with_columns(waterbody_type=pl.coalesce("waterbody_type", "_wb")).drop("_wb")
    evaluated = water.evaluate(samples, meta)
    targets = {s: water.class_number(by_id[s].target_class) if by_id[s].target_class else None for s in wanted}
    classed = water.item_classes(samples.with_columns(
        pl.col("station_id").replace_strict({s: targets[s] or 3 for s in wanted}, return_dtype=pl.Int8)
        .alias("target_class")))
    catalogue = water.catalogue()
    for row in evaluated.iter_rows(named=True):
        station = by_id[row["station_id"]]
        when = _minute(row["sampled_at"])
        items = _exceeding_items(classed, row, water, catalogue)
        if station.kind in SOURCE_KINDS:
            rule = "source_exceedance"
            out.scope.add((rule, station.id, when))
            if row["compliant"] is False and items:
                out.raised.append(_source_finding(station, when, row, items, water))
        else:
            rule = "section_below_target"
            out.scope.add((rule, station.id, when))
            got, target = row["water_class"], row["target_class"]
            worse = cfg.get(rule, "classes_worse")
            if got is None:
                continue
            behind = target is not None and got - target >= max(worse, 1)
            inferior = cfg.get(rule, "inferior_v") and got == 6
            if behind or inferior:
                out.raised.append(_section_finding(station, when, row, items, water))
    return out


def _exceeding_items(classed: pl.DataFrame, row: dict[str, Any], water, catalogue) -> list[dict[str, Any]]:
    """The items the evaluation names as exceeding (in its order: worst first), with value and limit."""
    text = row["exceedances"] or ""
    names = [part.split("/")[0] for part in text.split("、") if part]
    mine = classed.filter((pl.col("station_id") == row["station_id"]) & (pl.col("sampled_at") == row["sampled_at"])
                          & pl.col("exceeds").fill_null(False))
    found = {}
    for r in mine.iter_rows(named=True):
        name = water.item_name(r["item"])
        if name in names and name not in found:
            found[name] = {"item": r["item"], "name": name, "value": r["value"], "limit": r["ref_limit"],
                           "multiple": r["multiple"], "table": r["table"], "below_dl": r["below_dl"],
                           "unit": (catalogue.get(r["item"]) or {}).get("unit") or ""}
    return [found[n] for n in names if n in found]


def _item_words(items: list[dict[str, Any]], target: str) -> str:
    """``总磷 0.08mg/L（Ⅲ类限值 0.05mg/L，超标 0.6 倍）``: the value as reported (``0.01L`` below the
    detection limit), the multiple as the bulletins print it (``water_eval › exceedance``)."""
    words = []
    for it in items:
        unit = it["unit"] if it["unit"] not in ("无量纲", "") else ""
        limit_name = "标准限值" if (it["table"] or "").startswith("gb3838_t") and it["table"] != "gb3838_t1" \
            else f"{target}类限值"
        multiple = f"，超标 {water.format_multiple(it['multiple'])} 倍" if it["multiple"] and it["multiple"] > 0 else ""
        words.append(f"{it['name']} {water.format_value(it['value'], bool(it['below_dl']))}{unit}"
                     f"（{limit_name} {water.format_value(it['limit'])}{unit}{multiple}）")
    return "；".join(words)


def _source_finding(station, when: str, row: dict[str, Any], items: list[dict[str, Any]], water) -> Finding:
    target = water.class_label(row["target_class"] or 3)
    first = items[0]
    message = (f"饮用水水源超标：{station.name}（{station.id}）{when} 采样，{_item_words(items, target)}。"
               f"〔规则 source_exceedance〕")
    return Finding("source_exceedance", station.id, station.name, when, first["value"], first["limit"], message,
                   {"items": items, "water_class": row["water_class"], "target_class": row["target_class"],
                    "exceedances": row["exceedances"]})


def _section_finding(station, when: str, row: dict[str, Any], items: list[dict[str, Any]], water) -> Finding:
    got, target = water.class_label(row["water_class"]), water.class_label(row["target_class"]) \
        if row["target_class"] else None
    goal = f"，目标 {target} 类" if target else ""
    first = items[0] if items else {"value": None, "limit": None}
    what = f"，超标项目：{_item_words(items, target or 'Ⅲ')}" if items else ""
    message = (f"断面水质劣于目标：{station.name}（{station.id}）{when} 采样，水质 {got} 类{goal}{what}。"
               f"〔规则 section_below_target〕")
    return Finding("section_below_target", station.id, station.name, when, first["value"], first["limit"], message,
                   {"items": items, "water_class": row["water_class"], "target_class": row["target_class"],
                    "main_pollutants": row["main_pollutants"]})

