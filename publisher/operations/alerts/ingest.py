"""Raising alerts at ingest: the values of one file judged before its transaction, recorded inside it."""
from __future__ import annotations

import logging
import sqlite3

import polars as pl

from publisher.display import shown
from publisher.operations.alerts.air import evaluate as _air
from publisher.operations.alerts.findings import Outcome
from publisher.operations.alerts.ledger import record
from publisher.operations.alerts.rules import Config
from publisher.operations.alerts.supervisory import evaluate as _supervisory
from publisher.operations.alerts.water import evaluate as _water
from publisher.paths import Workspace
from publisher.store import Store

log = logging.getLogger(__name__.rpartition(".")[0])


def evaluate_ingest(ws: Workspace, registry, kind: str, frame: pl.DataFrame | pl.LazyFrame, store=None,
                    cfg: Config | None = None) -> Outcome:
    """The alerts the values of one file bring (with what the store already holds). Never raises: an
    error becomes ``Outcome.error`` (the ingest goes on and records it as an event)."""
    store = store or Store(ws)
    try:
        cfg = cfg or Config.load(ws)
        if kind == "water":
            return _water(frame, registry, store, cfg)
        if kind == "air":
            return _air(frame, registry, store, cfg)
        if kind == "supervisory" and cfg.on("supervisory_exceedance"):
            return _supervisory(frame, registry, store)
        return Outcome()
    except Exception as exc:  # noqa: BLE001 - an alert problem never costs the data
        log.error("alert evaluation failed: %s", shown(f"{type(exc).__name__}: {exc}"))
        return Outcome(error=shown(f"{type(exc).__name__}: {exc}")[:300])



def recorder(outcome: Outcome, file_name: str, ws: Workspace):
    """The `on_commit` of an ingest: records `outcome` in the ingest's own transaction."""
    def on_commit(conn: sqlite3.Connection, ingest_id: int) -> None:
        record(conn, outcome, raised_by=f"入库 {ingest_id}（{shown(file_name)}）",
               why_closed=f"入库 {ingest_id}（{shown(file_name)}）更正数据后不再超标", ws=ws, ingest_id=ingest_id)
    return on_commit
