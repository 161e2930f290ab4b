"""Exceedance alerts (超标预警) raised as data arrive, and the silence checks of the scheduler.

The rules are data: ``publisher/alerts.yaml`` (shipped, documented) with any setting replaced by
``<home>/alerts.yaml``. The limits come from the standards in force on the day of the data (the
water classes of :mod:`publisher.evaluate.water`, the AQI of :mod:`publisher.evaluate.air`).

An ingest evaluates the file's values *before* its ledger transaction (:func:`evaluate_ingest`:
water samples together with the stored values of the same samples, air hours as they come, city
days recomputed from every station of the city) and records the outcome *inside* it
(:func:`record`), so an accepted file and its alerts are one commit. An alert is keyed by
(rule, station, time): the same data ingested again raise nothing new; a correction that removes the
exceedance closes the alert with a note; a new alert queues one notification per channel
(:mod:`publisher.operations.notify`) in the same transaction.

Tables ``alerts`` (here) and ``notifications`` (notify) live in the ledger and are created when
first written; a ledger without them simply has no alerts yet.

The package, by concept: ``rules`` (the rules and their settings), ``findings`` (what an evaluation
finds), ``water`` and ``air`` (the exceedance rules), ``ingest`` (raising at ingest), ``ledger``
(recording, closing, notifying), ``silence`` (the scheduler's checks), ``reading`` (listing).
"""
from __future__ import annotations

from publisher.operations.alerts.findings import Finding, Outcome
from publisher.operations.alerts.ingest import evaluate_ingest, recorder
from publisher.operations.alerts.ledger import DIGEST_LIMIT, record
from publisher.operations.alerts.reading import COLUMNS, listing, render_text
from publisher.operations.alerts.rules import DEFAULT_CONFIG, RULES, SECTION_KINDS, SOURCE_KINDS, TABLE_SQL, Config
from publisher.operations.alerts.silence import check_silence

__all__ = ["COLUMNS", "Config", "DEFAULT_CONFIG", "DIGEST_LIMIT", "Finding", "Outcome", "RULES", "SECTION_KINDS",
           "SOURCE_KINDS", "TABLE_SQL", "check_silence", "evaluate_ingest", "listing", "record", "recorder",
           "render_text"]
