"""What every bulletin module receives and returns."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping, Self

import polars as pl

from publisher.paths import Workspace
from publisher.periods import Period
from publisher.registry import Registry
from publisher.store import Store


@dataclass(frozen=True)
class Job:
    """One bulletin to assemble: its kind, period and, for per-area kinds, the area."""

    kind: str
    period: Period
    workspace: Workspace
    registry: Registry
    area: str | None = None

    @property
    def store(self) -> Store:  # a property so that assembling needs no open store until it reads
        return Store(self.workspace)


@dataclass(frozen=True)
class ReviewNote:
    """A note for the reviewers, never printed on the public page: a caveat on the method (a text
    not yet at hand), data gaps worth checking, where figures came from.

    ``topic`` is a stable English word (``method``, ``data``, ``provenance``, ``configuration``);
    ``text`` is the Chinese sentence the reviewers read. Written to ``bulletin.json`` under
    ``review``, printed by ``publisher history`` and ``publisher approve``."""

    topic: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"topic": self.topic, "text": self.text}


class Record:
    """Base of the typed pieces of a bulletin's context (dataclasses, frozen where the assembly allows).

    The template reads their attributes (``b.areas``, ``c.rank``: jinja2 reads attributes and keys
    alike); :func:`jsonable` writes one as the dict of its fields in declaration order, or as what its
    ``as_json()`` returns, so that ``bulletin.json`` keeps the shape it has always had."""

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Self:
        """The record of a dict with exactly its fields (a missing or unknown key is an error)."""
        return cls(**values)


@dataclass(frozen=True)
class Note(Record):
    """A note as data until the page prints it: ``kind`` a stable English word, ``text`` the Chinese
    sentence as printed (templates join the texts), ``data`` the figures it states. Its JSON form is
    the text, as the notes have always been written to ``bulletin.json``."""

    kind: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Exceedance:
    """One exceedance a bulletin reports, which needs an explanation (超标原因、采取措施/整改情况)
    before the bulletin passes its first review step.

    ``key`` is stable across rebuilds of the same period (e.g. ``source:<station id>:<item>`` or
    ``section:<station id>``) so an explanation entered once stays attached to it; ``subject`` names
    the station or unit in Chinese; ``detail`` says what exceeded, in Chinese (item, value, limit,
    multiple). Written to ``bulletin.json`` under ``exceedances``."""

    key: str
    subject: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "subject": self.subject, "detail": self.detail}


@dataclass
class Bulletin:
    """An assembled bulletin, ready to render.

    Attributes
    ----------
    kind, period, title : what and when; title is the Chinese title printed on the page.
    template : the jinja2 template in templates/ (it extends base.html).
    context : every figure the page prints, JSON-serialisable (dates as ISO strings); written
        as bulletin.json. A module may hand a typed context instead (a :class:`Record`): it is
        kept as ``page`` and ``context`` becomes its JSON form.
    page : the typed context the template reads as ``b`` (``context`` itself when none was given).
    tables : sheet name -> frame; data.xlsx holds them all, data.csv the first one.
    charts : chart specs for publisher.render.charts.render_charts; each spec's name is the file stem
        the template refers to (``charts/<name>.png``).
    inputs : provenance rows (source file, sha256, ingest id, rows used).
    standards : ids of the standards tables applied (publisher.standards.get(id)).
    issued : the date printed as the issue date (derived from the period, never the clock,
        so rebuilding unchanged inputs gives identical files).
    review : notes for the reviewers (:class:`ReviewNote`), in ``bulletin.json`` and shown before
        approval, never on the public page or in the data files.
    rules : standard facts the page's fixed text states, from the tables used (``rules`` in templates).
    exceedances : what the bulletin reports as exceeding (:class:`Exceedance`), each to be
        explained before the first review step.
    public_url : the bulletin's address on the public site (``site.yaml``), printed as a QR code on
        the page and the PDF's first page.
    explanations : the explanations in force for those exceedances (key, subject, detail, cause,
        measures), printed under 超标情况说明; set by the build from the ledger
        (:mod:`publisher.publishing.explanations`).
    """

    kind: str
    period: Period
    title: str
    template: str
    context: dict[str, Any]
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    charts: list[Any] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    standards: list[str] = field(default_factory=list)
    issued: dt.date | None = None
    area: str | None = None
    review: list[ReviewNote] = field(default_factory=list)
    exceedances: list[Exceedance] = field(default_factory=list)
    public_url: str | None = None     # the page's address on the public site (its QR code); set by build
    explanations: list[dict[str, str]] = field(default_factory=list)
    #: standard facts the page's fixed text states (a threshold in a note, a date a table applies
    #: from), read from the standards tables the bulletin used; given to the template as ``rules``,
    #: not written to ``bulletin.json`` (they are the tables' content, which bulletin.json names)
    rules: dict[str, Any] = field(default_factory=dict)
    page: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.context, Record):
            self.page = self.context
            self.context = jsonable(self.context)
        elif self.page is None:
            self.page = self.context

    @property
    def slug(self) -> str:
        """The output folder below output/<kind>/: the period, plus the area for per-area kinds."""
        return slug(self.period, self.area)


def slug(period: Period, area: str | None = None) -> str:
    """A bulletin's folder below output/<kind>/: the period, plus the area for per-area kinds."""
    return period.label if not area else f"{period.label}/{area}"


def jsonable(value: Any, sep: str = "T") -> Any:
    """`value` made JSON-ready, recursively: dates as ISO strings (`sep` between date and time of
    a datetime), NaN as None, tuples as lists, keys as strings, a :class:`Record` as its fields."""
    if isinstance(value, Record):
        as_json = getattr(value, "as_json", None)
        if as_json is not None:
            return jsonable(as_json(), sep)
        return {f.name: jsonable(getattr(value, f.name), sep) for f in dataclasses.fields(value)}  # type: ignore[arg-type]
    if isinstance(value, dict):
        return {str(k): jsonable(v, sep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, sep) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=sep)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value

