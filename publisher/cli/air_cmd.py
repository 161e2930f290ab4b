"""``publisher evaluate air``: hourly files in, real-time AQI, daily, area-daily and period CSVs out.

A thin layer: files are read by :func:`publisher.ingest.read_air_files`, evaluated by
:mod:`publisher.evaluate.air`, and written as UTF-8 CSV. The columns are documented in
docs/cli.md.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import polars as pl

from publisher.errors import InputError
from publisher.vocabulary import air as vocabulary_air

STANDARDS = ("auto", "2012", "2026")
HOURLY_COLUMNS = ["station_id", "time", "aqi", "level", "category", "primary_pollutant",
                  "iaqi_so2", "iaqi_no2", "iaqi_co", "iaqi_o3", "iaqi_pm10", "iaqi_pm2_5"]
#: the float columns the CLI writes as published figures (their decimals come from the standards)
_PUBLISHED = ("so2", "no2", "co", "o3", "pm10", "pm2_5", "o3_8h", "o3_1h", "co_p95", "o3_8h_p90", "good_day_ratio",
              "composite_index")


def _indicators(frame: pl.DataFrame) -> list[str]:
    """Daily indicator columns to write: o3_1h only when a day of the frame is judged by a table that has it."""
    from publisher import standards

    codes = ["so2", "no2", "co", "pm10", "pm2_5", "o3_8h"]
    ids = set(frame.get_column("standard").unique().drop_nulls()) if frame.height else set()
    if any("o3_1h" in standards.get(i)["daily"]["indicators"] for i in ids):
        codes.append("o3_1h")
    return codes


def _decimals(frame: pl.DataFrame) -> dict[str, int]:
    """How many decimals each column is published with, as the standards tables behind `frame` say: the
    HJ 633 tables its hours or days were judged by (its ``standard`` column; else those in force over its
    dates) for concentrations (``rounding.concentration``), the HJ 663 tables in force over its dates for
    the period statistics, the good-day ratio and the composite index. Tables that disagree on a
    column within the frame are refused (a column has one format)."""
    from publisher import standards

    when = next((c for c in ("date", "time") if c in frame.columns), None)
    if when is None or frame.height == 0 or frame.get_column(when).drop_nulls().len() == 0:
        return {}
    days = frame.get_column(when).drop_nulls()
    first, last = days.min(), days.max()
    if isinstance(first, dt.datetime):
        first, last = first.date(), last.date()
    ids = set(frame.get_column("standard").drop_nulls().unique()) if "standard" in frame.columns else set()
    known = {t.id for t in standards.versions("hj633")}
    aqi_tables = [standards.get(i) for i in sorted(ids & known)] or standards.covering("hj633", first, last)
    found: dict[str, set[int]] = {}
    for table in aqi_tables:
        for column, places in table["rounding"]["concentration"]["decimals"].items():
            found.setdefault(column, set()).add(int(places))
    for table in standards.covering("hj663", first, last):
        places = {**table["statistics"]["decimals"], "good_day_ratio": table["good_days"]["ratio_decimals"],
                  "composite_index": table["composite_index"]["decimals"]}
        for column, n in places.items():
            found.setdefault(column, set()).add(int(n))
    clash = sorted(c for c, n in found.items() if len(n) > 1)
    if clash:
        raise InputError(f"the standards tables of {first}..{last} round {', '.join(clash)} to different decimals: "
                         f"evaluate the periods of each table apart (decimals_differ)")
    return {column: n.pop() for column, n in found.items()}


def _text(frame: pl.DataFrame, decimals: dict[str, int]) -> pl.DataFrame:
    """Numbers as published, with the decimals of the standards (:func:`_decimals`): μg/m³ integers, CO,
    its percentile and the good-day ratio 1 decimal, the composite index 2 decimals."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        places = decimals.get(name)
        if places is not None and dtype.is_float():
            out.append(col.round(0).cast(pl.Int64).cast(pl.String) if places == 0 else _fixed(col, places).alias(name))
        elif dtype.is_float() and name in _PUBLISHED:
            raise InputError(f"no standards table gives the decimals of {name} for these dates (no_decimals)")
        elif dtype == pl.Boolean:
            out.append(col.cast(pl.String))
        else:
            out.append(col)
    return frame.select(out)


def _fixed(col: pl.Expr, decimals: int) -> pl.Expr:
    """A rounded float as text with exactly `decimals` decimals (exact: via integer hundredths)."""
    scaled = (col * 10 ** decimals).round(0).cast(pl.Int64)
    whole = (scaled.abs() // 10 ** decimals).cast(pl.String)
    frac = (scaled.abs() % 10 ** decimals).cast(pl.String).str.zfill(decimals)
    sign = pl.when(scaled < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.when(col.is_null()).then(pl.lit(None, dtype=pl.String)).otherwise(
        pl.concat_str([sign, whole, pl.lit("."), frac]))


def _write(frame: pl.DataFrame, path: str, decimals: dict[str, int]) -> None:
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    _text(frame, decimals).write_csv(target, null_value="", datetime_format="%Y-%m-%d %H:%M", date_format="%Y-%m-%d")


def _read_csv(path: str, columns: list[str], what: str) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path}: cannot read the {what} file: {exc}") from exc
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: the {what} file needs columns {', '.join(columns)}; missing {', '.join(missing)}")
    return frame.select([pl.col(c).str.strip_chars() for c in columns])


def _dust(path: str) -> pl.DataFrame:
    """``area, date`` of the ``--dust`` file: the reader the bulletins use for a workspace's dust.csv."""
    from publisher.bulletins.air.common import read_dust

    return read_dust(path)


def _registry(areas: str | None, stations: str | None):
    """The registry used to resolve station ids, codes and names: the one given with ``--stations``,
    else the default ``stations.yaml`` when the registry's area mapping is needed (no ``--areas``);
    None when an ``--areas`` file alone says which stations count where."""
    if not stations and areas:
        return None
    from publisher import registry

    return registry.load(stations)


def _areas(areas: str | None, reg) -> pl.DataFrame:
    """``station_id, area``: the ``--areas`` file (its station ids, codes or names resolved through the
    registry when there is one, so that they name the same stations as the input rows), else the
    registry's air areas."""
    if not areas:
        return reg.air_areas()
    link = _read_csv(areas, ["station_id", "area"], "areas")
    if reg is None:
        return link
    ids = {text: (found.id if (found := reg.resolve(text)) else text)
           for text in link.get_column("station_id").unique().to_list()}
    return link.with_columns(pl.col("station_id").replace_strict(ids, default=pl.col("station_id")))


def _hourly_input(inputs: tuple[str, ...], hour_label: str, reg) -> pl.DataFrame:
    from publisher import ingest

    return ingest.read_air_files(list(inputs), hour_label=hour_label, registry=reg)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--hourly", "hourly_out", type=click.Path(dir_okay=False), help="Write the real-time (hourly) AQI CSV.")
@click.option("--daily", "daily_out", type=click.Path(dir_okay=False), help="Write the daily station values CSV.")
@click.option("--hour-label", type=click.Choice(["end", "start"]), default="end", show_default=True,
              help="Whether the input times label the end or the start of the hour.")
@click.option("--areas", type=click.Path(exists=True, dir_okay=False),
              help="CSV station_id,area (default: the registry's air areas).")
@click.option("--area-daily", "area_daily_out", type=click.Path(dir_okay=False), help="Write the area daily CSV.")
@click.option("--period-stats", "period_out", type=click.Path(dir_okay=False), help="Write the period statistics CSV.")
@click.option("--period", type=click.Choice(["month", "quarter", "ytd", "year"]), default="month", show_default=True)
@click.option("--standard", type=click.Choice(STANDARDS), default="auto", show_default=True,
              help="auto: each hour/day by the table in force at its date.")
@click.option("--dust", type=click.Path(exists=True, dir_okay=False),
              help="CSV area,date of sand-dust days: period stats are written 不扣沙 and 扣沙.")
@click.option("--stations", type=click.Path(exists=True, dir_okay=False), help="Registry stations.yaml.")
def air(inputs: tuple[str, ...], hourly_out: str | None, daily_out: str | None, hour_label: str,
        areas: str | None, area_daily_out: str | None, period_out: str | None, period: str, standard: str,
        dust: str | None, stations: str | None) -> None:
    """Evaluate hourly air files: AQI per hour (HJ 633), daily values, area values and period statistics.

    \b
    INPUT: station_id,time,so2,no2,co,o3,pm10,pm2_5 (1-h values, μg/m³, CO mg/m³; time Beijing
    YYYY-MM-DD HH:MM, hour end), or the CNEMC feed layout, or Chinese headers.
    """
    from publisher.evaluate import air as ev

    if not any((hourly_out, daily_out, area_daily_out, period_out)):
        raise click.UsageError("nothing to write: give --hourly, --daily, --area-daily or --period-stats")
    needs_areas = bool(area_daily_out or period_out)
    reg = _registry(areas, stations) if needs_areas else (_registry(None, stations) if stations else None)
    frame = ev.mark_not_monitored(_hourly_input(inputs, hour_label, reg))
    if hourly_out:
        hourly = ev.hourly_aqi(frame, standard=standard)
        _write(hourly.select(HOURLY_COLUMNS), hourly_out, _decimals(hourly))
        click.echo(f"{hourly_out}: {hourly.height} hours", err=True)
    if not (daily_out or area_daily_out or period_out):
        return
    daily = ev.daily_values(frame, standard=standard)
    if daily_out:
        codes = _indicators(daily)
        _write(daily.select("station_id", "date", "aqi", "level", "category", "primary_pollutant", "valid",
                            *codes, *[f"iaqi_{c}" for c in codes]), daily_out, _decimals(daily))
        click.echo(f"{daily_out}: {daily.height} station-days", err=True)
    if not (area_daily_out or period_out):
        return
    link = _areas(areas, reg)
    unknown = set(daily.get_column("station_id").unique()) - set(link.get_column("station_id").unique())
    if unknown:
        click.echo(f"warning: {len(unknown)} station(s) in no area, left out of area values: "
                   f"{', '.join(sorted(unknown)[:10])}", err=True)
    area = ev.area_daily(daily, link, standard=standard)
    if area_daily_out:
        codes = _indicators(area)
        label = pl.col("standard").replace_strict(_labels(), default=pl.col("standard"))
        _write(area.with_columns(label.alias("standard")).select(
            "area", "date", "stations", *codes, "aqi", "level", "category", "primary_pollutant", "valid",
            "standard"), area_daily_out, _decimals(area))
        click.echo(f"{area_daily_out}: {area.height} area-days", err=True)
    if period_out:
        stats = [ev.period_stats(area, period, standard=standard)]
        if dust:
            stats.append(ev.period_stats(area, period, dust=_dust(dust), standard=standard))
        table = pl.concat(stats, how="vertical_relaxed")
        _write(table.select(PERIOD_COLUMNS), period_out, _decimals(area))
        click.echo(f"{period_out}: {table.height} rows ({period})", err=True)


PERIOD_COLUMNS = ["area", "period", "standard", "valid_days", "so2", "no2", "pm10", "pm2_5", "co_p95",
                  "o3_8h_p90", "good_days", "good_day_ratio", *[f"days_level{k}" for k in vocabulary_air.AQI_LEVELS],
                  "composite_index", "composite_primary", "rank", "dust", "notes"]


def _labels() -> dict[str, str]:
    from publisher import standards

    return {t.id: str(t.get("label", t.id)) for t in standards.versions("hj633")}

