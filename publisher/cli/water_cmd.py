"""``publisher evaluate water``: evaluate water-quality files directly, without touching the store.

See docs/cli.md for the input layouts and the output columns.
"""
from __future__ import annotations

from pathlib import Path

import click
import polars as pl

from publisher import registry as registry_mod
from publisher.evaluate import water as wq
from publisher.vocabulary import water as vocabulary_water

OUTPUT_COLUMNS = ["station_id", "sampled_at", "water_class", "status", "target_class", "compliant",
                  "main_pollutants", "station_name", "waterbody_type", "assessment", "items_evaluated",
                  "n_items", "class_items", "exceedances", "tn_class", "tli", "trophic_state", "n_samples",
                  "notes"]


def _read(paths: list[str], registry) -> pl.DataFrame:
    """The long water frame of the files (publisher.ingest: headers, encodings, XLSX, ``0.01L`` values)."""
    from publisher.ingest import read_water_files

    return read_water_files(paths, registry=registry)


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
    if assessment is None and values.height:
        # the X of national sections: the registry's list plus what the files' own data show (previous/current year)
        values = wq.with_x_items(values, meta)
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
        return pl.col(col).replace_strict(vocabulary_water.CLASS_LABELS, default=None, return_dtype=pl.String).alias(col)

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

