"""主要河流（湖库）国控、省控断面水质状况 (monthly).

Sections of the registry (``national_section``: "5+X" items; ``provincial_section``: the 21 items) and the
lake points, evaluated by :mod:`publisher.evaluate.water`: monthly values (½ DL below the detection limit),
the single-factor class, status, target compliance and 超标倍数, river and basin status (averaging below 5
sections, class proportions from 5), lake averages with the trophic-state index, and the change wording by
status level and by Ⅰ~Ⅲ / 劣Ⅴ proportions against last month and the same month last year."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins import catalogue
from publisher.bulletins.water import common as wc
from publisher.bulletins.water.sections.context import SectionsContext
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.base import Bulletin, Job
from publisher.errors import PublisherError
from publisher.evaluate import water
from publisher.bulletins.water.sections.data import (
    HISTORY, KIND, LAKE_KINDS, SCOPE, SECTION_KINDS, TEMPLATE, _add_group_changes, _changes, _multiple_texts,
    _section_rows, _snapshot
)
from publisher.bulletins.water.sections.text import _findings, _monitoring, _notes, _x_items_text
from publisher.bulletins.water.sections.tables import _groups_table, _lakes_table, _results_table, _sections_table
from publisher.bulletins.water.sections.charts import _charts


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

    # one precision for every 超标倍数 the bulletin prints (sections, rivers, basins, lakes), found from the
    # month's texts: the month is evaluated alone for it (a section-month is evaluated on its own values),
    # then every month once with that precision
    start = wc.period_start(period)
    month_values = values.filter(pl.col("sampled_at") == start) if values.height else values
    month_ev = water.evaluate(month_values, meta) if month_values.height else water.evaluate(month_values)
    places = wc.multiple_places(_multiple_texts(_snapshot(period, sections, lakes, meta, month_values, month_ev, day)))
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
    notes, review = _notes(period, stations, rows, cur, inputs)
    head = wc.page_head(region, period, entry)
    title = head["title"]
    figures = wc.jsonable({
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
    context = SectionsContext.of({**figures, "rows": rows})     # the typed page; bulletin.json is its JSON form, `figures`
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
                    review=review, exceedances=exceeding.water_sections(figures),
                    rules=wc.page_rules(day))
