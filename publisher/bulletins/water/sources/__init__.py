"""城市集中式生活饮用水水源水质状况 (monthly): the central city's drinking-water sources.

The figures come from :mod:`publisher.evaluate.water` (period values with the ½-DL rule, the class by the
single-factor method, compliance against the source's target, 水源达标率 and 水量达标率, change wording);
this module picks the sources and periods, words the findings and lays out the tables and charts.
The county-level bulletin (:mod:`publisher.bulletins.water.sources_county`) is the same assembly over
the county sources, by quarter."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins import catalogue
from publisher.bulletins.water import common as wc
from publisher.bulletins.water.sources.context import SourcesContext
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.base import Bulletin, Job
from publisher.errors import PublisherError
from publisher.evaluate import water
from publisher.periods import Period
from publisher.bulletins.water.sources.scope import CITY, KIND, TEMPLATE, Scope  # noqa: F401  (KIND, TEMPLATE: the kind's interface)
from publisher.bulletins.water.sources.data import _changes, _snapshot, _tables_measured, _volumes
from publisher.bulletins.water.sources.text import _findings, _monitored_items, _monitoring, _notes
from publisher.bulletins.water.sources.tables import _main_table, results_table
from publisher.bulletins.water.sources.charts import _charts


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
    notes, review = _notes(scope, period, stations, rows, chart_notes, inputs + intake_inputs)
    rules = wc.eval_rules(day)["drinking_source"]
    remarks = [wc.tidy(str(rules["definition_zh"]).strip()), wc.tidy(str(rules["raw_water_zh"]).strip()),
               wc.tidy(str(rules["intake_zh"]).strip())]
    families = ["gb3838", "water_eval", "water_assessment"] + (["gb14848"] if has_ground else [])
    head = wc.page_head(region, period, entry)
    title = head["title"]
    figures = wc.jsonable({
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
    context = SourcesContext.of(figures)     # the typed page; bulletin.json is its JSON form, `figures`
    tables = {"水源水质状况": table, "监测结果": results}
    return Bulletin(
        kind=scope.kind, period=period, title=title, template=scope.template, context=context,
        tables=tables, charts=specs, inputs=inputs + intake_inputs,
        standards=wc.standards_used(day, families), issued=head["issued"], review=review,
        exceedances=exceeding.water_sources(figures),
        rules=wc.page_rules(day),
    )
