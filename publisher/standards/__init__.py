"""The standards' tables as dated data, and the one loader that answers "which table is in force at t".

Every threshold, breakpoint, limit and validity rule lives in a YAML file in ``data/``. Each file
starts with a ``meta`` block::

    meta:
      id: HJ633-2026                 # unique, as the standard is numbered
      family: hj633                  # tables of one family replace each other over time
      title_zh: 环境空气质量指数（AQI）技术规定
      effective_from: 2026-03-01     # first day the table judges data
      effective_to: null             # last day, or null while in force
      sources: [SRC_HJ633_2026_PDF]  # ids of shared/standards/sources.yaml, copied to data/sources.yaml
      confidence: confirmed_2plus    # confirmed_2plus | single_source | memory_only (see docs/standards.md)

No threshold is written anywhere else in code. Data of time t is judged by ``in_force(family, t)``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import StandardNotFound

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Standard:
    """One versioned table: its identity, the days it judges, its content and the bytes it came from."""

    id: str
    family: str
    title_zh: str
    effective_from: dt.date
    effective_to: dt.date | None
    sources: tuple[str, ...]
    confidence: str
    data: dict[str, Any] = field(repr=False, compare=False)
    path: Path = field(repr=False, compare=False)
    sha256: str = field(repr=False, compare=False)

    def covers(self, day: dt.date) -> bool:
        """True when the table is in force on `day` (both ends inclusive)."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def citation(self) -> str:
        """How bulletins name the table, e.g. ``HJ 633-2026《环境空气质量指数（AQI）技术规定》``."""
        number = self.data["meta"].get("number", self.id)
        return f"{number}《{self.title_zh}》"

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def _as_date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:  # pragma: no cover - guarded by tests over the shipped files
        raise StandardNotFound(f"{where}: bad date {value!r}") from exc


def _load_file(path: Path) -> Standard:
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    meta = data["meta"]
    return Standard(
        id=str(meta["id"]),
        family=str(meta["family"]),
        title_zh=str(meta["title_zh"]),
        effective_from=_as_date(meta["effective_from"], str(path)) or dt.date.min,
        effective_to=_as_date(meta.get("effective_to"), str(path)),
        sources=tuple(meta.get("sources") or ()),
        confidence=str(meta.get("confidence", "")),
        data=data,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


@lru_cache(maxsize=1)
def all_tables() -> tuple[Standard, ...]:
    """Every table shipped in ``data/`` (files with a ``meta`` block), ordered by family and date."""
    tables = []
    for path in sorted(DATA_DIR.glob("*.yaml")):
        head = path.read_text(encoding="utf-8")[:2000]
        if "\nmeta:" not in "\n" + head:
            continue  # reference files such as sources.yaml
        tables.append(_load_file(path))
    return tuple(sorted(tables, key=lambda s: (s.family, s.effective_from)))


def get(table_id: str) -> Standard:
    """The table with this id (e.g. ``"HJ633-2012"``)."""
    for table in all_tables():
        if table.id == table_id:
            return table
    known = ", ".join(t.id for t in all_tables())
    raise StandardNotFound(f"no standards table {table_id!r}; known: {known}")


def versions(family: str) -> list[Standard]:
    """All tables of a family, oldest first."""
    found = [t for t in all_tables() if t.family == family]
    if not found:
        raise StandardNotFound(f"no standards family {family!r}")
    return found


def in_force(family: str, on: dt.date | dt.datetime) -> Standard:
    """The table of `family` that judges data of day `on`.

    For hourly air data labelled by the end of the hour, pass the start of the hour: the hour
    ending 2026-03-01 00:00 belongs to 28 February and is judged by the 2012 texts.
    """
    day = on.date() if isinstance(on, dt.datetime) else on
    for table in versions(family):
        if table.covers(day):
            return table
    raise StandardNotFound(f"no {family} table in force on {day.isoformat()}")


def problems() -> list[str]:
    """Consistency problems of the shipped tables (overlapping or gapped versions of a family)."""
    issues: list[str] = []
    families = sorted({t.family for t in all_tables()})
    for family in families:
        tables = versions(family)
        for older, newer in zip(tables, tables[1:]):
            if older.effective_to is None or older.effective_to >= newer.effective_from:
                issues.append(f"{family}: {older.id} overlaps {newer.id}")
            elif older.effective_to + dt.timedelta(days=1) != newer.effective_from:
                issues.append(f"{family}: gap between {older.id} and {newer.id}")
    return issues
