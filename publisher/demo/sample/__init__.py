"""Deterministic sample data for the registry: the files station staff would drop in the inbox.

Everything written here is **sample data** (样例数据), not measurements: every file name starts with
``样例数据_``, every XLSX has a title row saying so, and the Chinese CSVs carry a ``备注`` column. The
values follow realistic levels, seasons and a few planned events (listed in ``EVENTS`` and in
sample/README.md) so that the bulletins have something to report.

The window is fixed (2025-01 .. 2026-10, crossing the 2026-03-01 change of the air standards) and the
random generator is seeded per station and item, so every run writes the same bytes, and writing a
sub-range of months gives the same values for those months as writing the whole window. The months
2025-01 .. 2025-07 (``EARLY``) were added later so that 2025 is a complete calendar year for the annual
bulletin: they are drawn from generators of their own, so the values of 2025-08 onwards are those the
window had before.

What is written, per month (water) or per quarter (county sources):

================================================  ==========================================
file                                              layout
================================================  ==========================================
``样例数据_YYYY-MM_地表水_国控断面.csv``              English wide CSV, UTF-8, item codes
``样例数据_YYYY-MM_地表水_省控断面.csv``              Chinese wide CSV, **GBK**, ``名称(单位)``
``样例数据_YYYY-MM_湖库_北海湖.xlsx``                 XLSX, title row + merged note row
``样例数据_YYYY-MM_饮用水源_城市地表水.xlsx``          XLSX, title row, merged item-group row
``样例数据_YYYY-MM_饮用水源_城市地下水_长表.csv``      long CSV ``station,time,item,value,unit``
``样例数据_YYYY-MM_饮用水源_县级_第N季度.csv``         Chinese wide CSV, GBK, ``/`` = not in plan
``样例数据_YYYY-MM_取水量_城市水源.csv``              the suppliers' monthly intake, Chinese CSV, GBK
``样例数据_YYYY-MM_取水量_县级水源_第N季度.xlsx``      the suppliers' quarterly intake, XLSX with a title row
``样例数据_YYYY-MM_空气_县城站.csv``                  English wide air CSV, hour-ending times
``样例数据_YYYY-MM_空气_腾冲市城区站.csv``             Chinese air CSV, GBK, ``--`` = missing
``样例数据_2025-MM_空气_市国控站.csv``                 the city's national stations in 2025 (``city_air``)
``样例数据_2025-MM_噪声_功能区_第N季度.csv``            noise: functional-zone points' Ld/Ln, once a quarter
``样例数据_2025-05_噪声_道路交通.csv``                  noise: the road-traffic survey (Ld/Ln per point)
``样例数据_2025-10_噪声_区域.xlsx``                     noise: the regional grid survey, XLSX with a title row
================================================  ==========================================

Air data is generated for the sample county stations, and for the city's own national stations in 2025 only
(:mod:`publisher.demo.city_air`: the annual bulletin's city chapter, before the feed starts); otherwise the
real national stations come from the
national feed copies (``sample/air_cnemc_seed_cities_2026.csv.gz``, the six seed cities, and
``sample/air_cnemc_yunnan_2026.csv.gz``, the 16 州（市） of 云南省), copied next to the files when
``with_real_air`` is set.

The package, by concept: ``common`` (window, seed, label, helpers), ``levels`` (items, levels, events),
``water``, ``air``, ``intake``, ``forecasts``, ``noise`` (the values of each kind), ``files`` (CSV and XLSX
as staff send them) and ``generate`` (`generate`, `run`, `summary`).
"""
from __future__ import annotations

from publisher.demo.sample.common import EARLY, LABEL, PREFIX, REAL_AIR, REAL_AIR_FILES, REAL_AIR_YUNNAN, SEED, WINDOW, _months
from publisher.demo.sample.files import Written
from publisher.demo.sample.generate import generate, run, summary
from publisher.demo.sample.levels import EVENTS

__all__ = ["EARLY", "EVENTS", "LABEL", "PREFIX", "REAL_AIR", "REAL_AIR_FILES", "REAL_AIR_YUNNAN", "SEED", "WINDOW",
           "Written", "_months", "generate", "run", "summary"]
