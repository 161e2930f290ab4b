"""The typed context of the drinking-water source bulletins (city and county): what
``templates/water_sources.html`` and ``water_sources_county.html`` read as ``b``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Self

from publisher.bulletins.water.common.context import WaterPage
from publisher.bulletins.base import Record


@dataclass(frozen=True)
class SourceRow(Record):
    """One source of the main table: its evaluation this period as printed, its intake volume, and why
    it is missing when it is."""

    seq: int
    station_id: str
    county: str | None
    name: str
    type: str | None
    type_zh: str
    target: str | None
    target_zh: str
    water_class: int | None
    class_zh: str
    status: str | None
    compliant: bool | None
    compliance_zh: str
    exceedances: str
    exceedances_zh: str
    tn_class: int | None
    tn_zh: str
    tli: float | None
    tli_zh: str
    trophic_state: str | None
    volume: float | None
    volume_zh: str
    volume_source: str
    volume_source_zh: str
    n_items: int | None
    missing: bool
    reason: str
    tables_measured: list[str]


@dataclass(frozen=True)
class SourcesContext(WaterPage):
    scope_zh: str
    this_zh: str
    findings: list[str]
    summary: dict[str, Any]
    rows: list[SourceRow]
    trophic: list[SourceRow]
    counties: list[dict[str, Any]]
    changes: dict[str, Any]
    monitoring: list[dict[str, str]]
    method: dict[str, Any]
    notes: list[str]
    remarks: list[str]
    charts: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    table_columns: list[str]
    volume_zh: str
    multiple_places: int | None
    comparison: dict[str, Any]
    sample_banner: str | None
    class_colours: dict[str, str]
    class_ink: dict[str, str]

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Self:
        return cls(**{**values, "rows": [SourceRow.of(r) for r in values["rows"]],
                      "trophic": [SourceRow.of(r) for r in values["trophic"]]})
