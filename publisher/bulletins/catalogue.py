"""The bulletin catalogue: every kind the program builds, with what status, the scheduler, the command
line, the portal and the bulletins themselves need to know about it — the module that assembles it
(``publisher.bulletins.KINDS``), the title its page prints, its cadence, the station kinds whose data
it waits for, the day it is dated and its deadline.

The facts are the bureau's configuration (``publisher/defaults/bulletins.yaml``; a workspace may
override ``title_zh``, ``issue`` and ``deadline`` per kind in ``<home>/bulletins.yaml``). A kind
registered in ``KINDS`` without an entry in the shipped file takes its title and cadence from its
module's ``TITLE_ZH`` and ``CADENCE`` and the usual dates of its cadence, so adding a kind stays one
entry in ``KINDS``."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher import config
from publisher.bulletins import KINDS
from publisher.errors import PublisherError
from publisher.periods import Period

FILE = "bulletins.yaml"
CODE = "bad_bulletins_config"
WHAT_ZH = "公报目录设置"
#: the period unit of each cadence
CADENCE_UNIT = {"daily": "day", "monthly": "month", "quarterly": "quarter", "yearly": "year", "annual": "year"}
#: what a workspace may set per kind
OVERRIDABLE = ("title_zh", "issue", "deadline")
_SHIPPED_KEYS = ("title_zh", "cadence", "station_kinds", "issue", "deadline", "built_by_default")
#: the dates of a kind the shipped file does not list, by cadence
_USUAL = {"daily": {"days_after": 1}, "monthly": {"next_month_day": 10}, "quarterly": {"next_month_day": 10}}
_RULE_BOUNDS = {"next_month_day": (1, 28), "days_after": (0, 366), "next_year_on": None}


@dataclass(frozen=True)
class DateRule:
    """A date derived from the period only (never the clock): the N-th day of the next month, N days
    after the period's last day, or a fixed day of the next year (``next_year_on: "06-05"``, the annual
    bulletin's 5 June; a fixed day is not moved off a rest day)."""

    next_month_day: int | None = None
    days_after: int | None = None
    next_year_on: str | None = None

    @property
    def moves(self) -> bool:
        """Whether a deadline on a rest day moves to the next working day."""
        return self.next_year_on is None

    def on(self, period: Period) -> dt.date:
        if self.next_year_on is not None:
            month, day = (int(x) for x in self.next_year_on.split("-"))
            return dt.date(period.end.year + 1, month, day)
        if self.days_after is not None:
            return period.end + dt.timedelta(days=self.days_after)
        after = period.end + dt.timedelta(days=1)
        return after.replace(day=int(self.next_month_day or 1))


@dataclass(frozen=True)
class Kind:
    """One bulletin kind as the catalogue describes it."""

    kind: str
    module: str
    title_zh: str
    cadence: str
    station_kinds: tuple[str, ...]
    issue: DateRule | None
    deadline: DateRule | None
    built_by_default: bool

    @property
    def unit(self) -> str:
        """The period unit a bulletin of this kind covers (``day``, ``month``, ``quarter``, ``year``)."""
        return CADENCE_UNIT[self.cadence]

    def issue_date(self, period: Period) -> dt.date | None:
        """The date printed on the bulletin of `period`."""
        return self.issue.on(period) if self.issue else None

    def due(self, period: Period) -> dt.date | None:
        """The nominal deadline of `period` (before moving off a rest day)."""
        return self.deadline.on(period) if self.deadline else None


def _rule(raw: Any, where: str, problems: list[str]) -> DateRule | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in _RULE_BOUNDS:
        problems.append(f"{where} 应为 {{next_month_day: N}}、{{days_after: N}} 或 {{next_year_on: \"MM-DD\"}}")
        return None
    key, value = next(iter(raw.items()))
    if key == "next_year_on":
        try:
            month, day = (int(x) for x in str(value).split("-"))
            dt.date(2001, month, day)
        except ValueError:
            problems.append(f"{where}.next_year_on 应为月-日（如 \"06-05\"）")
            return None
        return DateRule(next_year_on=f"{month:02d}-{day:02d}")
    low, high = _RULE_BOUNDS[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}.{key} 应为 {low}～{high} 的整数")
        return None
    return DateRule(**{key: value})


def _check(data: Any, path: Path, allowed: tuple[str, ...], problems: list[str]) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        problems.append("文件应为以公报类型为键的映射")
        return {}
    out: dict[str, dict[str, Any]] = {}
    for kind, entry in data.items():
        if kind not in KINDS:
            problems.append(f"未知的公报类型 {kind!r}（可选：{', '.join(KINDS)}）")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{kind} 应为映射")
            continue
        for key in sorted(set(map(str, entry)) - set(allowed)):
            problems.append(f"{kind}.{key} 不能在此设置（可设：{', '.join(allowed)}）")
        title = entry.get("title_zh")
        if "title_zh" in entry and (not isinstance(title, str) or not title.strip() or len(title) > 100):
            problems.append(f"{kind}.title_zh 应为不超过100字的公报名称")
        out[str(kind)] = {k: v for k, v in entry.items() if k in allowed}
    return out


#: (path, keys allowed, sha256 of the text) -> the checked entries: a build, the status report and the
#: desk's lists (a bulletin's title per row) ask for the catalogue many times; the file is parsed once
_READ: dict[tuple[str, tuple[str, ...], str], dict[str, dict[str, Any]]] = {}


def _read(path: Path, allowed: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The checked entries of the catalogue file `path` (read again only when its text changes)."""
    try:
        key = (str(path), allowed, hashlib.sha256(path.read_bytes()).hexdigest()) \
            if path.stat().st_size <= config.MAX_BYTES else None
    except OSError:
        key = None   # config.read says what is wrong with the file
    if key is not None and key in _READ:
        return _READ[key]
    entries = _check_file(path, allowed)
    if key is not None:
        if len(_READ) >= 8:
            _READ.pop(next(iter(_READ)))
        _READ[key] = entries
    return entries


def _check_file(path: Path, allowed: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    problems: list[str] = []
    entries = _check(config.read(path, what_zh=WHAT_ZH, code=CODE), path, allowed, problems)
    for kind, entry in entries.items():
        for key in ("issue", "deadline"):
            if key in entry:
                _rule(entry[key], f"{kind}.{key}", problems)
    if problems:
        raise config.ConfigError(f"{WHAT_ZH} {path} 有误：" + "；".join(problems), CODE)
    return entries


def _from_module(kind: str) -> dict[str, Any]:
    """The facts of a kind the shipped file does not list, from its module."""
    mod = importlib.import_module(KINDS[kind])
    cadence = str(getattr(mod, "CADENCE"))
    usual = _USUAL.get(cadence)
    return {"title_zh": str(getattr(mod, "TITLE_ZH", kind)), "cadence": cadence,
            "station_kinds": list(getattr(mod, "STATION_KINDS", ())), "issue": usual, "deadline": usual,
            "built_by_default": bool(getattr(mod, "BUILT_BY_DEFAULT", True))}


def catalogue(home: str | os.PathLike[str] | None = None) -> dict[str, Kind]:
    """Every kind, in the order of ``KINDS``, with the workspace's overrides applied."""
    shipped = _read(config.default_path(FILE), _SHIPPED_KEYS)
    local_path = config.path_of(FILE, home)
    local = _read(local_path, OVERRIDABLE) if local_path != config.default_path(FILE) else {}
    problems: list[str] = []
    out: dict[str, Kind] = {}
    for kind, module in KINDS.items():
        entry = {**(shipped[kind] if kind in shipped else _from_module(kind)), **local.get(kind, {})}
        cadence = str(entry.get("cadence"))
        if cadence not in CADENCE_UNIT:
            problems.append(f"{kind}.cadence {cadence!r} 未知（可选：{', '.join(CADENCE_UNIT)}）")
            continue
        out[kind] = Kind(kind=kind, module=module, title_zh=str(entry["title_zh"]).strip(), cadence=cadence,
                         station_kinds=tuple(entry.get("station_kinds") or ()),
                         issue=_rule(entry.get("issue"), f"{kind}.issue", problems),
                         deadline=_rule(entry.get("deadline"), f"{kind}.deadline", problems),
                         built_by_default=bool(entry.get("built_by_default", True)))
    if problems:
        raise config.ConfigError(f"{WHAT_ZH}有误：" + "；".join(problems), CODE)
    return out


def get(kind: str, home: str | os.PathLike[str] | None = None) -> Kind:
    """The catalogue entry of `kind` (``unknown_kind`` when the program has no such bulletin)."""
    if kind not in KINDS:
        raise PublisherError(f"未知的公报类型 {kind!r} (unknown_kind)；可选：{', '.join(KINDS)}")
    return catalogue(home)[kind]


def default_kinds(unit: str, home: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The kinds ``publisher build`` builds for a period of `unit` when no kind is named."""
    return tuple(k.kind for k in catalogue(home).values() if k.unit == unit and k.built_by_default)
