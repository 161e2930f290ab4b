"""Station metadata as the evaluation reads it (target class, assessment, X items, kind)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.evaluate.water._codes import SINGLE_TABLES
from publisher.vocabulary.water import class_number


# --------------------------------------------------------------------------------------------- stations
def stations_frame(registry: Any) -> pl.DataFrame:
    """Station metadata for :func:`evaluate` from a loaded :class:`publisher.registry.Registry`."""
    rows = []
    for s in registry.stations:
        if s.kind == "air_station":
            continue
        rows.append({"station_id": s.id, "name": s.name, "kind": s.kind, "assessment": s.assessment,
                     "x_items": ",".join(s.x_items), "target_class": s.target_class,
                     "waterbody_type": s.waterbody_type, "river": s.river, "basin": s.basin,
                     "water_body": s.water_body, "volume": s.volume, "city": s.city, "county": s.county})
    schema = {"station_id": pl.String, "name": pl.String, "kind": pl.String, "assessment": pl.String,
              "x_items": pl.String, "target_class": pl.String, "waterbody_type": pl.String,
              "river": pl.String, "basin": pl.String, "water_body": pl.String, "volume": pl.Float64,
              "city": pl.String, "county": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _meta(stations: pl.DataFrame | None) -> pl.DataFrame:
    base = {"station_id": pl.String, "target_class": pl.Int8, "assessment": pl.String,
            "x_items": pl.List(pl.String), "kind": pl.String}
    if stations is None or stations.height == 0:
        return pl.DataFrame(schema=base)
    meta = stations
    for col, dtype in base.items():
        if col not in meta.columns:
            meta = meta.with_columns(pl.lit(None, dtype=dtype if dtype != pl.List(pl.String) else pl.String)
                                     .alias(col))
    if meta.schema["target_class"] != pl.Int8:
        # parsed once per distinct label (``Ⅲ``, ``Ⅲ类``, ``III``, ``3``)
        labels = meta.get_column("target_class").drop_nulls().unique().to_list()
        mapping = {label: class_number(label) for label in labels}
        meta = meta.with_columns(
            pl.col("target_class").replace_strict(mapping, default=None, return_dtype=pl.Int8) if mapping
            else pl.lit(None, pl.Int8).alias("target_class"))
    if meta.schema["x_items"] == pl.String:
        meta = meta.with_columns(
            pl.col("x_items").fill_null("").str.split(",")
            .list.eval(pl.element().str.strip_chars().filter(pl.element() != "")).alias("x_items"))
    return meta.select(list(base)).unique("station_id", keep="first")


# --------------------------------------------------------------------------------------------- evaluation
def _assessment_rows(days: list[dt.date]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(day -> assessment table id, default assessment, kind mapping) and (table id, assessment, item, role)."""
    day_rows, set_rows = [], []
    seen: set[str] = set()
    for day in days:
        try:
            table = standards.in_force("water_assessment", day)
        except StandardNotFound:
            day_rows.append({"day": day, "assess_id": None, "default_assessment": None, "kind_map": None})
            continue
        day_rows.append({"day": day, "assess_id": table.id, "default_assessment": table["default_assessment"],
                         "kind_map": None})
        if table.id in seen:
            continue
        seen.add(table.id)
        for name, spec in table["sets"].items():
            for item in spec["class_items"]:
                set_rows.append({"assess_id": table.id, "assessment": name, "item": item, "role": "class"})
            for key in spec.get("single_limit_tables") or []:
                set_rows.append({"assess_id": table.id, "assessment": name, "item": f"*{SINGLE_TABLES[key]}",
                                 "role": "single"})
            if spec.get("station_x"):
                set_rows.append({"assess_id": table.id, "assessment": name, "item": "*x", "role": "x"})
    days_frame = pl.DataFrame(day_rows, schema={"day": pl.Date, "assess_id": pl.String,
                                                "default_assessment": pl.String, "kind_map": pl.String})
    sets = pl.DataFrame(set_rows, schema={"assess_id": pl.String, "assessment": pl.String, "item": pl.String,
                                          "role": pl.String})
    return days_frame, sets


def _kind_assessment(days: list[dt.date]) -> dict[str, str]:
    for day in days:
        try:
            return dict(standards.in_force("water_assessment", day)["by_kind"])
        except StandardNotFound:
            continue
    return {}
