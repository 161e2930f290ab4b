"""The stations of a bulletin and their data: selection from the registry, samples from the store,
provenance, completeness, monitoring units and sampling days."""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any, Iterable, Sequence

import polars as pl

from publisher.bulletins.base import ReviewNote
from publisher.evaluate import water
from publisher.periods import Period
from publisher.registry import Registry, Station
from publisher.vocabulary import water as vocabulary_water
from publisher.bulletins.water.common.pages import date_zh, period_start


#: 水源类型 as drinking-water reports print it.
SOURCE_TYPE_ZH = vocabulary_water.SOURCE_TYPE_ZH
#: 断面级别.
LEVEL_ZH = vocabulary_water.SECTION_LEVEL_ZH
#: Why a station is listed without figures (the store holds no row of it for the period).
NO_DATA_REASON = "本期未收到该站点的监测数据"
#: Label of a station without data in the tables.
NOT_MONITORED = "未监测"


# --------------------------------------------------------------------------------------------- stations
def stations_in(registry: Registry, kinds: Iterable[str], period: Period) -> list[Station]:
    """Stations of `kinds` whose registry entry applies on some day of `period`, in registry order."""
    kinds = set(kinds)
    chosen = []
    for station in registry.stations:
        if station.kind not in kinds:
            continue
        if station.active_from and station.active_from > period.end:
            continue
        if station.active_to and station.active_to < period.start:
            continue
        chosen.append(station)
    return chosen


def station_meta(registry: Registry, stations: Sequence[Station]) -> pl.DataFrame:
    """The station frame :func:`water.evaluate` takes, limited to `stations`."""
    ids = [s.id for s in stations]
    frame = water.stations_frame(registry)
    return frame.filter(pl.col("station_id").is_in(ids))


# --------------------------------------------------------------------------------------------- store
def read_samples(job: Any, start: dt.date, end: dt.date, stations: Sequence[Station]) -> pl.DataFrame:
    """Long water rows of `stations` sampled from `start` to `end` (dates inclusive), with provenance.

    ``waterbody_type`` left null by the file is taken from the registry, as the frame contract says.
    """
    ids = [s.id for s in stations]
    frame = job.store.water_samples(start, end, station_ids=ids)
    types = pl.DataFrame({"station_id": ids, "_registry_type": [s.waterbody_type for s in stations]},
                         schema={"station_id": pl.String, "_registry_type": pl.String})
    frame = frame.join(types, on="station_id", how="left").with_columns(
        pl.coalesce(water.normalize_waterbody(pl.col("waterbody_type")), pl.col("_registry_type"))
        .alias("waterbody_type")
    ).drop("_registry_type")
    return frame.sort(["station_id", "sampled_at", "item"])


def provenance(samples: pl.DataFrame, store: Any = None, time: str = "sampled_at") -> list[dict[str, Any]]:
    """One row per source file and ingest behind `samples`: sha256, ingest id, rows used, stations, dates.

    File names are added when the store's ledger can tell them (``store.files()``), never guessed. `time` names the
    frame's time column (``period_start`` for the suppliers' intake rows).
    """
    if samples.height == 0 or "source_sha256" not in samples.columns:
        return []
    grouped = (
        samples.group_by("source_sha256", "ingest_id")
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("station_id").unique().sort().alias("stations"),
            pl.col(time).min().alias("first"),
            pl.col(time).max().alias("last"),
        )
        .sort("ingest_id", "source_sha256")
    )
    names = _file_names(store)
    out = []
    for row in grouped.to_dicts():
        entry = {
            "sha256": row["source_sha256"],
            "ingest_id": row["ingest_id"],
            "rows": row["rows"],
            "stations": row["stations"],
            "sampled_from": row["first"].isoformat(sep=" "),
            "sampled_to": row["last"].isoformat(sep=" "),
        }
        if row["source_sha256"] in names:
            entry["file"] = names[row["source_sha256"]]
        out.append(entry)
    return out


def completeness_note(total: int, missing: Sequence[str], what: str, this: str, left_out: str | None = None) -> str:
    """数据完整性: how many of the `total` registered stations reported in the period, naming those that did
    not (`missing`).

    `left_out` says what a station without data is left out of (default: ``不参与本月评价和统计``).
    """
    if not missing:
        return f"数据完整性：{this}应监测{what}{total}个，均有监测数据。"
    left_out = left_out or f"不参与{this}评价和统计"
    return (f"数据完整性：{this}应监测{what}{total}个，有监测数据的{total - len(missing)}个；"
            f"{'、'.join(missing)}{this}未监测（{NO_DATA_REASON}），{left_out}，在表中标为“{NOT_MONITORED}”。")


def review_provenance(inputs: Sequence[dict[str, Any]], period: Period, this: str) -> list[ReviewNote]:
    """Notes for the reviewers on where the figures came from: the files of this period by name, digest, ingest
    batch and rows, and how many files of earlier periods the comparisons and charts used. Never on the public page;
    every file in full is in bulletin.json (``inputs``) and manifest.json."""
    start = period_start(period).isoformat(sep=" ")
    current = [i for i in inputs if i["sampled_to"] >= start]
    earlier = [i for i in inputs if i["sampled_to"] < start]
    notes = []
    if current:
        files = "；".join(f"{i.get('file') or '（未记录文件名）'}（SHA-256 {i['sha256'][:12]}…，入库批次{i['ingest_id']}，"
                         f"{i['rows']}行）" for i in current)
        notes.append(ReviewNote("provenance", f"{this}评价使用的数据文件：{files}。"))
    if earlier:
        first = _month_zh(min(i["sampled_from"] for i in earlier))
        last = _month_zh(max(i["sampled_to"] for i in earlier))
        span = first if first == last else f"{first}至{last}"
        notes.append(ReviewNote("provenance", f"同比、环比和变化图使用{span}期间的{len(earlier)}个数据文件。"))
    if inputs:
        notes.append(ReviewNote("provenance", "全部数据文件的完整SHA-256摘要、入库批次和使用行数见bulletin.json（inputs）"
                                              "和manifest.json。"))
    return notes


def units_of(stations: Sequence[Station]) -> list[str]:
    """The monitoring units (监测单位) of `stations`, in registry order, each once."""
    return list(dict.fromkeys(s.unit for s in stations if s.unit))


def data_source_note(stations: Sequence[Station], intake: bool = False) -> str:
    """The public 数据来源 sentence, in a bureau's words: who monitored (and who reported the intake)."""
    units = units_of(stations)
    text = f"数据来源：{'、'.join(units)}监测数据" if units else "数据来源：各监测单位的监测数据"
    if intake:
        text += "；取水量为各供水单位报送的实际取水量"
    return text + "。"


FREQUENCY_ZH = {"monthly": "每月1次", "quarterly": "每季度1次", "hourly": "逐小时"}


def sampling_days(samples: pl.DataFrame, stations: Sequence[Station]) -> list[dict[str, Any]]:
    """Each station's sampling dates in `samples` (registry order): ``{name, dates: [date], dates_zh}``."""
    if samples.height == 0:
        return []
    days = samples.group_by("station_id").agg(pl.col("sampled_at").dt.date().unique().sort().alias("d"))
    by_id = {r["station_id"]: r["d"] for r in days.to_dicts()}
    out = []
    for s in stations:
        if s.id in by_id:
            out.append({"name": s.name, "dates": by_id[s.id], "dates_zh": "、".join(date_zh(d) for d in by_id[s.id])})
    return out


def sampling_sentence(samples: pl.DataFrame, stations: Sequence[Station]) -> str:
    """``北庙水库2026年10月8日，龙王塘2026年10月5日``; stations sampled on the same days share one entry."""
    groups: "OrderedDict[str, list[str]]" = OrderedDict()
    for entry in sampling_days(samples, stations):
        groups.setdefault(entry["dates_zh"], []).append(entry["name"])
    return "；".join(f"{'、'.join(names)}{dates}" for dates, names in groups.items())


def _month_zh(iso: str) -> str:
    """``2025-10-03 14:30:00`` -> ``2025年10月``."""
    return f"{int(iso[:4])}年{int(iso[5:7])}月"


def _file_names(store: Any) -> dict[str, str]:
    """sha256 -> original file name, from the store's ledger when it offers ``files()``."""
    if store is None or not hasattr(store, "files"):
        return {}
    try:
        files = store.files()
    except Exception:  # the ledger is optional for naming; the sha256 identifies the file anyway
        return {}
    if isinstance(files, pl.DataFrame):
        files = files.to_dicts()
    names = {}
    for row in files or []:
        sha = row.get("sha256") or row.get("source_sha256")
        name = row.get("name") or row.get("file_name") or row.get("original_name") or row.get("path")
        if sha and name:
            names[sha] = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return names
