"""Named crash points for the tests: ``PUBLISHER_FAULT`` (comma-separated) lists the points at which the
process kills itself with SIGKILL, so a test can stop a build or an ingest at an exact step instead of
guessing a moment with a timer. Unset in normal use; reading it costs one environment lookup.

Points: ``kill-before-swap``, ``kill-mid-swap``, ``kill-after-swap`` and the flag ``no-exchange`` (`store.output`, a bulletin's
folder swap); ``ingest-part-written``, ``ingest-parts-written``, ``ingest-parts-renamed`` (before the ledger
commits) and ``ingest-committed`` (`Store.commit_ingest`).
"""
from __future__ import annotations

import os
import signal

FAULT_ENV = "PUBLISHER_FAULT"


def active() -> set[str]:
    """The points named in ``PUBLISHER_FAULT``."""
    return {f.strip() for f in os.environ.get(FAULT_ENV, "").split(",") if f.strip()}


def fault(point: str) -> None:
    """Kill this process at `point` when ``PUBLISHER_FAULT`` names it."""
    if point in active():
        os.kill(os.getpid(), signal.SIGKILL)
