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
the validity counts of GB 3095 表4 is not ranked (its missing data are stated instead)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from publisher.bulletins import catalogue
from publisher.bulletins.air import common as ac
from publisher.bulletins import exceedances as exceeding
from publisher.bulletins.air.monthly.context import AreaMonth, DustSummary, MonthlyContext, MonthPeriod, Ranking
from publisher.bulletins.base import Bulletin, Job, Note, jsonable
from publisher.errors import PublisherError
from publisher.bulletins.air.monthly.words import _levels_text, _span, ytd_label
from publisher.bulletins.air.monthly.data import (
    _area_days, _changes, _comparison, _concentration_rows, _county_rows, _days_under, _dust, _first_last,
    _group_stats, _nature, _primary_counts, _shortfalls, _station_completeness, _worst_days
)
from publisher.bulletins.air.monthly.text import (
    _area_summary, _conclusions, _dust_note, _method_notes, _no_aqi_text, _page_rules, _review_notes,
    _source_notes, _validity_basis, _validity_notes
)
from publisher.bulletins.air.monthly.tables import _tables
from publisher.bulletins.air.monthly.charts import _region_charts


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

    label, ytd = period.label, ytd_label(period)
    last_year = period.same_period_last_year()
    ly_ytd = f"{last_year.start.year}-01~{last_year.start.month:02d}"
    prev_month = period.previous()
    county_names = [c for c in counties if c not in group]

    def rows_of(period_kind: str, period_label: str, dust_flags: pl.DataFrame | None = None,
                shortfalls: dict[str, list[Note]] | None = None) -> dict[str, dict[str, Any]]:
        out = _group_stats(adaily, reg, group, period_kind, period_label, dust_flags, shortfalls)
        out.update(_group_stats(adaily, reg, county_names, period_kind, period_label, dust_flags, shortfalls))
        return out

    month_shortfalls: dict[str, list[Note]] = {}   # each area's validity shortfalls of the month, as data
    month = rows_of("month", label, shortfalls=month_shortfalls)
    ytd_rows = rows_of("ytd", ytd)
    ly_month = rows_of("month", last_year.label)
    ly_ytd_rows = rows_of("ytd", ly_ytd)
    pm_rows = rows_of("month", prev_month.label)
    month_dust = rows_of("month", label, dust) if dust is not None else {}
    yoy, yoy_ytd, mom = _changes(month, ly_month), _changes(ytd_rows, ly_ytd_rows), _changes(month, pm_rows)

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
    region_ids = {s["id"] for s in ac.area_stations(reg, region)}
    areas_out, charts = [], []
    ytd_first = dt.date(period.start.year, 1, 1)
    for name in region_areas:
        row = month.get(name)
        area = reg.area(name)
        stations = ac.area_stations(reg, name)
        same = name != region and {s["id"] for s in stations} == region_ids
        days = _area_days(adaily, name, period)
        short = _shortfalls(row, period)
        y = ytd_rows.get(name)
        y_first, y_last = _first_last(adaily, name, ytd_first, period.end)
        ch = yoy.get(name) if ly_month.get(name) else None
        chart_name = f"calendar-{area.id}"
        if row and not same:
            charts.append(ac.chart(chart_name, "aqi_calendar", {
                "frame": pl.DataFrame([{"date": dt.date.fromisoformat(d["date"]), "aqi": d["aqi"], "level": d["level"]}
                                       for d in days], schema={"date": pl.Date, "aqi": pl.Int64, "level": pl.Int64}),
                "year": period.start.year, "month": period.start.month, "levels": levels,
                "title": f"{name}{period.label_zh}逐日空气质量指数（AQI）", "source": source}))
        valid_days = row["valid_days"] if row else 0
        entry = AreaMonth(
            name=name, id=area.id, level=area.level, is_region=name == region, region_name=region,
            sample=_nature(reg, name) == "sample", stations=stations, same_as_region=same,
            has_data=row is not None, month=row, ytd=y,
            last_year=ly_month.get(name), previous_month=pm_rows.get(name),
            yoy=ch, yoy_ytd=yoy_ytd.get(name) if ly_ytd_rows.get(name) else None,
            mom=mom.get(name) if pm_rows.get(name) else None,
            days=days, days_without_valid_aqi=period.days - valid_days,
            no_aqi_text=_no_aqi_text(days),
            levels_text=_levels_text(row, period.end) if row else "无监测数据",
            primary=_primary_counts(days), worst_days=_worst_days(days),
            valid=bool(row and not short), shortfalls=[v["text"] for v in short.values()],
            concentrations=_concentration_rows(row, ch, limits, short, month_dust.get(name), day=period.end),
            composite_primary=ac.largest_index_zh((row or {}).get("composite_primary")),
            composite_primary_name=ac.largest_index_zh((row or {}).get("composite_primary"), names=True),
            composite_text=("—" if not row or row.get("composite_index") is None
                            else ("—" if short else ac.fmt(row["composite_index"], 2))),
            rank=(row or {}).get("rank"), rank_value=(row or {}).get("rank_value"),
            alone=bool((row or {}).get("alone")),
            span=_span(period.start, period.end),
            ytd_span=_span(y_first, y_last) if y else "—", ytd_first=y_first.isoformat() if y_first else None,
            ytd_full=bool(y_first == ytd_first and y_last == period.end),
            ytd_2012=_days_under(adaily, name, ytd_first, period.end, "HJ633-2012"),
            completeness=_station_completeness(hourly, daily, stations, period),
            dust_days=dust_days.get(name, []),
            chart=chart_name if row and not same else None,
            summary="",
        )
        areas_out.append(dataclasses.replace(entry, summary=_area_summary(entry, period, conf)))

    comparison = _comparison(group, month, month_dust, yoy, ly_month, region, reg, period.end, month_shortfalls)
    county_rows = _county_rows(counties, areas_out, month, ytd_rows, period)
    region_entry = areas_out[0]

    charts += _region_charts(areas_out, comparison, ly_month, region, period, last_year, source, levels)

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
        inputs=ac.inputs_of(ac.read_provenance(store, first, period.end, station_ids), store), standards=ids, issued=issued, review=review,
        exceedances=exceeding.air_monthly(jsonable(context)),
        rules=_page_rules(period),
    )
