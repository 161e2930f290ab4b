"""From raw sheets to canonical frames: find the header row, interpret the columns through the alias
table, parse values and times column-wise, validate, and collect findings.

Layouts
- wide: one row per sample, one column per item (``station, time, [waterbody_type], <items…>``);
- long: one row per value (``station, time, item, value, [unit], [detection limit]``);
- the national air feed (``timepoint, stationcode, …, aqi, primarypollutant, pm10, …``) is a wide layout.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from publisher.ingest import aliases, values
from publisher.ingest.findings import Findings
from publisher.ingest.readers import HEAD_ROWS
from publisher import vocabulary
from publisher.vocabulary import air as vocabulary_air

AIR_CODES = vocabulary_air.POLLUTANTS
AIR_SCHEMA = {"station_id": pl.String, "time": pl.Datetime("us"), **{c: pl.Float64 for c in AIR_CODES},
              "platform_aqi": pl.Int64, "platform_primary": pl.String, "not_monitored": pl.String,
              "source_row": pl.Int64, "source_sheet": pl.String}
WATER_SCHEMA = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String, "value": pl.Float64,
                "below_dl": pl.Boolean, "waterbody_type": pl.String, "raw": pl.String,
                "source_row": pl.Int64, "source_sheet": pl.String}
AIR_KIND = vocabulary.AIR_KINDS
WATER_KIND = vocabulary.WATER_KINDS

#: Plausibility: code -> (hard minimum, hard maximum, soft maximum) in the canonical unit. Outside the
#: hard range a value is impossible (error); above the soft maximum it is accepted with a warning.
RANGES: dict[str, tuple[float | None, float | None, float | None]] = {
    "so2": (0, None, 2000), "no2": (0, None, 1000), "o3": (0, None, 1000), "pm10": (0, None, 2000),
    "pm2_5": (0, None, 1000), "co": (0, None, 50),
    "ph": (0, 14, None), "water_temp": (-5, 100, 40), "do": (0, None, 20),
}
#: a water item whose minimum is not 0 (only these may be negative)
_SIGNED = {"water_temp"}


@dataclass
class Parsed:
    kind: str | None                       # "air" | "water" | "intake" | "forecast"; None when nothing was read
    #: AIR_SCHEMA, WATER_SCHEMA, intake.INTAKE_SCHEMA or forecast.FORECAST_SCHEMA: a DataFrame, or a
    #: LazyFrame over the batches a large file was spilled to (``parse_file(spill_dir=…)``; the files
    #: live until the caller removes the folder)
    frame: pl.DataFrame | pl.LazyFrame | None
    findings: Findings
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)


@dataclass
class Options:
    registry: object | None = None
    unknown_stations: str = "keep"   # "keep" (evaluate) | "error" (ingest into the store)
    hour_label: str = "end"
    kind: str | None = None          # expected kind, when the caller knows it
    now: dt.datetime | None = None


def _header_index(frame: pl.DataFrame) -> int | None:
    cols = [c for c in frame.columns if c != "_row"]
    for index, row in enumerate(frame.head(HEAD_ROWS).select(cols).iter_rows()):
        roles = {aliases.lookup(cell).role for cell in row if cell is not None}
        if roles & {"station_id", "station_name"} and "time" in roles:
            return index
    return None


def _report(findings: Findings, code: str, bad: pl.DataFrame, sheet: str | None, column: str | None = None,
            column_col: str | None = None, value_col: str | None = "raw", detail: str = "",
            other_col: str | None = None, limit: int = 20, group: object = None) -> None:
    """Findings for the rows of `bad`, first rows first: at most `limit` listed per code and column (and
    `group`, e.g. one station's name) over the whole file, however its rows come in batches; the rest
    counted on the last one listed."""
    if bad.height == 0:
        return
    if "_row" in bad.columns:
        bad = bad.sort("_row", maintain_order=True)
    groups = bad.partition_by(column_col, maintain_order=True) if column_col else [bad]
    for part in groups:
        col = part.get_column(column_col)[0] if column_col else column
        room = findings.room(code, sheet, col, group, limit)
        rows = part.head(room).to_dicts() if room else []
        for row in rows:
            findings.add(code, sheet=sheet, row=row.get("_row"), column=col,
                         value=row.get(value_col) if value_col else None, detail=detail,
                         other=row.get(other_col) if other_col else None, group=group, limit=limit)
        findings.add_count(code, part.height - len(rows), sheet=sheet, column=col, group=group)


#: the key of one value, per kind, in the canonical frame
CANON_KEY = {"air": ["station_id", "time"], "water": ["station_id", "sampled_at", "item"]}
_DIGEST_SEED = 20260601


@dataclass
class Chunk:
    """What one batch of rows gives: its canonical frame and, per key, the first row and a digest of
    the values (to find the same key again in a later batch)."""

    kind: str
    frame: pl.DataFrame
    keys: pl.DataFrame  # CANON_KEY[kind] + first_row, station_raw, digest


class SheetParser:
    """One sheet, batch by batch. The header comes from the first batch; each ``feed(rows)`` turns data
    rows into a canonical frame, recording findings. Column-level findings are made once; row-level ones
    are bounded over the whole sheet (see ``_report``), so a sheet read in many batches gives the same
    findings as in one."""

    def __init__(self, first: pl.DataFrame, name: str | None, findings: Findings, options: Options):
        self.name, self.findings, self.options = name, findings, options
        self.kind: str | None = None
        index = _header_index(first)
        self.ok = index is not None
        if not self.ok:
            return
        cols = [c for c in first.columns if c != "_row"]
        header = [None if v is None else str(v).strip() for v in first.select(cols).row(index)]
        self.cols = cols
        self.header_row = int(first.get_column("_row")[index])
        self.head_data = first.slice(index + 1)
        meanings = {c: aliases.lookup(h) for c, h in zip(cols, header)}
        label = dict(zip(cols, [h or f"第{j + 1}列" for j, h in enumerate(header)]))
        air_only = sum(1 for c, m in meanings.items()
                       if m.item and m.item.kind == "air" and not aliases.ambiguous(label[c]))
        water_only = sum(1 for c, m in meanings.items() if m.item and m.item.kind == "water")
        prefer = options.kind or ("water" if water_only > air_only else "air" if air_only else None)
        if prefer:
            meanings = {c: aliases.lookup(h, prefer=prefer) for c, h in zip(cols, header)}
        self.meanings, self.label, self.prefer = meanings, label, prefer

        def first_of(*roles: str) -> str | None:
            for role in roles:
                for c in cols:
                    if meanings[c].role == role:
                        return c
            return None

        self.station_col = first_of("station_id") or first_of("station_name")
        self.time_col = first_of("time")
        self.item_col, self.value_col = first_of("item_name"), first_of("value")
        self.long = self.item_col is not None and self.value_col is not None
        self.wbt_col = first_of("waterbody_type")
        self.aqi_col, self.primary_col = first_of("platform_aqi"), first_of("platform_primary")
        self.unit_col, self.dl_col = first_of("unit"), first_of("dl")
        self.text_cols = [self.station_col, self.time_col] + [c for c in (self.wbt_col, self.item_col, self.unit_col)
                                                              if c]
        self.blank_header: list[str] = []  # columns without a header: reported once they hold data
        self.value_cols: dict[str, tuple[str, float, str]] = {}
        self.kinds: set[str] = set()
        if self.long:
            return
        for c in cols:
            meaning, text = meanings[c], label[c]
            if c in (self.station_col, self.time_col) or meaning.role in (
                    "ignore", "station_id", "station_name", "time", "waterbody_type", "platform_aqi",
                    "platform_primary", "unit", "dl"):
                continue
            if meaning.role == "empty":
                self.blank_header.append(c)
                continue
            if meaning.role == "item" and meaning.item is not None:
                item = meaning.item
                if not item.numeric:
                    findings.add("ignored_column", sheet=name, column=text, value=text)
                    continue
                factor = item.factor(meaning.unit)
                if factor is None:
                    findings.add("bad_unit", sheet=name, column=text, value=meaning.unit,
                                 detail=f"{item.unit}（{item.name_zh}）")
                    continue
                self.value_cols[c] = (item.code, factor, item.kind)
                self.kinds.add(item.kind)
                continue
            self._unknown_column(c)
        if not self.value_cols:
            self._blank_columns(self.head_data)
            if not findings.has_errors:
                findings.add("no_values", sheet=name, row=self.header_row)
            self.ok = False
            return
        if len(self.kinds) > 1:
            findings.add("mixed_kinds", sheet=name)
            self.ok = False
            return
        self.kind = next(iter(self.kinds))

    def _unknown_column(self, c: str) -> None:
        text = self.label[c]
        if self.prefer == "water" or self.meanings[c].unit is not None:
            # a suggestion only for a column that will be listed (10,000 columns: 50 searches)
            hint = aliases.suggest(text, self.prefer) if self.findings.room("unknown_item", self.name, text) else None
            self.findings.add("unknown_item", sheet=self.name, row=self.header_row, column=text, value=text,
                              detail=f"，是否应为“{hint}”？" if hint else "")
        else:
            self.findings.add("ignored_column", sheet=self.name, column=text, value=text)

    def _blank_columns(self, data: pl.DataFrame) -> None:
        """A column without a header that holds data is an unknown column (reported once)."""
        for c in list(self.blank_header):
            if not data.get_column(c).drop_nulls().str.strip_chars().eq("").all():
                self.blank_header.remove(c)
                self._unknown_column(c)

    def feed(self, rows: pl.DataFrame) -> Chunk | None:
        """The canonical frame of these data rows (None when they give none, or on mixed kinds: then
        ``mixed`` is set)."""
        findings, name, label, cols = self.findings, self.name, self.label, self.cols
        data = rows.filter(~pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")
                                               for c in cols]))
        if data.height == 0:
            return None
        self._blank_columns(data)
        prefer = self.prefer
        base = [pl.col("_row"), pl.col(self.station_col).alias("station_raw"), pl.col(self.time_col).alias("time_raw")]
        base.append(pl.col(self.wbt_col).alias("wbt_raw") if self.wbt_col else pl.lit(None, pl.String).alias("wbt_raw"))
        base.append(pl.col(self.aqi_col).alias("aqi_raw") if self.aqi_col else pl.lit(None, pl.String).alias("aqi_raw"))
        base.append(pl.col(self.primary_col).alias("primary_raw") if self.primary_col
                    else pl.lit(None, pl.String).alias("primary_raw"))

        if self.long:
            unit_col, dl_col, item_col = self.unit_col, self.dl_col, self.item_col
            frame = data.select(*base, pl.col(item_col).alias("item_text"), pl.col(self.value_col).alias("raw"),
                                (pl.col(unit_col) if unit_col else pl.lit(None, pl.String)).alias("unit_text"),
                                (pl.col(dl_col) if dl_col else pl.lit(None, pl.String)).alias("dl_raw"))
            pairs = frame.select("item_text", "unit_text").unique().to_dicts()
            mapping = []
            for pair in pairs:
                meaning = aliases.lookup(pair["item_text"], prefer=prefer)
                unit = pair["unit_text"] if pair["unit_text"] not in (None, "") else meaning.unit
                item = meaning.item if meaning.role == "item" else None
                mapping.append({"item_text": pair["item_text"], "unit_text": pair["unit_text"],
                                "item": item.code if item else None, "item_kind": item.kind if item else None,
                                "factor": item.factor(unit) if item else None,
                                "numeric": item.numeric if item else True,
                                "unit_used": unit, "canonical_unit": item.unit if item else None})
            table = pl.DataFrame(mapping, schema={"item_text": pl.String, "unit_text": pl.String, "item": pl.String,
                                                  "item_kind": pl.String, "factor": pl.Float64, "numeric": pl.Boolean,
                                                  "unit_used": pl.String, "canonical_unit": pl.String})
            frame = frame.join(table, on=["item_text", "unit_text"], how="left", nulls_equal=True)
            frame = frame.with_columns(pl.coalesce(pl.col("item_text"), pl.lit("")).alias("label"))
            unknown = frame.filter(pl.col("item").is_null() & pl.col("item_text").is_not_null())
            for text in unknown.get_column("item_text").unique(maintain_order=True).sort().to_list():
                listed = findings.room("unknown_item", name, label[item_col], text, 3)
                hint = aliases.suggest(text, prefer) if listed else None
                sub = unknown.filter(pl.col("item_text") == text)
                _report(findings, "unknown_item", sub, name, column=label[item_col], value_col="item_text",
                        detail=f"，是否应为“{hint}”？" if hint else "", limit=3, group=text)
            badunit = frame.filter(pl.col("item").is_not_null() & pl.col("factor").is_null())
            for row in badunit.unique(["item", "unit_used"]).sort("item", "unit_used").iter_rows(named=True):
                sub = badunit.filter((pl.col("item") == row["item"]) & (pl.col("unit_used") == row["unit_used"]))
                _report(findings, "bad_unit", sub, name, column=label.get(unit_col or item_col),
                        value_col="unit_used", detail=f"{row['canonical_unit']}（{row['item_text']}）",
                        group=(row["item"], row["unit_used"]))
            frame = frame.filter(pl.col("item").is_not_null() & pl.col("factor").is_not_null() & pl.col("numeric"))
            kinds = set(frame.get_column("item_kind").unique().to_list())
            if len(kinds) > 1 or (kinds and self.kind is not None and kinds != {self.kind}):
                findings.add("mixed_kinds", sheet=name)
                self.mixed = True
                return None
            if kinds:
                self.kind = next(iter(kinds))
        else:
            value_cols = self.value_cols
            frame = data.select(*base, *[pl.col(c) for c in value_cols]).unpivot(
                index=["_row", "station_raw", "time_raw", "wbt_raw", "aqi_raw", "primary_raw"],
                on=list(value_cols), variable_name="col", value_name="raw")
            mapping = pl.DataFrame({"col": list(value_cols), "item": [v[0] for v in value_cols.values()],
                                    "factor": [v[1] for v in value_cols.values()],
                                    "item_kind": [v[2] for v in value_cols.values()],
                                    "label": [label[c] for c in value_cols]})
            frame = frame.join(mapping, on="col", how="left").with_columns(dl_raw=pl.lit(None, pl.String))

        # --- formula-like text in the columns that are kept
        for c in self.text_cols:
            bad = data.filter(pl.col(c).str.strip_chars().str.contains(r"^[=+\-@]")).select("_row", pl.col(c).alias("raw"))
            _report(findings, "formula_cell", bad, name, column=label[c])
        kind = self.kind or self.options.kind or prefer
        if kind is None or frame.height == 0:
            return None  # no known item in these rows (yet): nothing else to check on them
        self.kind = kind
        station_label, time_label = label[self.station_col], label[self.time_col]

        # --- values
        # parse each distinct (text, detection limit) once: a year of hourly data has few distinct cells
        distinct = frame.select("raw", "dl_raw").unique()
        distinct = distinct.with_columns(p=values.parse_values(pl.col("raw"), pl.col("dl_raw"))).unnest("p")
        frame = frame.join(distinct, on=["raw", "dl_raw"], how="left", nulls_equal=True)
        frame = frame.with_columns(value=pl.col("value") * pl.col("factor"))
        _report(findings, "non_numeric", frame.filter(pl.col("status") == values.BAD), name, column_col="label")
        _report(findings, "formula_cell", frame.filter(pl.col("status") == values.FORMULA), name, column_col="label")
        if kind == "air":
            _report(findings, "air_below_dl", frame.filter(pl.col("status") == values.BELOW_DL), name,
                    column_col="label")
        else:
            _report(findings, "below_dl_no_limit",
                    frame.filter((pl.col("status") == values.BELOW_DL) & pl.col("value").is_null()), name,
                    column_col="label")
        measured = pl.col("status").is_in([values.NUMERIC, values.BELOW_DL]) & pl.col("value").is_not_null()
        negative = frame.filter(measured & (pl.col("value") < 0) & ~pl.col("item").is_in(list(_SIGNED)))
        _report(findings, "negative_value", negative, name, column_col="label")
        for code, (low, high, soft) in RANGES.items():
            sub = frame.filter(measured & (pl.col("item") == code))
            if sub.height == 0:
                continue
            if code in _SIGNED and low is not None:
                _report(findings, "impossible_value", sub.filter(pl.col("value") < low), name, column_col="label",
                        detail=f"不应低于 {low}")
            if high is not None:
                _report(findings, "impossible_value", sub.filter(pl.col("value") > high), name, column_col="label",
                        detail=f"应在 {low}–{high} 之间")
            if soft is not None:
                _report(findings, "suspicious_value", sub.filter(pl.col("value") > soft), name, column_col="label",
                        detail=f"通常不超过 {soft}")

        # --- stations
        frame = frame.with_columns(station_raw=pl.col("station_raw").str.strip_chars())
        _report(findings, "missing_station",
                frame.filter(pl.col("station_raw").is_null() | (pl.col("station_raw") == "")).unique("_row"),
                name, column=station_label, value_col=None)
        frame = frame.filter(pl.col("station_raw").is_not_null() & (pl.col("station_raw") != ""))
        frame = frame.with_columns(station_id=_resolve(frame, findings, self.options, kind, name, station_label))

        # --- times
        times = frame.select("time_raw").unique().with_columns(time=values.parse_times(pl.col("time_raw")))
        frame = frame.join(times, on="time_raw", how="left", nulls_equal=True)
        rowwise = frame.unique("_row")
        _report(findings, "missing_time", rowwise.filter(pl.col("time_raw").is_null() |
                                                         (pl.col("time_raw").str.strip_chars() == "")),
                name, column=time_label, value_col=None)
        _report(findings, "bad_time", rowwise.filter(pl.col("time_raw").is_not_null() &
                                                     (pl.col("time_raw").str.strip_chars() != "") &
                                                     pl.col("time").is_null()),
                name, column=time_label, value_col="time_raw")
        if kind == "air" and self.options.hour_label == "start":
            frame = frame.with_columns(time=pl.col("time") + pl.duration(hours=1))
        now = self.options.now or values.beijing_now()
        _report(findings, "future_time",
                frame.filter(pl.col("time") > now + dt.timedelta(hours=1)).unique("_row"),
                name, column=time_label, value_col="time_raw")
        frame = frame.filter(pl.col("time").is_not_null())

        # --- waterbody type
        if kind == "water" and self.wbt_col:
            types = {t: aliases.waterbody(t) for t in frame.get_column("wbt_raw").drop_nulls().unique().sort().to_list()
                     if str(t).strip()}
            for text, mapped in types.items():
                if mapped is None:
                    _report(findings, "bad_layout_value", frame.filter(pl.col("wbt_raw") == text).unique("_row"),
                            name, column=label[self.wbt_col], value_col="wbt_raw",
                            detail=f"水体类型“{text}”无法识别（应为 河流、湖库 或 地下水）", group=text)
            frame = frame.with_columns(waterbody_type=pl.col("wbt_raw").replace_strict(types, default=None,
                                                                                       return_dtype=pl.String))
        else:
            frame = frame.with_columns(waterbody_type=pl.lit(None, pl.String))

        # --- duplicates within the batch: same station, time and item more than once
        key = ["station_id", "time", "item"]
        dups = (frame.group_by(key).agg(pl.len().alias("n"), pl.col("_row").min().alias("first_row"),
                                        pl.struct("value", "below_dl", "status").n_unique().alias("distinct"))
                .filter(pl.col("n") > 1))
        if dups.height:
            joined = frame.join(dups, on=key).filter(pl.col("_row") != pl.col("first_row"))
            joined = joined.sort("_row", "label").with_columns(
                detail=pl.concat_str(pl.lit("（"), pl.col("label"), pl.lit("）")))
            for code, cond in (("duplicate_conflict", pl.col("distinct") > 1),
                               ("duplicate_same", pl.col("distinct") == 1)):
                sub = joined.filter(cond).unique("_row", keep="first", maintain_order=True)
                if sub.height:
                    _report(findings, code, sub, name, column=station_label, value_col="station_raw",
                            other_col="first_row")
            frame = frame.sort("_row").unique(key, keep="first", maintain_order=True)

        # --- per key: first row and a digest of the values, to meet the key again in a later batch
        digest = pl.struct("item", "value", "below_dl", "status").hash(_DIGEST_SEED)
        if kind == "air":
            out, keys = _air_frame(frame, name, digest)
        else:
            out = _water_frame(frame, name)
            keys = frame.select("station_id", pl.col("time").alias("sampled_at"), "item",
                                first_row=pl.col("_row"), station_raw=pl.col("station_raw"), digest=digest)
        return Chunk(kind, out, keys)

    mixed = False


def _resolve(frame: pl.DataFrame, findings: Findings, options: Options, kind: str, sheet: str | None,
             column: str) -> pl.Expr:
    registry = options.registry
    if registry is None:
        return pl.col("station_raw")
    mapping: dict[str, str] = {}
    wanted = AIR_KIND if kind == "air" else WATER_KIND

    def rows(text: str) -> pl.DataFrame:  # the rows to name in a finding (only ever for a problem)
        return frame.filter(pl.col("station_raw") == text).unique("_row", maintain_order=True)

    for text in frame.get_column("station_raw").unique(maintain_order=True).to_list():
        station = registry.resolve(text)
        if station is None:
            shared = registry.named(text) if hasattr(registry, "named") else []
            if len(shared) > 1:  # a name several cities' stations share: only the code says which
                detail = "：" + "、".join(f"{s.code or s.id}（{s.city}）" for s in shared)
                _report(findings, "ambiguous_station", rows(text), sheet, column=column, value_col="station_raw",
                        detail=detail, limit=3, group=text)
                mapping[text] = text
                continue
            code = "unknown_station" if options.unknown_stations == "error" else "unknown_station_kept"
            # a suggestion only for a station that will be listed: a file of a million made-up names
            # costs a million lookups, not a million fuzzy searches
            hint = registry.suggest(text) if findings.room(code, sheet, column, text, 3) else None
            detail = f"，是否应为“{hint}”？" if hint else ""
            _report(findings, code, rows(text), sheet, column=column, value_col="station_raw", detail=detail,
                    limit=3, group=text)
            mapping[text] = text
            continue
        if station.kind not in wanted:
            _report(findings, "wrong_station_kind", rows(text), sheet, column=column, value_col="station_raw",
                    detail=f"{station.kind_zh}（{station.id}）", limit=3, group=text)
        mapping[text] = station.id
    return pl.col("station_raw").replace_strict(mapping, return_dtype=pl.String)


def _air_frame(frame: pl.DataFrame, sheet: str | None,
               digest: pl.Expr | None = None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The canonical air frame of a long frame, and (with `digest`) the key of each row: first row,
    station as written, and the digest of its values."""
    per_row = frame.group_by("station_id", "time").agg(
        pl.col("_row").min().alias("source_row"),
        pl.col("aqi_raw").first(),
        pl.col("primary_raw").first(),
        pl.col("item").filter(pl.col("status") == values.NOT_MONITORED).sort().alias("nm"),
        *([pl.col("station_raw").first(), digest.sum().alias("digest")] if digest is not None else []),
    )
    keys = None
    if digest is not None:
        keys = per_row.select("station_id", "time", pl.col("source_row").alias("first_row"), "station_raw", "digest")
    wide = (frame.filter(pl.col("status").is_in([values.NUMERIC, values.BELOW_DL]))
            .pivot(on="item", index=["station_id", "time"], values="value", aggregate_function="first"))
    out = per_row.join(wide, on=["station_id", "time"], how="left")
    aqi = values.clean(pl.col("aqi_raw"))
    primary = values.clean(pl.col("primary_raw"))
    out = out.with_columns(
        *[(pl.col(c) if c in out.columns else pl.lit(None)).cast(pl.Float64).alias(c) for c in AIR_CODES],
        platform_aqi=aqi.str.extract(r"^(\d+)(?:\.0+)?$", 1).cast(pl.Int64, strict=False),
        platform_primary=pl.when(primary.str.to_lowercase().is_in(values.MISSING_TOKENS + ["", "/"]))
        .then(None).otherwise(primary),
        not_monitored=pl.when(pl.col("nm").list.len() > 0).then(
            pl.col("nm").list.eval(pl.element().replace_strict(
                {c: f"{i}{c}" for i, c in enumerate(AIR_CODES)}, return_dtype=pl.String)).list.sort()
            .list.eval(pl.element().str.slice(1)).list.join(",")),
        source_sheet=pl.lit(sheet, pl.String),
    )
    return out.select(list(AIR_SCHEMA)).cast(AIR_SCHEMA).sort("station_id", "time"), keys


def _water_frame(frame: pl.DataFrame, sheet: str | None) -> pl.DataFrame:
    kept = frame.filter(pl.col("status").is_in([values.NUMERIC, values.BELOW_DL]))
    out = kept.select(
        "station_id", pl.col("time").alias("sampled_at"), "item", "value", "below_dl", "waterbody_type", "raw",
        pl.col("_row").alias("source_row"), pl.lit(sheet, pl.String).alias("source_sheet"))
    return out.cast(WATER_SCHEMA).sort("station_id", "sampled_at", "item")
