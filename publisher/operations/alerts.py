"""Exceedance alerts (超标预警) raised as data arrive, and the silence checks of the scheduler.

The rules are data: ``publisher/alerts.yaml`` (shipped, documented) with any setting replaced by
``<home>/alerts.yaml``. The limits come from the standards in force on the day of the data (the
water classes of :mod:`publisher.evaluate.water`, the AQI of :mod:`publisher.evaluate.air`).

An ingest evaluates the file's values *before* its ledger transaction (:func:`evaluate_ingest`:
water samples together with the stored values of the same samples, air hours as they come, city
days recomputed from every station of the city) and records the outcome *inside* it
(:func:`record`), so an accepted file and its alerts are one commit. An alert is keyed by
(rule, station, time): the same data ingested again raise nothing new; a correction that removes the
exceedance closes the alert with a note; a new alert queues one notification per channel
(:mod:`publisher.operations.notify`) in the same transaction.

Tables ``alerts`` (here) and ``notifications`` (notify) live in the ledger and are created when
first written; a ledger without them simply has no alerts yet.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Iterable

import polars as pl
import yaml

from publisher import safeparse
from publisher.bulletins.supervisory import results as supervisory_results
from publisher.display import shown
from publisher.errors import InputError
from publisher.paths import PACKAGE_DIR, Workspace, workspace as default_workspace
from publisher.store import migrations

log = logging.getLogger(__name__)

DEFAULT_CONFIG = PACKAGE_DIR / "alerts.yaml"

#: rule id -> (Chinese name, settings and their types)
RULES: dict[str, tuple[str, dict[str, type]]] = {
    "source_exceedance": ("饮用水水源超标", {}),
    "section_below_target": ("断面水质劣于目标", {"classes_worse": int, "inferior_v": bool}),
    "air_station_hour": ("空气站点小时AQI超过预警线", {"aqi_above": int}),
    "air_city_day": ("城市日AQI超过预警线", {"aqi_above": int}),
    "air_episode": ("重污染过程", {"aqi_above": int, "min_days": int}),
    "silent_hourly": ("站点数据中断", {"hours": int}),
    "silent_sampling": ("站点逾期未采样", {"due_day": int}),
    "supervisory_exceedance": ("重点排污单位监督性监测超标", {}),
}
SOURCE_KINDS = ("city_source", "county_source")
SECTION_KINDS = ("national_section", "provincial_section", "lake_point")

TABLE_SQL = migrations.ALERTS_SQL


# ------------------------------------------------------------------------------------------- config
@dataclass(frozen=True)
class Config:
    """The rules' settings: rule id -> {enabled, settings...}."""

    rules: dict[str, dict[str, Any]]

    def on(self, rule: str) -> bool:
        return bool(self.rules.get(rule, {}).get("enabled", False))

    def get(self, rule: str, name: str) -> Any:
        return self.rules[rule][name]

    @classmethod
    def load(cls, ws: Workspace | None = None) -> "Config":
        base = _read(DEFAULT_CONFIG)
        rules = {rule: dict(settings) for rule, settings in base.items()}
        local = ws.home / "alerts.yaml" if ws is not None else None
        if local is not None and local.is_file():
            for rule, settings in _read(local).items():
                rules[rule].update(settings)
        return cls(rules)


def _read(path) -> dict[str, dict[str, Any]]:
    def bad(reason: str) -> InputError:
        return InputError(f"{path}：{reason} (bad_alerts_config)")

    try:
        raw = safeparse.load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise bad(f"无法读取：{exc}") from None
    if not isinstance(raw, dict) or set(map(str, raw)) - {"rules"}:
        raise bad("应为一个映射，只有 rules 一项")
    rules = raw.get("rules") or {}
    if not isinstance(rules, dict):
        raise bad("rules 应为 规则: 设置 的映射")
    out: dict[str, dict[str, Any]] = {}
    for rule, settings in rules.items():
        if rule not in RULES:
            raise bad(f"未知的规则 {shown(str(rule))}（可用：{', '.join(RULES)}）")
        settings = settings or {}
        if not isinstance(settings, dict):
            raise bad(f"规则 {rule} 的设置应为映射")
        kinds = {"enabled": bool, **RULES[rule][1]}
        for name, value in settings.items():
            if name not in kinds:
                raise bad(f"规则 {rule} 没有设置项 {shown(str(name))}（可用：{', '.join(kinds)}）")
            want = kinds[name]
            if want is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise bad(f"规则 {rule} 的 {name} 应为非负整数")
            if want is bool and not isinstance(value, bool):
                raise bad(f"规则 {rule} 的 {name} 应为 true 或 false")
        if rule == "silent_sampling" and "due_day" in settings and not 1 <= settings["due_day"] <= 28:
            raise bad("规则 silent_sampling 的 due_day 应在 1 到 28 之间")
        out[rule] = dict(settings)
    return out


# ------------------------------------------------------------------------------------------- results
@dataclass
class Finding:
    """One exceedance found: what an alert says."""

    rule: str
    station_id: str
    station_name: str
    time: str
    value: float | None
    limit: float | None
    message_zh: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.station_id, self.time)


@dataclass
class Outcome:
    """What an evaluation found (`raised`) and every key it judged (`scope`): an open alert of a key in
    scope that is not raised again is closed."""

    raised: list[Finding] = field(default_factory=list)
    scope: set[tuple[str, str, str]] = field(default_factory=set)
    error: str | None = None

    def extend(self, other: "Outcome") -> None:
        self.raised += other.raised
        self.scope |= other.scope


def _minute(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------------- water
def _water(frame: pl.DataFrame | pl.LazyFrame, registry, store, cfg: Config) -> Outcome:
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
    from publisher.evaluate import water

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
    from publisher.evaluate import water

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


# ------------------------------------------------------------------------------------------- air
_AIR_COLS = ["station_id", "time", "so2", "no2", "co", "o3", "pm10", "pm2_5", "not_monitored"]
_NAMES = {"so2": "SO₂", "no2": "NO₂", "co": "CO", "o3": "O₃", "pm10": "PM10", "pm2_5": "PM2.5",
          "o3_8h": "O₃（8小时）", "o3_1h": "O₃（1小时）"}


def _pollutants(codes: str | None) -> str:
    return "、".join(_NAMES.get(c, c) for c in (codes or "").split(",") if c) or "—"


#: stations evaluated together (memory holds their hours of one month, not the file's)
STATION_BATCH = 100


def _batches(items: list, size: int = STATION_BATCH) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or []


def _air(frame: pl.DataFrame | pl.LazyFrame, registry, store, cfg: Config) -> Outcome:
    """One month of the file and at most STATION_BATCH stations at a time: memory holds that, not the file
    (a large file comes as a LazyFrame over its spilled batches)."""
    out = Outcome()
    lf = frame.lazy()
    names = lf.collect_schema().names()
    lf = lf.select([c for c in _AIR_COLS if c in names])
    if "not_monitored" not in names:
        lf = lf.with_columns(not_monitored=pl.lit(None, pl.String))
    span = lf.select(pl.col("time").min().alias("first"), pl.col("time").max().alias("last")).collect()
    if span.height == 0 or span.item(0, 0) is None:
        return out
    first, last = span.item(0, 0), span.item(0, 1)
    month = dt.datetime(first.year, first.month, 1)
    while month <= last:
        after = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
        month_lf = lf.filter((pl.col("time") >= month) & (pl.col("time") < after))
        stations = sorted(month_lf.select(pl.col("station_id").unique()).collect().get_column("station_id").to_list())
        if stations and cfg.on("air_station_hour"):
            for batch in _batches(stations):
                part = month_lf.filter(pl.col("station_id").is_in(batch)).collect()
                out.extend(_air_hours(part, registry, cfg))
        if stations and (cfg.on("air_city_day") or cfg.on("air_episode")):
            out.extend(_air_days(lf, month_lf, stations, registry, store, cfg))
        month = after
    return out


def _air_hours(new: pl.DataFrame, registry, cfg: Config) -> Outcome:
    from publisher.evaluate import air

    out = Outcome()
    by_id = {s.id: s for s in registry.stations}
    level = cfg.get("air_station_hour", "aqi_above")
    hourly = air.hourly_aqi(new)
    for row in hourly.select("station_id", "time", "aqi", "category", "primary_pollutant").iter_rows(named=True):
        when = _minute(row["time"])
        out.scope.add(("air_station_hour", row["station_id"], when))
        if row["aqi"] is not None and row["aqi"] > level:
            station = by_id.get(row["station_id"])
            name = station.name if station else row["station_id"]
            out.raised.append(Finding(
                "air_station_hour", row["station_id"], name, when, float(row["aqi"]), float(level),
                f"空气质量小时预警：{name}（{row['station_id']}）{when}（时段末）AQI {row['aqi']}（{row['category']}），"
                f"首要污染物 {_pollutants(row['primary_pollutant'])}，高于预警线 {level}。〔规则 air_station_hour〕",
                {"category": row["category"], "primary_pollutant": row["primary_pollutant"]}))
    return out


def _air_days(lf: pl.LazyFrame, month_lf: pl.LazyFrame, stations: list[str], registry, store,
              cfg: Config) -> Outcome:
    """The daily AQI of the areas the month's stations count in, from every station of those areas: the
    file's hours over what the store holds (the file's own hours around the month too, so that an
    episode across a month's end is seen whole)."""
    from publisher.evaluate import air

    out = Outcome()
    areas = registry.air_areas()
    touched = sorted(set(areas.filter(pl.col("station_id").is_in(stations)).get_column("area").to_list()))
    if not touched:
        return out
    days = month_lf.select(pl.col("time").min().alias("a"), pl.col("time").max().alias("b")).collect()
    lo = (days.item(0, 0) - dt.timedelta(hours=1)).date()
    hi = (days.item(0, 1) - dt.timedelta(hours=1)).date()
    span = cfg.get("air_episode", "min_days") - 1 if cfg.on("air_episode") else 0
    # one day more before: a run that begins on the first day read began earlier or is unknown (skipped)
    read_lo, read_hi = lo - dt.timedelta(days=span + 1), hi + dt.timedelta(days=span)
    first_hour = dt.datetime.combine(read_lo, dt.time()) + dt.timedelta(hours=1)
    last_hour = dt.datetime.combine(read_hi, dt.time()) + dt.timedelta(days=1)
    # areas in groups of at most STATION_BATCH member stations
    groups: list[list[str]] = [[]]
    size = 0
    for area in touched:
        n = areas.filter(pl.col("area") == area).height
        if groups[-1] and size + n > STATION_BATCH:
            groups.append([])
            size = 0
        groups[-1].append(area)
        size += n
    city_rows: list[dict[str, Any]] = []
    for group in groups:
        members = areas.filter(pl.col("area").is_in(group))
        ids = members.get_column("station_id").unique().to_list()
        hours = lf.filter(pl.col("station_id").is_in(ids) & (pl.col("time") >= first_hour)
                          & (pl.col("time") <= last_hour)).collect()
        if store.exists():
            stored = store.air_hourly(read_lo, read_hi, ids).select(_AIR_COLS)
            stored = stored.join(hours.select("station_id", "time"), on=["station_id", "time"], how="anti")
            hours = pl.concat([stored, hours.select(_AIR_COLS)], how="vertical_relaxed")
        daily = air.daily_values(air.mark_not_monitored(hours))
        city = air.area_daily(daily, members)
        city_rows += city.select("area", "date", "aqi", "category", "primary_pollutant").to_dicts()
    city = pl.DataFrame(city_rows, schema={"area": pl.String, "date": pl.Date, "aqi": pl.Int64,
                                           "category": pl.String, "primary_pollutant": pl.String}) \
        .sort("area", "date")
    if cfg.on("air_city_day"):
        level = cfg.get("air_city_day", "aqi_above")
        for row in city.filter(pl.col("date").is_between(lo, hi)).iter_rows(named=True):
            when = row["date"].isoformat()
            out.scope.add(("air_city_day", row["area"], when))
            if row["aqi"] is not None and row["aqi"] > level:
                out.raised.append(Finding(
                    "air_city_day", row["area"], row["area"], when, float(row["aqi"]), float(level),
                    f"城市空气质量日预警：{row['area']} {when} 日 AQI {row['aqi']}（{row['category']}），"
                    f"首要污染物 {_pollutants(row['primary_pollutant'])}，高于预警线 {level}。〔规则 air_city_day〕",
                    {"category": row["category"], "primary_pollutant": row["primary_pollutant"]}))
    if cfg.on("air_episode"):
        level, need = cfg.get("air_episode", "aqi_above"), cfg.get("air_episode", "min_days")
        for area_name in touched:
            rows = city.filter(pl.col("area") == area_name)
            aqis = {r["date"]: r["aqi"] for r in rows.iter_rows(named=True)}
            dates = [d for d, a in aqis.items() if a is not None and a > level]
            day = lo - dt.timedelta(days=span)
            while day <= hi:   # every day of the window could start an episode
                out.scope.add(("air_episode", area_name, day.isoformat()))
                day += dt.timedelta(days=1)
            for begin, end in _runs(dates):
                length = (end - begin).days + 1
                if length >= max(need, 1) and begin > read_lo:
                    peak = max(aqis[begin + dt.timedelta(days=i)] for i in range(length))
                    out.raised.append(Finding(
                        "air_episode", area_name, area_name, begin.isoformat(), float(peak), float(level),
                        f"重污染过程预警：{area_name} 自 {begin.isoformat()} 起连续 {length} 天日 AQI 高于 {level}"
                        f"（至 {end.isoformat()}，最高 {peak}）。〔规则 air_episode〕",
                        {"first_day": begin.isoformat(), "last_day": end.isoformat(), "days": length}))
    return out


def _runs(dates: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(dates):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


# ------------------------------------------------------------------------------------------- supervisory
def _supervisory(frame: pl.DataFrame | pl.LazyFrame, registry, store) -> Outcome:
    """Exceeding supervisory results, one alert per outlet and sampling time, judged as the quarterly bulletin
    judges them, with the stored items of the same samples that the file does not restate."""
    new = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if new.height == 0:
        return Outcome()
    first, last = new["sampled_at"].min(), new["sampled_at"].max()
    stored = store.supervisory(first, last) if store.exists() else new.clear()
    same = stored.join(new.select("outlet_id", "sampled_at").unique(), on=["outlet_id", "sampled_at"], how="semi")
    kept = same.join(new.select("outlet_id", "sampled_at", "item"), on=["outlet_id", "sampled_at", "item"], how="anti")
    rows = pl.concat([new, kept.select(new.columns)], how="vertical_relaxed")
    found, judged = supervisory_results.sample_exceedances(rows, registry)
    out = Outcome(scope={("supervisory_exceedance", outlet, _minute(at)) for outlet, at in judged})
    for entry in found:
        first_item = entry["items"][0]
        out.raised.append(Finding("supervisory_exceedance", entry["outlet_id"],
                                  f"{entry['unit_name']}{entry['outlet_name']}", _minute(entry["sampled_at"]),
                                  first_item["value"], first_item["limit"],
                                  f"{entry['message_zh']}〔规则 supervisory_exceedance〕", {"items": entry["items"]}))
    return out


# ------------------------------------------------------------------------------------------- ingest
def evaluate_ingest(ws: Workspace, registry, kind: str, frame: pl.DataFrame | pl.LazyFrame, store=None,
                    cfg: Config | None = None) -> Outcome:
    """The alerts the values of one file bring (with what the store already holds). Never raises: an
    error becomes ``Outcome.error`` (the ingest goes on and records it as an event)."""
    from publisher.store import Store

    store = store or Store(ws)
    try:
        cfg = cfg or Config.load(ws)
        if kind == "water":
            return _water(frame, registry, store, cfg)
        if kind == "air":
            return _air(frame, registry, store, cfg)
        if kind == "supervisory" and cfg.on("supervisory_exceedance"):
            return _supervisory(frame, registry, store)
        return Outcome()
    except Exception as exc:  # noqa: BLE001 - an alert problem never costs the data
        log.error("alert evaluation failed: %s", shown(f"{type(exc).__name__}: {exc}"))
        return Outcome(error=shown(f"{type(exc).__name__}: {exc}")[:300])


def _statements() -> list[str]:
    return [s.strip() for s in TABLE_SQL.split(";") if s.strip()]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def record(conn: sqlite3.Connection, outcome: Outcome, *, raised_by: str, why_closed: str,
           ws: Workspace | None = None, ingest_id: int | None = None) -> dict[str, list[int]]:
    """Record `outcome` in the open transaction of `conn`: new alerts, alerts closed (a key in scope that
    no longer exceeds), alerts reopened; queue the notification of the new ones. Returns the ids."""
    from publisher.operations import notify

    for statement in _statements():
        conn.execute(statement)
    now = _now()
    done: dict[str, list[int]] = {"new": [], "closed": [], "reopened": [], "updated": []}
    raised = {f.key for f in outcome.raised}
    for finding in outcome.raised:
        row = conn.execute("SELECT id, state, value, note FROM alerts WHERE rule=? AND station_id=? AND time=?",
                           finding.key).fetchone()
        detail = json.dumps(finding.detail, ensure_ascii=False, default=str)
        if row is None:
            done["new"].append(conn.execute(
                "INSERT INTO alerts (rule, station_id, station_name, time, value, limit_value, message_zh, detail,"
                " state, raised_at, raised_by, ingest_id) VALUES (?,?,?,?,?,?,?,?, 'open', ?, ?, ?)",
                (finding.rule, finding.station_id, finding.station_name, finding.time, finding.value,
                 finding.limit, finding.message_zh, detail, now, raised_by, ingest_id)).lastrowid)
        elif row["state"] == "closed":
            note = _join(row["note"], f"{now[:10]} {raised_by} 的数据再次超标，预警重新打开")
            conn.execute("UPDATE alerts SET state='open', closed_at=NULL, note=?, value=?, limit_value=?,"
                         " message_zh=?, detail=? WHERE id=?",
                         (note, finding.value, finding.limit, finding.message_zh, detail, row["id"]))
            done["reopened"].append(row["id"])
        elif row["value"] != finding.value:
            note = _join(row["note"], f"{now[:10]} {raised_by} 更正了数据，仍超标")
            conn.execute("UPDATE alerts SET note=?, value=?, limit_value=?, message_zh=?, detail=? WHERE id=?",
                         (note, finding.value, finding.limit, finding.message_zh, detail, row["id"]))
            done["updated"].append(row["id"])
    open_rows = conn.execute("SELECT id, rule, station_id, time, note FROM alerts WHERE state='open'").fetchall()
    for row in open_rows:
        key = (row["rule"], row["station_id"], row["time"])
        if key in outcome.scope and key not in raised:
            conn.execute("UPDATE alerts SET state='closed', closed_at=?, note=? WHERE id=?",
                         (now, _join(row["note"], why_closed), row["id"]))
            done["closed"].append(row["id"])
    if outcome.error:
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (now, "alerts.evaluation_failed", raised_by, json.dumps({"error": outcome.error},
                                                                              ensure_ascii=False)))
    if done["new"]:
        rows = conn.execute(f"SELECT * FROM alerts WHERE id IN ({','.join('?' * len(done['new']))}) ORDER BY id",
                            done["new"]).fetchall()
        notify.enqueue(conn, "alerts", f"{raised_by}", _digest_title(rows), _digest_body(rows, raised_by), ws=ws)
    if any(done.values()):
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (now, "alerts.recorded", raised_by, json.dumps(done)))
    return done


def _join(note: str | None, more: str) -> str:
    return f"{note}；{more}" if note else more


def _digest_title(rows: list[sqlite3.Row]) -> str:
    first = rows[0]
    more = f"等 {len(rows)} 条" if len(rows) > 1 else ""
    return f"【超标预警】{RULES[first['rule']][0]}：{first['station_name']} {first['time']}{more}"


#: alerts listed in one notification (the rest are counted; `publisher alerts` lists all)
DIGEST_LIMIT = 30


def _digest_body(rows: list[sqlite3.Row], raised_by: str) -> str:
    lines = [f"新增超标预警 {len(rows)} 条（{raised_by}）：", ""]
    for i, row in enumerate(rows[:DIGEST_LIMIT], 1):
        lines.append(f"{i}. {row['message_zh']}")
    if len(rows) > DIGEST_LIMIT:
        lines.append(f"……另有 {len(rows) - DIGEST_LIMIT} 条，见 publisher alerts --open。")
    lines += ["", "请核实数据并按程序处置；公报发布前须说明超标情况。"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------- silence
def check_silence(ws: Workspace, now: dt.datetime, registry=None, store=None,
                  cfg: Config | None = None) -> dict[str, list[int]]:
    """The silence rules at Beijing time `now`: hourly stations whose latest hour is more than `hours`
    old, monthly and quarterly stations with no sample of the current month (quarter) after its
    `due_day`. Alerts close when the data arrive. Records and returns what changed."""
    from publisher import registry as registry_mod
    from publisher.store import Store

    registry = registry or registry_mod.load(ws.stations)
    store = store or Store(ws)
    cfg = cfg or Config.load(ws)
    if not store.exists():
        return {}
    out = Outcome()
    today = now.date()
    latest = dict(pl.concat([store.latest_times("air"), store.latest_times("water")])
                  .group_by("station_id").agg(pl.col("latest").max()).iter_rows())
    recovered: list[tuple[str, str]] = []
    if cfg.on("silent_hourly"):
        hours = cfg.get("silent_hourly", "hours")
        for station in registry.stations:
            if station.cadence != "hourly" or not station.active_on(today) or station.id not in latest:
                continue
            seen = latest[station.id]
            when = _minute(seen)
            out.scope.add(("silent_hourly", station.id, when))
            if now - seen > dt.timedelta(hours=hours):
                gap = int((now - seen).total_seconds() // 3600)
                out.raised.append(Finding(
                    "silent_hourly", station.id, station.name, when, float(gap), float(hours),
                    f"站点数据中断：{station.name}（{station.id}）最新数据为 {when}，至 {_minute(now)} 已 {gap} 小时"
                    f"无数据（超过 {hours} 小时）；责任单位 {station.unit}。〔规则 silent_hourly〕",
                    {"unit": station.unit, "checked_at": _minute(now)}))
            recovered.append(("silent_hourly", station.id))
    if cfg.on("silent_sampling"):
        due_day = cfg.get("silent_sampling", "due_day")
        for station in registry.stations:
            if station.cadence not in ("monthly", "quarterly") or not station.active_on(today) \
                    or station.kind not in SOURCE_KINDS + SECTION_KINDS:   # water samples only
                continue
            if station.cadence == "monthly":
                label, start = f"{today:%Y-%m}", today.replace(day=1)
                due = today.replace(day=due_day)
            else:
                q_first = (today.month - 1) // 3 * 3 + 1
                label, start = f"{today.year}-Q{(today.month - 1) // 3 + 1}", today.replace(month=q_first, day=1)
                due = today.replace(month=q_first + 2, day=due_day) if today.month == q_first + 2 else None
            seen = latest.get(station.id)
            has = seen is not None and seen.date() >= start
            if due is None or today <= due:
                if has:  # the sample arrived: an alert of this period closes
                    out.scope.add(("silent_sampling", station.id, label))
                continue
            out.scope.add(("silent_sampling", station.id, label))
            if not has:
                out.raised.append(Finding(
                    "silent_sampling", station.id, station.name, label, None, float(due_day),
                    f"站点逾期未采样：{station.name}（{station.id}）{label} 的采样数据到 {due.isoformat()} 仍未收到"
                    f"（最新数据 {_minute(seen) if seen else '无'}）；责任单位 {station.unit}。〔规则 silent_sampling〕",
                    {"unit": station.unit, "due": due.isoformat()}))
    with store.connect(write=True) as conn:
        for statement in _statements():
            conn.execute(statement)
        # an hourly station's silence closes once newer data arrived (the key is its last hour)
        for rule, station_id in recovered:
            for row in conn.execute("SELECT rule, station_id, time FROM alerts WHERE state='open' AND rule=? AND"
                                    " station_id=?", (rule, station_id)).fetchall():
                out.scope.add(tuple(row))
        # a sampling station's alert of an earlier period closes once a sample of that period arrived
        for row in conn.execute("SELECT rule, station_id, time FROM alerts WHERE state='open'"
                                " AND rule='silent_sampling'").fetchall():
            if _sampled_in(store, row["station_id"], row["time"]):
                out.scope.add(tuple(row))
        return record(conn, out, raised_by=f"check {_minute(now)}",
                      why_closed=f"{_minute(now)} 检查：数据已恢复", ws=ws)


def _sampled_in(store, station_id: str, label: str) -> bool:
    from publisher.periods import Period

    period = Period.parse(label)
    return store.water_samples(period.start, period.end, [station_id]).height > 0


# ------------------------------------------------------------------------------------------- reading
COLUMNS = ("id", "rule", "station_id", "station_name", "time", "value", "limit", "message_zh", "state",
           "raised_at", "closed_at", "note")


def listing(workspace: Workspace | str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
    """The alerts, oldest first: dicts with the keys of :data:`COLUMNS` (``state`` 'open' | 'closed')."""
    from publisher.store import Store

    ws = workspace if isinstance(workspace, Workspace) else default_workspace(workspace)
    store = Store(ws)
    if not store.exists():
        return []
    with store.connect() as conn:
        if not _has_table(conn, "alerts"):
            return []
        sql = "SELECT * FROM alerts" + (" WHERE state='open'" if open_only else "") + " ORDER BY id"
        rows = conn.execute(sql).fetchall()
    return [{**{c: row[c] for c in COLUMNS if c != "limit"}, "limit": row["limit_value"],
             "rule_zh": RULES.get(row["rule"], (row["rule"],))[0], "raised_by": row["raised_by"],
             "ingest_id": row["ingest_id"]}
            for row in rows]


def render_text(rows: Iterable[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        state = "未关闭" if row["state"] == "open" else f"已关闭 {row['closed_at'][:16].replace('T', ' ')}"
        lines.append(f"#{row['id']} [{state}] {row['message_zh']}")
        if row.get("note"):
            lines.append(f"    说明：{row['note']}")
    return "\n".join(lines) if lines else "没有预警。"


__all__ = ["Config", "Finding", "Outcome", "RULES", "evaluate_ingest", "record", "check_silence", "listing",
           "render_text"]


def recorder(outcome: Outcome, file_name: str, ws: Workspace):
    """The `on_commit` of an ingest: records `outcome` in the ingest's own transaction."""
    def on_commit(conn: sqlite3.Connection, ingest_id: int) -> None:
        record(conn, outcome, raised_by=f"入库 {ingest_id}（{shown(file_name)}）",
               why_closed=f"入库 {ingest_id}（{shown(file_name)}）更正数据后不再超标", ws=ws, ingest_id=ingest_id)
    return on_commit
