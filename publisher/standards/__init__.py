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

No threshold is written anywhere else in code. Data of time t is judged by ``in_force(family, t)``
(``in_force_or_none`` when having no table is an answer, ``covering(family, first, last)`` for the
tables a period spans, ``rule(family, day, block)`` for one block); ``versions(family)`` lists a family
for per-row date expressions and listings, never to pick "the" table by position.

A folder named by ``PUBLISHER_STANDARDS_EXTRA`` is read after ``data/``: a file whose ``meta.id`` is a
shipped table's replaces it, any other adds a version (``problems()`` checks the family's dates as
usual). ``reload()`` reads the tables again and clears every cache registered with ``on_reload``.

The active workspace's ``<home>/standards/`` folder (``paths.active_home()``) holds the
bureau's local discharge standards as data, in the schema of the shipped discharge tables: each file is checked
on load (:mod:`publisher.standards.local`) and may add a table, never replace a shipped one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, TypeVar

import yaml

from publisher.errors import StandardNotFound
from publisher.paths import active_home, active_home_text
from publisher.periods import as_date
from publisher.standards import local

DATA_DIR = Path(__file__).resolve().parent / "data"
#: Environment variable naming a folder of extra or replacing tables (see the module docstring).
EXTRA_ENV = "PUBLISHER_STANDARDS_EXTRA"


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
    try:
        return as_date(value)
    except ValueError as exc:  # pragma: no cover - guarded by tests over the shipped files
        raise StandardNotFound(f"{where}: bad date {value!r}") from exc


def _load_file(path: Path) -> Standard:
    raw = path.read_bytes()
    return _standard(path, raw, yaml.safe_load(raw))


def _standard(path: Path, raw: bytes, data: dict[str, Any]) -> Standard:
    """The table of one file's bytes and parsed document."""
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


def _table_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.glob("*.yaml")):
        if "\nmeta:" in "\n" + path.read_text(encoding="utf-8"):  # reference files such as sources.yaml have none
            files.append(path)
    return files


def extra_dir() -> Path | None:
    """The overlay folder named by ``PUBLISHER_STANDARDS_EXTRA`` (None when unset or empty)."""
    value = os.environ.get(EXTRA_ENV, "").strip()
    if not value:
        return None
    folder = Path(value)
    if not folder.is_dir():
        raise StandardNotFound(f"{EXTRA_ENV}={value!r} is not a folder")
    return folder


def all_tables() -> tuple[Standard, ...]:
    """Every table of ``data/`` (files with a ``meta`` block), of the workspace's ``standards/`` folder (local
    discharge standards, checked) and of the overlay folder, ordered by family and date; an overlay table with a
    shipped id replaces the shipped one."""
    extra = _EXTRA.get("value")
    if extra is None:       # read once; reload() reads it again
        extra = _EXTRA["value"] = os.environ.get(EXTRA_ENV, "").strip()
    return _tables(active_home_text(), extra)


#: the overlay setting the tables were read with (cleared by reload())
_EXTRA: dict[str, str] = {}


@lru_cache(maxsize=8)
def _tables(home: str, extra_value: str) -> tuple[Standard, ...]:
    base = _base_tables(extra_value)
    workspace_dir = local.folder(home)
    if workspace_dir is None:
        return base
    by_id = {t.id: t for t in base}
    shipped_ids, shipped_families = set(by_id), {t.family for t in base}
    items = _catalogue_cached("discharge-items")
    for path in sorted(workspace_dir.glob("*.yaml")):
        raw, data = local.load(path, shipped_ids, shipped_families, items)
        table = _standard(path, raw, data)
        if table.id in by_id:
            raise local.LocalStandardError(path, "meta.id", f"与 {by_id[table.id].path} 的编号重复",
                                           "local_standard_duplicate_id")
        by_id[table.id] = table
    return tuple(sorted(by_id.values(), key=lambda s: (s.family, s.effective_from)))


@lru_cache(maxsize=2)
def _base_tables(extra_value: str) -> tuple[Standard, ...]:
    """The shipped tables and the ``PUBLISHER_STANDARDS_EXTRA`` overlay (read once per overlay setting)."""
    by_id: dict[str, Standard] = {}
    for path in _table_files(DATA_DIR):
        table = _load_file(path)
        by_id[table.id] = table
    extra = extra_dir()
    if extra is not None:
        for path in _table_files(extra):
            table = _load_file(path)
            by_id[table.id] = table
    return tuple(sorted(by_id.values(), key=lambda s: (s.family, s.effective_from)))


def local_tables() -> tuple[Standard, ...]:
    """The tables read from the workspace's ``standards/`` folder (local discharge standards)."""
    folder = local.folder(active_home())
    if folder is None:
        return ()
    return tuple(t for t in all_tables() if t.path.parent == folder)


_RELOAD_HOOKS: list[Callable[[], Any]] = []
_F = TypeVar("_F", bound=Callable[..., Any])


def on_reload(cached: _F) -> _F:
    """Register a cache of values derived from the tables (an ``lru_cache`` function, or any callable
    clearing one) so that :func:`reload` clears it too; returns it unchanged (usable as a decorator)."""
    _RELOAD_HOOKS.append(getattr(cached, "cache_clear", cached))
    return cached


def reload() -> None:
    """Read the tables again (e.g. after ``PUBLISHER_STANDARDS_EXTRA`` changed) and clear every cache
    registered with :func:`on_reload`."""
    _EXTRA.clear()
    _tables.cache_clear()
    _base_tables.cache_clear()
    _catalogue_cached.cache_clear()
    for clear in _RELOAD_HOOKS:
        clear()


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
    found = in_force_or_none(family, on)
    if found is None:
        day = on.date() if isinstance(on, dt.datetime) else on
        raise StandardNotFound(f"no {family} table in force on {day.isoformat()}")
    return found


def in_force_or_none(family: str, on: dt.date | dt.datetime) -> Standard | None:
    """:func:`in_force`, or None when no table of the (known) family judges day `on`."""
    day = on.date() if isinstance(on, dt.datetime) else on
    for table in versions(family):
        if table.covers(day):
            return table
    return None


def covering(family: str, first: dt.date, last: dt.date) -> list[Standard]:
    """The tables of `family` in force on some day of `first`..`last` (inclusive), oldest first."""
    return [t for t in versions(family)
            if t.effective_from <= last and (t.effective_to is None or t.effective_to >= first)]


def phase_on(table: Standard, day: dt.date) -> dict[str, Any] | None:
    """The entry of a table's ``phases`` list (GB 3095) whose ``from``..``to`` covers `day` (open ends
    when absent); None when the table has no phases or none covers the day."""
    for phase in table.get("phases") or []:
        start = _as_date(phase.get("from"), table.id) or dt.date.min
        end = _as_date(phase.get("to"), table.id) or dt.date.max
        if start <= day <= end:
            return phase
    return None


def rule(family: str, on: dt.date | dt.datetime, block: str) -> Any:
    """Block `block` of the `family` table in force on `on`. Data older than the family's first table
    take the first table's block when that table lists the block in ``meta.earlier_data.blocks`` (the
    decision written there); otherwise StandardNotFound."""
    table = in_force_or_none(family, on)
    if table is None:
        first = versions(family)[0]
        day = on.date() if isinstance(on, dt.datetime) else on
        earlier = (first["meta"].get("earlier_data") or {}).get("blocks") or ()
        if day < first.effective_from and block in earlier:
            return first[block]
        raise StandardNotFound(f"no {family} table in force on {day.isoformat()}")
    return table[block]


@lru_cache(maxsize=8)
def _catalogue_cached(name: str) -> dict[str, dict[str, Any]]:
    path = DATA_DIR / f"{name}.yaml"
    extra = extra_dir()
    if extra is not None and (extra / f"{name}.yaml").is_file():
        path = extra / f"{name}.yaml"
    if not path.is_file() or "/" in name or "\\" in name:
        raise StandardNotFound(f"no item catalogue {name!r}")
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return {item["code"]: item for item in items}


def catalogue(name: str) -> dict[str, dict[str, Any]]:
    """An item catalogue by code: ``catalogue("water-items")``, ``catalogue("discharge-items")``."""
    return _catalogue_cached(name)


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
