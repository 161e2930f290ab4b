"""The air-quality forecasts the bureau receives."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from publisher import registry as registry_mod
from publisher.demo.sample.air import O3_MONTH, PM25_MONTH
from publisher.demo.sample.common import _rng, LABEL, PREFIX
from publisher.demo.sample.files import _write_csv, Written


def _write_forecasts(reg: registry_mod.Registry, out: Path, wanted: list[str]) -> list[Written]:
    """``样例数据_YYYY-MM_空气质量预报.csv``: for every day of the month, the forecast issued that day for
    the next three days, for the region and its counties (the layout of publisher/ingest/forecast.py).
    Invented values in the range of the season (spring ozone, dry-season particles); marked 样例数据."""
    region = str(reg.region.get("name") or "")
    areas = [a.name for a in reg.areas if a.name == region or (a.level == "county" and a.city == region)]
    if not areas:
        return []
    words = {1: "一级", 2: "二级", 3: "三级"}
    written = []
    for month in wanted:
        year, mo = int(month[:4]), int(month[5:])
        first = dt.date(year, mo, 1)
        days = (dt.date(year + mo // 12, mo % 12 + 1, 1) - first).days
        rows = []
        for offset in range(days):
            issued = first + dt.timedelta(days=offset)
            for ahead in (1, 2, 3):
                day = issued + dt.timedelta(days=ahead)
                for area in areas:
                    r = _rng("forecast", area, day.isoformat(), issued.isoformat())
                    centre = 8 + 0.45 * O3_MONTH[day.month] + 0.6 * PM25_MONTH[day.month] + r.normal(0, 6)
                    low = max(10, int(round(centre - 10 - 2 * ahead)))
                    high = int(round(centre + 10 + 2 * ahead))
                    levels = [1 if v <= 50 else 2 if v <= 100 else 3 for v in (low, high)]
                    level = words[levels[0]] if levels[0] == levels[1] else f"{words[levels[0]]}～{words[levels[1]]}"
                    primary = "—" if high <= 50 else ("O₃" if day.month in (3, 4, 5, 6, 7, 8, 9) else "PM₂.₅")
                    rows.append([issued.isoformat(), day.isoformat(), area, f"{low}～{high}", level, primary, LABEL])
        path = out / f"{PREFIX}{month}_空气质量预报.csv"
        n = _write_csv(path, ["发布日期", "预报日期", "地区", "AQI范围", "级别", "首要污染物", "备注"], rows)
        written.append(Written(path, n, "air-quality forecast"))
    return written
