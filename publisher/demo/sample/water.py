"""The water values: seasonal levels per station and item, sampling times, the items of each station."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from publisher import registry as registry_mod
from publisher.demo.sample.common import _dl_text, _fmt, _rng
from publisher.demo.sample.levels import (
    EVENTS, GW_REGULAR, LAKE_ITEMS, LAKE_TROPHIC, LOAD, MEASURED, POLLUTION_ITEMS, SECTION_ITEMS,
    SOURCE_LAKE_EXTRA, SOURCE_LOAD, SOURCE_TABLE1, TABLE2, TRACE)


WET = {6: 0.5, 7: 1.0, 8: 1.0, 9: 0.7, 10: 0.3}


def _season(months: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per month: the wet-season weight (0..1) and the mean water temperature (℃) of the region."""
    m = np.array([int(x[5:]) for x in months])
    wet = np.array([WET.get(int(k), 0.0) for k in m])
    temp = 15.5 + 5.5 * np.cos(2 * np.pi * (m - 7) / 12)
    return wet, temp


@dataclass
class Cell:
    """One value as written in a file: its text (``0.01L`` for below-DL) and number for XLSX."""

    text: str
    number: float | None  # None when below DL (the text is then written)


def _water_values(station: registry_mod.Station, items: list[str], months: list[str],
                  salt: tuple[str, ...] = ()) -> dict[str, list[Cell]]:
    """Values of `items` at `station` for each of `months` (one sample per month); `salt` picks other
    generators (the early months)."""
    n = len(months)
    wet, temp = _season(months)
    out: dict[str, list[Cell]] = {}
    load = LOAD.get(station.id, SOURCE_LOAD if station.kind in registry_mod.SOURCE_KINDS else 1.0)
    lake = station.waterbody_type == "lake"
    gw = station.waterbody_type == "groundwater"
    big_river = station.river in ("怒江", "澜沧江")
    r = _rng(station.id, "temp", *salt)
    wt = temp + (-2.5 if big_river else 0) + (1.0 if lake else 0) + r.normal(0, 0.8, n)
    if gw:
        wt = 17.0 + 0.8 * (temp - 15.5) / 5.5 + r.normal(0, 0.3, n)
    trophic = LAKE_TROPHIC.get(station.id)
    summer = 0.5 + 0.5 * np.cos(2 * np.pi * (np.array([int(x[5:]) for x in months]) - 7.5) / 12)  # 0..1
    for code in items:
        r = _rng(station.id, code, *salt)
        if code == "water_temp":
            out[code] = [Cell(f"{v:.1f}", round(float(v), 1)) for v in wt]
            continue
        if code == "ph":
            base = 7.4 if gw else (8.0 if lake else 7.8)
            v = base + r.normal(0, 0.15, n) - 0.15 * wet
            out[code] = [Cell(f"{x:.2f}", round(float(x), 2)) for x in v]
            continue
        if code == "do":
            sat = (14.6 - 0.39 * wt + 0.0072 * wt**2) * 0.83  # ~1700 m altitude
            frac = 0.93 - 0.04 * (load - 1) * (0.5 + wet) + r.normal(0, 0.025, n)
            v = np.clip(sat * frac, 3.0, None)
            out[code] = [Cell(f"{x:.1f}", round(float(x), 1)) for x in v]
            continue
        if code in ("chla", "sd") or (trophic and code in ("tp", "tn", "codmn")):
            chla, tp, tn, sd, codmn = trophic or (4.0, 0.02, 0.5, 2.0, 2.5)
            level = {"chla": chla, "tp": tp, "tn": tn, "sd": sd, "codmn": codmn}[code]
            amp = {"chla": 0.7, "tp": 0.35, "tn": 0.25, "sd": -0.45, "codmn": 0.25}[code]
            v = level * (1 - abs(amp)) + level * abs(amp) * (summer if amp > 0 else 1 - summer)
            v = v * np.exp(r.normal(0, 0.08, n))
            dec = {"chla": 1, "tp": 3, "tn": 2, "sd": 2, "codmn": 1}[code]
            out[code] = [Cell(f"{x:.{dec}f}", round(float(x), dec)) for x in v]
            continue
        if code in MEASURED:
            median, sd_log, wet_amp, dec, dl = MEASURED[code]
            level = median * (load if code in POLLUTION_ITEMS else 1.0)
            if gw and code in ("codmn", "nh3_n"):
                level = {"codmn": 0.7, "nh3_n": 0.04}[code]
            if gw and code == "nitrate":
                level = 2.2
            if lake and code == "tp":
                level *= 0.6
            if big_river and code in ("tp", "turbidity"):  # sediment-laden in the rains
                wet_amp = wet_amp * 1.6
            v = level * (1 + wet_amp * wet) * np.exp(r.normal(0, sd_log, n))
            cells = []
            for x in v:
                if dl is not None and x < dl:
                    cells.append(Cell(_dl_text(dl), None))
                else:
                    text = _fmt(float(x), dec)
                    cells.append(Cell(text, float(text)))
            out[code] = cells
            continue
        if code in TRACE:
            dl, p, lo, hi, dec = TRACE[code]
            if lake and code in ("fe", "mn"):
                p = min(1.0, p + 0.2)
            hit = r.random(n) < p
            val = r.uniform(lo, hi, n)
            cells = []
            for h, x in zip(hit, val):
                text = f"{max(x, dl):.{dec}f}"
                cells.append(Cell(text, float(text)) if h and hi > 0 else Cell(_dl_text(dl), None))
            out[code] = cells
            continue
        raise KeyError(f"no sample model for item {code!r}")
    for sid, month, code, value in EVENTS:
        if sid == station.id and month in months and code in out:
            dec = 3 if value < 1 else 2
            out[code][months.index(month)] = Cell(f"{value:.{dec}f}", value)
    return out


def _sample_times(station: registry_mod.Station, months: list[str], salt: tuple[str, ...] = ()) -> list[dt.datetime]:
    r = _rng(station.id, "when", *salt)
    days = r.integers(3, 16, len(months))
    hours = r.integers(9, 16, len(months))
    minutes = r.choice([0, 10, 20, 30, 40, 50], len(months))
    return [dt.datetime(int(m[:4]), int(m[5:]), int(d), int(h), int(mi))
            for m, d, h, mi in zip(months, days, hours, minutes)]


def _items_for(station: registry_mod.Station, p33: list[str]) -> list[str]:
    if station.kind in registry_mod.SOURCE_KINDS:
        if station.waterbody_type == "groundwater":
            return GW_REGULAR
        extra = SOURCE_LAKE_EXTRA if station.waterbody_type == "lake" else []
        return SOURCE_TABLE1 + extra + TABLE2 + p33
    if station.kind == "lake_point":
        return LAKE_ITEMS
    return SECTION_ITEMS
