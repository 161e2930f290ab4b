"""Time and point aggregation of water values (环办〔2011〕22号 time aggregation, ½ DL)."""
from __future__ import annotations

from typing import Iterable

import polars as pl

from publisher.evaluate.water.items import _eval_rules
from publisher.evaluate.water._codes import _groups, _item_codes, _mapped


# --------------------------------------------------------------------------------------------- periods
PERIODS = {"sample": None, "month": "1mo", "quarter": "1q", "year": "1y"}


def period_values(samples: pl.DataFrame, period: str = "month", by: Iterable[str] = ("station_id",),
                  ph_mean: str | None = None) -> pl.DataFrame:
    """Values of each station (or group) and period, as the evaluation method aggregates them.

    Parameters
    ----------
    samples : pl.DataFrame
        The long water frame.
    period : {"sample", "month", "quarter", "year"}
        ``sample`` keeps each sampling time (duplicates at one time are averaged).
    by : columns identifying a station or group (default ``station_id``).
    ph_mean : {"arithmetic", "hydrogen_ion"}, optional
        Override of ``water_eval › time_aggregation.ph_mean``.

    Returns
    -------
    pl.DataFrame
        ``*by, sampled_at`` (period start), ``item, value, below_dl, waterbody_type, n_samples, min, max``.

    Notes
    -----
    环办〔2011〕22号 (time aggregation): a month is evaluated on its single sampling or on the arithmetic mean of
    several; quarters and years on the mean. Below-DL results enter the mean at ½ DL (环办监测函〔2020〕82号
    第七点); when every result of the period is below DL the period value is the largest DL, still flagged
    below DL. pH: arithmetic mean unless the table says ``hydrogen_ion`` (mean of 10^-pH, then −log10).
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    by = list(by)
    rules = _eval_rules(samples["sampled_at"].min() if samples.height else None)
    factor = float(rules["below_detection_limit"]["statistic_factor"])
    mode = ph_mean or rules["time_aggregation"]["ph_mean"]
    frame = samples.filter(pl.col("value").is_not_null())
    every = PERIODS[period]
    stat = pl.when(pl.col("below_dl")).then(pl.col("value") * factor).otherwise(pl.col("value"))
    if mode == "hydrogen_ion":
        stat = pl.when(pl.col("item") == "ph").then(pl.lit(10.0).pow(-pl.col("value"))).otherwise(stat)
    elif mode != "arithmetic":
        raise ValueError(f"unknown pH averaging {mode!r}")
    start = frame.get_column("sampled_at")
    if every is not None:   # the period start of each sampling time, computed once per run of equal times
        start = _mapped(start, lambda s: s.dt.truncate(every))
    frame = frame.with_columns(start.alias("_start"), stat.alias("_stat"))
    out = [*by, "sampled_at", "item", "value", "below_dl", "waterbody_type", "n_samples", "min", "max"]
    if frame.schema["value"] == pl.Float64 and frame.schema["item"] == pl.String \
            and _one_row_each(frame, [*by, "_start"]):
        # every (group, period, item) has one row: its mean, minimum and maximum are its value (the mean of
        # one float is that float), exactly what the group-by below gives, without grouping a million rows
        value = pl.col("_stat")
        if mode == "hydrogen_ion":
            value = pl.when(pl.col("item") == "ph").then(-pl.col("_stat").log10()).otherwise(value)
        below = pl.col("below_dl").fill_null(True)       # all() of a lone null is true, as in the group-by
        return frame.select(
            *by, pl.col("_start").alias("sampled_at"), "item",
            pl.when(below).then(pl.when(pl.col("below_dl")).then(pl.col("value"))).otherwise(value).alias("value"),
            below.alias("below_dl"), "waterbody_type", pl.lit(1, pl.Int64).alias("n_samples"),
            pl.col("value").alias("min"), pl.col("value").alias("max"),
        )
    grouped = (
        frame.group_by([*by, "_start", "item"], maintain_order=True)
        .agg(
            pl.col("_stat").mean().alias("_mean"),
            pl.col("value").filter(pl.col("below_dl")).max().alias("_dl"),
            pl.col("below_dl").all().alias("below_dl"),
            pl.col("waterbody_type").drop_nulls().first().alias("waterbody_type"),
            pl.len().cast(pl.Int64).alias("n_samples"),
            pl.col("value").min().alias("min"),
            pl.col("value").max().alias("max"),
        )
    )
    mean = pl.col("_mean")
    if mode == "hydrogen_ion":
        mean = pl.when(pl.col("item") == "ph").then(-pl.col("_mean").log10()).otherwise(mean)
    return (
        grouped.with_columns(pl.when(pl.col("below_dl")).then(pl.col("_dl")).otherwise(mean).alias("value"))
        .rename({"_start": "sampled_at"})
        .select(out)
    )


def _one_row_each(frame: pl.DataFrame, keys: list[str]) -> bool:
    """Whether no two rows share `keys` and ``item``: each row writes its row number at the slot of its (group,
    item) code and reads it back; a slot written twice reads another row's number."""
    if frame.height < 2:
        return True
    group, groups, _ = _groups(frame, keys)
    item, vocab = _item_codes(frame.get_column("item"))
    slots = groups.height * len(vocab)
    if slots > max(8 * frame.height, 1 << 22):
        return frame.select(pl.struct(*keys, "item").n_unique()).item() == frame.height
    slot = group.cast(pl.Int64) * len(vocab) + item
    rows = pl.int_range(frame.height, dtype=pl.UInt32, eager=True)
    written = pl.zeros(slots, dtype=pl.UInt32, eager=True).scatter(slot, rows)
    return bool((written.gather(slot) == rows).all())


# --------------------------------------------------------------------------------------------- groups
def aggregate_points(values: pl.DataFrame, group: str, group_meta: pl.DataFrame) -> pl.DataFrame:
    """Arithmetic mean of each item over the stations of a group (river, lake, basin) and period.

    `values` are period values (:func:`period_values`); `group_meta` maps ``station_id`` to `group`. Below-DL
    values enter at ½ DL unless all are below DL (then the largest DL, still below DL). The group becomes
    the ``station_id`` of the result so that :func:`evaluate` can classify it.
    """
    joined = values.join(group_meta.select("station_id", group), on="station_id", how="inner")
    averaged = period_values(joined.drop("station_id").rename({group: "station_id"}), period="sample")
    return averaged.select("station_id", "sampled_at", "item", "value", "below_dl", "waterbody_type")
