"""The noise surveys: functional-zone points each quarter, the road-traffic and the regional survey."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from publisher import registry as registry_mod
from publisher.demo.sample.common import _rng, LABEL, PREFIX
from publisher.demo.sample.files import _write_csv, _write_xlsx, Written
from publisher.demo.sample.water import Cell


#: zone class -> (typical Ld, typical Ln) of the sample points, dB(A)
NOISE_ZONE_LEVELS = {"0": (46.0, 37.0), "1": (51.5, 42.0), "2": (55.0, 45.5), "3": (58.5, 49.0),
                     "4a": (64.5, 53.0), "4b": (63.0, 55.0)}
#: planned exceedances: (point, quarter) -> (Ld, Ln) as measured
NOISE_EVENTS = {("nz-06", 1): (67.2, 57.4), ("nz-06", 3): (66.1, 56.2), ("nz-02", 3): (53.8, 46.3)}
#: the survey months of 2025: functional zones in the middle month of each quarter, roads in May, the grid in October
NOISE_ZONE_MONTHS = ("2025-02", "2025-05", "2025-08", "2025-11")
NOISE_ROAD_MONTH, NOISE_GRID_MONTH = "2025-05", "2025-10"
#: a grid point measured by day only (its night survey was lost): left out of the night mean
NOISE_DAY_ONLY = {"ng-17"}


def _noise_level(*key: object, mean: float, sd: float) -> float:
    return round(float(mean + _rng("noise", *key).normal(0, sd)), 1)


def _write_noise(reg: registry_mod.Registry, out: Path, wanted: list[str]) -> list[Written]:
    """The noise results of 2025 (样例数据): the functional-zone points once a quarter (CSV, UTF-8), the road-traffic
    survey in May (CSV, GBK) and the regional grid survey in October (XLSX with a title row)."""
    written: list[Written] = []
    zones = reg.by_kind("noise_zone_point")
    for quarter, month in enumerate(NOISE_ZONE_MONTHS, start=1):
        if month not in wanted or not zones:
            continue
        rows = []
        for k, point in enumerate(zones):
            day = dt.date(int(month[:4]), int(month[5:]), 10 + k % 8)
            ld_mean, ln_mean = NOISE_ZONE_LEVELS.get(point.zone_class or "2", (55.0, 45.0))
            ld = _noise_level(point.id, quarter, "ld", mean=ld_mean, sd=1.1)
            ln = _noise_level(point.id, quarter, "ln", mean=ln_mean, sd=1.0)
            ld, ln = NOISE_EVENTS.get((point.id, quarter), (ld, ln))
            rows.append([point.name, day.isoformat(), f"{ld:.1f}", f"{ln:.1f}", f"2025年第{'一二三四'[quarter - 1]}季度",
                         LABEL])
        path = out / f"{PREFIX}{month}_噪声_功能区_第{quarter}季度.csv"
        written.append(Written(path, _write_csv(path, ["点位名称", "监测日期", "昼间等效声级(dB(A))",
                                                       "夜间等效声级(dB(A))", "季度", "备注"], rows), "noise"))
    roads = reg.by_kind("noise_road_point")
    if NOISE_ROAD_MONTH in wanted and roads:
        rows = []
        for k, point in enumerate(roads):
            day = dt.date(2025, 5, 12 + k % 4)
            rows.append([point.name, day.isoformat(), f"{_noise_level(point.id, 'ld', mean=67.6, sd=1.3):.1f}",
                         f"{_noise_level(point.id, 'ln', mean=57.2, sd=1.4):.1f}", LABEL])
        path = out / f"{PREFIX}{NOISE_ROAD_MONTH}_噪声_道路交通.csv"
        written.append(Written(path, _write_csv(path, ["点位名称", "监测日期", "昼间等效声级(dB(A))",
                                                       "夜间等效声级(dB(A))", "备注"], rows, "gbk"), "noise"))
    grid = reg.by_kind("noise_grid_point")
    if NOISE_GRID_MONTH in wanted and grid:
        rows = []
        for k, point in enumerate(grid):
            day = dt.datetime(2025, 10, 14 + k % 5)
            ld = _noise_level(point.id, "ld", mean=53.6, sd=2.2)
            ln = "" if point.id in NOISE_DAY_ONLY else f"{_noise_level(point.id, 'ln', mean=44.1, sd=1.8):.1f}"
            rows.append([point.name, day, Cell(f"{ld:.1f}", ld), Cell(ln, float(ln)) if ln else ""])
        path = out / f"{PREFIX}{NOISE_GRID_MONTH}_噪声_区域.xlsx"
        n = _write_xlsx(path, f"保山市中心城区区域声环境监测结果（{LABEL}）2025年",
                        f"说明：本表为{LABEL}，由 publisher 生成，非实测数据。等效声级单位 dB(A)；空白为未测。",
                        ["点位名称", "监测日期", "昼间等效声级(dB(A))", "夜间等效声级(dB(A))"], rows)
        written.append(Written(path, n, "noise"))
    return written
