"""The typed context of the sections bulletin: what ``templates/water_sections.html`` reads as ``b``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Self

from publisher.bulletins.water.common.context import WaterPage
from publisher.bulletins.base import Record


@dataclass(frozen=True)
class SectionRow(Record):
    """One section of the main table: level, target, this month's class and the months compared, status,
    compliance and exceedances as printed, and why it is missing when it is."""

    seq: int
    station_id: str
    name: str
    river: str | None
    basin: str | None
    level_zh: str
    kind: str
    target: str | None
    target_zh: str
    basis_zh: str
    water_class: int | None
    class_zh: str
    prev_class: int | None
    prev_zh: str
    ly_class: int | None
    ly_zh: str
    status: str | None
    compliant: bool | None
    compliance_zh: str
    exceedances: str
    exceedances_zh: str
    main_pollutants: str
    items_evaluated: Any
    missing: bool
    reason: str


@dataclass(frozen=True)
class SectionsContext(WaterPage):
    findings: list[str]
    summary: dict[str, Any]
    rows: list[SectionRow]
    rivers: list[dict[str, Any]]       # river and basin rows carry the changes only when there are any
    basins: list[dict[str, Any]]
    lakes: list[dict[str, Any]]
    lake_points: list[dict[str, Any]]
    changes: dict[str, Any]
    monitoring: list[dict[str, str]]
    method: dict[str, Any]
    multiple_places: int | None
    notes: list[str]
    charts: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    previous_zh: str
    sample_banner: str | None
    class_colours: dict[str, str]
    class_ink: dict[str, str]
    last_year_zh: str

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Self:
        return cls(**{**values, "rows": [r if isinstance(r, SectionRow) else SectionRow.of(r) for r in values["rows"]]})
