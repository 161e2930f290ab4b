"""The store: measurements as Parquet, station-day aggregates, and a SQLite ledger of files, ingests and bulletins.

Layout (``<home>/store/``)::

    ledger.sqlite                       files, ingests, parts, station_days, bulletins, approvals, publications, events
    air/year=YYYY/month=MM/ingest-<id>.parquet
    water/year=YYYY/month=MM/ingest-<id>.parquet
    intake/year=YYYY/month=MM/ingest-<id>.parquet   (water suppliers' 取水量 per source and month or quarter)
    forecast/year=YYYY/month=MM/ingest-<id>.parquet   (air-quality forecasts, by forecast day)
    noise/year=YYYY/month=MM/ingest-<id>.parquet   (noise points' Ld/Ln results, by measurement day)
    supervisory/year=YYYY/month=MM/ingest-<id>.parquet   (key polluting units' outlet results, store/supervisory.py)
    air_days/year=YYYY/month=MM/days-<ingest id>.parquet   (station-day aggregates and daily values, one file a month)

Air parts are partitioned by the month of the hour's *start* (the hour ending 2026-04-01 00:00 belongs to
31 March and lives in March), water parts by the month of ``sampled_at``: a month's bulletin reads only
that month's folder.

Atomicity: an ingest writes its parts under temporary names, renames them, and records them in one SQLite
transaction (files + ingests + parts + the station-days of the months it touched). Readers only read
files listed in the ledger, so a killed ingest leaves what readers see unchanged; ``recover()`` (run
before every write) removes its leftovers, which makes the folder byte-for-byte what it was.

Versions: every ingest is kept. The current value of (station, time) for air and (station, sampled_at,
item) for water is the one of the latest ingest; ``all_versions=True`` and ``sources_for`` show the rest,
each with ``source_sha256``, ``source_row`` and ``ingest_id``.

The class is put together from its concepts: :mod:`.ledger` (connections, lock, ledger records),
:mod:`.migrations` (the schema), :mod:`.parts` (Parquet parts), :mod:`.days` (station-days), and
:mod:`.dust` reads the workspace's sand-dust flags; :mod:`.output` keeps a bulletin's folder.
"""
from __future__ import annotations

import os

from publisher.paths import Workspace, workspace as default_workspace
from publisher.store.days import StationDays
from publisher.store.ledger import Ledger, _now
from publisher.store.migrations import MIGRATIONS, SCHEMA_VERSION
from publisher.store.parts import (AIR_PART_SCHEMA, AIR_VALUE_COLUMNS, FORECAST_PART_SCHEMA, INTAKE_PART_SCHEMA, KEYS,
                                   NOISE_PART_SCHEMA, PART_COMPRESSION, SCHEMAS, TIME, WATER_PART_SCHEMA, Parts, _months)

__all__ = ["Store", "AIR_VALUE_COLUMNS", "AIR_PART_SCHEMA", "WATER_PART_SCHEMA", "INTAKE_PART_SCHEMA",
           "FORECAST_PART_SCHEMA", "NOISE_PART_SCHEMA", "SCHEMAS", "KEYS", "TIME", "PART_COMPRESSION", "SCHEMA_VERSION", "MIGRATIONS"]


class Store(Ledger, Parts, StationDays):
    """One workspace's store. Cheap to construct; nothing is created until the first write."""

    def __init__(self, ws: Workspace | str | os.PathLike[str] | None = None):
        if ws is None or not isinstance(ws, Workspace):
            ws = default_workspace(ws)
        self.workspace = ws
        self.root = ws.store
        self.ledger_path = self.root / "ledger.sqlite"
        self._up_to_date = False
