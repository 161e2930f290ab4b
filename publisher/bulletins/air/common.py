"""What the air bulletins share: reading the store, the one evaluation path, notes and wording.

Every figure comes from :mod:`publisher.evaluate.air` (``daily_values`` → ``area_daily`` →
``period_stats`` / ``change``) on the canonical hourly frame read from the store; this module only
selects, labels and words them. No threshold, breakpoint or validity count is written here: they are
read from the standards tables in force.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from publisher import config, standards
from publisher.bulletins.base import Note, Record
from publisher.errors import InputError
from publisher.periods import as_date
from publisher.evaluate import air
from publisher.evaluate.air import station_days
from publisher.registry import Registry
from publisher import vocabulary
from publisher.vocabulary import air as vocabulary_air
from publisher.render.charts.spec import ChartSpec
from publisher.render.style import text_colour
from publisher.store.dust import DUST_FILE, read_dust, workspace_dust  # noqa: F401  (the workspace's flags)

#: Shown on every air bulletin: the national feed publishes real-time, unaudited values.
DATA_LABEL = "实况数据（未经审核）"
#: What sample files and rows say of themselves (publisher/demo/sample.py).
SAMPLE_LABEL = vocabulary.SAMPLE_LABEL

#: Display names of pollutant and indicator codes (presentation only): publisher.vocabulary.air.
NAME_ZH = vocabulary_air.NAME_ZH
SYMBOL = vocabulary_air.SYMBOL
INDICATOR_ZH = vocabulary_air.INDICATOR_ZH
UNIT = vocabulary_air.UNIT
DEFAULT_UNIT = vocabulary_air.DEFAULT_UNIT
PERIOD_STATS = ("so2", "no2", "pm10", "pm2_5", "co_p95", "o3_8h_p90")
LEVEL_WORDS = vocabulary_air.LEVEL_WORDS
NOT_MONITORED = "/"
MISSING = "NA"


# --------------------------------------------------------------------------------------------------
# the bureau's settings of the air bulletins: <home>/air.yaml, else publisher/defaults/air.yaml
# --------------------------------------------------------------------------------------------------
SETTINGS_FILE = "air.yaml"
DEFAULT_SETTINGS = config.default_path(SETTINGS_FILE)
#: a settings file is a few lines; anything larger is refused before it is parsed
MAX_SETTINGS_BYTES = config.MAX_BYTES


@dataclass(frozen=True)
class Settings:
    """What the bureau sets for its air bulletins (docs/air-method.md §9).

    ``ranking_name`` and ``ranking_areas``: the group of cities the monthly bulletin ranks the region
    among, as the bulletin names it; ``release_hour``: the hour of the day after the reported day at
    which the daily report is published; ``path``: the file they come from."""

    ranking_name: str
    ranking_areas: tuple[str, ...]
    release_hour: int
    path: Path


def settings_path(home: str | Path | None) -> Path:
    """``<home>/air.yaml`` when the workspace has one, else the shipped default."""
    return config.path_of(SETTINGS_FILE, home)


def settings(home: str | Path | None, registry: Registry) -> Settings:
    """Read and check the air settings; every problem is reported at once (``bad_air_config``)."""
    path = settings_path(home)
    raw = config.read(path, what_zh="空气公报设置", code="bad_air_config")
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise InputError(f"空气公报设置 {path} 应为键值表（ranking、daily） (bad_air_config)")
    for key in sorted(set(map(str, raw)) - {"ranking", "daily"}):
        problems.append(f"未知的设置项 {key!r}")
    ranking = raw.get("ranking") or {}
    daily = raw.get("daily") or {}
    if not isinstance(ranking, dict):
        problems.append("ranking 应为键值表（name、areas）")
        ranking = {}
    if not isinstance(daily, dict):
        problems.append("daily 应为键值表（release_hour）")
        daily = {}
    for key in sorted(set(map(str, ranking)) - {"name", "areas"}):
        problems.append(f"未知的设置项 ranking.{key}")
    for key in sorted(set(map(str, daily)) - {"release_hour"}):
        problems.append(f"未知的设置项 daily.{key}")
    name = ranking.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("ranking.name（排名范围在公报中的名称）不能为空")
        name = ""
    areas = ranking.get("areas")
    if not isinstance(areas, list) or not areas or not all(isinstance(a, str) for a in areas):
        problems.append("ranking.areas 应为城市名称的列表")
        areas = []
    cities = {a.name for a in registry.areas if a.level == "city"}
    unknown = [a for a in areas if a not in cities]
    if unknown:
        problems.append(f"ranking.areas 中的 {'、'.join(unknown)} 不是站点名录中的城市")
    twice = sorted({a for a in areas if areas.count(a) > 1})
    if twice:
        problems.append(f"ranking.areas 中 {'、'.join(twice)} 重复")
    region = region_name(registry)
    if areas and region not in areas:
        problems.append(f"ranking.areas 应包含本地区 {region}")
    hour = daily.get("release_hour", 12)
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        problems.append(f"daily.release_hour 应为 0–23 的整数，而不是 {hour!r}")
        hour = 12
    if problems:
        raise InputError(f"空气公报设置 {path} 有误：" + "；".join(problems) + " (bad_air_config)")
    return Settings(ranking_name=name.strip(), ranking_areas=tuple(areas), release_hour=hour, path=path)


def chart(name: str, kind: str, data: dict[str, Any]) -> Any:
    """A :class:`publisher.render.charts.spec.ChartSpec` (a description: nothing is drawn here)."""
    return ChartSpec(name, kind, data)


def ink(background: str | None) -> str:
    """Readable text colour on an AQI level colour."""
    if not background:
        return "#1a1a1a"
    return text_colour(background)


def unit_of(code: str) -> str:
    return UNIT.get(code, DEFAULT_UNIT)


def pollutant_name(code: str) -> str:
    """``细颗粒物（PM₂.₅）``, ``臭氧（O₃）`` for an indicator or statistic code."""
    base = code.split("_p")[0] if code.endswith(("_p95", "_p90")) else code
    if base.startswith("o3"):
        base = "o3_8h" if base == "o3_8h" else base
    return f"{NAME_ZH.get(base, base)}（{SYMBOL.get(base, base)}）"


def primary_zh(codes: str | None) -> str:
    """Primary pollutants (comma-joined codes) in words; "—" when none."""
    if not codes:
        return "—"
    names = []
    for code in codes.split(","):
        code = code.strip()
        if not code:
            continue
        label = SYMBOL.get(code, code)
        if code == "o3_8h":
            label = "O₃-8h"
        elif code == "o3_1h":
            label = "O₃-1h"
        names.append(label)
    return "、".join(dict.fromkeys(names)) or "—"


def largest_index_zh(codes: str | None, names: bool = False) -> str:
    """The pollutant(s) of the largest single index of the composite index: ``O₃`` (tables) or
    ``臭氧（O₃）`` (sentences); "—" when none. The single index belongs to the pollutant, not to a
    daily indicator, so no ``_8h`` suffix."""
    if not codes:
        return "—"
    out = [pollutant_name(c) if names else SYMBOL.get(c, c) for c in codes.split(",") if c]
    return "、".join(dict.fromkeys(out)) or "—"


def note_zh(text: str) -> str:
    """A note of :func:`publisher.evaluate.air.period_stats` with the page's pollutant symbols."""
    return vocabulary_air.ascii_to_symbol(text)


def shortfall_note(shortfall: dict[str, Any]) -> Note:
    """A validity shortfall of :func:`publisher.evaluate.air.period_stats` (``shortfalls``: month, code,
    days, need) in the page's words: ``6月PM₁₀有效日均值23个，少于27个`` (a whole year: ``全年…``)."""
    month = shortfall.get("month")
    when = f"{int(month[5:7])}月" if month else "全年"
    label = note_zh(vocabulary_air.ASCII.get(shortfall["code"], shortfall["code"]))
    return Note("validity", f"{when}{label}有效日均值{shortfall['days']}个，少于{shortfall['need']}个", dict(shortfall))


def invalid_indicators(day_row: dict[str, Any]) -> list[tuple[str, Any]]:
    """The indicators of a station-day without a valid daily value (its ``invalid``), each with what it
    had: the valid 8-hour windows of O₃-8h, else the valid hours of its pollutant."""
    codes = [c for c in (day_row.get("invalid") or "").split(",") if c]
    return [(c, day_row.get("o3_8h_windows") if c == "o3_8h"
             else day_row.get("hours_" + ("o3" if c.startswith("o3") else c))) for c in codes]


def fmt(value: Any, decimals: int = 0) -> str:
    """A number as printed (GB/T 8170 rounding was done by the evaluation), "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, float) and value != value:  # NaN
        return "—"
    return f"{float(value):.{decimals}f}"


def decimals_of(code: str, day: dt.date) -> int:
    """Printed decimals of a period statistic, from the hj663 table in force on `day` (the period's end)."""
    return int(standards.rule("hj663", day, "statistics")["decimals"].get(code, 0))


def daily_decimals(code: str, day: dt.date) -> int:
    """Printed decimals of a daily indicator, from the HJ 633 table in force on `day`."""
    table = standards.in_force("hj633", day)
    decimals = ((table.get("rounding") or {}).get("concentration") or {}).get("decimals") or {}
    return int(decimals.get(code, 1 if code == "co" else 0))


# --------------------------------------------------------------------------------------------------
# areas of the region
# --------------------------------------------------------------------------------------------------
def region_name(registry: Registry) -> str:
    return str(registry.region.get("name") or registry.areas[0].name)


def region_counties(registry: Registry) -> list[str]:
    """The counties (and districts) of the region, in registry order, that have air stations."""
    region = region_name(registry)
    mapped = set(registry.air_areas().get_column("area").to_list())
    return [a.name for a in registry.areas if a.level == "county" and a.city == region and a.name in mapped]


@dataclass(frozen=True)
class AirStation(Record):
    """An air station whose figures count in an area, as the bulletins name it: id, code (the national
    network's point code), name, monitoring unit, whether it is a sample station, the registry's note."""

    id: str
    code: str | None
    name: str
    unit: str | None
    sample: bool
    note: str | None


def area_stations(registry: Registry, area: str) -> list[AirStation]:
    """The air stations whose figures count in `area`."""
    link = registry.air_areas().filter(pl.col("area") == area).get_column("station_id").to_list()
    rows = []
    for sid in link:
        s = registry.get(sid)
        rows.append(AirStation(id=s.id, code=s.code, name=s.name, unit=s.unit, sample=s.is_sample(), note=s.note))
    return rows


# --------------------------------------------------------------------------------------------------
# reading and evaluating
# --------------------------------------------------------------------------------------------------
def hour_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Hour-END labels of the natural days `first`..`last`: D 01:00 … (last+1) 00:00."""
    start = dt.datetime.combine(first, dt.time(1))
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0))
    return start, end


def read_hourly(store: Any, first: dt.date, last: dt.date, stations: Sequence[str]) -> pl.DataFrame:
    """The canonical hourly frame of `stations` for the natural days `first`..`last`."""
    start, end = hour_bounds(first, last)
    frame = store.air_hourly(start, end, stations=list(stations))
    if frame.height:
        frame = frame.filter(pl.col("time").is_between(start, end, closed="both"))
    return frame


def evaluate(hourly: pl.DataFrame, areas: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Station daily values and area daily values: the one path every figure takes.

    The same calls, in the same order, as ``publisher evaluate air`` (publisher/cli/air_cmd.py):
    ``mark_not_monitored`` → ``daily_values`` → ``area_daily``; the period figures are then
    ``period_stats`` of these area values (:func:`stats`). tests/test_bulletins_air.py runs the
    command on the same data and compares its CSV with the bulletin's JSON.
    """
    if hourly.height == 0:
        return pl.DataFrame(), pl.DataFrame()
    daily = air.daily_values(air.mark_not_monitored(hourly))
    return daily, air.area_daily(daily, areas)


def evaluate_stored(store: Any, first: dt.date, last: dt.date, stations: Sequence[str],
                    areas: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`evaluate` of :func:`read_hourly` without reading the hours: the station-days the store keeps
    (``Store.air_days``, equal to ``daily_values(mark_not_monitored(hours))`` of the same days), then
    ``area_daily``."""
    rows = store.air_days(first, last, list(stations), mark_absent=True)
    if rows.height == 0:
        return pl.DataFrame(), pl.DataFrame()
    daily = station_days.daily_columns(rows)
    return daily, air.area_daily(daily, areas)


def read_provenance(store: Any, first: dt.date, last: dt.date, stations: Sequence[str]) -> pl.DataFrame:
    """``station_id, time, source_sha256, ingest_id`` of the hours of `first`..`last` (:func:`inputs_of`)."""
    return store.air_scan(first, last, list(stations),
                          columns=("station_id", "time", "source_sha256", "ingest_id")).collect()


def stats(area_daily: pl.DataFrame, names: Iterable[str], period: str, label: str,
          dust: pl.DataFrame | None = None, shortfalls: bool = False) -> pl.DataFrame:
    """``period_stats`` of the areas `names` (ranked among themselves), the row(s) of `label`
    (with `shortfalls`, the validity shortfalls as data in the column ``shortfalls``)."""
    names = list(names)
    if area_daily.height == 0:
        return pl.DataFrame()
    subset = area_daily.filter(pl.col("area").is_in(names))
    if subset.height == 0:
        return pl.DataFrame()
    if dust is not None:
        dust = dust.filter(pl.col("area").is_in(names))
    out = air.period_stats(subset, period, dust=dust, shortfalls=shortfalls)
    return out.filter(pl.col("period") == label)


def rows_by_area(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    if frame is None or frame.height == 0:
        return {}
    return {r["area"]: r for r in frame.to_dicts()}


def inputs_of(hourly: pl.DataFrame, store: Any = None) -> list[dict[str, Any]]:
    """Provenance rows: source file (name when the store knows it), sha256, ingest id, rows used."""
    if hourly.height == 0 or "source_sha256" not in hourly.columns:
        return []
    keys = [c for c in ("source_sha256", "ingest_id") if c in hourly.columns]
    grouped = (hourly.group_by(keys)
               .agg(pl.len().alias("rows"), pl.col("time").min().alias("first"), pl.col("time").max().alias("last"),
                    pl.col("station_id").n_unique().alias("stations"))
               .sort(list(reversed(keys))))
    names = file_names(store)
    rows = []
    for r in grouped.to_dicts():
        rows.append({
            "file": names.get(r["source_sha256"]),
            "sha256": r["source_sha256"],
            "ingest_id": r.get("ingest_id"),
            "rows": int(r["rows"]),
            "stations": int(r["stations"]),
            "first_hour": r["first"].isoformat(sep=" ", timespec="minutes"),
            "last_hour": r["last"].isoformat(sep=" ", timespec="minutes"),
        })
    return rows


def sample_areas(registry: Registry, names: Sequence[str], hourly: pl.DataFrame, store: Any, first: dt.date,
                 last: dt.date) -> list[str]:
    """The areas among `names` whose days `first`..`last` rest on sample data: an invented station, or hours of a
    real station read from a sample file (name starting ``样例数据_``: the demo's city year 2025, before the national
    feed copies start)."""
    from_samples: set[str] = set()
    if hourly.height and "source_sha256" in hourly.columns:
        sample_files = [sha for sha, name in file_names(store).items() if name.startswith(vocabulary.SAMPLE_PREFIX)]
        if sample_files:
            start, end = hour_bounds(first, last)
            from_samples = set(hourly.filter(pl.col("time").is_between(start, end)
                                             & pl.col("source_sha256").is_in(sample_files))
                               .get_column("station_id").unique().to_list())
    return [name for name in names
            if any(s.sample or s.id in from_samples for s in area_stations(registry, name))]


def file_names(store: Any) -> dict[str, str]:
    """sha256 → original file name, from the store's ledger when it offers it."""
    if store is None:
        return {}
    for attr in ("file_names", "files"):
        fn = getattr(store, attr, None)
        if not callable(fn):
            continue
        try:
            found = fn()
        except Exception:  # noqa: BLE001 - a ledger without names only costs the file name column
            continue
        if isinstance(found, dict):
            return {str(k): str(v) for k, v in found.items()}
        if isinstance(found, pl.DataFrame) and {"sha256", "name"} <= set(found.columns):
            return dict(zip(found["sha256"].to_list(), found["name"].to_list()))
        if isinstance(found, list) and found and isinstance(found[0], dict):
            key = "sha256"
            name = next((k for k in ("name", "file", "original_name", "filename") if k in found[0]), None)
            if name:
                return {str(f[key]): str(f[name]) for f in found if f.get(key)}
    return {}


# --------------------------------------------------------------------------------------------------
# standards versions and their notes
# --------------------------------------------------------------------------------------------------
def tables_for(first: dt.date, last: dt.date, families: Sequence[str] = ("hj633", "gb3095")) -> list[standards.Standard]:
    """The tables of `families` in force on some day of `first`..`last`, oldest first."""
    return [table for family in families for table in standards.covering(family, first, last)]


def standard_ids(first: dt.date, last: dt.date, statistics: bool = True) -> list[str]:
    ids = [t.id for t in tables_for(first, last)]
    if statistics:
        ids.append(standards.in_force("hj663", last).id)
    return ids


def _phase_name(table: standards.Standard, day: dt.date) -> str | None:
    phase = standards.phase_on(table, day)
    if phase is not None and len(table.get("phases")) > 1:
        return str(phase.get("name_zh"))
    return None


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def version_notes(first: dt.date, last: dt.date, what: str) -> list[str]:
    """How the days `first`..`last` of `what` (e.g. "本月", "年初至今") are judged, one line per version."""
    notes = []
    hj = [t for t in tables_for(first, last, ("hj633",))]
    gb = [t for t in tables_for(first, last, ("gb3095",))]
    for h in hj:
        lo, hi = max(first, h.effective_from), min(last, h.effective_to or last)
        g = next((t for t in gb if t.covers(lo)), None)
        phase = _phase_name(g, lo) if g else None
        gb_text = f"{g.citation}{'（' + phase + '）' if phase else ''}" if g else ""
        span = f"{_zh_date(lo)}至{_zh_date(hi)}" if lo != hi else _zh_date(lo)
        notes.append(f"{span}的数据按{gb_text}和{h.citation}评价。")
    if len(hj) > 1:
        switch = hj[-1].effective_from
        notes.insert(0, f"{what}统计时段跨越{_zh_date(switch)}标准更替日，{_zh_date(switch)}前后的日评价分别采用"
                        f"{hj[0].get('meta', {}).get('number', hj[0].id)}与{hj[-1].get('meta', {}).get('number', hj[-1].id)}"
                        f"及相应版本的GB 3095；两段日数据合并统计，颗粒物日均值的级别划分前后不同，请注意比较口径。")
    return notes


def statistics_note(last: dt.date) -> str | None:
    """The HJ 663-2026 pending notice when the period reaches its effective date."""
    table = standards.in_force("hj663", last)
    pending = table.get("pending") or {}
    start = as_date(pending.get("from")) if pending else None
    if start and last >= start:
        return f"{pending.get('note_zh')}。"
    return None


def levels_table(day: dt.date) -> list[dict[str, Any]]:
    """The HJ 633 level rows (level, category, colour, advice) of the table in force on `day`."""
    return [dict(item) for item in standards.in_force("hj633", day)["levels"]["items"]]


def level_row(level: int | None, day: dt.date) -> dict[str, Any] | None:
    if level is None:
        return None
    for item in levels_table(day):
        if int(item["level"]) == int(level):
            return item
    return None


def limit(pollutant: str, averaging: str, day: dt.date) -> float | None:
    """Class-2 GB 3095 limit of the table and phase in force on `day`."""
    phase = standards.phase_on(standards.in_force("gb3095", day), day)
    return None if phase is None else phase["class2"][pollutant].get(averaging)


#: How each averaging time of GB 3095 is named on the page.
AVERAGING_ZH = vocabulary_air.AVERAGING_ZH


def limits_note(day: dt.date) -> str:
    """Which limits the period table compares with: the GB 3095 table and phase in force on `day`,
    and the averaging time of each statistic (monthly means are set against the annual limits)."""
    table = standards.in_force("gb3095", day)
    phase = standards.phase_on(table, day)
    text = f"限值为{table.citation}二级浓度限值"
    if phase and len(table.get("phases") or []) > 1:
        start = as_date(phase.get("from"))
        end = as_date(phase.get("to"))
        span = f"{_zh_date(start)}至{_zh_date(end)}执行" if start and end else ""
        text += f"（{phase.get('name_zh')}{'，' + span if span else ''}）"
    comp = standards.in_force("hj663", day)["composite_index"]["components"]
    by_averaging: dict[str, list[str]] = {}
    for name, spec in comp.items():
        by_averaging.setdefault(spec["averaging"], []).append(SYMBOL.get(spec["pollutant"], spec["pollutant"]))
    parts = [f"{'、'.join(names)}为{AVERAGING_ZH.get(avg, avg)}限值" for avg, names in by_averaging.items()]
    text += "：" + "，".join(parts) + "。月均浓度与年平均限值比较仅作参考，达标评价以年度统计为准。"
    return text


#: statistic → (GB 3095 pollutant, averaging) it is compared with; from the hj663 composite-index table.
def stat_limits(day: dt.date) -> dict[str, float | None]:
    comp = standards.in_force("hj663", day)["composite_index"]["components"]
    return {name: limit(spec["pollutant"], spec["averaging"], day) for name, spec in comp.items()}
