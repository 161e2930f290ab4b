"""The supervisory-monitoring results table of the store (``supervisory/year=YYYY/month=MM/ingest-<id>.parquet``).

One row per (outlet, sampling time, item) as the monitoring station reported it (:mod:`publisher.ingest.supervisory`):
``unit_id`` and ``outlet_id`` (``<unit id>/<outlet id>``, the registry's :attr:`publisher.polluters.Outlet.key`),
``sampled_at``, ``item`` (a code of ``discharge-items.yaml``), ``value`` in the catalogue's unit (the detection
limit when ``below_dl``), the measured ``o2`` (% by volume, flue gas), ``flow`` (m³/h of flue gas or m³/d of
wastewater, as reported; not judged), ``water_temp`` (℃), the cell as written (``raw``) and the unit written in
the file (``unit_written``), with the store's provenance columns. Parts are partitioned by the month of
``sampled_at``; the latest ingest's value of a key is current, as for the other tables.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

SUPERVISORY_PART_SCHEMA = {
    "unit_id": pl.String, "outlet_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String,
    "value": pl.Float64, "below_dl": pl.Boolean, "o2": pl.Float64, "flow": pl.Float64, "flow_unit": pl.String,
    "water_temp": pl.Float64, "raw": pl.String, "unit_written": pl.String,
    "source_sha256": pl.String, "source_row": pl.Int64, "source_sheet": pl.String, "ingest_id": pl.Int64,
}
KEY = ["outlet_id", "sampled_at", "item"]
TIME = "sampled_at"


def results(store: Any, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str, *,
            all_versions: bool = False) -> pl.DataFrame:
    """The supervisory results sampled in `start`..`end` (dates inclusive), current values (or every version)."""
    lo, hi = store._range(start, end, hour_ending=False)
    return (store.scan("supervisory", lo, hi, None, all_versions).select(list(SUPERVISORY_PART_SCHEMA))
            .sort("outlet_id", "sampled_at", "item", "ingest_id").collect())
