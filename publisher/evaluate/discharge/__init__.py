"""Discharge evaluation for supervisory monitoring (监督性监测): outlet results against discharge standards.

Pure functions on polars frames; no I/O beyond reading the standards tables through
:func:`publisher.standards.in_force`. Every limit, reference oxygen content, period date and scope comes from
the YAML files of ``publisher/standards/data`` (families ``gb18918``, ``gb8978``, ``gb13223``, ``gb13271``,
``gb16297``); the method, clauses, sources and decisions are in ``docs/discharge-method.md``.

Frames
------
samples
    ``outlet_id: String, sampled_at: Date|Datetime, item: String (discharge-items.yaml code), value: Float64``;
    optional ``below_dl: Boolean`` (value is then the detection limit), ``o2: Float64`` (measured O2, % by
    volume, dry flue gas), ``water_temp: Float64`` (℃, for the NH3-N limits of GB 18918).
outlets
    ``outlet_id: String, standard: String`` (``GB 18918-2002``, ``GB18918``, ``gb18918`` …: the family; the
    version is the one in force on the sample's day) and the attributes the standard selects a limit by:
    ``class`` (一级A/一级B/二级/三级, 一级/二级/三级), ``period`` (a period name of the table, e.g. ``new``,
    ``existing``, ``in_use``) or ``built_on: Date`` (construction / EIA approval date, mapped to a period),
    ``scopes`` (industry / source terms of the table, list or ``、``/``,``-joined text), ``fuel`` (coal/oil/gas),
    ``equipment`` (boiler/gas_turbine), ``gas_kind`` (natural_gas/other), ``special: Boolean`` (特别排放限值)
    with optional ``special_from: Date``, ``province``, ``flags`` (list or text), ``capacity_t_h`` /
    ``capacity_mw`` (boiler size, GB 13271 dates).

:func:`evaluate` returns one row per sample with the limit, its clause and confidence, the value converted to
the reference oxygen content where the standard requires it, and ``status`` ``compliant | exceeding |
not_judged`` (``status_zh`` 达标/超标/未判定) with ``exceed_multiple`` = C/limit − 1 or a ``reason`` code.

Modules: ``limits`` (limit rows, outlets, picking a limit), ``oxygen`` (reference O2 conversion), ``judge``
(samples against limits). The names below are the public interface.
"""
from __future__ import annotations

from publisher.evaluate.discharge.limits import (
    CONDITION_DIMENSIONS,
    FAMILIES,
    FAMILY_MEDIUM,
    LimitRow,
    Outlet,
    Pick,
    REASONS,
    boiler_size,
    catalogue,
    family_of,
    item_name,
    limit_rows,
    limits_frame,
    local_families,
    medium_of,
    outlet_period,
    pick_limit,
)
from publisher.evaluate.discharge.oxygen import (
    OxygenReference,
    oxygen_reference,
    reference_o2_concentration,
    reference_o2_expr,
)
from publisher.evaluate.discharge.judge import (
    SAMPLE_SCHEMA,
    STATUS_ZH,
    evaluate,
    format_limit,
    limits_for,
    outlets_from_frame,
)

__all__ = [
    "CONDITION_DIMENSIONS", "FAMILIES", "FAMILY_MEDIUM", "LimitRow", "Outlet", "OxygenReference", "Pick", "REASONS",
    "SAMPLE_SCHEMA", "STATUS_ZH", "boiler_size", "catalogue", "evaluate", "family_of", "format_limit", "local_families", "medium_of",
    "item_name", "limit_rows", "limits_for", "limits_frame", "outlet_period", "outlets_from_frame",
    "oxygen_reference", "pick_limit", "reference_o2_concentration", "reference_o2_expr",
]
