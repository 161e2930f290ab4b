"""What an evaluation finds: one exceedance (:class:`Finding`) and the keys it judged (:class:`Outcome`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Finding:
    """One exceedance found: what an alert says."""

    rule: str
    station_id: str
    station_name: str
    time: str
    value: float | None
    limit: float | None
    message_zh: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.station_id, self.time)


@dataclass
class Outcome:
    """What an evaluation found (`raised`) and every key it judged (`scope`): an open alert of a key in
    scope that is not raised again is closed."""

    raised: list[Finding] = field(default_factory=list)
    scope: set[tuple[str, str, str]] = field(default_factory=set)
    error: str | None = None

    def extend(self, other: "Outcome") -> None:
        self.raised += other.raised
        self.scope |= other.scope


def minute(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")

