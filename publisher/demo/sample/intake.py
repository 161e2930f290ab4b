"""The water suppliers' intake per drinking-water source, monthly and quarterly."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from publisher import registry as registry_mod
from publisher.demo.sample.common import _rng, LABEL, PREFIX
from publisher.demo.sample.files import _write_csv, _write_xlsx, Written
from publisher.demo.sample.water import Cell


INTAKE_YEARS = (2025, 2026)   # the monthly model covers these calendar years (a quarter may start before the window)


def _intake_months(station: registry_mod.Station) -> dict[str, float]:
    """Monthly intake of `station` (万吨, 1 decimal) for every month of INTAKE_YEARS: the registry's volume, a
    little more in the dry season (Nov–May), and a few percent of noise; seeded per station."""
    months = [f"{y:04d}-{m:02d}" for y in INTAKE_YEARS for m in range(1, 13)]
    r = _rng(station.id, "intake")
    noise = r.normal(0, 0.04, len(months))
    base = float(station.volume or 0.0)
    out = {}
    for k, month in enumerate(months):
        m = int(month[5:])
        dry = 0.06 if m in (11, 12, 1, 2, 3, 4, 5) else -0.04
        out[month] = round(base * (1 + dry) * float(np.exp(noise[k])), 1)
    return out


def _write_intake(reg: registry_mod.Registry, out: Path, month: str) -> list[Written]:
    """The suppliers' files of `month`: the city sources' intake of the month (CSV, GBK) and, in a quarter's last
    month, the county sources' intake of the quarter (XLSX with a title row)."""
    written: list[Written] = []
    tag = f"{PREFIX}{month}"
    city = [s for s in reg.by_kind("city_source") if s.volume is not None]
    if city:
        rows = [[s.name, month, f"{_intake_months(s)[month]:.1f}", LABEL] for s in city]
        path = out / f"{tag}_取水量_城市水源.csv"
        written.append(Written(path, _write_csv(path, ["水源名称", "月份", "取水量(万吨)", "备注"], rows, "gbk"),
                               "intake"))
    county = [s for s in reg.by_kind("county_source") if s.volume is not None]
    m = int(month[5:])
    if county and m % 3 == 0:
        year, quarter = int(month[:4]), m // 3
        months = [f"{year:04d}-{k:02d}" for k in range(3 * quarter - 2, 3 * quarter + 1)]
        rows = [[s.name, f"{year}年第{'一二三四'[quarter - 1]}季度",
                 Cell(f"{sum(_intake_months(s)[k] for k in months):.1f}",
                      round(sum(_intake_months(s)[k] for k in months), 1))] for s in county]
        path = out / f"{tag}_取水量_县级水源_第{quarter}季度.xlsx"
        n = _write_xlsx(path, f"县级集中式生活饮用水水源取水量统计（{LABEL}）{year}年第{'一二三四'[quarter - 1]}季度",
                        f"说明：本表为{LABEL}，由 publisher 生成，非供水单位实际报送数据。",
                        ["水源名称", "季度", "取水量(万吨)"], rows)
        written.append(Written(path, n, "intake"))
    return written
