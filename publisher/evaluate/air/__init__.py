"""Ambient-air evaluation: real-time and daily AQI (HJ 633), daily and period statistics (HJ 663, GB 3095).

Every function is a pure, vectorised polars transformation of the canonical hourly air frame of
``docs/architecture.md`` (``station_id, time`` hour-END label in Beijing time, ``so2, no2, o3, pm10,
pm2_5`` [μg/m³], ``co`` [mg/m³], optional ``not_monitored``) or of the frames these functions return.
No threshold is written here: breakpoints, limits, validity counts and rounding rules come from the
dated tables of :mod:`publisher.standards` (families ``hj633``, ``gb3095``, ``hj663``), chosen per
row by the date the data belongs to.

Exactness
---------
Concentrations are carried as integers: hourly values in milli-units (0.001 μg/m³, 0.001 mg/m³) and
reported daily and period values in their reporting unit (1 μg/m³, 0.1 mg/m³ CO). Means are integer
sums divided with GB/T 8170 half-to-even rounding, and IAQIs are integer ceilings of exact
fractions, so no result depends on float summation order or on float error at a breakpoint.

The method, its order of averaging and rounding and the decisions where the texts are silent are
described in ``docs/air-method.md``.


Modules
-------
``tables``      the standards tables by date as polars expressions (private helpers)
``aqi``         IAQI, AQI, levels, primary pollutant; the real-time (hourly) AQI
``daily``       daily values per station
``areas``       daily values of areas
``statistics``  period statistics, composite index, compliance, ranking
``validity``    validity counts of period statistics (GB 3095 表4)
``change``      year-on-year and month-on-month change
``_kernels``    private exact-arithmetic kernels (milli-units, station-day pass, O3 8-h windows)

The names below are the public interface; import them from ``publisher.evaluate.air``.
"""
from __future__ import annotations

from publisher.evaluate.air._kernels import MILLI
from publisher.evaluate.air.aqi import hourly_aqi, iaqi, level_of
from publisher.evaluate.air.areas import area_daily
from publisher.evaluate.air.change import change, previous_period
from publisher.evaluate.air.daily import daily_values, mark_not_monitored
from publisher.evaluate.air.statistics import percentile, period_stats
from publisher.vocabulary.air import DAILY_INDICATORS, POLLUTANTS

__all__ = [
    "POLLUTANTS",
    "DAILY_INDICATORS",
    "MILLI",
    "hourly_aqi",
    "daily_values",
    "area_daily",
    "period_stats",
    "change",
    "previous_period",
    "mark_not_monitored",
    "iaqi",
    "level_of",
    "percentile",
]
