"""What the three water bulletins share: reading the store, provenance, wording helpers, the method block.

Nothing here judges water quality. Classes, status words, compliance, rates, shares and change wording
all come from :mod:`publisher.evaluate.water`; this module only selects stations and periods, reads the
store, turns the evaluation into printable text and records where every figure came from.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import OrderedDict
from typing import Any, Iterable, Sequence

import polars as pl

from publisher import rounding, standards
from publisher.bulletins.base import ReviewNote
from publisher.bulletins.catalogue import Kind
from publisher.bulletins.base import jsonable as base_jsonable
from publisher.errors import StandardNotFound
from publisher.evaluate import water
from publisher.periods import Period
from publisher.registry import Registry, Station
from publisher import vocabulary
from publisher.vocabulary import water as vocabulary_water
from publisher.render.charts.spec import ChartSpec
from publisher.render.style import WATER_CLASS_COLOURS, text_colour

#: Printed in a table cell that has nothing to show (no exceedance, no data).
DASH = "—"
#: 水源类型 as drinking-water reports print it.
SOURCE_TYPE_ZH = vocabulary_water.SOURCE_TYPE_ZH
#: 断面级别.
LEVEL_ZH = vocabulary_water.SECTION_LEVEL_ZH
#: Why a station is listed without figures (the store holds no row of it for the period).
NO_DATA_REASON = "本期未收到该站点的监测数据"
#: Label of a station without data in the tables.
NOT_MONITORED = "未监测"


# --------------------------------------------------------------------------------------------- periods
def page_head(region: str, period: Period, entry: Kind) -> dict[str, Any]:
    """The masthead fields every water bulletin prints: title, period, issuer and the issue date of the
    catalogue's rule (a date derived from the period, never the clock)."""
    title_zh = entry.title_zh
    issued = entry.issue_date(period)
    return {
        "title": f"{region}{period.label_zh}{title_zh}",
        "title_lines": [f"{region}{period.label_zh}", title_zh],
        "period_range_zh": period_range_zh(period),
        "region": region,
        "organisation": f"{region}生态环境局",
        "period": period.label,
        "period_zh": period.label_zh,
        "issued": issued,
        "issued_zh": f"{issued.year}年{issued.month}月{issued.day}日",
    }


def class_shares_chart(summary: dict[str, Any], title: str, noun: str) -> tuple[Any, dict[str, Any]]:
    """The class-shares chart spec and its page entry for the monitored stations of `summary`
    (`noun`: 断面, 水源 …); stations not monitored are said in the caption."""
    spec = ChartSpec("class_shares", "water_class_shares", {"counts": summary["class_counts"], "unit": "个"})
    missing = f"；{summary['n_missing']}个未监测的{noun}不计入" if summary["n_missing"] else ""
    entry = {"name": "class_shares", "title": title,
             "caption": f"{summary['n_monitored']}个监测{noun}按水质类别统计的个数和比例{missing}。"}
    return spec, entry


def month_periods(first: dt.date, last: dt.date) -> list[Period]:
    """The months from the month of `first` to the month of `last`, in order."""
    months = []
    current = Period.month(first.year, first.month)
    while current.start <= last:
        months.append(current)
        current = current.shift(1)
    return months


def period_start(period: Period) -> dt.datetime:
    """The ``sampled_at`` that :func:`water.period_values` gives the period (its first instant)."""
    return dt.datetime.combine(period.start, dt.time())


def date_zh(day: dt.date | dt.datetime) -> str:
    """``2026年6月5日``: how every date is printed."""
    return f"{day.year}年{day.month}月{day.day}日"


def period_range_zh(period: Period) -> str:
    """``2026年7月1日—2026年9月30日``: the first and last day of the period, both written in full."""
    return f"{date_zh(period.start)}—{date_zh(period.end)}"


QUARTERS_ZH = ("一季度", "二季度", "三季度", "四季度")


def quarter_zh(period: Period) -> str:
    """``2026-Q3`` -> ``三季度`` (chart labels; the text uses ``period.label_zh``)."""
    return QUARTERS_ZH[(period.start.month - 1) // 3]


def tick_label(period: Period, first: bool = False) -> str:
    """The x label of `period` in a trend chart, in Chinese.

    Months keep their ``2026-05`` label (the chart prints ``5月`` with the year under the first month and
    each January); quarters are written here: ``三季度``, with ``2026年`` under the first one and each 一季度.
    """
    if period.unit != "quarter":
        return period.label
    text = quarter_zh(period)
    return f"{text}\n{period.start.year}年" if first or period.start.month == 1 else text


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


def sample_note(stations: Sequence[Station]) -> str | None:
    """A note for the reviewers naming what in the registry is sample (样例) rather than real, or None."""
    invented = [s.name for s in stations if s.sample]
    estimated = [s.name for s in stations if not s.sample and s.sample_fields]
    parts = []
    if invented:
        parts.append(f"{'、'.join(invented)}为样例站点（名称和位置为样例设定）")
    if estimated:
        zh = {"kind": "水源级别", "waterbody_type": "水源类型", "volume": "取水量", "lon": "经度", "lat": "纬度"}
        present = {f for s in stations if not s.sample for f in s.sample_fields}
        fields = [f for f in zh if f in present] + sorted(present - set(zh))
        words = "、".join(zh.get(f, f) for f in fields)
        parts.append(f"{'、'.join(estimated)}的{words}为样例设定值")
    if not parts:
        return None
    return "；".join(parts) + "。"


def sample_banner(stations: Sequence[Station], inputs: list[dict[str, Any]]) -> str | None:
    """The warning printed at the top when the data or stations are sample (样例), else None (the details — which
    stations and which registry fields — are a note for the reviewers, :func:`sample_note`)."""
    files = [i for i in inputs if str(i.get("file", "")).startswith(vocabulary.SAMPLE_PREFIX)]
    invented = any(s.sample or s.sample_fields for s in stations)
    registry = "；部分站点的名称、位置或取水量等名录信息为样例设定" if invented else ""
    if files:
        return f"注意：本期使用的监测数据为样例数据（非实测）{registry}，仅用于演示，不代表实际水质。"
    if invented:
        return "注意：部分站点的名称、位置或取水量等名录信息为样例设定，其结果仅用于演示。"
    return None


def class_colours() -> dict[str, str]:
    """Display colours of the classes, as the charts draw them (one source for page and charts)."""
    return dict(WATER_CLASS_COLOURS)


def class_ink() -> dict[str, str]:
    """A readable text colour on each class colour (as the charts choose it)."""
    return {label: text_colour(colour) for label, colour in class_colours().items()}


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


def completeness_note(rows: Sequence[dict[str, Any]], what: str, this: str, left_out: str | None = None) -> str:
    """数据完整性: how many of the registered stations reported in the period, naming those that did not.

    `left_out` says what a station without data is left out of (default: ``不参与本月评价和统计``).
    """
    missing = [r["name"] for r in rows if r["missing"]]
    if not missing:
        return f"数据完整性：{this}应监测{what}{len(rows)}个，均有监测数据。"
    left_out = left_out or f"不参与{this}评价和统计"
    return (f"数据完整性：{this}应监测{what}{len(rows)}个，有监测数据的{len(rows) - len(missing)}个；"
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


# --------------------------------------------------------------------------------------------- standards
def table_id(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.id


def citation(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.citation


def eval_rules(day: dt.date) -> standards.Standard:
    """The 环办〔2011〕22号 table in force on `day`."""
    return standards.in_force("water_eval", day)


def page_rules(day: dt.date) -> dict[str, Any]:
    """The standard facts the water pages' notes state, from the tables in force on `day`: the trophic
    states' bounds as the note prints them (``<30贫营养，30～50中营养，>50富营养（50～60轻度、…）``)."""
    trophic = eval_rules(day)["trophic_state"]
    classes, umbrella = trophic["classes"], str(trophic["eutrophic_umbrella"])
    first, mid, *rich = classes
    low, top = first["below"], mid["max"]
    parts, lower = [], top
    for c in rich:
        short = str(c["state"]).removesuffix(umbrella)
        parts.append(f"{_bound(lower)}～{_bound(c['max'])}{short}" if "max" in c else f">{_bound(lower)}{short}")
        lower = c.get("max", lower)
    note = (f"<{_bound(low)}{first['state']}，{_bound(low)}～{_bound(top)}{mid['state']}，"
            f">{_bound(top)}{umbrella}（{'、'.join(parts)}）")
    return {"trophic_classes_zh": note}


def _bound(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def standards_used(day: dt.date, families: Iterable[str]) -> list[str]:
    ids = [table_id(f, day) for f in families]
    return sorted({i for i in ids if i})


# --------------------------------------------------------------------------------------------- wording
def class_zh(value: int | None) -> str:
    """``3`` -> ``Ⅲ类``; None -> ``—``."""
    label = water.class_label(value)
    return f"{label}类" if label else DASH


def class_plain(value: int | None) -> str:
    """``3`` -> ``Ⅲ``; None -> ``—`` (table cells)."""
    return water.class_label(value) or DASH


def pct(value: float | None, decimals: int = 1) -> str:
    """A rate already rounded by evaluate, printed with its decimals: ``92.3%``; None -> ``—``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{value:.{decimals}f}%"


def num(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{rounding.half_even(value, decimals):.{decimals}f}"


def points_change(delta: float | None, decimals: int = 1) -> str:
    """A change in percentage points as words: ``上升7.7个百分点`` / ``下降…`` / ``持平``."""
    if delta is None:
        return ""
    if delta == 0:
        return "持平"
    word = "上升" if delta > 0 else "下降"
    return f"{word}{abs(delta):.{decimals}f}个百分点"


def share(count: int, total: int, day: dt.date) -> float | None:
    """A count as a percentage of a total, rounded as the method's tables print shares."""
    if not total:
        return None
    decimals = int(eval_rules(day)["report_decimals"]["share_decimals"])
    return rounding.half_even(count / total * 100, decimals)


def exceedance_parts(text: str | None) -> list[tuple[str, str | None]]:
    """``锰/0.5、铁/0.2`` (evaluate's format) -> ``[("锰", "0.5"), ("铁", "0.2")]``; pH/DO carry no multiple."""
    if not text:
        return []
    parts = []
    for piece in text.split("、"):
        piece = piece.strip()
        if not piece:
            continue
        if "/" in piece:
            name, multiple = piece.rsplit("/", 1)
            parts.append((name, multiple))
        else:
            parts.append((piece, None))
    return parts


def exceedance_tables(text: str | None) -> list[str]:
    """The standards tables (``GB 3838-2002表2`` …) of the single-limit items named in an exceedance text."""
    by_name = {item.get("name_zh"): item for item in water.catalogue().values()}
    labels = {"gb3838_t2": "GB 3838-2002表2", "gb3838_t3": "GB 3838-2002表3"}
    found = []
    for name, _ in exceedance_parts(text):
        tables = (by_name.get(name) or {}).get("tables") or []
        for table in tables:
            if table in labels and labels[table] not in found:
                found.append(labels[table])
    return found


def exceedance_cell(text: str | None) -> str:
    """The 超标指标及超标倍数 cell: ``锰（0.5倍）、铁（0.2倍）``; ``—`` when none."""
    parts = exceedance_parts(text)
    if not parts:
        return DASH
    return "、".join(f"{name}（{times(mult)}）" if mult is not None else name for name, mult in parts)


def times(multiple: str) -> str:
    """``0.5`` -> ``0.5倍``; evaluate's ``<0.01`` (a value just above its limit) -> ``不足0.01倍``."""
    if multiple.startswith("<"):
        return f"不足{multiple[1:]}倍"
    return f"{multiple}倍"


def exceedance_words(text: str | None) -> str:
    """For sentences: ``锰超标0.5倍、铁超标0.2倍`` (pH / DO: ``pH值超标``)."""
    parts = exceedance_parts(text)
    return "、".join(f"{name}超标{times(mult)}" if mult is not None else f"{name}超标" for name, mult in parts)


def join_names(names: Sequence[str]) -> str:
    """``A``, ``A和B``, ``A、B和C``."""
    names = list(names)
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return "、".join(names[:-1]) + "和" + names[-1]


def class_counts(classes: Iterable[int | None]) -> "OrderedDict[int, int]":
    """Count per class 1..6 of the non-null classes (every class present, also zero)."""
    counts: OrderedDict[int, int] = OrderedDict((k, 0) for k in water.CLASS_LABELS)
    for value in classes:
        if value is not None:
            counts[int(value)] += 1
    return counts


def class_breakdown(classes: Sequence[int | None], unit: str, day: dt.date, with_share: bool = True) -> str:
    """``Ⅱ类2个（占66.7%）、Ⅲ类1个（占33.3%）``: the classes present, best first."""
    counts = class_counts(classes)
    total = sum(counts.values())
    parts = []
    for k, n in counts.items():
        if not n:
            continue
        text = f"{class_zh(k)}{n}{unit}"
        if with_share and total:
            text += f"（占{pct(share(n, total, day))}）"
        parts.append(text)
    return "、".join(parts)


# --------------------------------------------------------------------------------------------- items
def item_unit(code: str) -> str:
    return str(water.catalogue().get(code, {}).get("unit", ""))


def gw_names(day: dt.date) -> dict[str, str]:
    """Item code -> the index name of the GB/T 14848 table in force (``耗氧量（CODMn法，以O2计）``), or {}."""
    try:
        table = standards.in_force("gb14848", day)
    except StandardNotFound:
        return {}
    return {code: str(spec["name_zh"]) for code, spec in table["items"].items() if spec.get("name_zh")}


def item_label(code: str, groundwater: bool, day: dt.date) -> str:
    """The name an item is printed with: GB/T 14848's for a groundwater source, the catalogue's otherwise."""
    if groundwater:
        name = gw_names(day).get(code)
        if name:
            return name
    return water.item_name(code)


def gw_text(text: str | None, day: dt.date) -> str:
    """An evaluate text (``高锰酸盐指数/0.2、氨氮/0.1``) of a groundwater source with the GB/T 14848 names."""
    if not text:
        return text or ""
    by_name = {water.item_name(code): name for code, name in gw_names(day).items()}
    parts = []
    for name, multiple in exceedance_parts(text):
        name = by_name.get(name, name)
        parts.append(f"{name}/{multiple}" if multiple is not None else name)
    return "、".join(parts)


def regular_gw_items(day: dt.date) -> list[str]:
    """The 常规指标 of the GB/T 14848 table in force, in its order (39 in GB/T 14848-2017)."""
    try:
        table = standards.in_force("gb14848", day)
    except StandardNotFound:
        return []
    return [code for code, spec in table["items"].items() if spec.get("regular")]


def source_plan(day: dt.date) -> dict[str, Any] | None:
    """The drinking-water sources' monitoring plan of the item-set table in force (``sets.source.monitoring``)."""
    try:
        table = standards.in_force("water_assessment", day)
    except StandardNotFound:
        return None
    return (table["sets"].get("source") or {}).get("monitoring")


def planned_items(waterbody_type: str | None, day: dt.date) -> list[str] | None:
    """The items a source of this type is to be monitored for (None when no plan is in force)."""
    plan = source_plan(day)
    if plan is None:
        return None
    if waterbody_type == "groundwater":
        return regular_gw_items(day) if plan["groundwater"]["items"] == "regular" else list(plan["groundwater"]["items"])
    surface = plan["surface"]
    table3 = surface["table3"]
    if table3 == "priority_33":
        table3 = list(standards.in_force("gb3838", day)["table3"]["priority_33"]["items"])
    extra = list(surface.get("lake_extra") or []) if waterbody_type == "lake" else []
    return list(surface["table1"]) + extra + list(surface["table2"]) + list(table3)


def trend_points(part: pl.DataFrame, names: dict[str, str], labels: dict[Any, str],
                 day: dt.date) -> list[dict[str, Any]]:
    """The points of a trend chart from period values: a period whose results were all below the detection limit is
    drawn at ½ DL (the value every calculation uses, 环办监测函〔2020〕82号 第七点) and flagged ``below_dl`` (a hollow
    marker), so that the chart and the method text say the same thing."""
    half = float(eval_rules(day)["below_detection_limit"]["statistic_factor"])
    return [{"section": names[r["station_id"]], "period": labels[r["sampled_at"]],
             "value": r["value"] * half if r["below_dl"] else r["value"], "below_dl": bool(r["below_dl"])}
            for r in part.to_dicts()]


def multiple_places(*texts: Iterable[str | None]) -> int | None:
    """The one precision of every 超标倍数 of a bulletin (:func:`publisher.evaluate.water.multiple_places`)."""
    return water.multiple_places(t for group in texts for t in group)


def items_by_table(samples: pl.DataFrame) -> "OrderedDict[str, list[str]]":
    """Item codes measured in `samples`, grouped by the first table of the catalogue that lists them."""
    cat = water.catalogue()
    order = {code: i for i, code in enumerate(cat)}
    groups: OrderedDict[str, list[str]] = OrderedDict()
    codes = sorted(set(samples["item"].unique().to_list()), key=lambda c: (order.get(c, len(order)), c))
    for code in codes:
        tables = cat.get(code, {}).get("tables") or ["none"]
        groups.setdefault(tables[0], []).append(code)
    return groups


TABLE_NAMES = {
    "gb3838_t1": "GB 3838-2002表1基本项目",
    "gb3838_t2": "GB 3838-2002表2集中式生活饮用水地表水源地补充项目",
    "gb3838_t3": "GB 3838-2002表3集中式生活饮用水地表水源地特定项目",
    "gb14848": "GB/T 14848-2017地下水质量常规指标",
    "trophic": "营养状态指标",
    "none": "其他项目",
}


def items_sentence(samples: pl.DataFrame, waterbody: str | None = None) -> str:
    """``GB 3838-2002表1基本项目24项（水温、pH值、…）`` for the items measured, grouped by table."""
    frame = samples if waterbody is None else samples.filter(pl.col("waterbody_type") == waterbody)
    if frame.height == 0:
        return ""
    parts = []
    for table, codes in items_by_table(frame).items():
        if waterbody == "groundwater" and table != "gb14848":
            # a groundwater index is listed under GB/T 14848 even when GB 3838 also has it
            continue
        names = "、".join(water.item_name(c) for c in codes)
        parts.append(f"{TABLE_NAMES.get(table, table)}{len(codes)}项（{names}）")
    if waterbody == "groundwater":
        codes = [c for c in frame["item"].unique().to_list()]
        cat = water.catalogue()
        gw = sorted((c for c in codes if "gb14848" in (cat.get(c, {}).get("tables") or [])),
                    key=lambda c: list(cat).index(c) if c in cat else len(cat))
        names = "、".join(water.item_name(c) for c in gw)
        parts = [f"{TABLE_NAMES['gb14848']}{len(gw)}项（{names}）"] if gw else []
    return "；".join(parts)


# --------------------------------------------------------------------------------------------- method
def method_block(day: dt.date, *, groundwater: bool, sections: bool, trophic: bool,
                 monitored: list[dict[str, str]], places: int | None = None) -> dict[str, Any]:
    """评价标准及方法 as labelled paragraphs (评价标准, 水质类别, 评价指标, 达标率, 超标倍数, 营养状态, 检出限 …), with
    citations from the standards tables. `monitored`: the 监测项目 lines, kept beside them for the page's 监测情况;
    `places`: the decimals every 超标倍数 of the bulletin has."""
    rules = eval_rules(day)
    ev_cite = citation("water_eval", day)
    surface = citation("gb3838", day)
    ground = citation("gb14848", day) if groundwater else None
    assess = standards.in_force("water_assessment", day) if table_id("water_assessment", day) else None
    basis = []
    if surface:
        basis.append(f"地表水执行{surface}")
    if ground:
        basis.append(f"地下水执行{ground}")
    paragraphs: list[dict[str, str]] = []

    def add(label: str, parts: list[str]) -> None:
        parts = [x for x in parts if x]
        if parts:
            paragraphs.append({"label": label, "text": "；".join(parts) + "。"})

    add("评价标准", basis)
    single = f"按{ev_cite}采用单因子评价法，以参与评价指标中类别最差的一项确定水质类别" if ev_cite else ""
    if sections:
        add("水质类别", [single, str(rules["reference_items"]["quote_zh"])])
        if assess is not None and "national" in assess["sets"]:
            national = assess["sets"]["national"]
            base = "、".join(water.item_name(c) for c in national["class_items"])
            parts = [f"国控断面按{assess.citation}以“5+X”指标评价（{base}5项及该断面的X特征指标），省控断面按21项指标评价"]
            if national.get("x_from_data"):
                parts.append(str(national["x_from_data"]["rule_zh"]))
            parts.append("全市断面总体水质、Ⅰ～Ⅲ类和劣Ⅴ类断面比例及断面达标率为国控、省控断面合并统计；"
                         "两类断面的评价指标不同，另分别列出")
            add("评价指标", parts)
        add("河流和流域", ["断面数少于5个时以各断面指标浓度的算术平均值评价，5个及以上时按Ⅰ～Ⅲ类及劣Ⅴ类断面比例评价",
                          "主要污染指标按断面超标率确定，超标率相同的按超标程度（水质类别、超标倍数）由重到轻排列"])
        add("变化评价", ["不同时段水质变化按水质状况等级和Ⅰ～Ⅲ类、劣Ⅴ类断面比例的变化（百分点）评价"])
    else:
        parts = [single, str(rules["drinking_source"]["rule_zh"]).strip().rstrip("。").replace("。", "；")]
        if assess is not None and "source" in assess["sets"]:
            excluded = [c for c in assess["items_21"] if c not in assess["sets"]["source"]["class_items"]]
            if excluded:
                names = "、".join(water.item_name(c) for c in excluded)
                parts.append(f"地表水水源的水质类别按表1基本项目中除水温、总氮、粪大肠菌群和{names}以外的"
                             f"{len(assess['sets']['source']['class_items'])}项指标确定，{names}不参与水质类别评价")
        add("水质类别", parts)
        add("达标率", ["水源达标率 = 达标水源个数 ÷ 监测水源个数 × 100%",
                      "水量达标率 = 达标水源取水量之和 ÷ 全部监测水源取水量之和 × 100%，取水量为统计期内实际取水量"])
    decimals = places if places is not None else int(rules["exceedance"]["decimals"])
    add("超标倍数", ["超标倍数 = (C − S) ÷ S，S为水质目标（未设目标时为Ⅲ类）对应的标准限值或表2、表3限值",
                    "水温、pH值、溶解氧不计算超标倍数", f"本期超标倍数统一保留{decimals}位小数"])
    if trophic:
        add("营养状态", [f"湖库营养状态采用{_document(rules['trophic_state']['document'])}的综合营养状态指数法，"
                        f"以叶绿素a、总磷、总氮、透明度和高锰酸盐指数计算TLI(Σ)"])
    rule, _, source = str(rules["below_detection_limit"]["rule_zh"]).strip().rstrip("。").partition("。（")
    dl = f"按{source.rstrip('）')}，{rule}" if source else rule
    add("检出限", [dl, "低于检出限的单次结果以“检出限+L”表示（如0.01L）",
                  "变化趋势图中未检出的数值同样按1/2检出限绘制，以空心点标示"])
    citations = [c for c in (surface, ground, ev_cite) if c]
    if sections and assess is not None:
        citations.append(assess.citation)
    for paragraph in paragraphs:
        paragraph["text"] = tidy(paragraph["text"])
    return {"monitored": merge_monitored(monitored), "paragraphs": paragraphs, "citations": citations}


def _document(text: str) -> str:
    """``湖泊（水库）富营养化评价方法及分级技术规定（总站生字〔2001〕090号）`` -> ``《…》（总站生字〔2001〕090号）``."""
    match = re.match(r"^(.*)（([^（）]*〔\d{4}〕[^（）]*)）$", text.strip())
    return f"《{match.group(1)}》（{match.group(2)}）" if match else f"《{text.strip()}》"


_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


def tidy(text: str) -> str:
    """Remove the spaces that folded YAML text leaves between two Chinese characters (keeps ``GB 3838``)."""
    return re.sub(rf"(?<={_CJK})\s+(?={_CJK})", "", text)


def merge_monitored(monitored: list[dict[str, str]]) -> list[dict[str, str]]:
    """One 监测项目 line per distinct item list: ``国控断面、省控断面`` share one when their items agree."""
    merged: "OrderedDict[str, list[str]]" = OrderedDict()
    for entry in monitored:
        merged.setdefault(entry["text"], []).append(entry["label"])
    return [{"label": "、".join(labels), "text": text} for text, labels in merged.items()]


# --------------------------------------------------------------------------------------------- json
def jsonable(value: Any) -> Any:
    """As `base.jsonable`, with a space between the date and time of a datetime."""
    return base_jsonable(value, sep=" ")


def frame_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(row) for row in frame.to_dicts()]
