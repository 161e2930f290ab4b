"""Writing the sample files of a window of months (`generate`), and the run the demo calls (`run`)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import polars as pl

from publisher import registry as registry_mod
from publisher.demo.city_air import write as write_city_air
from publisher.demo.supervisory import write as write_supervisory
from publisher.demo.sample.air import _air_frame, _write_air
from publisher.demo.sample.common import (
    _catalogue, _check_month, _header, _months, _priority_33, EARLY, LABEL, PREFIX, REAL_AIR_FILES, SEED, WINDOW)
from publisher.demo.sample.files import _month_title, _write_csv, _write_xlsx, Written
from publisher.demo.sample.forecasts import _write_forecasts
from publisher.demo.sample.intake import _write_intake
from publisher.demo.sample.levels import (
    GW_REGULAR, LAKE_ITEMS, SECTION_ITEMS, SOURCE_LAKE_EXTRA, SOURCE_TABLE1, TABLE2)
from publisher.demo.sample.noise import _write_noise
from publisher.demo.sample.water import _items_for, _sample_times, _water_values, Cell
from publisher.errors import InputError


def generate(out: str | Path, start: str = WINDOW[0], end: str = WINDOW[1], *,
             registry: registry_mod.Registry | None = None, with_real_air: bool = True) -> list[Written]:
    """Write the sample files for months start..end (inside the fixed window) into `out`."""
    start, end = _check_month(start), _check_month(end)
    if not (WINDOW[0] <= start <= end <= WINDOW[1]):
        raise InputError(f"sample months must lie in {WINDOW[0]}..{WINDOW[1]} (got {start}..{end})")
    missing = [real for real, _ in REAL_AIR_FILES if with_real_air and not real.is_file()]
    if missing:
        raise InputError(f"未找到样例数据 {missing[0]}：真实空气数据只随源码目录提供，安装包不含"
                         f"（在源码目录中运行，或加 --no-real-air） (sample_feed_missing)")
    reg = registry or registry_mod.load()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    window = _months(*WINDOW)
    early = _months(*EARLY)
    later = window[len(early):]
    wanted = _months(start, end)
    catalogue = _catalogue()
    p33 = _priority_33()
    written: list[Written] = []

    water = {s.id: s for s in reg.by_kind(*registry_mod.WATER_KINDS)}
    values, times = {}, {}
    for sid, s in water.items():
        items = _items_for(s, p33)
        first, rest = _water_values(s, items, early, ("early",)), _water_values(s, items, later)
        values[sid] = {code: first[code] + rest[code] for code in rest}
        times[sid] = _sample_times(s, early, ("early",)) + _sample_times(s, later)

    def zh_headers(codes: list[str]) -> list[str]:
        return [_header(catalogue[c]) for c in codes]

    for month in wanted:
        i = window.index(month)
        tag = f"{PREFIX}{month}"
        # national sections: English wide CSV, UTF-8
        stations = reg.by_kind("national_section")
        if stations:
            rows = [[s.id, times[s.id][i].strftime("%Y-%m-%d %H:%M"), s.waterbody_type or ""]
                    + [values[s.id][c][i].text for c in SECTION_ITEMS] for s in stations]
            path = out / f"{tag}_地表水_国控断面.csv"
            written.append(Written(path, _write_csv(path, ["station_id", "sampled_at", "waterbody_type",
                                                           *SECTION_ITEMS], rows), "water"))
        # provincial sections: Chinese wide CSV, GBK
        stations = reg.by_kind("provincial_section")
        if stations:
            rows = [[s.name, times[s.id][i].strftime("%Y/%m/%d %H:%M")]
                    + [values[s.id][c][i].text for c in SECTION_ITEMS] + [LABEL] for s in stations]
            path = out / f"{tag}_地表水_省控断面.csv"
            written.append(Written(path, _write_csv(path, ["断面名称", "采样时间", *zh_headers(SECTION_ITEMS),
                                                           "备注"], rows, "gbk"), "water"))
        # lake points: XLSX with a title row
        stations = reg.by_kind("lake_point")
        if stations:
            rows = [[s.name, times[s.id][i]] + [values[s.id][c][i] for c in LAKE_ITEMS] for s in stations]
            path = out / f"{tag}_湖库_北海湖.xlsx"
            n = _write_xlsx(path, f"腾冲市北海湖水质监测数据（{LABEL}）{_month_title(month)}",
                            f"说明：本表为{LABEL}，由 publisher 生成，非实测数据。低于检出限的写作“检出限L”。",
                            ["点位名称", "采样时间", *zh_headers(LAKE_ITEMS)], rows)
            written.append(Written(path, n, "water"))
        # city sources, surface water: XLSX with title row and merged item-group row
        surface = [s for s in reg.by_kind("city_source") if s.waterbody_type != "groundwater"]
        if surface:
            basic = SOURCE_TABLE1 + SOURCE_LAKE_EXTRA
            codes = basic + TABLE2 + p33
            rows = [[s.name, times[s.id][i].strftime("%Y-%m-%d %H:%M")]
                    + [values[s.id][c][i] if c in values[s.id] else Cell("/", None) for c in codes] for s in surface]
            groups = [("水源", 0, 1), ("基本项目（GB 3838-2002 表1，化学需氧量除外）及湖库增测项目", 2, 1 + len(basic)),
                      ("补充项目（表2）", 2 + len(basic), 1 + len(basic) + len(TABLE2)),
                      ("优选特定项目（表3）", 2 + len(basic) + len(TABLE2), 1 + len(codes))]
            path = out / f"{tag}_饮用水源_城市地表水.xlsx"
            n = _write_xlsx(path, f"保山市中心城市集中式生活饮用水水源水质监测数据（{LABEL}）{_month_title(month)}",
                            f"说明：本表为{LABEL}，由 publisher 生成，非实测数据。", ["点位名称", "采样时间",
                                                                          *zh_headers(codes)], rows, groups)
            written.append(Written(path, n, "water"))
        # city sources, groundwater: long CSV (station, time, item, value, unit)
        ground = [s for s in reg.by_kind("city_source") if s.waterbody_type == "groundwater"]
        if ground:
            rows = [[s.name, times[s.id][i].strftime("%Y-%m-%d %H:%M"), catalogue[c]["name_zh"],
                     values[s.id][c][i].text, catalogue[c]["unit"]] for s in ground for c in GW_REGULAR]
            path = out / f"{tag}_饮用水源_城市地下水_长表.csv"
            written.append(Written(path, _write_csv(path, ["station", "time", "item", "value", "unit"], rows),
                                   "water"))
        # county sources: once a quarter, in the quarter's middle month; Chinese wide CSV, GBK, "/" = not in plan
        stations = reg.by_kind("county_source")
        if stations and int(month[5:]) % 3 == 2:
            codes = list(dict.fromkeys(SOURCE_TABLE1 + SOURCE_LAKE_EXTRA + TABLE2 + p33 + GW_REGULAR))
            rows = []
            for s in stations:
                mine = set(_items_for(s, p33))
                rows.append([s.name, times[s.id][i].strftime("%Y-%m-%d %H:%M")]
                            + [values[s.id][c][i].text if c in mine else "/" for c in codes] + [LABEL])
            quarter = (int(month[5:]) - 1) // 3 + 1
            path = out / f"{tag}_饮用水源_县级_第{quarter}季度.csv"
            written.append(Written(path, _write_csv(path, ["点位名称", "采样时间", *zh_headers(codes), "备注"],
                                                    rows, "gbk"), "water"))

        written += _write_intake(reg, out, month)

    # key polluting units' outlet results, one file a quarter
    written += [Written(path, rows, "supervisory") for path, rows in
                write_supervisory(out, reg, wanted, PREFIX, LABEL, SEED)]
    air_parts = [_air_frame(reg, early, ("early",)), _air_frame(reg, later)]
    if all(part is not None for part in air_parts):
        written += _write_air(pl.concat(air_parts), reg, out, wanted)
    written += [Written(path, rows, "air") for path, rows in write_city_air(reg, out, wanted)]
    # forecasts start with the first window (2025-08): the annual bulletin does not read them
    written += _write_forecasts(reg, out, [m for m in wanted if m >= later[0]])
    written += _write_noise(reg, out, wanted)
    for real, rows in REAL_AIR_FILES if with_real_air else ():
        target = out / real.name
        shutil.copyfile(real, target)
        written.append(Written(target, rows, "real air (CNEMC feed copy)"))
    return written


def summary(written: list[Written], seconds: float | None = None) -> str:
    """A short Chinese summary of a generate() run."""
    by_kind: dict[str, tuple[int, int]] = {}
    for w in written:
        files, rows = by_kind.get(w.what, (0, 0))
        by_kind[w.what] = (files + 1, rows + w.rows)
    parts = [f"{what}: {files} 个文件 {rows} 行" for what, (files, rows) in by_kind.items()]
    took = f"，用时 {seconds:.1f} 秒" if seconds is not None else ""
    return f"已写入 {len(written)} 个{LABEL}文件（" + "；".join(parts) + f"）{took}"


def run(out: str | Path, start: str = WINDOW[0], end: str = WINDOW[1], *,
        registry: registry_mod.Registry | None = None, with_real_air: bool = True) -> tuple[list[Written], float]:
    began = time.perf_counter()
    written = generate(out, start, end, registry=registry, with_real_air=with_real_air)
    return written, time.perf_counter() - began
