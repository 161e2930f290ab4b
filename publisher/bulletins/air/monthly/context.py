"""The typed context of the monthly air bulletin: what ``templates/air_monthly.html`` reads as ``b``.

Nested figures that are rows of the method (``period_stats`` rows, the days of an area, the stations)
stay the method's dicts; everything the bulletin composes is a record here. The JSON form of each record
(:func:`publisher.bulletins.base.jsonable`) is the dict of its fields in this order: ``bulletin.json``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publisher.bulletins.air.common import AirStation
from publisher.bulletins.base import Note, Record


@dataclass(frozen=True)
class MonthPeriod(Record):
    label: str
    label_zh: str
    start: str
    end: str
    days: int
    month: int
    year: int
    ytd_label: str
    last_year_label_zh: str


@dataclass(frozen=True)
class Ranking(Record):
    """The bureau's ranking group (``air.yaml``) and how the month went in it."""

    name: str
    areas: list[str]
    ranked: int
    unranked: list[str]
    ties: list[str]


@dataclass(frozen=True)
class ComparisonRow(Record):
    """A city of the ranking group: its month as printed, its rank, and what it lacks when unranked."""

    name: str
    is_region: bool
    row: dict[str, Any] | None
    sample: bool
    cells: dict[str, str]
    composite_index: str
    composite_primary: str
    rank: Any
    rank_value: int | None
    good_day_ratio: str
    valid_days: int
    index_change: str
    dust_index: str | None
    lacking: list[Note]


@dataclass(frozen=True)
class CountyRow(Record):
    """A county (市、区) of the region: its month as printed and its rank among its own kind."""

    name: str
    row: dict[str, Any] | None
    sample: bool
    same_as_region: bool
    cells: dict[str, str]
    good_day_ratio: str
    ytd_ratio: str
    ytd_span: str
    ytd_full: bool
    valid_days: int
    composite_index: str
    composite_primary: str
    rank: Any
    rank_value: int | None
    alone: bool
    valid: bool
    shortfalls: list[Note]     # validity shortfalls (code, days, need); printed as their texts


@dataclass(frozen=True)
class AreaMonth(Record):
    """The region or a county: its month, year to date, comparisons, days, validity and completeness."""

    name: str
    id: str
    level: Any
    is_region: bool
    region_name: str
    sample: bool
    stations: list[AirStation]
    same_as_region: bool
    has_data: bool
    month: dict[str, Any] | None
    ytd: dict[str, Any] | None
    last_year: dict[str, Any] | None
    previous_month: dict[str, Any] | None
    yoy: dict[str, Any] | None
    yoy_ytd: dict[str, Any] | None
    mom: dict[str, Any] | None
    days: list[dict[str, Any]]
    days_without_valid_aqi: int
    no_aqi_text: str
    levels_text: str
    primary: list[dict[str, Any]]
    worst_days: list[dict[str, Any]]
    valid: bool
    shortfalls: list[Note]     # validity shortfalls (code, days, need); printed as their texts
    concentrations: list[dict[str, Any]]
    composite_primary: str
    composite_primary_name: str
    composite_text: str
    rank: Any
    rank_value: int | None
    alone: bool
    span: str
    ytd_span: str
    ytd_first: str | None
    ytd_full: bool
    ytd_2012: dict[str, Any] | None
    completeness: list[dict[str, Any]]
    dust_days: list[str]
    chart: str | None
    summary: str


@dataclass(frozen=True)
class DustSummary(Record):
    flagged: bool
    label: str
    note: str
    days: dict[str, list[str]]


@dataclass(frozen=True)
class MonthlyContext(Record):
    region: str
    bureau: str
    period: MonthPeriod
    data_label: str
    issued: str
    ranking: Ranking
    conclusions: list[str]
    areas: list[AreaMonth]
    counties: list[CountyRow]
    comparison: list[ComparisonRow]
    comparison_has_yoy: bool
    limits: dict[str, float | None]
    levels: list[dict[str, Any]]
    dust: DustSummary
    version_notes: list[str]
    validity_notes: list[str]
    validity_basis: str
    limits_note: str
    method_notes: list[str]
    source_notes: list[str]
    sample_areas: list[str]
    region_valid: bool
