"""The month's figures: the areas' statistics (sample and real areas never ranked together), their
days, validity shortfalls, station completeness, and the rows of the comparison and county tables."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from publisher import standards
from publisher.bulletins.air import common as ac
from publisher.bulletins.air.monthly.context import AreaMonth, ComparisonRow, CountyRow
from publisher.bulletins.base import Job, Note, jsonable
from publisher.evaluate import air
from publisher.evaluate.air import validity
from publisher.periods import Period
from publisher.bulletins.air.monthly.words import STAT_INDICATOR, STAT_LABEL_ZH, _change_text, _span, ytd_label


def _dust(job: Job, first: dt.date, last: dt.date) -> pl.DataFrame | None:
    """Sand-dust affected ``area, date``: flags the store holds (when it offers them), else the
    workspace's ``dust.csv`` (the layout of ``publisher evaluate air --dust``)."""
    reader = getattr(job.store, "air_dust", None)
    if callable(reader):
        frame = reader(first, last)
        if frame is not None and frame.height:
            return frame.select(pl.col("area").cast(pl.String), pl.col("date").cast(pl.Date))
    return ac.workspace_dust(job.workspace.home, first, last)


# --------------------------------------------------------------------------------------------------
# statistics of groups of areas: sample and real areas are never ranked against each other
# --------------------------------------------------------------------------------------------------
def _nature(reg, name: str) -> str:
    """``sample`` when any station of the area is a sample station, else ``real``."""
    return "sample" if any(s.sample for s in ac.area_stations(reg, name)) else "real"


def _partitions(reg, names: list[str]) -> list[list[str]]:
    """`names` split by nature (real areas first), order kept."""
    real = [n for n in names if _nature(reg, n) == "real"]
    sample = [n for n in names if _nature(reg, n) == "sample"]
    return [p for p in (real, sample) if p]


def _group_stats(adaily: pl.DataFrame, reg, names: list[str], period: str, label: str,
                 dust: pl.DataFrame | None = None,
                 shortfalls: dict[str, list[Note]] | None = None) -> dict[str, dict[str, Any]]:
    """``period_stats`` rows of `names` by area, each area ranked among the areas of its own nature;
    an area alone in its partition is not ranked (``alone``). With `shortfalls`, each area's validity
    shortfalls are put there as notes (data), apart from its row."""
    out: dict[str, dict[str, Any]] = {}
    for part in _partitions(reg, names):
        rows = ac.rows_by_area(ac.stats(adaily, part, period, label, dust=dust, shortfalls=shortfalls is not None))
        alone = len(rows) < 2
        for name, row in rows.items():
            row = dict(row)
            short = row.pop("shortfalls", None)
            if shortfalls is not None:
                shortfalls[name] = [ac.shortfall_note(s) for s in short or []]
            row["alone"] = alone
            if alone:
                row["rank"], row["rank_value"] = None, None
            out[name] = row
    return out


@dataclass(frozen=True)
class MonthStats:
    """The ``period_stats`` rows of every area the bulletin names, by area (the bureau's group and the
    region's counties, each ranked among its own kind): the month, the year to date, the same month and
    year to date last year, the previous month, the month with sand-dust days deducted (empty without
    flags); the changes against last year and last month; the month's validity shortfalls as notes."""

    month: dict[str, dict[str, Any]]
    ytd: dict[str, dict[str, Any]]
    last_year: dict[str, dict[str, Any]]
    last_year_ytd: dict[str, dict[str, Any]]
    previous: dict[str, dict[str, Any]]
    dust: dict[str, dict[str, Any]]
    yoy: dict[str, dict[str, Any]]
    yoy_ytd: dict[str, dict[str, Any]]
    mom: dict[str, dict[str, Any]]
    shortfalls: dict[str, list[Note]]


def _month_stats(adaily: pl.DataFrame, reg, group: list[str], counties: list[str], period: Period,
                 dust: pl.DataFrame | None, not_compared: frozenset[str] = frozenset()) -> MonthStats:
    """:class:`MonthStats` of the group's areas and the `counties` outside it for the month `period`; the areas
    `not_compared` (a measured month against a sample last year) get no last-year figures."""
    last_year = period.same_period_last_year()

    def rows_of(period_kind: str, period_label: str, dust_flags: pl.DataFrame | None = None,
                shortfalls: dict[str, list[Note]] | None = None) -> dict[str, dict[str, Any]]:
        out = _group_stats(adaily, reg, group, period_kind, period_label, dust_flags, shortfalls)
        out.update(_group_stats(adaily, reg, counties, period_kind, period_label, dust_flags, shortfalls))
        return out

    shortfalls: dict[str, list[Note]] = {}
    month = rows_of("month", period.label, shortfalls=shortfalls)
    ytd = rows_of("ytd", ytd_label(period))
    ly_month = {k: v for k, v in rows_of("month", last_year.label).items() if k not in not_compared}
    ly_ytd = {k: v for k, v in rows_of("ytd", f"{last_year.start.year}-01~{last_year.start.month:02d}").items()
              if k not in not_compared}
    previous = rows_of("month", period.previous().label)
    return MonthStats(month=month, ytd=ytd, last_year=ly_month, last_year_ytd=ly_ytd, previous=previous,
                      dust=rows_of("month", period.label, dust) if dust is not None else {},
                      yoy=_changes(month, ly_month), yoy_ytd=_changes(ytd, ly_ytd), mom=_changes(month, previous),
                      shortfalls=shortfalls)


def _changes(current: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names = [n for n in current if n in previous]
    if not names:
        return {}
    cur = pl.DataFrame([current[n] for n in names], infer_schema_length=None)
    prev = pl.DataFrame([previous[n] for n in names], infer_schema_length=None)
    return {r["area"]: r for r in air.change(cur, prev).to_dicts()}


# --------------------------------------------------------------------------------------------------
# validity: what a month lacks, in the bureau's words
# --------------------------------------------------------------------------------------------------
def _month_need(period: Period) -> int:
    return validity.month_minimum(period.end)


def _shortfalls(row: dict[str, Any] | None, period: Period) -> dict[str, dict[str, Any]]:
    """Indicators with fewer valid daily values in the month than GB 3095 表4 asks: code → days, need, text."""
    if not row:
        return {}
    need = _month_need(period)
    out = {}
    for code in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h"):
        days = int(row.get(f"days_{code}") or 0)
        if days < need:
            label = "O₃日最大8小时平均" if code == "o3_8h" else ac.SYMBOL[code]
            out[code] = {"days": days, "need": need, "text": f"{label}有效日均值{days}个，少于{need}个"}
    return out


def _area_days(adaily: pl.DataFrame, area: str, period: Period) -> list[dict[str, Any]]:
    """Every day of the month for `area`: AQI, level, colour, primary pollutant, validity."""
    have: dict[dt.date, dict[str, Any]] = {}
    if adaily.height:
        sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(period.start, period.end))
        have = {r["date"]: r for r in sub.to_dicts()}
    out = []
    day = period.start
    while day <= period.end:
        r = have.get(day)
        if r is None:
            out.append({"date": day.isoformat(), "day": day.day, "aqi": None, "level": None, "category": None,
                        "color": None, "primary": "—", "status": "无数据", "invalid": "", "stations": 0})
        else:
            invalid = r.get("invalid") or ""
            out.append({"date": day.isoformat(), "day": day.day, "aqi": r["aqi"], "level": r["level"],
                        "category": r["category"], "color": r["color"], "ink": ac.ink(r["color"]),
                        "primary": ac.primary_zh(r.get("primary_pollutant")),
                        "primary_codes": r.get("primary_pollutant") or "",
                        "status": "有效" if r["aqi"] is not None else "无有效AQI", "invalid": invalid,
                        "invalid_zh": "、".join(ac.primary_zh(c) for c in invalid.split(",") if c),
                        "stations": int(r.get("stations") or 0)})
        day += dt.timedelta(days=1)
    return out


# --------------------------------------------------------------------------------------------------
# station completeness: for the reviewers only
# --------------------------------------------------------------------------------------------------
def _station_completeness(hourly: pl.DataFrame, daily: pl.DataFrame, stations: list[ac.AirStation],
                          period: Period) -> list[dict[str, Any]]:
    """Per station: hours received of the month, hours missing per pollutant, pollutants not measured,
    days whose daily values are invalid (and why)."""
    expected = period.days * 24
    lo, hi = ac.hour_bounds(period.start, period.end)
    h = hourly.filter(pl.col("time").is_between(lo, hi)) if hourly.height else hourly
    d = daily.filter(pl.col("date").is_between(period.start, period.end)) if daily.height else daily
    out = []
    for s in stations:
        sh = h.filter(pl.col("station_id") == s.id) if h.height else h
        sd = d.filter(pl.col("station_id") == s.id) if d.height else d
        received = sh.select(pl.col("time").n_unique()).item() if sh.height else 0
        not_monitored = sorted({c for v in (sd.get_column("not_monitored").to_list() if sd.height else [])
                                for c in (v or "").split(",") if c})
        missing = {}
        for p in air.POLLUTANTS:
            if p in not_monitored:
                continue
            have = sh.select(pl.col(p).is_not_null().sum()).item() if sh.height else 0
            missing[p] = expected - int(have)
        invalid_days = []
        if sd.height:
            for r in sd.filter(~pl.col("valid")).sort("date").to_dicts():
                bad = ac.invalid_indicators(r)
                codes = [c for c, _ in bad]
                parts = [f"O₃-8h（有效8小时窗口{n}个）" if c == "o3_8h" else f"{ac.SYMBOL.get(c, c)}（{n}小时）"
                         for c, n in bad]
                invalid_days.append({"date": r["date"].isoformat(), "day": r["date"].day, "codes": codes,
                                     "text": "、".join(parts)})
        out.append({**jsonable(s), "hours_expected": expected, "hours_received": int(received),
                    "missing_text": "、".join(f"{ac.SYMBOL[p]} {n}小时" for p, n in missing.items() if n) or "无",
                    "not_monitored": [ac.SYMBOL.get(c, c) for c in not_monitored],
                    "invalid_days": invalid_days})
    return out


# --------------------------------------------------------------------------------------------------
# assembling
# --------------------------------------------------------------------------------------------------
def _concentration_rows(row: dict[str, Any] | None, change: dict[str, Any] | None, limits: dict[str, Any],
                        short: dict[str, dict[str, Any]], dust_row: dict[str, Any] | None = None, *,
                        day: dt.date) -> list[dict[str, Any]]:
    rows = []
    for code in ac.PERIOD_STATS:
        value = row.get(code) if row else None
        lim = limits.get(code)
        lacking = short.get(STAT_INDICATOR[code])
        decimals = ac.decimals_of(code, day)
        exceeds = bool(value is not None and lim is not None and value > lim and not lacking)
        if value is None:
            compare = "—"
        elif lacking:
            compare = f"{lacking['text']}，不作评价"
        elif exceeds:
            compare = f"超过限值{(value - lim) / lim:.2f}倍"
        else:
            compare = "未超过"
        rows.append({
            "code": code, "label": STAT_LABEL_ZH[code], "unit": ac.unit_of(code),
            "value": None if lacking else value, "text": "—" if lacking else ac.fmt(value, decimals),
            "lacking": lacking["text"] if lacking else None,
            "dust_text": ac.fmt(dust_row.get(code), decimals) if dust_row and not lacking else None,
            "limit": lim, "limit_text": ac.fmt(lim, 1 if code == "co_p95" else 0),
            "exceeds": exceeds, "compare": compare,
            "change": change.get(f"{code}_change") if change else None,
            "change_text": _change_text(change.get(f"{code}_change")) if change else "—",
        })
    return rows


def _first_last(adaily: pl.DataFrame, area: str, first: dt.date, last: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if adaily.height == 0:
        return None, None
    sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(first, last))
    if sub.height == 0:
        return None, None
    return sub.get_column("date").min(), sub.get_column("date").max()


def _days_under(adaily: pl.DataFrame, area: str, first: dt.date, last: dt.date, table_id: str) -> dict[str, Any] | None:
    """The days of `area` with data in `first`..`last` judged by the HJ 633 table `table_id`."""
    if adaily.height == 0:
        return None
    sub = adaily.filter((pl.col("area") == area) & pl.col("date").is_between(first, last)
                        & (pl.col("standard") == table_id))
    if sub.height == 0:
        return None
    lo, hi = sub.get_column("date").min(), sub.get_column("date").max()
    return {"days": sub.height, "first": lo.isoformat(), "last": hi.isoformat(), "text": _span(lo, hi),
            "citation": standards.get(table_id).citation}


def _primary_counts(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for d in days:
        for code in (d.get("primary_codes") or "").split(","):
            if code:
                counts[code] = counts.get(code, 0) + 1
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"code": c, "name": ac.pollutant_name(c), "symbol": ac.primary_zh(c), "days": n} for c, n in order]


def _worst_days(days: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    valid = [d for d in days if d["aqi"] is not None]
    valid.sort(key=lambda d: (-d["aqi"], d["date"]))
    return valid[:n]


def _comparison(group: list[str], month: dict, month_dust: dict, yoy: dict, ly_month: dict, region: str,
                reg, day: dt.date, shortfalls: dict[str, list[Note]]) -> list[ComparisonRow]:
    """The cities of the ranking group: ranked ones by rank, then those without a valid month (each with
    what it lacks: its validity shortfalls, as notes), then those without data."""
    out = []
    for name in group:
        row = month.get(name)
        out.append(ComparisonRow(
            name=name, is_region=name == region, row=row, sample=_nature(reg, name) == "sample",
            cells={c: ac.fmt((row or {}).get(c), ac.decimals_of(c, day)) for c in ac.PERIOD_STATS},
            composite_index=ac.fmt((row or {}).get("composite_index"), 2),
            composite_primary=ac.largest_index_zh((row or {}).get("composite_primary")),
            rank=(row or {}).get("rank") or "—", rank_value=(row or {}).get("rank_value"),
            good_day_ratio=ac.fmt((row or {}).get("good_day_ratio"), 1),
            valid_days=(row or {}).get("valid_days", 0),
            index_change=ac.fmt((yoy.get(name) or {}).get("composite_index_change"), 1) if ly_month.get(name) else "—",
            dust_index=ac.fmt((month_dust.get(name) or {}).get("composite_index"), 2) if month_dust else None,
            lacking=shortfalls.get(name, []) if row else [],
        ))
    out.sort(key=lambda c: (c.rank_value is None, c.row is None, c.rank_value or 0, group.index(c.name)))
    return out


def _county_rows(counties: list[str], areas: list[AreaMonth], month: dict, ytd_rows: dict,
                 period: Period) -> list[CountyRow]:
    by_name = {a.name: a for a in areas}
    out = []
    for name in counties:
        a = by_name[name]
        row = month.get(name)
        out.append(CountyRow(
            name=name, row=row, sample=a.sample, same_as_region=a.same_as_region,
            cells={c["code"]: c["text"] for c in a.concentrations},
            good_day_ratio=ac.fmt((row or {}).get("good_day_ratio"), 1),
            ytd_ratio=ac.fmt((ytd_rows.get(name) or {}).get("good_day_ratio"), 1),
            ytd_span=a.ytd_span, ytd_full=a.ytd_full,
            valid_days=(row or {}).get("valid_days", 0),
            composite_index=a.composite_text,
            composite_primary=a.composite_primary if a.valid else "—",
            rank=(row or {}).get("rank") or "—", rank_value=(row or {}).get("rank_value"),
            alone=a.alone, valid=a.valid, shortfalls=a.shortfalls,
        ))
    out.sort(key=lambda c: (c.sample, c.rank_value is None, c.rank_value or 0, counties.index(c.name)))
    return out
