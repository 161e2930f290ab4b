"""The typed page of a water bulletin: the masthead every water template reads (``b.title`` …), the base
of each kind's context record. Fields follow :func:`publisher.bulletins.water.common.page_head`; the
JSON form of a context (:func:`publisher.bulletins.base.jsonable`) is ``bulletin.json``'s figures."""
from __future__ import annotations

from dataclasses import dataclass

from publisher.bulletins.base import Record


@dataclass(frozen=True)
class WaterPage(Record):
    """The kind and masthead of a water bulletin (title, period, issuer, issue date)."""

    kind: str
    title: str
    title_lines: list[str]
    period_range_zh: str
    region: str
    organisation: str
    period: str
    period_zh: str
    issued: str
    issued_zh: str
