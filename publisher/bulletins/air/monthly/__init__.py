"""环境空气质量月报: the region's month of air quality, its counties, and its rank in the bureau's group.

All figures are rows of :func:`publisher.evaluate.air.period_stats` (the function behind
``publisher evaluate air --period-stats``) on the area daily values of
:func:`publisher.evaluate.air.area_daily`, read from the store through
:mod:`publisher.bulletins.air.common`. This module selects them and writes them up: the public page
in a bureau's words, and the notes meant for the reviewers (missing hours per station, where the
settings and flags came from, texts still to be checked) in ``Bulletin.review``.

Ranking (城市环境空气质量排名技术规定): the region is ranked among the cities of the group set in
``air.yaml`` (:func:`publisher.bulletins.air.common.settings`), the counties among the counties;
areas measured by sample stations are never ranked against real ones, and an area whose month fails
the validity counts of GB 3095 表4 is not ranked (its missing data are stated instead).

The package by concept: ``data`` (the areas' statistics, days, validity, completeness, the comparison and
county rows), ``areas`` (one area's month), ``text`` (summaries, conclusions, notes), ``tables`` (the data
files), ``charts``, ``words`` (small wordings) and ``context`` (the typed context the template reads)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins import catalogue
from publisher.bulletins.air import common as ac
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.air.monthly.areas import _area_month
from publisher.bulletins.air.monthly.charts import _region_charts
from publisher.bulletins.air.monthly.context import AreaMonth, DustSummary, MonthlyContext, MonthPeriod, Ranking
from publisher.bulletins.air.monthly.data import _comparison, _county_rows, _dust, _month_stats
from publisher.bulletins.air.monthly.tables import _tables
from publisher.bulletins.air.monthly.text import (
    _conclusions, _dust_note, _method_notes, _page_rules, _review_notes, _source_notes, _validity_basis,
    _validity_notes,
)
from publisher.bulletins.air.monthly.words import ytd_label
from publisher.bulletins.base import Bulletin, Job, jsonable
from publisher.errors import PublisherError


KIND = "air-monthly"
TEMPLATE = "air_monthly.html"


def assemble(job: Job) -> Bulletin:
    period = job.period
    if period.unit != "month":
        raise PublisherError(f"环境空气质量月报的期间应为月份（如2026-05），而不是 {period.label} (bad_period)")
    reg = job.registry
    listed = catalogue.get(KIND, job.workspace.home)
    # the date printed: the catalogue's issue rule on the period only, so rebuilding unchanged data gives
    # identical files
    issued = listed.issue_date(period)
    conf = ac.settings(job.workspace.home, reg)
    region = ac.region_name(reg)
    counties = ac.region_counties(reg)
    group = list(conf.ranking_areas)
    link = reg.air_areas()
    region_areas = [region] + counties
    station_ids = sorted(set(link.filter(pl.col("area").is_in(group + region_areas)).get_column("station_id")))

    store = job.store
    first = dt.date(period.start.year - 1, 1, 1)
    # every figure from the station-days the store keeps; the month's hours only for its completeness
    daily, adaily = ac.evaluate_stored(store, first, period.end, station_ids,
                                       link.filter(pl.col("area").is_in(group + region_areas)))
    hourly = ac.read_hourly(store, period.start, period.end, station_ids)
    dust = _dust(job, first, period.end)

    ytd = ytd_label(period)
    last_year = period.same_period_last_year()
    # the window's provenance, read once: the inputs, and which areas rest on sample files
    provenance = ac.read_provenance(store, first, period.end, station_ids)
    # a measured month is not compared with a sample last year (the demo's city year 2025): no 同比 for such areas
    not_compared = frozenset(
        set(ac.sample_areas(reg, region_areas, provenance, store, first, last_year.end))
        - set(ac.sample_areas(reg, region_areas, provenance, store, period.start, period.end)))
    stats = _month_stats(adaily, reg, group, [c for c in counties if c not in group], period, dust, not_compared)
    month = stats.month

    if not any(month.get(a) for a in region_areas):
        raise PublisherError(f"{period.label_zh}{region}及所辖县（市、区）没有空气监测数据，无法编制月报 (no_data)；"
                             f"请先导入该月的小时数据（publisher ingest）")

    limits = ac.stat_limits(period.end)
    dust_days: dict[str, list[str]] = {}
    if dust is not None:
        in_month = dust.filter(pl.col("date").is_between(period.start, period.end))
        for r in in_month.group_by("area").agg(pl.col("date").sort()).to_dicts():
            dust_days[r["area"]] = [d.isoformat() for d in r["date"]]

    levels = ac.levels_table(period.end)
    source = f"数据来源：空气质量自动监测{ac.DATA_LABEL}"
    region_ids = {s.id for s in ac.area_stations(reg, region)}
    areas_out: list[AreaMonth] = []
    charts: list[Any] = []
    for name in region_areas:
        entry, calendar = _area_month(name, period, reg, region, region_ids, stats, adaily, daily, hourly, limits,
                                      dust_days, levels, source, conf)
        areas_out.append(entry)
        charts += [calendar] if calendar is not None else []

    comparison = _comparison(group, month, stats.dust, stats.yoy, stats.last_year, region, reg, period.end,
                             stats.shortfalls)
    county_rows = _county_rows(counties, areas_out, month, stats.ytd, period)
    region_entry = areas_out[0]

    charts += _region_charts(areas_out, comparison, stats.last_year, region, period, last_year, source, levels)

    # notes: public (the evaluation basis, data source, validity) and for the reviewers
    version = ac.version_notes(period.start, period.end, "本月")
    ytd_from = min((dt.date.fromisoformat(a.ytd_first) for a in areas_out if a.ytd_first), default=None)
    ytd_version = ac.version_notes(ytd_from, period.end, f"1—{period.start.month}月累计") if ytd_from else []
    version_notes = list(dict.fromkeys(version + [n for n in ytd_version if n not in version]))
    review = _review_notes(areas_out, comparison, conf, dust, dust_days, period, job)

    ids = ac.standard_ids(min(first, period.start), period.end)
    used_days = sorted(set(adaily.get_column("date").to_list())) if adaily.height else []
    if used_days:
        ids = ac.standard_ids(used_days[0], used_days[-1])
    ranked = [c for c in comparison if c.rank_value is not None]
    context = MonthlyContext(
        region=region,
        bureau=f"{region}生态环境局",
        period=MonthPeriod(label=period.label, label_zh=period.label_zh, start=period.start.isoformat(),
                           end=period.end.isoformat(), days=period.days, month=period.start.month,
                           year=period.start.year, ytd_label=ytd, last_year_label_zh=last_year.label_zh),
        data_label=ac.DATA_LABEL,
        issued=issued.isoformat(),
        ranking=Ranking(name=conf.ranking_name, areas=list(conf.ranking_areas), ranked=len(ranked),
                        unranked=[c.name for c in comparison if c.rank_value is None and c.row],
                        ties=sorted({c.rank for c in ranked if "并列" in str(c.rank)})),
        conclusions=_conclusions(areas_out, comparison, county_rows, period, region, conf),
        areas=areas_out,
        counties=county_rows,
        comparison=comparison,
        comparison_has_yoy=any(c.index_change != "—" for c in comparison),
        limits={c: limits.get(c) for c in ac.PERIOD_STATS},
        levels=jsonable(levels),
        dust=DustSummary(flagged=bool(dust_days), label="扣沙" if dust_days else "不扣沙",
                         note=_dust_note(dust_days, period.end), days=dust_days),
        version_notes=version_notes,
        validity_notes=_validity_notes(areas_out, period),
        validity_basis=_validity_basis(period),
        limits_note=ac.limits_note(period.end),
        method_notes=_method_notes(period),
        source_notes=_source_notes(areas_out, conf, reg, group),
        sample_areas=[a.name for a in areas_out if a.sample],
        region_valid=region_entry.valid,
    )
    tables = _tables(areas_out, comparison, period, conf)
    return Bulletin(
        kind=KIND, period=period, title=f"{region}{period.label_zh}{listed.title_zh}", template=TEMPLATE,
        context=context, tables=tables, charts=charts,
        inputs=ac.inputs_of(provenance, store), standards=ids, issued=issued, review=review,
        exceedances=exceeding.air_monthly(jsonable(context)),
        rules=_page_rules(period),
    )
