"""Water-quality evaluation: GB 3838-2002, GB/T 14848-2017 and the 地表水环境质量评价办法（试行）(环办〔2011〕22号).

Pure functions on polars frames; no I/O beyond reading the standards tables through
:func:`publisher.standards.in_force`. Every limit, item list, word and rounding rule comes from the YAML
files of ``publisher/standards/data`` (families ``gb3838``, ``gb14848``, ``water_assessment``,
``water_eval``); the method with its citations is in ``docs/water-method.md``.

Frames
------
samples
    The long water frame of ``docs/architecture.md``: ``station_id, sampled_at, item, value, below_dl,
    waterbody_type`` (``river | lake | groundwater``). A below-detection-limit result has ``below_dl`` true
    and ``value`` = the detection limit (DL).
stations
    Optional station metadata: ``station_id`` and any of ``target_class`` (``Ⅰ``..``Ⅴ`` or 1..5),
    ``assessment`` (``national | provincial | source``), ``x_items`` (list of codes or comma-joined text),
    ``kind``, ``waterbody_type``, ``name``, ``river``, ``basin``, ``water_body``, ``volume``.
    :func:`stations_frame` builds it from a loaded registry.

Classes are integers 1..6 (Ⅰ..Ⅴ, 6 = 劣Ⅴ; groundwater 1..5) inside frames; :func:`class_label` turns them
into the printed ``Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ`` (:mod:`publisher.vocabulary.water`).

Modules
-------
``items``        item catalogue, printed values, report decimals
``classes``      each value against the class limits in force on its day
``aggregation``  time aggregation (½ DL) and point aggregation
``stations``     station metadata as the evaluation reads it
``xitems``       "X" items from the data (national sections, 5+X)
``multiples``    exceedance multiples as printed
``assessment``   station class, status, main pollutants, compliance
``trophic``      trophic state of lakes (TLI)
``groups``       rivers, basins, lakes
``trend``        change wording between periods
``sources``      drinking-water source compliance rates
``_codes``       private integer-coding machinery and the evaluation memo

The names below are the public interface; import them from ``publisher.evaluate.water``.
"""
from __future__ import annotations

from publisher.evaluate.water._codes import CLASS_TABLES, SINGLE_TABLES, normalize_waterbody
from publisher.evaluate.water.aggregation import PERIODS, aggregate_points, period_values
from publisher.evaluate.water.assessment import evaluate, status_of
from publisher.evaluate.water.classes import item_classes
from publisher.evaluate.water.groups import lake_summary, river_summary
from publisher.evaluate.water.items import SAMPLE_SCHEMA, catalogue, format_value, item_name, report_decimals
from publisher.evaluate.water.multiples import format_multiple, format_multiples, multiple_places
from publisher.evaluate.water.sources import compliance_rates
from publisher.evaluate.water.stations import stations_frame
from publisher.evaluate.water.trend import proportion_change, share_change, status_change
from publisher.evaluate.water.trophic import trophic_state, trophic_weights
from publisher.evaluate.water.xitems import with_x_items, x_exceedances, x_items_from_data
from publisher.vocabulary.water import CLASS_LABELS, class_label, class_number

__all__ = [
    "CLASS_LABELS", "CLASS_TABLES", "PERIODS", "SAMPLE_SCHEMA", "SINGLE_TABLES",
    "aggregate_points", "catalogue", "class_label", "class_number", "compliance_rates", "evaluate",
    "format_multiple", "format_multiples", "format_value", "item_classes", "item_name", "lake_summary",
    "multiple_places", "normalize_waterbody", "period_values", "proportion_change", "report_decimals",
    "river_summary", "share_change", "stations_frame", "status_change", "status_of", "trophic_state",
    "trophic_weights", "with_x_items", "x_exceedances", "x_items_from_data",
]
