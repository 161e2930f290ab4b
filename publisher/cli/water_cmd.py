"""``publisher evaluate water``: evaluate water-quality files directly, without touching the store.

See docs/cli-evaluate-water.md for the input layouts and the output columns.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import polars as pl

from publisher import registry as registry_mod
from publisher.errors import InputError
from publisher.evaluate import water as wq

OUTPUT_COLUMNS = ["station_id", "sampled_at", "water_class", "status", "target_class", "compliant",
                  "main_pollutants", "station_name", "waterbody_type", "assessment", "items_evaluated",
                  "n_items", "class_items", "exceedances", "tn_class", "tli", "trophic_state", "n_samples",
                  "notes"]


def _read(paths: list[str], registry) -> pl.DataFrame:
    try:
        from publisher.ingest import read_water_files
    except ImportError:  # fallback until publisher.ingest lands
        return _fallback_read(paths, registry)
    return read_water_files(paths, registry=registry)


# --------------------------------------------------------------------------- fallback until publisher.ingest lands
_STATION = {"station_id", "断面名称", "点位名称", "站点名称", "水源名称", "断面", "点位"}
_TIME = {"sampled_at", "采样时间", "监测时间", "采样日期", "监测日期", "time", "date"}
_TYPE = {"waterbody_type", "水体类型"}


def _fallback_read(paths: list[str], registry) -> pl.DataFrame:  # fallback until publisher.ingest lands
    lookup: dict[str, str] = {}
    for code, item in wq.catalogue().items():
        for name in [code, item["name_zh"], *item.get("aliases", [])]:
            lookup[str(name).strip().lower()] = code
    frames = []
    for path in paths:
        data = Path(path).read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{path}: 无法识别文件编码")
        raw = pl.read_csv(text.encode("utf-8"), infer_schema=False)
        cols = {}
        for col in raw.columns:
            key = col.strip()
            if key in _STATION:
                cols[col] = "station_id"
            elif key in _TIME:
                cols[col] = "sampled_at"
            elif key in _TYPE:
                cols[col] = "waterbody_type"
            else:
                base = key
                while base:
                    if base.lower() in lookup:
                        cols[col] = lookup[base.lower()]
                        break
                    cut = max(base.rfind("("), base.rfind("（"))
                    if cut <= 0:
                        break
                    base = base[:cut].strip()
        if "station_id" not in cols.values() or "sampled_at" not in cols.values():
            raise InputError(f"{path}: 缺少站点或时间列")
        frame = raw.select([pl.col(c).alias(n) for c, n in cols.items()])
        if "waterbody_type" not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias("waterbody_type"))
        items = [c for c in frame.columns if c not in ("station_id", "sampled_at", "waterbody_type")]
        long = frame.unpivot(index=["station_id", "sampled_at", "waterbody_type"], on=items,
                             variable_name="item", value_name="raw").filter(
            pl.col("raw").is_not_null() & ~pl.col("raw").str.strip_chars().is_in(["", "--", "-", "/", "NA"]))
        long = long.with_columns(
            pl.col("raw").str.strip_chars().str.ends_with("L").alias("below_dl"),
            pl.col("raw").str.strip_chars().str.strip_suffix("L").cast(pl.Float64, strict=False).alias("value"),
            pl.col("sampled_at").str.to_datetime(strict=False),
            wq.normalize_waterbody(pl.col("waterbody_type")).alias("waterbody_type"),
        )
        bad = long.filter(pl.col("value").is_null() | pl.col("sampled_at").is_null())
        if bad.height:
            raise InputError(f"{path}: 无法识别的数值或时间：{bad.row(0)}")
        if registry is not None:
            long = long.with_columns(pl.col("station_id").map_elements(
                lambda t: (registry.resolve(t).id if registry.resolve(t) else t), return_dtype=pl.String))
        frames.append(long.select(list(wq.SAMPLE_SCHEMA)).cast(wq.SAMPLE_SCHEMA))
    return pl.concat(frames) if frames else pl.DataFrame(schema=wq.SAMPLE_SCHEMA)


# --------------------------------------------------------------------------- command
@click.command("water")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Output CSV (UTF-8), one row per station and sampling time.")
@click.option("--stations", "stations", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Station registry (default: the project's stations.yaml).")
@click.option("--period", type=click.Choice(list(wq.PERIODS)), default="sample", show_default=True,
              help="Evaluate each sampling time, or the mean of each month / quarter / year.")
@click.option("--assessment", type=click.Choice(["national", "provincial", "source"]), default=None,
              help="Force one item set for every station (default: the station's, from the registry).")
def water(inputs: tuple[str, ...], out: str, stations: str | None, period: str,
              assessment: str | None) -> None:
    """Evaluate water-quality files (GB 3838-2002, GB/T 14848-2017, 环办〔2011〕22号).

    \b
    INPUT: CSV/XLSX, wide or long, English or Chinese headers, e.g.
      station_id,sampled_at,waterbody_type,ph,do,codmn,nh3_n,tp,...
      断面名称,采样时间,水体类型,pH值,溶解氧(mg/L),高锰酸盐指数(mg/L),...
    waterbody_type: river | lake | groundwater (河流 | 湖库 | 地下水), or from the registry.
    """
    reg = registry_mod.load(stations) if stations else registry_mod.load()
    samples = _read(list(inputs), reg)
    meta = wq.stations_frame(reg)
    samples = samples.with_columns(wq.normalize_waterbody(pl.col("waterbody_type")).alias("waterbody_type"))
    samples = samples.join(meta.select("station_id", pl.col("waterbody_type").alias("_reg_type")),
                           on="station_id", how="left").with_columns(
        pl.coalesce("waterbody_type", "_reg_type").alias("waterbody_type")).drop("_reg_type")
    values = wq.period_values(samples, period=period)
    n_samples = values.group_by("station_id", "sampled_at").agg(pl.col("n_samples").max())
    result = wq.evaluate(values, meta, assessment=assessment)
    result = result.join(n_samples, on=["station_id", "sampled_at"], how="left").join(
        meta.select("station_id", pl.col("name").alias("station_name")), on="station_id", how="left")
    table = _present(result)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    table.write_csv(out)
    done = result.filter(pl.col("water_class").is_not_null()).height
    click.echo(f"{table.height} rows ({done} classified) -> {out}")


def _present(result: pl.DataFrame) -> pl.DataFrame:
    """Printed form: classes as Ⅰ..劣Ⅴ, item codes as Chinese names, booleans as true/false/empty."""
    def label(col: str) -> pl.Expr:
        return pl.col(col).replace_strict(wq.CLASS_LABELS, default=None, return_dtype=pl.String).alias(col)

    def names(col: str) -> pl.Expr:
        return pl.col(col).map_elements(
            lambda text: "、".join(wq.item_name(c) for c in text.split(",") if c) if text else "",
            return_dtype=pl.String).alias(col)

    return result.with_columns(
        pl.col("sampled_at").dt.strftime("%Y-%m-%d %H:%M"),
        label("water_class"), label("target_class"), label("tn_class"),
        pl.when(pl.col("compliant").is_null()).then(pl.lit("")).when(pl.col("compliant"))
        .then(pl.lit("true")).otherwise(pl.lit("false")).alias("compliant"),
        names("class_items"), names("items_evaluated"),
    ).select(OUTPUT_COLUMNS).with_columns(
        # empty text is written as an empty field, not as ""
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
         for c in OUTPUT_COLUMNS if c not in ("sampled_at",) and result.schema.get(c, pl.String) == pl.String
         or c in ("water_class", "target_class", "tn_class", "compliant")])

